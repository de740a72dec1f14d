#include "report/console.hpp"

#include "util/strings.hpp"

#include <map>

#include <fmt/format.h>

namespace authdiff::report {

namespace {

std::string paint(const ConsoleStyle& s, const char* code, const std::string& text) {
  return s.color ? std::string("\033[") + code + "m" + text + "\033[0m" : text;
}

const char* colour_of(judge::Severity s) {
  switch (s) {
    case judge::Severity::critical:
      return "1;35";
    case judge::Severity::high:
      return "1;31";
    case judge::Severity::medium:
      return "1;33";
    case judge::Severity::low:
      return "1;36";
    case judge::Severity::info:
      return "1";
  }
  return "1";
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::string console_report(const ScanResult& result, ConsoleStyle style) {
  std::string out;
  std::map<judge::Severity, std::size_t> by_severity;
  for (const auto& f : result.findings) ++by_severity[f.severity];
  std::string counts;
  for (auto it = by_severity.rbegin(); it != by_severity.rend(); ++it) {
    counts += (counts.empty() ? "" : ", ") + std::to_string(it->second) + " " +
              judge::to_string(it->first);
  }
  out += fmt::format(
      "\n{} finding{}{} | {} probes: {} enforced, {} bypassed, {} inconclusive | {} "
      "requests in {:.2f} s ({:.2f} s sending)\n",
      result.findings.size(), result.findings.size() == 1 ? "" : "s",
      counts.empty() ? "" : " (" + counts + ")", result.results.size(),
      result.count(judge::State::enforced), result.count(judge::State::bypassed),
      result.count(judge::State::inconclusive), result.run.requests, result.run.seconds,
      result.run.send_seconds);
  if (const std::string why = result.could_not_conclude(); !why.empty())
    out += paint(style, "1;33", "could not conclude: ") + why + "\n";
  for (const auto& w : result.run.warnings) out += paint(style, "1;33", "warning: ") + w + "\n";
  if (!result.run.discovered.empty() || result.run.shared_ids > 0) {
    // identity -> parameter -> count
    std::map<std::string, std::map<std::string, std::size_t>> owned;
    for (const auto& d : result.run.discovered)
      ++owned[d.identity][d.resource.empty() ? d.parameter : d.resource];
    std::string line;
    for (const auto& [who, params] : owned) {
      std::string list;
      for (const auto& [param, n] : params)
        list += (list.empty() ? "" : ", ") + fmt::format("{} x{}", param, n);
      line += (line.empty() ? "" : "; ") + who + " (" + list + ")";
    }
    out += fmt::format("discovered IDs: {}{}{} shared by peers, not owned\n", line,
                       line.empty() ? "" : "; ", result.run.shared_ids);
  }
  if (!result.run.created.empty()) {
    std::size_t deleted = 0;
    std::string left;
    for (const auto& c : result.run.created) {
      if (c.removal == "deleted" || c.removal == "already gone") {
        ++deleted;
      } else {
        left += fmt::format("\n  left behind: {} {}={} ({})", c.identity, c.parameter, c.value,
                            c.removal);
      }
    }
    out += fmt::format(
        "created {} object{} (fresh IDs, objects for writes, what POSTs made), deleted {} "
        "again{}\n",
        result.run.created.size(), result.run.created.size() == 1 ? "" : "s", deleted, left);
  }
  for (std::size_t i = 0; i < result.findings.size(); ++i) {
    const judge::Finding& f = result.findings[i];
    const std::string who = f.curl.empty() ? "spec" : f.identity.empty() ? "anonymous" : f.identity;
    const std::string whose =
        f.victim.empty() || f.victim == f.identity ? "" : " -> " + f.victim + "'s data";
    const Status status = result.status(i);
    out += fmt::format("\n{} {} {}  {}{}{}{}\n",
                       paint(style, status == Status::known ? "2" : colour_of(f.severity),
                             fmt::format("{:<8}", upper(judge::to_string(f.severity)))),
                       fmt::format("{:<16}", f.check->name()), f.method + " " + f.path, who, whose,
                       f.parameter.empty() ? "" : " (" + f.parameter + ")",
                       status == Status::none ? "" : "  [" + to_string(status) + "]");
    out += fmt::format("         {}\n", f.reason);
    if (f.kinds.size() > 1) {
      std::string kinds;
      for (std::size_t k = 0; k < f.kinds.size() && k < 6; ++k)
        kinds += (k ? "; " : "") + f.kinds[k];
      if (f.kinds.size() > 6) kinds += "; +" + std::to_string(f.kinds.size() - 6) + " more";
      out += fmt::format("         probes: {}\n", kinds);
    }
    std::string evidence;
    for (std::size_t k = 0; k < f.evidence.size() && k < 4; ++k) {
      evidence += (k ? ", " : "") + f.evidence[k].pointer + "=" + f.evidence[k].masked;
    }
    if (!evidence.empty()) {
      out += fmt::format(
          "         evidence: {}{}\n", evidence,
          f.leaked > 4
              ? fmt::format(" (+{} more)", f.leaked - std::min<std::size_t>(4, f.evidence.size()))
              : "");
    }
    if (!f.data.empty()) out += fmt::format("         unmasked data: {}\n", join(f.data, ", "));
    out += fmt::format("         {}  [{}]\n",
                       paint(style, "2", f.curl.empty() ? "in the spec: nothing to send" : f.curl),
                       f.id);
  }
  // The access matrix's narrowings: not failures, but a reviewer should know.
  std::string narrowed;
  std::size_t narrowings = 0;
  for (const auto& r : result.results) {
    if (r.check == nullptr || !r.check->info().records_reach ||
        r.verdict.reason.rfind("narrowed: ", 0) != 0)
      continue;
    ++narrowings;
    narrowed += fmt::format("  {}  {}\n", operation_key(result, r.probe.operation),
                            r.verdict.reason.substr(10));
  }
  if (narrowings > 0)
    out +=
        fmt::format("\nnarrowed since the access matrix ({}; update it with authdiff learn):\n{}",
                    narrowings, narrowed);
  if (!result.untested.empty()) {
    out += fmt::format("\nnot tested ({} operation{}):\n", result.untested.size(),
                       result.untested.size() == 1 ? "" : "s");
    for (std::size_t i = 0; i < result.untested.size() && i < 10; ++i) {
      out += fmt::format("  {}  {}\n", operation_key(result, result.untested[i].operation),
                         result.untested[i].reason);
    }
    if (result.untested.size() > 10)
      out += fmt::format("  ... {} more (see the JSON report's untested)\n",
                         result.untested.size() - 10);
  }
  std::map<std::string, std::size_t> reasons;
  for (const auto& r : result.results) {
    if (r.verdict.state == judge::State::inconclusive) ++reasons[r.verdict.reason];
  }
  if (!reasons.empty()) {
    out += "\ninconclusive (not passed, not failed):\n";
    std::vector<std::pair<std::size_t, std::string>> sorted;
    for (const auto& [reason, n] : reasons) sorted.emplace_back(n, reason);
    std::sort(sorted.rbegin(), sorted.rend());
    for (std::size_t i = 0; i < sorted.size() && i < 8; ++i) {
      out += fmt::format("  {:>4} x {}\n", sorted[i].first, sorted[i].second);
    }
    if (sorted.size() > 8)
      out += fmt::format("  ... {} more reasons (see the JUnit report)\n", sorted.size() - 8);
  }
  if (!result.compared_with.empty()) {
    const bool recheck = result.compared_with == "recheck";
    out += fmt::format(
        "\n{} {}: {} fixed, {} {}", recheck ? "rechecked" : "compared with the baseline",
        result.compared_with_file, result.count(Previous::Outcome::fixed),
        result.count(Previous::Outcome::still_failing), recheck ? "still open" : "still failing");
    for (const auto outcome : {Previous::Outcome::not_checked, Previous::Outcome::inconclusive}) {
      if (const std::size_t n = result.count(outcome))
        out += fmt::format(", {} {}", n, to_string(outcome));
    }
    out += "\n";
    for (const auto& p : result.previous) {
      if (p.outcome == Previous::Outcome::still_failing) continue;
      out += fmt::format("  {:<13} {:<16} {}  {}{}  [{}]\n", to_string(p.outcome), p.check,
                         p.operation, p.identity.empty() ? "anonymous" : p.identity,
                         p.parameter.empty() ? "" : " (" + p.parameter + ")", p.id);
    }
  }
  return out;
}

}  // namespace authdiff::report
