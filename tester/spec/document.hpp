#pragma once
// Parse one spec file (JSON or YAML) into the JSON tree the rest of authdiff reads.
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "util/error.hpp"

namespace authdiff::spec {

enum class Format { json, yaml };

// JSON when the file name ends in .json or the text starts with `{` or `[`; YAML otherwise.
Format detect_format(std::string_view path, std::string_view text);

// Parse `text`; errors carry `path` and the line and column (YAML marks; JSON byte offsets
// turned into lines).
Result<nlohmann::json> parse_json(std::string_view text, const std::string& path);
Result<nlohmann::json> parse_yaml(std::string_view text, const std::string& path);
Result<nlohmann::json> parse_document(std::string_view text, const std::string& path);

}  // namespace authdiff::spec
