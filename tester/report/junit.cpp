#include "report/junit.hpp"

#include <cstdio>
#include <map>

#include "report/xml.hpp"
#include "util/strings.hpp"

namespace authdiff::report {

namespace {

std::string decimal(double seconds) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", seconds);
  return buf;
}

const judge::Finding* finding_for(const ScanResult& result, const judge::ProbeResult& r,
                                  const plan::Plan& plan) {
  const auto& op = *plan.operations[r.probe.operation].op;
  const std::string id =
      judge::finding_id(r.probe.check, op.method, op.path, r.probe.identity,
                        r.probe.check == "enumerate" ? "" : r.probe.victim, r.probe.parameter);
  for (const auto& f : result.findings) {
    if (f.id == id) return &f;
  }
  return nullptr;
}

}  // namespace

std::string junit_xml(const plan::Plan& plan, const ScanResult& result) {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n";
  int suite_id = 0;
  for (const judge::Check* check : result.run.checks) {
    std::vector<const judge::ProbeResult*> cases;
    double seconds = 0;
    std::size_t failures = 0, skipped = 0;
    for (const auto& r : result.results) {
      if (r.check != check) continue;
      cases.push_back(&r);
      seconds += r.response.seconds;
      failures += r.verdict.state == judge::State::bypassed ? 1 : 0;
      skipped += r.verdict.state == judge::State::inconclusive ? 1 : 0;
    }
    out += "  <testsuite package=\"authdiff\" id=\"" + std::to_string(suite_id++) + "\" name=\"" +
           xml_token(check->name()) + "\" timestamp=\"" + xml_escape(result.run.started_at) +
           "\" hostname=\"" + xml_token(result.run.hostname, "localhost") + "\" tests=\"" +
           std::to_string(cases.size()) + "\" failures=\"" + std::to_string(failures) +
           "\" errors=\"0\" skipped=\"" + std::to_string(skipped) + "\" time=\"" +
           decimal(seconds) + "\">\n    <properties>\n";
    const std::map<std::string, std::string> properties = {
        {"check", std::string(check->name())},
        {"owasp", std::string(check->owasp())},
        {"spec", result.run.spec_file},
        {"base_url", result.run.base_url},
        {"identities", join(result.run.identities, ", ")}};
    for (const auto& [k, v] : properties) {
      out += "      <property name=\"" + xml_token(k) + "\" value=\"" + xml_escape(v) + "\"/>\n";
    }
    out += "    </properties>\n";
    for (const auto* r : cases) {
      out += "    <testcase name=\"" + xml_token(r->probe.kind) + "\" classname=\"" +
             xml_token(operation_key(plan, r->probe.operation)) + "\" time=\"" +
             decimal(r->response.seconds) + "\"";
      if (r->verdict.state == judge::State::enforced) {
        out += "/>\n";
        continue;
      }
      if (r->verdict.state == judge::State::inconclusive) {
        out += ">\n      <skipped message=\"" + xml_escape("inconclusive: " + r->verdict.reason) +
               "\"/>\n    </testcase>\n";
        continue;
      }
      const judge::Finding* f = finding_for(result, *r, plan);
      const std::string severity = judge::to_string(check->severity());
      std::string text(check->title());
      text += "\n" + r->verdict.reason + "\n";
      if (f != nullptr) text += "finding " + f->id + ", " + std::string(check->owasp()) + "\n";
      for (const auto& e : r->verdict.evidence) text += "  " + e.pointer + " = " + e.masked + "\n";
      if (r->verdict.leaked > r->verdict.evidence.size()) {
        text +=
            "  ... " + std::to_string(r->verdict.leaked - r->verdict.evidence.size()) + " more\n";
      }
      text += "reproduce: " + plan::curl_command(r->probe.request, *result.config) + "\n";
      out += ">\n      <failure message=\"" + xml_escape(severity + ": " + r->verdict.reason) +
             "\" type=\"" + xml_escape(severity) + "\">" + xml_escape(text, false) +
             "</failure>\n    </testcase>\n";
    }
    out += "    <system-out>" + xml_escape(std::string(check->description()), false) +
           "</system-out>\n    <system-err></system-err>\n  </testsuite>\n";
  }
  out += "</testsuites>\n";
  return out;
}

}  // namespace authdiff::report
