#pragma once
// JSON Schema from sample values: every sample of a body is added to one Shape, which merges
// what they have in common (types, string formats, members present in every object, array items)
// and then writes it as an OpenAPI 3.1 schema.
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace authdiff::infer {

// Bounds against huge or hostile recordings.
inline constexpr int k_max_shape_depth = 32;
inline constexpr std::size_t k_max_items_sampled = 100;  // array elements merged per array
inline constexpr std::size_t k_max_properties = 500;     // members kept per object

class Shape {
 public:
  Shape() = default;
  Shape(const Shape&) = delete;
  Shape& operator=(const Shape&) = delete;

  void add(const nlohmann::json& value) { add(value, 0); }
  // The merged schema: `type` (with "null" in a list when a sample was null), `format`,
  // `properties` and `required` (members in every sample), `items`, `enum` for a small closed
  // set of short strings seen often enough to tell.
  nlohmann::json schema() const;
  std::size_t samples() const { return m_seen; }

 private:
  void add(const nlohmann::json& value, int depth);

  enum : unsigned {
    k_null = 1,
    k_boolean = 2,
    k_integer = 4,
    k_number = 8,
    k_string = 16,
    k_object = 32,
    k_array = 64
  };
  unsigned m_types = 0;
  std::size_t m_seen = 0;
  // strings
  std::size_t m_strings = 0;
  std::string m_format;               // shared by every string so far; "" = none
  std::vector<std::string> m_values;  // distinct values, up to a few
  bool m_many_values = false;
  // objects
  std::size_t m_objects = 0;
  std::vector<std::string> m_order;  // member names in first-seen order
  std::map<std::string, std::unique_ptr<Shape>> m_members;
  std::map<std::string, std::size_t> m_present;
  bool m_truncated = false;
  // arrays
  std::unique_ptr<Shape> m_items;
};

// "date-time", "date", "uuid", "email", "uri", "ipv4" or "".
std::string string_format(std::string_view s);

}  // namespace authdiff::infer
