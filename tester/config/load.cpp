// TOML -> Config. Every table is read through a KeyReader that knows which keys exist, so a typo
// is an error with its line and a suggestion, and a wrong type names what was expected.
#include <algorithm>
#include <set>

#include <toml++/toml.h>

#include "config/config.hpp"
#include "config/toml_reader.hpp"
#include "util/file.hpp"
#include "util/strings.hpp"
#include "util/url.hpp"

namespace authdiff::config {

namespace {

using Units = std::initializer_list<std::pair<std::string_view, double>>;

// "1500ms", "8 MiB": the number times its unit's factor (units compared without case; no unit
// is the first entry's ""); nullopt when the text is not a number and one of `units`.
std::optional<double> with_unit(std::string_view text, Units units) {
  const std::string s(trim(text));
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(s, &used);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  const std::string unit = to_lower(trim(s.substr(used)));
  for (const auto& [name, factor] : units) {
    if (unit == name) return v * factor;
  }
  return std::nullopt;
}

// A number of `key`, or a string with a unit of `units`, at least `least`: the value in the
// units' base (seconds, bytes); `fallback` when absent.
double quantity(KeyReader& r, const std::string& key, double fallback, double least, Units units,
                const std::string& example, const Context& ctx) {
  const toml::node* n = r.raw().get(key);
  std::optional<double> v;
  if (n != nullptr && n->is_string()) {
    r.get(key);
    v = with_unit(n->as_string()->get(), units);
    if (!v || *v < least) ctx.fail(n->source(), r.name(key) + " must be " + example);
    return *v;
  }
  v = r.number(key);
  if (v && *v < least) ctx.fail(n->source(), r.name(key) + " must be " + example);
  return v.value_or(fallback);
}

// 1.5 / "1500ms" / "2s" / "1m" -> seconds.
double duration(KeyReader& r, const std::string& key, double fallback, const Context& ctx) {
  return quantity(r, key, fallback, 1e-6, {{"", 1}, {"ms", 0.001}, {"s", 1}, {"m", 60}},
                  "a positive duration such as 10, \"10s\" or \"500ms\"", ctx);
}

// 1048576 / "8MiB" / "512KiB" / "1MB" -> bytes.
std::size_t size(KeyReader& r, const std::string& key, std::size_t fallback, const Context& ctx) {
  const double bytes = quantity(r, key, static_cast<double>(fallback), 1,
                                {{"", 1},
                                 {"b", 1},
                                 {"k", 1024},
                                 {"kib", 1024},
                                 {"m", 1 << 20},
                                 {"mib", 1 << 20},
                                 {"g", 1 << 30},
                                 {"gib", 1 << 30},
                                 {"kb", 1e3},
                                 {"mb", 1e6},
                                 {"gb", 1e9}},
                                "a size such as 8388608 or \"8MiB\"", ctx);
  if (bytes > static_cast<double>(std::int64_t{1} << 40))
    ctx.fail(r.raw().get(key)->source(), r.name(key) + " must be at most 1 TiB");
  return static_cast<std::size_t>(bytes);
}

void read_target(KeyReader& r, Target& t, const Context& ctx) {
  if (auto v = r.string("base_url")) {
    std::string why;
    if (!parse_url(*v, &why)) {
      ctx.fail(r.raw().get("base_url")->source(), r.name("base_url") + ": " + why);
    }
    t.base_url = *v;
  }
  t.headers = r.string_map("headers");
  if (const toml::node* raw = r.raw().get("headers"); raw != nullptr && raw->is_table()) {
    for (const auto& [k, v] : *raw->as_table()) {
      if (v.is_string() && v.as_string()->get().find("${") != std::string::npos)
        t.secret_headers.insert(std::string(k.str()));
    }
  }
  for (const auto& [name, _] : t.headers) {
    const std::string lower = to_lower(name);
    if (lower == "authorization" || lower == "cookie") {
      ctx.fail(r.raw().get("headers")->source(),
               r.name("headers") + ": " + in_quotes(name) +
                   " is a credential; give it to an identity instead");
    }
  }
  t.proxy = r.string("proxy").value_or("");
  t.insecure = r.boolean("insecure").value_or(false);
  t.ca_file = r.string("ca_file").value_or("");
  for (const auto& origin : r.strings("also").value_or(std::vector<std::string>{})) {
    std::string why;
    const auto u = parse_url(origin, &why);
    if (!u || !u->path.empty()) {
      ctx.fail(r.raw().get("also")->source(),
               r.name("also") + ": " + in_quotes(origin) + ": " +
                   (u ? "give an origin (scheme://host:port) without a path" : why));
    }
    t.also.push_back(u->origin());
  }
  r.finish();
}

void read_limits(KeyReader& r, Limits& l, const Context& ctx) {
  l.concurrency = static_cast<int>(r.integer("concurrency", 1, 1024).value_or(l.concurrency));
  if (const auto rate = r.number("rate")) {
    if (*rate <= 0) ctx.fail(r.raw().get("rate")->source(), r.name("rate") + " must be positive");
    l.rate = *rate;
  }
  l.timeout = duration(r, "timeout", l.timeout, ctx);
  l.max_body = size(r, "max_body", l.max_body, ctx);
  l.budget = static_cast<std::size_t>(r.integer("budget", 1, 100'000'000).value_or(l.budget));
  l.max_items =
      static_cast<std::size_t>(r.integer("max_items", 1, 100'000'000).value_or(l.max_items));
  if (const auto share = r.number("max_inconclusive")) {
    if (*share < 0 || *share > 1) {
      ctx.fail(r.raw().get("max_inconclusive")->source(),
               r.name("max_inconclusive") + " must be between 0 and 1");
    }
    l.max_inconclusive = *share;
  }
  l.allow_unsafe = r.boolean("allow_unsafe").value_or(l.allow_unsafe);
  r.finish();
}

// A TOML value as JSON text, strings interpolated (a login body with ${VAR} secrets).
std::string json_text(const toml::node& n, const Context& ctx, const std::string& where) {
  if (const auto* t = n.as_table()) {
    std::string out = "{";
    for (const auto& [k, v] : *t) {
      if (out.size() > 1) out += ",";
      out += json_text(toml::value<std::string>(std::string(k.str())), ctx, where) + ":" +
             json_text(v, ctx, where + "." + std::string(k.str()));
    }
    return out + "}";
  }
  if (const auto* a = n.as_array()) {
    std::string out = "[";
    for (const auto& v : *a) out += (out.size() > 1 ? "," : "") + json_text(v, ctx, where);
    return out + "]";
  }
  if (n.is_string()) {
    const std::string v = ctx.interpolate(n.as_string()->get(), n.source(), where);
    std::string out = "\"";
    for (const char c : v) {
      const auto u = static_cast<unsigned char>(c);
      if (c == '"' || c == '\\') {
        out += '\\';
        out += c;
      } else if (u < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", u);
        out += buf;
      } else {
        out += c;
      }
    }
    return out + "\"";
  }
  if (n.is_integer()) return std::to_string(n.as_integer()->get());
  if (n.is_floating_point()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", n.as_floating_point()->get());
    return buf;
  }
  if (n.is_boolean()) return n.as_boolean()->get() ? "true" : "false";
  ctx.fail(n.source(), where + ": dates and times have no JSON form");
}

// "bearer", "header:NAME", "cookie:NAME", "cookies".
void check_send(const std::string& send, const toml::node& at, const Context& ctx,
                const std::string& where) {
  const bool ok = send == "bearer" || send == "cookies" ||
                  (send.rfind("header:", 0) == 0 && send.size() > 7) ||
                  (send.rfind("cookie:", 0) == 0 && send.size() > 7);
  if (!ok) {
    ctx.fail(at.source(), where +
                              ".send must be \"bearer\", \"header:NAME\", \"cookie:NAME\" or "
                              "\"cookies\"");
  }
}

Login read_request_login(const toml::table& t, const std::string& where, const Context& ctx) {
  KeyReader r(t, where, ctx);
  Login l;
  l.kind = Login::Kind::request;
  l.line = static_cast<int>(t.source().begin.line);
  l.url = r.string("url").value_or("");
  if (l.url.empty()) ctx.fail(t.source(), where + ".url is required (e.g. \"/api/auth/login\")");
  l.method = to_upper(r.string("method").value_or("POST"));
  const toml::node* json = r.get("json");
  const toml::table* form = r.table("form");
  const auto body = r.string("body");
  if ((json != nullptr) + (form != nullptr) + body.has_value() > 1)
    ctx.fail(t.source(), where + ": give one of json, form or body");
  if (json != nullptr) {
    l.body = Secret(json_text(*json, ctx, where + ".json"));
    l.content_type = "application/json";
  } else if (form != nullptr) {
    std::string text;
    for (const auto& [k, v] : r.string_map("form"))
      text += (text.empty() ? "" : "&") + url_encode(k) + "=" + url_encode(v);
    l.body = Secret(text);
    l.content_type = "application/x-www-form-urlencoded";
  } else if (body) {
    l.body = Secret(*body);
    l.content_type = r.string("content_type").value_or("application/json");
  }
  for (auto& [k, v] : r.string_map("headers")) l.headers[k] = Secret(std::move(v));
  l.token_pointer = r.string("token").value_or("");
  l.token_header = r.string("token_header").value_or("");
  l.session_cookie = r.string("cookie").value_or("");
  const int sources =
      !l.token_pointer.empty() + !l.token_header.empty() + !l.session_cookie.empty();
  if (sources != 1) {
    ctx.fail(t.source(), where +
                             ": say where the credential is with one of token (a JSON "
                             "pointer), token_header or cookie");
  }
  if (!l.token_pointer.empty() && l.token_pointer.front() != '/')
    ctx.fail(r.raw().get("token")->source(), where + ".token must be a JSON pointer like /token");
  l.send = l.session_cookie.empty() ? "bearer" : "cookies";
  if (const auto send = r.string("send")) {
    check_send(*send, *r.raw().get("send"), ctx, where);
    l.send = *send;
  }
  l.expires_pointer = r.string("expires_in").value_or("");
  l.csrf_get = r.string("csrf_get").value_or("");
  l.csrf_cookie = r.string("csrf_cookie").value_or("");
  l.csrf_header = r.string("csrf_header").value_or("");
  if (l.csrf_cookie.empty() != l.csrf_header.empty())
    ctx.fail(t.source(), where + ": csrf_cookie and csrf_header go together");
  r.finish();
  return l;
}

Login read_oauth2(const toml::table& t, const std::string& where, const Context& ctx) {
  KeyReader r(t, where, ctx);
  Login l;
  l.kind = Login::Kind::oauth2;
  l.line = static_cast<int>(t.source().begin.line);
  l.url = r.string("token_url").value_or("");
  if (l.url.empty()) ctx.fail(t.source(), where + ".token_url is required");
  l.grant = r.string("grant").value_or("client_credentials");
  if (l.grant != "client_credentials" && l.grant != "password") {
    ctx.fail(r.raw().get("grant")->source(),
             where + ".grant must be \"client_credentials\" or \"password\"");
  }
  const auto secret = [&](const char* key) -> std::optional<Secret> {
    if (auto v = r.string(key)) return Secret(*v);
    return std::nullopt;
  };
  l.client_id = secret("client_id");
  l.client_secret = secret("client_secret");
  l.username = secret("username");
  l.password = secret("password");
  l.scope = r.string("scope").value_or("");
  l.client_in_body = r.string("client_auth").value_or("basic") == "body";
  if (!l.client_id) ctx.fail(t.source(), where + ".client_id is required");
  if (l.grant == "password" && (!l.username || !l.password))
    ctx.fail(t.source(), where + ": the password grant needs username and password");
  r.finish();
  return l;
}

Login read_command(const toml::table& t, const std::string& where, const Context& ctx) {
  KeyReader r(t, where, ctx);
  Login l;
  l.kind = Login::Kind::command;
  l.line = static_cast<int>(t.source().begin.line);
  l.argv = r.strings("run").value_or(std::vector<std::string>{});
  if (l.argv.empty() || l.argv.front().empty())
    ctx.fail(t.source(), where + ".run is required: the program and its arguments, as a list");
  l.timeout = duration(r, "timeout", 10, ctx);
  if (const auto send = r.string("send")) {
    check_send(*send, *r.raw().get("send"), ctx, where);
    l.send = *send;
  }
  if (const auto after = r.number("expires_in")) l.expires_after = *after;
  r.finish();
  return l;
}

Identity read_identity(const std::string& name, const toml::node& node, const Context& ctx,
                       bool credentials_elsewhere) {
  const std::string where = "identities." + name;
  if (!node.is_table()) ctx.fail(node.source(), where + " must be a table");
  if (name.empty() || name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                             "0123456789_-") != std::string::npos) {
    ctx.fail(node.source(),
             "identity name " + in_quotes(name) + " may only hold letters, digits, '_' and '-'");
  }
  if (to_lower(name) == "anonymous") {
    ctx.fail(node.source(), "\"anonymous\" is built in (no credentials); choose another name");
  }
  KeyReader r(*node.as_table(), where, ctx);
  Identity id;
  id.name = name;
  id.line = static_cast<int>(node.source().begin.line);
  id.level = static_cast<int>(r.integer("level", 0, 1000).value_or(id.level));
  // A token written with its scheme ("Bearer eyJ...") is sent with one scheme, not two.
  if (auto v = r.string("bearer"))
    id.credentials.bearer = Secret(std::string(trim(without_prefix(trim(*v), "Bearer "))));
  if (const toml::table* basic = r.table("basic")) {
    KeyReader b(*basic, where + ".basic", ctx);
    const auto user = b.string("username");
    const auto password = b.string("password");
    if (!user || !password) ctx.fail(basic->source(), where + ".basic needs username and password");
    id.credentials.basic_user = *user;
    id.credentials.basic_password = Secret(*password);
    b.finish();
  }
  for (auto& [k, v] : r.string_map("headers")) id.credentials.headers[k] = Secret(std::move(v));
  for (auto& [k, v] : r.string_map("cookies")) id.credentials.cookies[k] = Secret(std::move(v));
  for (auto& [k, v] : r.string_map("query")) id.credentials.query[k] = Secret(std::move(v));
  id.scopes = r.strings("scopes").value_or(std::vector<std::string>{});
  if (const toml::node* uid = r.get("user_id")) {
    if (uid->is_integer()) {
      id.user_id = std::to_string(uid->as_integer()->get());
    } else if (uid->is_string()) {
      id.user_id = ctx.interpolate(uid->as_string()->get(), uid->source(), where + ".user_id");
    } else {
      r.type_error(*uid, "user_id", "a string or an integer");
    }
  }
  if (const toml::table* owns = r.table("owns")) {
    for (const auto& [param, ids] : *owns) {
      const std::string entry = where + ".owns." + std::string(param.str());
      auto& list = id.owns[std::string(param.str())];
      const auto add = [&](const toml::node& v) {
        if (v.is_integer()) {
          list.push_back(std::to_string(v.as_integer()->get()));
        } else if (v.is_string()) {
          list.push_back(ctx.interpolate(v.as_string()->get(), v.source(), entry));
        } else {
          ctx.fail(v.source(), entry + " must hold strings or integers");
        }
      };
      if (ids.is_array()) {
        for (const auto& v : *ids.as_array()) add(v);
      } else {
        add(ids);
      }
    }
  }
  const toml::table* login = r.table("login");
  const toml::table* oauth2 = r.table("oauth2");
  const toml::table* command = r.table("command");
  if ((login != nullptr) + (oauth2 != nullptr) + (command != nullptr) > 1)
    ctx.fail(node.source(), where + ": give one of login, oauth2 or command");
  if (login != nullptr) id.login = read_request_login(*login, where + ".login", ctx);
  if (oauth2 != nullptr) id.login = read_oauth2(*oauth2, where + ".oauth2", ctx);
  if (command != nullptr) id.login = read_command(*command, where + ".command", ctx);
  r.finish();
  // Credentials beside a sign-in are sent with its credential; two for one slot are ambiguous.
  if (id.login && id.login->kind != Login::Kind::oauth2 && id.credentials.bearer &&
      id.login->send == "bearer") {
    ctx.fail(node.source(), where +
                                ": bearer and a sign-in that sends a bearer token: give one "
                                "(the sign-in's token replaces it on every request)");
  }
  if (id.login && id.login->kind == Login::Kind::oauth2 && id.credentials.bearer) {
    ctx.fail(node.source(), where + ": bearer and an oauth2 sign-in: give one");
  }
  if (id.credentials.empty() && !id.login && !credentials_elsewhere) {
    ctx.fail(node.source(), where +
                                " has no credential: give it bearer, basic, headers, cookies, "
                                "query, or a login, oauth2 or command table");
  }
  return id;
}

Expectation read_expectation(const toml::node& node, std::size_t index, const Context& ctx) {
  const std::string where = "expect[" + std::to_string(index) + "]";
  if (!node.is_table()) ctx.fail(node.source(), where + " must be a table");
  KeyReader r(*node.as_table(), where, ctx);
  Expectation e;
  e.line = static_cast<int>(node.source().begin.line);
  auto match = r.strings("match");
  if (!match || match->empty()) {
    ctx.fail(node.source(), where + " needs `match`, e.g. \"GET /api/admin/*\"");
  }
  for (const auto& glob : *match) {
    const std::size_t space = glob.find(' ');
    if (space == std::string::npos || glob.find('/', space) == std::string::npos) {
      ctx.fail(r.raw().get("match")->source(),
               where + ".match " + in_quotes(glob) + " must read \"METHOD /path\" (globs allowed)");
    }
  }
  e.match = std::move(*match);
  if (auto access = r.string("access")) {
    const auto parsed = parse_access(*access);
    if (!parsed) {
      ctx.fail(r.raw().get("access")->source(),
               where + ".access " + in_quotes(*access) +
                   " must be public, authenticated, owner, nobody or \"level >= N\"");
    }
    e.access = parsed->first;
    e.min_level = parsed->second;
  }
  e.allow_unsafe = r.boolean("allow_unsafe");
  e.skip = r.boolean("skip").value_or(false);
  e.note = r.string("note").value_or("");
  r.finish();
  return e;
}

// [checks.NAME] tables, kept as written: the checks know their own keys.
void read_checks(const toml::table& checks, std::map<std::string, CheckTable>& out,
                 const Context& ctx) {
  for (const auto& [name, node] : checks) {
    const std::string where = "checks." + std::string(name.str());
    if (!node.is_table()) ctx.fail(node.source(), where + " must be a table: [" + where + "]");
    CheckTable& table = out[std::string(name.str())];
    table.line = static_cast<int>(node.source().begin.line);
    for (const auto& [key, value] : *node.as_table()) {
      CheckValue v;
      v.line = static_cast<int>(value.source().begin.line);
      v.column = static_cast<int>(value.source().begin.column);
      if (value.is_boolean()) {
        v.value = value.as_boolean()->get();
      } else if (value.is_integer()) {
        v.value = value.as_integer()->get();
      } else if (value.is_floating_point()) {
        v.value = value.as_floating_point()->get();
      } else if (value.is_string()) {
        v.value = ctx.interpolate(value.as_string()->get(), value.source(),
                                  where + "." + std::string(key.str()));
      } else {
        ctx.fail(value.source(), where + "." + std::string(key.str()) +
                                     " must be true/false, a number or a string");
      }
      table.values[std::string(key.str())] = std::move(v);
    }
  }
}

}  // namespace

Result<Config> parse_config(std::string_view text, const std::string& path,
                            const Environment& env) {
  Config config;
  config.file = path;
  const Context ctx(path, &env);
  try {
    auto parsed = parse_toml(text, path);
    if (!parsed) return parsed.error();
    const toml::table& root = *parsed;
    KeyReader top(root, "", ctx);
    if (const toml::table* t = top.table("target")) {
      KeyReader r(*t, "target", ctx);
      read_target(r, config.target, ctx);
    }
    if (const toml::node* wfc = top.get("wfc_auth")) {
      if (!wfc->is_string()) ctx.fail(wfc->source(), "wfc_auth must be a file name");
      config.wfc_auth = wfc->as_string()->get();
      config.wfc_auth_line = static_cast<int>(wfc->source().begin.line);
    }
    if (const toml::node* n = top.get("identities_from_traffic")) {
      if (!n->is_boolean()) ctx.fail(n->source(), "identities_from_traffic must be true or false");
      config.identities_from_traffic = n->as_boolean()->get();
      config.identities_from_traffic_line = static_cast<int>(n->source().begin.line);
    }
    if (const toml::table* t = top.table("discovery")) {
      KeyReader r(*t, "discovery", ctx);
      config.discover = r.boolean("enabled").value_or(true);
      r.finish();
    }
    if (const toml::table* t = top.table("limits")) {
      KeyReader r(*t, "limits", ctx);
      read_limits(r, config.limits, ctx);
    }
    if (const toml::table* t = top.table("sensitive_data")) {
      KeyReader r(*t, "sensitive_data", ctx);
      if (const auto level = r.integer("privileged_level", -1000000, 1000000))
        config.sensitive.privileged_level = static_cast<int>(*level);
      if (const toml::node* own = r.get("own_data")) {
        const auto v = r.string("own_data");
        const std::vector<std::string> levels = {"info", "low", "medium", "high", "critical"};
        if (!v || std::find(levels.begin(), levels.end(), *v) == levels.end())
          ctx.fail(own->source(),
                   "sensitive_data.own_data must be \"info\", \"low\", \"medium\", \"high\" or "
                   "\"critical\"");
        config.sensitive.own_data = *v;
      }
      if (const toml::node* list = r.get("detectors")) {
        if (!list->is_array_of_tables()) {
          ctx.fail(
              list->source(),
              "sensitive_data.detectors must be a list of tables: [[sensitive_data.detectors]]");
        }
        std::size_t i = 0;
        for (const auto& item : *list->as_array()) {
          const std::string where = "sensitive_data.detectors[" + std::to_string(i++) + "]";
          KeyReader d(*item.as_table(), where, ctx);
          Detector det;
          det.line = static_cast<int>(item.source().begin.line);
          det.name = d.string("name").value_or("");
          det.pattern = d.string("pattern").value_or("");
          det.field = d.string("field").value_or("");
          d.finish();
          if (det.name.empty() || det.pattern.empty())
            ctx.fail(item.source(), where + " needs `name` and `pattern` (an RE2 expression)");
          config.sensitive.detectors.push_back(std::move(det));
        }
      }
      r.finish();
    }
    if (const toml::node* old = top.get("rate_limit")) {
      ctx.fail(old->source(),
               "[rate_limit] is now [checks.rate-limit] (same keys: enabled, requests, "
               "operations); rename the table");
    }
    if (const toml::table* t = top.table("checks")) read_checks(*t, config.checks, ctx);
    if (const toml::table* ids = top.table("identities")) {
      // toml++ keeps keys sorted; reports list identities in the order they were written.
      std::vector<std::pair<std::string, const toml::node*>> ordered;
      for (const auto& [name, node] : *ids) ordered.emplace_back(std::string(name.str()), &node);
      std::stable_sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) {
        return a.second->source().begin < b.second->source().begin;
      });
      for (const auto& [name, node] : ordered) {
        config.identities.push_back(read_identity(
            name, *node, ctx, !config.wfc_auth.empty() || config.identities_from_traffic));
      }
    }
    if (const toml::node* expect = top.get("expect")) {
      if (!expect->is_array_of_tables()) {
        ctx.fail(expect->source(), "expect must be a list of tables: [[expect]]");
      }
      std::size_t i = 0;
      for (const auto& item : *expect->as_array()) {
        config.expectations.push_back(read_expectation(item, i++, ctx));
      }
    }
    top.finish();
  } catch (const ConfigError& e) {
    return e.error;
  }
  return config;
}

Result<Config> load_config(const std::string& path, const Environment& env) {
  auto text = read_file(path);
  if (!text) return text.error();
  return parse_config(*text, path, env);
}

}  // namespace authdiff::config
