#include "plan/writes.hpp"

#include <nlohmann/json.hpp>

#include "plan/ownership.hpp"
#include "util/strings.hpp"
#include "util/url.hpp"

namespace authdiff::plan {

namespace {

using nlohmann::json;

bool is_write(const std::string& method) {
  return method == "PUT" || method == "PATCH" || method == "DELETE";
}

// The parameter of the object `path` ends with ("/tickets/{ticketId}" -> ticketId), or "".
std::string last_parameter(const std::string& path) {
  if (path.empty() || path.back() != '}') return "";
  const auto open = path.rfind("/{");
  if (open == std::string::npos) return "";
  return path.substr(open + 2, path.size() - open - 3);
}

bool unique_field(std::string name) {
  std::erase_if(name, [](char c) { return c == '_' || c == '-' || c == '.'; });
  name = to_lower(name);
  for (const char* f :
       {"email", "mail", "emailaddress", "username", "login", "loginname", "handle", "slug",
        "nickname", "nick", "accountname", "screenname", "uniquename", "userid"}) {
    if (name == f) return true;
  }
  return false;
}

void freshen(json& v, const std::string& key, const std::string& tag, int depth) {
  if (depth > 16) return;
  if (v.is_object()) {
    for (auto& [k, child] : v.items()) freshen(child, k, tag, depth + 1);
    return;
  }
  if (v.is_array()) {
    for (auto& child : v) freshen(child, key, tag, depth + 1);
    return;
  }
  if (!v.is_string()) return;
  const std::string s = v.get<std::string>();
  const auto at = s.find('@');
  if (at != std::string::npos && at > 0 && s.find('.', at) != std::string::npos &&
      s.find(' ') == std::string::npos) {
    v = s.substr(0, at) + "." + tag + s.substr(at);
  } else if (unique_field(key)) {
    v = (s.empty() ? std::string("user") : s) + "-" + tag;
  }
}

}  // namespace

const WriteTarget* WriteTargets::find(std::size_t write) const {
  for (const auto& t : targets) {
    if (t.write == write) return &t;
  }
  return nullptr;
}

WriteTargets write_targets(const Plan& plan) {
  WriteTargets out;
  for (std::size_t i = 0; i < plan.operations.size(); ++i) {
    const OperationPlan& w = plan.operations[i];
    if (w.skipped || !is_write(w.op->method)) continue;
    const std::string param = last_parameter(w.op->path);
    if (param.empty()) continue;  // a write on a collection or a singleton: no object to make
    const std::string resource = resource_of(w.op->path, param);
    std::optional<std::size_t> create, read;
    for (std::size_t k = 0; k < plan.operations.size(); ++k) {
      const OperationPlan& o = plan.operations[k];
      if (o.excluded) continue;
      // A POST the config leaves to --allow-unsafe is still used here: a throwaway object that
      // is deleted again is the safe way to test the write the config opted in.
      if (o.op->method == "POST" && o.op->path == resource) create = k;
      if (o.op->method == "GET" && o.op->path == w.op->path && !o.skipped) read = k;
    }
    if (!create) {
      out.untestable.emplace_back(
          i, "no POST " + resource + " to create an object for the " + w.op->method +
                 " to act on (authdiff never writes to an identity's real objects)");
    } else if (!read) {
      out.untestable.emplace_back(i, "no GET " + w.op->path +
                                         " to read the object back and see "
                                         "whether the " +
                                         w.op->method + " went through");
    } else {
      out.targets.push_back({i, *create, *read, param});
    }
  }
  return out;
}

std::string fresh_unique_values(const std::string& body, const std::string& tag) {
  json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded() || !(doc.is_object() || doc.is_array())) return body;
  freshen(doc, "", tag, 0);
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<std::string> with_object(const std::string& url, const std::string& old_id,
                                       const std::string& new_id) {
  if (old_id.empty()) return std::nullopt;
  const auto scheme = url.find("://");
  const std::size_t path_at = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (path_at == std::string::npos) return std::nullopt;
  const std::size_t path_end = std::min(url.find('?', path_at), url.find('#', path_at));
  for (const std::string& form : {old_id, url_encode(old_id)}) {
    for (std::size_t at = url.find("/" + form, path_at); at != std::string::npos && at < path_end;
         at = url.find("/" + form, at + 1)) {
      const std::size_t end = at + 1 + form.size();
      const char next = end < url.size() ? url[end] : '\0';
      if (next == '\0' || next == '/' || next == '?' || next == ';' || next == '.' || next == '#') {
        return url.substr(0, at + 1) + url_encode(new_id) + url.substr(end);
      }
    }
  }
  return std::nullopt;
}

}  // namespace authdiff::plan
