#include <gtest/gtest.h>

#include "config/config.hpp"
#include "judge/check.hpp"

namespace authdiff::config {
namespace {

Environment env_with(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    const auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

Result<Config> parse(const std::string& text, std::map<std::string, std::string> vars = {}) {
  return parse_config(text, "authdiff.toml", env_with(std::move(vars)));
}

const char* k_full = R"(
[target]
base_url = "${BASE}"
headers = { "X-Tenant" = "acme" }

[limits]
concurrency = 4
rate = 2.5
timeout = "500ms"
max_body = "1MiB"
budget = 100

[identities.alice]
level = 1
bearer = "${ALICE_TOKEN}"
user_id = 7
owns = { orderId = [1001, "1002"], userId = 7 }

[identities.admin]
level = 10
basic = { username = "root", password = "${ADMIN_PW}" }
headers = { X-Api-Key = "k-$${literal}" }
scopes = ["orders:read"]

[[expect]]
match = ["GET /admin/*", "DELETE /admin/*"]
access = "level >= 10"
note = "admins only"

[[expect]]
match = "POST /orders"
access = "authenticated"
allow_unsafe = true
)";

TEST(Config, ReadsEverySection) {
  auto c =
      parse(k_full, {{"BASE", "http://127.0.0.1:9"}, {"ALICE_TOKEN", "t-a"}, {"ADMIN_PW", "pw"}});
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  EXPECT_EQ(c->target.base_url, "http://127.0.0.1:9");
  EXPECT_EQ(c->target.headers.at("X-Tenant"), "acme");
  EXPECT_EQ(c->limits.concurrency, 4);
  EXPECT_DOUBLE_EQ(c->limits.rate, 2.5);
  EXPECT_DOUBLE_EQ(c->limits.timeout, 0.5);
  EXPECT_EQ(c->limits.max_body, 1u << 20);
  EXPECT_EQ(c->limits.budget, 100u);
  EXPECT_FALSE(c->limits.allow_unsafe);
  ASSERT_EQ(c->identities.size(), 2u);
  const Identity* alice = c->identity("alice");
  ASSERT_NE(alice, nullptr);
  EXPECT_EQ(alice->credentials.bearer->reveal(), "t-a");
  EXPECT_EQ(alice->user_id, "7");
  EXPECT_EQ(alice->owns.at("orderId"), (std::vector<std::string>{"1001", "1002"}));
  EXPECT_EQ(alice->owns.at("userId"), std::vector<std::string>{"7"});
  const Identity* admin = c->identity("admin");
  EXPECT_EQ(admin->level, 10);
  EXPECT_EQ(*admin->credentials.basic_user, "root");
  EXPECT_EQ(admin->credentials.basic_password->reveal(), "pw");
  EXPECT_EQ(admin->credentials.headers.at("X-Api-Key").reveal(), "k-${literal}");
  ASSERT_EQ(c->expectations.size(), 2u);
  EXPECT_EQ(c->expectations[0].access, Access::level);
  EXPECT_EQ(c->expectations[0].min_level, 10);
  EXPECT_EQ(c->expectation_for("DELETE", "/admin/users/{id}"), &c->expectations[0]);
  EXPECT_EQ(c->expectation_for("POST", "/orders"), &c->expectations[1]);
  EXPECT_EQ(c->expectation_for("GET", "/orders"), nullptr);
  EXPECT_EQ(c->expectations[1].allow_unsafe, true);
}

TEST(Config, DefaultsWhenSectionsAreMissing) {
  auto c = parse("");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->limits.concurrency, 16);
  EXPECT_EQ(c->limits.max_body, 8u << 20);
  EXPECT_FALSE(c->limits.allow_unsafe);
  EXPECT_TRUE(c->identities.empty());
}

TEST(Config, UnknownKeyHasLineAndSuggestion) {
  auto c = parse("[limits]\nconcurrency = 3\nconcurency = 4\n");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().to_string(),
            "authdiff.toml:3:1: unknown key \"concurency\" in [limits] (did you mean "
            "\"concurrency\"?)");
  auto top = parse("[identites.alice]\nbearer = \"x\"\n");
  ASSERT_FALSE(top.ok());
  EXPECT_NE(top.error().message.find("did you mean \"identities\""), std::string::npos);
  EXPECT_EQ(top.error().line, 1);
}

TEST(Config, SensitiveDataDetectorsAndCheckSettings) {
  auto c = parse(R"([sensitive_data]
privileged_level = 5

[[sensitive_data.detectors]]
name = "employee-number"
pattern = "EMP-[0-9]{6}"

[[sensitive_data.detectors]]
name = "plate"
pattern = "[A-Z][0-9]{5}"
field = "(?i)plate"

[checks.rate-limit]
requests = 12
operations = 3

[checks.audit]
enabled = false
)");
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  EXPECT_EQ(c->sensitive.privileged_level, 5);
  ASSERT_EQ(c->sensitive.detectors.size(), 2u);
  EXPECT_EQ(c->sensitive.detectors[1].field, "(?i)plate");
  EXPECT_EQ(c->sensitive.detectors[1].line, 8);
  EXPECT_TRUE(judge::detectors_for(*c).ok());
  const auto options = judge::CheckOptions::from(*c);
  ASSERT_TRUE(options.ok()) << options.error().to_string();
  const judge::Check& rate = *judge::find_check("rate-limit");
  EXPECT_EQ(options->value(rate, "requests"), 12);
  EXPECT_EQ(options->value(rate, "operations"), 3);
  EXPECT_EQ(options->value(rate, "enabled"), 0);  // opt-in: off unless enabled
  EXPECT_EQ(options->value(*judge::find_check("audit"), "enabled"), 0);
  EXPECT_EQ(options->value(*judge::find_check("no-auth"), "enabled"), 1);

  auto typo = parse("[[sensitive_data.detectors]]\nname = \"x\"\npatern = \"y\"\n");
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.error().message.find("did you mean \"pattern\""), std::string::npos);

  // A check's settings are checked against what the check declares, at their lines.
  const auto check_error = [](const std::string& text) {
    auto parsed = parse(text);
    EXPECT_TRUE(parsed.ok());
    auto checked = judge::CheckOptions::from(*parsed);
    EXPECT_FALSE(checked.ok());
    return checked.ok() ? Error{} : checked.error();
  };
  auto burst = check_error("[checks.rate-limit]\nrequests = 100000\n");
  EXPECT_EQ(burst.line, 2);
  EXPECT_NE(burst.message.find("between 2 and 1000"), std::string::npos) << burst.message;
  auto key = check_error("[checks.rate-limit]\nrequest = 10\n");
  EXPECT_EQ(key.line, 2);
  EXPECT_NE(key.message.find("did you mean \"requests\""), std::string::npos) << key.message;
  auto name = check_error("\n[checks.no-auht]\nenabled = false\n");
  EXPECT_EQ(name.line, 2);
  EXPECT_NE(name.message.find("did you mean \"no-auth\""), std::string::npos) << name.message;
  auto type = check_error("[checks.bulk]\nenabled = \"no\"\n");
  EXPECT_NE(type.message.find("true or false"), std::string::npos) << type.message;

  // The old table is a clear migration error, not an unknown key.
  auto old = parse("\n[rate_limit]\nrequests = 12\n");
  ASSERT_FALSE(old.ok());
  EXPECT_EQ(old.error().line, 2);
  EXPECT_NE(old.error().message.find("[checks.rate-limit]"), std::string::npos);

  // A pattern RE2 rejects is an error at the detector's line.
  auto bad = parse("\n[[sensitive_data.detectors]]\nname = \"broken\"\npattern = \"(unclosed\"\n");
  ASSERT_TRUE(bad.ok());
  const auto detectors = judge::detectors_for(*bad);
  ASSERT_FALSE(detectors.ok());
  EXPECT_EQ(detectors.error().file, "authdiff.toml");
  EXPECT_EQ(detectors.error().line, 2);
  EXPECT_NE(detectors.error().message.find("broken"), std::string::npos);
}

TEST(Config, WrongTypesNameTheKeyAndTheExpectedType) {
  auto c = parse("[limits]\n\nconcurrency = \"lots\"\n");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().line, 3);
  EXPECT_NE(c.error().message.find("limits.concurrency must be an integer"), std::string::npos);
  EXPECT_FALSE(parse("[limits]\nconcurrency = 0\n").ok());
  EXPECT_FALSE(parse("[limits]\ntimeout = \"soon\"\n").ok());
  EXPECT_FALSE(parse("[limits]\nmax_body = \"8 parsecs\"\n").ok());
  EXPECT_FALSE(parse("[identities.a]\nlevel = \"high\"\nbearer = \"x\"\n").ok());
  EXPECT_FALSE(parse("expect = 3\n").ok());
}

TEST(Config, MissingEnvironmentVariableIsNamed) {
  auto c = parse("[identities.alice]\nbearer = \"${ALICE_TOKEN}\"\n");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().line, 2);
  EXPECT_NE(c.error().message.find("environment variable ALICE_TOKEN is not set"),
            std::string::npos);
}

TEST(Config, SecretsAreNotEchoedInErrors) {
  auto c =
      parse("[identities.alice]\nbearer = \"${TOKEN}\"\nlevle = 2\n", {{"TOKEN", "s3cr3t-canary"}});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().to_string().find("s3cr3t-canary"), std::string::npos);
  // Found by fuzz_config: an error that quotes a value shows the variable, not what it holds.
  auto quoted = parse("[[expect]]\nmatch = \"GET /a\"\naccess = \"owner${TOKEN}\"\n",
                      {{"TOKEN", "s3cr3t-canary"}});
  ASSERT_FALSE(quoted.ok());
  EXPECT_EQ(quoted.error().to_string().find("s3cr3t-canary"), std::string::npos);
  EXPECT_NE(quoted.error().to_string().find("owner${TOKEN}"), std::string::npos)
      << quoted.error().to_string();
  auto bad = parse("[target]\nbase_url = \"${URL}\"\n", {{"URL", "not a url s3cr3t"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().to_string().find("s3cr3t"), std::string::npos);
}

TEST(Config, IdentityRules) {
  EXPECT_NE(parse("[identities.alice]\nlevel = 1\n").error().message.find("has no credential"),
            std::string::npos);
  EXPECT_FALSE(parse("[identities.anonymous]\nbearer = \"x\"\n").ok());
  EXPECT_FALSE(parse("[identities.\"a b\"]\nbearer = \"x\"\n").ok());
  EXPECT_FALSE(parse("[identities.a]\nbasic = { username = \"u\" }\n").ok());
}

TEST(Config, SignInTables) {
  const auto ok = parse(R"([identities.alice.login]
url = "/login"
json = { user = { name = "alice", tags = ["a", 1, true] }, password = "${PW}" }
token = "/data/token"
expires_in = "/data/ttl"
)",
                        {{"PW", "p\"w"}});
  ASSERT_TRUE(ok) << ok.error().to_string();
  const Login& l = *ok->identities[0].login;
  EXPECT_EQ(l.kind, Login::Kind::request);
  EXPECT_EQ(l.method, "POST");
  EXPECT_EQ(l.content_type, "application/json");
  EXPECT_EQ(l.body.reveal(), R"({"password":"p\"w","user":{"name":"alice","tags":["a",1,true]}})");
  EXPECT_EQ(l.send, "bearer");
  const auto form = parse(
      "[identities.a.login]\nurl = \"/s\"\nform = { u = \"a b&c\" }\n"
      "cookie = \"SID\"\n");
  ASSERT_TRUE(form) << form.error().to_string();
  EXPECT_EQ(form->identities[0].login->body.reveal(), "u=a%20b%26c");
  EXPECT_EQ(form->identities[0].login->send, "cookies");
  const auto error_of = [&](const std::string& text) {
    const auto r = parse(text);
    return r ? std::string("no error") : r.error().to_string();
  };
  EXPECT_EQ(error_of("[identities.a.login]\nurl = \"/l\"\n"),
            "authdiff.toml:1:1: identities.a.login: say where the credential is with one of token "
            "(a JSON pointer), token_header or cookie");
  EXPECT_EQ(error_of("[identities.a.login]\nurl = \"/l\"\ntoken = \"token\"\n"),
            "authdiff.toml:3:9: identities.a.login.token must be a JSON pointer like /token");
  EXPECT_EQ(error_of("[identities.a.login]\nurl = \"/l\"\ntoken = \"/t\"\nsend = \"carrier\"\n"),
            "authdiff.toml:4:8: identities.a.login.send must be \"bearer\", \"header:NAME\", "
            "\"cookie:NAME\" or \"cookies\"");
  EXPECT_EQ(
      error_of("[identities.a.oauth2]\ntoken_url = \"/t\"\ngrant = \"password\"\n"
               "client_id = \"c\"\n"),
      "authdiff.toml:1:1: identities.a.oauth2: the password grant needs username and password");
  EXPECT_EQ(error_of("[identities.a.command]\nrun = []\n"),
            "authdiff.toml:1:1: identities.a.command.run is required: the program and its "
            "arguments, as a list");
  EXPECT_EQ(error_of("[identities.a]\nlogin = { url = \"/l\", token = \"/t\" }\n"
                     "command = { run = [\"x\"] }\n"),
            "authdiff.toml:1:1: identities.a: give one of login, oauth2 or command");
  EXPECT_EQ(error_of("[identities.a.login]\nurl = \"/l\"\ntoken = \"/t\"\ntokn = 1\n"),
            "authdiff.toml:4:1: unknown key \"tokn\" in [identities.a.login] (did you mean "
            "\"token\"?)");
}

TEST(Config, TargetRules) {
  EXPECT_FALSE(parse("[target]\nbase_url = \"localhost:8080\"\n").ok());
  EXPECT_FALSE(parse("[target]\nheaders = { Authorization = \"Bearer x\" }\n").ok());
}

TEST(Config, ExpectationRules) {
  EXPECT_FALSE(parse("[[expect]]\naccess = \"public\"\n").ok());                      // no match
  EXPECT_FALSE(parse("[[expect]]\nmatch = \"/admin\"\naccess = \"public\"\n").ok());  // no method
  auto bad = parse("[[expect]]\nmatch = \"GET /a\"\naccess = \"admins\"\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().line, 3);
  EXPECT_NE(bad.error().message.find("level >= N"), std::string::npos);
}

TEST(Config, InvalidTomlHasAPosition) {
  auto c = parse("[target\nbase_url = 1\n");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().line, 1);
  EXPECT_NE(c.error().message.find("invalid TOML"), std::string::npos);
}

TEST(Access, ParsesEveryForm) {
  EXPECT_EQ(parse_access("public")->first, Access::everyone);
  EXPECT_EQ(parse_access(" Authenticated ")->first, Access::authenticated);
  EXPECT_EQ(parse_access("owner")->first, Access::owner);
  EXPECT_EQ(parse_access("nobody")->first, Access::nobody);
  EXPECT_EQ(parse_access("level>=3")->second, 3);
  EXPECT_EQ(parse_access("level >= 12")->second, 12);
  EXPECT_FALSE(parse_access("level > 3"));
  EXPECT_FALSE(parse_access("level >= x"));
}

TEST(Config, ABearerTokenWrittenWithItsSchemeIsSentWithOne) {
  const auto c = parse("[identities.alice]\nbearer = \"${T}\"\n", {{"T", "Bearer eyJ.a.b"}});
  ASSERT_TRUE(c) << c.error().to_string();
  ASSERT_TRUE(c->identities[0].credentials.bearer);
  EXPECT_EQ(c->identities[0].credentials.bearer->reveal(), "eyJ.a.b");
}

TEST(Config, CredentialsBesideASignInAreKeptButNotTwoForOneSlot) {
  const auto kept = parse(
      "[identities.alice]\nheaders = { X-Api-Key = \"k\" }\n[identities.alice.login]\n"
      "url = \"/login\"\njson = { u = \"a\" }\ntoken = \"/token\"\n");
  ASSERT_TRUE(kept) << kept.error().to_string();
  EXPECT_EQ(kept->identities[0].credentials.headers.count("X-Api-Key"), 1u);
  const auto both = parse(
      "[identities.alice]\nbearer = \"t\"\n[identities.alice.login]\n"
      "url = \"/login\"\njson = { u = \"a\" }\ntoken = \"/token\"\n");
  ASSERT_FALSE(both);
  EXPECT_NE(both.error().to_string().find("bearer and a sign-in that sends a bearer token"),
            std::string::npos)
      << both.error().to_string();
}

}  // namespace
}  // namespace authdiff::config
