#include <gtest/gtest.h>

#include "plan/discovery.hpp"
#include "test_helpers.hpp"

namespace authdiff::plan {
namespace {

const char* k_spec = R"({"openapi": "3.0.0", "info": {"title": "t", "version": "1"},
  "security": [{"b": []}],
  "components": {"securitySchemes": {"b": {"type": "http", "scheme": "bearer"}},
    "schemas": {"Employee": {"type": "object", "properties": {"id": {"type": "integer"}}}}},
  "paths": {
    "/me": {"get": {"responses": {"200": {"description": "me",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Employee"}}}}}}},
    "/employees/{employeeId}": {"get": {"parameters": [{"name": "employeeId", "in": "path",
        "required": true, "schema": {"type": "integer"}}], "responses": {"200": {"description": "e",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Employee"}}}}}}},
    "/orders": {"get": {"responses": {"200": {"description": "list", "content": {"application/json":
        {"schema": {"type": "object", "properties": {"items": {"type": "array", "items": {"type": "object"}}}}}}}}}},
    "/orders/{orderId}": {"get": {"parameters": [{"name": "orderId", "in": "path", "required": true,
        "schema": {"type": "integer"}}], "responses": {"200": {"description": "o"}}}},
    "/departments/{deptId}/members": {"get": {"parameters": [{"name": "deptId", "in": "path",
        "required": true, "schema": {"type": "integer"}}], "responses": {"200": {"description": "m"}}}}
  }})";

config::Identity identity(const std::string& name, int level) {
  config::Identity id;
  id.name = name;
  id.level = level;
  id.credentials.bearer = config::Secret("t");
  return id;
}

Response ok(const std::string& body) {
  Response r;
  r.status = 200;
  r.body = body;
  return r;
}

TEST(Discovery, LinksListItemsMeRecordsAndNamedMembersToTheirOwners) {
  const spec::Api api = test::api_from(k_spec);
  config::Config config;
  config.identities = {identity("alice", 1), identity("bob", 1), identity("admin", 10)};
  const Plan plan = make_plan(api, &config, {"http://127.0.0.1:1", false});
  const auto requests = discovery_requests(plan, Principals(config.identities));
  ASSERT_EQ(requests.size(), 6u);  // /me and /orders, for each identity
  std::vector<Response> responses;
  for (const auto& r : requests) {
    const std::string& who = r.identity;
    const bool me = plan.operations[r.operation].op->path == "/me";
    if (who == "alice")
      responses.push_back(ok(me ? R"({"id": 17, "departmentId": 2, "name": "Alice"})"
                                : R"({"items": [{"id": 101, "dishId": 7}, {"id": 102}]})"));
    if (who == "bob")
      responses.push_back(
          ok(me ? R"({"id": 42, "departmentId": 3})" : R"({"items": [{"id": 201}, {"id": 999}]})"));
    if (who == "admin")
      responses.push_back(
          ok(me ? R"({"id": 1, "departmentId": 2})" : R"({"items": [{"id": 5}, {"id": 999}]})"));
  }
  const Discovery d = discover_ids(plan, Principals(config.identities), requests, responses);
  std::set<std::string> owned;
  for (const auto& x : d.owned) owned.insert(x.identity + " " + x.parameter + "=" + x.value);
  EXPECT_EQ(owned, (std::set<std::string>{
                       "alice employeeId=17", "alice deptId=2", "alice orderId=101",
                       "alice orderId=102", "bob employeeId=42", "bob deptId=3", "bob orderId=201",
                       "bob orderId=999", "admin employeeId=1", "admin orderId=5"}));
  // 999 is in bob's list and in admin's: admin ranks higher, so it is bob's; for admin a lower
  // level saw it too, so it is not admin's. Department 2 likewise (alice's, not admin's).
  EXPECT_EQ(d.shared, 2u);
  Principals adopted(config.identities);
  adopt(adopted, d);
  // Owned IDs are kept per resource (the collection), not per parameter name.
  EXPECT_EQ(adopted.identities()[0].owns.at("/orders"), (std::vector<std::string>{"101", "102"}));
  EXPECT_EQ(adopted.identities()[0].owns.at("/departments"), (std::vector<std::string>{"2"}));
  EXPECT_EQ(adopted.identities()[0].user_id, "17");
}

TEST(Discovery, FollowsOpenApiLinks) {
  const spec::Api api =
      test::api_from(R"({"openapi": "3.0.0", "info": {"title": "t", "version": "1"},
    "security": [{"b": []}],
    "components": {"securitySchemes": {"b": {"type": "http", "scheme": "bearer"}}},
    "paths": {
      "/session": {"get": {"responses": {"200": {"description": "s",
          "links": {"Account": {"operationId": "getAccount",
                                "parameters": {"accountNo": "$response.body#/account/number"}}}}}}},
      "/accounts/{accountNo}": {"get": {"operationId": "getAccount", "parameters": [{"name":
          "accountNo", "in": "path", "required": true, "schema": {"type": "string"}}],
          "responses": {"200": {"description": "a"}}}}}})");
  config::Config config;
  config.identities = {identity("alice", 1), identity("bob", 1)};
  const Plan plan = make_plan(api, &config, {"http://127.0.0.1:1", false});
  const auto requests = discovery_requests(plan, Principals(config.identities));
  ASSERT_EQ(requests.size(), 2u);
  const std::vector<Response> responses = {ok(R"({"account": {"number": "AC-77"}})"),
                                           ok(R"({"account": {"number": "AC-88"}})")};
  const Discovery d = discover_ids(plan, Principals(config.identities), requests, responses);
  ASSERT_EQ(d.owned.size(), 2u);
  EXPECT_EQ(d.owned[0].parameter, "accountNo");
  EXPECT_EQ(d.owned[0].value, "AC-77");
  EXPECT_EQ(d.owned[0].identity, "alice");
  EXPECT_EQ(d.owned[0].source, "GET /session /account/number (link)");
}

}  // namespace
}  // namespace authdiff::plan
