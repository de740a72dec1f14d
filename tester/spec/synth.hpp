#pragma once
// Values a request can carry: the spec's own examples first, then one made from type and format.
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "spec/model.hpp"

namespace authdiff::spec {

// A value `schema` accepts: example, examples, default, enum, const, then type/format.
// Recursive schemas stop at their first repetition; output is bounded in size.
Example synthesize(const Workspace& ws, Node schema);

// A string matching `pattern` when the pattern is simple (literals, classes, \d \w, quantifiers,
// anchors); nullopt for anything else (alternation, groups, look-around, back-references).
std::optional<std::string> string_for_pattern(const std::string& pattern);

}  // namespace authdiff::spec
