// `authdiff merge`: the JSON reports of `scan --shard K/N` jobs -> one report, the same in
// content as one unsharded run (results in operation order, findings by severity then operation).
#include <algorithm>
#include <map>
#include <numeric>

#include "app/commands.hpp"
#include "app/engine.hpp"
#include "app/outputs.hpp"
#include "report/json_report.hpp"

namespace authdiff::app {

namespace {

[[noreturn]] void fail(int code, const std::string& file, std::string message) {
  throw Failure(Error{file, 0, 0, std::move(message)}, code);
}

bool same_operations(const report::ScanResult& a, const report::ScanResult& b) {
  if (a.operations.size() != b.operations.size()) return false;
  for (std::size_t i = 0; i < a.operations.size(); ++i) {
    if (a.operations[i].key() != b.operations[i].key()) return false;
  }
  return true;
}

std::vector<std::string> check_names(const report::RunInfo& run) {
  std::vector<std::string> out;
  for (const auto* c : run.checks) out.emplace_back(c->name());
  return out;
}

// Of one earlier finding's outcomes in different shards, the one that says the most.
int weight(report::Previous::Outcome o) {
  switch (o) {
    case report::Previous::Outcome::still_failing:
      return 3;
    case report::Previous::Outcome::inconclusive:
      return 2;
    case report::Previous::Outcome::fixed:
      return 1;
    case report::Previous::Outcome::not_checked:
      return 0;
  }
  return 0;
}

}  // namespace

int merge_command(const MergeArgs& args) {
  const auto fail_on = judge::parse_severity(args.fail_on);
  if (!fail_on)
    fail(k_exit_usage, "",
         "--fail-on " + args.fail_on + ": expected info, low, medium, high or critical");
  std::vector<report::ScanResult> parts;
  for (const auto& path : args.shards) {
    auto r = report::read_json_report(path);
    if (!r) throw Failure(r.error(), k_exit_usage);
    if (r->run.command != "scan" || r->run.shards == 0)
      fail(k_exit_usage, path, "not the report of a sharded scan (scan --shard K/N --json FILE)");
    parts.push_back(std::move(r.value()));
  }
  const report::ScanResult& first = parts.front();
  const int count = first.run.shards;
  std::map<int, std::size_t> by_shard;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const auto& p = parts[i];
    const std::string& path = args.shards[i];
    if (p.run.shards != count)
      fail(k_exit_usage, path,
           "shard " + std::to_string(p.run.shard) + "/" + std::to_string(p.run.shards) +
               " does not belong with " + args.shards[0] + "'s " + std::to_string(count) +
               " shards");
    if (!by_shard.emplace(p.run.shard, i).second)
      fail(k_exit_usage, path,
           "shard " + std::to_string(p.run.shard) + "/" + std::to_string(count) +
               " is given twice (also " + args.shards[by_shard[p.run.shard]] + ")");
    if (!same_operations(p, first))
      fail(k_exit_usage, path, "made from a different spec than " + args.shards[0]);
    if (check_names(p.run) != check_names(first.run) || p.run.identities != first.run.identities)
      fail(k_exit_usage, path, "made with different checks or identities than " + args.shards[0]);
    if (p.compared_with != first.compared_with)
      fail(k_exit_usage, path, "compared with a different baseline than " + args.shards[0]);
  }
  std::string missing;
  for (int k = 1; k <= count; ++k) {
    if (!by_shard.contains(k))
      missing += (missing.empty() ? "" : ", ") + std::to_string(k) + "/" + std::to_string(count);
  }
  if (!missing.empty())
    fail(k_exit_inconclusive, "",
         "shard " + missing + " missing: the merged report would not cover every operation");

  report::ScanResult merged;
  merged.run = first.run;
  merged.run.command = "merge";
  merged.run.version = AUTHDIFF_VERSION;
  merged.run.fail_on = *fail_on;
  merged.run.shard = merged.run.shards = 0;
  // Blind only where every shard was; a shard that stopped early leaves the whole unconcluded.
  merged.run.blind.clear();
  merged.run.aborted.clear();
  bool all_blind = true;
  for (const auto& part : parts) {
    all_blind = all_blind && !part.run.blind.empty();
    if (merged.run.aborted.empty() && !part.run.aborted.empty())
      merged.run.aborted = "shard " + std::to_string(part.run.shard) + ": " + part.run.aborted;
  }
  if (all_blind) merged.run.blind = first.run.blind;
  merged.run.seconds = merged.run.send_seconds = 0;
  merged.run.prepare_seconds = merged.run.judge_seconds = 0;
  merged.run.requests = 0;
  // Each shard made its own objects and discovered IDs on its own: all of them, once.
  merged.run.created.clear();
  merged.run.discovered.clear();
  merged.operations = first.operations;
  merged.compared_with = first.compared_with;
  merged.compared_with_file = first.compared_with_file;
  std::vector<std::pair<judge::Finding, report::Status>> findings;
  for (const auto& [k, i] : by_shard) {
    report::ScanResult& p = parts[i];
    merged.run.merged_shards.push_back(k);
    merged.run.started_at = std::min(merged.run.started_at, p.run.started_at);
    merged.run.seconds = std::max(merged.run.seconds, p.run.seconds);  // the jobs run side by side
    merged.run.send_seconds += p.run.send_seconds;
    merged.run.prepare_seconds += p.run.prepare_seconds;
    merged.run.judge_seconds += p.run.judge_seconds;
    merged.run.requests += p.run.requests;
    for (auto& r : p.results) merged.results.push_back(std::move(r));
    for (auto& c : p.run.created) merged.run.created.push_back(std::move(c));
    for (auto& d : p.run.discovered) {
      if (std::none_of(
              merged.run.discovered.begin(), merged.run.discovered.end(), [&](const auto& x) {
                return x.identity == d.identity && x.parameter == d.parameter && x.value == d.value;
              }))
        merged.run.discovered.push_back(std::move(d));
    }
    // What a shard did not test (operations skipped by the config are in every shard's list).
    for (const auto& u : p.untested) {
      if (std::none_of(merged.untested.begin(), merged.untested.end(),
                       [&](const auto& x) { return x.operation == u.operation; }))
        merged.untested.push_back(u);
    }
    for (const auto& w : p.run.warnings) {
      if (std::find(merged.run.warnings.begin(), merged.run.warnings.end(), w) ==
          merged.run.warnings.end())
        merged.run.warnings.push_back(w);
    }
    for (std::size_t f = 0; f < p.findings.size(); ++f)
      findings.emplace_back(std::move(p.findings[f]), p.status(f));
    for (const auto& prev : p.previous) {
      auto it = std::find_if(merged.previous.begin(), merged.previous.end(),
                             [&](const auto& x) { return x.id == prev.id; });
      if (it == merged.previous.end()) {
        merged.previous.push_back(prev);
      } else if (weight(prev.outcome) > weight(it->outcome)) {
        it->outcome = prev.outcome;
      }
    }
  }
  // The order of one unsharded run: results by operation (each operation is in one shard, in
  // its order there); findings most severe first, then by operation.
  std::stable_sort(merged.results.begin(), merged.results.end(), [](const auto& a, const auto& b) {
    return a.probe.operation < b.probe.operation;
  });
  std::sort(merged.untested.begin(), merged.untested.end(),
            [](const auto& a, const auto& b) { return a.operation < b.operation; });
  std::stable_sort(findings.begin(), findings.end(), [](const auto& a, const auto& b) {
    if (a.first.severity != b.first.severity) return a.first.severity > b.first.severity;
    return a.first.operation < b.first.operation;
  });
  for (auto& [f, status] : findings) {
    merged.findings.push_back(std::move(f));
    merged.statuses.push_back(status);
  }
  return finish(merged, args.reports);
}

}  // namespace authdiff::app
