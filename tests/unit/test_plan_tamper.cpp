#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "plan/tamper.hpp"
#include "plan/weak.hpp"
#include "util/base64.hpp"

namespace authdiff::plan {
namespace {

using nlohmann::json;

std::string make_jwt(const json& header, const json& payload, const std::string& sig = "c2ln") {
  return base64url_encode(header.dump()) + "." + base64url_encode(payload.dump()) + "." + sig;
}

json part(const std::string& token, int index) {
  const auto first = token.find('.');
  const auto second = token.find('.', first + 1);
  const std::string seg =
      index == 0 ? token.substr(0, first) : token.substr(first + 1, second - first - 1);
  return json::parse(*base64url_decode(seg));
}

std::string signature(const std::string& token) {
  return token.substr(token.rfind('.') + 1);
}

const json k_header = {{"alg", "HS256"}, {"typ", "JWT"}};
const json k_low = {{"sub", "17"}, {"uid", 17}, {"role", "employee"}, {"exp", 4102444800}};
const json k_high = {{"sub", "1"}, {"uid", 1}, {"role", "admin"}, {"exp", 4102444800}};

TEST(Base64Url, RoundTripsEveryLength) {
  for (const std::string& s :
       std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\xff\x00\x7f", 3)}) {
    EXPECT_EQ(*base64url_decode(base64url_encode(s)), s);
  }
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
  EXPECT_FALSE(base64url_decode("a b").has_value());
}

TEST(Tamper, RecognisesJwtsOnly) {
  EXPECT_TRUE(looks_like_jwt(make_jwt(k_header, k_low)));
  EXPECT_FALSE(looks_like_jwt("opaque-session-token-123"));
  EXPECT_FALSE(looks_like_jwt("a.b.c"));
  EXPECT_FALSE(looks_like_jwt(make_jwt({{"typ", "JWT"}}, k_low)));  // no alg
}

TEST(Tamper, AlgNoneDropsTheSignatureInEverySpelling) {
  const std::string token = make_jwt(k_header, k_low);
  for (const std::string spelling : {"none", "None", "NONE", "nOnE"}) {
    const auto out = tamper(token, "alg-none:" + spelling);
    ASSERT_TRUE(out.has_value()) << spelling;
    EXPECT_EQ(part(*out, 0)["alg"], spelling);
    EXPECT_EQ(part(*out, 1), k_low);
    EXPECT_EQ(out->back(), '.');
  }
}

TEST(Tamper, ClaimsOfCopiesTheOtherIdentitysClaimsAndKeepsTheSignature) {
  const std::string low = make_jwt(k_header, k_low, "bG93c2ln");
  const std::string high = make_jwt(k_header, k_high);
  const auto out = tamper(low, "claims-of", high);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(part(*out, 1)["uid"], 1);
  EXPECT_EQ(part(*out, 1)["sub"], "1");
  EXPECT_EQ(part(*out, 1)["role"], "employee");  // identity claims only, not privileges
  EXPECT_EQ(signature(*out), "bG93c2ln");
  const auto unsigned_ = tamper(low, "alg-none-claims-of", high);
  ASSERT_TRUE(unsigned_.has_value());
  EXPECT_EQ(part(*unsigned_, 0)["alg"], "none");
  EXPECT_EQ(part(*unsigned_, 1)["uid"], 1);
  EXPECT_FALSE(tamper(low, "claims-of", "").has_value());
  EXPECT_FALSE(tamper(low, "claims-of", low).has_value());  // nothing would change
}

TEST(Tamper, SignatureAndClaimRules) {
  const std::string token = make_jwt(k_header, k_low, "c2lnbmF0dXJl");
  EXPECT_EQ(signature(*tamper(token, "strip-signature")), "");
  const std::string foreign = signature(*tamper(token, "foreign-signature"));
  EXPECT_EQ(foreign.size(), std::string("c2lnbmF0dXJl").size());
  EXPECT_NE(foreign, "c2lnbmF0dXJl");
  EXPECT_EQ(part(*tamper(token, "role-admin"), 1)["role"], "admin");
  EXPECT_LT(part(*tamper(token, "expired"), 1)["exp"].get<long long>(), 1800000000);
  EXPECT_EQ(part(*tamper(token, "kid-nowhere"), 0)["kid"], "authdiff-no-such-key");
  // Raising an admin's role changes nothing: no tampered token.
  EXPECT_FALSE(tamper(make_jwt(k_header, k_high), "role-admin").has_value());
}

TEST(Tamper, OpaqueRulesAndPrefixes) {
  EXPECT_EQ(*tamper("abcdefgh12345678", "truncated"), "abcdefgh1234");
  EXPECT_EQ(*tamper("abCD12", "case-swapped"), "ABcd12");
  EXPECT_FALSE(tamper("12345678", "case-swapped").has_value());
  EXPECT_FALSE(tamper("opaque-token", "alg-none:none").has_value());
  EXPECT_FALSE(tamper(make_jwt(k_header, k_low), "no-such-rule").has_value());
  // A scheme prefix stays in front.
  const auto out = tamper("JWT " + make_jwt(k_header, k_low), "alg-none:none");
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->rfind("JWT ", 0), 0u);
}

}  // namespace
}  // namespace authdiff::plan

// The weak-password placeholders of weak-credentials: the password only on the wire copy, encoded
// for where it goes.
TEST(WeakPasswords, PlaceholdersAreFilledOnlyWhereTheyStandEncodedForTheirPlace) {
  using authdiff::plan::fill_weak_passwords;
  using authdiff::plan::weak_password;
  using authdiff::plan::weak_password_placeholder;
  ASSERT_GE(authdiff::plan::weak_password_count(), 10u);
  EXPECT_EQ(weak_password(1, "x"), "123456");
  EXPECT_EQ(weak_password(2, "alice"), "alice");  // {username}
  EXPECT_NE(weak_password(0, "alice"), weak_password(1, "alice"));
  const std::string json_body =
      R"({"user":"a.b@x","password":")" + weak_password_placeholder(2, "a.b@x", false) + "\"}";
  EXPECT_EQ(json_body.find(R"("password":"a.b@x")"), std::string::npos);
  EXPECT_EQ(fill_weak_passwords(json_body), R"({"user":"a.b@x","password":"a.b@x"})");
  EXPECT_EQ(fill_weak_passwords("u=x&p=" + weak_password_placeholder(2, "a+b", true)),
            "u=x&p=a%2Bb");
  EXPECT_EQ(fill_weak_passwords("no placeholder {{authdiff:weak-password:x}}"),
            "no placeholder {{authdiff:weak-password:x}}");
}
