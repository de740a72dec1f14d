// Swagger 2.0 / OpenAPI 3.0 / 3.1 documents -> Api. Tolerant of odd shapes (a warning, not a
// crash); strict about what cannot be modelled (not an OpenAPI document at all).
#include <algorithm>
#include <array>
#include <set>

#include "spec/classify.hpp"
#include "spec/model.hpp"
#include "spec/synth.hpp"
#include "util/json_pointer.hpp"
#include "util/strings.hpp"

namespace authdiff::spec {

using nlohmann::json;

std::string to_string(SchemeKind kind) {
  switch (kind) {
    case SchemeKind::http_bearer:
      return "http-bearer";
    case SchemeKind::http_basic:
      return "http-basic";
    case SchemeKind::http_other:
      return "http";
    case SchemeKind::api_key:
      return "api-key";
    case SchemeKind::oauth2:
      return "oauth2";
    case SchemeKind::open_id_connect:
      return "openid-connect";
    case SchemeKind::mutual_tls:
      return "mutual-tls";
    case SchemeKind::unknown:
      break;
  }
  return "unknown";
}

bool Security::is_optional() const {
  if (alternatives.empty()) return false;
  return std::any_of(alternatives.begin(), alternatives.end(),
                     [](const SecurityRequirement& r) { return r.empty(); });
}

namespace {

constexpr std::array k_methods = {"get",     "put",  "post",  "delete",
                                  "options", "head", "patch", "trace"};

const json* member(const json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  const auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

std::string text(const json* v) {
  return v && v->is_string() ? v->get<std::string>() : "";
}

class Builder {
 public:
  Builder(std::shared_ptr<Workspace> ws, Api& api) : m_ws(std::move(ws)), m_api(api) {}

  Result<bool> run() {
    const Node root = m_ws->root();
    if (!root->is_object()) {
      return Error{m_api.file, 1, 1, "not an OpenAPI document: the top level is not a mapping"};
    }
    if (const json* v = member(*root, "openapi")) {
      m_api.openapi = v->is_string() ? v->get<std::string>() : v->dump();
    } else if (const json* s = member(*root, "swagger")) {
      m_api.openapi = s->is_string() ? s->get<std::string>() : s->dump();
      if (m_api.openapi != "2.0" && m_api.openapi != "2") {
        return Error{m_api.file, 0, 0, "unsupported Swagger version " + in_quotes(m_api.openapi)};
      }
      m_api.openapi = "2.0";
      m_swagger2 = true;
    } else {
      return Error{m_api.file, 1, 1,
                   "not an OpenAPI document: no `openapi` or `swagger` field at the top level"};
    }
    if (!m_swagger2 && !m_api.openapi.starts_with("3.")) {
      return Error{m_api.file, 0, 0,
                   "unsupported OpenAPI version " + in_quotes(m_api.openapi) +
                       " (authdiff reads Swagger 2.0 and OpenAPI 3.x)"};
    }
    if (const json* info = member(*root, "info")) {
      m_api.title = text(member(*info, "title"));
      const json* v = member(*info, "version");
      m_api.version = v && v->is_string() ? v->get<std::string>() : v ? v->dump() : "";
    }
    servers(*root);
    schemes(root);
    m_global = security_list(member(*root, "security"), "/security");
    if (const json* paths = member(*root, "paths")) {
      if (!paths->is_object()) {
        warn("/paths is not a mapping; no operations read");
      } else {
        for (const auto& [path, item] : paths->items()) {
          if (path.starts_with("x-")) continue;
          // The path is appended to the base URL: one that does not start with "/" would change
          // the host or port ("@other", ".example") instead of naming a resource.
          if (!path.starts_with("/")) {
            warn("/paths/" + pointer_escape(path) + ": does not start with \"/\"; skipped");
            continue;
          }
          path_item(path, Node{&item, root.doc});
        }
      }
    }
    duplicate_ids();
    return true;
  }

 private:
  void warn(std::string message) { m_api.warnings.push_back(std::move(message)); }

  void servers(const json& root) {
    if (m_swagger2) {
      std::string scheme = "https";
      if (const json* s = member(root, "schemes"); s && s->is_array() && !s->empty()) {
        scheme = text(&(*s)[0]);
        // Prefer https when both are listed.
        for (const auto& item : *s) {
          if (item == "https") scheme = "https";
        }
      }
      const std::string host = text(member(root, "host"));
      const std::string base = text(member(root, "basePath"));
      m_api.servers.push_back(host.empty() ? base : scheme + "://" + host + base);
      return;
    }
    if (const json* list = member(root, "servers"); list && list->is_array()) {
      for (const auto& server : *list) {
        std::string url = text(member(server, "url"));
        if (const json* vars = member(server, "variables"); vars && vars->is_object()) {
          for (const auto& [name, var] : vars->items()) {
            const std::string placeholder = "{" + name + "}";
            const std::string value = text(member(var, "default"));
            for (auto pos = url.find(placeholder); pos != std::string::npos;
                 pos = url.find(placeholder, pos + value.size())) {
              url.replace(pos, placeholder.size(), value);
            }
          }
        }
        m_api.servers.push_back(url);
      }
    }
  }

  void schemes(Node root) {
    const json* defs = nullptr;
    if (m_swagger2) {
      defs = member(*root, "securityDefinitions");
    } else if (const json* components = member(*root, "components")) {
      defs = member(*components, "securitySchemes");
    }
    if (defs == nullptr || !defs->is_object()) return;
    for (const auto& [name, raw] : defs->items()) {
      const Node node = m_ws->deref(Node{&raw, root.doc});
      if (!node->is_object()) {
        warn("security scheme " + in_quotes(name) + " is not a mapping; ignored");
        continue;
      }
      SecurityScheme s;
      s.name = name;
      const std::string type = text(member(*node, "type"));
      if (type == "http") {
        s.http_scheme = to_lower(text(member(*node, "scheme")));
        s.kind = s.http_scheme == "bearer"  ? SchemeKind::http_bearer
                 : s.http_scheme == "basic" ? SchemeKind::http_basic
                                            : SchemeKind::http_other;
      } else if (type == "basic") {
        s.kind = SchemeKind::http_basic;
        s.http_scheme = "basic";
      } else if (type == "apiKey") {
        s.kind = SchemeKind::api_key;
        s.location = text(member(*node, "in"));
        s.param_name = text(member(*node, "name"));
      } else if (type == "oauth2") {
        s.kind = SchemeKind::oauth2;
        std::set<std::string> scopes;
        const auto add_scopes = [&](const json& flow) {
          if (const json* sc = member(flow, "scopes"); sc && sc->is_object()) {
            for (const auto& [scope, _] : sc->items()) scopes.insert(scope);
          }
        };
        add_scopes(*node);  // Swagger 2.0 keeps scopes on the scheme
        if (const json* flows = member(*node, "flows"); flows && flows->is_object()) {
          for (const auto& [_, flow] : flows->items()) add_scopes(flow);
        }
        s.scopes.assign(scopes.begin(), scopes.end());
      } else if (type == "openIdConnect") {
        s.kind = SchemeKind::open_id_connect;
      } else if (type == "mutualTLS") {
        s.kind = SchemeKind::mutual_tls;
      } else {
        warn("security scheme " + in_quotes(name) + " has unknown type " + in_quotes(type));
      }
      m_api.schemes.emplace(name, std::move(s));
    }
  }

  // A `security` list; `where` names it in warnings. nullopt when the key is absent.
  std::optional<std::vector<SecurityRequirement>> security_list(const json* list,
                                                                const std::string& where) {
    if (list == nullptr) return std::nullopt;
    std::vector<SecurityRequirement> out;
    if (!list->is_array()) {
      warn(where + " is not a list; treated as absent");
      return std::nullopt;
    }
    for (const auto& req : *list) {
      SecurityRequirement r;
      if (!req.is_object()) {
        warn(where + " holds an entry that is not a mapping; ignored");
        continue;
      }
      for (const auto& [scheme, scopes] : req.items()) {
        if (!m_api.schemes.contains(scheme)) {
          warn(where + " names security scheme " + in_quotes(scheme) + " that is not declared");
        }
        SchemeUse use{scheme, {}};
        if (scopes.is_array()) {
          for (const auto& scope : scopes) {
            if (scope.is_string()) use.scopes.push_back(scope.get<std::string>());
          }
        }
        r.push_back(std::move(use));
      }
      out.push_back(std::move(r));
    }
    return out;
  }

  Node schema_of_parameter(Node param) {
    if (!m_swagger2) {
      if (const json* s = member(*param, "schema")) return Node{s, param.doc};
      if (const json* content = member(*param, "content"); content && content->is_object()) {
        for (const auto& [_, media] : content->items()) {
          if (const json* s = member(media, "schema")) return Node{s, param.doc};
        }
      }
      return Node{};
    }
    if (const json* s = member(*param, "schema")) return Node{s, param.doc};
    // Swagger 2.0 keeps the schema keywords on the parameter itself.
    json schema = json::object();
    for (const char* key : {"type", "format", "items", "enum", "default", "minimum", "maximum",
                            "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength",
                            "pattern", "minItems", "maxItems", "multipleOf"}) {
      if (const json* v = member(*param, key)) schema[key] = *v;
    }
    if (const json* v = member(*param, "x-example")) schema["example"] = *v;
    return m_ws->own(std::move(schema));
  }

  // The parameter's own example, then its schema's.
  Example parameter_example(Node param, Node schema) {
    if (const json* e = member(*param, "example")) return {*e, "example"};
    if (const json* ex = member(*param, "examples"); ex && ex->is_object()) {
      for (const auto& [_, raw] : ex->items()) {
        const Node e = m_ws->deref(Node{&raw, param.doc});
        if (const json* v = member(*e, "value")) return {*v, "examples"};
      }
    }
    if (!schema) return {json("example"), "schema"};
    return synthesize(*m_ws, schema);
  }

  struct RawParams {
    std::vector<Parameter> params;
    std::vector<Node> body_params;       // Swagger 2.0 `in: body`
    std::vector<Parameter> form_params;  // Swagger 2.0 `in: formData`
  };

  // A parameter's schema whose `type` is not one type name (`type: 5`, a list that is not of
  // type names) is read without it: the readers of a parameter's schema here and in the checks
  // take `type` to be text. OpenAPI 3.1 lists of type names were rewritten at load (refs.cpp).
  // `param` names the parameter in the warning when its schema is not in a document (2.0).
  Node checked_schema(Node schema, const std::string& param) {
    const Node s = m_ws->deref(schema);
    if (!s || !s->is_object()) return schema;
    const auto t = s->find("type");
    if (t == s->end() || t->is_string()) return schema;
    const std::string at = m_ws->pointer_of(s);
    warn((at.empty() ? param + ": its schema's type" : at + "/type") +
         (t->is_array() ? " lists other than type names" : " is not a type name") + "; ignored");
    json copy = *s;
    copy.erase("type");
    return m_ws->own(std::move(copy));
  }

  void add_parameters(const json* list, const Document* doc, const std::string& where,
                      RawParams& out) {
    if (list == nullptr) return;
    if (!list->is_array()) {
      warn(where + "/parameters is not a list; ignored");
      return;
    }
    for (const auto& raw : *list) {
      const Node p = m_ws->deref(Node{&raw, doc});
      if (!p->is_object()) continue;
      Parameter param;
      param.name = text(member(*p, "name"));
      param.in = text(member(*p, "in"));
      if (param.name.empty() || param.in.empty()) {
        warn(where + " has a parameter without `name` or `in`; ignored");
        continue;
      }
      const json* req = member(*p, "required");
      param.required = param.in == "path" || (req && req->is_boolean() && req->get<bool>());
      if (param.in == "body") {
        out.body_params.push_back(p);
        continue;
      }
      param.schema =
          checked_schema(schema_of_parameter(p), where + ": parameter " + in_quotes(param.name));
      param.example = parameter_example(p, param.schema);
      auto& target = param.in == "formData" ? out.form_params : out.params;
      // Operation-level parameters replace path-level ones with the same name and location.
      const auto same = std::find_if(target.begin(), target.end(), [&](const Parameter& q) {
        return q.name == param.name && q.in == param.in;
      });
      if (same != target.end()) {
        *same = std::move(param);
      } else {
        target.push_back(std::move(param));
      }
    }
  }

  // Choose the media type a JSON client would send or accept.
  static const json* pick_media(const json& content, std::string& content_type) {
    if (!content.is_object() || content.empty()) return nullptr;
    const json* best = nullptr;
    int best_rank = -1;
    for (const auto& [type, media] : content.items()) {
      const std::string t = to_lower(type);
      const int rank = t == "application/json"                                       ? 5
                       : t.ends_with("+json") || t.find("json") != std::string::npos ? 4
                       : t == "application/x-www-form-urlencoded"                    ? 3
                       : t == "multipart/form-data"                                  ? 2
                       : t == "*/*"                                                  ? 1
                                                                                     : 0;
      if (rank > best_rank) {
        best_rank = rank;
        best = &media;
        content_type = type;
      }
    }
    return best;
  }

  void body_v3(Node op_node, Operation& op) {
    const json* rb = member(*op_node, "requestBody");
    if (rb == nullptr) return;
    const Node body = m_ws->deref(Node{rb, op_node.doc});
    Body b;
    const json* req = member(*body, "required");
    b.required = req && req->is_boolean() && req->get<bool>();
    const json* content = member(*body, "content");
    const json* media = content ? pick_media(*content, b.content_type) : nullptr;
    if (media == nullptr) return;
    if (const json* s = member(*media, "schema")) b.schema = Node{s, body.doc};
    if (const json* e = member(*media, "example")) {
      b.example = {*e, "example"};
    } else if (const json* ex = member(*media, "examples"); ex && ex->is_object() && !ex->empty()) {
      const Node first = m_ws->deref(Node{&ex->begin().value(), body.doc});
      if (const json* v = member(*first, "value")) b.example = {*v, "examples"};
    }
    if (b.example.source.empty()) {
      b.example = b.schema ? synthesize(*m_ws, b.schema) : Example{json::object(), "schema"};
    }
    op.body = std::move(b);
  }

  void body_v2(const RawParams& raw, const json& op_json, Operation& op) {
    std::string consumes = "application/json";
    const json* c = member(op_json, "consumes");
    if (c == nullptr) c = member(*m_ws->root(), "consumes");
    if (c && c->is_array() && !c->empty() && (*c)[0].is_string()) {
      consumes = (*c)[0].get<std::string>();
      for (const auto& t : *c) {
        if (t == "application/json") consumes = "application/json";
      }
    }
    if (!raw.body_params.empty()) {
      const Node p = raw.body_params.front();
      Body b;
      b.content_type = consumes;
      const json* req = member(*p, "required");
      b.required = req && req->is_boolean() && req->get<bool>();
      if (const json* s = member(*p, "schema")) b.schema = Node{s, p.doc};
      b.example = b.schema ? synthesize(*m_ws, b.schema) : Example{json::object(), "schema"};
      op.body = std::move(b);
    } else if (!raw.form_params.empty()) {
      Body b;
      b.content_type = consumes.find("multipart") != std::string::npos
                           ? "multipart/form-data"
                           : "application/x-www-form-urlencoded";
      b.example = {json::object(), "schema"};
      for (const auto& p : raw.form_params) {
        b.required = b.required || p.required;
        b.example.value[p.name] = p.example.value;
      }
      op.body = std::move(b);
    }
  }

  void response(Node op_node, Operation& op) {
    const json* responses = member(*op_node, "responses");
    if (responses == nullptr || !responses->is_object()) return;
    const json* chosen = nullptr;
    for (const auto& [code, resp] : responses->items()) {
      // Exact 2xx codes sort before "2XX" in the map's order; the first one wins.
      if (code.size() == 3 && code[0] == '2') {
        chosen = &resp;
        break;
      }
    }
    if (chosen == nullptr) return;
    const Node r = m_ws->deref(Node{chosen, op_node.doc});
    if (m_swagger2) {
      if (const json* s = member(*r, "schema")) op.response_schema = Node{s, r.doc};
      return;
    }
    if (const json* links = member(*r, "links"); links != nullptr && links->is_object()) {
      for (const auto& [_, raw] : links->items()) {
        const Node link = m_ws->deref(Node{&raw, r.doc});
        const json* target = member(*link, "operationId");
        const json* params = member(*link, "parameters");
        if (target == nullptr || !target->is_string() || params == nullptr || !params->is_object())
          continue;
        for (const auto& [name, expression] : params->items()) {
          if (!expression.is_string()) continue;
          const std::string e = expression.get<std::string>();
          if (e.rfind("$response.body#", 0) != 0) continue;
          op.links.push_back({target->get<std::string>(), name, e.substr(15)});
        }
      }
    }
    const json* content = member(*r, "content");
    std::string type;
    const json* media = content ? pick_media(*content, type) : nullptr;
    if (media == nullptr) return;
    if (const json* s = member(*media, "schema")) op.response_schema = Node{s, r.doc};
  }

  void path_item(const std::string& path, Node raw_item) {
    const Node item = m_ws->deref(raw_item);
    const std::string item_pointer = "/paths/" + pointer_escape(path);
    if (!item->is_object()) {
      warn("path " + in_quotes(path) + " is not a mapping; ignored");
      return;
    }
    RawParams shared;
    add_parameters(member(*item, "parameters"), item.doc, item_pointer, shared);
    for (const char* method : k_methods) {
      const json* op_json = member(*item, method);
      if (op_json == nullptr) continue;
      const Node op_node = m_ws->deref(Node{op_json, item.doc});
      if (!op_node->is_object()) {
        warn(std::string(method) + " " + path + " is not a mapping; ignored");
        continue;
      }
      Operation op;
      op.method = method;
      std::transform(op.method.begin(), op.method.end(), op.method.begin(), ::toupper);
      op.path = path;
      op.pointer = item_pointer + "/" + method;
      op.operation_id = text(member(*op_node, "operationId"));
      op.summary = text(member(*op_node, "summary"));
      if (const json* tags = member(*op_node, "tags"); tags && tags->is_array()) {
        for (const auto& t : *tags) {
          if (t.is_string()) op.tags.push_back(t.get<std::string>());
        }
      }
      const json* dep = member(*op_node, "deprecated");
      op.deprecated = dep && dep->is_boolean() && dep->get<bool>();
      const json* observed = member(*op_node, "x-authdiff-observed");
      op.observed = observed && observed->is_boolean() && observed->get<bool>();
      const json* assumed = member(*op_node, "x-authdiff-security");
      op.security_assumed = assumed && assumed->is_string() && *assumed == "assumed";

      RawParams params = shared;
      add_parameters(member(*op_node, "parameters"), op_node.doc, op.pointer, params);
      op.parameters = std::move(params.params);
      if (m_swagger2) {
        body_v2(params, *op_node, op);
      } else {
        body_v3(op_node, op);
      }
      for (auto& p : op.parameters) {
        p.id_reason = id_reason(*m_ws, p);
        p.page_size_reason = page_size_reason(*m_ws, p);
        if (p.is_page_size()) p.maximum = maximum_of(p.schema);
      }
      check_path_parameters(op);

      if (auto own = security_list(member(*op_node, "security"), op.pointer + "/security")) {
        op.security.alternatives = std::move(*own);
        op.security.source = Security::Source::operation;
      } else if (m_global) {
        op.security.alternatives = *m_global;
        op.security.source = Security::Source::global;
      }
      response(op_node, op);
      classify_response(*m_ws, op);
      m_api.operations.push_back(std::move(op));
    }
  }

  std::optional<double> maximum_of(Node schema) {
    const Node s = m_ws->deref(schema);
    if (!s || !s->is_object()) return std::nullopt;
    const json* m = member(*s, "maximum");
    if (m && m->is_number()) return m->get<double>();
    return std::nullopt;
  }

  // Every `{name}` in the template needs a path parameter; add a string one if it is missing.
  void check_path_parameters(Operation& op) {
    std::size_t pos = 0;
    while ((pos = op.path.find('{', pos)) != std::string::npos) {
      const std::size_t end = op.path.find('}', pos);
      if (end == std::string::npos) break;
      const std::string name = op.path.substr(pos + 1, end - pos - 1);
      pos = end + 1;
      const bool declared = std::any_of(op.parameters.begin(), op.parameters.end(),
                                        [&](auto& p) { return p.in == "path" && p.name == name; });
      if (declared) continue;
      warn(op.key() + ": path parameter " + in_quotes(name) + " is not declared; using a string");
      Parameter p;
      p.name = name;
      p.in = "path";
      p.required = true;
      p.schema = m_ws->own(json{{"type", "string"}});
      p.example = {json("example"), "schema"};
      p.id_reason = id_reason(*m_ws, p);
      op.parameters.push_back(std::move(p));
    }
  }

  void duplicate_ids() {
    std::set<std::string> seen;
    for (const auto& op : m_api.operations) {
      if (op.operation_id.empty()) continue;
      if (!seen.insert(op.operation_id).second) {
        warn("operationId " + in_quotes(op.operation_id) + " is used by more than one operation");
      }
    }
  }

  std::shared_ptr<Workspace> m_ws;
  Api& m_api;
  bool m_swagger2 = false;
  std::optional<std::vector<SecurityRequirement>> m_global;
};

}  // namespace

Result<Api> build_api(std::shared_ptr<Workspace> workspace) {
  Api api;
  api.workspace = workspace;
  api.file = workspace->root().doc->path;
  api.warnings = workspace->warnings();
  try {
    Builder builder(workspace, api);
    if (auto ok = builder.run(); !ok) return ok.error();
  } catch (const std::exception& e) {
    // A shape the builder did not expect must not crash the run.
    return Error{api.file, 0, 0, std::string("cannot read the document: ") + e.what()};
  }
  return api;
}

Result<Api> load_api(const std::string& path) {
  auto ws = Workspace::load(path);
  if (!ws) return ws.error();
  return build_api(std::move(ws.value()));
}

}  // namespace authdiff::spec
