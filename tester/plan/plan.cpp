#include "plan/plan.hpp"

#include <functional>
#include <optional>

#include "util/strings.hpp"
#include "util/url.hpp"

namespace authdiff::plan {

using config::Access;

std::string Expectation::describe() const {
  std::string out = config::to_string(access, min_level);
  if (!scope_sets.empty()) {
    out += " with scopes";
    for (std::size_t i = 0; i < scope_sets.size(); ++i) {
      out += i == 0 ? " " : " | ";
      out += join(scope_sets[i], "+");
    }
  }
  return out;
}

std::string value_text(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array() && !v.empty()) return value_text(v[0]);
  if (v.is_null()) return "";
  return v.dump();
}

std::string build_url(
    const std::string& base, const spec::Operation& op,
    const std::function<std::optional<std::string>(const spec::Parameter&)>& value_of) {
  std::string path = op.path;
  std::string query;
  for (const auto& p : op.parameters) {
    const auto value = value_of(p);
    if (!value) continue;
    if (p.in == "path") {
      const std::string placeholder = "{" + p.name + "}";
      for (auto pos = path.find(placeholder); pos != std::string::npos;
           pos = path.find(placeholder)) {
        path.replace(pos, placeholder.size(), url_encode(*value));
      }
    } else if (p.in == "query") {
      query += (query.empty() ? "?" : "&") + url_encode(p.name) + "=" + url_encode(*value);
    }
  }
  return base + path + query;
}

namespace {

// Where requests go: --base-url, then the config, then the spec's first absolute server.
// The spec server's path (basePath) is kept when the chosen base URL has no path of its own.
std::pair<std::string, std::string> choose_base(const spec::Api& api, const config::Config* config,
                                                const Options& options) {
  std::string base, source;
  if (!options.base_url.empty()) {
    base = options.base_url;
    source = "--base-url";
  } else if (config != nullptr && !config->target.base_url.empty()) {
    base = config->target.base_url;
    source = "config";
  }
  std::string server_path;
  for (const auto& server : api.servers) {
    if (auto url = parse_url(server)) {
      if (base.empty()) {
        base = server;
        source = "spec servers";
      }
      server_path = url->path;
      break;
    }
    if (server.starts_with('/')) {
      server_path = server;
      break;
    }
  }
  while (server_path.ends_with('/')) server_path.pop_back();
  while (base.ends_with('/')) base.pop_back();
  if (const auto url = parse_url(base); url && url->path.empty() && source != "spec servers") {
    base += server_path;
  }
  return {base, source};
}

Expectation derive(const spec::Api& api, const spec::Operation& op) {
  Expectation e;
  const auto& sec = op.security;
  if (sec.source == spec::Security::Source::none) {
    e.access = Access::authenticated;
    e.source =
        "assumed: the spec declares no security at all (mark public operations in the config)";
    return e;
  }
  if (sec.is_public()) {
    e.access = Access::everyone;
    e.source = "spec: security: []";
    return e;
  }
  if (sec.is_optional()) {
    e.access = Access::everyone;
    e.source = "spec: an empty {} requirement makes credentials optional";
    return e;
  }
  for (const auto& req : sec.alternatives) {
    std::vector<std::string> scopes;
    for (const auto& use : req) {
      const auto it = api.schemes.find(use.scheme);
      const bool scoped =
          it != api.schemes.end() && (it->second.kind == spec::SchemeKind::oauth2 ||
                                      it->second.kind == spec::SchemeKind::open_id_connect);
      if (scoped) scopes.insert(scopes.end(), use.scopes.begin(), use.scopes.end());
    }
    if (!scopes.empty()) e.scope_sets.push_back(std::move(scopes));
  }
  // Scopes only restrict when every alternative asks for some.
  if (e.scope_sets.size() != sec.alternatives.size()) e.scope_sets.clear();
  for (const auto& p : op.parameters) {
    if (p.in == "path" && p.is_id()) {
      e.access = Access::owner;
      e.source = "spec: requires security and takes object id {" + p.name + "}";
      return e;
    }
  }
  e.access = Access::authenticated;
  e.source = "spec: requires security";
  return e;
}

}  // namespace

std::string login_url(const std::string& base, const std::string& url) {
  if (url.starts_with("http://") || url.starts_with("https://")) return url;
  std::string b = base;
  while (!b.empty() && b.back() == '/') b.pop_back();
  return b + (url.empty() || url.front() != '/' ? "/" : "") + url;
}

std::string request_url(const std::string& base, const spec::Operation& op) {
  return build_url(base, op, [](const spec::Parameter& p) -> std::optional<std::string> {
    if (p.in == "query" && !p.required) return std::nullopt;
    return value_text(p.example.value);
  });
}

Plan make_plan(const spec::Api& api, const config::Config* config, const Options& options) {
  Plan plan;
  plan.api = &api;
  std::tie(plan.base_url, plan.base_url_source) = choose_base(api, config, options);
  const bool unsafe_everywhere =
      options.allow_unsafe || (config != nullptr && config->limits.allow_unsafe);
  for (const auto& op : api.operations) {
    OperationPlan p;
    p.op = &op;
    p.expect = derive(api, op);
    const config::Expectation* rule =
        config != nullptr ? config->expectation_for(op.method, op.path) : nullptr;
    if (rule != nullptr && rule->access != Access::unspecified) {
      p.expect.access = rule->access;
      p.expect.min_level = rule->min_level;
      p.expect.scope_sets.clear();
      p.expect.source = "config line " + std::to_string(rule->line);
      if (!rule->note.empty()) p.expect.source += ": " + rule->note;
    }
    if (rule != nullptr && rule->skip) {
      p.skipped = true;
      p.excluded = true;
      p.skip_reason = "skipped by config line " + std::to_string(rule->line);
    } else if (op.is_unsafe()) {
      const bool allowed =
          rule != nullptr && rule->allow_unsafe ? *rule->allow_unsafe : unsafe_everywhere;
      if (!allowed) {
        p.skipped = true;
        p.skip_reason = "unsafe method " + op.method +
                        ": replayed only with --allow-unsafe or allow_unsafe in an [[expect]] rule";
      }
    }
    p.url = request_url(plan.base_url, op);
    plan.operations.push_back(std::move(p));
  }
  return plan;
}

}  // namespace authdiff::plan
