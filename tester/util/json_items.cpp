#include "util/json_items.hpp"

#include <algorithm>

#include "util/json_pointer.hpp"

namespace authdiff {

JsonItemCounter::JsonItemCounter(std::optional<std::string> pointer) {
  if (!pointer) return;
  auto tokens = pointer_tokens(*pointer);
  if (tokens) {
    m_target = std::move(*tokens);
  } else {
    m_bad_pointer = true;
  }
}

bool JsonItemCounter::at_target() const {
  if (!m_target || m_untracked > 0 || m_stack.size() != m_target->size() + 1) return false;
  for (std::size_t i = 0; i < m_target->size(); ++i) {
    if (m_stack[i + 1].token != (*m_target)[i]) return false;
  }
  return true;
}

void JsonItemCounter::element_starts() {
  if (m_untracked > 0 || m_stack.empty()) return;
  Frame& f = m_stack.back();
  if (f.array && f.expecting_value) {
    ++f.elements;
    f.expecting_value = false;
  }
}

void JsonItemCounter::open(bool array) {
  if (m_untracked > 0 || m_stack.size() >= k_max_depth) {
    ++m_untracked;
    return;
  }
  std::string token;
  if (!m_stack.empty() && m_stack.back().array) {
    element_starts();
    token = std::to_string(m_stack.back().elements - 1);
  } else if (!m_stack.empty()) {
    token = m_key;
  }
  m_stack.push_back({array, std::move(token)});
}

void JsonItemCounter::close() {
  if (m_untracked > 0) {
    --m_untracked;
    return;
  }
  if (m_stack.empty()) return;
  const Frame& f = m_stack.back();
  if (f.array) {
    m_best = std::max(m_best, f.elements);
    if (at_target()) m_found = f.elements;
  }
  m_stack.pop_back();
}

void JsonItemCounter::feed(std::string_view text) {
  for (const char c : text) {
    if (m_in_string) {
      if (m_escaped) {
        m_escaped = false;
      } else if (c == '\\') {
        m_escaped = true;
        continue;
      } else if (c == '"') {
        m_in_string = false;
        if (m_string_is_key) m_key = m_current;
        continue;
      }
      if (m_string_is_key && m_current.size() < k_max_key) m_current += c;
      continue;
    }
    switch (c) {
      case '"': {
        const bool is_key =
            m_untracked == 0 && !m_stack.empty() && !m_stack.back().array && !m_after_colon;
        if (!is_key) element_starts();
        m_in_string = true;
        m_string_is_key = is_key;
        m_current.clear();
        break;
      }
      case ':':
        m_after_colon = true;
        break;
      case '{':
      case '[':
        open(c == '[');
        m_after_colon = false;
        break;
      case '}':
      case ']':
        close();
        m_after_colon = false;
        break;
      case ',':
        if (m_untracked == 0 && !m_stack.empty() && m_stack.back().array)
          m_stack.back().expecting_value = true;
        m_after_colon = false;
        break;
      case ' ':
      case '\t':
      case '\n':
      case '\r':
        break;
      default:
        element_starts();  // a number, true, false or null
        break;
    }
  }
}

std::optional<std::size_t> JsonItemCounter::result() const {
  // Containers still open (truncated text) count what they hold so far.
  std::size_t best = m_best;
  std::optional<std::size_t> found = m_found;
  for (std::size_t depth = m_stack.size(); depth-- > 0;) {
    const Frame& f = m_stack[depth];
    if (!f.array) continue;
    best = std::max(best, f.elements);
    if (m_target && m_untracked == 0 && depth == m_target->size() && !found) {
      bool match = true;
      for (std::size_t i = 0; i < m_target->size() && match; ++i)
        match = m_stack[i + 1].token == (*m_target)[i];
      if (match) found = f.elements;
    }
  }
  if (m_bad_pointer) return std::nullopt;
  if (m_target) return found;
  if (best == 0) return std::nullopt;
  return best;
}

std::optional<std::size_t> JsonItemCounter::largest() const {
  std::size_t best = m_best;
  for (const Frame& f : m_stack) {
    if (f.array) best = std::max(best, f.elements);
  }
  if (best == 0) return std::nullopt;
  return best;
}

std::optional<std::size_t> count_json_items(std::string_view text,
                                            const std::optional<std::string>& pointer) {
  JsonItemCounter counter(pointer);
  counter.feed(text);
  return counter.result();
}

}  // namespace authdiff
