#pragma once
// Sensitive data in responses: resident ID numbers, mobile numbers, payment cards, e-mail
// addresses, passwords and keys, by field name and by value. Pure functions, no I/O; built-in
// detectors are hand-written linear scanners, user-defined ones are RE2 patterns.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/error.hpp"

namespace authdiff::judge {
struct Observation;
}

namespace authdiff::judge {

// Data classes, named as reports name them.
inline constexpr const char* k_resident_id = "resident-id";  // mainland China resident ID number
inline constexpr const char* k_mobile = "mobile";            // mainland China mobile number
inline constexpr const char* k_bank_card = "bank-card";      // payment card number (Luhn)
inline constexpr const char* k_email = "email";
inline constexpr const char* k_ip_credential = "ip-with-credential";  // IPv4 next to a password
inline constexpr const char* k_password = "password";  // password / secret / token with a value
inline constexpr const char* k_private_key = "private-key";  // -----BEGIN ... PRIVATE KEY-----
inline constexpr const char* k_jwt = "jwt";
// AWS AKIA.../ASIA..., Aliyun LTAI..., Tencent AKID..., Google AIza..., GitHub ghp_/gho_/ghs_/
// github_pat_, Slack xox[bpas]-...
inline constexpr const char* k_cloud_key = "cloud-key";

// Bounds against hostile responses.
inline constexpr std::size_t k_max_detections = 1000;  // per scan
inline constexpr std::size_t k_max_scan_depth = 64;    // JSON nesting walked by scan()

struct Detection {
  std::string data_class;        // one of the above, or a custom detector's name
  std::string pointer;           // JSON pointer of the leaf ("" in plain text)
  std::string masked;            // the value as reports may show it: mask(value) from observe.hpp
  bool unmasked = true;          // false: the value is already masked by the server (138****1234)
  std::uint64_t value_hash = 0;  // of the value itself: tells distinct values apart (never shown)
};

struct CustomDetector {
  std::string name;           // data class it reports, e.g. "employee-number"
  std::string pattern;        // RE2 pattern matched against values (partial match)
  std::string field_pattern;  // optional RE2 pattern a field name must match (case-insensitive);
                              // "" = any field. Detectors with one apply to JSON only.
};

// The detectors of one run: the built-ins and the user's. Cheap to copy (compiled patterns are
// shared, and RE2 matching is thread-safe).
class Detectors {
 public:
  Detectors();  // built-ins only
  // Built-ins plus custom ones; an invalid pattern is an error naming the detector and RE2's
  // message.
  static Result<Detectors> with_custom(std::vector<CustomDetector> custom);

  // JSON-aware: walks objects/arrays (depth-bounded at k_max_scan_depth), uses the member name of
  // each leaf (field-name + value rules) and scans string values as text too. The same
  // (class, pointer) is reported once; at most k_max_detections in all.
  std::vector<Detection> scan(const nlohmann::json& doc) const;
  // The same over an observed answer, part after part when it was read in parts (a large one):
  // each part is walked from where it sits, under the member name of its array.
  std::vector<Detection> scan(const Observation& answer) const;
  // Plain text (non-JSON bodies, HTML, CSV): value rules only, plus "password=..."/"pwd: ..."
  // style pairs. Every detection has pointer "", so each class is reported at most once.
  std::vector<Detection> scan_text(std::string_view text) const;

 private:
  struct Custom;  // a compiled CustomDetector
  class Walker;   // one scan()

  std::vector<std::shared_ptr<const Custom>> m_custom;
};

// Validators, public for tests and for the static audit.

// 18 chars, 17 digits + digit/X, GB 11643-1999 ISO 7064 MOD 11-2 check digit, a province code
// that exists (11..82, 83 for residence permits), a birth date YYYYMMDD in 1900..2099 that is a
// real calendar date.
bool valid_resident_id(std::string_view s);
// 11 digits starting 1[3-9]; an optional +86 / 86 prefix (then an optional space or dash).
bool valid_mobile(std::string_view s);
// Digits only (2 or more), Luhn checksum.
bool luhn_valid(std::string_view digits);
// 13..19 digits (single spaces or dashes allowed between groups), Luhn-valid, a plausible IIN
// (first digit 3, 4, 5 or 6, which includes 62 UnionPay), not all the same digit.
bool valid_bank_card(std::string_view s);
// A value masked by its server: a run of 2+ '*' / '●' / '•' ("138****1234", "****"), or in a
// string of digits, a run of 4+ 'x'/'X' ("138xxxx1234"). Values over 128 bytes are not.
bool looks_masked(std::string_view s);
// The data class a field name suggests (k_password, k_private_key, k_resident_id, k_mobile,
// k_email, k_bank_card), or "". Case-insensitive, tolerant of camelCase/snake_case/kebab-case,
// and of a few Chinese names (密码, 手机号, 身份证号, ...). Names that describe a secret rather
// than hold it return "": "passwordHint", "tokenType", "token_expires_in", "phoneVerified",
// "hasPassword", "passwordUpdatedAt", "emailVerified", "nextPageToken".
std::string field_class(std::string_view field_name);

}  // namespace authdiff::judge
