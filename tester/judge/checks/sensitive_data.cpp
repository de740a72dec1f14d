// sensitive-data (API3): what legitimate answers give away. Every baseline answer is read by the
// detectors (judge/detect.hpp); nothing extra is sent. An ordinary caller (below
// sensitive_data.privileged_level, or anonymous) that gets an unmasked resident ID, password,
// private key, cloud key or a management IP next to a password is a finding even though its
// access was right (excessive data exposure); so is a bank card number (medium), and the phone
// numbers of several people (low). E-mail addresses are named, never a finding on their own.
// Privileged callers are only held to private and cloud keys, which no answer should carry.
#include <algorithm>

#include "judge/checks/checks.hpp"
#include "util/strings.hpp"

namespace authdiff::judge {

namespace {

bool is_secret(const std::string& c) {
  return c == k_password || c == k_private_key || c == k_cloud_key || c == k_ip_credential;
}

class SensitiveDataCheck final : public Check {
 public:
  std::string_view name() const override { return "sensitive-data"; }
  std::string_view title() const override { return "The answer exposes sensitive data"; }
  std::string_view owasp() const override {
    return "API3:2023 Broken Object Property Level Authorization";
  }
  Severity severity() const override { return Severity::high; }
  std::string_view description() const override {
    return "Reads every baseline answer (nothing extra is sent) with detectors for resident ID "
           "numbers (GB 11643 check digit), mobile numbers, bank cards (Luhn), e-mail addresses, "
           "passwords and secrets, private keys, cloud access keys, JWTs and management IPs next "
           "to credentials, plus the config's own detectors. Masked values (138****1234) do not "
           "count. An ordinary caller getting an unmasked resident ID or secret is a finding "
           "(high); a bank card medium; several people's phone numbers low. "
           "Privileged callers: private and cloud keys only.";
  }
  bool wrong_caller() const override { return false; }

  std::vector<plan::Probe> plan(const PlanContext& ctx, std::size_t op) const override {
    std::vector<plan::Probe> out;
    for (auto& b : plan::operation_baselines(ctx.plan, op, ctx.config)) {
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
    const bool ordinary = ordinary_caller(ctx.config, probe.identity);
    const auto found = sensitive_data(ctx.detectors, response);
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
      const bool counts = ordinary
                              ? (cls == k_resident_id || is_secret(cls) || cls == k_bank_card ||
                                 (cls == k_mobile && list.size() >= 3) || !is_builtin(cls))
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
    if (!severity) {
      return enforced(found.empty() ? "no unmasked sensitive data"
                                    : "no sensitive data " + who + " should not see unmasked");
    }
    v.state = State::bypassed;
    v.severity = severity;
    v.reason = std::to_string(response.status) + " to " + who + " with " +
               std::to_string(v.leaked) + " unmasked value" + (v.leaked == 1 ? "" : "s") + " (" +
               join(v.data, ", ") + ")" +
               (ordinary ? ", which an ordinary caller should not see" : "");
    return v;
  }

 private:
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
