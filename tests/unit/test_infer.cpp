// infer: path templates, schema merging, security from recorded credentials, HAR and Postman
// reading, and the inferred document loading through the project's own spec loader.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "infer/infer.hpp"
#include "infer/paths.hpp"
#include "infer/schema.hpp"
#include "spec/document.hpp"
#include "spec/model.hpp"
#include "spec/refs.hpp"
#include "util/base64.hpp"

namespace authdiff::infer {
namespace {

using nlohmann::json;

Sample sample(std::string method, std::string path, int status = 200, std::string body = "") {
  Sample s;
  s.method = std::move(method);
  s.origin = "https://api.example.test";
  s.path = std::move(path);
  s.status = status;
  s.response_type = "application/json";
  s.response_body = std::move(body);
  s.source = "test";
  return s;
}

std::vector<std::string> templates_of(const std::vector<Sample>& samples) {
  PathTemplates t;
  for (const auto& s : samples) t.learn(s);
  std::vector<std::string> out;
  for (const auto& s : samples) out.push_back(t.apply(s).path);
  return out;
}

TEST(InferPaths, IdsOfEveryShapeBecomeParametersNamedAfterTheirCollection) {
  const auto got = templates_of({
      sample("GET", "/orders/10081"),
      sample("GET", "/users/3f2b1c9e-8a7d-4e6f-9b0c-1d2e3f4a5b6c/addresses/7"),
      sample("GET", "/posts/507f1f77bcf86cd799439011"),
      sample("GET", "/customers/cus_9s8d7f6g1h/invoices"),
      sample("GET", "/meal-records/42"),
      sample("GET", "/categories/9"),
      sample("GET", "/files/dGhpcyBpcyBhIHRlc3Qgb2YgYmFzZTY0"),
  });
  EXPECT_EQ(got[0], "/orders/{orderId}");
  EXPECT_EQ(got[1], "/users/{userId}/addresses/{addressId}");
  EXPECT_EQ(got[2], "/posts/{postId}");
  EXPECT_EQ(got[3], "/customers/{customerId}/invoices");
  EXPECT_EQ(got[4], "/meal-records/{mealRecordId}");
  EXPECT_EQ(got[5], "/categories/{categoryId}");
  EXPECT_EQ(got[6], "/files/{fileId}");
}

TEST(InferPaths, WordsBesideIdsStayLiteral) {
  const auto got = templates_of({
      sample("GET", "/users/me"),
      sample("GET", "/users/17"),
      sample("GET", "/users/18"),
      sample("GET", "/users/search"),
      sample("GET", "/api/v2/meal-records"),
      sample("GET", "/api/v2/menu"),
  });
  EXPECT_EQ(got[0], "/users/me");
  EXPECT_EQ(got[1], "/users/{userId}");
  EXPECT_EQ(got[2], "/users/{userId}");
  EXPECT_EQ(got[3], "/users/search");
  EXPECT_EQ(got[4], "/api/v2/meal-records");  // "v2" and words with dashes are not IDs
  EXPECT_EQ(got[5], "/api/v2/menu");
}

TEST(InferPaths, NamesAreUniqueWithinAPathAndRecordedVariableNamesWin) {
  Sample named = sample("GET", "/teams/5/{{memberKey}}");
  named.path_variables = {{2, "memberKey"}};
  const auto got = templates_of({sample("GET", "/55/66"), named});
  EXPECT_EQ(got[0], "/{id}/{id2}");
  EXPECT_EQ(got[1], "/teams/{teamId}/{memberKey}");
  EXPECT_EQ(parameter_name("people"), "personId");
  EXPECT_EQ(parameter_name("by-id"), "byId");
  EXPECT_EQ(singular("addresses"), "address");
  EXPECT_EQ(singular("status"), "status");
}

TEST(InferSchema, MergesTypesRequiredMembersFormatsAndEnums) {
  Shape shape;
  const char* roles[] = {"admin", "employee", "employee", "operator", "employee", "admin"};
  for (int i = 0; i < 6; ++i) {
    json item = {{"id", i + 1},
                 {"role", roles[i]},
                 {"email", "u" + std::to_string(i) + "@example.test"},
                 {"createdAt", "2024-06-11T12:00:00+08:00"},
                 {"balance", i == 2 ? json(1.5) : json(i)}};
    if (i % 2 == 0) item["nickname"] = "n" + std::to_string(i);
    if (i == 3) item["note"] = nullptr;
    shape.add(item);
  }
  const json s = shape.schema();
  EXPECT_EQ(s["type"], "object");
  EXPECT_EQ(s["properties"]["id"]["type"], "integer");
  EXPECT_EQ(s["properties"]["balance"]["type"], "number");  // integer and number merge
  EXPECT_EQ(s["properties"]["email"]["format"], "email");
  EXPECT_EQ(s["properties"]["createdAt"]["format"], "date-time");
  EXPECT_EQ(s["properties"]["role"]["enum"], json({"admin", "employee", "operator"}));
  EXPECT_EQ(s["properties"]["note"]["type"], "null");
  const json required = s["required"];
  EXPECT_NE(std::find(required.begin(), required.end(), "id"), required.end());
  EXPECT_EQ(std::find(required.begin(), required.end(), "nickname"), required.end());
  EXPECT_FALSE(s["properties"]["nickname"].contains("enum"));  // all different: no enum
}

TEST(InferSchema, ArraysOfObjectsAndMapsKeyedByIds) {
  Shape list;
  list.add(
      json::parse(R"({"items": [{"id": 1, "total": 9.5}, {"id": 2, "total": 3}], "page": 1})"));
  list.add(json::parse(R"({"items": [], "page": 2})"));
  const json s = list.schema();
  EXPECT_EQ(s["properties"]["items"]["type"], "array");
  EXPECT_EQ(s["properties"]["items"]["items"]["properties"]["total"]["type"], "number");
  Shape map;
  map.add(json::parse(R"({"10081": {"a": 1}, "10082": {"a": 2}, "10083": {"a": 3}})"));
  EXPECT_TRUE(map.schema().contains("additionalProperties"));
  EXPECT_FALSE(map.schema().contains("properties"));
  Shape mixed;
  mixed.add(1);
  mixed.add("one");
  EXPECT_FALSE(mixed.schema().contains("type"));  // said, not guessed
  Shape nullable;
  nullable.add("x");
  nullable.add(nullptr);
  EXPECT_EQ(nullable.schema()["type"], json({"string", "null"}));
}

std::string jwt_for(const std::string& user) {
  const json payload = {{"sub", "7"}, {"username", user}, {"exp", 4102444800LL}};
  return base64url_encode(R"({"alg":"HS256","typ":"JWT"})") + "." +
         base64url_encode(payload.dump()) + ".c2lnbmF0dXJl";
}

TEST(InferOpenApi, SecurityPublicOperationsCredentialsAndNoSecretInTheDocument) {
  Recording r;
  r.file = "t.har";
  Sample login = sample("POST", "/api/auth/login", 200,
                        R"({"token": ")" + jwt_for("alice") + R"(", "expiresIn": 3600})");
  login.content_type = "application/json";
  login.body = R"({"username": "alice", "password": "S3cret!pass"})";
  r.samples.push_back(login);
  r.samples.push_back(sample("GET", "/api/menu", 200, R"([{"id": 1, "name": "rice"}])"));
  for (const auto* who : {"alice", "bob"}) {
    Sample s = sample("GET", std::string("/api/orders/") + (who[0] == 'a' ? "10081" : "10090"), 200,
                      R"({"id": 10081, "phone": "13812345678"})");
    s.headers.emplace_back("authorization", "Bearer " + jwt_for(who));
    s.query = {{"expand", "items"}, {"api_key", "k-123456789"}};
    r.samples.push_back(s);
  }
  Sample anon_denied = sample("GET", "/api/orders/10081", 401, R"({"error": "login"})");
  r.samples.push_back(anon_denied);
  Sample cookie = sample("GET", "/api/me", 200, R"({"id": 7})");
  cookie.cookies = {{"SESSIONID", "abcdef123456"}, {"_ga", "GA1.2.3"}};
  r.samples.push_back(cookie);

  Options options;
  options.mask = [](json& j) {
    if (j.is_object() && j.contains("phone")) j["phone"] = "138****5678";
  };
  const Inferred inferred = infer_openapi({r}, options);
  const json& doc = inferred.document;
  EXPECT_EQ(doc["openapi"], "3.1.0");
  EXPECT_EQ(doc["servers"][0]["url"], "https://api.example.test");
  EXPECT_EQ(doc["paths"]["/api/menu"]["get"]["security"], json::array());  // answered anonymously
  EXPECT_EQ(doc["paths"]["/api/auth/login"]["post"]["security"], json::array());
  const json& order = doc["paths"]["/api/orders/{orderId}"]["get"];
  EXPECT_EQ(order["security"], json::parse(R"([{"bearerAuth": [], "query_api_key": []}])"));
  EXPECT_EQ(order["parameters"][0]["name"], "orderId");
  EXPECT_EQ(order["parameters"][0]["schema"]["type"], "integer");
  EXPECT_EQ(order["parameters"][1]["name"], "expand");  // the API key is a scheme, not a parameter
  EXPECT_EQ(order["responses"]["200"]["content"]["application/json"]["example"]["phone"],
            "138****5678");
  EXPECT_TRUE(order["responses"].contains("401"));
  EXPECT_EQ(doc["paths"]["/api/me"]["get"]["security"],
            json::parse(R"([{"cookie_SESSIONID": []}])"));
  EXPECT_EQ(doc["components"]["securitySchemes"]["bearerAuth"]["bearerFormat"], "JWT");

  ASSERT_EQ(inferred.credentials.size(), 3u);
  EXPECT_EQ(inferred.credentials[0].name, "alice");
  EXPECT_EQ(inferred.credentials[1].name, "bob");
  EXPECT_EQ(inferred.credentials[2].name, "recorded-3");
  EXPECT_EQ(inferred.credentials[0].requests, 1u);
  // Neither the password nor any recorded token or key is in the document.
  const std::string text = doc.dump() + to_yaml(doc);
  EXPECT_EQ(text.find("S3cret!pass"), std::string::npos);
  EXPECT_EQ(text.find(jwt_for("alice")), std::string::npos);
  EXPECT_EQ(text.find("k-123456789"), std::string::npos);
  EXPECT_EQ(text.find("abcdef123456"), std::string::npos);

  // The project's own loader reads it, YAML and JSON alike.
  for (const std::string& form : {doc.dump(), to_yaml(doc)}) {
    auto parsed = spec::parse_document(form, "inferred.yaml");
    ASSERT_TRUE(parsed) << parsed.error().to_string();
    auto ws = spec::Workspace::from_json(*parsed, "inferred.yaml");
    ASSERT_TRUE(ws);
    auto api = spec::build_api(*ws);
    ASSERT_TRUE(api) << api.error().to_string();
    EXPECT_EQ(api->operations.size(), 4u);
    for (const auto& op : api->operations) {
      if (op.path == "/api/orders/{orderId}") {
        EXPECT_TRUE(op.parameters[0].is_id());
        EXPECT_FALSE(op.security.allows_anonymous());
      }
    }
  }
}

TEST(InferOpenApi, YamlKeepsStringsThatLookLikeOtherTypes) {
  const json doc = {{"a", "123"}, {"b", "true"}, {"c", "null"},       {"d", "2024-06-11"},
                    {"e", 7},     {"f", "x: y"}, {"g", json::array()}};
  auto back = spec::parse_yaml(to_yaml(doc), "x.yaml");
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(*back, doc);
}

// "%80" or "%C3" alone decode to bytes that are not UTF-8; a JSON document cannot hold them
// (dumping it would throw), so such a value is kept as it was recorded.
TEST(InferOpenApi, EscapesThatDecodeToInvalidUtf8StayAsRecorded) {
  const json har = json::parse(R"({"log": {"version": "1.2", "entries": [
    {"request": {"method": "POST", "url": "http://127.0.0.1:9/api/files/%C3?q=%80&name=caf%C3%A9",
                 "headers": [], "queryString": [{"name": "q", "value": "%80"},
                                                {"name": "name", "value": "caf%C3%A9"}],
                 "postData": {"mimeType": "application/x-www-form-urlencoded",
                              "text": "note=%FF%FE&ok=1"}},
     "response": {"status": 200, "content": {"mimeType": "application/json", "text": "{}"}}}
  ]}})");
  auto r = har_from_json(har, "t.har");
  ASSERT_TRUE(r) << r.error().to_string();
  const Inferred inferred = infer_openapi({*r});
  const std::string dumped = inferred.document.dump();  // would throw on a lone 0x80 byte
  EXPECT_NE(dumped.find("%80"), std::string::npos) << dumped;
  EXPECT_NE(dumped.find("%FF%FE"), std::string::npos) << dumped;
  EXPECT_NE(dumped.find("caf\u00e9"), std::string::npos) << dumped;  // valid escapes decode
  auto back = spec::parse_yaml(to_yaml(inferred.document), "inferred.yaml");
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(*back, inferred.document);
}

TEST(InferHar, ReadsEntriesAndLeavesOutPageResources) {
  const json har = json::parse(R"({"log": {"version": "1.2", "entries": [
    {"request": {"method": "GET", "url": "http://127.0.0.1:9/", "headers": []},
     "response": {"status": 200, "content": {"mimeType": "text/html", "text": "<html>"}}},
    {"request": {"method": "GET", "url": "http://127.0.0.1:9/app.js", "headers": []},
     "response": {"status": 200, "content": {"mimeType": "application/javascript"}}},
    {"request": {"method": "OPTIONS", "url": "http://127.0.0.1:9/api/x", "headers": []},
     "response": {"status": 204, "content": {}}},
    {"_resourceType": "fetch",
     "request": {"method": "GET", "url": "http://127.0.0.1:9/api/orders?page=1&pageSize=20",
                 "headers": [{"name": "Authorization", "value": "Bearer abc.def.ghi"},
                             {"name": ":authority", "value": "127.0.0.1:9"}],
                 "queryString": [{"name": "page", "value": "1"}, {"name": "pageSize", "value": "20"}]},
     "response": {"status": 200, "content": {"mimeType": "application/json; charset=utf-8",
                                             "text": "eyJpdGVtcyI6W119", "encoding": "base64"}}}
  ]}})");
  auto r = har_from_json(har, "t.har");
  ASSERT_TRUE(r) << r.error().to_string();
  ASSERT_EQ(r->samples.size(), 1u);
  EXPECT_EQ(r->skipped, 3u);
  const Sample& s = r->samples[0];
  EXPECT_EQ(s.origin, "http://127.0.0.1:9");
  EXPECT_EQ(s.path, "/api/orders");
  EXPECT_EQ(s.query.size(), 2u);
  EXPECT_EQ(s.response_body, R"({"items":[]})");
  EXPECT_EQ(s.response_type, "application/json");
  EXPECT_EQ(s.headers.size(), 1u);  // the HTTP/2 pseudo-header is left out
  EXPECT_FALSE(har_from_json(json::parse(R"({"info": {}})"), "x.har"));
  EXPECT_FALSE(postman_from_json(har, "t.har"));
}

TEST(InferPostman, FoldersVariablesInheritedAuthAndExamples) {
  const json collection = json::parse(R"({
    "info": {"name": "Shop", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
    "variable": [{"key": "baseUrl", "value": "https://shop.example.test/v1"},
                 {"key": "token", "value": "tok-abcdefgh"}],
    "auth": {"type": "bearer", "bearer": [{"key": "token", "value": "{{token}}", "type": "string"}]},
    "item": [
      {"name": "Orders", "item": [
        {"name": "Get order",
         "request": {"method": "GET", "url": {"raw": "{{baseUrl}}/orders/:orderId?expand=lines",
                     "host": ["{{baseUrl}}"], "path": ["orders", ":orderId"],
                     "query": [{"key": "expand", "value": "lines"}, {"key": "debug", "value": "1", "disabled": true}],
                     "variable": [{"key": "orderId", "value": "10081"}]}},
         "response": [{"name": "ok", "code": 200, "header": [{"key": "Content-Type", "value": "application/json"}],
                       "body": "{\"id\": 10081, \"total\": 12.5}"}]},
        {"name": "Public catalogue", "request": {"auth": {"type": "noauth"}, "method": "GET",
                     "url": "{{baseUrl}}/products"}},
        {"name": "Create", "request": {"method": "POST", "url": "{{baseUrl}}/orders",
                     "auth": {"type": "apikey", "apikey": [{"key": "key", "value": "X-Api-Key"},
                              {"key": "value", "value": "k-987654321"}, {"key": "in", "value": "header"}]},
                     "body": {"mode": "raw", "raw": "{\"dishId\": 3}", "options": {"raw": {"language": "json"}}}}}
      ]}
    ]})");
  auto r = postman_from_json(collection, "shop.postman.json");
  ASSERT_TRUE(r) << r.error().to_string();
  ASSERT_EQ(r->samples.size(), 3u);
  const Sample& get = r->samples[0];
  EXPECT_EQ(get.origin, "https://shop.example.test");
  EXPECT_EQ(get.path, "/v1/orders/10081");
  EXPECT_EQ(get.path_variables.size(), 1u);
  EXPECT_EQ(get.query.size(), 1u);  // the disabled one is left out
  EXPECT_EQ(get.status, 200);
  const Inferred inferred = infer_openapi({*r});
  const json& paths = inferred.document["paths"];
  ASSERT_TRUE(paths.contains("/v1/orders/{orderId}")) << paths.dump();
  EXPECT_EQ(paths["/v1/orders/{orderId}"]["get"]["security"],
            json::parse(R"([{"bearerAuth": []}])"));
  EXPECT_EQ(paths["/v1/products"]["get"]["responses"]["default"]["description"],
            "No answer was recorded");
  EXPECT_FALSE(paths["/v1/products"]["get"].contains("security"));  // no answer: unknown
  EXPECT_EQ(paths["/v1/orders"]["post"]["security"], json::parse(R"([{"apiKey_x_api_key": []}])"));
  EXPECT_EQ(paths["/v1/orders"]["post"]["requestBody"]["content"]["application/json"]["example"],
            json::parse(R"({"dishId": 3})"));
  EXPECT_EQ(inferred.document.dump().find("tok-abcdefgh"), std::string::npos);
}

TEST(InferOpenApi, ObservedOperationsAgainstAnExistingSpec) {
  const json existing_doc =
      json::parse(R"({"openapi": "3.0.3", "info": {"title": "x", "version": "1"},
    "servers": [{"url": "https://api.example.test/api"}],
    "paths": {"/orders/{id}": {"get": {"responses": {"200": {"description": "ok"}}}}}})");
  auto ws = spec::Workspace::from_json(existing_doc, "existing.yaml");
  ASSERT_TRUE(ws);
  auto existing = spec::build_api(*ws);
  ASSERT_TRUE(existing);
  Recording r;
  r.file = "t.har";
  r.samples = {sample("GET", "/api/orders/5"), sample("GET", "/api/admin/export"),
               sample("DELETE", "/api/orders/5", 204)};
  const Inferred inferred = infer_openapi({r});
  const auto keys = undocumented_operations(*existing, inferred.document);
  EXPECT_EQ(keys,
            (std::vector<std::string>{"GET /api/admin/export", "DELETE /api/orders/{orderId}"}));
  auto merged = add_observed(existing_doc, inferred.document, keys, "existing.yaml");
  ASSERT_TRUE(merged);
  EXPECT_EQ((*merged)["paths"]["/api/admin/export"]["get"]["x-authdiff-observed"], true);
  EXPECT_TRUE((*merged)["paths"].contains("/orders/{id}"));
  EXPECT_FALSE(
      add_observed(json::parse(R"({"swagger": "2.0"})"), inferred.document, keys, "s.json"));
}

}  // namespace
}  // namespace authdiff::infer
