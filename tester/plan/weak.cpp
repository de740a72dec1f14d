#include "plan/weak.hpp"

#include <charconv>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/strings.hpp"
#include "util/url.hpp"

namespace authdiff::plan {

extern const char* const k_weak_passwords;

namespace {

constexpr std::string_view k_open = "{{authdiff:weak-password:";

const std::vector<std::string>& entries() {
  static const std::vector<std::string> list = [] {
    std::vector<std::string> out;
    std::istringstream in(k_weak_passwords);
    std::string line;
    while (std::getline(in, line)) {
      const std::string_view t = trim(line);
      if (!t.empty() && t.front() != '#') out.emplace_back(t);
    }
    return out;
  }();
  return list;
}

}  // namespace

std::size_t weak_password_count() {
  return entries().size();
}

std::string weak_password(std::size_t k, std::string_view account) {
  if (k == 0) return "authdiff-wrong-Pw-7Qx2Lk9Zr4";
  if (k > entries().size()) return "";
  const std::string& e = entries()[k - 1];
  return e == "{username}" ? std::string(account) : e;
}

std::string weak_password_placeholder(std::size_t k, std::string_view account, bool form) {
  return std::string(k_open) + std::to_string(k) + (form ? ":form:" : ":json:") +
         std::string(account) + "}}";
}

std::string fill_weak_passwords(std::string text) {
  for (auto at = text.find(k_open); at != std::string::npos; at = text.find(k_open, at)) {
    const auto close = text.find("}}", at);
    if (close == std::string::npos) break;
    const std::string_view inner =
        std::string_view(text).substr(at + k_open.size(), close - at - k_open.size());
    const auto colon = inner.find(':');
    std::size_t k = 0;
    const auto [ptr, ec] = std::from_chars(inner.data(), inner.data() + inner.find(':'), k);
    if (colon == std::string_view::npos || ec != std::errc() || ptr != inner.data() + colon) {
      at = close + 2;
      continue;
    }
    const std::string_view rest = inner.substr(colon + 1);
    const bool form = rest.starts_with("form:");
    const std::string raw = weak_password(k, rest.substr(rest.find(':') + 1));
    // Inside a JSON string: escaped as JSON; a form value: percent-encoded.
    const std::string password =
        form ? url_encode(raw)
             : nlohmann::json(raw).dump().substr(1, nlohmann::json(raw).dump().size() - 2);
    text.replace(at, close + 2 - at, password);
    at += password.size();
  }
  return text;
}

}  // namespace authdiff::plan
