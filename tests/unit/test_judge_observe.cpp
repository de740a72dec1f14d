#include <deque>
#include <limits>
#include <set>

#include <gtest/gtest.h>

#include "judge/detect.hpp"
#include "judge/observe.hpp"
#include "util/json_items.hpp"

namespace authdiff::judge {
namespace {

// Kept for the whole test run: an observation of a large answer reads its body again.
const plan::Response& response(long status, std::string body, bool truncated = false) {
  static std::deque<plan::Response> kept;
  plan::Response& r = kept.emplace_back();
  r.status = status;
  r.body_bytes = body.size();
  r.body = std::move(body);
  r.truncated = truncated;
  r.attempts = 1;
  return r;
}

TEST(CountItems, AtAPointerAnywhereAndInTruncatedText) {
  EXPECT_EQ(count_json_items(R"([1, 2, 3])", ""), 3u);
  EXPECT_EQ(count_json_items(R"({"data": {"list": [{"a": [1, 2]}, {"b": "x,y"}], "total": 2}})",
                             "/data/list"),
            2u);
  EXPECT_EQ(count_json_items(R"({"items": []})", "/items"), 0u);
  EXPECT_EQ(count_json_items(R"({"a": [1], "b": [1, 2, 3, 4]})", std::nullopt), 4u);
  EXPECT_EQ(count_json_items(R"({"items": [{"s": "[[["}, {"t": "]\"]"}, 3)", "/items"),
            3u);  // cut off
  EXPECT_EQ(count_json_items(R"({"other": [1]})", "/items"), std::nullopt);
}

TEST(CountItems, StreamedInAnyPiecesCountsLikeTheWholeText) {
  const std::string text = R"({"meta": {"a": [1, 2]}, "items": [{"s": "x\"]"}, [3, 4], "y", 5]})";
  for (std::size_t piece = 1; piece <= text.size(); ++piece) {
    JsonItemCounter c(std::string("/items"));
    for (std::size_t i = 0; i < text.size(); i += piece)
      c.feed(std::string_view(text).substr(i, piece));
    EXPECT_EQ(c.result(), 4u) << "pieces of " << piece;
  }
}

TEST(CountItems, MemoryStaysBoundedWhateverTheInput) {
  JsonItemCounter deep(std::nullopt);
  deep.feed(std::string(1 << 20, '['));  // a million open arrays: tracked only to a depth
  EXPECT_TRUE(deep.inside_container());
  deep.feed(std::string(1 << 20, ']'));
  EXPECT_FALSE(deep.inside_container());
  JsonItemCounter blanks(std::string(""));
  blanks.feed(std::string(1 << 16, ' '));
  EXPECT_FALSE(blanks.inside_container());  // the sender stops reading such a body at the cap
  EXPECT_EQ(blanks.result(), std::nullopt);
}

std::vector<Leaf> leaves_of(const Observation& o) {
  std::vector<Leaf> out;
  o.each_leaf([&](const Leaf& leaf) {
    out.push_back(leaf);
    return true;
  });
  return out;
}

// Answers of at least `bytes` are read in parts while it lives.
class PartsFrom {
 public:
  explicit PartsFrom(std::size_t bytes) { set_streaming_threshold(bytes); }
  ~PartsFrom() { set_streaming_threshold(m_was); }
  PartsFrom(const PartsFrom&) = delete;
  PartsFrom& operator=(const PartsFrom&) = delete;

 private:
  std::size_t m_was = streaming_threshold();
};

std::set<std::string> pointers_of(const std::vector<Leaf>& leaves) {
  std::set<std::string> out;
  for (const auto& l : leaves) out.insert(l.pointer + "=" + l.value);
  return out;
}

TEST(Observe, FlattensJsonAndCountsTheList) {
  const auto o = observe(
      response(200, R"({"code": 0, "data": {"list": [{"id": 10081, "dish": "宫保鸡丁"}]}})"),
      std::string("/data/list"));
  EXPECT_TRUE(o.json);
  EXPECT_TRUE(o.error_like.empty());
  EXPECT_EQ(o.items, 1u);
  EXPECT_EQ(pointers_of(leaves_of(o)), (std::set<std::string>{"/code=0", "/data/list/0/id=10081",
                                                              "/data/list/0/dish=宫保鸡丁"}));
}

TEST(Observe, ALargeAnswerReadInPartsHasTheSameLeavesItemsHashAndDetections) {
  const auto& body = response(200, R"({"code": 0, "total": 3, "data": {"list": [
      {"id": 10081, "owner": {"name": "alice"}, "phone": "13812345678", "tags": ["a", "b"]},
      {"id": 10082, "owner": {"name": "bob"}, "phone": "13912345678", "tags": []},
      [1, [2, 3]], "x"], "pages": [{"n": 1}]}})");
  const auto whole = [&] {
    const PartsFrom never(std::numeric_limits<std::size_t>::max());
    return observe(body, std::string("/data/list"));
  }();
  const PartsFrom always(0);
  const auto parts = observe(body, std::string("/data/list"));
  ASSERT_FALSE(whole.streamed);
  ASSERT_TRUE(parts.streamed);
  EXPECT_EQ(parts.items, whole.items);
  EXPECT_EQ(parts.doc["data"]["list"], nlohmann::json::array());  // the elements are not kept
  EXPECT_EQ(parts.doc["total"], 3);
  EXPECT_EQ(pointers_of(leaves_of(parts)), pointers_of(leaves_of(whole)));
  EXPECT_EQ(leaves_of(parts).size(), leaves_of(whole).size());
  // Items of the list, and of a list inside one of its items.
  for (const std::string pointer : {"/data/list", "/data/list/0/tags", "/data/list/2",
                                    "/data/list/2/1", "/data/pages", "/data/none", ""}) {
    std::vector<std::string> a, b;
    const bool found_a = whole.each_item(pointer, [&](std::size_t i, const nlohmann::json& v) {
      a.push_back(std::to_string(i) + v.dump());
    });
    const bool found_b = parts.each_item(pointer, [&](std::size_t i, const nlohmann::json& v) {
      b.push_back(std::to_string(i) + v.dump());
    });
    EXPECT_EQ(found_a, found_b) << pointer;
    EXPECT_EQ(a, b) << pointer;
  }
  // Two reads of the same answer hash alike; another answer does not.
  EXPECT_EQ(parts.whole_hash(), observe(body, std::string("/data/list")).whole_hash());
  const auto& other = response(200, R"({"code": 0, "data": {"list": [{"id": 1}]}})");
  EXPECT_NE(parts.whole_hash(), observe(other, std::nullopt).whole_hash());
  auto slim = parts;
  slim.slim();
  EXPECT_EQ(slim.whole_hash(), parts.whole_hash());
  EXPECT_TRUE(leaves_of(slim).empty());
  // The detectors find the same things where they are.
  const auto found = [](const std::vector<Detection>& ds) {
    std::set<std::string> out;
    for (const auto& d : ds) out.insert(d.data_class + " " + d.pointer);
    return out;
  };
  const Detectors detectors;
  EXPECT_EQ(found(detectors.scan(parts)), found(detectors.scan(whole.doc)));
  EXPECT_EQ(found(detectors.scan(parts)).size(), 2u);

  // An address beside a password is a credential's, also when it is in an array read in parts.
  const auto& credential = response(
      200, R"({"db": {"password": "S3cr3t!pw9", "hosts": ["10.20.30.40"]}, "list": [1, 2]})");
  const auto whole_credential = [&] {
    const PartsFrom never(std::numeric_limits<std::size_t>::max());
    return observe(credential, std::nullopt);
  }();
  const auto in_parts = observe(credential, std::nullopt);
  ASSERT_TRUE(in_parts.streamed);
  EXPECT_EQ(found(detectors.scan(in_parts)), found(detectors.scan(whole_credential.doc)));
  EXPECT_TRUE(found(detectors.scan(in_parts)).contains("ip-with-credential /db/hosts/0"))
      << testing::PrintToString(found(detectors.scan(in_parts)));
}

TEST(Observe, ALargeAnswerThatTurnsOutNotToBeJsonShowsNoLeaves) {
  const PartsFrom always(0);
  for (const char* text : {R"({"list": [{"id": 10081}, {"id": NaN}]})",
                           R"({"list": [{"id": 10081}]} trailing)", R"([{"id": 10081}][1])"}) {
    const auto& body = response(200, text);
    std::size_t leaves = 0;
    const auto o = observe(body, std::nullopt, [&](const Leaf&) { return ++leaves > 0; });
    EXPECT_FALSE(o.json) << text;
    EXPECT_EQ(leaves, 0u) << text;
    EXPECT_TRUE(leaves_of(o).empty()) << text;
  }
}

TEST(Observe, ErrorLooking200s) {
  for (const char* body : {R"({"code": 401, "msg": "请先登录"})", R"({"code": "403"})",
                           R"({"success": false, "data": null})", R"({"error": "forbidden"})",
                           R"({"errcode": 40001})", R"({"status": "error"})"}) {
    EXPECT_FALSE(observe(response(200, body), std::nullopt).error_like.empty()) << body;
  }
  for (const char* body :
       {R"({"code": 0, "data": {}})", R"({"code": 200})", R"({"status": "active"})",
        R"({"error": null, "data": 1})", R"([1, 2])"}) {
    EXPECT_TRUE(observe(response(200, body), std::nullopt).error_like.empty()) << body;
  }
}

TEST(Observe, HostileBodiesDoNotCrash) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const auto o = observe(response(200, deep), std::nullopt);
  EXPECT_FALSE(o.json);  // too deep to parse as JSON; judged as text
  const auto bad =
      observe(response(200, std::string("{\"a\": \"\xff\xfe\", \"b\": \0 }", 20)), std::nullopt);
  EXPECT_FALSE(bad.json);
  const auto cut = observe(response(200, R"({"items": [1, 2)", true), std::string("/items"));
  EXPECT_FALSE(cut.json);
  EXPECT_EQ(cut.items, 2u);
}

TEST(Observe, VisitingLeavesGivesPointersInDocumentOrderAndHashesTellDocumentsApart) {
  const PartsFrom never(std::numeric_limits<std::size_t>::max());  // order is the document's
  const auto o = observe(
      response(200, R"({"data": {"list": [{"id": 1001, "phone": "13812345678"}, {"a/b": "x~y"}]},
                        "ok": true, "n": null, "ratio": 0.5})"),
      std::nullopt);
  std::vector<Leaf> visited;
  for_each_leaf(o.doc, [&](const std::string& pointer, const std::string& value, bool is_string) {
    visited.push_back({pointer, value, is_string});
  });
  const auto leaves = leaves_of(o);
  ASSERT_EQ(visited.size(), 4u);
  ASSERT_EQ(leaves.size(), 4u);
  for (std::size_t i = 0; i < visited.size(); ++i) {
    EXPECT_EQ(visited[i].pointer, leaves[i].pointer);
    EXPECT_EQ(visited[i].value, leaves[i].value);
    EXPECT_EQ(visited[i].is_string, leaves[i].is_string);
  }
  EXPECT_EQ(visited[0].pointer, "/data/list/0/id");
  EXPECT_EQ(visited[2].pointer, "/data/list/1/a~1b");
  EXPECT_EQ(visited[3].value, "0.5");
  int seen = 0;
  o.each_leaf([&](const Leaf&) { return ++seen < 2; });  // false stops
  EXPECT_EQ(seen, 2);

  using nlohmann::json;
  const auto h = [](const char* text) { return document_hash(json::parse(text)); };
  EXPECT_EQ(h(R"({"a": [1, "x"], "b": null})"), h(R"({"b": null, "a": [1, "x"]})"));
  EXPECT_NE(h(R"(["ab", "c"])"), h(R"(["a", "bc"])"));
  EXPECT_NE(h(R"({"a": "1"})"), h(R"({"a": 1})"));
  EXPECT_NE(h(R"({"a": []})"), h(R"({"a": {}})"));
  EXPECT_NE(h(R"([[1], 2])"), h(R"([[1, 2]])"));
  // A slimmed answer keeps the hash of what it was.
  auto slim = o;
  const auto whole = slim.whole_hash();
  slim.slim();
  EXPECT_EQ(slim.whole_hash(), whole);
}

TEST(Distinctive, SpecificValuesOnly) {
  EXPECT_TRUE(distinctive({"", "zhangwei", true}));
  EXPECT_TRUE(distinctive({"", "张伟", true}));
  EXPECT_TRUE(distinctive({"", "10206", false}));
  EXPECT_TRUE(distinctive({"", "25.46", false}));
  EXPECT_FALSE(distinctive({"", "ok", true}));
  EXPECT_FALSE(distinctive({"", "----", true}));
  EXPECT_FALSE(distinctive({"", "42", false}));
}

TEST(Mask, HidesMostOfTheValue) {
  EXPECT_EQ(mask("13812344702"), "138*****702");
  EXPECT_EQ(mask("610113200108248700"), "610************700");
  EXPECT_EQ(mask("abc"), "***");
  EXPECT_EQ(mask("张伟"), "**");
  EXPECT_EQ(mask("一楼大厅餐厅"), "一楼**餐厅");
}

TEST(Volatile, LeavesThatChangeBetweenCopies) {
  const auto a =
      observe(response(200, R"({"id": 1, "at": "10:00:01", "nonce": "x1"})"), std::nullopt);
  const auto b = observe(response(200, R"({"id": 1, "at": "10:00:02"})"), std::nullopt);
  const auto v = volatile_pointers(a, b);
  EXPECT_TRUE(v.contains("/at"));
  EXPECT_TRUE(v.contains("/nonce"));
  EXPECT_FALSE(v.contains("/id"));
}

}  // namespace
}  // namespace authdiff::judge
