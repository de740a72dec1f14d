#include "judge/observe.hpp"

#include <algorithm>
#include <unordered_map>

#include "util/json_items.hpp"
#include "util/json_pointer.hpp"
#include "util/strings.hpp"

namespace authdiff::judge {

using nlohmann::json;

namespace {

constexpr std::size_t k_max_depth = 256;       // deeper documents are not parsed as JSON
constexpr std::size_t k_max_leaves = 200'000;  // leaves beyond are not kept
constexpr std::size_t k_prefix = 512;

// Reject nesting deeper than k_max_depth before handing text to the parser.
bool shallow_enough(std::string_view text) {
  std::size_t depth = 0;
  bool in_string = false, escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"')
      in_string = true;
    else if (c == '[' || c == '{') {
      if (++depth > k_max_depth) return false;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return true;
}

// String and number leaves of `doc`, at most k_max_leaves.
std::size_t count_leaves(const json& doc) {
  std::size_t n = 0;
  std::vector<const json*> stack{&doc};
  while (!stack.empty() && n < k_max_leaves) {
    const json* v = stack.back();
    stack.pop_back();
    if (v->is_structured()) {
      for (const auto& child : *v) stack.push_back(&child);
    } else if (v->is_string() || v->is_number()) {
      ++n;
    }
  }
  return n;
}

// Depth-first in document order; `pointer` grows and shrinks in place.
struct LeafWalk {
  const std::function<void(const std::string&, const std::string&, bool)>& visit;
  std::string pointer, number;
  std::size_t visited = 0;

  void walk(const json& v) {
    if (visited >= k_max_leaves) return;
    const std::size_t mark = pointer.size();
    if (v.is_object()) {
      for (auto it = v.begin(); it != v.end(); ++it) {
        pointer += '/';
        pointer += pointer_escape(it.key());
        walk(*it);
        pointer.resize(mark);
      }
    } else if (v.is_array()) {
      for (std::size_t i = 0; i < v.size(); ++i) {
        pointer += '/';
        pointer += std::to_string(i);
        walk(v[i]);
        pointer.resize(mark);
      }
    } else if (v.is_string()) {
      ++visited;
      visit(pointer, v.get_ref<const std::string&>(), true);
    } else if (v.is_number()) {
      ++visited;
      number = v.dump();
      visit(pointer, number, false);
    }
  }
};

void flatten(const json& doc, std::vector<Leaf>& out) {
  out.reserve(count_leaves(doc));  // exactly: a vector grown by doubling holds up to twice
  for_each_leaf(doc, [&](const std::string& pointer, const std::string& value, bool is_string) {
    out.push_back({pointer, value, is_string});
  });
}

// FNV-1a, 64 bits, fed piece by piece.
struct StreamHash {
  std::uint64_t h = 14695981039346656037ull;
  void bytes(std::string_view text) {
    for (const char c : text) {
      h ^= static_cast<unsigned char>(c);
      h *= 1099511628211ull;
    }
  }
  void tag(char t) { bytes(std::string_view(&t, 1)); }
  // A length before variable text, so ["ab","c"] and ["a","bc"] differ.
  void add_sized(std::string_view text) {
    bytes(std::to_string(text.size()));
    tag(':');
    bytes(text);
  }
  void add(const json& v) {
    switch (v.type()) {
      case json::value_t::object:
        tag('{');
        for (auto it = v.begin(); it != v.end(); ++it) {
          add_sized(it.key());
          add(*it);
        }
        tag('}');
        break;
      case json::value_t::array:
        tag('[');
        for (const auto& e : v) add(e);
        tag(']');
        break;
      case json::value_t::string:
        tag('s');
        add_sized(v.get_ref<const std::string&>());
        break;
      default:  // numbers, booleans, null: their JSON text is short
        tag('n');
        add_sized(v.dump());
    }
  }
};

}  // namespace

void for_each_leaf(const json& doc,
                   const std::function<void(const std::string&, const std::string&, bool)>& visit) {
  LeafWalk{visit, {}, {}, 0}.walk(doc);
}

std::uint64_t document_hash(const json& doc) {
  StreamHash h;
  h.add(doc);
  return h.h;
}

namespace {

// Status-like members of an envelope and the values that mean success.
bool is_success_code(const json& v) {
  if (v.is_number_integer()) return v.get<long long>() == 0 || v.get<long long>() == 200;
  if (v.is_string()) {
    const std::string s = to_lower(v.get<std::string>());
    return s == "0" || s == "200" || s == "ok" || s == "success" || s == "00000";
  }
  if (v.is_boolean()) return v.get<bool>();
  return true;
}

std::string error_like(const json& doc) {
  if (!doc.is_object()) return "";
  for (const char* key : {"code", "errcode", "errCode", "error_code", "errorCode", "ret", "retcode",
                          "status", "statusCode", "status_code", "resultCode"}) {
    const auto it = doc.find(key);
    if (it == doc.end() || !(it->is_number() || it->is_string())) continue;
    if (std::string(key) == "status" && it->is_string()) {
      const std::string s = to_lower(it->get<std::string>());
      if (s == "error" || s == "fail" || s == "failed" || s == "denied" || s == "unauthorized" ||
          s == "forbidden") {
        return "\"status\": " + it->dump();
      }
      continue;
    }
    if (!is_success_code(*it)) return "\"" + std::string(key) + "\": " + it->dump();
  }
  for (const char* key : {"success", "ok"}) {
    const auto it = doc.find(key);
    if (it != doc.end() && it->is_boolean() && !it->get<bool>())
      return "\"" + std::string(key) + "\": false";
  }
  const auto data = doc.find("data");
  const bool has_data = data != doc.end() && !data->is_null();
  for (const char* key : {"error", "errors"}) {
    const auto it = doc.find(key);
    if (it != doc.end() && !it->is_null() && !(it->is_boolean() && !it->get<bool>()) && !has_data) {
      return "\"" + std::string(key) + "\" present";
    }
  }
  return "";
}

}  // namespace

Observation observe(const plan::Response& response, const std::optional<std::string>& list_pointer,
                    Detail detail) {
  Observation o;
  o.status = response.status;
  o.truncated = response.truncated;
  o.body_bytes = response.body_bytes;
  if (!response.error.empty()) {
    o.transport_error = true;
    o.error = response.error;
    return o;
  }
  const std::string& body = response.body;
  o.empty = trim(body).empty();
  o.body_prefix = body.substr(0, k_prefix);
  if (!o.empty && !response.truncated && shallow_enough(body)) {
    o.doc = json::parse(body, nullptr, false);
    o.json = !o.doc.is_discarded();
    if (!o.json) o.doc = nullptr;
  }
  if (o.json) {
    if (detail == Detail::full) flatten(o.doc, o.leaves);
    if (o.is_2xx()) o.error_like = error_like(o.doc);
  }
  if (response.items) {
    // Counted by http as the whole body streamed past (it was longer than the cap).
    o.items = response.items;
    o.counted_whole = true;
  } else if (!o.empty && (list_pointer || o.json)) {
    o.items = count_json_items(body, list_pointer);
    if (!o.items && list_pointer) o.items = count_json_items(body, std::nullopt);
  }
  return o;
}

std::uint64_t HashSet::hash(std::string_view value) {
  return std::hash<std::string_view>{}(value);
}

void HashSet::merge(const HashSet& other) {
  m_hashes.insert(m_hashes.end(), other.m_hashes.begin(), other.m_hashes.end());
}

void HashSet::seal() {
  std::sort(m_hashes.begin(), m_hashes.end());
  m_hashes.erase(std::unique(m_hashes.begin(), m_hashes.end()), m_hashes.end());
  m_hashes.shrink_to_fit();
}

bool HashSet::contains_hash(std::uint64_t h) const {
  return std::binary_search(m_hashes.begin(), m_hashes.end(), h);
}

std::uint64_t Observation::whole_hash() const {
  if (slimmed) return doc_hash;
  return json ? document_hash(doc) : HashSet::hash(body_prefix);
}

void Observation::slim() {
  if (slimmed) return;
  doc_hash = whole_hash();
  // Nested values emptied (their type stays: same_shape compares it); a top-level array
  // empties too, its hash stands for it.
  if (doc.is_object()) {
    for (auto it = doc.begin(); it != doc.end(); ++it) {
      if (it->is_object()) *it = nlohmann::json::object();
      if (it->is_array()) *it = nlohmann::json::array();
    }
  } else if (doc.is_array()) {
    doc = nlohmann::json::array();
  }
  std::vector<Leaf>().swap(leaves);
  slimmed = true;
}

bool distinctive(std::string_view v, bool is_string) {
  if (is_string) {
    if (v.size() < 4) return false;
    return std::any_of(v.begin(), v.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || static_cast<unsigned char>(c) >= 0x80;
    });
  }
  if (v.find_first_of(".eE") != std::string::npos) return true;
  const std::size_t digits =
      std::count_if(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
  return digits >= 3;
}

std::unordered_set<std::string> volatile_pointers(const Observation& a, const Observation& b) {
  std::unordered_map<std::string, const std::string*> first;
  for (const auto& leaf : a.leaves) first.emplace(leaf.pointer, &leaf.value);
  std::unordered_set<std::string> out;
  std::unordered_set<std::string> in_b;
  for (const auto& leaf : b.leaves) {
    in_b.insert(leaf.pointer);
    const auto it = first.find(leaf.pointer);
    if (it == first.end() || *it->second != leaf.value) out.insert(leaf.pointer);
  }
  for (const auto& leaf : a.leaves) {
    if (!in_b.contains(leaf.pointer)) out.insert(leaf.pointer);
  }
  return out;
}

std::string mask(const std::string& value) {
  // Work on code points so a Chinese name is masked, not cut in the middle of a character.
  std::vector<std::string> cps;
  for (std::size_t i = 0; i < value.size();) {
    const unsigned char c = static_cast<unsigned char>(value[i]);
    const std::size_t n = c < 0x80         ? 1
                          : (c >> 5) == 6  ? 2
                          : (c >> 4) == 14 ? 3
                          : (c >> 3) == 30 ? 4
                                           : 1;
    cps.push_back(value.substr(i, n));
    i += n;
  }
  if (cps.size() <= 4)
    return std::string(std::min<std::size_t>(4, std::max<std::size_t>(cps.size(), 2)), '*');
  const std::size_t keep = cps.size() >= 10 ? 3 : cps.size() >= 6 ? 2 : 1;
  std::string out;
  for (std::size_t i = 0; i < keep; ++i) out += cps[i];
  out += std::string(cps.size() - 2 * keep, '*');
  for (std::size_t i = cps.size() - keep; i < cps.size(); ++i) out += cps[i];
  return out;
}

}  // namespace authdiff::judge
