#include "app/engine.hpp"

#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <deque>
#include <exception>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <tuple>
#include <unordered_set>
#include <utility>

#include <fmt/format.h>

#include "app/traffic.hpp"
#include "judge/findings.hpp"
#include "judge/knowledge.hpp"
#include "plan/discovery.hpp"
#include "plan/probe.hpp"
#include "plan/writes.hpp"
#include "spec/model.hpp"
#include "util/error.hpp"
#include "util/strings.hpp"
#include "util/url.hpp"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace authdiff::app {

namespace {

[[noreturn]] void fail(int code, std::string message) {
  throw Failure(Error{"", 0, 0, std::move(message)}, code);
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
  b.each_leaf([&](const judge::Leaf& l) {
    seen.insert(l.value);
    return true;
  });
  bool opened = false;
  a.each_leaf([&](const judge::Leaf& l) {
    opened = judge::distinctive(l) && !seen.contains(l.value);
    return !opened;
  });
  return opened;
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
    // Only probes that test access are judged against baselines (exposure, rate-limit and
    // undocumented read answers on their own).
    const bool sent = std::any_of(o.probes.begin(), o.probes.end(), [](const plan::Probe& q) {
      const judge::Check* c = judge::find_check(q.check);
      return !q.static_only && (c == nullptr || c->info().tests_access);
    });
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
                                                  const plan::Principals& principals,
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
          const bool owned = std::any_of(
              principals.identities().begin(), principals.identities().end(), [&](const auto& id) {
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

// What every stage shares: the plan, the read-only config, the live principals (sign-in,
// discovery and the run's own objects write them) and the traffic.
struct Run {
  plan::Plan& plan;
  const config::Config& config;
  plan::Principals& principals;
  Traffic& traffic;
  const ProgressLine& progress;
  std::string tag;              // "authdiff-<pid>": makes write bodies' unique values fresh
  std::size_t bodies_made = 0;  // fresh bodies so far
  double judging = 0;           // seconds spent judging (ScanResult::run.judge_seconds)
};

// Adds its own lifetime to `total` (seconds).
class Stopwatch {
 public:
  explicit Stopwatch(double& total) : m_total(total), m_start(std::chrono::steady_clock::now()) {}
  ~Stopwatch() {
    m_total += std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
  }
  Stopwatch(const Stopwatch&) = delete;
  Stopwatch& operator=(const Stopwatch&) = delete;

 private:
  double& m_total;
  std::chrono::steady_clock::time_point m_start;
};

// Every write body gets its own unique values (e-mail addresses, usernames, slugs), so a second
// request is not refused as "already taken".
void fresh_bodies(Run& run, std::vector<plan::Request>& requests) {
  for (auto& r : requests) {
    if (!r.body.empty() && spec::is_unsafe_method(r.method))
      r.body = plan::fresh_unique_values(r.body, run.tag + "-" + std::to_string(++run.bodies_made));
  }
}

// ---- (1) Positive control ------------------------------------------------------------------

// Per identity, up to k_controls GETs it is expected to reach, fewest path parameters first.
struct Controls {
  std::vector<plan::Baseline> known;  // the baselines known before discovery; `mine` points here
  std::map<std::string, std::vector<const plan::Baseline*>> mine;
  std::vector<plan::Request> requests;  // every identity's, in `mine`'s order
};

Controls choose_controls(const Run& run) {
  if (run.plan.operations.empty())
    fail(k_exit_inconclusive, "the spec declares no operations: there is nothing to test");
  Controls c;
  c.known = plan::plan_baselines(run.plan, run.principals);
  const auto path_params = [&](const plan::Baseline* x) {
    const auto& params = run.plan.operations[x->operation].op->parameters;
    return std::count_if(params.begin(), params.end(),
                         [](const auto& q) { return q.in == "path"; });
  };
  for (const auto& id : run.principals.identities()) {
    std::vector<const plan::Baseline*> mine;
    for (const auto& b : c.known) {
      if (b.identity == id.name && run.plan.operations[b.operation].op->method == "GET")
        mine.push_back(&b);
    }
    std::stable_sort(mine.begin(), mine.end(),
                     [&](const auto* a, const auto* b) { return path_params(a) < path_params(b); });
    if (mine.size() > k_controls) mine.resize(k_controls);
    if (mine.empty()) {
      fail(k_exit_inconclusive, "identity " + id.name +
                                    ": no GET operation it is expected to reach, so its credential "
                                    "cannot be verified (check its level, scopes and owned IDs)");
    }
    c.mine[id.name] = std::move(mine);
  }
  std::map<std::string, std::vector<plan::Request>> by_identity;
  for (const auto& [name, list] : c.mine) {
    for (const auto* b : list) {
      c.requests.push_back(b->request);
      by_identity[name].push_back(b->request);
    }
  }
  return c;
}

// What the control requests got: the identities none of whose requests worked (with what the
// first got), and whether nothing answered at all.
struct ControlOutcome {
  std::map<std::string, std::string> failed;
  // Of `failed`, the identities none of whose control requests got any HTTP answer (timed out,
  // reset): that says nothing of their credential.
  std::set<std::string> unanswered;
  bool unreachable = false;
  std::vector<plan::Response> answers;  // in Controls::requests order
};

ControlOutcome run_controls(Run& run, const Controls& c, const std::string& stage) {
  ControlOutcome out;
  out.answers = run.traffic.send_once(c.requests, stage);
  std::size_t i = 0, transport = 0, server_errors = 0;
  for (const auto& [name, list] : c.mine) {
    bool ok = false, answered = false;
    std::string got;
    for (std::size_t k = 0; k < list.size(); ++k, ++i) {
      ok = ok || works(out.answers[i]);
      answered = answered || out.answers[i].ok();
      if (!out.answers[i].ok()) ++transport;
      if (out.answers[i].status >= 500) ++server_errors;
      if (got.empty()) got = describe(list[k]->request, out.answers[i]);
    }
    if (!ok) out.failed[name] = got;
    if (!ok && !answered) out.unanswered.insert(name);
  }
  out.unreachable = transport == out.answers.size();
  if (!out.failed.empty() && server_errors == out.answers.size()) {
    fail(k_exit_inconclusive, "the target answers every request with a server error (" +
                                  out.failed.begin()->second + ", and " +
                                  std::to_string(out.answers.size() - 1) +
                                  " more): a broken or wrong target, not a credential problem");
  }
  return out;
}

// Every identity must get a usable answer from something it may call (else exit 3, naming it).
// The same requests without any credential: one refused (or answered without the identity's
// data) proves the credential; none means its verdicts rest on an unproven one (a warning).
std::vector<std::string> positive_control(Run& run, const Controls& c) {
  const ControlOutcome own = run_controls(run, c, "positive control");
  if (own.unreachable) {
    fail(k_exit_inconclusive,
         "target unreachable at " + run.plan.base_url + ": " + own.failed.begin()->second);
  }
  if (!own.failed.empty()) {
    std::string message = "the credential of ";
    for (const auto& [name, got] : own.failed)
      message += (message.back() == ' ' ? "" : "; ") + name + " does not work (" + got + ")";
    fail(k_exit_inconclusive, message + ". Fix it, or every verdict would look enforced");
  }
  std::vector<plan::Request> bare = c.requests;
  for (auto& r : bare) r.credential = plan::Credential::none;
  const auto without = run.traffic.send_once(bare, "credential proof");
  std::vector<std::string> warnings;
  std::size_t i = 0;
  for (const auto& [name, list] : c.mine) {
    bool proven = false;
    std::vector<std::string> tried;
    for (std::size_t k = 0; k < list.size(); ++k, ++i) {
      proven =
          proven || (works(own.answers[i]) && opened_by_credential(own.answers[i], without[i]));
      tried.push_back(list[k]->request.method + " " +
                      run.plan.operations[list[k]->operation].op->path);
    }
    if (!proven) {
      warnings.push_back("the credential of " + name +
                         " is unproven: every operation it was checked on (" + join(tried, ", ") +
                         ") answers a caller without any credential the same, so its verdicts "
                         "may rest on a credential the API ignores");
    }
  }
  for (const auto& w : warnings) std::cerr << "authdiff: warning: " << w << "\n";
  return warnings;
}

// (4) The positive control again: a credential that stopped working voids the verdicts. One that
// merely expired is renewed; one rejected even then is not. A control that got no answer at all
// (a timeout on a loaded target) says nothing of the credential: its verdicts stand, with a
// warning. Returns the warnings.
std::vector<std::string> control_again(Run& run, const Controls& c) {
  run.traffic.renew_expiring(2);
  ControlOutcome again = run_controls(run, c, "positive control again");
  std::vector<std::string> warnings;
  if (!again.unreachable) {
    for (const auto& name : again.unanswered) {
      warnings.push_back("the positive control of " + name +
                         " got no answer at the end of the run (" + again.failed.at(name) +
                         "): its verdicts rest on the control that passed at the start");
      again.failed.erase(name);
    }
  }
  for (const auto& w : warnings) std::cerr << "authdiff: warning: " << w << "\n";
  for (auto it = again.failed.begin(); it != again.failed.end();) {
    if (again.unreachable || !run.traffic.sessions().renewable(it->first)) {
      ++it;
      continue;
    }
    run.traffic.renew(it->first);
    it = run.traffic.control_works(it->first, &it->second) ? again.failed.erase(it) : std::next(it);
  }
  if (again.failed.empty()) return warnings;
  std::string message = again.unreachable ? "the target stopped answering during the run: " : "";
  for (const auto& [name, got] : again.failed)
    message += "the credential of " + name + " stopped working during the run (" + got + "); ";
  fail(k_exit_inconclusive, message + "its verdicts cannot be trusted");
}

// ---- Discovery and the run's own objects -----------------------------------------------------

// Who owns which object IDs, from what each identity may list, every page of it (an identity's
// own objects may start on page 2); what is found is added to the principals.
plan::Discovery discover(Run& run) {
  if (!run.config.discover) return {};
  std::vector<plan::Baseline> listed = plan::discovery_requests(run.plan, run.principals);
  std::vector<plan::Request> batch;
  for (const auto& b : listed) batch.push_back(b.request);
  // Each page is read as it arrives (the next page's request, then what discovery keeps of it).
  std::vector<plan::Response> pages(listed.size());
  std::vector<std::optional<plan::Request>> nexts(listed.size());
  const auto arrived = [&](std::size_t at, std::size_t i, plan::Response&& r) {
    nexts[at + i] = plan::next_page(run.plan, listed[at + i], r);
    plan::keep_what_discovery_reads(r);
    pages[at + i] = std::move(r);
  };
  run.traffic.send(batch, "discovery",
                   [&](std::size_t i, plan::Response&& r) { arrived(0, i, std::move(r)); });
  std::vector<std::size_t> last(listed.size());
  for (std::size_t i = 0; i < last.size(); ++i) last[i] = i;
  std::set<std::pair<std::string, std::string>> asked;  // (identity, url)
  for (const auto& b : listed) asked.emplace(b.identity, b.request.url);
  for (std::size_t page = 1; page < plan::k_max_pages && !last.empty(); ++page) {
    std::vector<plan::Baseline> more;
    for (const std::size_t i : last) {
      auto& next = nexts[i];
      if (!next || !asked.emplace(listed[i].identity, next->url).second) continue;
      more.push_back({listed[i].operation, listed[i].identity, std::move(*next)});
    }
    if (more.empty()) break;
    batch.clear();
    for (const auto& b : more) batch.push_back(b.request);
    const std::size_t at = listed.size();
    last.clear();
    for (auto& b : more) {
      last.push_back(listed.size());
      listed.push_back(std::move(b));
    }
    pages.resize(listed.size());
    nexts.resize(listed.size());
    run.traffic.send(batch, "discovery (next pages)",
                     [&](std::size_t i, plan::Response&& r) { arrived(at, i, std::move(r)); });
  }
  plan::Discovery found = plan::discover_ids(run.plan, run.principals, listed, pages);
  plan::adopt(run.principals, found);
  return found;
}

// An object the run made, and the DELETE that removes it again (none: it stays, reported).
struct Made {
  plan::CreatedObject object;
  std::optional<std::size_t> removal;
};

// With unsafe methods allowed: an identity that owns no object of a collection creates one, for
// a fresh owned ID.
std::vector<Made> create_missing_objects(Run& run) {
  Batch creates;
  std::vector<std::pair<const config::Identity*, const plan::Creation*>> who;
  const auto kinds = plan::creations(run.plan);
  for (const auto& c : kinds) {
    for (const auto& id : run.principals.identities()) {
      if (!plan::may_access(run.plan.operations[c.create], &id) ||
          plan::owned_ids(id, c.resource + "/{" + c.parameter + "}", c.parameter))
        continue;
      creates.add(
          plan::make_request(run.plan, c.create, run.principals, id.name, plan::Credential::own));
      who.emplace_back(&id, &c);
    }
  }
  creates.send(run.traffic, "creating objects");
  std::vector<Made> out;
  for (std::size_t i = 0; i < creates.answers().size(); ++i) {
    const plan::Response& answer = creates.answers()[i];
    if (!answer.ok() || answer.status < 200 || answer.status >= 300) continue;
    const auto value = plan::created_id(answer);
    if (!value) continue;
    out.push_back(
        {{who[i].first->name, who[i].second->parameter, *value, "", who[i].second->resource},
         who[i].second->remove});
  }
  for (const auto& m : out)
    run.principals.add_owned(m.object.identity, m.object.resource, m.object.value);
  return out;
}

// Owned IDs that work: each identity's first ID of a resource is tried on the resource's item
// GET (GET /carts/{id}); one answered 400, 403, 404, 410 or 422 gives way to the next, up to
// three, so a baseline is not made of an ID of another resource (`owns = { id = [...] }` on an
// API where every parameter is `id`) or of a record deleted since. The order that works is kept
// under the resource's key.
void verify_owned_ids(Run& run) {
  struct Trial {
    std::string identity;
    std::size_t op;
    std::string param, resource;
    std::vector<std::string> ids;
    std::size_t at = 0;
    bool done = false;
  };
  std::vector<Trial> trials;
  std::set<std::pair<std::string, std::string>> planned;  // (identity, resource)
  for (std::size_t i = 0; i < run.plan.operations.size(); ++i) {
    const plan::OperationPlan& o = run.plan.operations[i];
    if (o.skipped || o.op->method != "GET") continue;
    const auto path_params = std::count_if(o.op->parameters.begin(), o.op->parameters.end(),
                                           [](const auto& q) { return q.in == "path"; });
    if (path_params != 1) continue;
    for (const auto& param : o.op->parameters) {
      if (param.in != "path" || !param.is_id() || !o.op->path.ends_with("/{" + param.name + "}"))
        continue;
      const std::string resource = plan::resource_of(o.op->path, param.name);
      for (const auto& id : run.principals.identities()) {
        const auto* ids = plan::owned_ids(id, o.op->path, param.name);
        if (ids == nullptr || ids->size() < 2 || !plan::may_access(o, &id) ||
            !planned.emplace(id.name, resource).second)
          continue;
        trials.push_back({id.name, i, param.name, resource, *ids});
      }
    }
  }
  for (int round = 0; round < 3; ++round) {
    std::vector<Trial*> open;
    std::vector<plan::Request> requests;
    for (auto& t : trials) {
      if (t.done || t.at >= t.ids.size()) continue;
      open.push_back(&t);
      requests.push_back(plan::make_request(run.plan, t.op, run.principals, t.identity,
                                            plan::Credential::own, {{t.param, t.ids[t.at]}}));
    }
    if (requests.empty()) break;
    const auto answers = run.traffic.send(requests, "checking owned IDs");
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
    run.principals.set_owned(t.identity, t.resource, std::move(t.ids));
  }
}

// What a POST to a collection made (a baseline's, or a probe's that got through) is deleted at
// the end like every other object the run made.
void note_created(const Run& run, const Batch& sent, std::vector<Made>& made) {
  const auto collections = plan::creations(run.plan);
  for (const auto& [i, answer] : sent.posted()) {
    const plan::Request& request = sent.requests()[i];
    if (!answer.ok() || answer.status < 200 || answer.status >= 300) continue;
    for (const auto& c : collections) {
      const std::string& create_url = run.plan.operations[c.create].url;
      if (request.url.substr(0, request.url.find('?')) !=
          create_url.substr(0, create_url.find('?')))
        continue;
      const auto id = plan::created_id(answer);
      if (!id) continue;
      made.push_back({{request.identity.empty() ? std::string(plan::k_anonymous) : request.identity,
                       c.parameter, *id, "", c.resource},
                      request.identity.empty() ? std::nullopt : c.remove});
    }
  }
}

// Remove what the run created, each as whoever made it (best effort; reported either way).
std::vector<plan::CreatedObject> remove_made(Run& run, std::vector<Made> made) {
  Batch deletions;
  std::vector<std::size_t> which;
  for (std::size_t i = 0; i < made.size(); ++i) {
    plan::CreatedObject& o = made[i].object;
    if (o.identity == plan::k_anonymous) {
      o.removal = "made by an anonymous request: no identity to delete it as";
    } else if (!made[i].removal) {
      o.removal = "no DELETE operation";
    } else {
      deletions.add(plan::make_request(run.plan, *made[i].removal, run.principals, o.identity,
                                       plan::Credential::own, {{o.parameter, o.value}}));
      which.push_back(i);
    }
  }
  deletions.send(run.traffic, "deleting created objects");
  for (std::size_t k = 0; k < deletions.answers().size(); ++k) {
    const plan::Response& r = deletions.answers()[k];
    made[which[k]].object.removal = r.ok() && r.status >= 200 && r.status < 300 ? "deleted"
                                    : r.status == 404 || r.status == 410
                                        ? "already gone"
                                        : describe(deletions.requests()[k], r);
  }
  std::vector<plan::CreatedObject> out;
  for (auto& m : made) out.push_back(std::move(m.object));
  return out;
}

// ---- Writes on objects made for them ---------------------------------------------------------

// A write request (baseline, denied fingerprint or probe of a PUT/PATCH/DELETE of one object)
// pointed at an object made for it, and its owner's reads of that object.
struct FreshObject {
  const plan::WriteTarget* target = nullptr;
  std::string owner;                 // who made it and reads it back
  plan::Request* request = nullptr;  // the write, retargeted (points into a stage's requests)
  std::string id;                    // the object's ID; "" when it could not be made
  std::string failure;               // why not
  plan::Response before, again, after;

  bool made() const { return !id.empty(); }
  // What the write did, from its owner's reads (judge::write_effect), or nullopt.
  std::optional<judge::Verdict> effect() const {
    if (!made() || target == nullptr) return std::nullopt;
    return judge::write_effect(request->method, judge::observe(before, std::nullopt),
                               judge::observe(again, std::nullopt),
                               judge::observe(after, std::nullopt));
  }
  // The answer that stands in for a write that could not be sent.
  plan::Response not_sent() const {
    plan::Response r;
    r.error = "not sent: " + failure;
    return r;
  }
};

// The writes of one object in the run, each on an object made for it (never an identity's real
// one). A write no object can be made for is not sent at all (its failure says why).
class FreshObjects {
 public:
  explicit FreshObjects(const plan::Plan& plan)
      : m_targets(plan::write_targets(plan)),
        m_untestable(m_targets.untestable.begin(), m_targets.untestable.end()) {}

  // If operation `op` writes one object, `request` (sent by `owner`'s side) gets one; its index.
  std::optional<std::size_t> claim(std::size_t op, const std::string& owner,
                                   plan::Request* request) {
    const auto* t = m_targets.find(op);
    const auto u = m_untestable.find(op);
    if (t == nullptr && u == m_untestable.end()) return std::nullopt;
    FreshObject w{t, owner, request, "", "", {}, {}, {}};
    if (t == nullptr) w.failure = u->second;
    if (t != nullptr && owner.empty())
      w.failure = "no identity may call it, so nobody can own an object for the write";
    m_objects.push_back(std::move(w));
    return m_objects.size() - 1;
  }

  FreshObject& operator[](std::size_t i) { return m_objects[i]; }
  const FreshObject& operator[](std::size_t i) const { return m_objects[i]; }
  const std::vector<FreshObject>& all() const { return m_objects; }

  // Make an object for every claimed write (as its owner, through the collection's POST, with
  // fresh unique values), read each twice, and point each write at its object.
  void make(Run& run) {
    Batch creates;
    std::vector<FreshObject*> made_for;
    for (std::size_t i = 0; i < m_objects.size(); ++i) {
      if (m_objects[i].target == nullptr) continue;  // untestable: its failure says why
      plan::Request c = plan::make_request(run.plan, m_objects[i].target->create, run.principals,
                                           m_objects[i].owner, plan::Credential::own);
      c.body = plan::fresh_unique_values(c.body, run.tag + "-o-" + std::to_string(i));
      creates.add(std::move(c));
      made_for.push_back(&m_objects[i]);
    }
    creates.send(run.traffic, "creating objects for writes");
    Batch reads;
    for (std::size_t i = 0; i < made_for.size(); ++i) {
      FreshObject& w = *made_for[i];
      const plan::Response& made = creates.answers()[i];
      const auto id = made.ok() && made.status >= 200 && made.status < 300 ? plan::created_id(made)
                                                                           : std::nullopt;
      if (!id) {
        w.failure =
            "could not create an object for the write: " + describe(creates.requests()[i], made) +
            (made.ok() && made.status < 300 ? " without naming its id" : "");
        continue;
      }
      w.id = *id;
      reads.add(plan::make_request(run.plan, w.target->read, run.principals, w.owner,
                                   plan::Credential::own, {{w.target->parameter, w.id}}),
                {&w.before});
      reads.add(reads.requests().back(), {&w.again});
      retarget(run, w);
    }
    reads.send(run.traffic, "reading objects for writes");
  }

  // Each owner reads the objects of `which` back after the writes were sent.
  void read_back(Run& run, const std::vector<std::size_t>& which) {
    Batch reads;
    for (const std::size_t i : which) {
      FreshObject& w = m_objects[i];
      if (!w.made()) continue;
      reads.add(plan::make_request(run.plan, w.target->read, run.principals, w.owner,
                                   plan::Credential::own, {{w.target->parameter, w.id}}),
                {&w.after});
    }
    reads.send(run.traffic, "reading written objects back");
  }

  // The objects made for writes, to delete at the end (as their owners; one a write deleted is
  // already gone).
  std::vector<Made> made(const plan::Plan& plan) const {
    std::vector<Made> out;
    for (const auto& w : m_objects) {
      if (!w.made() || w.target == nullptr) continue;
      const plan::OperationPlan& item = plan.operations[w.target->read];
      std::optional<std::size_t> remove;
      for (std::size_t d = 0; d < plan.operations.size(); ++d) {
        if (plan.operations[d].op->method == "DELETE" &&
            plan.operations[d].op->path == item.op->path && !plan.operations[d].excluded)
          remove = d;
      }
      out.push_back({{w.owner, w.target->parameter, w.id, "",
                      plan::resource_of(item.op->path, w.target->parameter)},
                     remove});
    }
    return out;
  }

 private:
  // Point the write at the new object: the ID the plan put in it (the owner's first owned ID of
  // the resource) is replaced where it stands, so path variants keep their shape.
  static void retarget(const Run& run, FreshObject& w) {
    const config::Identity* owner = run.principals.identity(w.owner);
    const auto* ids = owner == nullptr
                          ? nullptr
                          : plan::owned_ids(*owner, run.plan.operations[w.target->write].op->path,
                                            w.target->parameter);
    std::optional<std::string> url;
    if (ids != nullptr && !ids->empty())
      url = plan::with_object(w.request->url, ids->front(), w.id);
    if (!url) {
      url = plan::make_request(run.plan, w.target->write, run.principals, w.request->identity,
                               w.request->credential, {{w.target->parameter, w.id}})
                .url;
    }
    w.request->url = *url;
  }

  plan::WriteTargets m_targets;
  std::map<std::size_t, std::string> m_untestable;
  std::vector<FreshObject> m_objects;
};

// ---- (2) Baselines and denied fingerprints ----------------------------------------------------

// A baseline request and its two answers (what changes between them is volatile); a write is
// sent once, on its own object, and its answer stands for both.
struct BaselineAnswers {
  plan::Baseline baseline;
  std::optional<std::size_t> object;  // into FreshObjects
  plan::Response first, second;
  int arrived = 0;       // answers in so far (a read: each learned as it arrives)
  bool learned = false;  // in the Knowledge already
  std::optional<judge::Knowledge::Pending> pending;  // a read's first answer, learned
  bool keep = false;  // a probe is judged on its first answer: keep that one's body
};

// What a garbage credential gets from a guarded operation: what a denial looks like there.
struct Fingerprint {
  std::size_t operation = 0;
  std::string owner;  // whose objects the request names
  plan::Request request;
  std::optional<std::size_t> object;
  plan::Response answer;
};

struct Baselines {
  std::vector<BaselineAnswers> baselines;
  std::vector<Fingerprint> fingerprints;
};

Baselines plan_baseline_stage(const Run& run, const judge::Mutations& mutations,
                              const judge::CheckOptions& options) {
  Baselines out;
  for (auto& b : plan::plan_baselines(run.plan, run.principals))
    out.baselines.emplace_back().baseline = std::move(b);
  const judge::PlanContext ctx{run.plan, run.config, run.principals, mutations, options};
  for (std::size_t i = 0; i < run.plan.operations.size(); ++i) {
    const plan::OperationPlan& o = run.plan.operations[i];
    if (o.skipped || o.probes.empty() || o.expect.access == config::Access::everyone) continue;
    const config::Identity* victim = judge::victim_for(ctx, i);
    if (victim == nullptr) continue;
    plan::Overrides ids;
    plan::owned_path_ids(o, *victim, ids);
    out.fingerprints.push_back({i,
                                victim->name,
                                plan::make_request(run.plan, i, run.principals, victim->name,
                                                   plan::Credential::garbage, ids),
                                std::nullopt,
                                {}});
  }
  return out;
}

// Send every baseline twice (a write once) and every fingerprint; writes on fresh objects.
// A read baseline's answers are learned as each arrives, and their bodies dropped: a run of
// large answers holds the answers in flight, not every baseline's two.
void learn_baseline(Run& run, judge::Knowledge& knowledge, BaselineAnswers& b) {
  const Stopwatch clock(run.judging);
  const std::size_t op = b.baseline.operation;
  knowledge.add_baseline(
      b.baseline, b.first, b.second, judge::list_pointer_of(run.plan, op),
      judge::foreign_items(run.plan, op, run.principals, b.baseline.identity, b.first));
  b.learned = true;
  b.second.release();
  if (!b.keep) b.first.release();
}

void send_baselines(Run& run, Baselines& stage, FreshObjects& fresh, std::vector<Made>& made,
                    judge::Knowledge& knowledge) {
  // Reads first, then writes: a baseline read sent beside a POST that adds to the same list
  // would see the new object or not depending on which answer came first.
  Batch reads, writes;
  const auto batch_of = [&](const plan::Request& r) -> Batch& {
    return spec::is_unsafe_method(r.method) ? writes : reads;
  };
  for (auto& b : stage.baselines) {
    if (b.object && !fresh[*b.object].made()) {
      b.first = b.second = fresh[*b.object].not_sent();
      continue;
    }
    Batch& batch = batch_of(b.baseline.request);
    if (b.object) {
      batch.add(b.baseline.request, {&b.first, &b.second});
    } else {
      for (int copy = 0; copy < 2; ++copy) {
        batch.add(b.baseline.request, [&run, &knowledge, &b](plan::Response&& r) {
          const Stopwatch clock(run.judging);
          const std::size_t op = b.baseline.operation;
          if (b.arrived++ == 0) {
            // Whichever copy comes first is the reference; its body stays only where a probe
            // is judged on it.
            b.first = std::move(r);
            b.pending = knowledge.first_copy(
                b.baseline, b.first, judge::list_pointer_of(run.plan, op),
                judge::foreign_items(run.plan, op, run.principals, b.baseline.identity, b.first));
            if (!b.keep) b.first.release();
          } else {
            knowledge.second_copy(std::move(*b.pending), r);
            b.pending.reset();
            b.learned = true;
          }
        });
      }
    }
  }
  for (auto& f : stage.fingerprints) {
    if (f.object && !fresh[*f.object].made()) {
      f.answer = fresh[*f.object].not_sent();
      continue;
    }
    batch_of(f.request).add(f.request, {&f.answer});
  }
  reads.send(run.traffic, "baselines");
  note_created(run, reads, made);
  fresh_bodies(run, writes.requests());
  writes.send(run.traffic, "baselines (writes)");
  note_created(run, writes, made);
  // A garbage credential whose write went through (the object is gone or changed) shows no
  // denial: it is no fingerprint.
  std::vector<std::size_t> written;
  for (const auto& f : stage.fingerprints) {
    if (f.object) written.push_back(*f.object);
  }
  fresh.read_back(run, written);
}

// What the baselines taught: values each identity legitimately sees, volatile leaves, and what
// a denial looks like per operation.
void learn_from(Run& run, Baselines& stage, const FreshObjects& fresh,
                judge::Knowledge& knowledge) {
  for (auto& b : stage.baselines) {
    if (b.pending) {  // one copy never came (the run stopped): the other counts as nothing
      knowledge.second_copy(std::move(*b.pending), b.second);
      b.pending.reset();
      b.learned = true;
    }
    if (!b.learned) learn_baseline(run, knowledge, b);
  }
  for (const auto& f : stage.fingerprints) {
    if (f.object) {
      if (!fresh[*f.object].made()) continue;
      const auto effect = fresh[*f.object].effect();
      if (!effect || effect->state == judge::State::bypassed) continue;
    }
    knowledge.add_denied(f.operation, f.answer);
  }
  knowledge.finish();
}

// ---- (3) Probes ---------------------------------------------------------------------------------

// A probe, the check that planned it, and its answer.
struct ProbeAnswer {
  const plan::Probe* probe = nullptr;
  const judge::Check* check = nullptr;
  std::optional<std::size_t> object;  // a write on its own object
  plan::Response answer;
  // Judged as its answer arrived (then `answer` is empty). On the heap: most probes are, and a
  // ProbeAnswer waiting for its answer stays small.
  std::unique_ptr<judge::ProbeResult> judged;
};

// An answer this large was parsed into many times its size while judged: that memory is handed
// back to the system once it is free, so this thread's peak does not add to the next one's.
constexpr std::size_t k_large_answer = 1u << 20;

void release_free_memory() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

// Judge `p` on `answer` now (judge::judge_one), keeping the verdict and not the body.
void judge_now(Run& run, const judge::JudgeContext& ctx, ProbeAnswer& p, plan::Response&& answer) {
  const Stopwatch clock(run.judging);
  if (p.check == nullptr) {
    p.answer = std::move(answer);
    return;
  }
  auto r = std::make_unique<judge::ProbeResult>();
  r->probe = *p.probe;
  r->check = p.check;
  const bool large = answer.body.size() >= k_large_answer;
  r->response = std::move(answer);
  judge::judge_one(ctx, *r);
  p.judged = std::move(r);
  if (large) release_free_memory();
}

// Send the probes: reads first, then writes of one object (each on its own fresh object, read
// back by its owner afterwards). A probe judged on a baseline's answer is not sent again, one
// judged on the spec alone is not sent at all, and a write whose object could not be made
// neither.
// Probes sent in series (weak-credentials' sign-in attempts): each series one attempt at a time,
// the series side by side, a pause between rounds; a series ends at the first answer its check
// says ends it (a sign-in that worked, a lockout), and what it did not send says why.
void send_series(Run& run, const std::vector<ProbeAnswer*>& probes) {
  struct Series {
    std::string family;
    std::vector<ProbeAnswer*> attempts;
    std::size_t next = 0;
    std::string ended;  // why it ended early, or ""
  };
  std::vector<Series> all;
  std::map<std::string, std::size_t> index;
  for (ProbeAnswer* p : probes) {
    const auto [it, fresh] = index.emplace(p->probe->series, all.size());
    if (fresh) all.push_back({p->probe->family, {}, 0, ""});
    all[it->second].attempts.push_back(p);
  }
  const auto active = [](const Series& s) { return s.ended.empty() && s.next < s.attempts.size(); };
  double pause = 0;
  for (bool first = true; std::any_of(all.begin(), all.end(), active); first = false) {
    if (!first && pause > 0)
      std::this_thread::sleep_for(std::chrono::duration<double>(std::min(pause, 60.0)));
    Batch round;
    std::vector<std::pair<Series*, ProbeAnswer*>> sent;
    for (Series& s : all) {
      if (!active(s)) continue;
      ProbeAnswer* p = s.attempts[s.next++];
      round.add(p->probe->request, {&p->answer});
      sent.emplace_back(&s, p);
      pause = std::max(pause, p->probe->pause);
    }
    round.send(run.traffic, "sign-in attempts");
    for (auto& [s, p] : sent) {
      if (p->check == nullptr) continue;
      std::string why;
      const auto next = p->check->after(*p->probe, p->answer, &why);
      if (next == judge::Check::Next::end_series && s->ended.empty()) s->ended = why;
      if (next == judge::Check::Next::end_family) {
        for (Series& other : all) {
          if (other.family == s->family && other.ended.empty()) other.ended = why;
        }
      }
    }
  }
  for (Series& s : all) {
    for (std::size_t i = s.next; i < s.attempts.size(); ++i)
      s.attempts[i]->answer.error = "not sent: the series ended: " + s.ended;
  }
}

// Judges probes on a thread of its own while the sender goes on: the sending thread hands each
// answer over (waiting only when too many bodies are queued, so memory stays bounded) and the
// verdicts are all in once finish() returns. Judging reads the knowledge, the plan and the
// config, all fixed while probes are sent.
class Judging {
 public:
  Judging(Run& run, const judge::JudgeContext& ctx)
      : m_run(run), m_ctx(ctx), m_thread([this] { work(); }) {}
  ~Judging() { stop(); }
  Judging(const Judging&) = delete;
  Judging& operator=(const Judging&) = delete;

  void add(ProbeAnswer& p, plan::Response&& answer) {
    std::unique_lock lock(m_mutex);
    m_room.wait(lock, [&] { return m_queued_bytes < k_max_queued_bytes || m_queue.empty(); });
    m_queued_bytes += answer.body.size();
    m_queue.emplace_back(&p, std::move(answer));
    m_ready.notify_one();
  }

  // Wait until every answer handed over is judged; what judging threw is thrown here.
  void finish() {
    stop();
    if (m_error) std::rethrow_exception(std::exchange(m_error, nullptr));
  }

 private:
  // Thousands of ordinary answers, or one or two large lists: judging a 5 MB list takes longer
  // than receiving it, so a larger bound only holds more bodies without judging sooner.
  static constexpr std::size_t k_max_queued_bytes = 8u << 20;

  void stop() {
    {
      const std::lock_guard lock(m_mutex);
      if (m_closed) return;
      m_closed = true;
      m_ready.notify_one();
    }
    m_thread.join();
  }

  void work() {
    std::unique_lock lock(m_mutex);
    for (;;) {
      m_ready.wait(lock, [&] { return m_closed || !m_queue.empty(); });
      if (m_queue.empty()) return;
      auto [p, answer] = std::move(m_queue.front());
      m_queue.pop_front();
      m_queued_bytes -= answer.body.size();
      m_room.notify_one();
      lock.unlock();
      try {
        judge_now(m_run, m_ctx, *p, std::move(answer));
      } catch (...) {
        if (!m_error) m_error = std::current_exception();  // the first one; finish() throws it
      }
      lock.lock();
    }
  }

  Run& m_run;
  const judge::JudgeContext& m_ctx;
  std::mutex m_mutex;
  std::condition_variable m_ready, m_room;
  std::deque<std::pair<ProbeAnswer*, plan::Response>> m_queue;
  std::size_t m_queued_bytes = 0;
  bool m_closed = false;
  std::exception_ptr m_error;  // written by the judging thread only, read after it is joined
  std::thread m_thread;        // last: starts once the rest is built
};

std::vector<ProbeAnswer> send_probes(Run& run, const judge::JudgeContext& ctx, Baselines& stage,
                                     FreshObjects& fresh,
                                     const std::map<const plan::Probe*, std::size_t>& objects,
                                     std::vector<Made>& made) {
  std::map<std::pair<std::size_t, std::string>, const BaselineAnswers*> baseline_of;
  for (const auto& b : stage.baselines)
    baseline_of.emplace(std::pair{b.baseline.operation, b.baseline.identity}, &b);
  std::vector<ProbeAnswer> out;
  std::size_t probes = 0;
  for (const auto& op : run.plan.operations) probes += op.probes.size();
  out.reserve(probes);  // ProbeAnswers are pointed to once judging starts: they never move
  for (const auto& op : run.plan.operations) {
    for (const auto& probe : op.probes) {
      // A rechecked finding on a sign-in answer is not sent again: it is judged on what this
      // run's own sign-in answered (sign_in_answers() makes its result from that exchange).
      if (probe.parameter == "sign-in") continue;
      const auto o = objects.find(&probe);
      out.push_back({&probe,
                     judge::find_check(probe.check),
                     o == objects.end() ? std::nullopt : std::optional(o->second),
                     {},
                     nullptr});
    }
  }
  Judging judging(run, ctx);
  Batch reads, writes;
  std::vector<std::size_t> written;
  std::vector<ProbeAnswer*> serial;
  for (auto& p : out) {
    const plan::Probe& probe = *p.probe;
    const auto b = probe.from_baseline ? baseline_of.find({probe.operation, probe.identity})
                                       : baseline_of.end();
    if (probe.static_only) continue;
    if (!probe.series.empty()) {
      serial.push_back(&p);
    } else if (b != baseline_of.end()) {
      judge_now(run, ctx, p, plan::Response(b->second->first));
    } else if (p.object && !fresh[*p.object].made()) {
      p.answer = fresh[*p.object].not_sent();
    } else if (p.object) {
      writes.add(probe.request, {&p.answer});
      written.push_back(*p.object);
    } else {
      reads.add(probe.request,
                [&judging, &p](plan::Response&& r) { judging.add(p, std::move(r)); });
    }
  }
  // What the baselines taught is in the Knowledge now: their bodies are not needed any more.
  for (auto& b : stage.baselines) {
    b.first.release();
    b.second.release();
  }
  for (auto& f : stage.fingerprints) f.answer.release();
  fresh_bodies(run, reads.requests());
  fresh_bodies(run, writes.requests());
  reads.send(run.traffic, "probes");
  judging.finish();
  note_created(run, reads, made);
  writes.send(run.traffic, "write probes");
  fresh.read_back(run, written);
  send_series(run, serial);
  return out;
}

// ---- Judging ------------------------------------------------------------------------------------

// What each identity's sign-in answered, as a probe of the sign-in operation for the checks that
// read such answers (where the sign-in is an operation of the spec).
std::vector<judge::ProbeResult> sign_in_answers(const Run& run) {
  std::vector<const judge::Check*> reading;
  for (const auto& o : run.plan.operations) {
    for (const auto& q : o.probes) {
      const judge::Check* c = judge::find_check(q.check);
      if (c != nullptr && c->info().reads_sign_in &&
          std::find(reading.begin(), reading.end(), c) == reading.end())
        reading.push_back(c);
    }
  }
  std::vector<judge::ProbeResult> out;
  if (reading.empty()) return out;
  for (const auto& id : run.principals.identities()) {
    const auto* answer = run.traffic.sessions().sign_in_answer(id.name);
    if (answer == nullptr) continue;
    const std::string url = answer->request.url.substr(0, answer->request.url.find('?'));
    for (std::size_t i = 0; i < run.plan.operations.size(); ++i) {
      const auto& o = run.plan.operations[i];
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
        out.push_back(std::move(r));
      }
      break;
    }
  }
  return out;
}

// Judge every probe. A write is judged by what it did to its object, not by its status alone;
// the checks then relate verdicts as usual (a guard bypass only counts where the plain request
// was denied).
std::vector<judge::ProbeResult> judge_probes(const judge::JudgeContext& ctx,
                                             std::vector<ProbeAnswer> answers,
                                             std::vector<judge::ProbeResult> extra,
                                             const FreshObjects& fresh) {
  std::vector<judge::ProbeResult> results;
  results.reserve(answers.size() + extra.size());
  std::vector<std::optional<std::size_t>> objects;
  for (auto& a : answers) {
    if (a.judged) {
      results.push_back(std::move(*a.judged));
      a.judged.reset();
      objects.push_back(a.object);
      continue;
    }
    judge::ProbeResult r;
    r.probe = *a.probe;
    r.check = a.check;
    r.response = std::move(a.answer);
    results.push_back(std::move(r));
    objects.push_back(a.object);
  }
  for (auto& r : extra) results.push_back(std::move(r));
  judge::judge_all(ctx, results, [&](std::vector<judge::ProbeResult>& all) {
    for (std::size_t i = 0; i < objects.size(); ++i) {
      if (!objects[i]) continue;
      auto effect = fresh[*objects[i]].effect();
      if (!effect) continue;
      judge::Verdict& v = all[i].verdict;
      if (v.state == judge::State::inconclusive && effect->state == judge::State::enforced)
        continue;  // unchanged, but the probe itself could not be judged (a 5xx, no answer)
      effect->severity = v.severity;
      effect->reason = std::to_string(all[i].response.status) + " to the " +
                       all[i].probe.request.method + "; " + effect->reason;
      v = std::move(*effect);
    }
  });
  // The evidence is extracted (and masked); the raw bodies are not kept past judging.
  for (auto& r : results) r.response.body = std::string();
  return results;
}

http::Options sender_options(const plan::Plan& p, const config::Config& config,
                             const Console& console) {
  http::Options o;
  o.base_url = p.base_url;
  o.also = config.target.also;
  o.concurrency = config.limits.concurrency;
  o.rate = config.limits.rate;
  o.timeout = config.limits.timeout;
  o.max_body = config.limits.max_body;
  o.budget = config.limits.budget;
  o.proxy = config.target.proxy;
  o.insecure = config.target.insecure;
  o.ca_file = config.target.ca_file;
  for (const auto& [k, v] : config.target.headers) o.extra_headers.emplace_back(k, v);
  if (console.verbose) o.log = log_exchange;
  return o;
}

}  // namespace

report::ScanResult execute(plan::Plan& p, const config::Config& config,
                           const judge::Mutations& mutations, const judge::CheckOptions& options,
                           const Console& console, const PlanProbes& plan_probes) {
  plan::Principals principals(config.identities);
  const ProgressLine progress(console.progress && !console.verbose);
  Traffic traffic(sender_options(p, config, console), principals, progress);  // signs in
  Run run{p, config, principals, traffic, progress, "authdiff-" + std::to_string(::getpid()), 0, 0};

  // (1) Positive control, then what the identities own, then the checks' probes.
  const Controls controls = choose_controls(run);
  traffic.set_controls([&] {
    std::map<std::string, std::vector<plan::Request>> by_identity;
    for (const auto& [name, list] : controls.mine) {
      for (const auto* b : list) by_identity[name].push_back(b->request);
    }
    return by_identity;
  }());
  std::vector<std::string> warnings = positive_control(run, controls);
  const plan::Discovery discovery = discover(run);
  std::vector<Made> made = create_missing_objects(run);
  verify_owned_ids(run);
  if (plan_probes) plan_probes(p, principals);

  // (2) Baselines and fingerprints; writes of one object act on objects made for them.
  Baselines stage = plan_baseline_stage(run, mutations, options);
  FreshObjects fresh(p);
  for (auto& b : stage.baselines)
    b.object = fresh.claim(b.baseline.operation, b.baseline.identity, &b.baseline.request);
  for (auto& f : stage.fingerprints) f.object = fresh.claim(f.operation, f.owner, &f.request);
  std::map<const plan::Probe*, std::size_t> probe_objects;
  for (std::size_t i = 0; i < p.operations.size(); ++i) {
    for (auto& probe : p.operations[i].probes) {
      if (probe.static_only || probe.from_baseline) continue;
      if (const auto o = fresh.claim(i, probe.victim, &probe.request)) probe_objects[&probe] = *o;
    }
  }
  fresh.make(run);
  // A probe judged on a baseline's answer needs that answer's body after learning.
  std::set<std::pair<std::size_t, std::string>> kept;
  for (std::size_t i = 0; i < p.operations.size(); ++i) {
    for (const auto& probe : p.operations[i].probes) {
      if (probe.from_baseline) kept.emplace(probe.operation, probe.identity);
    }
  }
  for (auto& b : stage.baselines)
    b.keep = kept.contains({b.baseline.operation, b.baseline.identity});
  judge::Knowledge knowledge;
  send_baselines(run, stage, fresh, made, knowledge);
  learn_from(run, stage, fresh, knowledge);
  release_free_memory();

  // (3) Probes, (4) the positive control again (unless the budget ran out: nothing can be
  // sent, and the run says so instead), then the run's own objects are removed.
  const auto detectors = judge::detectors_for(config);
  if (!detectors) throw Failure(detectors.error(), k_exit_usage);
  const judge::JudgeContext ctx{p, config, principals, knowledge, *detectors, options};
  std::vector<ProbeAnswer> answers = send_probes(run, ctx, stage, fresh, probe_objects, made);
  if (!traffic.exhausted()) {
    for (auto& w : control_again(run, controls)) warnings.push_back(std::move(w));
  }
  for (auto& m : fresh.made(p)) made.push_back(std::move(m));
  std::vector<plan::CreatedObject> created = remove_made(run, std::move(made));

  // Judge (what was not judged as it arrived) and report.
  report::ScanResult result;
  result.operations = operation_infos(p);
  {
    const Stopwatch clock(run.judging);
    result.results = judge_probes(ctx, std::move(answers), sign_in_answers(run), fresh);
    result.findings = judge::collect_findings(p, config, principals, result.results);
  }
  result.run.judge_seconds = run.judging;
  result.run.base_url = p.base_url;
  result.run.requests = traffic.requests();
  result.run.discovered = discovery.owned;
  result.run.created = std::move(created);
  result.run.shared_ids = discovery.shared;
  result.run.send_seconds = traffic.seconds();
  result.run.blind = blindness(p, knowledge);
  result.run.budget = traffic.budget_note();
  result.untested = untested_operations(p, principals, result.results);
  result.run.warnings = std::move(warnings);
  return result;
}

}  // namespace authdiff::app
