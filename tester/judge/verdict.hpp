#pragma once
// What judging produces: a verdict per probe, and findings (bypassed probes grouped).
#include <optional>
#include <string>
#include <vector>

namespace authdiff::judge {

enum class Severity { info, low, medium, high, critical };
std::string to_string(Severity s);
std::optional<Severity> parse_severity(std::string_view text);

enum class State { enforced, bypassed, inconclusive };
std::string to_string(State s);

// Whether a caller got through at all, whatever that means for the verdict (the access matrix
// records it): "allowed", "denied", "n/a" (the answer cannot tell: no object, a server error).
enum class Reach { allowed, denied, not_applicable };
std::string to_string(Reach r);
std::optional<Reach> parse_reach(std::string_view text);

struct Evidence {
  std::string pointer;  // where in the response, e.g. /data/employees/0/idCard
  std::string masked;   // the value, mostly hidden
};

struct Verdict {
  State state = State::inconclusive;
  std::string reason;                // one line: why this verdict
  std::vector<Evidence> evidence;    // for bypassed: what leaked (at most k_max_evidence)
  std::size_t leaked = 0;            // how many leaves leaked in all
  std::optional<std::size_t> items;  // list items counted, where that is what was judged
  std::optional<Severity> severity;  // bypassed: more (or less) severe than the check's default
  std::vector<std::string> data;     // bypassed: classes of unmasked sensitive data it carried
  std::optional<Reach> reach;        // whether the caller got through (judge::reach_of)
};

inline constexpr std::size_t k_max_evidence = 12;

inline Verdict enforced(std::string reason) {
  return {State::enforced, std::move(reason), {}, 0, {}, {}, {}, {}};
}
inline Verdict inconclusive(std::string reason) {
  return {State::inconclusive, std::move(reason), {}, 0, {}, {}, {}, {}};
}

}  // namespace authdiff::judge
