// no-auth (API2): the baseline request with every credential removed, and with a garbage
// credential of the same schemes. Bypassed when a 2xx carries the baseline's data.
#include "judge/check.hpp"

namespace authdiff::judge {

namespace {

class NoAuth final : public Check {
 public:
  NoAuth()
      : Check({.name = "no-auth",
               .title = "Answers without a valid credential",
               .owasp = "API2:2023 Broken Authentication",
               .severity = Severity::high,
               .description =
                   "Replays each non-public operation with no credential and with a garbage "
                   "credential of "
                   "the same schemes. A 2xx answer that carries values from an authorised caller's "
                   "baseline is a finding.",
               .sends = "each non-public operation with no credential, and with a garbage "
                        "credential of the "
                        "same schemes",
               .finds = "a 2xx carries values from an allowed caller's baseline; where no identity "
                        "may call "
                        "the operation (`nobody`, a level none has), a 2xx with specific values "
                        "nobody public "
                        "sees",
               .settings = {}}) {}

  std::vector<plan::Probe> plan(const PlanContext& ctx, std::size_t op) const override {
    plan::Overrides ids;
    const config::Identity* victim = guarded_victim(ctx, op, ids);
    std::vector<plan::Probe> out;
    if (victim == nullptr && no_allowed_caller(ctx, op)) {
      // Nobody may call it: judged against what a denial looks like (docs/verdicts.md "Operations
      // no identity may call").
      out.push_back(
          probe("no credential (no caller is allowed)", op, "", "",
                plan::make_request(ctx.plan, op, ctx.principals, "", plan::Credential::none, ids)));
      return out;
    }
    if (victim == nullptr) return {};
    plan::Probe none =
        probe("no credential", op, "", victim->name,
              plan::make_request(ctx.plan, op, ctx.principals, "", plan::Credential::none, ids));
    none.plain = true;
    out.push_back(none);
    plan::Probe garbage = none;
    garbage.kind = "garbage credential";
    garbage.request = plan::make_request(ctx.plan, op, ctx.principals, victim->name,
                                         plan::Credential::garbage, ids);
    out.push_back(garbage);
    return out;
  }

  Verdict judge(const JudgeContext& ctx, const plan::Probe& probe,
                const plan::Response& response) const override {
    return judge_against_victim(ctx, probe, response, "");
  }
};

}  // namespace

const Check& no_auth_check() {
  static const NoAuth check;
  return check;
}

}  // namespace authdiff::judge
