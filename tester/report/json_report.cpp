#include "report/json_report.hpp"

#include <algorithm>
#include <map>

#include <nlohmann/json.hpp>

#include "util/file.hpp"

namespace authdiff::report {

namespace {

using json = nlohmann::ordered_json;

const char* credential_name(plan::Credential c) {
  switch (c) {
    case plan::Credential::none:
      return "none";
    case plan::Credential::own:
      return "own";
    case plan::Credential::garbage:
      return "garbage";
    case plan::Credential::tampered:
      return "tampered";
  }
  return "none";
}

json evidence_json(const std::vector<judge::Evidence>& evidence) {
  json out = json::array();
  for (const auto& e : evidence) out.push_back({{"pointer", e.pointer}, {"value", e.masked}});
  return out;
}

json untested_json(const ScanResult& r) {
  json out = json::array();
  for (const auto& u : r.untested) {
    const bool known = u.operation < r.operations.size();
    out.push_back({{"operation", u.operation},
                   {"method", known ? r.operations[u.operation].method : ""},
                   {"path", known ? r.operations[u.operation].path : ""},
                   {"reason", u.reason}});
  }
  return out;
}

json run_json(const RunInfo& run) {
  json checks = json::array();
  for (const auto* c : run.checks) checks.push_back(std::string(c->name()));
  json out = {{"command", run.command},
              {"version", run.version},
              {"spec", run.spec_file},
              {"har", run.har},
              {"postman", run.postman},
              {"config", run.config_file},
              {"base_url", run.base_url},
              {"started_at", run.started_at},
              {"hostname", run.hostname},
              {"seconds", run.seconds},
              {"send_seconds", run.send_seconds},
              {"prepare_seconds", run.prepare_seconds},
              {"judge_seconds", run.judge_seconds},
              {"requests", run.requests},
              {"identities", run.identities},
              {"checks", checks},
              {"fail_on", judge::to_string(run.fail_on)},
              {"max_inconclusive", run.max_inconclusive},
              {"shard", nullptr}};
  if (run.shards > 0) out["shard"] = {{"index", run.shard}, {"count", run.shards}};
  if (!run.merged_shards.empty()) out["merged_shards"] = run.merged_shards;
  out["aborted"] = run.aborted;
  out["blind"] = run.blind;
  out["budget"] = run.budget;
  out["warnings"] = run.warnings;
  json discovered = json::array();
  for (const auto& d : run.discovered) {
    discovered.push_back({{"identity", d.identity},
                          {"parameter", d.parameter},
                          {"value", d.value},
                          {"source", d.source},
                          {"resource", d.resource}});
  }
  out["discovered"] = discovered;
  json created = json::array();
  for (const auto& c : run.created) {
    created.push_back({{"identity", c.identity},
                       {"parameter", c.parameter},
                       {"value", c.value},
                       {"removal", c.removal},
                       {"resource", c.resource}});
  }
  out["created"] = created;
  out["shared_ids"] = run.shared_ids;
  return out;
}

json summary_json(const ScanResult& r) {
  std::map<std::string, std::size_t> by_severity;
  for (const auto& f : r.findings) ++by_severity[judge::to_string(f.severity)];
  json out = {{"probes", r.results.size()},
              {"enforced", r.count(judge::State::enforced)},
              {"bypassed", r.count(judge::State::bypassed)},
              {"inconclusive", r.count(judge::State::inconclusive)},
              {"findings", r.findings.size()},
              {"failing", r.failing()},
              {"by_severity", by_severity}};
  if (!r.compared_with.empty()) {
    for (const auto o : {Previous::Outcome::fixed, Previous::Outcome::still_failing,
                         Previous::Outcome::not_checked, Previous::Outcome::inconclusive}) {
      std::string key = to_string(o);
      std::replace(key.begin(), key.end(), ' ', '_');
      out[key] = r.count(o);
    }
  }
  return out;
}

json probe_json(const judge::ProbeResult& r) {
  json headers = json::array();
  for (const auto& [k, v] : r.probe.request.headers) headers.push_back({k, v});
  json out = {
      {"check", r.probe.check},
      {"kind", r.probe.kind},
      {"operation", r.probe.operation},
      {"identity", r.probe.identity},
      {"victim", r.probe.victim},
      {"parameter", r.probe.parameter},
      {"value", r.probe.value},
      {"static", r.probe.static_only},
      {"request",
       {{"method", r.probe.request.method},
        {"url", r.probe.request.url},
        {"headers", headers},
        {"body", r.probe.request.body},
        {"identity", r.probe.request.identity},
        {"credential", credential_name(r.probe.request.credential)},
        {"tamper", r.probe.request.tamper},
        {"tamper_other", r.probe.request.tamper_other}}},
      {"response",
       {{"status", r.response.status},
        {"bytes", r.response.body_bytes},
        {"truncated", r.response.truncated},
        {"seconds", r.response.seconds},
        {"attempts", r.response.attempts},
        {"error", r.response.error}}},
      {"verdict",
       {{"state", judge::to_string(r.verdict.state)},
        {"reason", r.verdict.reason},
        {"evidence", evidence_json(r.verdict.evidence)},
        {"leaked", r.verdict.leaked},
        {"items", r.verdict.items ? json(*r.verdict.items) : json(nullptr)},
        {"severity",
         r.verdict.severity ? json(judge::to_string(*r.verdict.severity)) : json(nullptr)},
        {"data", r.verdict.data},
        {"reach", r.verdict.reach ? json(judge::to_string(*r.verdict.reach)) : json(nullptr)}}}};
  if (r.probe.request.list_pointer) out["request"]["list_pointer"] = *r.probe.request.list_pointer;
  if (!r.finding.empty()) {
    out["finding"] = r.finding;
    out["curl"] = r.curl;
  }
  return out;
}

json finding_json(const ScanResult& result, std::size_t i) {
  const judge::Finding& f = result.findings[i];
  return {{"id", f.id},
          {"check", std::string(f.check->name())},
          {"severity", judge::to_string(f.severity)},
          {"owasp", std::string(f.check->owasp())},
          {"operation", f.operation},
          {"method", f.method},
          {"path", f.path},
          {"operation_id", f.operation_id},
          {"identity", f.identity},
          {"victim", f.victim},
          {"parameter", f.parameter},
          {"probes", f.kinds},
          {"reason", f.reason},
          {"evidence", evidence_json(f.evidence)},
          {"leaked", f.leaked},
          {"data", f.data},
          {"curl", f.curl},
          {"status", to_string(result.status(i))},
          {"fails", result.fails(i)}};
}

json previous_json(const Previous& p) {
  return {{"id", p.id},
          {"check", p.check},
          {"operation", p.operation},
          {"identity", p.identity},
          {"victim", p.victim},
          {"parameter", p.parameter},
          {"severity", judge::to_string(p.severity)},
          {"reason", p.reason},
          {"expires", p.expires},
          {"outcome", to_string(p.outcome)}};
}

// Reading: every accessor names the member's JSON pointer when it is missing or mistyped.
struct BadReport {
  std::string message;
};

class Reader {
 public:
  explicit Reader(const json& j, std::string where = "") : m_j(j), m_where(std::move(where)) {}

  Reader at(const std::string& key) const {
    if (!m_j.is_object() || !m_j.contains(key)) throw BadReport{"missing " + pointer(key)};
    return Reader(m_j.at(key), pointer(key));
  }
  Reader at(std::size_t i) const { return Reader(m_j.at(i), m_where + "/" + std::to_string(i)); }
  bool has(const std::string& key) const { return m_j.is_object() && m_j.contains(key); }
  std::size_t size() const {
    if (!m_j.is_array()) wrong("an array");
    return m_j.size();
  }
  bool is_null() const { return m_j.is_null(); }
  std::string str() const {
    if (!m_j.is_string()) wrong("a string");
    return m_j.get<std::string>();
  }
  std::string str(const std::string& key) const { return at(key).str(); }
  std::size_t count() const {
    if (!m_j.is_number_unsigned()) wrong("a non-negative integer");
    return m_j.get<std::size_t>();
  }
  double number() const {
    if (!m_j.is_number()) wrong("a number");
    return m_j.get<double>();
  }
  bool boolean() const {
    if (!m_j.is_boolean()) wrong("true or false");
    return m_j.get<bool>();
  }
  std::vector<std::string> strings() const {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < size(); ++i) out.push_back(at(i).str());
    return out;
  }
  template <class T>
  T parsed(std::optional<T> (*parse)(std::string_view), const char* expected) const {
    const auto v = parse(str());
    if (!v) wrong(expected);
    return *v;
  }
  [[noreturn]] void wrong(const std::string& expected) const {
    throw BadReport{(m_where.empty() ? "the document" : m_where) + ": expected " + expected};
  }
  const std::string& where() const { return m_where; }

 private:
  std::string pointer(const std::string& key) const { return m_where + "/" + key; }
  const json& m_j;
  std::string m_where;
};

std::optional<judge::State> parse_state(std::string_view s) {
  for (const auto v :
       {judge::State::enforced, judge::State::bypassed, judge::State::inconclusive}) {
    if (judge::to_string(v) == s) return v;
  }
  return std::nullopt;
}

std::optional<plan::Credential> parse_credential(std::string_view s) {
  for (const auto v : {plan::Credential::none, plan::Credential::own, plan::Credential::garbage,
                       plan::Credential::tampered}) {
    if (credential_name(v) == s) return v;
  }
  return std::nullopt;
}

const judge::Check* check_named(const Reader& r) {
  const std::string name = r.str();
  const judge::Check* c = judge::find_check(name);
  if (c == nullptr) throw BadReport{r.where() + ": unknown check \"" + name + "\""};
  return c;
}

std::vector<judge::Evidence> read_evidence(const Reader& r) {
  std::vector<judge::Evidence> out;
  for (std::size_t i = 0; i < r.size(); ++i)
    out.push_back({r.at(i).str("pointer"), r.at(i).str("value")});
  return out;
}

std::size_t operation_index(const Reader& r, const ScanResult& result) {
  const std::size_t op = r.count();
  if (op >= result.operations.size())
    throw BadReport{r.where() + ": no operation " + std::to_string(op)};
  return op;
}

ScanResult read(const Reader& root) {
  ScanResult out;
  const Reader version = root.at("authdiff_report");
  if (version.count() != static_cast<std::size_t>(k_report_version)) {
    throw BadReport{"a version " + std::to_string(version.count()) +
                    " report; this authdiff reads version " + std::to_string(k_report_version)};
  }
  const Reader run = root.at("run");
  out.run.command = run.str("command");
  out.run.version = run.str("version");
  out.run.spec_file = run.str("spec");
  if (run.has("har")) out.run.har = run.at("har").strings();
  if (run.has("postman")) out.run.postman = run.at("postman").strings();
  out.run.config_file = run.str("config");
  out.run.base_url = run.str("base_url");
  out.run.started_at = run.str("started_at");
  out.run.hostname = run.str("hostname");
  out.run.seconds = run.at("seconds").number();
  out.run.send_seconds = run.at("send_seconds").number();
  if (run.has("prepare_seconds")) out.run.prepare_seconds = run.at("prepare_seconds").number();
  if (run.has("judge_seconds")) out.run.judge_seconds = run.at("judge_seconds").number();
  out.run.requests = run.at("requests").count();
  out.run.identities = run.at("identities").strings();
  const Reader checks = run.at("checks");
  for (std::size_t i = 0; i < checks.size(); ++i)
    out.run.checks.push_back(check_named(checks.at(i)));
  out.run.fail_on = run.at("fail_on").parsed(judge::parse_severity, "a severity");
  out.run.max_inconclusive = run.at("max_inconclusive").number();
  if (!run.at("shard").is_null()) {
    out.run.shard = static_cast<int>(run.at("shard").at("index").count());
    out.run.shards = static_cast<int>(run.at("shard").at("count").count());
    if (out.run.shards < 1 || out.run.shard < 1 || out.run.shard > out.run.shards)
      throw BadReport{"/run/shard: expected 1 <= index <= count"};
  }
  if (run.has("aborted")) out.run.aborted = run.str("aborted");
  if (run.has("blind")) out.run.blind = run.str("blind");
  if (run.has("budget")) out.run.budget = run.str("budget");
  if (run.has("warnings")) out.run.warnings = run.at("warnings").strings();
  if (run.has("merged_shards")) {
    const Reader m = run.at("merged_shards");
    for (std::size_t i = 0; i < m.size(); ++i)
      out.run.merged_shards.push_back(static_cast<int>(m.at(i).count()));
  }

  if (run.has("discovered")) {
    const Reader d = run.at("discovered");
    for (std::size_t i = 0; i < d.size(); ++i) {
      const Reader x = d.at(i);
      out.run.discovered.push_back({x.str("identity"), x.str("parameter"), x.str("value"),
                                    x.str("source"), x.has("resource") ? x.str("resource") : ""});
    }
    out.run.shared_ids = run.at("shared_ids").count();
  }
  if (run.has("created")) {
    const Reader c = run.at("created");
    for (std::size_t i = 0; i < c.size(); ++i) {
      const Reader x = c.at(i);
      out.run.created.push_back({x.str("identity"), x.str("parameter"), x.str("value"),
                                 x.str("removal"), x.has("resource") ? x.str("resource") : ""});
    }
  }

  const Reader ops = root.at("operations");
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const Reader o = ops.at(i);
    out.operations.push_back({o.str("method"), o.str("path"), o.str("operation_id"),
                              static_cast<int>(o.at("line").count())});
  }

  const Reader probes = root.at("probes");
  out.results.reserve(probes.size());
  for (std::size_t i = 0; i < probes.size(); ++i) {
    const Reader p = probes.at(i);
    judge::ProbeResult r;
    r.check = check_named(p.at("check"));
    r.probe.check = std::string(r.check->name());
    r.probe.kind = p.str("kind");
    r.probe.operation = operation_index(p.at("operation"), out);
    r.probe.identity = p.str("identity");
    r.probe.victim = p.str("victim");
    r.probe.parameter = p.str("parameter");
    r.probe.value = p.str("value");
    if (p.has("static")) r.probe.static_only = p.at("static").boolean();
    const Reader q = p.at("request");
    r.probe.request.method = q.str("method");
    r.probe.request.url = q.str("url");
    const Reader headers = q.at("headers");
    for (std::size_t h = 0; h < headers.size(); ++h) {
      const Reader pair = headers.at(h);
      if (pair.size() != 2) pair.wrong("a [name, value] pair");
      r.probe.request.headers.emplace_back(pair.at(std::size_t{0}).str(), pair.at(1).str());
    }
    r.probe.request.body = q.str("body");
    r.probe.request.identity = q.str("identity");
    r.probe.request.credential =
        q.at("credential").parsed(parse_credential, "none, own, garbage or tampered");
    // Members added within version 1 are optional on reading.
    if (q.has("tamper")) r.probe.request.tamper = q.str("tamper");
    if (q.has("tamper_other")) r.probe.request.tamper_other = q.str("tamper_other");
    if (q.has("list_pointer")) r.probe.request.list_pointer = q.str("list_pointer");
    const Reader a = p.at("response");
    r.response.status = static_cast<long>(a.at("status").count());
    r.response.body_bytes = a.at("bytes").count();
    r.response.truncated = a.at("truncated").boolean();
    r.response.seconds = a.at("seconds").number();
    r.response.attempts = static_cast<int>(a.at("attempts").count());
    r.response.error = a.str("error");
    const Reader v = p.at("verdict");
    r.verdict.state = v.at("state").parsed(parse_state, "enforced, bypassed or inconclusive");
    r.verdict.reason = v.str("reason");
    r.verdict.evidence = read_evidence(v.at("evidence"));
    r.verdict.leaked = v.at("leaked").count();
    if (!v.at("items").is_null()) r.verdict.items = v.at("items").count();
    if (v.has("severity") && !v.at("severity").is_null())
      r.verdict.severity = v.at("severity").parsed(judge::parse_severity, "a severity");
    if (v.has("data")) r.verdict.data = v.at("data").strings();
    if (v.has("reach") && !v.at("reach").is_null())
      r.verdict.reach = v.at("reach").parsed(judge::parse_reach, "allowed, denied or n/a");
    if (p.has("finding")) {
      r.finding = p.str("finding");
      r.curl = p.str("curl");
    }
    out.results.push_back(std::move(r));
  }

  if (root.has("untested")) {
    const Reader u = root.at("untested");
    for (std::size_t i = 0; i < u.size(); ++i) {
      const std::size_t op = u.at(i).at("operation").count();
      if (op >= out.operations.size())
        throw BadReport{"/untested/" + std::to_string(i) + "/operation: no such operation"};
      out.untested.push_back({op, u.at(i).str("reason")});
    }
  }

  const Reader findings = root.at("findings");
  for (std::size_t i = 0; i < findings.size(); ++i) {
    const Reader f = findings.at(i);
    judge::Finding x;
    x.id = f.str("id");
    x.check = check_named(f.at("check"));
    x.severity = f.at("severity").parsed(judge::parse_severity, "a severity");
    x.operation = operation_index(f.at("operation"), out);
    x.method = f.str("method");
    x.path = f.str("path");
    x.operation_id = f.str("operation_id");
    x.identity = f.str("identity");
    x.victim = f.str("victim");
    x.parameter = f.str("parameter");
    x.kinds = f.at("probes").strings();
    x.reason = f.str("reason");
    x.evidence = read_evidence(f.at("evidence"));
    x.leaked = f.at("leaked").count();
    if (f.has("data")) x.data = f.at("data").strings();
    x.curl = f.str("curl");
    out.statuses.push_back(f.at("status").parsed(parse_status, "a finding status"));
    out.findings.push_back(std::move(x));
  }

  const Reader compared = root.at("compared_with");
  if (!compared.is_null()) {
    out.compared_with = compared.str("kind");
    if (out.compared_with != "baseline" && out.compared_with != "recheck")
      compared.at("kind").wrong("\"baseline\" or \"recheck\"");
    out.compared_with_file = compared.str("file");
    const Reader prev = compared.at("previous");
    for (std::size_t i = 0; i < prev.size(); ++i) {
      const Reader p = prev.at(i);
      Previous x;
      x.id = p.str("id");
      x.check = p.str("check");
      x.operation = p.str("operation");
      x.identity = p.str("identity");
      x.victim = p.str("victim");
      x.parameter = p.str("parameter");
      x.severity = p.at("severity").parsed(judge::parse_severity, "a severity");
      x.reason = p.str("reason");
      x.expires = p.str("expires");
      x.outcome = p.at("outcome").parsed(parse_outcome, "an outcome");
      out.previous.push_back(std::move(x));
    }
  }
  return out;
}

}  // namespace

std::string json_report(const ScanResult& result) {
  json ops = json::array();
  for (const auto& o : result.operations) {
    ops.push_back({{"method", o.method},
                   {"path", o.path},
                   {"operation_id", o.operation_id},
                   {"line", o.line}});
  }
  json findings = json::array();
  for (std::size_t i = 0; i < result.findings.size(); ++i)
    findings.push_back(finding_json(result, i));
  json compared = nullptr;
  if (!result.compared_with.empty()) {
    json prev = json::array();
    for (const auto& p : result.previous) prev.push_back(previous_json(p));
    compared = {
        {"kind", result.compared_with}, {"file", result.compared_with_file}, {"previous", prev}};
  }
  const json doc = {{"authdiff_report", k_report_version},
                    {"run", run_json(result.run)},
                    {"could_not_conclude", result.could_not_conclude()},
                    {"untested", untested_json(result)},
                    {"summary", summary_json(result)},
                    {"operations", ops},
                    {"findings", findings},
                    {"compared_with", compared},
                    {"probes", json::array()}};
  // Text from the target (reasons, evidence) may be invalid UTF-8: replaced, never a throw.
  std::string out = doc.dump(1, ' ', false, json::error_handler_t::replace);
  // The probes, one per line, rendered one at a time: a run's largest part never exists as one
  // JSON tree. "probes" is the last member, so its "[]" ends the text before the closing brace.
  const std::size_t empty = out.rfind("[]");
  std::string probes = "[";
  for (std::size_t i = 0; i < result.results.size(); ++i) {
    probes += i == 0 ? "\n  " : ",\n  ";
    probes += probe_json(result.results[i]).dump(-1, ' ', false, json::error_handler_t::replace);
  }
  probes += result.results.empty() ? "]" : "\n ]";
  out.replace(empty, 2, probes);
  return out + "\n";
}

Result<ScanResult> parse_json_report(std::string_view text, const std::string& file) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    return json_text_error(text, file, e.what(), std::max<std::size_t>(e.byte, 1),
                           "not a JSON report: ");
  } catch (const json::exception& e) {
    // A number too large for a double (1e999) is out_of_range, not a parse_error.
    return json_text_error(text, file, e.what(), 0, "not a JSON report: ");
  }
  if (!doc.is_object() || !doc.contains("authdiff_report"))
    return Error{file, 0, 0, "not an authdiff JSON report (no \"authdiff_report\" member)"};
  try {
    ScanResult r = read(Reader(doc));
    if (r.statuses.size() != r.findings.size()) r.statuses.resize(r.findings.size());
    return r;
  } catch (const BadReport& e) {
    return Error{file, 0, 0, e.message};
  } catch (const json::exception& e) {
    return Error{file, 0, 0, std::string("malformed report: ") + e.what()};
  }
}

Result<ScanResult> read_json_report(const std::string& path) {
  auto text = read_file(path);
  if (!text) return text.error();
  return parse_json_report(*text, path);
}

}  // namespace authdiff::report
