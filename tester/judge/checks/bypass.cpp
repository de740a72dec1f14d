// bypass (API5): where the plain request is denied, variants that slip past guards written for
// the exact request: other paths to the same handler (trailing slash, case, `;`, `%2e`, `//`),
// rewrite headers (X-Original-URL), IP allow-list headers (X-Forwarded-For: 127.0.0.1), HEAD for
// GET, method-override headers. The rules are corpus/mutations/bypass.txt. Bypassed when the
// variant gets the data behind the guard while the plain request was denied.
#include <map>
#include <set>

#include "judge/check.hpp"
#include "util/strings.hpp"

namespace authdiff::judge {

namespace {

struct SplitUrl {
  std::string origin;  // scheme://host:port
  std::string path;    // /prefix/api/x
  std::string query;   // without '?'
};

SplitUrl split_url(const std::string& url) {
  SplitUrl out;
  const auto scheme_end = url.find("://");
  const auto path_start = url.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
  const auto q = url.find('?');
  out.origin = url.substr(0, std::min(path_start, q));
  if (path_start != std::string::npos && (q == std::string::npos || path_start < q))
    out.path = url.substr(path_start, q == std::string::npos ? std::string::npos : q - path_start);
  if (out.path.empty()) out.path = "/";
  if (q != std::string::npos) out.query = url.substr(q + 1);
  return out;
}

std::string replace_all(std::string s, std::string_view from, std::string_view to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
  return s;
}

// `pattern` with {path}, {PATH}, {path-lower}, {dir} and {last} filled in for `path`.
std::string fill(const std::string& pattern, const std::string& path) {
  const auto slash = path.find_last_of('/');
  const std::string dir = path.substr(0, slash);
  const std::string last = path.substr(slash + 1);
  std::string out = replace_all(pattern, "{path-lower}", to_lower(path));
  out = replace_all(out, "{PATH}", to_upper(path));
  out = replace_all(out, "{dir}", dir);
  out = replace_all(out, "{last}", last);
  // {path} last: the other placeholders never produce it, the path itself might.
  return replace_all(out, "{path}", path);
}

bool path_documents(const plan::Plan& plan, const std::string& path, const std::string& method) {
  return std::any_of(plan.operations.begin(), plan.operations.end(),
                     [&](const auto& o) { return o.op->path == path && o.op->method == method; });
}

class Bypass final : public Check {
 public:
  Bypass()
      : Check(
            {.name = "bypass",
             .title = "A variant of the request slips past the guard",
             .owasp = "API5:2023 Broken Function Level Authorization",
             .severity = Severity::high,
             .description =
                 "Where an anonymous caller or a lower identity should be denied, sends variants "
                 "of the "
                 "request (corpus/mutations/bypass.txt): path variants such as a trailing slash, "
                 "doubled slashes, case changes, ;jsessionid, /./, %2e, an encoded slash or .json; "
                 "X-Original-URL / X-Rewrite-URL; X-Forwarded-For and X-Real-IP 127.0.0.1; HEAD "
                 "for "
                 "GET; method-override headers. A variant that gets the authorised caller's data "
                 "while "
                 "the plain request is denied is a finding.",
             .sends = "where anonymous callers or the lowest identity below the operation's level "
                      "must be "
                      "denied: the variants of `corpus/mutations/bypass.txt`: trailing slash, "
                      "`//`, case, "
                      "`;jsessionid=`, `.json`, `/./`, `/%2e/`, `%2f`, `X-Original-URL` / "
                      "`X-Rewrite-URL`, "
                      "`X-Forwarded-For` / `X-Real-IP` / `X-Client-IP: 127.0.0.1`, HEAD for GET, "
                      "method-override headers (with unsafe methods allowed, where the path has no "
                      "POST)",
             .finds = "a variant gets the allowed caller's data (HEAD: a `Content-Length` the size "
                      "of the "
                      "authorised answer) while the plain request is denied",
             .sends_variants = true,
             .settings = {}}) {}

  std::vector<plan::Probe> plan(const PlanContext& ctx, std::size_t op) const override {
    const auto& p = ctx.plan.operations[op];
    plan::Overrides ids;
    const config::Identity* victim = guarded_victim(ctx, op, ids);
    if (victim == nullptr) return {};
    // Callers who should be turned away: nobody, and the lowest identity that may not call it.
    std::vector<const config::Identity*> callers = {nullptr};
    if (p.expect.access != config::Access::owner) {
      const config::Identity* low = nullptr;
      for (const auto& id : ctx.principals.identities()) {
        if (!plan::may_access(p, &id) && (low == nullptr || id.level < low->level)) low = &id;
      }
      if (low != nullptr) callers.push_back(low);
    }
    const bool unsafe_allowed =
        ctx.config.limits.allow_unsafe && !path_documents(ctx.plan, p.op->path, "POST");
    std::vector<plan::Probe> out;
    for (const config::Identity* caller : callers) {
      const std::string who = caller == nullptr ? "" : caller->name;
      const plan::Request plain = plan::make_request(
          ctx.plan, op, ctx.principals, who,
          caller == nullptr ? plan::Credential::none : plan::Credential::own, ids);
      // The plain request itself, for comparison: a variant only bypasses a guard that stops it.
      plan::Probe reference =
          probe("bypass: the plain request, for comparison", op, who, victim->name, plain);
      reference.plain = true;
      out.push_back(std::move(reference));
      const SplitUrl u = split_url(plain.url);
      std::set<std::string> sent;  // method, URL and headers of the variants planned
      for (const auto& rule : ctx.mutations.bypass) {
        const auto space = rule.find(' ');
        const std::string verb = rule.substr(0, space);
        const std::string arg =
            space == std::string::npos ? "" : std::string(trim(rule.substr(space + 1)));
        plan::Request req = plain;
        if (verb == "path") {
          const std::string path = fill(arg, u.path);
          // {dir} of a one-segment path is empty: "%2fme" is no path.
          if (path == u.path || !path.starts_with('/')) continue;
          req.url = u.origin + path;
          if (!u.query.empty()) req.url += (path.ends_with('?') ? "" : "?") + u.query;
        } else if (verb == "header") {
          const auto colon = arg.find(':');
          if (colon == std::string::npos) continue;
          req.headers.emplace_back(std::string(trim(arg.substr(0, colon))),
                                   fill(std::string(trim(arg.substr(colon + 1))), u.path));
        } else if (verb == "rewrite") {
          req.url = u.origin + "/";
          req.headers.emplace_back(arg, u.path + (u.query.empty() ? "" : "?" + u.query));
        } else if (verb == "method") {
          if (p.op->method != "GET" || arg != "HEAD") continue;
          req.method = "HEAD";
          // Its Content-Length is compared with the baseline's decoded size: no compression.
          req.headers.emplace_back("Accept-Encoding", "identity");
        } else if (verb == "override") {
          if (!unsafe_allowed || p.op->method == "POST") continue;
          req.method = "POST";
          req.headers.emplace_back(arg, p.op->method);
        } else {
          continue;
        }
        // Two rules can make the same request ({dir}//{last} and /{path} on /orders): once.
        std::string key = req.method + " " + req.url;
        for (const auto& [k, v] : req.headers) key += "\n" + k + ": " + v;
        if (!sent.insert(key).second) continue;
        plan::Probe probe;
        probe.check = std::string(name());
        probe.kind = "bypass: " + rule;
        probe.operation = op;
        probe.identity = who;
        probe.victim = victim->name;
        probe.value = rule;
        probe.request = std::move(req);
        out.push_back(std::move(probe));
      }
    }
    return out;
  }

  Verdict judge(const JudgeContext& ctx, const plan::Probe& probe,
                const plan::Response& response) const override {
    if (probe.plain) {
      Verdict v = judge_against_victim(ctx, probe, response, probe.identity);
      if (v.state == State::bypassed)
        v.reason = "the plain request itself gets through, no variant needed: " + v.reason;
      return v;
    }
    Verdict v = probe.request.method == "HEAD"
                    ? judge_head(ctx, probe, response)
                    : judge_against_victim(ctx, probe, response, probe.identity);
    if (v.state == State::bypassed) v.reason = probe.value + ": " + v.reason;
    return v;
  }

  // relate() reads the plain request's answer to tell whether it was denied.
  bool keeps_answer(const plan::Probe& probe) const override { return probe.plain; }

  void relate(const JudgeContext& ctx, std::vector<ProbeResult>& results) const override {
    // A variant only bypasses a guard that stopped the plain request: where the plain request
    // was answered too, there is no guard to bypass. The plain request is this check's own
    // reference; another check's plain request of the same caller (no-auth, weaker-identity)
    // reports a leak of it, and then the reference need not.
    std::map<std::pair<std::size_t, std::string>, const ProbeResult*> reference;
    std::set<std::pair<std::size_t, std::string>> reported;
    for (const auto& r : results) {
      if (!r.probe.plain || r.probe.request.credential == plan::Credential::garbage) continue;
      const std::pair key{r.probe.operation, r.probe.identity};
      if (r.check == this) {
        reference[key] = &r;
      } else {
        reported.insert(key);
      }
    }
    for (auto& r : results) {
      if (r.check != this || r.probe.plain || r.verdict.state != State::bypassed) continue;
      const auto it = reference.find({r.probe.operation, r.probe.identity});
      if (it == reference.end()) continue;
      const ProbeResult& p = *it->second;
      const Observation o = observe(p.response, std::nullopt);
      // A plain request that got no answer or a server error tells nothing against the variant.
      if (p.verdict.state == State::bypassed ||
          (!o.transport_error && o.status < 500 &&
           !ctx.knowledge.looks_denied(r.probe.operation, o, nullptr))) {
        r.verdict = enforced("not a bypass: the plain request is answered " +
                             std::to_string(p.response.status) + " too");
      }
    }
    for (auto& r : results) {
      if (r.check != this || !r.probe.plain) continue;
      if (r.verdict.state == State::bypassed &&
          reported.contains({r.probe.operation, r.probe.identity}))
        r.verdict = enforced("the plain request itself is answered (" + r.verdict.reason +
                             "): its own check reports that");
      else if (r.verdict.state == State::enforced)
        r.verdict.reason = "the plain request, for comparison: " + r.verdict.reason;
    }
  }

 private:
  // HEAD carries no body: a 2xx whose Content-Length is the size of the authorised answer means
  // the handler ran behind the guard.
  static Verdict judge_head(const JudgeContext& ctx, const plan::Probe& probe,
                            const plan::Response& response) {
    const BaselineView* victim = ctx.knowledge.baseline(probe.operation, probe.victim);
    if (victim == nullptr) return inconclusive("no identity could make a baseline request");
    if (!victim->usable()) return inconclusive(victim->problem);
    if (!response.ok()) return inconclusive("no answer: " + response.error);
    if (response.status >= 500)
      return inconclusive("server error " + std::to_string(response.status));
    if (response.status < 200 || response.status >= 300)
      return enforced("HEAD answered " + std::to_string(response.status));
    const std::string* length = response.header("content-length");
    const std::size_t expected = victim->first.body_bytes;
    if (length == nullptr) {
      return inconclusive("HEAD answered " + std::to_string(response.status) +
                          " without a Content-Length to compare");
    }
    std::size_t got = 0;
    try {
      got = std::stoull(*length);
    } catch (const std::exception&) {
      return inconclusive("HEAD answered with an unreadable Content-Length");
    }
    const auto near = [](std::size_t a, std::size_t b) {
      return b > 64 && (a > b ? a - b : b - a) * 10 <= b;
    };
    const Observation* denied = ctx.knowledge.denied_answer(probe.operation);
    if (denied != nullptr && denied->is_2xx() && near(denied->body_bytes, expected)) {
      return enforced(
          "HEAD's size tells nothing here: a garbage credential gets an answer of "
          "the same size");
    }
    if (near(got, expected)) {
      Verdict v;
      v.state = State::bypassed;
      v.reason = "HEAD answered " + std::to_string(response.status) + " with Content-Length " +
                 std::to_string(got) + ", the size of " + probe.victim + "'s answer (" +
                 std::to_string(expected) + " bytes)";
      return v;
    }
    return enforced("HEAD answered " + std::to_string(response.status) + " with Content-Length " +
                    std::to_string(got) + ", unlike " + probe.victim + "'s " +
                    std::to_string(expected) + " bytes");
  }
};

}  // namespace

const Check& bypass_check() {
  static const Bypass check;
  return check;
}

}  // namespace authdiff::judge
