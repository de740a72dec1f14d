// `authdiff audit`: what the spec says, judged without sending anything. The same results and
// reports as a scan, from the audit check alone.
#include <chrono>

#include "app/commands.hpp"
#include "app/engine.hpp"
#include "app/outputs.hpp"
#include "app/scan.hpp"
#include "judge/check.hpp"
#include "judge/findings.hpp"
#include "spec/model.hpp"

namespace authdiff::app {

int audit_command(const AuditArgs& args) {
  const auto started = std::chrono::steady_clock::now();
  const std::string started_at = local_timestamp();
  const auto fail_on = judge::parse_severity(args.fail_on);
  if (!fail_on) {
    throw Failure(
        Error{"", 0, 0,
              "--fail-on " + args.fail_on + ": expected info, low, medium, high or critical"},
        k_exit_usage);
  }
  auto api = spec::load_api(args.spec);
  if (!api) throw Failure(api.error(), k_exit_usage);
  config::Config config;
  if (!args.config.empty()) {
    auto loaded = config::load_config(args.config, config::process_environment());
    if (!loaded) throw Failure(loaded.error(), k_exit_usage);
    config = std::move(loaded.value());
  }
  const plan::Plan plan =
      plan::make_plan(*api, args.config.empty() ? nullptr : &config, plan::Options{});
  const auto checks = judge::checks_with(&judge::CheckInfo::spec_only);
  const judge::Mutations mutations = judge::Mutations::defaults();
  auto options = judge::CheckOptions::from(config);
  if (!options) throw Failure(options.error(), k_exit_usage);
  const plan::Principals principals(config.identities);
  const judge::PlanContext pctx{plan, config, principals, mutations, *options};

  report::ScanResult result;
  result.operations = operation_infos(plan);
  for (std::size_t i = 0; i < plan.operations.size(); ++i) {
    for (const judge::Check* check : checks) {
      for (auto& probe : check->plan(pctx, i)) {
        judge::ProbeResult r;
        r.probe = std::move(probe);
        r.check = check;
        result.results.push_back(std::move(r));
      }
    }
  }
  const judge::Knowledge knowledge;
  const judge::Detectors detectors;
  judge::judge_all({plan, config, principals, knowledge, detectors, *options}, result.results);
  result.findings = judge::collect_findings(plan, config, principals, result.results);

  result.run.command = "audit";
  result.run.version = AUTHDIFF_VERSION;
  result.run.spec_file = args.spec;
  result.run.config_file = args.config;
  result.run.base_url = plan.base_url;
  result.run.started_at = started_at;
  result.run.hostname = hostname();
  result.run.fail_on = *fail_on;
  result.run.checks = checks;
  for (const auto& id : config.identities) result.run.identities.push_back(id.name);
  result.run.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  locate_operations(result, args.spec, *api);
  return finish(result, args.reports);
}

}  // namespace authdiff::app
