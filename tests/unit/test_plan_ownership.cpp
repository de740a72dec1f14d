#include <gtest/gtest.h>

#include "plan/discovery.hpp"
#include "plan/ownership.hpp"
#include "plan/writes.hpp"
#include "test_helpers.hpp"

namespace authdiff::plan {
namespace {

using nlohmann::json;

config::Identity identity(const std::string& name, int level, const std::string& user_id = "") {
  config::Identity id;
  id.name = name;
  id.level = level;
  id.user_id = user_id;
  id.credentials.bearer = config::Secret("t");
  return id;
}

Response ok(const std::string& body) {
  Response r;
  r.status = 200;
  r.body = body;
  return r;
}

// An Express + MongoDB style API: every path parameter is `id`, every ID a 24-hex string.
const char* k_shop = R"({"openapi": "3.0.0", "info": {"title": "t", "version": "1"},
  "security": [{"b": []}],
  "components": {"securitySchemes": {"b": {"type": "http", "scheme": "bearer"}}},
  "paths": {
    "/users/me": {"get": {"responses": {"200": {"description": "me"}}}},
    "/users/{id}": {"get": {"parameters": [{"name": "id", "in": "path", "required": true,
        "schema": {"type": "string"}}], "responses": {"200": {"description": "u"}}}},
    "/carts": {"get": {"responses": {"200": {"description": "list", "content": {"application/json":
        {"schema": {"type": "object", "properties": {"carts": {"type": "array", "items": {"type": "object"}}}}}}}}}},
    "/carts/{id}": {"get": {"parameters": [{"name": "id", "in": "path", "required": true,
        "schema": {"type": "string"}}], "responses": {"200": {"description": "c"}}}},
    "/orders": {"get": {"parameters": [{"name": "page", "in": "query", "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "list", "content": {"application/json":
        {"schema": {"type": "object", "properties": {"orders": {"type": "array", "items": {"type": "object"}}}}}}}}}},
    "/orders/{id}": {"get": {"parameters": [{"name": "id", "in": "path", "required": true,
        "schema": {"type": "string"}}], "responses": {"200": {"description": "o"}}}}
  }})";

const std::string k_alice = "64b7f0c2a1e4d3b2c1a09f11";
const std::string k_bob = "64b7f0c2a1e4d3b2c1a09f22";

TEST(Ownership, AnIdBelongsToTheResourceBeforeItsParameter) {
  EXPECT_EQ(resource_of("/api/carts/{id}", "id"), "/api/carts");
  EXPECT_EQ(resource_of("/users/{userId}/carts/{cartId}", "cartId"), "/users/{userId}/carts");
  EXPECT_EQ(resource_of("/users/{userId}/carts/{cartId}", "userId"), "/users");
  EXPECT_EQ(resource_of("/files/{name}.json", "name"), "");
  EXPECT_TRUE(names_resource("/carts", "/api/v1/carts"));
  EXPECT_TRUE(names_resource("/users/{x}/carts", "/users/{userId}/carts"));
  EXPECT_FALSE(names_resource("/carts", "/api/v1/mycarts"));
  EXPECT_FALSE(names_resource("cartId", "/carts"));
}

TEST(Ownership, OwnedIdsByResourceFirstThenByParameterName) {
  config::Identity alice = identity("alice", 1);
  alice.owns["/carts"] = {"c1"};
  alice.owns["id"] = {"u1"};
  alice.owns["orderId"] = {"o1"};
  ASSERT_NE(owned_ids(alice, "/carts/{id}", "id"), nullptr);
  EXPECT_EQ(owned_ids(alice, "/carts/{id}", "id")->front(), "c1");
  EXPECT_EQ(owned_ids(alice, "/users/{id}", "id")->front(), "u1");  // the shorthand
  EXPECT_EQ(owned_ids(alice, "/orders/{OrderId}", "OrderId")->front(), "o1");
  EXPECT_EQ(owned_ids(alice, "/notes/{noteId}", "noteId"), nullptr);
}

TEST(Ownership, TheOwnerIsWhicheverFieldHoldsAnIdentitysUserId) {
  const std::vector<config::Identity> ids = {identity("alice", 1, k_alice),
                                             identity("bob", 1, k_bob), identity("admin", 10, "1")};
  EXPECT_EQ(owner_of(json{{"_id", "x"}, {"idUsuario", k_alice}}, ids), "alice");
  EXPECT_EQ(owner_of(json{{"_id", "x"}, {"meta", {{"user_created", k_bob}}}}, ids), "bob");
  // A buyer and a seller: neither alone.
  EXPECT_EQ(owner_of(json{{"buyer", k_alice}, {"seller", k_bob}}, ids), "");
  // A short id only counts in a field named like an owner reference.
  EXPECT_EQ(owner_of(json{{"id", 1}, {"qty", 1}}, ids), "");
  EXPECT_EQ(owner_of(json{{"id", 9}, {"createdBy", 1}}, ids), "admin");
  // Lists inside a record name others it refers to, not its owner.
  EXPECT_EQ(owner_of(json{{"participants", {k_alice}}}, ids), "");
}

TEST(Ownership, UserIdFromTheSignInAnswerOrTheToken) {
  EXPECT_EQ(user_id_in(json{{"authorization", "Bearer x"}, {"user", {{"_id", k_alice}}}}, ""),
            k_alice);
  EXPECT_EQ(user_id_in(json{{"data", {{"user", {{"id", 17}}}}}}, ""), "17");
  EXPECT_EQ(user_id_in(json{{"id", 5}, {"email", "a@b.c"}, {"accessToken", "t"}}, ""), "5");
  EXPECT_FALSE(user_id_in(json{{"id", 5}, {"token", "t"}}, ""));  // a session id, perhaps
  // {"alg":"none"}.{"sub":"u-77"}.
  EXPECT_EQ(user_id_in(json(), "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1LTc3In0."), "u-77");
}

TEST(Ownership, OwnsKeysThatNameNothingOrSeveralResourcesAreSaid) {
  const spec::Api api = test::api_from(k_shop);
  config::Config config;
  config.identities = {identity("alice", 1)};
  config.identities[0].owns["/carts"] = {"c"};
  config.identities[0].owns["id"] = {"x"};
  config.identities[0].owns["/cart"] = {"c"};
  const OwnsCheck c = check_owns(api, config);
  ASSERT_EQ(c.unknown.size(), 1u);
  EXPECT_NE(c.unknown[0].find("owns./cart names no resource"), std::string::npos);
  ASSERT_EQ(c.ambiguous.size(), 1u);
  EXPECT_NE(c.ambiguous[0].find("owns.id is the parameter of /carts, /orders, /users"),
            std::string::npos)
      << c.ambiguous[0];
}

// Every parameter is `id`: the user's id and the carts' ids must not mix, and a list that leaks
// every cart to everyone still gives each cart to the owner its data names.
TEST(Discovery, IdsOfOneParameterNameStayWithTheirResourceAndOwnerFieldsDecide) {
  const spec::Api api = test::api_from(k_shop);
  config::Config config;
  config.identities = {identity("alice", 1, k_alice), identity("bob", 1)};
  const Plan plan = make_plan(api, &config, {"http://127.0.0.1:1", false});
  const auto requests = discovery_requests(plan, Principals(config.identities));
  std::vector<Response> responses;
  const std::string carts = R"({"carts": [{"_id": "c0000000000000000000000a", "idUsuario": ")" +
                            k_alice + R"("}, {"_id": "c0000000000000000000000b", "idUsuario": ")" +
                            k_bob + R"("}]})";
  for (const auto& r : requests) {
    const std::string& path = plan.operations[r.operation].op->path;
    if (path == "/users/me")
      responses.push_back(ok(r.identity == "alice" ? R"({"_id": ")" + k_alice + R"("})"
                                                   : R"({"_id": ")" + k_bob + R"("})"));
    else if (path == "/carts")
      responses.push_back(ok(carts));
    else
      responses.push_back(ok(R"({"orders": []})"));
  }
  const Discovery d = discover_ids(plan, Principals(config.identities), requests, responses);
  std::set<std::string> owned;
  for (const auto& x : d.owned) owned.insert(x.identity + " " + x.resource + "=" + x.value);
  EXPECT_EQ(owned, (std::set<std::string>{"alice /users=" + k_alice, "bob /users=" + k_bob,
                                          "alice /carts=c0000000000000000000000a",
                                          "bob /carts=c0000000000000000000000b"}));
  // bob's user id came from his "me" answer.
  ASSERT_EQ(d.user_ids.size(), 2u);
  Principals adopted(config.identities);
  adopt(adopted, d);
  EXPECT_EQ(adopted.identities()[1].user_id, k_bob);
  EXPECT_EQ(owned_ids(adopted.identities()[0], "/carts/{id}", "id")->front(),
            "c0000000000000000000000a");
  EXPECT_EQ(owned_ids(adopted.identities()[0], "/users/{id}", "id")->front(), k_alice);
}

TEST(Discovery, NextPagesFromLinksHeadersAndPageNumbers) {
  const spec::Api api = test::api_from(k_shop);
  config::Config config;
  config.identities = {identity("alice", 1)};
  const Plan plan = make_plan(api, &config, {"http://127.0.0.1:1/api", false});
  std::size_t orders = 0, carts = 0;
  for (std::size_t i = 0; i < plan.operations.size(); ++i) {
    if (plan.operations[i].op->key() == "GET /orders") orders = i;
    if (plan.operations[i].op->key() == "GET /carts") carts = i;
  }
  Baseline list{orders, "alice", make_request(plan, orders, Principals(config.identities), "alice", Credential::own)};
  // A `next` path in the body.
  auto next = next_page(plan, list, ok(R"({"orders": [1], "next": "/api/orders?page=2"})"));
  ASSERT_TRUE(next);
  EXPECT_EQ(next->url, "http://127.0.0.1:1/api/orders?page=2");
  EXPECT_EQ(next->identity, "alice");
  EXPECT_FALSE(next_page(plan, list, ok(R"({"orders": [1], "next": null})")));
  // A next link to another host is never followed.
  EXPECT_FALSE(next_page(plan, list, ok(R"({"next": "http://evil.example/api/orders?page=2"})")));
  // Page numbers while the body says there are more.
  next = next_page(plan, list, ok(R"({"orders": [1], "page": 1, "pages": 2})"));
  ASSERT_TRUE(next);
  EXPECT_EQ(next->url, "http://127.0.0.1:1/api/orders?page=2");
  Baseline second = list;
  second.request.url = next->url;
  EXPECT_FALSE(next_page(plan, second, ok(R"({"orders": [1], "page": 2, "pages": 2})")));
  // RFC 8288 Link header.
  Baseline cart_list{carts, "alice", make_request(plan, carts, Principals(config.identities), "alice", Credential::own)};
  Response linked = ok(R"({"carts": []})");
  linked.headers.emplace_back(
      "link", "<http://127.0.0.1:1/api/carts?cursor=abc>; rel=\"next\", <x>; rel=\"prev\"");
  next = next_page(plan, cart_list, linked);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->url, "http://127.0.0.1:1/api/carts?cursor=abc");
}

TEST(Writes, UniqueValuesAreMadeFreshPerRequest) {
  const std::string body =
      R"({"email": "new.user@tracker.test", "username": "newuser", "title": "Printer",
          "owner": {"slug": "printer-3rd-floor"}, "count": 2})";
  const json a = json::parse(fresh_unique_values(body, "t1"));
  const json b = json::parse(fresh_unique_values(body, "t2"));
  EXPECT_EQ(a["email"], "new.user.t1@tracker.test");
  EXPECT_EQ(a["username"], "newuser-t1");
  EXPECT_EQ(a["owner"]["slug"], "printer-3rd-floor-t1");
  EXPECT_NE(a["email"], b["email"]);
  EXPECT_EQ(a["title"], "Printer");  // not a unique value
  EXPECT_EQ(a["count"], 2);
  EXPECT_EQ(fresh_unique_values("name=x", "t1"), "name=x");  // not JSON: as it is
}

TEST(Writes, TheWriteIsPointedAtItsObjectWhateverTheVariant) {
  EXPECT_EQ(with_object("http://h:1/api/tickets/tkt_1", "tkt_1", "tkt_9"),
            "http://h:1/api/tickets/tkt_9");
  EXPECT_EQ(with_object("http://h:1/api/tickets/tkt_1/?x=1", "tkt_1", "tkt_9"),
            "http://h:1/api/tickets/tkt_9/?x=1");
  EXPECT_EQ(with_object("http://h:1/api/tickets/tkt_1;jsessionid=x", "tkt_1", "tkt_9"),
            "http://h:1/api/tickets/tkt_9;jsessionid=x");
  // A segment that only starts with the ID is another object.
  EXPECT_FALSE(with_object("http://h:1/api/tickets/tkt_12", "tkt_1", "tkt_9"));
  EXPECT_FALSE(with_object("http://h:1/api/tickets?id=tkt_1", "tkt_1", "tkt_9"));
}

TEST(Writes, TargetsNeedTheCollectionsPostAndTheObjectsGet) {
  const spec::Api api =
      test::api_from(R"({"openapi": "3.0.0", "info": {"title": "t", "version": "1"},
    "paths": {
      "/tickets": {"post": {"responses": {"201": {"description": "made"}}}},
      "/tickets/{ticketId}": {"parameters": [{"name": "ticketId", "in": "path", "required": true,
          "schema": {"type": "string"}}],
        "get": {"responses": {"200": {"description": "t"}}},
        "patch": {"responses": {"200": {"description": "t"}}},
        "delete": {"responses": {"204": {"description": "gone"}}}},
      "/users/{userId}": {"parameters": [{"name": "userId", "in": "path", "required": true,
          "schema": {"type": "string"}}],
        "get": {"responses": {"200": {"description": "u"}}},
        "delete": {"responses": {"204": {"description": "gone"}}}}}})");
  config::Config config;
  config.identities = {identity("alice", 1)};
  const Plan plan = make_plan(api, &config, {"http://127.0.0.1:1", true});
  const WriteTargets t = write_targets(plan);
  ASSERT_EQ(t.targets.size(), 2u);  // PATCH and DELETE of tickets
  for (const auto& target : t.targets) {
    EXPECT_EQ(plan.operations[target.create].op->key(), "POST /tickets");
    EXPECT_EQ(plan.operations[target.read].op->key(), "GET /tickets/{ticketId}");
    EXPECT_EQ(target.parameter, "ticketId");
  }
  ASSERT_EQ(t.untestable.size(), 1u);
  EXPECT_EQ(plan.operations[t.untestable[0].first].op->key(), "DELETE /users/{userId}");
  EXPECT_NE(t.untestable[0].second.find("no POST /users"), std::string::npos);
}

}  // namespace
}  // namespace authdiff::plan
