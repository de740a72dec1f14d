#pragma once
// JSON Pointer (RFC 6901) and the URI-fragment form used by `$ref`.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace authdiff {

// Escape one reference token: `~` -> `~0`, `/` -> `~1`.
std::string pointer_escape(std::string_view token);

// Split a pointer ("" or "/a/b~1c") into unescaped tokens; nullopt if it is malformed
// (does not start with `/`, or has `~` not followed by 0 or 1).
std::optional<std::vector<std::string>> pointer_tokens(std::string_view pointer);

// Decode %XX escapes; nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view s);

// `s` decoded, for text that goes into a JSON document: `s` itself when an escape is malformed
// or the bytes it decodes to are not valid UTF-8 ("%80" stays "%80", never a lone 0x80 byte).
std::string percent_decoded_text(std::string_view s);

}  // namespace authdiff
