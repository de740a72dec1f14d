#include "http/sender.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <deque>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>

#include <curl/curl.h>

#include "http/credentials.hpp"
#include "plan/weak.hpp"
#include "util/json_items.hpp"
#include "util/strings.hpp"
#include "util/url.hpp"

namespace authdiff::http {

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t k_max_header_bytes = 256 * 1024;
// A list answer past the body cap is counted as it streams up to this many times the cap.
constexpr std::size_t k_stream_factor = 64;

// One transfer: the request it carries and what has arrived so far. Hangs on CURLOPT_PRIVATE.
struct Transfer {
  std::size_t index = 0;  // into the batch
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  std::string url;
  std::string body;  // request body; curl reads it from here
  plan::Response response;
  std::size_t header_bytes = 0;
  std::size_t max_body = 0;
  bool head = false;  // a HEAD request: its Content-Length announces no body
  Clock::time_point started;
  // A list answer longer than the cap: its items, counted as the rest of the body streams past.
  std::optional<std::string> list_pointer;
  std::optional<JsonItemCounter> counter;
  Clock::time_point deadline;  // streaming past the cap stops here (curl checks its timeout
                               // only between reads, and one read may inflate gigabytes)
  bool stream_timed_out = false;
  char error[CURL_ERROR_SIZE] = {};  // curl's own text for the last error (names the cause)
};

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t bytes = size * n;
  t->response.body_bytes += bytes;
  if (t->counter) {
    if (Clock::now() > t->deadline) {
      t->stream_timed_out = true;
      return 0;
    }
    if (t->response.body_bytes > k_stream_factor * t->max_body) {
      // Too long to count in fair time (a bomb starves the other transfers of this thread):
      // judged on the kept bytes, as any body past the cap.
      t->counter.reset();
      return 0;
    }
    t->counter->feed({data, bytes});
    return bytes;
  }
  const std::size_t room = t->max_body - std::min(t->max_body, t->response.body.size());
  if (bytes <= room) {
    t->response.body.append(data, bytes);
    return bytes;
  }
  t->response.body.append(data, room);
  t->response.truncated = true;
  if (!t->list_pointer) return 0;  // stop reading: reported as truncated, not as an error
  // A list: read on to the end (or the timeout), keeping only the count. Not when the kept
  // bytes leave no container open: no item can follow (a gzip bomb of blanks, a binary body).
  t->counter.emplace(t->list_pointer);
  t->counter->feed(t->response.body);
  if (!t->counter->inside_container()) {
    t->counter.reset();
    return 0;
  }
  t->counter->feed({data + room, bytes - room});
  return bytes;
}

std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t bytes = size * n;
  t->header_bytes += bytes;
  if (t->header_bytes > k_max_header_bytes) return 0;
  std::string_view line(data, bytes);
  if (line.starts_with("HTTP/")) {
    t->response.headers.clear();  // a new response (after 1xx): start over
    return bytes;
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return bytes;
  t->response.headers.emplace_back(to_lower(trim(line.substr(0, colon))),
                                   std::string(trim(line.substr(colon + 1))));
  // The body's room at once (within the cap): a string grown by doubling holds up to twice.
  const auto& [name, value] = t->response.headers.back();
  if (!t->head && name == "content-length" && !value.empty() && value.size() < 19 &&
      value.find_first_not_of("0123456789") == std::string::npos)
    t->response.body.reserve(std::min<std::size_t>(std::stoull(value), t->max_body));
  return bytes;
}

bool retryable_error(CURLcode rc) {
  return rc == CURLE_COULDNT_CONNECT || rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR ||
         rc == CURLE_GOT_NOTHING || rc == CURLE_PARTIAL_FILE || rc == CURLE_HTTP2 ||
         rc == CURLE_HTTP2_STREAM;
}

// Seconds from a Retry-After header (delta-seconds only); nullopt when absent or a date.
std::optional<double> retry_after(const plan::Response& r) {
  const std::string* v = r.header("retry-after");
  if (v == nullptr || v->empty() || v->find_first_not_of("0123456789") != std::string::npos ||
      v->size() > 6) {
    return std::nullopt;
  }
  return std::stod(*v);
}

// Token bucket: `rate` tokens per second, at most `burst` saved up.
class TokenBucket {
 public:
  TokenBucket(double rate, double burst) : m_rate(rate), m_burst(burst), m_tokens(burst) {}
  bool take(Clock::time_point now) {
    refill(now);
    if (m_tokens < 1) return false;
    m_tokens -= 1;
    return true;
  }
  // Milliseconds until a token is there.
  long wait_ms(Clock::time_point now) {
    refill(now);
    if (m_tokens >= 1) return 0;
    return static_cast<long>((1 - m_tokens) / m_rate * 1000) + 1;
  }

 private:
  void refill(Clock::time_point now) {
    const double dt = std::chrono::duration<double>(now - m_last).count();
    m_last = now;
    m_tokens = std::min(m_burst, m_tokens + dt * m_rate);
  }
  double m_rate, m_burst, m_tokens;
  Clock::time_point m_last = Clock::now();
};

// "scheme://host:port" of `url` as curl's URL API reads it (the port made explicit); nullopt
// and `why` for a URL curl would not send, or one that is not http(s).
std::optional<std::string> curl_origin(const std::string& url, std::string* why) {
  CURLU* u = curl_url();
  if (u == nullptr) {
    *why = "out of memory";
    return std::nullopt;
  }
  std::optional<std::string> out;
  if (const CURLUcode rc = curl_url_set(u, CURLUPART_URL, url.c_str(), 0); rc != CURLUE_OK) {
    *why = curl_url_strerror(rc);
  } else {
    char* scheme = nullptr;
    char* host = nullptr;
    char* port = nullptr;
    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
    curl_url_get(u, CURLUPART_HOST, &host, 0);
    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
    const std::string s = scheme == nullptr ? "" : to_lower(scheme);
    if (s != "http" && s != "https") {
      *why = "scheme " + (s.empty() ? std::string("missing") : s);
    } else if (host == nullptr || *host == '\0') {
      *why = "no host";
    } else {
      out = s + "://" + to_lower(host) + ":" + (port == nullptr ? "" : port);
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
  }
  curl_url_cleanup(u);
  return out;
}

}  // namespace

std::string budget_refusal(std::size_t budget) {
  return "refused: the request budget (" + std::to_string(budget) + ") is used up";
}

namespace {

// One call of Sender::send: what waits, what is in flight, and what came back.
struct Round {
  struct Pending {
    std::size_t index;
    int attempts;  // made so far
    Clock::time_point not_before;
  };
  const std::vector<plan::Request>& requests;
  const Deliver& deliver;
  const Progress& progress;
  std::deque<Pending> queue;
  std::vector<Transfer*> free_slots;
  std::vector<int> attempts_of, throttled_of;  // per request; throttled: answered 429 or 503
  TokenBucket bucket;
  std::size_t done = 0, in_flight = 0;

  Round(const std::vector<plan::Request>& r, const Deliver& d, const Progress& p, const Options& o)
      : requests(r),
        deliver(d),
        progress(p),
        attempts_of(r.size(), 0),
        throttled_of(r.size(), 0),
        bucket(o.rate, std::max(1.0, std::min<double>(o.concurrency, o.rate))) {}

  void finish(std::size_t index, plan::Response r) {
    deliver(index, std::move(r));
    ++done;
    if (progress) progress(done, requests.size());
  }
};

}  // namespace

struct Sender::Impl {
  Options options;
  const plan::Principals* principals = nullptr;
  Url scope;
  std::string scope_origin;            // scheme://host:port as curl reads the base URL
  std::set<std::string> also_origins;  // Options::also, as curl reads them
  CURLM* multi = nullptr;
  std::vector<Transfer> pool;  // one per concurrency slot; easy handles reused
  std::size_t attempts = 0;
  std::size_t refused = 0;
  double seconds = 0;  // wall time spent inside send()

  // Refuse what is outside the scope: another scheme, host or port, or a non-http URL. The URL
  // is read by curl's own URL parser, the one the transfer will use: no URL can mean one host
  // to the guard and another to curl.
  std::string scope_problem(const plan::Request& req) const {
    std::string why;
    const auto origin = curl_origin(req.url, &why);
    if (!origin) return "refused: not an http(s) URL (" + why + ")";
    if (*origin != scope_origin) {
      if (also_origins.contains(*origin) && req.credential == plan::Credential::none &&
          req.identity.empty())
        return "";
      return "refused: " + *origin + " is outside the scope " + scope_origin;
    }
    return "";
  }

  // The URL and headers of `req` with its credential attached (http/credentials.hpp).
  void prepare(Transfer& t, const plan::Request& req) {
    Wire wire = attach_credentials(req, principals, options.extra_headers);
    if (wire.basic) {
      curl_easy_setopt(t.easy, CURLOPT_USERNAME, wire.basic->first.c_str());
      curl_easy_setopt(t.easy, CURLOPT_PASSWORD, wire.basic->second.c_str());
      curl_easy_setopt(t.easy, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    }
    // curl adds "Expect: 100-continue" to larger bodies; servers under test should not need it.
    wire.header_lines.push_back("Expect:");
    for (const auto& line : wire.header_lines)
      t.headers = curl_slist_append(t.headers, line.c_str());
    t.url = std::move(wire.url);
  }

  // Options that are the same for every request, set once per easy handle.
  void configure(Transfer& t) {
    CURL* e = t.easy;
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);  // a 3xx is judged as it is
    curl_easy_setopt(e, CURLOPT_PATH_AS_IS, 1L);      // bypass probes send /./ and // as they are
    curl_easy_setopt(e, CURLOPT_USERAGENT, "authdiff");
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");  // gzip, deflate, br; bounded by max_body
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout * 1000));
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(std::min(options.timeout, 10.0) * 1000));
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
    // Waiting to learn whether a connection multiplexes only pays off where HTTP/2 is possible.
    curl_easy_setopt(e, CURLOPT_PIPEWAIT, scope.scheme == "https" ? 1L : 0L);
    curl_easy_setopt(e, CURLOPT_PROXY, options.proxy.c_str());  // "" = no proxy, env ignored
    if (options.insecure) {
      curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (!options.ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, options.ca_file.c_str());
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(e, CURLOPT_PRIVATE, &t);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t.error);
  }

  void refill(Round& round);
  void drain(Round& round);
  void retry_or_finish(Round& round, Transfer& t, CURLcode rc);
  void wait(Round& round);

  void start(Transfer& t, const plan::Request& req, std::size_t index) {
    if (t.headers != nullptr) curl_slist_free_all(t.headers);
    t.headers = nullptr;
    t.index = index;
    t.response = plan::Response{};
    t.header_bytes = 0;
    t.max_body = options.max_body;
    t.head = req.method == "HEAD";
    t.list_pointer = req.list_pointer;
    t.counter.reset();
    t.stream_timed_out = false;
    t.error[0] = '\0';
    // A weak-credentials attempt's password exists on the wire copy only (plan/weak.hpp).
    t.body = plan::fill_weak_passwords(req.body);
    CURL* e = t.easy;
    // Per request: the method (back to a plain GET first), credentials, URL and headers.
    curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, nullptr);
    curl_easy_setopt(e, CURLOPT_USERNAME, nullptr);
    curl_easy_setopt(e, CURLOPT_PASSWORD, nullptr);
    prepare(t, req);
    curl_easy_setopt(e, CURLOPT_URL, t.url.c_str());
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t.headers);
    if (req.method == "HEAD") {
      curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else if (req.method != "GET") {
      curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, req.method.c_str());
    }
    if (!t.body.empty() || req.method == "POST" || req.method == "PUT" || req.method == "PATCH") {
      curl_easy_setopt(e, CURLOPT_POSTFIELDS, t.body.c_str());
      curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(t.body.size()));
      if (req.method != "POST") curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, req.method.c_str());
    }
    t.started = Clock::now();
    t.deadline = t.started + std::chrono::milliseconds(static_cast<long>(options.timeout * 1000));
    ++attempts;
    curl_multi_add_handle(multi, e);
  }
};

Sender::Sender(Options options, const plan::Principals* principals)
    : m_impl(std::make_unique<Impl>()) {
  static const bool initialised = [] {
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  }();
  if (!initialised) throw std::runtime_error("libcurl failed to initialise");
  std::string why;
  auto scope = parse_url(options.base_url, &why);
  if (!scope) throw std::runtime_error("base URL " + options.base_url + ": " + why);
  m_impl->scope = *scope;
  auto origin = curl_origin(options.base_url, &why);
  if (!origin) throw std::runtime_error("base URL " + options.base_url + ": " + why);
  m_impl->scope_origin = *origin;
  for (const auto& other : options.also) {
    auto o = curl_origin(other, &why);
    if (!o) throw std::runtime_error("[target] also " + other + ": " + why);
    m_impl->also_origins.insert(*o);
  }
  options.concurrency = std::max(1, options.concurrency);
  m_impl->options = std::move(options);
  m_impl->principals = principals;
  m_impl->multi = curl_multi_init();
  curl_multi_setopt(m_impl->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
  curl_multi_setopt(m_impl->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
                    static_cast<long>(m_impl->options.concurrency));
  curl_multi_setopt(m_impl->multi, CURLMOPT_MAXCONNECTS,
                    static_cast<long>(m_impl->options.concurrency));
  m_impl->pool.resize(static_cast<std::size_t>(m_impl->options.concurrency));
  for (auto& t : m_impl->pool) {
    t.easy = curl_easy_init();
    m_impl->configure(t);
  }
}

Sender::~Sender() {
  for (auto& t : m_impl->pool) {
    curl_multi_remove_handle(m_impl->multi, t.easy);
    curl_easy_cleanup(t.easy);
    if (t.headers != nullptr) curl_slist_free_all(t.headers);
  }
  curl_multi_cleanup(m_impl->multi);
}

bool Sender::exhausted() const {
  return m_impl->attempts >= m_impl->options.budget;
}

void Sender::charge(std::size_t attempts) {
  m_impl->attempts += attempts;
}

double Sender::seconds() const {
  return m_impl->seconds;
}
std::size_t Sender::attempts() const {
  return m_impl->attempts;
}
std::size_t Sender::refused() const {
  return m_impl->refused;
}
std::string Sender::origin() const {
  return m_impl->scope.origin();
}

std::vector<plan::Response> Sender::send(const std::vector<plan::Request>& requests,
                                         const Progress& progress) {
  std::vector<plan::Response> out(requests.size());
  send(
      requests, [&](std::size_t i, plan::Response&& r) { out[i] = std::move(r); }, progress);
  return out;
}

void Sender::send(const std::vector<plan::Request>& requests, const Deliver& deliver,
                  const Progress& progress, const std::function<void()>& tick) {
  Impl& s = *m_impl;
  const auto started = Clock::now();
  Round round(requests, deliver, progress, s.options);
  for (std::size_t i = 0; i < requests.size(); ++i) {
    if (std::string problem = s.scope_problem(requests[i]); !problem.empty()) {
      plan::Response refused;
      refused.error = std::move(problem);
      ++s.refused;
      round.finish(i, std::move(refused));
      continue;
    }
    round.queue.push_back({i, 0, Clock::now()});
  }
  for (auto& t : s.pool) round.free_slots.push_back(&t);
  auto next_tick = Clock::now() + std::chrono::seconds(1);
  while (!round.queue.empty() || round.in_flight > 0) {
    if (tick && Clock::now() >= next_tick) {
      tick();
      next_tick = Clock::now() + std::chrono::seconds(1);
    }
    s.refill(round);
    s.drain(round);
    s.wait(round);
  }
  s.seconds += std::chrono::duration<double>(Clock::now() - started).count();
}

// Start waiting requests on free transfers, as far as the rate and the budget allow.
void Sender::Impl::refill(Round& round) {
  const auto now = Clock::now();
  for (auto it = round.queue.begin(); it != round.queue.end() && !round.free_slots.empty();) {
    if (it->not_before > now) {
      ++it;
      continue;
    }
    if (attempts >= options.budget) {
      plan::Response unsent;
      unsent.error = budget_refusal(options.budget);
      round.finish(it->index, std::move(unsent));
      it = round.queue.erase(it);
      continue;
    }
    if (!round.bucket.take(now)) break;
    Transfer* t = round.free_slots.back();
    round.free_slots.pop_back();
    round.attempts_of[it->index] = it->attempts + 1;
    start(*t, round.requests[it->index], it->index);
    ++round.in_flight;
    it = round.queue.erase(it);
  }
}

// Let curl move every transfer on, and take each that ended to the one rule below.
void Sender::Impl::drain(Round& round) {
  int running = 0;
  curl_multi_perform(multi, &running);
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    Transfer* t = nullptr;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &t);
    const CURLcode rc = msg->data.result;
    curl_multi_remove_handle(multi, msg->easy_handle);
    --round.in_flight;
    retry_or_finish(round, *t, rc);
    round.free_slots.push_back(t);
  }
}

// What an ended transfer got; then one rule: a connection failure, 429 or 503 is tried again
// (at most max_retries times, after a backoff or its Retry-After), anything else is the answer.
void Sender::Impl::retry_or_finish(Round& round, Transfer& t, CURLcode rc) {
  plan::Response r = std::move(t.response);
  if (t.counter && !t.stream_timed_out) {
    // As judge::observe does for a kept body: the spec's list, else the largest array.
    r.items = t.counter->result();
    if (!r.items) r.items = t.counter->largest();
  }
  t.counter.reset();
  r.attempts = round.attempts_of[t.index];
  r.throttled = round.throttled_of[t.index];
  r.seconds = std::chrono::duration<double>(Clock::now() - t.started).count();
  curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &r.status);
  const bool timed_out = rc == CURLE_OPERATION_TIMEDOUT || t.stream_timed_out;
  const bool capped = rc == CURLE_WRITE_ERROR && r.truncated && !t.stream_timed_out;
  if (timed_out) {
    r.error = "timed out after " + format_seconds(options.timeout);
  } else if (rc != CURLE_OK && !capped) {
    // curl's buffer names the cause ("no alternative certificate subject name matches target
    // host name ..."); the generic text only the kind.
    r.error = t.error[0] != '\0' ? std::string(t.error) : curl_easy_strerror(rc);
    r.status = 0;
  }
  if (options.log) options.log(round.requests[t.index], r);
  const bool throttled = r.error.empty() && (r.status == 429 || r.status == 503);
  const bool retry = throttled || (!r.error.empty() && retryable_error(rc));
  if (!retry || r.attempts > options.max_retries) {
    round.finish(t.index, std::move(r));
    return;
  }
  if (throttled) ++round.throttled_of[t.index];
  double wait = 0.5 * (1 << (r.attempts - 1));
  if (auto after = retry_after(r)) wait = *after;
  wait = std::min(wait, options.max_retry_wait);
  round.queue.push_back({t.index, r.attempts,
                         Clock::now() + std::chrono::milliseconds(static_cast<long>(wait * 1000))});
}

// Sleep only until something can happen: a transfer's socket (curl wakes us), a retry coming
// due, or a token for a request that has a free slot; not at all when one can start.
void Sender::Impl::wait(Round& round) {
  long sleep_ms = round.in_flight > 0 ? 100 : 0;
  if (!round.queue.empty() && !round.free_slots.empty()) {
    const auto now = Clock::now();
    long until_ready = 100;
    for (const auto& pending : round.queue) {
      const auto due =
          std::chrono::duration_cast<std::chrono::milliseconds>(pending.not_before - now);
      until_ready = std::min<long>(until_ready, std::max<long>(0, due.count() + 1));
      if (pending.not_before <= now) {
        until_ready = 0;
        break;
      }
    }
    sleep_ms = std::max(until_ready, round.bucket.wait_ms(now));
    if (round.in_flight > 0) sleep_ms = std::min<long>(sleep_ms, 100);
  }
  if (sleep_ms > 0) {
    int fds = 0;
    curl_multi_poll(multi, nullptr, 0, static_cast<int>(sleep_ms), &fds);
  }
}

}  // namespace authdiff::http
