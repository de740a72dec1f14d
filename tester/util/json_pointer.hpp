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

}  // namespace authdiff
