#pragma once
// Shared by the fuzz targets: a fixed config, the reports every writer makes of a result, and how
// an oracle reports a broken promise (abort, so libFuzzer saves the input as a crasher).
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "report/scan_result.hpp"

namespace authdiff::fuzz {

// Print which promise broke and abort.
[[noreturn]] void broken(std::string_view oracle, std::string_view detail);

// Parse a config the target itself supplies (aborts when it does not parse: a harness bug).
config::Config config_from(std::string_view toml);

// Render every report of `result` (JSON, JUnit, SARIF, Markdown, HTML, console) and check each
// still parses: JUnit with pugixml, SARIF and JSON as strict JSON, the JSON report reads back
// with the same findings, the HTML page has no script but its own and its data block is JSON.
// Aborts on a broken report.
void check_reports(const report::ScanResult& result);

}  // namespace authdiff::fuzz
