#include "judge/verdict.hpp"

#include "util/strings.hpp"

namespace authdiff::judge {

std::string to_string(Severity s) {
  switch (s) {
    case Severity::info:
      return "info";
    case Severity::low:
      return "low";
    case Severity::medium:
      return "medium";
    case Severity::high:
      return "high";
    case Severity::critical:
      return "critical";
  }
  return "info";
}

std::optional<Severity> parse_severity(std::string_view text) {
  const std::string t = to_lower(text);
  for (const Severity s :
       {Severity::info, Severity::low, Severity::medium, Severity::high, Severity::critical}) {
    if (t == to_string(s)) return s;
  }
  return std::nullopt;
}

std::string to_string(Reach r) {
  switch (r) {
    case Reach::allowed:
      return "allowed";
    case Reach::denied:
      return "denied";
    case Reach::not_applicable:
      return "n/a";
  }
  return "n/a";
}

std::optional<Reach> parse_reach(std::string_view text) {
  for (const Reach r : {Reach::allowed, Reach::denied, Reach::not_applicable}) {
    if (text == to_string(r)) return r;
  }
  return std::nullopt;
}

std::string to_string(State s) {
  switch (s) {
    case State::enforced:
      return "enforced";
    case State::bypassed:
      return "bypassed";
    case State::inconclusive:
      return "inconclusive";
  }
  return "inconclusive";
}

}  // namespace authdiff::judge
