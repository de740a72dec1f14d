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

std::string suite_head(const ScanResult& result, int id, std::string_view name, std::size_t tests,
                       std::size_t failures, std::size_t skipped, double seconds,
                       const std::map<std::string, std::string>& properties,
                       std::size_t errors = 0) {
  std::string out = "  <testsuite package=\"authdiff\" id=\"" + std::to_string(id) + "\" name=\"" +
                    xml_token(name) + "\" timestamp=\"" + xml_escape(result.run.started_at) +
                    "\" hostname=\"" + xml_token(result.run.hostname, "localhost") + "\" tests=\"" +
                    std::to_string(tests) + "\" failures=\"" + std::to_string(failures) +
                    "\" errors=\"" + std::to_string(errors) + "\" skipped=\"" +
                    std::to_string(skipped) + "\" time=\"" + decimal(seconds) +
                    "\">\n    <properties>\n";
  for (const auto& [k, v] : properties) {
    out += "      <property name=\"" + xml_token(k) + "\" value=\"" + xml_escape(v) + "\"/>\n";
  }
  return out + "    </properties>\n";
}

std::string suite_tail(std::string_view system_out) {
  return "    <system-out>" + xml_escape(std::string(system_out), false) +
         "</system-out>\n    <system-err></system-err>\n  </testsuite>\n";
}

// Finding id -> index in result.findings.
using FindingIndex = std::map<std::string, std::size_t>;

// The index of the finding a bypassed result belongs to (findings.size() when none).
std::size_t finding_index(const ScanResult& result, const FindingIndex& index,
                          const judge::ProbeResult& r) {
  const auto it = index.find(r.finding);
  return it == index.end() ? result.findings.size() : it->second;
}

// "new since the baseline: ", "known (baseline: why): ", ... or "".
std::string status_prefix(const ScanResult& result, std::size_t finding) {
  if (finding >= result.findings.size()) return "";
  const judge::Finding& f = result.findings[finding];
  switch (result.status(finding)) {
    case Status::none:
      return "";
    case Status::new_:
      return "new since the baseline: ";
    case Status::still_open:
      return "still open: ";
    case Status::known:
    case Status::expired:
      break;
  }
  for (const auto& p : result.previous) {
    if (p.id != f.id) continue;
    if (result.status(finding) == Status::expired)
      return "still failing, its baseline entry expired on " + p.expires + ": ";
    return "known (baseline: " + p.reason + (p.expires.empty() ? "" : ", until " + p.expires) +
           "): ";
  }
  return "";
}

}  // namespace

std::string junit_xml(const ScanResult& result) {
  FindingIndex index;
  for (std::size_t i = 0; i < result.findings.size(); ++i) index.emplace(result.findings[i].id, i);
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n";
  int suite_id = 0;
  // A run that could not conclude is an error of its own, first, so a CI page shows why.
  if (const std::string why = result.could_not_conclude(); !why.empty()) {
    out += suite_head(result, suite_id++, "authdiff", 1, 0, 0, 0,
                      {{"spec", result.run.spec_file}, {"base_url", result.run.base_url}}, 1);
    std::string text = why + "\n";
    for (const auto& w : result.run.warnings) text += "warning: " + w + "\n";
    out +=
        "    <testcase name=\"the run concludes\" classname=\"authdiff\" time=\"0.000\">\n"
        "      <error message=\"" +
        xml_escape("the run could not conclude: " + why) + "\" type=\"inconclusive\">" +
        xml_escape(text, false) + "</error>\n    </testcase>\n";
    out += suite_tail("Whether the run could judge the API at all.");
  }
  for (const judge::Check* check : result.run.checks) {
    std::vector<const judge::ProbeResult*> cases;
    double seconds = 0;
    std::size_t failures = 0, skipped = 0;
    for (const auto& r : result.results) {
      if (r.check != check) continue;
      cases.push_back(&r);
      seconds += r.response.seconds;
      if (r.verdict.state == judge::State::bypassed) {
        const std::size_t f = finding_index(result, index, r);
        const bool known = f < result.findings.size() && result.status(f) == Status::known;
        failures += known ? 0 : 1;
        skipped += known ? 1 : 0;
      }
      skipped += r.verdict.state == judge::State::inconclusive ? 1 : 0;
    }
    out += suite_head(result, suite_id++, check->name(), cases.size(), failures, skipped, seconds,
                      {{"check", std::string(check->name())},
                       {"owasp", std::string(check->owasp())},
                       {"spec", result.run.spec_file},
                       {"base_url", result.run.base_url},
                       {"identities", join(result.run.identities, ", ")}});
    for (const auto* r : cases) {
      out += "    <testcase name=\"" + xml_token(r->probe.kind) + "\" classname=\"" +
             xml_token(operation_key(result, r->probe.operation)) + "\" time=\"" +
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
      const std::size_t fi = finding_index(result, index, *r);
      const std::string prefix = status_prefix(result, fi);
      const std::string severity = judge::to_string(
          fi < result.findings.size() ? result.findings[fi].severity : check->severity());
      std::string text(check->title());
      text += "\n" + prefix + r->verdict.reason + "\n";
      if (fi < result.findings.size())
        text += "finding " + r->finding + ", " + std::string(check->owasp()) + "\n";
      for (const auto& e : r->verdict.evidence) text += "  " + e.pointer + " = " + e.masked + "\n";
      if (r->verdict.leaked > r->verdict.evidence.size()) {
        text +=
            "  ... " + std::to_string(r->verdict.leaked - r->verdict.evidence.size()) + " more\n";
      }
      if (!r->verdict.data.empty()) text += "unmasked data: " + join(r->verdict.data, ", ") + "\n";
      if (!r->curl.empty()) text += "reproduce: " + r->curl + "\n";
      if (fi < result.findings.size() && result.status(fi) == Status::known) {
        out += ">\n      <skipped message=\"" + xml_escape(prefix + r->verdict.reason) +
               "\"/>\n    </testcase>\n";
        continue;
      }
      out += ">\n      <failure message=\"" +
             xml_escape(severity + ": " + prefix + r->verdict.reason) + "\" type=\"" +
             xml_escape(severity) + "\">" + xml_escape(text, false) +
             "</failure>\n    </testcase>\n";
    }
    out += suite_tail(check->description());
  }

  // Operations nothing tested: a skipped case each, with why, so a CI page shows the gaps.
  if (!result.untested.empty()) {
    out += suite_head(result, suite_id++, "not-tested", result.untested.size(), 0,
                      result.untested.size(), 0, {{"spec", result.run.spec_file}});
    for (const auto& u : result.untested) {
      out += "    <testcase name=\"not tested\" classname=\"" +
             xml_token(operation_key(result, u.operation)) +
             "\" time=\"0.000\">\n      <skipped message=\"" + xml_escape(u.reason) +
             "\"/>\n    </testcase>\n";
    }
    out += suite_tail("Operations this run did not test, and why.");
  }

  // Entries of the baseline or the rechecked report that did not come back: fixed ones pass,
  // ones this run could not judge are skipped. Those still failing are in their check's suite.
  if (!result.compared_with.empty()) {
    std::vector<const Previous*> cases;
    for (const auto& p : result.previous) {
      if (p.outcome != Previous::Outcome::still_failing) cases.push_back(&p);
    }
    const std::size_t fixed = result.count(Previous::Outcome::fixed);
    out += suite_head(
        result, suite_id++, result.compared_with, cases.size(), 0, cases.size() - fixed, 0,
        {{"file", result.compared_with_file},
         {"fixed", std::to_string(fixed)},
         {"still_failing", std::to_string(result.count(Previous::Outcome::still_failing))}});
    for (const auto* p : cases) {
      const std::string who = p->identity.empty() ? "anonymous" : p->identity;
      out += "    <testcase name=\"" +
             xml_token(p->check + " as " + who +
                       (p->parameter.empty() ? "" : " via " + p->parameter) + " [" + p->id + "]") +
             "\" classname=\"" + xml_token(p->operation) + "\" time=\"0.000\"";
      if (p->outcome == Previous::Outcome::fixed) {
        out += "/>\n";
        continue;
      }
      out += ">\n      <skipped message=\"" +
             xml_escape(to_string(p->outcome) +
                        (p->outcome == Previous::Outcome::not_checked
                             ? ": its check or operation was not part of this run"
                             : ": its probes could not be judged")) +
             "\"/>\n    </testcase>\n";
    }
    out += suite_tail(
        result.compared_with == "baseline"
            ? "Findings of the baseline that are fixed, or that this run did not check."
            : "Findings of the rechecked report that are fixed, or could not be judged.");
  }
  out += "</testsuites>\n";
  return out;
}

}  // namespace authdiff::report
