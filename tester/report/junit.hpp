#pragma once
// JUnit XML in the strict Apache Ant form (testsuites > testsuite with package, id, name,
// timestamp, hostname, tests, failures, errors, time, properties, system-out, system-err):
// one testsuite per check, one testcase per operation x probe; a bypass is a failure with its
// severity, evidence and a curl command; an inconclusive probe is skipped with its reason.
#include <string>

#include "report/scan_result.hpp"

namespace authdiff::report {

std::string junit_xml(const ScanResult& result);

}  // namespace authdiff::report
