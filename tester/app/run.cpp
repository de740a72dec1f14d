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
    "Exit codes: 0 nothing at or above --fail-on; 1 findings; 2 bad usage, config or spec\n"
    "(reported as file:line: message); 3 the run could not conclude.";

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

  ScanArgs scan_args;
  CLI::App* scan = app.add_subcommand(
      "scan",
      "Replay every operation as each principal and report what leaks. Exit 0: nothing at "
      "or above --fail-on; 1: findings; 2: bad usage, config or spec; 3: could not conclude.");
  scan->add_option("--spec", scan_args.spec, "OpenAPI 2.0/3.0/3.1 description (JSON or YAML)")
      ->required()
      ->check(CLI::ExistingFile);
  scan->add_option("--config", scan_args.config, "authdiff TOML config (identities, expectations)")
      ->required()
      ->check(CLI::ExistingFile);
  scan->add_option("--base-url", scan_args.base_url,
                   "The API to test (overrides target.base_url); the only host contacted");
  scan->add_option("--junit", scan_args.junit, "Write a JUnit XML report to FILE");
  scan->add_option("--json", scan_args.json,
                   "Write the JSON report to FILE (the input of recheck and merge)");
  scan->add_option("--sarif", scan_args.sarif,
                   "Write SARIF 2.1.0 to FILE (GitHub code scanning annotates the spec)");
  scan->add_option("--markdown", scan_args.markdown,
                   "Write a Markdown summary to FILE (default in GitHub Actions: appended to "
                   "$GITHUB_STEP_SUMMARY)");
  scan->add_option(
          "--fail-on", scan_args.fail_on,
          "Exit 1 for findings at or above this severity: info, low, medium, high, critical")
      ->capture_default_str();
  scan->add_option(
      "--only", scan_args.only,
      "Run only these checks (comma-separated): no-auth, weaker-identity, cross-owner, "
      "enumerate, bulk");
  scan->add_option("--skip", scan_args.skip, "Do not run these checks (comma-separated)");
  scan->add_option("--concurrency", scan_args.concurrency,
                   "Requests in flight (overrides limits.concurrency)")
      ->check(CLI::Range(1, 1024));
  scan->add_option("--rate", scan_args.rate, "Requests per second (overrides limits.rate)")
      ->check(CLI::PositiveNumber);
  scan->add_option("--timeout", scan_args.timeout, "Seconds per request (overrides limits.timeout)")
      ->check(CLI::PositiveNumber);
  scan->add_option("--proxy", scan_args.proxy, "Send through this HTTP proxy (Burp, ZAP)");
  scan->add_flag("--insecure", scan_args.insecure,
                 "Accept any TLS certificate (self-signed staging)");
  scan->add_option("--ca-file", scan_args.ca_file, "Extra CA bundle for TLS")
      ->check(CLI::ExistingFile);
  scan->add_option("--mutations", scan_args.mutations,
                   "A folder with ids.txt / page-sizes.txt adding to the built-in mutation lists")
      ->check(CLI::ExistingDirectory);
  scan->add_flag("--allow-unsafe", scan_args.allow_unsafe,
                 "Replay POST/PUT/PATCH/DELETE too (skipped by default)");
  scan->add_flag("-q,--quiet", scan_args.quiet, "No progress line");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Help and --version exit 0; every other parse problem is bad usage (2).
    const int code = app.exit(e);
    return code == 0 ? k_exit_ok : k_exit_usage;
  }

  try {
    if (plan->parsed()) return plan_command(plan_args);
    if (scan->parsed()) return scan_command(scan_args);
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
