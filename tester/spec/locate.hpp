#pragma once
// Where things are in a spec file, for reports that point at it (SARIF annotates the spec).
#include <string>
#include <string_view>
#include <vector>

#include "spec/document.hpp"

namespace authdiff::spec {

// The 1-based line of the member each JSON pointer names (the line of its key), in the text of
// a JSON or YAML document; 0 for a pointer that is not there. One pass over the text.
std::vector<int> lines_of(std::string_view text, Format format,
                          const std::vector<std::string>& pointers);

}  // namespace authdiff::spec
