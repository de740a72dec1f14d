#pragma once
// The JSON report: everything a run produced, versioned (`"authdiff_report": 1`, docs/reports.md
// "JSON report"). It is the input of `recheck` and `merge`, so it reads back into the same value.
// Identities appear by name only; evidence is masked; requests carry no credential.
#include <string>

#include "report/scan_result.hpp"
#include "util/error.hpp"

namespace authdiff::report {

std::string json_report(const ScanResult& result);

// Parse a JSON report; an error names the file and the member that is wrong.
Result<ScanResult> parse_json_report(std::string_view text, const std::string& file);
Result<ScanResult> read_json_report(const std::string& path);

}  // namespace authdiff::report
