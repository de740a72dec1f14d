#include "judge/observe.hpp"

#include <algorithm>
#include <atomic>
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

// Depth-first in document order; `pointer` grows and shrinks in place. `visit` returns false to
// stop the walk.
struct LeafWalk {
  const std::function<bool(const std::string&, const std::string&, bool)>& visit;
  std::string pointer, number;
  std::size_t visited = 0;
  bool stopped = false;

  void walk(const json& v) {
    if (stopped || visited >= k_max_leaves) return;
    const std::size_t mark = pointer.size();
    if (v.is_object()) {
      for (auto it = v.begin(); it != v.end() && !stopped; ++it) {
        pointer += '/';
        pointer += pointer_escape(it.key());
        walk(*it);
        pointer.resize(mark);
      }
    } else if (v.is_array()) {
      for (std::size_t i = 0; i < v.size() && !stopped; ++i) {
        pointer += '/';
        pointer += std::to_string(i);
        walk(v[i]);
        pointer.resize(mark);
      }
    } else if (v.is_string()) {
      ++visited;
      stopped = !visit(pointer, v.get_ref<const std::string&>(), true);
    } else if (v.is_number()) {
      ++visited;
      number = v.dump();
      stopped = !visit(pointer, number, false);
    }
  }
};

std::atomic<std::size_t> g_streaming_threshold{512u << 10};

// Parse `body`, handing each element of its outermost arrays to `visit` as soon as it is complete
// and dropping it from the document; returns the rest (those arrays empty), discarded when the
// body is not JSON. Memory: the rest plus one element at a time.
json parse_in_parts(std::string_view body, const std::function<void(const Part&)>& visit) {
  struct Frame {
    bool array = false;
    bool streamed = false;  // an outermost array: its elements are parts
    std::size_t index = 0;  // arrays: the element being read
    std::string key;        // objects: the member being read
    std::string field;      // arrays: the member that holds it
  };
  std::vector<Frame> frames;
  std::string pointer;
  const auto element_done = [&](const json& value) {
    if (frames.empty() || !frames.back().array) return true;
    Frame& top = frames.back();
    const std::size_t index = top.index++;
    if (!top.streamed) return true;
    pointer.clear();
    for (std::size_t i = 0; i + 1 < frames.size(); ++i) {
      pointer += '/';
      pointer += frames[i].array ? std::to_string(frames[i].index) : pointer_escape(frames[i].key);
    }
    pointer += '/';
    pointer += std::to_string(index);
    visit(Part{pointer, top.field, value});
    return false;  // not kept in the document
  };
  const json::parser_callback_t callback = [&](int, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
        frames.push_back({});
        return true;
      case json::parse_event_t::array_start: {
        Frame f;
        f.array = true;
        f.streamed =
            std::none_of(frames.begin(), frames.end(), [](const Frame& g) { return g.streamed; });
        if (!frames.empty())
          f.field = frames.back().array ? frames.back().field : frames.back().key;
        frames.push_back(std::move(f));
        return true;
      }
      case json::parse_event_t::key:
        if (!frames.empty() && parsed.is_string()) frames.back().key = parsed.get<std::string>();
        return true;
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        if (!frames.empty()) frames.pop_back();
        return element_done(parsed);
      case json::parse_event_t::value:
        return element_done(parsed);
    }
    return true;
  };
  return json::parse(body, callback, false);
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
  const std::function<bool(const std::string&, const std::string&, bool)> go =
      [&](const std::string& pointer, const std::string& value, bool is_string) {
        visit(pointer, value, is_string);
        return true;
      };
  LeafWalk{go, {}, {}, 0, false}.walk(doc);
}

std::size_t streaming_threshold() {
  return g_streaming_threshold.load();
}

void set_streaming_threshold(std::size_t bytes) {
  g_streaming_threshold.store(bytes);
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

namespace {

// Walks the leaves of parts as they come: one count and one stop across all of them.
class PartLeaves {
 public:
  explicit PartLeaves(const std::function<bool(const Leaf&)>& visit)
      : m_go([this, &visit](const std::string& pointer, const std::string& value, bool is_string) {
          m_leaf.pointer.assign(pointer);
          m_leaf.value.assign(value);
          m_leaf.is_string = is_string;
          m_stopped = !visit(m_leaf);
          return !m_stopped;
        }) {}
  PartLeaves(const PartLeaves&) = delete;
  PartLeaves& operator=(const PartLeaves&) = delete;

  void operator()(const Part& part) {
    if (m_stopped || m_visited >= k_max_leaves) return;
    LeafWalk walk{m_go, part.pointer, {}, m_visited, false};
    walk.walk(part.value);
    m_visited = walk.visited;
  }

 private:
  Leaf m_leaf;
  bool m_stopped = false;
  std::size_t m_visited = 0;
  std::function<bool(const std::string&, const std::string&, bool)> m_go;
};

Observation observe_with(const plan::Response& response,
                         const std::optional<std::string>& list_pointer,
                         const std::function<bool(const Leaf&)>* leaves) {
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
    std::optional<PartLeaves> visit;
    if (leaves != nullptr) visit.emplace(*leaves);
    if (body.size() >= streaming_threshold()) {
      // Parts reach the visitor as they are read, before the end of the body could show it is
      // not JSON after all (NaN, trailing text): check the whole text first, building nothing.
      if (visit && !json::accept(body)) visit.reset();
      o.doc = parse_in_parts(body, [&](const Part& part) {
        if (visit) (*visit)(part);
      });
      o.streamed = true;
      o.source = &body;
    } else {
      o.doc = json::parse(body, nullptr, false);
    }
    o.json = !o.doc.is_discarded();
    if (!o.json) {
      o.doc = nullptr;
      o.streamed = false;
      o.source = nullptr;
    } else if (visit) {
      static const std::string k_root;
      (*visit)(Part{k_root, k_root, o.doc});  // all of it, or what holds the parts
    }
  }
  if (o.json && o.is_2xx()) o.error_like = error_like(o.doc);
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

}  // namespace

Observation observe(const plan::Response& response,
                    const std::optional<std::string>& list_pointer) {
  return observe_with(response, list_pointer, nullptr);
}

Observation observe(const plan::Response& response, const std::optional<std::string>& list_pointer,
                    const std::function<bool(const Leaf&)>& leaves) {
  return observe_with(response, list_pointer, &leaves);
}

void Observation::each_part(const std::function<void(const Part&)>& visit) const {
  if (!json || slimmed) return;
  // What holds the parts first: the envelope is read before the caps on leaves and detections
  // can be reached by a long list.
  static const std::string k_root;
  visit(Part{k_root, k_root, doc});
  if (streamed && source != nullptr) parse_in_parts(*source, visit);
}

void Observation::each_leaf(const std::function<bool(const Leaf&)>& visit) const {
  PartLeaves leaves(visit);
  each_part([&](const Part& part) { leaves(part); });
}

bool Observation::each_item(
    const std::string& pointer,
    const std::function<void(std::size_t, const nlohmann::json&)>& visit) const {
  if (!json || slimmed) return false;
  const auto at = [](const nlohmann::json& v, const std::string& p) -> const nlohmann::json* {
    if (p.empty()) return &v;
    try {
      return &v.at(nlohmann::json::json_pointer(p));
    } catch (const nlohmann::json::exception&) {
      return nullptr;
    }
  };
  const nlohmann::json* list = at(doc, pointer);
  if (!streamed) {
    if (list == nullptr || !list->is_array()) return false;
    for (std::size_t i = 0; i < list->size(); ++i) visit(i, (*list)[i]);
    return true;
  }
  // An outermost array is here, emptied: its elements are parts. An array inside one of them
  // comes whole within its part.
  bool found = list != nullptr && list->is_array();
  const std::string prefix = pointer + "/";
  each_part([&](const Part& part) {
    if (part.pointer.empty()) return;
    if (found && part.pointer.size() > prefix.size() &&
        part.pointer.compare(0, prefix.size(), prefix) == 0 &&
        part.pointer.find('/', prefix.size()) == std::string::npos) {
      visit(static_cast<std::size_t>(std::stoull(part.pointer.substr(prefix.size()))), part.value);
    } else if (pointer == part.pointer ||
               (pointer.size() > part.pointer.size() &&
                pointer.compare(0, part.pointer.size(), part.pointer) == 0 &&
                pointer[part.pointer.size()] == '/')) {
      const nlohmann::json* inner = at(part.value, pointer.substr(part.pointer.size()));
      if (inner == nullptr || !inner->is_array()) return;
      found = true;
      for (std::size_t i = 0; i < inner->size(); ++i) visit(i, (*inner)[i]);
    }
  });
  return found;
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
  if (!json) return HashSet::hash(body_prefix);
  if (!streamed) return document_hash(doc);
  StreamHash h;
  each_part([&](const Part& part) {
    h.add_sized(part.pointer);
    h.add(part.value);
  });
  return h.h;
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
  slimmed = true;
  streamed = false;
  source = nullptr;
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
  std::unordered_map<std::string, std::string> first;
  a.each_leaf([&](const Leaf& leaf) {
    first.emplace(leaf.pointer, leaf.value);
    return true;
  });
  std::unordered_set<std::string> out;
  std::unordered_set<std::string> in_b;
  b.each_leaf([&](const Leaf& leaf) {
    in_b.insert(leaf.pointer);
    const auto it = first.find(leaf.pointer);
    if (it == first.end() || it->second != leaf.value) out.insert(leaf.pointer);
    return true;
  });
  for (const auto& [pointer, value] : first) {
    if (!in_b.contains(pointer)) out.insert(pointer);
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
