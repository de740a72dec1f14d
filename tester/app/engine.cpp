#include "app/engine.hpp"

#include <unistd.h>
#include <algorithm>
#include <chrono>
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

}  // namespace

report::ScanResult execute(plan::Plan& p, const config::Config& given,
                           const judge::Mutations& mutations, const Console& console,
                           const PlanProbes& plan_probes) {
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

  // (2) Baselines, each twice (volatile leaves), and a denied fingerprint per operation.
  const auto baselines = plan::plan_baselines(p, config);
  std::vector<plan::Request> batch;
  for (const auto& b : baselines) {
    batch.push_back(b.request);
    batch.push_back(b.request);
  }
  std::vector<std::size_t> fingerprint_ops;
  {
    const judge::PlanContext ctx{p, config, mutations};
    for (std::size_t i = 0; i < p.operations.size(); ++i) {
      if (p.operations[i].skipped || p.operations[i].probes.empty() ||
          p.operations[i].expect.access == config::Access::everyone)
        continue;
      const config::Identity* victim = judge::victim_for(ctx, i);
      if (victim == nullptr) continue;
      plan::Overrides ids;
      plan::owned_path_ids(p.operations[i], *victim, ids);
      batch.push_back(
          plan::make_request(p, i, config, victim->name, plan::Credential::garbage, ids));
      fingerprint_ops.push_back(i);
    }
  }
  const auto stage2 = traffic.send(batch, "baselines");
  judge::Knowledge knowledge;
  for (std::size_t i = 0; i < baselines.size(); ++i) {
    knowledge.add_baseline(baselines[i], stage2[2 * i], stage2[2 * i + 1],
                           judge::list_pointer_of(p, baselines[i].operation),
                           judge::foreign_items(p, baselines[i].operation, config,
                                                baselines[i].identity, stage2[2 * i]));
  }
  for (std::size_t i = 0; i < fingerprint_ops.size(); ++i) {
    knowledge.add_denied(fingerprint_ops[i], stage2[2 * baselines.size() + i]);
  }
  knowledge.finish();
  const std::string blind = blindness(p, knowledge);

  // (3) Probes. Those judged on a baseline's answer are not sent again.
  std::map<std::pair<std::size_t, std::string>, std::size_t> baseline_of;
  for (std::size_t i = 0; i < baselines.size(); ++i)
    baseline_of.emplace(std::pair{baselines[i].operation, baselines[i].identity}, i);
  std::vector<plan::Request> probe_requests;
  std::vector<std::pair<const plan::Probe*, const judge::Check*>> probes;
  // Per probe: sent (nullopt), the baseline answer it reuses, or none at all (static).
  constexpr std::size_t k_unsent = static_cast<std::size_t>(-1);
  std::vector<std::optional<std::size_t>> reused;
  for (const auto& op : p.operations) {
    for (const auto& probe : op.probes) {
      const auto b = probe.from_baseline ? baseline_of.find({probe.operation, probe.identity})
                                         : baseline_of.end();
      if (probe.static_only) {
        reused.emplace_back(k_unsent);
      } else if (b != baseline_of.end()) {
        reused.emplace_back(b->second);
      } else {
        reused.emplace_back();
        probe_requests.push_back(probe.request);
      }
      probes.emplace_back(&probe, judge::find_check(probe.check));
    }
  }
  auto sent = traffic.send(probe_requests, "probes");
  std::vector<plan::Response> responses;
  responses.reserve(probes.size());
  for (std::size_t i = 0, k = 0; i < probes.size(); ++i) {
    if (!reused[i]) {
      responses.push_back(std::move(sent[k++]));
    } else {
      responses.push_back(*reused[i] == k_unsent ? plan::Response{} : stage2[2 * *reused[i]]);
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

  // Remove what the run created (best effort; reported either way).
  {
    std::vector<plan::Request> deletions;
    std::vector<std::size_t> which;
    for (std::size_t i = 0; i < created.size(); ++i) {
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
      created[which[k]].removal =
          r.ok() && r.status >= 200 && r.status < 300 ? "deleted" : describe(deletions[k], r);
    }
  }

  // Judge and report.
  report::ScanResult result;
  result.operations = operation_infos(p);
  const auto detectors = judge::detectors_for(config);
  if (!detectors) throw Failure(detectors.error(), k_exit_usage);
  const judge::JudgeContext jctx{p, config, knowledge, *detectors};
  for (std::size_t i = 0; i < probes.size(); ++i) {
    judge::ProbeResult r;
    r.probe = *probes[i].first;
    r.check = probes[i].second;
    r.response = std::move(responses[i]);
    result.results.push_back(std::move(r));
  }
  judge::judge_all(jctx, result.results);
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
  result.run.warnings = std::move(warnings);
  return result;
}

}  // namespace authdiff::app
