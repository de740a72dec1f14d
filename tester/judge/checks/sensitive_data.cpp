// sensitive-data (API3): what legitimate answers give away. Every baseline answer is read by the
// detectors (judge/detect.hpp); nothing extra is sent. An ordinary caller (below
// sensitive_data.privileged_level, or anonymous) that gets an unmasked resident ID, password,
// private key, cloud key or a management IP next to a password is a finding even though its
// access was right (excessive data exposure); so is a bank card number (medium), and the phone
// numbers of several people (low). E-mail addresses are named, never a finding on their own.
// Privileged callers are only held to private and cloud keys, which no answer should carry.
#include <algorithm>
#include <optional>
#include <set>
#include <unordered_map>

#include "judge/check.hpp"
#include "util/strings.hpp"

namespace authdiff::judge {

namespace {

bool is_secret(const std::string& c) {
  return c == k_password || c == k_private_key || c == k_cloud_key || c == k_ip_credential;
}

class SensitiveDataCheck final : public Check {
 public:
  SensitiveDataCheck()
      : Check(
            {.name = "sensitive-data",
             .title = "The answer exposes sensitive data",
             .owasp = "API3:2023 Broken Object Property Level Authorization",
             .severity = Severity::high,
             .description =
                 "Reads every baseline answer (nothing extra is sent) with detectors for resident "
                 "ID "
                 "numbers (GB 11643 check digit), mobile numbers, bank cards (Luhn), e-mail "
                 "addresses, "
                 "passwords and secrets, private keys, cloud access keys, JWTs and management IPs "
                 "next "
                 "to credentials, plus the config's own detectors. Masked values (138****1234) do "
                 "not "
                 "count. An ordinary caller getting an unmasked resident ID or secret is a finding "
                 "(high); a bank card medium; several people's phone numbers low. "
                 "Privileged callers: private and cloud keys only.",
             .sends = "nothing: reads every baseline answer (see [Sensitive "
                      "data](verdicts.md#sensitive-data))",
             .finds =
                 "an ordinary caller gets unmasked resident IDs, passwords or secrets (high), bank "
                 "cards (medium), several people's phone numbers (low); a privileged one private "
                 "or "
                 "cloud keys (medium)",
             .wrong_caller = false,
             .tests_access = false,
             .reads_sign_in = true,
             .settings = {}}) {}

  std::vector<plan::Probe> plan(const PlanContext& ctx, std::size_t op) const override {
    std::vector<plan::Probe> out;
    for (auto& b : plan::operation_baselines(ctx.plan, op, ctx.principals)) {
      plan::Probe probe;
      probe.check = std::string(name());
      probe.kind =
          "answer to " + (b.identity.empty() ? std::string(plan::k_anonymous) : b.identity);
      probe.operation = op;
      probe.identity = b.identity;
      probe.request = std::move(b.request);
      probe.from_baseline = true;
      out.push_back(std::move(probe));
    }
    return out;
  }

  Verdict judge(const JudgeContext& ctx, const plan::Probe& probe,
                const plan::Response& response) const override {
    if (!response.ok()) return inconclusive("no answer: " + response.error);
    if (response.status < 200 || response.status >= 300)
      return enforced("answered " + std::to_string(response.status) + ": nothing to read");
    const bool ordinary = ordinary_caller(ctx.config, ctx.principals, probe.identity);
    auto found = sensitive_data(ctx.detectors, response);
    // A sign-in answers with a token by design: the token itself is no finding (what its
    // claims carry is: pointers "...#/claim").
    if (probe.parameter == "sign-in") {
      std::erase_if(found, [](const Detection& d) {
        if (d.pointer.find('#') != std::string::npos) return false;
        const std::string field = to_lower(d.pointer.substr(d.pointer.rfind('/') + 1));
        return d.data_class == k_jwt ||
               (d.data_class == k_password && (field.find("token") != std::string::npos ||
                                               field.find("auth") != std::string::npos ||
                                               field.find("session") != std::string::npos ||
                                               field.find("jwt") != std::string::npos));
      });
    }
    // The caller's own data (its own phone in its own record) is at most `own_data`: what is
    // the caller's is told by the object route it owns, a "me" answer, or a record's owner field.
    const Severity own_cap = parse_severity(ctx.config.sensitive.own_data).value_or(Severity::info);
    std::vector<Detection> own;
    if (!probe.identity.empty()) {
      const Observation o = observe(response, std::nullopt);
      const bool own_answer = own_object_answer(ctx, probe);
      const std::vector<bool> owned =
          own_answer ? std::vector<bool>() : owned_by(o, found, ctx.principals, probe.identity);
      std::size_t i = 0;
      std::erase_if(found, [&](const Detection& d) {
        const std::size_t k = i++;
        // Inside a token (pointer "...#/claim") nothing is "one's own": the token travels.
        if (d.pointer.find('#') != std::string::npos) return false;
        if (!own_answer && !owned[k]) return false;
        own.push_back(d);
        return true;
      });
    }
    // The most telling classes first: their values lead the evidence.
    std::vector<std::pair<std::string, std::vector<const Detection*>>> by_class;
    for (const auto& d : found) {
      auto it = std::find_if(by_class.begin(), by_class.end(),
                             [&](const auto& c) { return c.first == d.data_class; });
      if (it == by_class.end()) it = by_class.insert(by_class.end(), {d.data_class, {}});
      it->second.push_back(&d);
    }
    std::stable_sort(by_class.begin(), by_class.end(),
                     [](const auto& a, const auto& b) { return rank(a.first) < rank(b.first); });
    std::optional<Severity> severity;
    const auto at_least = [&](Severity s) { severity = std::max(severity.value_or(s), s); };
    Verdict v;
    for (const auto& [cls, list] : by_class) {
      // "Several people's phones": several distinct numbers, not one hotline a hundred times.
      std::set<std::uint64_t> distinct;
      for (const Detection* d : list) distinct.insert(d->value_hash);
      const bool counts = ordinary
                              ? (cls == k_resident_id || is_secret(cls) || cls == k_bank_card ||
                                 (cls == k_mobile && distinct.size() >= 3) || !is_builtin(cls))
                              : (cls == k_private_key || cls == k_cloud_key);
      if (!counts) continue;
      if (cls == k_resident_id || is_secret(cls) || !is_builtin(cls)) {
        at_least(ordinary ? Severity::high : Severity::medium);
      } else if (cls == k_bank_card) {
        at_least(Severity::medium);
      } else {
        at_least(Severity::low);
      }
      v.data.push_back(cls);
      v.leaked += list.size();
      for (const Detection* d : list) {
        if (v.evidence.size() < k_max_evidence) v.evidence.push_back({d->pointer, d->masked});
      }
    }
    const std::string who =
        probe.identity.empty() ? std::string("an anonymous caller") : probe.identity;
    // The caller's own values: named, and counted at most at `own_data`.
    std::vector<std::string> own_classes;
    std::set<std::uint64_t> own_phones;
    for (const auto& d : own) {
      if (d.data_class == k_mobile) own_phones.insert(d.value_hash);
    }
    for (const auto& d : own) {
      // The same rules as for others' data: one's own phone alone is nothing to report.
      const bool worth = d.data_class != k_email && d.data_class != k_jwt &&
                         (d.data_class != k_mobile || own_phones.size() >= 3);
      if (!worth ||
          std::find(own_classes.begin(), own_classes.end(), d.data_class) != own_classes.end())
        continue;
      own_classes.push_back(d.data_class);
      if (v.evidence.size() < k_max_evidence) v.evidence.push_back({d.pointer, d.masked});
      ++v.leaked;
    }
    if (!own_classes.empty() && ordinary) {
      at_least(own_cap);
      for (const auto& c : own_classes) {
        if (std::find(v.data.begin(), v.data.end(), c) == v.data.end()) v.data.push_back(c);
      }
    }
    if (!severity) {
      return enforced(found.empty() ? "no unmasked sensitive data"
                                    : "no sensitive data " + who + " should not see unmasked");
    }
    v.state = State::bypassed;
    v.severity = severity;
    const bool only_own = v.leaked == own_classes.size() && !own_classes.empty();
    v.reason = std::to_string(response.status) + " to " + who + " with " +
               std::to_string(v.leaked) + " unmasked value" + (v.leaked == 1 ? "" : "s") + " (" +
               join(v.data, ", ") + ")" +
               (only_own   ? ", all " + who + "'s own (sensitive_data.own_data)"
                : ordinary ? ", which an ordinary caller should not see"
                           : "");
    return v;
  }

 private:
  // Whether the probe's answer is one object that is the caller's own: an owner-only object
  // route asked with the caller's own ID, or a "me"-like answer.
  static bool own_object_answer(const JudgeContext& ctx, const plan::Probe& probe) {
    const plan::OperationPlan& p = ctx.plan.operations[probe.operation];
    const std::string& path = p.op->path;
    const std::string last = to_lower(path.substr(path.rfind('/') + 1));
    if (last == "me" || last == "self" || last == "profile" || last == "whoami" ||
        last == "current")
      return true;
    if (p.expect.access != config::Access::owner || p.op->is_list) return false;
    const config::Identity* id = ctx.principals.identity(probe.identity);
    plan::Overrides ids;
    return id != nullptr && plan::owned_path_ids(p, *id, ids) &&
           probe.request.url == plan::make_request(ctx.plan, probe.operation, ctx.principals,
                                                   probe.identity, plan::Credential::own, ids)
                                    .url;
  }

  // Whether an object on the way from `doc`'s root to `pointer` belongs to `identity` by its
  // owner field (the nearest object that names an owner decides).
  // Whose the value at `pointer` in `doc` is, when an enclosing object's owner field tells:
  // whether it is `identity`'s; nullopt when no object from the value up to the root tells.
  static std::optional<bool> owner_says(const nlohmann::json& doc, const std::string& pointer,
                                        const plan::Principals& principals,
                                        const std::string& identity) {
    // The objects from the value up to the root, through nlohmann's JSON Pointer.
    std::vector<const nlohmann::json*> chain;
    try {
      for (nlohmann::json::json_pointer at(pointer);; at = at.parent_pointer()) {
        if (doc.contains(at)) chain.push_back(&doc.at(at));
        if (at.empty()) break;
      }
    } catch (const nlohmann::json::exception&) {
      chain = {&doc};  // not a pointer into it: only the root can tell
    }
    for (const nlohmann::json* v : chain) {
      if (!v->is_object()) continue;
      const std::string owner = plan::owner_of(*v, principals.identities());
      if (!owner.empty()) return owner == identity;
    }
    return std::nullopt;
  }
  // For each detection, whether its value is `identity`'s. A large answer is read in parts: a
  // value is decided within the part it is in (a list item and its owner field), else by what
  // holds the parts.
  static std::vector<bool> owned_by(const Observation& o, const std::vector<Detection>& found,
                                    const plan::Principals& principals,
                                    const std::string& identity) {
    // The part a value is in decides; else what holds the parts (visited first) does.
    std::vector<std::optional<bool>> decided(found.size()), by_rest(found.size());
    // Detections by each of their ancestors' pointers, to find those inside a part at once.
    std::unordered_map<std::string, std::vector<std::size_t>> below;
    for (std::size_t i = 0; i < found.size(); ++i) {
      const std::string& p = found[i].pointer;
      for (std::size_t slash = p.find('/', 1); slash != std::string::npos;
           slash = p.find('/', slash + 1))
        below[p.substr(0, slash)].push_back(i);
    }
    o.each_part([&](const Part& part) {
      if (part.pointer.empty()) {  // the whole answer, or what holds the parts
        for (std::size_t i = 0; i < found.size(); ++i)
          by_rest[i] = owner_says(part.value, found[i].pointer, principals, identity);
        return;
      }
      const auto it = below.find(part.pointer);
      if (it == below.end()) return;
      for (const std::size_t i : it->second) {
        if (!decided[i])
          decided[i] = owner_says(part.value, found[i].pointer.substr(part.pointer.size()),
                                  principals, identity);
      }
    });
    std::vector<bool> out(found.size());
    for (std::size_t i = 0; i < found.size(); ++i)
      out[i] = decided[i].value_or(by_rest[i].value_or(false));
    return out;
  }
  static int rank(const std::string& cls) {
    int i = 0;
    for (const char* c : {k_resident_id, k_password, k_private_key, k_cloud_key, k_ip_credential,
                          k_bank_card, k_mobile, k_jwt, k_email}) {
      if (cls == c) return i;
      ++i;
    }
    return 0;  // the user's own detectors rank with the first
  }
  static bool is_builtin(const std::string& cls) {
    for (const char* c : {k_resident_id, k_mobile, k_bank_card, k_email, k_ip_credential,
                          k_password, k_private_key, k_jwt, k_cloud_key}) {
      if (cls == c) return true;
    }
    return false;
  }
};

}  // namespace

const Check& sensitive_data_check() {
  static const SensitiveDataCheck check;
  return check;
}

}  // namespace authdiff::judge
