#include "report/compare.hpp"

#include <map>

namespace authdiff::report {

namespace {

// For each finding id any probe of `result` belongs to: whether one was bypassed, whether one
// was inconclusive.
struct Seen {
  bool bypassed = false, inconclusive = false;
};

std::map<std::string, Seen> probes_by_finding(const ScanResult& result) {
  std::map<std::string, Seen> out;
  for (const auto& r : result.results) {
    if (r.probe.operation >= result.operations.size()) continue;
    const auto& op = result.operations[r.probe.operation];
    const auto [method, path] = judge::finding_place(result.run.base_url, r, op.method, op.path);
    Seen& s = out[judge::finding_id_of(r.probe, method, path)];
    s.bypassed = s.bypassed || r.verdict.state == judge::State::bypassed;
    s.inconclusive = s.inconclusive || r.verdict.state == judge::State::inconclusive;
  }
  return out;
}

Previous::Outcome outcome_of(const std::map<std::string, Seen>& seen, const std::string& id) {
  const auto it = seen.find(id);
  if (it == seen.end()) return Previous::Outcome::not_checked;
  if (it->second.bypassed) return Previous::Outcome::still_failing;
  if (it->second.inconclusive) return Previous::Outcome::inconclusive;
  return Previous::Outcome::fixed;
}

}  // namespace

void compare_with_baseline(ScanResult& result, const config::BaselineFile& baseline,
                           const std::string& today) {
  result.compared_with = "baseline";
  result.compared_with_file = baseline.path;
  result.previous.clear();
  const auto seen = probes_by_finding(result);
  for (const auto& k : baseline.known) {
    Previous p;
    p.id = k.id;
    p.check = k.check;
    p.operation = k.operation;
    p.identity = k.identity;
    p.victim = k.victim;
    p.parameter = k.parameter;
    p.severity = judge::parse_severity(k.severity).value_or(judge::Severity::high);
    p.reason = k.reason;
    p.expires = k.expires;
    p.outcome = outcome_of(seen, k.id);
    result.previous.push_back(std::move(p));
  }
  result.statuses.assign(result.findings.size(), Status::new_);
  for (std::size_t i = 0; i < result.findings.size(); ++i) {
    const config::KnownFinding* k = baseline.find(result.findings[i].id);
    if (k == nullptr) continue;
    result.statuses[i] =
        !k->expires.empty() && k->expires < today ? Status::expired : Status::known;
  }
}

void compare_with_report(ScanResult& result, const ScanResult& earlier, const std::string& file) {
  result.compared_with = "recheck";
  result.compared_with_file = file;
  result.previous.clear();
  const auto seen = probes_by_finding(result);
  for (const auto& f : earlier.findings) {
    Previous p;
    p.id = f.id;
    p.check = std::string(f.check->name());
    p.operation = f.method + " " + f.path;
    p.identity = f.identity;
    p.victim = f.victim;
    p.parameter = f.parameter;
    p.severity = f.severity;
    p.reason = f.reason;
    p.outcome = outcome_of(seen, f.id);
    result.previous.push_back(std::move(p));
  }
  result.statuses.assign(result.findings.size(), Status::still_open);
}

std::vector<config::KnownFinding> known_findings(const ScanResult& result,
                                                 const config::BaselineFile* existing,
                                                 const std::string& today) {
  std::vector<config::KnownFinding> out;
  for (const auto& f : result.findings) {
    config::KnownFinding k;
    k.id = f.id;
    k.check = std::string(f.check->name());
    k.operation = f.method + " " + f.path;
    k.identity = f.identity.empty() ? "anonymous" : f.identity;
    k.victim = f.victim;
    k.parameter = f.parameter;
    k.severity = judge::to_string(f.severity);
    k.reason = "accepted on " + today + " when this baseline was written; replace with the reason";
    if (const config::KnownFinding* old = existing ? existing->find(f.id) : nullptr) {
      k.reason = old->reason;
      k.expires = old->expires;
    }
    out.push_back(std::move(k));
  }
  return out;
}

}  // namespace authdiff::report
