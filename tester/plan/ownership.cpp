#include "plan/ownership.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "util/base64.hpp"
#include "util/strings.hpp"

namespace authdiff::plan {

namespace {

using nlohmann::json;

// "/users/{userId}/carts" -> "/users/{}/carts": parameter names do not tell resources apart.
std::string shape(const std::string& path) {
  std::string out;
  bool in_param = false;
  for (const char c : path) {
    if (c == '{') {
      in_param = true;
      out += "{}";
    } else if (c == '}') {
      in_param = false;
    } else if (!in_param) {
      out += c;
    }
  }
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

std::optional<std::string> scalar_text(const json& v) {
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    if (s.empty() || s.size() > 128) return std::nullopt;
    return s;
  }
  if (v.is_number_integer() || v.is_number_unsigned()) return v.dump();
  return std::nullopt;
}

std::optional<std::string> text_at(const json& body, const std::string& pointer) {
  try {
    return scalar_text(body.at(json::json_pointer(pointer)));
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

void owners_in(const json& v, const std::string& key, int depth,
               const std::vector<config::Identity>& identities, std::set<std::string>& out) {
  if (depth > 4) return;
  if (v.is_object()) {
    for (const auto& [k, child] : v.items()) owners_in(child, k, depth + 1, identities, out);
    return;
  }
  const auto text = scalar_text(v);
  if (!text || key.empty()) return;
  for (const auto& id : identities) {
    if (id.user_id.empty() || id.user_id != *text) continue;
    if (distinctive_user_id(*text) || owner_like_name(key)) out.insert(id.name);
  }
}

}  // namespace

std::string resource_of(const std::string& path, const std::string& param) {
  const std::string segment = "/{" + param + "}";
  const auto at = path.find(segment);
  if (at == std::string::npos) return "";
  const auto end = at + segment.size();
  if (end != path.size() && path[end] != '/') return "";
  return at == 0 ? "/" : path.substr(0, at);
}

bool names_resource(const std::string& key, const std::string& resource) {
  if (key.empty() || key.front() != '/' || resource.empty()) return false;
  const std::string k = shape(key), r = shape(resource);
  if (k == r) return true;
  return r.size() > k.size() && r.ends_with(k) && r[r.size() - k.size()] == '/';
}

const std::vector<std::string>* owned_ids(const config::Identity& identity, const std::string& path,
                                          const std::string& param) {
  const std::string resource = resource_of(path, param);
  if (!resource.empty()) {
    for (const auto& [key, ids] : identity.owns) {
      if (shape(key) == shape(resource)) return &ids;
    }
    for (const auto& [key, ids] : identity.owns) {
      if (names_resource(key, resource)) return &ids;
    }
  }
  if (const auto it = identity.owns.find(param); it != identity.owns.end()) return &it->second;
  const std::string lower = to_lower(param);
  for (const auto& [key, ids] : identity.owns) {
    if (to_lower(key) == lower) return &ids;
  }
  return nullptr;
}

OwnsCheck check_owns(const spec::Api& api, const config::Config& config) {
  // Parameter name (lower case) -> the resources it takes IDs of.
  std::map<std::string, std::set<std::string>> resources;
  for (const auto& op : api.operations) {
    for (const auto& p : op.parameters) {
      if (p.in != "path") continue;
      if (const std::string r = resource_of(op.path, p.name); !r.empty())
        resources[to_lower(p.name)].insert(shape(r));
    }
  }
  OwnsCheck out;
  std::set<std::string> said;
  for (const auto& id : config.identities) {
    for (const auto& entry_of_owns : id.owns) {
      const std::string& key = entry_of_owns.first;
      if (!key.empty() && key.front() == '/') {
        const bool known = std::any_of(resources.begin(), resources.end(), [&](const auto& entry) {
          return std::any_of(entry.second.begin(), entry.second.end(),
                             [&](const std::string& r) { return names_resource(key, r); });
        });
        if (!known)
          out.unknown.push_back(id.name + ": owns." + key +
                                " names no resource of the spec (a collection path before an "
                                "ID parameter, such as /orders for /orders/{orderId})");
        continue;
      }
      const auto it = resources.find(to_lower(key));
      if (it == resources.end()) {
        out.unknown.push_back(id.name + ": owns." + key + " names no path parameter of the spec");
      } else if (it->second.size() > 1 && said.insert(to_lower(key)).second) {
        out.ambiguous.push_back(
            "owns." + key + " is the parameter of " +
            join(std::vector<std::string>(it->second.begin(), it->second.end()), ", ") +
            ": its IDs are tried on each (key them by resource instead, "
            "owns = { \"" +
            *it->second.begin() + "\" = [...] })");
      }
    }
  }
  return out;
}

bool distinctive_user_id(const std::string& value) {
  if (value.find('@') != std::string::npos || value.size() >= 6) return true;
  const bool digits =
      std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
  return value.size() >= 4 && !digits;
}

bool owner_like_name(const std::string& field) {
  std::string name = to_lower(field);
  std::erase_if(name, [](char c) { return c == '_' || c == '-'; });
  if (name == "id" || name == "uuid" || name.empty()) return false;
  if (name.ends_with("id") || name.ends_with("by") || (name.starts_with("id") && name.size() > 2))
    return true;
  for (const char* word : {"user", "owner", "creat", "author", "member", "customer", "account",
                           "person", "patient", "employee", "student", "buyer", "client", "uid"}) {
    if (name.find(word) != std::string::npos) return true;
  }
  return false;
}

std::string owner_of(const json& record, const std::vector<config::Identity>& identities) {
  if (!record.is_object()) return "";
  std::set<std::string> owners;
  owners_in(record, "", 0, identities, owners);
  return owners.size() == 1 ? *owners.begin() : "";
}

std::optional<std::string> user_id_in(const json& body, const std::string& token) {
  if (body.is_object()) {
    for (const char* pointer :
         {"/user/id", "/user/_id", "/user/uuid", "/user/userId", "/user/user_id", "/data/user/id",
          "/data/user/_id", "/data/userId", "/data/user_id", "/userId", "/user_id", "/uid",
          "/account/id", "/profile/id"}) {
      if (auto v = text_at(body, pointer)) return v;
    }
    // A sign-in answer that is the user record itself (with the token beside its fields).
    const bool is_user = body.contains("email") || body.contains("username") ||
                         body.contains("userName") || body.contains("login");
    if (is_user) {
      for (const char* pointer : {"/id", "/_id", "/uuid"}) {
        if (auto v = text_at(body, pointer)) return v;
      }
    }
  }
  std::string t(trim(without_prefix(trim(token), "Bearer ")));
  const auto first = t.find('.');
  const auto second = first == std::string::npos ? first : t.find('.', first + 1);
  if (second == std::string::npos) return std::nullopt;
  const auto payload = base64url_decode(std::string_view(t).substr(first + 1, second - first - 1));
  if (!payload) return std::nullopt;
  const json claims = json::parse(*payload, nullptr, false);
  if (!claims.is_object()) return std::nullopt;
  for (const char* claim : {"/uid", "/user_id", "/userId", "/id", "/sub"}) {
    if (auto v = text_at(claims, claim)) return v;
  }
  return std::nullopt;
}

}  // namespace authdiff::plan
