#include <gtest/gtest.h>

#include "plan/plan.hpp"
#include "test_helpers.hpp"

namespace authdiff::plan {
namespace {

using config::Access;

const char* k_spec = R"({
  "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
  "servers": [{"url": "https://prod.example.com/api/v2"}],
  "security": [{"bearer": []}],
  "paths": {
    "/health": {"get": {"security": [], "responses": {"200": {"description": "ok"}}}},
    "/me": {"get": {"security": [{"bearer": []}, {}], "responses": {"200": {"description": "ok"}}}},
    "/orders": {
      "get": {"parameters": [{"name": "status", "in": "query", "required": true,
                              "schema": {"type": "string", "example": "paid & due"}}],
              "responses": {"200": {"description": "ok"}}},
      "post": {"responses": {"201": {"description": "ok"}}}},
    "/orders/{orderId}": {"get": {"parameters": [{"name": "orderId", "in": "path", "required": true,
                                                  "schema": {"type": "integer", "example": 17}}],
                                  "responses": {"200": {"description": "ok"}}}},
    "/reports": {"get": {"security": [{"oauth": ["reports:read"]}], "responses": {"200": {"description": "ok"}}}},
    "/admin/users": {"get": {"responses": {"200": {"description": "ok"}}},
                     "delete": {"responses": {"204": {"description": "ok"}}}}
  },
  "components": {"securitySchemes": {
    "bearer": {"type": "http", "scheme": "bearer"},
    "oauth": {"type": "oauth2", "flows": {"clientCredentials": {"tokenUrl": "https://x", "scopes": {"reports:read": ""}}}}}}
})";

const OperationPlan& find(const Plan& plan, const std::string& key) {
  for (const auto& p : plan.operations) {
    if (p.op->key() == key) return p;
  }
  throw std::runtime_error("no operation " + key);
}

config::Config config_with(std::vector<config::Expectation> rules, std::string base_url = "") {
  config::Config c;
  c.target.base_url = std::move(base_url);
  c.expectations = std::move(rules);
  return c;
}

TEST(Plan, ExpectationsComeFromTheSpecByDefault) {
  const spec::Api api = test::api_from(k_spec);
  const Plan plan = make_plan(api, nullptr, {});
  EXPECT_EQ(find(plan, "GET /health").expect.access, Access::everyone);
  EXPECT_EQ(find(plan, "GET /me").expect.access, Access::everyone);
  EXPECT_EQ(find(plan, "GET /orders").expect.access, Access::authenticated);
  EXPECT_EQ(find(plan, "GET /orders/{orderId}").expect.access, Access::owner);
  const auto& reports = find(plan, "GET /reports").expect;
  EXPECT_EQ(reports.access, Access::authenticated);
  EXPECT_EQ(reports.scope_sets, (std::vector<std::vector<std::string>>{{"reports:read"}}));
  EXPECT_EQ(reports.describe(), "authenticated with scopes reports:read");
}

TEST(Plan, ConfigRulesOverrideTheSpecFirstMatchWins) {
  const spec::Api api = test::api_from(k_spec);
  config::Expectation admin;
  admin.match = {"* /admin/*"};
  admin.access = Access::level;
  admin.min_level = 10;
  admin.line = 12;
  config::Expectation everything;
  everything.match = {"*"};
  everything.access = Access::nobody;
  everything.line = 20;
  const config::Config c = config_with({admin, everything});
  const Plan plan = make_plan(api, &c, {});
  EXPECT_EQ(find(plan, "GET /admin/users").expect.describe(), "level >= 10");
  EXPECT_EQ(find(plan, "GET /admin/users").expect.source, "config line 12");
  EXPECT_EQ(find(plan, "GET /health").expect.access, Access::nobody);
}

TEST(Plan, UnsafeMethodsAreSkippedUnlessAllowed) {
  const spec::Api api = test::api_from(k_spec);
  const Plan plan = make_plan(api, nullptr, {});
  EXPECT_TRUE(find(plan, "POST /orders").skipped);
  EXPECT_NE(find(plan, "POST /orders").skip_reason.find("--allow-unsafe"), std::string::npos);
  EXPECT_FALSE(find(plan, "GET /orders").skipped);

  Options options;
  options.allow_unsafe = true;
  EXPECT_FALSE(find(make_plan(api, nullptr, options), "POST /orders").skipped);

  config::Expectation opt_in;
  opt_in.match = {"DELETE /admin/users"};
  opt_in.allow_unsafe = true;
  config::Expectation skip;
  skip.match = {"GET /health"};
  skip.skip = true;
  const config::Config c = config_with({opt_in, skip});
  const Plan per_op = make_plan(api, &c, {});
  EXPECT_FALSE(find(per_op, "DELETE /admin/users").skipped);
  EXPECT_TRUE(find(per_op, "POST /orders").skipped);
  EXPECT_TRUE(find(per_op, "GET /health").skipped);
}

TEST(Plan, BaseUrlKeepsTheServerPathAndEncodesValues) {
  const spec::Api api = test::api_from(k_spec);
  const Plan from_spec = make_plan(api, nullptr, {});
  EXPECT_EQ(from_spec.base_url, "https://prod.example.com/api/v2");
  EXPECT_EQ(find(from_spec, "GET /orders").url,
            "https://prod.example.com/api/v2/orders?status=paid%20%26%20due");

  const config::Config c = config_with({}, "http://127.0.0.1:8080/");
  const Plan from_config = make_plan(api, &c, {});
  EXPECT_EQ(from_config.base_url, "http://127.0.0.1:8080/api/v2");
  EXPECT_EQ(find(from_config, "GET /orders/{orderId}").url,
            "http://127.0.0.1:8080/api/v2/orders/17");

  Options options;
  options.base_url = "http://127.0.0.1:9000/custom";
  const Plan from_flag = make_plan(api, &c, options);
  EXPECT_EQ(from_flag.base_url, "http://127.0.0.1:9000/custom");
  EXPECT_EQ(from_flag.base_url_source, "--base-url");
}

TEST(Plan, NoSecurityDeclaredIsAssumedAuthenticatedAndSaysSo) {
  const spec::Api api =
      test::api_from(R"({"openapi": "3.0.0", "info": {"title": "t", "version": "1"},
    "paths": {"/x": {"get": {"responses": {"200": {"description": "ok"}}}}}})");
  const Plan plan = make_plan(api, nullptr, {});
  EXPECT_EQ(plan.operations[0].expect.access, Access::authenticated);
  EXPECT_NE(plan.operations[0].expect.source.find("assumed"), std::string::npos);
}

}  // namespace
}  // namespace authdiff::plan
