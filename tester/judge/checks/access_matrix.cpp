// access-matrix (API5): with `scan --expect FILE` (a matrix `authdiff learn` wrote and a
// reviewer committed), every operation as every identity and anonymously; allowed where the
// matrix says denied is a finding (a widening), denied where it says allowed is reported as
// narrowed. With `learn`, the same probes record the matrix instead.
#include "config/access.hpp"
#include "judge/checks/checks.hpp"

namespace authdiff::judge {

namespace {

class AccessMatrixCheck final : public Check {
 public:
  std::string_view name() const override { return "access-matrix"; }
  std::string_view title() const override {
    return "Someone can do what the committed access matrix denies";
  }
  std::string_view owasp() const override {
    return "API5:2023 Broken Function Level Authorization";
  }
  Severity severity() const override { return Severity::high; }
  std::string_view description() const override {
    return "With --expect FILE (written by `authdiff learn` and reviewed): requests every "
           "operation as every identity and anonymously and compares who is allowed with the "
           "matrix. Allowed where it says denied is a finding; denied where it says allowed is "
           "reported as narrowed.";
  }

  std::vector<plan::Probe> plan(const PlanContext& ctx, std::size_t op) const override {
    const auto& p = ctx.plan.operations[op];
    if (p.skipped || (!ctx.config.expected_access && !ctx.config.learn_access)) return {};
    const config::Identity* victim = victim_for(ctx, op);
    std::vector<const config::Identity*> principals = {nullptr};
    for (const auto& id : ctx.config.identities) principals.push_back(&id);
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
          plan::make_request(ctx.plan, op, ctx.config, probe.identity,
                             who == nullptr ? plan::Credential::none : plan::Credential::own, ids);
      out.push_back(std::move(probe));
    }
    return out;
  }

  Verdict judge(const JudgeContext& ctx, const plan::Probe& probe,
                const plan::Response& response) const override {
    const Observation o = observe(response, list_pointer_of(ctx.plan, probe.operation));
    std::string why;
    std::string state = "n/a";
    if (o.transport_error || o.status == 0 || o.status >= 500) {
      why = o.transport_error ? o.error : "server error " + std::to_string(o.status);
    } else if (ctx.knowledge.looks_denied(probe.operation, o, &why)) {
      state = "denied";
    } else if (o.is_2xx()) {
      state = "allowed";
      why = std::to_string(o.status);
    } else {
      state = "denied";
      why = std::to_string(o.status);
    }
    // A "not found" for an object that does not exist (its owner is not answered either) says
    // nothing about who may reach it.
    if (state == "denied" &&
        (o.status == 400 || o.status == 404 || o.status == 410 || o.status == 422)) {
      const auto& p = ctx.plan.operations[probe.operation];
      const config::Identity* who =
          probe.identity.empty() ? nullptr : ctx.config.identity(probe.identity);
      plan::Overrides ids;
      const std::string owner =
          who != nullptr && plan::owned_path_ids(p, *who, ids) ? who->name : probe.victim;
      const bool names_object =
          std::any_of(p.op->parameters.begin(), p.op->parameters.end(),
                      [](const auto& q) { return q.in == "path" && q.is_id(); });
      const BaselineView* b = ctx.knowledge.baseline(probe.operation, owner);
      if (names_object && (b == nullptr || !b->usable())) {
        state = "n/a";
        why = std::to_string(o.status) + ": the object does not exist (its owner's own request " +
              "was not answered either)";
      }
    }
    if (ctx.config.learn_access || !ctx.config.expected_access) return enforced(state + ": " + why);
    const std::string who = probe.identity.empty() ? plan::k_anonymous : probe.identity;
    const std::string op = ctx.plan.operations[probe.operation].op->key();
    std::string expected;
    if (const auto row = ctx.config.expected_access->operations.find(op);
        row != ctx.config.expected_access->operations.end()) {
      if (const auto cell = row->second.find(who); cell != row->second.end())
        expected = cell->second;
    }
    if (state == "allowed" && expected == "denied") {
      Verdict v;
      v.state = State::bypassed;
      v.reason = "widened: " + who + " is allowed now (" + why + "); the access matrix " +
                 ctx.config.expected_access->path + " says denied";
      return v;
    }
    if (state == "denied" && expected == "allowed")
      return enforced("narrowed: " + who + " is denied now (" + why + "); the matrix says allowed");
    if (expected.empty()) return enforced(state + ": " + why + " (not in the access matrix)");
    return enforced(state + ": " + why + ", as in the access matrix");
  }
};

}  // namespace

const Check& access_matrix_check() {
  static const AccessMatrixCheck check;
  return check;
}

}  // namespace authdiff::judge
