// Samples -> OpenAPI 3.1 (infer.hpp). Read top to bottom: what credential a sample carried, what
// each operation collected over its samples, then the document.
#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "infer/infer.hpp"
#include "infer/paths.hpp"
#include "infer/schema.hpp"
#include "util/base64.hpp"
#include "util/json_pointer.hpp"
#include "util/strings.hpp"
#include "util/url.hpp"

namespace authdiff::infer {

namespace {

using nlohmann::json;

// ------------------------------------------------------------------ credentials on a request

bool contains_any(const std::string& lower, std::initializer_list<const char*> words) {
  return std::any_of(words.begin(), words.end(),
                     [&](const char* w) { return lower.find(w) != std::string::npos; });
}

// Request headers that carry a credential (API keys, custom token headers); CSRF tokens do not
// identify a caller.
bool credential_header(const std::string& name) {
  if (contains_any(name, {"csrf", "xsrf"})) return false;
  return name == "authorization" ||
         contains_any(name, {"api-key", "apikey", "api_key", "x-auth", "token", "secret",
                             "x-session", "x-access-key"});
}

// Cookies that hold a session or a token; analytics and preference cookies do not.
bool credential_cookie(const std::string& name) {
  const std::string lower = to_lower(name);
  if (contains_any(lower, {"csrf", "xsrf"})) return false;
  return contains_any(lower, {"sess", "token", "auth", "jwt", "login", "remember"}) ||
         lower == "sid" || lower == "connect.sid" || lower.ends_with("_sid") ||
         lower.ends_with("sessid");
}

bool credential_query(const std::string& name) {
  const std::string lower = to_lower(name);
  return lower == "api_key" || lower == "apikey" || lower == "api-key" || lower == "key" ||
         lower == "access_token" || lower == "token" || lower == "auth" || lower == "auth_token" ||
         lower == "sessionid";
}

bool unresolved(const std::string& value) {
  return value.empty() || value.find("{{") != std::string::npos;
}

std::string scheme_suffix(const std::string& name) {
  std::string out;
  for (const char c : name) out += std::isalnum(static_cast<unsigned char>(c)) != 0 ? c : '_';
  return out;
}

std::optional<json> jwt_claims(const std::string& token) {
  const auto payload = jwt_payload(token);
  if (!payload) return std::nullopt;
  json claims = json::parse(*payload, nullptr, false);
  if (!claims.is_object()) return std::nullopt;
  return claims;
}

struct Carried {
  config::Credentials credentials;
  std::vector<std::string> schemes;  // sorted
  std::string key;                   // the secrets themselves, to tell credentials apart
  std::string name_hint;
  std::optional<long long> expires_at;
  bool any() const { return !schemes.empty(); }
};

Carried credential_of(const Sample& s, std::map<std::string, json>& schemes) {
  Carried c;
  const auto add = [&](const std::string& scheme, json definition, const std::string& secret) {
    schemes.emplace(scheme, std::move(definition));
    c.schemes.push_back(scheme);
    c.key += scheme + "\x1f" + secret + "\x1e";
  };
  for (const auto& [name, value] : s.headers) {
    if (!credential_header(name) || unresolved(value)) continue;
    if (name == "authorization") {
      const auto space = value.find(' ');
      const std::string kind = to_lower(value.substr(0, space));
      const std::string rest =
          space == std::string::npos ? "" : std::string(trim(value.substr(space + 1)));
      if (kind == "bearer" && !rest.empty()) {
        json def = {{"type", "http"}, {"scheme", "bearer"}};
        const auto claims = jwt_claims(rest);
        if (claims) {
          def["bearerFormat"] = "JWT";
          for (const char* k : {"preferred_username", "username", "user_name", "login", "name",
                                "email", "sub", "uid"}) {
            if (claims->contains(k) && ((*claims)[k].is_string() || (*claims)[k].is_number())) {
              c.name_hint =
                  (*claims)[k].is_string() ? (*claims)[k].get<std::string>() : (*claims)[k].dump();
              break;
            }
          }
          if (claims->contains("exp") && (*claims)["exp"].is_number())
            c.expires_at = (*claims)["exp"].get<long long>();
        }
        c.credentials.bearer = config::Secret(rest);
        add("bearerAuth", std::move(def), rest);
        continue;
      }
      if (kind == "basic" && !rest.empty()) {
        const auto decoded = base64url_decode(rest).value_or("");
        const auto colon = decoded.find(':');
        if (colon != std::string::npos) {
          c.credentials.basic_user = decoded.substr(0, colon);
          c.credentials.basic_password = config::Secret(decoded.substr(colon + 1));
          c.name_hint = decoded.substr(0, colon);
          add("basicAuth", {{"type", "http"}, {"scheme", "basic"}}, rest);
          continue;
        }
      }
      // A scheme of its own ("Token abc", "JWT eyJ...", a bare key): sent as recorded.
      c.credentials.headers["Authorization"] = config::Secret(value);
      add("authorizationHeader",
          {{"type", "apiKey"},
           {"in", "header"},
           {"name", "Authorization"},
           {"description", "sent as recorded, with its own scheme word (\"" +
                               value.substr(0, std::min<std::size_t>(space, 16)) + " ...\")"}},
          value);
      continue;
    }
    c.credentials.headers[name] = config::Secret(value);
    add("apiKey_" + scheme_suffix(name), {{"type", "apiKey"}, {"in", "header"}, {"name", name}},
        value);
  }
  for (const auto& [name, value] : s.cookies) {
    if (!credential_cookie(name) || unresolved(value)) continue;
    c.credentials.cookies[name] = config::Secret(value);
    add("cookie_" + scheme_suffix(name), {{"type", "apiKey"}, {"in", "cookie"}, {"name", name}},
        value);
  }
  for (const auto& [name, value] : s.query) {
    if (!credential_query(name) || unresolved(value)) continue;
    c.credentials.query[name] = config::Secret(value);
    add("query_" + scheme_suffix(name), {{"type", "apiKey"}, {"in", "query"}, {"name", name}},
        value);
  }
  std::sort(c.schemes.begin(), c.schemes.end());
  c.schemes.erase(std::unique(c.schemes.begin(), c.schemes.end()), c.schemes.end());
  return c;
}

// Headers a client sends for every request, which say nothing about the operation.
bool ordinary_header(const std::string& name) {
  static const std::set<std::string> k_names = {"accept",
                                                "accept-encoding",
                                                "accept-language",
                                                "cache-control",
                                                "connection",
                                                "content-length",
                                                "content-type",
                                                "cookie",
                                                "host",
                                                "origin",
                                                "pragma",
                                                "referer",
                                                "user-agent",
                                                "dnt",
                                                "priority",
                                                "upgrade-insecure-requests",
                                                "x-requested-with",
                                                "te",
                                                "if-none-match",
                                                "if-modified-since",
                                                "postman-token",
                                                "x-forwarded-for",
                                                "x-forwarded-proto",
                                                "x-real-ip"};
  return k_names.contains(name) || name.starts_with("sec-") || name.starts_with("x-forwarded-") ||
         contains_any(name, {"csrf", "xsrf"}) || credential_header(name);
}

// --------------------------------------------------------------------- values and examples

// A query, path or header value as JSON: integers and booleans as such, the rest strings.
json scalar(const std::string& v) {
  if (!v.empty() && v.size() <= 15 && (v == "0" || v.front() != '0') &&
      std::all_of(v.begin(), v.end(),
                  [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }))
    return std::stoll(v);
  if (v == "true") return true;
  if (v == "false") return false;
  return v;
}

json parse_body(const std::string& text, const std::string& media) {
  if (is_json_type(media) || media.empty()) {
    json j = json::parse(text, nullptr, false);
    if (!j.is_discarded()) return j;
    return json();  // discarded: not JSON after all
  }
  if (media == "application/x-www-form-urlencoded") {
    json out = json::object();
    for (const auto& part : split(text, '&')) {
      const auto eq = part.find('=');
      if (part.empty()) continue;
      std::string name = part.substr(0, eq);
      std::string value = eq == std::string::npos ? "" : part.substr(eq + 1);
      std::replace(name.begin(), name.end(), '+', ' ');
      std::replace(value.begin(), value.end(), '+', ' ');
      out[percent_decoded_text(name)] = percent_decoded_text(value);
    }
    return out;
  }
  return json();
}

struct Redactor {
  std::vector<std::string> secrets;  // recorded credential values (6+ characters)
  const Options* options = nullptr;

  // Members that hold a credential by their name, whatever the detectors say: a sign-in's
  // password, a token answer.
  static bool secret_member(const std::string& name) {
    const std::string lower = to_lower(name);
    if (contains_any(lower, {"type", "expire", "hint", "length", "policy", "url", "uri"}))
      return false;
    return contains_any(lower, {"password", "passwd", "pwd", "secret", "token", "api_key", "apikey",
                                "credential", "private_key", "privatekey"});
  }

  void strings(json& j) const {
    if (j.is_object()) {
      for (auto& [name, member] : j.items()) {
        if (secret_member(name) && (member.is_string() || member.is_number())) {
          member = "REDACTED";
        } else {
          strings(member);
        }
      }
      return;
    }
    if (j.is_string()) {
      const auto& s = j.get_ref<const std::string&>();
      for (const auto& secret : secrets) {
        if (s.find(secret) != std::string::npos) {
          j = "REDACTED";
          return;
        }
      }
    } else if (j.is_structured()) {
      for (auto& child : j) strings(child);
    }
  }
  // The example as documents may show it: detectors' findings masked, recorded credentials gone.
  json operator()(json example) const {
    if (options != nullptr && options->mask) options->mask(example);
    strings(example);
    return example;
  }
  // One named value (a parameter), masked as a member of that name would be.
  json named(const std::string& name, const json& value) const {
    json wrapped = {{name, value}};
    wrapped = (*this)(std::move(wrapped));
    return wrapped[name];
  }
};

// ----------------------------------------------------------------- what an operation collected

struct ParameterData {
  Shape shape;
  json example;
  std::size_t seen = 0;
};

struct ResponseData {
  std::string media;
  Shape shape;
  json example;
  bool has_example = false;
  std::string text_example;
  std::size_t count = 0;
};

struct OperationData {
  std::string method, path;
  std::size_t samples = 0;
  std::vector<std::string> path_order;
  std::map<std::string, ParameterData> path_params;
  std::vector<std::string> query_order;
  std::map<std::string, ParameterData> query;
  std::vector<std::string> header_order;
  std::map<std::string, ParameterData> headers;
  std::string body_media;
  Shape body;
  json body_example;
  std::size_t with_body = 0;
  std::map<int, ResponseData> responses;
  std::set<std::vector<std::string>> requirements;  // scheme sets seen
  bool anonymous_allowed = false;  // a request without credentials got a non-error answer
  bool anonymous_denied = false;   // ... and one got 401 or 403
};

void collect(ParameterData& p, const std::string& value, const Redactor& redact,
             const std::string& name) {
  const json v = scalar(value);
  p.shape.add(v);
  if (p.seen++ == 0) p.example = redact.named(name, v);
}

std::string operation_id(const OperationData& op, std::set<std::string>& used) {
  std::string id = to_lower(op.method);
  for (const auto& seg : path_segments(op.path)) {
    if (seg.empty()) continue;
    const bool param = seg.front() == '{';
    std::string word = param ? "By" : "";
    bool upper = true;
    for (const char c : param ? seg.substr(1, seg.size() - 2) : seg) {
      if (std::isalnum(static_cast<unsigned char>(c)) == 0) {
        upper = true;
        continue;
      }
      word += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
      upper = false;
    }
    id += word;
  }
  std::string out = id;
  for (int n = 2; used.contains(out); ++n) out = id + std::to_string(n);
  used.insert(out);
  return out;
}

json parameter_json(const std::string& name, const char* in, const ParameterData& p,
                    bool required) {
  json out = {{"name", name}, {"in", in}, {"required", required}, {"schema", p.shape.schema()}};
  if (!p.example.is_null()) out["example"] = p.example;
  return out;
}

}  // namespace

// ------------------------------------------------------------------------------ the document

Inferred infer_openapi(const std::vector<Recording>& recordings, const Options& options) {
  Inferred out;
  PathTemplates templates;
  std::map<std::string, json> schemes;
  std::vector<std::string> origins;
  std::vector<Carried> carried;  // per sample, in order
  std::vector<const Sample*> samples;
  for (const Recording& r : recordings) {
    out.skipped += r.skipped;
    for (const Sample& s : r.samples) {
      samples.push_back(&s);
      templates.learn(s);
      if (!s.origin.empty() && std::find(origins.begin(), origins.end(), s.origin) == origins.end())
        origins.push_back(s.origin);
      carried.push_back(credential_of(s, schemes));
    }
  }
  out.samples = samples.size();

  // Distinct credentials, in the order they were first used.
  Redactor redact;
  redact.options = &options;
  std::map<std::string, std::size_t> credential_index;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const Carried& c = carried[i];
    if (!c.any()) continue;
    const auto [it, fresh] = credential_index.emplace(c.key, out.credentials.size());
    if (fresh) {
      RecordedCredential rc;
      rc.credentials = c.credentials;
      rc.schemes = c.schemes;
      rc.first_seen = samples[i]->source;
      rc.expires_at = c.expires_at;
      rc.name = c.name_hint;
      out.credentials.push_back(std::move(rc));
      for (const auto& v : c.credentials.secret_values()) {
        if (v.size() >= 6) redact.secrets.push_back(v);
      }
    }
    ++out.credentials[it->second].requests;
  }

  // Each sample into its operation.
  std::map<std::string, std::map<std::string, OperationData>> ops;  // path -> method -> data
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const Sample& s = *samples[i];
    const Templated t = templates.apply(s);
    OperationData& op = ops[t.path][s.method];
    op.method = s.method;
    op.path = t.path;
    ++op.samples;
    for (const auto& [name, value] : t.parameters) {
      if (!op.path_params.contains(name)) op.path_order.push_back(name);
      collect(op.path_params[name], value, redact, name);
    }
    for (const auto& [name, value] : s.query) {
      if (credential_query(name) || name.empty()) continue;
      if (!op.query.contains(name)) op.query_order.push_back(name);
      collect(op.query[name], value, redact, name);
    }
    for (const auto& [name, value] : s.headers) {
      if (ordinary_header(name) || unresolved(value)) continue;
      if (!op.headers.contains(name)) op.header_order.push_back(name);
      collect(op.headers[name], value, redact, name);
    }
    if (!s.body.empty()) {
      const json body = parse_body(s.body, s.content_type);
      if (!body.is_null()) {
        if (op.with_body++ == 0) {
          op.body_media = s.content_type.empty() ? "application/json" : s.content_type;
          op.body_example = redact(body);
        }
        op.body.add(body);
      }
    }
    if (s.status > 0) {
      ResponseData& r = op.responses[s.status];
      ++r.count;
      if (!s.response_body.empty()) {
        const json body = is_json_type(s.response_type) || s.response_type.empty()
                              ? json::parse(s.response_body, nullptr, false)
                              : json(json::value_t::discarded);
        if (!body.is_discarded()) {
          if (r.media.empty()) r.media = "application/json";
          r.shape.add(body);
          if (!r.has_example) {
            r.example = redact(body);
            r.has_example = true;
          }
        } else if (r.text_example.empty()) {
          r.media = s.response_type.empty() ? "text/plain" : s.response_type;
          r.text_example = redact(json(s.response_body.substr(0, 200))).get<std::string>();
        }
      }
    }
    const Carried& c = carried[i];
    if (c.any()) {
      op.requirements.insert(c.schemes);
    } else {
      if (s.status >= 200 && s.status < 400) op.anonymous_allowed = true;
      if (s.status == 401 || s.status == 403) op.anonymous_denied = true;
    }
  }

  json doc = json::object();
  doc["openapi"] = "3.1.0";
  std::vector<std::string> files;
  for (const Recording& r : recordings) files.push_back(r.file);
  doc["info"] = {{"title", options.title},
                 {"version", "inferred"},
                 {"description", "Inferred by authdiff from " + std::to_string(out.samples) +
                                     " recorded API calls (" + join(files, ", ") +
                                     "). Review it: names and types are guesses from samples."}};
  if (!origins.empty()) {
    json servers = json::array();
    for (const auto& o : origins) servers.push_back({{"url", o}});
    doc["servers"] = std::move(servers);
  }
  json paths = json::object();
  std::set<std::string> ids;
  for (const auto& [path, methods] : ops) {
    json item = json::object();
    for (const auto& [method, op] : methods) {
      json o = json::object();
      o["operationId"] = operation_id(op, ids);
      o["summary"] = "Observed " + std::to_string(op.samples) + " time" +
                     (op.samples == 1 ? "" : "s") + " in recorded traffic";
      json params = json::array();
      for (const auto& name : op.path_order)
        params.push_back(parameter_json(name, "path", op.path_params.at(name), true));
      for (const auto& name : op.query_order) {
        const auto& p = op.query.at(name);
        params.push_back(parameter_json(name, "query", p, op.samples >= 2 && p.seen == op.samples));
      }
      for (const auto& name : op.header_order)
        params.push_back(parameter_json(name, "header", op.headers.at(name), false));
      if (!params.empty()) o["parameters"] = std::move(params);
      if (op.with_body > 0) {
        json media = {{"schema", op.body.schema()}};
        if (!op.body_example.is_null()) media["example"] = op.body_example;
        o["requestBody"] = {{"required", op.with_body == op.samples},
                            {"content", {{op.body_media, std::move(media)}}}};
      }
      json responses = json::object();
      for (const auto& [status, r] : op.responses) {
        json resp = {{"description",
                      "Observed " + std::to_string(r.count) + " time" + (r.count == 1 ? "" : "s")}};
        if (!r.media.empty()) {
          json media = json::object();
          if (r.shape.samples() > 0) {
            media["schema"] = r.shape.schema();
            media["example"] = r.example;
          } else {
            media["schema"] = {{"type", "string"}};
            media["example"] = r.text_example;
          }
          resp["content"] = {{r.media, std::move(media)}};
        }
        responses[std::to_string(status)] = std::move(resp);
      }
      if (responses.empty()) responses["default"] = {{"description", "No answer was recorded"}};
      o["responses"] = std::move(responses);
      // Security from what the requests carried: public when an anonymous request was answered.
      if (op.anonymous_allowed) {
        o["security"] = json::array();
      } else if (!op.requirements.empty()) {
        json alternatives = json::array();
        for (const auto& set : op.requirements) {
          json requirement = json::object();
          for (const auto& s : set) requirement[s] = json::array();
          alternatives.push_back(std::move(requirement));
        }
        o["security"] = std::move(alternatives);
        // Every recorded call carried a credential: nobody saw it refuse one.
        if (!op.anonymous_denied) o["x-authdiff-security"] = "assumed";
      } else if (op.anonymous_denied && !schemes.empty()) {
        // Only refused anonymous requests were recorded: it needs some credential.
        json alternatives = json::array();
        for (const auto& [name, def] : schemes) alternatives.push_back({{name, json::array()}});
        o["security"] = std::move(alternatives);
      }
      item[to_lower(method)] = std::move(o);
      ++out.operations;
    }
    paths[path] = std::move(item);
  }
  doc["paths"] = std::move(paths);
  if (!schemes.empty()) {
    json defs = json::object();
    for (const auto& [name, def] : schemes) defs[name] = def;
    doc["components"] = {{"securitySchemes", std::move(defs)}};
  }
  out.document = std::move(doc);

  // Names for identities: the credential's own user name where it has one, made unique.
  std::set<std::string> names;
  for (std::size_t i = 0; i < out.credentials.size(); ++i) {
    std::string name;
    for (const char ch : out.credentials[i].name) {
      if (std::isalnum(static_cast<unsigned char>(ch)) != 0 || ch == '_' || ch == '-') name += ch;
    }
    if (name.empty() || name.size() > 40) name = "recorded-" + std::to_string(i + 1);
    std::string unique = name;
    for (int n = 2; names.contains(unique); ++n) unique = name + "-" + std::to_string(n);
    names.insert(unique);
    out.credentials[i].name = unique;
  }
  return out;
}

// ------------------------------------------------------------------ against an existing spec

namespace {

bool template_matches(const std::vector<std::string>& documented,
                      const std::vector<std::string>& observed) {
  if (documented.size() != observed.size()) return false;
  for (std::size_t i = 0; i < documented.size(); ++i) {
    const bool a = !documented[i].empty() && documented[i].front() == '{';
    const bool b = !observed[i].empty() && observed[i].front() == '{';
    if (a || b) continue;
    if (documented[i] != observed[i]) return false;
  }
  return true;
}

std::vector<std::string> base_paths(const spec::Api& api) {
  std::vector<std::string> out = {""};
  for (const auto& s : api.servers) {
    std::string path;
    if (const auto u = parse_url(s)) {
      path = u->path;
    } else if (!s.empty() && s.front() == '/') {
      path = s;
    }
    while (!path.empty() && path.back() == '/') path.pop_back();
    if (!path.empty() && std::find(out.begin(), out.end(), path) == out.end()) out.push_back(path);
  }
  return out;
}

}  // namespace

std::vector<std::string> undocumented_operations(const spec::Api& existing, const json& inferred) {
  std::vector<std::string> out;
  if (!inferred.contains("paths")) return out;
  const auto bases = base_paths(existing);
  for (const auto& [path, item] : inferred["paths"].items()) {
    for (const auto& [method, op] : item.items()) {
      const std::string m = to_upper(method);
      bool documented = false;
      for (const auto& base : bases) {
        if (!base.empty() && !path.starts_with(base + "/")) continue;
        const auto observed = path_segments(path.substr(base.size()));
        for (const auto& e : existing.operations) {
          if (e.method == m && template_matches(path_segments(e.path), observed)) {
            documented = true;
            break;
          }
        }
        if (documented) break;
      }
      if (!documented) out.push_back(m + " " + path);
    }
  }
  return out;
}

json only_operations(json inferred, const std::vector<std::string>& keys) {
  json paths = json::object();
  for (const auto& [path, item] : inferred["paths"].items()) {
    for (const auto& [method, op] : item.items()) {
      if (std::find(keys.begin(), keys.end(), to_upper(method) + " " + path) == keys.end())
        continue;
      json marked = op;
      marked["x-authdiff-observed"] = true;
      paths[path][method] = std::move(marked);
    }
  }
  inferred["paths"] = std::move(paths);
  return inferred;
}

Result<json> add_observed(json existing, const json& inferred, const std::vector<std::string>& keys,
                          const std::string& existing_file) {
  if (!existing.is_object() || !existing.contains("openapi")) {
    return Error{existing_file, 0, 0,
                 "--spec is Swagger 2.0: operations inferred as OpenAPI 3.1 cannot be added to it; "
                 "convert it to OpenAPI 3 first, or infer without --spec"};
  }
  const json observed = only_operations(inferred, keys);
  if (!existing.contains("paths") || !existing["paths"].is_object())
    existing["paths"] = json::object();
  std::set<std::string> used;
  for (const auto& [path, item] : observed["paths"].items()) {
    for (const auto& [method, op] : item.items()) {
      const json security = op.value("security", json::array());
      for (const json& requirement : security) {
        for (const auto& [scheme, scopes] : requirement.items()) {
          (void)scopes;
          used.insert(scheme);
        }
      }
      existing["paths"][path][method] = op;
    }
  }
  if (inferred.contains("components") && inferred["components"].contains("securitySchemes")) {
    for (const auto& [name, def] : inferred["components"]["securitySchemes"].items()) {
      if (!used.contains(name)) continue;
      json& target = existing["components"]["securitySchemes"][name];
      if (target.is_null()) target = def;
    }
  }
  return existing;
}

std::vector<config::Identity> identities_from(const std::vector<RecordedCredential>& recorded) {
  std::vector<config::Identity> out;
  for (const auto& r : recorded) {
    config::Identity id;
    id.name = r.name;
    id.level = 1;
    id.credentials = r.credentials;
    out.push_back(std::move(id));
  }
  return out;
}

}  // namespace authdiff::infer
