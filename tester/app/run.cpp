#include "app/run.hpp"

#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>

#include "app/commands.hpp"
#include "util/error.hpp"

#ifndef AUTHDIFF_VERSION
#define AUTHDIFF_VERSION "unknown"
#endif

namespace authdiff::app {

namespace {

constexpr const char* k_description =
    "authdiff replays an OpenAPI-described API as several principals (no credentials, a weaker\n"
    "identity, another owner, tampered tokens, enumerated IDs, oversized pages) and reports\n"
    "what leaks.\n\n"
    "Exit codes: 0 success; 2 bad usage, config or spec (reported as file:line: message);\n"
    "3 the run could not conclude.";

}  // namespace

int run(int argc, char** argv) {
  CLI::App app{k_description, "authdiff"};
  app.set_version_flag("--version", std::string("authdiff ") + AUTHDIFF_VERSION);
  app.require_subcommand(1);
  app.fallthrough(false);

  PlanArgs plan_args;
  CLI::App* plan = app.add_subcommand(
      "plan",
      "List every operation with its security, expected access, ID-like and page-size "
      "parameters, example values and the probes scan would send. Sends nothing.");
  plan->add_option("--spec", plan_args.spec, "OpenAPI 2.0/3.0/3.1 description (JSON or YAML)")
      ->required()
      ->check(CLI::ExistingFile);
  plan->add_option("--config", plan_args.config, "authdiff TOML config (identities, expectations)")
      ->check(CLI::ExistingFile);
  plan->add_option("--format", plan_args.format, "Output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  plan->add_option("--base-url", plan_args.base_url,
                   "Base URL requests are planned against (overrides target.base_url)");
  plan->add_option("-o,--output", plan_args.output, "Write to FILE instead of standard output");
  plan->add_flag("--allow-unsafe", plan_args.allow_unsafe,
                 "Plan POST/PUT/PATCH/DELETE too (skipped by default)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Help and --version exit 0; every other parse problem is bad usage (2).
    const int code = app.exit(e);
    return code == 0 ? k_exit_ok : k_exit_usage;
  }

  try {
    if (plan->parsed()) return plan_command(plan_args);
  } catch (const Failure& f) {
    std::fflush(stdout);
    std::cerr << "authdiff: error: " << f.what() << "\n";
    return f.exit_code();
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::cerr << "authdiff: internal error: " << e.what() << "\n";
    return k_exit_inconclusive;
  }
  return k_exit_usage;
}

}  // namespace authdiff::app
