#pragma once
// Base64url (RFC 4648 §5), as JWTs use it: no padding on output; input may be padded and may use
// the standard alphabet's '+' and '/'.
#include <optional>
#include <string>
#include <string_view>

namespace authdiff {

std::string base64url_encode(std::string_view bytes);
// nullopt when `text` holds a character outside both alphabets.
std::optional<std::string> base64url_decode(std::string_view text);
// The decoded middle part of a JWT (header.payload.signature): its claims as JSON text, or
// nullopt when `token` has no two dots or the part is not base64url.
std::optional<std::string> jwt_payload(std::string_view token);

}  // namespace authdiff
