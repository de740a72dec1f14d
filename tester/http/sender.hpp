#pragma once
// The only place that talks HTTP (and includes curl): sends Requests concurrently through one
// curl multi handle and returns Responses. Everything that limits traffic is enforced here:
// the scope guard, the rate, the concurrency, the request budget, timeouts and body caps.
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "plan/exchange.hpp"
#include "plan/principals.hpp"

namespace authdiff::http {

struct Options {
  std::string base_url;  // scope: only its scheme://host:port is ever contacted
  // Other origins of the same system the user listed (`[target] also`): requests without any
  // credential may go there too; a request carrying an identity's credential never does.
  std::vector<std::string> also;
  int concurrency = 16;  // transfers in flight
  double rate = 50;      // requests per second (token bucket, burst = concurrency)
  double timeout = 10;   // seconds per attempt
  // Bytes of a body kept. Past them a list answer (Request::list_pointer) is read to its end
  // (at most 64 times this) and only its items counted; any other answer is not read further.
  std::size_t max_body = 8u << 20;
  std::size_t budget = 20000;  // attempts in total, retries included
  int max_retries = 2;         // for connection failures, 429 and 503 only
  double max_retry_wait = 30;  // seconds; a longer Retry-After is capped
  std::string proxy;           // e.g. http://127.0.0.1:8080; "" = none (environment ignored)
  bool insecure = false;       // accept any TLS certificate
  std::string ca_file;
  plan::Headers extra_headers;  // sent with every request
  // Called as each attempt ends (retries too), with the request as planned: it holds no
  // credential (attach_credentials puts that on the wire copy only).
  std::function<void(const plan::Request&, const plan::Response&)> log;
};

// Progress: attempts finished so far, and the size of the current batch.
using Progress = std::function<void(std::size_t done, std::size_t total)>;
// Where each answer goes as it ends (in no particular order): the index of its request, and the
// answer to keep or drop. Called once per request, on the sending thread.
using Deliver = std::function<void(std::size_t index, plan::Response&& answer)>;

class Sender {
 public:
  // `principals` provides the credentials attached to requests (by identity name), read when
  // each request starts, so a renewed credential is used at once; nullptr: none (sign-ins).
  Sender(Options options, const plan::Principals* principals);
  ~Sender();
  Sender(const Sender&) = delete;
  Sender& operator=(const Sender&) = delete;

  // Send all `requests` concurrently; the responses come back in the same order. A request the
  // scope guard or the budget refuses is not sent and has `error` set.
  std::vector<plan::Response> send(const std::vector<plan::Request>& requests,
                                   const Progress& progress = {});
  // The same, streaming: each answer is handed to `deliver` as it ends, so a long stage holds
  // only the answers in flight. `tick`, when set, runs about once a second between transfers
  // (the caller renews credentials there); it may send requests of its own elsewhere.
  void send(const std::vector<plan::Request>& requests, const Deliver& deliver,
            const Progress& progress = {}, const std::function<void()>& tick = {});

  // Whether the request budget is used up: every further request is refused.
  bool exhausted() const;
  // Count `attempts` made elsewhere (another Sender) against this one's budget.
  void charge(std::size_t attempts);

  std::size_t attempts() const;  // attempts made so far (budget used)
  double seconds() const;        // wall time spent sending so far
  std::size_t refused() const;   // requests refused by the scope guard
  std::string origin() const;    // scheme://host:port of the scope

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// The error of a request refused because the budget is used up.
std::string budget_refusal(std::size_t budget);

}  // namespace authdiff::http
