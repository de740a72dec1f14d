#include <gtest/gtest.h>

#include "spec/model.hpp"
#include "test_helpers.hpp"

namespace authdiff::spec {
namespace {

using test::api_from;
using test::find_op;
using test::find_param;

const char* k_security_spec = R"({
  "openapi": "3.0.3",
  "info": {"title": "Security", "version": "1"},
  "security": [{"bearer": []}],
  "paths": {
    "/inherits": {"get": {"responses": {"200": {"description": "ok"}}}},
    "/public": {"get": {"security": [], "responses": {"200": {"description": "ok"}}}},
    "/optional": {"get": {"security": [{"bearer": []}, {}], "responses": {"200": {"description": "ok"}}}},
    "/both": {"get": {"security": [{"key": [], "session": []}], "responses": {"200": {"description": "ok"}}}},
    "/scoped": {"get": {"security": [{"oauth": ["orders:read"]}, {"oidc": ["admin"]}],
                        "responses": {"200": {"description": "ok"}}}},
    "/basic": {"get": {"security": [{"basic": []}, {"query_key": []}, {"mtls": []}],
                       "responses": {"200": {"description": "ok"}}}},
    "/undeclared": {"get": {"security": [{"nope": []}], "responses": {"200": {"description": "ok"}}}}
  },
  "components": {"securitySchemes": {
    "bearer": {"type": "http", "scheme": "Bearer", "bearerFormat": "JWT"},
    "basic": {"type": "http", "scheme": "basic"},
    "key": {"type": "apiKey", "in": "header", "name": "X-Api-Key"},
    "query_key": {"type": "apiKey", "in": "query", "name": "api_key"},
    "session": {"type": "apiKey", "in": "cookie", "name": "SESSION"},
    "oauth": {"type": "oauth2", "flows": {
      "authorizationCode": {"authorizationUrl": "https://x/a", "tokenUrl": "https://x/t",
                            "scopes": {"orders:read": "", "orders:write": ""}},
      "clientCredentials": {"tokenUrl": "https://x/t", "scopes": {"admin": ""}}}},
    "oidc": {"type": "openIdConnect", "openIdConnectUrl": "https://x/.well-known/openid-configuration"},
    "mtls": {"type": "mutualTLS"}
  }}
})";

TEST(Security, GlobalRequirementIsInherited) {
  const Api api = api_from(k_security_spec);
  const Operation* op = find_op(api, "GET /inherits");
  EXPECT_EQ(op->security.source, Security::Source::global);
  ASSERT_EQ(op->security.alternatives.size(), 1u);
  EXPECT_EQ(op->security.alternatives[0][0].scheme, "bearer");
  EXPECT_FALSE(op->security.allows_anonymous());
}

TEST(Security, EmptyListMeansPublic) {
  const Api api = api_from(k_security_spec);
  const Operation* op = find_op(api, "GET /public");
  EXPECT_EQ(op->security.source, Security::Source::operation);
  EXPECT_TRUE(op->security.is_public());
}

TEST(Security, EmptyObjectInTheListMeansOptional) {
  const Api api = api_from(k_security_spec);
  const Operation* op = find_op(api, "GET /optional");
  EXPECT_FALSE(op->security.is_public());
  EXPECT_TRUE(op->security.is_optional());
  EXPECT_TRUE(op->security.allows_anonymous());
}

TEST(Security, SchemesInOneRequirementAreNeededTogether) {
  const Api api = api_from(k_security_spec);
  const Operation* op = find_op(api, "GET /both");
  ASSERT_EQ(op->security.alternatives.size(), 1u);
  EXPECT_EQ(op->security.alternatives[0].size(), 2u);
}

TEST(Security, EveryKindOfSchemeIsModelled) {
  const Api api = api_from(k_security_spec);
  EXPECT_EQ(api.schemes.at("bearer").kind, SchemeKind::http_bearer);  // "Bearer" any case
  EXPECT_EQ(api.schemes.at("basic").kind, SchemeKind::http_basic);
  EXPECT_EQ(api.schemes.at("key").kind, SchemeKind::api_key);
  EXPECT_EQ(api.schemes.at("key").location, "header");
  EXPECT_EQ(api.schemes.at("key").param_name, "X-Api-Key");
  EXPECT_EQ(api.schemes.at("query_key").location, "query");
  EXPECT_EQ(api.schemes.at("session").location, "cookie");
  EXPECT_EQ(api.schemes.at("oauth").kind, SchemeKind::oauth2);
  EXPECT_EQ(api.schemes.at("oauth").scopes,
            (std::vector<std::string>{"admin", "orders:read", "orders:write"}));
  EXPECT_EQ(api.schemes.at("oidc").kind, SchemeKind::open_id_connect);
  EXPECT_EQ(api.schemes.at("mtls").kind, SchemeKind::mutual_tls);
  const Operation* op = find_op(api, "GET /scoped");
  EXPECT_EQ(op->security.alternatives[0][0].scopes, std::vector<std::string>{"orders:read"});
}

TEST(Security, UndeclaredSchemeIsAWarning) {
  const Api api = api_from(k_security_spec);
  bool warned = false;
  for (const auto& w : api.warnings) warned = warned || w.find("\"nope\"") != std::string::npos;
  EXPECT_TRUE(warned);
}

TEST(Security, NoSecurityAnywhereHasSourceNone) {
  const Api api = api_from(R"({"openapi": "3.0.0", "info": {"title": "t", "version": "1"},
    "paths": {"/x": {"get": {"responses": {"200": {"description": "ok"}}}}}})");
  EXPECT_EQ(find_op(api, "GET /x")->security.source, Security::Source::none);
}

TEST(Parameters, OperationLevelWinsByNameAndLocation) {
  const Api api = api_from(R"({
    "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
    "paths": {"/orders/{orderId}": {
      "parameters": [
        {"name": "orderId", "in": "path", "required": true, "schema": {"type": "string"}},
        {"name": "verbose", "in": "query", "schema": {"type": "boolean"}},
        {"name": "verbose", "in": "header", "schema": {"type": "string"}}
      ],
      "get": {
        "parameters": [{"name": "verbose", "in": "query", "required": true,
                        "schema": {"type": "integer", "example": 7}}],
        "responses": {"200": {"description": "ok"}}},
      "delete": {"responses": {"204": {"description": "gone"}}}
    }}})");
  const Operation* get = find_op(api, "GET /orders/{orderId}");
  ASSERT_EQ(get->parameters.size(), 3u);
  int queries = 0;
  for (const auto& p : get->parameters) {
    if (p.name == "verbose" && p.in == "query") {
      ++queries;
      EXPECT_TRUE(p.required);
      EXPECT_EQ(p.example.value, 7);
    }
  }
  EXPECT_EQ(queries, 1);
  const Operation* del = find_op(api, "DELETE /orders/{orderId}");
  EXPECT_EQ(del->parameters.size(), 3u);  // inherits the path-level ones unchanged
  EXPECT_TRUE(del->is_unsafe());
}

TEST(Parameters, UndeclaredPathParameterIsAddedWithAWarning) {
  const Api api = api_from(R"({"openapi": "3.0.0", "info": {"title": "t", "version": "1"},
    "paths": {"/users/{userId}": {"get": {"responses": {"200": {"description": "ok"}}}}}})");
  const Operation* op = find_op(api, "GET /users/{userId}");
  ASSERT_NE(find_param(*op, "userId"), nullptr);
  EXPECT_TRUE(find_param(*op, "userId")->is_id());
  EXPECT_FALSE(api.warnings.empty());
}

// Found by fuzz_spec_yaml: "@other/x" or ".example" appended to the base URL names another
// host or port, so such a path is skipped with a warning, never turned into a request.
TEST(Paths, APathThatDoesNotStartWithASlashIsSkippedWithAWarning) {
  const Api api = api_from(R"({"openapi": "3.0.0", "info": {"title": "t", "version": "1"},
    "paths": {"@other.invalid/x": {"get": {"responses": {"200": {"description": "ok"}}}},
              ".records": {"get": {"responses": {"200": {"description": "ok"}}}},
              "/kept": {"get": {"responses": {"200": {"description": "ok"}}}}}})");
  ASSERT_EQ(api.operations.size(), 1u);
  EXPECT_EQ(api.operations[0].path, "/kept");
  ASSERT_EQ(api.warnings.size(), 2u);
  EXPECT_NE(api.warnings[0].find("does not start with \"/\""), std::string::npos);
}

TEST(Swagger2, BasePathSchemesBodyAndFormData) {
  const Api api = api_from(R"({
    "swagger": "2.0", "info": {"title": "t", "version": "1"},
    "host": "api.example.com", "basePath": "/v2", "schemes": ["http", "https"],
    "securityDefinitions": {
      "key": {"type": "apiKey", "in": "header", "name": "api_key"},
      "basic": {"type": "basic"},
      "oauth": {"type": "oauth2", "flow": "implicit", "authorizationUrl": "https://x",
                "scopes": {"write:pets": "", "read:pets": ""}}},
    "security": [{"key": []}],
    "paths": {
      "/pet": {"post": {"consumes": ["application/json"],
        "parameters": [{"in": "body", "name": "body", "required": true,
                        "schema": {"type": "object", "properties": {"name": {"type": "string", "example": "doggie"}}}}],
        "responses": {"200": {"description": "ok"}}}},
      "/pet/{petId}": {"post": {"consumes": ["application/x-www-form-urlencoded"],
        "parameters": [
          {"name": "petId", "in": "path", "required": true, "type": "integer", "format": "int64"},
          {"name": "name", "in": "formData", "type": "string", "x-example": "rex"},
          {"name": "status", "in": "formData", "type": "string", "enum": ["sold", "available"]}],
        "responses": {"200": {"description": "ok"}}}},
      "/pets": {"get": {"security": [{"oauth": ["read:pets"]}],
        "parameters": [{"name": "limit", "in": "query", "type": "integer", "maximum": 100}],
        "responses": {"200": {"description": "ok", "schema": {"type": "array", "items": {"type": "object"}}}}}}
    }})");
  EXPECT_EQ(api.openapi, "2.0");
  ASSERT_EQ(api.servers.size(), 1u);
  EXPECT_EQ(api.servers[0], "https://api.example.com/v2");
  EXPECT_EQ(api.schemes.at("basic").kind, SchemeKind::http_basic);
  EXPECT_EQ(api.schemes.at("oauth").scopes, (std::vector<std::string>{"read:pets", "write:pets"}));
  const Operation* create = find_op(api, "POST /pet");
  ASSERT_TRUE(create->body);
  EXPECT_EQ(create->body->content_type, "application/json");
  EXPECT_EQ(create->body->example.value["name"], "doggie");
  const Operation* form = find_op(api, "POST /pet/{petId}");
  ASSERT_TRUE(form->body);
  EXPECT_EQ(form->body->content_type, "application/x-www-form-urlencoded");
  EXPECT_EQ(form->body->example.value["name"], "rex");
  EXPECT_EQ(form->body->example.value["status"], "sold");
  EXPECT_EQ(find_param(*form, "petId")->example.value, 1);
  const Operation* list = find_op(api, "GET /pets");
  EXPECT_TRUE(list->is_list);
  ASSERT_TRUE(find_param(*list, "limit")->is_page_size());
  EXPECT_EQ(find_param(*list, "limit")->maximum, 100.0);
}

TEST(Servers, VariablesTakeTheirDefaults) {
  const Api api = api_from(R"({"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
    "servers": [{"url": "https://{region}.api.example.com/{base}",
                 "variables": {"region": {"default": "eu"}, "base": {"default": "v3"}}}],
    "paths": {}})");
  ASSERT_EQ(api.servers.size(), 1u);
  EXPECT_EQ(api.servers[0], "https://eu.api.example.com/v3");
}

TEST(Responses, ListsAreFoundInArraysAndEnvelopes) {
  const Api api = api_from(R"({"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
    "paths": {
      "/a": {"get": {"responses": {"200": {"description": "", "content": {"application/json":
        {"schema": {"type": "array", "items": {"type": "object"}}}}}}}},
      "/b": {"get": {"responses": {"200": {"description": "", "content": {"application/json":
        {"schema": {"type": "object", "properties": {"total": {"type": "integer"},
                    "items": {"type": "array", "items": {}}}}}}}}}},
      "/c": {"get": {"responses": {"200": {"description": "", "content": {"application/json":
        {"schema": {"type": "object", "properties": {"code": {"type": "integer"},
          "data": {"type": "object", "properties": {"list": {"type": "array", "items": {}}}}}}}}}}}},
      "/d": {"get": {"responses": {"200": {"description": "", "content": {"application/json":
        {"schema": {"type": "object", "properties": {"name": {"type": "string"}}}}}}}}},
      "/e": {"get": {"responses": {"201": {"description": "", "content": {"application/vnd.api+json":
        {"schema": {"allOf": [{"type": "object", "properties": {"results": {"type": "array", "items": {}}}}]}}}}}}}
    }})");
  EXPECT_TRUE(find_op(api, "GET /a")->is_list);
  EXPECT_EQ(find_op(api, "GET /a")->list_pointer, "");
  EXPECT_EQ(find_op(api, "GET /b")->list_pointer, "/items");
  EXPECT_EQ(find_op(api, "GET /c")->list_pointer, "/data/list");
  EXPECT_FALSE(find_op(api, "GET /d")->is_list);
  EXPECT_EQ(find_op(api, "GET /e")->list_pointer, "/results");
}

TEST(Classify, IdAndPageSizeParameters) {
  const Api api = api_from(R"({"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
    "paths": {"/repos/{owner}/{repo}/issues/{issue_number}/{version}": {"get": {
      "parameters": [
        {"name": "owner", "in": "path", "required": true, "schema": {"type": "string"}},
        {"name": "repo", "in": "path", "required": true, "schema": {"type": "string"}},
        {"name": "issue_number", "in": "path", "required": true, "schema": {"type": "integer"}},
        {"name": "version", "in": "path", "required": true, "schema": {"type": "string"}},
        {"name": "tenantId", "in": "header", "schema": {"type": "string"}},
        {"name": "paid", "in": "query", "schema": {"type": "boolean"}},
        {"name": "per_page", "in": "query", "schema": {"type": "integer", "maximum": 100}},
        {"name": "page[size]", "in": "query", "schema": {"type": "integer"}},
        {"name": "limit", "in": "query", "schema": {"type": "string", "enum": ["a"]}},
        {"name": "page", "in": "query", "schema": {"type": "integer"}}
      ],
      "responses": {"200": {"description": "ok"}}}}}})");
  const Operation* op = api.operations.data();
  EXPECT_TRUE(find_param(*op, "owner")->is_id());
  EXPECT_EQ(find_param(*op, "issue_number")->id_reason, "integer path parameter");
  EXPECT_FALSE(find_param(*op, "version")->is_id());
  EXPECT_TRUE(find_param(*op, "tenantId")->is_id());
  EXPECT_FALSE(find_param(*op, "paid")->is_id());
  EXPECT_TRUE(find_param(*op, "per_page")->is_page_size());
  EXPECT_EQ(find_param(*op, "per_page")->maximum, 100.0);
  EXPECT_TRUE(find_param(*op, "page[size]")->is_page_size());
  EXPECT_FALSE(find_param(*op, "limit")->is_page_size());  // a string enum is not a count
  EXPECT_FALSE(find_param(*op, "page")->is_page_size());   // a page number, not a size
}

TEST(Documents, NotOpenApiIsAClearError) {
  auto api = load_api(test::data_path("specs/broken/not-openapi.yaml"));
  ASSERT_FALSE(api.ok());
  EXPECT_NE(api.error().message.find("no `openapi` or `swagger` field"), std::string::npos);
  auto v4 =
      build_api(Workspace::from_json(nlohmann::json{{"openapi", "4.0.0"}}, "v4.json").value());
  ASSERT_FALSE(v4.ok());
  EXPECT_NE(v4.error().message.find("unsupported OpenAPI version"), std::string::npos);
}

TEST(Documents, OddShapesAreWarningsNotCrashes) {
  const Api api = api_from(R"({"openapi": "3.0.0", "info": "not an object",
    "security": "nope",
    "paths": {"/a": "not an object", "/b": {"get": [], "parameters": 5,
              "post": {"parameters": [3, {"in": "query"}], "requestBody": {"content": []},
                       "responses": []}}}})");
  EXPECT_EQ(api.operations.size(), 1u);
  EXPECT_GE(api.warnings.size(), 3u);
}

}  // namespace
}  // namespace authdiff::spec
