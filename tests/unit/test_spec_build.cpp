#include <gtest/gtest.h>

#include <algorithm>

#include "judge/check.hpp"
#include "judge/findings.hpp"
#include "plan/plan.hpp"
#include "plan/principals.hpp"
#include "spec/classify.hpp"
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

bool has_warning(const Api& api, const std::string& text) {
  for (const auto& w : api.warnings) {
    if (w.find(text) != std::string::npos) return true;
  }
  return false;
}

// OpenAPI 3.1 lists types (`type: [string, "null"]`); 3.0 says `type: string, nullable: true`.
// The list is read in the 3.0 form where schema keywords can be, and nowhere else.
TEST(OpenApi31, TypeListsAreReadAsOneTypeAndNullable) {
  auto ws = Workspace::from_json(nlohmann::json::parse(R"({
    "openapi": "3.1.0", "info": {"title": "t", "version": "1"},
    "paths": {"/a": {"get": {
      "security": [{"type": ["string"]}],
      "responses": {"200": {"description": "ok",
        "links": {"next": {"operationId": "x", "parameters": {"type": ["integer", "null"]}}},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}}}}}},
    "components": {"securitySchemes": {"type": {"type": "apiKey", "in": "header", "name": "T"}},
      "schemas": {"A": {
        "type": ["object", "null"],
        "properties": {
          "type": {"type": ["null", "string"]},
          "both": {"type": ["integer", "string"]},
          "only_null": {"type": ["null"]},
          "set": {"type": ["string", "null"], "nullable": false},
          "bad": {"type": ["text"]},
          "literal": {"type": "object", "example": {"type": ["string", "null"]},
                      "default": {"type": ["string", "null"]}, "enum": [{"type": ["null"]}],
                      "examples": [{"type": ["string", "null"]}],
                      "x-note": {"type": ["string", "null"]}}}}}}})"),
                                 "t.json");
  ASSERT_TRUE(ws.ok()) << ws.error().to_string();
  const nlohmann::json& root = *(*ws)->root();
  const nlohmann::json& a = root["components"]["schemas"]["A"];
  EXPECT_EQ(a["type"], "object");
  EXPECT_EQ(a["nullable"], true);
  const nlohmann::json& props = a["properties"];
  EXPECT_EQ(props["type"]["type"], "string");  // a property called `type` is a schema
  EXPECT_EQ(props["type"]["nullable"], true);
  EXPECT_EQ(props["both"]["type"], "integer");
  EXPECT_FALSE(props["both"].contains("nullable"));
  EXPECT_EQ(props["only_null"]["type"], "null");
  EXPECT_EQ(props["set"]["nullable"], false);                        // the author's own word stays
  EXPECT_EQ(props["bad"]["type"], nlohmann::json::array({"text"}));  // not type names: untouched
  // Literal values, security requirements and link parameters are not schemas.
  const nlohmann::json& literal = props["literal"];
  for (const char* key : {"example", "default"}) {
    EXPECT_EQ(literal[key]["type"], nlohmann::json::array({"string", "null"})) << key;
  }
  EXPECT_EQ(literal["enum"][0]["type"], nlohmann::json::array({"null"}));
  EXPECT_EQ(literal["examples"][0]["type"], nlohmann::json::array({"string", "null"}));
  EXPECT_EQ(literal["x-note"]["type"], nlohmann::json::array({"string", "null"}));
  const nlohmann::json& get = root["paths"]["/a"]["get"];
  EXPECT_EQ(get["security"][0]["type"], nlohmann::json::array({"string"}));
  EXPECT_EQ(get["responses"]["200"]["links"]["next"]["parameters"]["type"],
            nlohmann::json::array({"integer", "null"}));
  // Several types other than null: the first is used, and a warning names where.
  ASSERT_EQ((*ws)->warnings().size(), 1u);
  EXPECT_EQ((*ws)->warnings()[0],
            "/components/schemas/A/properties/both/type lists integer, string: read as integer");
}

// A reduced form of what stopped `authdiff audit` on a real 3.1 description with "type must be
// string, but is array": parameter schemas with type lists (one through a $ref), JSON Schema
// `examples` lists and numeric `exclusiveMinimum`, a list of several types, and a `type` that is
// not a type name. The seed is the fuzz corpus's (JSON and YAML); this runs what `audit` runs.
TEST(OpenApi31, AuditReadsTypeListsAndOddTypes) {
  for (const char* seed :
       {"/corpus/spec_json/crash-type-list", "/corpus/spec_yaml/crash-type-list"}) {
    SCOPED_TRACE(seed);
    auto api = load_api(std::string(AUTHDIFF_SOURCE_DIR) + seed);
    ASSERT_TRUE(api.ok()) << api.error().to_string();
    const Operation* op = find_op(*api, "GET /teams/{teamId}/members");
    ASSERT_NE(op, nullptr);
    const Parameter* team = find_param(*op, "teamId");
    ASSERT_NE(team, nullptr);
    EXPECT_EQ((*team->schema)["type"], "integer");
    EXPECT_EQ((*team->schema)["nullable"], true);
    EXPECT_EQ(team->id_reason, "name ends in id");
    EXPECT_EQ(team->example.value, 1);
    EXPECT_EQ(schema_type(*api->workspace, team->schema), "integer");
    EXPECT_EQ(schema_type(*api->workspace, find_param(*op, "odd")->schema), "");
    const Parameter* limit = find_param(*op, "limit");
    ASSERT_NE(limit, nullptr);
    EXPECT_TRUE(limit->is_page_size());
    EXPECT_EQ(limit->example.value, 20);  // the first of the schema's `examples`
    EXPECT_EQ(find_param(*op, "role")->example.value, "owner");
    EXPECT_TRUE(op->is_list);
    EXPECT_EQ(op->list_pointer, "/members");
    EXPECT_TRUE(
        has_warning(*api,
                    "/paths/~1teams~1{teamId}~1members/get/parameters/2/schema/type lists string, "
                    "number: read as string"));
    EXPECT_TRUE(
        has_warning(*api,
                    "/paths/~1teams~1{teamId}~1members/get/parameters/4/schema/type is not a type "
                    "name; ignored"));

    // What `authdiff audit` does with it (app/audit_command.cpp).
    const config::Config config;
    const plan::Plan plan = plan::make_plan(*api, nullptr, plan::Options{});
    const judge::Mutations mutations = judge::Mutations::defaults();
    auto options = judge::CheckOptions::from(config);
    ASSERT_TRUE(options.ok()) << options.error().to_string();
    const plan::Principals principals(config.identities);
    const judge::PlanContext pctx{.plan = plan,
                                  .config = config,
                                  .principals = principals,
                                  .mutations = mutations,
                                  .options = *options};
    std::vector<judge::ProbeResult> results;
    for (std::size_t i = 0; i < plan.operations.size(); ++i) {
      for (const judge::Check* check : judge::checks_with(&judge::CheckInfo::spec_only)) {
        for (auto& probe : check->plan(pctx, i)) {
          judge::ProbeResult r;
          r.probe = std::move(probe);
          r.check = check;
          results.push_back(std::move(r));
        }
      }
    }
    const judge::Knowledge knowledge;
    const judge::Detectors detectors;
    judge::judge_all({.plan = plan,
                      .config = config,
                      .principals = principals,
                      .knowledge = knowledge,
                      .detectors = detectors,
                      .options = *options},
                     results);
    const auto findings = judge::collect_findings(plan, config, principals, results);
    std::vector<std::string> reasons;
    for (const auto& f : findings) reasons.push_back(f.reason);
    ASSERT_EQ(reasons.size(), 2u) << ::testing::PrintToString(reasons);
    EXPECT_TRUE(std::any_of(reasons.begin(), reasons.end(), [](const std::string& r) {
      return r.starts_with("path parameter teamId is an integer");
    })) << ::testing::PrintToString(reasons);
    EXPECT_TRUE(std::any_of(reasons.begin(), reasons.end(), [](const std::string& r) {
      return r.starts_with("page-size parameter limit has no `maximum`");
    })) << ::testing::PrintToString(reasons);
  }
}

}  // namespace
}  // namespace authdiff::spec
