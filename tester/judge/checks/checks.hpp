#pragma once
// The checks, one file each; registry.cpp lists them.
#include "judge/check.hpp"

namespace authdiff::judge {

const Check& no_auth_check();
const Check& weaker_identity_check();
const Check& cross_owner_check();
const Check& enumerate_check();
const Check& bulk_check();
const Check& access_matrix_check();
const Check& tampered_token_check();
const Check& bypass_check();
const Check& sensitive_data_check();
const Check& existence_oracle_check();
const Check& rate_limit_check();
const Check& audit_check();
const Check& undocumented_check();

}  // namespace authdiff::judge
