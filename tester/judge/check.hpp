#pragma once
// One interface for every check: it plans probes for an operation and judges their exchanges.
// Checks never send anything. The registry's names are the names users write (--only, --skip).
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/access.hpp"
#include "config/config.hpp"
#include "judge/detect.hpp"
#include "judge/knowledge.hpp"
#include "judge/verdict.hpp"
#include "plan/principals.hpp"
#include "plan/probe.hpp"

namespace authdiff::judge {

// Mutation lists (corpus/mutations/*.txt): one rule per line, `#` comments.
struct Mutations {
  // ID rules: "n+1", "n-10" (relative to an owned numeric ID), literals ("0", "-1",
  // "00000000-0000-0000-0000-000000000000"), "others" (other identities' IDs).
  std::vector<std::string> ids;
  // Page sizes: literals ("100000", "-1", "0"), "max+1", "max*10" (from the schema), "omit".
  std::vector<std::string> page_sizes;
  // Guard-bypass variants (corpus/mutations/bypass.txt): "path {path}/", "header X: v",
  // "rewrite X-Original-URL", "method HEAD", "override X-HTTP-Method-Override".
  std::vector<std::string> bypass;

  // The built-in lists (the files in corpus/mutations/, compiled in).
  static Mutations defaults();
  // Append the rules of DIR/ids.txt, page-sizes.txt and bypass.txt (each optional); errors name
  // the file and line.
  Result<bool> extend_from(const std::string& dir);
};

class Check;

// What the checks are told for one run beyond the config: their `[checks.NAME]` settings
// (checked against what each check declares) and the inputs of the commands that steer one
// check (`scan --expect`, `learn`).
class CheckOptions {
 public:
  // The config's [checks.NAME] tables checked against the registry: an unknown check or key, a
  // wrong type or a value out of range is an error at its line.
  static Result<CheckOptions> from(const config::Config& config);

  // A setting of `check` (declared in its CheckInfo), or its default. `enabled` is every
  // check's: whether it runs when --only does not name it (default: not opt-in).
  std::int64_t value(const Check& check, std::string_view key) const;

  // The access-matrix check: `scan --expect FILE` (compare with it) or `learn` (record it).
  std::shared_ptr<const config::AccessMatrix> expected_access;
  bool learn_access = false;

 private:
  std::map<std::pair<std::string, std::string>, std::int64_t, std::less<>> m_values;
};

struct PlanContext {
  const plan::Plan& plan;
  const config::Config& config;
  const plan::Principals& principals;  // the identities as the run knows them
  const Mutations& mutations;
  const CheckOptions& options;
};

struct JudgeContext {
  const plan::Plan& plan;
  const config::Config& config;
  const plan::Principals& principals;  // the identities as the run knows them
  const Knowledge& knowledge;
  const Detectors& detectors;  // sensitive data in responses
  const CheckOptions& options;
};

// What a 2xx answer that reads as no error carried: whether it held distinctive data, and the
// names of its fields a detector names (personal data or secrets, e-mail and tokens aside; at
// most 6). Both empty for any other answer.
struct Carried {
  bool data = false;
  std::vector<std::string> sensitive_fields;
};
Carried carried_by(const plan::Response& response);

// A probe, what came back, and the verdict on it.
struct ProbeResult {
  plan::Probe probe;
  plan::Response response;
  Verdict verdict;
  const Check* check = nullptr;
  std::string finding;  // bypassed: the id of the finding it belongs to
  std::string curl;     // bypassed: a curl command reproducing it (placeholders for credentials)
  bool judged = false;  // judge_one ran: `verdict` and `exposed` are set, the body may be gone
  // What an anonymous caller's answer carried, read before its body was dropped (nullopt: not
  // read yet; the body is still there).
  std::optional<Carried> carried;
  // The data classes of unmasked sensitive data in the response, found while it was judged
  // (only where a caller who should not have it got in).
  std::vector<std::string> exposed;
};

// A setting of a check: a key of its `[checks.NAME]` table (docs/checks.md lists them).
struct Setting {
  enum class Kind { flag, integer };
  std::string_view key;
  Kind kind = Kind::integer;
  std::int64_t fallback = 0;  // the default (a flag: 0 or 1)
  std::int64_t min = 0, max = 0;
  std::string_view description;
};

// What a check is, as data: the registry, --only's help, the plan, the reports and
// docs/checks.md are made from it.
struct CheckInfo {
  std::string_view name;               // what users write: --only, --skip, [checks.NAME]
  std::string_view title;              // one line for people
  std::string_view owasp;              // "API1:2023 Broken Object Level Authorization"
  Severity severity = Severity::high;  // of a finding, unless its verdict says otherwise
  std::string_view description;        // what it sends and when it reports (SARIF, JUnit)
  std::string_view sends;              // docs/checks.md: what it sends (Markdown)
  std::string_view finds;              // docs/checks.md: when that is a finding (Markdown)
  // Runs only when --only names it or `[checks.NAME] enabled = true`.
  bool opt_in = false;
  // Its findings put a response in the hands of a caller who should not have it; their
  // unmasked sensitive data then makes them critical (bulk and sensitive-data: no).
  bool wrong_caller = true;
  // Its probes test who may reach their operation. An operation that only checks without it
  // probed (the spec's audit, the reading of answers, bursts, undocumented methods) was not
  // tested for access.
  bool tests_access = true;
  // Its findings are about one victim's data (no for guessed IDs: whoever's they are).
  bool per_victim = true;
  // It also reads what each identity's sign-in answered (where the sign-in is an operation of
  // the spec), as a probe of that operation.
  bool reads_sign_in = false;
  // It judges the spec alone and sends nothing (`authdiff audit` runs these).
  bool spec_only = false;
  // Its verdicts say whether each principal got through (Verdict::reach): `authdiff learn`
  // runs these and records the answers as the access matrix.
  bool records_reach = false;
  // Its probes are not about the operation they are planned on (a well-known path of an origin,
  // a sign-in outside the spec): findings name the request's method and path (the full URL off
  // the base URL's origin) instead, and so does their id.
  bool names_request = false;
  // Its probes, but the plain one (Probe::plain), send a variant of the operation's request
  // (another path, method or rewrite header): an answer to one says nothing of who may reach the
  // operation itself (reach_of).
  bool sends_variants = false;
  // Its relate() reads its answers (bodies or headers), so they are kept until then; every
  // other answer's body and headers are dropped as soon as it is judged (judge_one).
  bool relates_answers = false;
  std::vector<Setting> settings;  // besides `enabled`, which every check has
};

class Check {
 public:
  explicit Check(CheckInfo info) : m_info(std::move(info)) {}
  virtual ~Check() = default;
  Check(const Check&) = delete;
  Check& operator=(const Check&) = delete;

  const CheckInfo& info() const { return m_info; }
  std::string_view name() const { return m_info.name; }
  std::string_view title() const { return m_info.title; }
  std::string_view owasp() const { return m_info.owasp; }
  Severity severity() const { return m_info.severity; }
  std::string_view description() const { return m_info.description; }
  bool wrong_caller() const { return m_info.wrong_caller; }
  bool opt_in() const { return m_info.opt_in; }

  // Whether it can run with what the run was given (access-matrix: a matrix or `learn`).
  virtual bool available(const CheckOptions& /*options*/) const { return true; }

  // Probes for operation `op` (empty when the check does not apply to it).
  virtual std::vector<plan::Probe> plan(const PlanContext& ctx, std::size_t op) const = 0;
  // The verdict for one probe's exchange.
  virtual Verdict judge(const JudgeContext& ctx, const plan::Probe& probe,
                        const plan::Response& response) const = 0;
  // A probe sent in a series (plan::Probe::series): whether its series goes on after `answer`;
  // `why` says why it ends.
  enum class Next { go_on, end_series, end_family };
  virtual Next after(const plan::Probe& /*probe*/, const plan::Response& /*answer*/,
                     std::string* /*why*/) const {
    return Next::go_on;
  }
  // After every probe of the run is judged: revise this check's verdicts that depend on other
  // probes (a guard bypass only counts where the plain request was denied; an existence oracle
  // needs two answers; a burst is judged as a whole). `results` holds every check's results.
  virtual void relate(const JudgeContext& /*ctx*/, std::vector<ProbeResult>& /*results*/) const {}
  // Whether relate() reads the answer to `probe` (its body or headers): then judge_one keeps it.
  virtual bool keeps_answer(const plan::Probe& /*probe*/) const { return m_info.relates_answers; }

 protected:
  // A probe of this check: what it varies for people (`kind`), of operation `op`, sent by
  // `identity` ("" = anonymous) and judged against `victim`'s baseline.
  plan::Probe probe(std::string kind, std::size_t op, std::string identity, std::string victim,
                    plan::Request request) const {
    plan::Probe p;
    p.check = std::string(name());
    p.kind = std::move(kind);
    p.operation = op;
    p.identity = std::move(identity);
    p.victim = std::move(victim);
    p.request = std::move(request);
    return p;
  }

 private:
  CheckInfo m_info;
};

// The built-in detectors plus the config's own ([[sensitive_data.detectors]]); an invalid
// pattern is an error at the config's line.
Result<Detectors> detectors_for(const config::Config& config);

// The unmasked sensitive data in a response: its detections (masked for display), JSON-aware.
std::vector<Detection> sensitive_data(const Detectors& detectors, const plan::Response& response);

// Whether `identity` ("" = anonymous) is an ordinary caller, one who should not see personal
// data of others unmasked (see config::SensitiveData::privileged_level).
bool ordinary_caller(const config::Config& config, const plan::Principals& principals,
                     const std::string& identity);

// Judge one result as its answer arrives (`response` filled, `check` set): its verdict and the
// sensitive data a wrong caller got; then its body and headers are dropped (unless `keep_body`
// or its check relates bodies), so a run holds the answers in flight, not every one it read.
void judge_one(const JudgeContext& ctx, ProbeResult& r, bool keep_body = false);

// Whether the sender of a judged probe got through at all, whatever its check concluded (the
// HTML report's access matrix): a bypass did; a 3xx/4xx or a 2xx that reads as a denial did
// not; a server error or no answer cannot tell. judge_one sets it where the check did not.
// A 2xx body larger than k_reach_parse_limit counts as allowed without being parsed again (error
// pages are small; the checks have parsed the body once already).
inline constexpr std::size_t k_reach_parse_limit = 16 * 1024;
Reach reach_of(const JudgeContext& ctx, const ProbeResult& r);

// Judge every result not judged yet (judge_one), then let each check relate them.
// `revise` runs between the two: what the run knows beyond one exchange (what a write did to
// its object) changes verdicts before the checks relate them.
void judge_all(const JudgeContext& ctx, std::vector<ProbeResult>& results,
               const std::function<void(std::vector<ProbeResult>&)>& revise = {});

// The checks whose CheckInfo has `flag` set (e.g. &CheckInfo::spec_only), in report order.
std::vector<const Check*> checks_with(bool CheckInfo::*flag);

// Whether probes of check `name` test who may reach their operation (CheckInfo::tests_access).
bool tests_access(std::string_view name);

// Every check, in report order.
const std::vector<const Check*>& registry();
const Check* find_check(std::string_view name);
std::vector<std::string> check_names();
// The checks as docs/checks.md shows them (`authdiff checks --markdown` writes it).
std::string checks_markdown();

// Shared by the checks: the baseline identity whose data a probe of `op` tries to reach: the
// highest-level identity with a baseline for it (anonymous for public operations).
const config::Identity* victim_for(const PlanContext& ctx, std::size_t op);

// The victim of an operation that has a guard to test (not skipped, not public), with its path
// IDs put in `ids`; nullptr when there is none. The common start of the access checks' plans.
const config::Identity* guarded_victim(const PlanContext& ctx, std::size_t op,
                                       plan::Overrides& ids);

// Whether operation `op` is guarded (not skipped, not public) and no identity of the config may
// call it (`nobody`, or a level none of them has): there is no baseline to compare with.
bool no_allowed_caller(const PlanContext& ctx, std::size_t op);

// Judge `response` to a probe of an operation no identity may call (the probe's victim is ""):
// a denial is enforced; a 2xx carrying specific values nobody public shows (objects, personal
// data) is a finding; anything else cannot be told.
Verdict judge_without_baseline(const JudgeContext& ctx, const plan::Probe& probe,
                               const plan::Response& response, const std::string& prober);

// What a write did to the object made for it (docs/scan.md "Writes"), from its owner's reads: two
// right after the object was made (`before`, `again`: what changes between them is volatile),
// one after the write was sent (`after`). Gone or changed: the write went through (bypassed);
// unchanged: it did not (enforced); nullopt: the reads cannot tell.
std::optional<Verdict> write_effect(const std::string& method, const Observation& before,
                                    const Observation& again, const Observation& after);

// Judge `response` against the probe victim's baseline: the access outcome, then leak evidence
// of values `prober` never saw (no-auth, weaker-identity and cross-owner share this rule).
Verdict judge_against_victim(const JudgeContext& ctx, const plan::Probe& probe,
                             const plan::Response& response, const std::string& prober);

// Whose item `item` of list operation `op` is: the identity its data names (a field holding its
// user id, whatever the field is called), else the identity that owns its ID for the resource
// the list is; "" when neither tells. `how`: "owner field" or the ID member that told.
std::string item_owner(const plan::Plan& plan, std::size_t op, const plan::Principals& principals,
                       const nlohmann::json& item, std::string* how = nullptr);

// The pointers of the items of `identity`'s answer to list operation `op` that belong to
// another identity of the same or a higher level: what reached the caller through a leak.
// Empty where the config declares the list shared (access other than owner).
std::vector<std::string> foreign_items(const plan::Plan& plan, std::size_t op,
                                       const plan::Principals& principals,
                                       const std::string& identity, const plan::Response& response);

// The list pointer of `op` (nullopt when it is not a list operation).
std::optional<std::string> list_pointer_of(const plan::Plan& plan, std::size_t op);

}  // namespace authdiff::judge
