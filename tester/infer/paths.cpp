#include "infer/paths.hpp"

#include <algorithm>
#include <cctype>
#include <set>

#include "util/json_pointer.hpp"
#include "util/strings.hpp"

namespace authdiff::infer {

namespace {

bool is_hex(char c) {
  return std::isxdigit(static_cast<unsigned char>(c)) != 0;
}
bool is_digit(char c) {
  return std::isdigit(static_cast<unsigned char>(c)) != 0;
}
bool is_alpha(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) != 0;
}
std::size_t count_if_chars(std::string_view s, bool (*pred)(char)) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), pred));
}

}  // namespace

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !is_hex(s[i])) return false;
  }
  return true;
}

bool looks_like_id(std::string_view raw) {
  const std::string decoded = percent_decode(raw).value_or(std::string(raw));
  const std::string_view s = decoded;
  if (s.empty() || s.size() > 256) return false;
  const std::size_t nd = count_if_chars(s, is_digit);
  const std::size_t na = count_if_chars(s, is_alpha);
  if (nd == s.size()) return true;  // 10081
  if (is_uuid(s)) return true;
  // ObjectId and other long hex (24 hex digits; hashes), with a digit so words are not taken.
  if (s.size() >= 16 && nd > 0 && std::all_of(s.begin(), s.end(), is_hex)) return true;
  // A date: 2024-06-11.
  if (s.size() == 10 && nd == 8 && s[4] == '-' && s[7] == '-') return true;
  // An e-mail address.
  if (s.find('@') != std::string_view::npos && s.find('.') != std::string_view::npos) return true;
  // Prefixed IDs: cus_9s8d7f6g, ord-10081 (a digit in the tail, so meal-records stays a word).
  const auto sep = s.find_first_of("_-");
  if (sep != std::string_view::npos && sep >= 1 && sep <= 6) {
    const std::string_view head = s.substr(0, sep);
    const std::string_view tail = s.substr(sep + 1);
    if (std::all_of(head.begin(), head.end(), is_alpha) && tail.size() >= 4 &&
        std::all_of(tail.begin(), tail.end(), [](char c) { return is_alpha(c) || is_digit(c); }) &&
        count_if_chars(tail, is_digit) > 0)
      return true;
  }
  // base64/base64url tokens and opaque mixed IDs: long, letters and digits mixed.
  const bool token_chars = std::all_of(s.begin(), s.end(), [](char c) {
    return is_alpha(c) || is_digit(c) || c == '_' || c == '-' || c == '=' || c == '+';
  });
  if (token_chars && s.size() >= 20 && nd > 0 && na > 0) return true;
  if (token_chars && s.size() >= 10 && nd >= 3 && na > 0 &&
      s.find_first_of("_-") == std::string_view::npos)
    return true;
  return false;
}

std::string singular(std::string_view word) {
  const std::string w(word);
  const std::string lower = to_lower(w);
  if (lower == "people") return w.substr(0, 1) + "erson";
  if (lower == "children") return w.substr(0, 5);
  if (lower == "data" || lower == "news" || lower == "status" || lower == "address") return w;
  if (lower.size() > 3 && lower.ends_with("ies")) return w.substr(0, w.size() - 3) + "y";
  if (lower.size() > 4 &&
      (lower.ends_with("sses") || lower.ends_with("xes") || lower.ends_with("ches") ||
       lower.ends_with("shes") || lower.ends_with("zzes")))
    return w.substr(0, w.size() - 2);
  if (lower.size() > 2 && lower.ends_with("s") && !lower.ends_with("ss") &&
      !lower.ends_with("us") && !lower.ends_with("is"))
    return w.substr(0, w.size() - 1);
  return w;
}

std::string parameter_name(std::string_view collection) {
  // camelCase of the collection's words, singular: meal-records -> mealRecord.
  std::vector<std::string> words;
  std::string current;
  for (const char c : collection) {
    if (is_alpha(c) || is_digit(c)) {
      current += c;
    } else if (!current.empty()) {
      words.push_back(current);
      current.clear();
    }
  }
  if (!current.empty()) words.push_back(current);
  if (words.empty() || !is_alpha(words.front().front())) return "id";
  words.back() = singular(words.back());
  std::string out = words.front();
  out.front() = static_cast<char>(std::tolower(static_cast<unsigned char>(out.front())));
  for (std::size_t i = 1; i < words.size(); ++i) {
    std::string w = words[i];
    w.front() = static_cast<char>(std::toupper(static_cast<unsigned char>(w.front())));
    out += w;
  }
  // A collection already named as an ID (/by-id/123) does not get "IdId".
  if (to_lower(out).ends_with("id")) return out;
  return out + "Id";
}

struct PathTemplates::Node {
  std::map<std::string, std::unique_ptr<Node>> literal;
  std::unique_ptr<Node> variable;
  std::string name;  // the variable child's parameter name
};

PathTemplates::PathTemplates() : m_root(std::make_unique<Node>()) {}
PathTemplates::~PathTemplates() = default;

namespace {

const std::string* explicit_variable(const Sample& s, std::size_t index) {
  for (const auto& [i, name] : s.path_variables) {
    if (i == index) return &name;
  }
  return nullptr;
}

}  // namespace

void PathTemplates::learn(const Sample& s) {
  Node* node = m_root.get();
  const auto segments = path_segments(s.path);
  std::string previous;  // the last literal segment, for naming
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const std::string* var = explicit_variable(s, i);
    if (var != nullptr || looks_like_id(segments[i])) {
      if (!node->variable) node->variable = std::make_unique<Node>();
      if (var != nullptr && !var->empty()) {
        node->name = *var;  // the recording's own name wins
      } else if (node->name.empty()) {
        node->name = parameter_name(previous);
      }
      node = node->variable.get();
      previous.clear();
    } else {
      auto& child = node->literal[segments[i]];
      if (!child) child = std::make_unique<Node>();
      node = child.get();
      previous = segments[i];
    }
  }
}

Templated PathTemplates::apply(const Sample& s) const {
  Templated out;
  const Node* node = m_root.get();
  const auto segments = path_segments(s.path);
  std::set<std::string> used;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const bool variable = explicit_variable(s, i) != nullptr || looks_like_id(segments[i]);
    const auto lit = node->literal.find(segments[i]);
    if (variable && node->variable) {
      std::string name = node->name.empty() ? "id" : node->name;
      // Names must be unique within a path: /teams/{id}/{id} -> {id}, {id2}.
      for (int n = 2; used.contains(name); ++n)
        name = (node->name.empty() ? "id" : node->name) + std::to_string(n);
      used.insert(name);
      out.path += "/{" + name + "}";
      out.parameters.emplace_back(name, percent_decoded_text(segments[i]));
      node = node->variable.get();
    } else if (lit != node->literal.end()) {
      out.path += "/" + segments[i];
      node = lit->second.get();
    } else {
      // Not learnt (apply without learn): literal from here on.
      for (std::size_t j = i; j < segments.size(); ++j) out.path += "/" + segments[j];
      return out;
    }
  }
  if (out.path.empty()) out.path = "/";
  return out;
}

}  // namespace authdiff::infer
