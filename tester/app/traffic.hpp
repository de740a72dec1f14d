#pragma once
// The sending side of a run, under the stages of engine.cpp: one Sender, the identities'
// sessions and their control requests (Traffic), and the requests of one step sent together
// with each answer delivered where its request asked (Batch).
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "auth/sessions.hpp"
#include "http/sender.hpp"
#include "plan/exchange.hpp"
#include "plan/principals.hpp"

namespace authdiff::app {

// Progress on a terminal only: requests done / total for the stage.
class ProgressLine {
 public:
  explicit ProgressLine(bool enabled) : m_enabled(enabled) {}
  http::Progress stage(const std::string& name) const;
  void clear() const;

 private:
  bool m_enabled;
};

// One Sender, the identities' sessions (which sign in on construction), and each identity's
// positive-control requests. send() goes in chunks of about a second of traffic; before each,
// credentials about to expire are renewed; after each, an identity whose own requests got 401
// has its positive control re-checked, and if that fails too its credential is renewed (or the
// run stops, naming it) and those requests are sent again. A credential that dies mid-run
// never turns into a flood of "enforced". Once the request budget is used up nothing more is
// sent: every later request is answered "not sent" and counted (budget_note()).
class Traffic {
 public:
  Traffic(const http::Options& options, plan::Principals& principals, const ProgressLine& progress);

  auth::Sessions& sessions() { return m_sessions; }
  const auth::Sessions& sessions() const { return m_sessions; }

  void set_controls(std::map<std::string, std::vector<plan::Request>> controls);
  // Whether `identity` still gets a usable answer from one of its control requests; `got`: what
  // the first one got when none did.
  bool control_works(const std::string& identity, std::string* got = nullptr);

  // Send `requests` as stage `stage`, each answer to `deliver` as soon as it is final.
  // Credentials about to expire are renewed as the stage goes; an identity's own request
  // answered 401 is held until the rest is sent, then its credential is checked against its
  // positive control, renewed where it stopped working, and the request sent again.
  void send(const std::vector<plan::Request>& requests, const std::string& stage,
            const http::Deliver& deliver);
  // The same, keeping every answer (in the order of `requests`).
  std::vector<plan::Response> send(const std::vector<plan::Request>& requests,
                                   const std::string& stage);
  // Send `requests` at once, without chunks or recovery (the positive controls).
  std::vector<plan::Response> send_once(const std::vector<plan::Request>& requests,
                                        const std::string& stage);

  // Renew the credentials that expire within `margin` seconds.
  void renew_expiring(double margin);
  // Get `name` a fresh credential (Failure, exit 3, when that fails).
  void renew(const std::string& name);

  // "" while the budget lasts; else what ran out and how much of the run was not sent.
  std::string budget_note() const;
  bool exhausted() const { return m_sender->exhausted(); }

  // (The side sender's attempts are charged to m_sender's.)
  std::size_t requests() const { return m_sender->attempts() + m_sessions.requests(); }
  double seconds() const { return m_sender->seconds(); }

 private:
  // control_works() through `sender` (the side sender, while the main one is mid-stage), its
  // requests charged to the main sender's budget.
  bool control_works_via(http::Sender& sender, const std::string& identity, std::string* got);
  // While a stage is sent (the sender's tick): an identity with many held 401s has its control
  // asked at once through the side sender, and a dead credential renewed (or the run stopped)
  // then, not after the whole stage was refused.
  void check_suspects(std::map<std::string, std::size_t>& held_by, std::set<std::string>& checked);
  // Whether `r` may only say that `req`'s credential stopped working (held for recover()).
  bool maybe_expired(const plan::Request& req, const plan::Response& r) const;
  // Check, renew and resend the held requests: `held` indexes `requests`, `answers` theirs.
  void recover(const std::vector<plan::Request>& requests, const std::vector<std::size_t>& held,
               std::vector<plan::Response>& answers);
  void count_unsent(const std::vector<plan::Response>& responses);
  void count_unsent(const plan::Response& response);

  auth::Sessions m_sessions;
  const ProgressLine& m_progress;
  std::unique_ptr<http::Sender> m_sender;
  std::unique_ptr<http::Sender> m_side;  // controls asked while m_sender is mid-stage
  std::map<std::string, std::vector<plan::Request>> m_controls;
  double m_renew_margin = 2;  // seconds: renew what expires sooner than this
  // Identities renewed during the stage being sent: a 401 they got may be for the credential
  // that was replaced, so their held requests are sent again without asking the control.
  std::set<std::string> m_renewed_in_stage;
  std::size_t m_budget = 0;
  std::size_t m_unsent = 0;  // requests not sent because the budget was used up
};

// The requests of one step, sent together. Each request names where its answer goes (one or
// more places, or a function that takes it as it arrives), so no stage keeps parallel vectors or
// index arithmetic.
class Batch {
 public:
  using Sink = std::function<void(plan::Response&&)>;
  void add(plan::Request request);  // its answer is kept: answers()
  void add(plan::Request request, std::vector<plan::Response*> answers);
  void add(plan::Request request, Sink sink);
  bool empty() const { return m_requests.empty(); }
  // Send them (nothing when empty) and deliver every answer.
  void send(Traffic& traffic, const std::string& stage);
  std::vector<plan::Request>& requests() { return m_requests; }
  const std::vector<plan::Request>& requests() const { return m_requests; }
  // After send(): the answers kept (requests added without a destination; empty for others),
  // and those of the POST requests (what the run may have created), by index.
  const std::vector<plan::Response>& answers() const { return m_answers; }
  const std::map<std::size_t, plan::Response>& posted() const { return m_posted; }

 private:
  std::vector<plan::Request> m_requests;
  std::vector<std::vector<plan::Response*>> m_to;
  std::vector<Sink> m_sinks;
  std::vector<plan::Response> m_answers;
  std::map<std::size_t, plan::Response> m_posted;
};

// Whether `r` is a usable 2xx answer: a body that is no error message and not empty.
bool works(const plan::Response& r);

// "GET /orders/7 answered 401" (the path without the origin), or the transport error.
std::string describe(const plan::Request& req, const plan::Response& r);

}  // namespace authdiff::app
