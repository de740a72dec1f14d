#include "plan/discovery.hpp"

#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "plan/ownership.hpp"
#include "util/json_items.hpp"
#include "util/json_pointer.hpp"
#include "util/strings.hpp"
#include "util/url.hpp"

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
  // ID path parameters of the spec: name -> the resources that take them (the collection path
  // before the parameter: "/api/orders" for {orderId} of "/api/orders/{orderId}").
  std::map<std::string, std::set<std::string>> resources;
  // Resource -> a parameter that takes its IDs (what reports name).
  std::map<std::string, std::string> parameter_of;
  // The response schema ($ref) of single-object operations -> their resource.
  std::map<std::string, std::string> by_schema;

  explicit Linker(const Plan& plan) {
    for (const auto& o : plan.operations) {
      for (const auto& p : o.op->parameters) {
        if (p.in != "path" || !p.is_id()) continue;
        const std::string resource = resource_of(o.op->path, p.name);
        if (resource.empty()) continue;
        resources[p.name].insert(resource);
        parameter_of.emplace(resource, p.name);
        if (o.op->path.ends_with("/{" + p.name + "}") && o.op->method == "GET")
          if (const std::string ref = schema_ref(*o.op); !ref.empty())
            by_schema.emplace(ref, resource);
      }
    }
  }

  // The resources an `id` member names: that of the collection the object was listed by (or is
  // the answer of), else that of the schema it has. A bare `id` says nothing more.
  std::vector<std::string> of_object(const std::string& collection, const std::string& ref) const {
    if (parameter_of.contains(collection)) return {collection};
    if (const auto it = by_schema.find(ref); !ref.empty() && it != by_schema.end())
      return {it->second};
    return {};
  }

  // The resources a member named `key` (employeeId, departmentId for {deptId}) may hold an ID
  // of; bare id-like names are left to of_object.
  std::vector<std::string> of_member(const std::string& key) const {
    std::vector<std::string> out;
    const std::string lower = to_lower(key);
    if (lower == "id" || lower == "_id" || lower == "uuid") return out;
    const std::string stem = id_stem(key);
    for (const auto& [param, set] : resources) {
      const std::string pstem = id_stem(param);
      const bool same = lower == to_lower(param) && !pstem.empty();
      if (same || abbreviates(pstem, stem) || abbreviates(stem, pstem))
        out.insert(out.end(), set.begin(), set.end());
    }
    return out;
  }
};

struct Sighting {
  std::string resource, value, identity, source;
  std::string owner;      // the identity the record's own data names as its owner, or ""
  std::string parameter;  // a path parameter that takes it
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
  const std::string value = v.is_string() ? v.get<std::string>() : v.dump();
  if (value.empty() || value.size() > 64) return;
  for (const auto& r : linker.of_member(key))
    out.push_back({r, value, identity, op_key + " " + pointer, "", linker.parameter_of.at(r)});
}

// The `id` of an object that is the answer itself or an item of the operation's list: an ID
// of the resource the list is (or of the schema it returns); its owner as its data says.
void collection_id(const json& object, const std::string& pointer, const std::string& collection,
                   const std::string& ref, const std::string& op_key, const Linker& linker,
                   const std::string& identity, const std::vector<config::Identity>& identities,
                   std::vector<Sighting>& out) {
  if (!object.is_object()) return;
  const auto targets = linker.of_object(collection, ref);
  if (targets.empty()) return;
  for (const char* key : {"id", "uuid", "_id"}) {
    const auto it = object.find(key);
    if (it == object.end() || !(it->is_string() || it->is_number_integer())) continue;
    const std::string value = it->is_string() ? it->get<std::string>() : it->dump();
    if (value.empty() || value.size() > 64) continue;
    const std::string owner = owner_of(object, identities);
    for (const auto& r : targets)
      out.push_back({r, value, identity, op_key + " " + pointer + "/" + key, owner,
                     linker.parameter_of.at(r)});
  }
}

// Discovery reads at most the first k_listed items of a list. An answer of k_large bytes or more
// is parsed with every array cut to that many elements as it is read: a 5 MB list costs the
// items discovery reads, not its whole tree.
constexpr std::size_t k_listed = 200;
constexpr std::size_t k_large = 512u << 10;

json parse_answer(const std::string& body) {
  if (body.size() < k_large) return json::parse(body, nullptr, false);
  constexpr std::size_t k_object = static_cast<std::size_t>(-1);
  std::vector<std::size_t> kept;  // per open container: the elements of an array so far
  const auto keep = [&] {
    if (kept.empty() || kept.back() == k_object) return true;
    return kept.back()++ < k_listed;
  };
  const json::parser_callback_t cut = [&](int, json::parse_event_t event, json&) {
    switch (event) {
      case json::parse_event_t::object_start:
        kept.push_back(k_object);
        return true;
      case json::parse_event_t::array_start:
        kept.push_back(0);
        return true;
      case json::parse_event_t::key:
        return true;
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        if (!kept.empty()) kept.pop_back();
        return keep();
      case json::parse_event_t::value:
        return keep();
    }
    return true;
  };
  return json::parse(body, cut, false);
}

// The parent of a "me"-like path ("/api/users" for "/api/users/me").
std::string parent_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos || slash == 0 ? "" : path.substr(0, slash);
}

}  // namespace

std::vector<Baseline> discovery_requests(const Plan& plan, const Principals& principals) {
  std::vector<Baseline> out;
  for (const auto& id : principals.identities()) {
    for (std::size_t i = 0; i < plan.operations.size(); ++i) {
      const OperationPlan& p = plan.operations[i];
      if (p.skipped || p.op->method != "GET" || !may_access(p, &id)) continue;
      const bool path_params = std::any_of(p.op->parameters.begin(), p.op->parameters.end(),
                                           [](const auto& q) { return q.in == "path"; });
      if (path_params) continue;
      out.push_back({i, id.name, make_request(plan, i, principals, id.name, Credential::own)});
    }
  }
  return out;
}

Discovery discover_ids(const Plan& plan, const Principals& principals,
                       const std::vector<Baseline>& requests,
                       const std::vector<Response>& responses) {
  const Linker linker(plan);
  std::vector<Sighting> sightings;
  Discovery d;
  // Each answer parsed when it is read and dropped after: a run of large lists holds one parsed
  // answer at a time. ("Me" answers are read twice: they are small.)
  const auto parse = [&](std::size_t i) {
    const Response& r = responses[i];
    if (!r.ok() || r.status < 200 || r.status >= 300 || r.truncated) return json();
    return parse_answer(r.body);
  };
  // First who each identity is: "me" answers tell its user id, unless the config or the
  // sign-in already did. Owner fields are then read against those ids.
  std::vector<config::Identity> identities = principals.identities();
  for (std::size_t i = 0; i < requests.size() && i < responses.size(); ++i) {
    const spec::Operation& op = *plan.operations[requests[i].operation].op;
    if (!is_me_like(op.path)) continue;
    const json me = parse(i);
    if (!me.is_object()) continue;
    std::optional<std::string> uid = user_id_in(me, "");
    for (const char* key : {"id", "_id", "uuid"}) {
      if (uid) break;
      if (const auto it = me.find(key);
          it != me.end() && (it->is_string() || it->is_number_integer()))
        uid = it->is_string() ? it->get<std::string>() : it->dump();
    }
    if (!uid) continue;
    d.user_ids.emplace_back(requests[i].identity, *uid);
    for (auto& id : identities) {
      if (id.name == requests[i].identity && id.user_id.empty()) id.user_id = *uid;
    }
  }
  for (std::size_t i = 0; i < requests.size() && i < responses.size(); ++i) {
    const json body = parse(i);
    if (body.is_null() || body.is_discarded()) continue;
    const spec::Operation& op = *plan.operations[requests[i].operation].op;
    const std::string& who = requests[i].identity;
    // Named IDs (orderId, departmentId) in the caller's own record are its own; the same names
    // elsewhere are references to other objects and prove nothing about access.
    if (is_me_like(op.path)) {
      walk(body, "", "", 0, linker, who, op.key(), sightings);
      // GET /users/me answers with a record of /users.
      collection_id(body, "", parent_of(op.path), schema_ref(op), op.key(), linker, who, identities,
                    sightings);
    } else {
      collection_id(body, "", op.path, schema_ref(op), op.key(), linker, who, identities,
                    sightings);
    }
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
        for (std::size_t k = 0; k < list->size() && k < k_listed; ++k)
          collection_id((*list)[k], op.list_pointer + "/" + std::to_string(k), op.path, "",
                        op.key(), linker, who, identities, sightings);
      }
    }
    // OpenAPI links name exactly which value of this answer another operation takes.
    for (const auto& link : op.links) {
      for (const auto& target : plan.operations) {
        if (target.op->operation_id != link.operation_id) continue;
        const bool is_path_id =
            std::any_of(target.op->parameters.begin(), target.op->parameters.end(),
                        [&](const auto& q) { return q.in == "path" && q.name == link.parameter; });
        const std::string resource = resource_of(target.op->path, link.parameter);
        if (!is_path_id || resource.empty()) continue;
        try {
          const json& v = body.at(json::json_pointer(link.pointer));
          if (v.is_string() || v.is_number_integer())
            sightings.push_back({resource, v.is_string() ? v.get<std::string>() : v.dump(), who,
                                 op.key() + " " + link.pointer + " (link)", "", link.parameter});
        } catch (const json::exception&) {
        }
      }
    }
  }
  std::map<std::string, int> level;
  for (const auto& id : principals.identities()) level[id.name] = id.level;
  // (resource, value) -> who saw it (and where), and whom its data names as the owner.
  struct Seen {
    std::map<std::string, std::string> by;  // identity -> source
    std::string owner, parameter;
  };
  std::map<std::pair<std::string, std::string>, Seen> seen;
  for (const auto& s : sightings) {
    Seen& x = seen[{s.resource, s.value}];
    x.by.emplace(s.identity, s.source);
    x.parameter = s.parameter;
    if (!s.owner.empty()) x.owner = s.owner;
  }
  std::map<std::pair<std::string, std::string>, std::size_t> kept;  // (identity, resource)
  for (const auto& [key, x] : seen) {
    const std::string& resource = key.first;
    const std::string& value = key.second;
    for (const auto& sighting : x.by) {
      const std::string& identity = sighting.first;
      const std::string& source = sighting.second;
      // The record's own data decides where it names an owner: a list that leaks every
      // customer's carts does not make them everyone's.
      bool owned = false;
      if (!x.owner.empty()) {
        owned = x.owner == identity;
      } else {
        owned = std::none_of(x.by.begin(), x.by.end(), [&](const auto& other) {
          return other.first != identity && level[other.first] <= level[identity];
        });
      }
      if (!owned) {
        ++d.shared;
        continue;
      }
      const config::Identity* id = principals.identity(identity);
      if (id == nullptr) continue;
      const std::string& param = x.parameter;
      // IDs the config gives for this resource (or its parameter) are the config's own.
      const std::string item_path = resource + "/{" + param + "}";
      if (owned_ids(*id, item_path, param) != nullptr) continue;
      if (kept[{identity, resource}]++ >= k_max_discovered) continue;
      d.owned.push_back({identity, param, value, source, resource});
    }
  }
  return d;
}

void adopt(Principals& principals, const Discovery& discovery) {
  for (const auto& found : discovery.owned)
    principals.add_owned(found.identity, found.resource, found.value);
  for (const auto& [name, user_id] : discovery.user_ids) principals.learn_user_id(name, user_id);
}

namespace {

// The member at any of `pointers` of `body` (top level, or under the usual envelopes).
const json* member(const json& body, std::initializer_list<const char*> pointers) {
  for (const char* p : pointers) {
    try {
      const json& v = body.at(json::json_pointer(p));
      if (!v.is_null()) return &v;
    } catch (const json::exception&) {
    }
  }
  return nullptr;
}

std::optional<long long> number_in(const json* v) {
  if (v == nullptr) return std::nullopt;
  if (v->is_number_integer()) return v->get<long long>();
  if (v->is_string()) {
    try {
      std::size_t used = 0;
      const long long n = std::stoll(v->get<std::string>(), &used);
      if (used == v->get<std::string>().size()) return n;
    } catch (const std::exception&) {
    }
  }
  return std::nullopt;
}

// `url` with query parameter `name` set to `value` (replaced where present).
std::string with_query(const std::string& url, const std::string& name, const std::string& value) {
  const auto q = url.find('?');
  std::string base = url.substr(0, q);
  std::vector<std::string> parts;
  if (q != std::string::npos) {
    for (auto& part : split(url.substr(q + 1), '&')) {
      if (part.empty() || part.substr(0, part.find('=')) == name) continue;
      parts.push_back(part);
    }
  }
  parts.push_back(name + "=" + url_encode(value));
  return base + "?" + join(parts, "&");
}

// The query parameter of `op` whose (squashed) name is one of `names`.
const spec::Parameter* query_param(const spec::Operation& op,
                                   std::initializer_list<const char*> names) {
  for (const auto& p : op.parameters) {
    if (p.in != "query") continue;
    std::string n = to_lower(p.name);
    std::erase_if(n, [](char c) { return c == '_' || c == '-' || c == '[' || c == ']'; });
    for (const char* name : names) {
      if (n == name) return &p;
    }
  }
  return nullptr;
}

// The value query parameter `name` has in `url`, or "".
std::string query_value(const std::string& url, const std::string& name) {
  const auto q = url.find('?');
  if (q == std::string::npos) return "";
  for (const auto& part : split(url.substr(q + 1), '&')) {
    const auto eq = part.find('=');
    if (part.substr(0, eq) == name) return eq == std::string::npos ? "" : part.substr(eq + 1);
  }
  return "";
}

}  // namespace

std::optional<Request> next_page(const Plan& plan, const Baseline& request,
                                 const Response& answer) {
  if (!answer.ok() || answer.status < 200 || answer.status >= 300 || answer.truncated)
    return std::nullopt;
  const spec::Operation& op = *plan.operations[request.operation].op;
  const auto origin = parse_url(request.request.url.substr(0, request.request.url.find('?')));
  if (!origin) return std::nullopt;
  Request next = request.request;
  const auto follow = [&](std::string link) -> std::optional<Request> {
    link = std::string(trim(link));
    if (link.empty()) return std::nullopt;
    if (link.front() == '?') {
      next.url = request.request.url.substr(0, request.request.url.find('?')) + link;
    } else if (link.front() == '/') {
      next.url = origin->origin() + link;
    } else if (link.rfind("http://", 0) == 0 || link.rfind("https://", 0) == 0) {
      const auto target = parse_url(link.substr(0, link.find('?')));
      if (!target || target->origin() != origin->origin()) return std::nullopt;  // never leave
      next.url = link;
    } else {
      return std::nullopt;
    }
    if (next.url == request.request.url) return std::nullopt;
    return next;
  };
  // RFC 8288: Link: <https://api/x?page=2>; rel="next"
  if (const std::string* link = answer.header("link")) {
    for (const auto& part : split(*link, ',')) {
      const auto open = part.find('<'), close = part.find('>');
      if (open == std::string::npos || close == std::string::npos || close < open) continue;
      const std::string rel = to_lower(part.substr(close));
      if (rel.find("rel=\"next\"") != std::string::npos ||
          rel.find("rel=next") != std::string::npos)
        return follow(part.substr(open + 1, close - open - 1));
    }
  }
  const json body = parse_answer(answer.body);
  if (!body.is_object()) return std::nullopt;
  if (const json* link = member(
          body, {"/next", "/links/next", "/_links/next/href", "/links/next/href", "/meta/next",
                 "/pagination/next", "/paging/next", "/meta/pagination/links/next", "/data/next"});
      link != nullptr) {
    if (link->is_string()) return follow(link->get<std::string>());
    return std::nullopt;
  }
  // Page numbers: the next one while the body says there are more.
  const auto more = [&](long long page) {
    if (const json* has =
            member(body, {"/hasMore", "/has_more", "/hasNext", "/has_next", "/meta/hasMore",
                          "/pagination/hasMore", "/pagination/has_more", "/meta/has_more"});
        has != nullptr && has->is_boolean())
      return has->get<bool>();
    const auto pages = number_in(member(
        body, {"/pages", "/totalPages", "/total_pages", "/lastPage", "/last_page", "/pageCount",
               "/meta/pages", "/meta/totalPages", "/meta/total_pages", "/meta/last_page",
               "/pagination/pages", "/pagination/totalPages", "/pagination/total_pages",
               "/pagination/lastPage", "/pagination/last_page", "/page/totalPages"}));
    return pages && page < *pages;
  };
  if (const spec::Parameter* page = query_param(
          op, {"page", "pagenumber", "pageno", "pageindex", "currentpage", "pagenum"})) {
    const std::string given = query_value(request.request.url, page->name);
    long long current = given.empty() ? 1 : std::atoll(given.c_str());
    if (const auto said = number_in(member(
            body, {"/page", "/currentPage", "/current_page", "/meta/page", "/meta/current_page",
                   "/pagination/page", "/pagination/currentPage", "/page/number"})))
      current = *said;
    if (current < 0 || current > 100000 || !more(current)) return std::nullopt;
    next.url = with_query(request.request.url, page->name, std::to_string(current + 1));
    return next.url == request.request.url ? std::nullopt : std::optional<Request>(next);
  }
  if (const spec::Parameter* offset = query_param(op, {"offset", "skip", "start"})) {
    const auto total = number_in(member(body, {"/total", "/totalCount", "/total_count", "/count",
                                               "/meta/total", "/pagination/total"}));
    const std::string given = query_value(request.request.url, offset->name);
    const long long at = given.empty() ? 0 : std::atoll(given.c_str());
    long long items = 0;
    const json* list = &body;
    if (op.is_list && !op.list_pointer.empty()) list = member(body, {op.list_pointer.c_str()});
    if (list != nullptr && list->is_array()) items = static_cast<long long>(list->size());
    if (items >= static_cast<long long>(k_listed) && answer.body.size() >= k_large) {
      // Parsed cut to k_listed elements: count them in the text.
      const bool at_pointer = op.is_list && !op.list_pointer.empty();
      if (const auto n = count_json_items(answer.body, at_pointer ? std::optional(op.list_pointer)
                                                                  : std::optional(std::string())))
        items = static_cast<long long>(*n);
    }
    if (!total || items == 0 || at < 0 || at + items >= *total) return std::nullopt;
    next.url = with_query(request.request.url, offset->name, std::to_string(at + items));
    return next;
  }
  return std::nullopt;
}

void keep_what_discovery_reads(Response& answer) {
  if (answer.body.size() < k_large || answer.truncated) return;
  const json cut = parse_answer(answer.body);
  if (cut.is_discarded()) return;
  answer.body = cut.dump();
  answer.body.shrink_to_fit();
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
        Creation creation{i, p.name, c.op->path, std::nullopt};
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
  const json body = parse_answer(response.body);
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
