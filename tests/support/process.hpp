#pragma once
// Run a program, capture its output and exit code, with a time limit (tests only).
#include <map>
#include <string>
#include <vector>

namespace authdiff::test {

struct ProcessResult {
  int exit_code = -1;  // -1 when killed by a signal or the time limit
  std::string out;
  std::string err;
  bool timed_out = false;
  long peak_rss_kib = 0;  // the child's peak resident set (wait4's ru_maxrss), in KiB
  double seconds = 0;     // wall time from start to exit
};

// Run `argv` with extra environment variables; kill it after `timeout_s` seconds. The limit
// only stops a hang: keep it far above what the program needs on a slow, loaded machine (the
// default is for commands that need well under a second), never a measure of speed.
ProcessResult run_process(const std::vector<std::string>& argv,
                          const std::map<std::string, std::string>& env = {},
                          double timeout_s = 120);

// The whole content of a text file ("" when it cannot be read).
std::string read_text(const std::string& path);

}  // namespace authdiff::test
