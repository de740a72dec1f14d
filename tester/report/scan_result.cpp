#include "report/scan_result.hpp"

namespace authdiff::report {

std::size_t ScanResult::count(judge::State state) const {
  std::size_t n = 0;
  for (const auto& r : results) n += r.verdict.state == state ? 1 : 0;
  return n;
}

std::size_t ScanResult::failing() const {
  std::size_t n = 0;
  for (const auto& f : findings) n += f.severity >= run.fail_on ? 1 : 0;
  return n;
}

std::string operation_key(const plan::Plan& plan, std::size_t op) {
  return plan.operations[op].op->key();
}

}  // namespace authdiff::report
