#include "search_engine.hpp"

#include <chrono>
#include <cstdio>

namespace demo {
namespace {

using json = nlohmann::ordered_json;  // keys in the order the node writes them
using httplib::Request;
using httplib::Response;

constexpr const char* k_cluster = "canteen-search";
constexpr int k_max_window = 10000;  // index.max_result_window: from + size may not exceed it

void reply(Response& res, int status, const json& body, int indent = -1) {
  res.status = status;
  // Elasticsearch 7.14 and later name themselves in every answer; clients check it.
  res.set_header("X-elastic-product", "Elasticsearch");
  res.set_content(body.dump(indent), "application/json; charset=UTF-8");
}

// The node's error document: {"error": {"root_cause": [...], "type": ..., ...}, "status": N}.
void error(Response& res, int status, const json& cause) {
  json detail = {{"root_cause", json::array({cause})}};
  detail.update(cause);
  reply(res, status, {{"error", detail}, {"status", status}});
}

void index_not_found(Response& res, const std::string& index) {
  error(res, 404,
        {{"type", "index_not_found_exception"},
         {"reason", "no such index [" + index + "]"},
         {"resource.type", "index_or_alias"},
         {"resource.id", index},
         {"index_uuid", "_na_"},
         {"index", index}});
}

void illegal_argument(Response& res, const std::string& reason) {
  error(res, 400, {{"type", "illegal_argument_exception"}, {"reason", reason}});
}

// A non-negative integer query parameter, or `fallback` when absent; false (and a 400) when it
// is not one.
bool int_param(const Request& req, Response& res, const char* name, int fallback, int& out) {
  out = fallback;
  if (!req.has_param(name)) return true;
  const std::string text = req.get_param_value(name);
  try {
    std::size_t used = 0;
    const long v = std::stol(text, &used);
    if (used == text.size() && v >= 0 && v <= 1'000'000'000) {
      out = static_cast<int>(v);
      return true;
    }
  } catch (const std::exception&) {
  }
  illegal_argument(
      res, "Failed to parse int parameter [" + std::string(name) + "] with value [" + text + "]");
  return false;
}

// Whether `source` matches the query string `q`: "field:text" (text within that field) or
// "text" (within any field); empty and "*" match everything.
bool matches(const json& source, const std::string& q) {
  if (q.empty() || q == "*") return true;
  const auto colon = q.find(':');
  const std::string field = colon == std::string::npos ? "" : q.substr(0, colon);
  const std::string text = colon == std::string::npos ? q : q.substr(colon + 1);
  for (const auto& [key, value] : source.items()) {
    if (!field.empty() && key != field) continue;
    const std::string s = value.is_string() ? value.get<std::string>() : value.dump();
    if (text == "*" || s.find(text) != std::string::npos) return true;
  }
  return false;
}

std::string store_size(const std::vector<json>& docs) {
  std::size_t bytes = 0;
  for (const auto& d : docs) bytes += d["_source"].dump().size();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fkb", static_cast<double>(bytes) / 1024.0);
  return buf;
}

}  // namespace

SearchEngine::SearchEngine(const Data& data, bool locked) : m_locked(locked) {
  Index staff{"canteen-employees", "hT3kQ9vXRb2mN8pLw4YcZa", {}};
  for (const auto& e : data.employees) {
    staff.docs.push_back(
        {{"_index", staff.name},
         {"_type", "_doc"},
         {"_id", e.number},
         {"_score", 1.0},
         {"_source",
          {{"employee_no", e.number},
           {"name", e.name},
           {"department", data.departments[static_cast<std::size_t>(e.department_id - 1)].name},
           {"phone", e.phone},
           {"id_card", e.id_card},
           {"card_no", e.card_no},
           {"email", e.email}}}});
  }
  Index meals{"canteen-meal-records", "Ue7sD1fGq0Jk5VbN3xLr8w", {}};
  for (const auto& m : data.meal_records) {
    const Employee& e = data.employees[static_cast<std::size_t>(m.employee_id - 1)];
    meals.docs.push_back({{"_index", meals.name},
                          {"_type", "_doc"},
                          {"_id", std::to_string(m.id)},
                          {"_score", 1.0},
                          {"_source",
                           {{"employee_no", e.number},
                            {"name", e.name},
                            {"terminal_id", m.terminal_id},
                            {"amount", static_cast<double>(m.amount_cents) / 100.0},
                            {"meal", m.meal},
                            {"at", m.at}}}});
  }
  m_indices = {std::move(staff), std::move(meals)};
}

void SearchEngine::install(httplib::Server& svr) const {
  if (m_locked) {
    // The flaw repaired: security is on, and nobody here has credentials.
    svr.set_pre_routing_handler([](const Request& req, Response& res) {
      const std::string reason =
          "missing authentication credentials for REST request [" + req.path + "]";
      res.set_header("WWW-Authenticate", R"(Basic realm="security" charset="UTF-8")");
      error(res, 401,
            {{"type", "security_exception"},
             {"reason", reason},
             {"header", {{"WWW-Authenticate", R"(Basic realm="security" charset="UTF-8")"}}}});
      return httplib::Server::HandlerResponse::Handled;
    });
    return;
  }

  svr.Get("/", [](const Request&, Response& res) {
    reply(res, 200,
          {{"name", "canteen-es-01"},
           {"cluster_name", k_cluster},
           {"cluster_uuid", "c2VhcmNoLWNhbnRlZW4tZGVtbw"},
           {"version",
            {{"number", "7.17.0"},
             {"build_flavor", "default"},
             {"build_type", "docker"},
             {"build_snapshot", false},
             {"lucene_version", "8.11.1"},
             {"minimum_wire_compatibility_version", "6.8.0"},
             {"minimum_index_compatibility_version", "6.0.0-beta1"}}},
           {"tagline", "You Know, for Search"}},
          2);
  });

  svr.Get(R"(/_cat/indices/?)",
          [this](const Request& req, Response& res) { cat_indices(req, res); });

  svr.Get("/_cluster/health", [this](const Request&, Response& res) {
    // One node: every replica is unassigned, hence yellow, as on most forgotten single nodes.
    const auto shards = static_cast<int>(m_indices.size());
    reply(res, 200,
          {{"cluster_name", k_cluster},
           {"status", "yellow"},
           {"timed_out", false},
           {"number_of_nodes", 1},
           {"number_of_data_nodes", 1},
           {"active_primary_shards", shards},
           {"active_shards", shards},
           {"relocating_shards", 0},
           {"initializing_shards", 0},
           {"unassigned_shards", shards},
           {"delayed_unassigned_shards", 0},
           {"number_of_pending_tasks", 0},
           {"number_of_in_flight_fetch", 0},
           {"task_max_waiting_in_queue_millis", 0},
           {"active_shards_percent_as_number", 50.0}});
  });

  const auto all = [this](const Request& req, Response& res) { search(req, res, "_all"); };
  const auto some = [this](const Request& req, Response& res) {
    search(req, res, req.matches[1].str());
  };
  svr.Get("/_search", all);
  svr.Post("/_search", all);
  svr.Get(R"(/([^/]+)/_search)", some);
  svr.Post(R"(/([^/]+)/_search)", some);

  // Anything else: the node takes the first path segment for an index it does not have.
  const auto unknown = [](const Request& req, Response& res) {
    const auto end = req.path.find('/', 1);
    const std::string first = req.path.substr(1, end == std::string::npos ? end : end - 1);
    index_not_found(res, first.empty() ? "_all" : first);
  };
  svr.Get(".*", unknown);
  svr.Post(".*", unknown);
  svr.Put(".*", unknown);
  svr.Patch(".*", unknown);
  svr.Delete(".*", unknown);
  svr.Options(".*", unknown);
}

// GET|POST /{target}/_search: every document of the named indices ("a,b", "canteen-*", "_all")
// matching ?q=, from ?from= (0), ?size= (10) at a time.
void SearchEngine::search(const Request& req, Response& res, const std::string& target) const {
  const auto started = std::chrono::steady_clock::now();
  std::vector<const Index*> chosen;
  std::size_t pos = 0;
  while (pos <= target.size()) {
    const auto comma = target.find(',', pos);
    const std::string name =
        target.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    pos = comma == std::string::npos ? target.size() + 1 : comma + 1;
    const bool wildcard = !name.empty() && name.back() == '*';
    bool found = false;
    for (const auto& index : m_indices) {
      const bool hit = name == "_all" ||
                       (wildcard && index.name.rfind(name.substr(0, name.size() - 1), 0) == 0) ||
                       index.name == name;
      if (hit) {
        found = true;
        bool have = false;
        for (const auto* c : chosen) have = have || c == &index;
        if (!have) chosen.push_back(&index);
      }
    }
    if (!found && !wildcard) return index_not_found(res, name);
  }

  int from = 0, size = 0;
  if (!int_param(req, res, "from", 0, from) || !int_param(req, res, "size", 10, size)) return;
  if (static_cast<long>(from) + size > k_max_window) {
    return illegal_argument(
        res, "Result window is too large, from + size must be less than or equal to: [" +
                 std::to_string(k_max_window) + "] but was [" +
                 std::to_string(static_cast<long>(from) + size) + "]");
  }
  const std::string q = req.has_param("q") ? req.get_param_value("q") : "";

  json hits = json::array();
  long total = 0;
  for (const auto* index : chosen) {
    for (const auto& doc : index->docs) {
      if (!matches(doc["_source"], q)) continue;
      if (total >= from && total < static_cast<long>(from) + size) hits.push_back(doc);
      ++total;
    }
  }
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
  const auto shards = static_cast<int>(chosen.size());
  reply(res, 200,
        {{"took", took},
         {"timed_out", false},
         {"_shards", {{"total", shards}, {"successful", shards}, {"skipped", 0}, {"failed", 0}}},
         {"hits",
          {{"total", {{"value", total}, {"relation", "eq"}}},
           {"max_score", total > 0 ? json(1.0) : json(nullptr)},
           {"hits", hits}}}});
}

// GET /_cat/indices[?v][&format=json]: one line per index, a header line with ?v.
void SearchEngine::cat_indices(const Request& req, Response& res) const {
  if (req.get_param_value("format") == "json") {
    json out = json::array();
    for (const auto& index : m_indices) {
      const std::string size = store_size(index.docs);
      out.push_back({{"health", "yellow"},
                     {"status", "open"},
                     {"index", index.name},
                     {"uuid", index.uuid},
                     {"pri", "1"},
                     {"rep", "1"},
                     {"docs.count", std::to_string(index.docs.size())},
                     {"docs.deleted", "0"},
                     {"store.size", size},
                     {"pri.store.size", size}});
    }
    return reply(res, 200, out);
  }
  std::string text;
  char line[256];
  const char* format = "%-6s %-6s %-20s %-26s %3s %3s %10s %12s %10s %14s\n";
  if (req.has_param("v")) {
    std::snprintf(line, sizeof line, format, "health", "status", "index", "uuid", "pri", "rep",
                  "docs.count", "docs.deleted", "store.size", "pri.store.size");
    text += line;
  }
  for (const auto& index : m_indices) {
    const std::string size = store_size(index.docs);
    std::snprintf(line, sizeof line, format, "yellow", "open", index.name.c_str(),
                  index.uuid.c_str(), "1", "1", std::to_string(index.docs.size()).c_str(), "0",
                  size.c_str(), size.c_str());
    text += line;
  }
  res.status = 200;
  res.set_header("X-elastic-product", "Elasticsearch");
  res.set_content(text, "text/plain; charset=UTF-8");
}

}  // namespace demo
