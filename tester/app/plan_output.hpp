#pragma once
// `authdiff plan` output: a readable text listing and the stable JSON form (docs/reports.md
// documents it).
#include <string>

#include "config/config.hpp"
#include "plan/plan.hpp"
#include "spec/model.hpp"

namespace authdiff::app {

std::string plan_text(const spec::Api& api, const config::Config* config, const plan::Plan& plan);
std::string plan_json(const spec::Api& api, const config::Config* config, const plan::Plan& plan);

}  // namespace authdiff::app
