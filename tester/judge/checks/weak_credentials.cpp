// weak-credentials (API2, opt-in): default and weak passwords (corpus/weak-passwords.txt) tried at
// each sign-in the config defines (login requests with a JSON or form body) and each operation of
// the spec that reads as one (a POST whose body has a password beside a user name), for the
// configured user names and a few well-known ones. Per account: first a wrong password (what a
// failed sign-in looks like), then at most `attempts` entries, one at a time, paced; the account
// stops at a sign-in that works, and the endpoint at the first sign of throttling or lockout. The
// password is never written anywhere: requests carry a placeholder (plan/weak.hpp).
#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <set>

#include "judge/check.hpp"
#include "plan/plan.hpp"
#include "plan/weak.hpp"
#include "util/strings.hpp"
#include "util/url.hpp"

namespace authdiff::judge {

namespace {

using nlohmann::json;

constexpr const char* k_control = "control";
const std::vector<std::string> k_well_known = {"admin", "root", "test"};
constexpr std::size_t k_max_accounts = 8;  // per endpoint

bool one_of(const std::string& name, std::initializer_list<const char*> names) {
  const std::string lower = to_lower(name);
  return std::any_of(names.begin(), names.end(), [&](const char* n) { return lower == n; });
}

bool password_key(const std::string& k) {
  return one_of(k, {"password", "passwd", "pwd", "pass", "passcode", "userpassword",
                    "user_password", "login_password", "loginpassword"});
}

bool user_key(const std::string& k) {
  return one_of(k, {"username", "user_name", "user", "login", "loginname", "login_name", "account",
                    "email", "mail", "phone", "mobile", "name", "userid", "user_id", "identifier"});
}

// A sign-in body: a JSON object, or a form, with a password member beside a user-name member.
struct Template {
  json body;  // as an object (a form is read into one)
  bool form = false;
  std::string user, password;  // the members
};

// The members that name the user and the password; nullopt when either is missing.
std::optional<Template> members_of(Template t) {
  if (!t.body.is_object()) return std::nullopt;
  for (const auto& [k, v] : t.body.items()) {
    if (password_key(k) && t.password.empty()) t.password = k;
    if (user_key(k) && t.user.empty()) t.user = k;
  }
  if (t.password.empty() || t.user.empty()) return std::nullopt;
  return t;
}

std::optional<Template> template_of(const std::string& text, const std::string& content_type) {
  Template t;
  if (content_type.find("x-www-form-urlencoded") != std::string::npos) {
    t.form = true;
    t.body = json::object();
    for (const auto& part : split(text, '&')) {
      const auto eq = part.find('=');
      if (eq != std::string::npos) t.body[part.substr(0, eq)] = part.substr(eq + 1);
    }
  } else {
    t.body = json::parse(text, nullptr, false);
  }
  return members_of(std::move(t));
}

std::string render(const Template& t, const std::string& account, std::size_t k) {
  json body = t.body;
  body[t.user] = t.form ? url_encode(account) : account;  // a form's other values stay encoded
  body[t.password] = plan::weak_password_placeholder(k, account, t.form);
  if (!t.form) return body.dump();
  std::vector<std::string> parts;
  for (const auto& [key, v] : body.items())
    parts.push_back(key + "=" + (v.is_string() ? v.get<std::string>() : v.dump()));
  return join(parts, "&");
}

std::string without_query(const std::string& url) {
  return url.substr(0, url.find('?'));
}

bool lockout_words(const std::string& body) {
  const std::string lower = to_lower(body.substr(0, 4096));
  for (const char* w : {"locked", "lockout", "too many", "try again later", "temporarily",
                        "rate limit", "captcha", "锁定", "频繁", "稍后再试", "验证码"}) {
    if (lower.find(w) != std::string::npos) return true;
  }
  return false;
}

// The answer carries a credential: a token-like member with a value, or a cookie being set.
bool carries_credential(const plan::Response& r) {
  if (r.header("set-cookie") != nullptr) return true;
  const json j = json::parse(r.body, nullptr, false);
  if (j.is_discarded()) return false;
  bool found = false;
  const std::function<void(const json&, int)> walk = [&](const json& v, int depth) {
    if (found || depth > 8) return;
    if (v.is_object()) {
      for (const auto& [k, m] : v.items()) {
        const std::string lower = to_lower(k);
        if ((lower.find("token") != std::string::npos || lower == "jwt" || lower == "session" ||
             lower == "sessionid" || lower == "sid") &&
            m.is_string() && m.get_ref<const std::string&>().size() >= 8) {
          found = true;
          return;
        }
        walk(m, depth + 1);
      }
    } else if (v.is_array()) {
      for (const auto& m : v) walk(m, depth + 1);
    }
  };
  walk(j, 0);
  return found;
}

bool throttled(const plan::Response& r) {
  return r.status == 429 || r.status == 423 || (r.status >= 400 && lockout_words(r.body));
}

bool signed_in(const plan::Response& r) {
  return r.status >= 200 && r.status < 300 && carries_credential(r) && !lockout_words(r.body);
}

class WeakCredentials final : public Check {
 public:
  WeakCredentials()
      : Check({.name = "weak-credentials",
               .title = "An account signs in with a default or weak password",
               .owasp = "API2:2023 Broken Authentication",
               .severity = Severity::critical,
               .description =
                   "Opt-in. At each sign-in the config defines (a login request with a JSON or "
                   "form body) and each spec operation that reads as one, tries the first "
                   "`attempts` passwords of corpus/weak-passwords.txt for the configured user "
                   "names and admin, root and test: one attempt at a time per account, paced, "
                   "after a wrong password that shows what failure looks like. An account stops "
                   "at a sign-in that works; the endpoint stops at the first 429, 423 or lockout "
                   "message. The password is never written, only its entry number.",
               .sends = "per sign-in endpoint and account (the config's user names, then admin, "
                        "root, test; at most 8): one wrong password, then up to `attempts` "
                        "(default 10) weak ones, one at a time, `pause_ms` apart (default 500); "
                        "nothing more for an account once one worked, and nothing more at the "
                        "endpoint after a 429, a 423 or a lockout message",
               .finds = "a 2xx that hands out a credential (a token member, a cookie) where the "
                        "wrong password did not: the account and the entry number of the "
                        "password, never the password (critical)",
               .opt_in = true,
               .wrong_caller = false,
               .tests_access = false,
               .per_victim = false,
               .names_request = true,
               .relates_answers = true,
               .settings = {{.key = "attempts",
                             .kind = Setting::Kind::integer,
                             .fallback = 10,
                             .min = 1,
                             .max = 30,
                             .description = "weak passwords tried per account (the list's first)"},
                            {.key = "pause_ms",
                             .kind = Setting::Kind::integer,
                             .fallback = 500,
                             .min = 0,
                             .max = 60000,
                             .description = "milliseconds between two attempts of an account"}}}) {}

  std::vector<plan::Probe> plan(const PlanContext& ctx, std::size_t op) const override {
    const auto& p = ctx.plan.operations[op];
    if (p.excluded) return {};
    struct Endpoint {
      std::string url, method, content_type;
      Template t;
      std::vector<std::string> accounts;
    };
    std::vector<Endpoint> endpoints;
    const auto endpoint_for = [&](const std::string& url) -> Endpoint* {
      for (auto& e : endpoints) {
        if (e.url == url) return &e;
      }
      return nullptr;
    };
    // The config's sign-ins: on the operation at their URL, else on the first operation.
    const std::string here = without_query(p.url);
    for (const auto& id : ctx.config.identities) {
      if (!id.login || id.login->kind != config::Login::Kind::request) continue;
      const config::Login& l = *id.login;
      const std::string url = plan::login_url(ctx.plan.base_url, l.url);
      const bool spec_op =
          std::any_of(ctx.plan.operations.begin(), ctx.plan.operations.end(), [&](const auto& o) {
            return o.op->method == l.method && without_query(o.url) == without_query(url);
          });
      const bool mine = spec_op ? (p.op->method == l.method && here == without_query(url))
                                : op == first_operation(ctx.plan);
      if (!mine) continue;
      auto t = template_of(l.body.reveal(), l.content_type);
      if (!t) continue;
      Endpoint* e = endpoint_for(url);
      if (e == nullptr) {
        endpoints.push_back({url, l.method, l.content_type, *t, {}});
        e = &endpoints.back();
      }
      const json& name = t->body[t->user];
      if (name.is_string()) e->accounts.push_back(name.get<std::string>());
    }
    // The spec's own sign-in operations the config has no sign-in for.
    if (endpoints.empty() && p.op->method == "POST" && p.op->body) {
      const std::string type = p.op->body->content_type;
      // The spec's example body (made from the schema where it gives none), form or JSON.
      Template from_spec;
      from_spec.body = p.op->body->example.value;
      from_spec.form = type.find("x-www-form-urlencoded") != std::string::npos;
      if (from_spec.form && from_spec.body.is_object()) {
        for (auto& [k, v] : from_spec.body.items()) {
          if (v.is_string()) v = url_encode(v.get<std::string>());  // as a form carries them
        }
      }
      if (auto t = members_of(std::move(from_spec))) {
        endpoints.push_back({p.url, "POST", type, *t, {}});
      }
    }
    std::vector<plan::Probe> out;
    const auto attempts = static_cast<std::size_t>(ctx.options.value(*this, "attempts"));
    const double pause = static_cast<double>(ctx.options.value(*this, "pause_ms")) / 1000.0;
    for (auto& e : endpoints) {
      for (const auto& w : k_well_known) e.accounts.push_back(w);
      std::vector<std::string> accounts;
      for (const auto& a : e.accounts) {
        // User names as sign-in forms take them (the placeholder carries the name as it is).
        const bool plain = !a.empty() && std::all_of(a.begin(), a.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
                 std::string_view("@._+-").find(c) != std::string_view::npos;
        });
        if (plain && std::find(accounts.begin(), accounts.end(), a) == accounts.end() &&
            accounts.size() < k_max_accounts)
          accounts.push_back(a);
      }
      for (const auto& account : accounts) {
        const std::size_t last = std::min(attempts, plan::weak_password_count());
        for (std::size_t k = 0; k <= last; ++k) {
          plan::Request request;
          request.method = e.method;
          request.url = e.url;
          request.headers.emplace_back(
              "Content-Type", e.t.form ? "application/x-www-form-urlencoded" : "application/json");
          request.body = render(e.t, account, k);
          plan::Probe probe = this->probe(
              k == 0
                  ? "weak-credentials: " + account + ", a wrong password (what failure looks like)"
                  : "weak-credentials: " + account + ", weak password #" + std::to_string(k),
              op, "", "", std::move(request));
          probe.parameter = account;
          probe.value = k == 0 ? k_control : "#" + std::to_string(k);
          probe.series = e.url + "\n" + account;
          probe.family = e.url;
          probe.pause = pause;
          out.push_back(std::move(probe));
        }
      }
    }
    return out;
  }

  Next after(const plan::Probe& probe, const plan::Response& answer,
             std::string* why) const override {
    if (!answer.ok()) {
      *why = "no answer (" + answer.error + ")";
      return Next::end_series;
    }
    if (throttled(answer)) {
      *why = std::to_string(answer.status) + " at " + probe.parameter + "'s attempt " +
             probe.value + ": throttled or locked, so no more attempts at this endpoint";
      return Next::end_family;
    }
    if (probe.value == k_control && signed_in(answer)) {
      *why = "a wrong password signed in too: failure cannot be told from success";
      return Next::end_series;
    }
    if (probe.value != k_control && signed_in(answer)) {
      *why = "signed in at attempt " + probe.value;
      return Next::end_series;
    }
    return Next::go_on;
  }

  Verdict judge(const JudgeContext& /*ctx*/, const plan::Probe& probe,
                const plan::Response& response) const override {
    if (!response.ok()) {
      if (response.error.starts_with("not sent: the series ended"))
        return enforced(response.error);  // stopped on purpose; said on the attempt that did
      return inconclusive(response.error.empty() ? "no answer" : response.error);
    }
    if (throttled(response))
      return enforced(std::to_string(response.status) +
                      ": throttled or locked; the attempts at this endpoint stopped here");
    if (probe.value == k_control) {
      if (signed_in(response))
        return inconclusive("a wrong password got " + std::to_string(response.status) +
                            " with a credential: a failed sign-in cannot be told from one that "
                            "worked");
      return enforced(std::to_string(response.status) + ": what a wrong password gets");
    }
    if (!signed_in(response)) return enforced(std::to_string(response.status) + ": refused");
    Verdict v;
    v.state = State::bypassed;
    v.reason = "signed in as " + probe.parameter + " with weak password " + probe.value +
               " of corpus/weak-passwords.txt (" + std::to_string(response.status) +
               ", a credential in the answer); the password is not shown";
    return v;
  }

  // A "signed in" answer alike to the wrong password's is not one (a 200 that always sets a
  // cookie): judged against the account's control.
  void relate(const JudgeContext& /*ctx*/, std::vector<ProbeResult>& results) const override {
    std::map<std::string, const plan::Response*> control;
    for (const auto& r : results) {
      if (r.check == this && r.probe.value == k_control) control[r.probe.series] = &r.response;
    }
    for (auto& r : results) {
      if (r.check != this || r.verdict.state != State::bypassed) continue;
      const auto it = control.find(r.probe.series);
      if (it == control.end() || !it->second->ok()) {
        r.verdict = inconclusive("the wrong-password attempt got no answer to compare with");
        continue;
      }
      const plan::Response& c = *it->second;
      if (c.status == r.response.status && c.body == r.response.body &&
          (c.header("set-cookie") != nullptr) == (r.response.header("set-cookie") != nullptr))
        r.verdict = enforced("answered like the wrong password: not a sign-in");
    }
  }

 private:
  static std::size_t first_operation(const plan::Plan& plan) {
    for (std::size_t i = 0; i < plan.operations.size(); ++i) {
      if (!plan.operations[i].excluded) return i;
    }
    return plan.operations.size();
  }
};

}  // namespace

const Check& weak_credentials_check() {
  static const WeakCredentials check;
  return check;
}

}  // namespace authdiff::judge
