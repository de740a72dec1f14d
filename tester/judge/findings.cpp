#include "judge/findings.hpp"

#include <algorithm>
#include <map>

#include "util/hash.hpp"
#include "util/url.hpp"

namespace authdiff::judge {

std::string finding_id(std::string_view check, std::string_view method, std::string_view path,
                       std::string_view identity, std::string_view victim,
                       std::string_view parameter) {
  std::string key;
  for (const std::string_view part : {check, method, path, identity, victim, parameter}) {
    key += part;
    key += '\x1f';
  }
  return fnv1a_hex(key);
}

std::string finding_id_of(const plan::Probe& probe, std::string_view method,
                          std::string_view path) {
  // Enumerated values of one parameter are one finding; so are both no-auth variants.
  const Check* check = find_check(probe.check);
  const bool per_victim = check == nullptr || check->info().per_victim;
  return finding_id(probe.check, method, path, probe.identity, per_victim ? probe.victim : "",
                    probe.parameter);
}

std::pair<std::string, std::string> finding_place(const std::string& base_url, const ProbeResult& r,
                                                  const std::string& method,
                                                  const std::string& path) {
  const Check* check = r.check != nullptr ? r.check : find_check(r.probe.check);
  if (check == nullptr || !check->info().names_request) return {method, path};
  const std::string& url = r.probe.request.url;
  const auto base = parse_url(base_url);
  const auto here = parse_url(url.substr(0, url.find('?')));
  if (base && here && base->origin() == here->origin()) {
    const auto slash = url.find('/', url.find("://") + 3);
    return {r.probe.request.method, slash == std::string::npos ? "/" : url.substr(slash)};
  }
  return {r.probe.request.method, url};
}

namespace {
void add_classes(std::vector<std::string>& to, const std::vector<std::string>& from) {
  for (const auto& c : from) {
    if (std::find(to.begin(), to.end(), c) == to.end()) to.push_back(c);
  }
}
}  // namespace

std::vector<Finding> collect_findings(const plan::Plan& plan, const config::Config& config,
                                      const plan::Principals& principals,
                                      std::vector<ProbeResult>& results) {
  std::vector<Finding> out;
  std::map<std::string, std::size_t> by_id;
  for (auto& r : results) {
    if (r.verdict.state != State::bypassed) continue;
    const auto& op = *plan.operations[r.probe.operation].op;
    const auto [method, path] = finding_place(plan.base_url, r, op.method, op.path);
    const std::string id = finding_id_of(r.probe, method, path);
    r.finding = id;
    // A spec finding has no request to reproduce.
    r.curl = r.probe.static_only ? std::string()
                                 : plan::curl_command(r.probe.request, config, principals);
    const auto it = by_id.find(id);
    if (it != by_id.end()) {
      Finding& f = out[it->second];
      f.kinds.push_back(r.probe.kind);
      f.leaked = std::max(f.leaked, r.verdict.leaked);
      f.severity = std::max(f.severity, r.verdict.severity.value_or(r.check->severity()));
      add_classes(f.data, r.verdict.data);
      continue;
    }
    Finding f;
    f.id = id;
    f.check = r.check;
    f.severity = r.verdict.severity.value_or(r.check->severity());
    add_classes(f.data, r.verdict.data);
    f.operation = r.probe.operation;
    f.method = method;
    f.path = path;
    f.operation_id = op.operation_id;
    f.identity = r.probe.identity;
    f.victim = r.check->info().per_victim ? r.probe.victim : "";
    f.parameter = r.probe.parameter;
    f.kinds.push_back(r.probe.kind);
    f.reason = r.verdict.reason;
    f.evidence = r.verdict.evidence;
    f.leaked = r.verdict.leaked;
    f.curl = r.curl;
    by_id[id] = out.size();
    out.push_back(std::move(f));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Finding& a, const Finding& b) { return a.severity > b.severity; });
  return out;
}

}  // namespace authdiff::judge
