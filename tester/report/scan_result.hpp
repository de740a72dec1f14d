#pragma once
// Everything a run produced, handed to the report writers. Self-contained: a report read back
// from JSON (`recheck`, `merge`) is the same value a scan builds, so every writer works on both.
#include <optional>
#include <string>
#include <vector>

#include "judge/findings.hpp"
#include "plan/discovery.hpp"

namespace authdiff::report {

// The version of the JSON report format (`authdiff_report` in the file).
inline constexpr int k_report_version = 1;

struct OperationInfo {
  std::string method, path, operation_id;
  int line = 0;  // 1-based line of the operation in the spec file; 0 = unknown

  // "GET /orders/{orderId}"
  std::string key() const { return method + " " + path; }
};

struct RunInfo {
  std::string command = "scan";           // scan, recheck or merge
  std::string version;                    // authdiff's version
  std::string spec_file;                  // as given on the command line ("" for traffic alone)
  std::vector<std::string> har, postman;  // recorded traffic the API was inferred from
  std::string config_file;
  std::string base_url;
  std::string started_at;  // local time, YYYY-MM-DDTHH:MM:SS
  std::string hostname;
  double seconds = 0;
  std::size_t requests = 0;             // attempts sent, retries included
  double send_seconds = 0;              // of `seconds`, the time spent sending
  double prepare_seconds = 0;           // of `seconds`, loading the spec and config and planning
  double judge_seconds = 0;             // judging (mostly while sending, as answers arrive)
  std::vector<std::string> identities;  // names only
  std::vector<const judge::Check*> checks;  // those that ran
  judge::Severity fail_on = judge::Severity::low;
  double max_inconclusive = 0.5;  // limits.max_inconclusive: the share that makes a run exit 3
  int shard = 0, shards = 0;      // --shard K/N (0/0 = the whole plan)
  std::vector<plan::DiscoveredId> discovered;  // object IDs learned from the API, with owners
  std::size_t shared_ids = 0;                  // IDs several peers saw (public, not owned)
  std::vector<plan::CreatedObject> created;    // objects the run made (--allow-unsafe): fresh IDs,
                                               // objects for writes, what POSTs made
  std::vector<int> merged_shards;              // merge: the shards joined
  // Why the run stopped before it could judge anything (exit 3), or "": an unreachable target,
  // a credential that does not work, an empty spec.
  std::string aborted;
  // Why nothing the run judged is trustworthy although it ran to the end, or "": no allowed
  // caller's answer could be told from a denial (a front end's page, `{}` for every path).
  std::string blind;
  // Why the run stopped sending before its end: the request budget ran out (how much was sent).
  // What was sent is judged; findings still fail the run, otherwise it could not conclude.
  std::string budget;
  // What a reader must know about the verdicts (a credential no operation proved, ...).
  std::vector<std::string> warnings;
};

// Where a finding stands relative to the baseline (scan --baseline) or the rechecked report.
enum class Status {
  none,        // no baseline given
  new_,        // not in the baseline
  known,       // in the baseline and not expired: listed, does not fail the run
  expired,     // in the baseline, but its entry expired: fails again
  still_open,  // recheck: the finding is still there
};
std::string to_string(Status s);
std::optional<Status> parse_status(std::string_view text);

// A finding of the baseline, or of the report being rechecked, and what became of it.
struct Previous {
  enum class Outcome {
    fixed,          // its check ran on its operation and it did not come back
    still_failing,  // it came back (see the finding's status)
    not_checked,    // its check or operation was not part of this run (shard, --only)
    inconclusive,   // recheck: its probes could not be judged this time
  };
  std::string id, check, operation, identity, victim, parameter;
  judge::Severity severity = judge::Severity::high;
  std::string reason;   // baseline: why it is accepted; recheck: the original reason
  std::string expires;  // baseline: YYYY-MM-DD or ""
  Outcome outcome = Outcome::not_checked;
};
std::string to_string(Previous::Outcome o);
std::optional<Previous::Outcome> parse_outcome(std::string_view text);

// An operation of the plan that this run did not test, and why (skipped by the config or for
// its method, no probe applied, or every probe inconclusive). Public operations are not listed.
struct Untested {
  std::size_t operation = 0;
  std::string reason;
};

struct ScanResult {
  RunInfo run;
  std::vector<Untested> untested;
  std::vector<OperationInfo> operations;  // every operation of the spec; probes index into it
  std::vector<judge::ProbeResult> results;
  std::vector<judge::Finding> findings;
  // What the findings are compared with: "baseline" (its file in `compared_with_file`),
  // "recheck" (the earlier report), or "" for nothing.
  std::string compared_with, compared_with_file;
  std::vector<Previous> previous;
  std::vector<Status> statuses;  // parallel to `findings` (Status::none without a comparison)

  std::size_t count(judge::State state) const;
  // Whether finding `i` fails the run: at or above --fail-on and not suppressed by the baseline.
  bool fails(std::size_t i) const;
  // Findings that fail the run.
  std::size_t failing() const;
  std::size_t count(Previous::Outcome outcome) const;
  bool command_is_recheck() const { return run.command == "recheck"; }
  // Why this scan could not conclude (exit 3 unless a finding fails it), or "": it stopped
  // early, it was blind, too many probes were inconclusive, or it sent nothing. Not for recheck.
  std::string could_not_conclude() const;
  Status status(std::size_t finding) const {
    return finding < statuses.size() ? statuses[finding] : Status::none;
  }
};

// Who got through, whose data and by which parameter, for people: "lina → zhangwei's data via
// orderId" ("anonymous" for no credential).
std::string who_and_whose(const judge::Finding& f);

// "GET /api/orders/{orderId}" of a result's operation.
std::string operation_key(const ScanResult& result, std::size_t op);

}  // namespace authdiff::report
