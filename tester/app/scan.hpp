#pragma once
// Shared by `plan` and `scan`: choosing checks and letting them plan probes.
#include <string>
#include <vector>

#include <memory>

#include "app/commands.hpp"
#include "config/config.hpp"
#include "infer/infer.hpp"
#include "judge/check.hpp"
#include "plan/plan.hpp"
#include "report/scan_result.hpp"
#include "spec/model.hpp"

namespace authdiff::app {

// The checks that run: those --only names (all when it is empty), less those --skip names
// (comma-separated; an unknown name is a usage error, Failure exit 2, with a suggestion), less
// those not enabled (opt-in ones, or `[checks.NAME] enabled = false`) unless --only names them,
// less those the run has no input for (access-matrix without a matrix).
std::vector<const judge::Check*> select_checks(const std::string& only, const std::string& skip,
                                               const judge::CheckOptions& options);

// Each operation's line in the spec file, for reports that point at it.
void locate_operations(report::ScanResult& result, const std::string& spec_file,
                       const spec::Api& api);

// --shard K/N: part K (1-based) of N.
struct Shard {
  int index = 1, count = 1;
  // Whether the operation `method path` belongs to this part: a stable hash of the two, so every
  // job of a CI matrix splits the operations the same way.
  bool contains(const std::string& method, const std::string& path) const;
};
// Parse "K/N" (1 <= K <= N <= 1000); a usage error (Failure, exit 2) otherwise.
Shard parse_shard(const std::string& text);

// Fill every operation's `probes` from `checks` (only the shard's operations).
void plan_probes(plan::Plan& plan, const config::Config& config, const plan::Principals& principals,
                 const judge::Mutations& mutations, const judge::CheckOptions& options,
                 const std::vector<const judge::Check*>& checks, const Shard& shard = {});

// What scan and recheck both start from: the spec, the config with the command line's overrides
// applied, and the plan (without probes). The plan points into `api`.
struct Prepared {
  spec::Api api;
  config::Config config;
  judge::Severity fail_on = judge::Severity::low;
  judge::Mutations mutations;
  judge::CheckOptions options;  // the checks' settings and inputs
  plan::Plan plan;
  std::vector<infer::RecordedCredential> recorded;  // scan --har/--postman: credentials seen
};
// Load and check everything `args` names; usage errors are Failures with exit 2.
std::unique_ptr<Prepared> prepare(const ScanArgs& args);

// --har/--postman: read and infer the recorded traffic (exit 2 for a file that is neither).
infer::Inferred infer_traffic(const std::vector<std::string>& har,
                              const std::vector<std::string>& postman);
// The traffic `args` names as the run's API (no --spec), or its undocumented operations added to
// the spec's, marked observed.
void add_traffic(Prepared& prepared, const ScanArgs& args);
// `identities_from_traffic = true`: each recorded credential as an identity (config tables of the
// same name without a credential give it a level); exit 2 when a named one was not recorded.
void adopt_recorded_identities(config::Config& config,
                               const std::vector<infer::RecordedCredential>& recorded,
                               bool traffic_given);

// Fill the run's description (command, files, identities, timing) and the operations' lines in
// the spec file.
void describe_run(report::ScanResult& result, const ScanArgs& args, const Prepared& prepared,
                  const std::string& command, const std::string& started_at, double seconds);

}  // namespace authdiff::app
