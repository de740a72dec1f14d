#pragma once
// Requests a scan sends: baselines (a legitimate caller doing what it may) and probes (what a
// check tries). Built from a Plan and the config; sends nothing.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "plan/principals.hpp"
#include "plan/exchange.hpp"
#include "plan/ownership.hpp"
#include "plan/plan.hpp"

namespace authdiff::plan {

// The name reports use for "no identity".
inline constexpr const char* k_anonymous = "anonymous";

struct Baseline {
  std::size_t operation = 0;
  std::string identity;  // "" = anonymous (public operations)
  Request request;
};

// Values for parameters, by name: path parameters and query parameters alike.
using Overrides = std::map<std::string, std::string>;

// The request for operation `op` as `identity`: path parameters from `overrides`, else the
// identity's owned ID for that parameter, else the example; required query parameters and any
// overridden ones; parameters in `omit` left out; the example body for methods that carry one.
Request make_request(const Plan& plan, std::size_t op, const Principals& principals,
                     const std::string& identity, Credential credential,
                     const Overrides& overrides = {}, const std::set<std::string>& omit = {});

// Whether `identity` is expected to reach the operation (anonymous: pass nullptr).
bool may_access(const OperationPlan& op, const config::Identity* identity);

// The identity's owned ID for every ID-like path parameter of `op`; false when one is missing.
bool owned_path_ids(const OperationPlan& op, const config::Identity& identity, Overrides& out);

// The baseline requests of a scan: per operation not skipped, one per identity expected to reach
// it (anonymous for public operations); owner-only operations use each identity's own IDs.
std::vector<Baseline> plan_baselines(const Plan& plan, const Principals& principals);
// The baselines of operation `op` alone.
std::vector<Baseline> operation_baselines(const Plan& plan, std::size_t op,
                                          const Principals& principals);

// A one-line curl command reproducing `request`, credentials as environment placeholders
// ($AUTHDIFF_<IDENTITY>_TOKEN, ...). Never contains a secret.
std::string curl_command(const Request& request, const config::Config& config,
                         const Principals& principals);

// The environment variable that stands for `identity`'s credential `what` in curl commands.
std::string placeholder(const std::string& identity, const std::string& what);

}  // namespace authdiff::plan
