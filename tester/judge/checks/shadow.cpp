// shadow (API9): operations the recorded traffic used that the team's spec does not document
// (`scan --spec S --har H`, or `x-authdiff-observed: true` from `authdiff infer --spec`). Each is
// an info finding of its own; the other checks scan it like any documented operation.
#include "judge/check.hpp"

namespace authdiff::judge {

namespace {

class Shadow final : public Check {
 public:
  Shadow()
      : Check({.name = "shadow",
               .title = "In use, but not in the spec",
               .owasp = "API9:2023 Improper Inventory Management",
               .severity = Severity::info,
               .description =
                   "Operations seen in recorded traffic (--har, --postman) that the spec given "
                   "with --spec does not document: an info finding each. They are scanned like "
                   "the documented ones.",
               .sends = "nothing of its own: reads which operations came from the traffic alone",
               .finds = "an operation the traffic used and the spec lacks (info, once per "
                        "operation); on recheck it is fixed once the spec documents it",
               .wrong_caller = false,
               .tests_access = false,
               .spec_only = true,
               .settings = {}}) {}

  std::vector<plan::Probe> plan(const PlanContext& ctx, std::size_t op) const override {
    const auto& p = ctx.plan.operations[op];
    if (p.excluded || !p.op->observed) return {};
    plan::Probe probe;
    probe.check = std::string(name());
    probe.kind = "shadow: in use but undocumented";
    probe.operation = op;
    probe.static_only = true;
    probe.request.method = p.op->method;
    probe.request.url = p.url;
    return {std::move(probe)};
  }

  Verdict judge(const JudgeContext& ctx, const plan::Probe& probe,
                const plan::Response& /*response*/) const override {
    if (!ctx.plan.operations[probe.operation].op->observed)
      return enforced("the spec documents it now");
    Verdict v;
    v.state = State::bypassed;
    v.reason =
        "the recorded traffic used it and the spec does not document it: an endpoint in use that "
        "nobody reviews (it was scanned like the rest; document it, or retire it)";
    return v;
  }
};

}  // namespace

const Check& shadow_check() {
  static const Shadow check;
  return check;
}

}  // namespace authdiff::judge
