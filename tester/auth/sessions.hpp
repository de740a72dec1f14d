#pragma once
// Identities that log in: runs each identity's login (a login request, an OAuth 2.0 token
// request or an external command), keeps what it yields as the identity's credential, knows
// when that credential expires (expires_in, a JWT's exp) and renews it. Login requests go
// through their own small Sender, inside the same scope and limits as the scan.
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "http/sender.hpp"
#include "plan/principals.hpp"

namespace authdiff::auth {

class Sessions {
 public:
  // `principals`: the run's identities; those with a `login` get their credentials filled in
  // there by login_all() and renew(), which the scan's sender reads as it sends. `options`: the
  // scan's sender options (scope, TLS, proxy).
  Sessions(plan::Principals& principals, http::Options options);
  ~Sessions();

  // Log in every identity that has a login. Throws Failure (exit 3) naming the identity and
  // what the login got when one fails.
  void login_all();
  // Whether `identity` can get a fresh credential (it has a login).
  bool renewable(const std::string& identity) const;
  // Get a fresh credential for `identity` now; throws Failure (exit 3) when that fails.
  void renew(const std::string& identity);
  // Renewable identities whose credential expires within `margin` seconds.
  std::vector<std::string> expiring(double margin) const;
  // Logins done so far (the first ones and renewals), and the requests they sent.
  std::size_t logins() const { return m_logins; }
  std::size_t requests() const { return m_sender->attempts(); }
  // The latest sign-in answer of `identity` (a login or token request), and the request that
  // got it without its body (which holds a password); nullptr when it signs in otherwise.
  struct Answer {
    plan::Request request;
    plan::Response response;
  };
  const Answer* sign_in_answer(const std::string& identity) const {
    const auto it = m_answers.find(identity);
    return it == m_answers.end() ? nullptr : &it->second;
  }

 private:
  struct State {
    std::optional<std::chrono::steady_clock::time_point> expires;
  };
  config::Identity& identity(const std::string& name);
  void keep_answer(const std::string& identity, const plan::Request& request,
                   const plan::Response& response);
  // Run `id`'s login; "" on success, else what went wrong (one line, no secret).
  std::string log_in(config::Identity& id);
  std::string log_in_request(config::Identity& id, const config::Login& l);
  std::string log_in_oauth2(config::Identity& id, const config::Login& l);
  std::string log_in_command(config::Identity& id, const config::Login& l);

  plan::Principals& m_principals;
  std::string m_base_url;
  std::unique_ptr<http::Sender> m_sender;  // for login requests only
  std::map<std::string, State> m_state;
  // Each identity's credentials from the config (sent beside what its sign-in gets).
  std::map<std::string, config::Credentials> m_static;
  std::map<std::string, Answer> m_answers;  // each identity's latest sign-in answer
  std::size_t m_logins = 0;
  // Set once login_all() is done: user ids are learned from the first sign-ins only (a renewal
  // happens while the judging thread reads the identities).
  bool m_started = false;
};

// The `exp` claim of a JWT (seconds since the epoch), if `token` is one and has it.
std::optional<double> jwt_expiry(const std::string& token);

// The cookies a response sets: name -> value (attributes dropped).
std::map<std::string, std::string> set_cookies(const plan::Response& response);

}  // namespace authdiff::auth
