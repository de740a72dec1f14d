#pragma once
// The canteen demo API as a scan target in tests: a fresh server (optionally with flaws fixed)
// and the four accounts signed in, their tokens in the variables specs/canteen.authdiff.toml
// reads (CANTEEN_ADMIN_TOKEN, ...).
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "server_process.hpp"

namespace authdiff::test {

class DemoTarget {
 public:
  // `demo_api`: the authdiff-demo-api binary; `extra`: its options (e.g. {"--fixed", "all"}).
  explicit DemoTarget(const std::string& demo_api, const std::vector<std::string>& extra = {});

  std::string url() const { return m_server->url(); }
  // CANTEEN_*_TOKEN -> token: the environment authdiff runs with.
  const std::map<std::string, std::string>& env() const { return m_env; }
  void stop() { m_server->stop(); }

 private:
  std::unique_ptr<ServerProcess> m_server;
  std::map<std::string, std::string> m_env;
};

}  // namespace authdiff::test
