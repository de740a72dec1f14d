#include <gtest/gtest.h>

#include "spec/model.hpp"
#include "spec/synth.hpp"
#include "test_helpers.hpp"

namespace authdiff::spec {
namespace {

using test::data_path;
using test::find_op;
using test::find_param;

TEST(Refs, FollowRelativeFilesAndTheirOwnRelativeRefs) {
  auto api = load_api(data_path("specs/refs/root.yaml"));
  ASSERT_TRUE(api.ok()) << api.error().to_string();
  EXPECT_EQ(api->workspace->document_count(), 3u);  // root, common, people/person
  const Operation* op = find_op(*api, "GET /pets/{petId}");
  ASSERT_NE(op, nullptr);
  const Parameter* pet_id = find_param(*op, "petId");
  ASSERT_NE(pet_id, nullptr);  // path-level parameter from common.yaml
  EXPECT_TRUE(pet_id->is_id());
  EXPECT_EQ(pet_id->example.value, 1);  // minimum: 1
  ASSERT_TRUE(op->response_schema);
  const Node pet = api->workspace->deref(op->response_schema);
  EXPECT_TRUE(pet->contains("properties"));
}

TEST(Refs, RecursiveSchemasAreLegalAndSynthesisStops) {
  auto api = load_api(data_path("specs/refs/root.yaml"));
  ASSERT_TRUE(api.ok()) << api.error().to_string();
  const Operation* op = find_op(*api, "GET /pets/{petId}");
  // Pet -> children[Pet] and Pet -> owner(Person) -> best_friend(Pet) across files.
  const Example e = synthesize(*api->workspace, op->response_schema);
  ASSERT_TRUE(e.value.is_object());
  EXPECT_EQ(e.value["id"], 42);
  EXPECT_TRUE(e.value["owner"].is_object());
  EXPECT_EQ(e.value["owner"]["email"], "user@example.com");
  EXPECT_FALSE(e.value["owner"].contains("best_friend"));  // would repeat Pet: stopped there
  EXPECT_LT(e.value.dump().size(), 2000u);
}

TEST(Refs, EscapedAndPercentEncodedPointers) {
  auto api = load_api(data_path("specs/refs/root.yaml"));
  ASSERT_TRUE(api.ok()) << api.error().to_string();
  const Operation* op = find_op(*api, "GET /odd");
  ASSERT_NE(find_param(*op, "slashy"), nullptr);
  EXPECT_EQ(find_param(*op, "slashy")->example.value, "escaped");
  ASSERT_NE(find_param(*op, "spaced"), nullptr);
  EXPECT_EQ(find_param(*op, "spaced")->example.value, 5);
}

TEST(Refs, DanglingRefNamesFileAndPointer) {
  auto api = load_api(data_path("specs/broken/dangling.yaml"));
  ASSERT_FALSE(api.ok());
  const std::string msg = api.error().to_string();
  EXPECT_NE(msg.find("dangling.yaml"), std::string::npos) << msg;
  EXPECT_NE(msg.find("#/components/schemas/Missing"), std::string::npos) << msg;
  EXPECT_NE(msg.find("/paths/~1a/get/responses/200/content/application~1json/schema"),
            std::string::npos)
      << msg;
}

TEST(Refs, CycleOfRefsOnlyIsAnError) {
  auto api = load_api(data_path("specs/broken/cycle.yaml"));
  ASSERT_FALSE(api.ok());
  EXPECT_NE(api.error().message.find("cycle"), std::string::npos) << api.error().to_string();
}

TEST(Refs, MissingFileIsAnErrorNamingIt) {
  auto api = load_api(data_path("specs/broken/missing-file.yaml"));
  ASSERT_FALSE(api.ok());
  EXPECT_NE(api.error().message.find("nowhere.yaml"), std::string::npos);
}

TEST(Refs, RemoteRefsAreRefusedClearly) {
  auto ws = Workspace::from_json(
      nlohmann::json::parse(
          R"({"openapi":"3.0.0","paths":{},"components":{"schemas":{"A":{"$ref":"https://example.com/a.json#/B"}}}})"),
      "remote.json");
  ASSERT_FALSE(ws.ok());
  EXPECT_NE(ws.error().message.find("remote document"), std::string::npos);
}

TEST(Refs, LiteralDataThatLooksLikeARefIsNotFollowed) {
  auto ws = Workspace::from_json(nlohmann::json::parse(R"({
    "openapi": "3.1.0", "paths": {},
    "components": {"schemas": {"A": {
      "type": "object",
      "example": {"$ref": "#/not/a/ref"},
      "properties": {"$ref": {"type": "string"}},
      "x-vendor": {"$ref": "#/nowhere"}
    }}}})"),
                                 "literal.json");
  EXPECT_TRUE(ws.ok()) << (ws.ok() ? "" : ws.error().to_string());
}

}  // namespace
}  // namespace authdiff::spec
