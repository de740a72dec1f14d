#include "infer/schema.hpp"

#include <algorithm>
#include <cctype>

#include "infer/paths.hpp"

namespace authdiff::infer {

namespace {

using nlohmann::json;

bool digits(std::string_view s, std::size_t from, std::size_t count) {
  if (s.size() < from + count) return false;
  return std::all_of(s.begin() + static_cast<std::ptrdiff_t>(from),
                     s.begin() + static_cast<std::ptrdiff_t>(from + count),
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; });
}

bool date(std::string_view s) {
  return s.size() >= 10 && digits(s, 0, 4) && s[4] == '-' && digits(s, 5, 2) && s[7] == '-' &&
         digits(s, 8, 2);
}

bool ipv4(std::string_view s) {
  int parts = 0;
  std::size_t i = 0;
  while (i <= s.size()) {
    std::size_t j = i;
    while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j])) != 0) ++j;
    if (j == i || j - i > 3 || std::stoi(std::string(s.substr(i, j - i))) > 255) return false;
    ++parts;
    if (j == s.size()) break;
    if (s[j] != '.') return false;
    i = j + 1;
  }
  return parts == 4;
}

}  // namespace

std::string string_format(std::string_view s) {
  if (s.size() == 10 && date(s)) return "date";
  if (s.size() >= 19 && date(s) && (s[10] == 'T' || s[10] == ' ') && digits(s, 11, 2) &&
      s[13] == ':' && digits(s, 14, 2))
    return "date-time";
  if (is_uuid(s)) return "uuid";
  if (s.size() <= 254 && s.find(' ') == std::string_view::npos) {
    const auto at = s.find('@');
    if (at != std::string_view::npos && at > 0 && s.find('.', at) != std::string_view::npos &&
        s.find('@', at + 1) == std::string_view::npos)
      return "email";
  }
  if ((s.starts_with("http://") || s.starts_with("https://")) && s.size() > 8 &&
      s.find(' ') == std::string_view::npos)
    return "uri";
  if (s.size() >= 7 && s.size() <= 15 && ipv4(s)) return "ipv4";
  return "";
}

void Shape::add(const json& value, int depth) {
  ++m_seen;
  if (depth > k_max_shape_depth) return;
  if (value.is_null()) {
    m_types |= k_null;
  } else if (value.is_boolean()) {
    m_types |= k_boolean;
  } else if (value.is_number_integer() || value.is_number_unsigned()) {
    m_types |= k_integer;
  } else if (value.is_number()) {
    m_types |= k_number;
  } else if (value.is_string()) {
    const auto& s = value.get_ref<const std::string&>();
    const std::string f = string_format(s);
    m_format = m_strings == 0 ? f : (m_format == f ? m_format : "");
    ++m_strings;
    m_types |= k_string;
    if (!m_many_values && std::find(m_values.begin(), m_values.end(), s) == m_values.end()) {
      if (m_values.size() >= 8 || s.size() > 32) {
        m_many_values = true;
        m_values.clear();
      } else {
        m_values.push_back(s);
      }
    }
  } else if (value.is_object()) {
    m_types |= k_object;
    ++m_objects;
    for (const auto& [name, member] : value.items()) {
      auto it = m_members.find(name);
      if (it == m_members.end()) {
        if (m_members.size() >= k_max_properties) {
          m_truncated = true;
          continue;
        }
        it = m_members.emplace(name, std::make_unique<Shape>()).first;
        m_order.push_back(name);
      }
      ++m_present[name];
      it->second->add(member, depth + 1);
    }
  } else if (value.is_array()) {
    m_types |= k_array;
    if (!m_items) m_items = std::make_unique<Shape>();
    std::size_t n = 0;
    for (const json& item : value) {
      if (n++ >= k_max_items_sampled) break;
      m_items->add(item, depth + 1);
    }
  }
}

json Shape::schema() const {
  json out = json::object();
  unsigned types = m_types & ~static_cast<unsigned>(k_null);
  if ((types & k_number) != 0) types &= ~static_cast<unsigned>(k_integer);
  std::vector<std::string> names;
  for (const auto& [bit, name] :
       std::initializer_list<std::pair<unsigned, const char*>>{{k_boolean, "boolean"},
                                                               {k_integer, "integer"},
                                                               {k_number, "number"},
                                                               {k_string, "string"},
                                                               {k_object, "object"},
                                                               {k_array, "array"}}) {
    if ((types & bit) != 0) names.push_back(name);
  }
  if (names.size() == 1) {
    if ((m_types & k_null) != 0) {
      out["type"] = json::array({names.front(), "null"});
    } else {
      out["type"] = names.front();
    }
  } else if (names.empty() && (m_types & k_null) != 0) {
    out["type"] = "null";
  } else if (names.size() > 1) {
    // Samples disagree on the type: say so rather than pick one.
    std::string seen;
    for (const auto& n : names) seen += (seen.empty() ? "" : ", ") + n;
    out["description"] = "seen as " + seen;
  }
  if (names.size() != 1) return out;
  const std::string& type = names.front();
  if (type == "string") {
    if (!m_format.empty()) out["format"] = m_format;
    // A small closed set of short words, each seen more than once: an enum.
    const bool words = std::all_of(m_values.begin(), m_values.end(), [](const std::string& v) {
      return !v.empty() && !looks_like_id(v) && std::all_of(v.begin(), v.end(), [](char c) {
        return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
      });
    });
    if (!m_many_values && m_format.empty() && words && m_values.size() >= 2 &&
        m_values.size() <= 5 && m_strings >= 2 * m_values.size() && m_strings >= 4) {
      out["enum"] = m_values;
    }
  } else if (type == "object") {
    // Members that are all IDs ({"10081": {...}, "10082": {...}}) are a map, not fields.
    const bool map =
        m_order.size() >= 3 && std::all_of(m_order.begin(), m_order.end(),
                                           [](const std::string& n) { return looks_like_id(n); });
    if (map) {
      out["additionalProperties"] = m_members.begin()->second->schema();
      return out;
    }
    json props = json::object();
    json required = json::array();
    for (const auto& name : m_order) {
      props[name] = m_members.at(name)->schema();
      if (m_present.at(name) == m_objects) required.push_back(name);
    }
    out["properties"] = std::move(props);
    if (!required.empty()) out["required"] = std::move(required);
    if (m_truncated) out["additionalProperties"] = true;
  } else if (type == "array") {
    out["items"] = m_items && m_items->samples() > 0 ? m_items->schema() : json::object();
  }
  return out;
}

}  // namespace authdiff::infer
