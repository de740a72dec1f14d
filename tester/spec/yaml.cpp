// YAML -> JSON through libyaml's event API: no intermediate node graph, scalars resolved by the
// YAML 1.2 core schema, anchors copied on use with a bound on what the copies add, checked before
// each copy is made.
// (yaml-cpp's event interface was measured first: 1.01 s for GitHub's description converted to
// YAML, 5x the JSON path; libyaml's parser does the same work several times faster.)
#include <charconv>
#include <cmath>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include <yaml.h>

#include "spec/document.hpp"

namespace authdiff::spec {

namespace {

using nlohmann::json;

// Nodes a document may hold. Its own nodes take at least two bytes of text each, so this only
// bounds a very large file; copies are bounded by the two limits below.
constexpr std::size_t k_max_nodes = 50'000'000;
// What copies may add to a document: each alias copies its anchor's whole subtree, and each
// anchor keeps a copy of its value for the aliases that follow. Nested aliases multiply ("billion
// laughs": nine levels of nine aliases of the level before are ~10 lines and 387 million nodes),
// so each anchored subtree's size is counted when it is anchored and added to these totals before
// anything is copied. Real specs copy little: GitHub's REST description (13 MB of JSON, about 10 MB
// as YAML) is 476 thousand nodes with 5.6 MB of text and uses no aliases; shared parameter lists or
// error responses aliased into every operation copy thousands of nodes. One million copied nodes
// (twice GitHub's whole description) and 16 MiB of copied text leave ample room for those, and
// cap what copies can cost at about 100 MB (a node is 50-100 bytes in memory) instead of the 3.8 GB
// and 15 s a 50-million-node bound allowed.
constexpr std::size_t k_max_copied_nodes = 1'000'000;
constexpr std::size_t k_max_copied_bytes = std::size_t{16} << 20;
constexpr std::size_t k_max_depth = 1'000;

bool is_digits(std::string_view s, int base) {
  if (s.empty()) return false;
  for (const char c : s) {
    const bool ok = base == 16  ? std::isxdigit(static_cast<unsigned char>(c)) != 0
                    : base == 8 ? (c >= '0' && c <= '7')
                                : (c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

// Resolve a plain scalar by the YAML 1.2 core schema (null is reported by yaml-cpp separately).
json resolve_plain(const std::string& v) {
  if (v == "true" || v == "True" || v == "TRUE") return true;
  if (v == "false" || v == "False" || v == "FALSE") return false;
  if (v == "null" || v == "Null" || v == "NULL" || v == "~" || v.empty()) return nullptr;
  std::string_view s = v;
  const bool negative = s.starts_with('-');
  std::string_view digits = (s.starts_with('-') || s.starts_with('+')) ? s.substr(1) : s;
  int base = 10;
  if (digits.starts_with("0x")) {
    base = 16;
    digits.remove_prefix(2);
  } else if (digits.starts_with("0o")) {
    base = 8;
    digits.remove_prefix(2);
  }
  // A decimal with a leading zero ("0123") is an identifier, not a number: writers that follow
  // YAML 1.1 leave such strings unquoted, and reading them as integers would lose the zeros.
  if (base == 10 && digits.size() > 1 && digits.front() == '0' && is_digits(digits, 10)) return v;
  if (is_digits(digits, base)) {
    std::uint64_t magnitude = 0;
    const auto [ptr, ec] =
        std::from_chars(digits.data(), digits.data() + digits.size(), magnitude, base);
    if (ec == std::errc() && ptr == digits.data() + digits.size()) {
      if (!negative) return magnitude;
      if (magnitude <= static_cast<std::uint64_t>(INT64_MAX) + 1) {
        return static_cast<std::int64_t>(0 - magnitude);
      }
    }
    if (base == 10) {  // too large for 64 bits; beyond a double's range it stays text
      const double d = std::strtod(v.c_str(), nullptr);
      if (std::isfinite(d)) return d;
    }
    return v;
  }
  // Floats: [-+]? ( . digits | digits [. digits*] ) ([eE] [-+]? digits)?
  {
    std::size_t i = (s.starts_with('-') || s.starts_with('+')) ? 1 : 0;
    std::size_t int_digits = 0, frac_digits = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++int_digits;
    bool ok = true;
    if (i < s.size() && s[i] == '.') {
      ++i;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++frac_digits;
    }
    if (int_digits + frac_digits == 0) ok = false;
    if (ok && i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
      ++i;
      if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
      std::size_t exp_digits = 0;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++exp_digits;
      if (exp_digits == 0) ok = false;
    }
    if (ok && i == s.size()) {
      const double d = std::strtod(v.c_str(), nullptr);
      if (std::isfinite(d)) return d;
    }
  }
  // .inf / .nan have no JSON form; keep them as the strings they were written as.
  return v;
}

// Where a problem is, for messages (0-based, as libyaml reports it).
struct Mark {
  std::size_t line = 0;
  std::size_t column = 0;
};

struct YamlError {
  Mark mark;
  std::string message;
};

// Builds one JSON value from a stream of YAML events.
class JsonBuilder {
 public:
  json take() { return std::move(m_root); }

  void scalar(const Mark& mark, std::string value, bool plain, const std::string& tag,
              const std::string& anchor) {
    json v;
    if (is_key_position()) {
      v = std::move(value);  // mapping keys stay text: `200:` is the response code "200"
    } else if (!tag.empty() && tag != "?" && tag != "!") {
      // Explicit tags: the core schema's own are honoured, anything else keeps the text.
      if (tag == "tag:yaml.org,2002:str") {
        v = std::move(value);
      } else if (tag == "tag:yaml.org,2002:int" || tag == "tag:yaml.org,2002:float" ||
                 tag == "tag:yaml.org,2002:bool" || tag == "tag:yaml.org,2002:null") {
        v = resolve_plain(value);
      } else {
        v = std::move(value);
      }
    } else if (plain) {
      v = resolve_plain(value);
    } else {
      v = std::move(value);  // quoted or block scalars are strings
    }
    const Size size{1, v.is_string() ? v.get_ref<const std::string&>().size() : 0};
    count(mark, size);
    if (!anchor.empty()) keep_anchor(mark, anchor, v, size);
    add(std::move(v));
  }

  void alias(const Mark& mark, const std::string& anchor) {
    const auto it = m_anchors.find(anchor);
    if (it == m_anchors.end()) fail(mark, "alias *" + anchor + " refers to an unknown anchor");
    // Counted before the copy is made: a rejected alias costs nothing.
    count_copy(mark, it->second.size, "alias *" + anchor);
    count(mark, it->second.size);
    add(json(it->second.value));
  }

  void open(const Mark& mark, json container, const std::string& anchor) {
    if (!m_stack.empty() && is_key_position()) {
      fail(mark, "mapping keys must be scalars to be read as JSON");
    }
    if (m_stack.size() >= k_max_depth) fail(mark, "nesting deeper than 1000 levels");
    count(mark, Size{1, 0});
    Frame f;
    f.value = std::move(container);
    f.anchor = anchor;
    f.mark = mark;
    f.at_start = m_size;
    m_stack.push_back(std::move(f));
  }

  void close() {
    Frame f = std::move(m_stack.back());
    m_stack.pop_back();
    if (!f.anchor.empty()) {
      // The frame's own node was counted before `at_start` was taken.
      const Size size{m_size.nodes - f.at_start.nodes + 1, m_size.bytes - f.at_start.bytes};
      keep_anchor(f.mark, f.anchor, f.value, size);
    }
    add(std::move(f.value));
  }

 private:
  // What a subtree holds: nodes (mapping keys included) and bytes of text (keys and strings).
  struct Size {
    std::size_t nodes = 0;
    std::size_t bytes = 0;
  };
  struct Frame {
    json value;
    std::string anchor;
    Mark mark;             // where the container starts (for an anchor's errors)
    Size at_start;         // m_size after the container's own node
    bool has_key = false;  // maps: a key is waiting for its value
    std::string key;
    bool key_is_merge = false;  // the waiting key is a plain `<<`
  };
  struct Anchored {
    json value;
    Size size;  // of the whole subtree, aliases in it expanded
  };

  bool is_key_position() const {
    return !m_stack.empty() && m_stack.back().value.is_object() && !m_stack.back().has_key;
  }

  [[noreturn]] static void fail(const Mark& mark, std::string message) {
    throw YamlError{mark, std::move(message)};
  }

  // Nodes and text in the tree being built.
  void count(const Mark& mark, const Size& size) {
    m_size.nodes += size.nodes;
    m_size.bytes += size.bytes;
    if (m_size.nodes > k_max_nodes) {
      fail(mark, "document has more than " + std::to_string(k_max_nodes) + " nodes");
    }
  }

  // Nodes and text about to be copied by `what`; fails before anything is copied.
  void count_copy(const Mark& mark, const Size& size, const std::string& what) {
    if (size.nodes > k_max_copied_nodes - m_copied.nodes) {
      fail(mark, what + " would expand the document by more than " +
                     std::to_string(k_max_copied_nodes) +
                     " copied nodes (aliases of aliases: an alias bomb?)");
    }
    if (size.bytes > k_max_copied_bytes - m_copied.bytes) {
      fail(mark, what + " would expand the document by more than " +
                     std::to_string(k_max_copied_bytes >> 20) +
                     " MiB of copied text (aliases of aliases: an alias bomb?)");
    }
    m_copied.nodes += size.nodes;
    m_copied.bytes += size.bytes;
  }

  // An anchor keeps a copy of its value for later aliases; that copy counts too, or nested
  // anchors around one large value would each hold a copy of it.
  void keep_anchor(const Mark& mark, const std::string& anchor, const json& value,
                   const Size& size) {
    count_copy(mark, size, "anchor &" + anchor);
    m_anchors.insert_or_assign(anchor, Anchored{value, size});
  }

  void add(json value) {
    if (is_key_position()) {
      Frame& top = m_stack.back();
      top.key_is_merge = value.is_string() && value.get_ref<const std::string&>() == "<<";
      top.key = value.is_string() ? std::move(value.get_ref<std::string&>()) : value.dump();
      top.has_key = true;
      return;
    }
    place(std::move(value));
  }

  void place(json value) {
    if (m_stack.empty()) {
      m_root = std::move(value);
      return;
    }
    Frame& top = m_stack.back();
    if (top.value.is_array()) {
      top.value.push_back(std::move(value));
      return;
    }
    top.has_key = false;
    if (top.key_is_merge && (value.is_object() || value.is_array())) {
      merge_into(top.value, std::move(value));
      return;
    }
    top.value[std::move(top.key)] = std::move(value);
  }

  // `<<: *base` (or a list of them): keys the mapping does not set itself come from the bases.
  static void merge_into(json& target, json&& source) {
    if (source.is_array()) {
      for (auto& item : source) merge_into(target, std::move(item));
      return;
    }
    if (!source.is_object()) return;
    for (auto& [k, v] : source.items()) {
      if (!target.contains(k)) target[k] = std::move(v);
    }
  }

  json m_root;
  std::vector<Frame> m_stack;
  std::unordered_map<std::string, Anchored> m_anchors;
  Size m_size;    // in the tree, copies included
  Size m_copied;  // made by aliases and kept by anchors
};

// Owns a libyaml parser and one event at a time.
class EventReader {
 public:
  explicit EventReader(std::string_view text) {
    yaml_parser_initialize(&m_parser);
    yaml_parser_set_input_string(&m_parser, reinterpret_cast<const unsigned char*>(text.data()),
                                 text.size());
  }
  ~EventReader() {
    if (m_has_event) yaml_event_delete(&m_event);
    yaml_parser_delete(&m_parser);
  }
  EventReader(const EventReader&) = delete;
  EventReader& operator=(const EventReader&) = delete;

  const yaml_event_t& next() {
    if (m_has_event) yaml_event_delete(&m_event);
    m_has_event = false;
    if (!yaml_parser_parse(&m_parser, &m_event)) {
      const yaml_mark_t& m = m_parser.problem_mark;
      std::string message = m_parser.problem != nullptr ? m_parser.problem : "syntax error";
      if (m_parser.context != nullptr) message = std::string(m_parser.context) + ": " + message;
      throw YamlError{Mark{m.line, m.column}, message};
    }
    m_has_event = true;
    return m_event;
  }

 private:
  yaml_parser_t m_parser{};
  yaml_event_t m_event{};
  bool m_has_event = false;
};

std::string text_of(const yaml_char_t* s) {
  return s == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(s));
}

}  // namespace

Result<nlohmann::json> parse_yaml(std::string_view text, const std::string& path) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  JsonBuilder builder;
  bool has_document = false;
  try {
    EventReader reader(text);
    for (bool done = false; !done;) {
      const yaml_event_t& e = reader.next();
      const Mark mark{e.start_mark.line, e.start_mark.column};
      switch (e.type) {
        case YAML_STREAM_END_EVENT:
          done = true;
          break;
        case YAML_DOCUMENT_START_EVENT:
          // Only the first document of a stream is the spec.
          if (has_document) done = true;
          break;
        case YAML_DOCUMENT_END_EVENT:
          has_document = true;
          break;
        case YAML_ALIAS_EVENT:
          builder.alias(mark, text_of(e.data.alias.anchor));
          break;
        case YAML_SCALAR_EVENT: {
          const auto& s = e.data.scalar;
          builder.scalar(mark, std::string(reinterpret_cast<const char*>(s.value), s.length),
                         s.style == YAML_PLAIN_SCALAR_STYLE, text_of(s.tag), text_of(s.anchor));
          break;
        }
        case YAML_SEQUENCE_START_EVENT:
          builder.open(mark, json::array(), text_of(e.data.sequence_start.anchor));
          break;
        case YAML_MAPPING_START_EVENT:
          builder.open(mark, json::object(), text_of(e.data.mapping_start.anchor));
          break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
          builder.close();
          break;
        default:
          break;
      }
    }
  } catch (const YamlError& e) {
    return Error{path, static_cast<int>(e.mark.line) + 1, static_cast<int>(e.mark.column) + 1,
                 "invalid YAML: " + e.message};
  } catch (const std::exception& e) {
    return Error{path, 0, 0, std::string("invalid YAML: ") + e.what()};
  }
  if (!has_document) return Error{path, 1, 1, "empty document"};
  return builder.take();
}

}  // namespace authdiff::spec
