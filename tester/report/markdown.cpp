#include "report/markdown.hpp"

#include "util/strings.hpp"

#include <map>

#include <fmt/format.h>

namespace authdiff::report {

namespace {

// Plain text in a table cell: one line, pipes escaped, Markdown and HTML made inert.
std::string cell(std::string_view text, std::size_t max = 200) {
  std::string out;
  for (const char c : text) {
    if (out.size() >= max) {
      out += "…";
      break;
    }
    switch (c) {
      case '\n':
      case '\r':
      case '\t':
        out += ' ';
        break;
      case '|':
      case '\\':
      case '`':
      case '*':
      case '_':
      case '[':
      case ']':
      case '<':
      case '>':
      case '#':
        out += '\\';
        out += c;
        break;
      default:
        if (static_cast<unsigned char>(c) >= 0x20) out += c;
    }
  }
  return out;
}

std::string counts_line(const ScanResult& r) {
  std::map<judge::Severity, std::size_t> by;
  for (const auto& f : r.findings) ++by[f.severity];
  std::string out;
  for (auto it = by.rbegin(); it != by.rend(); ++it) {
    out +=
        fmt::format("{}{} {}", out.empty() ? "" : " · ", it->second, judge::to_string(it->first));
  }
  return out;
}

}  // namespace

std::string markdown_code_cell(std::string_view text, std::size_t max) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (out.size() >= max) {
      // Do not cut inside a UTF-8 sequence.
      while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80)
        out.pop_back();
      if (!out.empty() && static_cast<unsigned char>(out.back()) >= 0xC0) out.pop_back();
      out += "…";
      break;
    }
    if (c == '`') {
      out += '\'';
    } else if (c == '|') {
      out += "\\|";
    } else if (c < 0x20) {
      out += ' ';
    } else {
      out += static_cast<char>(c);
    }
  }
  return "`" + out + "`";
}

std::string markdown_report(const ScanResult& r) {
  std::string out;
  const std::size_t failing = r.failing();
  const bool recheck = r.command_is_recheck();
  if (recheck) {
    const std::size_t fixed = r.count(Previous::Outcome::fixed);
    out += fmt::format("## authdiff recheck: {} of {} fixed{}\n\n", fixed, r.previous.size(),
                       fixed == r.previous.size() ? " ✅" : " ❌");
  } else {
    out += fmt::format("## authdiff: {} finding{}{}\n\n", r.findings.size(),
                       r.findings.size() == 1 ? "" : "s",
                       failing > 0 ? fmt::format(" ({} failing the run) ❌", failing) : " ✅");
  }
  out += fmt::format(
      "{} probes against `{}`: {} enforced, {} bypassed, {} inconclusive · {} "
      "requests in {:.1f} s",
      r.results.size(), cell(r.run.base_url), r.count(judge::State::enforced),
      r.count(judge::State::bypassed), r.count(judge::State::inconclusive), r.run.requests,
      r.run.seconds);
  if (r.run.shards > 0) out += fmt::format(" · shard {}/{}", r.run.shard, r.run.shards);
  if (!r.run.merged_shards.empty())
    out += fmt::format(" · {} shards merged", r.run.merged_shards.size());
  out += "\n\n";
  if (const std::string why = r.could_not_conclude(); !why.empty())
    out += "> **The run could not conclude:** " + cell(why, 1000) + "\n\n";
  for (const auto& w : r.run.warnings) out += "> **Warning:** " + cell(w, 1000) + "\n\n";
  if (const std::string counts = counts_line(r); !counts.empty())
    out += "**By severity:** " + counts + " (fails at " + judge::to_string(r.run.fail_on) +
           " and above)\n\n";

  if (!r.findings.empty()) {
    const bool with_status = !r.compared_with.empty();
    out += with_status
               ? "| Severity | Operation | Check | Who | Evidence | Status |\n"
                 "|---|---|---|---|---|---|\n"
               : "| Severity | Operation | Check | Who | Evidence |\n|---|---|---|---|---|\n";
    for (std::size_t i = 0; i < r.findings.size(); ++i) {
      const judge::Finding& f = r.findings[i];
      std::string evidence;
      for (std::size_t k = 0; k < f.evidence.size() && k < 3; ++k)
        evidence += (k ? ", " : "") + f.evidence[k].pointer + "=" + f.evidence[k].masked;
      if (f.leaked > 3) evidence += fmt::format(" (+{} more)", f.leaked - 3);
      if (!f.data.empty()) evidence += " · unmasked: " + join(f.data, ", ");
      out += fmt::format("| {} | {} | {} | {} | {} |", judge::to_string(f.severity),
                         markdown_code_cell(f.method + " " + f.path), cell(f.check->name()),
                         cell(who_and_whose(f)),
                         evidence.empty() ? cell(f.reason) : markdown_code_cell(evidence));
      if (with_status) {
        std::string status = to_string(r.status(i));
        if (!r.fails(i) && r.status(i) != Status::known) status += " (below --fail-on)";
        out += " " + cell(status) + " |";
      }
      out += "\n";
    }
    out += "\n<details><summary>Reproduce (credentials are environment variables)</summary>\n\n";
    for (const auto& f : r.findings) {
      if (f.curl.empty()) continue;  // a spec finding (audit): nothing to send
      // A fenced block shows the command verbatim; a fence inside it is made harmless.
      std::string curl = f.curl;
      for (std::size_t at = curl.find("```"); at != std::string::npos; at = curl.find("```"))
        curl.replace(at, 3, "'''");
      out += fmt::format("`{}` {} {}\n```sh\n{}\n```\n", f.id, cell(f.check->name()),
                         markdown_code_cell(f.method + " " + f.path), curl);
    }
    out += "\n</details>\n\n";
  }

  if (!r.compared_with.empty()) {
    const auto section = [&](Previous::Outcome outcome, const std::string& title) {
      std::string rows;
      std::size_t n = 0;
      for (const auto& p : r.previous) {
        if (p.outcome != outcome) continue;
        ++n;
        rows += fmt::format("- {} {} as {}{} (`{}`)\n", markdown_code_cell(p.operation),
                            cell(p.check), cell(p.identity.empty() ? "anonymous" : p.identity),
                            p.parameter.empty() ? "" : " via " + cell(p.parameter), p.id);
      }
      if (n > 0) out += fmt::format("### {} ({})\n\n{}\n", title, n, rows);
    };
    const std::string since = recheck ? "the rechecked report" : "the baseline";
    section(Previous::Outcome::fixed, "Fixed since " + since);
    if (recheck) section(Previous::Outcome::still_failing, "Still open");
    section(Previous::Outcome::not_checked, "Not checked in this run");
    section(Previous::Outcome::inconclusive, "Could not be judged");
  }

  if (!r.untested.empty()) {
    out += fmt::format("<details><summary>Not tested: {} operation{}</summary>\n\n",
                       r.untested.size(), r.untested.size() == 1 ? "" : "s");
    for (std::size_t i = 0; i < r.untested.size() && i < 50; ++i)
      out += fmt::format("- `{}` {}\n", operation_key(r, r.untested[i].operation),
                         cell(r.untested[i].reason));
    if (r.untested.size() > 50) out += fmt::format("- ... {} more\n", r.untested.size() - 50);
    out += "\n</details>\n\n";
  }
  std::map<std::string, std::size_t> reasons;
  for (const auto& x : r.results) {
    if (x.verdict.state == judge::State::inconclusive) ++reasons[x.verdict.reason];
  }
  if (!reasons.empty()) {
    std::vector<std::pair<std::size_t, std::string>> sorted;
    for (const auto& [reason, n] : reasons) sorted.emplace_back(n, reason);
    std::sort(sorted.rbegin(), sorted.rend());
    out += "<details><summary>Inconclusive: not passed, not failed</summary>\n\n";
    for (std::size_t i = 0; i < sorted.size() && i < 10; ++i)
      out += fmt::format("- {} × {}\n", sorted[i].first, cell(sorted[i].second));
    out += "\n</details>\n";
  }
  return out;
}

}  // namespace authdiff::report
