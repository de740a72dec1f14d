// authdiff-scenario-server: tiny servers for the hard verdict cases, one per --scenario:
//   public-data   every route returns the same public document to everyone (no finding, and
//                 nothing could be told from a denial: exit 3)
//   own-record    object routes ignore the ID and return the caller's own record (no finding)
//   flaky-token   like own-record, but bob's token is refused after --reject-after N requests
//                 (the scan must stop with exit 3 naming bob)
//   silent-token  like own-record, but bob's requests after --reject-after N are answered only
//                 40 s later, after a client with a shorter timeout gave up (a loaded target:
//                 no answer says nothing of bob's credential)
//   weak-guards   like own-record, but /admin/settings trusts X-Forwarded-For: 127.0.0.1 and
//                 only guards GET (HEAD runs the handler for anyone): two bypass findings; and
//                 DELETE /records/{id} accepts any signed-in caller (elsewhere: owner only);
//                 and GET /exports, which the spec does not document, lists exports to anyone
//                 (OPTIONS /exports says Allow: GET, POST, DELETE)
//   existence     like own-record, but /records/{id} answers others 403 for a record that
//                 exists and 404 for one that does not (an existence oracle)
//   throttled     like own-record, but each token (or anonymous caller) gets 429 for a request
//                 that would make more than --burst N answered within one second: a sliding
//                 second, so that a burst is throttled wherever the clock's seconds begin,
//                 and what it turned away does not count
//   many          GET /many/N/summary for any N: the caller's own summary of item N; every
//                 50th (N % 50 == 0) also answers alice's to an anonymous caller (a no-auth
//                 leak), every other one 401 (for sharding a 10,000-operation spec); with
//                 --reject-after N, alice's token is refused after N requests
//   shared-list   like own-record, but GET /records lists every caller's record (alice's and
//                 bob's, with their phones) and --filler N records of other people after them:
//                 a list that leaks what the object route guards, as small or as large as wanted
//                 (N = 15000 is about 1.3 MB)
// Every scenario counts requests per path: GET /__requests (not in the spec) returns them
// (silent-token: also the requests with bob's own token, under "bob's own token").
// Tokens: token-alice (record 101), token-bob (record 202), token-admin (record 1).
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "serve.hpp"

namespace {

using json = nlohmann::json;

struct User {
  std::string name;
  int record;
  bool admin;
};

const std::map<std::string, User> k_users = {{"token-alice", {"alice", 101, false}},
                                             {"token-bob", {"bob", 202, false}},
                                             {"token-admin", {"admin", 1, true}}};

json record_of(const User& u) {
  return {{"id", u.record},
          {"owner", u.name},
          {"note", "private note of " + u.name},
          {"balance", u.record * 3.25}};
}

}  // namespace

int main(int argc, char** argv) {
  std::string scenario;
  int port = 0;
  long reject_after = 10;
  bool rejecting = false;  // --reject-after given (many: only then is alice ever refused)
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string arg = argv[i];
    if (arg == "--scenario") {
      scenario = argv[i + 1];
    } else if (arg == "--port") {
      port = std::stoi(argv[i + 1]);
    } else if (arg == "--reject-after") {
      reject_after = std::stol(argv[i + 1]);
      rejecting = true;
    }
  }
  long burst = 5, filler = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--burst") burst = std::stol(argv[i + 1]);
    if (std::string(argv[i]) == "--filler") filler = std::stol(argv[i + 1]);
  }
  const std::set<std::string> scenarios = {"public-data", "own-record",  "flaky-token",
                                           "weak-guards", "existence",   "throttled",
                                           "many",        "shared-list", "silent-token"};
  if (!scenarios.contains(scenario)) {
    std::fprintf(stderr,
                 "usage: authdiff-scenario-server --scenario public-data|own-record|flaky-token|"
                 "weak-guards|existence|throttled|many|shared-list|silent-token [--port N] "
                 "[--reject-after N] "
                 "[--burst N] [--filler N]\n");
    return 2;
  }
  std::mutex count_mutex;
  std::map<std::string, long> counts;  // path -> requests
  // caller -> when its requests of the last second were answered (throttled)
  std::map<std::string, std::deque<std::chrono::steady_clock::time_point>> window;
  std::atomic<long> bob_requests{0}, alice_requests{0};
  httplib::Server svr;
  svr.new_task_queue = [] { return new httplib::ThreadPool(64); };
  // Tens of thousands of requests: keep each connection (httplib closes one after 5 requests by
  // default, and reconnecting that often fills the accept queue: a dropped SYN costs 1 s).
  if (scenario == "many") svr.set_keep_alive_max_count(1'000'000);
  const auto reply = [](httplib::Response& res, int status, const json& body) {
    res.status = status;
    res.set_content(body.dump(), "application/json");
  };
  // The caller, or nullptr (flaky-token: bob stops being recognised after N requests).
  const auto caller = [&](const httplib::Request& req) -> const User* {
    const std::string h = req.get_header_value("Authorization");
    if (h.rfind("Bearer ", 0) != 0) return nullptr;
    const auto it = k_users.find(h.substr(7));
    if (it == k_users.end()) return nullptr;
    if (scenario == "flaky-token" && it->second.name == "bob" && ++bob_requests > reject_after) {
      return nullptr;
    }
    // silent-token: after N requests, bob's are answered only after the client gave up.
    if (scenario == "silent-token" && it->second.name == "bob" && ++bob_requests > reject_after) {
      std::this_thread::sleep_for(std::chrono::seconds(40));
    }
    if (scenario == "many" && rejecting && it->second.name == "alice" &&
        ++alice_requests > reject_after) {
      return nullptr;
    }
    return &it->second;
  };
  const json public_doc = {{"motd", "Welcome to the staff canteen"},
                           {"build", "2024.06.11"},
                           {"items", json::array({{{"dish", "Mapo tofu"}, {"price", 12.5}}})}};
  const json settings = {{"smtpHost", "mail.internal.example"},
                         {"retentionDays", 365},
                         {"backupBucket", "canteen-backups-prod-7731"},
                         {"auditMailbox", "audit-team@internal.example"}};
  svr.Get(R"(/.*)", [&](const httplib::Request& req, httplib::Response& res) {
    if (req.path == "/__requests") {
      const std::lock_guard lock(count_mutex);
      json out = counts;
      if (scenario == "silent-token") out["bob's own token"] = bob_requests.load();
      return reply(res, 200, out);
    }
    {
      const std::lock_guard lock(count_mutex);
      ++counts[req.path];
      if (scenario == "throttled") {
        const auto now = std::chrono::steady_clock::now();
        auto& answered = window[req.get_header_value("Authorization")];
        while (!answered.empty() && now - answered.front() >= std::chrono::seconds(1))
          answered.pop_front();
        if (static_cast<long>(answered.size()) >= burst)
          return reply(res, 429, {{"error", "too many requests"}});
        answered.push_back(now);
      }
    }
    if (scenario == "public-data") return reply(res, 200, public_doc);
    if (req.path == "/exports") {
      if (scenario != "weak-guards") return reply(res, 405, {{"error", "method not allowed"}});
      return reply(res, 200,
                   {{"exports", json::array({{{"file", "staff-2024-06.xlsx"},
                                              {"rows", 1843},
                                              {"by", "hr-admin@internal.example"}}})}});
    }
    if (req.path == "/public") return reply(res, 200, public_doc);
    if (scenario == "many" && req.path.rfind("/many/", 0) == 0) {
      const std::string n = req.path.substr(6, req.path.find('/', 6) - 6);
      const User* who = caller(req);
      const bool number =
          !n.empty() && n.size() < 9 && n.find_first_not_of("0123456789") == std::string::npos;
      if (who == nullptr && number && std::stol(n) % 50 == 0) who = &k_users.at("token-alice");
      if (who == nullptr) return reply(res, 401, {{"error", "unauthorized"}});
      return reply(
          res, 200,
          {{"item", n}, {"owner", who->name}, {"summary", "summary " + n + " of " + who->name}});
    }
    if (scenario == "weak-guards" && req.path == "/admin/settings" &&
        (req.get_header_value("X-Forwarded-For") == "127.0.0.1" || req.method == "HEAD")) {
      return reply(res, 200, settings);
    }
    const User* u = caller(req);
    if (u == nullptr) return reply(res, 401, {{"error", "unauthorized"}});
    if (req.path == "/me") return reply(res, 200, {{"name", u->name}, {"record", u->record}});
    if (req.path == "/admin/settings") {
      if (!u->admin) return reply(res, 403, {{"error", "forbidden"}});
      return reply(res, 200, settings);
    }
    if (scenario == "shared-list" && req.path == "/records") {
      json items = json::array();
      for (const char* token : {"token-alice", "token-bob"}) {
        json r = record_of(k_users.at(token));
        r["phone"] = std::string(token) == "token-alice" ? "13812345678" : "13987654321";
        items.push_back(std::move(r));
      }
      for (long i = 0; i < filler; ++i) {
        const std::string digits = std::to_string(i % 100'000'000);
        const std::string phone = "137" + std::string(8 - digits.size(), '0') + digits;
        items.push_back({{"id", 1000 + i},
                         {"owner", "member" + std::to_string(i)},
                         {"note", "note of member " + std::to_string(i)},
                         {"phone", phone}});
      }
      return reply(res, 200, {{"items", std::move(items)}});
    }
    if (req.path == "/records") return reply(res, 200, {{"items", json::array({record_of(*u)})}});
    if (scenario == "existence" && req.path.rfind("/records/", 0) == 0) {
      const std::string id = req.path.substr(9);
      if (id == std::to_string(u->record)) return reply(res, 200, record_of(*u));
      for (const auto& [token, other] : k_users) {
        if (id == std::to_string(other.record)) return reply(res, 403, {{"error", "not yours"}});
      }
      return reply(res, 404, {{"error", "no such record"}});
    }
    if (req.path.rfind("/records/", 0) == 0) return reply(res, 200, record_of(*u));  // ID ignored
    reply(res, 404, {{"error", "not found"}});
  });
  svr.Options("/exports", [&](const httplib::Request&, httplib::Response& res) {
    res.status = 204;
    res.set_header("Allow", scenario == "weak-guards" ? "GET, POST, DELETE, OPTIONS" : "POST");
  });
  svr.Post("/exports", [&](const httplib::Request&, httplib::Response& res) {
    reply(res, 202, {{"export", "started"}});
  });
  svr.Delete(R"(/records/(\d+))", [&](const httplib::Request& req, httplib::Response& res) {
    const User* u = caller(req);
    if (u == nullptr) return reply(res, 401, {{"error", "unauthorized"}});
    if (scenario != "weak-guards" && req.matches[1].str() != std::to_string(u->record))
      return reply(res, 403, {{"error", "not yours"}});
    res.status = 204;
  });
  return authdiff::test::serve(svr, port);
}
