#pragma once
// The end of every command that produces a result (scan, recheck, merge): the report files, the
// console summary, the GitHub job summary, and the exit code.
#include <string>

#include "app/commands.hpp"
#include "report/scan_result.hpp"

namespace authdiff::app {

// Write the requested reports and the console summary; return the exit code (DESIGN.md): scan
// and merge exit 1 for a finding that fails the run, 3 when too many probes were inconclusive or
// none could be planned; recheck exits 0 only when every rechecked finding is fixed.
int finish(const report::ScanResult& result, const ReportFiles& files);

}  // namespace authdiff::app
