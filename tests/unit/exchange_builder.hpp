#pragma once
// Hand-made exchanges for the checks' unit tests (test_judge_checks.cpp): a spec from JSON text,
// a config from TOML text, the plan made from both, and what a scan learns before probing
// (baselines, denied fingerprints), so that a check's plan(), judge() and relate() run on
// answers a test writes by hand. The checks are the real ones; nothing is sent.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "config/access.hpp"
#include "config/config.hpp"
#include "judge/check.hpp"
#include "judge/knowledge.hpp"
#include "plan/plan.hpp"
#include "plan/principals.hpp"
#include "plan/probe.hpp"
#include "test_helpers.hpp"

namespace authdiff::test {

// An answer: status, body, headers (names in lower case, as `http` stores them).
inline plan::Response response(long status, std::string body = "", plan::Headers headers = {}) {
  plan::Response r;
  r.status = status;
  r.body_bytes = body.size();
  r.body = std::move(body);
  r.headers = std::move(headers);
  r.attempts = 1;
  return r;
}

// Nothing usable came back.
inline plan::Response transport_error(std::string error = "Couldn't connect to server") {
  plan::Response r;
  r.error = std::move(error);
  r.attempts = 1;
  return r;
}

// One spec, one config, the plan between them, and the knowledge of the run's baselines.
class World {
 public:
  World(const std::string& spec_json, const std::string& config_toml)
      : m_api(api_from(spec_json)),
        m_config(config_from(config_toml)),
        m_principals(m_config.identities),
        m_plan(plan::make_plan(m_api, &m_config, {})) {
    auto options = judge::CheckOptions::from(m_config);
    if (!options) {
      ADD_FAILURE() << options.error().to_string();
    } else {
      m_options = std::move(options.value());
    }
    auto detectors = judge::detectors_for(m_config);
    if (!detectors) {
      ADD_FAILURE() << detectors.error().to_string();
    } else {
      m_detectors = std::move(detectors.value());
    }
  }
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  const plan::Plan& plan() const { return m_plan; }
  const config::Config& config() const { return m_config; }
  // The identities as the run knows them (what discovery would add goes here).
  plan::Principals& principals() { return m_principals; }
  judge::CheckOptions& options() { return m_options; }
  judge::Mutations& mutations() { return m_mutations; }

  // The index of operation "GET /orders/{orderId}" in the plan.
  std::size_t op(std::string_view key) const {
    for (std::size_t i = 0; i < m_plan.operations.size(); ++i) {
      if (m_plan.operations[i].op->key() == key) return i;
    }
    ADD_FAILURE() << "no operation " << key;
    return 0;
  }

  // What check `name` plans for operation `key`.
  std::vector<plan::Probe> probes(std::string_view name, std::string_view key) const {
    const judge::Check* c = check(name);
    if (c == nullptr) return {};
    const judge::PlanContext ctx{m_plan, m_config, m_principals, m_mutations, m_options};
    return c->plan(ctx, op(key));
  }

  // The one probe of check `name` on `key` whose kind is `kind`.
  plan::Probe probe(std::string_view name, std::string_view key, std::string_view kind) const {
    std::string kinds;
    for (auto& p : probes(name, key)) {
      if (p.kind == kind) return p;
      kinds += "\n  " + p.kind;
    }
    ADD_FAILURE() << name << " plans no \"" << kind << "\" on " << key << "; it plans:" << kinds;
    return {};
  }

  // The baseline of `key` as `identity` ("" = anonymous) answered `first`, then `second`
  // (default: the same again). The request is the one the scan's baseline would send.
  World& baseline(std::string_view key, const std::string& identity, const plan::Response& first,
                  const std::optional<plan::Response>& second = std::nullopt) {
    const std::size_t i = op(key);
    plan::Baseline b;
    bool found = false;
    for (auto& candidate : plan::operation_baselines(m_plan, i, m_principals)) {
      if (candidate.identity == identity) {
        b = std::move(candidate);
        found = true;
      }
    }
    if (!found) ADD_FAILURE() << "the plan has no baseline of " << key << " as " << identity;
    const auto pointer = judge::list_pointer_of(m_plan, i);
    m_knowledge.add_baseline(b, first, second.value_or(first), pointer,
                             judge::foreign_items(m_plan, i, m_principals, identity, first));
    m_finished = false;
    return *this;
  }

  // What a garbage credential got on `key` (the operation's denied fingerprint).
  World& denied(std::string_view key, const plan::Response& answer) {
    m_knowledge.add_denied(op(key), answer);
    m_finished = false;
    return *this;
  }

  const judge::Knowledge& knowledge() {
    if (!m_finished) {
      m_knowledge.finish();
      m_finished = true;
    }
    return m_knowledge;
  }

  // The check's verdict on one exchange.
  judge::Verdict judge(const plan::Probe& probe, const plan::Response& answer) {
    const judge::Check* c = check(probe.check);
    if (c == nullptr) return judge::inconclusive("no check");
    const judge::JudgeContext ctx{m_plan,      m_config,    m_principals,
                                  knowledge(), m_detectors, m_options};
    return c->judge(ctx, probe, answer);
  }

  // Every exchange judged as its answer arrives (judge::judge_one: the body is dropped unless
  // the check relates bodies), then related by every check (judge::judge_all), as a scan does.
  std::vector<judge::ProbeResult> judge_all(
      const std::vector<std::pair<plan::Probe, plan::Response>>& exchanges) {
    std::vector<judge::ProbeResult> results;
    for (const auto& [p, answer] : exchanges) {
      judge::ProbeResult r;
      r.probe = p;
      r.response = answer;
      r.check = check(p.check);
      if (r.check == nullptr) return {};
      results.push_back(std::move(r));
    }
    const judge::JudgeContext ctx{m_plan,      m_config,    m_principals,
                                  knowledge(), m_detectors, m_options};
    for (auto& r : results) judge::judge_one(ctx, r);
    judge::judge_all(ctx, results);
    return results;
  }

  static const judge::Check* check(std::string_view name) {
    const judge::Check* c = judge::find_check(name);
    if (c == nullptr) ADD_FAILURE() << "no check " << name;
    return c;
  }

 private:
  static config::Config config_from(const std::string& toml) {
    auto parsed = config::parse_config(toml, "authdiff.toml",
                                       [](const std::string&) { return std::nullopt; });
    if (!parsed) {
      ADD_FAILURE() << parsed.error().to_string();
      return {};
    }
    return std::move(parsed.value());
  }

  spec::Api m_api;  // the plan points into it
  config::Config m_config;
  plan::Principals m_principals;
  plan::Plan m_plan;
  judge::Mutations m_mutations = judge::Mutations::defaults();
  judge::CheckOptions m_options;
  judge::Detectors m_detectors;
  judge::Knowledge m_knowledge;
  bool m_finished = false;
};

}  // namespace authdiff::test
