// weaker-identity (API5): an operation reserved for a higher level, requested by each identity
// below it with the same parameters. Bypassed when a 2xx carries the higher identity's data
// that the weaker one never legitimately saw.
#include "judge/check.hpp"

namespace authdiff::judge {

namespace {

class WeakerIdentity final : public Check {
 public:
  WeakerIdentity()
      : Check(
            {.name = "weaker-identity",
             .title = "A lower privilege level reaches it",
             .owasp = "API5:2023 Broken Function Level Authorization",
             .severity = Severity::high,
             .description =
                 "Requests each operation reserved for a higher level (config `level >= N`, "
                 "`nobody`, or "
                 "OAuth2 scopes) as every identity that may not call it, with the parameters of an "
                 "allowed identity's baseline. A 2xx carrying that baseline's data is a finding.",
             .sends =
                 "operations reserved for a level (`level >= N`, `nobody`, OAuth2 scopes) as every "
                 "identity below it",
             .finds =
                 "a 2xx carries the allowed caller's data the weaker identity never saw; where no "
                 "identity may call the operation at all, a 2xx with specific values nobody public "
                 "sees",
             .settings = {}}) {}

  std::vector<plan::Probe> plan(const PlanContext& ctx, std::size_t op) const override {
    const auto& p = ctx.plan.operations[op];
    if (p.expect.access == config::Access::owner) return {};  // cross-owner's business
    plan::Overrides ids;
    const config::Identity* victim = guarded_victim(ctx, op, ids);
    // Nobody may call it: every identity is weaker, judged against what a denial looks like.
    const bool nobody = victim == nullptr && no_allowed_caller(ctx, op);
    if (victim == nullptr && !nobody) return {};
    std::vector<plan::Probe> out;
    for (const auto& id : ctx.principals.identities()) {
      if (plan::may_access(p, &id)) continue;
      plan::Probe probe;
      probe.check = std::string(name());
      probe.plain = true;
      probe.kind = "as " + id.name + " (level " + std::to_string(id.level) + ")";
      probe.operation = op;
      probe.identity = id.name;
      probe.victim = nobody ? "" : victim->name;
      probe.request =
          plan::make_request(ctx.plan, op, ctx.principals, id.name, plan::Credential::own, ids);
      out.push_back(std::move(probe));
    }
    return out;
  }

  Verdict judge(const JudgeContext& ctx, const plan::Probe& probe,
                const plan::Response& response) const override {
    return judge_against_victim(ctx, probe, response, probe.identity);
  }
};

}  // namespace

const Check& weaker_identity_check() {
  static const WeakerIdentity check;
  return check;
}

}  // namespace authdiff::judge
