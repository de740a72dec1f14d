#pragma once
// One function per command; each returns the process exit code or throws Failure.
#include <string>
#include <vector>

namespace authdiff::app {

// The report files a command that produces a result writes ("" = not written).
struct ReportFiles {
  std::string junit, json, sarif, markdown, html;
};

struct PlanArgs {
  std::string spec;
  std::string config;
  std::string format = "text";
  std::string base_url;
  std::string output;  // "" = stdout
  bool allow_unsafe = false;
};
int plan_command(const PlanArgs& args);

struct ScanArgs {
  std::string spec;
  std::vector<std::string> har, postman;  // recorded traffic, inferred into (or beside) the spec
  std::string config;
  std::string base_url;
  ReportFiles reports;
  std::string fail_on = "low";
  std::string only, skip;  // comma-separated check names
  std::string mutations;   // extra mutation lists (a folder like corpus/mutations)
  int concurrency = 0;     // 0 = from the config
  double rate = 0;
  double timeout = 0;
  std::string proxy;
  bool insecure = false;
  std::string ca_file;
  bool allow_unsafe = false;
  bool quiet = false;
  bool verbose = false;        // a line per request on stderr
  std::string shard;           // "K/N" or ""
  std::string baseline;        // known findings (TOML), or ""
  std::string write_baseline;  // write this run's findings as a baseline here, or ""
  std::string expect;          // an access matrix (authdiff learn) to compare with, or ""
};
int scan_command(const ScanArgs& args);

// `learn` records the access matrix: the scan options that send, and where to write it.
struct LearnArgs {
  ScanArgs scan;    // spec, config, base URL, sending options
  std::string out;  // the matrix file (TOML)
};
int learn_command(const LearnArgs& args);

// `recheck` takes the scan options that make sense for a replay, and the earlier report.
struct RecheckArgs {
  ScanArgs scan;       // spec ("" = the report's), config, base URL ("" = the report's), reports
  std::string report;  // the earlier JSON report
};
int recheck_command(const RecheckArgs& args);

struct InitArgs {
  std::string spec;
  std::string output;  // "" = stdout
};
int init_command(const InitArgs& args);

struct MergeArgs {
  std::vector<std::string> shards;  // JSON reports of the shards
  ReportFiles reports;
  std::string fail_on = "low";
};
int merge_command(const MergeArgs& args);

// `audit`: the static checks alone, no traffic; `config` optional (expectations, detectors).
struct AuditArgs {
  std::string spec;
  std::string config;
  ReportFiles reports;
  std::string fail_on = "low";
  bool quiet = false;    // accepted like scan's (audit prints no progress line anyway)
  bool verbose = false;  // likewise (audit sends nothing)
};
int audit_command(const AuditArgs& args);

// `infer`: recorded traffic -> OpenAPI 3.1 (YAML, or JSON when `output` ends in .json).
struct InferArgs {
  std::vector<std::string> har, postman;
  std::string spec;    // an existing OpenAPI 3 description the observed operations are added to
  std::string output;  // "" or "-" = stdout
};
int infer_command(const InferArgs& args);

}  // namespace authdiff::app
