#include "report/scan_result.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

namespace authdiff::report {

namespace {

constexpr std::array<std::pair<Status, std::string_view>, 5> k_statuses = {{
    {Status::none, ""},
    {Status::new_, "new"},
    {Status::known, "known"},
    {Status::expired, "expired"},
    {Status::still_open, "still open"},
}};
constexpr std::array<std::pair<Previous::Outcome, std::string_view>, 4> k_outcomes = {{
    {Previous::Outcome::fixed, "fixed"},
    {Previous::Outcome::still_failing, "still failing"},
    {Previous::Outcome::not_checked, "not checked"},
    {Previous::Outcome::inconclusive, "inconclusive"},
}};

}  // namespace

std::string to_string(Status s) {
  for (const auto& [v, name] : k_statuses) {
    if (v == s) return std::string(name);
  }
  return "";
}

std::optional<Status> parse_status(std::string_view text) {
  for (const auto& [v, name] : k_statuses) {
    if (name == text) return v;
  }
  return std::nullopt;
}

std::string to_string(Previous::Outcome o) {
  for (const auto& [v, name] : k_outcomes) {
    if (v == o) return std::string(name);
  }
  return "";
}

std::optional<Previous::Outcome> parse_outcome(std::string_view text) {
  for (const auto& [v, name] : k_outcomes) {
    if (name == text) return v;
  }
  return std::nullopt;
}

std::size_t ScanResult::count(judge::State state) const {
  std::size_t n = 0;
  for (const auto& r : results) n += r.verdict.state == state ? 1 : 0;
  return n;
}

bool ScanResult::fails(std::size_t i) const {
  return findings[i].severity >= run.fail_on && status(i) != Status::known;
}

std::size_t ScanResult::failing() const {
  std::size_t n = 0;
  for (std::size_t i = 0; i < findings.size(); ++i) n += fails(i) ? 1 : 0;
  return n;
}

std::string ScanResult::could_not_conclude() const {
  if (!run.aborted.empty()) return run.aborted;
  if (command_is_recheck()) return "";
  if (!run.budget.empty()) return run.budget;
  if (!run.blind.empty()) return run.blind;
  const std::size_t inconclusive = count(judge::State::inconclusive);
  if (!results.empty() && static_cast<double>(inconclusive) >
                              run.max_inconclusive * static_cast<double>(results.size())) {
    return fmt::format(
        "{} of {} probes were inconclusive (more than limits.max_inconclusive = {:g})",
        inconclusive, results.size(), run.max_inconclusive);
  }
  // A scan whose only probes are the audit's sent nothing: nothing about access was checked.
  const bool sent = std::any_of(results.begin(), results.end(),
                                [](const auto& r) { return !r.probe.static_only; });
  if (run.command != "audit" && !sent)
    return "no probe could be planned (no identities, IDs or non-public operations to test): "
           "nothing was checked";
  return "";
}

std::size_t ScanResult::count(Previous::Outcome outcome) const {
  std::size_t n = 0;
  for (const auto& p : previous) n += p.outcome == outcome ? 1 : 0;
  return n;
}

std::string operation_key(const ScanResult& result, std::size_t op) {
  return op < result.operations.size() ? result.operations[op].key() : "?";
}

std::string who_and_whose(const judge::Finding& f) {
  std::string out = f.identity.empty() ? "anonymous" : f.identity;
  if (!f.victim.empty() && f.victim != f.identity) out += " → " + f.victim + "'s data";
  if (!f.parameter.empty()) out += " via " + f.parameter;
  return out;
}

}  // namespace authdiff::report
