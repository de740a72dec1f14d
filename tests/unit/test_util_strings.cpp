#include <gtest/gtest.h>

#include "util/error.hpp"
#include "util/json_pointer.hpp"
#include "util/strings.hpp"
#include "util/url.hpp"

namespace authdiff {
namespace {

TEST(Glob, StarMatchesAcrossSlashes) {
  EXPECT_TRUE(glob_match("GET /api/admin/*", "GET /api/admin/users/{id}"));
  EXPECT_TRUE(glob_match("* /api/*", "DELETE /api/x"));
  EXPECT_FALSE(glob_match("GET /api/admin/*", "POST /api/admin/users"));
  EXPECT_TRUE(glob_match("GET /a?c", "GET /abc"));
  EXPECT_FALSE(glob_match("GET /a?c", "GET /ac"));
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_FALSE(glob_match("GET /x", "GET /xy"));
}

TEST(DidYouMean, SuggestsTheCloseKeyOnly) {
  const std::vector<std::string> keys{"concurrency", "rate", "timeout", "max_body"};
  EXPECT_EQ(did_you_mean("concurency", keys), "concurrency");
  EXPECT_EQ(did_you_mean("max-body", keys), "max_body");
  EXPECT_EQ(did_you_mean("colour", keys), std::nullopt);
}

TEST(InQuotes, EscapesControlCharacters) {
  EXPECT_EQ(in_quotes("a\"b\n"), "\"a\\\"b\\x0a\"");
}

TEST(PositionOf, CountsLinesAndColumns) {
  const std::string text = "ab\ncd\nef";
  EXPECT_EQ(position_of(text, 0).line, 1);
  EXPECT_EQ(position_of(text, 4).line, 2);
  EXPECT_EQ(position_of(text, 4).column, 2);
  EXPECT_EQ(position_of(text, 999).line, 3);
}

TEST(ErrorText, LeavesOutWhatIsUnknown) {
  EXPECT_EQ((Error{"a.toml", 3, 5, "bad"}.to_string()), "a.toml:3:5: bad");
  EXPECT_EQ((Error{"a.toml", 3, 0, "bad"}.to_string()), "a.toml:3: bad");
  EXPECT_EQ((Error{"", 0, 0, "bad"}.to_string()), "bad");
}

TEST(JsonPointer, UnescapesTokens) {
  auto t = pointer_tokens("/a~1b/c~0d/");
  ASSERT_TRUE(t);
  EXPECT_EQ(*t, (std::vector<std::string>{"a/b", "c~d", ""}));
  EXPECT_FALSE(pointer_tokens("a/b"));
  EXPECT_FALSE(pointer_tokens("/a~2"));
  EXPECT_EQ(pointer_escape("a/b~c"), "a~1b~0c");
}

TEST(PercentDecode, RejectsMalformedEscapes) {
  EXPECT_EQ(percent_decode("with%20space"), "with space");
  EXPECT_FALSE(percent_decode("bad%2"));
  EXPECT_FALSE(percent_decode("bad%zz"));
}

TEST(Url, ParsesOriginsAndRejectsNonsense) {
  auto u = parse_url("HTTP://Example.COM:8080/api/v1/");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->origin(), "http://example.com:8080");
  EXPECT_EQ(u->path, "/api/v1");
  EXPECT_EQ(parse_url("https://[::1]/x")->origin(), "https://[::1]:443");
  std::string why;
  EXPECT_FALSE(parse_url("ftp://x", &why));
  EXPECT_FALSE(parse_url("http://user:pw@x/", &why));
  EXPECT_NE(why.find("credentials"), std::string::npos);
  EXPECT_FALSE(parse_url("http://x:99999"));
  EXPECT_FALSE(parse_url("localhost:8080"));
}

TEST(WithoutPrefix, DropsASchemeWrittenInAnyCase) {
  EXPECT_EQ(without_prefix("Bearer eyJ.a.b", "bearer "), "eyJ.a.b");
  EXPECT_EQ(without_prefix("BEARER x", "Bearer "), "x");
  EXPECT_EQ(without_prefix("eyJ.a.b", "Bearer "), "eyJ.a.b");
  EXPECT_EQ(without_prefix("Bear", "Bearer "), "Bear");
}

TEST(Utf8, ValidSequencesOnlyAndPercentDecodedTextStaysJsonSafe) {
  EXPECT_TRUE(valid_utf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));
  EXPECT_FALSE(valid_utf8("\x80"));              // a continuation byte alone
  EXPECT_FALSE(valid_utf8("caf\xC3"));           // cut short
  EXPECT_FALSE(valid_utf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(valid_utf8("\xED\xA0\x80"));      // a surrogate
  EXPECT_FALSE(valid_utf8("\xF4\x90\x80\x80"));  // beyond U+10FFFF
  EXPECT_EQ(percent_decoded_text("caf%C3%A9"), "caf\xC3\xA9");
  EXPECT_EQ(percent_decoded_text("%80"), "%80");
  EXPECT_EQ(percent_decoded_text("50%"), "50%");  // malformed escape
}

}  // namespace
}  // namespace authdiff
