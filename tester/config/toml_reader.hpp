#pragma once
// Internal to `config`: reading TOML tables strictly. Every table is read through a KeyReader
// that knows which keys exist, so a typo is an error with its line and a suggestion, and a wrong
// type names what was expected. Used by the config and the baseline file.
#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "config/config.hpp"
#include "util/strings.hpp"

namespace authdiff::config {

// Unwinds to the parse function, which turns it into an Error.
struct ConfigError {
  Error error;
};

class Context {
 public:
  // `env` null: values are taken literally (no ${VAR} interpolation).
  Context(std::string path, const Environment* env) : m_path(std::move(path)), m_env(env) {}

  // An error at `where`. A value that came from the environment is shown as its ${NAME}, never
  // as itself: the message may quote a value that was a secret.
  [[noreturn]] void fail(const toml::source_region& where, std::string message) const {
    for (const auto& [value, reference] : m_expanded) {
      for (auto at = message.find(value); at != std::string::npos;
           at = message.find(value, at + reference.size())) {
        message.replace(at, value.size(), reference);
      }
    }
    throw ConfigError{Error{m_path, static_cast<int>(where.begin.line),
                            static_cast<int>(where.begin.column), std::move(message)}};
  }

  // Replace ${NAME} with the environment's value; `$${` is a literal `${`.
  std::string interpolate(const std::string& value, const toml::source_region& where,
                          const std::string& key) const {
    if (m_env == nullptr) return value;
    std::string out;
    for (std::size_t i = 0; i < value.size(); ++i) {
      if (value.compare(i, 3, "$${") == 0) {
        out += "${";
        i += 2;
        continue;
      }
      if (value.compare(i, 2, "${") != 0) {
        out += value[i];
        continue;
      }
      const std::size_t close = value.find('}', i + 2);
      if (close == std::string::npos) fail(where, key + ": unterminated ${ in value");
      const std::string name = value.substr(i + 2, close - i - 2);
      if (name.empty() ||
          name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                 "0123456789_") != std::string::npos) {
        fail(where, key + ": " + in_quotes("${" + name + "}") + " is not a variable name");
      }
      const auto v = (*m_env)(name);
      if (!v) fail(where, key + ": environment variable " + name + " is not set");
      if (v->size() >= 4) m_expanded.emplace_back(*v, "${" + name + "}");
      out += *v;
      i = close;
    }
    return out;
  }

 private:
  std::string m_path;
  const Environment* m_env;
  mutable std::vector<std::pair<std::string, std::string>> m_expanded;  // value, "${NAME}"
};

class KeyReader {
 public:
  KeyReader(const toml::table& table, std::string where, const Context& ctx)
      : m_table(table), m_where(std::move(where)), m_ctx(ctx) {}

  // The node at `key`, or nullptr; records `key` as known.
  const toml::node* get(const std::string& key) {
    m_known.push_back(key);
    return m_table.get(key);
  }

  std::string name(const std::string& key) const {
    return m_where.empty() ? key : m_where + "." + key;
  }

  [[noreturn]] void type_error(const toml::node& node, const std::string& key,
                               const char* expected) const {
    m_ctx.fail(node.source(), name(key) + " must be " + expected);
  }

  std::optional<std::string> string(const std::string& key) {
    const toml::node* n = get(key);
    if (n == nullptr) return std::nullopt;
    if (!n->is_string()) type_error(*n, key, "a string");
    return m_ctx.interpolate(n->as_string()->get(), n->source(), name(key));
  }

  std::optional<std::int64_t> integer(const std::string& key, std::int64_t lo, std::int64_t hi) {
    const toml::node* n = get(key);
    if (n == nullptr) return std::nullopt;
    if (!n->is_integer()) type_error(*n, key, "an integer");
    const std::int64_t v = n->as_integer()->get();
    if (v < lo || v > hi) {
      m_ctx.fail(n->source(), name(key) + " must be between " + std::to_string(lo) + " and " +
                                  std::to_string(hi));
    }
    return v;
  }

  std::optional<double> number(const std::string& key) {
    const toml::node* n = get(key);
    if (n == nullptr) return std::nullopt;
    if (n->is_integer()) return static_cast<double>(n->as_integer()->get());
    if (!n->is_floating_point()) type_error(*n, key, "a number");
    return n->as_floating_point()->get();
  }

  std::optional<bool> boolean(const std::string& key) {
    const toml::node* n = get(key);
    if (n == nullptr) return std::nullopt;
    if (!n->is_boolean()) type_error(*n, key, "true or false");
    return n->as_boolean()->get();
  }

  // A string or a list of strings.
  std::optional<std::vector<std::string>> strings(const std::string& key) {
    const toml::node* n = get(key);
    if (n == nullptr) return std::nullopt;
    std::vector<std::string> out;
    if (n->is_string()) {
      out.push_back(m_ctx.interpolate(n->as_string()->get(), n->source(), name(key)));
      return out;
    }
    if (!n->is_array()) type_error(*n, key, "a string or a list of strings");
    for (const auto& item : *n->as_array()) {
      if (!item.is_string()) type_error(item, key, "a list of strings");
      out.push_back(m_ctx.interpolate(item.as_string()->get(), item.source(), name(key)));
    }
    return out;
  }

  const toml::table* table(const std::string& key) {
    const toml::node* n = get(key);
    if (n == nullptr) return nullptr;
    if (!n->is_table()) type_error(*n, key, "a table");
    return n->as_table();
  }

  // A table of string values (headers, cookies, ...).
  std::map<std::string, std::string> string_map(const std::string& key) {
    std::map<std::string, std::string> out;
    const toml::table* t = table(key);
    if (t == nullptr) return out;
    for (const auto& [k, v] : *t) {
      const std::string entry = name(key) + "." + std::string(k.str());
      if (!v.is_string()) m_ctx.fail(v.source(), entry + " must be a string");
      out[std::string(k.str())] = m_ctx.interpolate(v.as_string()->get(), v.source(), entry);
    }
    return out;
  }

  // Unknown keys are typos: fail on the first, suggesting the closest known key.
  void finish() const {
    for (const auto& [k, v] : m_table) {
      const std::string key(k.str());
      if (std::find(m_known.begin(), m_known.end(), key) != m_known.end()) continue;
      std::string message =
          "unknown key " + in_quotes(key) + (m_where.empty() ? "" : " in [" + m_where + "]");
      if (auto guess = did_you_mean(key, m_known))
        message += " (did you mean " + in_quotes(*guess) + "?)";
      const auto& where = k.source().begin.line != 0 ? k.source() : v.source();
      m_ctx.fail(where, message);
    }
  }

  const toml::table& raw() const { return m_table; }

 private:
  const toml::table& m_table;
  std::string m_where;
  const Context& m_ctx;
  std::vector<std::string> m_known;
};

// `s` as a TOML basic string (a value or a quoted key), escaped by toml++'s own formatter:
// quotes, backslashes and every control character.
inline std::string toml_quoted(std::string_view s) {
  std::ostringstream out;
  // Basic strings (double quotes) always, so written files look the same whatever they hold.
  const toml::value<std::string> value{std::string(s)};
  out << toml::toml_formatter(value, toml::format_flags::allow_unicode_strings);
  return out.str();
}

// Parse TOML text; a syntax error is an Error with the file, line and column.
inline Result<toml::table> parse_toml(std::string_view text, const std::string& path) {
  try {
    return toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    return Error{path, static_cast<int>(e.source().begin.line),
                 static_cast<int>(e.source().begin.column),
                 "invalid TOML: " + std::string(e.description())};
  }
}

}  // namespace authdiff::config
