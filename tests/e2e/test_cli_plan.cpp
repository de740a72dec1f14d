// The authdiff binary as users and pipelines run it: help, exit codes, messages, plan output.
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "../support/process.hpp"
#include "../support/temp_dir.hpp"

namespace authdiff::test {
namespace {

const std::string k_bin = AUTHDIFF_BINARY;
const std::string k_src = AUTHDIFF_SOURCE_DIR;

const std::map<std::string, std::string> k_clinic_env = {
    {"CLINIC_PATIENT_A_TOKEN", "canary-token-a"},
    {"CLINIC_PATIENT_B_TOKEN", "canary-token-b"},
    {"CLINIC_DOCTOR_TOKEN", "canary-token-doctor"},
    {"CLINIC_EXPORT_KEY", "canary-export-key"}};

ProcessResult authdiff(std::vector<std::string> args,
                       const std::map<std::string, std::string>& env = {}) {
  args.insert(args.begin(), k_bin);
  return run_process(args, env);
}

TEST(Cli, HelpListsCommandsAndExitCodes) {
  const auto r = authdiff({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("plan"), std::string::npos);
  EXPECT_NE(r.out.find("Exit codes"), std::string::npos);
  const auto plan = authdiff({"plan", "--help"});
  EXPECT_EQ(plan.exit_code, 0);
  for (const char* option : {"--spec", "--config", "--format", "--base-url", "--allow-unsafe"}) {
    EXPECT_NE(plan.out.find(option), std::string::npos) << option;
  }
}

TEST(Audit, EveryStaticRuleFiresWhereItShouldAndNowhereElse) {
  const TempDir temp("audit");
  const std::string dir = temp.path();
  const auto r = authdiff({"audit", "--spec", k_src + "/tests/data/specs/audit.yaml", "--json",
                           dir + "/audit.json", "--junit", dir + "/audit.xml", "--sarif",
                           dir + "/audit.sarif"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;  // low findings fail at the default --fail-on
  const auto report = nlohmann::json::parse(read_text(dir + "/audit.json"));
  std::multiset<std::string> fired;
  const auto findings = report["findings"];
  for (const auto& f : findings) {
    EXPECT_EQ(f["check"], "audit");
    EXPECT_EQ(f["curl"], "");  // nothing to send
    fired.insert(f["method"].get<std::string>() + " " + f["path"].get<std::string>() + " " +
                 f["parameter"].get<std::string>());
  }
  const std::multiset<std::string> expected = {
      "GET /open no-security",          "GET /open public-sensitive-fields",
      "GET /items plain-http-server",   "GET /items api-key-in-query",
      "GET /items unbounded-page-size", "GET /items/{itemId} sequential-ids"};
  EXPECT_EQ(fired, expected);
  EXPECT_EQ(report["run"]["command"], "audit");
  EXPECT_EQ(report["run"]["requests"], 0);
  EXPECT_NE(r.out.find("api.example.com"), std::string::npos) << r.out;  // not localhost
  // (plain-http-server is one finding for the spec, on its first operation.)
  // The same reports as a scan: JUnit that the strict schema accepts.
  const auto xml = run_process({"/usr/bin/xmllint", "--noout", "--schema",
                                k_src + "/../shared/schemas/junit-ant.xsd", dir + "/audit.xml"});
  EXPECT_EQ(xml.exit_code, 0) << xml.err;

  // The bundled spec has only integer IDs to mention: info, below the default --fail-on.
  const auto canteen = authdiff({"audit", "--spec", k_src + "/specs/canteen.yaml"});
  EXPECT_EQ(canteen.exit_code, 0) << canteen.out << canteen.err;
  EXPECT_NE(canteen.out.find("sequential-ids"), std::string::npos);
  EXPECT_EQ(
      authdiff({"audit", "--spec", k_src + "/specs/canteen.yaml", "--fail-on", "info"}).exit_code,
      1);
}

TEST(Cli, VersionPrintsTheProjectVersionAndTheCommit) {
  const auto r = authdiff({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  std::smatch m;
  ASSERT_TRUE(std::regex_match(
      r.out, m,
      std::regex(R"(authdiff ([0-9.]+) \(commit ([0-9a-f]{12,40}(-modified)?|unknown)\)\n)")))
      << r.out;
  EXPECT_EQ(m[1], AUTHDIFF_VERSION);
  // Built from a git checkout: the commit is that checkout's HEAD.
  const auto head =
      run_process({"/usr/bin/git", "-C", AUTHDIFF_SOURCE_DIR, "rev-parse", "--short=12", "HEAD"});
  if (head.exit_code == 0 && m[2] != "unknown") {
    EXPECT_EQ(m[2].str().substr(0, m[2].str().find('-')) + "\n", head.out)
        << "rebuild: HEAD moved since the build";
  }
}

TEST(Cli, BadUsageExitsTwo) {
  EXPECT_EQ(authdiff({}).exit_code, 2);
  EXPECT_EQ(authdiff({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(authdiff({"plan"}).exit_code, 2);  // --spec is required
  EXPECT_EQ(authdiff({"plan", "--spec", "/nonexistent.yaml"}).exit_code, 2);
  EXPECT_EQ(authdiff({"plan", "--spec", k_src + "/specs/clinic.yaml", "--format", "xml"}).exit_code,
            2);
  const auto url =
      authdiff({"plan", "--spec", k_src + "/specs/clinic.yaml", "--base-url", "ftp://x"});
  EXPECT_EQ(url.exit_code, 2);
  EXPECT_NE(url.err.find("scheme must be http or https"), std::string::npos);
}

TEST(Cli, BrokenSpecsExitTwoWithFileLineAndColumn) {
  const auto yaml =
      authdiff({"plan", "--spec", k_src + "/tests/data/specs/broken/bad-indent.yaml"});
  EXPECT_EQ(yaml.exit_code, 2);
  EXPECT_NE(yaml.err.find("bad-indent.yaml:4:"), std::string::npos) << yaml.err;
  const auto json =
      authdiff({"plan", "--spec", k_src + "/tests/data/specs/broken/trailing-comma.json"});
  EXPECT_EQ(json.exit_code, 2);
  EXPECT_NE(json.err.find("trailing-comma.json:5:"), std::string::npos) << json.err;
  const auto dangling =
      authdiff({"plan", "--spec", k_src + "/tests/data/specs/broken/dangling.yaml"});
  EXPECT_EQ(dangling.exit_code, 2);
  EXPECT_NE(dangling.err.find("#/components/schemas/Missing"), std::string::npos);
}

TEST(Cli, ConfigErrorsExitTwoWithFileAndLine) {
  const std::string spec = k_src + "/specs/clinic.yaml";
  const auto typo =
      authdiff({"plan", "--spec", spec, "--config", k_src + "/tests/data/configs/typo.toml"});
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_NE(typo.err.find("typo.toml:4:1: unknown key \"concurency\" in [limits] (did you mean "
                          "\"concurrency\"?)"),
            std::string::npos)
      << typo.err;
  const auto missing =
      authdiff({"plan", "--spec", spec, "--config", k_src + "/specs/clinic.authdiff.toml"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("environment variable CLINIC_PATIENT_A_TOKEN is not set"),
            std::string::npos)
      << missing.err;
}

TEST(Cli, PlanJsonIsTheDocumentedShape) {
  const auto r = authdiff({"plan", "--spec", k_src + "/specs/clinic.yaml", "--config",
                           k_src + "/specs/clinic.authdiff.toml", "--format", "json"},
                          k_clinic_env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto plan = nlohmann::json::parse(r.out);
  EXPECT_EQ(plan["authdiff_plan"], 1);
  EXPECT_EQ(plan["base_url"], "http://127.0.0.1:8080/api/v1");
  ASSERT_EQ(plan["operations"].size(), 9u);
  for (const auto& op : plan["operations"]) {
    for (const char* key : {"method", "path", "operationId", "security", "parameters", "probes"}) {
      EXPECT_TRUE(op.contains(key)) << key;
    }
    EXPECT_TRUE(op["probes"].is_array());
  }
  const auto& first = plan["operations"][0];
  EXPECT_EQ(first["method"], "GET");
  EXPECT_EQ(first["path"], "/departments");
  EXPECT_TRUE(first["security"]["public"].get<bool>());
  // Identities appear by name only.
  EXPECT_EQ(r.out.find("canary-"), std::string::npos);
  EXPECT_EQ(r.err.find("canary-"), std::string::npos);
}

TEST(Cli, PlanTextToAFile) {
  const TempDir temp("plan-text");
  const std::string out = temp.file("plan.txt");
  const auto r = authdiff({"plan", "--spec", k_src + "/specs/clinic.yaml", "-o", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.empty());
  FILE* f = std::fopen(out.c_str(), "r");
  ASSERT_NE(f, nullptr);
  char buf[256] = {};
  ASSERT_NE(std::fgets(buf, sizeof buf, f), nullptr);
  std::fclose(f);
  EXPECT_NE(std::string(buf).find("\"Clinic appointments\" 1.4.0, OpenAPI 3.1.0, 9 operations"),
            std::string::npos)
      << buf;
}

// `init` writes a config that loads as it is (once its variables are set) for specs with
// bearer, API-key and OpenAPI-2 schemes, and says what it found.
TEST(Cli, InitWritesAStarterConfigThatLoads) {
  const std::map<std::string, std::string> env = {{"ADMIN_TOKEN", "a"},   {"ALICE_TOKEN", "b"},
                                                  {"BOB_TOKEN", "c"},     {"ADMIN_API_KEY", "a"},
                                                  {"ALICE_API_KEY", "b"}, {"BOB_API_KEY", "c"}};
  for (const std::string spec : {"specs/canteen.yaml", "specs/clinic.yaml",
                                 "tests/data/specs/notes.yaml", "tests/data/specs/scenario.yaml"}) {
    const TempDir temp("init");
    const std::string out = temp.file("authdiff-init.toml");
    const auto init = authdiff({"init", "--spec", k_src + "/" + spec, "-o", out});
    ASSERT_EQ(init.exit_code, 0) << spec << ": " << init.err;
    const auto plan = authdiff({"plan", "--spec", k_src + "/" + spec, "--config", out}, env);
    EXPECT_EQ(plan.exit_code, 0) << spec << ": " << plan.err;
    std::ifstream in(out);
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_NE(text.str().find("[identities.alice]"), std::string::npos) << spec;
    EXPECT_NE(text.str().find("# Security schemes in the spec:"), std::string::npos) << spec;
  }
  const auto canteen = authdiff({"init", "--spec", k_src + "/specs/canteen.yaml"});
  EXPECT_NE(canteen.out.find("#   orderId: GET /api/orders/{orderId}"), std::string::npos)
      << canteen.out;
  EXPECT_NE(canteen.out.find("#   GET /api/menu"), std::string::npos) << canteen.out;
  EXPECT_NE(canteen.out.find("# match = [\"* /api/admin/*\"]"), std::string::npos) << canteen.out;
  const auto missing = authdiff({"init", "--spec", k_src + "/tests/data/specs/broken/none.yaml"});
  EXPECT_EQ(missing.exit_code, 2);
}

// A spec that declares no security at all: `init` says so and suggests the team's policy by path
// family, instead of listing every operation as public.
TEST(Cli, InitOnASpecWithoutSecuritySuggestsRulesByPathFamily) {
  const auto init = authdiff({"init", "--spec", k_src + "/tests/data/specs/clinic-api.yaml"});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  EXPECT_NE(init.out.find("declares security on only 0 of 10 operations"), std::string::npos)
      << init.out;
  EXPECT_NE(
      init.out.find("# match = [\"* /v1/admin\", \"* /v1/admin/*\"]\n# access = \"level >= 10\""),
      std::string::npos)
      << init.out;
  EXPECT_NE(init.out.find("# match = [\"* /v1/appointments\", \"* /v1/appointments/*\"]\n"
                          "# access = \"owner\""),
            std::string::npos)
      << init.out;
  EXPECT_NE(init.out.find("# match = [\"* /v1/auth\", \"* /v1/auth/*\"]\n# access = \"public\""),
            std::string::npos)
      << init.out;
  // Nothing is listed as public where the spec says nothing.
  const auto publics = init.out.find("authdiff does not probe them:\n#   none");
  EXPECT_NE(publics, std::string::npos) << init.out;
}

// The plan says which guarded operations no check will test as planned, and why.
TEST(Cli, PlanSaysWhatWillNotBeTested) {
  const std::map<std::string, std::string> env = {{"CLINIC_PATIENT1_PW", "a"},
                                                  {"CLINIC_PATIENT2_PW", "b"},
                                                  {"CLINIC_DOCTOR_PW", "c"},
                                                  {"CLINIC_ADMIN_PW", "d"}};
  const auto plan = authdiff({"plan", "--spec", k_src + "/tests/data/specs/clinic-api.yaml",
                              "--config", k_src + "/tests/data/configs/clinic-api.toml"},
                             env);
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  const auto at = plan.out.find("GET /v1/records/{id}");
  ASSERT_NE(at, std::string::npos) << plan.out;
  EXPECT_NE(plan.out.find("not tested  no object IDs yet: discovery learns them at scan time", at),
            std::string::npos)
      << plan.out;
}

TEST(Cli, WebFuzzingCommonsAuthFilesAreImportedOrRefusedWithTheirName) {
  const TempDir temp("wfc");
  const std::string dir = temp.path();
  std::ofstream(dir + "/wfc.json") << R"({"auth": [
    {"name": "alice", "fixedHeaders": [{"name": "Authorization", "value": "Bearer token-alice"}]},
    {"name": "bob smith", "fixedHeaders": [{"name": "X-Api-Key", "value": "key-bob"}]}]})";
  std::ofstream(dir + "/wfc.toml") << "wfc_auth = \"wfc.json\"\n[identities.alice]\nlevel = 2\n";
  const auto ok = authdiff({"plan", "--spec", k_src + "/tests/data/specs/scenario.yaml", "--config",
                            dir + "/wfc.toml", "--format", "json"});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  const auto plan = nlohmann::json::parse(ok.out);
  EXPECT_EQ(plan["identities"][0]["name"], "alice");
  EXPECT_EQ(plan["identities"][0]["level"], 2);
  EXPECT_EQ(plan["identities"][1]["name"], "bob_smith");
  EXPECT_EQ(ok.out.find("token-alice"), std::string::npos);

  std::ofstream(dir + "/wfc-bad.json") << R"({"auth": [{"name": "carol"}]})";
  std::ofstream(dir + "/wfc-bad.toml") << "wfc_auth = \"wfc-bad.json\"\n";
  const auto bad = authdiff({"plan", "--spec", k_src + "/tests/data/specs/scenario.yaml",
                             "--config", dir + "/wfc-bad.toml"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("wfc-bad.json: auth[0] (carol): no fixedHeaders and no loginEndpointAuth"),
            std::string::npos)
      << bad.err;
}

}  // namespace
}  // namespace authdiff::test
