// authdiff against a server that misbehaves on purpose (tests/servers/hostile_server.py), one
// behaviour per route: each route is scanned with the real binary, next to the well-behaved
// GET /ok, and the run must survive it: end by itself (each request within its timeout), exit
// with a documented code, judge nothing it could not judge, write reports that parse, send no
// credential and no cookie anywhere it should not, and stay within idle + 64 MiB of memory.
// Only loopback servers the tests start and stop themselves are contacted.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
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
namespace fs = std::filesystem;

const std::string k_bin = AUTHDIFF_BINARY;
const std::string k_src = AUTHDIFF_SOURCE_DIR;
const std::string k_server = AUTHDIFF_HOSTILE_SERVER;
const std::string k_python = "/usr/bin/python3";
const std::string k_spec = std::string(AUTHDIFF_TEST_DATA) + "/specs/hostile.yaml";
const std::string k_config = std::string(AUTHDIFF_TEST_DATA) + "/configs/hostile.toml";

// hostile.toml: limits.timeout = "2s", max_items = 1000 (the default), max_inconclusive = 0.2.
// The short timeout is what ends the slow routes (/drip, /endless, /huge, /gzip-bomb): they keep
// it. Every other route is about what comes back, not how slowly, and is scanned with
// k_generous_timeout_s per request, so that a loaded machine cannot make /ok inconclusive.
constexpr double k_request_timeout_s = 2;
constexpr double k_generous_timeout_s = 120;
constexpr std::size_t k_max_items = 1000;
constexpr double k_max_inconclusive = 0.2;
// How far past its timeout (times its attempts) a request may end: far more than a loaded
// machine needs to notice a timeout, and far less than /drip's body takes (39 s) or /endless's
// (forever), so a timeout that is not applied still fails.
constexpr double k_request_slack_s = 20;
// Bounds against a hang only, never a measure of speed: a scan takes 1 to 15 s here, and one that
// does not give up on a hostile answer never ends at all. Past k_wall_bound_s it fails; at
// k_process_limit_s it is killed.
constexpr double k_wall_bound_s = 300;
constexpr double k_process_limit_s = 600;
#ifndef AUTHDIFF_SANITIZED
constexpr long k_memory_margin_kib = 64 * 1024;
#endif

// The unmasked mobile numbers GET /bad-utf8 answers (reports carry them masked, if at all).
const std::vector<std::string> k_mobiles = {"13912345678", "13987654321", "13711112222",
                                            "13633334444", "15855556666", "18677778888"};

// Every operation of hostile.yaml: a scan of one route skips all others but /ok (below).
const std::vector<std::string> k_routes = {"/ok",      "/huge",        "/big-list", "/gzip-bomb",
                                           "/endless", "/drip",        "/reset",    "/bad-utf8",
                                           "/deep",    "/big-headers", "/redirect", "/cookie"};

std::string random_token(const std::string& who) {
  std::random_device rd;
  std::mt19937_64 gen(rd());
  std::ostringstream out;
  out << "hostile-" << who << "-" << std::hex << gen() << gen();
  return out.str();
}

const std::string& alice_token() {
  static const std::string t = random_token("alice");
  return t;
}
const std::string& bob_token() {
  static const std::string t = random_token("bob");
  return t;
}
std::map<std::string, std::string> scan_env() {
  return {{"HOSTILE_ALICE_TOKEN", alice_token()}, {"HOSTILE_BOB_TOKEN", bob_token()}};
}

// A fresh directory of this process's own (removed when it exits).
std::string make_temp_dir(const std::string& name) {
  return process_temp_dir().make_dir("hostile-" + name);
}

// Whether `s` is well-formed UTF-8 (no overlong forms, surrogates or truncated sequences).
bool valid_utf8(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1Fu;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0Fu;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07u;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3Fu);
    }
    constexpr std::uint32_t k_min[] = {0, 0x80, 0x800, 0x10000};
    if (cp < k_min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

// What a scan of one route left behind.
struct Scan {
  std::string route;
  std::string dir;
  std::string base_url;
  ProcessResult run;
  json report;  // the JSON report; null when none was written
  json log;     // the server's GET /__log after the run; null when it did not answer
  std::string log_error;
};

struct TlsFiles {
  std::string cert, key;
};

// Scan `route` on a fresh server, with /ok next to it (its positive control; every other
// operation is skipped through the config), writing every report to a temp dir.
// `timeout`: seconds per request instead of hostile.toml's 2 (0 = the config's).
Scan scan_route(const std::string& route, const std::optional<TlsFiles>& tls = std::nullopt,
                double timeout = 0) {
  Scan s;
  s.route = route;
  std::string name = route.substr(1);
  if (tls) name += "-tls";
  s.dir = make_temp_dir(name);
  std::vector<std::string> server_argv = {k_python,  k_server,      "--port",  "0",
                                          "--token", alice_token(), "--token", bob_token()};
  if (tls) server_argv.insert(server_argv.end(), {"--tls-cert", tls->cert, "--tls-key", tls->key});
  ServerProcess server(server_argv);
  s.base_url = tls ? "https://127.0.0.1:" + std::to_string(server.port()) : server.url();

  std::string config = read_text(k_config);
  std::string skipped;
  for (const auto& r : k_routes) {
    if (r == route || r == "/ok") continue;
    skipped += std::string(skipped.empty() ? "" : ", ") + "\"GET " + r + "\"";
  }
  if (!skipped.empty()) {
    config += "\n# test_hostile.cpp: only " + route + " (and /ok, the positive control)\n";
    config += "[[expect]]\nmatch = [" + skipped + "]\nskip = true\n";
  }
  if (tls) config += "\n[target]\nca_file = \"" + tls->cert + "\"\n";
  const std::string config_path = s.dir + "/hostile.toml";
  std::ofstream(config_path) << config;

  std::vector<std::string> argv = {k_bin,        "scan",
                                   "--spec",     k_spec,
                                   "--config",   config_path,
                                   "--base-url", s.base_url,
                                   "--json",     s.dir + "/report.json",
                                   "--junit",    s.dir + "/junit.xml",
                                   "--sarif",    s.dir + "/report.sarif",
                                   "--markdown", s.dir + "/summary.md",
                                   "-q"};
  if (timeout > 0) argv.insert(argv.end(), {"--timeout", std::to_string(timeout)});
  s.run = run_process(argv, scan_env(), k_process_limit_s);
  if (fs::exists(s.dir + "/report.json")) {
    s.report = json::parse(read_text(s.dir + "/report.json"), nullptr, false);
  }
  // The server's log, asked after the run (the server must still be alive to answer it).
  if (tls) {
    const auto r = run_process(
        {"/usr/bin/curl", "-sS", "--max-time", "120", "--noproxy", "*", "--cacert", tls->cert,
         "--resolve", "other.invalid:" + std::to_string(server.port()) + ":127.0.0.1",
         "https://other.invalid:" + std::to_string(server.port()) + "/__log"},
        {}, 180);
    if (r.exit_code == 0) s.log = json::parse(r.out, nullptr, false);
    s.log_error = r.err;
  } else {
    const auto r = http("GET", server.url() + "/__log");
    if (r.status == 200) s.log = r.json();
    s.log_error = r.error;
  }
  return s;
}

// The probes of the report that belong to `route`.
std::vector<json> route_probes(const Scan& s) {
  std::vector<json> out;
  if (!s.report.is_object()) return out;
  const auto& ops = s.report["operations"];
  for (const auto& p : s.report["probes"]) {
    const auto op = p["operation"].get<std::size_t>();
    if (op < ops.size() && ops[op]["path"] == s.route) out.push_back(p);
  }
  return out;
}

std::map<std::string, int> state_counts(const std::vector<json>& probes) {
  std::map<std::string, int> counts;
  for (const auto& p : probes) ++counts[p["verdict"]["state"].get<std::string>()];
  return counts;
}

std::string describe(const json& probe) {
  std::string out = probe["check"].get<std::string>() + " / " + probe["kind"].get<std::string>() +
                    " as '" + probe["identity"].get<std::string>() +
                    "': " + probe["verdict"]["state"].get<std::string>() + " (" +
                    probe["verdict"]["reason"].get<std::string>() + ")";
  if (probe.contains("response") && probe["response"].is_object()) {
    out += " response " + probe["response"].dump();
  }
  return out;
}

// The run ended by itself, in time, with a documented exit code and no crash.
void expect_survived(const Scan& s) {
  EXPECT_FALSE(s.run.timed_out) << s.route << ": still running after " << k_process_limit_s
                                << " s\n"
                                << s.run.out << s.run.err;
  EXPECT_LT(s.run.seconds, k_wall_bound_s) << s.route << ": took " << s.run.seconds << " s";
  const std::set<int> documented = {0, 1, 3};  // 2 is bad usage: not what a server can cause
  EXPECT_TRUE(documented.contains(s.run.exit_code))
      << s.route << ": exit code " << s.run.exit_code << " (-1: killed by a signal)\n"
      << s.run.out << s.run.err;
  for (const std::string crash : {"Sanitizer", "terminate called", "Segmentation", "Aborted",
                                  "std::bad_alloc", "stack overflow", "internal error"}) {
    EXPECT_EQ(s.run.err.find(crash), std::string::npos) << s.route << ": " << s.run.err;
  }
  // Console output is for logs and terminals: no raw control bytes from the server.
  for (const std::string* text : {&s.run.out, &s.run.err}) {
    EXPECT_EQ(text->find('\0'), std::string::npos) << s.route << ": a NUL byte on the console";
    EXPECT_EQ(text->find('\x1b'), std::string::npos)
        << s.route << ": an escape sequence on a non-terminal console: " << *text;
    EXPECT_TRUE(valid_utf8(*text)) << s.route << ": console output is not UTF-8";
  }
}

// Every report that was written parses (JSON, JUnit XML, SARIF 2.1.0, UTF-8 Markdown), and no
// output holds a token or an unmasked mobile number of the server's answers.
void expect_reports_parse(const Scan& s) {
  const std::string json_path = s.dir + "/report.json";
  if (fs::exists(json_path)) {
    EXPECT_TRUE(s.report.is_object()) << s.route << ": report.json does not parse:\n"
                                      << read_text(json_path).substr(0, 2000);
    if (s.report.is_object()) {
      EXPECT_EQ(s.report.value("authdiff_report", 0), 1);
    }
  }
  const std::string junit = s.dir + "/junit.xml";
  if (fs::exists(junit)) {
    const auto r = run_process({"/usr/bin/xmllint", "--noout", junit});
    EXPECT_EQ(r.exit_code, 0) << s.route << ": junit.xml is not well-formed XML: " << r.err;
    const std::string xsd = k_src + "/../shared/schemas/junit-ant.xsd";
    if (fs::exists(xsd)) {
      const auto v = run_process({"/usr/bin/xmllint", "--noout", "--schema", xsd, junit});
      EXPECT_EQ(v.exit_code, 0) << s.route << ": junit.xml fails the Ant schema: " << v.err;
    }
  }
  const std::string sarif = s.dir + "/report.sarif";
  if (fs::exists(sarif)) {
    const json doc = json::parse(read_text(sarif), nullptr, false);
    EXPECT_TRUE(doc.is_object()) << s.route << ": report.sarif does not parse";
    if (doc.is_object()) {
      EXPECT_EQ(doc.value("version", ""), "2.1.0");
    }
    const auto v = run_process({k_python, k_src + "/tests/tools/validate_sarif.py", sarif,
                                "--schema", k_src + "/tests/data/schemas/sarif-2.1.0.json"},
                               {}, 300);
    EXPECT_EQ(v.exit_code, 0) << s.route << ": " << v.out << v.err;
  }
  const std::string md = s.dir + "/summary.md";
  if (fs::exists(md)) {
    const std::string text = read_text(md);
    EXPECT_TRUE(valid_utf8(text)) << s.route << ": summary.md is not UTF-8";
    EXPECT_EQ(text.find('\0'), std::string::npos) << s.route << ": a NUL byte in summary.md";
  }
  // No credential and no unmasked number of the server's answers in any output.
  std::vector<std::pair<std::string, std::string>> outputs = {{"stdout", s.run.out},
                                                              {"stderr", s.run.err}};
  for (const auto& f : {json_path, junit, sarif, md}) {
    if (fs::exists(f)) outputs.emplace_back(f, read_text(f));
  }
  for (const auto& [where, text] : outputs) {
    for (const auto& secret : {alice_token(), bob_token()}) {
      EXPECT_EQ(text.find(secret), std::string::npos) << s.route << ": a token in " << where;
    }
    for (const std::string& number : k_mobiles) {
      EXPECT_EQ(text.find(number), std::string::npos)
          << s.route << ": the unmasked mobile number " << number << " in " << where;
    }
  }
}

// Nothing reached the second listener; credentials went to the target only; no cookie the
// server set came back.
void expect_nothing_escaped(const Scan& s) {
  ASSERT_TRUE(s.log.is_object()) << s.route << ": the server did not answer /__log after the run ("
                                 << s.log_error << ")";
  EXPECT_EQ(s.log["connections"]["other"], 0) << s.route << ": " << s.log.dump(1);
  for (const auto& r : s.log["requests"]) {
    EXPECT_EQ(r["listener"], "main")
        << s.route << ": a request reached the other host: " << r.dump();
    const std::string target = r["target"];
    for (const auto& secret : {alice_token(), bob_token()}) {
      EXPECT_EQ(target.find(secret), std::string::npos) << s.route << ": a token in a URL";
    }
    for (const auto& h : r["headers"]) {
      std::string name = h[0];
      std::transform(name.begin(), name.end(), name.begin(), ::tolower);
      const std::string value = h[1];
      if (name == "cookie") {
        EXPECT_EQ(value.find("stolen"), std::string::npos)
            << s.route << ": the evil.example cookie was sent back: " << r.dump();
        EXPECT_EQ(value.find("session=abc"), std::string::npos)
            << s.route << ": the server's session cookie was sent back: " << r.dump();
      }
      if (name == "authorization") {
        EXPECT_EQ(r["listener"], "main") << s.route << ": a credential went elsewhere";
      }
    }
  }
}

// What may be said of a route's probes.
struct Expect {
  // The legitimate caller's answer cannot be judged (no complete 2xx): every probe of the
  // route is inconclusive (README: an unusable baseline, or no answer, is inconclusive).
  bool unusable = false;
  // bulk may report the list as unbounded (it is: more than max_items items).
  bool unbounded_list = false;
  // The answer carries three people's unmasked mobile numbers (and passwords) amid invalid
  // UTF-8: sensitive-data must report them (README: several people's phone numbers are a
  // finding for an ordinary caller, whether the answer is JSON or text), never call the
  // answer clean.
  bool personal_data = false;
  // Every probe of the route is enforced: the answer is well-formed and access enforced.
  bool all_enforced = false;
  std::set<int> exit_codes;
  double timeout = 0;  // seconds per request instead of hostile.toml's 2 (0: the 2 s)
};

void expect_verdicts(const Scan& s, const Expect& e) {
  ASSERT_TRUE(s.report.is_object())
      << s.route << ": no JSON report (exit " << s.run.exit_code << ")\n"
      << s.run.out << s.run.err;
  const auto probes = route_probes(s);
  ASSERT_FALSE(probes.empty()) << s.route << ": no probe of the route in the report";
  for (const auto& p : probes) {
    const std::string state = p["verdict"]["state"];
    const std::string check = p["check"];
    EXPECT_TRUE(state == "enforced" || state == "bypassed" || state == "inconclusive")
        << describe(p);
    const json& response = p["response"];
    const bool answered = response.is_object() && response.value("error", "").empty() &&
                          response.value("status", 0) != 0;
    if (p.value("static", false)) continue;  // audit: judged on the spec
    // limits.timeout is per request (each attempt): none may run far past it.
    if (response.is_object() && response.contains("seconds")) {
      const double attempts = std::max(1.0, response.value("attempts", 1.0));
      const double timeout = e.timeout > 0 ? e.timeout : k_request_timeout_s;
      EXPECT_LE(response["seconds"].get<double>(), attempts * timeout + k_request_slack_s)
          << s.route << ": a request ran past limits.timeout (" << timeout
          << " s): " << describe(p);
    }
    if (!answered) {
      EXPECT_EQ(state, "inconclusive")
          << s.route << ": a probe without an answer was judged: " << describe(p);
    }
    if (state == "bypassed") {
      const bool unbounded = e.unbounded_list && check == "bulk" &&
                             p["verdict"]["items"].is_number() &&
                             p["verdict"]["items"].get<double>() > k_max_items;
      const bool personal = e.personal_data && check == "sensitive-data";
      EXPECT_TRUE(unbounded || personal)
          << s.route << ": the server enforces access, yet: " << describe(p);
    }
    const bool has_victim =
        p.contains("victim") && p["victim"].is_string() && !p["victim"].get<std::string>().empty();
    if (e.unusable && has_victim) {
      const bool unbounded = e.unbounded_list && check == "bulk" && state == "bypassed";
      EXPECT_TRUE(state == "inconclusive" || unbounded)
          << s.route << ": nothing could be judged here, yet: " << describe(p);
    }
    if (e.personal_data && check == "sensitive-data" && answered) {
      EXPECT_NE(state, "enforced")
          << s.route << ": six unmasked mobile numbers of three people, yet: " << describe(p);
      if (state == "bypassed") {
        const auto& data = p["verdict"]["data"];
        EXPECT_NE(std::find(data.begin(), data.end(), "mobile"), data.end())
            << s.route << ": the mobile numbers are not named: " << describe(p);
      }
    }
    if (e.all_enforced) {
      EXPECT_EQ(state, "enforced") << s.route << ": " << describe(p);
    }
  }
  // The exit code agrees with the summary: never green with too much undecided.
  const auto& sum = s.report["summary"];
  const double probes_n = sum["probes"].get<double>();
  const double share = probes_n > 0 ? sum["inconclusive"].get<double>() / probes_n : 1.0;
  if (s.run.exit_code == 0) {
    EXPECT_EQ(sum["failing"], 0) << s.route;
    EXPECT_LE(share, k_max_inconclusive) << s.route << ": green with " << sum.dump();
  }
  if (share > k_max_inconclusive) {
    EXPECT_EQ(s.run.exit_code, 3) << s.route << ": " << sum.dump() << "\n" << s.run.err;
  }
  EXPECT_TRUE(e.exit_codes.contains(s.run.exit_code))
      << s.route << ": exit " << s.run.exit_code << "\n"
      << s.run.out << s.run.err;
}

std::string mib(long kib) {
  std::ostringstream out;
  out.precision(1);
  out << std::fixed << static_cast<double>(kib) / 1024 << " MiB";
  return out.str();
}

// The routes whose scans spend seconds in timeouts and retries (about 45 s one after another,
// mostly waiting): the suite scans them side by side from its start, each on its own server,
// and their tests judge those scans exactly as check() judges any other. Test, route, and the
// request timeout its test gives.
struct SlowRoute {
  const char* test;
  const char* route;
  double timeout;
};
const SlowRoute k_slow_routes[] = {
    {"HugeBody", "/huge", 0},
    {"FiftyMegabyteListIsCountedExactlyWithinTheCap", "/big-list", k_generous_timeout_s},
    {"GzipBomb", "/gzip-bomb", 0},
    {"EndlessChunkedBody", "/endless", 0},
    {"OneBytePerSecond", "/drip", 0},
    {"ConnectionResetHalfway", "/reset", k_generous_timeout_s},
};

class Hostile : public ::testing::Test {
 protected:
  // The idle figure: a scan of /ok alone, on the same server. (One ctest runs the whole suite,
  // e2e.hostile: this scan is made once.) Then the slow routes' scans start, for the tests
  // that will run.
  static void SetUpTestSuite() {
    s_idle = new Scan(scan_route("/ok", std::nullopt, k_generous_timeout_s));
    std::cout << "[hostile] idle (/ok alone): exit " << s_idle->run.exit_code << ", "
              << s_idle->run.seconds << " s, peak RSS " << mib(s_idle->run.peak_rss_kib)
              << std::endl;
    const ::testing::TestSuite* suite = ::testing::UnitTest::GetInstance()->current_test_suite();
    for (int i = 0; suite != nullptr && i < suite->total_test_count(); ++i) {
      const ::testing::TestInfo* test = suite->GetTestInfo(i);
      for (const SlowRoute& slow : k_slow_routes) {
        if (!test->should_run() || std::string(test->name()) != slow.test) continue;
        s_started.emplace(slow.route, Started{slow.timeout, std::async(std::launch::async, [slow] {
                                                return scan_route(slow.route, std::nullopt,
                                                                  slow.timeout);
                                              })});
      }
    }
  }
  static void TearDownTestSuite() {
    s_started.clear();  // waits for any scan no test took
    delete s_idle;
    s_idle = nullptr;
  }

  // The scan of `route` with `timeout` (0: hostile.toml's): the one started with the suite,
  // or a new one.
  static Scan scan_of(const std::string& route, double timeout) {
    const auto it = s_started.find(route);
    if (it != s_started.end() && it->second.timeout == timeout) {
      Scan s = it->second.scan.get();
      s_started.erase(it);
      return s;
    }
    return scan_route(route, std::nullopt, timeout);
  }

  Scan check(const std::string& route, const Expect& e) {
    Scan s = scan_of(route, e.timeout);
    report(s);
    expect_survived(s);
    expect_reports_parse(s);
    expect_verdicts(s, e);
    expect_nothing_escaped(s);
    expect_memory(s);
    return s;
  }

  void report(const Scan& s) {
    const auto counts = state_counts(route_probes(s));
    std::ostringstream line;
    line << s.route << ": exit " << s.run.exit_code << ", " << s.run.seconds << " s, peak RSS "
         << mib(s.run.peak_rss_kib) << " (idle " << mib(s_idle->run.peak_rss_kib) << "), verdicts";
    for (const auto& [state, n] : counts) line << " " << state << "=" << n;
    std::cout << "[hostile] " << line.str() << std::endl;
    RecordProperty("exit_code", s.run.exit_code);
    RecordProperty("seconds", std::to_string(s.run.seconds));
    RecordProperty("peak_rss_kib", static_cast<int>(s.run.peak_rss_kib));
    RecordProperty("idle_peak_rss_kib", static_cast<int>(s_idle->run.peak_rss_kib));
    if (!s.run.err.empty()) std::cout << "[hostile] stderr: " << s.run.err;
  }

  void expect_memory(const Scan& s) {
#ifndef AUTHDIFF_SANITIZED
    ASSERT_GT(s_idle->run.peak_rss_kib, 0);
    EXPECT_LT(s.run.peak_rss_kib, s_idle->run.peak_rss_kib + k_memory_margin_kib)
        << s.route << ": peak RSS " << mib(s.run.peak_rss_kib) << " against "
        << mib(s_idle->run.peak_rss_kib) << " idle";
#else
    (void)s;
#endif
  }

  struct Started {
    double timeout;
    std::future<Scan> scan;
  };
  static Scan* s_idle;
  static inline std::map<std::string, Started> s_started;
};
Scan* Hostile::s_idle = nullptr;

TEST_F(Hostile, OkIsTheControl) {
  const Scan& s = *s_idle;
  report(s);
  expect_survived(s);
  expect_reports_parse(s);
  expect_verdicts(s, {.all_enforced = true, .exit_codes = {0}, .timeout = k_generous_timeout_s});
  expect_nothing_escaped(s);
  ASSERT_TRUE(s.log.is_object());
  EXPECT_GT(s.log["requests"].size(), 0u);  // the log does record what authdiff sent
}

TEST_F(Hostile, HugeBody) {
  check("/huge", {.unbounded_list = true, .exit_codes = {0, 1, 3}});
}

// A 50 MB list (one million items) against a 2 MiB body cap: read to its end and counted
// exactly as it streams past, with only the cap kept (the memory bound of check()).
TEST_F(Hostile, FiftyMegabyteListIsCountedExactlyWithinTheCap) {
  // A generous timeout: streaming 50 MB takes about 0.2 s, but over 2 s under the sanitizers.
  const Scan s = check(
      "/big-list", {.unbounded_list = true, .exit_codes = {1}, .timeout = k_generous_timeout_s});
  std::size_t counted = 0;
  for (const auto& p : route_probes(s)) {
    if (p["check"] != "bulk" || p["verdict"]["state"] != "bypassed") continue;
    counted = std::max(counted, p["verdict"]["items"].get<std::size_t>());
    EXPECT_TRUE(p["response"]["truncated"].get<bool>()) << p;
    EXPECT_GT(p["response"]["bytes"].get<std::size_t>(), std::size_t{40} << 20) << p;
  }
  EXPECT_EQ(counted, 1000000u) << "bulk must report the exact count of the whole list";
}

TEST_F(Hostile, GzipBomb) {
  check("/gzip-bomb", {.exit_codes = {0, 3}});
}

TEST_F(Hostile, EndlessChunkedBody) {
  check("/endless", {.unusable = true, .unbounded_list = true, .exit_codes = {1, 3}});
}

TEST_F(Hostile, OneBytePerSecond) {
  check("/drip", {.unusable = true, .exit_codes = {3}});
}

TEST_F(Hostile, ConnectionResetHalfway) {
  check("/reset", {.unusable = true, .exit_codes = {3}, .timeout = k_generous_timeout_s});
}

TEST_F(Hostile, InvalidUtf8AndNulBytes) {
  check("/bad-utf8", {.personal_data = true, .exit_codes = {1}, .timeout = k_generous_timeout_s});
}

TEST_F(Hostile, TenThousandLevelsDeep) {
  check("/deep", {.exit_codes = {0, 3}, .timeout = k_generous_timeout_s});
}

TEST_F(Hostile, OneMebibyteOfHeaders) {
  check("/big-headers", {.unusable = true, .exit_codes = {3}, .timeout = k_generous_timeout_s});
}

TEST_F(Hostile, RedirectToAnotherHost) {
  check("/redirect", {.unusable = true, .exit_codes = {3}, .timeout = k_generous_timeout_s});
}

TEST_F(Hostile, CookiesForAnotherDomain) {
  check("/cookie", {.all_enforced = true, .exit_codes = {0}, .timeout = k_generous_timeout_s});
}

// `[[expect]] skip = true` means "do not test them at all" (README): the scan of /ok alone
// skips every other operation, so none of their paths may be sent anything.
TEST_F(Hostile, SkippedOperationsAreNotContacted) {
  const Scan& s = *s_idle;
  ASSERT_TRUE(s.log.is_object()) << s.log_error;
  std::map<std::string, int> sent;
  for (const auto& r : s.log["requests"]) {
    const std::string path = r["path"];
    if (path != "/ok" && std::find(k_routes.begin(), k_routes.end(), path) != k_routes.end())
      ++sent[r["method"].get<std::string>() + " " + path];
  }
  for (const auto& [request, n] : sent) {
    ADD_FAILURE() << request << " was sent " << n << " time(s), but the config skips "
                  << request.substr(request.find(' ') + 1);
  }
}

// HTTPS with a certificate for another name: refused, said so, nothing judged, nothing sent.
TEST_F(Hostile, TlsCertificateForAnotherNameIsRefused) {
  const std::string dir = make_temp_dir("cert");
  const TlsFiles files{dir + "/cert.pem", dir + "/key.pem"};
  const auto gen = run_process(
      {"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
       "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", files.key, "-out", files.cert, "-days",
       "2", "-subj", "/CN=other.invalid", "-addext", "subjectAltName=DNS:other.invalid"},
      {}, 120);
  ASSERT_EQ(gen.exit_code, 0) << gen.err;

  // A generous timeout: the handshake must fail on the name, not on a slow machine.
  const Scan s = scan_route("/ok", files, k_generous_timeout_s);
  report(s);
  expect_survived(s);
  expect_reports_parse(s);
  EXPECT_EQ(s.run.exit_code, 3) << s.run.out << s.run.err;
  std::string said = s.run.err + s.run.out;
  std::transform(said.begin(), said.end(), said.begin(), ::tolower);
  EXPECT_TRUE(said.find("certificate") != std::string::npos ||
              said.find("ssl") != std::string::npos || said.find("tls") != std::string::npos)
      << "the refusal does not name the TLS problem: " << s.run.err;
  if (s.report.is_object()) {
    for (const auto& p : s.report["probes"]) {
      if (p.value("static", false)) continue;
      EXPECT_EQ(p["verdict"]["state"], "inconclusive") << describe(p);
    }
    EXPECT_EQ(s.report["summary"]["enforced"], 0);
    EXPECT_EQ(s.report["summary"]["bypassed"], 0);
  }
  ASSERT_TRUE(s.log.is_object()) << "no /__log over TLS: " << s.log_error;
  EXPECT_EQ(s.log["requests"].size(), 0u) << "an HTTP request got through: " << s.log.dump(1);
  // authdiff did connect (curl checks the name after the handshake), then sent nothing; one
  // connection is this test's own GET /__log.
  EXPECT_GE(s.log["connections"]["main"], 2)
      << "authdiff never reached the server: " << s.log.dump();
  expect_nothing_escaped(s);
  expect_memory(s);
}

}  // namespace
}  // namespace authdiff::test
