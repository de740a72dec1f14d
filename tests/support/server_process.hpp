#pragma once
// Start a test server on a free loopback port and always stop it: when the object goes away,
// when the test fails, and (through PR_SET_PDEATHSIG) when the test process itself is killed.
// PR_SET_PDEATHSIG follows the starting thread: a server must not outlive the thread that
// started it (keep it in that thread's scope).
#include <string>
#include <vector>

#include <sys/types.h>

namespace authdiff::test {

class ServerProcess {
 public:
  // Run `argv` (its first line on stdout must be "listening on HOST:PORT"); throws
  // std::runtime_error if that line does not come within `timeout_s` seconds (a bound against a
  // hang only: servers need milliseconds, a loaded CI machine may take far longer).
  explicit ServerProcess(const std::vector<std::string>& argv, double timeout_s = 120);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  int port() const { return m_port; }
  // http://127.0.0.1:PORT
  std::string url() const { return "http://" + m_host + ":" + std::to_string(m_port); }
  // SIGTERM, then SIGKILL after two seconds; idempotent.
  void stop();

 private:
  pid_t m_pid = -1;
  int m_stdout = -1;
  std::string m_host;
  int m_port = 0;
};

}  // namespace authdiff::test
