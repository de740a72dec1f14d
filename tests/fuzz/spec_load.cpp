// Fuzz target: loading a spec (JSON, or YAML when built with AUTHDIFF_FUZZ_YAML): text -> JSON
// tree -> Api -> Plan -> every check's probes.
//
// Oracle: never crashes, hangs, leaks or throws. A rejected document is an Error that names the
// file. An accepted one plans probes whose requests all go to the config's target with an
// upper-case method, as `scan` would send them.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "app/scan.hpp"
#include "fuzz_support.hpp"
#include "judge/check.hpp"
#include "plan/plan.hpp"
#include "spec/document.hpp"
#include "spec/refs.hpp"

namespace {

using namespace authdiff;

#ifdef AUTHDIFF_FUZZ_YAML
constexpr const char* k_path = "fuzz.yaml";
#else
constexpr const char* k_path = "fuzz.json";
#endif
constexpr std::string_view k_base = "http://127.0.0.1:9";

const config::Config& fixed_config() {
  static const config::Config c = fuzz::config_from(R"(
[target]
base_url = "http://127.0.0.1:9"
[identities.alice]
level = 1
bearer = "token-alice"
owns = { id = [1], petId = [7], userId = ["alice"] }
[identities.bob]
level = 1
bearer = "token-bob"
owns = { id = [2], petId = [8], userId = ["bob"] }
[identities.admin]
level = 9
bearer = "token-admin"
)");
  return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
#ifdef AUTHDIFF_FUZZ_YAML
  auto doc = spec::parse_yaml(text, k_path);
#else
  auto doc = spec::parse_json(text, k_path);
#endif
  if (!doc) {
    if (doc.error().file != k_path)
      fuzz::broken("a parse error names the file", doc.error().to_string());
    return 0;
  }
  auto ws = spec::Workspace::from_json(std::move(doc.value()), k_path);
  if (!ws) {
    if (ws.error().file.empty()) fuzz::broken("a $ref error names a file", ws.error().to_string());
    return 0;
  }
  auto api = spec::build_api(std::move(ws.value()));
  if (!api) {
    if (api.error().file.empty())
      fuzz::broken("a model error names the file", api.error().to_string());
    return 0;
  }
  const config::Config& config = fixed_config();
  plan::Plan p = plan::make_plan(*api, &config, {});
  std::vector<const judge::Check*> checks(judge::registry().begin(), judge::registry().end());
  static const judge::Mutations mutations = judge::Mutations::defaults();
  static const judge::CheckOptions options;
  app::plan_probes(p, config, plan::Principals(config.identities), mutations, options, checks);
  for (const auto& op : p.operations) {
    for (const auto& probe : op.probes) {
      const auto& r = probe.request;
      if (probe.static_only) continue;
      if (r.url.compare(0, k_base.size(), k_base) != 0 ||
          (r.url.size() > k_base.size() && r.url[k_base.size()] != '/' &&
           r.url[k_base.size()] != '?'))
        fuzz::broken("every request goes to the target", r.method + " " + r.url);
      if (r.method.empty() ||
          r.method.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string::npos)
        fuzz::broken("every method is upper case", r.method + " " + r.url);
    }
  }
  return 0;
}
