#include "report/xml.hpp"

#include "util/strings.hpp"

namespace authdiff::report {

namespace {
const char* k_replacement = "\xEF\xBF\xBD";

}  // namespace

std::string xml_escape(std::string_view text, bool attribute) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    std::uint32_t cp = 0;
    const std::size_t n = utf8_sequence_length(text, i, cp);
    if (n == 0) {
      out += k_replacement;
      ++i;
      continue;
    }
    const bool allowed =
        cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp != 0xFFFE && cp != 0xFFFF);
    if (!allowed) {
      out += k_replacement;
    } else if (cp == '&') {
      out += "&amp;";
    } else if (cp == '<') {
      out += "&lt;";
    } else if (cp == '>') {
      out += "&gt;";
    } else if (cp == '"') {
      out += "&quot;";
    } else if (cp == '\'') {
      out += "&apos;";
    } else if (attribute && (cp == '\n' || cp == '\r' || cp == '\t')) {
      out += "&#" + std::to_string(cp) + ";";  // survives attribute normalisation
    } else {
      out.append(text.substr(i, n));
    }
    i += n;
  }
  return out;
}

std::string xml_token(std::string_view text, std::string_view fallback) {
  std::string collapsed;
  bool space = false;
  for (const char c : text) {
    const bool ws = c == ' ' || c == '\t' || c == '\n' || c == '\r';
    if (ws) {
      space = !collapsed.empty();
      continue;
    }
    if (space) collapsed += ' ';
    space = false;
    collapsed += c;
  }
  if (collapsed.empty()) collapsed = fallback;
  return xml_escape(collapsed);
}

}  // namespace authdiff::report
