// Fuzz target: recorded traffic (a HAR file, else a Postman collection) -> samples -> the
// inferred OpenAPI document -> YAML.
//
// Oracle: never crashes, hangs, leaks or throws. A rejected file is an Error that names it. An
// accepted one infers a document that authdiff's own loader accepts, whose YAML reads back as the
// same document, and whose examples hold no recorded credential.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "infer/infer.hpp"
#include "spec/document.hpp"
#include "spec/model.hpp"
#include "spec/refs.hpp"

namespace {

using namespace authdiff;
using nlohmann::json;

constexpr const char* k_path = "fuzz.har";

// The first recorded secret (long and with a digit, so no word of the document is one by
// chance) found in an example, or "".
std::string secret_in_examples(const json& j, const std::vector<std::string>& secrets,
                               bool in_example) {
  if (j.is_string()) {
    if (!in_example) return "";
    for (const auto& s : secrets) {
      if (j.get_ref<const std::string&>().find(s) != std::string::npos) return s;
    }
    return "";
  }
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) {
      if (auto s = secret_in_examples(v, secrets, in_example || k == "example"); !s.empty())
        return s;
    }
  } else if (j.is_array()) {
    for (const auto& v : j) {
      if (auto s = secret_in_examples(v, secrets, in_example); !s.empty()) return s;
    }
  }
  return "";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto doc = spec::parse_json(text, k_path);
  if (!doc) return 0;
  auto recording = infer::har_from_json(*doc, k_path);
  if (!recording) recording = infer::postman_from_json(*doc, k_path);
  if (!recording) {
    if (recording.error().file != k_path)
      fuzz::broken("a traffic error names the file", recording.error().to_string());
    return 0;
  }
  const infer::Inferred inferred = infer::infer_openapi({*recording});
  auto ws = spec::Workspace::from_json(inferred.document, "inferred.yaml");
  if (!ws) fuzz::broken("the inferred document's refs load", ws.error().to_string());
  auto api = spec::build_api(ws.value());
  if (!api) fuzz::broken("the inferred document loads", api.error().to_string());
  const std::string yaml = infer::to_yaml(inferred.document);
  auto back = spec::parse_yaml(yaml, "inferred.yaml");
  if (!back) fuzz::broken("the inferred YAML parses", back.error().to_string());
  if (*back != inferred.document)
    fuzz::broken("the inferred YAML reads back as the document", yaml.substr(0, 2000));
  std::vector<std::string> secrets;
  for (const auto& c : inferred.credentials) {
    for (const auto& v : c.credentials.secret_values()) {
      if (v.size() >= 16 && v.find_first_of("0123456789") != std::string::npos)
        secrets.push_back(v);
    }
  }
  if (const auto s = secret_in_examples(inferred.document, secrets, false); !s.empty())
    fuzz::broken("no recorded credential in an example", s);
  return 0;
}
