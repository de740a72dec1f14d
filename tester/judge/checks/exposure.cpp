// exposure (API8): well-known unauthenticated data and admin endpoints (corpus/exposures.txt):
// search-engine listings, framework actuators, .env and VCS metadata, database dumps and
// consoles, API descriptions, debug pages. Once per origin (the base URL's, and each one the
// config lists in `[target] also`), anonymously, GET only. An answer counts when it is a 2xx of
// the entry's type, holds its marker, and is not what the origin answers to a random path.
#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "judge/check.hpp"
#include "util/hash.hpp"
#include "util/strings.hpp"
#include "util/url.hpp"

namespace authdiff::judge {

extern const char* const k_default_exposures;

namespace {

struct Exposure {
  std::string path;
  std::string type;  // json, text, html, binary, any
  Severity severity = Severity::high;
  std::string marker;  // lower case; "" = none
  std::string what;
};

const std::vector<Exposure>& exposures() {
  static const std::vector<Exposure> list = [] {
    std::vector<Exposure> out;
    std::istringstream in(k_default_exposures);
    std::string line;
    while (std::getline(in, line)) {
      const std::string_view t = trim(line);
      if (t.empty() || t.front() == '#') continue;
      std::istringstream fields{std::string(t)};
      Exposure e;
      std::string severity;
      fields >> e.path >> e.type >> severity >> e.marker;
      std::getline(fields, e.what);
      e.what = std::string(trim(e.what));
      e.severity = parse_severity(severity).value_or(Severity::high);
      if (e.marker == "-") e.marker.clear();
      for (std::size_t at = e.marker.find("%20"); at != std::string::npos;
           at = e.marker.find("%20"))
        e.marker.replace(at, 3, " ");
      e.marker = to_lower(e.marker);
      out.push_back(std::move(e));
    }
    return out;
  }();
  return list;
}

const Exposure* exposure_at(const std::string& path) {
  for (const Exposure& e : exposures()) {
    if (e.path == path) return &e;
  }
  return nullptr;
}

constexpr const char* k_control = "control";

std::string media(const plan::Response& r) {
  const std::string* type = r.header("content-type");
  if (type == nullptr) return "";
  const auto semi = type->find(';');
  return to_lower(trim(semi == std::string::npos ? *type : type->substr(0, semi)));
}

bool looks_html(const plan::Response& r) {
  const std::string type = media(r);
  if (type == "text/html" || type == "application/xhtml+xml") return true;
  const std::string head = to_lower(trim(std::string_view(r.body).substr(0, 256)));
  return head.starts_with("<!doctype html") || head.starts_with("<html");
}

bool of_type(const plan::Response& r, const std::string& type) {
  if (type == "any") return true;
  if (type == "html") return looks_html(r);
  if (looks_html(r)) return false;
  if (type == "json") {
    const auto j = nlohmann::json::parse(r.body, nullptr, false);
    return !j.is_discarded() && j.is_structured() && !j.empty();
  }
  return true;  // text, binary: anything but an HTML page
}

std::string path_of(const std::string& url) {
  const auto slash = url.find('/', url.find("://") + 3);
  return slash == std::string::npos ? "/" : url.substr(slash);
}

// `body` without the request's path (and its path part alone) where a catch-all page echoes it.
std::string unechoed(std::string body, const std::string& url) {
  const std::string path = path_of(url);
  for (const std::string& p : {path, path.substr(0, path.find('?'))}) {
    if (p.size() < 2) continue;
    for (auto at = body.find(p); at != std::string::npos; at = body.find(p, at))
      body.erase(at, p.size());
  }
  return body;
}

// Whether two answers are the same page (a catch-all): same status and type, and the same body
// once the path each may echo is taken out, or (for pages of some size) nearly the same length.
bool alike(const plan::Response& a, const std::string& a_url, const plan::Response& b,
           const std::string& b_url) {
  if (a.status != b.status || media(a) != media(b)) return false;
  const std::string x = unechoed(a.body, a_url), y = unechoed(b.body, b_url);
  if (x == y) return true;
  const auto la = static_cast<double>(x.size());
  const auto lb = static_cast<double>(y.size());
  return std::max(la, lb) >= 256 && std::abs(la - lb) <= 0.05 * std::max(la, lb);
}

std::string origin_of(const std::string& url) {
  const auto u = parse_url(url.substr(0, url.find('?')));
  return u ? u->origin() : url;
}

std::size_t carrier(const plan::Plan& plan) {
  std::size_t first = plan.operations.size();
  for (std::size_t i = 0; i < plan.operations.size(); ++i) {
    if (plan.operations[i].excluded) continue;
    if (plan.operations[i].op->method == "GET") return i;
    first = std::min(first, i);
  }
  return first;
}

class ExposureCheck final : public Check {
 public:
  ExposureCheck()
      : Check({.name = "exposure",
               .title = "A data store or admin endpoint answers anyone",
               .owasp = "API8:2023 Security Misconfiguration",
               .severity = Severity::high,
               .description =
                   "Once per origin (the base URL's and each `[target] also`), anonymously, GET "
                   "of the well-known unauthenticated data and admin endpoints in "
                   "corpus/exposures.txt: search-engine listings, actuators, .env and VCS files, "
                   "database dumps and consoles, API descriptions, debug pages. A 2xx of the "
                   "expected type with the entry's marker, unlike the answer to a random path, "
                   "is a finding; personal data or secrets in it make it critical.",
               .sends = "once per origin (the base URL's, and each origin in `[target] also`), "
                        "anonymously: GET of each path in corpus/exposures.txt (about 45), and of "
                        "one random path to learn what the origin answers to anything",
               .finds = "a 2xx of the entry's type (JSON, text, HTML) holding its marker, and not "
                        "alike to the random path's answer (a catch-all page finds nothing); "
                        "severity from the entry, critical when it holds personal data or "
                        "secrets",
               .wrong_caller = false,
               .tests_access = false,
               .per_victim = false,
               .names_request = true,
               .relates_answers = true,
               .settings = {}}) {}

  std::vector<plan::Probe> plan(const PlanContext& ctx, std::size_t op) const override {
    // Once per run, on the first GET operation the config does not exclude (else the first
    // operation it does not exclude): reports show the origin and path probed.
    if (op != carrier(ctx.plan)) return {};
    std::vector<std::string> origins;
    // The base URL's origin as written (scheme://host[:port], without its path).
    if (parse_url(ctx.plan.base_url)) {
      const std::string& b = ctx.plan.base_url;
      origins.push_back(b.substr(0, b.find('/', b.find("://") + 3)));
    }
    for (const auto& o : ctx.config.target.also) {
      if (std::find(origins.begin(), origins.end(), o) == origins.end()) origins.push_back(o);
    }
    std::vector<plan::Probe> out;
    for (std::size_t k = 0; k < origins.size(); ++k) {
      const std::string& origin = origins[k];
      // The base origin's findings are named by path (their ids hold whatever --base-url
      // says), other origins' by their whole URL (CheckInfo::names_request).
      const std::string key = k == 0 ? "" : origin;
      const auto add = [&](std::string kind, const std::string& path, std::string value) {
        plan::Request request;
        request.method = "GET";
        request.url = origin + path;
        plan::Probe p = probe(std::move(kind), op, "", "", std::move(request));
        p.value = std::move(value);  // findings are named by the URL (names_request)
        out.push_back(std::move(p));
      };
      // A path no server has, stable across runs (and --base-url changes).
      const std::string random =
          "/authdiff-" + std::to_string(fnv1a(key + "/absent") % 1000000007ULL) + "-absent";
      add("exposure: a random path (what " + origin + " answers to anything)", random, k_control);
      for (const Exposure& e : exposures()) add("exposure: " + e.what, e.path, e.path);
    }
    return out;
  }

  Verdict judge(const JudgeContext& ctx, const plan::Probe& probe,
                const plan::Response& response) const override {
    if (!response.ok()) {
      return inconclusive("no answer from " + origin_of(probe.request.url) + ": " +
                          (response.error.empty() ? "nothing came back" : response.error));
    }
    if (probe.value == k_control) {
      return enforced("the origin's answer to a path that does not exist: " +
                      std::to_string(response.status) + " (compared with the others)");
    }
    const Exposure* e = exposure_at(probe.value);
    if (e == nullptr) return inconclusive("not an entry of corpus/exposures.txt: " + probe.value);
    if (response.status < 200 || response.status >= 300)
      return enforced(std::to_string(response.status) + ": not served");
    if (response.body.empty() && response.body_bytes == 0) return enforced("an empty answer");
    if (!of_type(response, e->type))
      return enforced("not " + e->type + " (" +
                      (media(response).empty() ? "no type" : media(response)) +
                      "): some other page");
    if (!e->marker.empty() && to_lower(response.body).find(e->marker) == std::string::npos)
      return enforced("no \"" + e->marker + "\" in it: some other page");
    Verdict v;
    v.state = State::bypassed;
    v.severity = e->severity;
    v.reason = std::to_string(response.status) + " to anyone: " + e->what + " (" +
               std::to_string(response.body_bytes) + " bytes)";
    for (const auto& d : sensitive_data(ctx.detectors, response)) {
      if (!d.unmasked) continue;
      if (std::find(v.data.begin(), v.data.end(), d.data_class) == v.data.end())
        v.data.push_back(d.data_class);
      if (v.evidence.size() < k_max_evidence) v.evidence.push_back({d.pointer, d.masked});
    }
    if (!v.data.empty()) {
      v.severity = Severity::critical;
      v.reason += ", holding " + join(v.data, ", ");
    }
    return v;
  }

  // An answer alike to the random path's on the same origin is the origin's page for anything.
  void relate(const JudgeContext& /*ctx*/, std::vector<ProbeResult>& results) const override {
    std::map<std::string, const ProbeResult*> controls;
    for (const auto& r : results) {
      if (r.check == this && r.probe.value == k_control && r.response.ok())
        controls[origin_of(r.probe.request.url)] = &r;
    }
    for (auto& r : results) {
      if (r.check != this || r.verdict.state != State::bypassed) continue;
      const auto it = controls.find(origin_of(r.probe.request.url));
      if (it == controls.end() || !alike(r.response, r.probe.request.url, it->second->response,
                                         it->second->probe.request.url))
        continue;
      r.verdict = enforced(
          "answered like a path that does not exist (" + std::to_string(r.response.status) + ", " +
          std::to_string(r.response.body.size()) + " bytes): the origin answers every path alike");
    }
  }
};

}  // namespace

const Check& exposure_check() {
  static const ExposureCheck check;
  return check;
}

}  // namespace authdiff::judge
