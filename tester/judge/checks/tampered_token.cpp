// tampered-token (API2): the victim's real credential, changed so that a server that checks it
// must refuse it: JWTs with `alg: none`, no or a foreign signature, another identity's or raised
// claims, expired, an unknown `kid`; opaque tokens truncated or with their case swapped. Any 2xx
// that is not the operation's denial is a finding (critical when the token carried no signature).
#include <set>

#include "judge/check.hpp"
#include "plan/tamper.hpp"

namespace authdiff::judge {

namespace {

class TamperedToken final : public Check {
 public:
  TamperedToken()
      : Check(
            {.name = "tampered-token",
             .title = "Accepts a tampered token",
             .owasp = "API2:2023 Broken Authentication",
             .severity = Severity::high,
             .description =
                 "Replays each non-public operation with the authorised caller's token changed: "
                 "for "
                 "JWTs alg none (four spellings), the signature stripped or replaced, another "
                 "identity's claims, admin role claims, exp in the past, a kid that names no key; "
                 "for "
                 "opaque tokens truncated or case-swapped. Any 2xx that is not the operation's "
                 "denial "
                 "is a finding, critical when the token had no signature at all.",
             .sends =
                 "the allowed caller's credential changed: for JWTs `alg: none` (none, None, NONE, "
                 "nOnE), signature stripped, a signature no key made, `exp` a day ago, a `kid` "
                 "naming "
                 "no key; the lowest other identity's JWT with the caller's identity claims "
                 "(`sub`, "
                 "`uid`, ...; signed and with `alg: none`) or with admin role claims; for opaque "
                 "tokens "
                 "truncated and case-swapped",
             .finds = "any 2xx that is not the operation's denial (where no credential at all gets "
                      "the data, "
                      "no-auth has the finding instead)",
             .settings = {}}) {}

  std::vector<plan::Probe> plan(const PlanContext& ctx, std::size_t op) const override {
    plan::Overrides ids;
    const config::Identity* victim = guarded_victim(ctx, op, ids);
    if (victim == nullptr) return {};
    const std::string token = victim->credentials.first_value();
    if (token.empty()) return {};
    // The lowest-level other identity with a JWT: it claims to be the victim.
    const config::Identity* low = nullptr;
    for (const auto& id : ctx.principals.identities()) {
      if (&id == victim || !plan::looks_like_jwt(last_word(id.credentials.first_value()))) continue;
      if (low == nullptr || id.level < low->level) low = &id;
    }
    const bool jwt = plan::looks_like_jwt(last_word(token));
    std::vector<plan::Probe> out;
    for (const auto& rule : plan::tamper_rules()) {
      if (rule.jwt != jwt) continue;
      if (rule.escalates && low == nullptr) continue;
      const config::Identity& sender = rule.escalates ? *low : *victim;
      // Only rules that change this token (role-admin on an admin's changes nothing).
      if (!plan::tamper(sender.credentials.first_value(), rule.name, token)) continue;
      plan::Probe probe;
      probe.check = std::string(name());
      probe.kind = "tampered token: " + rule.description;
      probe.operation = op;
      probe.identity = sender.name;
      probe.victim = victim->name;
      probe.value = rule.name;
      probe.request = plan::make_request(ctx.plan, op, ctx.principals, sender.name,
                                         plan::Credential::tampered, ids);
      probe.request.tamper = rule.name;
      if (rule.escalates) probe.request.tamper_other = victim->name;
      out.push_back(std::move(probe));
    }
    return out;
  }

  Verdict judge(const JudgeContext& ctx, const plan::Probe& probe,
                const plan::Response& response) const override {
    const BaselineView* victim = ctx.knowledge.baseline(probe.operation, probe.victim);
    const Observation o = observe(response, list_pointer_of(ctx.plan, probe.operation));
    if (auto v = access_outcome(ctx.knowledge, probe.operation, o, victim)) return *v;
    if (ctx.knowledge.accepts_garbage(probe.operation)) {
      return enforced("not a token check: a garbage credential gets the same data (see no-auth)");
    }
    const plan::TamperRule* rule = plan::find_tamper_rule(probe.request.tamper);
    Verdict v = leak_verdict(ctx.knowledge, *victim, o, "");
    v.state = State::bypassed;
    v.reason = std::to_string(o.status) + " to a tampered token (" +
               (rule != nullptr ? rule->description : probe.request.tamper) + ")" +
               (v.leaked > 0
                    ? " carrying " + std::to_string(v.leaked) + " of " + probe.victim + "'s values"
                    : "");
    if (rule != nullptr && rule->unsigned_) v.severity = Severity::critical;
    return v;
  }

  void relate(const JudgeContext& /*ctx*/, std::vector<ProbeResult>& results) const override {
    // Where no credential at all gets the data, a tampered one getting it is no token flaw.
    std::set<std::size_t> open;
    for (const auto& r : results) {
      if (r.probe.plain && r.probe.request.credential != plan::Credential::own &&
          r.probe.request.credential != plan::Credential::tampered &&
          r.verdict.state == State::bypassed)
        open.insert(r.probe.operation);
    }
    for (auto& r : results) {
      if (r.check == this && r.verdict.state == State::bypassed && open.contains(r.probe.operation))
        r.verdict = enforced("not a token flaw: no credential at all gets the data (no-auth)");
    }
  }

 private:
  static std::string last_word(const std::string& value) {
    const auto space = value.rfind(' ');
    return space == std::string::npos ? value : value.substr(space + 1);
  }
};

}  // namespace

const Check& tampered_token_check() {
  static const TamperedToken check;
  return check;
}

}  // namespace authdiff::judge
