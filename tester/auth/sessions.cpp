#include "auth/sessions.hpp"

#include <ctime>

#include <nlohmann/json.hpp>

#include "plan/ownership.hpp"
#include "plan/plan.hpp"
#include "util/base64.hpp"
#include "util/error.hpp"
#include "util/process.hpp"
#include "util/strings.hpp"
#include "util/url.hpp"

namespace authdiff::auth {

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

// The string or number at `pointer` in `body`, as text; nullopt when absent.
std::optional<std::string> value_at(const json& body, const std::string& pointer) {
  try {
    const json& v = body.at(json::json_pointer(pointer));
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number()) return v.dump();
  } catch (const json::exception&) {
  }
  return std::nullopt;
}

// How a login failed, for people: the method, the path and what came back (never a body).
std::string got(const plan::Request& req, const plan::Response& r) {
  std::string path = req.url;
  if (const auto u = parse_url(req.url.substr(0, req.url.find('?')))) {
    const auto at = req.url.find(u->host);
    path = req.url.substr(req.url.find('/', at == std::string::npos ? 0 : at));
  }
  return req.method + " " + path + " " +
         (r.ok() ? "answered " + std::to_string(r.status) : "failed: " + r.error);
}

// Put credential `value` where `send` says, `prefix` before it in a header. A value that already
// carries its scheme ("Bearer eyJ...", "JWT eyJ..." from a sign-in answer) gets no second one.
void place(config::Credentials& c, const std::string& send, const std::string& prefix,
           std::string value) {
  value = std::string(trim(value));
  if (send == "bearer") {
    c.bearer = config::Secret(std::string(trim(without_prefix(value, "Bearer "))));
    return;
  }
  const std::string_view scheme = trim(prefix);
  if (!scheme.empty() && without_prefix(value, std::string(scheme) + " ").size() == value.size())
    value = prefix + value;
  if (send.rfind("header:", 0) == 0) {
    c.headers[send.substr(7)] = config::Secret(value);
  } else if (send.rfind("cookie:", 0) == 0) {
    c.cookies[send.substr(7)] = config::Secret(value);
  }
}

}  // namespace

std::optional<double> jwt_expiry(const std::string& token) {
  const auto payload = jwt_payload(token);
  if (!payload) return std::nullopt;
  const json claims = json::parse(*payload, nullptr, false);
  if (!claims.is_object() || !claims.contains("exp") || !claims["exp"].is_number())
    return std::nullopt;
  return claims["exp"].get<double>();
}

std::map<std::string, std::string> set_cookies(const plan::Response& response) {
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : response.headers) {
    if (name != "set-cookie") continue;
    const std::string pair = value.substr(0, value.find(';'));
    const auto eq = pair.find('=');
    if (eq == std::string::npos) continue;
    const std::string key(trim(pair.substr(0, eq)));
    if (!key.empty()) out[key] = std::string(trim(pair.substr(eq + 1)));
  }
  return out;
}

Sessions::Sessions(plan::Principals& principals, http::Options options)
    : m_principals(principals), m_base_url(options.base_url) {
  options.concurrency = 1;  // logins are few and in order (a CSRF request, then the login)
  m_sender = std::make_unique<http::Sender>(options, nullptr);
  for (const auto& id : principals.identities()) m_static[id.name] = id.credentials;
}

Sessions::~Sessions() = default;

config::Identity& Sessions::identity(const std::string& name) {
  if (config::Identity* id = m_principals.learn(name)) return *id;
  throw Failure(Error{"", 0, 0, "no identity " + name}, k_exit_usage);
}

bool Sessions::renewable(const std::string& name) const {
  const config::Identity* id = m_principals.identity(name);
  return id != nullptr && id->login.has_value();
}

void Sessions::keep_answer(const std::string& identity, const plan::Request& request,
                           const plan::Response& response) {
  Answer& a = m_answers[identity];
  a.request.method = request.method;
  a.request.url = request.url;  // the sign-in's own URL: no credential in it
  a.request.identity = identity;
  a.request.credential = plan::Credential::none;
  a.response = response;
}

void Sessions::login_all() {
  for (const auto& declared : m_principals.identities()) {
    config::Identity& id = identity(declared.name);
    // A static JWT names its user too.
    if (!id.login && id.user_id.empty()) {
      if (auto uid = plan::user_id_in(json(), id.credentials.first_value())) id.user_id = *uid;
    }
    if (!id.login) continue;
    if (std::string why = log_in(id); !why.empty()) {
      throw Failure(Error{"", 0, 0, "identity " + id.name + ": login failed: " + why},
                    k_exit_inconclusive);
    }
  }
  m_started = true;
}

void Sessions::renew(const std::string& name) {
  config::Identity& id = identity(name);
  if (!id.login) {
    throw Failure(Error{"", 0, 0,
                        "the credential of " + name +
                            " stopped working and it has no "
                            "login to renew it"},
                  k_exit_inconclusive);
  }
  if (std::string why = log_in(id); !why.empty()) {
    throw Failure(Error{"", 0, 0,
                        "identity " + name + ": renewing its credential failed: " + why +
                            "; its verdicts cannot be trusted"},
                  k_exit_inconclusive);
  }
}

std::vector<std::string> Sessions::expiring(double margin) const {
  std::vector<std::string> out;
  const auto limit = Clock::now() + std::chrono::milliseconds(static_cast<long>(margin * 1000));
  for (const auto& [name, state] : m_state) {
    if (state.expires && *state.expires <= limit) out.push_back(name);
  }
  return out;
}

std::string Sessions::log_in(config::Identity& id) {
  ++m_logins;
  const config::Login& l = *id.login;
  // The credentials the config gives beside the sign-in (an API key, a tenant cookie) go with
  // every request too; nothing stale of an earlier sign-in stays.
  id.credentials = m_static[id.name];
  m_state[id.name].expires.reset();
  switch (l.kind) {
    case config::Login::Kind::request:
      return log_in_request(id, l);
    case config::Login::Kind::oauth2:
      return log_in_oauth2(id, l);
    case config::Login::Kind::command:
      return log_in_command(id, l);
  }
  return "unknown login kind";
}

namespace {

// When a credential stops being valid: the answer's expires_in, else a JWT's exp.
std::optional<Clock::time_point> expiry_of(const std::string& token,
                                           std::optional<double> expires_in) {
  if (expires_in && *expires_in > 0) {
    return Clock::now() + std::chrono::milliseconds(static_cast<long>(*expires_in * 1000));
  }
  if (const auto exp = jwt_expiry(token)) {
    const double left = *exp - static_cast<double>(std::time(nullptr));
    return Clock::now() + std::chrono::milliseconds(static_cast<long>(left * 1000));
  }
  return std::nullopt;
}

}  // namespace

std::string Sessions::log_in_request(config::Identity& id, const config::Login& l) {
  std::map<std::string, std::string> jar;
  std::string csrf;
  if (!l.csrf_get.empty()) {
    plan::Request get{"GET",       plan::login_url(m_base_url, l.csrf_get),
                      {},          "",
                      "",          plan::Credential::none,
                      {},          {},
                      std::nullopt};
    const auto r = m_sender->send({get}).front();
    if (!r.ok() || r.status >= 400) return "CSRF request " + got(get, r);
    for (auto& [k, v] : set_cookies(r)) jar[k] = v;
  }
  if (!l.csrf_cookie.empty()) {
    const auto it = jar.find(l.csrf_cookie);
    if (it == jar.end()) return "no cookie " + l.csrf_cookie + " for the CSRF token";
    csrf = it->second;
  }
  plan::Request req{l.method,    plan::login_url(m_base_url, l.url),
                    {},          l.body.reveal(),
                    "",          plan::Credential::none,
                    {},          {},
                    std::nullopt};
  req.headers.emplace_back("Accept", "application/json");
  if (!l.content_type.empty()) req.headers.emplace_back("Content-Type", l.content_type);
  for (const auto& [k, v] : l.headers) req.headers.emplace_back(k, v.reveal());
  if (!csrf.empty()) req.headers.emplace_back(l.csrf_header, csrf);
  std::string cookie_line;
  for (const auto& [k, v] : jar) cookie_line += (cookie_line.empty() ? "" : "; ") + k + "=" + v;
  if (!cookie_line.empty()) req.headers.emplace_back("Cookie", cookie_line);
  const auto r = m_sender->send({req}).front();
  if (!r.ok() || r.status < 200 || r.status >= 300) return got(req, r);
  keep_answer(id.name, req, r);
  for (auto& [k, v] : set_cookies(r)) jar[k] = v;
  const json body = json::parse(r.body, nullptr, false);

  std::string credential;
  if (!l.token_pointer.empty()) {
    const auto v = body.is_discarded() ? std::nullopt : value_at(body, l.token_pointer);
    if (!v || v->empty()) return got(req, r) + " without a token at " + l.token_pointer;
    credential = *v;
  } else if (!l.token_header.empty()) {
    const std::string* v = r.header(to_lower(l.token_header));
    if (v == nullptr || v->empty()) return got(req, r) + " without a " + l.token_header + " header";
    credential = *v;
  } else {
    const auto it = l.session_cookie == "*" ? jar.begin() : jar.find(l.session_cookie);
    if (it == jar.end())
      return got(req, r) + " without setting " +
             (l.session_cookie == "*" ? std::string("a cookie") : "cookie " + l.session_cookie);
    credential = it->second;
  }
  if (l.send == "cookies") {
    for (const auto& [k, v] : jar) id.credentials.cookies[k] = config::Secret(v);
  } else {
    place(id.credentials, l.send, l.send_prefix, credential);
  }
  if (!l.csrf_header.empty()) {
    // A login may rotate the CSRF cookie; send the latest value.
    const auto it = jar.find(l.csrf_cookie);
    if (it != jar.end()) id.credentials.headers[l.csrf_header] = config::Secret(it->second);
  }
  // Who signed in: the user object beside the token, or the token's own claims (unless the
  // config says). Owner fields of records are recognised by it.
  if (!m_started && id.user_id.empty()) {
    if (auto uid = plan::user_id_in(body.is_discarded() ? json() : body, credential))
      id.user_id = *uid;
  }
  std::optional<double> expires_in;
  if (!l.expires_pointer.empty() && !body.is_discarded()) {
    if (const auto v = value_at(body, l.expires_pointer)) expires_in = std::atof(v->c_str());
  }
  m_state[id.name].expires = expiry_of(credential, expires_in);
  return "";
}

std::string Sessions::log_in_oauth2(config::Identity& id, const config::Login& l) {
  std::string form = "grant_type=" + l.grant;
  if (l.grant == "password") {
    form += "&username=" + url_encode(l.username->reveal()) +
            "&password=" + url_encode(l.password->reveal());
  }
  if (!l.scope.empty()) form += "&scope=" + url_encode(l.scope);
  plan::Request req{
      "POST",      plan::login_url(m_base_url, l.url), {}, "", "", plan::Credential::none, {}, {},
      std::nullopt};
  req.headers.emplace_back("Accept", "application/json");
  req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  const std::string secret = l.client_secret ? l.client_secret->reveal() : "";
  if (l.client_in_body) {
    form += "&client_id=" + url_encode(l.client_id->reveal());
    if (l.client_secret) form += "&client_secret=" + url_encode(secret);
  } else {
    // RFC 6749 2.3.1: both parts form-encoded, then Basic.
    const std::string pair = url_encode(l.client_id->reveal()) + ":" + url_encode(secret);
    static const char* b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string enc;
    int val = 0, bits = -6;
    for (const unsigned char c : pair) {
      val = (val << 8) + c;
      bits += 8;
      while (bits >= 0) {
        enc += b64[(val >> bits) & 0x3F];
        bits -= 6;
      }
    }
    if (bits > -6) enc += b64[((val << 8) >> (bits + 8)) & 0x3F];
    while (enc.size() % 4 != 0) enc += '=';
    req.headers.emplace_back("Authorization", "Basic " + enc);
  }
  req.body = form;
  const auto r = m_sender->send({req}).front();
  if (!r.ok() || r.status < 200 || r.status >= 300) return got(req, r);
  keep_answer(id.name, req, r);
  const json body = json::parse(r.body, nullptr, false);
  const auto token = body.is_discarded() ? std::nullopt : value_at(body, "/access_token");
  if (!token || token->empty()) return got(req, r) + " without an access_token";
  const std::string type =
      body.is_object() && body.contains("token_type") && body["token_type"].is_string()
          ? to_lower(body["token_type"].get<std::string>())
          : "bearer";
  if (type != "bearer")
    return got(req, r) + " with token_type " + type + " (only bearer is supported)";
  id.credentials.bearer = config::Secret(*token);
  if (!m_started && id.user_id.empty()) {
    if (auto uid = plan::user_id_in(json(), *token)) id.user_id = *uid;
  }
  std::optional<double> expires_in;
  if (const auto v = value_at(body, "/expires_in")) expires_in = std::atof(v->c_str());
  m_state[id.name].expires = expiry_of(*token, expires_in);
  return "";
}

std::string Sessions::log_in_command(config::Identity& id, const config::Login& l) {
  const CommandResult r = run_command(l.argv, l.timeout);
  const std::string program = l.argv.front();
  if (!r.error.empty()) return program + ": " + r.error;
  if (r.exit_code != 0) return program + " exited " + std::to_string(r.exit_code);
  const std::string out(trim(r.out));
  if (out.empty()) return program + " printed nothing";
  if (out.find('\n') != std::string::npos) return program + " printed more than one line";
  const auto colon = out.find(": ");
  const bool header_line = colon != std::string::npos && colon > 0 &&
                           out.find_first_of(" \t") > colon && l.send == "bearer";
  std::string credential = out;
  if (header_line) {
    const std::string name = out.substr(0, colon);
    credential = out.substr(colon + 2);
    if (to_lower(name) == "authorization" && to_lower(credential).rfind("bearer ", 0) == 0) {
      credential = std::string(trim(credential.substr(7)));
      id.credentials.bearer = config::Secret(credential);
    } else {
      id.credentials.headers[name] = config::Secret(credential);
    }
  } else {
    place(id.credentials, l.send, "", credential);
  }
  if (!m_started && id.user_id.empty()) {
    if (auto uid = plan::user_id_in(json(), credential)) id.user_id = *uid;
  }
  m_state[id.name].expires = expiry_of(credential, l.expires_after);
  return "";
}

}  // namespace authdiff::auth
