#include "judge/checks/checks.hpp"

namespace authdiff::judge {

const std::vector<const Check*>& registry() {
  static const std::vector<const Check*> checks = {&no_auth_check(),
                                                   &weaker_identity_check(),
                                                   &cross_owner_check(),
                                                   &enumerate_check(),
                                                   &bulk_check(),
                                                   &tampered_token_check(),
                                                   &bypass_check(),
                                                   &sensitive_data_check(),
                                                   &existence_oracle_check(),
                                                   &rate_limit_check(),
                                                   &undocumented_check(),
                                                   &audit_check(),
                                                   &access_matrix_check()};
  return checks;
}

const Check* find_check(std::string_view name) {
  for (const Check* c : registry()) {
    if (c->name() == name) return c;
  }
  return nullptr;
}

std::vector<std::string> check_names() {
  std::vector<std::string> out;
  for (const Check* c : registry()) out.emplace_back(c->name());
  return out;
}

}  // namespace authdiff::judge
