#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "judge/detect.hpp"
#include "judge/observe.hpp"

namespace authdiff::judge {
namespace {

using nlohmann::json;

// Verified with an independent script (GB 11643-1999 check digits, Luhn).
constexpr const char* k_id = "110101199003071233";    // Beijing, 1990-03-07
constexpr const char* k_id_x = "32058419991231007X";  // check digit X
constexpr const char* k_card = "6222021234567894";    // UnionPay-like, Luhn-valid
constexpr const char* k_jwt_example =                 // jwt.io's HS256 example
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ."
    "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";

const Detection* find(const std::vector<Detection>& ds, std::string_view data_class,
                      std::string_view pointer = "") {
  for (const auto& d : ds) {
    if (d.data_class == data_class && d.pointer == pointer) return &d;
  }
  return nullptr;
}

bool has(const std::vector<Detection>& ds, std::string_view data_class,
         std::string_view pointer = "") {
  return find(ds, data_class, pointer) != nullptr;
}

// "class@pointer" of every detection, for messages.
std::string describe(const std::vector<Detection>& ds) {
  std::string out;
  for (const auto& d : ds) {
    out += d.data_class + "@" + d.pointer + (d.unmasked ? "" : "(masked)") + " ";
  }
  return out;
}

std::vector<Detection> text(std::string_view s) {
  return Detectors().scan_text(s);
}

// The class found in `s` (as plain text), or "" — exactly one detection expected when found.
void expect_text(std::string_view s, std::string_view data_class) {
  const auto ds = text(s);
  EXPECT_TRUE(has(ds, data_class)) << s << " -> " << describe(ds);
}
void expect_not_text(std::string_view s, std::string_view data_class) {
  const auto ds = text(s);
  EXPECT_FALSE(has(ds, data_class)) << s << " -> " << describe(ds);
}

TEST(DetectResidentId, ValidatorChecksDigitDateRegionAndLength) {
  for (const char* id : {k_id, k_id_x, "32058419991231007x", "310105200002290010",
                         "110101200402291239", "440306198802294569"}) {
    EXPECT_TRUE(valid_resident_id(id)) << id;
  }
  for (const char* id : {
           "110101199003071234",   // wrong check digit
           "110101199002301236",   // February 30 (check digit right)
           "110101199013071237",   // month 13
           "110101190002291233",   // 1900 was not a leap year
           "110101199003001235",   // day 00
           "110101189912311231",   // before 1900
           "110101210001011231",   // after 2099
           "910101199003071232",   // no such region
           "01010119900307123X",   // no such region
           "11010119900307123",    // 17 characters
           "1101011990030712330",  // 19 characters
           "11010119900307123A",   // not a check character
           "",
       }) {
    EXPECT_FALSE(valid_resident_id(id)) << id;
  }
}

TEST(DetectResidentId, FoundEmbeddedOnTokenBoundariesOnly) {
  expect_text(std::string("ID:") + k_id + ",", k_resident_id);
  expect_text(std::string("身份证号") + k_id + "。", k_resident_id);
  expect_text(std::string("id=") + k_id_x + "&x=1", k_resident_id);
  expect_not_text(std::string("9") + k_id, k_resident_id);   // inside a 19-digit run
  expect_not_text(std::string(k_id) + "4", k_resident_id);   // inside a 19-digit run
  expect_not_text(std::string("A") + k_id, k_resident_id);   // glued to a word
  expect_not_text(std::string(k_id) + ".5", k_resident_id);  // a decimal number
  expect_not_text("110101199003071234", k_resident_id);      // wrong check digit
  const auto ds = text(std::string("ID:") + k_id);
  ASSERT_TRUE(has(ds, k_resident_id));
  EXPECT_EQ(find(ds, k_resident_id)->masked, mask(k_id));
  EXPECT_TRUE(find(ds, k_resident_id)->unmasked);
  EXPECT_EQ(find(ds, k_resident_id)->masked.find("19900307"), std::string::npos);
}

TEST(DetectMobile, Validator) {
  for (const char* m : {"13812345678", "+8613812345678", "8613812345678", "+86 13812345678",
                        "+86-13812345678", "19912345678"}) {
    EXPECT_TRUE(valid_mobile(m)) << m;
  }
  for (const char* m : {"12812345678", "1381234567", "138123456789", "23812345678",
                        "+8612812345678", "1381234567a", "", "+86"}) {
    EXPECT_FALSE(valid_mobile(m)) << m;
  }
}

TEST(DetectMobile, FoundEmbeddedButNotInsideLongerNumbers) {
  expect_text("call 13812345678 now", k_mobile);
  expect_text("+8613812345678", k_mobile);
  expect_text("tel:13812345678;", k_mobile);
  expect_text("手机13812345678", k_mobile);
  expect_text("138-1234-5678", k_mobile);
  expect_not_text("order 20241101123456", k_mobile);
  expect_not_text("138123456781234", k_mobile);      // 15-digit run
  expect_not_text("1381234567890123456", k_mobile);  // 19-digit run
  expect_not_text("3.13812345678", k_mobile);        // a decimal
  expect_not_text("v13812345678", k_mobile);         // glued to a word
  expect_not_text("12812345678", k_mobile);          // no such prefix
  expect_not_text("1381234567", k_mobile);           // 10 digits
  const auto ds = text("call 13812345678 now");
  ASSERT_EQ(ds.size(), 1u) << describe(ds);
  EXPECT_EQ(ds[0].masked, mask("13812345678"));
  EXPECT_EQ(ds[0].pointer, "");
}

TEST(DetectBankCard, LuhnAndValidator) {
  EXPECT_TRUE(luhn_valid("4111111111111111"));
  EXPECT_TRUE(luhn_valid("79927398713"));
  EXPECT_FALSE(luhn_valid("4111111111111112"));
  EXPECT_FALSE(luhn_valid("79927398710"));
  EXPECT_FALSE(luhn_valid(""));
  EXPECT_FALSE(luhn_valid("4111 1111 1111 1111"));
  for (const char* c :
       {"4111111111111111", k_card, "6222021234567890128", "378282246310005", "5555555555554444",
        "4000000000000002", "4111 1111 1111 1111", "4111-1111-1111-1111"}) {
    EXPECT_TRUE(valid_bank_card(c)) << c;
  }
  for (const char* c : {
           "6222021234567890",      // Luhn-invalid
           "4111111111111112",      // Luhn-invalid
           "0000000000000000",      // Luhn-valid zeros
           "44444444444444444",     // Luhn-valid, all the same digit
           "6666666666666",         // Luhn-valid, all the same digit
           "8888888888888888",      // Luhn-valid, no such IIN
           "79927398713",           // too short
           "62220212345678901280",  // 20 digits
           "4111  1111 1111 1111",  // doubled separator
           "4111111111111111-",     // trailing separator
       }) {
    EXPECT_FALSE(valid_bank_card(c)) << c;
  }
}

TEST(DetectBankCard, FoundEmbeddedAndGrouped) {
  expect_text(std::string("card ") + k_card + " paid", k_bank_card);
  expect_text("6222 0212 3456 7894", k_bank_card);
  expect_text("4111-1111-1111-1111", k_bank_card);
  expect_text("<td>378282246310005</td>", k_bank_card);
  expect_not_text("card 6222021234567890", k_bank_card);  // Luhn-invalid
  expect_not_text("at 1730419200000", k_bank_card);       // a millisecond timestamp
  expect_not_text("14111111111111111", k_bank_card);      // inside a 17-digit run
  expect_not_text("41111111111111111111", k_bank_card);   // a 20-digit run
  expect_not_text("0000000000000000", k_bank_card);
  expect_not_text("4111 1111 1111 1112", k_bank_card);
}

TEST(DetectMasked, LooksMasked) {
  for (const char* s : {"138****1234", "110101********1234", "****", "******", "138xxxx1234",
                        "6222 **** **** 7894", "张**", "●●●●", "138●●●●1234"}) {
    EXPECT_TRUE(looks_masked(s)) << s;
  }
  for (const char* s : {"13812345678", "a*b", "1*2", "xxxx", "Fox4xxxx", "", "138xxx1234"}) {
    EXPECT_FALSE(looks_masked(s)) << s;
  }
}

TEST(DetectMasked, ReportedNotUnmaskedWhenTheShapeFitsTheClass) {
  const auto masked_as = [](std::string_view s, std::string_view data_class) {
    const auto ds = text(s);
    const Detection* d = find(ds, data_class);
    ASSERT_NE(d, nullptr) << s << " -> " << describe(ds);
    EXPECT_FALSE(d->unmasked) << s;
  };
  masked_as("phone 138****1234", k_mobile);
  masked_as("138xxxx1234", k_mobile);
  masked_as("110101********1233", k_resident_id);
  masked_as("6222********7894", k_bank_card);
  masked_as("6222 **** **** 7894", k_bank_card);
  // Shapes of no class, and masked e-mail addresses, are not reported at all.
  for (const char* s : {"****", "******", "138****12345", "238****1234", "z***g@qq.com",
                        "***@example.com", "zh●●g@qq.com"}) {
    EXPECT_TRUE(text(s).empty()) << s << " -> " << describe(text(s));
  }
  // In text each value is its own detection: the unmasked one is reported as unmasked.
  const auto ds = text("138****1234 or 13912345678");
  ASSERT_TRUE(has(ds, k_mobile));
  EXPECT_TRUE(std::any_of(ds.begin(), ds.end(), [](const Detection& d) {
    return d.data_class == k_mobile && d.unmasked;
  })) << describe(ds);
}

// Found by the hostile-server tests: in a body that is not JSON every value used to collapse
// into one detection, so "three or more phone numbers" could never be met.
TEST(DetectText, DistinctValuesAreDistinctDetections) {
  const auto ds = text("\xff 13912345678; 13987654321 \x01 13711112222 13912345678");
  EXPECT_EQ(std::count_if(ds.begin(), ds.end(),
                          [](const Detection& d) { return d.data_class == k_mobile; }),
            3)
      << describe(ds);
}

TEST(DetectEmail, ReasonableAddressesOnly) {
  expect_text("zhang.wei@example.com", k_email);
  expect_text("mail me: a.b+c@mail.example.cn.", k_email);
  expect_text("<li>wang_fang@163.com</li>", k_email);
  for (const char* s : {"user@localhost", "a@b", "logo@2x.png", "a@b.c", "a@b.c0m", "@example.com",
                        "user@-bad.com", "user@bad-.com", "user@exa..mple.com", "z***g@qq.com"}) {
    expect_not_text(s, k_email);
  }
  const auto ds = text("contact: zhang.wei@example.com.");
  ASSERT_TRUE(has(ds, k_email));
  EXPECT_EQ(find(ds, k_email)->masked, mask("zhang.wei@example.com"));
}

TEST(DetectPrivateKey, PemPrivateKeysOnly) {
  expect_text("-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----",
              k_private_key);
  expect_text("key: -----BEGIN PRIVATE KEY-----\\nMIIE", k_private_key);
  expect_text("-----BEGIN OPENSSH PRIVATE KEY-----", k_private_key);
  expect_text("-----BEGIN ENCRYPTED PRIVATE KEY-----", k_private_key);
  for (const char* s :
       {"-----BEGIN PUBLIC KEY-----", "-----BEGIN CERTIFICATE-----", "BEGIN RSA PRIVATE KEY",
        "-----BEGIN RSA PRIVATE KEY", "PRIVATE KEY-----"}) {
    expect_not_text(s, k_private_key);
  }
}

TEST(DetectJwt, ThreeSegmentsWithAnAlgHeader) {
  expect_text(k_jwt_example, k_jwt);
  expect_text(std::string("Authorization: Bearer ") + k_jwt_example, k_jwt);
  expect_text("eyJhbGciOiJub25lIn0.eyJzdWIiOiIxMjM0NTY3ODkwIn0.", k_jwt);  // alg none, unsigned
  for (const std::string& s : {
           std::string("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"),  // header only
           std::string("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0"),
           std::string("eyJhbGciOi.eyJzdWIi.abc"),  // short segments
           // A header without "alg".
           std::string("eyJ0eXAiOiJKV1QiLCJ4IjoieXkifQ.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
                       "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"),
           // Signed header, empty signature.
           std::string("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."),
           std::string("x") + k_jwt_example,  // glued
       }) {
    expect_not_text(s, k_jwt);
  }
}

TEST(DetectCloudKey, KnownPrefixesAndShapes) {
  for (const char* s : {
           "AKIAIOSFODNN7EXAMPLE",  // AWS's documented example
           "aws_access_key_id = ASIAIOSFODNN7EXAMPLE",
           "LTAI5tQ8ZxExAmPlE1234567",
           "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
           "key=AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe&v=3",
           "ghp_1A2b3C4d5E6f7G8h9I0jK1lM2nO3pQ4rS5tU",
           "github_pat_11ABCDEFG0abcdefghijkl_mnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
           "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
       }) {
    expect_text(s, k_cloud_key);
  }
  for (const char* s : {
           "AKIAIOSFODNN7EXAMPL",    // 19 characters
           "AKIAIOSFODNN7EXAMPLE1",  // 21 characters
           "XAKIAIOSFODNN7EXAMPLE",  // glued
           "AKIAXXXXXXXXXXXXXXXX",   // a placeholder
           "AKIAiosfodnn7example",   // lower case
           "ghp_short",
           "xoxb-abcdefghijklmnop",  // no digit
           "AIzaSyDaGmWKa4JsXZ",     // too short
           "AKIA************MPLE",   // masked
       }) {
    expect_not_text(s, k_cloud_key);
  }
}

TEST(DetectFieldClass, SensitiveNames) {
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"password", k_password},
      {"passwd", k_password},
      {"pwd", k_password},
      {"secret", k_password},
      {"token", k_password},
      {"apiKey", k_password},
      {"api_key", k_password},
      {"accessKey", k_password},
      {"adminPassword", k_password},
      {"terminalPassword", k_password},
      {"access-token", k_password},
      {"clientSecret", k_password},
      {"PASSWORD", k_password},
      {"adminpassword", k_password},
      {"password_confirm", k_password},
      {"password2", k_password},
      {"密码", k_password},
      {"privateKey", k_private_key},
      {"private_key", k_private_key},
      {"idCard", k_resident_id},
      {"id_card", k_resident_id},
      {"idNumber", k_resident_id},
      {"identityNo", k_resident_id},
      {"sfzh", k_resident_id},
      {"idCardNo", k_resident_id},
      {"身份证号", k_resident_id},
      {"phone", k_mobile},
      {"mobile", k_mobile},
      {"tel", k_mobile},
      {"phoneNumber", k_mobile},
      {"user_phone", k_mobile},
      {"手机号码", k_mobile},
      {"email", k_email},
      {"emailAddress", k_email},
      {"e-mail", k_email},
      {"bankCard", k_bank_card},
      {"cardNo", k_bank_card},
      {"bank_card_no", k_bank_card},
  };
  for (const auto& [name, expected] : cases) EXPECT_EQ(field_class(name), expected) << name;
}

TEST(DetectFieldClass, NamesAboutSecretsAreNotSecrets) {
  for (const char* name :
       {"passwordHint", "tokenType", "token_expires_in", "phoneVerified", "hasPassword",
        "passwordUpdatedAt", "emailVerified", "nextPageToken", "max_tokens", "accessKeyId",
        "publicKey", "key", "id", "hotel", "gmail", "is_email", "密码提示", "name", ""}) {
    EXPECT_EQ(field_class(name), "") << name;
  }
}

TEST(DetectPassword, FieldsWithAValue) {
  const json doc = json::parse(R"({
    "password": "S3cret!", "adminPassword": "x9", "terminalPassword": "123456",
    "token": "abc123", "privateKey": "MIIEvQIBADANBg", "passwordHint": "your pet",
    "hasPassword": true, "pwd": "******", "secret": "[REDACTED]", "apiKey": null, "api_key": "",
    "tokenType": "Bearer", "passwd": "N/A", "refresh_token": "<hidden>", "pin": "none",
    "client_secret": "-", "access_token": "redacted", "userPwd": "none", "password2": false,
    "dbPassword": "${DB_PASSWORD}"
  })");
  const auto ds = Detectors().scan(doc);
  for (const char* p : {"/password", "/adminPassword", "/terminalPassword", "/token"}) {
    EXPECT_TRUE(has(ds, k_password, p)) << p << " -> " << describe(ds);
  }
  EXPECT_TRUE(has(ds, k_private_key, "/privateKey")) << describe(ds);
  EXPECT_EQ(ds.size(), 5u) << describe(ds);
  EXPECT_EQ(find(ds, k_password, "/password")->masked, mask("S3cret!"));
}

TEST(DetectPassword, PairsInText) {
  expect_text("jdbc:mysql://db?user=root&password=Hunter2&x=1", k_password);
  expect_text("pwd: abc123", k_password);
  expect_text("密码：a1b2c3", k_password);
  expect_text(R"(<script>var cfg = {"apiKey": "k-123"}</script>)", k_password);
  expect_text(R"(log: {\"password\":\"abc\"})", k_password);
  expect_text("private_key=abcdef", k_private_key);
  for (const char* s : {
           "passwordHint=foo",
           "Forgot your password? Reset it",
           "password: click the link",
           "password=******",
           "password=${DB_PASSWORD}",
           R"(<input type="password" name="password">)",
           "token_type=bearer",
           "password=null",
           "密码：请输入",
       }) {
    expect_not_text(s, k_password);
  }
  const auto ds = text("user=root&password=Hunter2");
  ASSERT_TRUE(has(ds, k_password));
  EXPECT_EQ(find(ds, k_password)->masked, mask("Hunter2"));
}

TEST(DetectIpCredential, InAnObjectWithAPassword) {
  const auto ds = Detectors().scan(
      json::parse(R"({"host": "10.0.0.12", "user": "root", "password": "P@ssw0rd"})"));
  EXPECT_TRUE(has(ds, k_ip_credential, "/host")) << describe(ds);
  EXPECT_TRUE(has(ds, k_password, "/password")) << describe(ds);
  EXPECT_EQ(find(ds, k_ip_credential, "/host")->masked, mask("10.0.0.12"));
  for (const char* body : {
           R"({"host": "10.0.0.12", "password": "******"})",
           R"({"host": "10.0.0.12", "name": "db"})",
           R"({"version": "1.2.3.4.5", "password": "x1"})",
           R"({"host": "10.0.0.256", "password": "abc"})",
           R"({"host": "v10.0.0.1", "password": "abc"})",
           R"({"server": {"ip": "10.0.0.1"}, "password": "abc"})",
           R"({"host": "10.0.0.12", "passwordHint": "abc"})",
       }) {
    EXPECT_FALSE(has(Detectors().scan(json::parse(body)), k_ip_credential)) << body;
  }
  // Arrays inherit the object's credential.
  EXPECT_TRUE(has(Detectors().scan(json::parse(R"({"hosts": ["a", "10.1.2.3"], "pwd": "x1"})")),
                  k_ip_credential, "/hosts/1"));
}

TEST(DetectIpCredential, InTextWithin80BytesOfAKeyword) {
  expect_text("ssh root@10.0.0.12 password: Abc12345", k_ip_credential);
  expect_text("数据库 192.168.1.10 密码 见附件", k_ip_credential);
  expect_text("secret for the box is in the vault; box = 172.16.0.1", k_ip_credential);
  expect_not_text("server 192.168.1.10" + std::string(100, ' ') + "password", k_ip_credential);
  expect_not_text("password" + std::string(100, ' ') + "server 192.168.1.10", k_ip_credential);
  expect_not_text("version 1.2.3.4.5 password", k_ip_credential);
  expect_not_text("host 10.0.0.1", k_ip_credential);
}

TEST(DetectJson, PointersNumbersAndEscaping) {
  const json doc = json::parse(R"({
    "data": {"list": [
      {"phone": "13812345678", "a/b": {"m~n": ")" +
                               std::string(k_id) + R"("}, "ok": true},
      {"phone": 13912345678, "card": 4111111111111111, "orderId": 4111111111111111,
       "note": null}
    ]}
  })");
  const auto ds = Detectors().scan(doc);
  EXPECT_TRUE(has(ds, k_mobile, "/data/list/0/phone")) << describe(ds);
  EXPECT_TRUE(has(ds, k_resident_id, "/data/list/0/a~1b/m~0n")) << describe(ds);
  EXPECT_TRUE(has(ds, k_mobile, "/data/list/1/phone")) << describe(ds);
  EXPECT_TRUE(has(ds, k_bank_card, "/data/list/1/card")) << describe(ds);
  EXPECT_FALSE(has(ds, k_bank_card, "/data/list/1/orderId")) << describe(ds);  // an identifier
  EXPECT_EQ(ds.size(), 4u) << describe(ds);
}

TEST(DetectJson, FieldNamesAcceptFormattedAndMaskedValues) {
  const auto ds = Detectors().scan(json::parse(R"({
    "mobile": "+86 138-1234-5678", "idCard": "110101********1233",
    "bankCard": "6222 **** **** 7894", "email": "z***g@qq.com", "phone": "N/A"
  })"));
  ASSERT_TRUE(has(ds, k_mobile, "/mobile")) << describe(ds);
  EXPECT_TRUE(find(ds, k_mobile, "/mobile")->unmasked);
  ASSERT_TRUE(has(ds, k_resident_id, "/idCard")) << describe(ds);
  EXPECT_FALSE(find(ds, k_resident_id, "/idCard")->unmasked);
  ASSERT_TRUE(has(ds, k_bank_card, "/bankCard")) << describe(ds);
  EXPECT_FALSE(find(ds, k_bank_card, "/bankCard")->unmasked);
  EXPECT_EQ(ds.size(), 3u) << describe(ds);
}

TEST(DetectJson, OncePerClassAndPointerAndDepthBounded) {
  const auto ds = Detectors().scan(json::parse(R"({"note": "13812345678 or 13912345678"})"));
  ASSERT_EQ(ds.size(), 1u) << describe(ds);
  EXPECT_EQ(ds[0].pointer, "/note");
  const auto nested = [](std::size_t depth) {
    json doc = "13812345678";
    for (std::size_t i = 0; i < depth; ++i) doc = json::array({doc});
    return doc;
  };
  EXPECT_TRUE(has(Detectors().scan(nested(10)), k_mobile, "/0/0/0/0/0/0/0/0/0/0"));
  EXPECT_TRUE(Detectors().scan(nested(100)).empty());
  EXPECT_TRUE(Detectors().scan(json(nullptr)).empty());
  EXPECT_TRUE(Detectors().scan(json(true)).empty());
  EXPECT_TRUE(has(Detectors().scan(json("13812345678")), k_mobile, ""));
}

TEST(DetectCustom, ValidPatternsReportTheirName) {
  auto d = Detectors::with_custom({{"employee-number", "E[0-9]{6}", ""}});
  ASSERT_TRUE(d.ok()) << d.error().to_string();
  const auto ds = d->scan_text("signed by E123456.");
  ASSERT_TRUE(has(ds, "employee-number")) << describe(ds);
  EXPECT_EQ(find(ds, "employee-number")->masked, mask("E123456"));
  EXPECT_TRUE(d->scan_text("signed by E12345.").empty());
  // Built-ins still apply.
  EXPECT_TRUE(has(d->scan_text("13812345678"), k_mobile));
  EXPECT_TRUE(has(d->scan(json::parse(R"({"a": {"b": "E654321"}})")), "employee-number", "/a/b"));
}

TEST(DetectCustom, FieldPatternRestrictsToMatchingFields) {
  auto d = Detectors::with_custom({{"staff-no", "[0-9]{5}", "^(staff|emp)_?no$"}});
  ASSERT_TRUE(d.ok()) << d.error().to_string();
  const auto ds = d->scan(json::parse(R"({"staffNo": "12345", "zip": "12345", "EMP_NO": 54321})"));
  EXPECT_TRUE(has(ds, "staff-no", "/staffNo")) << describe(ds);
  EXPECT_TRUE(has(ds, "staff-no", "/EMP_NO")) << describe(ds);  // case-insensitive, a number
  EXPECT_FALSE(has(ds, "staff-no", "/zip")) << describe(ds);
  EXPECT_TRUE(d->scan_text("staffNo: 12345").empty());  // field patterns need JSON
}

TEST(DetectCustom, InvalidPatternsAreErrorsNamingTheDetector) {
  const auto bad = Detectors::with_custom({{"ok", "a+", ""}, {"broken", "(abc", ""}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("\"broken\""), std::string::npos) << bad.error().message;
  EXPECT_NE(bad.error().message.find("missing )"), std::string::npos) << bad.error().message;
  const auto bad_field = Detectors::with_custom({{"f", "a", "[z-a]"}});
  ASSERT_FALSE(bad_field.ok());
  EXPECT_NE(bad_field.error().message.find("field pattern"), std::string::npos)
      << bad_field.error().message;
  EXPECT_FALSE(Detectors::with_custom({{"", "a", ""}}).ok());
  EXPECT_FALSE(Detectors::with_custom({{"empty", "", ""}}).ok());
}

TEST(DetectLimits, AtMostAThousandDetections) {
  json doc = json::array();
  for (int i = 0; i < 2500; ++i) doc.push_back({{"phone", "13812345678"}});
  const auto ds = Detectors().scan(doc);
  EXPECT_EQ(ds.size(), k_max_detections);
  EXPECT_EQ(ds.back().pointer, "/999/phone");
}

TEST(DetectLimits, HostileMegabytesScanInLinearTime) {
  constexpr std::size_t k_size = 1 << 20;
  const auto repeat = [&](std::string_view unit) {
    std::string s;
    while (s.size() < k_size) s += unit;
    return s;
  };
  std::string at_digits;
  for (std::size_t i = 0; at_digits.size() < k_size; ++i)
    at_digits += (i % 7 == 3 || i % 11 == 0) ? '@' : static_cast<char>('0' + i % 10);
  const std::vector<std::string> inputs = {
      at_digits,
      std::string(k_size, '@'),
      std::string(k_size, '1'),
      repeat(std::string(60, 'a') + "@" + "b.c-"),
      repeat("eyJ"),
      repeat("eyJhbGciOiJIUzI1NiJ9."),
      repeat("-----BEGIN "),
      repeat("password=pwd:"),
      repeat("1.1.1.1."),
      repeat("1.2.3.4 password "),
      repeat("xoxb-AIza"),
      repeat("138****1234 "),
      repeat("6222 "),
  };
  const Detectors d;
  const auto start = std::chrono::steady_clock::now();
  for (const auto& s : inputs) {
    d.scan_text(s);
    d.scan(json(s));
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // Quadratic scanning of 1 MB would take hours; linear takes well under a second per input.
  EXPECT_LT(seconds, 20.0);
}

// A token's claims travel with it (logs, URLs, browser storage): what they carry is found like
// the answer's own data, at the token's pointer followed by `#` and the claim's.
TEST(DetectJwtClaims, PersonalDataAndPasswordsInsideATokenAreFound) {
  const std::string token =
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
      "eyJzdWIiOiJ1LTEiLCJwaG9uZSI6IjEzOTEyMzQ1Njc4IiwicGFzc3dvcmQiOiJodW50ZXIyLXNlY3JldCIsImlkQ2Fy"
      "ZCI6IjExMDEwMTE5OTAwMzA3MTIzMyJ9.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg";
  const auto ds = Detectors().scan(json{{"authorization", "Bearer " + token}, {"user", "x"}});
  EXPECT_TRUE(has(ds, k_mobile, "/authorization#/phone")) << describe(ds);
  EXPECT_TRUE(has(ds, k_password, "/authorization#/password")) << describe(ds);
  EXPECT_TRUE(has(ds, k_resident_id, "/authorization#/idCard")) << describe(ds);
  // jwt.io's example carries nothing of that kind.
  const auto plain = Detectors().scan(json{{"token", k_jwt_example}});
  for (const auto& d : plain) EXPECT_EQ(d.pointer.find('#'), std::string::npos) << describe(plain);
}

}  // namespace
}  // namespace authdiff::judge
