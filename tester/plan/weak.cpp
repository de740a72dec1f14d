#include "plan/weak.hpp"

#include <algorithm>
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
    // K:MODE:ACCOUNT; anything else is left as it is.
    const auto colon = inner.find(':');
    const auto second = colon == std::string_view::npos ? colon : inner.find(':', colon + 1);
    std::size_t k = 0;
    const auto [ptr, ec] =
        std::from_chars(inner.data(), inner.data() + std::min(colon, inner.size()), k);
    const std::string_view mode =
        second == std::string_view::npos ? "" : inner.substr(colon + 1, second - colon - 1);
    if (second == std::string_view::npos || ec != std::errc() || ptr != inner.data() + colon ||
        (mode != "json" && mode != "form")) {
      at = close + 2;
      continue;
    }
    const std::string raw = weak_password(k, inner.substr(second + 1));
    // Inside a JSON string: escaped as JSON; a form value: percent-encoded.
    const std::string quoted = nlohmann::json(raw).dump();
    const std::string password =
        mode == "form" ? url_encode(raw) : quoted.substr(1, quoted.size() - 2);
    text.replace(at, close + 2 - at, password);
    at += password.size();
  }
  return text;
}

}  // namespace authdiff::plan
