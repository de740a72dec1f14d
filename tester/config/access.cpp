#include "config/access.hpp"

#include <toml++/toml.h>

#include "config/toml_reader.hpp"
#include "util/file.hpp"

namespace authdiff::config {

namespace {

const std::vector<std::string> k_states = {"allowed", "denied", "n/a"};
const std::vector<std::string> k_keys = {"allowed", "denied", "na"};

}  // namespace

Result<AccessMatrix> parse_access(std::string_view text, const std::string& path) {
  AccessMatrix m;
  m.path = path;
  const Context ctx(path, nullptr);
  try {
    auto parsed = parse_toml(text, path);
    if (!parsed) return parsed.error();
    const toml::table& root = *parsed;
    for (const auto& [key, node] : root) {
      const std::string name(key.str());
      if (name == "authdiff_access") {
        if (!node.is_integer() || node.as_integer()->get() != k_access_version)
          ctx.fail(node.source(), "authdiff_access must be " + std::to_string(k_access_version));
        continue;
      }
      if (name == "spec") continue;
      if (!node.is_table()) {
        ctx.fail(node.source(), in_quotes(name) + " must be a table: [\"METHOD /path\"]");
      }
      KeyReader r(*node.as_table(), name, ctx);
      auto& row = m.operations[name];
      for (std::size_t i = 0; i < k_keys.size(); ++i) {
        for (const auto& who : r.strings(k_keys[i]).value_or(std::vector<std::string>{})) {
          if (!row.emplace(who, k_states[i]).second)
            ctx.fail(node.source(), name + ": " + who + " is listed twice");
        }
      }
      r.finish();
    }
  } catch (const ConfigError& e) {
    return e.error;
  }
  return m;
}

Result<AccessMatrix> load_access(const std::string& path) {
  auto text = read_file(path);
  if (!text) return text.error();
  return parse_access(*text, path);
}

std::string access_toml(const AccessMatrix& matrix, const std::vector<std::string>& order,
                        const std::string& spec_file) {
  std::string out =
      "# authdiff access matrix: who could do what when `authdiff learn` ran. Review it, commit\n"
      "# it next to the spec, and run `authdiff scan --expect THIS_FILE`: anyone allowed where "
      "this\n"
      "# says denied fails the run; denied where this says allowed is reported as narrowed.\n"
      "# \"na\": no usable answer either way (a server error, no object to ask for).\n\n"
      "authdiff_access = " +
      std::to_string(k_access_version) + "\nspec = " + toml_quoted(spec_file) + "\n";
  for (const auto& op : order) {
    const auto it = matrix.operations.find(op);
    if (it == matrix.operations.end()) continue;
    out += "\n[" + toml_quoted(op) + "]\n";
    for (std::size_t i = 0; i < k_keys.size(); ++i) {
      std::string list;
      for (const auto& [who, state] : it->second) {
        if (state == k_states[i]) list += (list.empty() ? "" : ", ") + toml_quoted(who);
      }
      out += k_keys[i] + " = [" + list + "]\n";
    }
  }
  return out;
}

}  // namespace authdiff::config
