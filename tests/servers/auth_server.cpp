// authdiff-auth-server: a small notes API that signs users in every way authdiff supports, for
// the login tests (tests/e2e/test_auth.cpp):
//   POST /login          JSON {username, password} -> {"access": TOKEN, "ttl": SECONDS}
//   POST /oauth/token    OAuth 2.0: client "notes-client"/"client-secret" (HTTP Basic or in the
//                        body); grant client_credentials (the service user "admin") or
//                        password -> {"access_token", "token_type": "Bearer", "expires_in"}
//   GET  /csrf           sets cookie XSRF-TOKEN
//   POST /session        JSON {username, password}, header X-XSRF-TOKEN equal to the cookie ->
//                        sets cookie SID; requests with SID must send X-XSRF-TOKEN too
// Tokens and sessions live --ttl seconds (default 3600); an expired one gets 401.
// --fail-logins-after N: from the (N+1)-th sign-in on, every sign-in is refused (401).
// --announced-ttl S: what /login says a token lives (a server that revokes tokens early).
// Routes: GET /me (the caller), GET /notes/{noteId} (FLAW: any signed-in user reads any note),
// POST /notes (a new note of the caller's), DELETE /notes/{noteId} (the owner only),
// GET /admin/stats (admin only). GET /_logins (no auth, not in the spec) counts sign-ins;
// GET /_notes counts the notes.
// Users: alice / alice-pw (notes 101, 102), bob / bob-pw (notes 201, 202), admin / admin-pw.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "util/base64.hpp"

#include "serve.hpp"

namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

struct User {
  std::string password;
  int id;
  bool admin;
};

const std::map<std::string, User> k_users = {{"alice", {"alice-pw", 1, false}},
                                             {"bob", {"bob-pw", 2, false}},
                                             {"admin", {"admin-pw", 9, true}}};

const std::map<int, std::pair<std::string, std::string>> k_seed_notes = {
    {101, {"alice", "alice's salary review: 18,400 per month"}},
    {102, {"alice", "alice's home address: 12 Lotus Lane"}},
    {201, {"bob", "bob's medical leave: 2024-05-02 to 2024-05-16"}},
    {202, {"bob", "bob's bank account: 6222 0210 8830 4417"}}};

class Server {
 public:
  Server(double ttl, double announced_ttl, long fail_after)
      : m_ttl(ttl), m_announced_ttl(announced_ttl), m_fail_after(fail_after) {}

  void routes(httplib::Server& svr) {
    svr.Post("/login", [this](const httplib::Request& req, httplib::Response& res) {
      const json body = json::parse(req.body, nullptr, false);
      const std::string user = user_of(body);
      if (user.empty() || !sign_in_allowed())
        return reply(res, 401, {{"error", "bad credentials"}});
      reply(res, 200, {{"access", issue(m_tokens, user)}, {"ttl", m_announced_ttl}});
    });
    svr.Post("/oauth/token", [this](const httplib::Request& req, httplib::Response& res) {
      std::string client = req.get_param_value("client_id"),
                  secret = req.get_param_value("client_secret");
      const std::string auth = req.get_header_value("Authorization");
      if (auth.rfind("Basic ", 0) == 0) {
        const std::string pair = authdiff::base64url_decode(auth.substr(6)).value_or("");
        client = pair.substr(0, pair.find(':'));
        secret = pair.substr(pair.find(':') + 1);
      }
      if (client != "notes-client" || secret != "client-secret")
        return reply(res, 401, {{"error", "invalid_client"}});
      const std::string grant = req.get_param_value("grant_type");
      std::string user;
      if (grant == "client_credentials") {
        user = "admin";
      } else if (grant == "password") {
        user = user_of({{"username", req.get_param_value("username")},
                        {"password", req.get_param_value("password")}});
      }
      if (user.empty() || !sign_in_allowed()) return reply(res, 400, {{"error", "invalid_grant"}});
      reply(res, 200,
            {{"access_token", issue(m_tokens, user)},
             {"token_type", "Bearer"},
             {"expires_in", m_ttl}});
    });
    svr.Get("/csrf", [](const httplib::Request&, httplib::Response& res) {
      res.set_header("Set-Cookie", "XSRF-TOKEN=" + random_token() + "; Path=/");
      reply(res, 200, {{"ok", true}});
    });
    svr.Post("/session", [this](const httplib::Request& req, httplib::Response& res) {
      const std::string xsrf = cookie(req, "XSRF-TOKEN");
      if (xsrf.empty() || req.get_header_value("X-XSRF-TOKEN") != xsrf)
        return reply(res, 403, {{"error", "CSRF token missing or wrong"}});
      const std::string user = user_of(json::parse(req.body, nullptr, false));
      if (user.empty() || !sign_in_allowed())
        return reply(res, 401, {{"error", "bad credentials"}});
      res.set_header("Set-Cookie", "SID=" + issue(m_sessions, user) + "; Path=/; HttpOnly");
      reply(res, 200, {{"user", user}});
    });
    svr.Get("/_logins", [this](const httplib::Request&, httplib::Response& res) {
      reply(res, 200, {{"logins", m_logins.load()}});
    });
    svr.Get("/me", [this](const httplib::Request& req, httplib::Response& res) {
      const std::string user = caller(req);
      if (user.empty()) return reply(res, 401, {{"error", "unauthorized"}});
      reply(res, 200,
            {{"username", user}, {"id", k_users.at(user).id}, {"email", user + "@notes.example"}});
    });
    svr.Get(R"(/notes/(\d+))", [this](const httplib::Request& req, httplib::Response& res) {
      const std::string user = caller(req);
      if (user.empty()) return reply(res, 401, {{"error", "unauthorized"}});
      const std::string digits = req.matches[1].str();
      std::lock_guard lock(m_mutex);
      const auto it = digits.size() > 6 ? m_notes.end() : m_notes.find(std::stoi(digits));
      if (it == m_notes.end()) return reply(res, 404, {{"error", "not found"}});
      reply(res, 200,
            {{"id", it->first}, {"owner", it->second.first}, {"text", it->second.second}});
    });
    svr.Post("/notes", [this](const httplib::Request& req, httplib::Response& res) {
      const std::string user = caller(req);
      if (user.empty()) return reply(res, 401, {{"error", "unauthorized"}});
      const json body = json::parse(req.body, nullptr, false);
      const std::string text = body.is_object() && body.contains("text") && body["text"].is_string()
                                   ? body["text"].get<std::string>()
                                   : "";
      std::lock_guard lock(m_mutex);
      const int id = m_next_note++;
      m_notes[id] = {user, user + "'s new note: " + text};
      res.set_header("Location", "/notes/" + std::to_string(id));
      reply(res, 201, {{"id", id}, {"owner", user}, {"text", m_notes[id].second}});
    });
    svr.Delete(R"(/notes/(\d+))", [this](const httplib::Request& req, httplib::Response& res) {
      const std::string user = caller(req);
      if (user.empty()) return reply(res, 401, {{"error", "unauthorized"}});
      const std::string digits = req.matches[1].str();
      std::lock_guard lock(m_mutex);
      const auto it = digits.size() > 6 ? m_notes.end() : m_notes.find(std::stoi(digits));
      if (it == m_notes.end()) return reply(res, 404, {{"error", "not found"}});
      if (it->second.first != user) return reply(res, 403, {{"error", "not yours"}});
      m_notes.erase(it);
      res.status = 204;
    });
    svr.Get("/_notes", [this](const httplib::Request&, httplib::Response& res) {
      std::lock_guard lock(m_mutex);
      reply(res, 200, {{"notes", m_notes.size()}});
    });
    svr.Get("/admin/stats", [this](const httplib::Request& req, httplib::Response& res) {
      const std::string user = caller(req);
      if (user.empty()) return reply(res, 401, {{"error", "unauthorized"}});
      if (!k_users.at(user).admin) return reply(res, 403, {{"error", "forbidden"}});
      reply(res, 200, {{"users", 3}, {"notes", 4}, {"storageBytes", 48213}});
    });
  }

 private:
  using Store = std::map<std::string, std::pair<std::string, Clock::time_point>>;

  static void reply(httplib::Response& res, int status, const json& body) {
    res.status = status;
    res.set_content(body.dump(), "application/json");
  }
  static std::string random_token() {
    thread_local std::mt19937_64 gen{std::random_device{}()};
    std::string out;
    for (int i = 0; i < 32; ++i) out += "0123456789abcdef"[gen() % 16];
    return out;
  }
  static std::string cookie(const httplib::Request& req, const std::string& name) {
    const std::string all = req.get_header_value("Cookie");
    for (std::size_t at = 0; at < all.size();) {
      const auto end = all.find(';', at);
      std::string part = all.substr(at, end == std::string::npos ? std::string::npos : end - at);
      while (!part.empty() && part.front() == ' ') part.erase(0, 1);
      if (part.rfind(name + "=", 0) == 0) return part.substr(name.size() + 1);
      if (end == std::string::npos) break;
      at = end + 1;
    }
    return "";
  }
  static std::string user_of(const json& body) {
    if (!body.is_object() || !body.contains("username") || !body.contains("password") ||
        !body["username"].is_string() || !body["password"].is_string())
      return "";
    const auto it = k_users.find(body["username"].get<std::string>());
    return it != k_users.end() && it->second.password == body["password"].get<std::string>()
               ? it->first
               : "";
  }
  bool sign_in_allowed() { return ++m_logins <= m_fail_after; }
  std::string issue(Store& store, const std::string& user) {
    const std::string token = random_token();
    std::lock_guard lock(m_mutex);
    store[token] = {user,
                    Clock::now() + std::chrono::milliseconds(static_cast<long>(m_ttl * 1000))};
    return token;
  }
  std::string valid(const Store& store, const std::string& token) {
    std::lock_guard lock(m_mutex);
    const auto it = store.find(token);
    if (it == store.end() || it->second.second < Clock::now()) return "";
    return it->second.first;
  }
  // The signed-in user: a bearer token, or a session cookie with its CSRF header.
  std::string caller(const httplib::Request& req) {
    const std::string auth = req.get_header_value("Authorization");
    if (auth.rfind("Bearer ", 0) == 0) return valid(m_tokens, auth.substr(7));
    const std::string sid = cookie(req, "SID");
    if (sid.empty()) return "";
    const std::string xsrf = cookie(req, "XSRF-TOKEN");
    if (xsrf.empty() || req.get_header_value("X-XSRF-TOKEN") != xsrf) return "";
    return valid(m_sessions, sid);
  }

  double m_ttl, m_announced_ttl;
  long m_fail_after;
  std::atomic<long> m_logins{0};
  std::mutex m_mutex;
  Store m_tokens, m_sessions;
  std::map<int, std::pair<std::string, std::string>> m_notes = k_seed_notes;
  int m_next_note = 300;
};

}  // namespace

int main(int argc, char** argv) {
  int port = 0;
  double ttl = 3600, announced_ttl = -1;
  long fail_after = 1'000'000;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string arg = argv[i];
    if (arg == "--port") {
      port = std::stoi(argv[i + 1]);
    } else if (arg == "--ttl") {
      ttl = std::stod(argv[i + 1]);
    } else if (arg == "--announced-ttl") {
      announced_ttl = std::stod(argv[i + 1]);
    } else if (arg == "--fail-logins-after") {
      fail_after = std::stol(argv[i + 1]);
    } else {
      std::fprintf(stderr,
                   "usage: authdiff-auth-server [--port N] [--ttl S] [--announced-ttl S] "
                   "[--fail-logins-after N]\n");
      return 2;
    }
  }
  Server server(ttl, announced_ttl < 0 ? ttl : announced_ttl, fail_after);
  httplib::Server svr;
  svr.new_task_queue = [] { return new httplib::ThreadPool(64); };
  server.routes(svr);
  return authdiff::test::serve(svr, port);
}
