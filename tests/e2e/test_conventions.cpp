// Detection that holds on APIs written to conventions other than the demo's. Each server under
// tests/servers/ has a ground-truth file (tests/data/<name>.ground-truth.json) naming its
// deliberate weaknesses and its correctly protected operations; a scan written from the README
// alone (its config under tests/data/configs/) must find every weakness and report nothing above
// `info` on any protected operation. Only loopback servers the test starts are contacted.
#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "../support/process.hpp"
#include "../support/server_process.hpp"

namespace authdiff::test {
namespace {

using nlohmann::json;

const std::string k_bin = AUTHDIFF_BINARY;
const std::string k_src = AUTHDIFF_SOURCE_DIR;
const std::string k_data = AUTHDIFF_TEST_DATA;

std::string temp_dir(const std::string& name) {
  std::string pattern = ::testing::TempDir() + "/authdiff-conventions-" + name + "-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp " + pattern);
  return pattern;
}

json ground_truth(const std::string& name) {
  const json truth =
      json::parse(read_text(k_data + "/" + name + ".ground-truth.json"), nullptr, false);
  if (!truth.is_object()) throw std::runtime_error(name + ".ground-truth.json does not parse");
  return truth;
}

struct Scan {
  ProcessResult process;
  json report;
};

// Scan `truth`'s server (started with `server_args`) with its spec and config, as its README
// user would: every report, unsafe methods only where `extra` says.
Scan scan(const json& truth, const std::vector<std::string>& server_args = {},
          const std::vector<std::string>& extra = {}) {
  std::vector<std::string> argv = {"/usr/bin/python3",
                                   k_src + "/" + truth.at("target").get<std::string>()};
  argv.insert(argv.end(), server_args.begin(), server_args.end());
  ServerProcess server(argv);
  const std::string dir = temp_dir(truth.value("name", "server"));
  std::map<std::string, std::string> env;
  for (const auto& [k, v] : truth.at("environment").items()) env[k] = v.get<std::string>();
  std::vector<std::string> cmd = {k_bin,
                                  "scan",
                                  "--spec",
                                  k_src + "/" + truth.at("spec").get<std::string>(),
                                  "--config",
                                  k_src + "/" + truth.at("config").get<std::string>(),
                                  "--base-url",
                                  server.url(),
                                  "-q",
                                  "--json",
                                  dir + "/report.json",
                                  "--junit",
                                  dir + "/junit.xml"};
  cmd.insert(cmd.end(), extra.begin(), extra.end());
  Scan s;
  s.process = run_process(cmd, env, 600);
  s.report = json::parse(read_text(dir + "/report.json"), nullptr, false);
  return s;
}

std::string op_key(const json& finding) {
  return finding.value("method", "") + " " + finding.value("path", "");
}

// Every weakness found by its check; nothing above info on a protected operation; on a
// weakness's operation only its own check or those the truth says may also fire.
void expect_matches_ground_truth(const json& truth, const Scan& s) {
  ASSERT_TRUE(s.report.is_object()) << s.process.out << s.process.err;
  const json& findings = s.report.at("findings");
  for (const auto& w : truth.at("weaknesses")) {
    const std::string key = w.value("method", "") + " " + w.value("path", "");
    const bool found = std::any_of(findings.begin(), findings.end(), [&](const json& f) {
      return op_key(f) == key && f.value("check", "") == w.value("check", "");
    });
    EXPECT_TRUE(found) << w.value("id", "") << " (" << w.value("check", "") << " " << key
                       << ") not found:\n"
                       << s.process.out;
  }
  std::set<std::string> protected_ops;
  for (const auto& p : truth.at("protected")) protected_ops.insert(p.get<std::string>());
  for (const auto& f : findings) {
    if (f.value("severity", "") == "info") continue;
    const std::string key = op_key(f);
    EXPECT_FALSE(protected_ops.contains(key))
        << "false positive on protected " << key << ": " << f.value("check", "") << " "
        << f.value("reason", "") << "\n"
        << f.dump();
    bool allowed = false;
    for (const auto& w : truth.at("weaknesses")) {
      if (w.value("method", "") + " " + w.value("path", "") != key) continue;
      std::vector<std::string> checks = {w.value("check", "")};
      for (const auto& c : w.value("may_also_flag", json::array())) checks.push_back(c);
      allowed =
          allowed || std::find(checks.begin(), checks.end(), f.value("check", "")) != checks.end();
    }
    EXPECT_TRUE(allowed || protected_ops.contains(key))
        << "a finding the ground truth does not name: " << f.dump();
  }
}

TEST(Conventions, ShopWithObjectIdsOneIdNameOwnerFieldsAndTokensWithTheirScheme) {
  const json truth = ground_truth("shop");
  const Scan s = scan(truth);
  EXPECT_EQ(s.process.exit_code, 1) << s.process.out << s.process.err;
  expect_matches_ground_truth(truth, s);
  ASSERT_TRUE(s.report.is_object());
  // The sign-in's "Bearer <token>" went out with one scheme and the client key beside it: every
  // credential is proven on an operation that refuses a caller without one.
  EXPECT_EQ(s.report["run"]["warnings"], json::array()) << s.report["run"]["warnings"].dump();
  EXPECT_EQ(s.report.value("could_not_conclude", "?"), "");
  // Owned IDs were learned per resource, from the data (no owns, no user_id in the config).
  std::set<std::string> resources;
  for (const auto& d : s.report["run"]["discovered"])
    resources.insert(d.value("identity", "") + " " + d.value("resource", ""));
  for (const std::string expected :
       {"alice /api/carts", "bob /api/carts", "alice /api/orders", "alice /api/users"})
    EXPECT_TRUE(resources.contains(expected))
        << expected << " in " << s.report["run"]["discovered"].dump();
}

}  // namespace
}  // namespace authdiff::test
