#include "server_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <chrono>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <thread>

namespace authdiff::test {

ServerProcess::ServerProcess(const std::vector<std::string>& argv, double timeout_s) {
  // Made before fork: a forked child of a threaded test may only call async-signal-safe
  // functions until exec (see run_process).
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int out[2];
  // Close-on-exec: children started meanwhile by other threads keep no copy of it.
  if (pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  const pid_t parent = getpid();
  m_pid = fork();
  if (m_pid < 0) {
    close(out[0]);
    close(out[1]);
    throw std::runtime_error("fork failed");
  }
  if (m_pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(1);  // the parent died before prctl
    dup2(out[1], STDOUT_FILENO);        // the copy is not close-on-exec
    execv(args[0], args.data());
    _exit(127);
  }
  close(out[1]);
  m_stdout = out[0];
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(static_cast<long>(timeout_s * 1000));
  while (line.find('\n') == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd fd{m_stdout, POLLIN, 0};
    if (left.count() <= 0 || poll(&fd, 1, static_cast<int>(left.count())) <= 0) {
      stop();
      throw std::runtime_error(argv[0] + ": no \"listening on\" line in time");
    }
    char c;
    if (read(m_stdout, &c, 1) != 1) {
      stop();
      throw std::runtime_error(argv[0] + ": exited before listening");
    }
    line += c;
  }
  const std::string prefix = "listening on ";
  const auto colon = line.rfind(':');
  if (line.rfind(prefix, 0) != 0 || colon == std::string::npos) {
    stop();
    throw std::runtime_error(argv[0] + ": unexpected first line: " + line);
  }
  m_host = line.substr(prefix.size(), colon - prefix.size());
  m_port = std::stoi(line.substr(colon + 1));
  if (m_host != "127.0.0.1" && m_host != "[::1]") {
    stop();
    throw std::runtime_error(argv[0] + ": listens on " + m_host + ", tests use loopback only");
  }
}

ServerProcess::~ServerProcess() {
  stop();
}

void ServerProcess::stop() {
  if (m_pid > 0) {
    kill(m_pid, SIGTERM);
    for (int i = 0; i < 200; ++i) {
      if (waitpid(m_pid, nullptr, WNOHANG) == m_pid) {
        m_pid = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (m_pid > 0) {
      kill(m_pid, SIGKILL);
      waitpid(m_pid, nullptr, 0);
      m_pid = -1;
    }
  }
  if (m_stdout >= 0) {
    close(m_stdout);
    m_stdout = -1;
  }
}

}  // namespace authdiff::test
