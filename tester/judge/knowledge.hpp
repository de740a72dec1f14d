#pragma once
// What the scan learned before probing: each baseline (two copies, volatile leaves), each
// operation's denied fingerprint, and which values each identity legitimately sees. The verdict
// rules of docs/verdicts.md "How authdiff decides" live here and in check.cpp.
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "judge/observe.hpp"
#include "judge/verdict.hpp"
#include "plan/probe.hpp"

namespace authdiff::judge {

// What is kept of a baseline: hashes of its values, not its answers (a baseline of a 5 MB list
// costs a few MB here, not the hundreds its parsed copies would).
struct BaselineView {
  std::size_t operation = 0;
  std::string identity;  // "" = anonymous
  plan::Request request;
  Observation first;          // the first answer, slimmed (Observation::slim)
  HashSet volatile_pointers;  // pointers whose values differ between the two answers
  HashSet values;             // distinctive, non-volatile values it carries
  HashSet distinct;           // every distinctive value it carries
  HashSet seen;               // every value the caller saw legitimately (not in `foreign`)
  std::string problem;        // non-empty: not a usable positive control (why)
  // Items of the answer that belong to somebody else, whom the caller may not read (a leaky
  // list): what is below these pointers is not "seen legitimately" by the caller.
  std::vector<std::string> foreign;

  bool usable() const { return problem.empty(); }
};

class Knowledge {
 public:
  // A baseline learned one copy at a time: what its first answer taught, its leaves as hashes,
  // waiting for the second answer. The first answer's body is not needed any more.
  class Pending {
   private:
    friend class Knowledge;
    struct Hashed {
      std::uint64_t pointer, value;
      bool distinctive;
      auto operator<=>(const Hashed&) const = default;
    };
    BaselineView view;
    std::deque<Hashed> first;  // sorted by pointer, then value (a deque never holds it twice)
    std::optional<std::string> list_pointer;
    std::string method;
  };
  // `list_pointer`: the operation's list pointer when it is a list operation.
  // `foreign`: pointers of list items that belong to others (see BaselineView::foreign).
  Pending first_copy(const plan::Baseline& baseline, const plan::Response& first,
                     const std::optional<std::string>& list_pointer,
                     std::vector<std::string> foreign = {}) const;
  // Learn the baseline: what changed between its two answers is volatile.
  void second_copy(Pending&& pending, const plan::Response& second);
  // Both at once.
  void add_baseline(const plan::Baseline& baseline, const plan::Response& first,
                    const plan::Response& second, const std::optional<std::string>& list_pointer,
                    std::vector<std::string> foreign = {});
  // The answer to a garbage credential on `operation` (what "denied" looks like there).
  void add_denied(std::size_t operation, const plan::Response& response);
  // Compute what each identity has seen; call after every add_*.
  void finish();

  const BaselineView* baseline(std::size_t operation, const std::string& identity) const;
  std::vector<const BaselineView*> baselines(std::size_t operation) const;
  // Any one baseline of `operation` (its request tells the method), or nullptr.
  const BaselineView* first_baseline(std::size_t operation) const;

  // Did `identity` ("" = anonymous) legitimately see `value`: in its own baselines, or in what
  // anyone sees (public operations, denial answers)?
  bool seen_by(const std::string& identity, const std::string& value) const;

  // A denial: 401/403/404/405/407/410 or another 4xx, a 3xx (to a login page), a 2xx that reads
  // as an error, or one that matches the operation's denied fingerprint. `why` says which.
  bool looks_denied(std::size_t operation, const Observation& o, std::string* why) const;

  // Whether a garbage credential got `operation`'s data: the operation checks no credential at
  // all, so a tampered one getting through says nothing more (no-auth reports it).
  bool accepts_garbage(std::size_t operation) const { return m_open.contains(operation); }
  // The answer to a garbage credential on `operation` (nullptr when none was asked for or it
  // leaked).
  const Observation* denied_answer(std::size_t operation) const {
    const auto it = m_denied.find(operation);
    return it == m_denied.end() ? nullptr : &it->second.answer;
  }

 private:
  std::vector<BaselineView> m_baselines;
  std::map<std::pair<std::size_t, std::string>, std::size_t> m_index;  // (operation, identity)
  struct Denial {
    Observation answer;                       // slimmed by finish()
    HashSet values;                           // every value it carries
    std::shared_ptr<const std::string> body;  // what `answer` reads its parts from, if streamed
  };
  std::map<std::size_t, Denial> m_denied;
  std::map<std::string, HashSet> m_seen;  // identity -> values
  HashSet m_public;
  std::set<std::size_t> m_open;  // operations whose garbage-credential answer leaked
};

// Leaves of `probe` carrying values of `victim`'s baseline that `prober` never legitimately saw:
// the evidence of a leak. Volatile leaves and non-distinctive values are ignored.
Verdict leak_verdict(const Knowledge& k, const BaselineView& victim, const Observation& probe,
                     const std::string& prober);

// The common part of judging an access probe: a transport error, a 5xx or an unusable victim
// baseline is inconclusive; a denial is enforced. nullopt: a 2xx whose content decides.
// `only_counts`: the caller judges the number of list items alone, so a body past the cap whose
// items http counted as it streamed will do (bulk); anyone else needs the body parsed.
std::optional<Verdict> access_outcome(const Knowledge& k, std::size_t operation,
                                      const Observation& probe, const BaselineView* victim,
                                      bool only_counts = false);

}  // namespace authdiff::judge
