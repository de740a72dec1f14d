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

// 1.5 / "1500ms" / "2s" / "1m" -> seconds.
double duration(KeyReader& r, const std::string& key, double fallback, const Context& ctx) {
  const toml::node* n = r.raw().get(key);
  if (n != nullptr && n->is_string()) {
    r.get(key);
    const std::string s(trim(n->as_string()->get()));
    std::size_t used = 0;
    double v = 0;
    try {
      v = std::stod(s, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    const std::string unit = s.substr(used);
    const double scale = unit == "ms"                  ? 0.001
                         : unit == "s" || unit.empty() ? 1
                         : unit == "m"                 ? 60
                                                       : -1;
    if (used == 0 || scale < 0 || v <= 0) {
      ctx.fail(n->source(), r.name(key) + " must be a duration such as 10, \"10s\" or \"500ms\"");
    }
    return v * scale;
  }
  const auto v = r.number(key);
  if (v && *v <= 0) ctx.fail(n->source(), r.name(key) + " must be positive");
  return v.value_or(fallback);
}

// 1048576 / "8MiB" / "512KiB" / "1MB" -> bytes.
std::size_t size(KeyReader& r, const std::string& key, std::size_t fallback, const Context& ctx) {
  const toml::node* n = r.raw().get(key);
  if (n != nullptr && n->is_string()) {
    r.get(key);
    const std::string s(trim(n->as_string()->get()));
    std::size_t used = 0;
    double v = 0;
    try {
      v = std::stod(s, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    const std::string unit = to_lower(trim(s.substr(used)));
    double scale = -1;
    if (unit.empty() || unit == "b") scale = 1;
    if (unit == "kib" || unit == "k") scale = 1024;
    if (unit == "mib" || unit == "m") scale = 1024.0 * 1024;
    if (unit == "gib" || unit == "g") scale = 1024.0 * 1024 * 1024;
    if (unit == "kb") scale = 1000;
    if (unit == "mb") scale = 1e6;
    if (unit == "gb") scale = 1e9;
    if (used == 0 || scale < 0 || v < 1) {
      ctx.fail(n->source(), r.name(key) + " must be a size such as 8388608 or \"8MiB\"");
    }
    return static_cast<std::size_t>(v * scale);
  }
  const auto v = r.integer(key, 1, std::int64_t{1} << 40);
  return v ? static_cast<std::size_t>(*v) : fallback;
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

Identity read_identity(const std::string& name, const toml::node& node, const Context& ctx) {
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
  if (auto v = r.string("bearer")) id.credentials.bearer = Secret(*v);
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
  r.finish();
  if (id.credentials.empty()) {
    ctx.fail(node.source(),
             where + " has no credential: give it bearer, basic, headers, cookies or query");
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
    if (const toml::table* t = top.table("limits")) {
      KeyReader r(*t, "limits", ctx);
      read_limits(r, config.limits, ctx);
    }
    if (const toml::table* ids = top.table("identities")) {
      // toml++ keeps keys sorted; reports list identities in the order they were written.
      std::vector<std::pair<std::string, const toml::node*>> ordered;
      for (const auto& [name, node] : *ids) ordered.emplace_back(std::string(name.str()), &node);
      std::stable_sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) {
        return a.second->source().begin < b.second->source().begin;
      });
      for (const auto& [name, node] : ordered) {
        config.identities.push_back(read_identity(name, *node, ctx));
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
