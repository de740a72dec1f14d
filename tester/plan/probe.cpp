#include "plan/probe.hpp"

#include <algorithm>

#include "util/strings.hpp"

namespace authdiff::plan {

using config::Access;

namespace {

std::string form_encode(const nlohmann::json& body) {
  std::string out;
  if (!body.is_object()) return out;
  for (const auto& [k, v] : body.items()) {
    out += (out.empty() ? "" : "&") + url_encode(k) + "=" + url_encode(value_text(v));
  }
  return out;
}

// Single quotes for the shell: 'it'\''s'.
std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (const char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

std::string env_name(std::string s) {
  for (auto& c : s) {
    c = std::isalnum(static_cast<unsigned char>(c))
            ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
            : '_';
  }
  return s;
}

}  // namespace

std::string placeholder(const std::string& identity, const std::string& what) {
  return "AUTHDIFF_" + env_name(identity) + "_" + env_name(what);
}

bool owned_path_ids(const OperationPlan& op, const config::Identity& identity, Overrides& out) {
  bool any = false;
  for (const auto& p : op.op->parameters) {
    if (p.in != "path" || !p.is_id()) continue;
    const auto* ids = owned_ids(identity, op.op->path, p.name);
    if (ids == nullptr || ids->empty()) return false;
    out[p.name] = ids->front();
    any = true;
  }
  return any;
}

bool may_access(const OperationPlan& op, const config::Identity* identity) {
  const auto& e = op.expect;
  switch (e.access) {
    case Access::everyone:
      return true;
    case Access::nobody:
      return false;
    case Access::unspecified:
    case Access::authenticated:
    case Access::owner:
      break;
    case Access::level:
      if (identity == nullptr || identity->level < e.min_level) return false;
      break;
  }
  if (identity == nullptr) return false;
  // OAuth2 scopes restrict only identities that declare theirs.
  if (!e.scope_sets.empty() && !identity->scopes.empty()) {
    return std::any_of(e.scope_sets.begin(), e.scope_sets.end(), [&](const auto& set) {
      return std::all_of(set.begin(), set.end(), [&](const std::string& scope) {
        return std::find(identity->scopes.begin(), identity->scopes.end(), scope) !=
               identity->scopes.end();
      });
    });
  }
  return true;
}

Request make_request(const Plan& plan, std::size_t op_index, const Principals& principals,
                     const std::string& identity, Credential credential, const Overrides& overrides,
                     const std::set<std::string>& omit) {
  const OperationPlan& p = plan.operations[op_index];
  const spec::Operation& op = *p.op;
  const config::Identity* id = identity.empty() ? nullptr : principals.identity(identity);
  const std::string url =
      build_url(plan.base_url, op, [&](const spec::Parameter& param) -> std::optional<std::string> {
        if (omit.contains(param.name)) return std::nullopt;
        if (const auto o = overrides.find(param.name); o != overrides.end()) return o->second;
        if (param.in == "query" && !param.required) return std::nullopt;
        if (const auto* ids = id && param.is_id() ? owned_ids(*id, op.path, param.name) : nullptr;
            ids && !ids->empty()) {
          return ids->front();
        }
        return value_text(param.example.value);
      });
  Request r;
  r.method = op.method;
  r.url = url;
  r.identity = identity;
  r.credential = identity.empty() ? Credential::none : credential;
  if (op.body && op.method != "GET" && op.method != "HEAD" && op.method != "DELETE") {
    const std::string& type = op.body->content_type;
    r.headers.emplace_back("Content-Type", type);
    r.body =
        type.find("form-urlencoded") != std::string::npos
            ? form_encode(op.body->example.value)
            : op.body->example.value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  r.headers.emplace_back("Accept", "application/json, */*;q=0.5");
  if (op.is_list) r.list_pointer = op.list_pointer;
  return r;
}

std::vector<Baseline> operation_baselines(const Plan& plan, std::size_t i,
                                          const Principals& principals) {
  std::vector<Baseline> out;
  const OperationPlan& p = plan.operations[i];
  if (p.skipped) return out;
  if (p.expect.access == Access::everyone) {
    out.push_back({i, "", make_request(plan, i, principals, "", Credential::none)});
    return out;
  }
  for (const auto& id : principals.identities()) {
    if (!may_access(p, &id)) continue;
    Overrides ids;
    if (p.expect.access == Access::owner) {
      const bool has_id_param =
          std::any_of(p.op->parameters.begin(), p.op->parameters.end(),
                      [](const auto& q) { return q.in == "path" && q.is_id(); });
      if (has_id_param && !owned_path_ids(p, id, ids)) continue;
    }
    out.push_back({i, id.name, make_request(plan, i, principals, id.name, Credential::own, ids)});
  }
  return out;
}

std::vector<Baseline> plan_baselines(const Plan& plan, const Principals& principals) {
  std::vector<Baseline> out;
  for (std::size_t i = 0; i < plan.operations.size(); ++i) {
    for (auto& b : operation_baselines(plan, i, principals)) out.push_back(std::move(b));
  }
  return out;
}

std::string curl_command(const Request& request, const config::Config& config,
                         const Principals& principals) {
  std::string cmd = "curl -i";
  // Dot segments and doubled slashes reach the server as written (curl would squash them).
  const std::string path = request.url.substr(0, request.url.find('?'));
  if (path.find("/./") != std::string::npos || path.find("/../") != std::string::npos ||
      path.find("//", path.find("://") + 3) != std::string::npos)
    cmd += " --path-as-is";
  if (request.method == "HEAD") {
    cmd += " -I";
  } else if (request.method != "GET") {
    cmd += " -X " + request.method;
  }
  std::string url = request.url;
  const config::Identity* id =
      request.identity.empty() ? nullptr : principals.identity(request.identity);
  std::string auth;
  if (id != nullptr && request.credential != Credential::none) {
    const bool fake = request.credential == Credential::garbage;
    const auto value = [&](const std::string& what) {
      if (request.credential == Credential::tampered) {
        // `authdiff tamper` makes the same change to the real credential.
        std::string call =
            "$(authdiff tamper " + request.tamper + " \"$" + placeholder(id->name, what) + "\"";
        if (!request.tamper_other.empty())
          call += " \"$" + placeholder(request.tamper_other, what) + "\"";
        return call + ")";
      }
      return fake ? std::string("not-a-real-credential") : "$" + placeholder(id->name, what);
    };
    const auto& c = id->credentials;
    if (c.bearer) auth += " -H \"Authorization: Bearer " + value("token") + "\"";
    if (c.basic_user) auth += " -u \"" + value("user") + ":" + value("password") + "\"";
    for (const auto& [k, v] : c.headers) auth += " -H \"" + k + ": " + value("header_" + k) + "\"";
    std::vector<std::string> cookies;
    for (const auto& [k, v] : c.cookies) cookies.push_back(k + "=" + value("cookie_" + k));
    if (!cookies.empty()) auth += " -b \"" + join(cookies, "; ") + "\"";
    for (const auto& [k, v] : c.query) {
      url += (url.find('?') == std::string::npos ? "?" : "&") + url_encode(k) + "=" +
             value("query_" + k);
    }
  }
  const bool needs_double_quotes = url.find('$') != std::string::npos;
  cmd += " " + (needs_double_quotes ? "\"" + url + "\"" : shell_quote(url)) + auth;
  for (const auto& [k, v] : config.target.headers) {
    cmd += config.target.secret_headers.contains(k)
               ? " -H \"" + k + ": $" + placeholder("header", k) + "\""
               : " -H " + shell_quote(k + ": " + v);
  }
  for (const auto& [k, v] : request.headers) {
    if (k == "Accept") continue;
    cmd += " -H " + shell_quote(k + ": " + v);
  }
  if (!request.body.empty()) cmd += " --data-raw " + shell_quote(request.body);
  return cmd;
}

}  // namespace authdiff::plan
