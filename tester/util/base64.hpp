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

}  // namespace authdiff
