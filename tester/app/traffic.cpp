#include "app/traffic.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include <fmt/format.h>

#include "judge/observe.hpp"
#include "util/error.hpp"
#include "util/url.hpp"

namespace authdiff::app {

namespace {

[[noreturn]] void fail(int code, std::string message) {
  throw Failure(Error{"", 0, 0, std::move(message)}, code);
}

}  // namespace

http::Progress ProgressLine::stage(const std::string& name) const {
  if (!m_enabled) return {};
  return [name](std::size_t done, std::size_t total) {
    std::fprintf(stderr, "\r\033[K  %-22s %zu/%zu requests", name.c_str(), done, total);
    std::fflush(stderr);
  };
}

void ProgressLine::clear() const {
  if (m_enabled) std::fprintf(stderr, "\r\033[K");
}

bool works(const plan::Response& r) {
  if (!r.ok() || r.status < 200 || r.status >= 300) return false;
  const judge::Observation o = judge::observe(r, std::nullopt);
  return !o.empty && o.error_like.empty();
}

std::string describe(const plan::Request& req, const plan::Response& r) {
  std::string path = req.url;
  if (const auto u = parse_url(req.url.substr(0, req.url.find('?')))) {
    path = req.url.substr(req.url.find(u->host) + u->host.size());
    if (const auto slash = path.find('/'); slash != std::string::npos) path = path.substr(slash);
  }
  const std::string outcome = r.ok() ? "answered " + std::to_string(r.status) : r.error;
  return req.method + " " + path + " " + outcome;
}

Traffic::Traffic(const http::Options& options, plan::Principals& principals,
                 const ProgressLine& progress)
    : m_sessions(principals, options),
      m_progress(progress),
      // A request may take the whole timeout: renew what would expire while one is in flight.
      m_renew_margin(std::max(2.0, options.timeout + 1)),
      m_budget(options.budget) {
  m_sessions.login_all();
  m_sender = std::make_unique<http::Sender>(options, &principals);
  m_side = std::make_unique<http::Sender>(options, &principals);
}

void Traffic::set_controls(std::map<std::string, std::vector<plan::Request>> controls) {
  m_controls = std::move(controls);
}

bool Traffic::control_works(const std::string& identity, std::string* got) {
  return control_works_via(*m_sender, identity, got);
}

bool Traffic::control_works_via(http::Sender& sender, const std::string& identity,
                                std::string* got) {
  const auto& requests = m_controls[identity];
  const std::size_t before = sender.attempts();
  const auto responses = sender.send(requests);
  if (&sender != m_sender.get()) m_sender->charge(sender.attempts() - before);
  count_unsent(responses);
  for (std::size_t i = 0; i < responses.size(); ++i) {
    if (works(responses[i])) return true;
    if (got != nullptr && got->empty()) *got = describe(requests[i], responses[i]);
  }
  return false;
}

void Traffic::renew_expiring(double margin) {
  for (const auto& name : m_sessions.expiring(margin)) renew(name);
}

void Traffic::renew(const std::string& name) {
  m_sessions.renew(name);  // throws Failure (exit 3) naming the identity
  m_renewed_in_stage.insert(name);
}

std::vector<plan::Response> Traffic::send_once(const std::vector<plan::Request>& requests,
                                               const std::string& stage) {
  auto out = m_sender->send(requests, m_progress.stage(stage));
  m_progress.clear();
  count_unsent(out);
  return out;
}

std::vector<plan::Response> Traffic::send(const std::vector<plan::Request>& requests,
                                          const std::string& stage) {
  std::vector<plan::Response> out(requests.size());
  send(requests, stage, [&](std::size_t i, plan::Response&& r) { out[i] = std::move(r); });
  return out;
}

void Traffic::send(const std::vector<plan::Request>& requests, const std::string& stage,
                   const http::Deliver& deliver) {
  if (requests.empty()) return;
  renew_expiring(m_renew_margin);
  m_renewed_in_stage.clear();
  std::vector<std::size_t> held;
  std::vector<plan::Response> held_answers;
  std::map<std::string, std::size_t> held_by;  // identity -> 401s held since its last check
  std::set<std::string> checked;               // identities whose control was asked this stage
  m_sender->send(
      requests,
      [&](std::size_t i, plan::Response&& r) {
        count_unsent(r);
        if (maybe_expired(requests[i], r)) {
          held.push_back(i);
          held_answers.push_back(std::move(r));
          ++held_by[requests[i].identity];
          return;
        }
        deliver(i, std::move(r));
      },
      m_progress.stage(stage),
      [&] {
        renew_expiring(m_renew_margin);
        check_suspects(held_by, checked);
      });
  m_progress.clear();
  if (!held.empty() && !m_sender->exhausted()) recover(requests, held, held_answers);
  for (std::size_t k = 0; k < held.size(); ++k) deliver(held[k], std::move(held_answers[k]));
}

void Traffic::check_suspects(std::map<std::string, std::size_t>& held_by,
                             std::set<std::string>& checked) {
  // Enough 401s to suspect the credential rather than the server's rules.
  constexpr std::size_t k_suspect = 16;
  for (auto& [name, count] : held_by) {
    if (count < k_suspect || checked.contains(name) || m_sender->exhausted()) continue;
    checked.insert(name);
    count = 0;
    std::string got;
    if (control_works_via(*m_side, name, &got)) continue;  // genuine denials
    if (!m_sessions.renewable(name)) {
      fail(k_exit_inconclusive, "the credential of " + name + " stopped working during the run (" +
                                    got + "); its verdicts cannot be trusted");
    }
    renew(name);  // what is still to be sent goes with the new credential
  }
}

void Traffic::count_unsent(const plan::Response& r) {
  if (r.error == http::budget_refusal(m_budget)) ++m_unsent;
}

void Traffic::count_unsent(const std::vector<plan::Response>& responses) {
  for (const auto& r : responses) count_unsent(r);
}

bool Traffic::maybe_expired(const plan::Request& req, const plan::Response& r) const {
  return req.credential == plan::Credential::own && !req.identity.empty() && r.status == 401 &&
         m_controls.contains(req.identity);
}

std::string Traffic::budget_note() const {
  if (m_unsent == 0) return "";
  const std::size_t sent = m_sender->attempts();
  return fmt::format(
      "the request budget ({}) ran out: {} requests were sent and {} planned ones were not "
      "({:.0f}% of the run sent); what was sent is judged, the rest is inconclusive. Raise "
      "limits.budget or split the run with --shard K/N",
      m_budget, sent, m_unsent,
      100.0 * static_cast<double>(sent) / static_cast<double>(sent + m_unsent));
}

void Traffic::recover(const std::vector<plan::Request>& requests,
                      const std::vector<std::size_t>& held, std::vector<plan::Response>& answers) {
  std::map<std::string, std::vector<std::size_t>> rejected;  // identity -> positions in `held`
  for (std::size_t k = 0; k < held.size(); ++k) rejected[requests[held[k]].identity].push_back(k);
  for (const auto& [name, positions] : rejected) {
    // Renewed while the stage was sent: the 401s may be the replaced credential's. Sent again
    // with the current one, what is refused then is a genuine denial.
    if (!m_renewed_in_stage.contains(name)) {
      if (control_works(name)) continue;  // genuine denials
      std::string got;
      if (!m_sessions.renewable(name)) {
        control_works(name, &got);
        fail(k_exit_inconclusive, "the credential of " + name +
                                      " stopped working during the run (" + got +
                                      "); its verdicts cannot be trusted");
      }
      renew(name);
      if (!control_works(name, &got)) {
        fail(k_exit_inconclusive, "identity " + name + ": a renewed credential is rejected too (" +
                                      got + "); its verdicts cannot be trusted");
      }
    }
    std::vector<plan::Request> again;
    for (const std::size_t k : positions) again.push_back(requests[held[k]]);
    auto retried = m_sender->send(again);
    count_unsent(retried);
    for (std::size_t j = 0; j < positions.size(); ++j)
      answers[positions[j]] = std::move(retried[j]);
  }
}

void Batch::add(plan::Request request) {
  add(std::move(request), std::vector<plan::Response*>{});
}

void Batch::add(plan::Request request, std::vector<plan::Response*> answers) {
  m_requests.push_back(std::move(request));
  m_to.push_back(std::move(answers));
  m_sinks.emplace_back();
}

void Batch::add(plan::Request request, Sink sink) {
  m_requests.push_back(std::move(request));
  m_to.emplace_back();
  m_sinks.push_back(std::move(sink));
}

void Batch::send(Traffic& traffic, const std::string& stage) {
  if (m_requests.empty()) return;
  m_answers.resize(m_requests.size());
  traffic.send(m_requests, stage, [&](std::size_t i, plan::Response&& answer) {
    if (m_requests[i].method == "POST") m_posted[i] = answer;
    const auto& to = m_to[i];
    for (std::size_t k = 0; k + 1 < to.size(); ++k) *to[k] = answer;
    if (m_sinks[i]) {
      if (!to.empty()) *to.back() = answer;
      m_sinks[i](std::move(answer));
    } else if (!to.empty()) {
      *to.back() = std::move(answer);
    } else {
      m_answers[i] = std::move(answer);
    }
  });
}

}  // namespace authdiff::app
