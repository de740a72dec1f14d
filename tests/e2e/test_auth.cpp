// Identities that sign in: login requests (JSON token, session cookie with CSRF), OAuth 2.0
// grants and external commands, against tests/servers/auth_server.cpp; credentials that expire
// mid-scan are renewed, and a renewal that fails stops the run naming the identity.

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "../support/http_client.hpp"
#include "../support/process.hpp"
#include "../support/server_process.hpp"
#include "../support/temp_dir.hpp"

namespace authdiff::test {
namespace {

const std::string k_bin = AUTHDIFF_BINARY;
const std::string k_src = AUTHDIFF_SOURCE_DIR;

std::string read(const std::string& path) {
  return read_text(path);
}

// Bounds against a hang only, far above what a loaded CI machine needs (a scan here takes
// seconds, a request or a sign-in milliseconds): never a measure of speed.
constexpr double k_scan_limit_s = 600;

// A config for the notes server whose identities sign in as `login(user, password)` says.
std::string config_with(
    const std::function<std::string(const std::string&, const std::string&)>& login,
    double rate = 100) {
  std::string out =
      "[limits]\nconcurrency = 4\nrate = " + std::to_string(rate) +
      "\ntimeout = \"120s\"\n\n[[expect]]\nmatch = \"GET /notes/{noteId}\"\naccess = \"owner\"\n\n"
      "[[expect]]\nmatch = \"GET /admin/stats\"\naccess = \"level >= 10\"\n";
  out += "\n[identities.admin]\nlevel = 10\n" + login("admin", "admin-pw");
  out += "\n[identities.alice]\nuser_id = 1\nowns = { noteId = [101, 102] }\n" +
         login("alice", "alice-pw");
  out +=
      "\n[identities.bob]\nuser_id = 2\nowns = { noteId = [201, 202] }\n" + login("bob", "bob-pw");
  return out;
}

std::string token_login(const std::string& user, const std::string& password) {
  return "login = { url = \"/login\", json = { username = \"" + user + "\", password = \"" +
         password + "\" }, token = \"/access\", expires_in = \"/ttl\" }\n";
}

struct Scan {
  ProcessResult run;
  nlohmann::json report;
  long logins = 0;  // sign-ins the server saw
};

Scan scan(const std::vector<std::string>& server_args, const std::string& config,
          std::map<std::string, std::string> env = {}) {
  std::vector<std::string> argv = {AUTHDIFF_AUTH_SERVER, "--port", "0"};
  argv.insert(argv.end(), server_args.begin(), server_args.end());
  ServerProcess server(argv);
  // A fresh directory per scan: ctest runs tests side by side.
  const std::string dir = process_temp_dir().make_dir("auth");
  const std::string cfg = dir + "/authdiff-auth.toml";
  const std::string json = cfg + ".json";
  std::ofstream(cfg) << config;
  env["NOTES_URL"] = server.url();
  Scan s;
  s.run = run_process({k_bin, "scan", "--spec", k_src + "/tests/data/specs/notes.yaml", "--config",
                       cfg, "--base-url", server.url(), "--json", json, "-q"},
                      env, k_scan_limit_s);
  s.report = nlohmann::json::parse(read(json), nullptr, false);
  s.logins = http("GET", server.url() + "/_logins").json().value("logins", -1L);
  return s;
}

// The checks that found something on the notes server.
std::set<std::string> found(const Scan& s) {
  std::set<std::string> out;
  if (!s.report.is_object()) return out;
  for (const auto& f : s.report["findings"]) out.insert(f["check"].get<std::string>());
  return out;
}

void expect_the_notes_flaw(const Scan& s) {
  EXPECT_EQ(s.run.exit_code, 1) << s.run.out << s.run.err;
  ASSERT_TRUE(s.report.is_object()) << s.run.err;
  EXPECT_TRUE(found(s).contains("cross-owner")) << s.run.out;
  EXPECT_EQ(s.report["summary"]["inconclusive"], 0) << s.run.out;
  for (const auto& f : s.report["findings"])
    EXPECT_EQ(f["path"], "/notes/{noteId}") << "only the notes route is flawed: " << f;
}

TEST(Login, JsonTokenLoginFindsTheFlaw) {
  const Scan s = scan({}, config_with(token_login));
  expect_the_notes_flaw(s);
  EXPECT_EQ(s.logins, 3);  // one per identity, none renewed
}

TEST(Login, TokensThatExpireMidScanAreRenewed) {
  // Tokens live 1.5 s; at 15 requests per second the scan takes several lifetimes.
  const Scan s = scan({"--ttl", "1.5"}, config_with(token_login, 15));
  expect_the_notes_flaw(s);
  EXPECT_GT(s.logins, 3) << "no credential was renewed";
  EXPECT_GT(s.report["run"]["seconds"].get<double>(), 3.0);
}

TEST(Login, TokensRevokedBeforeTheirAnnouncedExpiryAreRenewedOnA401) {
  // The server says an hour and ends tokens after 1.5 s: only the 401s tell.
  const Scan s = scan({"--ttl", "1.5", "--announced-ttl", "3600"}, config_with(token_login, 15));
  expect_the_notes_flaw(s);
  EXPECT_GT(s.logins, 3) << "no credential was renewed after its 401s";
}

TEST(Login, ARenewalThatFailsStopsTheRunNamingTheIdentity) {
  const Scan s = scan({"--ttl", "1", "--fail-logins-after", "3"}, config_with(token_login, 25));
  EXPECT_EQ(s.run.exit_code, 3) << s.run.out << s.run.err;
  EXPECT_NE(s.run.err.find("renewing its credential failed: POST /login answered 401"),
            std::string::npos)
      << s.run.err;
  EXPECT_TRUE(s.run.err.find("identity admin") != std::string::npos ||
              s.run.err.find("identity alice") != std::string::npos ||
              s.run.err.find("identity bob") != std::string::npos)
      << s.run.err;
}

TEST(Login, AWrongPasswordIsExitThreeNamingTheIdentity) {
  const Scan s = scan({}, config_with([](const std::string& user, const std::string& pw) {
                        return token_login(user, user == "bob" ? "wrong" : pw);
                      }));
  EXPECT_EQ(s.run.exit_code, 3) << s.run.out << s.run.err;
  EXPECT_NE(s.run.err.find("identity bob: login failed: POST /login answered 401"),
            std::string::npos)
      << s.run.err;
  EXPECT_EQ(s.run.err.find("bob-pw"), std::string::npos);
}

TEST(Login, SessionCookieWithCsrfToken) {
  const Scan s =
      scan({}, config_with([](const std::string& user, const std::string& pw) {
             return "login = { url = \"/session\", json = { username = \"" + user +
                    "\", password = \"" + pw +
                    "\" }, cookie = \"SID\", csrf_get = \"/csrf\", csrf_cookie = \"XSRF-TOKEN\", "
                    "csrf_header = \"X-XSRF-TOKEN\" }\n";
           }));
  expect_the_notes_flaw(s);
  // Reproductions name the session's cookies as placeholders.
  const std::string curl = s.report["findings"][0]["curl"];
  EXPECT_NE(curl.find("SID=$AUTHDIFF_"), std::string::npos) << curl;
}

TEST(Login, OAuth2PasswordAndClientCredentialsGrants) {
  const Scan s =
      scan({"--ttl", "1.5"},
           config_with(
               [](const std::string& user, const std::string& pw) {
                 if (user == "admin")
                   return std::string(
                       "oauth2 = { token_url = \"/oauth/token\", grant = "
                       "\"client_credentials\", client_id = \"notes-client\", "
                       "client_secret = \"${NOTES_CLIENT_SECRET}\" }\n");
                 return "oauth2 = { token_url = \"/oauth/token\", grant = \"password\", "
                        "client_id = \"notes-client\", client_secret = "
                        "\"${NOTES_CLIENT_SECRET}\", client_auth = \"body\", username = \"" +
                        user + "\", password = \"" + pw + "\" }\n";
               },
               25),
           {{"NOTES_CLIENT_SECRET", "client-secret"}});
  expect_the_notes_flaw(s);
  EXPECT_GT(s.logins, 3) << "expires_in was not honoured";
  EXPECT_EQ(s.run.out.find("client-secret"), std::string::npos);
}

TEST(Login, IdentitiesImportedFromAWebFuzzingCommonsAuthFile) {
  // The file brings the three users and their login; the config adds levels and nothing else
  // (ownership comes from discovery: the notes API has no list, so owns stays in the config).
  const std::string config =
      "wfc_auth = \"" + k_src + "/tests/data/configs/notes-wfc.yaml\"\n" +
      config_with([](const std::string&, const std::string&) { return std::string(); });
  const Scan s = scan({}, config);
  expect_the_notes_flaw(s);
  EXPECT_EQ(s.logins, 3);
}

// No IDs anywhere and no list to learn them from: with --allow-unsafe, alice and bob each create
// a note (POST /notes), the probes use them, and they are deleted again at the end.
TEST(Discovery, ObjectsCreatedForFreshIdsAreFoundAndDeletedAgain) {
  std::string config = config_with(token_login);
  for (const std::string owns :
       {"owns = { noteId = [101, 102] }\n", "owns = { noteId = [201, 202] }\n"})
    config.erase(config.find(owns), owns.size());
  // Only the GET and the POST are replayed: the DELETE is authdiff's own clean-up.
  config +=
      "\n[[expect]]\nmatch = \"POST /notes\"\naccess = \"authenticated\"\nallow_unsafe = true\n";
  ServerProcess server({AUTHDIFF_AUTH_SERVER, "--port", "0"});
  const TempDir dir("create");
  const std::string cfg = dir.file("authdiff-create.toml");
  std::ofstream(cfg) << config;
  const auto r =
      run_process({k_bin, "scan", "--spec", k_src + "/tests/data/specs/notes.yaml", "--config", cfg,
                   "--base-url", server.url(), "-q", "--json", cfg + ".json"},
                  {}, k_scan_limit_s);
  const auto report = nlohmann::json::parse(read(cfg + ".json"), nullptr, false);
  ASSERT_TRUE(report.is_object()) << r.out << r.err;
  std::set<std::string> creators;
  for (const auto& c : report["run"]["created"]) {
    creators.insert(c["identity"].get<std::string>());
    EXPECT_EQ(c["parameter"], "noteId");
    EXPECT_EQ(c["removal"], "deleted") << c;
  }
  // (POST /notes is replayed as a baseline too, so the server keeps those notes: only what
  // discovery created is authdiff's to remove, and each of those DELETEs answered 2xx above.)
  EXPECT_TRUE(creators.contains("alice") && creators.contains("bob")) << report["run"]["created"];
  std::set<std::string> checks;
  for (const auto& f : report["findings"]) checks.insert(f["check"].get<std::string>());
  EXPECT_TRUE(checks.contains("cross-owner")) << r.out;
  EXPECT_NE(r.out.find("created "), std::string::npos) << r.out;
}

TEST(Login, ExternalCommandPrintsTheHeader) {
  const std::string script = k_src + "/tests/data/scripts/notes-token.sh";
  const Scan s = scan({}, config_with([&](const std::string& user, const std::string& pw) {
                        // A generous timeout: the script signs in with curl in milliseconds.
                        return "command = { run = [\"" + script + "\", \"" + user + "\", \"" + pw +
                               "\"], timeout = \"120s\" }\n";
                      }));
  expect_the_notes_flaw(s);
}

TEST(Login, ACommandThatHangsIsStoppedAndNamed) {
  const Scan s =
      scan({}, config_with([](const std::string& user, const std::string& pw) {
             if (user != "alice") return token_login(user, pw);
             return std::string("command = { run = [\"sleep\", \"30\"], timeout = \"1s\" }\n");
           }));
  EXPECT_EQ(s.run.exit_code, 3) << s.run.out << s.run.err;
  EXPECT_NE(s.run.err.find("identity alice: login failed: sleep: no answer within 1"),
            std::string::npos)
      << s.run.err;
}

}  // namespace
}  // namespace authdiff::test
