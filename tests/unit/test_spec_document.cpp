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

// Ten levels of ten aliases of the level before: 10^10 nodes from ten lines. Rejected once the
// copies pass their bound, before the copy that would pass it is made (this test once took 164 s
// under sanitizers, when 50 million nodes were copied before the bound was checked).
TEST(Yaml, ExponentialAliasExpansionIsAnErrorNotAnOutage) {
  std::string text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i <= 9; ++i) {
    text += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int k = 0; k < 10; ++k) text += std::string(k ? ", " : "") + "*a" + std::to_string(i - 1);
    text += "]\n";
  }
  auto r = parse_yaml(text, "laughs.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().file, "laughs.yaml");
  EXPECT_NE(r.error().message.find("would expand the document by more than 1000000 copied nodes"),
            std::string::npos)
      << r.error().message;
}

// The classic "billion laughs" in YAML: nine levels of nine aliases (387 million nodes, once 15 s
// and 3.8 GB before it was rejected). The error names the file and the line where the copies
// would pass the bound: level f, whose 600 thousand nodes the anchor would keep a copy of.
TEST(Yaml, BillionLaughsIsRejectedAtItsLineBeforeTheCopiesAreMade) {
  const std::string text =
      "a: &a [x, x, x, x, x, x, x, x, x]\n"
      "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
      "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
      "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
      "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
      "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
      "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
      "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
      "i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]\n";
  auto r = parse_yaml(text, "bomb.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().file, "bomb.yaml");
  EXPECT_EQ(r.error().line, 6);
  EXPECT_EQ(r.error().to_string().rfind("bomb.yaml:6:", 0), 0u) << r.error().to_string();
  EXPECT_NE(r.error().message.find("invalid YAML: anchor &f would expand the document by more "
                                   "than 1000000 copied nodes"),
            std::string::npos)
      << r.error().message;
}

// Without a single alias: anchors nested around one large value each keep a copy of it.
TEST(Yaml, NestedAnchorsAroundALargeValueAreBounded) {
  std::string list = "[x";
  for (int i = 1; i < 300'000; ++i) list += ", x";
  list += "]";
  std::string text = "a: ";
  for (int i = 0; i < 50; ++i) text += "&n" + std::to_string(i) + " [";
  text += list + std::string(50, ']') + "\n";
  auto r = parse_yaml(text, "nested.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("copied nodes"), std::string::npos) << r.error().message;
}

// One node can be a long text: copies of text are bounded in bytes as well.
TEST(Yaml, AliasesOfALongTextAreBounded) {
  std::string text = "a: &a '" + std::string(1'000'000, 'y') + "'\nb: [*a";
  for (int i = 1; i < 100; ++i) text += ", *a";
  text += "]\n";
  auto r = parse_yaml(text, "long.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().line, 2);
  EXPECT_NE(r.error().message.find("MiB of copied text"), std::string::npos) << r.error().message;
}

// What real specs do with aliases stays well inside the bound: a shared block of parameters and
// an error response aliased into a thousand operations, and aliases of anchors that hold aliases.
TEST(Yaml, ManyAliasesOfSharedBlocksStillLoad) {
  std::string text =
      "shared: &params\n"
      "  - {name: page, in: query, schema: {type: integer, minimum: 1}}\n"
      "  - {name: per_page, in: query, schema: {type: integer, maximum: 100}}\n"
      "error: &error {description: failed, content: {application/json: {schema: {type: object, "
      "properties: {code: {type: integer}, message: {type: string}}}}}}\n"
      "both: &both {parameters: *params, responses: {'400': *error, '500': *error}}\n"
      "paths:\n";
  for (int i = 0; i < 1000; ++i) {
    text += "  /items" + std::to_string(i) + ":\n    get:\n      <<: *both\n      summary: s" +
            std::to_string(i) + "\n";
  }
  const json j = yaml(text);
  ASSERT_EQ(j["paths"].size(), 1000u);
  const json& op = j["paths"]["/items999"]["get"];
  EXPECT_EQ(op["summary"], "s999");
  EXPECT_EQ(op["parameters"], j["shared"]);
  EXPECT_EQ(op["parameters"][1]["schema"]["maximum"], 100);
  EXPECT_EQ(op["responses"]["500"], j["error"]);
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
