#pragma once
// A blocking libcurl client for tests that drive servers directly (not authdiff's sender). Each
// request may take up to two minutes (a bound against a hang; loopback answers take ms).
#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace authdiff::test {

struct HttpResponse {
  long status = 0;  // 0 when the request failed
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string error;

  nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
};

HttpResponse http(const std::string& method, const std::string& url,
                  const std::map<std::string, std::string>& headers = {},
                  const std::string& body = "");

inline std::map<std::string, std::string> bearer(const std::string& token) {
  return {{"Authorization", "Bearer " + token}};
}

}  // namespace authdiff::test
