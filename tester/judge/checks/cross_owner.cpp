// cross-owner (API1): identity B asks for identity A's objects (same level, both ways, every
// pair); and B's lists are searched for A's objects. Bypassed when B gets A's data.
#include "judge/check.hpp"
#include "util/strings.hpp"

namespace authdiff::judge {

namespace {

bool has_id_path_param(const plan::OperationPlan& p) {
  return std::any_of(p.op->parameters.begin(), p.op->parameters.end(),
                     [](const auto& q) { return q.in == "path" && q.is_id(); });
}

class CrossOwner final : public Check {
 public:
  CrossOwner()
      : Check(
            {.name = "cross-owner",
             .title = "Another owner's object is reachable",
             .owasp = "API1:2023 Broken Object Level Authorization",
             .severity = Severity::high,
             .description =
                 "For owner-only operations, requests each identity's object IDs as every other "
                 "identity of the same level (both ways). A 2xx carrying the owner's data that the "
                 "other identity never saw is a finding. Lists answered to one identity that hold "
                 "another identity's objects (by known ID or by an owner field equal to its "
                 "user_id) "
                 "are findings too.",
             .sends = "owner-only operations with identity A's IDs as identity B (same level, "
                      "every pair, "
                      "both ways); B's lists, unless the config declares the list shared (`access` "
                      "other "
                      "than `owner`)",
             .finds = "B gets A's data; B's list holds A's objects (by ID, or by any field holding "
                      "A's user "
                      "id)",
             .settings = {}}) {}

  std::vector<plan::Probe> plan(const PlanContext& ctx, std::size_t op) const override {
    const auto& p = ctx.plan.operations[op];
    std::vector<plan::Probe> out;
    if (p.skipped || p.expect.access == config::Access::everyone) return out;
    const auto& ids = ctx.principals.identities();
    if (p.expect.access == config::Access::owner && has_id_path_param(p)) {
      for (const auto& a : ids) {
        plan::Overrides owned;
        if (!plan::may_access(p, &a) || !plan::owned_path_ids(p, a, owned)) continue;
        for (const auto& b : ids) {
          if (&a == &b || a.level != b.level || !plan::may_access(p, &b)) continue;
          plan::Probe probe;
          probe.check = std::string(name());
          probe.kind = b.name + " asks for " + a.name + "'s object";
          probe.operation = op;
          probe.identity = b.name;
          probe.victim = a.name;
          probe.parameter = owned.begin()->first;
          probe.value = owned.begin()->second;
          probe.request = plan::make_request(ctx.plan, op, ctx.principals, b.name,
                                             plan::Credential::own, owned);
          out.push_back(std::move(probe));
        }
      }
    }
    // A list is searched for peers' objects unless the team's policy says it is no owner's
    // (shared notes declared `authenticated` may hold everyone's).
    const bool declared_shared =
        p.expect.access != config::Access::owner && p.expect.source.starts_with("config");
    if (p.op->is_list && p.op->method == "GET" && !declared_shared) {
      for (const auto& b : ids) {
        if (!plan::may_access(p, &b)) continue;
        const bool has_peer = std::any_of(ids.begin(), ids.end(), [&](const auto& a) {
          return &a != &b && a.level == b.level && (!a.owns.empty() || !a.user_id.empty());
        });
        if (!has_peer) continue;
        plan::Overrides own;
        plan::owned_path_ids(p, b, own);
        plan::Probe probe;
        probe.check = std::string(name());
        probe.kind = "list as " + b.name + " holds peers' objects";
        probe.operation = op;
        probe.identity = b.name;
        probe.request =
            plan::make_request(ctx.plan, op, ctx.principals, b.name, plan::Credential::own, own);
        out.push_back(std::move(probe));
      }
    }
    return out;
  }

  Verdict judge(const JudgeContext& ctx, const plan::Probe& probe,
                const plan::Response& response) const override {
    if (probe.victim.empty()) {
      return judge_list(ctx, probe, observe(response, list_pointer_of(ctx.plan, probe.operation)));
    }
    return judge_against_victim(ctx, probe, response, probe.identity);
  }

 private:
  // Items of B's list that belong to a same-level peer A.
  static Verdict judge_list(const JudgeContext& ctx, const plan::Probe& probe,
                            const Observation& o) {
    const BaselineView* own = ctx.knowledge.baseline(probe.operation, probe.identity);
    if (auto v = access_outcome(ctx.knowledge, probe.operation, o, own)) return *v;
    const auto pointer = list_pointer_of(ctx.plan, probe.operation);
    if (!o.json || !pointer) return inconclusive("the list could not be read as JSON");
    const config::Identity* b = ctx.principals.identity(probe.identity);
    Verdict v;
    std::vector<std::string> owners;
    std::size_t items = 0;
    const bool is_list = o.each_item(*pointer, [&](std::size_t i, const nlohmann::json& item) {
      ++items;
      if (!item.is_object() || b == nullptr) return;
      std::string hit;
      const std::string owner = item_owner(ctx.plan, probe.operation, ctx.principals, item, &hit);
      const config::Identity* a = owner.empty() ? nullptr : ctx.principals.identity(owner);
      if (a == nullptr || a == b || a->level != b->level) return;
      ++v.leaked;
      if (std::find(owners.begin(), owners.end(), a->name) == owners.end())
        owners.push_back(a->name);
      if (v.evidence.size() < k_max_evidence) {
        v.evidence.push_back(
            {*pointer + "/" + std::to_string(i), "belongs to " + a->name + " (" + hit + ")"});
      }
    });
    if (!is_list) return enforced("no list at " + (pointer->empty() ? "/" : *pointer));
    if (v.leaked == 0)
      return enforced(std::to_string(o.status) + " and the list holds only " + probe.identity +
                      "'s own or unowned objects");
    v.state = State::bypassed;
    v.items = items;
    v.reason = "the list answered to " + probe.identity + " holds " + std::to_string(v.leaked) +
               " object" + (v.leaked == 1 ? "" : "s") + " of " + join(owners, ", ");
    return v;
  }
};

}  // namespace

const Check& cross_owner_check() {
  static const CrossOwner check;
  return check;
}

}  // namespace authdiff::judge
