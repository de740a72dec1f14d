#pragma once
// SARIF 2.1.0 for code scanning: one rule per check (help, OWASP API Top 10 2023 tag,
// security-severity), one result per finding located at the operation's line in the spec file,
// `partialFingerprints` from the stable finding id, baseline state and suppressions when a
// baseline was given.
#include <string>

#include "report/scan_result.hpp"

namespace authdiff::report {

std::string sarif_report(const ScanResult& result);

// `path` as a SARIF artifact URI: relative paths stay relative (code scanning resolves them
// against the checkout), absolute ones under `cwd` become relative, others `file://`;
// characters outside RFC 3986's unreserved set and '/' are percent-encoded.
std::string artifact_uri(const std::string& path, const std::string& cwd);

}  // namespace authdiff::report
