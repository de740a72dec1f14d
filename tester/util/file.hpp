#pragma once
#include <string>

#include "util/error.hpp"

namespace authdiff {

// Read a whole file of at most 512 MiB; the error names the file and the reason (errno text).
Result<std::string> read_file(const std::string& path);

// Write `content` to `path` (created or truncated; or appended to when `append`).
Result<bool> write_file(const std::string& path, std::string_view content, bool append = false);

}  // namespace authdiff
