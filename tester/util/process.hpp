#pragma once
// Run a program (no shell) and capture what it prints, with a time limit.
#include <string>
#include <vector>

namespace authdiff {

struct CommandResult {
  int exit_code = -1;  // -1: killed (the time limit) or could not start
  std::string out;     // standard output, at most `max_output` bytes
  std::string error;   // why it could not run or was stopped, or ""
};

// Run `argv` with the inherited environment; kill it after `timeout` seconds. Standard error
// is inherited (a login helper's prompts and messages stay visible).
CommandResult run_command(const std::vector<std::string>& argv, double timeout,
                          std::size_t max_output = 1 << 20);

}  // namespace authdiff
