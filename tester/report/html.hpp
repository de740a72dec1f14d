#pragma once
// A run's result -> one self-contained HTML page (no network: styles, script and data inline,
// a Content-Security-Policy that forbids every fetch): the verdict, the access matrix as a grid
// of operations x principals, each cell opening its probes, findings with evidence and curl.
#include <string>
#include <string_view>
#include <vector>

#include "report/scan_result.hpp"

namespace authdiff::report {

// What a cell of the access matrix shows: how the probes one principal sent to one operation
// came out, the worst first.
enum class CellOutcome {
  leak,          // a probe got through where it should not (a finding)
  inconclusive,  // no leak, but some probe could not be judged, or no answer said either way
  allowed,       // every probe judged enforced, and the principal was answered (2xx): expected
  denied,        // every probe judged enforced, and the principal was refused (never answered)
  not_tested,    // no probe of this principal on this operation
};
std::string_view to_string(CellOutcome o);

// The outcome of the probes `results[i]` for i in `probes` (all of one operation and principal).
CellOutcome cell_outcome(const ScanResult& result, const std::vector<std::size_t>& probes);

// The principals of the grid's columns: "" (anonymous) first, then the run's identities, then
// any other identity a probe was sent as, in order of first appearance.
std::vector<std::string> grid_principals(const ScanResult& result);

// Escape text for HTML content and attribute values (quotes included); invalid UTF-8 and
// control characters become U+FFFD.
std::string html_escape(std::string_view text);

// The page. `exit_code` is the run's exit code as the command returns it.
std::string html_report(const ScanResult& result, int exit_code);

}  // namespace authdiff::report
