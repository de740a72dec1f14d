#include <gtest/gtest.h>

#include "judge/check.hpp"
#include "report/json_report.hpp"
#include "report/markdown.hpp"
#include "report/sarif.hpp"

namespace authdiff::report {
namespace {

// A result with every field set, including text a hostile server could have put there.
ScanResult sample() {
  // Found by AddressSanitizer: the length given used to run past the literal's end.
  static constexpr char k_hostile[] = "\xff\x00\x1b[31m `|` <img src=x> ``` \" 张伟";
  const std::string hostile(k_hostile, sizeof k_hostile - 1);
  ScanResult r;
  r.run.version = "0.1.0";
  r.run.spec_file = "specs/x.yaml";
  r.run.config_file = "x.toml";
  r.run.base_url = "http://127.0.0.1:1";
  r.run.started_at = "2026-11-23T10:00:00";
  r.run.hostname = "h";
  r.run.seconds = 1.5;
  r.run.requests = 7;
  r.run.identities = {"alice", "bob"};
  r.run.checks = {judge::find_check("no-auth"), judge::find_check("cross-owner")};
  r.run.fail_on = judge::Severity::medium;
  r.run.shard = 2;
  r.run.shards = 3;
  r.operations = {{"GET", "/a/{id}", "getA", 12}, {"GET", "/b", "", 0}};
  judge::ProbeResult p;
  p.check = judge::find_check("cross-owner");
  p.probe.check = "cross-owner";
  p.probe.kind = hostile;
  p.probe.operation = 0;
  p.probe.identity = "bob";
  p.probe.victim = "alice";
  p.probe.parameter = "id";
  p.probe.value = "7";
  p.probe.request = {"GET",
                     "http://127.0.0.1:1/a/7",
                     {{"Accept", "*/*"}},
                     "",
                     "bob",
                     plan::Credential::own,
                     {},
                     {},
                     "/items"};
  p.response.status = 200;
  p.response.body_bytes = 99;
  p.response.attempts = 1;
  p.verdict = {judge::State::bypassed,
               hostile,
               {{"/name", "*" + hostile}},
               3,
               5,
               judge::Severity::critical,
               {"resident-id", hostile},
               std::nullopt};
  p.finding = "0123456789abcdef";
  p.curl = "curl -i 'http://127.0.0.1:1/a/7'";
  r.results.push_back(p);
  judge::Finding f;
  f.id = p.finding;
  f.check = p.check;
  f.severity = judge::Severity::high;
  f.method = "GET";
  f.path = "/a/{id}";
  f.operation_id = "getA";
  f.identity = "bob";
  f.victim = "alice";
  f.parameter = "id";
  f.kinds = {hostile};
  f.reason = hostile;
  f.evidence = p.verdict.evidence;
  f.leaked = 3;
  f.data = {"resident-id", hostile};
  f.curl = p.curl + " # ```";
  r.findings.push_back(f);
  r.statuses = {Status::expired};
  r.compared_with = "baseline";
  r.compared_with_file = "b.toml";
  r.previous.push_back({"0123456789abcdef", "cross-owner", "GET /a/{id}", "bob", "alice", "id",
                        judge::Severity::high, "why", "2020-01-01",
                        Previous::Outcome::still_failing});
  r.previous.push_back({"fedcba9876543210", "no-auth", "GET /b", "", "", "", judge::Severity::high,
                        "old", "", Previous::Outcome::fixed});
  return r;
}

TEST(JsonReport, ReadsBackToTheSameReport) {
  const std::string text = json_report(sample());
  auto back = parse_json_report(text, "r.json");
  ASSERT_TRUE(back) << back.error().to_string();
  // Invalid UTF-8 was replaced on the way out; from then on the report is a fixed point.
  EXPECT_EQ(json_report(*back), text);
  EXPECT_EQ(back->run.shard, 2);
  EXPECT_EQ(back->run.checks.size(), 2u);
  EXPECT_EQ(back->results[0].probe.request.credential, plan::Credential::own);
  EXPECT_EQ(back->results[0].probe.request.list_pointer, std::optional<std::string>("/items"));
  EXPECT_EQ(back->statuses[0], Status::expired);
  EXPECT_EQ(back->previous[1].outcome, Previous::Outcome::fixed);
  EXPECT_TRUE(back->fails(0));
}

TEST(JsonReport, ErrorsNameTheFileAndTheMember) {
  std::string text = json_report(sample());
  const auto broken = parse_json_report(text.substr(0, text.size() / 2), "r.json");
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().file, "r.json");
  EXPECT_GT(broken.error().line, 1);
  EXPECT_EQ(broken.error().message.find("[json.exception"), std::string::npos)
      << broken.error().message;
  const auto huge = parse_json_report("{\"authdiff_report\": 1e999}", "r.json");
  ASSERT_FALSE(huge);
  EXPECT_EQ(huge.error().line, 1);
  EXPECT_NE(huge.error().message.find("1e999"), std::string::npos) << huge.error().message;
  const std::string state = "\"state\":\"bypassed\"";
  text.replace(text.find(state), state.size(), "\"state\":\"pwned\"");
  const auto bad_state = parse_json_report(text, "r.json");
  ASSERT_FALSE(bad_state);
  EXPECT_EQ(bad_state.error().message,
            "/probes/0/verdict/state: expected enforced, bypassed or inconclusive");
  const auto other = parse_json_report(R"({"authdiff_plan": 1})", "p.json");
  ASSERT_FALSE(other);
  EXPECT_NE(other.error().message.find("not an authdiff JSON report"), std::string::npos);
  const auto newer = parse_json_report(R"({"authdiff_report": 2})", "n.json");
  ASSERT_FALSE(newer);
  EXPECT_NE(newer.error().message.find("this authdiff reads version 1"), std::string::npos);
}

TEST(Markdown, HostileTextCannotBreakTheTableOrTheFences) {
  const std::string md = markdown_report(sample());
  for (std::size_t at = 0; (at = md.find("\n|", at)) != std::string::npos; ++at) {
    const std::string row = md.substr(at + 1, md.find('\n', at + 1) - at - 1);
    std::size_t pipes = 0;
    for (std::size_t i = 0; i < row.size(); ++i)
      pipes += row[i] == '|' && (i == 0 || row[i - 1] != '\\') ? 1 : 0;
    EXPECT_EQ(pipes, 7u) << row;  // 6 columns with a status
  }
  // Markup from the target appears only inside code spans, where it is inert.
  for (std::size_t at = md.find("<img"); at != std::string::npos; at = md.find("<img", at + 1)) {
    const std::size_t line = md.rfind('\n', at) + 1;
    const auto ticks =
        std::count(md.begin() + static_cast<long>(line), md.begin() + static_cast<long>(at), '`');
    EXPECT_EQ(ticks % 2, 1) << md.substr(line, at - line + 20);
  }
  EXPECT_NE(md.find("# '''"), std::string::npos);  // the fence inside the curl line is defused
  EXPECT_NE(md.find("### Fixed since the baseline (1)"), std::string::npos);
  EXPECT_EQ(markdown_code_cell("a`b|c\nd"), "`a'b\\|c d`");
  EXPECT_EQ(markdown_code_cell("张伟张伟", 7), "`张伟…`");
}

TEST(Sarif, ArtifactUrisAreRelativeWhereTheyCanBe) {
  EXPECT_EQ(artifact_uri("specs/a b.yaml", "/repo"), "specs/a%20b.yaml");
  EXPECT_EQ(artifact_uri("./specs/a.yaml", "/repo"), "specs/a.yaml");
  EXPECT_EQ(artifact_uri("/repo/specs/a.yaml", "/repo"), "specs/a.yaml");
  EXPECT_EQ(artifact_uri("/elsewhere/a.yaml", "/repo"), "file:///elsewhere/a.yaml");
  EXPECT_EQ(artifact_uri("/repository/a.yaml", "/repo"), "file:///repository/a.yaml");
}

TEST(Sarif, KnownFindingsAreSuppressedAndExpiredOnesAreNot) {
  ScanResult r = sample();
  EXPECT_EQ(sarif_report(r).find("\"suppressions\""), std::string::npos);
  r.statuses = {Status::known};
  const std::string s = sarif_report(r);
  EXPECT_NE(s.find("\"suppressions\""), std::string::npos);
  EXPECT_NE(s.find("\"baselineState\": \"unchanged\""), std::string::npos);
  EXPECT_NE(s.find("\"startLine\": 12"), std::string::npos);
}

}  // namespace
}  // namespace authdiff::report
