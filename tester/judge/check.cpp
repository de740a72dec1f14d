#include "judge/check.hpp"

#include <filesystem>
#include <unordered_map>
#include <unordered_set>

#include "util/file.hpp"
#include "util/strings.hpp"

namespace authdiff::judge {

// Defined in the generated mutations_default.cpp (from corpus/mutations/).
extern const char* const k_default_ids;
extern const char* const k_default_page_sizes;
extern const char* const k_default_bypass;

namespace {
std::vector<std::string> rules(std::string_view text) {
  std::vector<std::string> out;
  for (const auto& line : split(text, '\n')) {
    const std::string_view rule = trim(std::string_view(line).substr(0, line.find('#')));
    if (!rule.empty()) out.emplace_back(rule);
  }
  return out;
}
}  // namespace

Mutations Mutations::defaults() {
  Mutations m;
  m.ids = rules(k_default_ids);
  m.page_sizes = rules(k_default_page_sizes);
  m.bypass = rules(k_default_bypass);
  return m;
}

Result<bool> Mutations::extend_from(const std::string& dir) {
  if (!std::filesystem::is_directory(dir)) return Error{dir, 0, 0, "not a directory"};
  for (const auto& [file, target] :
       {std::pair{"ids.txt", &ids}, std::pair{"page-sizes.txt", &page_sizes},
        std::pair{"bypass.txt", &bypass}}) {
    const std::string path = dir + "/" + file;
    if (!std::filesystem::exists(path)) continue;
    auto text = read_file(path);
    if (!text) return text.error();
    if (target == &bypass) {
      const auto lines = split(*text, '\n');
      for (std::size_t i = 0; i < lines.size(); ++i) {
        const std::string_view rule =
            trim(std::string_view(lines[i]).substr(0, lines[i].find('#')));
        if (rule.empty()) continue;
        const std::string verb(rule.substr(0, rule.find(' ')));
        const bool known = verb == "path" || verb == "header" || verb == "rewrite" ||
                           verb == "method" || verb == "override";
        if (!known || rule.find(' ') == std::string_view::npos ||
            (verb == "header" && rule.find(':') == std::string_view::npos)) {
          return Error{path, static_cast<int>(i + 1), 1,
                       "not a bypass rule: \"" + std::string(rule) +
                           "\" (expected path, header NAME: VALUE, rewrite, method or override "
                           "followed by its argument)"};
        }
      }
    }
    for (auto& r : rules(*text)) {
      if (std::find(target->begin(), target->end(), r) == target->end())
        target->push_back(std::move(r));
    }
  }
  return true;
}

namespace {

std::vector<std::string> exposed_classes(const Detectors& detectors,
                                         const plan::Response& response) {
  std::vector<std::string> out;
  for (const auto& d : sensitive_data(detectors, response)) {
    if (std::find(out.begin(), out.end(), d.data_class) == out.end()) out.push_back(d.data_class);
  }
  return out;
}

}  // namespace

Carried carried_by(const plan::Response& response) {
  Carried out;
  const Observation o = observe(response, std::nullopt);
  if (!o.is_2xx() || !o.error_like.empty()) return out;
  o.each_leaf([&](const Leaf& leaf) {
    out.data = out.data || distinctive(leaf);
    const std::string name = leaf.pointer.substr(leaf.pointer.rfind('/') + 1);
    const std::string c = field_class(name);
    if (c.empty() || c == k_email || to_lower(name).find("token") != std::string::npos) return true;
    if (std::find(out.sensitive_fields.begin(), out.sensitive_fields.end(), name) ==
            out.sensitive_fields.end() &&
        out.sensitive_fields.size() < 6)
      out.sensitive_fields.push_back(name);
    return true;
  });
  return out;
}

Reach reach_of(const JudgeContext& ctx, const ProbeResult& r) {
  const CheckInfo& info = r.check->info();
  if (info.names_request || (info.sends_variants && !r.probe.plain)) return Reach::not_applicable;
  if (r.verdict.state == State::bypassed) return Reach::allowed;
  const plan::Response& a = r.response;
  // No answer, a server error, or throttling: not an answer about authorization.
  if (!a.ok() || a.status >= 500 || a.status == 408 || a.status == 429)
    return Reach::not_applicable;
  if (a.status < 200 || a.status >= 300) return Reach::denied;
  // A large answer is data, not an error page: not parsed again for this.
  if (a.body.size() > k_reach_parse_limit) return Reach::allowed;
  const Observation o = observe(a, list_pointer_of(ctx.plan, r.probe.operation));
  return ctx.knowledge.looks_denied(r.probe.operation, o, nullptr) ? Reach::denied : Reach::allowed;
}

void judge_one(const JudgeContext& ctx, ProbeResult& r, bool keep_body) {
  r.verdict = r.check->judge(ctx, r.probe, r.response);
  if (!r.verdict.reach && !r.probe.static_only) r.verdict.reach = reach_of(ctx, r);
  if (r.probe.request.identity.empty()) r.carried = carried_by(r.response);
  if (r.verdict.state == State::bypassed && r.check->wrong_caller())
    r.exposed = exposed_classes(ctx.detectors, r.response);
  r.judged = true;
  if (!keep_body && !r.check->keeps_answer(r.probe)) r.response.release();
}

void judge_all(const JudgeContext& ctx, std::vector<ProbeResult>& results,
               const std::function<void(std::vector<ProbeResult>&)>& revise) {
  for (auto& r : results) {
    if (!r.judged) judge_one(ctx, r, true);
  }
  if (revise) revise(results);
  // relate() may replace a verdict whole: what judge_one learned of the sender's reach stays,
  // and a probe that turned out to get through did reach.
  std::vector<std::optional<Reach>> reach(results.size());
  for (std::size_t i = 0; i < results.size(); ++i) reach[i] = results[i].verdict.reach;
  for (const Check* c : registry()) c->relate(ctx, results);
  for (std::size_t i = 0; i < results.size(); ++i) {
    Verdict& v = results[i].verdict;
    if (v.reach || results[i].probe.static_only) continue;
    v.reach = v.state == State::bypassed ? std::optional(Reach::allowed) : reach[i];
  }
  // What exactly got out: unmasked sensitive data in a response the caller should not have
  // makes the finding critical and names the data classes. (A verdict that only became
  // bypassed after judging, a write's effect, is read from the body still there.)
  for (auto& r : results) {
    if (r.verdict.state != State::bypassed || !r.check->wrong_caller()) continue;
    if (r.exposed.empty() && !r.response.body.empty())
      r.exposed = exposed_classes(ctx.detectors, r.response);
    bool raise = false;
    for (const auto& data_class : r.exposed) {
      if (std::find(r.verdict.data.begin(), r.verdict.data.end(), data_class) ==
          r.verdict.data.end())
        r.verdict.data.push_back(data_class);
      raise = raise || data_class != k_email;
    }
    if (raise) r.verdict.severity = Severity::critical;
  }
}

Result<Detectors> detectors_for(const config::Config& config) {
  std::vector<CustomDetector> custom;
  for (const auto& d : config.sensitive.detectors) custom.push_back({d.name, d.pattern, d.field});
  auto out = Detectors::with_custom(custom);
  if (!out) {
    // Name the detector's line in the config.
    for (const auto& d : config.sensitive.detectors) {
      if (out.error().message.find(d.name) != std::string::npos)
        return Error{config.file, d.line, 0, out.error().message};
    }
    return Error{config.file, 0, 0, out.error().message};
  }
  return out;
}

std::vector<Detection> sensitive_data(const Detectors& detectors, const plan::Response& response) {
  const Observation o = observe(response, std::nullopt);
  std::vector<Detection> found = o.json ? detectors.scan(o) : detectors.scan_text(response.body);
  std::erase_if(found, [](const Detection& d) { return !d.unmasked; });
  return found;
}

bool ordinary_caller(const config::Config& config, const plan::Principals& principals,
                     const std::string& identity) {
  if (identity.empty()) return true;
  const config::Identity* id = principals.identity(identity);
  if (id == nullptr) return true;
  std::optional<int> privileged = config.sensitive.privileged_level;
  if (!privileged) {
    int lo = id->level, hi = id->level;
    for (const auto& other : principals.identities()) {
      lo = std::min(lo, other.level);
      hi = std::max(hi, other.level);
    }
    if (lo == hi) return true;
    privileged = hi;
  }
  return id->level < *privileged;
}

const config::Identity* victim_for(const PlanContext& ctx, std::size_t op) {
  const plan::OperationPlan& p = ctx.plan.operations[op];
  const config::Identity* best = nullptr;
  for (const auto& id : ctx.principals.identities()) {
    if (!plan::may_access(p, &id)) continue;
    if (p.expect.access == config::Access::owner) {
      plan::Overrides ids;
      const bool has_id_param =
          std::any_of(p.op->parameters.begin(), p.op->parameters.end(),
                      [](const auto& q) { return q.in == "path" && q.is_id(); });
      if (has_id_param && !plan::owned_path_ids(p, id, ids)) continue;
    }
    if (best == nullptr || id.level > best->level) best = &id;
  }
  return best;
}

const config::Identity* guarded_victim(const PlanContext& ctx, std::size_t op,
                                       plan::Overrides& ids) {
  const plan::OperationPlan& p = ctx.plan.operations[op];
  if (p.skipped || p.expect.access == config::Access::everyone) return nullptr;
  const config::Identity* victim = victim_for(ctx, op);
  if (victim != nullptr) plan::owned_path_ids(p, *victim, ids);
  return victim;
}

std::optional<Verdict> write_effect(const std::string& method, const Observation& before,
                                    const Observation& again, const Observation& after) {
  if (!before.is_2xx() || before.transport_error) return std::nullopt;
  if (after.status == 404 || after.status == 410) {
    Verdict v;
    v.state = State::bypassed;
    v.reason = "read back by its owner the object is gone (" + std::to_string(after.status) +
               "): the " + method + " went through";
    return v;
  }
  if (!after.is_2xx() || after.transport_error || !before.json || !after.json) return std::nullopt;
  // A soft delete keeps the object but marks it: a changed leaf says so below.
  const auto unstable = volatile_pointers(before, again);
  std::unordered_map<std::string, std::string> was;
  std::vector<std::string> order;  // before's pointers, in document order
  before.each_leaf([&](const Leaf& leaf) {
    if (was.emplace(leaf.pointer, leaf.value).second) order.push_back(leaf.pointer);
    return true;
  });
  Verdict v;
  std::unordered_set<std::string> seen;
  after.each_leaf([&](const Leaf& leaf) {
    seen.insert(leaf.pointer);
    if (unstable.contains(leaf.pointer)) return true;
    const auto it = was.find(leaf.pointer);
    if (it != was.end() && it->second == leaf.value) return true;
    ++v.leaked;
    if (v.evidence.size() < k_max_evidence)
      v.evidence.push_back({leaf.pointer, "now " + mask(leaf.value)});
    return true;
  });
  for (const auto& pointer : order) {
    if (!seen.contains(pointer) && !unstable.contains(pointer)) {
      ++v.leaked;
      if (v.evidence.size() < k_max_evidence) v.evidence.push_back({pointer, "removed"});
    }
  }
  if (v.leaked == 0)
    return enforced("read back by its owner the object is unchanged: the " + method +
                    " did not go through");
  v.state = State::bypassed;
  v.reason = "read back by its owner the object changed (" + std::to_string(v.leaked) + " value" +
             (v.leaked == 1 ? "" : "s") + "): the " + method + " went through";
  return v;
}

bool tests_access(std::string_view name) {
  const Check* c = find_check(name);
  return c != nullptr && c->info().tests_access;
}

bool no_allowed_caller(const PlanContext& ctx, std::size_t op) {
  const plan::OperationPlan& p = ctx.plan.operations[op];
  if (p.skipped || p.expect.access == config::Access::everyone) return false;
  return std::none_of(ctx.principals.identities().begin(), ctx.principals.identities().end(),
                      [&](const config::Identity& id) { return plan::may_access(p, &id); });
}

Verdict judge_without_baseline(const JudgeContext& ctx, const plan::Probe& probe,
                               const plan::Response& response, const std::string& prober) {
  const Observation o = observe(response, list_pointer_of(ctx.plan, probe.operation));
  if (o.transport_error) return inconclusive("no answer: " + o.error);
  if (o.status >= 500) return inconclusive("server error " + std::to_string(o.status));
  std::string why;
  if (ctx.knowledge.looks_denied(probe.operation, o, &why)) return enforced(why);
  if (!o.is_2xx()) return inconclusive("unexpected status " + std::to_string(o.status));
  const std::string who = prober.empty() ? std::string("an anonymous caller") : prober;
  const std::string& method = probe.request.method;
  if (spec::is_unsafe_method(method)) {
    Verdict v;
    v.state = State::bypassed;
    v.reason = std::to_string(o.status) + ": the " + method + " was accepted from " + who +
               ", though the policy lets no caller do it (" +
               ctx.plan.operations[probe.operation].expect.describe() + ")";
    return v;
  }
  if (!o.json) {
    return inconclusive(std::to_string(o.status) +
                        " that is not JSON, and no allowed caller's answer to compare it with");
  }
  Verdict v;
  o.each_leaf([&](const Leaf& leaf) {
    if (!distinctive(leaf) || ctx.knowledge.seen_by(prober, leaf.value)) return true;
    ++v.leaked;
    if (v.evidence.size() < k_max_evidence) v.evidence.push_back({leaf.pointer, mask(leaf.value)});
    return true;
  });
  if (v.leaked == 0) {
    return inconclusive(std::to_string(o.status) +
                        " without specific values, and no allowed caller's answer to compare it "
                        "with");
  }
  v.state = State::bypassed;
  v.items = o.items;
  v.reason = std::to_string(o.status) + " with " + std::to_string(v.leaked) + " value" +
             (v.leaked == 1 ? "" : "s") + " nobody public sees, to " + who +
             ", though the policy lets no caller have it (" +
             ctx.plan.operations[probe.operation].expect.describe() + ")";
  return v;
}

namespace {

// Whether the operation's security was only assumed from traffic and its answer carries nothing
// that differs between the signed-in callers (each other identity's baseline holds every value
// of the victim's).
bool same_for_everyone(const JudgeContext& ctx, const plan::Probe& probe,
                       const BaselineView& victim) {
  if (!ctx.plan.operations[probe.operation].op->security_assumed) return false;
  std::size_t others = 0;
  for (const BaselineView* b : ctx.knowledge.baselines(probe.operation)) {
    if (b->identity.empty() || b->identity == victim.identity || !b->usable()) continue;
    for (const std::uint64_t value : victim.values.hashes()) {
      if (!b->values.contains_hash(value)) return false;
    }
    ++others;
  }
  return others > 0;
}

}  // namespace

Verdict judge_against_victim(const JudgeContext& ctx, const plan::Probe& probe,
                             const plan::Response& response, const std::string& prober) {
  if (probe.victim.empty()) return judge_without_baseline(ctx, probe, response, prober);
  const BaselineView* victim = ctx.knowledge.baseline(probe.operation, probe.victim);
  const Observation o = observe(response, list_pointer_of(ctx.plan, probe.operation));
  if (auto v = access_outcome(ctx.knowledge, probe.operation, o, victim)) return *v;
  Verdict v = leak_verdict(ctx.knowledge, *victim, o, prober);
  if (v.state == State::bypassed && prober.empty() && same_for_everyone(ctx, probe, *victim)) {
    // Security assumed from traffic, and the answer is the one every signed-in caller gets:
    // perhaps public by design. Said, at info, rather than called a leak.
    v.severity = Severity::info;
    v.reason +=
        "; but every signed-in caller gets the same answer, and the recorded traffic never "
        "showed this operation refuse anyone: public by design? Say so in an [[expect]] rule "
        "(access = \"public\"), or guard it";
  }
  // A write needs no leaked data to count: being accepted is the harm.
  const std::string& method = probe.request.method;
  if (v.state != State::bypassed && spec::is_unsafe_method(method)) {
    v.state = State::bypassed;
    v.reason = std::to_string(o.status) + ": the " + method + " was accepted from " +
               (prober.empty() ? std::string("an anonymous caller") : prober);
  }
  return v;
}

std::string item_owner(const plan::Plan& plan, std::size_t op, const plan::Principals& principals,
                       const nlohmann::json& item, std::string* how) {
  if (!item.is_object()) return "";
  if (std::string owner = plan::owner_of(item, principals.identities()); !owner.empty()) {
    if (how != nullptr) *how = "owner field";
    return owner;
  }
  // The operations that address one item of this list: GET /orders/{orderId} for the list
  // GET /orders. Only the IDs identities own of that resource are compared with an item's id.
  const std::string& list_path = plan.operations[op].op->path;
  std::vector<std::pair<std::string, std::string>> item_ops;  // (path, parameter)
  for (const auto& other : plan.operations) {
    const std::string& path = other.op->path;
    if (path.size() <= list_path.size() + 3 ||
        path.compare(0, list_path.size() + 2, list_path + "/{") != 0 || path.back() != '}' ||
        path.find('/', list_path.size() + 1) != std::string::npos) {
      continue;
    }
    item_ops.emplace_back(path,
                          path.substr(list_path.size() + 2, path.size() - list_path.size() - 3));
  }
  for (const char* key : {"id", "_id", "uuid"}) {
    const auto it = item.find(key);
    if (it == item.end() || !(it->is_string() || it->is_number_integer())) continue;
    const std::string text = it->is_string() ? it->get<std::string>() : it->dump();
    for (const auto& a : principals.identities()) {
      for (const auto& [path, param] : item_ops) {
        const auto* ids = plan::owned_ids(a, path, param);
        if (ids != nullptr && std::find(ids->begin(), ids->end(), text) != ids->end()) {
          if (how != nullptr) *how = key;
          return a.name;
        }
      }
    }
  }
  return "";
}

std::vector<std::string> foreign_items(const plan::Plan& plan, std::size_t op,
                                       const plan::Principals& principals,
                                       const std::string& identity,
                                       const plan::Response& response) {
  std::vector<std::string> out;
  const plan::OperationPlan& p = plan.operations[op];
  const config::Identity* me = identity.empty() ? nullptr : principals.identity(identity);
  const bool declared_shared =
      p.expect.access != config::Access::owner && p.expect.source.starts_with("config");
  if (me == nullptr || !p.op->is_list || declared_shared) return out;
  const Observation o = observe(response, p.op->list_pointer);
  o.each_item(p.op->list_pointer, [&](std::size_t i, const nlohmann::json& item) {
    const std::string owner = item_owner(plan, op, principals, item);
    const config::Identity* other = owner.empty() ? nullptr : principals.identity(owner);
    if (other != nullptr && other != me && other->level >= me->level)
      out.push_back(p.op->list_pointer + "/" + std::to_string(i));
  });
  return out;
}

std::optional<std::string> list_pointer_of(const plan::Plan& plan, std::size_t op) {
  const auto& o = *plan.operations[op].op;
  if (!o.is_list) return std::nullopt;
  return o.list_pointer;
}

}  // namespace authdiff::judge
