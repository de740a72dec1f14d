#include "spec/locate.hpp"

#include <unordered_map>

#include <yaml.h>

#include "util/json_pointer.hpp"

namespace authdiff::spec {

namespace {

// The pointers asked for, and the path walked so far as a pointer string.
class Wanted {
 public:
  explicit Wanted(const std::vector<std::string>& pointers) : m_lines(pointers.size(), 0) {
    for (std::size_t i = 0; i < pointers.size(); ++i) {
      m_index.emplace(pointers[i], i);
      std::size_t depth = 0;
      for (const char c : pointers[i]) depth += c == '/' ? 1 : 0;
      m_max_depth = std::max(m_max_depth, depth);
    }
  }

  // Enter member `key` (or an array element's index) whose key is on `line`.
  void enter(std::string_view key, int line) {
    m_lengths.push_back(m_path.size());
    m_path += '/';
    for (const char c : key) {
      if (c == '~')
        m_path += "~0";
      else if (c == '/')
        m_path += "~1";
      else
        m_path += c;
    }
    if (m_lengths.size() <= m_max_depth) {
      const auto [first, last] = m_index.equal_range(m_path);
      for (auto it = first; it != last; ++it) {
        if (m_lines[it->second] == 0) m_lines[it->second] = line;
      }
    }
  }
  void leave() {
    if (m_lengths.empty()) return;
    m_path.resize(m_lengths.back());
    m_lengths.pop_back();
  }
  std::vector<int> take() { return std::move(m_lines); }

 private:
  std::unordered_multimap<std::string, std::size_t> m_index;
  std::vector<int> m_lines;
  std::size_t m_max_depth = 0;
  std::string m_path;
  std::vector<std::size_t> m_lengths;
};

// A JSON text that has already been parsed once: a small scanner that tracks keys and lines.
class JsonWalker {
 public:
  JsonWalker(std::string_view text, Wanted& wanted) : m_t(text), m_wanted(wanted) {}

  void run() {
    skip_space();
    value();
  }

 private:
  void skip_space() {
    while (m_i < m_t.size()) {
      const char c = m_t[m_i];
      if (c == '\n') {
        ++m_line;
      } else if (c != ' ' && c != '\t' && c != '\r') {
        return;
      }
      ++m_i;
    }
  }

  // A string starting at m_i (a quote); returns its decoded text when `decode`.
  std::string string(bool decode) {
    std::string out;
    ++m_i;
    while (m_i < m_t.size() && m_t[m_i] != '"') {
      if (m_t[m_i] == '\\' && m_i + 1 < m_t.size()) {
        const char e = m_t[m_i + 1];
        if (decode) {
          switch (e) {
            case 'n':
              out += '\n';
              break;
            case 't':
              out += '\t';
              break;
            case 'u':
              // Keys that need \u escapes are rare in paths; keep the escape as written.
              out += "\\u";
              break;
            default:
              out += e;
          }
        }
        m_i += 2;
        continue;
      }
      if (decode) out += m_t[m_i];
      ++m_i;
    }
    ++m_i;  // closing quote
    return out;
  }

  void value() {
    if (m_i >= m_t.size() || ++m_depth > 10'000) return;
    const char c = m_t[m_i];
    if (c == '{') {
      ++m_i;
      skip_space();
      while (m_i < m_t.size() && m_t[m_i] != '}') {
        if (m_t[m_i] == ',') {
          ++m_i;
          skip_space();
          continue;
        }
        const int line = m_line;
        const std::string key = string(true);
        skip_space();
        if (m_i < m_t.size() && m_t[m_i] == ':') ++m_i;
        skip_space();
        m_wanted.enter(key, line);
        value();
        m_wanted.leave();
        skip_space();
      }
      ++m_i;
    } else if (c == '[') {
      ++m_i;
      skip_space();
      std::size_t index = 0;
      while (m_i < m_t.size() && m_t[m_i] != ']') {
        if (m_t[m_i] == ',') {
          ++m_i;
          skip_space();
          continue;
        }
        m_wanted.enter(std::to_string(index++), m_line);
        value();
        m_wanted.leave();
        skip_space();
      }
      ++m_i;
    } else if (c == '"') {
      string(false);
    } else {
      while (m_i < m_t.size() && m_t[m_i] != ',' && m_t[m_i] != '}' && m_t[m_i] != ']' &&
             m_t[m_i] != '\n' && m_t[m_i] != ' ')
        ++m_i;
    }
    --m_depth;
  }

  std::string_view m_t;
  Wanted& m_wanted;
  std::size_t m_i = 0;
  int m_line = 1;
  int m_depth = 0;
};

// YAML through libyaml's events: a mapping alternates key and value events; the key's start
// mark is the member's line.
void walk_yaml(std::string_view text, Wanted& wanted) {
  yaml_parser_t parser;
  if (yaml_parser_initialize(&parser) == 0) return;
  yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text.data()),
                               text.size());
  struct Frame {
    bool mapping;
    bool expect_key;    // mapping: the next event is a key
    std::size_t index;  // sequence: the next element's index
    bool is_key;        // this container is a (complex) mapping key, not a value
  };
  std::vector<Frame> stack;
  // Before a value event inside a container: enter its member; after it: leave.
  const auto before_value = [&](const yaml_event_t& e) -> bool {
    if (stack.empty()) return true;
    Frame& f = stack.back();
    if (f.mapping) {
      if (f.expect_key) {
        // A key: a scalar names the member; complex keys are entered under a placeholder.
        const std::string key =
            e.type == YAML_SCALAR_EVENT
                ? std::string(reinterpret_cast<const char*>(e.data.scalar.value),
                              e.data.scalar.length)
                : std::string("?");
        wanted.enter(key, static_cast<int>(e.start_mark.line) + 1);
        f.expect_key = false;
        return false;  // the key itself is not a value
      }
      f.expect_key = true;
      return true;
    }
    wanted.enter(std::to_string(f.index++), static_cast<int>(e.start_mark.line) + 1);
    return true;
  };
  const auto after_value = [&] {
    if (!stack.empty()) wanted.leave();
  };
  bool done = false;
  while (!done) {
    yaml_event_t e;
    if (yaml_parser_parse(&parser, &e) == 0) break;
    switch (e.type) {
      case YAML_SCALAR_EVENT:
      case YAML_ALIAS_EVENT:
        if (before_value(e)) after_value();
        break;
      case YAML_MAPPING_START_EVENT:
      case YAML_SEQUENCE_START_EVENT: {
        // A container as a key (complex key) enters member "?"; its value leaves it.
        const bool is_key = !before_value(e);
        stack.push_back({e.type == YAML_MAPPING_START_EVENT, true, 0, is_key});
        break;
      }
      case YAML_MAPPING_END_EVENT:
      case YAML_SEQUENCE_END_EVENT: {
        const bool was_key = !stack.empty() && stack.back().is_key;
        if (!stack.empty()) stack.pop_back();
        if (!was_key) after_value();
        break;
      }
      case YAML_DOCUMENT_END_EVENT:
      case YAML_STREAM_END_EVENT:
        done = true;
        break;
      default:
        break;
    }
    yaml_event_delete(&e);
  }
  yaml_parser_delete(&parser);
}

}  // namespace

std::vector<int> lines_of(std::string_view text, Format format,
                          const std::vector<std::string>& pointers) {
  Wanted wanted(pointers);
  if (format == Format::json) {
    JsonWalker(text, wanted).run();
  } else {
    walk_yaml(text, wanted);
  }
  return wanted.take();
}

}  // namespace authdiff::spec
