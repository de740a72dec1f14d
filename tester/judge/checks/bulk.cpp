// bulk (API4): page-size parameters at huge, negative, zero and omitted values (and the
// schema's maximum + 1); a list with no page-size parameter is checked as it is. Bypassed when
// more items come back than the schema's maximum or the configured cap.
#include <charconv>

#include "judge/check.hpp"

namespace authdiff::judge {

namespace {

const spec::Parameter* page_size_param(const spec::Operation& op) {
  for (const auto& p : op.parameters) {
    if (p.is_page_size()) return &p;
  }
  return nullptr;
}

class Bulk final : public Check {
 public:
  Bulk()
      : Check(
            {.name = "bulk",
             .title = "Unbounded bulk retrieval",
             .owasp = "API4:2023 Unrestricted Resource Consumption",
             .severity = Severity::medium,
             .description =
                 "Sends list operations' page-size parameters at huge, negative, zero and omitted "
                 "values and past the schema's maximum (corpus/mutations/page-sizes.txt). More "
                 "items "
                 "than the schema's maximum (or limits.max_items where the schema has none) is a "
                 "finding; a 4xx for an out-of-range value is the API doing its job.",
             .sends =
                 "list operations' page-size parameters at `corpus/mutations/page-sizes.txt` "
                 "values "
                 "(huge, past the schema's maximum, -1, 0, omitted); lists without one as they are",
             .finds = "more items than the schema's `maximum` (or `limits.max_items`)",
             .wrong_caller = false,
             .settings = {}}) {}

  std::vector<plan::Probe> plan(const PlanContext& ctx, std::size_t op) const override {
    const auto& p = ctx.plan.operations[op];
    std::vector<plan::Probe> out;
    if (p.skipped || !p.op->is_list || p.op->method != "GET") return out;
    std::string identity;
    plan::Overrides base;
    if (p.expect.access != config::Access::everyone) {
      const config::Identity* victim = victim_for(ctx, op);
      if (victim == nullptr) return out;
      identity = victim->name;
      plan::owned_path_ids(p, *victim, base);
    }
    const auto credential = identity.empty() ? plan::Credential::none : plan::Credential::own;
    plan::Probe probe;
    probe.check = std::string(name());
    probe.operation = op;
    probe.identity = identity;
    probe.victim = identity;
    const spec::Parameter* size = page_size_param(*p.op);
    if (size == nullptr) {
      probe.kind = "no page-size parameter";
      probe.request = plan::make_request(ctx.plan, op, ctx.principals, identity, credential, base);
      out.push_back(probe);
      return out;
    }
    probe.parameter = size->name;
    std::vector<std::string> values;
    for (const auto& rule : ctx.mutations.page_sizes) {
      std::string v = rule;
      if (rule == "max+1" || rule == "max*10") {
        if (!size->maximum) continue;
        const auto max = static_cast<long long>(*size->maximum);
        v = std::to_string(rule == "max+1" ? max + 1 : max * 10);
      }
      if (std::find(values.begin(), values.end(), v) == values.end()) values.push_back(v);
    }
    for (const auto& v : values) {
      plan::Overrides o = base;
      std::set<std::string> omit;
      if (v == "omit") {
        omit.insert(size->name);
        probe.kind = size->name + " omitted";
      } else {
        o[size->name] = v;
        probe.kind = size->name + "=" + v;
      }
      probe.value = v;
      probe.request =
          plan::make_request(ctx.plan, op, ctx.principals, identity, credential, o, omit);
      out.push_back(probe);
    }
    return out;
  }

  Verdict judge(const JudgeContext& ctx, const plan::Probe& probe,
                const plan::Response& response) const override {
    const auto& op = *ctx.plan.operations[probe.operation].op;
    const BaselineView* control = ctx.knowledge.baseline(probe.operation, probe.victim);
    const Observation o = observe(response, list_pointer_of(ctx.plan, probe.operation));
    if (auto v = access_outcome(ctx.knowledge, probe.operation, o, control, true)) return *v;
    if (!o.items) return inconclusive("could not count the items of the answer");
    const spec::Parameter* size = page_size_param(op);
    std::size_t limit = ctx.config.limits.max_items;
    std::string limit_source = "limits.max_items";
    if (size != nullptr && size->maximum && *size->maximum >= 0) {
      limit = static_cast<std::size_t>(*size->maximum);
      limit_source = "the spec's maximum for " + size->name;
    }
    Verdict v;
    v.items = o.items;
    const std::string count =
        std::to_string(*o.items) + (o.truncated && !o.counted_whole ? "+" : "") + " items";
    if (*o.items <= limit) {
      v.state = State::enforced;
      v.reason = count + ", within " + limit_source + " (" + std::to_string(limit) + ")";
      return v;
    }
    v.state = State::bypassed;
    v.reason = (probe.kind.empty() ? std::string() : probe.kind + " returned ") + count +
               ", more than " + limit_source + " (" + std::to_string(limit) + ")";
    return v;
  }
};

}  // namespace

const Check& bulk_check() {
  static const Bulk check;
  return check;
}

}  // namespace authdiff::judge
