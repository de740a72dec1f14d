#pragma once
// The sending half of `scan` and `recheck`: the stages in order, each fully concurrent inside,
// each a function of engine.cpp with a named input and output: (1) the positive control of
// every identity (and the proof that its credential matters), discovery of what each owns, the
// objects the run makes, the checks' probes; (2) every baseline, sent twice, and a denied
// fingerprint per operation that has probes -> judge::Knowledge; (3) the probes; (4) the
// positive control again; the run's objects removed; then judging. The config is read-only;
// what the run learns about the identities lives in one plan::Principals.
#include <functional>
#include <string>

#include "app/commands.hpp"
#include "config/config.hpp"
#include "judge/check.hpp"
#include "judge/knowledge.hpp"
#include "plan/plan.hpp"
#include "plan/principals.hpp"
#include "report/scan_result.hpp"

namespace authdiff::app {

// What plans the probes once the identities' IDs are known (after discovery); empty when the
// plan already holds them (recheck).
using PlanProbes = std::function<void(plan::Plan&, const plan::Principals&)>;

// What the run prints on stderr while it sends.
struct Console {
  bool progress = false;  // one self-updating progress line (a terminal)
  bool verbose = false;   // a line per request as it ends (`-v`)
};

// The console a command's arguments ask for: progress on a terminal unless -q; -v.
Console console_for(const ScanArgs& args);

// Run the stages and judge the probes. Fills the result's operations, results, findings, the
// discovered IDs and the run's base URL, request count and sending time. Throws Failure with
// exit 3 when the target is unreachable or a credential does not work (or stops working).
report::ScanResult execute(plan::Plan& plan, const config::Config& config,
                           const judge::Mutations& mutations, const judge::CheckOptions& options,
                           const Console& console, const PlanProbes& plan_probes = {});

// Why nothing of `plan` was tested, or "": among the operations with a guard and sent probes,
// none has a baseline that can be told from a denial (docs/verdicts.md "Never green when blind").
std::string blindness(const plan::Plan& plan, const judge::Knowledge& knowledge);

// The operations of `plan` that `results` did not test, with why (docs/verdicts.md "What was not
// tested").
std::vector<report::Untested> untested_operations(const plan::Plan& plan,
                                                  const plan::Principals& principals,
                                                  const std::vector<judge::ProbeResult>& results);

// The operations of `plan` as reports name them (lines unknown).
std::vector<report::OperationInfo> operation_infos(const plan::Plan& plan);

// Now in local time, formatted by strftime's `format`; "2026-11-23T10:00:00"; "2026-11-23".
std::string local_time(const char* format);
std::string local_timestamp();
std::string today();
// This machine's name.
std::string hostname();

}  // namespace authdiff::app
