#include "plan/discovery.hpp"

#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "util/json_pointer.hpp"
#include "util/strings.hpp"

namespace authdiff::plan {

namespace {

using nlohmann::json;

bool is_me_like(const std::string& path) {
  const std::string last = to_lower(path.substr(path.rfind('/') + 1));
  return last == "me" || last == "self" || last == "current" || last == "profile" ||
         last == "whoami" || last == "account" || last == "user";
}

// "departmentId" -> "department"; "" when the name does not end in id.
std::string id_stem(const std::string& name) {
  const std::string lower = to_lower(name);
  for (const std::string suffix : {"_id", "-id", "id", "uuid"}) {
    if (lower.size() > suffix.size() && lower.ends_with(suffix))
      return lower.substr(0, lower.size() - suffix.size());
  }
  return "";
}

// Whether `shorter` abbreviates `longer`: the same first two letters, and the rest of its letters
// in order ("dept" for "department", "emp" for "employee").
bool abbreviates(const std::string& shorter, const std::string& longer) {
  if (shorter.size() < 3 || shorter.size() > longer.size() ||
      shorter.compare(0, 2, longer, 0, 2) != 0)
    return false;
  std::size_t at = 0;
  for (const char c : longer) {
    if (at < shorter.size() && shorter[at] == c) ++at;
  }
  return at == shorter.size();
}

// The schema an operation's 2xx answer declares, as something comparable: the `$ref` it uses,
// or "" when it has none.
std::string schema_ref(const spec::Operation& op) {
  if (!op.response_schema || !op.response_schema->is_object()) return "";
  const auto it = op.response_schema->find("$ref");
  return it != op.response_schema->end() && it->is_string() ? it->get<std::string>() : "";
}

struct Linker {
  // ID path parameters of the spec: name -> the collection paths of the operations taking
  // them as their last segment ("/api/orders" for "/api/orders/{orderId}").
  std::map<std::string, std::set<std::string>> collections;
  // The response schema ($ref) of single-object operations -> the parameter naming the object.
  std::map<std::string, std::string> by_schema;

  explicit Linker(const Plan& plan) {
    for (const auto& o : plan.operations) {
      for (const auto& p : o.op->parameters) {
        if (p.in != "path" || !p.is_id()) continue;
        const std::string tail = "/{" + p.name + "}";
        collections[p.name];
        if (o.op->path.ends_with(tail)) {
          collections[p.name].insert(o.op->path.substr(0, o.op->path.size() - tail.size()));
          if (o.op->method == "GET")
            if (const std::string ref = schema_ref(*o.op); !ref.empty())
              by_schema.emplace(ref, p.name);
        }
      }
    }
  }

  // The parameters a value at member `key` may be an ID for. `collection`: the path whose
  // items (or object) the member belongs to, when it is a top-level item or the answer itself.
  std::vector<std::string> parameters(const std::string& key, const std::string& collection,
                                      const std::string& ref) const {
    std::vector<std::string> out;
    const std::string lower = to_lower(key);
    const std::string stem = id_stem(key);
    for (const auto& [param, paths] : collections) {
      const std::string pstem = id_stem(param);
      if (lower == to_lower(param)) {
        out.push_back(param);
      } else if (lower == "id" && !collection.empty() && paths.contains(collection)) {
        out.push_back(param);
      } else if (lower == "id" && !ref.empty() && by_schema.contains(ref) &&
                 by_schema.at(ref) == param) {
        out.push_back(param);
      } else if (abbreviates(pstem, stem) || abbreviates(stem, pstem)) {
        out.push_back(param);  // departmentId for {deptId}
      }
    }
    return out;
  }
};

struct Sighting {
  std::string parameter, value, identity, source;
};

// Every scalar member below `v`, linked by its name alone.
void walk(const json& v, const std::string& pointer, const std::string& key, int depth,
          const Linker& linker, const std::string& identity, const std::string& op_key,
          std::vector<Sighting>& out) {
  if (depth > 12) return;
  if (v.is_object()) {
    for (const auto& [k, child] : v.items())
      walk(child, pointer + "/" + pointer_escape(k), k, depth + 1, linker, identity, op_key, out);
    return;
  }
  if (v.is_array()) {
    for (std::size_t i = 0; i < v.size() && i < 200; ++i)
      walk(v[i], pointer + "/" + std::to_string(i), key, depth + 1, linker, identity, op_key, out);
    return;
  }
  if (key.empty() || !(v.is_string() || v.is_number_integer() || v.is_number_unsigned())) return;
  // A bare "id" names whatever object holds it: only collection_id() links those.
  const std::string lower = to_lower(key);
  if (lower == "id" || lower == "uuid" || lower == "_id") return;
  const std::string value = v.is_string() ? v.get<std::string>() : v.dump();
  if (value.empty() || value.size() > 64) return;
  for (const auto& p : linker.parameters(key, "", ""))
    out.push_back({p, value, identity, op_key + " " + pointer});
}

// The `id` of an object that is the answer itself or an item of the operation's list: an ID
// of the collection the operation's path names (or of the schema it returns).
void collection_id(const json& object, const std::string& pointer, const spec::Operation& op,
                   const std::string& ref, const Linker& linker, const std::string& identity,
                   std::vector<Sighting>& out) {
  if (!object.is_object()) return;
  for (const char* key : {"id", "uuid", "_id"}) {
    const auto it = object.find(key);
    if (it == object.end() || !(it->is_string() || it->is_number_integer())) continue;
    const std::string value = it->is_string() ? it->get<std::string>() : it->dump();
    if (value.empty() || value.size() > 64) continue;
    for (const auto& p : linker.parameters("id", op.path, ref))
      out.push_back({p, value, identity, op.key() + " " + pointer + "/" + key});
  }
}

}  // namespace

std::vector<Baseline> discovery_requests(const Plan& plan, const config::Config& config) {
  std::vector<Baseline> out;
  for (const auto& id : config.identities) {
    for (std::size_t i = 0; i < plan.operations.size(); ++i) {
      const OperationPlan& p = plan.operations[i];
      if (p.skipped || p.op->method != "GET" || !may_access(p, &id)) continue;
      const bool path_params = std::any_of(p.op->parameters.begin(), p.op->parameters.end(),
                                           [](const auto& q) { return q.in == "path"; });
      if (path_params) continue;
      out.push_back({i, id.name, make_request(plan, i, config, id.name, Credential::own)});
    }
  }
  return out;
}

Discovery discover_ids(const Plan& plan, const config::Config& config,
                       const std::vector<Baseline>& requests,
                       const std::vector<Response>& responses) {
  const Linker linker(plan);
  std::vector<Sighting> sightings;
  Discovery d;
  for (std::size_t i = 0; i < requests.size() && i < responses.size(); ++i) {
    const Response& r = responses[i];
    if (!r.ok() || r.status < 200 || r.status >= 300 || r.truncated) continue;
    const json body = json::parse(r.body, nullptr, false);
    if (body.is_discarded()) continue;
    const spec::Operation& op = *plan.operations[requests[i].operation].op;
    const std::string& who = requests[i].identity;
    // Named IDs (orderId, departmentId) in the caller's own record are its own; the same names
    // elsewhere are references to other objects and prove nothing about access.
    if (is_me_like(op.path)) walk(body, "", "", 0, linker, who, op.key(), sightings);
    collection_id(body, "", op, schema_ref(op), linker, who, sightings);
    if (op.is_list) {
      const json* list = &body;
      if (!op.list_pointer.empty()) {
        try {
          list = &body.at(json::json_pointer(op.list_pointer));
        } catch (const json::exception&) {
          list = nullptr;
        }
      }
      if (list != nullptr && list->is_array()) {
        for (std::size_t k = 0; k < list->size() && k < 200; ++k)
          collection_id((*list)[k], op.list_pointer + "/" + std::to_string(k), op, "", linker, who,
                        sightings);
      }
    }
    // OpenAPI links name exactly which value of this answer another operation takes.
    for (const auto& link : op.links) {
      for (const auto& target : plan.operations) {
        if (target.op->operation_id != link.operation_id) continue;
        const bool is_path_id =
            std::any_of(target.op->parameters.begin(), target.op->parameters.end(),
                        [&](const auto& q) { return q.in == "path" && q.name == link.parameter; });
        if (!is_path_id) continue;
        try {
          const json& v = body.at(json::json_pointer(link.pointer));
          if (v.is_string() || v.is_number_integer())
            sightings.push_back({link.parameter, v.is_string() ? v.get<std::string>() : v.dump(),
                                 who, op.key() + " " + link.pointer + " (link)"});
        } catch (const json::exception&) {
        }
      }
    }
    if (is_me_like(op.path) && body.is_object() && body.contains("id") &&
        (body["id"].is_string() || body["id"].is_number_integer())) {
      d.user_ids.emplace_back(requests[i].identity, body["id"].is_string()
                                                        ? body["id"].get<std::string>()
                                                        : body["id"].dump());
    }
  }
  std::map<std::string, int> level;
  for (const auto& id : config.identities) level[id.name] = id.level;
  // (parameter, value) -> who saw it.
  std::map<std::pair<std::string, std::string>, std::map<std::string, std::string>> seen;
  for (const auto& s : sightings) seen[{s.parameter, s.value}].emplace(s.identity, s.source);
  std::map<std::pair<std::string, std::string>, std::size_t> kept;  // (identity, parameter)
  for (const auto& [key, who] : seen) {
    for (const auto& sighting : who) {
      const std::string& identity = sighting.first;
      const std::string& source = sighting.second;
      const bool shared = std::any_of(who.begin(), who.end(), [&](const auto& other) {
        return other.first != identity && level[other.first] <= level[identity];
      });
      if (shared) {
        ++d.shared;
        continue;
      }
      const config::Identity* id = config.identity(identity);
      if (id == nullptr || owned_ids(*id, key.first) != nullptr) continue;  // the config's own
      if (kept[{identity, key.first}]++ >= k_max_discovered) continue;
      d.owned.push_back({identity, key.first, key.second, source});
    }
  }
  return d;
}

void adopt(config::Config& config, const Discovery& discovery) {
  for (const auto& found : discovery.owned) {
    for (auto& id : config.identities) {
      if (id.name == found.identity) id.owns[found.parameter].push_back(found.value);
    }
  }
  for (const auto& [name, user_id] : discovery.user_ids) {
    for (auto& id : config.identities) {
      if (id.name == name && id.user_id.empty()) id.user_id = user_id;
    }
  }
}

std::vector<Creation> creations(const Plan& plan) {
  std::vector<Creation> out;
  for (std::size_t i = 0; i < plan.operations.size(); ++i) {
    const OperationPlan& c = plan.operations[i];
    if (c.skipped || c.op->method != "POST") continue;
    for (std::size_t k = 0; k < plan.operations.size(); ++k) {
      const spec::Operation& item = *plan.operations[k].op;
      if (item.method != "GET") continue;
      for (const auto& p : item.parameters) {
        if (p.in != "path" || !p.is_id() || item.path != c.op->path + "/{" + p.name + "}") continue;
        Creation creation{i, p.name, std::nullopt};
        for (std::size_t d = 0; d < plan.operations.size(); ++d) {
          // Removing what authdiff itself created needs no opt-in of the DELETE for probing;
          // an operation the config skips stays untouched.
          const OperationPlan& del = plan.operations[d];
          const bool config_skips = del.skipped && del.skip_reason.rfind("unsafe method", 0) != 0;
          if (!config_skips && del.op->method == "DELETE" && del.op->path == item.path)
            creation.remove = d;
        }
        out.push_back(creation);
      }
    }
  }
  return out;
}

std::optional<std::string> created_id(const Response& response) {
  const json body = json::parse(response.body, nullptr, false);
  for (const json* object :
       {&body, body.is_object() && body.contains("data") ? &body["data"] : nullptr}) {
    if (object == nullptr || !object->is_object() || !object->contains("id")) continue;
    const json& id = (*object)["id"];
    if (id.is_string() && !id.get<std::string>().empty()) return id.get<std::string>();
    if (id.is_number_integer()) return id.dump();
  }
  if (const std::string* location = response.header("location")) {
    std::string path = location->substr(0, location->find_first_of("?#"));
    while (!path.empty() && path.back() == '/') path.pop_back();
    const std::string last = path.substr(path.rfind('/') + 1);
    if (!last.empty()) return last;
  }
  return std::nullopt;
}

}  // namespace authdiff::plan
