// undocumented (API9): what a path does beyond its spec. Once per path, as an anonymous caller:
// OPTIONS (its Allow header names the methods the server routes), and GET where the spec
// documents none. An undocumented GET that answers 2xx with data to nobody in particular is a
// finding (medium); an Allow header that names undocumented methods is noted (info).
#include <set>

#include "judge/check.hpp"
#include "util/strings.hpp"

namespace authdiff::judge {

namespace {

std::set<std::string> documented(const plan::Plan& plan, const std::string& path) {
  std::set<std::string> out;
  for (const auto& o : plan.operations) {
    if (o.op->path == path) out.insert(o.op->method);
  }
  return out;
}

class Undocumented final : public Check {
 public:
  Undocumented()
      : Check({.name = "undocumented",
               .title = "The path does more than the spec says",
               .owasp = "API9:2023 Improper Inventory Management",
               .severity = Severity::medium,
               .description =
                   "Once per path, as an anonymous caller: OPTIONS, whose Allow header names the "
                   "methods "
                   "the server routes (undocumented ones are noted, info), and GET where the spec "
                   "has "
                   "none: a 2xx JSON answer with data is a finding (medium). Unsafe undocumented "
                   "methods are never sent.",
               .sends = "once per path, anonymously: OPTIONS, and GET where the spec documents "
                        "none (unsafe "
                        "undocumented methods are never sent)",
               .finds = "an undocumented GET answers 2xx with JSON data public operations do not "
                        "show anyone "
                        "(medium); `Allow` names undocumented methods (info)",
               .tests_access = false,
               .settings = {}}) {}

  std::vector<plan::Probe> plan(const PlanContext& ctx, std::size_t op) const override {
    const auto& p = ctx.plan.operations[op];
    // The path's first operation the config does not exclude plans for the whole path (its
    // probes are safe methods, so an unsafe operation's path is probed too); a path whose every
    // operation the config excludes (`skip = true`) gets no traffic at all.
    if (p.excluded) return {};
    for (std::size_t i = 0; i < op; ++i) {
      const auto& before = ctx.plan.operations[i];
      if (before.op->path == p.op->path && !before.excluded) return {};
    }
    if (p.url.empty()) return {};
    const auto methods = documented(ctx.plan, p.op->path);
    std::vector<plan::Probe> out;
    for (const char* method : {"OPTIONS", "GET"}) {
      if (methods.contains(method)) continue;
      plan::Probe probe;
      probe.check = std::string(name());
      probe.kind = std::string("undocumented ") + method + " without credentials";
      probe.operation = op;
      probe.parameter = method;
      probe.value = method;
      probe.request.method = method;
      probe.request.url = p.url;
      probe.request.headers.emplace_back("Accept", "application/json");
      out.push_back(std::move(probe));
    }
    return out;
  }

  Verdict judge(const JudgeContext& ctx, const plan::Probe& probe,
                const plan::Response& response) const override {
    if (!response.ok()) return inconclusive("no answer: " + response.error);
    const std::string path = ctx.plan.operations[probe.operation].op->path;
    if (probe.request.method == "OPTIONS") {
      const std::string* allow = response.header("allow");
      if (allow == nullptr)
        return enforced("answered " + std::to_string(response.status) + " with no Allow header");
      const auto methods = documented(ctx.plan, path);
      std::vector<std::string> extra;
      for (const auto& m : split(*allow, ',')) {
        const std::string method = to_upper(trim(m));
        if (method.empty() || method == "OPTIONS" || method == "HEAD" || methods.contains(method))
          continue;
        if (method == "GET" || method == "POST" || method == "PUT" || method == "PATCH" ||
            method == "DELETE")
          extra.push_back(method);
      }
      if (extra.empty()) return enforced("Allow: " + *allow + " (nothing undocumented)");
      Verdict v;
      v.state = State::bypassed;
      v.severity = Severity::info;
      v.reason = "Allow: " + *allow + " names " + join(extra, ", ") +
                 ", which the spec does not "
                 "document for " +
                 path;
      return v;
    }
    const Observation o = observe(response, std::nullopt);
    std::string why;
    if (ctx.knowledge.looks_denied(probe.operation, o, &why)) return enforced(why);
    if (o.status == 405 || o.status == 404) return enforced("answered " + std::to_string(o.status));
    if (!o.is_2xx()) return enforced("answered " + std::to_string(o.status));
    std::size_t values = 0;
    Verdict v;
    o.each_leaf([&](const Leaf& leaf) {
      // What public operations give anyone anyway is no news.
      if (!distinctive(leaf) || ctx.knowledge.seen_by("", leaf.value)) return true;
      ++values;
      if (v.evidence.size() < k_max_evidence)
        v.evidence.push_back({leaf.pointer, mask(leaf.value)});
      return true;
    });
    if (!o.json || values == 0)
      return enforced(std::to_string(o.status) +
                      " without data of its own (a page, or what public operations show anyone)");
    v.state = State::bypassed;
    v.leaked = values;
    v.reason = "GET " + path + " is not in the spec and answers " + std::to_string(o.status) +
               " to an anonymous caller with " + std::to_string(values) + " values";
    return v;
  }
};

}  // namespace

const Check& undocumented_check() {
  static const Undocumented check;
  return check;
}

}  // namespace authdiff::judge
