#pragma once
// Shared by the test servers: listen on 127.0.0.1 (port 0 = a free one), print
// "listening on 127.0.0.1:PORT" once bound, and stop cleanly on SIGINT or SIGTERM.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <thread>

#include <httplib.h>

namespace authdiff::test {

// Serve `svr` until a signal; the process exit code.
inline int serve(httplib::Server& svr, int port) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // Answers leave at once: with Nagle's algorithm a body written after its headers waits for
  // the client's delayed ACK, some 40 ms per request on a kept-alive connection.
  svr.set_tcp_nodelay(true);
  const int bound = port == 0 ? svr.bind_to_any_port("127.0.0.1")
                              : (svr.bind_to_port("127.0.0.1", port) ? port : -1);
  if (bound <= 0) return 1;
  std::thread([&svr, signals] {
    int sig = 0;
    sigwait(&signals, &sig);
    // httplib 0.11 loses a stop() that comes before the listen loop runs.
    while (!svr.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    svr.stop();
  }).detach();
  std::printf("listening on 127.0.0.1:%d\n", bound);
  std::fflush(stdout);
  return svr.listen_after_bind() ? 0 : 1;
}

}  // namespace authdiff::test
