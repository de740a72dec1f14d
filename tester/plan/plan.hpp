#pragma once
// Api + Config -> Plan: per operation, who is expected to reach it (and why we think so), the
// request a legitimate caller sends, and the probes the checks will send. Sends nothing.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "plan/exchange.hpp"
#include "spec/model.hpp"
#include "util/url.hpp"

namespace authdiff::plan {

struct Expectation {
  config::Access access = config::Access::authenticated;
  int min_level = 0;  // for Access::level
  // OAuth2: the caller needs every scope of one of these sets (from the spec).
  std::vector<std::vector<std::string>> scope_sets;
  std::string source;  // "config line 12", "spec: security: []", "spec: takes an object id", ...

  std::string describe() const;  // "owner", "level >= 2", "authenticated with scopes a b"
};

struct OperationPlan {
  const spec::Operation* op = nullptr;  // points into the Api the plan was made from
  Expectation expect;
  bool skipped = false;
  bool excluded = false;      // skipped by the config (`skip = true`): no traffic at all for it
  std::string skip_reason;    // why it is not tested (unsafe method, config skip)
  bool other_shard = false;   // --shard K/N: another job tests it
  std::string url;            // base URL + path with example values + required query parameters
  std::vector<Probe> probes;  // what the checks will send (filled by app from the registry)
};

struct Options {
  std::string base_url;       // --base-url; overrides the config's target.base_url
  bool allow_unsafe = false;  // --allow-unsafe
};

struct Plan {
  const spec::Api* api = nullptr;  // what it was made from (outlives the plan)
  std::string base_url;            // the URL requests are made against ("" when none is known)
  std::string base_url_source;     // "--base-url", "config", "spec servers" or ""
  std::vector<OperationPlan> operations;
};

// Build the plan. `config` may be null (plan without a config).
Plan make_plan(const spec::Api& api, const config::Config* config, const Options& options);

// The URL of `op` against `base`, path parameters filled with their examples and required query
// parameters appended (percent-encoded).
std::string request_url(const std::string& base, const spec::Operation& op);

// The absolute URL of a sign-in's `url` (config `login.url`): a path goes under the base URL,
// like an operation's; an absolute URL stays as it is.
std::string login_url(const std::string& base, const std::string& url);

// A parameter value as it goes into a URL (arrays: their first element).
std::string value_text(const nlohmann::json& v);

// `base` + the operation's path with path parameters filled and query parameters appended,
// each with the value `value_of` gives (nullopt: leave the parameter out). Values are encoded.
std::string build_url(
    const std::string& base, const spec::Operation& op,
    const std::function<std::optional<std::string>(const spec::Parameter&)>& value_of);

}  // namespace authdiff::plan
