#include "spec/refs.hpp"

#include <algorithm>
#include <array>
#include <filesystem>
#include <unordered_set>

#include "spec/document.hpp"
#include "util/file.hpp"
#include "util/json_pointer.hpp"
#include "util/strings.hpp"

namespace authdiff::spec {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::size_t k_max_documents = 1000;

std::string dir_of(const std::string& path) {
  const fs::path p(path);
  return p.has_parent_path() ? p.parent_path().string() : std::string(".");
}

// Keys whose values are literal data, never schema or refs.
bool is_literal_key(const std::string& key) {
  return key == "example" || key == "default" || key == "enum" || key == "const" ||
         key.starts_with("x-");
}

// Keys whose children are names chosen by the author, not keywords.
bool holds_names(const std::string& key) {
  return key == "properties" || key == "patternProperties" || key == "$defs" ||
         key == "definitions" || key == "schemas" || key == "dependentSchemas";
}

struct PendingRef {
  const json* object;  // the {"$ref": ...} object
  const Document* doc;
};

// Collect every `$ref` under the document, iteratively (documents may nest deeply).
void collect_refs(const Document& doc, std::vector<PendingRef>& out) {
  struct Item {
    const json* value;
    bool names;        // children are names (parent key was `properties` & co.)
    bool example_map;  // children are Example Objects whose `value` is literal
  };
  std::vector<Item> stack{{&doc.root, false, false}};
  while (!stack.empty()) {
    const Item item = stack.back();
    stack.pop_back();
    const json& v = *item.value;
    if (v.is_object()) {
      if (const auto it = v.find("$ref"); it != v.end() && it->is_string() && !item.names) {
        out.push_back({item.value, &doc});
      }
      for (const auto& [key, child] : v.items()) {
        if (!child.is_structured()) continue;
        if (!item.names && is_literal_key(key)) continue;
        if (!item.names && key == "examples" && child.is_array()) continue;  // JSON Schema form
        if (item.example_map && key == "value") continue;
        stack.push_back({&child, !item.names && holds_names(key),
                         !item.names && key == "examples" && child.is_object()});
      }
    } else if (v.is_array()) {
      for (const auto& child : v) {
        if (child.is_structured()) stack.push_back({&child, false, false});
      }
    }
  }
}

constexpr std::array k_type_names = {"string", "number", "integer", "boolean",
                                     "array",  "object", "null"};
constexpr std::size_t k_max_type_warnings = 20;

bool is_type_name(const json& v) {
  return v.is_string() && std::find(k_type_names.begin(), k_type_names.end(),
                                    v.get_ref<const std::string&>()) != k_type_names.end();
}

// The JSON pointer of `target` inside `root` (for messages; walks the tree once).
std::string pointer_in(const json& root, const json* target);

// OpenAPI 3.1 (JSON Schema 2020-12) lets a schema list its types: `type: [string, "null"]`, where
// OpenAPI 3.0 writes `type: string` with `nullable: true`. Every reader of a schema, in spec and
// in the modules after it, takes `type` to be one name, so a list is rewritten in the 3.0 form
// when its document is loaded, before any pointer into it is kept: the first type other than
// "null", and `nullable: true` when the list has "null". A list of several other types keeps the
// first and says so in a warning. Only lists of type names are read this way, and only where
// schema keywords can be: literal values (example, default, enum, const, x-*), maps of names
// (properties, link parameters, ...) and security requirements (a scheme may be called `type`)
// are left alone.
void normalize_types(json& root, const std::string& where_prefix,
                     std::vector<std::string>& warnings) {
  struct Item {
    json* value;
    bool names;           // members are names chosen by the author, not keywords
    bool example_map;     // members are Example Objects whose `value` is literal
    bool elements_named;  // array: its mappings are maps of names (security requirements)
  };
  std::size_t warned = 0;
  const auto warn = [&](const json* schema, std::string message) {
    if (++warned > k_max_type_warnings) return;
    if (warned == k_max_type_warnings) message += " (further `type` lists are not reported)";
    std::string pointer = pointer_in(root, schema);
    if (pointer == "/") pointer.clear();
    warnings.push_back(where_prefix + pointer + "/type " + std::move(message));
  };
  std::vector<Item> stack{{&root, false, false, false}};
  while (!stack.empty()) {
    const Item item = stack.back();
    stack.pop_back();
    json& v = *item.value;
    if (v.is_object()) {
      if (const auto t = v.find("type"); !item.names && t != v.end() && t->is_array() &&
                                         !t->empty() &&
                                         std::all_of(t->begin(), t->end(), is_type_name)) {
        std::vector<std::string> types;
        bool nullable = false;
        for (const auto& name : *t) {
          if (name == "null") {
            nullable = true;
          } else if (const std::string& n = name.get_ref<const std::string&>();
                     std::find(types.begin(), types.end(), n) == types.end()) {
            types.push_back(n);
          }
        }
        if (types.size() > 1) {
          warn(&v, "lists " + join(types, ", ") + ": read as " + types.front());
        }
        *t = types.empty() ? std::string("null") : types.front();
        if (nullable && !types.empty() && !v.contains("nullable")) v["nullable"] = true;
      }
      for (auto& [key, child] : v.items()) {
        if (!child.is_structured()) continue;
        if (!item.names && is_literal_key(key)) continue;
        if (!item.names && key == "examples" && child.is_array()) continue;  // JSON Schema form
        if (item.example_map && key == "value") continue;
        const bool named =
            !item.names && (holds_names(key) || (key == "parameters" && child.is_object()));
        stack.push_back({&child, named, !item.names && key == "examples" && child.is_object(),
                         !item.names && key == "security" && child.is_array()});
      }
    } else if (v.is_array()) {
      for (auto& child : v) {
        if (child.is_structured()) stack.push_back({&child, item.elements_named, false, false});
      }
    }
  }
}

// The JSON pointer of `target` inside `root` (for messages; walks the tree once).
std::string pointer_in(const json& root, const json* target) {
  struct Item {
    const json* value;
    std::string pointer;
  };
  std::vector<Item> stack{{&root, ""}};
  while (!stack.empty()) {
    Item item = std::move(stack.back());
    stack.pop_back();
    if (item.value == target) return item.pointer.empty() ? "/" : item.pointer;
    if (item.value->is_object()) {
      for (const auto& [key, child] : item.value->items()) {
        if (child.is_structured())
          stack.push_back({&child, item.pointer + "/" + pointer_escape(key)});
      }
    } else if (item.value->is_array()) {
      std::size_t i = 0;
      for (const auto& child : *item.value) {
        if (child.is_structured())
          stack.push_back({&child, item.pointer + "/" + std::to_string(i)});
        ++i;
      }
    }
  }
  return "?";
}

}  // namespace

Result<std::shared_ptr<Workspace>> Workspace::load(const std::string& path) {
  auto text = read_file(path);
  if (!text) return text.error();
  auto root = parse_document(*text, path);
  if (!root) return root.error();
  return from_json(std::move(root.value()), path);
}

Result<std::shared_ptr<Workspace>> Workspace::from_json(json root, const std::string& path) {
  std::shared_ptr<Workspace> ws(new Workspace());
  auto doc = std::make_unique<Document>();
  doc->path = path;
  doc->dir = dir_of(path);
  doc->root = std::move(root);
  normalize_types(doc->root, "", ws->m_warnings);
  std::error_code ec;
  ws->m_by_path[fs::weakly_canonical(path, ec).string()] = doc.get();
  ws->m_docs.push_back(std::move(doc));
  if (auto checked = ws->check_refs(); !checked) return checked.error();
  return ws;
}

Result<const Document*> Workspace::document_for(const Document& from, const std::string& file,
                                                const std::string& at) {
  if (file.find("://") != std::string::npos) {
    return Error{from.path, 0, 0,
                 "$ref at " + in_quotes(at) + " points to a remote document " + in_quotes(file) +
                     "; authdiff reads local files only (download it next to the spec)"};
  }
  auto decoded = percent_decode(file);
  const fs::path target = fs::path(from.dir) / (decoded ? *decoded : file);
  std::error_code ec;
  const std::string key = fs::weakly_canonical(target, ec).string();
  if (const auto it = m_by_path.find(key); it != m_by_path.end()) return it->second;
  if (m_docs.size() >= k_max_documents) {
    return Error{from.path, 0, 0, "more than 1000 documents reached through $ref"};
  }
  auto text = read_file(target.string());
  if (!text) {
    return Error{
        from.path, 0, 0,
        "$ref at " + in_quotes(at) + " names " + in_quotes(file) + ": " + text.error().message};
  }
  auto root = parse_document(*text, target.string());
  if (!root) return root.error();
  auto doc = std::make_unique<Document>();
  doc->path = target.lexically_normal().string();
  doc->dir = dir_of(doc->path);
  doc->root = std::move(root.value());
  normalize_types(doc->root, doc->path + "#", m_warnings);
  const Document* raw = doc.get();
  m_by_path[key] = raw;
  m_docs.push_back(std::move(doc));
  return raw;
}

Result<Node> Workspace::resolve_ref(const Document& from, const std::string& ref,
                                    const json* ref_object) {
  const auto at = [&] { return pointer_in(from.root, ref_object); };
  const std::size_t hash = ref.find('#');
  const std::string file = ref.substr(0, hash);
  const std::string fragment = hash == std::string::npos ? "" : ref.substr(hash + 1);
  const Document* doc = &from;
  if (!file.empty()) {
    auto found = document_for(from, file, at());
    if (!found) return found.error();
    doc = *found;
  }
  auto decoded = percent_decode(fragment);
  if (!decoded) {
    return Error{from.path, 0, 0,
                 "$ref " + in_quotes(ref) + " at " + in_quotes(at()) + " has a malformed %-escape"};
  }
  auto tokens = pointer_tokens(*decoded);
  if (!tokens) {
    return Error{from.path, 0, 0,
                 "$ref " + in_quotes(ref) + " at " + in_quotes(at()) +
                     " is not a JSON pointer (plain-name anchors are not supported)"};
  }
  const json* cur = &doc->root;
  for (const auto& token : *tokens) {
    const json* next = nullptr;
    if (cur->is_object()) {
      if (const auto it = cur->find(token); it != cur->end()) next = &*it;
    } else if (cur->is_array() && !token.empty() &&
               token.find_first_not_of("0123456789") == std::string::npos && token.size() < 10) {
      const std::size_t index = std::stoul(token);
      if (index < cur->size()) next = &(*cur)[index];
    }
    if (next == nullptr) {
      return Error{from.path, 0, 0,
                   "$ref " + in_quotes(ref) + " at " + in_quotes(at()) + " does not resolve: " +
                       in_quotes(doc->path) + " has nothing at " + in_quotes(*decoded)};
    }
    cur = next;
  }
  return Node{cur, doc};
}

Result<bool> Workspace::check_refs() {
  // Breadth over documents: resolving a ref may load another document, which is then scanned.
  std::vector<PendingRef> refs;
  for (std::size_t scanned = 0; scanned < m_docs.size(); ++scanned) {
    refs.clear();
    collect_refs(*m_docs[scanned], refs);
    for (const auto& r : refs) {
      const std::string& ref = r.object->at("$ref").get_ref<const std::string&>();
      auto target = resolve_ref(*r.doc, ref, r.object);
      if (!target) return target.error();
      m_targets.emplace(r.object, *target);
    }
  }
  // A chain of refs that only ever reaches refs again is cyclic: there is no value to use.
  for (const auto& [start, first] : m_targets) {
    std::unordered_set<const json*> seen{start};
    Node cur = first;
    while (true) {
      const auto it = m_targets.find(cur.value);
      if (it == m_targets.end()) break;
      if (!seen.insert(cur.value).second) {
        return Error{cur.doc->path, 0, 0,
                     "$ref " + in_quotes(start->at("$ref").get<std::string>()) +
                         " is part of a cycle of refs that never reaches a value"};
      }
      cur = it->second;
    }
  }
  return true;
}

Node Workspace::deref(Node node) const {
  // Each hop is a checked target; the cycle check at load bounds the chain.
  for (std::size_t hops = 0; node && hops < 1000; ++hops) {
    const auto it = m_targets.find(node.value);
    if (it == m_targets.end()) return node;
    node = it->second;
  }
  return node;
}

std::string Workspace::pointer_of(Node node) const {
  if (!node) return "";
  for (const auto& owned : m_owned) {
    if (&owned == node.value) return "";
  }
  const std::string pointer = pointer_in(node.doc->root, node.value);
  return node.doc == m_docs.front().get() ? pointer : node.doc->path + "#" + pointer;
}

Node Workspace::own(json value) {
  m_owned.push_back(std::move(value));
  return Node{&m_owned.back(), m_docs.front().get()};
}

}  // namespace authdiff::spec
