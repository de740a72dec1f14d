#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>

#include "http/sender.hpp"

namespace authdiff::http {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t k_list_items = 600000;

// An in-process loopback server with one behaviour per route.
class Server {
 public:
  Server() {
    m_svr.new_task_queue = [] { return new httplib::ThreadPool(32); };
    m_svr.Get("/ok", [this](const httplib::Request& req, httplib::Response& res) {
      ++hits;
      std::string query;
      for (const auto& [k, v] : req.params) query += k + "=" + v + ";";
      res.set_content(
          nlohmann_like(req.get_header_value("Authorization"), req.get_header_value("Cookie"),
                        req.get_header_value("X-Api-Key"), query),
          "application/json");
    });
    m_svr.Get("/big", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(std::string(2 << 20, 'x'), "text/plain");
    });
    // A list of k_list_items objects, about 20 MiB, under /data/list.
    m_svr.Get("/list", [](const httplib::Request&, httplib::Response& res) {
      std::string body = R"({"code":0,"data":{"list":[)";
      for (std::size_t i = 0; i < k_list_items; ++i) {
        if (i > 0) body += ',';
        body +=
            R"({"id":)" + std::to_string(i) + R"(,"name":"item [)" + std::to_string(i) + R"(]"})";
      }
      body += R"(],"total":)" + std::to_string(k_list_items) + "}}";
      res.set_content(body, "application/json");
    });
    m_svr.Get("/flaky", [this](const httplib::Request&, httplib::Response& res) {
      if (++flaky_calls == 1) {
        res.status = 503;
        res.set_header("Retry-After", "1");
        return;
      }
      res.set_content("{}", "application/json");
    });
    m_svr.Get("/always-busy",
              [](const httplib::Request&, httplib::Response& res) { res.status = 429; });
    m_svr.Get("/slow", [](const httplib::Request&, httplib::Response& res) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1500));
      res.set_content("late", "text/plain");
    });
    // Counts the requests in flight. The first one waits (up to k_overlap_wait) for a second to
    // arrive, so that requests sent side by side are seen side by side however slowly a loaded
    // machine schedules them; a sender that sends one at a time only makes it wait that once.
    m_svr.Get("/gauge", [this](const httplib::Request&, httplib::Response& res) {
      const int now = ++in_flight;
      {
        std::unique_lock lock(m_mutex);
        max_in_flight = std::max(max_in_flight, now);
        arrivals.push_back(Clock::now());
        m_overlap.notify_all();
        if (!m_first_waited) {
          m_first_waited = true;
          m_overlap.wait_for(lock, k_overlap_wait, [this] { return max_in_flight >= 2; });
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      --in_flight;
      res.set_content("{}", "application/json");
    });
    m_svr.Get("/redirect", [](const httplib::Request&, httplib::Response& res) {
      res.set_redirect("http://[::1]:1/elsewhere");
    });
    port = m_svr.bind_to_any_port("127.0.0.1");
    m_thread = std::thread([this] { m_svr.listen_after_bind(); });
    // httplib 0.11: stop() before the listen loop runs is lost, so wait for it.
    while (!m_svr.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Server() {
    m_svr.stop();
    m_thread.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }

  static std::string nlohmann_like(const std::string& auth, const std::string& cookie,
                                   const std::string& key, const std::string& query) {
    return "auth=" + auth + "|cookie=" + cookie + "|key=" + key + "|query=" + query;
  }

  int port = 0;
  std::atomic<int> hits{0}, flaky_calls{0}, in_flight{0};
  int max_in_flight = 0;
  std::vector<Clock::time_point> arrivals;

 private:
  static constexpr auto k_overlap_wait = std::chrono::seconds(60);
  httplib::Server m_svr;
  std::thread m_thread;
  std::mutex m_mutex;
  std::condition_variable m_overlap;
  bool m_first_waited = false;
};

config::Identity identity_with_everything() {
  config::Identity id;
  id.name = "alice";
  id.credentials.bearer = config::Secret("tok-123");
  id.credentials.cookies["SESSION"] = config::Secret("sess-456");
  id.credentials.headers["X-Api-Key"] = config::Secret("key-789");
  id.credentials.query["api_key"] = config::Secret("q-000");
  return id;
}

plan::Request get(const std::string& url, const std::string& identity = "",
                  plan::Credential c = plan::Credential::none) {
  plan::Request r;
  r.method = "GET";
  r.url = url;
  r.identity = identity;
  r.credential = c;
  return r;
}

// A request timeout only against a hang, far above what a loaded machine needs (the largest
// answer here, 20 MiB over loopback, takes well under a second): never a measure of speed. The
// test of the timeout itself sets its own.
Options options_for(const Server& s) {
  Options o;
  o.base_url = s.url();
  o.rate = 1000;
  o.timeout = 120;
  return o;
}

TEST(Sender, AttachesEveryCredentialOnlyWhenAsked) {
  Server s;
  const plan::Principals principals({identity_with_everything()});
  Sender sender(options_for(s), &principals);
  const auto r = sender.send({get(s.url() + "/ok", "alice", plan::Credential::own),
                              get(s.url() + "/ok", "alice", plan::Credential::none),
                              get(s.url() + "/ok", "alice", plan::Credential::garbage)});
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].status, 200);
  EXPECT_NE(r[0].body.find("auth=Bearer tok-123"), std::string::npos) << r[0].body;
  EXPECT_NE(r[0].body.find("cookie=SESSION=sess-456"), std::string::npos);
  EXPECT_NE(r[0].body.find("key=key-789"), std::string::npos);
  EXPECT_NE(r[0].body.find("api_key=q-000"), std::string::npos);
  EXPECT_EQ(r[1].body, "auth=|cookie=|key=|query=");
  EXPECT_NE(r[2].body.find("auth=Bearer authdiff-garbage-"), std::string::npos) << r[2].body;
  EXPECT_EQ(r[2].body.find("tok-123"), std::string::npos);
  EXPECT_EQ(r[2].body.find("sess-456"), std::string::npos);
}

TEST(Sender, RefusesEverythingOutsideTheScopeWithoutSendingIt) {
  Server s;
  Sender sender(options_for(s), {});
  const auto r = sender.send({get("http://[::1]:" + std::to_string(s.port) + "/ok"),
                              get("https://127.0.0.1:" + std::to_string(s.port) + "/ok"),
                              get("http://127.0.0.1:" + std::to_string(s.port + 1) + "/ok"),
                              get("file:///etc/passwd")});
  for (const auto& resp : r) {
    EXPECT_EQ(resp.status, 0);
    EXPECT_NE(resp.error.find("refused"), std::string::npos) << resp.error;
  }
  EXPECT_EQ(s.hits, 0);
  EXPECT_EQ(sender.refused(), 4u);
}

TEST(Sender, RedirectsAreNotFollowed) {
  Server s;
  Sender sender(options_for(s), {});
  const auto r = sender.send({get(s.url() + "/redirect")});
  EXPECT_EQ(r[0].status, 302);
  ASSERT_NE(r[0].header("location"), nullptr);
}

TEST(Sender, BodiesAreCappedAndTheCapIsReported) {
  Server s;
  Options o = options_for(s);
  o.max_body = 64 * 1024;
  Sender sender(o, {});
  const auto r = sender.send({get(s.url() + "/big")});
  EXPECT_EQ(r[0].status, 200);
  EXPECT_TRUE(r[0].error.empty()) << r[0].error;
  EXPECT_TRUE(r[0].truncated);
  EXPECT_EQ(r[0].body.size(), 64u * 1024);
}

TEST(Sender, AListLongerThanTheCapIsCountedToItsEndWithoutKeepingIt) {
  Server s;
  Options o = options_for(s);
  o.max_body = 1 << 20;
  Sender sender(o, {});
  // Uncompressed: the test server would spend seconds compressing 20 MiB.
  plan::Request plain = get(s.url() + "/list");
  plain.headers.emplace_back("Accept-Encoding", "identity");
  plan::Request list = plain;
  list.list_pointer = "/data/list";
  const auto r = sender.send({list, plain});
  for (const auto& resp : r) {
    EXPECT_EQ(resp.status, 200);
    EXPECT_TRUE(resp.error.empty()) << resp.error;
    EXPECT_TRUE(resp.truncated);
    EXPECT_EQ(resp.body.size(), std::size_t{1} << 20);
  }
  ASSERT_TRUE(r[0].items.has_value());
  EXPECT_EQ(*r[0].items, k_list_items);
  EXPECT_GT(r[0].body_bytes, std::size_t{16} << 20);  // all of it was read
  // Not known to be a list: the cap ends the reading, and nothing is counted past it.
  EXPECT_FALSE(r[1].items.has_value());
  EXPECT_LT(r[1].body_bytes, std::size_t{16} << 20);
}

TEST(Sender, RetriesA503HonouringRetryAfter) {
  Server s;
  Sender sender(options_for(s), {});
  const auto start = Clock::now();
  const auto r = sender.send({get(s.url() + "/flaky")});
  EXPECT_EQ(r[0].status, 200);
  EXPECT_EQ(r[0].attempts, 2);
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(900));  // waited for Retry-After: 1
}

TEST(Sender, GivesUpAfterBoundedRetries) {
  Server s;
  Options o = options_for(s);
  o.max_retries = 2;
  o.max_retry_wait = 0.05;
  Sender sender(o, {});
  const auto r = sender.send({get(s.url() + "/always-busy")});
  EXPECT_EQ(r[0].status, 429);
  EXPECT_EQ(r[0].attempts, 3);
}

TEST(Sender, TimesOutSlowAnswers) {
  Server s;
  Options o = options_for(s);
  o.timeout = 0.3;
  Sender sender(o, {});
  const auto r = sender.send({get(s.url() + "/slow")});
  EXPECT_NE(r[0].error.find("timed out"), std::string::npos) << r[0].error;
}

TEST(Sender, TheBudgetRefusesWhatIsLeft) {
  Server s;
  Options o = options_for(s);
  o.budget = 3;
  Sender sender(o, {});
  std::vector<plan::Request> five(5, get(s.url() + "/ok"));
  const auto r = sender.send(five);
  int refused = 0;
  for (const auto& resp : r) refused += resp.error.find("budget") != std::string::npos ? 1 : 0;
  EXPECT_EQ(refused, 2);
  EXPECT_EQ(s.hits, 3);
}

TEST(Sender, ConcurrencyIsUsedAndNeverExceeded) {
  Server s;
  Options o = options_for(s);
  o.concurrency = 4;
  Sender sender(o, {});
  std::vector<plan::Request> many(24, get(s.url() + "/gauge"));
  const auto r = sender.send(many);
  for (const auto& resp : r) EXPECT_EQ(resp.status, 200);
  EXPECT_LE(s.max_in_flight, 4);
  EXPECT_GE(s.max_in_flight, 2);
}

TEST(Sender, TheRateSpreadsRequestsOut) {
  Server s;
  Options o = options_for(s);
  o.rate = 20;
  o.concurrency = 4;  // burst of 4
  Sender sender(o, {});
  std::vector<plan::Request> many(24, get(s.url() + "/gauge"));
  sender.send(many);
  ASSERT_EQ(s.arrivals.size(), 24u);
  // 20 requests beyond the burst at 20/s cannot arrive in less than about one second.
  EXPECT_GE(s.arrivals.back() - s.arrivals.front(), std::chrono::milliseconds(900));
}

}  // namespace
}  // namespace authdiff::http
