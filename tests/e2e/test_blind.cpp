// Never green when blind: a scan pointed at something that is not the API (a web front end that
// answers every path with its sign-in page, a stub answering {} to everything, a deployment
// answering 500) must exit 3, say why, and still write every report it was asked for, with the
// cause in it (JUnit: an <error>; JSON: could_not_conclude; SARIF: a notification). The demo
// spec and config are used as a CI job would, only the base URL is wrong
// (tests/servers/blind_server.py). Only loopback servers the test starts are contacted.
#include <algorithm>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "../support/process.hpp"
#include "../support/server_process.hpp"
#include "../support/temp_dir.hpp"

namespace authdiff::test {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

const std::string k_bin = AUTHDIFF_BINARY;
const std::string k_src = AUTHDIFF_SOURCE_DIR;
const std::string k_server = AUTHDIFF_BLIND_SERVER;

// Bounds against a hang only, far above what a loaded CI machine needs (a scan here takes
// seconds, a request milliseconds): never a measure of speed.
constexpr double k_scan_limit_s = 600;
const std::string k_request_timeout_s = "120";
// The demo config's 200 requests per second is politeness towards a real API; this server is
// the test's own, and what it answers does not depend on the pace.
const std::string k_rate = "1000";

// A fresh directory of this process's own (removed when it exits).
std::string temp_dir(const std::string& name) {
  return process_temp_dir().make_dir("blind-" + name);
}

struct Scan {
  ProcessResult process;
  std::string dir;
  json report;
};

// Scan the demo spec with the demo config (tokens that are only strings) against `mode`.
Scan scan_blind(const std::string& mode) {
  ServerProcess server({"/usr/bin/python3", k_server, "--mode", mode});
  Scan s;
  s.dir = temp_dir(mode);
  const std::map<std::string, std::string> env = {{"CANTEEN_ADMIN_TOKEN", "token-admin"},
                                                  {"CANTEEN_OPERATOR_TOKEN", "token-operator"},
                                                  {"CANTEEN_ZHANGWEI_TOKEN", "token-zhangwei"},
                                                  {"CANTEEN_LINA_TOKEN", "token-lina"}};
  // Generous per-request timeout: CI shares two cores with other tests.
  s.process = run_process({k_bin,
                           "scan",
                           "--spec",
                           k_src + "/specs/canteen.yaml",
                           "--config",
                           k_src + "/specs/canteen.authdiff.toml",
                           "--base-url",
                           server.url(),
                           "--timeout",
                           k_request_timeout_s,
                           "--rate",
                           k_rate,
                           "-q",
                           "--junit",
                           s.dir + "/junit.xml",
                           "--json",
                           s.dir + "/report.json",
                           "--sarif",
                           s.dir + "/report.sarif",
                           "--markdown",
                           s.dir + "/summary.md"},
                          env, k_scan_limit_s);
  s.report = json::parse(read_text(s.dir + "/report.json"), nullptr, false);
  return s;
}

// Every report names the cause; JUnit carries it as an error and still meets the Ant schema.
void expect_reports_say(const Scan& s, const std::string& cause) {
  ASSERT_TRUE(s.report.is_object()) << "no JSON report; stderr:\n" << s.process.err;
  const std::string why = s.report.value("could_not_conclude", "");
  EXPECT_NE(why.find(cause), std::string::npos) << why;
  const std::string junit = read_text(s.dir + "/junit.xml");
  EXPECT_NE(junit.find("<error message=\"the run could not conclude: "), std::string::npos)
      << junit.substr(0, 2000);
  EXPECT_NE(junit.find(cause), std::string::npos);
  const std::string xsd = k_src + "/../shared/schemas/junit-ant.xsd";
  if (fs::exists(xsd)) {
    const auto v =
        run_process({"/usr/bin/xmllint", "--noout", "--schema", xsd, s.dir + "/junit.xml"});
    EXPECT_EQ(v.exit_code, 0) << v.err;
  }
  const json sarif = json::parse(read_text(s.dir + "/report.sarif"), nullptr, false);
  ASSERT_TRUE(sarif.is_object());
  const auto& notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"];
  ASSERT_TRUE(notes.is_array() && !notes.empty());
  EXPECT_EQ(notes[0]["level"], "error");
  EXPECT_NE(read_text(s.dir + "/summary.md").find("could not conclude"), std::string::npos);
  EXPECT_NE(s.process.out.find("could not conclude: "), std::string::npos) << s.process.out;
}

// Nothing the access checks judge against a baseline is counted as enforced where nothing
// could be told apart.
void expect_no_access_probe_enforced(const Scan& s) {
  const std::vector<std::string> access = {
      "no-auth", "weaker-identity", "cross-owner", "enumerate", "tampered-token", "bypass", "bulk"};
  std::size_t judged = 0;
  for (const auto& p : s.report["probes"]) {
    if (std::find(access.begin(), access.end(), p.value("check", "")) == access.end()) continue;
    ++judged;
    EXPECT_NE(p["verdict"].value("state", ""), "enforced") << p.dump();
  }
  EXPECT_GT(judged, 0u);
}

TEST(Blind, AFrontEndPageForEveryPathIsExit3NotGreen) {
  const Scan s = scan_blind("html");
  EXPECT_EQ(s.process.exit_code, 3) << s.process.out << s.process.err;
  expect_reports_say(s, "could be told from a denial");
  ASSERT_TRUE(s.report.is_object());
  for (const auto& f : s.report["findings"]) EXPECT_EQ(f.value("check", ""), "audit") << f.dump();
  expect_no_access_probe_enforced(s);
  // The credentials the run used were never proven.
  EXPECT_NE(s.process.err.find("is unproven"), std::string::npos) << s.process.err;
}

TEST(Blind, AnEmptyObjectForEveryPathIsExit3NotGreen) {
  const Scan s = scan_blind("empty-object");
  EXPECT_EQ(s.process.exit_code, 3) << s.process.out << s.process.err;
  expect_reports_say(s, "could be told from a denial");
  expect_no_access_probe_enforced(s);
}

TEST(Blind, AServerErrorForEveryPathIsNamedAsSuch) {
  const Scan s = scan_blind("server-error");
  EXPECT_EQ(s.process.exit_code, 3) << s.process.out << s.process.err;
  expect_reports_say(s, "server error");
  // It is the target, not somebody's credential.
  EXPECT_EQ(s.process.err.find("does not work"), std::string::npos) << s.process.err;
}

TEST(Blind, AnEmptySpecSaysItIsEmpty) {
  const std::string dir = temp_dir("empty-spec");
  const std::string spec = dir + "/empty.yaml";
  {
    std::FILE* f = std::fopen(spec.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("openapi: 3.0.3\ninfo: {title: empty, version: '1'}\npaths: {}\n", f);
    std::fclose(f);
  }
  ServerProcess server({"/usr/bin/python3", k_server, "--mode", "empty-object"});
  const auto r =
      run_process({k_bin, "scan", "--spec", spec, "--config",
                   k_src + "/specs/canteen.authdiff.toml", "--base-url", server.url(), "--timeout",
                   k_request_timeout_s, "--rate", k_rate, "-q", "--junit", dir + "/junit.xml"},
                  {{"CANTEEN_ADMIN_TOKEN", "a"},
                   {"CANTEEN_OPERATOR_TOKEN", "o"},
                   {"CANTEEN_ZHANGWEI_TOKEN", "z"},
                   {"CANTEEN_LINA_TOKEN", "l"}},
                  k_scan_limit_s);
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.err.find("declares no operations"), std::string::npos) << r.err;
  EXPECT_NE(read_text(dir + "/junit.xml").find("declares no operations"), std::string::npos);
}

}  // namespace
}  // namespace authdiff::test
