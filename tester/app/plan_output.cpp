#include "app/plan_output.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "judge/check.hpp"
#include "plan/probe.hpp"
#include "util/strings.hpp"

namespace authdiff::app {

namespace {

using ojson = nlohmann::ordered_json;

constexpr int k_plan_format_version = 1;
constexpr std::size_t k_text_example_max = 60;

// Security as text: "public", "bearerAuth", "apiKey+session | oauth(read:x)", "optional: ...".
std::string security_text(const spec::Security& s) {
  if (s.source == spec::Security::Source::none) return "none declared";
  if (s.is_public()) return "public (security: [])";
  std::vector<std::string> alts;
  for (const auto& req : s.alternatives) {
    if (req.empty()) {
      alts.push_back("anonymous");
      continue;
    }
    std::vector<std::string> parts;
    for (const auto& use : req) {
      parts.push_back(use.scopes.empty() ? use.scheme
                                         : use.scheme + "(" + join(use.scopes, " ") + ")");
    }
    alts.push_back(join(parts, "+"));
  }
  return join(alts, " | ");
}

std::string short_json(const nlohmann::json& v) {
  std::string s = v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (s.size() > k_text_example_max) s = s.substr(0, k_text_example_max - 3) + "...";
  return s;
}

ojson security_json(const spec::Api& api, const spec::Security& s) {
  ojson out;
  out["source"] = s.source == spec::Security::Source::none     ? "none"
                  : s.source == spec::Security::Source::global ? "global"
                                                               : "operation";
  out["public"] = s.is_public();
  out["optional"] = s.is_optional();
  ojson alternatives = ojson::array();
  for (const auto& req : s.alternatives) {
    ojson schemes = ojson::array();
    for (const auto& use : req) {
      ojson u;
      u["scheme"] = use.scheme;
      const auto it = api.schemes.find(use.scheme);
      u["type"] = it == api.schemes.end() ? "undeclared" : spec::to_string(it->second.kind);
      u["scopes"] = use.scopes;
      schemes.push_back(std::move(u));
    }
    alternatives.push_back(std::move(schemes));
  }
  out["requirements"] = std::move(alternatives);
  return out;
}

// Why the scan will not test operation `p` as planned, or "": a config is given, the operation
// is guarded and not skipped (skips say so themselves), and no check plans a request for it.
// Owner-only operations whose IDs discovery learns at scan time are not counted out yet.
std::string not_tested(const config::Config* config, const plan::OperationPlan& p) {
  if (config == nullptr || p.skipped || p.expect.access == config::Access::everyone) return "";
  if (std::any_of(p.probes.begin(), p.probes.end(), [](const plan::Probe& q) {
        return !q.static_only && judge::tests_access(q.check);
      }))
    return "";
  const bool takes_id = std::any_of(p.op->parameters.begin(), p.op->parameters.end(),
                                    [](const auto& q) { return q.in == "path" && q.is_id(); });
  if (takes_id && config->discover)
    return "no object IDs yet: discovery learns them at scan time (the scan's \"not tested\" "
           "says whether it did)";
  return "none of the checks applies to it with these identities";
}

}  // namespace

std::string plan_text(const spec::Api& api, const config::Config* config, const plan::Plan& plan) {
  std::string out;
  std::size_t skipped = 0, lists = 0, with_ids = 0, with_pages = 0, public_ops = 0;
  for (const auto& p : plan.operations) {
    skipped += p.skipped ? 1 : 0;
    lists += p.op->is_list ? 1 : 0;
    public_ops += p.expect.access == config::Access::everyone ? 1 : 0;
    bool id = false, page = false;
    for (const auto& param : p.op->parameters) {
      id = id || param.is_id();
      page = page || param.is_page_size();
    }
    with_ids += id ? 1 : 0;
    with_pages += page ? 1 : 0;
  }
  out += fmt::format("{}: \"{}\" {}, {} {}, {} operation{}\n", api.file, api.title, api.version,
                     api.openapi == "2.0" ? "Swagger" : "OpenAPI", api.openapi,
                     api.operations.size(), api.operations.size() == 1 ? "" : "s");
  out +=
      fmt::format("base URL: {}\n", plan.base_url.empty()
                                        ? "(none: give --base-url or target.base_url)"
                                        : plan.base_url + "  (from " + plan.base_url_source + ")");
  if (config != nullptr) {
    std::vector<std::string> ids;
    for (const auto& id : config->identities) {
      std::string owned;
      for (const auto& [param, values] : id.owns)
        owned += (owned.empty() ? "" : ", ") + param + " x" + std::to_string(values.size());
      ids.push_back(fmt::format("{} (level {}{}{})", id.name, id.level,
                                owned.empty() ? "" : "; owns from the config: " + owned,
                                id.login ? "; signs in" : ""));
    }
    out += fmt::format("identities: {}\n", ids.empty() ? "none" : join(ids, ", "));
    out += config->discover ? "discovery: at scan time, owned IDs are learned from list and \"me\" "
                              "answers (probes that need them are planned then)\n"
                            : "discovery: off\n";
  }
  for (const auto& p : plan.operations) {
    const auto& op = *p.op;
    out += fmt::format("\n{} {}{}\n", op.method, op.path,
                       op.operation_id.empty() ? "" : "   " + op.operation_id);
    out += fmt::format("  security  {}\n", security_text(op.security));
    out += fmt::format("  expect    {}   ({})\n", p.expect.describe(), p.expect.source);
    if (op.is_list) {
      out += fmt::format("  response  list at {}\n",
                         op.list_pointer.empty() ? "the top level" : op.list_pointer);
    }
    for (const auto& param : op.parameters) {
      std::string tags;
      if (param.is_id()) tags += "  [id: " + param.id_reason + "]";
      if (param.is_page_size()) {
        tags += "  [page size: " + param.page_size_reason;
        if (param.maximum) tags += fmt::format(", maximum {}", *param.maximum);
        tags += "]";
      }
      out += fmt::format("  param     {} ({}{}) = {}{}\n", param.name, param.in,
                         param.required ? ", required" : "", short_json(param.example.value), tags);
    }
    if (op.body) {
      out += fmt::format("  body      {} = {}\n", op.body->content_type,
                         short_json(op.body->example.value));
    }
    out += fmt::format("  request   {} {}\n", op.method, p.url);
    if (p.skipped) out += fmt::format("  skipped   {}\n", p.skip_reason);
    if (const std::string why = not_tested(config, p); !why.empty())
      out += fmt::format("  not tested  {}\n", why);
    for (const auto& probe : p.probes) {
      const char* sent = probe.static_only     ? "  (the spec alone: not sent)"
                         : probe.from_baseline ? "  (the baseline's answer: not sent again)"
                                               : "";
      out += fmt::format("  probe     {:<15} {:<28} {} {}{}\n", probe.check, probe.kind,
                         probe.request.method, probe.request.url, sent);
    }
  }
  out += fmt::format(
      "\n{} operations: {} public, {} list, {} with object IDs, {} with page sizes, {} skipped\n",
      plan.operations.size(), public_ops, lists, with_ids, with_pages, skipped);
  return out;
}

std::string plan_json(const spec::Api& api, const config::Config* config, const plan::Plan& plan) {
  ojson out;
  out["authdiff_plan"] = k_plan_format_version;
  ojson spec_info;
  spec_info["file"] = api.file;
  spec_info["openapi"] = api.openapi;
  spec_info["title"] = api.title;
  spec_info["version"] = api.version;
  spec_info["servers"] = api.servers;
  spec_info["warnings"] = api.warnings;
  out["spec"] = std::move(spec_info);
  out["base_url"] = plan.base_url;
  out["base_url_source"] = plan.base_url_source;
  ojson identities = ojson::array();
  if (config != nullptr) {
    for (const auto& id : config->identities) {
      // Where each identity's object IDs come from: the config now; discovery adds more at
      // scan time (for parameters the config leaves out).
      ojson owns = ojson::object();
      for (const auto& [param, values] : id.owns)
        owns[param] = {{"ids", values}, {"source", "config"}};
      identities.push_back(
          {{"name", id.name},
           {"level", id.level},
           {"scopes", id.scopes},
           {"owns", owns},
           {"sign_in", id.login ? (id.login->kind == config::Login::Kind::oauth2    ? "oauth2"
                                   : id.login->kind == config::Login::Kind::command ? "command"
                                                                                    : "login")
                                : "static"}});
    }
  }
  out["identities"] = std::move(identities);
  out["discovery"] = config != nullptr && config->discover
                         ? "at scan time: owned IDs learned from list and \"me\" answers"
                         : "off";
  ojson ops = ojson::array();
  for (const auto& p : plan.operations) {
    const auto& op = *p.op;
    ojson o;
    o["method"] = op.method;
    o["path"] = op.path;
    o["operationId"] = op.operation_id;
    o["security"] = security_json(api, op.security);
    o["expect"] = {{"access", config::to_string(p.expect.access, p.expect.min_level)},
                   {"scopes", p.expect.scope_sets},
                   {"source", p.expect.source}};
    o["list"] = op.is_list ? ojson{{"pointer", op.list_pointer}} : ojson(nullptr);
    ojson params = ojson::array();
    for (const auto& param : op.parameters) {
      ojson q;
      q["name"] = param.name;
      q["in"] = param.in;
      q["required"] = param.required;
      q["example"] = param.example.value;
      q["example_source"] = param.example.source;
      q["id"] = param.is_id() ? ojson(param.id_reason) : ojson(nullptr);
      q["page_size"] =
          param.is_page_size()
              ? ojson{{"reason", param.page_size_reason},
                      {"maximum", param.maximum ? ojson(*param.maximum) : ojson(nullptr)}}
              : ojson(nullptr);
      params.push_back(std::move(q));
    }
    o["parameters"] = std::move(params);
    o["body"] = op.body ? ojson{{"content_type", op.body->content_type},
                                {"example", op.body->example.value},
                                {"example_source", op.body->example.source}}
                        : ojson(nullptr);
    o["url"] = p.url;
    o["skipped"] = p.skipped ? ojson(p.skip_reason) : ojson(nullptr);
    const std::string why = not_tested(config, p);
    o["not_tested"] = why.empty() ? ojson(nullptr) : ojson(why);
    ojson probes = ojson::array();
    for (const auto& probe : p.probes) {
      ojson q;
      q["check"] = probe.check;
      q["kind"] = probe.kind;
      q["identity"] = probe.identity.empty() ? std::string(plan::k_anonymous) : probe.identity;
      q["victim"] = probe.victim.empty() ? ojson(nullptr) : ojson(probe.victim);
      q["parameter"] = probe.parameter.empty() ? ojson(nullptr) : ojson(probe.parameter);
      q["value"] = probe.parameter.empty() ? ojson(nullptr) : ojson(probe.value);
      q["method"] = probe.request.method;
      q["url"] = probe.request.url;
      // "request": sent; "baseline": judged on the baseline's answer; "spec": never sent.
      q["sent"] = probe.static_only ? "spec" : probe.from_baseline ? "baseline" : "request";
      probes.push_back(std::move(q));
    }

    o["probes"] = std::move(probes);
    ops.push_back(std::move(o));
  }
  out["operations"] = std::move(ops);
  return out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace authdiff::app
