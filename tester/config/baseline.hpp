#pragma once
// The baseline file (`scan --baseline FILE`): findings known and accepted for now, by stable id,
// each with a reason and an optional expiry date. Written by `scan --write-baseline FILE`.
#include <string>
#include <vector>

#include "util/error.hpp"

namespace authdiff::config {

inline constexpr int k_baseline_version = 1;

struct KnownFinding {
  std::string id;  // the finding's stable id
  // For people (and `not checked` reports); the id alone decides what matches.
  std::string check, operation, identity, victim, parameter, severity;
  std::string reason;   // why it is accepted; required
  std::string expires;  // YYYY-MM-DD: from the day after, the finding fails again; "" = never
  int line = 0;         // where the entry starts in the file
};

struct BaselineFile {
  std::string path;
  std::vector<KnownFinding> known;

  const KnownFinding* find(const std::string& id) const;
};

// Load a baseline; errors carry file:line (unknown keys, missing id or reason, bad dates,
// duplicate ids).
Result<BaselineFile> parse_baseline(std::string_view text, const std::string& path);
Result<BaselineFile> load_baseline(const std::string& path);

// The TOML text of a baseline with `known` (ids sorted), with a header saying how to edit it.
std::string baseline_toml(const std::vector<KnownFinding>& known);

}  // namespace authdiff::config
