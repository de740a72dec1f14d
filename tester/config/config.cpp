#include "config/config.hpp"

#include <cstdlib>

#include "util/strings.hpp"

namespace authdiff::config {

std::string Credentials::first_value() const {
  if (bearer) return bearer->reveal();
  for (const auto& [k, v] : headers) return v.reveal();
  for (const auto& [k, v] : cookies) return v.reveal();
  for (const auto& [k, v] : query) return v.reveal();
  return "";
}

std::vector<std::string> Credentials::secret_values() const {
  std::vector<std::string> out;
  const auto add = [&](const Secret& s) {
    if (!s.empty()) out.push_back(s.reveal());
  };
  if (bearer) add(*bearer);
  if (basic_password) add(*basic_password);
  for (const auto& [_, v] : headers) add(v);
  for (const auto& [_, v] : cookies) add(v);
  for (const auto& [_, v] : query) add(v);
  return out;
}

std::string to_string(Access access, int min_level) {
  switch (access) {
    case Access::unspecified:
      return "unspecified";
    case Access::everyone:
      return "public";
    case Access::authenticated:
      return "authenticated";
    case Access::owner:
      return "owner";
    case Access::level:
      return "level >= " + std::to_string(min_level);
    case Access::nobody:
      return "nobody";
  }
  return "unspecified";
}

std::optional<std::pair<Access, int>> parse_access(std::string_view text) {
  const std::string t = to_lower(trim(text));
  if (t == "public") return std::pair{Access::everyone, 0};
  if (t == "authenticated") return std::pair{Access::authenticated, 0};
  if (t == "owner") return std::pair{Access::owner, 0};
  if (t == "nobody") return std::pair{Access::nobody, 0};
  if (t.starts_with("level")) {
    std::string_view rest = trim(std::string_view(t).substr(5));
    if (!rest.starts_with(">=")) return std::nullopt;
    rest = trim(rest.substr(2));
    if (rest.empty() || rest.size() > 6 || rest.find_first_not_of("0123456789") != rest.npos) {
      return std::nullopt;
    }
    return std::pair{Access::level, std::stoi(std::string(rest))};
  }
  return std::nullopt;
}

const Identity* Config::identity(std::string_view name) const {
  for (const auto& id : identities) {
    if (id.name == name) return &id;
  }
  return nullptr;
}

const Expectation* Config::expectation_for(std::string_view method, std::string_view path) const {
  const std::string key = std::string(method) + " " + std::string(path);
  for (const auto& e : expectations) {
    for (const auto& glob : e.match) {
      if (glob_match(glob, key)) return &e;
    }
  }
  return nullptr;
}

Environment process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

}  // namespace authdiff::config
