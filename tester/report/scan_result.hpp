#pragma once
// Everything a scan produced, handed to the report writers.
#include <string>
#include <vector>

#include "judge/findings.hpp"

namespace authdiff::report {

struct RunInfo {
  std::string spec_file;
  std::string config_file;
  std::string base_url;
  std::string started_at;  // local time, YYYY-MM-DDTHH:MM:SS
  std::string hostname;
  double seconds = 0;
  std::size_t requests = 0;                 // attempts sent, retries included
  double send_seconds = 0;                  // of `seconds`, the time spent sending
  std::vector<std::string> identities;      // names only
  std::vector<const judge::Check*> checks;  // those that ran
  judge::Severity fail_on = judge::Severity::low;
};

struct ScanResult {
  RunInfo run;
  const config::Config* config = nullptr;  // for curl commands (placeholders only)
  std::vector<judge::ProbeResult> results;
  std::vector<judge::Finding> findings;

  std::size_t count(judge::State state) const;
  // Findings at or above the run's --fail-on.
  std::size_t failing() const;
};

// "GET /api/orders/{orderId}" of a result's operation.
std::string operation_key(const plan::Plan& plan, std::size_t op);

}  // namespace authdiff::report
