// authdiff-demo-api: a "smart canteen" management system with real authorization flaws, modelled
// on an incident where an information-query interface answered without login and handed out
// staff phone numbers, resident ID numbers and terminal admin passwords.
//
// Every route says whether it is correct or flawed; specs/canteen.ground-truth.md lists them all.
// Denials come in the styles real systems mix: 401, 403, 404 for other people's objects, and
// HTTP 200 with {"code": 401|403, "msg": ...}.
//
// Besides the API it serves the employees' web page (web/, compiled in: GET / and its files),
// keeps a leftover `test` account with the password 123456 (FLAW: weak-password), and with
// --search-port runs the canteen's search cluster on a second loopback origin, open to anyone
// (FLAW: exposed-search; search_engine.hpp).
#include <pthread.h>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <shared_mutex>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "data.hpp"
#include "jwt.hpp"
#include "search_engine.hpp"
#include "web_assets.hpp"

namespace demo {
namespace {

using json = nlohmann::json;
using httplib::Request;
using httplib::Response;

struct Options {
  int port = 0;
  int search_port = -1;  // --search-port: the search cluster's port (0 = a free one); -1 = none
  std::string secret;
  long token_ttl = 8 * 3600;
  bool log = false;
  std::set<std::string> fixed;  // --fixed: flaws repaired, for showing `authdiff recheck`
};

// The flaws --fixed can repair ("cross-owner" covers enumeration: both read others' orders).
const std::set<std::string> k_flaws = {
    "no-auth", "weaker-identity", "cross-owner",      "bulk",          "tampered-token",
    "bypass",  "sensitive-data",  "existence-oracle", "weak-password", "exposed-search"};

struct Session {
  int employee_id = 0;
  std::string role;
  std::string username;
};

// A numeric path segment as an int; -1 when it does not fit (a huge ID is just not found).
int id_of(const std::string& text) {
  try {
    const long long v = std::stoll(text);
    return v < 0 || v > 1'000'000'000 ? -1 : static_cast<int>(v);
  } catch (const std::exception&) {
    return -1;
  }
}

int level_of(const std::string& role) {
  return role == "admin" ? 10 : role == "operator" ? 5 : 1;
}

std::string mask_phone(const std::string& p) {
  return p.substr(0, 3) + "****" + p.substr(7);
}
std::string mask_id(const std::string& id) {
  return id.substr(0, 6) + "********" + id.substr(14);
}
double yuan(long cents) {
  return static_cast<double>(cents) / 100.0;
}

// The Content-Type of a file of the web page, by its extension.
const char* content_type(std::string_view name) {
  const auto ends = [name](std::string_view ext) {
    return name.size() >= ext.size() && name.substr(name.size() - ext.size()) == ext;
  };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  return "application/octet-stream";
}

class Canteen {
 public:
  explicit Canteen(Options options) : m_options(std::move(options)), m_data(seed()) {
    if (fixed("weak-password")) {
      for (auto& a : m_data.accounts) {
        if (a.username == "test") a.password = k_strong_test_password;
      }
    }
  }

  void install(httplib::Server& svr) {
    // The "security filter": guards admin paths by exact match. The router below also accepts a
    // trailing slash, which the filter does not know about (FLAW: bypass).
    svr.set_pre_routing_handler([this](const Request& req, Response& res) {
      if (req.path == "/api/admin/logs") {
        const auto s = authenticate(req);
        if (!s) return deny_401(res), httplib::Server::HandlerResponse::Handled;
        if (s->role != "admin") return deny_403(res), httplib::Server::HandlerResponse::Handled;
      }
      return httplib::Server::HandlerResponse::Unhandled;
    });
    if (m_options.log) {
      svr.set_logger([](const Request& req, const Response& res) {
        std::fprintf(stderr, "%s %s -> %d\n", req.method.c_str(), req.path.c_str(), res.status);
      });
    }

    // Correct: the employees' web page, the same to everyone (it holds no data; its script
    // signs in and calls the API below). Exact paths only: nothing else changes its answer.
    for (const auto& asset : web_assets()) {
      const std::string type = content_type(asset.name);
      const auto serve = [asset, type](const Request&, Response& res) {
        res.set_header("Cache-Control", "no-store");
        res.set_header("X-Content-Type-Options", "nosniff");
        res.set_header("Content-Security-Policy",
                       "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                       "base-uri 'none'; frame-ancestors 'none'");
        res.set_content(asset.body.data(), asset.body.size(), type.c_str());
      };
      svr.Get("/" + std::string(asset.name), serve);
      if (std::string_view(asset.name) == "index.html") svr.Get("/", serve);
    }

    svr.Post("/api/auth/login", [this](const Request& req, Response& res) { login(req, res); });

    // Public (security: [] in the spec).
    svr.Get("/api/menu", [this](const Request&, Response& res) {
      json out = json::array();
      for (const auto& d : m_data.menu) {
        out.push_back(
            {{"id", d.id}, {"name", d.name}, {"price", yuan(d.price_cents)}, {"window", d.window}});
      }
      reply(res, 200, out);
    });
    svr.Get("/api/announcements", [this](const Request&, Response& res) {
      std::shared_lock lock(m_mutex);
      json out = json::array();
      for (const auto& a : m_data.announcements) {
        out.push_back(
            {{"id", a.id}, {"title", a.title}, {"body", a.body}, {"publishedAt", a.published_at}});
      }
      reply(res, 200, out);
    });

    // FLAW (no-auth): the information query interface never checks the caller at all.
    svr.Get("/api/info/query", [this](const Request& req, Response& res) {
      if (fixed("no-auth") || fixed("weaker-identity")) {
        const auto s = authenticate(req);
        if (!s) return deny_401(res);
        if (fixed("weaker-identity") && s->role != "admin") return deny_403(res);
      }
      info_query(req, res);
    });

    // Correct: the caller's own profile, masked.
    svr.Get("/api/me", [this](const Request& req, Response& res) {
      const auto s = authenticate(req);
      if (!s) return deny_401(res);
      reply(res, 200, masked(employee(s->employee_id)));
    });

    // Correct, 200-with-code style: the caller's own meal card.
    svr.Get("/api/cards/me", [this](const Request& req, Response& res) {
      const auto s = authenticate(req);
      if (!s) return code_reply(res, 401, "请先登录");
      const Employee& e = employee(s->employee_id);
      envelope(res, {{"employeeId", e.id},
                     {"name", e.name},
                     {"cardNo", e.card_no},
                     {"balance", yuan(e.balance_cents)}});
    });

    // Correct: the caller's own orders, page size enforced.
    svr.Get("/api/orders", [this](const Request& req, Response& res) {
      const auto s = authenticate(req);
      if (!s) return deny_401(res);
      int page = 0, size = 0;
      if (!paging(req, res, 50, page, size)) return;
      std::shared_lock lock(m_mutex);
      std::vector<json> mine;
      for (const auto& o : m_data.orders) {
        if (o.employee_id == s->employee_id) mine.push_back(order_json(o));
      }
      reply(res, 200, page_of(mine, page, size, "items"));
    });

    // Correct: create an order for oneself (unsafe method; authdiff replays it only if allowed).
    svr.Post("/api/orders", [this](const Request& req, Response& res) {
      const auto s = authenticate(req);
      if (!s) return deny_401(res);
      const json body = json::parse(req.body, nullptr, false);
      if (!body.is_object() || !body.contains("dishId") || !body["dishId"].is_number_integer()) {
        return reply(res, 400, {{"error", "dishId (integer) is required"}});
      }
      const int dish = body["dishId"].get<int>();
      if (dish < 1 || dish > static_cast<int>(m_data.menu.size())) {
        return reply(res, 400, {{"error", "unknown dish"}});
      }
      std::unique_lock lock(m_mutex);
      const Dish& d = m_data.menu[static_cast<std::size_t>(dish - 1)];
      Order o{m_next_order++, s->employee_id, d.name,
              d.price_cents,  d.window,       "2024-06-11T12:00:00+08:00"};
      m_data.orders.push_back(o);
      reply(res, 201, order_json(o));
    });

    // FLAW (cross-owner / enumerate): any logged-in user reads any order; ids are sequential.
    svr.Get(R"(/api/orders/(\d+))", [this](const Request& req, Response& res) {
      const auto s = authenticate(req);
      if (!s) return deny_401(res);
      std::shared_lock lock(m_mutex);
      for (const auto& o : m_data.orders) {
        if (std::to_string(o.id) != req.matches[1].str()) continue;
        if (fixed("cross-owner") && o.employee_id != s->employee_id && s->role != "admin") break;
        return reply(res, 200, order_json(o));
      }
      deny_404(res);
    });

    // FLAW (tampered-token): this route's token check trusts {"alg": "none"}.
    svr.Get("/api/recharges", [this](const Request& req, Response& res) {
      const auto s = authenticate(req, /*accept_alg_none=*/!fixed("tampered-token"));
      if (!s) return deny_401(res);
      json items = json::array();
      for (const auto& r : m_data.recharges) {
        if (r.employee_id == s->employee_id) items.push_back(recharge_json(r));
      }
      reply(res, 200, {{"items", items}, {"total", items.size()}});
    });

    // Correct, 404 style: someone else's recharge does not exist for you.
    svr.Get(R"(/api/recharges/(\d+))", [this](const Request& req, Response& res) {
      const auto s = authenticate(req);
      if (!s) return deny_401(res);
      for (const auto& r : m_data.recharges) {
        if (std::to_string(r.id) == req.matches[1].str()) {
          if (r.employee_id != s->employee_id && s->role != "admin") break;
          return reply(res, 200, recharge_json(r));
        }
      }
      deny_404(res);
    });

    // FLAW (sensitive-data): colleagues of one's own department, with unmasked ID numbers and
    // phone numbers. Access itself is right (own department only, 403 otherwise).
    svr.Get(R"(/api/departments/(\d+)/members)", [this](const Request& req, Response& res) {
      const auto s = authenticate(req);
      if (!s) return deny_401(res);
      const int dept = id_of(req.matches[1].str());
      // Others' departments are refused before existence is looked at: 403 either way.
      if (level_of(s->role) < 5 && employee(s->employee_id).department_id != dept) {
        return deny_403(res);
      }
      if (dept < 1 || dept > static_cast<int>(m_data.departments.size())) return deny_404(res);
      json members = json::array();
      for (const auto& e : m_data.employees) {
        if (e.department_id == dept)
          members.push_back(fixed("sensitive-data") ? masked(e) : full(e));
      }
      reply(res, 200,
            {{"departmentId", dept},
             {"name", m_data.departments[static_cast<std::size_t>(dept - 1)].name},
             {"members", members}});
    });

    // Correct, 404 style: an employee record, for admins or its own employee.
    svr.Get(R"(/api/employees/(\d+))", [this](const Request& req, Response& res) {
      const auto s = authenticate(req);
      if (!s) return deny_401(res);
      const int id = id_of(req.matches[1].str());
      if (id < 1 || id > static_cast<int>(m_data.employees.size())) return deny_404(res);
      if (s->role == "admin") return reply(res, 200, full(employee(id)));
      if (id != s->employee_id) return deny_404(res);
      reply(res, 200, masked(employee(id)));
    });

    // Correct: the staff list, admins only, page size enforced.
    svr.Get("/api/employees", [this](const Request& req, Response& res) {
      const auto s = authenticate(req);
      if (!s) return deny_401(res);
      if (s->role != "admin") return deny_403(res);
      int page = 0, size = 0;
      if (!paging(req, res, 100, page, size)) return;
      std::vector<json> all;
      for (const auto& e : m_data.employees) all.push_back(full(e));
      reply(res, 200, page_of(all, page, size, "items"));
    });

    // FLAW (bulk): operators and admins page through meal records, but pageSize has no cap
    // although the spec says maximum: 100. Employees: 403 (correct).
    svr.Get("/api/meal-records", [this](const Request& req, Response& res) {
      const auto s = authenticate(req);
      if (!s) return deny_401(res);
      if (level_of(s->role) < 5) return deny_403(res);
      int page = 0, size = 0;
      if (!paging(req, res, fixed("bulk") ? 100 : 1'000'000, page, size)) return;
      std::vector<json> all;
      for (const auto& m : m_data.meal_records) {
        all.push_back({{"id", m.id},
                       {"employeeId", m.employee_id},
                       {"terminalId", m.terminal_id},
                       {"amount", yuan(m.amount_cents)},
                       {"meal", m.meal},
                       {"at", m.at}});
      }
      envelope(res, page_of(all, page, size, "list"));
    });

    // Correct, 200-with-code style: canteen statistics for operators and admins.
    svr.Get("/api/canteen/stats", [this](const Request& req, Response& res) {
      const auto s = authenticate(req);
      if (!s) return code_reply(res, 401, "请先登录");
      if (level_of(s->role) < 5) return code_reply(res, 403, "无权访问");
      long total = 0;
      for (const auto& m : m_data.meal_records) total += m.amount_cents;
      envelope(res, {{"employees", m_data.employees.size()},
                     {"mealRecords", m_data.meal_records.size()},
                     {"revenue", yuan(total)},
                     {"terminals", m_data.terminals.size()}});
    });

    // FLAW (weaker-identity): any logged-in user lists the terminals with their admin passwords;
    // only administrators should. Anonymous callers get 401 (that part is right).
    svr.Get("/api/terminals", [this](const Request& req, Response& res) {
      const auto s = authenticate(req);
      if (!s) return deny_401(res);
      if (fixed("weaker-identity") && s->role != "admin") return deny_403(res);
      json out = json::array();
      for (const auto& t : m_data.terminals) out.push_back(terminal_json(t));
      reply(res, 200, out);
    });

    // FLAW (existence-oracle): one terminal, admins only, but others learn which terminals
    // exist: 403 for one that exists, 404 for one that does not.
    svr.Get(R"(/api/terminals/(\d+))", [this](const Request& req, Response& res) {
      const auto s = authenticate(req);
      if (!s) return deny_401(res);
      if (fixed("existence-oracle") && s->role != "admin") return deny_403(res);
      const int id = id_of(req.matches[1].str());
      if (id < 1 || id > static_cast<int>(m_data.terminals.size())) return deny_404(res);
      if (s->role != "admin") return deny_403(res);
      reply(res, 200, terminal_json(m_data.terminals[static_cast<std::size_t>(id - 1)]));
    });

    // FLAW (bypass): guarded only by the exact-path filter above; "/api/admin/logs/" skips it.
    svr.Get(R"(/api/admin/logs/?)", [this](const Request& req, Response& res) {
      if (fixed("bypass")) {
        const auto s = authenticate(req);
        if (!s) return deny_401(res);
        if (s->role != "admin") return deny_403(res);
      }
      int page = 0, size = 0;
      if (!paging(req, res, 100, page, size)) return;
      std::vector<json> all;
      for (const auto& l : m_data.logs) {
        all.push_back(
            {{"id", l.id}, {"at", l.at}, {"actor", l.actor}, {"action", l.action}, {"ip", l.ip}});
      }
      reply(res, 200, page_of(all, page, size, "items"));
    });

    // Correct, 200-with-code style: login accounts, admins only (checked in the handler, so the
    // trailing-slash variant is denied too).
    svr.Get(R"(/api/admin/users/?)", [this](const Request& req, Response& res) {
      const auto s = authenticate(req);
      if (!s) return code_reply(res, 401, "请先登录");
      if (s->role != "admin") return code_reply(res, 403, "无权访问");
      json out = json::array();
      for (const auto& a : m_data.accounts) {
        out.push_back({{"username", a.username}, {"role", a.role}, {"employeeId", a.employee_id}});
      }
      envelope(res, {{"list", out}, {"total", out.size()}});
    });

    // Correct, 403 style: delete an announcement, admins only (unsafe method).
    svr.Delete(R"(/api/admin/announcements/(\d+))", [this](const Request& req, Response& res) {
      const auto s = authenticate(req);
      if (!s) return deny_401(res);
      if (s->role != "admin") return deny_403(res);
      std::unique_lock lock(m_mutex);
      auto& list = m_data.announcements;
      for (auto it = list.begin(); it != list.end(); ++it) {
        if (std::to_string(it->id) == req.matches[1].str()) {
          list.erase(it);
          res.status = 204;
          return;
        }
      }
      deny_404(res);
    });
  }

 private:
  std::optional<Session> authenticate(const Request& req, bool accept_alg_none = false) const {
    const std::string header = req.get_header_value("Authorization");
    if (header.size() < 8 ||
        (header.compare(0, 7, "Bearer ") != 0 && header.compare(0, 7, "bearer ") != 0)) {
      return std::nullopt;
    }
    const auto claims =
        jwt_verify(header.substr(7), m_options.secret, std::time(nullptr), accept_alg_none);
    if (!claims || !(*claims)["uid"].is_number_integer()) return std::nullopt;
    Session s;
    s.employee_id = (*claims)["uid"].get<int>();
    s.role = claims->value("role", "");
    s.username = claims->value("name", "");
    if (s.employee_id < 1 || s.employee_id > static_cast<int>(m_data.employees.size()))
      return std::nullopt;
    return s;
  }

  void login(const Request& req, Response& res) {
    const json body = json::parse(req.body, nullptr, false);
    const std::string user = body.is_object() ? body.value("username", "") : "";
    const std::string pass = body.is_object() ? body.value("password", "") : "";
    for (const auto& a : m_data.accounts) {
      if (a.username == user && a.password == pass) {
        const long now = std::time(nullptr);
        const json claims = {{"sub", std::to_string(a.employee_id)},
                             {"uid", a.employee_id},
                             {"name", a.username},
                             {"role", a.role},
                             {"iat", now},
                             {"exp", now + m_options.token_ttl}};
        return reply(res, 200,
                     {{"token", jwt_sign(claims, m_options.secret)},
                      {"expiresIn", m_options.token_ttl},
                      {"role", a.role},
                      {"employeeId", a.employee_id}});
      }
    }
    reply(res, 401, {{"error", "invalid username or password"}});
  }

  void info_query(const Request& req, Response& res) {
    const std::string keyword = req.get_param_value("keyword");
    const std::string type = req.has_param("type") ? req.get_param_value("type") : "all";
    json employees = json::array(), terminals = json::array();
    if (type == "all" || type == "employee") {
      for (const auto& e : m_data.employees) {
        if (employees.size() >= 20) break;
        if (keyword.empty() || e.name.find(keyword) != std::string::npos ||
            e.number.find(keyword) != std::string::npos ||
            e.phone.find(keyword) != std::string::npos) {
          employees.push_back(full(e));
        }
      }
    }
    if (type == "all" || type == "terminal") {
      for (const auto& t : m_data.terminals) {
        if (keyword.empty() || t.name.find(keyword) != std::string::npos ||
            t.location.find(keyword) != std::string::npos) {
          terminals.push_back(terminal_json(t));
        }
      }
    }
    envelope(res, {{"employees", employees}, {"terminals", terminals}});
  }

  const Employee& employee(int id) const {
    return m_data.employees[static_cast<std::size_t>(id - 1)];
  }

  json full(const Employee& e) const {
    return {{"id", e.id},          {"number", e.number},
            {"name", e.name},      {"departmentId", e.department_id},
            {"phone", e.phone},    {"idCard", e.id_card},
            {"cardNo", e.card_no}, {"balance", yuan(e.balance_cents)},
            {"email", e.email}};
  }
  json masked(const Employee& e) const {
    json j = full(e);
    j["phone"] = mask_phone(e.phone);
    j["idCard"] = mask_id(e.id_card);
    return j;
  }
  static json order_json(const Order& o) {
    return {{"id", o.id},         {"employeeId", o.employee_id},
            {"dish", o.dish},     {"amount", yuan(o.amount_cents)},
            {"window", o.window}, {"createdAt", o.created_at}};
  }
  static json recharge_json(const Recharge& r) {
    return {{"id", r.id},
            {"employeeId", r.employee_id},
            {"amount", yuan(r.amount_cents)},
            {"channel", r.channel},
            {"at", r.at}};
  }
  static json terminal_json(const Terminal& t) {
    return {{"id", t.id},
            {"type", t.type},
            {"name", t.name},
            {"location", t.location},
            {"mgmtIp", t.mgmt_ip},
            {"adminAccount", t.admin_account},
            {"adminPassword", t.admin_password}};
  }

  // page (>= 1) and pageSize (1..max); a 400 and false when out of range.
  static bool paging(const Request& req, Response& res, int max, int& page, int& size) {
    page = 1;
    size = 20;
    try {
      if (req.has_param("page")) page = std::stoi(req.get_param_value("page"));
      if (req.has_param("pageSize")) size = std::stoi(req.get_param_value("pageSize"));
    } catch (const std::exception&) {
      reply(res, 400, {{"error", "page and pageSize must be integers"}});
      return false;
    }
    if (page < 1 || size < 1 || size > max) {
      reply(res, 400, {{"error", "pageSize must be between 1 and " + std::to_string(max)}});
      return false;
    }
    return true;
  }
  static json page_of(const std::vector<json>& all, int page, int size, const char* member) {
    json items = json::array();
    const std::size_t start = static_cast<std::size_t>(page - 1) * static_cast<std::size_t>(size);
    for (std::size_t i = start; i < all.size() && i < start + static_cast<std::size_t>(size); ++i) {
      items.push_back(all[i]);
    }
    return {{member, items}, {"total", all.size()}, {"page", page}, {"pageSize", size}};
  }

  static void reply(Response& res, int status, const json& body) {
    res.status = status;
    res.set_content(body.dump(), "application/json; charset=utf-8");
  }
  static void envelope(Response& res, const json& data) {
    reply(res, 200, {{"code", 0}, {"msg", "ok"}, {"data", data}});
  }
  static void code_reply(Response& res, int code, const char* msg) {
    reply(res, 200, {{"code", code}, {"msg", msg}, {"data", nullptr}});
  }
  static void deny_401(Response& res) {
    res.set_header("WWW-Authenticate", "Bearer");
    reply(res, 401, {{"error", "unauthorized"}, {"message", "login required"}});
  }
  static void deny_403(Response& res) { reply(res, 403, {{"error", "forbidden"}}); }
  static void deny_404(Response& res) { reply(res, 404, {{"error", "not found"}}); }

  bool fixed(const std::string& flaw) const { return m_options.fixed.contains(flaw); }

  Options m_options;
  Data m_data;
  std::shared_mutex m_mutex;  // orders and announcements change; the rest is read-only
  long m_next_order = k_first_order + 200 * k_orders_per_employee + 1;
};

int usage() {
  std::fprintf(stderr,
               "usage: authdiff-demo-api [--port N] [--search-port N] [--secret S]\n"
               "                         [--token-ttl SECONDS] [--log] [--fixed FLAW,...|all]\n"
               "  Serves the canteen demo API and its employee web page (GET /) on 127.0.0.1:N\n"
               "  (0 = a free port) and prints \"listening on 127.0.0.1:PORT\" once it accepts\n"
               "  connections.\n"
               "  --search-port N also serves an open Elasticsearch-like search cluster on\n"
               "  127.0.0.1:N (0 = a free port) and prints a second line,\n"
               "  \"search engine listening on 127.0.0.1:PORT\".\n"
               "  --fixed repairs deliberate flaws: no-auth, weaker-identity, cross-owner, bulk,\n"
               "  tampered-token, bypass, sensitive-data, existence-oracle, weak-password,\n"
               "  exposed-search (to show `authdiff recheck`).\n");
  return 2;
}

// Stop `svr` from the signal thread. httplib 0.11 loses a stop() that comes before the listen
// loop runs, so wait for it to run, unless its listen has already ended (`ended`).
void stop_server(httplib::Server& svr, const std::atomic<bool>& ended) {
  while (!svr.is_running() && !ended) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  svr.stop();
}

// Bind `svr` to 127.0.0.1:`port` (0 = a free port); the port, or -1 with a message.
int bind_loopback(httplib::Server& svr, int port, const char* what) {
  const int bound = port == 0 ? svr.bind_to_any_port("127.0.0.1")
                              : (svr.bind_to_port("127.0.0.1", port) ? port : -1);
  if (bound <= 0) {
    std::fprintf(stderr, "authdiff-demo-api: cannot listen on 127.0.0.1:%d (%s)\n", port, what);
    return -1;
  }
  return bound;
}

}  // namespace
}  // namespace demo

int main(int argc, char** argv) {
  demo::Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    try {
      if (arg == "--port" && has_value) {
        options.port = std::stoi(argv[++i]);
      } else if (arg == "--search-port" && has_value) {
        options.search_port = std::stoi(argv[++i]);
        if (options.search_port < 0) return demo::usage();
      } else if (arg == "--secret" && has_value) {
        options.secret = argv[++i];
      } else if (arg == "--token-ttl" && has_value) {
        options.token_ttl = std::stol(argv[++i]);
      } else if (arg == "--log") {
        options.log = true;
      } else if (arg == "--fixed" && has_value) {
        std::stringstream list(argv[++i]);
        for (std::string flaw; std::getline(list, flaw, ',');) {
          if (flaw == "all") {
            options.fixed = demo::k_flaws;
          } else if (demo::k_flaws.contains(flaw)) {
            options.fixed.insert(flaw);
          } else {
            std::fprintf(stderr, "authdiff-demo-api: unknown flaw %s\n", flaw.c_str());
            return demo::usage();
          }
        }
      } else {
        return demo::usage();
      }
    } catch (const std::exception&) {
      return demo::usage();
    }
  }
  if (options.port < 0 || options.port > 65535 || options.search_port > 65535 ||
      options.token_ttl < 1) {
    return demo::usage();
  }
  if (options.secret.empty()) {
    std::random_device rd;
    for (int i = 0; i < 32; ++i) options.secret += static_cast<char>('a' + rd() % 26);
  }

  // SIGINT/SIGTERM stop the servers (below); every thread leaves them to sigwait.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  httplib::Server svr;
  // One thread per open connection: idle keep-alive connections each hold one, and clients
  // such as authdiff keep up to --concurrency of them open.
  svr.new_task_queue = [] { return new httplib::ThreadPool(128); };
  // Answers go out at once, not after Nagle's ~40 ms wait on a kept-alive connection.
  svr.set_tcp_nodelay(true);
  demo::Canteen canteen(options);
  canteen.install(svr);
  const int port = demo::bind_loopback(svr, options.port, "API");
  if (port < 0) return 1;

  // The search cluster, a second origin: its own server, thread and data (a fresh seed: the
  // same data, which it never changes).
  httplib::Server search;
  std::optional<demo::SearchEngine> engine;
  int search_port = -1;
  if (options.search_port >= 0) {
    search.set_tcp_nodelay(true);
    if (options.log) {
      search.set_logger([](const httplib::Request& req, const httplib::Response& res) {
        std::fprintf(stderr, "search: %s %s -> %d\n", req.method.c_str(), req.path.c_str(),
                     res.status);
      });
    }
    engine.emplace(demo::seed(), options.fixed.contains("exposed-search"));
    engine->install(search);
    search_port = demo::bind_loopback(search, options.search_port, "search engine");
    if (search_port < 0) return 1;
  }

  // One signal stops both servers, from a normal thread (stop() is not signal-safe).
  std::atomic<bool> api_ended = false, search_ended = false, stopping = false;
  std::thread stopper([&, signals] {
    int sig = 0;
    sigwait(&signals, &sig);
    stopping = true;
    demo::stop_server(svr, api_ended);
    if (search_port > 0) demo::stop_server(search, search_ended);
  });
  std::thread searcher;
  if (search_port > 0) {
    searcher = std::thread([&search, &search_ended] {
      if (!search.listen_after_bind()) {
        std::fprintf(stderr, "authdiff-demo-api: the search engine stopped listening\n");
      }
      search_ended = true;
    });
  }
  std::printf("listening on 127.0.0.1:%d\n", port);
  if (search_port > 0) std::printf("search engine listening on 127.0.0.1:%d\n", search_port);
  std::fflush(stdout);

  const bool ok = svr.listen_after_bind();
  api_ended = true;
  // The API ended by itself (a failure, not a signal): wake the stopper to end the rest.
  if (!stopping) pthread_kill(stopper.native_handle(), SIGTERM);
  stopper.join();
  if (searcher.joinable()) searcher.join();
  return ok ? 0 : 1;
}
