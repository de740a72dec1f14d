// Detection that holds on APIs written to conventions other than the demo's. Each server under
// tests/servers/ has a ground-truth file (tests/data/<name>.ground-truth.json) naming its
// deliberate weaknesses and its correctly protected operations; a scan written from the README
// alone (its config under tests/data/configs/) must find every weakness and report nothing above
// `info` on any protected operation. Only loopback servers the test starts are contacted.
#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "../support/http_client.hpp"
#include "../support/process.hpp"
#include "../support/server_process.hpp"
#include "../support/temp_dir.hpp"

namespace authdiff::test {
namespace {

using nlohmann::json;

const std::string k_bin = AUTHDIFF_BINARY;
const std::string k_src = AUTHDIFF_SOURCE_DIR;
const std::string k_data = AUTHDIFF_TEST_DATA;

// Bounds against a hang only, far above what a loaded CI machine needs (a scan here takes
// seconds, a request milliseconds): never a measure of speed. The configs' own 30 s per request
// is raised to the same two minutes as every other test's.
constexpr double k_scan_limit_s = 600;
const std::string k_request_timeout_s = "120";

// A fresh directory of this process's own (removed when it exits).
std::string temp_dir(const std::string& name) {
  return process_temp_dir().make_dir("conventions-" + name);
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
  std::string dir;  // report.json and junit.xml are here
};

// Start `truth`'s server with `args`.
std::unique_ptr<ServerProcess> start(const json& truth, const std::vector<std::string>& args = {}) {
  std::vector<std::string> argv = {"/usr/bin/python3",
                                   k_src + "/" + truth.at("target").get<std::string>()};
  argv.insert(argv.end(), args.begin(), args.end());
  return std::make_unique<ServerProcess>(argv);
}

// Scan `server` with `truth`'s spec and config, as its README user would: every report, unsafe
// methods where the truth says so; `extra` arguments last.
Scan scan(const json& truth, const ServerProcess& server,
          const std::vector<std::string>& extra = {}) {
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
                                  dir + "/junit.xml",
                                  "--timeout",
                                  k_request_timeout_s};
  if (truth.value("unsafe", false)) cmd.push_back("--allow-unsafe");
  cmd.insert(cmd.end(), extra.begin(), extra.end());
  Scan s;
  s.dir = dir;
  s.process = run_process(cmd, env, k_scan_limit_s);
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
  const auto server = start(truth);
  const Scan s = scan(truth, *server);
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

// Correctly protected throughout, with conventions that misled the tester before: UUIDs under
// `{id}` on every route, a spec that declares no security at all (the config carries the
// policy), owner fields named patientRef and subject.ref, a shared notice board declared
// `authenticated`, each patient's own resident ID, bank card and phone in their own records,
// one hotline number repeated a hundred times, lists paginated by offset. Nothing above info,
// exit 0, and every guarded operation actually tested.
TEST(Conventions, CorrectlyProtectedClinicIsGreenAndTested) {
  const json truth = ground_truth("clinic-api");
  const auto server = start(truth);
  const Scan s = scan(truth, *server);
  EXPECT_EQ(s.process.exit_code, 0) << s.process.out << s.process.err;
  expect_matches_ground_truth(truth, s);
  ASSERT_TRUE(s.report.is_object());
  EXPECT_EQ(s.report.value("could_not_conclude", "?"), "");
  EXPECT_EQ(s.report["run"]["warnings"], json::array()) << s.report["run"]["warnings"].dump();
  EXPECT_EQ(s.report["summary"].value("inconclusive", -1), 0) << s.process.out;
  // The owner-only routes were probed with each patient's own objects, learned from the lists.
  std::map<std::string, int> enforced;
  for (const auto& p : s.report["probes"]) {
    if (p["verdict"].value("state", "") == "enforced" && p.value("check", "") == "cross-owner")
      ++enforced[s.report["operations"][p.value("operation", 0)].value("path", "")];
  }
  EXPECT_GT(enforced["/v1/appointments/{id}"], 0);
  EXPECT_GT(enforced["/v1/records/{id}"], 0);
}

// The database is reseeded between the scan and the recheck: every ID changes. The recheck signs
// in and discovers again, moves each finding onto the same owner's object of the same resource,
// and finds every weakness still open: none is called "fixed" because its old ID is gone.
TEST(Conventions, RecheckAfterAReseedMapsObjectsByRoleAndFixesNothingFalsely) {
  const json truth = ground_truth("shop");
  const std::string dir = temp_dir("recheck");
  std::string earlier;
  {
    const auto server = start(truth, {"--seed", "1"});
    const Scan s = scan(truth, *server);
    ASSERT_EQ(s.process.exit_code, 1) << s.process.out << s.process.err;
    earlier = s.dir + "/report.json";
  }
  const auto reseeded = start(truth, {"--seed", "2"});
  std::map<std::string, std::string> env;
  for (const auto& [k, v] : truth.at("environment").items()) env[k] = v.get<std::string>();
  const auto r = run_process(
      {k_bin, "recheck", "--report", earlier, "--config",
       k_src + "/" + truth.at("config").get<std::string>(), "--base-url", reseeded->url(),
       "--timeout", k_request_timeout_s, "-q", "--json", dir + "/recheck.json"},
      env, k_scan_limit_s);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  const json report = json::parse(read_text(dir + "/recheck.json"), nullptr, false);
  ASSERT_TRUE(report.is_object()) << r.out << r.err;
  const json& previous = report["compared_with"]["previous"];
  ASSERT_FALSE(previous.empty());
  std::set<std::string> open;
  for (const auto& p : previous) {
    EXPECT_NE(p.value("outcome", ""), "fixed") << p.dump() << "\n" << r.out;
    if (p.value("outcome", "") == "still failing") open.insert(p.value("operation", ""));
  }
  for (const auto& w : truth.at("weaknesses")) {
    const std::string key = w.value("method", "") + " " + w.value("path", "");
    EXPECT_TRUE(open.contains(key)) << key << " is not still open after the reseed:\n" << r.out;
  }
}

// Writes under --allow-unsafe (an issue tracker, Django REST style: prefixed string IDs,
// snake_case parameters, a unique slug per ticket, DRF pages): each PUT, PATCH and DELETE acts
// on an object made for it and is judged by reading it back; nothing real is touched, and
// everything made is deleted again.
TEST(Conventions, TrackerWritesAreJudgedOnObjectsMadeForThem) {
  const json truth = ground_truth("tracker");
  const auto server = start(truth);
  const json seeded = http("GET", server->url() + "/__state").json();
  ASSERT_TRUE(seeded.is_object());
  const Scan s = scan(truth, *server);
  EXPECT_EQ(s.process.exit_code, 1) << s.process.out << s.process.err;
  expect_matches_ground_truth(truth, s);
  ASSERT_TRUE(s.report.is_object());
  // The anonymous DELETE answers 204 with no body: it is the read-back that tells.
  bool read_back = false;
  for (const auto& f : s.report["findings"]) {
    if (f.value("check", "") == "no-auth" && f.value("method", "") == "DELETE")
      read_back = f.value("reason", "").find("read back by its owner the object is gone") !=
                  std::string::npos;
  }
  EXPECT_TRUE(read_back) << s.process.out;
  // Every real ticket and user is as it was; nothing made for the writes is left behind.
  const json now = http("GET", server->url() + "/__state").json();
  ASSERT_TRUE(now.is_object());
  EXPECT_EQ(now["users"], seeded["users"]);
  EXPECT_EQ(now["tickets"], seeded["tickets"]) << now["tickets"].dump(1);
  for (const auto& c : s.report["run"]["created"]) {
    const std::string removal = c.value("removal", "");
    EXPECT_TRUE(removal == "deleted" || removal == "already gone") << c.dump();
  }
  // What no identity can safely write to is not sent, and says why.
  EXPECT_NE(s.process.out.find("could not create an object for the write: POST /api/users"),
            std::string::npos)
      << s.process.out;
}

}  // namespace
}  // namespace authdiff::test
