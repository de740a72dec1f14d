#include <gtest/gtest.h>

#include "spec/document.hpp"

namespace authdiff::spec {
namespace {

using nlohmann::json;

json yaml(const std::string& text) {
  auto r = parse_yaml(text, "t.yaml");
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string());
  return r.ok() ? r.value() : json();
}

TEST(Yaml, ResolvesPlainScalarsByTheCoreSchema) {
  const json j = yaml(
      "a: 12\nb: -3\nc: 1.5\nd: true\ne: null\nf: ~\ng: hello\nh: '12'\ni: \"true\"\n"
      "j: 0x1F\nk: 3.0.3\nl: 1e3\nm: 0123\nn:\n");
  EXPECT_EQ(j["a"], 12);
  EXPECT_EQ(j["b"], -3);
  EXPECT_EQ(j["c"], 1.5);
  EXPECT_EQ(j["d"], true);
  EXPECT_TRUE(j["e"].is_null());
  EXPECT_TRUE(j["f"].is_null());
  EXPECT_EQ(j["g"], "hello");
  EXPECT_EQ(j["h"], "12");    // quoted stays a string
  EXPECT_EQ(j["i"], "true");  // quoted stays a string
  EXPECT_EQ(j["j"], 31);
  EXPECT_EQ(j["k"], "3.0.3");
  EXPECT_EQ(j["l"], 1000.0);
  EXPECT_EQ(j["m"], "0123");  // a leading zero is an identifier, not a number
  EXPECT_TRUE(j["n"].is_null());
}

TEST(Yaml, ResponseCodesAsKeysStayStrings) {
  const json j = yaml("responses:\n  200: {description: ok}\n  default: {description: x}\n");
  EXPECT_TRUE(j["responses"].contains("200"));
}

TEST(Yaml, AnchorsAliasesAndMergeKeys) {
  const json j = yaml(
      "base: &b {x: 1, y: 2}\n"
      "copy: *b\n"
      "merged:\n  <<: *b\n  y: 3\n"
      "merged_first:\n  y: 4\n  <<: *b\n");
  EXPECT_EQ(j["copy"], (json{{"x", 1}, {"y", 2}}));
  EXPECT_EQ(j["merged"], (json{{"x", 1}, {"y", 3}}));
  EXPECT_EQ(j["merged_first"], (json{{"x", 1}, {"y", 4}}));
}

TEST(Yaml, ExponentialAliasExpansionIsAnErrorNotAnOutage) {
  std::string text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i <= 9; ++i) {
    text += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int k = 0; k < 10; ++k) text += std::string(k ? ", " : "") + "*a" + std::to_string(i - 1);
    text += "]\n";
  }
  auto r = parse_yaml(text, "laughs.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("expands to more than"), std::string::npos);
}

TEST(Yaml, SyntaxErrorsCarryLineAndColumn) {
  auto r = parse_yaml("openapi: 3.0.0\ninfo:\n  title: x\n   version: 1\n", "bad.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().file, "bad.yaml");
  EXPECT_EQ(r.error().line, 4);
  EXPECT_GT(r.error().column, 0);
}

TEST(Yaml, EmptyTextIsAnError) {
  EXPECT_FALSE(parse_yaml("", "e.yaml").ok());
  EXPECT_FALSE(parse_yaml("# only a comment\n", "e.yaml").ok());
}

TEST(Yaml, DeepNestingIsBounded) {
  const std::string text = std::string(5000, '[') + std::string(5000, ']');
  auto r = parse_yaml(text, "deep.yaml");
  EXPECT_FALSE(r.ok());
}

// Found by fuzz_spec_json: a number too large for a double ended the run with an exception.
TEST(Json, ANumberTooLargeIsAnErrorAtItsLine) {
  auto r = parse_json("{\n  \"maximum\": 1e999\n}", "big.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().file, "big.json");
  EXPECT_EQ(r.error().line, 2);
  EXPECT_EQ(r.error().column, 14);
  EXPECT_NE(r.error().message.find("1e999"), std::string::npos) << r.error().message;
  EXPECT_EQ(r.error().message.find("[json.exception"), std::string::npos);
}

TEST(Json, ErrorsTurnByteOffsetsIntoLines) {
  auto r = parse_json("{\n  \"a\": 1,\n  \"b\": ,\n}", "bad.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().line, 3);
  EXPECT_EQ(r.error().column, 8);
  EXPECT_NE(r.error().to_string().find("bad.json:3:8: invalid JSON"), std::string::npos);
}

TEST(DetectFormat, ByNameThenByFirstCharacter) {
  EXPECT_EQ(detect_format("x.json", "openapi: 3"), Format::json);
  EXPECT_EQ(detect_format("x.yaml", "  {\"openapi\": 1}"), Format::json);
  EXPECT_EQ(detect_format("x", "openapi: 3"), Format::yaml);
}

}  // namespace
}  // namespace authdiff::spec
