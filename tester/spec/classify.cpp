#include "spec/classify.hpp"

#include <algorithm>
#include <array>
#include <string_view>

#include "util/json_pointer.hpp"
#include "util/strings.hpp"

namespace authdiff::spec {

using nlohmann::json;

namespace {

// Lower case with `_ - . $ [ ]` removed: "page[size]", "per_page", "$top" -> "pagesize"...
std::string squash(std::string_view name) {
  std::string out;
  for (const char c : name) {
    if (c == '_' || c == '-' || c == '.' || c == '$' || c == '[' || c == ']') continue;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string schema_format(const Workspace& ws, Node schema) {
  const Node s = ws.deref(schema);
  if (!s || !s->is_object()) return "";
  const auto it = s->find("format");
  return it != s->end() && it->is_string() ? it->get<std::string>() : "";
}

constexpr std::array k_page_size_names = {
    "limit",       "size",           "pagesize",     "perpage",        "pagelimit", "maxresults",
    "maxitems",    "maxrecords",     "top",          "take",           "rows",      "pagelen",
    "numresults",  "resultsperpage", "itemsperpage", "recordsperpage", "count",     "first",
    "maxpagesize", "pagecount",      "num",          "rowsperpage",    "fetchsize", "batchsize"};

// Path parameters that select a representation rather than an object.
constexpr std::array k_not_ids = {"version", "apiversion", "format", "lang",
                                  "locale",  "language",   "ext",    "extension"};

}  // namespace

std::string schema_type(const Workspace& ws, Node schema) {
  const Node s = ws.deref(schema);
  if (!s || !s->is_object()) return "";
  const auto it = s->find("type");
  if (it == s->end()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_array()) {
    for (const auto& t : *it) {
      if (t.is_string() && t != "null") return t.get<std::string>();
    }
  }
  return "";
}

std::string id_reason(const Workspace& ws, const Parameter& param) {
  const std::string& n = param.name;
  const std::string lower = to_lower(n);
  if (param.in != "path" && param.in != "query" && param.in != "header" && param.in != "cookie") {
    return "";
  }
  if (lower == "id" || lower == "uuid" || lower == "guid") return "named " + n;
  if (n.ends_with("Id") || n.ends_with("ID") || lower.ends_with("_id") || lower.ends_with("-id") ||
      lower.ends_with(".id")) {
    return "name ends in id";
  }
  if (n.ends_with("Uuid") || n.ends_with("UUID") || lower.ends_with("_uuid") ||
      lower.ends_with("guid")) {
    return "name ends in uuid";
  }
  if (param.in != "path") return "";
  const std::string sq = squash(n);
  for (const char* word : k_not_ids) {
    if (sq == word) return "";
  }
  const std::string format = schema_format(ws, param.schema);
  if (format == "uuid") return "uuid path parameter";
  const std::string type = schema_type(ws, param.schema);
  if (type == "integer") return "integer path parameter";
  if (type == "number") return "numeric path parameter";
  return "path parameter";
}

std::string page_size_reason(const Workspace& ws, const Parameter& param) {
  if (param.in != "query" && param.in != "header") return "";
  const std::string sq = squash(param.name);
  bool named = false;
  for (const char* word : k_page_size_names) {
    if (sq == word) named = true;
  }
  if (!named) return "";
  const std::string type = schema_type(ws, param.schema);
  if (type != "integer" && type != "number" && !type.empty()) return "";
  return "named " + param.name + (type.empty() ? "" : ", " + type);
}

namespace {

constexpr std::array k_list_members = {"items", "data",  "results", "content",   "records",
                                       "list",  "rows",  "entries", "values",    "elements",
                                       "hits",  "nodes", "objects", "resources", "value"};

bool is_array_schema(const Workspace& ws, Node schema) {
  const Node s = ws.deref(schema);
  if (!s || !s->is_object()) return false;
  if (schema_type(ws, s) == "array") return true;
  return !s->contains("type") && s->contains("items");
}

// The properties of an object schema, allOf parts included.
void collect_properties(const Workspace& ws, Node schema, int depth,
                        std::vector<std::pair<std::string, Node>>& out) {
  const Node s = ws.deref(schema);
  if (!s || !s->is_object() || depth > 4) return;
  if (const auto it = s->find("properties"); it != s->end() && it->is_object()) {
    for (const auto& [k, v] : it->items()) out.emplace_back(k, Node{&v, s.doc});
  }
  if (const auto it = s->find("allOf"); it != s->end() && it->is_array()) {
    for (const auto& part : *it) collect_properties(ws, Node{&part, s.doc}, depth + 1, out);
  }
}

// The pointer of the array inside an object schema, "" if none; `depth` levels down.
std::optional<std::string> find_list(const Workspace& ws, Node schema, int depth) {
  std::vector<std::pair<std::string, Node>> props;
  collect_properties(ws, schema, 0, props);
  const std::pair<std::string, Node>* best = nullptr;
  std::size_t arrays = 0;
  for (const auto& p : props) {
    if (!is_array_schema(ws, p.second)) continue;
    ++arrays;
    const std::string sq = squash(p.first);
    for (const char* word : k_list_members) {
      if (sq == word && best == nullptr) best = &p;
    }
  }
  if (best == nullptr && arrays == 1) {
    for (const auto& p : props) {
      if (is_array_schema(ws, p.second)) best = &p;
    }
  }
  if (best != nullptr) return "/" + pointer_escape(best->first);
  if (depth >= 1) return std::nullopt;
  // One level down: an envelope such as {"code": 0, "data": {"list": [...], "total": 9}}.
  for (const auto& p : props) {
    const std::string sq = squash(p.first);
    bool envelope = false;
    for (const char* word : k_list_members) envelope = envelope || sq == word;
    if (!envelope && sq != "result" && sq != "page" && sq != "payload" && sq != "body") continue;
    if (auto inner = find_list(ws, p.second, depth + 1)) {
      return "/" + pointer_escape(p.first) + *inner;
    }
  }
  return std::nullopt;
}

}  // namespace

namespace {
// Property names of `schema` and of every schema below it (items, properties, allOf/anyOf/oneOf),
// `depth`-bounded and at most 300 names: enough to see what an answer carries.
void field_names(const Workspace& ws, Node schema, int depth, std::vector<std::string>& out) {
  const Node s = ws.deref(schema);
  if (!s || !s->is_object() || depth > 6 || out.size() >= 300) return;
  if (const auto it = s->find("properties"); it != s->end() && it->is_object()) {
    for (const auto& [k, v] : it->items()) {
      if (std::find(out.begin(), out.end(), k) == out.end()) out.push_back(k);
      field_names(ws, Node{&v, s.doc}, depth + 1, out);
    }
  }
  if (const auto it = s->find("items"); it != s->end() && it->is_object())
    field_names(ws, Node{&*it, s.doc}, depth + 1, out);
  for (const char* key : {"allOf", "anyOf", "oneOf"}) {
    if (const auto it = s->find(key); it != s->end() && it->is_array()) {
      for (const auto& part : *it) field_names(ws, Node{&part, s.doc}, depth + 1, out);
    }
  }
}
}  // namespace

void classify_response(const Workspace& ws, Operation& op) {
  op.is_list = false;
  op.list_pointer.clear();
  op.response_fields.clear();
  if (!op.response_schema) return;
  field_names(ws, op.response_schema, 0, op.response_fields);
  if (is_array_schema(ws, op.response_schema)) {
    op.is_list = true;
    return;
  }
  if (auto pointer = find_list(ws, op.response_schema, 0)) {
    op.is_list = true;
    op.list_pointer = *pointer;
  }
}

}  // namespace authdiff::spec
