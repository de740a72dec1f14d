// attach_credentials: the one place a credential goes on a request, tested without a server.
#include <gtest/gtest.h>

#include <algorithm>

#include "http/credentials.hpp"
#include "plan/tamper.hpp"

namespace authdiff::http {
namespace {

config::Identity everything() {
  config::Identity id;
  id.name = "alice";
  id.credentials.bearer = config::Secret("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln");
  id.credentials.basic_user = "alice";
  id.credentials.basic_password = config::Secret("pw-of-alice");
  id.credentials.headers["X-Api-Key"] = config::Secret("key-of-alice");
  id.credentials.cookies["SESSION"] = config::Secret("session-of-alice");
  id.credentials.cookies["csrf"] = config::Secret("csrf-of-alice");
  id.credentials.query["api_key"] = config::Secret("q&of=alice");
  return id;
}

plan::Request request(plan::Credential credential, std::string identity = "alice") {
  plan::Request r;
  r.method = "GET";
  r.url = "http://127.0.0.1:1/orders/7?page=2#top";
  r.headers = {{"Accept", "application/json"}};
  r.identity = std::move(identity);
  r.credential = credential;
  return r;
}

bool has(const Wire& w, const std::string& line) {
  return std::find(w.header_lines.begin(), w.header_lines.end(), line) != w.header_lines.end();
}

// Every header line, the URL and the Basic pair joined: where a secret could appear.
std::string all_of(const Wire& w) {
  std::string out = w.url;
  for (const auto& l : w.header_lines) out += "\n" + l;
  if (w.basic) out += "\n" + w.basic->first + ":" + w.basic->second;
  return out;
}

TEST(Credentials, TheOwnCredentialGoesOnEveryPlaceItIsDeclared) {
  const plan::Principals principals({everything()});
  const Wire w = attach_credentials(request(plan::Credential::own), &principals,
                                    {{"X-Env", "staging"}});
  EXPECT_EQ(w.header_lines.front(), "X-Env: staging");  // the run's headers first
  EXPECT_TRUE(has(w, "Accept: application/json"));
  EXPECT_TRUE(has(w, "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln"));
  EXPECT_TRUE(has(w, "X-Api-Key: key-of-alice"));
  EXPECT_TRUE(has(w, "Cookie: SESSION=session-of-alice; csrf=csrf-of-alice"));
  ASSERT_TRUE(w.basic);
  EXPECT_EQ(w.basic->first, "alice");
  EXPECT_EQ(w.basic->second, "pw-of-alice");
  // Query credentials are encoded and go before the fragment.
  EXPECT_EQ(w.url, "http://127.0.0.1:1/orders/7?page=2&api_key=q%26of%3Dalice#top");
}

TEST(Credentials, NoneAndAnonymousCarryNothingButTheHeaders) {
  const plan::Principals principals({everything()});
  for (const auto& r : {request(plan::Credential::none), request(plan::Credential::own, "")}) {
    const Wire w = attach_credentials(r, &principals, {});
    EXPECT_EQ(w.url, r.url);
    EXPECT_EQ(w.header_lines, std::vector<std::string>{"Accept: application/json"});
    EXPECT_FALSE(w.basic);
  }
  // Without principals (sign-in requests) nothing is attached either.
  EXPECT_EQ(attach_credentials(request(plan::Credential::own), nullptr, {}).header_lines.size(),
            1u);
}

TEST(Credentials, GarbageKeepsTheSchemesAndNoSecret) {
  const plan::Principals principals({everything()});
  const Wire w = attach_credentials(request(plan::Credential::garbage), &principals, {});
  const std::string text = all_of(w);
  for (const char* secret : {"eyJzdWIiOiJhbGljZSJ9", "pw-of-alice", "key-of-alice",
                             "session-of-alice", "csrf-of-alice", "q%26of%3Dalice"})
    EXPECT_EQ(text.find(secret), std::string::npos) << secret;
  EXPECT_NE(text.find("Authorization: Bearer authdiff-garbage-"), std::string::npos);
  EXPECT_NE(text.find("X-Api-Key: authdiff-garbage-"), std::string::npos);
  EXPECT_NE(text.find("Cookie: SESSION=authdiff-garbage-"), std::string::npos);
  EXPECT_NE(text.find("api_key=authdiff-garbage-"), std::string::npos);
  ASSERT_TRUE(w.basic);
  EXPECT_TRUE(w.basic->first.starts_with("authdiff-garbage-"));
  // As long as what it stands for.
  EXPECT_GE(garbage_like(std::string(100, 'x')).size(), 100u);
}

TEST(Credentials, TamperedTokensFollowTheRuleAndNeverFallBackToTheRealOne) {
  const plan::Principals principals({everything()});
  plan::Request r = request(plan::Credential::tampered);
  r.tamper = "truncated";
  const std::string token = everything().credentials.bearer->reveal();
  const Wire w = attach_credentials(r, &principals, {});
  const auto expected = plan::tamper(token, "truncated", "");
  ASSERT_TRUE(expected);
  EXPECT_TRUE(has(w, "Authorization: Bearer " + *expected));
  // A rule that does not fit a value sends garbage there, never the value itself.
  r.tamper = "no-such-rule";
  const std::string text = all_of(attach_credentials(r, &principals, {}));
  EXPECT_EQ(text.find(token), std::string::npos);
  EXPECT_EQ(text.find("key-of-alice"), std::string::npos);
}

TEST(Credentials, ARenewedCredentialIsUsedAtOnce) {
  plan::Principals principals({everything()});
  principals.learn("alice")->credentials.bearer = config::Secret("renewed-token");
  const Wire w = attach_credentials(request(plan::Credential::own), &principals, {});
  EXPECT_TRUE(has(w, "Authorization: Bearer renewed-token"));
}

}  // namespace
}  // namespace authdiff::http
