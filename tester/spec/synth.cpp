#include "spec/synth.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace authdiff::spec {

using nlohmann::json;

namespace {

constexpr int k_max_depth = 12;
constexpr int k_max_nodes = 400;  // values produced per synthesize() call
constexpr int k_max_properties = 40;

const json* member(const json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  const auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

std::optional<double> number_of(const json& obj, const char* key) {
  const json* v = member(obj, key);
  if (v == nullptr || !v->is_number()) return std::nullopt;
  return v->get<double>();
}

// The first non-null type of `type: x` or `type: [x, "null"]`; inferred when absent.
std::string type_of(const json& schema) {
  if (const json* t = member(schema, "type")) {
    if (t->is_string()) return t->get<std::string>();
    if (t->is_array()) {
      for (const auto& item : *t) {
        if (item.is_string() && item != "null") return item.get<std::string>();
      }
      return "null";
    }
  }
  if (member(schema, "properties") || member(schema, "additionalProperties")) return "object";
  if (member(schema, "items")) return "array";
  if (member(schema, "minimum") || member(schema, "maximum")) return "number";
  return "";
}

std::string string_for_format(const std::string& format) {
  if (format == "uuid") return "3fa85f64-5717-4562-b3fc-2c963f66afa6";
  if (format == "date-time") return "2024-01-15T09:30:00Z";
  if (format == "date") return "2024-01-15";
  if (format == "time") return "09:30:00Z";
  if (format == "email" || format == "idn-email") return "user@example.com";
  if (format == "uri" || format == "url" || format == "iri") return "https://example.com/";
  if (format == "uri-reference" || format == "uri-template") return "/example";
  if (format == "hostname" || format == "idn-hostname") return "example.com";
  if (format == "ipv4") return "192.0.2.1";
  if (format == "ipv6") return "2001:db8::1";
  if (format == "byte") return "ZXhhbXBsZQ==";
  if (format == "binary") return "example";
  if (format == "password") return "example-password";
  if (format == "duration") return "P1D";
  if (format == "int32" || format == "int64") return "1";
  return "";
}

class Synthesizer {
 public:
  explicit Synthesizer(const Workspace& ws) : m_ws(ws) {}

  // nullopt: nothing sensible (a recursion or the size bound); callers omit the value.
  std::optional<json> value(Node node, int depth) {
    node = m_ws.deref(node);
    if (!node || !node->is_object()) return json("string");
    const json& s = *node;
    if (depth > k_max_depth || ++m_nodes > k_max_nodes) return std::nullopt;
    if (std::find(m_stack.begin(), m_stack.end(), node.value) != m_stack.end()) {
      return std::nullopt;
    }
    m_stack.push_back(node.value);
    std::optional<json> out = compute(node, s, depth);
    m_stack.pop_back();
    return out;
  }

  std::string source = "schema";  // what the top-level value came from

 private:
  std::optional<json> compute(Node node, const json& s, int depth) {
    if (const json* e = member(s, "example")) return note(depth, "example"), *e;
    if (const json* e = member(s, "examples"); e && e->is_array() && !e->empty()) {
      return note(depth, "examples"), (*e)[0];
    }
    if (const json* d = member(s, "default")) return note(depth, "default"), *d;
    if (const json* c = member(s, "const")) return note(depth, "const"), *c;
    if (const json* e = member(s, "enum"); e && e->is_array() && !e->empty()) {
      for (const auto& v : *e) {
        if (!v.is_null()) return note(depth, "enum"), v;
      }
      return note(depth, "enum"), (*e)[0];
    }
    if (const json* all = member(s, "allOf"); all && all->is_array()) {
      return all_of(node, s, *all, depth);
    }
    for (const char* key : {"oneOf", "anyOf"}) {
      if (const json* alts = member(s, key); alts && alts->is_array()) {
        for (const auto& alt : *alts) {
          const Node a = m_ws.deref(Node{&alt, node.doc});
          if (a && a->is_object() && type_of(*a) == "null") continue;
          if (auto v = value(a, depth + 1)) return v;
        }
      }
    }
    const std::string type = type_of(s);
    if (type == "object") return object(node, s, depth);
    if (type == "array") return array(node, s, depth);
    if (type == "integer") return integer(s);
    if (type == "number") return number(s);
    if (type == "boolean") return true;
    if (type == "null") return nullptr;
    return string(s);
  }

  int note(int depth, const char* what) {
    if (depth == 0) source = what;
    return 0;
  }

  std::optional<json> all_of(Node node, const json& s, const json& parts, int depth) {
    json merged = json::object();
    bool any_object = false;
    for (const auto& part : parts) {
      auto v = value(Node{&part, node.doc}, depth + 1);
      if (!v) continue;
      if (v->is_object()) {
        any_object = true;
        for (auto& [k, item] : v->items()) merged[k] = item;
      } else if (!any_object) {
        return v;
      }
    }
    if (member(s, "properties")) {
      if (auto own = object(node, s, depth); own && own->is_object()) {
        for (auto& [k, item] : own->items()) merged[k] = item;
      }
    }
    return merged;
  }

  std::optional<json> object(Node node, const json& s, int depth) {
    json out = json::object();
    const json* props = member(s, "properties");
    if (props == nullptr || !props->is_object()) return out;
    std::vector<std::string> required;
    if (const json* r = member(s, "required"); r && r->is_array()) {
      for (const auto& name : *r) {
        if (name.is_string()) required.push_back(name.get<std::string>());
      }
    }
    int count = 0;
    for (const auto& [name, prop] : props->items()) {
      const bool is_required = std::find(required.begin(), required.end(), name) != required.end();
      if (!is_required && count >= k_max_properties) continue;
      const Node p = m_ws.deref(Node{&prop, node.doc});
      if (p && p->is_object()) {
        // The server sets it; a request does not send it, even where it is `required`.
        if (const json* ro = member(*p, "readOnly"); ro && ro->is_boolean() && ro->get<bool>()) {
          continue;
        }
      }
      if (auto v = value(p, depth + 1)) {
        out[name] = std::move(*v);
        ++count;
      }
    }
    return out;
  }

  std::optional<json> array(Node node, const json& s, int depth) {
    json out = json::array();
    const json* items = member(s, "items");
    if (items == nullptr || !items->is_object()) return out;
    std::size_t n = 1;
    if (auto min = number_of(s, "minItems"); min && *min > 1) {
      n = *min >= 3 ? 3 : static_cast<std::size_t>(*min);
    }
    if (auto max = number_of(s, "maxItems"); max && *max < 1) n = 0;
    for (std::size_t i = 0; i < n; ++i) {
      auto v = value(Node{items, node.doc}, depth + 1);
      if (!v) break;
      out.push_back(std::move(*v));
    }
    return out;
  }

  // Lower and upper bounds of a numeric schema (3.0 boolean or 3.1 numeric exclusive bounds).
  static void bounds(const json& s, double& lo, double& hi, double step) {
    lo = -1e15;
    hi = 1e15;
    if (auto min = number_of(s, "minimum")) lo = *min;
    if (auto max = number_of(s, "maximum")) hi = *max;
    const json* emin = member(s, "exclusiveMinimum");
    const json* emax = member(s, "exclusiveMaximum");
    if (emin && emin->is_boolean() && emin->get<bool>()) lo += step;
    if (emax && emax->is_boolean() && emax->get<bool>()) hi -= step;
    if (emin && emin->is_number()) lo = std::max(lo, emin->get<double>() + step);
    if (emax && emax->is_number()) hi = std::min(hi, emax->get<double>() - step);
  }

  static json integer(const json& s) {
    double lo, hi;
    bounds(s, lo, hi, 1);
    double v = std::clamp(1.0, std::ceil(lo), std::max(std::ceil(lo), std::floor(hi)));
    if (auto step = number_of(s, "multipleOf"); step && *step >= 1) {
      v = std::ceil(v / *step) * *step;
    }
    return whole(v);
  }

  // An integral value as an integer when it fits one (bounds like `minimum: 1e300` do not).
  static json whole(double v) {
    if (std::fabs(v) < 9e15) return static_cast<std::int64_t>(v);
    return v;
  }

  static json number(const json& s) {
    double lo, hi;
    bounds(s, lo, hi, 0.01);
    const double v = std::clamp(1.0, lo, std::max(lo, hi));
    if (v == std::floor(v)) return whole(v);
    return v;
  }

  static json string(const json& s) {
    std::string out;
    if (const json* f = member(s, "format"); f && f->is_string()) {
      out = string_for_format(f->get<std::string>());
    }
    if (out.empty()) {
      if (const json* p = member(s, "pattern"); p && p->is_string()) {
        if (auto v = string_for_pattern(p->get<std::string>())) return *v;
      }
      out = "example";
    }
    if (auto min = number_of(s, "minLength"); min && out.size() < *min && *min <= 4096) {
      out.append(static_cast<std::size_t>(*min) - out.size(), 'x');
    }
    if (auto max = number_of(s, "maxLength"); max && *max >= 0 && out.size() > *max) {
      out.resize(static_cast<std::size_t>(*max));
    }
    return out;
  }

  const Workspace& m_ws;
  std::vector<const json*> m_stack;  // schemas being synthesized, for recursion
  int m_nodes = 0;
};

// One regex atom: the characters it may produce (first is used) and how many times.
struct Atom {
  char c = 'a';
  std::size_t repeat = 1;
};

// The first character a class `[...]` accepts, starting after the `[`; advances `i` past `]`.
std::optional<char> class_char(const std::string& p, std::size_t& i) {
  if (i < p.size() && p[i] == '^') return std::nullopt;  // negated classes: give up
  std::optional<char> first;
  while (i < p.size() && p[i] != ']') {
    char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      const char e = p[++i];
      c = e == 'd' ? '1' : e == 'w' ? 'a' : e == 's' ? ' ' : e;
    }
    if (!first) first = c;
    ++i;
  }
  if (i >= p.size()) return std::nullopt;
  ++i;  // past ]
  return first;
}

}  // namespace

std::optional<std::string> string_for_pattern(const std::string& p) {
  std::vector<Atom> atoms;
  std::size_t i = 0;
  if (i < p.size() && p[i] == '^') ++i;
  while (i < p.size()) {
    const char c = p[i];
    Atom atom;
    if (c == '$' && i + 1 == p.size()) break;
    if (c == '(' || c == ')' || c == '|' || c == '$' || c == '^') return std::nullopt;
    if (c == '[') {
      ++i;
      auto first = class_char(p, i);
      if (!first) return std::nullopt;
      atom.c = *first;
    } else if (c == '\\') {
      if (i + 1 >= p.size()) return std::nullopt;
      const char e = p[i + 1];
      if (e == 'd')
        atom.c = '1';
      else if (e == 'w')
        atom.c = 'a';
      else if (e == 's')
        atom.c = ' ';
      else if (std::isalnum(static_cast<unsigned char>(e)))
        return std::nullopt;  // \b, \p, \1...
      else
        atom.c = e;
      i += 2;
    } else if (c == '.') {
      atom.c = 'a';
      ++i;
    } else if (c == '*' || c == '+' || c == '?' || c == '{') {
      return std::nullopt;  // quantifier with nothing before it
    } else {
      atom.c = c;
      ++i;
    }
    // Quantifier
    if (i < p.size()) {
      if (p[i] == '*' || p[i] == '?') {
        atom.repeat = p[i] == '*' ? 1 : 1;
        ++i;
      } else if (p[i] == '+') {
        atom.repeat = 1;
        ++i;
      } else if (p[i] == '{') {
        const std::size_t close = p.find('}', i);
        if (close == std::string::npos) return std::nullopt;
        const std::string inner = p.substr(i + 1, close - i - 1);
        const std::string lo = inner.substr(0, inner.find(','));
        if (lo.empty() || lo.find_first_not_of("0123456789") != std::string::npos ||
            lo.size() > 4) {
          return std::nullopt;
        }
        atom.repeat = std::stoul(lo);
        if (atom.repeat == 0 && inner.find(',') != std::string::npos) atom.repeat = 1;
        i = close + 1;
      }
      if (i < p.size() && (p[i] == '?' || p[i] == '+')) ++i;  // lazy/possessive
    }
    atoms.push_back(atom);
  }
  std::string out;
  for (const auto& a : atoms) out.append(a.repeat, a.c);
  if (out.size() > 4096) return std::nullopt;
  return out;
}

Example synthesize(const Workspace& ws, Node schema) {
  Synthesizer s(ws);
  auto v = s.value(schema, 0);
  return Example{v ? std::move(*v) : json(nullptr), s.source};
}

}  // namespace authdiff::spec
