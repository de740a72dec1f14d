// `authdiff recheck`: replay exactly the bypassed probes of an earlier report's findings, with
// fresh baselines and the current config's credentials, and say of each finding whether it is
// fixed or still open.
#include <unistd.h>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <set>

#include "app/commands.hpp"
#include "app/engine.hpp"
#include "app/outputs.hpp"
#include "app/scan.hpp"
#include "plan/ownership.hpp"
#include "plan/writes.hpp"
#include "report/compare.hpp"
#include "report/json_report.hpp"

namespace authdiff::app {

namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

int recheck_command(const RecheckArgs& args) {
  const auto started = Clock::now();
  const std::string started_at = local_timestamp();
  auto loaded = report::read_json_report(args.report);
  if (!loaded) throw Failure(loaded.error(), k_exit_usage);
  const report::ScanResult& earlier = *loaded;

  ScanArgs a = args.scan;
  if (a.spec.empty() && a.har.empty() && a.postman.empty()) {
    a.spec = earlier.run.spec_file;
    a.har = earlier.run.har;
    a.postman = earlier.run.postman;
  }
  if (a.base_url.empty()) a.base_url = earlier.run.base_url;
  std::vector<std::string> inputs = a.har;
  inputs.insert(inputs.end(), a.postman.begin(), a.postman.end());
  if (!a.spec.empty()) inputs.push_back(a.spec);
  for (const auto& input : inputs) {
    if (access(input.c_str(), R_OK) != 0) {
      throw Failure(Error{args.report, 0, 0,
                          "the report's input " + input +
                              " cannot be read from here: pass --spec (or --har, --postman) with "
                              "its path"},
                    k_exit_usage);
    }
  }
  auto prepared = prepare(a);
  plan::Plan& plan = prepared->plan;

  std::map<std::string, std::size_t> by_key;
  for (std::size_t i = 0; i < plan.operations.size(); ++i)
    by_key.emplace(plan.operations[i].op->key(), i);
  std::set<std::string> identities;
  for (const auto& id : prepared->config.identities) identities.insert(id.name);
  std::set<std::string> wanted;
  for (const auto& f : earlier.findings) wanted.insert(f.id);

  // The earlier bypassed probes, moved onto this plan's operations and base URL.
  std::set<std::string> warned;
  const auto warn = [&](const std::string& message) {
    if (warned.insert(message).second) std::cerr << "authdiff: warning: " << message << "\n";
  };
  std::vector<const judge::Check*> checks;
  std::shared_ptr<config::AccessMatrix> widened;
  for (const auto& r : earlier.results) {
    if (r.finding.empty() || !wanted.contains(r.finding)) continue;
    const std::string key = report::operation_key(earlier, r.probe.operation);
    const auto op = by_key.find(key);
    if (op == by_key.end()) {
      warn(key + " is not in " + a.spec + " any more: its findings are not rechecked");
      continue;
    }
    const auto unknown = [&](const std::string& name) {
      return !name.empty() && !identities.contains(name);
    };
    if (unknown(r.probe.identity) || unknown(r.probe.request.identity)) {
      warn("identity " + (unknown(r.probe.identity) ? r.probe.identity : r.probe.request.identity) +
           " is not in " + a.config + ": its findings are not rechecked");
      continue;
    }
    // A sign-in answer is judged again from this run's own sign-ins: nothing is sent for it.
    const bool sign_in = r.probe.parameter == "sign-in";
    if (spec::is_unsafe_method(r.probe.request.method) && !a.allow_unsafe && !r.probe.static_only &&
        !sign_in) {
      warn(key + " changes data: its findings are rechecked only with --allow-unsafe");
      continue;
    }
    plan::Probe probe = r.probe;
    probe.operation = op->second;
    if (sign_in) probe.static_only = true;
    if (probe.request.url.starts_with(earlier.run.base_url) &&
        earlier.run.base_url != plan.base_url)
      probe.request.url = plan.base_url + probe.request.url.substr(earlier.run.base_url.size());
    plan.operations[op->second].probes.push_back(std::move(probe));
    if (std::find(checks.begin(), checks.end(), r.check) == checks.end()) checks.push_back(r.check);
    // A widening of the access matrix was found where the matrix said denied: it is fixed when
    // that principal is denied again.
    if (r.check != nullptr && r.check->info().records_reach) {
      if (!widened) widened = std::make_shared<config::AccessMatrix>();
      widened->path = args.report;
      widened->operations[key][r.probe.identity.empty() ? plan::k_anonymous : r.probe.identity] =
          "denied";
    }
  }
  if (widened) prepared->options.expected_access = widened;

  // The data may have changed since (a reseeded database: new IDs). Who owned which object in
  // the earlier run is in its report; once this run has signed in and discovered again, each
  // probe's object is replaced by the same owner's object of the same resource now. An object
  // whose owner has none any more cannot be judged: never "fixed".
  std::map<std::pair<std::string, std::string>, std::string> owner_then;  // (resource, id)
  for (const auto& d : earlier.run.discovered) {
    if (!d.resource.empty()) owner_then[{d.resource, d.value}] = d.identity;
  }
  std::set<const plan::Probe*> lost;
  std::map<const plan::Probe*, std::string> lost_why;
  const auto remap = [&](plan::Plan& current, const plan::Principals& now) {
    for (auto& o : current.operations) {
      for (auto& probe : o.probes) {
        if (probe.static_only) continue;
        for (const auto& q : o.op->parameters) {
          if (q.in != "path" || !q.is_id()) continue;
          const std::string resource = plan::resource_of(o.op->path, q.name);
          for (const auto& entry : owner_then) {
            const auto& key = entry.first;
            const std::string& owner = entry.second;
            if (key.first != resource) continue;
            const auto moved = [&](const std::string& value) {
              return plan::with_object(probe.request.url, key.second, value);
            };
            if (!moved(key.second)) continue;  // not this probe's object
            const config::Identity* id = now.identity(owner);
            const auto* ids = id == nullptr ? nullptr : plan::owned_ids(*id, o.op->path, q.name);
            if (ids == nullptr || ids->empty()) {
              lost.insert(&probe);
              lost_why[&probe] = owner + "'s object of " + resource + " (" + key.second +
                                 ") is gone, and " + owner +
                                 " owns no other now: the finding cannot be judged";
              break;
            }
            if (std::find(ids->begin(), ids->end(), key.second) != ids->end()) break;
            probe.request.url = *moved(ids->front());
            if (probe.value == key.second) probe.value = ids->front();
            break;
          }
        }
      }
    }
  };

  report::ScanResult result;
  if (!earlier.findings.empty() && !checks.empty()) {
    try {
      result = execute(plan, prepared->config, prepared->mutations, prepared->options,
                       console_for(a), remap);
      for (auto& r : result.results) {
        for (const plan::Probe* gone : lost) {
          if (gone->operation == r.probe.operation && gone->kind == r.probe.kind &&
              gone->identity == r.probe.identity && gone->request.url == r.probe.request.url)
            r.verdict = judge::inconclusive(lost_why[gone]);
        }
      }
    } catch (const Failure& f) {
      // Nothing was judged: every finding stays "could not be judged", never "fixed".
      if (f.exit_code() != k_exit_inconclusive) throw;
      result = report::ScanResult{};
      result.operations = operation_infos(plan);
      result.run.base_url = plan.base_url;
      result.run.aborted = f.what();
    }
  } else {
    result.operations = operation_infos(plan);
    result.run.base_url = plan.base_url;
  }
  describe_run(result, a, *prepared, "recheck", started_at,
               std::chrono::duration<double>(Clock::now() - started).count());
  for (const judge::Check* c : judge::registry()) {
    if (std::find(checks.begin(), checks.end(), c) != checks.end()) result.run.checks.push_back(c);
  }
  report::compare_with_report(result, earlier, args.report);
  return finish(result, a.reports);
}

}  // namespace authdiff::app
