#include <gtest/gtest.h>

#include "config/access.hpp"
#include "config/baseline.hpp"

namespace authdiff::config {
namespace {

TEST(Baseline, WrittenBaselinesReadBack) {
  std::vector<KnownFinding> known = {
      {"0123456789abcdef", "bulk", "GET /a", "admin", "", "pageSize", "medium",
       "it's \"fine\"\nfor now", "2027-01-31", 0},
      {"fedcba9876543210", "no-auth", "GET /b", "anonymous", "admin", "", "high", "why", "", 0}};
  const std::string text = baseline_toml(known);
  const auto back = parse_baseline(text, "b.toml");
  ASSERT_TRUE(back) << back.error().to_string();
  ASSERT_EQ(back->known.size(), 2u);
  const KnownFinding* a = back->find("0123456789abcdef");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->reason, "it's \"fine\"\nfor now");
  EXPECT_EQ(a->expires, "2027-01-31");
  EXPECT_EQ(a->parameter, "pageSize");
  EXPECT_EQ(back->find("fedcba9876543210")->expires, "");
  EXPECT_EQ(back->find("nope"), nullptr);
}

// Control characters (a tab, an escape, DEL) in what reports and specs bring in are escaped by
// the TOML formatter: the files read back exactly.
TEST(Baseline, ControlCharactersInWrittenFilesReadBack) {
  const std::string odd = std::string("tab\there, esc \x1b[31m, del \x7f, quote \" and \\");
  std::vector<KnownFinding> known = {
      {"0123456789abcdef", "bulk", "GET /a", "admin", "", "pageSize", "medium", odd, "", 0}};
  const auto back = parse_baseline(baseline_toml(known), "b.toml");
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(back->known.at(0).reason, odd);

  AccessMatrix matrix;
  const std::string op = "GET /x/" + odd;
  matrix.operations[op]
                   ["ali\x01"
                    "ce"] = "allowed";
  matrix.operations[op]["anonymous"] = "denied";
  const auto read = parse_access(access_toml(matrix, {op}, "spec \x02.yaml"), "a.toml");
  ASSERT_TRUE(read) << read.error().to_string();
  EXPECT_EQ(read->operations.at(op).at("ali\x01"
                                       "ce"),
            "allowed");
  EXPECT_EQ(read->operations.at(op).at("anonymous"), "denied");
}

TEST(Baseline, MistakesAreErrorsWithTheirLine) {
  const auto error_of = [](const std::string& text) {
    const auto r = parse_baseline(text, "b.toml");
    return r ? std::string("no error") : r.error().to_string();
  };
  EXPECT_EQ(error_of("[[known]]\nid = \"a\"\n"),
            "b.toml:1:1: known[0] (a): reason is required: say why this finding is accepted");
  EXPECT_EQ(error_of("[[known]]\nreason = \"x\"\n"),
            "b.toml:1:1: known[0]: id is required (the finding's stable id)");
  EXPECT_EQ(error_of("[[known]]\nid = \"a\"\nreason = \"x\"\nexpires = \"soon\"\n"),
            "b.toml:4:11: known[0].expires must be a date such as 2027-01-31");
  EXPECT_EQ(
      error_of("[[known]]\nid = \"a\"\nreason = \"x\"\n[[known]]\nid = \"a\"\nreason = \"y\"\n"),
      "b.toml:4:1: finding a is listed twice");
  EXPECT_EQ(error_of("[[known]]\nid = \"a\"\nreason = \"x\"\nexpire = 2027-01-01\n"),
            "b.toml:4:1: unknown key \"expire\" in [known[0]] (did you mean \"expires\"?)");
  EXPECT_EQ(error_of("authdiff_baseline = 2\n"),
            "b.toml:1:21: a version 2 baseline; this authdiff reads version 1");
  EXPECT_EQ(error_of("known = 3\n"), "b.toml:1:9: known must be a list of tables: [[known]]");
  const auto ok =
      parse_baseline("[[known]]\nid = \"a\"\nreason = \"x\"\nexpires = \"2027-02-03\"\n", "b.toml");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->known[0].expires, "2027-02-03");
}

}  // namespace
}  // namespace authdiff::config
