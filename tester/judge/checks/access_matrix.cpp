// access-matrix (API5): with `scan --expect FILE` (a matrix `authdiff learn` wrote and a
// reviewer committed), every operation as every identity and anonymously; allowed where the
// matrix says denied is a finding (a widening), denied where it says allowed is reported as
// narrowed. With `learn`, the same probes record the matrix instead.
#include "config/access.hpp"
#include "judge/check.hpp"

namespace authdiff::judge {

namespace {

class AccessMatrixCheck final : public Check {
 public:
  AccessMatrixCheck()
      : Check(
            {.name = "access-matrix",
             .title = "Someone can do what the committed access matrix denies",
             .owasp = "API5:2023 Broken Function Level Authorization",
             .severity = Severity::high,
             .description =
                 "With --expect FILE (written by `authdiff learn` and reviewed): requests every "
                 "operation as every identity and anonymously and compares who is allowed with the "
                 "matrix. Allowed where it says denied is a finding; denied where it says allowed "
                 "is "
                 "reported as narrowed.",
             .sends =
                 "with `--expect FILE` only: every operation as every identity and anonymously",
             .finds = "someone is allowed where the committed matrix says denied",
             .records_reach = true,
             .settings = {}}) {}

  bool available(const CheckOptions& options) const override {
    return options.expected_access != nullptr || options.learn_access;
  }

  std::vector<plan::Probe> plan(const PlanContext& ctx, std::size_t op) const override {
    const auto& p = ctx.plan.operations[op];
    if (p.skipped || !available(ctx.options)) return {};
    const config::Identity* victim = victim_for(ctx, op);
    std::vector<const config::Identity*> principals = {nullptr};
    for (const auto& id : ctx.principals.identities()) principals.push_back(&id);
    std::vector<plan::Probe> out;
    for (const config::Identity* who : principals) {
      // The caller's own objects where it has them, else the objects the baseline caller reaches.
      plan::Overrides ids;
      if (who == nullptr || !plan::owned_path_ids(p, *who, ids)) {
        ids.clear();
        if (victim != nullptr) plan::owned_path_ids(p, *victim, ids);
      }
      plan::Probe probe;
      probe.check = std::string(name());
      probe.kind = "as " + (who == nullptr ? std::string(plan::k_anonymous) : who->name);
      probe.operation = op;
      probe.identity = who == nullptr ? "" : who->name;
      probe.victim = victim == nullptr ? "" : victim->name;
      probe.request =
          plan::make_request(ctx.plan, op, ctx.principals, probe.identity,
                             who == nullptr ? plan::Credential::none : plan::Credential::own, ids);
      out.push_back(std::move(probe));
    }
    return out;
  }

  Verdict judge(const JudgeContext& ctx, const plan::Probe& probe,
                const plan::Response& response) const override {
    std::string why;
    const Reach reach = reach_of(ctx, probe, response, why);
    const std::string state = to_string(reach);
    Verdict v;
    if (ctx.options.learn_access || !ctx.options.expected_access) {
      v = enforced(state + ": " + why);
    } else {
      const std::string who = probe.identity.empty() ? plan::k_anonymous : probe.identity;
      const std::string op = ctx.plan.operations[probe.operation].op->key();
      std::string expected;
      if (const auto row = ctx.options.expected_access->operations.find(op);
          row != ctx.options.expected_access->operations.end()) {
        if (const auto cell = row->second.find(who); cell != row->second.end())
          expected = cell->second;
      }
      if (reach == Reach::allowed && expected == "denied") {
        v.state = State::bypassed;
        v.reason = "widened: " + who + " is allowed now (" + why + "); the access matrix " +
                   ctx.options.expected_access->path + " says denied";
      } else if (reach == Reach::denied && expected == "allowed") {
        v = enforced("narrowed: " + who + " is denied now (" + why + "); the matrix says allowed");
      } else if (expected.empty()) {
        v = enforced(state + ": " + why + " (not in the access matrix)");
      } else {
        v = enforced(state + ": " + why + ", as in the access matrix");
      }
    }
    v.reach = reach;
    return v;
  }

 private:
  // Whether the caller got through, and why it looks so.
  static Reach reach_of(const JudgeContext& ctx, const plan::Probe& probe,
                        const plan::Response& response, std::string& why) {
    const Observation o = observe(response, list_pointer_of(ctx.plan, probe.operation));
    if (o.transport_error || o.status == 0 || o.status >= 500) {
      why = o.transport_error ? o.error : "server error " + std::to_string(o.status);
      return Reach::not_applicable;
    }
    if (ctx.knowledge.looks_denied(probe.operation, o, &why)) {
      // handled below with the other denials
    } else if (o.is_2xx()) {
      why = std::to_string(o.status);
      return Reach::allowed;
    } else {
      why = std::to_string(o.status);
    }
    // A "not found" for an object that does not exist (its owner is not answered either) says
    // nothing about who may reach it.
    if (o.status == 400 || o.status == 404 || o.status == 410 || o.status == 422) {
      const auto& p = ctx.plan.operations[probe.operation];
      const config::Identity* who =
          probe.identity.empty() ? nullptr : ctx.principals.identity(probe.identity);
      plan::Overrides ids;
      const std::string owner =
          who != nullptr && plan::owned_path_ids(p, *who, ids) ? who->name : probe.victim;
      const bool names_object =
          std::any_of(p.op->parameters.begin(), p.op->parameters.end(),
                      [](const auto& q) { return q.in == "path" && q.is_id(); });
      const BaselineView* b = ctx.knowledge.baseline(probe.operation, owner);
      if (names_object && (b == nullptr || !b->usable())) {
        why = std::to_string(o.status) +
              ": the object does not exist (its owner's own request was not answered either)";
        return Reach::not_applicable;
      }
    }
    return Reach::denied;
  }
};

}  // namespace

const Check& access_matrix_check() {
  static const AccessMatrixCheck check;
  return check;
}

}  // namespace authdiff::judge
