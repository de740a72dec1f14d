#pragma once
// Verdicts -> findings: bypassed probes grouped by check, operation, identities and parameter,
// each with a stable id, its evidence and a curl command that reproduces it.
#include <string>
#include <vector>

#include "judge/check.hpp"

namespace authdiff::judge {

struct Finding {
  std::string id;  // stable: hash of check, method, path template, identities, parameter
  const Check* check = nullptr;
  Severity severity = Severity::high;
  std::size_t operation = 0;
  std::string method, path, operation_id;
  std::string identity;            // who got through ("" = anonymous)
  std::string victim;              // whose data ("" = none)
  std::string parameter;           // the parameter varied, if any
  std::vector<std::string> kinds;  // the probes that got through
  std::string reason;              // the first bypassed probe's reason
  std::vector<Evidence> evidence;
  std::size_t leaked = 0;
  std::vector<std::string> data;  // classes of unmasked sensitive data in what got through
  std::string curl;  // reproduces the first bypassed probe; placeholders for credentials
};

// The stable id of a finding.
std::string finding_id(std::string_view check, std::string_view method, std::string_view path,
                       std::string_view identity, std::string_view victim,
                       std::string_view parameter);

// The id of the finding a bypassed probe of `check` on `method path` belongs to.
// The method and path a finding names: its operation's (`method`, `path`), or for a check whose
// probes are about a request of their own (CheckInfo::names_request) that request's method and
// path (the whole URL off the base URL's origin).
std::pair<std::string, std::string> finding_place(const std::string& base_url, const ProbeResult& r,
                                                  const std::string& method,
                                                  const std::string& path);
std::string finding_id_of(const plan::Probe& probe, std::string_view method, std::string_view path);

// Group the bypassed results into findings (most severe first, then in result order) and mark
// each bypassed result with its finding's id and a curl command.
std::vector<Finding> collect_findings(const plan::Plan& plan, const config::Config& config,
                                      const plan::Principals& principals,
                                      std::vector<ProbeResult>& results);

}  // namespace authdiff::judge
