// rate-limit (API4, opt-in): a bounded burst on sensitive read operations. The incident's advice
// was to limit access frequency so that nobody can scrape the data in bulk; an operation that
// answers every request of a burst without a 429, a Retry-After or an announced limit is a
// finding. Bounded: [checks.rate-limit] `requests` per operation, at most `operations`
// operations (per shard), sent at the run's rate limit, so it never turns into a load test.
#include <map>

#include "judge/check.hpp"

namespace authdiff::judge {

namespace {

constexpr std::string_view k_burst = "burst request ";

// A GET that requires a credential and is a list, or whose answer has sensitive-looking fields.
bool sensitive_read(const plan::OperationPlan& p) {
  if (p.skipped || p.op->method != "GET" || p.expect.access == config::Access::everyone)
    return false;
  if (p.op->is_list) return true;
  return std::any_of(p.op->response_fields.begin(), p.op->response_fields.end(),
                     [](const std::string& f) { return !field_class(f).empty(); });
}

bool throttled(const plan::Response& r, std::string* why) {
  if (r.throttled > 0) {
    *why = std::to_string(r.throttled) + " x 429/503 before this answer (retried)";
  } else if (r.status == 429) {
    *why = "429";
  } else if (r.header("retry-after") != nullptr) {
    *why = std::to_string(r.status) + " with Retry-After";
  } else if (r.status == 503) {
    *why = "503";
  } else {
    for (const char* h : {"ratelimit-limit", "x-ratelimit-limit", "ratelimit-policy",
                          "x-rate-limit-limit", "ratelimit"}) {
      if (const std::string* v = r.header(h)) {
        *why = "a limit is announced (" + std::string(h) + ": " + *v + ")";
        return true;
      }
    }
    return false;
  }
  return true;
}

class RateLimit final : public Check {
 public:
  RateLimit()
      : Check({.name = "rate-limit",
               .title = "No limit on how fast data can be read",
               .owasp = "API4:2023 Unrestricted Resource Consumption",
               .severity = Severity::medium,
               .description =
                   "Sends a bounded burst (`requests`, default 30) as the authorised caller to at "
                   "most "
                   "`operations` (default 5) sensitive reads: GETs needing a credential that "
                   "list objects or whose answers have personal or secret fields. No 429, "
                   "Retry-After, "
                   "503 or announced limit in the whole burst is a finding.",
               .sends =
                   "a burst of `requests` (30) as the allowed caller, on at most `operations` (5) "
                   "sensitive reads per shard: GETs needing a credential that list objects or "
                   "declare "
                   "personal fields",
               .finds = "no 429, 503, `Retry-After` or announced limit (`RateLimit-*`, "
                        "`X-RateLimit-*`) in the "
                        "whole burst, retries included",
               .opt_in = true,
               .wrong_caller = false,
               .tests_access = false,
               .relates_answers = true,  // relate() reads each answer's headers
               .settings = {{"requests", Setting::Kind::integer, 30, 2, 1000,
                             "requests in each operation's burst"},
                            {"operations", Setting::Kind::integer, 5, 1, 1000,
                             "at most this many operations (per shard) get a burst"}}}) {}

  std::vector<plan::Probe> plan(const PlanContext& ctx, std::size_t op) const override {
    const auto& p = ctx.plan.operations[op];
    const config::Identity* victim = victim_for(ctx, op);
    if (!sensitive_read(p) || victim == nullptr) return {};
    // The first `operations` sensitive reads of this shard that someone may call get a burst.
    int before = 0;
    const auto operations = ctx.options.value(*this, "operations");
    for (std::size_t i = 0; i < op && before < operations; ++i) {
      const auto& o = ctx.plan.operations[i];
      before += !o.other_shard && sensitive_read(o) && victim_for(ctx, i) != nullptr ? 1 : 0;
    }
    if (before >= operations) return {};
    plan::Overrides ids;
    plan::owned_path_ids(p, *victim, ids);
    const plan::Request request =
        plan::make_request(ctx.plan, op, ctx.principals, victim->name, plan::Credential::own, ids);
    std::vector<plan::Probe> out;
    const auto n = ctx.options.value(*this, "requests");
    for (int k = 1; k <= n; ++k) {
      plan::Probe probe;
      probe.check = std::string(name());
      probe.kind = std::string(k_burst) + std::to_string(k) + "/" + std::to_string(n);
      probe.operation = op;
      probe.identity = victim->name;
      probe.request = request;
      out.push_back(std::move(probe));
    }
    return out;
  }

  Verdict judge(const JudgeContext& /*ctx*/, const plan::Probe& /*probe*/,
                const plan::Response& response) const override {
    if (!response.ok()) return inconclusive("no answer: " + response.error);
    std::string why;
    if (throttled(response, &why)) return enforced("throttled: " + why);
    return enforced("answered " + std::to_string(response.status));  // see relate()
  }

  void relate(const JudgeContext& /*ctx*/, std::vector<ProbeResult>& results) const override {
    std::map<std::size_t, std::vector<ProbeResult*>> bursts;
    for (auto& r : results) {
      if (r.check == this) bursts[r.probe.operation].push_back(&r);
    }
    for (auto& [op, burst] : bursts) {
      std::size_t answered = 0, failed = 0;
      std::string why;
      for (const ProbeResult* r : burst) {
        if (!r->response.ok()) {
          ++failed;
        } else if (throttled(r->response, &why)) {
          break;
        } else if (r->response.status >= 200 && r->response.status < 300) {
          ++answered;
        }
      }
      if (!why.empty()) continue;  // throttled: every verdict says so already
      ProbeResult& last = *burst.back();
      if (failed > 0 || answered < burst.size()) {
        last.verdict =
            inconclusive(std::to_string(answered) + " of " + std::to_string(burst.size()) +
                         " burst requests answered 2xx: not a clean burst");
        continue;
      }
      // The whole burst is the finding, so that recheck replays the whole burst.
      Verdict v;
      v.state = State::bypassed;
      v.reason = std::to_string(burst.size()) + " requests in a burst, every one answered 2xx: " +
                 "no 429, Retry-After or announced limit";
      for (ProbeResult* r : burst) r->verdict = v;
    }
  }
};

}  // namespace

const Check& rate_limit_check() {
  static const RateLimit check;
  return check;
}

}  // namespace authdiff::judge
