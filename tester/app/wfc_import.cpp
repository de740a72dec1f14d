#include "app/wfc_import.hpp"

#include <filesystem>

#include <nlohmann/json.hpp>

#include "spec/document.hpp"
#include "util/file.hpp"
#include "util/strings.hpp"
#include "util/url.hpp"

namespace authdiff::app {

namespace {

using nlohmann::json;

struct BadWfc {
  std::string message;
};

std::string text_at(const json& object, const char* key, const std::string& where) {
  if (!object.contains(key)) return "";
  if (!object[key].is_string()) throw BadWfc{where + "." + key + " must be a string"};
  return object[key].get<std::string>();
}

// `entry` with what `base` (the template) has and it does not, recursively for objects.
json with_template(json entry, const json& base) {
  if (!base.is_object()) return entry;
  for (const auto& [k, v] : base.items()) {
    if (!entry.contains(k)) {
      entry[k] = v;
    } else if (entry[k].is_object() && v.is_object()) {
      entry[k] = with_template(entry[k], v);
    }
  }
  return entry;
}

std::string identity_name(const std::string& raw) {
  std::string out;
  for (const char c : raw)
    out += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ? c : '_';
  return out.empty() ? "user" : out;
}

config::Login login_of(const json& l, const std::string& where) {
  if (!l.is_object()) throw BadWfc{where + " must be an object"};
  config::Login out;
  out.kind = config::Login::Kind::request;
  out.method = to_upper(text_at(l, "verb", where));
  if (out.method.empty()) throw BadWfc{where + ".verb is required"};
  out.url = text_at(l, "endpoint", where);
  if (out.url.empty()) out.url = text_at(l, "externalEndpointURL", where);
  if (out.url.empty()) throw BadWfc{where + ": endpoint or externalEndpointURL is required"};
  out.content_type = text_at(l, "contentType", where);
  if (l.contains("headers") && l["headers"].is_array()) {
    for (const auto& h : l["headers"])
      out.headers[text_at(h, "name", where + ".headers")] =
          config::Secret(text_at(h, "value", where + ".headers"));
  }
  if (l.contains("payloadRaw")) {
    out.body = config::Secret(text_at(l, "payloadRaw", where));
  } else if (l.contains("payloadUserPwd")) {
    const json& p = l["payloadUserPwd"];
    const std::string w = where + ".payloadUserPwd";
    const std::string user = text_at(p, "username", w), pass = text_at(p, "password", w);
    const std::string uf = text_at(p, "usernameField", w), pf = text_at(p, "passwordField", w);
    if (uf.empty() || pf.empty())
      throw BadWfc{w + ": usernameField and passwordField are required"};
    if (out.content_type.find("x-www-form-urlencoded") != std::string::npos) {
      out.body = config::Secret(url_encode(uf) + "=" + url_encode(user) + "&" + url_encode(pf) +
                                "=" + url_encode(pass));
    } else {
      if (out.content_type.empty()) out.content_type = "application/json";
      out.body = config::Secret(json{{uf, user}, {pf, pass}}.dump());
    }
  }
  if (l.contains("expectCookies") && !l["expectCookies"].is_boolean())
    throw BadWfc{where + ".expectCookies must be true or false"};
  const bool cookies = l.contains("expectCookies") && l["expectCookies"].get<bool>();
  if (l.contains("token") && l["token"].is_object()) {
    const json& t = l["token"];
    out.token_pointer = text_at(t, "extractFromField", where + ".token");
    const std::string header = text_at(t, "httpHeaderName", where + ".token");
    const std::string prefix = text_at(t, "headerPrefix", where + ".token");
    if (header.empty() || (to_lower(header) == "authorization" && to_lower(prefix) == "bearer ")) {
      out.send = "bearer";
    } else {
      out.send = "header:" + header;
      out.send_prefix = prefix;
    }
  }
  if (out.token_pointer.empty()) {
    if (!cookies) throw BadWfc{where + ": give token.extractFromField or expectCookies: true"};
    out.session_cookie = "*";
    out.send = "cookies";
  }
  return out;
}

}  // namespace

Result<std::vector<config::Identity>> parse_wfc_auth(std::string_view text,
                                                     const std::string& file) {
  auto doc = spec::parse_document(text, file);
  if (!doc) return doc.error();
  const json& root = *doc;
  std::vector<config::Identity> out;
  try {
    if (!root.is_object() || !root.contains("auth") || !root["auth"].is_array())
      throw BadWfc{"not a Web Fuzzing Commons auth file (no \"auth\" list)"};
    const json base = root.value("authTemplate", json::object());
    for (std::size_t i = 0; i < root["auth"].size(); ++i) {
      const std::string where = "auth[" + std::to_string(i) + "]";
      const json entry = with_template(root["auth"][i], base);
      config::Identity id;
      id.name = identity_name(text_at(entry, "name", where));
      if (entry.contains("fixedHeaders") && entry["fixedHeaders"].is_array()) {
        for (const auto& h : entry["fixedHeaders"]) {
          const std::string name = text_at(h, "name", where + ".fixedHeaders");
          const std::string value = text_at(h, "value", where + ".fixedHeaders");
          if (to_lower(name) == "authorization" && to_lower(value).rfind("bearer ", 0) == 0)
            id.credentials.bearer = config::Secret(value.substr(7));
          else
            id.credentials.headers[name] = config::Secret(value);
        }
      }
      if (entry.contains("loginEndpointAuth"))
        id.login = login_of(entry["loginEndpointAuth"], where + ".loginEndpointAuth");
      if (id.credentials.empty() && !id.login)
        throw BadWfc{where + " (" + id.name + "): no fixedHeaders and no loginEndpointAuth"};
      out.push_back(std::move(id));
    }
  } catch (const BadWfc& e) {
    return Error{file, 0, 0, e.message};
  }
  return out;
}

void import_wfc(config::Config& config) {
  if (config.wfc_auth.empty()) return;
  std::string path = config.wfc_auth;
  if (std::filesystem::path(path).is_relative()) {
    // Relative to the config file, like every other file a config names.
    path = (std::filesystem::path(config.file).parent_path() / path).string();
  }
  auto text = read_file(path);
  if (!text) {
    throw Failure(
        Error{config.file, config.wfc_auth_line, 0, "wfc_auth: " + text.error().to_string()},
        k_exit_usage);
  }
  auto imported = parse_wfc_auth(*text, path);
  if (!imported) throw Failure(imported.error(), k_exit_usage);
  for (auto& from_file : *imported) {
    auto it = std::find_if(config.identities.begin(), config.identities.end(),
                           [&](const auto& id) { return id.name == from_file.name; });
    if (it == config.identities.end()) {
      config.identities.push_back(std::move(from_file));
      continue;
    }
    if (it->credentials.empty() && !it->login) {
      it->credentials = from_file.credentials;
      it->login = from_file.login;
    }
  }
  for (const auto& id : config.identities) {
    if (id.credentials.empty() && !id.login) {
      throw Failure(Error{config.file, id.line, 0,
                          "identities." + id.name + " has no credential, and " + path +
                              " has no entry named " + id.name},
                    k_exit_usage);
    }
  }
}

}  // namespace authdiff::app
