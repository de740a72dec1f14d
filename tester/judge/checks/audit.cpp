// audit: what the spec itself says, without traffic (`authdiff audit`, and part of every scan):
// operations with no security requirement at all, anonymous operations whose answers have
// personal or secret fields, sequential integer IDs, page sizes without a maximum, servers over
// plain http, API keys in query strings. Each rule is one probe that is never sent: judge()
// reads the operation (on recheck: the current spec) and says whether the rule still holds.
#include <map>

#include "judge/check.hpp"
#include "spec/classify.hpp"
#include "util/strings.hpp"
#include "util/url.hpp"

namespace authdiff::judge {

namespace {

struct Rule {
  const char* name;
  Severity severity;
  const char* title;
};

constexpr Rule k_rules[] = {
    {"no-security", Severity::low, "no security requirement at all"},
    {"public-sensitive-fields", Severity::low, "anonymous, with personal or secret fields"},
    {"sequential-ids", Severity::info, "integer IDs in the path"},
    {"unbounded-page-size", Severity::info, "a page size without a maximum"},
    {"plain-http-server", Severity::low, "a server over plain http"},
    {"api-key-in-query", Severity::low, "an API key in the query string"},
};

const Rule* rule_named(std::string_view name) {
  for (const Rule& r : k_rules) {
    if (name == r.name) return &r;
  }
  return nullptr;
}

bool loopback(const std::string& host) {
  return host == "localhost" || host == "127.0.0.1" || host == "::1" || host == "[::1]" ||
         host.ends_with(".localhost");
}

// Whether `rule` holds for operation `op`; `why` says how.
bool holds(const plan::Plan& plan, std::size_t op, std::string_view rule, std::string* why) {
  const auto& p = plan.operations[op];
  const spec::Operation& o = *p.op;
  if (rule == "no-security") {
    if (o.security.source != spec::Security::Source::none || !o.security.is_public()) return false;
    // The team's policy for it is in the config: the spec's silence is answered.
    if (p.expect.source.starts_with("config")) return false;
    *why =
        "declares no security requirement, neither its own nor a global one (an intended "
        "public operation says `security: []`)";
    return true;
  }
  if (rule == "public-sensitive-fields") {
    // The effective policy: the config's rule where it has one, else the spec's requirement.
    const bool anonymous =
        p.expect.source.starts_with("config")
            ? p.expect.access == config::Access::everyone
            : o.security.allows_anonymous() || p.expect.access == config::Access::everyone;
    if (!anonymous) return false;
    std::vector<std::string> fields;
    for (const auto& f : o.response_fields) {
      // A sign-in answers with a token by design.
      if (to_lower(f).find("token") != std::string::npos) continue;
      const std::string c = field_class(f);
      if (!c.empty() && c != k_email && fields.size() < 6) fields.push_back(f + " (" + c + ")");
    }
    if (fields.empty()) return false;
    *why = "anonymous callers may call it and its answer declares " + join(fields, ", ");
    return true;
  }
  if (rule == "sequential-ids" || rule == "unbounded-page-size") {
    for (const auto& q : o.parameters) {
      // The parameter's schema, through its $ref where it has one; a `type` that is not one
      // name (3.1 allows lists) is read by spec::schema_type, never as a string.
      const bool integer = plan.api != nullptr && plan.api->workspace
                               ? spec::schema_type(*plan.api->workspace, q.schema) == "integer"
                               : q.schema && q.schema->is_object() && q.schema->contains("type") &&
                                     (*q.schema)["type"] == "integer";
      if (rule == "sequential-ids" && q.in == "path" && q.is_id() && integer) {
        *why = "path parameter " + q.name +
               " is an integer: counting up and down from one ID finds the others (enumeration)";
        return true;
      }
      if (rule == "unbounded-page-size" && q.is_page_size() && !q.maximum) {
        *why = "page-size parameter " + q.name +
               " has no `maximum`: nothing says how much one "
               "request may fetch";
        return true;
      }
    }
    return false;
  }
  if (plan.api == nullptr) return false;
  if (rule == "plain-http-server") {
    // One finding for the spec, on its first operation the config does not exclude.
    for (std::size_t i = 0; i < op; ++i) {
      if (!plan.operations[i].excluded) return false;
    }
    for (const auto& s : plan.api->servers) {
      const auto u = parse_url(s);
      if (u && u->scheme == "http" && !loopback(u->host)) {
        *why = "servers lists " + s + ": credentials and data cross the network in clear text";
        return true;
      }
    }
    return false;
  }
  if (rule == "api-key-in-query") {
    for (const auto& alt : o.security.alternatives) {
      for (const auto& use : alt) {
        const auto it = plan.api->schemes.find(use.scheme);
        if (it == plan.api->schemes.end() || it->second.kind != spec::SchemeKind::api_key ||
            it->second.location != "query")
          continue;
        // One finding per scheme, on the first operation that uses it (and is audited).
        for (std::size_t i = 0; i < op; ++i) {
          if (plan.operations[i].excluded) continue;
          for (const auto& a : plan.operations[i].op->security.alternatives) {
            for (const auto& u : a) {
              if (u.scheme == use.scheme) return false;
            }
          }
        }
        *why = "security scheme " + use.scheme + " sends its key in query parameter " +
               it->second.param_name + ": URLs end up in logs, proxies and browser history";
        return true;
      }
    }
    return false;
  }
  return false;
}

class Audit final : public Check {
 public:
  Audit()
      : Check(
            {.name = "audit",
             .title = "The spec itself invites trouble",
             .owasp = "API8:2023 Security Misconfiguration",
             .severity = Severity::low,
             .description =
                 "Static, no traffic: operations with no security requirement at all, anonymous "
                 "operations whose response schemas have personal or secret fields (low); "
                 "sequential "
                 "integer ID path parameters and page sizes without a maximum (info); servers over "
                 "plain http other than loopback, API keys in query strings (low).",
             .sends = "nothing: reads the spec (`authdiff audit` runs it alone) with the effective "
                      "policy "
                      "(the config's `[[expect]]` rule where one matches, else the spec)",
             .finds =
                 "an operation with no security requirement at all and no config rule (low); one "
                 "anonymous callers may call whose response schema has personal or secret fields "
                 "(low); "
                 "integer ID path parameters (info); a page size without `maximum` (info); a "
                 "non-loopback `http://` server (low, once); an API key in the query string (low, "
                 "once "
                 "per scheme). In a scan these are `info` unless the traffic confirms them (an "
                 "anonymous request got data, or got those fields); `authdiff audit` alone keeps "
                 "the "
                 "severities. Operations the config skips are not audited",
             .wrong_caller = false,
             .tests_access = false,
             .spec_only = true,
             .settings = {}}) {}

  std::vector<plan::Probe> plan(const PlanContext& ctx, std::size_t op) const override {
    std::vector<plan::Probe> out;
    if (ctx.plan.operations[op].excluded) return out;  // the config says: not at all
    for (const Rule& rule : k_rules) {
      std::string why;
      if (!holds(ctx.plan, op, rule.name, &why)) continue;
      plan::Probe probe;
      probe.check = std::string(name());
      probe.kind = std::string("audit: ") + rule.title;
      probe.operation = op;
      probe.parameter = rule.name;  // one finding per rule and operation
      probe.value = rule.name;
      probe.static_only = true;
      probe.request.method = ctx.plan.operations[op].op->method;
      probe.request.url = ctx.plan.operations[op].url;
      out.push_back(std::move(probe));
    }
    return out;
  }

  Verdict judge(const JudgeContext& ctx, const plan::Probe& probe,
                const plan::Response& /*response*/) const override {
    const Rule* rule = rule_named(probe.value);
    if (rule == nullptr) return inconclusive("unknown audit rule " + probe.value);
    std::string why;
    if (!holds(ctx.plan, probe.operation, rule->name, &why))
      return enforced("the spec no longer has " + std::string(rule->title));
    Verdict v;
    v.state = State::bypassed;
    v.severity = rule->severity;
    v.reason = why;
    return v;
  }

  // In a scan, what the spec says is `info` unless the traffic confirms it: an anonymous
  // request got a 2xx with data (no security at all), with the personal or secret fields the
  // schema names (anonymous with sensitive fields). `authdiff audit` alone keeps severities.
  void relate(const JudgeContext& /*ctx*/, std::vector<ProbeResult>& results) const override {
    const bool traffic = std::any_of(results.begin(), results.end(),
                                     [](const ProbeResult& r) { return !r.probe.static_only; });
    if (!traffic) return;
    // The anonymous requests of each operation (one pass, not one per finding: a large spec has
    // thousands of each).
    std::map<std::size_t, std::vector<const ProbeResult*>> anonymous;
    for (const auto& r : results) {
      if (!r.probe.static_only && r.probe.request.identity.empty())
        anonymous[r.probe.operation].push_back(&r);
    }
    for (auto& r : results) {
      if (r.check != this || r.verdict.state != State::bypassed) continue;
      if (r.verdict.severity == Severity::info) continue;
      const std::string rule = r.probe.value;
      std::string seen;
      if (rule == "no-security" || rule == "public-sensitive-fields")
        seen = anonymous_data(anonymous[r.probe.operation], rule == "public-sensitive-fields");
      if (!seen.empty()) {
        r.verdict.reason += "; confirmed: " + seen;
        continue;
      }
      r.verdict.severity = Severity::info;
      r.verdict.reason += " (the spec says so; no traffic of this scan confirmed it)";
    }
  }

 private:
  // What an anonymous caller got from the `requests` of one operation: "" when nothing, else how
  // ("an anonymous GET got 200 with phone, idCard"). `sensitive`: only fields that detectors
  // name count.
  static std::string anonymous_data(const std::vector<const ProbeResult*>& requests,
                                    bool sensitive) {
    for (const ProbeResult* p : requests) {
      const ProbeResult& r = *p;
      const Carried c = r.carried ? *r.carried : carried_by(r.response);
      const std::string got = "an anonymous " + r.probe.request.method + " got " +
                              std::to_string(r.response.status) + " with ";
      if (!sensitive && c.data) return got + "data";
      if (sensitive && !c.sensitive_fields.empty()) return got + join(c.sensitive_fields, ", ");
    }
    return "";
  }
};

}  // namespace

const Check& audit_check() {
  static const Audit check;
  return check;
}

}  // namespace authdiff::judge
