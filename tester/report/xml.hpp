#pragma once
#include <string>
#include <string_view>

namespace authdiff::report {

// Escape for XML 1.0 text and attributes: markup characters escaped, characters XML forbids
// (control characters, U+FFFE/FFFF) and invalid UTF-8 replaced with U+FFFD.
// In attributes (`attribute`), newlines and tabs become character references so they survive.
std::string xml_escape(std::string_view text, bool attribute = true);

// A value for an xs:token attribute: whitespace runs collapsed to one space, trimmed, escaped;
// `fallback` when nothing is left.
std::string xml_token(std::string_view text, std::string_view fallback = "-");

}  // namespace authdiff::report
