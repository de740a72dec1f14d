// enumerate (API1): mutations of an identity's own object IDs (neighbours, 0, 1, large,
// negative, nil and all-ones UUIDs, other owners' IDs), sent as that identity and as nobody.
// Bypassed when a 2xx carries data the sender never legitimately saw.
#include <charconv>

#include "judge/check.hpp"
#include "util/strings.hpp"

namespace authdiff::judge {

namespace {

std::optional<long long> as_integer(const std::string& s) {
  long long v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

bool looks_uuid(const std::string& s) {
  return s.size() == 36 && s[8] == '-' && s[13] == '-' && s[18] == '-' && s[23] == '-';
}

// The values the rules give for an owned ID `base` of parameter `param`.
std::vector<std::string> mutate(const std::vector<std::string>& rules, const std::string& base,
                                const std::string& path, const std::string& param,
                                const plan::Principals& principals, const std::string& owner) {
  std::vector<std::string> out;
  const auto n = as_integer(base);
  const auto add = [&](std::string v) {
    if (v != base && std::find(out.begin(), out.end(), v) == out.end()) out.push_back(std::move(v));
  };
  for (const auto& rule : rules) {
    if (rule == "others") {
      for (const auto& id : principals.identities()) {
        if (id.name == owner) continue;
        if (const auto* ids = plan::owned_ids(id, path, param)) {
          for (const auto& v : *ids) add(v);
        }
      }
    } else if (rule.size() > 2 && rule[0] == 'n' && (rule[1] == '+' || rule[1] == '-')) {
      const auto k = as_integer(rule.substr(2));
      if (n && k) add(std::to_string(rule[1] == '+' ? *n + *k : *n - *k));
    } else if (looks_uuid(rule)) {
      if (looks_uuid(base)) add(rule);
    } else if (as_integer(rule)) {
      if (n) add(rule);
    }
  }
  return out;
}

class Enumerate final : public Check {
 public:
  Enumerate()
      : Check({.name = "enumerate",
               .title = "Guessed object IDs are served",
               .owasp = "API1:2023 Broken Object Level Authorization",
               .severity = Severity::high,
               .description = "Mutates each identity's own object IDs in path parameters "
                              "(neighbours, 0, 1, large, "
                              "negative, nil and all-ones UUIDs, other owners' IDs; "
                              "corpus/mutations/ids.txt) and "
                              "sends them as that identity and with no credential. A 2xx carrying "
                              "data the sender "
                              "never legitimately saw is a finding.",
               .sends = "mutations of an identity's own path IDs (`corpus/mutations/ids.txt`: n±1, "
                        "n±2, n±10, "
                        "0, 1, -1, large, nil/all-ones UUIDs, other owners' IDs), with no "
                        "credential, and, on "
                        "owner-only operations, as that identity (not as the one identity ranked "
                        "above all "
                        "others)",
               .finds = "a 2xx carries data the sender never legitimately saw",
               .per_victim = false,
               .settings = {}}) {}

  std::vector<plan::Probe> plan(const PlanContext& ctx, std::size_t op) const override {
    const auto& p = ctx.plan.operations[op];
    std::vector<plan::Probe> out;
    if (p.skipped || p.expect.access == config::Access::everyone || p.op->method != "GET")
      return out;
    // As an identity, enumeration only tells something on owner-only operations, and not for
    // the one identity ranked above every other caller (administrators reach every object;
    // they are the baseline others are judged against). Without a credential it always does.
    const auto privileged = [&](const config::Identity& id) {
      bool lower = false;
      for (const auto& other : ctx.principals.identities()) {
        if (&other == &id || !plan::may_access(p, &other)) continue;
        if (other.level >= id.level) return false;
        lower = true;
      }
      return lower;
    };
    for (const auto& param : p.op->parameters) {
      if (param.in != "path" || !param.is_id()) continue;
      bool anonymous_done = false;
      for (const auto& id : ctx.principals.identities()) {
        if (!plan::may_access(p, &id)) continue;
        const bool as_identity = p.expect.access == config::Access::owner && !privileged(id);
        if (!as_identity && anonymous_done) continue;
        plan::Overrides own;
        if (!plan::owned_path_ids(p, id, own) || !own.contains(param.name)) continue;
        for (const auto& value : mutate(ctx.mutations.ids, own[param.name], p.op->path, param.name,
                                        ctx.principals, id.name)) {
          plan::Overrides changed = own;
          changed[param.name] = value;
          const auto* ids = plan::owned_ids(id, p.op->path, param.name);
          if (ids != nullptr && std::find(ids->begin(), ids->end(), value) != ids->end()) continue;
          plan::Probe probe;
          probe.check = std::string(name());
          probe.kind = param.name + "=" + value + " as " + id.name;
          probe.operation = op;
          probe.identity = id.name;
          probe.victim = id.name;  // judged against what this identity may see
          probe.parameter = param.name;
          probe.value = value;
          probe.request = plan::make_request(ctx.plan, op, ctx.principals, id.name,
                                             plan::Credential::own, changed);
          if (as_identity) out.push_back(probe);
          if (!anonymous_done) {
            probe.kind = param.name + "=" + value + " with no credential";
            probe.identity.clear();
            probe.request = plan::make_request(ctx.plan, op, ctx.principals, "",
                                               plan::Credential::none, changed);
            out.push_back(std::move(probe));
          }
        }
        anonymous_done = true;
      }
    }
    return out;
  }

  Verdict judge(const JudgeContext& ctx, const plan::Probe& probe,
                const plan::Response& response) const override {
    const BaselineView* control = ctx.knowledge.baseline(probe.operation, probe.victim);
    const Observation o = observe(response, list_pointer_of(ctx.plan, probe.operation));
    if (auto v = access_outcome(ctx.knowledge, probe.operation, o, control)) return *v;
    // A guessed ID that is the caller's own object (its owner field says so) leaks nothing,
    // even where discovery did not list it (a later page, a cap).
    if (!probe.identity.empty() && o.json &&
        plan::owner_of(o.doc, ctx.principals.identities()) == probe.identity) {
      return enforced(std::to_string(o.status) + " for " + probe.parameter + "=" + probe.value +
                      ": " + probe.identity + "'s own record (its owner field says so)");
    }
    Verdict v;
    o.each_leaf([&](const Leaf& leaf) {
      if (!distinctive(leaf) || ctx.knowledge.seen_by(probe.identity, leaf.value)) return true;
      ++v.leaked;
      if (v.evidence.size() < k_max_evidence)
        v.evidence.push_back({leaf.pointer, mask(leaf.value)});
      return true;
    });
    const std::string who = probe.identity.empty() ? "an anonymous caller" : probe.identity;
    if (v.leaked == 0) {
      return enforced(std::to_string(o.status) + " for " + probe.parameter + "=" + probe.value +
                      " without data " + who + " had not seen");
    }
    v.state = State::bypassed;
    v.reason = std::to_string(o.status) + " for " + probe.parameter + "=" + probe.value + " with " +
               std::to_string(v.leaked) + " value" + (v.leaked == 1 ? "" : "s") + " " + who +
               " never saw";
    return v;
  }
};

}  // namespace

const Check& enumerate_check() {
  static const Enumerate check;
  return check;
}

}  // namespace authdiff::judge
