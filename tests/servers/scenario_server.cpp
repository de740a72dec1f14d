// authdiff-scenario-server: tiny servers for the hard verdict cases, one per --scenario:
//   public-data   every route returns the same public document to everyone (no finding)
//   own-record    object routes ignore the ID and return the caller's own record (no finding)
//   flaky-token   like own-record, but bob's token is refused after --reject-after N requests
//                 (the scan must stop with exit 3 naming bob)
// Tokens: token-alice (record 101), token-bob (record 202), token-admin (record 1).
#include <atomic>
#include <csignal>
#include <cstdio>
#include <map>
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
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string arg = argv[i];
    if (arg == "--scenario")
      scenario = argv[i + 1];
    else if (arg == "--port")
      port = std::stoi(argv[i + 1]);
    else if (arg == "--reject-after")
      reject_after = std::stol(argv[i + 1]);
  }
  if (scenario != "public-data" && scenario != "own-record" && scenario != "flaky-token") {
    std::fprintf(stderr,
                 "usage: authdiff-scenario-server --scenario public-data|own-record|flaky-token "
                 "[--port N] [--reject-after N]\n");
    return 2;
  }
  std::atomic<long> bob_requests{0};
  httplib::Server svr;
  svr.new_task_queue = [] { return new httplib::ThreadPool(64); };
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
    return &it->second;
  };
  const json public_doc = {{"motd", "Welcome to the staff canteen"},
                           {"build", "2024.06.11"},
                           {"items", json::array({{{"dish", "Mapo tofu"}, {"price", 12.5}}})}};
  svr.Get(R"(/.*)", [&](const httplib::Request& req, httplib::Response& res) {
    if (scenario == "public-data") return reply(res, 200, public_doc);
    if (req.path == "/public") return reply(res, 200, public_doc);
    const User* u = caller(req);
    if (u == nullptr) return reply(res, 401, {{"error", "unauthorized"}});
    if (req.path == "/me") return reply(res, 200, {{"name", u->name}, {"record", u->record}});
    if (req.path == "/admin/settings") {
      if (!u->admin) return reply(res, 403, {{"error", "forbidden"}});
      return reply(res, 200, {{"smtpHost", "mail.internal.example"}, {"retentionDays", 365}});
    }
    if (req.path == "/records") return reply(res, 200, {{"items", json::array({record_of(*u)})}});
    if (req.path.rfind("/records/", 0) == 0) return reply(res, 200, record_of(*u));  // ID ignored
    reply(res, 404, {{"error", "not found"}});
  });
  return authdiff::test::serve(svr, port);
}
