#include "infer/samples.hpp"

#include <algorithm>
#include <array>
#include <map>

#include "spec/document.hpp"
#include "util/base64.hpp"
#include "util/file.hpp"
#include "util/json_pointer.hpp"
#include "util/strings.hpp"
#include "util/url.hpp"

namespace authdiff::infer {

namespace {

using nlohmann::json;

Error error_in(const std::string& file, std::string message) {
  return Error{file, 0, 0, std::move(message)};
}

std::string string_at(const json& object, const char* key) {
  if (!object.is_object()) return "";
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

std::string decoded(std::string_view s) {
  std::string plus(s);
  std::replace(plus.begin(), plus.end(), '+', ' ');
  return percent_decoded_text(plus);
}

Pairs parse_query(std::string_view query) {
  Pairs out;
  for (const auto& part : split(query, '&')) {
    if (part.empty()) continue;
    const auto eq = part.find('=');
    if (eq == std::string::npos) {
      out.emplace_back(decoded(part), "");
    } else {
      out.emplace_back(decoded(std::string_view(part).substr(0, eq)),
                       decoded(std::string_view(part).substr(eq + 1)));
    }
  }
  return out;
}

Pairs parse_cookie_header(std::string_view value) {
  Pairs out;
  for (const auto& part : split(value, ';')) {
    const std::string_view p = trim(part);
    const auto eq = p.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    out.emplace_back(std::string(trim(p.substr(0, eq))), std::string(trim(p.substr(eq + 1))));
  }
  return out;
}

// Splits an absolute or origin-less URL into origin, path and query; the fragment is dropped.
void split_url(std::string_view url, Sample& s) {
  if (const auto hash = url.find('#'); hash != std::string_view::npos) url = url.substr(0, hash);
  std::string_view rest = url;
  if (const auto scheme = url.find("://"); scheme != std::string_view::npos) {
    const auto path_start = url.find_first_of("/?", scheme + 3);
    const std::string_view origin =
        path_start == std::string_view::npos ? url : url.substr(0, path_start);
    s.origin = to_lower(origin);
    rest = path_start == std::string_view::npos ? std::string_view() : url.substr(path_start);
  }
  const auto q = rest.find('?');
  s.path = std::string(q == std::string_view::npos ? rest : rest.substr(0, q));
  if (s.path.empty() || s.path.front() != '/') s.path.insert(0, "/");
  if (q != std::string_view::npos) s.query = parse_query(rest.substr(q + 1));
}

bool static_path(std::string_view path) {
  static constexpr std::array k_ext = {".js",  ".mjs",  ".css",  ".png",  ".jpg",   ".jpeg",
                                       ".gif", ".svg",  ".ico",  ".woff", ".woff2", ".ttf",
                                       ".map", ".webp", ".html", ".htm",  ".avif",  ".eot"};
  const std::string lower = to_lower(path);
  return std::any_of(k_ext.begin(), k_ext.end(), [&](const char* e) { return lower.ends_with(e); });
}

bool static_type(std::string_view media) {
  return media == "text/html" || media == "text/css" || media == "application/javascript" ||
         media == "text/javascript" || media == "application/wasm" || media.starts_with("image/") ||
         media.starts_with("font/") || media.starts_with("video/") || media.starts_with("audio/");
}

// Chrome's and Firefox's HAR files say what kind of resource an entry fetched.
bool static_resource(std::string_view type) {
  return type == "document" || type == "stylesheet" || type == "script" || type == "image" ||
         type == "font" || type == "media" || type == "manifest" || type == "texttrack" ||
         type == "websocket" || type == "ping" || type == "preflight";
}

std::string header_value(const Pairs& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (n == name) return v;
  }
  return "";
}

std::string file_name(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

Result<json> parse_file(const std::string& path) {
  auto text = read_file(path);
  if (!text) return text.error();
  return spec::parse_json(*text, path);
}

}  // namespace

std::vector<std::string> path_segments(const std::string& path) {
  std::vector<std::string> out = split(path, '/');
  if (!out.empty() && out.front().empty()) out.erase(out.begin());
  return out;
}

std::string media_type(const std::string& content_type) {
  const auto semi = content_type.find(';');
  return to_lower(trim(semi == std::string::npos ? content_type : content_type.substr(0, semi)));
}

bool is_json_type(const std::string& media) {
  return media == "application/json" || media.ends_with("+json") || media == "text/json";
}

// ---------------------------------------------------------------------------------------- HAR

Result<Recording> har_from_json(const json& root, const std::string& path) {
  if (!root.is_object() || !root.contains("log") || !root["log"].is_object() ||
      !root["log"].contains("entries") || !root["log"]["entries"].is_array()) {
    return error_in(path,
                    "not a HAR file: no log.entries list (save it from the browser's developer "
                    "tools, Network tab, \"Save all as HAR\", or from a proxy)");
  }
  Recording out;
  out.file = path;
  const std::string name = file_name(path);
  std::size_t index = 0;
  for (const json& entry : root["log"]["entries"]) {
    ++index;
    const std::string where = name + ": entry " + std::to_string(index);
    if (!entry.is_object() || !entry.contains("request") || !entry["request"].is_object()) {
      return error_in(path, where + " has no request object");
    }
    const json& req = entry["request"];
    Sample s;
    s.source = where;
    s.method = to_upper(string_at(req, "method"));
    const std::string url = string_at(req, "url");
    if (s.method.empty() || url.empty()) return error_in(path, where + ": no method or url");
    split_url(url, s);
    if (req.contains("headers") && req["headers"].is_array()) {
      for (const json& h : req["headers"]) {
        const std::string n = to_lower(string_at(h, "name"));
        if (n.empty() || n.front() == ':') continue;
        s.headers.emplace_back(n, string_at(h, "value"));
      }
    }
    if (req.contains("queryString") && req["queryString"].is_array() &&
        !req["queryString"].empty()) {
      s.query.clear();
      for (const json& q : req["queryString"]) {
        // Recorders differ in whether they decode; a value still holding %XX is decoded here.
        s.query.emplace_back(decoded(string_at(q, "name")), decoded(string_at(q, "value")));
      }
    }
    if (req.contains("cookies") && req["cookies"].is_array() && !req["cookies"].empty()) {
      for (const json& c : req["cookies"])
        s.cookies.emplace_back(string_at(c, "name"), string_at(c, "value"));
    } else {
      s.cookies = parse_cookie_header(header_value(s.headers, "cookie"));
    }
    if (req.contains("postData") && req["postData"].is_object()) {
      const json& pd = req["postData"];
      s.content_type = media_type(string_at(pd, "mimeType"));
      s.body = string_at(pd, "text");
      if (s.body.empty() && pd.contains("params") && pd["params"].is_array()) {
        std::vector<std::string> parts;
        for (const json& p : pd["params"])
          parts.push_back(url_encode(string_at(p, "name")) + "=" +
                          url_encode(string_at(p, "value")));
        s.body = join(parts, "&");
      }
    }
    if (s.content_type.empty())
      s.content_type = media_type(header_value(s.headers, "content-type"));
    if (entry.contains("response") && entry["response"].is_object()) {
      const json& res = entry["response"];
      if (res.contains("status") && res["status"].is_number_integer())
        s.status = res["status"].get<int>();
      if (res.contains("content") && res["content"].is_object()) {
        const json& c = res["content"];
        s.response_type = media_type(string_at(c, "mimeType"));
        s.response_body = string_at(c, "text");
        if (string_at(c, "encoding") == "base64")
          s.response_body = base64url_decode(s.response_body).value_or("");
      }
    }
    const std::string resource = string_at(entry, "_resourceType");
    // Left out: what a browser fetches for the page itself, CORS preflights, requests that got
    // no answer (status 0: blocked or cancelled).
    if (s.method == "OPTIONS" || s.status <= 0 || static_resource(resource) ||
        static_type(s.response_type) || (s.method == "GET" && static_path(s.path))) {
      ++out.skipped;
      continue;
    }
    out.samples.push_back(std::move(s));
  }
  return out;
}

Result<Recording> read_har(const std::string& path) {
  auto root = parse_file(path);
  if (!root) return root.error();
  return har_from_json(*root, path);
}

// ------------------------------------------------------------------------------------ Postman

namespace {

using Variables = std::map<std::string, std::string>;

struct PostmanReader {
  std::string path;
  std::string name;
  Variables variables;
  Recording out;

  // `{{name}}` replaced by the collection's value; unknown names are kept as they are.
  std::string substitute(const std::string& text) const {
    std::string result;
    std::size_t i = 0;
    while (i < text.size()) {
      const auto open = text.find("{{", i);
      if (open == std::string::npos) break;
      const auto close = text.find("}}", open + 2);
      if (close == std::string::npos) break;
      result += text.substr(i, open - i);
      const std::string key(trim(std::string_view(text).substr(open + 2, close - open - 2)));
      const auto it = variables.find(key);
      result += it != variables.end() ? it->second : text.substr(open, close + 2 - open);
      i = close + 2;
    }
    result += text.substr(i);
    return result;
  }

  static std::string kv(const json& list, const char* key) {
    if (!list.is_array()) return "";
    for (const json& e : list) {
      if (string_at(e, "key") == key) {
        const json& v = e.contains("value") ? e["value"] : json();
        return v.is_string() ? v.get<std::string>() : v.is_null() ? "" : v.dump();
      }
    }
    return "";
  }

  // Puts an `auth` object's credential on the sample, as the request would carry it.
  void apply_auth(const json& auth, Sample& s) const {
    const std::string type = string_at(auth, "type");
    if (type == "bearer") {
      s.headers.emplace_back("authorization", "Bearer " + substitute(kv(auth["bearer"], "token")));
    } else if (type == "basic") {
      const std::string user = substitute(kv(auth["basic"], "username"));
      const std::string pass = substitute(kv(auth["basic"], "password"));
      std::string b64 = base64url_encode(user + ":" + pass);
      std::replace(b64.begin(), b64.end(), '-', '+');
      std::replace(b64.begin(), b64.end(), '_', '/');
      while (b64.size() % 4 != 0) b64 += '=';
      s.headers.emplace_back("authorization", "Basic " + b64);
    } else if (type == "apikey") {
      const std::string key = substitute(kv(auth["apikey"], "key"));
      const std::string value = substitute(kv(auth["apikey"], "value"));
      const std::string in = kv(auth["apikey"], "in");
      if (key.empty()) return;
      if (in == "query") {
        s.query.emplace_back(key, value);
      } else {
        s.headers.emplace_back(to_lower(key), value);
      }
    }
  }

  Result<bool> request(const json& item, const json* inherited_auth, const std::string& where) {
    const json& req = item["request"];
    Sample s;
    s.source = name + ": " + where;
    json url;
    if (req.is_string()) {
      url = req;  // a request given as just its URL
      s.method = "GET";
    } else if (req.is_object()) {
      s.method = to_upper(string_at(req, "method"));
      if (s.method.empty()) s.method = "GET";
      url = req.contains("url") ? req["url"] : json();
    } else {
      return error_in(path, where + ": request is neither an object nor a URL");
    }
    std::string raw;
    if (url.is_string()) {
      raw = url.get<std::string>();
    } else if (url.is_object()) {
      raw = string_at(url, "raw");
      if (raw.empty()) {
        // Assemble from the parts when there is no raw form.
        std::string host;
        if (url.contains("host") && url["host"].is_array()) {
          std::vector<std::string> parts;
          for (const json& h : url["host"])
            if (h.is_string()) parts.push_back(h.get<std::string>());
          host = join(parts, ".");
        }
        std::vector<std::string> segs;
        if (url.contains("path") && url["path"].is_array()) {
          for (const json& p : url["path"])
            if (p.is_string()) segs.push_back(p.get<std::string>());
        }
        raw = (url.contains("protocol") ? string_at(url, "protocol") + "://" : "") + host + "/" +
              join(segs, "/");
      }
    }
    if (raw.empty()) return error_in(path, where + ": request has no URL");
    // Path variables (`:orderId`) take the value the request gives them, else stay variables.
    Variables path_values;
    if (url.is_object() && url.contains("variable") && url["variable"].is_array()) {
      for (const json& v : url["variable"]) {
        const std::string key = string_at(v, "key");
        const std::string value = string_at(v, "value");
        if (!key.empty() && !value.empty()) path_values[key] = substitute(value);
      }
    }
    const std::string resolved = substitute(raw);
    std::string_view rest = resolved;
    // An unresolved `{{baseUrl}}` host leaves an origin-less URL.
    if (rest.starts_with("{{")) {
      const auto close = rest.find("}}");
      rest = close == std::string_view::npos ? rest : rest.substr(close + 2);
    }
    split_url(rest, s);
    if (s.origin.empty() && !resolved.starts_with("{{") &&
        resolved.find("://") == std::string::npos) {
      // "example.com/api/x" without a scheme: the first segment is the host.
      const auto segs = path_segments(s.path);
      if (!segs.empty() && segs.front().find('.') != std::string::npos) {
        s.origin = "https://" + to_lower(segs.front());
        s.path = s.path.substr(segs.front().size() + 1);
        if (s.path.empty()) s.path = "/";
      }
    }
    const auto segs = path_segments(s.path);
    std::vector<std::string> rebuilt;
    for (std::size_t i = 0; i < segs.size(); ++i) {
      std::string seg = segs[i];
      if (seg.size() > 1 && seg.front() == ':') {
        const std::string var = seg.substr(1);
        s.path_variables.emplace_back(i, var);
        if (const auto it = path_values.find(var); it != path_values.end()) seg = it->second;
      } else if (seg.size() > 4 && seg.starts_with("{{") && seg.ends_with("}}")) {
        s.path_variables.emplace_back(i, seg.substr(2, seg.size() - 4));
      }
      rebuilt.push_back(seg);
    }
    s.path = "/" + join(rebuilt, "/");
    if (url.is_object() && url.contains("query") && url["query"].is_array()) {
      s.query.clear();
      for (const json& q : url["query"]) {
        if (q.contains("disabled") && q["disabled"] == true) continue;
        s.query.emplace_back(substitute(string_at(q, "key")), substitute(string_at(q, "value")));
      }
    }
    if (req.is_object() && req.contains("header") && req["header"].is_array()) {
      for (const json& h : req["header"]) {
        if (h.contains("disabled") && h["disabled"] == true) continue;
        const std::string n = to_lower(string_at(h, "key"));
        if (!n.empty()) s.headers.emplace_back(n, substitute(string_at(h, "value")));
      }
    }
    const json* auth = inherited_auth;
    if (req.is_object() && req.contains("auth") && req["auth"].is_object()) {
      auth = string_at(req["auth"], "type") == "inherit" ? inherited_auth : &req["auth"];
    }
    if (auth != nullptr && header_value(s.headers, "authorization").empty()) apply_auth(*auth, s);
    s.cookies = parse_cookie_header(header_value(s.headers, "cookie"));
    s.content_type = media_type(header_value(s.headers, "content-type"));
    if (req.is_object() && req.contains("body") && req["body"].is_object()) {
      const json& b = req["body"];
      const std::string mode = string_at(b, "mode");
      if (mode == "raw") {
        s.body = substitute(string_at(b, "raw"));
        if (s.content_type.empty()) {
          const std::string lang =
              b.contains("options") && b["options"].is_object() && b["options"].contains("raw")
                  ? string_at(b["options"]["raw"], "language")
                  : "";
          const std::string t(trim(s.body));
          if (lang == "json" || (!t.empty() && (t.front() == '{' || t.front() == '[')))
            s.content_type = "application/json";
        }
      } else if (mode == "urlencoded" && b.contains("urlencoded") && b["urlencoded"].is_array()) {
        std::vector<std::string> parts;
        for (const json& p : b["urlencoded"]) {
          if (p.contains("disabled") && p["disabled"] == true) continue;
          parts.push_back(url_encode(substitute(string_at(p, "key"))) + "=" +
                          url_encode(substitute(string_at(p, "value"))));
        }
        s.body = join(parts, "&");
        if (s.content_type.empty()) s.content_type = "application/x-www-form-urlencoded";
      } else if (mode == "graphql" && b.contains("graphql")) {
        s.body = b["graphql"].dump();
        if (s.content_type.empty()) s.content_type = "application/json";
      }
    }
    // Saved example answers give the response side; without one the request is still a sample.
    bool answered = false;
    if (item.contains("response") && item["response"].is_array()) {
      for (const json& r : item["response"]) {
        if (!r.is_object()) continue;
        Sample copy = s;
        if (r.contains("code") && r["code"].is_number_integer()) copy.status = r["code"].get<int>();
        copy.response_body = string_at(r, "body");
        if (r.contains("header") && r["header"].is_array()) {
          copy.response_type = media_type(kv(r["header"], "Content-Type"));
          if (copy.response_type.empty())
            copy.response_type = media_type(kv(r["header"], "content-type"));
        }
        if (copy.response_type.empty() && string_at(r, "_postman_previewlanguage") == "json")
          copy.response_type = "application/json";
        out.samples.push_back(std::move(copy));
        answered = true;
      }
    }
    if (!answered) out.samples.push_back(std::move(s));
    return true;
  }

  Result<bool> items(const json& list, const json* inherited_auth, const std::string& where,
                     int depth) {
    if (depth > 32) return error_in(path, where + ": folders nested deeper than 32");
    if (!list.is_array()) return error_in(path, where + ": `item` is not a list");
    for (const json& item : list) {
      if (!item.is_object()) return error_in(path, where + ": an item is not an object");
      const std::string title = string_at(item, "name");
      const std::string here = where.empty() ? title : where + " / " + title;
      const json* auth = inherited_auth;
      if (item.contains("auth") && item["auth"].is_object() &&
          string_at(item["auth"], "type") != "inherit")
        auth = &item["auth"];
      if (item.contains("item")) {
        if (auto ok = items(item["item"], auth, here, depth + 1); !ok) return ok.error();
      } else if (item.contains("request")) {
        if (auto ok = request(item, auth, here); !ok) return ok.error();
      }
    }
    return true;
  }
};

}  // namespace

Result<Recording> postman_from_json(const json& root, const std::string& path) {
  const std::string schema =
      root.is_object() && root.contains("info") ? string_at(root["info"], "schema") : "";
  if (!root.is_object() || !root.contains("item") ||
      (schema.find("v2.0") == std::string::npos && schema.find("v2.1") == std::string::npos)) {
    return error_in(path,
                    "not a Postman collection v2.0/v2.1 (info.schema and item are needed; export "
                    "it from Postman as \"Collection v2.1\")");
  }
  PostmanReader reader;
  reader.path = path;
  reader.name = file_name(path);
  reader.out.file = path;
  if (root.contains("variable") && root["variable"].is_array()) {
    for (const json& v : root["variable"]) {
      const std::string key = string_at(v, "key");
      if (key.empty() || !v.contains("value")) continue;
      reader.variables[key] =
          v["value"].is_string() ? v["value"].get<std::string>() : v["value"].dump();
    }
  }
  const json* auth = root.contains("auth") && root["auth"].is_object() ? &root["auth"] : nullptr;
  if (auto ok = reader.items(root["item"], auth, "", 0); !ok) return ok.error();
  return std::move(reader.out);
}

Result<Recording> read_postman(const std::string& path) {
  auto root = parse_file(path);
  if (!root) return root.error();
  return postman_from_json(*root, path);
}

}  // namespace authdiff::infer
