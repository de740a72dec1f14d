#include "spec/document.hpp"

#include <algorithm>

#include "util/strings.hpp"

namespace authdiff::spec {

Format detect_format(std::string_view path, std::string_view text) {
  if (path.ends_with(".json") || path.ends_with(".JSON")) return Format::json;
  const std::string_view head = trim(text.substr(0, 256));
  // A UTF-8 byte order mark before the first brace still means JSON.
  const std::string_view body = head.starts_with("\xEF\xBB\xBF") ? head.substr(3) : head;
  if (!body.empty() && (body.front() == '{' || body.front() == '[')) return Format::json;
  return Format::yaml;
}

Result<nlohmann::json> parse_json(std::string_view text, const std::string& path) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  try {
    return nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::parse_error& e) {
    // `byte` is 1-based and points at the offending character.
    return json_text_error(text, path, e.what(), std::max<std::size_t>(e.byte, 1),
                           "invalid JSON: ");
  } catch (const nlohmann::json::exception& e) {
    // Found by fuzz_spec_json: a number too large for a double (1e999) is an out_of_range
    // exception, not a parse_error, and ended the run.
    return json_text_error(text, path, e.what(), 0, "invalid JSON: ");
  }
}

Result<nlohmann::json> parse_document(std::string_view text, const std::string& path) {
  if (detect_format(path, text) == Format::json) return parse_json(text, path);
  return parse_yaml(text, path);
}

}  // namespace authdiff::spec
