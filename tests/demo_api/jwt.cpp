#include "jwt.hpp"

#include <cstring>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace demo {

namespace {

std::string hmac_sha256(const std::string& key, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}
}  // namespace

std::string jwt_sign(const nlohmann::json& claims, const std::string& secret) {
  const std::string head = base64url_encode(R"({"alg":"HS256","typ":"JWT"})");
  const std::string body = base64url_encode(claims.dump());
  const std::string signing_input = head + "." + body;
  return signing_input + "." + base64url_encode(hmac_sha256(secret, signing_input));
}

std::optional<nlohmann::json> jwt_verify(const std::string& token, const std::string& secret,
                                         long now, bool accept_alg_none) {
  const auto dot1 = token.find('.');
  const auto dot2 = token.find('.', dot1 == std::string::npos ? 0 : dot1 + 1);
  if (dot1 == std::string::npos || dot2 == std::string::npos) return std::nullopt;
  const auto head_text = base64url_decode(token.substr(0, dot1));
  const auto body_text = base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  if (!head_text || !body_text) return std::nullopt;
  const auto head = nlohmann::json::parse(*head_text, nullptr, false);
  const auto claims = nlohmann::json::parse(*body_text, nullptr, false);
  if (!head.is_object() || !claims.is_object()) return std::nullopt;
  const std::string alg = head.value("alg", "");
  if (alg == "HS256") {
    const std::string expected = base64url_encode(hmac_sha256(secret, token.substr(0, dot2)));
    const std::string given = token.substr(dot2 + 1);
    if (expected.size() != given.size() ||
        CRYPTO_memcmp(expected.data(), given.data(), expected.size()) != 0) {
      return std::nullopt;
    }
  } else if (!(accept_alg_none && (alg == "none" || alg == "None" || alg == "NONE"))) {
    return std::nullopt;
  }
  if (!claims.contains("exp") || !claims["exp"].is_number() || claims["exp"].get<long>() <= now) {
    return std::nullopt;
  }
  return claims;
}

}  // namespace demo
