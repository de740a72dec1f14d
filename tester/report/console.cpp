#include "report/console.hpp"

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

std::string console_report(const plan::Plan& plan, const ScanResult& result, ConsoleStyle style) {
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
  for (const auto& f : result.findings) {
    const std::string who = f.identity.empty() ? "anonymous" : f.identity;
    const std::string whose =
        f.victim.empty() || f.victim == f.identity ? "" : " -> " + f.victim + "'s data";
    out += fmt::format("\n{} {} {}  {}{}{}\n",
                       paint(style, colour_of(f.severity),
                             fmt::format("{:<8}", upper(judge::to_string(f.severity)))),
                       fmt::format("{:<16}", f.check->name()), f.method + " " + f.path, who, whose,
                       f.parameter.empty() ? "" : " (" + f.parameter + ")");
    out += fmt::format("         {}\n", f.reason);
    if (f.kinds.size() > 1) {
      std::string kinds;
      for (std::size_t i = 0; i < f.kinds.size() && i < 6; ++i)
        kinds += (i ? "; " : "") + f.kinds[i];
      if (f.kinds.size() > 6) kinds += "; +" + std::to_string(f.kinds.size() - 6) + " more";
      out += fmt::format("         probes: {}\n", kinds);
    }
    std::string evidence;
    for (std::size_t i = 0; i < f.evidence.size() && i < 4; ++i) {
      evidence += (i ? ", " : "") + f.evidence[i].pointer + "=" + f.evidence[i].masked;
    }
    if (!evidence.empty()) {
      out += fmt::format(
          "         evidence: {}{}\n", evidence,
          f.leaked > 4
              ? fmt::format(" (+{} more)", f.leaked - std::min<std::size_t>(4, f.evidence.size()))
              : "");
    }
    out += fmt::format("         {}  [{}]\n", paint(style, "2", f.curl), f.id);
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
  (void)plan;
  return out;
}

}  // namespace authdiff::report
