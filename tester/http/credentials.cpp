#include "http/credentials.hpp"

#include <algorithm>
#include <random>

#include "plan/tamper.hpp"
#include "util/strings.hpp"
#include "util/url.hpp"

namespace authdiff::http {

std::string garbage_like(const std::string& like) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  thread_local std::mt19937_64 gen{std::random_device{}()};
  std::string out = "authdiff-garbage-";
  const std::size_t n = std::max<std::size_t>(like.size(), out.size() + 16);
  while (out.size() < n) out += alphabet[gen() % 62];
  return out;
}

Wire attach_credentials(const plan::Request& request, const plan::Principals* principals,
                        const plan::Headers& extra_headers) {
  Wire w;
  w.url = request.url;
  for (const auto& [k, v] : extra_headers) w.header_lines.push_back(k + ": " + v);
  for (const auto& [k, v] : request.headers) w.header_lines.push_back(k + ": " + v);
  const config::Identity* id = principals == nullptr || request.identity.empty()
                                   ? nullptr
                                   : principals->identity(request.identity);
  std::vector<std::string> cookies;
  if (id != nullptr && request.credential != plan::Credential::none) {
    const bool fake = request.credential == plan::Credential::garbage;
    const config::Identity* other =
        request.tamper_other.empty() ? nullptr : principals->identity(request.tamper_other);
    const std::string other_token = other == nullptr ? "" : other->credentials.first_value();
    const auto value = [&](const config::Secret& s) {
      if (request.credential == plan::Credential::tampered) {
        return plan::tamper(s.reveal(), request.tamper, other_token)
            .value_or(garbage_like(s.reveal()));
      }
      return fake ? garbage_like(s.reveal()) : s.reveal();
    };
    const config::Credentials& c = id->credentials;
    if (c.bearer) w.header_lines.push_back("Authorization: Bearer " + value(*c.bearer));
    if (c.basic_user) {
      w.basic = {fake ? garbage_like(*c.basic_user) : *c.basic_user,
                 c.basic_password ? value(*c.basic_password) : std::string()};
    }
    for (const auto& [k, v] : c.headers) w.header_lines.push_back(k + ": " + value(v));
    for (const auto& [k, v] : c.cookies) cookies.push_back(k + "=" + value(v));
    if (!c.query.empty()) {
      const auto hash = w.url.find('#');
      const std::string fragment = hash == std::string::npos ? "" : w.url.substr(hash);
      if (hash != std::string::npos) w.url.resize(hash);
      for (const auto& [k, v] : c.query) {
        w.url += (w.url.find('?') == std::string::npos ? "?" : "&") + url_encode(k) + "=" +
                 url_encode(value(v));
      }
      w.url += fragment;
    }
  }
  if (!cookies.empty()) w.header_lines.push_back("Cookie: " + join(cookies, "; "));
  return w;
}

}  // namespace authdiff::http
