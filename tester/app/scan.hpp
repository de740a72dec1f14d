#pragma once
// Shared by `plan` and `scan`: choosing checks and letting them plan probes.
#include <string>
#include <vector>

#include "config/config.hpp"
#include "judge/check.hpp"
#include "plan/plan.hpp"

namespace authdiff::app {

// The checks named by --only / --skip (comma-separated); an unknown name is a usage error
// (Failure, exit 2) with a suggestion.
std::vector<const judge::Check*> select_checks(const std::string& only, const std::string& skip);

// Fill every operation's `probes` from `checks`.
void plan_probes(plan::Plan& plan, const config::Config& config, const judge::Mutations& mutations,
                 const std::vector<const judge::Check*>& checks);

}  // namespace authdiff::app
