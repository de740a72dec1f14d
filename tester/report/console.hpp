#pragma once
// What a person reads at the end of a scan: a summary line, the findings by severity (each with
// its evidence and a curl command), and why probes were inconclusive.
#include <string>

#include "report/scan_result.hpp"

namespace authdiff::report {

struct ConsoleStyle {
  bool color = false;  // ANSI colours (a terminal, and NO_COLOR unset)
};

std::string console_report(const ScanResult& result, ConsoleStyle style);

}  // namespace authdiff::report
