// Fuzz target: judging what a server sent back (status + headers + body -> verdict, evidence,
// findings, reports), answers read whole or in parts. The plan is the scenario spec's
// (tests/data/specs/scenario.yaml) with every check; the input picks an operation and supplies the
// baselines' answers, its probes' answer and the denied fingerprint's answer.
//
// Oracle: never crashes, hangs or throws. Every verdict says why. Evidence is always masked: no
// evidence value is a full distinctive value of the answer. Every report of the result still
// parses (fuzz_support.hpp).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>

#include "app/engine.hpp"
#include "app/scan.hpp"
#include "fuzz_support.hpp"
#include "judge/findings.hpp"
#include "judge/knowledge.hpp"
#include "judge/observe.hpp"
#include "plan/probe.hpp"
#include "spec/model.hpp"
#include "util/file.hpp"

namespace {

using namespace authdiff;

struct Fixture {
  spec::Api api;
  config::Config config;
  judge::Mutations mutations = judge::Mutations::defaults();
  plan::Plan plan;
  std::vector<plan::Baseline> baselines;
  judge::Detectors detectors;
  std::unique_ptr<plan::Principals> principals;
  judge::CheckOptions options;
};

const Fixture& fixture() {
  static const Fixture* f = [] {
    auto* out = new Fixture;
    auto api = spec::load_api(AUTHDIFF_SOURCE_DIR "/tests/data/specs/scenario.yaml");
    if (!api) fuzz::broken("the scenario spec loads", api.error().to_string());
    out->api = std::move(api.value());
    auto text = read_file(AUTHDIFF_SOURCE_DIR "/tests/data/configs/scenario.toml");
    if (!text) fuzz::broken("the scenario config reads", text.error().to_string());
    out->config = fuzz::config_from("[target]\nbase_url = \"http://127.0.0.1:9\"\n" + *text);
    out->plan = plan::make_plan(out->api, &out->config, {});
    std::vector<const judge::Check*> checks(judge::registry().begin(), judge::registry().end());
    out->principals = std::make_unique<plan::Principals>(out->config.identities);
    app::plan_probes(out->plan, out->config, *out->principals, out->mutations, out->options,
                     checks);
    out->baselines = plan::plan_baselines(out->plan, *out->principals);
    auto detectors = judge::detectors_for(out->config);
    if (!detectors) fuzz::broken("the detectors build", detectors.error().to_string());
    out->detectors = std::move(detectors.value());
    return out;
  }();
  return *f;
}

plan::Response response_from(FuzzedDataProvider& in) {
  plan::Response r;
  r.attempts = 1;
  if (in.ConsumeBool()) {
    r.error = in.ConsumeRandomLengthString(64);
    if (!r.error.empty()) return r;
  }
  r.status = in.ConsumeIntegralInRange<long>(100, 599);
  const int headers = in.ConsumeIntegralInRange(0, 4);
  for (int i = 0; i < headers; ++i)
    r.headers.emplace_back(in.ConsumeRandomLengthString(24), in.ConsumeRandomLengthString(64));
  r.body = in.ConsumeRandomLengthString(8192);
  r.body_bytes = r.body.size();
  if (in.ConsumeBool()) {
    r.truncated = true;
    r.body_bytes += in.ConsumeIntegral<std::uint32_t>();
  }
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Fixture& f = fixture();
  FuzzedDataProvider in(data, size);
  // One operation's probes per input keeps executions fast; the input picks which.
  const std::size_t only = in.ConsumeIntegralInRange<std::size_t>(0, f.plan.operations.size() - 1);
  // Half the inputs read every answer in parts, the way a scan reads a large one.
  static const std::size_t whole = judge::streaming_threshold();
  judge::set_streaming_threshold(in.ConsumeBool() ? 0 : whole);
  const plan::Response baseline = response_from(in);
  const plan::Response other = response_from(in);
  const plan::Response probe = response_from(in);

  judge::Knowledge knowledge;
  for (std::size_t i = 0; i < f.baselines.size(); ++i) {
    // Alternate answers, so identities see different data.
    knowledge.add_baseline(f.baselines[i], i % 2 ? other : baseline, i % 2 ? other : baseline,
                           judge::list_pointer_of(f.plan, f.baselines[i].operation));
  }
  for (std::size_t i = 0; i < f.plan.operations.size(); ++i) knowledge.add_denied(i, other);
  knowledge.finish();

  report::ScanResult result;
  result.operations = app::operation_infos(f.plan);
  for (const auto& op : f.plan.operations) {
    if (&op != &f.plan.operations[only]) continue;
    for (const auto& p : op.probes) {
      judge::ProbeResult r;
      r.probe = p;
      r.check = judge::find_check(p.check);
      r.response = p.from_baseline ? baseline : p.static_only ? plan::Response{} : probe;
      result.results.push_back(std::move(r));
    }
  }
  const judge::JudgeContext ctx{f.plan, f.config, *f.principals, knowledge, f.detectors, f.options};
  judge::judge_all(ctx, result.results);

  for (const plan::Response* answer : {&baseline, &other, &probe}) {
    const auto o = judge::observe(*answer, std::nullopt);
    for (const auto& r : result.results) {
      if (r.verdict.reason.empty()) fuzz::broken("every verdict says why", r.probe.kind);
      for (const auto& e : r.verdict.evidence) {
        o.each_leaf([&](const judge::Leaf& leaf) {
          if (judge::distinctive(leaf) && leaf.value.find('*') == std::string::npos &&
              e.masked == leaf.value)
            fuzz::broken("evidence is masked", e.pointer + " = " + e.masked);
          return true;
        });
      }
    }
  }
  for (auto& r : result.results) r.response.body = std::string();
  result.findings = judge::collect_findings(f.plan, f.config, *f.principals, result.results);
  result.run.base_url = f.plan.base_url;
  fuzz::check_reports(result);
  return 0;
}
