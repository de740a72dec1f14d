#include "util/error.hpp"

#include <algorithm>

namespace authdiff {

std::string Error::to_string() const {
  std::string out;
  if (!file.empty()) {
    out += file;
    if (line > 0) {
      out += ':' + std::to_string(line);
      if (column > 0) out += ':' + std::to_string(column);
    }
    out += ": ";
  }
  out += message;
  return out;
}

Error json_text_error(std::string_view text, const std::string& file, std::string what,
                      std::size_t byte, std::string_view prefix) {
  // "[json.exception.parse_error.101] parse error at line 1, column 2: syntax error ..." and
  // "[json.exception.out_of_range.406] number overflow ...": keep what follows the prefix.
  if (what.starts_with("[json.exception")) {
    if (const auto close = what.find("] "); close != std::string::npos)
      what = what.substr(close + 2);
  }
  if (what.starts_with("parse error")) {
    if (const auto colon = what.find(": "); colon != std::string::npos)
      what = what.substr(colon + 2);
  }
  std::size_t offset = byte > 0 ? byte - 1 : std::string_view::npos;
  if (offset == std::string_view::npos) {
    const auto open = what.find('\'');
    const auto close = open == std::string::npos ? open : what.find('\'', open + 1);
    if (close != std::string::npos && close > open + 1)
      offset = text.find(std::string_view(what).substr(open + 1, close - open - 1));
  }
  if (offset == std::string_view::npos) return Error{file, 0, 0, std::string(prefix) + what};
  const TextPosition pos = position_of(text, offset);
  return Error{file, pos.line, pos.column, std::string(prefix) + what};
}

TextPosition position_of(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  TextPosition pos;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++pos.line;
      line_start = i + 1;
    }
  }
  pos.column = static_cast<int>(offset - line_start) + 1;
  return pos;
}

}  // namespace authdiff
