#pragma once
// Run-to-run state: this run's findings against the baseline (`scan --baseline`) or against the
// report being rechecked. An earlier finding is matched by its stable id through every probe
// of this run that belongs to it: a bypassed one means still failing; probes that were all
// enforced mean fixed; inconclusive ones mean it could not be judged; no probe at all means
// this run did not check it (another shard, --only, a changed config).
#include <string>

#include "config/baseline.hpp"
#include "report/scan_result.hpp"

namespace authdiff::report {

// Statuses of the findings (new / known / expired) and outcomes of the baseline's entries.
// `today` is YYYY-MM-DD; an entry expiring on `today` still holds.
void compare_with_baseline(ScanResult& result, const config::BaselineFile& baseline,
                           const std::string& today);

// recheck: outcomes of `earlier`'s findings; every finding of `result` is still open.
void compare_with_report(ScanResult& result, const ScanResult& earlier, const std::string& file);

// Baseline entries for this run's findings (`--write-baseline`): reasons and expiry dates are
// kept from `existing` where it lists the finding; new ones get a reason to replace.
std::vector<config::KnownFinding> known_findings(const ScanResult& result,
                                                 const config::BaselineFile* existing,
                                                 const std::string& today);

}  // namespace authdiff::report
