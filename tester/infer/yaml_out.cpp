// The inferred document as YAML, written by libyaml's emitter (it decides which strings need
// quotes, so "123", "true", "null" and "a: b" stay strings when read back).
#include <yaml.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "infer/infer.hpp"

namespace authdiff::infer {

namespace {

using nlohmann::json;

int collect(void* data, unsigned char* buffer, size_t size) {
  static_cast<std::string*>(data)->append(reinterpret_cast<const char*>(buffer), size);
  return 1;
}

class Emitter {
 public:
  explicit Emitter(std::string& out) {
    yaml_emitter_initialize(&m_emitter);
    yaml_emitter_set_output(&m_emitter, collect, &out);
    yaml_emitter_set_unicode(&m_emitter, 1);
    yaml_emitter_set_width(&m_emitter, 100);
    yaml_emitter_set_indent(&m_emitter, 2);
  }
  ~Emitter() { yaml_emitter_delete(&m_emitter); }
  Emitter(const Emitter&) = delete;
  Emitter& operator=(const Emitter&) = delete;

  bool document(const json& root) {
    yaml_event_t e;
    yaml_stream_start_event_initialize(&e, YAML_UTF8_ENCODING);
    if (!emit(e)) return false;
    yaml_document_start_event_initialize(&e, nullptr, nullptr, nullptr, 1);
    if (!emit(e) || !value(root)) return false;
    yaml_document_end_event_initialize(&e, 1);
    if (!emit(e)) return false;
    yaml_stream_end_event_initialize(&e);
    return emit(e);
  }

 private:
  bool emit(yaml_event_t& e) { return yaml_emitter_emit(&m_emitter, &e) != 0; }

  // A scalar; `plain_ok` is false for strings, which must not read back as another type.
  bool scalar(const std::string& text, bool is_string) {
    yaml_event_t e;
    auto* tag = reinterpret_cast<yaml_char_t*>(const_cast<char*>(YAML_STR_TAG));
    const auto* bytes = reinterpret_cast<const yaml_char_t*>(text.data());
    const bool plain = !is_string || !needs_quotes(text);
    // Quoted scalars are strings without a tag; plain ones are written plain only when `plain`.
    yaml_scalar_event_initialize(&e, nullptr, tag, const_cast<yaml_char_t*>(bytes),
                                 static_cast<int>(text.size()), plain ? 1 : 0, 1,
                                 plain ? YAML_ANY_SCALAR_STYLE : YAML_DOUBLE_QUOTED_SCALAR_STYLE);
    return emit(e);
  }

  // Strings that a YAML reader would take for a number, a boolean, null or a merge key.
  static bool needs_quotes(const std::string& s) {
    if (s.empty()) return true;
    const json parsed = json::parse(s, nullptr, false);
    if (!parsed.is_discarded() && !parsed.is_string()) return true;
    static const char* k_words[] = {
        "null", "Null", "NULL", "~",  "true", "True", "TRUE", "false", "False", "FALSE",
        "yes",  "Yes",  "YES",  "no", "No",   "NO",   "on",   "On",    "ON",    "off",
        "Off",  "OFF",  "y",    "Y",  "n",    "N",    ".nan", ".inf",  "-.inf", "<<"};
    for (const char* w : k_words) {
      if (s == w) return true;
    }
    // Leading zeros, octal, hex, dates and the like.
    return (s.front() >= '0' && s.front() <= '9') || s.front() == '-' || s.front() == '+' ||
           s.front() == '.';
  }

  // Keys in the order OpenAPI documents are read (openapi, info, servers, paths, ...; an
  // operation's id and summary before its parameters), the rest alphabetically.
  static std::vector<std::string> ordered_keys(const json& object) {
    static const std::vector<std::string> k_first = {
        "openapi",    "info",        "title",     "version",     "description", "servers",
        "url",        "security",    "paths",     "components",  "operationId", "summary",
        "parameters", "requestBody", "responses", "name",        "in",          "required",
        "type",       "format",      "scheme",    "bearerFormat"};
    std::vector<std::string> keys;
    for (const auto& [key, member] : object.items()) keys.push_back(key);
    const auto rank = [](const std::string& k) {
      const auto it = std::find(k_first.begin(), k_first.end(), k);
      return static_cast<std::size_t>(it - k_first.begin());
    };
    std::stable_sort(keys.begin(), keys.end(),
                     [&](const std::string& a, const std::string& b) { return rank(a) < rank(b); });
    return keys;
  }

  bool value(const json& v) {
    yaml_event_t e;
    if (v.is_object()) {
      yaml_mapping_start_event_initialize(&e, nullptr, nullptr, 1, YAML_BLOCK_MAPPING_STYLE);
      if (!emit(e)) return false;
      for (const std::string& key : ordered_keys(v)) {
        if (!scalar(key, true) || !value(v[key])) return false;
      }
      yaml_mapping_end_event_initialize(&e);
      return emit(e);
    }
    if (v.is_array()) {
      const bool flow = v.empty();
      yaml_sequence_start_event_initialize(
          &e, nullptr, nullptr, 1, flow ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE);
      if (!emit(e)) return false;
      for (const auto& item : v) {
        if (!value(item)) return false;
      }
      yaml_sequence_end_event_initialize(&e);
      return emit(e);
    }
    if (v.is_string()) return scalar(v.get<std::string>(), true);
    if (v.is_null()) return scalar("null", false);
    return scalar(v.dump(), false);
  }

  yaml_emitter_t m_emitter{};
};

}  // namespace

std::string to_yaml(const json& document) {
  std::string out;
  {
    Emitter emitter(out);
    if (!emitter.document(document)) return document.dump(2) + "\n";  // JSON is YAML too
  }
  return out;
}

}  // namespace authdiff::infer
