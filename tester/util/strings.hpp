#pragma once
// Small string helpers shared by every module.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace authdiff {

std::string to_lower(std::string_view s);
std::string to_upper(std::string_view s);
std::string_view trim(std::string_view s);
std::vector<std::string> split(std::string_view s, char sep);
std::string join(std::span<const std::string> parts, std::string_view sep);

// `s` without a leading `prefix`, compared case-insensitively ("Bearer abc", "bearer " -> "abc");
// `s` itself when it does not start with it.
std::string_view without_prefix(std::string_view s, std::string_view prefix);

// Levenshtein distance, case-insensitive.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word` if it is a plausible typo of it (distance <= 1/3 of its length).
std::optional<std::string> did_you_mean(std::string_view word,
                                        std::span<const std::string> candidates);

// Shell-style glob: `*` any run of characters (also `/`), `?` one character, the rest literal.
// Case-sensitive.
bool glob_match(std::string_view pattern, std::string_view text);

// "10 s", "1.5 s", "250 ms".
std::string format_seconds(double seconds);

// Length of the valid UTF-8 sequence starting at byte `i` of `s` (its code point in `cp`), or 0
// when the bytes there are not one: truncated, overlong, a surrogate or beyond U+10FFFF.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i, std::uint32_t& cp);

// Whether all of `s` is valid UTF-8 (what a JSON string may hold).
bool valid_utf8(std::string_view s);

// Quote `s` for a message: "name" with control characters escaped.
std::string in_quotes(std::string_view s);

}  // namespace authdiff
