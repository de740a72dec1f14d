#include "report/sarif.hpp"

#include "util/strings.hpp"

#include <unistd.h>
#include <cctype>
#include <climits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace authdiff::report {

namespace {

using json = nlohmann::ordered_json;

// GitHub reads `security-severity` (0.0-10.0) to rank code scanning alerts.
const char* security_severity(judge::Severity s) {
  switch (s) {
    case judge::Severity::critical:
      return "9.5";
    case judge::Severity::high:
      return "8.1";
    case judge::Severity::medium:
      return "5.3";
    case judge::Severity::low:
      return "3.1";
    case judge::Severity::info:
      return "0.0";
  }
  return "0.0";
}

const char* level(judge::Severity s) {
  return s >= judge::Severity::high ? "error" : s == judge::Severity::medium ? "warning" : "note";
}

// "Guessed object IDs are served" -> "GuessedObjectIdsAreServed" (a rule's readable name; the
// id is the check's name).
std::string pascal(std::string_view title) {
  std::string out;
  bool up = true;
  for (const char c : title) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0) {
      up = true;
      continue;
    }
    out += up ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
              : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    up = false;
  }
  return out;
}

// "API1:2023 Broken Object Level Authorization" -> "OWASP-API1:2023".
std::string owasp_tag(std::string_view owasp) {
  return "OWASP-" + std::string(owasp.substr(0, owasp.find(' ')));
}

json rule(const judge::Check& c) {
  const std::string text = fmt::format("{}\n\n{}\n\nOWASP API Security Top 10: {}", c.title(),
                                       c.description(), c.owasp());
  const std::string markdown = fmt::format(
      "**{}**\n\n{}\n\nOWASP API Security Top 10: *{}*\n\nEach finding carries a "
      "`curl` command that reproduces it; credentials are environment variables "
      "(`$AUTHDIFF_<IDENTITY>_TOKEN`).",
      c.title(), c.description(), c.owasp());
  return {
      {"id", std::string(c.name())},
      {"name", pascal(c.title())},
      {"shortDescription", {{"text", std::string(c.title())}}},
      {"fullDescription", {{"text", std::string(c.description())}}},
      {"help", {{"text", text}, {"markdown", markdown}}},
      {"defaultConfiguration", {{"level", level(c.severity())}}},
      {"properties",
       {{"tags", {"security", "authorization", owasp_tag(c.owasp())}},
        {"security-severity", security_severity(c.severity())},
        {"precision", "high"},
        {"problem.severity",
         level(c.severity()) == std::string("note") ? "recommendation" : level(c.severity())}}}};
}

std::string message_of(const judge::Finding& f) {
  const std::string who = f.identity.empty() ? "an anonymous caller" : f.identity;
  std::string out = fmt::format("{} {}: {} ({}", f.method, f.path, f.check->title(), who);
  if (!f.victim.empty() && f.victim != f.identity) out += " reached " + f.victim + "'s data";
  if (!f.parameter.empty()) out += " via " + f.parameter;
  out += "). " + f.reason + ".";
  if (!f.evidence.empty()) {
    out += " Evidence:";
    for (std::size_t i = 0; i < f.evidence.size() && i < 4; ++i)
      out += (i ? ", " : " ") + f.evidence[i].pointer + "=" + f.evidence[i].masked;
    if (f.leaked > 4) out += fmt::format(" (+{} more)", f.leaked - 4);
    out += ".";
  }
  if (!f.data.empty()) out += " Unmasked data: " + join(f.data, ", ") + ".";
  return f.curl.empty() ? out : out + " Reproduce: " + f.curl;
}

std::string current_directory() {
  char buf[PATH_MAX];
  return getcwd(buf, sizeof buf) != nullptr ? std::string(buf) : std::string();
}

}  // namespace

std::string artifact_uri(const std::string& path, const std::string& cwd) {
  std::string p = path;
  std::string prefix;
  if (!p.empty() && p.front() == '/') {
    if (!cwd.empty() && p.size() > cwd.size() && p.compare(0, cwd.size(), cwd) == 0 &&
        p[cwd.size()] == '/') {
      p = p.substr(cwd.size() + 1);
    } else {
      prefix = "file://";
    }
  }
  while (p.starts_with("./")) p = p.substr(2);
  std::string out = prefix;
  for (const unsigned char c : p) {
    if (std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string sarif_report(const ScanResult& result) {
  json rules = json::array();
  std::vector<const judge::Check*> order;
  for (const judge::Check* c : result.run.checks) {
    rules.push_back(rule(*c));
    order.push_back(c);
  }
  // A run from recorded traffic alone points at the traffic file.
  const std::string& input = !result.run.spec_file.empty() ? result.run.spec_file
                             : !result.run.har.empty()     ? result.run.har.front()
                             : !result.run.postman.empty() ? result.run.postman.front()
                                                           : result.run.spec_file;
  const std::string uri = artifact_uri(input, current_directory());
  json results = json::array();
  for (std::size_t i = 0; i < result.findings.size(); ++i) {
    const judge::Finding& f = result.findings[i];
    auto it = std::find(order.begin(), order.end(), f.check);
    if (it == order.end()) {
      rules.push_back(rule(*f.check));
      order.push_back(f.check);
      it = order.end() - 1;
    }
    const int line =
        f.operation < result.operations.size() ? result.operations[f.operation].line : 0;
    json evidence = json::array();
    for (const auto& e : f.evidence)
      evidence.push_back({{"pointer", e.pointer}, {"value", e.masked}});
    json r = {
        {"ruleId", std::string(f.check->name())},
        {"ruleIndex", it - order.begin()},
        {"level", level(f.severity)},
        {"message", {{"text", message_of(f)}}},
        {"locations",
         {{{"physicalLocation",
            {{"artifactLocation", {{"uri", uri}}}, {"region", {{"startLine", std::max(line, 1)}}}}},
           {"logicalLocations",
            {{{"name", f.operation_id.empty() ? f.method + " " + f.path : f.operation_id},
              {"fullyQualifiedName", f.method + " " + f.path},
              {"kind", "function"}}}}}}},
        {"partialFingerprints", {{"authdiffFindingId/v1", f.id}}},
        {"properties",
         {{"security-severity", security_severity(f.severity)},
          {"finding", f.id},
          {"operation", f.method + " " + f.path},
          {"identity", f.identity.empty() ? std::string("anonymous") : f.identity},
          {"victim", f.victim},
          {"parameter", f.parameter},
          {"probes", f.kinds},
          {"evidence", evidence},
          {"leaked", f.leaked},
          {"data", f.data},
          {"curl", f.curl}}}};
    const Status status = result.status(i);
    if (status != Status::none) r["baselineState"] = status == Status::new_ ? "new" : "unchanged";
    if (status == Status::known) {
      std::string why;
      for (const auto& p : result.previous) {
        if (p.id == f.id) why = p.reason + (p.expires.empty() ? "" : " (until " + p.expires + ")");
      }
      r["suppressions"] = {{{"kind", "external"}, {"status", "accepted"}, {"justification", why}}};
    }
    results.push_back(std::move(r));
  }
  json driver = {{"name", "authdiff"},
                 {"version", result.run.version},
                 {"semanticVersion", result.run.version},
                 {"rules", rules}};
  json notifications = json::array();
  if (const std::string why = result.could_not_conclude(); !why.empty())
    notifications.push_back(
        {{"level", "error"}, {"message", {{"text", "the run could not conclude: " + why}}}});
  for (const auto& w : result.run.warnings)
    notifications.push_back({{"level", "warning"}, {"message", {{"text", w}}}});
  json invocation = {{"executionSuccessful", result.run.aborted.empty()},
                     {"toolExecutionNotifications", notifications},
                     {"properties",
                      {{"command", result.run.command},
                       {"baseUrl", result.run.base_url},
                       {"probes", result.results.size()},
                       {"requests", result.run.requests}}}};
  json run = {{"tool", {{"driver", driver}}},
              {"invocations", json::array({invocation})},
              {"columnKind", "utf16CodeUnits"},
              {"results", results}};
  const json doc = {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
                    {"version", "2.1.0"},
                    {"runs", json::array({run})}};
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace authdiff::report
