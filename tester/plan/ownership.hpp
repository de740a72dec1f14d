#pragma once
// Who owns which object. Object IDs belong to a resource: the collection path before the
// parameter that takes them (`/carts` for `{id}` of `/carts/{id}`), not to the parameter's
// name, which real APIs reuse for everything (`id`, `_id`). A record's owner is read from its
// data: whichever field holds an identity's user id, whatever the field is called.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config.hpp"
#include "spec/model.hpp"

namespace authdiff::plan {

// The resource whose IDs path parameter `param` of `path` takes: the path before the segment
// `{param}` ("/users/{userId}/carts" for cartId of "/users/{userId}/carts/{cartId}"), or ""
// when `param` is not a whole segment of `path`.
std::string resource_of(const std::string& path, const std::string& param);

// Whether an `owns` key names `resource`: the same path (parameter names aside), or its last
// segments ("/carts" for "/api/v1/carts").
bool names_resource(const std::string& key, const std::string& resource);

// The IDs `identity` owns for path parameter `param` of `path`: under the resource's key
// first, else under the parameter's name (exact, then case-insensitive); null when none.
const std::vector<std::string>* owned_ids(const config::Identity& identity, const std::string& path,
                                          const std::string& param);

// What the config's `owns` keys name in the spec: per key, the resources it applies to.
// `problems` gets one line per key that names nothing, or a parameter name several resources
// share (its IDs are then tried on each, the wrong ones answered 404/400 and skipped).
struct OwnsCheck {
  std::vector<std::string> unknown;    // "alice: owns.ordrId names no path parameter or resource"
  std::vector<std::string> ambiguous;  // "owns.id is the parameter of /carts, /users: ..."
};
OwnsCheck check_owns(const spec::Api& api, const config::Config& config);

// Whether `value` is specific enough that a field holding it names its owner whatever the
// field is called (UUIDs, ObjectIds, e-mails, numbers of 4+ digits); short values only count
// in fields named like an owner reference (userId, owner, created_by, ...).
bool distinctive_user_id(const std::string& value);
bool owner_like_name(const std::string& field);

// The identity that owns `record` (a JSON object): the one whose user id a field of it holds
// (at any depth below 4), "" when none does or when several do (an order of a buyer and a
// seller belongs to neither alone).
std::string owner_of(const nlohmann::json& record, const std::vector<config::Identity>& identities);

// A user id an identity's sign-in answer or "me" answer tells: `user.id`, `user._id`, `userId`,
// ... in the body, else a JWT's `sub` (or `uid`, `user_id`, `userId`, `id`) claim; nullopt when
// none. `token` is the credential the answer gave (may be "").
std::optional<std::string> user_id_in(const nlohmann::json& body, const std::string& token);

}  // namespace authdiff::plan
