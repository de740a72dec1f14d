#include "judge/check.hpp"

#include <filesystem>

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

void judge_all(const JudgeContext& ctx, std::vector<ProbeResult>& results) {
  for (auto& r : results) r.verdict = r.check->judge(ctx, r.probe, r.response);
  for (const Check* c : registry()) c->relate(ctx, results);
  // What exactly got out: unmasked sensitive data in a response the caller should not have
  // makes the finding critical and names the data classes.
  for (auto& r : results) {
    if (r.verdict.state != State::bypassed || !r.check->wrong_caller()) continue;
    bool raise = false;
    for (const auto& d : sensitive_data(ctx.detectors, r.response)) {
      if (std::find(r.verdict.data.begin(), r.verdict.data.end(), d.data_class) ==
          r.verdict.data.end())
        r.verdict.data.push_back(d.data_class);
      raise = raise || d.data_class != k_email;
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
  std::vector<Detection> found =
      o.json ? detectors.scan(o.doc) : detectors.scan_text(response.body);
  std::erase_if(found, [](const Detection& d) { return !d.unmasked; });
  return found;
}

bool ordinary_caller(const config::Config& config, const std::string& identity) {
  if (identity.empty()) return true;
  const config::Identity* id = config.identity(identity);
  if (id == nullptr) return true;
  std::optional<int> privileged = config.sensitive.privileged_level;
  if (!privileged) {
    int lo = id->level, hi = id->level;
    for (const auto& other : config.identities) {
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
  for (const auto& id : ctx.config.identities) {
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

Verdict judge_against_victim(const JudgeContext& ctx, const plan::Probe& probe,
                             const plan::Response& response, const std::string& prober) {
  const BaselineView* victim = ctx.knowledge.baseline(probe.operation, probe.victim);
  const Observation o = observe(response, list_pointer_of(ctx.plan, probe.operation));
  if (auto v = access_outcome(ctx.knowledge, probe.operation, o, victim)) return *v;
  Verdict v = leak_verdict(ctx.knowledge, *victim, o, prober);
  // A write needs no leaked data to count: being accepted is the harm.
  const std::string& method = probe.request.method;
  if (v.state != State::bypassed && spec::is_unsafe_method(method)) {
    v.state = State::bypassed;
    v.reason = std::to_string(o.status) + ": the " + method + " was accepted from " +
               (prober.empty() ? std::string("an anonymous caller") : prober);
  }
  return v;
}

std::optional<std::string> list_pointer_of(const plan::Plan& plan, std::size_t op) {
  const auto& o = *plan.operations[op].op;
  if (!o.is_list) return std::nullopt;
  return o.list_pointer;
}

}  // namespace authdiff::judge
