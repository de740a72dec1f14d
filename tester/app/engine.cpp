#include "app/engine.hpp"

#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <unordered_set>

#include <fmt/format.h>

#include "auth/sessions.hpp"
#include "http/sender.hpp"
#include "judge/findings.hpp"
#include "judge/knowledge.hpp"
#include "plan/discovery.hpp"
#include "plan/probe.hpp"
#include "plan/writes.hpp"
#include "spec/model.hpp"
#include "util/error.hpp"
#include "util/strings.hpp"
#include "util/url.hpp"

namespace authdiff::app {

namespace {

[[noreturn]] void fail(int code, std::string message) {
  throw Failure(Error{"", 0, 0, std::move(message)}, code);
}

// Progress on a terminal only: requests done / total for the stage, findings so far.
class ProgressLine {
 public:
  explicit ProgressLine(bool enabled) : m_enabled(enabled) {}
  http::Progress stage(const std::string& name) {
    if (!m_enabled) return {};
    return [name](std::size_t done, std::size_t total) {
      std::fprintf(stderr, "\r\033[K  %-22s %zu/%zu requests", name.c_str(), done, total);
      std::fflush(stderr);
    };
  }
  void clear() {
    if (m_enabled) std::fprintf(stderr, "\r\033[K");
  }

 private:
  bool m_enabled;
};

bool works(const plan::Response& r) {
  if (!r.ok() || r.status < 200 || r.status >= 300) return false;
  const judge::Observation o = judge::observe(r, std::nullopt);
  return !o.empty && o.error_like.empty();
}

// Control requests per identity: enough to find one that needs the credential.
constexpr std::size_t k_controls = 4;

// Whether `bare` (no credential) was refused, or answered without a specific value `own` (the
// identity's answer) carries: the credential made the difference.
bool opened_by_credential(const plan::Response& own, const plan::Response& bare) {
  if (!works(bare)) return true;
  const judge::Observation a = judge::observe(own, std::nullopt);
  const judge::Observation b = judge::observe(bare, std::nullopt);
  if (!a.json || !b.json) return a.json != b.json || a.body_prefix != b.body_prefix;
  std::unordered_set<std::string> seen;
  for (const auto& leaf : b.leaves) seen.insert(leaf.value);
  return std::any_of(a.leaves.begin(), a.leaves.end(), [&](const judge::Leaf& l) {
    return judge::distinctive(l) && !seen.contains(l.value);
  });
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

// `-v`: one line per attempt. The request as planned names whose credential went with it, never
// the credential (the sender attaches that).
void log_exchange(const plan::Request& req, const plan::Response& r) {
  std::string who = req.identity.empty() ? "anonymous" : req.identity;
  switch (req.credential) {
    case plan::Credential::none:
      if (!req.identity.empty()) who += ", no credential";
      break;
    case plan::Credential::own:
      break;
    case plan::Credential::garbage:
      who += ", garbage credential";
      break;
    case plan::Credential::tampered:
      who += ", token " + req.tamper;
      break;
  }
  std::string outcome = r.error.empty() ? std::to_string(r.status) : "error: " + r.error;
  if (r.error.empty()) {
    outcome += ", " + std::to_string(r.body_bytes) + " bytes";
    if (r.truncated) outcome += " (kept " + std::to_string(r.body.size()) + ")";
  }
  std::cerr << fmt::format("authdiff: {} {} as {} -> {}, {:.3f} s\n", req.method, req.url, who,
                           outcome, r.seconds);
}

}  // namespace

Console console_for(const ScanArgs& args) {
  return {isatty(STDERR_FILENO) != 0 && !args.quiet, args.verbose};
}

std::string local_time(const char* format) {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

std::string local_timestamp() {
  return local_time("%Y-%m-%dT%H:%M:%S");
}

std::string today() {
  return local_time("%Y-%m-%d");
}

std::string hostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "localhost";
  return buf;
}

std::string blindness(const plan::Plan& plan, const judge::Knowledge& knowledge) {
  std::size_t guarded = 0, told = 0;
  std::map<std::string, std::size_t> problems;
  for (std::size_t i = 0; i < plan.operations.size(); ++i) {
    const plan::OperationPlan& o = plan.operations[i];
    const bool sent = std::any_of(o.probes.begin(), o.probes.end(),
                                  [](const plan::Probe& q) { return !q.static_only; });
    if (o.skipped || !sent || o.expect.access == config::Access::everyone) continue;
    ++guarded;
    bool usable = false;
    for (const auto* b : knowledge.baselines(i)) {
      usable = usable || b->usable();
      if (!b->usable()) ++problems[b->problem];
    }
    told += usable ? 1 : 0;
  }
  if (guarded == 0 || told > 0) return "";
  std::string why = "no allowed caller's answer could be told from a denial on any of the " +
                    std::to_string(guarded) + " guarded operations, so nothing was tested";
  const auto common =
      std::max_element(problems.begin(), problems.end(),
                       [](const auto& a, const auto& b) { return a.second < b.second; });
  if (common != problems.end())
    why += " (" + std::to_string(common->second) + " times: " + common->first + ")";
  return why + "; is the base URL the API, and do its answers carry data?";
}

std::vector<report::Untested> untested_operations(const plan::Plan& plan,
                                                  const config::Config& config,
                                                  const std::vector<judge::ProbeResult>& results) {
  std::vector<std::size_t> sent(plan.operations.size()), settled(plan.operations.size());
  std::vector<std::map<std::string, std::size_t>> unsure(plan.operations.size());
  for (const auto& r : results) {
    if (r.probe.static_only || r.probe.operation >= plan.operations.size() ||
        !judge::tests_access(r.probe.check))
      continue;
    ++sent[r.probe.operation];
    if (r.verdict.state == judge::State::inconclusive)
      ++unsure[r.probe.operation][r.verdict.reason];
    else
      ++settled[r.probe.operation];
  }
  std::vector<report::Untested> out;
  for (std::size_t i = 0; i < plan.operations.size(); ++i) {
    const plan::OperationPlan& o = plan.operations[i];
    if (o.other_shard) continue;
    if (o.skipped) {
      out.push_back({i, o.skip_reason});
      continue;
    }
    if (o.expect.access == config::Access::everyone || settled[i] > 0) continue;
    if (sent[i] == 0) {
      std::string why = "none of the checks that ran applies to it with these identities";
      if (o.expect.access == config::Access::owner) {
        for (const auto& q : o.op->parameters) {
          if (q.in != "path" || !q.is_id()) continue;
          const bool owned =
              std::any_of(config.identities.begin(), config.identities.end(), [&](const auto& id) {
                const auto* ids = plan::owned_ids(id, o.op->path, q.name);
                return ids != nullptr && !ids->empty();
              });
          if (!owned)
            why = "owner-only, and no identity owns an object of " +
                  plan::resource_of(o.op->path, q.name) +
                  " (none was discovered; list some under owns)";
        }
      }
      out.push_back({i, why});
      continue;
    }
    const auto common =
        std::max_element(unsure[i].begin(), unsure[i].end(),
                         [](const auto& a, const auto& b) { return a.second < b.second; });
    out.push_back({i, "every probe was inconclusive (" + common->first + ")"});
  }
  return out;
}

std::vector<report::OperationInfo> operation_infos(const plan::Plan& plan) {
  std::vector<report::OperationInfo> out;
  out.reserve(plan.operations.size());
  for (const auto& o : plan.operations)
    out.push_back({o.op->method, o.op->path, o.op->operation_id, 0});
  return out;
}

namespace {

// The sending side of a run: one Sender, the identities' sessions, and each identity's
// positive-control requests. send() goes in chunks of about a second of traffic; before each,
// credentials about to expire are renewed; after each, an identity whose own requests got 401
// has its positive control re-checked, and if that fails too its credential is renewed (or the
// run stops, naming it) and those requests are sent again. A credential that dies mid-run
// never turns into a flood of "enforced".
class Traffic {
 public:
  Traffic(const http::Options& options, std::vector<config::Identity>& identities,
          ProgressLine& progress)
      : m_identities(identities), m_sessions(identities, options), m_progress(progress) {
    m_sessions.login_all();
    m_sender = std::make_unique<http::Sender>(options, identities);
    const double per_second = std::min(options.rate, 100000.0);
    m_chunk = std::clamp<std::size_t>(static_cast<std::size_t>(per_second),
                                      static_cast<std::size_t>(options.concurrency) * 4, 2000);
  }

  http::Sender& sender() { return *m_sender; }
  auth::Sessions& sessions() { return m_sessions; }

  // Renew the credentials that expire within `margin` seconds.
  void renew_expiring(double margin) {
    for (const auto& name : m_sessions.expiring(margin)) renew(name);
  }

  void set_controls(std::map<std::string, std::vector<plan::Request>> controls) {
    m_controls = std::move(controls);
  }

  // Whether `identity` still gets a usable answer from one of its control requests.
  bool control_works(const std::string& identity, std::string* got = nullptr) {
    const auto& requests = m_controls[identity];
    const auto responses = m_sender->send(requests);
    for (std::size_t i = 0; i < responses.size(); ++i) {
      if (works(responses[i])) return true;
      if (got != nullptr && got->empty()) *got = describe(requests[i], responses[i]);
    }
    return false;
  }

  std::vector<plan::Response> send(const std::vector<plan::Request>& requests,
                                   const std::string& stage) {
    std::vector<plan::Response> out(requests.size());
    const http::Progress progress = m_progress.stage(stage);
    for (std::size_t start = 0; start < requests.size(); start += m_chunk) {
      renew_expiring(std::max(2.0, 2 * m_last_chunk));
      const std::size_t end = std::min(requests.size(), start + m_chunk);
      const std::vector<plan::Request> part(requests.begin() + static_cast<long>(start),
                                            requests.begin() + static_cast<long>(end));
      const auto chunk_started = std::chrono::steady_clock::now();
      auto responses = m_sender->send(
          part,
          progress ? [&](std::size_t done, std::size_t) { progress(start + done, requests.size()); }
                   : http::Progress{});
      m_last_chunk =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - chunk_started).count();
      recover(part, responses);
      std::move(responses.begin(), responses.end(), out.begin() + static_cast<long>(start));
    }
    return out;
  }

  // Get `name` a fresh credential (Failure, exit 3, when that fails) and send with it.
  void renew(const std::string& name) {
    m_sessions.renew(name);  // throws Failure (exit 3) naming the identity
    for (const auto& id : m_identities) {
      if (id.name == name) m_sender->set_credentials(name, id.credentials);
    }
  }

 private:
  void recover(const std::vector<plan::Request>& part, std::vector<plan::Response>& responses) {
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
        fail(k_exit_inconclusive, "the credential of " + name +
                                      " stopped working during the run (" + got +
                                      "); its verdicts cannot be trusted");
      }
      renew(name);
      if (!control_works(name, &got)) {
        fail(k_exit_inconclusive, "identity " + name + ": a renewed credential is rejected too (" +
                                      got + "); its verdicts cannot be trusted");
      }
      std::vector<plan::Request> again;
      for (const std::size_t i : indices) again.push_back(part[i]);
      auto retried = m_sender->send(again);
      for (std::size_t k = 0; k < indices.size(); ++k)
        responses[indices[k]] = std::move(retried[k]);
    }
  }

  std::vector<config::Identity>& m_identities;
  auth::Sessions m_sessions;
  ProgressLine& m_progress;
  std::unique_ptr<http::Sender> m_sender;
  std::map<std::string, std::vector<plan::Request>> m_controls;
  std::size_t m_chunk = 2000;
  double m_last_chunk = 0;
};

// Owned IDs that work: each identity's first ID of a resource is tried on the resource's item
// GET (GET /carts/{id}); one answered 400, 403, 404, 410 or 422 gives way to the next, up to
// three, so a baseline is not made of an ID of another resource (`owns = { id = [...] }` on an
// API where every parameter is `id`) or of a record deleted since. The order that works is kept
// under the resource's key.
void verify_owned_ids(const plan::Plan& p, config::Config& config, Traffic& traffic) {
  struct Trial {
    config::Identity* identity;
    std::size_t op;
    std::string param, resource;
    std::vector<std::string> ids;
    std::size_t at = 0;
    bool done = false;
  };
  std::vector<Trial> trials;
  std::set<std::pair<std::string, std::string>> planned;  // (identity, resource)
  for (std::size_t i = 0; i < p.operations.size(); ++i) {
    const plan::OperationPlan& o = p.operations[i];
    if (o.skipped || o.op->method != "GET") continue;
    const auto path_params = std::count_if(o.op->parameters.begin(), o.op->parameters.end(),
                                           [](const auto& q) { return q.in == "path"; });
    if (path_params != 1) continue;
    for (const auto& param : o.op->parameters) {
      if (param.in != "path" || !param.is_id() || !o.op->path.ends_with("/{" + param.name + "}"))
        continue;
      const std::string resource = plan::resource_of(o.op->path, param.name);
      for (auto& id : config.identities) {
        const auto* ids = plan::owned_ids(id, o.op->path, param.name);
        if (ids == nullptr || ids->size() < 2 || !plan::may_access(o, &id) ||
            !planned.emplace(id.name, resource).second)
          continue;
        trials.push_back({&id, i, param.name, resource, *ids});
      }
    }
  }
  for (int round = 0; round < 3; ++round) {
    std::vector<Trial*> open;
    std::vector<plan::Request> requests;
    for (auto& t : trials) {
      if (t.done || t.at >= t.ids.size()) continue;
      open.push_back(&t);
      requests.push_back(plan::make_request(p, t.op, config, t.identity->name,
                                            plan::Credential::own, {{t.param, t.ids[t.at]}}));
    }
    if (requests.empty()) break;
    const auto answers = traffic.send(requests, "checking owned IDs");
    for (std::size_t k = 0; k < open.size(); ++k) {
      const long status = answers[k].status;
      const bool missing =
          status == 400 || status == 403 || status == 404 || status == 410 || status == 422;
      if (missing && open[k]->at + 1 < open[k]->ids.size()) {
        ++open[k]->at;
      } else {
        open[k]->done = true;
        if (missing) open[k]->at = 0;  // none worked: leave the order as it was
      }
    }
  }
  for (auto& t : trials) {
    if (t.at == 0) continue;
    std::rotate(t.ids.begin(), t.ids.begin() + static_cast<long>(t.at), t.ids.end());
    t.identity->owns[t.resource] = t.ids;
  }
}

// An object a POST of the run made: who made it, of which collection.
struct CreatedBy {
  std::string identity;  // "" = an anonymous request made it
  const plan::Creation* kind = nullptr;
  std::string id;
};

// A write request (baseline, denied fingerprint or probe of a PUT/PATCH/DELETE of one object)
// pointed at an object made for it, and its owner's reads of that object.
struct FreshObject {
  const plan::WriteTarget* target = nullptr;
  std::string owner;                 // who made it and reads it back
  plan::Request* request = nullptr;  // the write, retargeted (points into the run's requests)
  std::string id;                    // the object's ID; "" when it could not be made
  std::string failure;               // why not
  plan::Response before, again, after;
};

// Make an object for every write in `writes` (as its owner, through the collection's POST, with
// fresh unique values), read each twice, and point each write at its object. A write whose
// object could not be made keeps a reason and is not sent.
void make_fresh_objects(const plan::Plan& p, const config::Config& config, Traffic& traffic,
                        std::vector<FreshObject>& writes, const std::string& run_tag) {
  if (writes.empty()) return;
  std::vector<plan::Request> creates;
  std::vector<FreshObject*> made_for;
  for (std::size_t i = 0; i < writes.size(); ++i) {
    if (writes[i].target == nullptr) continue;  // untestable: its failure says why
    plan::Request c = plan::make_request(p, writes[i].target->create, config, writes[i].owner,
                                         plan::Credential::own);
    c.body = plan::fresh_unique_values(c.body, run_tag + "-" + std::to_string(i));
    creates.push_back(std::move(c));
    made_for.push_back(&writes[i]);
  }
  const auto made = creates.empty() ? std::vector<plan::Response>{}
                                    : traffic.send(creates, "creating objects for writes");
  std::vector<plan::Request> reads;
  std::vector<FreshObject*> read_for;
  for (std::size_t i = 0; i < made_for.size(); ++i) {
    FreshObject& w = *made_for[i];
    const auto id = made[i].ok() && made[i].status >= 200 && made[i].status < 300
                        ? plan::created_id(made[i])
                        : std::nullopt;
    if (!id) {
      w.failure = "could not create an object for the write: " + describe(creates[i], made[i]) +
                  (made[i].ok() && made[i].status < 300 ? " without naming its id" : "");
      continue;
    }
    w.id = *id;
    const plan::Request read = plan::make_request(
        p, w.target->read, config, w.owner, plan::Credential::own, {{w.target->parameter, w.id}});
    reads.push_back(read);
    reads.push_back(read);
    read_for.push_back(&w);
    // Point the write at the new object: the ID the plan put in it (the owner's first owned
    // ID of the resource) is replaced where it stands, so path variants keep their shape.
    const config::Identity* owner = config.identity(w.owner);
    const auto* ids =
        owner == nullptr
            ? nullptr
            : plan::owned_ids(*owner, p.operations[w.target->write].op->path, w.target->parameter);
    std::optional<std::string> url;
    if (ids != nullptr && !ids->empty())
      url = plan::with_object(w.request->url, ids->front(), w.id);
    if (!url) {
      url = plan::make_request(p, w.target->write, config, w.request->identity,
                               w.request->credential, {{w.target->parameter, w.id}})
                .url;
    }
    w.request->url = *url;
  }
  if (reads.empty()) return;
  const auto answers = traffic.send(reads, "reading objects for writes");
  for (std::size_t k = 0; k < read_for.size(); ++k) {
    read_for[k]->before = answers[2 * k];
    read_for[k]->again = answers[2 * k + 1];
  }
}

// Each owner reads its objects back after the writes were sent.
void read_back(const plan::Plan& p, const config::Config& config, Traffic& traffic,
               const std::vector<FreshObject*>& writes) {
  std::vector<plan::Request> reads;
  std::vector<FreshObject*> read_for;
  for (FreshObject* w : writes) {
    if (w->id.empty()) continue;
    reads.push_back(plan::make_request(p, w->target->read, config, w->owner, plan::Credential::own,
                                       {{w->target->parameter, w->id}}));
    read_for.push_back(w);
  }
  if (reads.empty()) return;
  const auto answers = traffic.send(reads, "reading written objects back");
  for (std::size_t k = 0; k < read_for.size(); ++k) read_for[k]->after = answers[k];
}

// What a write did, from its owner's reads (judge::write_effect), or nullopt.
std::optional<judge::Verdict> effect_of(const FreshObject& w) {
  if (w.id.empty() || w.target == nullptr) return std::nullopt;
  return judge::write_effect(w.request->method, judge::observe(w.before, std::nullopt),
                             judge::observe(w.again, std::nullopt),
                             judge::observe(w.after, std::nullopt));
}

}  // namespace

report::ScanResult execute(plan::Plan& p, const config::Config& given,
                           const judge::Mutations& mutations, const judge::CheckOptions& options,
                           const Console& console, const PlanProbes& plan_probes) {
  http::Options ho;
  ho.base_url = p.base_url;
  ho.concurrency = given.limits.concurrency;
  ho.rate = given.limits.rate;
  ho.timeout = given.limits.timeout;
  ho.max_body = given.limits.max_body;
  ho.budget = given.limits.budget;
  ho.proxy = given.target.proxy;
  ho.insecure = given.target.insecure;
  ho.ca_file = given.target.ca_file;
  for (const auto& [k, v] : given.target.headers) ho.extra_headers.emplace_back(k, v);
  if (console.verbose) ho.log = log_exchange;
  ProgressLine progress(console.progress && !console.verbose);
  // The identities as the run knows them: logins fill in and renew their credentials.
  config::Config config = given;
  Traffic traffic(ho, config.identities, progress);
  http::Sender& sender = traffic.sender();

  // (1) Positive control: every identity must get a usable answer from something it may call,
  // and one of those should refuse a caller without any credential: only then is it the
  // credential that opened it (a token sent wrongly is not proven by public reads).
  if (p.operations.empty()) {
    fail(k_exit_inconclusive, "the spec declares no operations: there is nothing to test");
  }
  std::vector<std::string> warnings;
  const auto known_baselines = plan::plan_baselines(p, config);
  std::map<std::string, std::vector<const plan::Baseline*>> controls;
  for (const auto& id : config.identities) {
    std::vector<const plan::Baseline*> mine;
    for (const auto& b : known_baselines) {
      if (b.identity == id.name && p.operations[b.operation].op->method == "GET")
        mine.push_back(&b);
    }
    std::stable_sort(mine.begin(), mine.end(), [&](const auto* a, const auto* b) {
      const auto path_params = [&](const plan::Baseline* x) {
        return std::count_if(p.operations[x->operation].op->parameters.begin(),
                             p.operations[x->operation].op->parameters.end(),
                             [](const auto& q) { return q.in == "path"; });
      };
      return path_params(a) < path_params(b);
    });
    if (mine.size() > k_controls) mine.resize(k_controls);
    if (mine.empty()) {
      fail(k_exit_inconclusive, "identity " + id.name +
                                    ": no GET operation it is expected to reach, so its credential "
                                    "cannot be verified (check its level, scopes and owned IDs)");
    }
    controls[id.name] = std::move(mine);
  }
  std::vector<plan::Request> control_requests;
  std::map<std::string, std::vector<plan::Request>> control_by_identity;
  for (const auto& [name, list] : controls) {
    for (const auto* b : list) {
      control_requests.push_back(b->request);
      control_by_identity[name].push_back(b->request);
    }
  }
  traffic.set_controls(std::move(control_by_identity));
  const auto run_controls = [&](const std::string& stage) {
    const auto responses = sender.send(control_requests, progress.stage(stage));
    std::map<std::string, std::string> failed;  // identity -> what it got
    std::size_t i = 0, transport = 0, server_errors = 0;
    for (const auto& [name, list] : controls) {
      bool ok = false;
      std::string got;
      for (std::size_t k = 0; k < list.size(); ++k, ++i) {
        ok = ok || works(responses[i]);
        if (!responses[i].ok()) ++transport;
        if (responses[i].status >= 500) ++server_errors;
        if (got.empty()) got = describe(list[k]->request, responses[i]);
      }
      if (!ok) failed[name] = got;
    }
    if (!failed.empty() && server_errors == responses.size()) {
      fail(k_exit_inconclusive, "the target answers every request with a server error (" +
                                    failed.begin()->second + ", and " +
                                    std::to_string(responses.size() - 1) +
                                    " more): a broken or wrong target, not a credential problem");
    }
    return std::tuple{failed, transport == responses.size(), responses};
  };
  std::vector<plan::Response> own;
  {
    auto [failed, unreachable, responses] = run_controls("positive control");
    own = std::move(responses);
    progress.clear();
    if (unreachable) {
      fail(k_exit_inconclusive,
           "target unreachable at " + p.base_url + ": " + failed.begin()->second);
    }
    if (!failed.empty()) {
      std::string message = "the credential of ";
      for (const auto& [name, got] : failed) {
        message += (message.back() == ' ' ? "" : "; ") + name + " does not work (" + got + ")";
      }
      fail(k_exit_inconclusive, message + ". Fix it, or every verdict would look enforced");
    }
  }
  // The same control requests without any credential: one refused (or answered without the
  // identity's data) proves the credential; none means every check rests on an unproven one.
  {
    std::vector<plan::Request> bare = control_requests;
    for (auto& r : bare) r.credential = plan::Credential::none;
    const auto without = sender.send(bare, progress.stage("credential proof"));
    progress.clear();
    std::size_t i = 0;
    for (const auto& [name, list] : controls) {
      bool proven = false;
      std::vector<std::string> tried;
      for (std::size_t k = 0; k < list.size(); ++k, ++i) {
        proven = proven || (works(own[i]) && opened_by_credential(own[i], without[i]));
        tried.push_back(list[k]->request.method + " " + p.operations[list[k]->operation].op->path);
      }
      if (!proven) {
        warnings.push_back("the credential of " + name +
                           " is unproven: every operation it was checked on (" + join(tried, ", ") +
                           ") answers a caller without any credential the same, so its "
                           "verdicts may rest on a credential the API ignores");
      }
    }
    for (const auto& w : warnings) std::cerr << "authdiff: warning: " << w << "\n";
  }

  // Discovery: the IDs each identity owns, from what it may list; then the checks' probes.
  plan::Discovery discovery;
  std::vector<plan::Baseline> listed;      // every discovery request, every page
  std::vector<plan::Response> list_pages;  // and its answer
  if (config.discover) {
    listed = plan::discovery_requests(p, config);
    std::vector<plan::Request> batch;
    for (const auto& b : listed) batch.push_back(b.request);
    list_pages = traffic.send(batch, "discovery");
    // Every page of each list: an identity's own objects may start on page 2.
    std::vector<std::size_t> last(listed.size());
    for (std::size_t i = 0; i < last.size(); ++i) last[i] = i;
    std::set<std::pair<std::string, std::string>> asked;  // (identity, url)
    for (const auto& b : listed) asked.emplace(b.identity, b.request.url);
    for (std::size_t page = 1; page < plan::k_max_pages && !last.empty(); ++page) {
      std::vector<plan::Baseline> more;
      for (const std::size_t i : last) {
        auto next = plan::next_page(p, listed[i], list_pages[i]);
        if (!next || !asked.emplace(listed[i].identity, next->url).second) continue;
        more.push_back({listed[i].operation, listed[i].identity, std::move(*next)});
      }
      if (more.empty()) break;
      batch.clear();
      for (const auto& b : more) batch.push_back(b.request);
      auto answers = traffic.send(batch, "discovery (next pages)");
      last.clear();
      for (std::size_t k = 0; k < more.size(); ++k) {
        last.push_back(listed.size());
        listed.push_back(std::move(more[k]));
        list_pages.push_back(std::move(answers[k]));
      }
    }
    discovery = plan::discover_ids(p, config, listed, list_pages);
    plan::adopt(config, discovery);
  }
  // With unsafe methods allowed: an identity that owns no object of a collection creates one,
  // for a fresh owned ID; it is deleted again at the end of the run.
  std::vector<plan::CreatedObject> created;
  std::vector<std::optional<std::size_t>> removals;
  {
    std::vector<plan::Request> creates;
    std::vector<std::pair<const config::Identity*, const plan::Creation*>> who;
    const auto kinds = plan::creations(p);
    for (const auto& c : kinds) {
      for (const auto& id : config.identities) {
        if (!plan::may_access(p.operations[c.create], &id) ||
            plan::owned_ids(id, c.resource + "/{" + c.parameter + "}", c.parameter))
          continue;
        creates.push_back(plan::make_request(p, c.create, config, id.name, plan::Credential::own));
        who.emplace_back(&id, &c);
      }
    }
    const auto answers =
        creates.empty() ? std::vector<plan::Response>{} : traffic.send(creates, "creating objects");
    for (std::size_t i = 0; i < answers.size(); ++i) {
      if (!answers[i].ok() || answers[i].status < 200 || answers[i].status >= 300) continue;
      const auto value = plan::created_id(answers[i]);
      if (!value) continue;
      created.push_back(
          {who[i].first->name, who[i].second->parameter, *value, "", who[i].second->resource});
      removals.push_back(who[i].second->remove);
    }
    for (const auto& object : created) {
      for (auto& id : config.identities) {
        if (id.name == object.identity) id.owns[object.resource].push_back(object.value);
      }
    }
  }
  verify_owned_ids(p, config, traffic);
  if (plan_probes) plan_probes(p, config);

  const auto collections = plan::creations(p);
  // (2) Baselines, each twice (volatile leaves), and a denied fingerprint per operation.
  auto baselines = plan::plan_baselines(p, config);
  std::vector<plan::Request> fingerprints;
  std::vector<std::size_t> fingerprint_ops;
  std::vector<std::string> fingerprint_owner;
  {
    const judge::PlanContext ctx{p, config, mutations, options};
    for (std::size_t i = 0; i < p.operations.size(); ++i) {
      if (p.operations[i].skipped || p.operations[i].probes.empty() ||
          p.operations[i].expect.access == config::Access::everyone)
        continue;
      const config::Identity* victim = judge::victim_for(ctx, i);
      if (victim == nullptr) continue;
      plan::Overrides ids;
      plan::owned_path_ids(p.operations[i], *victim, ids);
      fingerprints.push_back(
          plan::make_request(p, i, config, victim->name, plan::Credential::garbage, ids));
      fingerprint_ops.push_back(i);
      fingerprint_owner.push_back(victim->name);
    }
  }
  // Writes of one object act on objects made for them, never on an identity's real ones.
  const plan::WriteTargets write_targets = plan::write_targets(p);
  std::vector<FreshObject> fresh;
  std::vector<std::size_t> fresh_baseline(baselines.size(), SIZE_MAX);
  std::vector<std::size_t> fresh_fingerprint(fingerprints.size(), SIZE_MAX);
  std::map<const plan::Probe*, std::size_t> fresh_probe;
  // A write no object can be made for is not sent at all (the reason says why).
  std::map<std::size_t, std::string> untestable(write_targets.untestable.begin(),
                                                write_targets.untestable.end());
  const auto needs_object = [&](std::size_t op, const std::string& owner, plan::Request* request) {
    const auto* t = write_targets.find(op);
    const auto u = untestable.find(op);
    if (t == nullptr && u == untestable.end()) return false;
    FreshObject w{t, owner, request, "", "", {}, {}, {}};
    if (t == nullptr) w.failure = u->second;
    if (t != nullptr && owner.empty())
      w.failure = "no identity may call it, so nobody can own an object for the write";
    fresh.push_back(std::move(w));
    return true;
  };
  for (std::size_t i = 0; i < baselines.size(); ++i) {
    if (needs_object(baselines[i].operation, baselines[i].identity, &baselines[i].request))
      fresh_baseline[i] = fresh.size() - 1;
  }
  for (std::size_t i = 0; i < fingerprints.size(); ++i) {
    if (needs_object(fingerprint_ops[i], fingerprint_owner[i], &fingerprints[i]))
      fresh_fingerprint[i] = fresh.size() - 1;
  }
  for (std::size_t i = 0; i < p.operations.size(); ++i) {
    for (auto& probe : p.operations[i].probes) {
      if (probe.static_only || probe.from_baseline) continue;
      if (needs_object(i, probe.victim, &probe.request)) fresh_probe[&probe] = fresh.size() - 1;
    }
  }
  make_fresh_objects(p, config, traffic, fresh, "authdiff-" + std::to_string(::getpid()) + "-o");
  // A write whose object could not be made is not sent: its answer says why.
  const auto no_object = [&](std::size_t f) { return f != SIZE_MAX && fresh[f].id.empty(); };
  const auto not_sent = [&](std::size_t f) {
    plan::Response r;
    r.error = "not sent: " + fresh[f].failure;
    return r;
  };
  std::vector<plan::Request> batch;
  for (std::size_t i = 0; i < baselines.size(); ++i) {
    if (no_object(fresh_baseline[i])) continue;
    batch.push_back(baselines[i].request);
    // A write is sent once: a second DELETE of the same object proves nothing.
    if (fresh_baseline[i] == SIZE_MAX) batch.push_back(baselines[i].request);
  }
  for (std::size_t i = 0; i < fingerprints.size(); ++i) {
    if (!no_object(fresh_fingerprint[i])) batch.push_back(fingerprints[i]);
  }
  // Every write body gets its own unique values (e-mail addresses, usernames, slugs), so the
  // second request is not refused as "already taken".
  std::size_t writes_sent = 0;
  const std::string run_tag = "authdiff-" + std::to_string(::getpid());
  const auto fresh_bodies = [&](std::vector<plan::Request>& requests) {
    for (auto& r : requests) {
      if (!r.body.empty() && spec::is_unsafe_method(r.method))
        r.body = plan::fresh_unique_values(r.body, run_tag + "-" + std::to_string(++writes_sent));
    }
  };
  // What a POST to a collection made (a baseline's, or a probe's that got through) is deleted at
  // the end like every other object the run made.
  std::vector<CreatedBy> posted;
  const auto note_created = [&](const std::vector<plan::Request>& requests,
                                const std::vector<plan::Response>& answers) {
    for (std::size_t i = 0; i < requests.size() && i < answers.size(); ++i) {
      if (requests[i].method != "POST" || !answers[i].ok() || answers[i].status < 200 ||
          answers[i].status >= 300)
        continue;
      for (const auto& c : collections) {
        if (requests[i].url.substr(0, requests[i].url.find('?')) !=
            p.operations[c.create].url.substr(0, p.operations[c.create].url.find('?')))
          continue;
        if (const auto id = plan::created_id(answers[i]))
          posted.push_back({requests[i].identity, &c, *id});
      }
    }
  };
  fresh_bodies(batch);
  auto stage2_sent = traffic.send(batch, "baselines");
  note_created(batch, stage2_sent);
  std::vector<plan::Response> stage2;
  {
    std::size_t k = 0;
    for (std::size_t i = 0; i < baselines.size(); ++i) {
      if (no_object(fresh_baseline[i])) {
        stage2.push_back(not_sent(fresh_baseline[i]));
        stage2.push_back(stage2.back());
        continue;
      }
      stage2.push_back(stage2_sent[k++]);
      stage2.push_back(fresh_baseline[i] == SIZE_MAX ? stage2_sent[k++] : stage2.back());
    }
    for (std::size_t i = 0; i < fingerprints.size(); ++i)
      stage2.push_back(no_object(fresh_fingerprint[i]) ? not_sent(fresh_fingerprint[i])
                                                       : std::move(stage2_sent[k++]));
  }
  // A garbage credential whose write went through (the object is gone or changed) shows no
  // denial: it is no fingerprint.
  {
    std::vector<FreshObject*> check;
    for (const std::size_t f : fresh_fingerprint) {
      if (f != SIZE_MAX) check.push_back(&fresh[f]);
    }
    read_back(p, config, traffic, check);
  }
  judge::Knowledge knowledge;
  for (std::size_t i = 0; i < baselines.size(); ++i) {
    knowledge.add_baseline(baselines[i], stage2[2 * i], stage2[2 * i + 1],
                           judge::list_pointer_of(p, baselines[i].operation),
                           judge::foreign_items(p, baselines[i].operation, config,
                                                baselines[i].identity, stage2[2 * i]));
  }
  for (std::size_t i = 0; i < fingerprint_ops.size(); ++i) {
    if (no_object(fresh_fingerprint[i])) continue;
    if (fresh_fingerprint[i] != SIZE_MAX) {
      const auto effect = effect_of(fresh[fresh_fingerprint[i]]);
      if (!effect || effect->state == judge::State::bypassed) continue;
    }
    knowledge.add_denied(fingerprint_ops[i], stage2[2 * baselines.size() + i]);
  }
  knowledge.finish();
  const std::string blind = blindness(p, knowledge);

  // (3) Probes. Those judged on a baseline's answer are not sent again.
  std::map<std::pair<std::size_t, std::string>, std::size_t> baseline_of;
  for (std::size_t i = 0; i < baselines.size(); ++i)
    baseline_of.emplace(std::pair{baselines[i].operation, baselines[i].identity}, i);
  // Reads go first; writes of one object after them (each on its own fresh object), and a
  // write whose object could not be made is not sent at all.
  std::vector<plan::Request> reads, writes;
  std::vector<std::pair<const plan::Probe*, const judge::Check*>> probes;
  // Per probe: how its answer is had.
  enum class Source { read, write, baseline, unsent };
  std::vector<std::pair<Source, std::size_t>> source;
  for (const auto& op : p.operations) {
    for (const auto& probe : op.probes) {
      // A recheck's placeholder for a sign-in answer: the answers of this run's sign-ins stand
      // in for it (below).
      if (probe.parameter == "sign-in") continue;
      const auto b = probe.from_baseline ? baseline_of.find({probe.operation, probe.identity})
                                         : baseline_of.end();
      const auto f = fresh_probe.find(&probe);
      if (probe.static_only) {
        source.emplace_back(Source::unsent, 0);
      } else if (b != baseline_of.end()) {
        source.emplace_back(Source::baseline, b->second);
      } else if (f != fresh_probe.end() && fresh[f->second].id.empty()) {
        source.emplace_back(Source::unsent, f->second);
      } else if (f != fresh_probe.end()) {
        source.emplace_back(Source::write, writes.size());
        writes.push_back(probe.request);
      } else {
        source.emplace_back(Source::read, reads.size());
        reads.push_back(probe.request);
      }
      probes.emplace_back(&probe, judge::find_check(probe.check));
    }
  }
  fresh_bodies(reads);
  fresh_bodies(writes);
  auto read_answers = traffic.send(reads, "probes");
  note_created(reads, read_answers);
  auto write_answers = traffic.send(writes, "write probes");
  {
    std::vector<FreshObject*> written;
    for (const auto& [probe, index] : fresh_probe) written.push_back(&fresh[index]);
    read_back(p, config, traffic, written);
  }
  std::vector<plan::Response> responses;
  responses.reserve(probes.size());
  for (std::size_t i = 0; i < probes.size(); ++i) {
    const auto [from, k] = source[i];
    switch (from) {
      case Source::read:
        responses.push_back(std::move(read_answers[k]));
        break;
      case Source::write:
        responses.push_back(std::move(write_answers[k]));
        break;
      case Source::baseline:
        responses.push_back(stage2[2 * k]);
        break;
      case Source::unsent: {
        plan::Response none;
        if (!probes[i].first->static_only) none.error = "not sent: " + fresh[k].failure;
        responses.push_back(std::move(none));
        break;
      }
    }
  }

  // (4) The positive control again: a credential that stopped working voids the verdicts.
  traffic.renew_expiring(2);
  {
    auto [failed, unreachable, again] = run_controls("positive control again");
    (void)again;
    progress.clear();
    // A credential that merely expired is renewed; one that is rejected even then is not.
    for (auto it = failed.begin(); it != failed.end();) {
      if (unreachable || !traffic.sessions().renewable(it->first)) {
        ++it;
        continue;
      }
      traffic.renew(it->first);
      it = traffic.control_works(it->first, &it->second) ? failed.erase(it) : std::next(it);
    }
    if (!failed.empty()) {
      std::string message = unreachable ? "the target stopped answering during the run: " : "";
      for (const auto& [name, got] : failed) {
        message += "the credential of " + name + " stopped working during the run (" + got + "); ";
      }
      fail(k_exit_inconclusive, message + "its verdicts cannot be trusted");
    }
  }

  // Objects POST requests made go too, as whoever made them.
  for (const auto& made : posted) {
    created.push_back({made.identity.empty() ? std::string(plan::k_anonymous) : made.identity,
                       made.kind->parameter, made.id, "", made.kind->resource});
    removals.push_back(made.identity.empty() ? std::nullopt : made.kind->remove);
  }
  // Objects made for writes go too (as their owners; one a write deleted is already gone).
  for (const auto& w : fresh) {
    if (w.id.empty() || w.target == nullptr) continue;
    const plan::OperationPlan& item = p.operations[w.target->read];
    std::optional<std::size_t> remove;
    for (std::size_t d = 0; d < p.operations.size(); ++d) {
      if (p.operations[d].op->method == "DELETE" && p.operations[d].op->path == item.op->path &&
          !p.operations[d].excluded)
        remove = d;
    }
    created.push_back({w.owner, w.target->parameter, w.id, "",
                       plan::resource_of(item.op->path, w.target->parameter)});
    removals.push_back(remove);
  }
  // Remove what the run created (best effort; reported either way).
  {
    std::vector<plan::Request> deletions;
    std::vector<std::size_t> which;
    for (std::size_t i = 0; i < created.size(); ++i) {
      if (created[i].identity == plan::k_anonymous) {
        created[i].removal = "made by an anonymous request: no identity to delete it as";
        continue;
      }
      if (!removals[i]) {
        created[i].removal = "no DELETE operation";
        continue;
      }
      deletions.push_back(plan::make_request(p, *removals[i], config, created[i].identity,
                                             plan::Credential::own,
                                             {{created[i].parameter, created[i].value}}));
      which.push_back(i);
    }
    const auto answers = deletions.empty() ? std::vector<plan::Response>{}
                                           : traffic.send(deletions, "deleting created objects");
    for (std::size_t k = 0; k < answers.size(); ++k) {
      const auto& r = answers[k];
      created[which[k]].removal = r.ok() && r.status >= 200 && r.status < 300 ? "deleted"
                                  : r.status == 404 || r.status == 410        ? "already gone"
                                                                       : describe(deletions[k], r);
    }
  }

  // Judge and report.
  report::ScanResult result;
  result.operations = operation_infos(p);
  const auto detectors = judge::detectors_for(config);
  if (!detectors) throw Failure(detectors.error(), k_exit_usage);
  const judge::JudgeContext jctx{p, config, knowledge, *detectors, options};
  for (std::size_t i = 0; i < probes.size(); ++i) {
    judge::ProbeResult r;
    r.probe = *probes[i].first;
    r.check = probes[i].second;
    r.response = std::move(responses[i]);
    result.results.push_back(std::move(r));
  }
  // A write is judged by what it did to its object, not by its status alone; the checks then
  // relate verdicts as usual (a guard bypass only counts where the plain request was denied).
  // What each identity's sign-in answered is read like any answer (sensitive data in it, or in
  // the claims of the token it hands out), where the sign-in is an operation of the spec.
  std::vector<const judge::Check*> reading;  // the checks of this run that read sign-in answers
  for (const auto& o : p.operations) {
    for (const auto& q : o.probes) {
      const judge::Check* c = judge::find_check(q.check);
      if (c != nullptr && c->info().reads_sign_in &&
          std::find(reading.begin(), reading.end(), c) == reading.end())
        reading.push_back(c);
    }
  }
  for (const auto& id : config.identities) {
    const auto* answer = reading.empty() ? nullptr : traffic.sessions().sign_in_answer(id.name);
    if (answer == nullptr) continue;
    const std::string url = answer->request.url.substr(0, answer->request.url.find('?'));
    for (std::size_t i = 0; i < p.operations.size(); ++i) {
      const auto& o = p.operations[i];
      if (o.op->method != answer->request.method || o.url.substr(0, o.url.find('?')) != url)
        continue;
      for (const judge::Check* c : reading) {
        judge::ProbeResult r;
        r.probe.check = std::string(c->name());
        r.probe.kind = "sign-in answer to " + id.name;
        r.probe.parameter = "sign-in";  // the token it hands out is no finding; its claims may be
        r.probe.operation = i;
        r.probe.identity = id.name;
        r.probe.request = answer->request;
        r.check = c;
        r.response = answer->response;
        result.results.push_back(std::move(r));
      }
      break;
    }
  }
  judge::judge_all(jctx, result.results, [&](std::vector<judge::ProbeResult>& results) {
    for (std::size_t i = 0; i < results.size() && i < probes.size(); ++i) {
      const auto f = fresh_probe.find(probes[i].first);
      if (f == fresh_probe.end()) continue;
      auto effect = effect_of(fresh[f->second]);
      if (!effect) continue;
      judge::Verdict& v = results[i].verdict;
      if (v.state == judge::State::inconclusive && effect->state == judge::State::enforced)
        continue;  // unchanged, but the probe itself could not be judged (a 5xx, no answer)
      effect->severity = v.severity;
      effect->reason = std::to_string(results[i].response.status) + " to the " +
                       results[i].probe.request.method + "; " + effect->reason;
      v = std::move(*effect);
    }
  });
  // The evidence is extracted (and masked); the raw bodies are not kept past judging.
  for (auto& r : result.results) r.response.body = std::string();
  result.findings = judge::collect_findings(p, config, result.results);
  result.run.base_url = p.base_url;
  result.run.requests = sender.attempts() + traffic.sessions().requests();
  result.run.discovered = discovery.owned;
  result.run.created = created;
  result.run.shared_ids = discovery.shared;
  result.run.send_seconds = sender.seconds();
  result.run.blind = blind;
  result.untested = untested_operations(p, config, result.results);
  result.run.warnings = std::move(warnings);
  return result;
}

}  // namespace authdiff::app
