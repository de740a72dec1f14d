#include "app/outputs.hpp"

#include <algorithm>

#include <unistd.h>
#include <cstdio>
#include <cstdlib>

#include "report/console.hpp"
#include "report/html.hpp"
#include "report/json_report.hpp"
#include "report/junit.hpp"
#include "report/markdown.hpp"
#include "report/sarif.hpp"
#include "util/error.hpp"
#include "util/file.hpp"

namespace authdiff::app {

namespace {

// Write the report `make` renders to `path`; render nothing when no path was asked for.
template <class Make>
void write_report(const std::string& path, Make make) {
  if (path.empty()) return;
  if (auto ok = write_file(path, make()); !ok) throw Failure(ok.error(), k_exit_usage);
}

// The exit code of a result (DESIGN.md), and what to say on stderr about it ("" = nothing).
struct Exit {
  int code = k_exit_ok;
  std::string message;
};

Exit decide_exit(const report::ScanResult& result) {
  if (!result.run.aborted.empty()) {
    return {k_exit_inconclusive, "error: " + result.run.aborted};
  }
  if (result.run.command == "recheck") {
    // Findings below --fail-on did not fail the scan; they do not fail the recheck either.
    std::size_t open = 0, fixed = 0, counted = 0;
    for (const auto& p : result.previous) {
      if (p.severity < result.run.fail_on) continue;
      ++counted;
      open += p.outcome == report::Previous::Outcome::still_failing ? 1 : 0;
      fixed += p.outcome == report::Previous::Outcome::fixed ? 1 : 0;
    }
    if (open > 0) return {k_exit_findings, ""};
    if (fixed != counted)
      return {k_exit_inconclusive,
              std::to_string(counted - fixed) + " of " + std::to_string(counted) +
                  " rechecked findings could not be judged: the recheck could not conclude"};
    return {k_exit_ok, ""};
  }
  const std::string unsure = result.could_not_conclude();
  if (result.failing() > 0) {
    // A leak is a leak: findings win over what could not be concluded, which is still said.
    return {k_exit_findings,
            unsure.empty() ? "" : "besides the findings, the run could not conclude: " + unsure};
  }
  if (!unsure.empty()) return {k_exit_inconclusive, "the run could not conclude: " + unsure};
  return {k_exit_ok, ""};
}

}  // namespace

int finish(const report::ScanResult& result, const ReportFiles& files) {
  const Exit exit = decide_exit(result);
  write_report(files.junit, [&] { return report::junit_xml(result); });
  write_report(files.json, [&] { return report::json_report(result); });
  write_report(files.sarif, [&] { return report::sarif_report(result); });
  write_report(files.markdown, [&] { return report::markdown_report(result); });
  write_report(files.html, [&] { return report::html_report(result, exit.code); });
  // In GitHub Actions the summary goes on the job's page unless it was asked for elsewhere.
  const char* step_summary = std::getenv("GITHUB_STEP_SUMMARY");
  if (files.markdown.empty() && step_summary != nullptr && *step_summary != '\0') {
    if (auto ok = write_file(step_summary, report::markdown_report(result) + "\n", true); !ok)
      std::fprintf(stderr, "authdiff: warning: GITHUB_STEP_SUMMARY: %s\n",
                   ok.error().to_string().c_str());
  }

  const bool color = isatty(STDOUT_FILENO) != 0 && std::getenv("NO_COLOR") == nullptr;
  const std::string text = report::console_report(result, {color});
  std::fwrite(text.data(), 1, text.size(), stdout);
  bool first = true;
  for (const auto& [name, path] :
       {std::pair{"JUnit", &files.junit}, std::pair{"JSON", &files.json},
        std::pair{"SARIF", &files.sarif}, std::pair{"Markdown", &files.markdown},
        std::pair{"HTML", &files.html}}) {
    if (path->empty()) continue;
    std::printf("%s%s report: %s\n", first ? "\n" : "", name, path->c_str());
    first = false;
  }
  std::fflush(stdout);
  if (!exit.message.empty()) std::fprintf(stderr, "authdiff: %s\n", exit.message.c_str());
  return exit.code;
}

}  // namespace authdiff::app
