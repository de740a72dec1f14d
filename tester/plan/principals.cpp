#include "plan/principals.hpp"

namespace authdiff::plan {

const config::Identity* Principals::identity(std::string_view name) const {
  for (const auto& id : m_identities) {
    if (id.name == name) return &id;
  }
  return nullptr;
}

config::Identity* Principals::learn(std::string_view name) {
  for (auto& id : m_identities) {
    if (id.name == name) return &id;
  }
  return nullptr;
}

void Principals::add_owned(std::string_view name, const std::string& resource,
                           const std::string& id) {
  if (config::Identity* who = learn(name)) who->owns[resource].push_back(id);
}

void Principals::set_owned(std::string_view name, const std::string& resource,
                           std::vector<std::string> ids) {
  if (config::Identity* who = learn(name)) who->owns[resource] = std::move(ids);
}

void Principals::learn_user_id(std::string_view name, const std::string& user_id) {
  if (config::Identity* who = learn(name); who != nullptr && who->user_id.empty())
    who->user_id = user_id;
}

}  // namespace authdiff::plan
