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
    : m_sessions(principals, options), m_progress(progress), m_budget(options.budget) {
  m_sessions.login_all();
  m_sender = std::make_unique<http::Sender>(options, &principals);
  const double per_second = std::min(options.rate, 100000.0);
  m_chunk = std::clamp<std::size_t>(static_cast<std::size_t>(per_second),
                                    static_cast<std::size_t>(options.concurrency) * 4, 2000);
}

void Traffic::set_controls(std::map<std::string, std::vector<plan::Request>> controls) {
  m_controls = std::move(controls);
}

bool Traffic::control_works(const std::string& identity, std::string* got) {
  const auto& requests = m_controls[identity];
  const auto responses = m_sender->send(requests);
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
  const http::Progress progress = m_progress.stage(stage);
  for (std::size_t start = 0; start < requests.size(); start += m_chunk) {
    const std::size_t end = std::min(requests.size(), start + m_chunk);
    if (m_sender->exhausted()) {
      // Nothing more can be sent: the rest of the stage is answered without trying.
      for (std::size_t i = start; i < requests.size(); ++i)
        out[i].error = http::budget_refusal(m_budget);
      m_unsent += requests.size() - start;
      break;
    }
    renew_expiring(std::max(2.0, 2 * m_last_chunk));
    const std::vector<plan::Request> part(requests.begin() + static_cast<long>(start),
                                          requests.begin() + static_cast<long>(end));
    const auto chunk_started = std::chrono::steady_clock::now();
    auto responses = m_sender->send(
        part,
        progress ? [&](std::size_t done, std::size_t) { progress(start + done, requests.size()); }
                 : http::Progress{});
    m_last_chunk =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - chunk_started).count();
    count_unsent(responses);
    if (!m_sender->exhausted()) recover(part, responses);
    std::move(responses.begin(), responses.end(), out.begin() + static_cast<long>(start));
  }
  m_progress.clear();
  return out;
}

void Traffic::count_unsent(const std::vector<plan::Response>& responses) {
  const std::string refusal = http::budget_refusal(m_budget);
  for (const auto& r : responses) m_unsent += r.error == refusal ? 1 : 0;
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

void Traffic::recover(const std::vector<plan::Request>& part,
                      std::vector<plan::Response>& responses) {
  std::map<std::string, std::vector<std::size_t>> rejected;
  for (std::size_t i = 0; i < part.size(); ++i) {
    if (part[i].credential == plan::Credential::own && !part[i].identity.empty() &&
        responses[i].status == 401)
      rejected[part[i].identity].push_back(i);
  }
  for (const auto& [name, indices] : rejected) {
    if (!m_controls.contains(name) || control_works(name)) continue;  // genuine denials
    std::string got;
    if (!m_sessions.renewable(name)) {
      control_works(name, &got);
      fail(k_exit_inconclusive, "the credential of " + name + " stopped working during the run (" +
                                    got + "); its verdicts cannot be trusted");
    }
    renew(name);
    if (!control_works(name, &got)) {
      fail(k_exit_inconclusive, "identity " + name + ": a renewed credential is rejected too (" +
                                    got + "); its verdicts cannot be trusted");
    }
    std::vector<plan::Request> again;
    for (const std::size_t i : indices) again.push_back(part[i]);
    auto retried = m_sender->send(again);
    count_unsent(retried);
    for (std::size_t k = 0; k < indices.size(); ++k) responses[indices[k]] = std::move(retried[k]);
  }
}

void Batch::add(plan::Request request, std::vector<plan::Response*> answers) {
  m_requests.push_back(std::move(request));
  m_to.push_back(std::move(answers));
}

void Batch::send(Traffic& traffic, const std::string& stage) {
  if (m_requests.empty()) return;
  m_answers = traffic.send(m_requests, stage);
  for (std::size_t i = 0; i < m_answers.size(); ++i) {
    for (plan::Response* to : m_to[i]) *to = m_answers[i];
  }
}

}  // namespace authdiff::app
