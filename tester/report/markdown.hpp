#pragma once
// A compact Markdown summary for `$GITHUB_STEP_SUMMARY` and merge-request notes: counts by
// severity, one table row per finding (operation, check, who reached whose data, evidence in
// one line, status), the curl lines, and what was fixed since the baseline or the recheck.
#include <string>

#include "report/scan_result.hpp"

namespace authdiff::report {

std::string markdown_report(const ScanResult& result);

// `text` made safe inside a Markdown table cell's code span: one line, no backticks, pipes
// escaped, at most `max` bytes (cut on a UTF-8 boundary).
std::string markdown_code_cell(std::string_view text, std::size_t max = 160);

}  // namespace authdiff::report
