// Fuzz target: the report writers. One operation, one bypassed probe and its finding, every text
// field (method, path, identities, reason, evidence, curl line, data classes, run description)
// taken from the input: arbitrary bytes, invalid UTF-8, NULs, control characters, markup.
//
// Oracle: never crashes or throws; JUnit XML still parses (pugixml), SARIF and the JSON report
// are still JSON, and the JSON report reads back with the same finding (fuzz_support.hpp).
#include <cstddef>
#include <cstdint>
#include <string>

#include <fuzzer/FuzzedDataProvider.h>

#include "fuzz_support.hpp"
#include "judge/check.hpp"
#include "judge/findings.hpp"

namespace {

using namespace authdiff;

std::string text(FuzzedDataProvider& in) {
  return in.ConsumeRandomLengthString(256);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const auto& checks = judge::registry();
  const judge::Check* check = checks[in.ConsumeIntegralInRange<std::size_t>(0, checks.size() - 1)];

  report::ScanResult result;
  result.run.spec_file = text(in);
  result.run.config_file = text(in);
  result.run.base_url = text(in);
  result.run.identities = {text(in), text(in)};
  result.run.checks = {check};
  result.operations.push_back(
      {text(in), text(in), text(in), in.ConsumeIntegralInRange(0, 1 << 20)});

  judge::ProbeResult r;
  r.check = check;
  r.probe.check = std::string(check->name());
  r.probe.kind = text(in);
  r.probe.identity = text(in);
  r.probe.victim = text(in);
  r.probe.parameter = text(in);
  r.probe.value = text(in);
  r.probe.request.method = result.operations[0].method;
  r.probe.request.url = text(in);
  r.probe.request.identity = r.probe.identity;
  r.response.status = in.ConsumeIntegralInRange<long>(0, 999);
  r.verdict.state = judge::State::bypassed;
  r.verdict.reason = text(in);
  const int evidence = in.ConsumeIntegralInRange(0, 3);
  for (int i = 0; i < evidence; ++i) r.verdict.evidence.push_back({text(in), text(in)});
  r.verdict.data = {text(in)};

  judge::Finding f;
  f.check = check;
  f.severity = static_cast<judge::Severity>(in.ConsumeIntegralInRange(0, 4));
  f.method = result.operations[0].method;
  f.path = result.operations[0].path;
  f.operation_id = result.operations[0].operation_id;
  f.identity = r.probe.identity;
  f.victim = r.probe.victim;
  f.parameter = r.probe.parameter;
  f.id = judge::finding_id(check->name(), f.method, f.path, f.identity, f.victim, f.parameter);
  f.kinds = {r.probe.kind, text(in)};
  f.reason = r.verdict.reason;
  f.evidence = r.verdict.evidence;
  f.leaked = f.evidence.size();
  f.data = r.verdict.data;
  f.curl = in.ConsumeRandomLengthString(1024);
  r.finding = f.id;
  r.curl = f.curl;
  result.results.push_back(std::move(r));
  result.findings.push_back(std::move(f));
  fuzz::check_reports(result);
  return 0;
}
