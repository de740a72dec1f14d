#include "demo_target.hpp"

#include <stdexcept>

#include "http_client.hpp"

namespace authdiff::test {

DemoTarget::DemoTarget(const std::string& demo_api, const std::vector<std::string>& extra) {
  std::vector<std::string> argv = {demo_api, "--port", "0"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  m_server = std::make_unique<ServerProcess>(argv);
  const std::map<std::string, std::pair<std::string, std::string>> accounts = {
      {"CANTEEN_ADMIN_TOKEN", {"admin", "Admin@2024"}},
      {"CANTEEN_OPERATOR_TOKEN", {"canteen_op", "Op@2024"}},
      {"CANTEEN_ZHANGWEI_TOKEN", {"zhangwei", "Emp@2024"}},
      {"CANTEEN_LINA_TOKEN", {"lina", "Emp@2024"}}};
  for (const auto& [var, account] : accounts) {
    const auto r =
        http("POST", url() + "/api/auth/login", {},
             nlohmann::json{{"username", account.first}, {"password", account.second}}.dump());
    const auto body = r.json();
    if (r.status != 200 || !body.is_object() || !body.contains("token"))
      throw std::runtime_error("signing in " + account.first + " failed: " + r.body + r.error);
    m_env[var] = body["token"].get<std::string>();
  }
}

}  // namespace authdiff::test
