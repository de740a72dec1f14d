#include <cstdio>
#include <iostream>

#include "app/commands.hpp"
#include "app/plan_output.hpp"
#include "app/scan.hpp"
#include "app/wfc_import.hpp"
#include "config/config.hpp"
#include "plan/plan.hpp"
#include "spec/model.hpp"
#include "util/file.hpp"
#include "util/url.hpp"

namespace authdiff::app {

int plan_command(const PlanArgs& args) {
  auto api = spec::load_api(args.spec);
  if (!api) throw Failure(api.error(), k_exit_usage);
  for (const auto& w : api->warnings)
    std::cerr << "authdiff: warning: " << args.spec << ": " << w << "\n";

  std::optional<config::Config> cfg;
  if (!args.config.empty()) {
    auto loaded = config::load_config(args.config, config::process_environment());
    if (!loaded) throw Failure(loaded.error(), k_exit_usage);
    cfg = std::move(loaded.value());
    import_wfc(*cfg);
  }
  plan::Options options;
  options.base_url = args.base_url;
  options.allow_unsafe = args.allow_unsafe;
  if (!options.base_url.empty()) {
    std::string why;
    if (!parse_url(options.base_url, &why)) {
      throw Failure(Error{"", 0, 0, "--base-url " + options.base_url + ": " + why}, k_exit_usage);
    }
  }
  plan::Plan p = plan::make_plan(*api, cfg ? &*cfg : nullptr, options);
  if (cfg) {
    auto check_options = judge::CheckOptions::from(*cfg);
    if (!check_options) throw Failure(check_options.error(), k_exit_usage);
    plan_probes(p, *cfg, plan::Principals(cfg->identities), judge::Mutations::defaults(),
                *check_options, select_checks("", "", *check_options), {});
  }
  const std::string out = args.format == "json" ? plan_json(*api, cfg ? &*cfg : nullptr, p)
                                                : plan_text(*api, cfg ? &*cfg : nullptr, p);
  if (args.output.empty()) {
    std::fwrite(out.data(), 1, out.size(), stdout);
  } else if (auto written = write_file(args.output, out); !written) {
    throw Failure(written.error(), k_exit_usage);
  }
  return k_exit_ok;
}

}  // namespace authdiff::app
