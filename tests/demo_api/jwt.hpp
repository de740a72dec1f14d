#pragma once
// HS256 JSON Web Tokens for the demo API (tests only).
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "util/base64.hpp"

namespace demo {

// The same base64url as authdiff's own (tester/util/base64.hpp): one implementation.
using authdiff::base64url_decode;
using authdiff::base64url_encode;

// header.payload.signature, signed with HMAC-SHA256.
std::string jwt_sign(const nlohmann::json& claims, const std::string& secret);

// The claims of a valid, unexpired token. `accept_alg_none` reproduces a classic library flaw:
// a token whose header says {"alg": "none"} is trusted without any signature.
std::optional<nlohmann::json> jwt_verify(const std::string& token, const std::string& secret,
                                         long now, bool accept_alg_none = false);

}  // namespace demo
