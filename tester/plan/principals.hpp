#pragma once
// The run's principals, live. The config declares the identities and is read-only once
// loaded; what the run learns about them lives here, in one object: the credentials sign-in
// fills in and renews (auth::Sessions), the objects each owns per resource and its user id
// (discovery, the objects the run makes, the owned-ID check). The sender attaches credentials
// from it and the checks read it; nothing keeps a copy.
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace authdiff::plan {

class Principals {
 public:
  // The identities as the config declares them (their static credentials and `owns`).
  explicit Principals(std::vector<config::Identity> declared)
      : m_identities(std::move(declared)) {}

  const std::vector<config::Identity>& identities() const { return m_identities; }
  const config::Identity* identity(std::string_view name) const;

  // For the stages that learn about an identity (sign-in writes its credentials and user id);
  // nullptr for an unknown name.
  config::Identity* learn(std::string_view name);

  // What discovery and the run's own objects add: an object `name` owns, of `resource`.
  void add_owned(std::string_view name, const std::string& resource, const std::string& id);
  // The order in which `name`'s objects of `resource` are used (the first one that works first).
  void set_owned(std::string_view name, const std::string& resource,
                 std::vector<std::string> ids);
  // `name`'s user id, where none is known yet.
  void learn_user_id(std::string_view name, const std::string& user_id);

 private:
  std::vector<config::Identity> m_identities;
};

}  // namespace authdiff::plan
