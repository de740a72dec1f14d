// Run-to-run state and scale-out, end to end against the canteen demo API: JSON, SARIF and
// Markdown reports, `--shard K/N` + `merge` (equal to one run), `recheck` after a fix,
// baselines, and no secret in any output.
#include <cctype>
#include <fstream>
#include <functional>
#include <regex>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "../support/demo_target.hpp"
#include "../support/http_client.hpp"
#include "../support/process.hpp"
#include "../support/temp_dir.hpp"

namespace authdiff::test {
namespace {

using nlohmann::json;

const std::string k_bin = AUTHDIFF_BINARY;
const std::string k_src = AUTHDIFF_SOURCE_DIR;
const std::string k_spec = k_src + "/specs/canteen.yaml";
const std::string k_config = k_src + "/specs/canteen.authdiff.toml";

std::string fmt_hex(unsigned char c) {
  static const char* digits = "0123456789ABCDEF";
  return {'%', digits[c >> 4], digits[c & 15]};
}

std::string read(const std::string& path) {
  return read_text(path);
}

// A file in this process's own temp dir (removed when it exits): the tests of the binary share
// the suite's reports, and no other test process can touch them.
std::string temp(const std::string& name) {
  return process_temp_dir().file("authdiff-r2r-" + name);
}

// Bounds against a hang only, far above what a loaded CI machine needs (a scan of the demo API
// takes seconds, a request milliseconds): never a measure of speed. The configs' own 5 s per
// request is overridden for the same reason.
constexpr double k_scan_limit_s = 600;
const std::string k_request_timeout_s = "120";
// The demo configs' 200 requests per second is politeness towards a real API; these servers are
// the tests' own, and no finding depends on the pace: every scan here sends at this rate.
const std::string k_rate = "1000";

ProcessResult authdiff(const DemoTarget& target, std::vector<std::string> args,
                       std::map<std::string, std::string> env = {}) {
  args.insert(args.begin(), k_bin);
  for (const auto& [k, v] : target.env()) env.emplace(k, v);
  args.insert(args.end(), {"--base-url", target.url(), "--timeout", k_request_timeout_s, "--rate",
                           k_rate, "-q"});
  return run_process(args, env, k_scan_limit_s);
}

ProcessResult scan(const DemoTarget& target, std::vector<std::string> extra,
                   std::map<std::string, std::string> env = {}) {
  std::vector<std::string> args = {"scan", "--spec", k_spec, "--config", k_config};
  args.insert(args.end(), extra.begin(), extra.end());
  return authdiff(target, args, std::move(env));
}

// A JSON report with what differs between two runs of the same scan taken out: the run's
// description and timings, and the target's address (each run has its own server).
json content_of(const std::string& path, const std::string& base_url) {
  std::string text = read(path);
  for (auto at = text.find(base_url); at != std::string::npos; at = text.find(base_url, at))
    text.replace(at, base_url.size(), "BASE");
  json j = json::parse(text);
  j.erase("run");
  for (auto& p : j["probes"]) p["response"].erase("seconds");
  return j;
}

// The earlier findings' outcomes in a recheck or baseline comparison, by check.
std::multimap<std::string, std::string> outcomes(const json& report) {
  std::multimap<std::string, std::string> out;
  for (const auto& p : report["compared_with"]["previous"])
    out.emplace(p["check"].get<std::string>(), p["outcome"].get<std::string>());
  return out;
}

// One flawed scan, the same scan in three shards (each against a fresh server, as a CI matrix
// would have), and their merge; shared by the tests below.
class RunToRun : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    {
      DemoTarget target(AUTHDIFF_DEMO_API);
      s_full_url = target.url();
      s_full = new ProcessResult(
          scan(target, {"--json", temp("full.json"), "--sarif", temp("full.sarif"), "--markdown",
                        temp("full.md"), "--junit", temp("full.xml")}));
    }
    for (int k = 1; k <= 3; ++k) {
      DemoTarget target(AUTHDIFF_DEMO_API);
      s_shard_urls.push_back(target.url());
      s_shards.push_back(scan(target, {"--shard", std::to_string(k) + "/3", "--json",
                                       temp("shard" + std::to_string(k) + ".json")}));
    }
    s_merge = new ProcessResult(run_process(
        {k_bin, "merge", temp("shard1.json"), temp("shard2.json"), temp("shard3.json"), "--json",
         temp("merged.json"), "--junit", temp("merged.xml"), "--sarif", temp("merged.sarif")}));
  }
  static void TearDownTestSuite() {
    delete s_full;
    delete s_merge;
  }
  static ProcessResult* s_full;
  static ProcessResult* s_merge;
  static std::vector<ProcessResult> s_shards;
  static std::string s_full_url;
  static std::vector<std::string> s_shard_urls;
};
ProcessResult* RunToRun::s_full = nullptr;
ProcessResult* RunToRun::s_merge = nullptr;
std::vector<ProcessResult> RunToRun::s_shards;
std::string RunToRun::s_full_url;
std::vector<std::string> RunToRun::s_shard_urls;

TEST_F(RunToRun, JsonReportHasFindingsWithIdsCurlAndMaskedEvidence) {
  ASSERT_EQ(s_full->exit_code, 1) << s_full->err;
  const json j = json::parse(read(temp("full.json")));
  EXPECT_EQ(j["authdiff_report"], 1);
  EXPECT_EQ(j["summary"]["findings"], j["findings"].size());
  EXPECT_GE(j["findings"].size(), 5u);
  EXPECT_EQ(j["run"]["identities"], json({"admin", "operator", "zhangwei", "lina"}));
  for (const auto& f : j["findings"]) {
    EXPECT_TRUE(std::regex_match(f["id"].get<std::string>(), std::regex("[0-9a-f]{16}"))) << f;
    // Every finding reproduces with curl, except the spec's own (audit): nothing to send.
    if (f["check"] == "audit") {
      EXPECT_EQ(f["curl"], "") << f;
    } else {
      EXPECT_EQ(f["curl"].get<std::string>().rfind("curl -i ", 0), 0u) << f;
    }
    for (const auto& e : f["evidence"]) {
      EXPECT_NE(e["value"].get<std::string>().find('*'), std::string::npos) << e;
    }
  }
  std::size_t bypassed = 0;
  for (const auto& p : j["probes"]) bypassed += p["verdict"]["state"] == "bypassed" ? 1 : 0;
  EXPECT_EQ(j["summary"]["bypassed"], bypassed);
}

TEST_F(RunToRun, MergeOfThreeShardsEqualsOneRun) {
  for (const auto& s : s_shards) EXPECT_TRUE(s.exit_code == 0 || s.exit_code == 1) << s.err;
  ASSERT_EQ(s_merge->exit_code, 1) << s_merge->err;
  json merged = content_of(temp("merged.json"), s_shard_urls[0]);
  // Each shard had its own server: put every shard's address back to one placeholder.
  std::string text = merged.dump();
  for (const auto& url : s_shard_urls) {
    for (auto at = text.find(url); at != std::string::npos; at = text.find(url, at))
      text.replace(at, url.size(), "BASE");
  }
  merged = json::parse(text);
  const json full = content_of(temp("full.json"), s_full_url);
  EXPECT_EQ(merged["summary"], full["summary"]);
  EXPECT_EQ(merged["findings"], full["findings"]);
  EXPECT_EQ(merged["probes"].size(), full["probes"].size());
  EXPECT_TRUE(merged == full) << "the merged report differs from the unsharded run";
  const json run = json::parse(read(temp("merged.json")))["run"];
  EXPECT_EQ(run["command"], "merge");
  EXPECT_EQ(run["merged_shards"], json({1, 2, 3}));
  // What each shard discovered and created is the merge's too, not only the first shard's.
  std::set<std::string> discovered;
  std::size_t created = 0;
  for (int k = 1; k <= 3; ++k) {
    const json shard = json::parse(read(temp("shard" + std::to_string(k) + ".json")))["run"];
    for (const auto& d : shard["discovered"])
      discovered.insert(d["identity"].get<std::string>() + " " + d["parameter"].get<std::string>() +
                        " " + d["value"].get<std::string>());
    created += shard["created"].size();
  }
  EXPECT_EQ(run["discovered"].size(), discovered.size());
  EXPECT_EQ(run["created"].size(), created);
}

TEST_F(RunToRun, EveryOperationIsProbedInExactlyOneShard) {
  std::map<std::size_t, int> shard_of;
  std::size_t probes = 0;
  for (int k = 1; k <= 3; ++k) {
    const json j = json::parse(read(temp("shard" + std::to_string(k) + ".json")));
    EXPECT_EQ(j["run"]["shard"], json({{"index", k}, {"count", 3}}));
    probes += j["probes"].size();
    for (const auto& p : j["probes"]) {
      const auto [it, fresh] = shard_of.emplace(p["operation"].get<std::size_t>(), k);
      EXPECT_EQ(it->second, k) << "operation " << it->first << " probed in two shards";
    }
  }
  EXPECT_EQ(probes, json::parse(read(temp("full.json")))["probes"].size());
  std::set<int> used;
  for (const auto& [op, k] : shard_of) used.insert(k);
  EXPECT_EQ(used.size(), 3u) << "a shard had no operation at all";
}

TEST_F(RunToRun, MergeRefusesAMissingOrRepeatedShard) {
  const auto missing = run_process({k_bin, "merge", temp("shard1.json"), temp("shard3.json")});
  EXPECT_EQ(missing.exit_code, 3) << missing.err;
  EXPECT_NE(missing.err.find("shard 2/3 missing"), std::string::npos) << missing.err;
  const auto twice =
      run_process({k_bin, "merge", temp("shard1.json"), temp("shard1.json"), temp("shard2.json")});
  EXPECT_EQ(twice.exit_code, 2) << twice.err;
  EXPECT_NE(twice.err.find("given twice"), std::string::npos) << twice.err;
  const auto unsharded = run_process({k_bin, "merge", temp("full.json")});
  EXPECT_EQ(unsharded.exit_code, 2) << unsharded.err;
  std::ofstream(temp("broken.json")) << "{\"authdiff_report\": 1, \"run\": {}}";
  const auto broken = run_process({k_bin, "merge", temp("broken.json")});
  EXPECT_EQ(broken.exit_code, 2) << broken.err;
  EXPECT_NE(broken.err.find(temp("broken.json") + ": missing /run/command"), std::string::npos)
      << broken.err;
}

TEST_F(RunToRun, SarifValidatesAndPointsAtTheOperationsLineInTheSpec) {
  std::vector<std::string> argv = {
      "/usr/bin/python3", k_src + "/tests/tools/validate_sarif.py",
      temp("full.sarif"), temp("merged.sarif"),
      "--schema",         k_src + "/tests/data/schemas/sarif-2.1.0.json"};
  const std::string multitool = AUTHDIFF_SARIF_MULTITOOL;
  if (!multitool.empty()) argv.insert(argv.end(), {"--multitool", multitool});
  const auto v = run_process(argv, {}, 600);
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;

  const json sarif = json::parse(read(temp("full.sarif")));
  const json report = json::parse(read(temp("full.json")));
  const auto& results = sarif["runs"][0]["results"];
  ASSERT_EQ(results.size(), report["findings"].size());
  // The line of "    get:" under "  /api/info/query:" in the spec.
  std::ifstream spec(k_spec);
  std::string line;
  int n = 0, path_line = 0, get_line = 0;
  while (std::getline(spec, line) && get_line == 0) {
    ++n;
    if (line == "  /api/info/query:") path_line = n;
    if (path_line != 0 && line == "    get:") get_line = n;
  }
  ASSERT_NE(get_line, 0);
  bool seen = false;
  for (std::size_t i = 0; i < results.size(); ++i) {
    const auto& r = results[i];
    EXPECT_EQ(r["partialFingerprints"]["authdiffFindingId/v1"], report["findings"][i]["id"]);
    const std::string uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
    EXPECT_TRUE(uri == "file://" + k_spec || uri == "specs/canteen.yaml") << uri;
    EXPECT_EQ(
        r["message"]["text"].get<std::string>().find("Reproduce: curl -i") != std::string::npos,
        r["ruleId"] != "audit");
    if (r["properties"]["operation"] == "GET /api/info/query") {
      seen = true;
      EXPECT_EQ(r["locations"][0]["physicalLocation"]["region"]["startLine"], get_line);
    }
  }
  EXPECT_TRUE(seen);
  for (const auto& rule : sarif["runs"][0]["tool"]["driver"]["rules"]) {
    EXPECT_TRUE(rule["properties"].contains("security-severity")) << rule;
    const auto tags = rule["properties"]["tags"].dump();
    EXPECT_NE(tags.find("OWASP-API"), std::string::npos) << tags;
  }
}

TEST_F(RunToRun, MarkdownSummarisesFindingsWithCurlLines) {
  const std::string md = read(temp("full.md"));
  const json report = json::parse(read(temp("full.json")));
  EXPECT_EQ(md.rfind("## authdiff: " + std::to_string(report["findings"].size()) + " findings", 0),
            0u)
      << md.substr(0, 200);
  EXPECT_NE(md.find("| Severity | Operation | Check | Who | Evidence |"), std::string::npos);
  for (const auto& f : report["findings"]) {
    EXPECT_NE(md.find(f["curl"].get<std::string>()), std::string::npos) << f["curl"];
  }
}

TEST_F(RunToRun, AConfigWithPasswordsInsteadOfTokensFindsTheSame) {
  DemoTarget target(AUTHDIFF_DEMO_API);
  const std::map<std::string, std::string> passwords = {{"CANTEEN_ADMIN_PASSWORD", "Admin@2024"},
                                                        {"CANTEEN_OPERATOR_PASSWORD", "Op@2024"},
                                                        {"CANTEEN_ZHANGWEI_PASSWORD", "Emp@2024"},
                                                        {"CANTEEN_LINA_PASSWORD", "Emp@2024"}};
  const auto r = run_process(
      {k_bin, "scan", "--spec", k_spec, "--config", k_src + "/specs/canteen.login.authdiff.toml",
       "--base-url", target.url(), "--timeout", k_request_timeout_s, "--rate", k_rate, "-q",
       "--json", temp("login.json")},
      passwords, k_scan_limit_s);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const auto ids = [](const json& report) {
    std::set<std::string> out;
    for (const auto& f : report["findings"]) out.insert(f["id"].get<std::string>());
    return out;
  };
  const json login = json::parse(read(temp("login.json")));
  EXPECT_EQ(ids(login), ids(json::parse(read(temp("full.json")))));
  for (const auto& [var, password] : passwords) {
    EXPECT_EQ(r.out.find(password), std::string::npos) << var;
    EXPECT_EQ(read(temp("login.json")).find(password), std::string::npos) << var;
  }
}

TEST_F(RunToRun, StepSummaryIsAppendedInGitHubActions) {
  DemoTarget target(AUTHDIFF_DEMO_API);
  const std::string summary = temp("step-summary.md");
  std::ofstream(summary) << "earlier step\n";
  const auto r = scan(target, {"--only", "no-auth"}, {{"GITHUB_STEP_SUMMARY", summary}});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const std::string text = read(summary);
  EXPECT_EQ(text.rfind("earlier step\n## authdiff: ", 0), 0u) << text.substr(0, 200);
}

TEST_F(RunToRun, RecheckAfterAPartialFixSaysWhichAreFixed) {
  DemoTarget fixed(AUTHDIFF_DEMO_API, {"--fixed", "cross-owner,bulk"});
  const auto r = authdiff(fixed, {"recheck", "--report", temp("full.json"), "--config", k_config,
                                  "--json", temp("recheck.json"), "--markdown", temp("recheck.md"),
                                  "--junit", temp("recheck.xml")});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  const json j = json::parse(read(temp("recheck.json")));
  EXPECT_EQ(j["run"]["command"], "recheck");
  const auto o = outcomes(j);
  ASSERT_EQ(o.size(), json::parse(read(temp("full.json")))["findings"].size());
  for (const auto& [check, outcome] : o) {
    const bool repaired = check == "cross-owner" || check == "enumerate" || check == "bulk";
    EXPECT_EQ(outcome, repaired ? "fixed" : "still failing") << check;
  }
  for (const auto& f : j["findings"]) EXPECT_EQ(f["status"], "still open");
  EXPECT_GE(o.count("audit"), 1u);  // the spec's own findings: unchanged, still there
  std::size_t repaired = 0;
  for (const auto& [check, outcome] : o) repaired += outcome == "fixed" ? 1 : 0;
  EXPECT_GE(repaired, 5u);
  EXPECT_NE(read(temp("recheck.md"))
                .find("### Fixed since the rechecked report (" + std::to_string(repaired) + ")"),
            std::string::npos)
      << read(temp("recheck.md"));
  const auto x = run_process({"/usr/bin/xmllint", "--noout", "--schema",
                              k_src + "/../shared/schemas/junit-ant.xsd", temp("recheck.xml")});
  EXPECT_EQ(x.exit_code, 0) << x.err;
}

TEST_F(RunToRun, RecheckAfterTheFullFixExitsZero) {
  DemoTarget fixed(AUTHDIFF_DEMO_API, {"--fixed", "all"});
  const auto r = authdiff(fixed, {"recheck", "--report", temp("full.json"), "--config", k_config,
                                  "--json", temp("recheck-all.json")});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  // Every access flaw is fixed; the spec's integer IDs (audit, info) are still there and, below
  // --fail-on, do not fail the recheck.
  for (const auto& [check, outcome] : outcomes(json::parse(read(temp("recheck-all.json")))))
    EXPECT_EQ(outcome, check == "audit" ? "still failing" : "fixed") << check;
  // And the fixed API scans clean: a correct API keeps the CI job green.
  const auto clean = scan(fixed, {});
  EXPECT_EQ(clean.exit_code, 0) << clean.out << clean.err;
}

TEST_F(RunToRun, BaselineSuppressesKnownFindingsUntilTheyExpire) {
  DemoTarget target(AUTHDIFF_DEMO_API);
  const std::string base = temp("baseline.toml");
  // About baselines of access findings: the spec's info-level audit findings stay out.
  const auto write = scan(target, {"--write-baseline", base, "--skip", "audit"});
  ASSERT_EQ(write.exit_code, 1) << write.err;
  std::string toml = read(base);
  EXPECT_NE(toml.find("[[known]]"), std::string::npos) << toml;

  const auto known = scan(target, {"--baseline", base, "--json", temp("known.json"), "--junit",
                                   temp("known.xml"), "--skip", "audit"});
  EXPECT_EQ(known.exit_code, 0) << known.out << known.err;
  const json known_report = json::parse(read(temp("known.json")));
  for (const auto& f : known_report["findings"]) EXPECT_EQ(f["status"], "known") << f["id"];
  const auto x = run_process({"/usr/bin/xmllint", "--noout", "--schema",
                              k_src + "/../shared/schemas/junit-ant.xsd", temp("known.xml")});
  EXPECT_EQ(x.exit_code, 0) << x.err;
  EXPECT_EQ(read(temp("known.xml")).find("<failure"), std::string::npos);

  // Expire the first entry: its finding fails the run again.
  const auto at = toml.find("reason = ");
  toml.insert(at, "expires = 2020-01-31\n");
  std::ofstream(base) << toml;
  const auto expired =
      scan(target, {"--baseline", base, "--json", temp("expired.json"), "--skip", "audit"});
  EXPECT_EQ(expired.exit_code, 1) << expired.out << expired.err;
  int n = 0;
  const json expired_report = json::parse(read(temp("expired.json")));
  for (const auto& f : expired_report["findings"]) n += f["status"] == "expired" ? 1 : 0;
  EXPECT_EQ(n, 1);
}

TEST_F(RunToRun, BaselineListsWhatWasFixedAndNewFindingsFail) {
  const std::string base = temp("baseline-partial.toml");
  {
    DemoTarget target(AUTHDIFF_DEMO_API);
    ASSERT_EQ(scan(target, {"--only", "bulk,cross-owner", "--write-baseline", base}).exit_code, 1);
  }
  DemoTarget fixed(AUTHDIFF_DEMO_API, {"--fixed", "bulk"});
  const auto r = scan(fixed, {"--baseline", base, "--markdown", temp("partial.md"), "--json",
                              temp("partial.json")});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;  // the findings of the other checks are new
  const json j = json::parse(read(temp("partial.json")));
  std::set<std::string> statuses;
  for (const auto& f : j["findings"]) statuses.insert(f["status"].get<std::string>());
  EXPECT_EQ(statuses, (std::set<std::string>{"new", "known"}));
  const auto o = outcomes(j);
  EXPECT_EQ(o.find("bulk")->second, "fixed");
  EXPECT_NE(read(temp("partial.md")).find("### Fixed since the baseline (1)"), std::string::npos)
      << read(temp("partial.md"));
}

// learn -> commit -> one route changes to let lower roles in -> scan --expect fails with
// exactly that widening; the other way round it reports narrowings and passes.
TEST(AccessMatrix, ScanExpectFailsWithExactlyTheWidening) {
  const std::map<std::string, std::string> passwords = {{"CANTEEN_ADMIN_PASSWORD", "Admin@2024"},
                                                        {"CANTEEN_OPERATOR_PASSWORD", "Op@2024"},
                                                        {"CANTEEN_ZHANGWEI_PASSWORD", "Emp@2024"},
                                                        {"CANTEEN_LINA_PASSWORD", "Emp@2024"}};
  const std::string config = k_src + "/specs/canteen.login.authdiff.toml";
  const std::string matrix = temp("access.toml");
  {
    DemoTarget correct(AUTHDIFF_DEMO_API, {"--fixed", "all"});
    const auto learn = run_process(
        {k_bin, "learn", "--spec", k_spec, "--config", config, "--base-url", correct.url(),
         "--timeout", k_request_timeout_s, "--rate", k_rate, "--out", matrix, "-q"},
        passwords, k_scan_limit_s);
    ASSERT_EQ(learn.exit_code, 0) << learn.out << learn.err;
  }
  const std::string text = read(matrix);
  EXPECT_NE(text.find("[\"GET /api/terminals\"]\nallowed = [\"admin\"]\n"), std::string::npos)
      << text;
  // Every repair but the terminals' and the information query's role check.
  DemoTarget widened(AUTHDIFF_DEMO_API,
                     {"--fixed", "no-auth,cross-owner,bulk,tampered-token,bypass,sensitive-data"});
  const auto r =
      run_process({k_bin, "scan", "--spec", k_spec, "--config", config, "--base-url", widened.url(),
                   "--timeout", k_request_timeout_s, "--rate", k_rate, "--expect", matrix, "--only",
                   "access-matrix", "-q", "--json", temp("widened.json")},
                  passwords, k_scan_limit_s);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  std::set<std::string> widenings;
  const json report = json::parse(read(temp("widened.json")));
  for (const auto& f : report["findings"])
    widenings.insert(f["method"].get<std::string>() + " " + f["path"].get<std::string>() + " " +
                     f["identity"].get<std::string>());
  EXPECT_EQ(widenings,
            (std::set<std::string>{"GET /api/info/query operator", "GET /api/info/query zhangwei",
                                   "GET /api/info/query lina", "GET /api/terminals operator",
                                   "GET /api/terminals zhangwei", "GET /api/terminals lina"}));
  // Against the matrix of the correct API, the correct API narrows nothing and widens nothing.
  DemoTarget correct(AUTHDIFF_DEMO_API, {"--fixed", "all"});
  const auto same = run_process({k_bin, "scan", "--spec", k_spec, "--config", config, "--base-url",
                                 correct.url(), "--timeout", k_request_timeout_s, "--rate", k_rate,
                                 "--expect", matrix, "--only", "access-matrix", "-q"},
                                passwords, k_scan_limit_s);
  EXPECT_EQ(same.exit_code, 0) << same.out << same.err;
  EXPECT_EQ(same.out.find("narrowed"), std::string::npos) << same.out;
}

TEST(Baseline, ATypoIsAnErrorWithItsLine) {
  const std::string base = temp("typo.toml");
  std::ofstream(base) << "authdiff_baseline = 1\n\n[[known]]\nid = \"0123456789abcdef\"\n"
                         "reasn = \"accepted\"\n";
  const auto r = run_process({k_bin, "scan", "--spec", k_spec, "--config", k_config, "--baseline",
                              base, "--base-url", "http://127.0.0.1:9"},
                             {{"CANTEEN_ADMIN_TOKEN", "x"},
                              {"CANTEEN_OPERATOR_TOKEN", "x"},
                              {"CANTEEN_ZHANGWEI_TOKEN", "x"},
                              {"CANTEEN_LINA_TOKEN", "x"}});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(base + ":5:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("did you mean \"reason\""), std::string::npos) << r.err;
}

TEST(Shard, ABadShardIsBadUsage) {
  for (const std::string shard : {"0/3", "4/3", "1", "a/b", "2/0"}) {
    const auto r = run_process({k_bin, "scan", "--spec", k_spec, "--config", k_config, "--shard",
                                shard, "--base-url", "http://127.0.0.1:9"});
    EXPECT_EQ(r.exit_code, 2) << shard << ": " << r.err;
    EXPECT_NE(r.err.find("--shard " + shard), std::string::npos) << r.err;
  }
}

// The forms a secret may take in an output: itself, percent-encoded, and base64 (standard and
// URL-safe) at each of the three alignments it could have inside a longer encoded text (the
// characters that depend only on the secret's own bytes).
std::vector<std::string> encodings(const std::string& secret) {
  static const std::string std64 =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::vector<std::string> out = {secret};
  std::string percent;
  for (const unsigned char c : secret) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      percent += static_cast<char>(c);
    } else {
      percent += fmt_hex(c);
    }
  }
  if (percent != secret) out.push_back(percent);
  for (std::size_t k = 0; k < 3; ++k) {
    const std::string bytes = std::string(k, '\0') + secret;
    std::string enc;
    for (std::size_t i = 0; i + 2 < bytes.size(); i += 3) {
      const unsigned v = static_cast<unsigned char>(bytes[i]) << 16 |
                         static_cast<unsigned char>(bytes[i + 1]) << 8 |
                         static_cast<unsigned char>(bytes[i + 2]);
      for (int shift = 18; shift >= 0; shift -= 6) enc += std64[(v >> shift) & 63];
    }
    const std::string stable = enc.substr(k == 0 ? 0 : 4);  // the first group mixes in padding
    if (stable.size() < 8) continue;
    out.push_back(stable);
    std::string url = stable;
    for (char& c : url) c = c == '+' ? '-' : c == '/' ? '_' : c;
    if (url != stable) out.push_back(url);
  }
  return out;
}

// Personal data the demo API holds, as only an administrator sees it unmasked: phone numbers,
// resident ID numbers and terminal passwords.
std::vector<std::string> demo_personal_data(const DemoTarget& target) {
  std::vector<std::string> out;
  const auto admin = bearer(target.env().at("CANTEEN_ADMIN_TOKEN"));
  std::function<void(const json&, const std::string&)> walk = [&](const json& v,
                                                                  const std::string& key) {
    if (v.is_object()) {
      for (const auto& [k, child] : v.items()) walk(child, k);
    } else if (v.is_array()) {
      for (const auto& child : v) walk(child, key);
    } else if (v.is_string() && v.get<std::string>().size() >= 8 &&
               (key == "phone" || key == "idCard" || key.find("assword") != std::string::npos)) {
      out.push_back(v.get<std::string>());
    }
  };
  for (const std::string path : {"/api/employees?pageSize=100", "/api/terminals"}) {
    const auto r = http("GET", target.url() + path, admin);
    walk(r.json(), "");
  }
  return out;
}

// Canary secrets: every credential and secret header value, planted, must appear in no output
// of scan, recheck and merge, in any encoding: console, the -v request log, JUnit, JSON, SARIF,
// Markdown, step summary, baseline. Nor may the personal data the API leaks, unmasked.
TEST(Secrets, NoCanaryInAnyOutput) {
  DemoTarget target(AUTHDIFF_DEMO_API);
  std::string config = read(k_config);
  const std::map<std::string, std::string> canaries = {
      {"CANARY_GATEWAY", "canary-gateway-5f1c9e"},
      {"CANARY_ADMIN_KEY", "canary-admin-key-7d22aa"},
      {"CANARY_LINA_COOKIE", "canary-lina-cookie-0b9e41"}};
  config.replace(config.find("[target]\n"), 9,
                 "[target]\nheaders = { \"X-Gateway-Key\" = \"${CANARY_GATEWAY}\" }\n");
  const auto admin = config.find("[identities.admin]\n");
  config.insert(admin + 19, "headers = { \"X-Api-Key\" = \"${CANARY_ADMIN_KEY}\" }\n");
  const auto lina = config.find("[identities.lina]\n");
  config.insert(lina + 18, "cookies = { SESSION = \"${CANARY_LINA_COOKIE}\" }\n");
  const std::string cfg = temp("canary.toml");
  std::ofstream(cfg) << config;

  std::map<std::string, std::string> env(canaries.begin(), canaries.end());
  const std::string summary = temp("canary-summary.md");
  std::ofstream(summary) << "";
  env["GITHUB_STEP_SUMMARY"] = summary;
  std::vector<std::string> files;
  // Every report; the last run leaves out --markdown, so its summary goes to the step summary.
  const auto outputs = [&](const std::string& name, bool markdown = true) {
    std::vector<std::string> out;
    for (const std::string ext : {"xml", "json", "sarif", "md"}) {
      if (ext == "md" && !markdown) continue;
      files.push_back(temp("canary-" + name + "." + ext));
      out.insert(out.end(), {ext == "xml"  ? "--junit"
                             : ext == "md" ? "--markdown"
                                           : "--" + ext,
                             files.back()});
    }
    return out;
  };
  std::vector<ProcessResult> runs;
  auto args = outputs("scan");
  args.insert(args.begin(), {"scan", "-v", "--spec", k_spec, "--config", cfg, "--write-baseline",
                             temp("canary-baseline.toml")});
  files.push_back(temp("canary-baseline.toml"));
  runs.push_back(authdiff(target, args, env));
  EXPECT_EQ(runs.back().exit_code, 1) << runs.back().err;
  auto recheck = outputs("recheck");
  recheck.insert(recheck.begin(),
                 {"recheck", "-v", "--report", temp("canary-scan.json"), "--config", cfg});
  runs.push_back(authdiff(target, recheck, env));
  auto shard = outputs("shard");
  shard.insert(shard.begin(), {"scan", "--spec", k_spec, "--config", cfg, "--shard", "1/1"});
  runs.push_back(authdiff(target, shard, env));
  auto merge = outputs("merge", false);
  merge.insert(merge.begin(), {k_bin, "merge", temp("canary-shard.json")});
  runs.push_back(run_process(merge, env));
  files.push_back(summary);

  EXPECT_NE(read(temp("canary-scan.json")).find("$AUTHDIFF_HEADER_X_GATEWAY_KEY"),
            std::string::npos);
  // The -v log went to stderr: a line per request, naming who sent it.
  EXPECT_NE(runs[0].err.find(" as admin -> "), std::string::npos) << runs[0].err.substr(0, 2000);
  EXPECT_NE(runs[1].err.find(" as "), std::string::npos) << runs[1].err.substr(0, 2000);

  std::vector<std::pair<std::string, std::string>> secrets;  // what, form
  std::map<std::string, std::string> planted = canaries;
  for (const auto& [k, v] : target.env()) planted[k] = v;
  for (const auto& [name, value] : planted) {
    for (const auto& form : encodings(value)) secrets.emplace_back(name, form);
  }
  const auto personal = demo_personal_data(target);
  ASSERT_GE(personal.size(), 20u) << "the demo API's personal data was not read";
  for (const auto& value : personal) secrets.emplace_back("personal data", value);
  for (const auto& path : files) {
    const std::string text = read(path);
    EXPECT_FALSE(text.empty()) << path << " was not written";
    for (const auto& [name, form] : secrets)
      EXPECT_EQ(text.find(form), std::string::npos)
          << name << " (" << form << ") leaked into " << path;
  }
  for (const auto& r : runs) {
    for (const auto& [name, form] : secrets) {
      EXPECT_EQ(r.out.find(form), std::string::npos) << name << " (" << form << ") on stdout";
      EXPECT_EQ(r.err.find(form), std::string::npos) << name << " (" << form << ") on stderr";
    }
  }
}

}  // namespace
}  // namespace authdiff::test
