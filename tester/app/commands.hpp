#pragma once
// One function per command; each returns the process exit code or throws Failure.
#include <string>

namespace authdiff::app {

struct PlanArgs {
  std::string spec;
  std::string config;
  std::string format = "text";
  std::string base_url;
  std::string output;  // "" = stdout
  bool allow_unsafe = false;
};
int plan_command(const PlanArgs& args);

}  // namespace authdiff::app
