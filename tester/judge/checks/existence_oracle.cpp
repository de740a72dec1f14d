// existence-oracle (API1): a caller who may not read an object asks for one that exists (an
// authorised identity's) and for one that surely does not. Denials that differ (403 for the
// one, 404 for the other) tell an attacker which IDs exist: both probes are the finding.
#include <map>

#include "judge/check.hpp"

namespace authdiff::judge {

namespace {

constexpr std::string_view k_existing = "an existing ";
constexpr std::string_view k_absent = "a made-up ";

// An ID of the same shape as `existing` that no object has.
std::string absent_like(const std::string& existing) {
  const bool digits =
      !existing.empty() && existing.size() <= 18 &&
      std::all_of(existing.begin(), existing.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (digits) return std::string(std::min<std::size_t>(existing.size() + 4, 18), '9');
  if (existing.size() == 36 && existing[8] == '-' && existing[13] == '-')
    return "00000000-0000-4000-8000-00000a7d1f0e";
  // Any other token (ObjectIds, hashes, slugs): the same length and the same kind of character
  // at every place, so a format check cannot tell the two apart; only the last half differs.
  std::string out = existing;
  for (std::size_t i = out.size() / 2; i < out.size(); ++i) {
    char& c = out[i];
    if (c >= '0' && c <= '9') {
      c = c == '7' ? '3' : '7';
    } else if (c >= 'a' && c <= 'f') {
      c = c == 'e' ? 'b' : 'e';
    } else if (c >= 'A' && c <= 'F') {
      c = c == 'E' ? 'B' : 'E';
    } else if (c >= 'g' && c <= 'z') {
      c = c == 'q' ? 'k' : 'q';
    } else if (c >= 'G' && c <= 'Z') {
      c = c == 'Q' ? 'K' : 'Q';
    }
  }
  if (out == existing || existing.empty()) return existing + "-authdiff-absent";
  return out;
}

class ExistenceOracle final : public Check {
 public:
  ExistenceOracle()
      : Check(
            {.name = "existence-oracle",
             .title = "Denials reveal which objects exist",
             .owasp = "API1:2023 Broken Object Level Authorization",
             .severity = Severity::low,
             .description =
                 "For operations that name an object, asks as a caller who may not read it for an "
                 "authorised identity's object and for a made-up ID of the same shape. Denials "
                 "that "
                 "differ (403 for the existing object, 404 for the made-up one) let an attacker "
                 "map "
                 "which IDs exist; both answers are the finding.",
             .sends = "as the lowest other identity: an allowed caller's object ID, and a made-up "
                      "ID of the "
                      "same shape",
             .finds =
                 "the two are denied differently (403 vs 404): the answer tells which IDs exist",
             .settings = {}}) {}

  std::vector<plan::Probe> plan(const PlanContext& ctx, std::size_t op) const override {
    const auto& p = ctx.plan.operations[op];
    // Reads only: asking whether an object exists through a write would change it.
    if (p.skipped || p.expect.access == config::Access::everyone || p.op->method != "GET")
      return {};
    const spec::Parameter* param = nullptr;
    for (const auto& q : p.op->parameters) {
      if (q.in == "path" && q.is_id()) {
        param = &q;
        break;
      }
    }
    if (param == nullptr) return {};
    const config::Identity* victim = victim_for(ctx, op);
    if (victim == nullptr) return {};
    // The lowest-level other identity: it asks for the victim's object.
    const config::Identity* asker = nullptr;
    for (const auto& id : ctx.principals.identities()) {
      if (&id != victim && (asker == nullptr || id.level < asker->level)) asker = &id;
    }
    if (asker == nullptr || asker->level > victim->level) return {};
    plan::Overrides ids;
    plan::owned_path_ids(p, *victim, ids);
    const plan::Request existing_request =
        plan::make_request(ctx.plan, op, ctx.principals, asker->name, plan::Credential::own, ids);
    // The value that request carries for the parameter: the victim's own, or the example.
    std::string existing;
    if (const auto it = ids.find(param->name); it != ids.end()) {
      existing = it->second;
    } else if (!param->example.value.is_null()) {
      existing = plan::value_text(param->example.value);
    }
    if (existing.empty()) return {};
    std::vector<plan::Probe> out;
    for (const bool real : {true, false}) {
      plan::Probe probe;
      probe.check = std::string(name());
      probe.operation = op;
      probe.identity = asker->name;
      probe.victim = victim->name;
      probe.parameter = param->name;
      probe.value = real ? existing : absent_like(existing);
      probe.kind = std::string(real ? k_existing : k_absent) + param->name + " (" + probe.value +
                   ") as " + asker->name;
      plan::Overrides values = ids;
      values[param->name] = probe.value;
      probe.request = real ? existing_request
                           : plan::make_request(ctx.plan, op, ctx.principals, asker->name,
                                                plan::Credential::own, values);
      out.push_back(std::move(probe));
    }
    return out;
  }

  Verdict judge(const JudgeContext& /*ctx*/, const plan::Probe& /*probe*/,
                const plan::Response& response) const override {
    if (!response.ok()) return inconclusive("no answer: " + response.error);
    return enforced("answered " + std::to_string(response.status));  // see relate()
  }

  void relate(const JudgeContext& /*ctx*/, std::vector<ProbeResult>& results) const override {
    std::map<std::pair<std::size_t, std::string>, std::pair<ProbeResult*, ProbeResult*>> pairs;
    for (auto& r : results) {
      if (r.check != this) continue;
      auto& pair = pairs[{r.probe.operation, r.probe.identity}];
      (r.probe.kind.starts_with(k_existing) ? pair.first : pair.second) = &r;
    }
    for (auto& [key, pair] : pairs) {
      auto [real, fake] = pair;
      if (real == nullptr || fake == nullptr) continue;
      const long a = real->response.status, b = fake->response.status;
      const bool denied_both = a >= 400 && a < 500 && b >= 400 && b < 500;
      if (!denied_both || a == b) {
        if (a >= 200 && a < 300) {
          real->verdict = enforced("the existing object was answered " + std::to_string(a) +
                                   ": whether it should be is for the access checks");
        } else if (denied_both) {
          real->verdict = fake->verdict =
              enforced("both denied alike (" + std::to_string(a) + "): existence is not told");
        }
        continue;
      }
      Verdict v;
      v.state = State::bypassed;
      v.reason = std::to_string(a) + " for " + real->probe.parameter + " " + real->probe.value +
                 " (" + real->probe.victim + "'s, exists) but " + std::to_string(b) + " for " +
                 fake->probe.value + " (made up): the denial tells " + real->probe.identity +
                 " which IDs exist";
      real->verdict = v;
      fake->verdict = v;
    }
  }
};

}  // namespace

const Check& existence_oracle_check() {
  static const ExistenceOracle check;
  return check;
}

}  // namespace authdiff::judge
