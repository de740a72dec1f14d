#include "app/run.hpp"

#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>

#include "app/commands.hpp"
#include "authdiff_commit.h"  // generated: AUTHDIFF_COMMIT
#include "judge/check.hpp"
#include "plan/tamper.hpp"
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

// "no-auth, weaker-identity, ... (opt-in: rate-limit)": the registry's names for --only's help.
std::string check_list() {
  std::vector<std::string> always, opt_in;
  for (const judge::Check* c : judge::registry())
    (c->opt_in() ? opt_in : always).emplace_back(c->name());
  std::string out;
  for (const auto& n : always) out += (out.empty() ? "" : ", ") + n;
  if (!opt_in.empty()) {
    out += "; opt-in: ";
    for (std::size_t i = 0; i < opt_in.size(); ++i) out += (i == 0 ? "" : ", ") + opt_in[i];
  }
  return out;
}

std::vector<std::string> tamper_rule_names() {
  std::vector<std::string> out;
  for (const auto& r : plan::tamper_rules()) out.push_back(r.name);
  return out;
}

void add_report_options(CLI::App* cmd, ReportFiles& files, std::string& fail_on) {
  cmd->add_option("--junit", files.junit, "Write a JUnit XML report to FILE");
  cmd->add_option("--json", files.json,
                  "Write the JSON report to FILE (the input of recheck and merge)");
  cmd->add_option("--sarif", files.sarif,
                  "Write SARIF 2.1.0 to FILE (GitHub code scanning annotates the spec)");
  cmd->add_option("--markdown", files.markdown,
                  "Write a Markdown summary to FILE (default in GitHub Actions: appended to "
                  "$GITHUB_STEP_SUMMARY)");
  cmd->add_option("--html", files.html,
                  "Write a self-contained HTML page to FILE: the verdict, the access matrix "
                  "(operations x principals), each cell's probes, evidence and curl line");
  cmd->add_option(
         "--fail-on", fail_on,
         "Exit 1 for findings at or above this severity: info, low, medium, high, critical")
      ->capture_default_str();
}

void add_send_options(CLI::App* cmd, ScanArgs& a) {
  cmd->add_option("--base-url", a.base_url,
                  "The API to test (overrides target.base_url); the only host contacted");
  cmd->add_option("--concurrency", a.concurrency,
                  "Requests in flight (overrides limits.concurrency)")
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--rate", a.rate, "Requests per second (overrides limits.rate)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--timeout", a.timeout, "Seconds per request (overrides limits.timeout)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--proxy", a.proxy, "Send through this HTTP proxy (Burp, ZAP)");
  cmd->add_flag("--insecure", a.insecure, "Accept any TLS certificate (self-signed staging)");
  cmd->add_option("--ca-file", a.ca_file, "Extra CA bundle for TLS")->check(CLI::ExistingFile);
  cmd->add_flag("--allow-unsafe", a.allow_unsafe,
                "Replay POST/PUT/PATCH/DELETE too (skipped by default)");
  cmd->add_flag("-q,--quiet", a.quiet, "No progress line");
  cmd->add_flag("-v,--verbose", a.verbose,
                "Log every request as it ends on stderr: method, URL, who sent it, status, size, "
                "time (never a credential)");
}

}  // namespace

int run(int argc, char** argv) {
  CLI::App app{k_description, "authdiff"};
  app.set_version_flag("--version", std::string("authdiff ") + AUTHDIFF_VERSION + " (commit " +
                                        AUTHDIFF_COMMIT + ")");
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
  scan->add_option("--spec", scan_args.spec,
                   "OpenAPI 2.0/3.0/3.1 description (JSON or YAML); with --har/--postman, the "
                   "operations it lacks are added from the traffic")
      ->check(CLI::ExistingFile);
  scan->add_option("--har", scan_args.har,
                   "Recorded traffic (HAR 1.2; repeatable): the API is inferred from it")
      ->check(CLI::ExistingFile);
  scan->add_option("--postman", scan_args.postman,
                   "A Postman collection v2.0/v2.1 (repeatable), inferred like --har")
      ->check(CLI::ExistingFile);
  scan->add_option("--config", scan_args.config, "authdiff TOML config (identities, expectations)")
      ->required()
      ->check(CLI::ExistingFile);
  add_report_options(scan, scan_args.reports, scan_args.fail_on);
  scan->add_option(
      "--only", scan_args.only,
      "Run only these checks (comma-separated; `authdiff checks` describes them): " + check_list());
  scan->add_option("--skip", scan_args.skip, "Do not run these checks (comma-separated)");
  scan->add_option("--shard", scan_args.shard,
                   "Probe only part K of N of the operations (K/N; a stable split for CI "
                   "matrices; join the JSON reports with `authdiff merge`)");
  scan->add_option("--baseline", scan_args.baseline,
                   "Known findings (TOML, by id, with reasons and expiry dates): listed as known, "
                   "they do not fail the run until they expire")
      ->check(CLI::ExistingFile);
  scan->add_option("--write-baseline", scan_args.write_baseline,
                   "Write this run's findings to FILE as a baseline (keeping the reasons of "
                   "--baseline's entries)");
  scan->add_option("--expect", scan_args.expect,
                   "An access matrix from `authdiff learn`: fail when anyone can do what it "
                   "denies, report what it allows but is now denied")
      ->check(CLI::ExistingFile);
  scan->add_option(
          "--mutations", scan_args.mutations,
          "A folder with ids.txt, page-sizes.txt and bypass.txt (each optional) adding to the "
          "built-in mutation lists")
      ->check(CLI::ExistingDirectory);
  add_send_options(scan, scan_args);

  RecheckArgs recheck_args;
  CLI::App* recheck = app.add_subcommand(
      "recheck",
      "Replay exactly the findings of an earlier JSON report (same probes, fresh baselines) and "
      "report each as fixed or still open. Exit 0 only when every finding at or above "
      "--fail-on is fixed; 1: one is still open; 3: one could not be judged.");
  recheck->add_option("--report", recheck_args.report, "The earlier JSON report (scan --json)")
      ->required()
      ->check(CLI::ExistingFile);
  recheck->add_option("--config", recheck_args.scan.config, "authdiff TOML config (identities)")
      ->required()
      ->check(CLI::ExistingFile);
  recheck
      ->add_option("--spec", recheck_args.scan.spec,
                   "The OpenAPI description (default: the one the report names)")
      ->check(CLI::ExistingFile);
  recheck
      ->add_option("--har", recheck_args.scan.har,
                   "Recorded traffic (default: the HAR files the report names)")
      ->check(CLI::ExistingFile);
  recheck
      ->add_option("--postman", recheck_args.scan.postman,
                   "Postman collections (default: those the report names)")
      ->check(CLI::ExistingFile);
  add_report_options(recheck, recheck_args.scan.reports, recheck_args.scan.fail_on);
  add_send_options(recheck, recheck_args.scan);

  LearnArgs learn_args;
  CLI::App* learn = app.add_subcommand(
      "learn",
      "Record who can do what: every operation as every identity and anonymously -> allowed / "
      "denied / n/a, written as a TOML access matrix to review and commit (then scan --expect).");
  learn->add_option("--spec", learn_args.scan.spec, "OpenAPI 2.0/3.0/3.1 description")
      ->required()
      ->check(CLI::ExistingFile);
  learn->add_option("--config", learn_args.scan.config, "authdiff TOML config (identities)")
      ->required()
      ->check(CLI::ExistingFile);
  learn->add_option("--out", learn_args.out, "Where to write the access matrix (TOML)")->required();
  add_send_options(learn, learn_args.scan);

  InferArgs infer_args;
  CLI::App* infer = app.add_subcommand(
      "infer",
      "Write an OpenAPI 3.1 description inferred from recorded traffic (HAR, Postman): path "
      "templates, parameters, schemas, security schemes; recorded credentials are never "
      "written. Sends nothing.");
  infer->add_option("--har", infer_args.har, "A HAR 1.2 file (repeatable)")
      ->check(CLI::ExistingFile);
  infer->add_option("--postman", infer_args.postman, "A Postman collection v2.0/v2.1 (repeatable)")
      ->check(CLI::ExistingFile);
  infer
      ->add_option("--spec", infer_args.spec,
                   "An OpenAPI 3 description: write it with the operations it lacks added, "
                   "marked x-authdiff-observed")
      ->check(CLI::ExistingFile);
  infer->add_option("-o,--output", infer_args.output,
                    "Write to FILE (YAML; JSON when it ends in .json) instead of standard output");

  InitArgs init_args;
  CLI::App* init = app.add_subcommand(
      "init",
      "Write a commented starter config for a spec: its security schemes, identity stubs, "
      "the ID parameters found, the operations it would treat as public.");
  init->add_option("--spec", init_args.spec, "OpenAPI 2.0/3.0/3.1 description")
      ->required()
      ->check(CLI::ExistingFile);
  init->add_option("-o,--output", init_args.output, "Write to FILE instead of standard output");

  MergeArgs merge_args;
  CLI::App* merge = app.add_subcommand(
      "merge",
      "Join the JSON reports of `scan --shard K/N` jobs into one report, as if one job had run. "
      "Exit codes as scan.");
  merge->add_option("reports", merge_args.shards, "JSON reports (scan --json), one per shard")
      ->required()
      ->check(CLI::ExistingFile);
  add_report_options(merge, merge_args.reports, merge_args.fail_on);

  AuditArgs audit_args;
  CLI::App* audit = app.add_subcommand(
      "audit",
      "Static checks of the spec, no traffic: operations without any security requirement, "
      "anonymous operations with personal or secret fields, sequential integer IDs, page sizes "
      "without a maximum, plain-http servers, API keys in query strings. Exit codes as scan.");
  audit->add_option("--spec", audit_args.spec, "OpenAPI 2.0/3.0/3.1 description")
      ->required()
      ->check(CLI::ExistingFile);
  audit
      ->add_option("--config", audit_args.config,
                   "authdiff TOML config (optional: its [[expect]] rules mark public operations)")
      ->check(CLI::ExistingFile);
  add_report_options(audit, audit_args.reports, audit_args.fail_on);
  // The common flags of the other commands, so one CI script can pass them to each.
  audit->add_flag("-q,--quiet", audit_args.quiet, "No progress line (audit has none)");
  audit->add_flag("-v,--verbose", audit_args.verbose, "A line per request (audit sends none)");

  bool checks_markdown = false;
  CLI::App* checks = app.add_subcommand(
      "checks", "Describe every check: what it sends, when it reports, its [checks.NAME] settings");
  checks->add_flag("--markdown", checks_markdown,
                   "Print the Markdown of docs/checks.md (generated from the checks themselves)");

  std::string tamper_rule, tamper_token, tamper_other;
  CLI::App* tamper = app.add_subcommand(
      "tamper",
      "Print TOKEN changed by RULE, as the tampered-token check sends it; the curl lines of its "
      "findings call this. Exit 2 when the rule does not fit the token.");
  tamper->add_option("rule", tamper_rule, "The rule (alg-none:none, claims-of, truncated, ...)")
      ->required()
      ->check(CLI::IsMember(tamper_rule_names()));
  tamper->add_option("token", tamper_token, "The credential to change")->required();
  tamper->add_option("other", tamper_other, "claims-of: the token whose identity claims to copy");

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
    if (recheck->parsed()) return recheck_command(recheck_args);
    if (merge->parsed()) return merge_command(merge_args);
    if (learn->parsed()) return learn_command(learn_args);
    if (init->parsed()) return init_command(init_args);
    if (infer->parsed()) return infer_command(infer_args);
    if (audit->parsed()) return audit_command(audit_args);
    if (checks->parsed()) {
      if (checks_markdown) {
        std::cout << judge::checks_markdown();
      } else {
        for (const judge::Check* c : judge::registry()) {
          std::cout << c->name() << (c->opt_in() ? " (opt-in)" : "") << ": " << c->title() << "\n  "
                    << c->owasp() << "; " << judge::to_string(c->severity()) << " by default\n  "
                    << c->description() << "\n\n";
        }
        std::cout << "Settings and details: authdiff checks --markdown (docs/checks.md)\n";
      }
      return k_exit_ok;
    }
    if (tamper->parsed()) {
      const auto out = plan::tamper(tamper_token, tamper_rule, tamper_other);
      if (!out) {
        std::cerr << "authdiff: error: rule " << tamper_rule << " does not apply to this token\n";
        return k_exit_usage;
      }
      std::cout << *out << "\n";
      return k_exit_ok;
    }
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
