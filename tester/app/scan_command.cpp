// `authdiff scan`: load, plan, let the checks plan their probes, send and judge (engine.cpp),
// report (outputs.cpp).
#include <unistd.h>
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>

#include "app/commands.hpp"
#include "app/engine.hpp"
#include "app/outputs.hpp"
#include "app/scan.hpp"
#include "app/wfc_import.hpp"
#include "config/access.hpp"
#include "config/baseline.hpp"
#include "judge/check.hpp"
#include "plan/ownership.hpp"
#include "report/compare.hpp"
#include "spec/locate.hpp"
#include "spec/model.hpp"
#include "util/file.hpp"
#include "util/hash.hpp"
#include "util/strings.hpp"
#include "util/url.hpp"

namespace authdiff::app {

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void fail(int code, std::string message) {
  throw Failure(Error{"", 0, 0, std::move(message)}, code);
}

}  // namespace

// Each operation's line in the spec file, for reports that point at it (a path item moved to
// another file by `$ref` points at its entry in the root file).
void locate_operations(report::ScanResult& result, const std::string& spec_file,
                       const spec::Api& api) {
  const auto text = read_file(spec_file);
  if (!text) return;
  std::vector<std::string> pointers;
  for (const auto& op : api.operations) {
    pointers.push_back(op.pointer);
    pointers.push_back(op.pointer.substr(0, op.pointer.rfind('/')));
  }
  const auto lines = spec::lines_of(*text, spec::detect_format(spec_file, *text), pointers);
  for (std::size_t i = 0; i < api.operations.size() && i < result.operations.size(); ++i) {
    result.operations[i].line = lines[2 * i] != 0 ? lines[2 * i] : lines[2 * i + 1];
  }
}

std::vector<const judge::Check*> select_checks(const std::string& only, const std::string& skip,
                                               const judge::CheckOptions& options) {
  const auto names = judge::check_names();
  const auto parse = [&](const std::string& list, const char* flag) {
    std::vector<std::string> out;
    for (const auto& raw : split(list, ',')) {
      const std::string name(trim(raw));
      if (name.empty()) continue;
      if (judge::find_check(name) == nullptr) {
        std::string message = std::string(flag) + ": unknown check " + in_quotes(name);
        if (auto guess = did_you_mean(name, names))
          message += " (did you mean " + in_quotes(*guess) + "?)";
        message += "; checks: " + join(names, ", ");
        fail(k_exit_usage, message);
      }
      out.push_back(name);
    }
    return out;
  };
  const auto wanted = parse(only, "--only");
  const auto unwanted = parse(skip, "--skip");
  std::vector<const judge::Check*> out;
  for (const judge::Check* c : judge::registry()) {
    const std::string name(c->name());
    const bool named = std::find(wanted.begin(), wanted.end(), name) != wanted.end();
    if (!wanted.empty() && !named) continue;
    if (std::find(unwanted.begin(), unwanted.end(), name) != unwanted.end()) continue;
    if (!named && options.value(*c, "enabled") == 0) continue;
    if (!c->available(options)) continue;
    out.push_back(c);
  }
  return out;
}

bool Shard::contains(const std::string& method, const std::string& path) const {
  return count <= 1 || static_cast<int>(fnv1a(method + " " + path) %
                                        static_cast<std::uint64_t>(count)) == index - 1;
}

Shard parse_shard(const std::string& text) {
  Shard s;
  const auto slash = text.find('/');
  const auto number = [](std::string_view part, int& out) {
    const auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), out);
    return ec == std::errc() && ptr == part.data() + part.size();
  };
  if (slash == std::string::npos || !number(std::string_view(text).substr(0, slash), s.index) ||
      !number(std::string_view(text).substr(slash + 1), s.count) || s.count < 1 || s.count > 1000 ||
      s.index < 1 || s.index > s.count) {
    fail(k_exit_usage, "--shard " + text + ": expected K/N with 1 <= K <= N <= 1000, e.g. 2/3");
  }
  return s;
}

void plan_probes(plan::Plan& plan, const config::Config& config, const plan::Principals& principals,
                 const judge::Mutations& mutations, const judge::CheckOptions& options,
                 const std::vector<const judge::Check*>& checks, const Shard& shard) {
  const judge::PlanContext ctx{plan, config, principals, mutations, options};
  for (std::size_t i = 0; i < plan.operations.size(); ++i) {
    if (!shard.contains(plan.operations[i].op->method, plan.operations[i].op->path)) {
      plan.operations[i].other_shard = true;
      continue;
    }
    for (const judge::Check* c : checks) {
      auto probes = c->plan(ctx, i);
      for (auto& p : probes) plan.operations[i].probes.push_back(std::move(p));
    }
  }
}

std::unique_ptr<Prepared> prepare(const ScanArgs& args) {
  auto out = std::make_unique<Prepared>();
  if (!args.spec.empty()) {
    auto api = spec::load_api(args.spec);
    if (!api) throw Failure(api.error(), k_exit_usage);
    out->api = std::move(api.value());
    for (const auto& w : out->api.warnings)
      std::cerr << "authdiff: warning: " << args.spec << ": " << w << "\n";
  } else if (args.har.empty() && args.postman.empty()) {
    fail(k_exit_usage, "give --spec FILE, or recorded traffic with --har FILE / --postman FILE");
  }
  add_traffic(*out, args);
  auto loaded = config::load_config(args.config, config::process_environment());
  if (!loaded) throw Failure(loaded.error(), k_exit_usage);
  config::Config& config = out->config;
  config = std::move(loaded.value());
  import_wfc(config);
  adopt_recorded_identities(config, out->recorded, !args.har.empty() || !args.postman.empty());
  if (config.identities.empty()) {
    throw Failure(
        Error{args.config, 0, 0, "no identities: a scan needs at least one [identities.NAME]"},
        k_exit_usage);
  }
  const auto fail_on = judge::parse_severity(args.fail_on);
  if (!fail_on)
    fail(k_exit_usage,
         "--fail-on " + args.fail_on + ": expected info, low, medium, high or critical");
  out->fail_on = *fail_on;
  out->mutations = judge::Mutations::defaults();
  if (!args.mutations.empty()) {
    if (auto ok = out->mutations.extend_from(args.mutations); !ok)
      throw Failure(ok.error(), k_exit_usage);
  }
  if (args.concurrency > 0) config.limits.concurrency = args.concurrency;
  if (args.rate > 0) config.limits.rate = args.rate;
  if (args.timeout > 0) config.limits.timeout = args.timeout;
  if (!args.proxy.empty()) config.target.proxy = args.proxy;
  if (args.insecure) config.target.insecure = true;
  if (!args.ca_file.empty()) config.target.ca_file = args.ca_file;
  if (args.allow_unsafe) config.limits.allow_unsafe = true;
  if (const auto detectors = judge::detectors_for(config); !detectors)
    throw Failure(detectors.error(), k_exit_usage);
  auto check_options = judge::CheckOptions::from(config);
  if (!check_options) throw Failure(check_options.error(), k_exit_usage);
  out->options = std::move(check_options.value());

  // `owns` keys name resources or parameters of this spec; a typo is an error, a parameter name
  // several resources share a warning (its IDs are tried on each).
  const auto owns = plan::check_owns(out->api, config);
  if (!owns.unknown.empty() && !out->api.operations.empty())
    throw Failure(Error{args.config, 0, 0, owns.unknown.front()}, k_exit_usage);
  for (const auto& w : owns.ambiguous)
    std::cerr << "authdiff: warning: " << args.config << ": " << w << "\n";

  // Recorded traffic names the origins it was recorded on, perhaps production: never replayed
  // there unless the user says so.
  if (args.spec.empty() && args.base_url.empty() && config.target.base_url.empty()) {
    fail(k_exit_usage,
         "scanning recorded traffic needs --base-url or target.base_url (recorded on " +
             (out->api.servers.empty() ? std::string("no origin") : join(out->api.servers, ", ")) +
             "); authdiff does not replay traffic against the origin it was recorded on by itself");
  }
  plan::Options options;
  options.base_url = args.base_url;
  options.allow_unsafe = args.allow_unsafe;
  if (!options.base_url.empty()) {
    std::string why;
    if (!parse_url(options.base_url, &why))
      fail(k_exit_usage, "--base-url " + options.base_url + ": " + why);
  }
  out->plan = plan::make_plan(out->api, &config, options);
  std::string why;
  if (out->plan.base_url.empty() || !parse_url(out->plan.base_url, &why)) {
    fail(k_exit_usage, "no usable base URL (" +
                           (out->plan.base_url.empty() ? std::string("none given") : why) +
                           "): pass --base-url or set target.base_url");
  }
  return out;
}

void describe_run(report::ScanResult& result, const ScanArgs& args, const Prepared& prepared,
                  const std::string& command, const std::string& started_at, double seconds) {
  result.run.command = command;
  result.run.version = AUTHDIFF_VERSION;
  result.run.spec_file = args.spec;
  result.run.har = args.har;
  result.run.postman = args.postman;
  result.run.config_file = args.config;
  result.run.started_at = started_at;
  result.run.hostname = hostname();
  result.run.seconds = seconds;
  for (const auto& id : prepared.config.identities) result.run.identities.push_back(id.name);
  result.run.fail_on = prepared.fail_on;
  result.run.max_inconclusive = prepared.config.limits.max_inconclusive;
  if (!args.spec.empty()) locate_operations(result, args.spec, prepared.api);
}

int scan_command(const ScanArgs& args) {
  const auto started = Clock::now();
  const std::string started_at = local_timestamp();
  const Shard shard = args.shard.empty() ? Shard{} : parse_shard(args.shard);
  std::optional<config::BaselineFile> baseline;
  if (!args.baseline.empty()) {
    auto b = config::load_baseline(args.baseline);
    if (!b) throw Failure(b.error(), k_exit_usage);
    baseline = std::move(b.value());
  }
  auto prepared = prepare(args);
  if (!args.expect.empty()) {
    auto matrix = config::load_access(args.expect);
    if (!matrix) throw Failure(matrix.error(), k_exit_usage);
    prepared->options.expected_access =
        std::make_shared<const config::AccessMatrix>(std::move(matrix.value()));
  }
  const auto checks = select_checks(args.only, args.skip, prepared->options);
  // The checks plan their probes once discovery has told who owns which IDs.
  const auto probes = [&](plan::Plan& plan, const plan::Principals& principals) {
    plan_probes(plan, prepared->config, principals, prepared->mutations, prepared->options, checks,
                shard);
  };
  const double prepared_in = std::chrono::duration<double>(Clock::now() - started).count();
  report::ScanResult result;
  try {
    result = execute(prepared->plan, prepared->config, prepared->mutations, prepared->options,
                     console_for(args), probes);
  } catch (const Failure& f) {
    // A run that cannot go on still writes the reports asked for, saying why (exit 3).
    if (f.exit_code() != k_exit_inconclusive) throw;
    result.operations = operation_infos(prepared->plan);
    result.run.base_url = prepared->plan.base_url;
    result.run.aborted = f.what();
  }
  describe_run(result, args, *prepared, "scan", started_at,
               std::chrono::duration<double>(Clock::now() - started).count());
  result.run.prepare_seconds = prepared_in;
  result.run.checks = checks;
  if (!args.shard.empty()) {
    result.run.shard = shard.index;
    result.run.shards = shard.count;
  }
  if (baseline) report::compare_with_baseline(result, *baseline, today());
  if (!args.write_baseline.empty()) {
    const auto known = report::known_findings(result, baseline ? &*baseline : nullptr, today());
    if (auto ok = write_file(args.write_baseline, config::baseline_toml(known)); !ok)
      throw Failure(ok.error(), k_exit_usage);
    std::printf("Baseline of %zu finding%s written to %s\n", known.size(),
                known.size() == 1 ? "" : "s", args.write_baseline.c_str());
  }
  return finish(result, args.reports);
}

int learn_command(const LearnArgs& args) {
  const auto started = Clock::now();
  auto prepared = prepare(args.scan);
  prepared->options.learn_access = true;
  const auto checks = judge::checks_with(&judge::CheckInfo::records_reach);
  const auto probes = [&](plan::Plan& plan, const plan::Principals& principals) {
    plan_probes(plan, prepared->config, principals, prepared->mutations, prepared->options, checks);
  };
  report::ScanResult result = execute(prepared->plan, prepared->config, prepared->mutations,
                                      prepared->options, console_for(args.scan), probes);
  config::AccessMatrix matrix;
  std::vector<std::string> order;
  std::map<std::string, std::size_t> counts;
  for (const auto& r : result.results) {
    const std::string op = report::operation_key(result, r.probe.operation);
    if (order.empty() || order.back() != op) order.push_back(op);
    const std::string state =
        judge::to_string(r.verdict.reach.value_or(judge::Reach::not_applicable));
    matrix.operations[op][r.probe.identity.empty() ? plan::k_anonymous : r.probe.identity] = state;
    ++counts[state];
  }
  if (auto ok = write_file(args.out, config::access_toml(matrix, order, args.scan.spec)); !ok)
    throw Failure(ok.error(), k_exit_usage);
  std::printf(
      "access matrix of %zu operations x %zu principals (%zu allowed, %zu denied, %zu n/a) "
      "in %.1f s, written to %s\nReview it, commit it, and run `authdiff scan --expect "
      "%s` to fail on any widening.\n",
      order.size(), prepared->config.identities.size() + 1, counts["allowed"], counts["denied"],
      counts["n/a"], std::chrono::duration<double>(Clock::now() - started).count(),
      args.out.c_str(), args.out.c_str());
  return k_exit_ok;
}

}  // namespace authdiff::app
