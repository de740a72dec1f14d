#pragma once
// The access matrix (`authdiff learn --out FILE`, `authdiff scan --expect FILE`): for every
// operation, which principals (identities and "anonymous") were allowed, denied, or could not
// be told. A reviewed, committed snapshot of who can do what.
#include <map>
#include <string>
#include <vector>

#include "util/error.hpp"

namespace authdiff::config {

inline constexpr int k_access_version = 1;

struct AccessMatrix {
  std::string path;  // the file it came from
  // "GET /orders/{orderId}" -> principal -> "allowed" | "denied" | "n/a"
  std::map<std::string, std::map<std::string, std::string>> operations;
};

// Load a matrix; errors carry file:line (unknown keys, a principal listed twice, bad states).
Result<AccessMatrix> parse_access(std::string_view text, const std::string& path);
Result<AccessMatrix> load_access(const std::string& path);

// The TOML text of `matrix`, operations in the order given, with a header saying what it is.
std::string access_toml(const AccessMatrix& matrix, const std::vector<std::string>& order,
                        const std::string& spec_file);

}  // namespace authdiff::config
