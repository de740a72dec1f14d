#pragma once
// Shared by the unit tests: load an inline spec or a file under tests/data.
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "spec/model.hpp"

namespace authdiff::test {

inline std::string data_path(const std::string& relative) {
  return std::string(AUTHDIFF_TEST_DATA) + "/" + relative;
}

// Build an Api from JSON text; fails the test (and returns an empty Api) on error.
inline spec::Api api_from(const std::string& json_text) {
  auto ws = spec::Workspace::from_json(nlohmann::json::parse(json_text), "inline.json");
  if (!ws) {
    ADD_FAILURE() << ws.error().to_string();
    return {};
  }
  auto api = spec::build_api(ws.value());
  if (!api) {
    ADD_FAILURE() << api.error().to_string();
    return {};
  }
  return std::move(api.value());
}

inline const spec::Operation* find_op(const spec::Api& api, const std::string& key) {
  for (const auto& op : api.operations) {
    if (op.key() == key) return &op;
  }
  ADD_FAILURE() << "no operation " << key;
  return nullptr;
}

inline const spec::Parameter* find_param(const spec::Operation& op, const std::string& name) {
  for (const auto& p : op.parameters) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

}  // namespace authdiff::test
