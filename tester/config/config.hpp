#pragma once
// The run's configuration (TOML): target, identities, limits, expectations. Defaults live here,
// where the fields are declared; docs/config.md "Config reference" documents every key.
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "util/error.hpp"

namespace authdiff::config {

// A credential value. It has no printing operator; only `reveal()` gives the text, for the one
// place that puts it on the wire.
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : m_value(std::move(value)) {}
  const std::string& reveal() const { return m_value; }
  bool empty() const { return m_value.empty(); }

 private:
  std::string m_value;
};

struct Credentials {
  std::optional<Secret> bearer;           // Authorization: Bearer <token>
  std::optional<std::string> basic_user;  // Authorization: Basic, with basic_password
  std::optional<Secret> basic_password;
  std::map<std::string, Secret> headers;  // header name -> value (API keys, custom schemes)
  std::map<std::string, Secret> cookies;  // cookie name -> value (sessions)
  std::map<std::string, Secret> query;    // query parameter -> value (API keys in the URL)

  bool empty() const {
    return !bearer && !basic_user && headers.empty() && cookies.empty() && query.empty();
  }
  // Every secret value, for redaction.
  std::vector<std::string> secret_values() const;
  // The first token-like value (bearer, else a header, cookie or query value), or "": what a
  // tampered copy is made of.
  std::string first_value() const;
};

// How an identity gets (and renews) its credential at run time instead of a static token:
// a login request, an OAuth 2.0 token request, or an external command.
struct Login {
  enum class Kind { request, oauth2, command };
  Kind kind = Kind::request;
  int line = 0;  // where it is declared

  // request and oauth2: where to send it (a path under the base URL, or a same-origin URL).
  std::string method = "POST";
  std::string url;
  Secret body;                            // request: the rendered JSON or form body
  std::string content_type;               // of `body`
  std::map<std::string, Secret> headers;  // extra headers on the login request
  // request: where the credential is in the answer (one of the three).
  std::string token_pointer;   // a JSON pointer, e.g. /data/token
  std::string token_header;    // a response header
  std::string session_cookie;  // a cookie the answer sets (every cookie set is kept); "*": any
  // request and command: how the credential is sent: "bearer", "header:NAME", "cookie:NAME";
  // "cookies" (the jar) for session_cookie logins.
  std::string send = "bearer";
  std::string send_prefix;      // put before the value when sent in a header ("JWT ", "Token ")
  std::string expires_pointer;  // request: JSON pointer to seconds of validity, or ""
  // request: CSRF. GET `csrf_get` first (its cookies join the jar); send the value of cookie
  // `csrf_cookie` in header `csrf_header` on the login and on every request.
  std::string csrf_get, csrf_cookie, csrf_header;

  // oauth2: "client_credentials" or "password"; the client authenticates with HTTP Basic
  // unless `client_in_body`.
  std::string grant;
  std::optional<Secret> client_id, client_secret, username, password;
  std::string scope;
  bool client_in_body = false;

  // command: argv (no shell); stdout is the credential ("Name: value" = that header).
  std::vector<std::string> argv;
  double timeout = 10;                  // seconds
  std::optional<double> expires_after;  // command: seconds a credential lives, if known
};

struct Identity {
  std::string name;  // [A-Za-z0-9_-]+; names the identity in every report
  int level = 1;     // privilege: higher may do more; equal levels are peers (cross-owner)
  Credentials credentials;
  std::optional<Login> login;       // credentials obtained at run time (then renewed)
  std::vector<std::string> scopes;  // OAuth2 scopes the credential carries
  // Object IDs this identity owns, by the parameter name that takes them (e.g. orderId).
  std::map<std::string, std::vector<std::string>> owns;
  std::string user_id;  // the identity's own user id, to recognise its objects in lists
  int line = 0;         // where it is declared
};

enum class Access {
  unspecified,    // no rule: derived from the spec
  everyone,       // "public": anonymous callers too
  authenticated,  // any identity with a working credential
  owner,          // only the owner of the object the operation names
  level,          // identities with level >= min_level
  nobody,         // no caller at all (disabled or internal operations)
};

// "public", "authenticated", "owner", "level >= 3", "nobody".
std::string to_string(Access access, int min_level);

struct Expectation {
  std::vector<std::string> match;  // globs on "METHOD /path/template"; any may match
  Access access = Access::unspecified;
  int min_level = 0;                 // for Access::level
  std::optional<bool> allow_unsafe;  // opt this operation in (or out) of unsafe methods
  bool skip = false;                 // do not test these operations at all
  std::string note;                  // why; shown in plan and reports
  int line = 0;
};

struct Target {
  std::string base_url;  // scheme://host[:port][/prefix]; the only host authdiff contacts
  std::map<std::string, std::string> headers;  // sent with every request (not credentials)
  // Of `headers`, those whose value came from the environment (${VAR}): treated as secrets, so
  // reports show a placeholder ($AUTHDIFF_HEADER_<NAME>) instead of the value.
  std::set<std::string> secret_headers;
  std::string proxy;      // e.g. http://127.0.0.1:8080 for Burp or ZAP
  bool insecure = false;  // accept any TLS certificate (self-signed staging)
  std::string ca_file;    // extra CA bundle
  // Other origins of the same system (a search engine's own port, an admin console), probed only
  // by the `exposure` check with its fixed list of well-known paths: scheme://host[:port].
  std::vector<std::string> also;
};

struct Limits {
  int concurrency = 16;             // transfers in flight
  double rate = 50;                 // requests per second, all identities together
  double timeout = 10;              // seconds per request
  std::size_t max_body = 8u << 20;  // bytes of a response body kept
  std::size_t budget = 20000;       // requests a run may send in total
  std::size_t max_items = 1000;     // items a list may return when its schema has no maximum
  double max_inconclusive = 0.5;    // share of inconclusive probes that fails the run (exit 3)
  bool allow_unsafe = false;        // replay POST/PUT/PATCH/DELETE
};

// A user's own sensitive-data detector (`[[sensitive_data.detectors]]`).
struct Detector {
  std::string name;     // the data class it reports
  std::string pattern;  // RE2, matched within values
  std::string field;    // RE2 a field name must match, or ""
  int line = 0;
};

struct SensitiveData {
  // Identities at or above this level may see personal data unmasked; those below (and
  // anonymous callers) may not. Unset: the highest level when identities differ in level, else
  // none (every identity is an ordinary user).
  std::optional<int> privileged_level;
  std::vector<Detector> detectors;
  // The most an unmasked value that belongs to the caller itself (its own phone in its own
  // record) may count: "info" (default), "low", "medium", "high" or "critical".
  std::string own_data = "info";
};

// One value of a `[checks.NAME]` table as written. Which keys a check has, and of what type,
// is the check's own business (judge::CheckOptions checks them against its declared settings).
struct CheckValue {
  std::variant<bool, std::int64_t, double, std::string> value;
  int line = 0, column = 0;
};

// A `[checks.NAME]` table: the settings of one check.
struct CheckTable {
  int line = 0;
  std::map<std::string, CheckValue> values;
};

struct Config {
  // Learn who owns which object IDs from the API (list, search and "me" answers) before the
  // baselines; `[discovery] enabled`.
  bool discover = true;
  // identities imported from a Web Fuzzing Commons auth file (`wfc_auth`), or "".
  std::string wfc_auth;
  int wfc_auth_line = 0;
  // Each distinct credential recorded in the traffic (scan --har/--postman) becomes an identity;
  // `[identities.NAME]` tables without a credential of their own then name and level them.
  bool identities_from_traffic = false;
  int identities_from_traffic_line = 0;
  std::string file;
  Target target;
  Limits limits;
  SensitiveData sensitive;
  std::map<std::string, CheckTable> checks;  // by check name, as written
  std::vector<Identity> identities;
  std::vector<Expectation> expectations;

  const Identity* identity(std::string_view name) const;
  // The first expectation whose glob matches "METHOD /path", or nullptr.
  const Expectation* expectation_for(std::string_view method, std::string_view path) const;
};

// Looks up an environment variable; nullopt when unset.
using Environment = std::function<std::optional<std::string>(const std::string&)>;
Environment process_environment();

// Parse a config; errors read "file:line:col: message".
Result<Config> parse_config(std::string_view text, const std::string& path, const Environment& env);
Result<Config> load_config(const std::string& path, const Environment& env);

// Parse "public", "level >= 2", ...; nullopt if it is none of them.
std::optional<std::pair<Access, int>> parse_access(std::string_view text);

}  // namespace authdiff::config
