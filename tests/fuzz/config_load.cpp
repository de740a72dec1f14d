// Fuzz target: loading a config (TOML text -> Config), with every ${VAR} defined.
//
// Oracle: never crashes, hangs or throws. A rejected config is an Error that names the file, and
// the error never quotes a secret: the value every ${VAR} expands to is not in its message.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "fuzz_support.hpp"

namespace {
constexpr const char* k_path = "fuzz.toml";
constexpr std::string_view k_secret = "s3cret-from-the-environment";
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace authdiff;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto env = [](const std::string&) { return std::optional<std::string>(k_secret); };
  const auto c = config::parse_config(text, k_path, env);
  if (c) return 0;
  const std::string message = c.error().to_string();
  if (c.error().file != k_path) fuzz::broken("a config error names the file", message);
  // The input itself may contain the secret's text; only an expansion is a leak.
  if (message.find(k_secret) != std::string::npos && text.find(k_secret) == std::string_view::npos)
    fuzz::broken("a config error never quotes a secret", message);
  return 0;
}
