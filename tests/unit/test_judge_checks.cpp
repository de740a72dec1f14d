// Every check of tester/judge/checks/ on hand-made exchanges: what its plan() sends on a tiny
// orders API, and what its judge() (and relate()) make of answers written here. The checks,
// plan and knowledge are the real ones (exchange_builder.hpp); nothing is sent.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "exchange_builder.hpp"
#include "plan/tamper.hpp"
#include "util/base64.hpp"

namespace authdiff::judge {
namespace {

using test::response;
using test::transport_error;
using test::World;

// An owner-only order, its list (page size `limit` at most 100), writes on it, an admin-only
// user list, a public menu, and a cancel route that has no GET.
const char* k_spec = R"({
  "openapi": "3.0.3", "info": {"title": "orders", "version": "1"},
  "security": [{"bearer": []}],
  "paths": {
    "/menu": {"get": {"security": [], "responses": {"200": {"description": "ok", "content": {
      "application/json": {"schema": {"type": "object", "properties": {
        "dish": {"type": "string"}, "price": {"type": "number"}}}}}}}}},
    "/orders": {"get": {
      "parameters": [{"name": "limit", "in": "query",
                      "schema": {"type": "integer", "maximum": 100, "example": 20}}],
      "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
        "type": "object", "properties": {
          "items": {"type": "array", "items": {"$ref": "#/components/schemas/Order"}}}}}}}}}},
    "/orders/{orderId}": {
      "parameters": [{"name": "orderId", "in": "path", "required": true,
                      "schema": {"type": "integer", "example": 1}}],
      "get": {"responses": {"200": {"description": "ok", "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Order"}}}}}},
      "patch": {"requestBody": {"content": {"application/json": {
                  "schema": {"type": "object", "properties": {"note": {"type": "string"}}},
                  "example": {"note": "leave at the door"}}}},
                "responses": {"200": {"description": "ok", "content": {"application/json": {
                  "schema": {"$ref": "#/components/schemas/Order"}}}}}},
      "delete": {"responses": {"204": {"description": "gone"}}}},
    "/orders/{orderId}/cancel": {"post": {
      "parameters": [{"name": "orderId", "in": "path", "required": true,
                      "schema": {"type": "integer", "example": 1}}],
      "responses": {"200": {"description": "ok"}}}},
    "/admin/users": {"get": {"responses": {"200": {"description": "ok", "content": {
      "application/json": {"schema": {"type": "object", "properties": {
        "users": {"type": "array", "items": {"type": "object", "properties": {
          "name": {"type": "string"}, "idCard": {"type": "string"}}}}}}}}}}}}
  },
  "components": {
    "schemas": {"Order": {"type": "object", "properties": {
      "id": {"type": "integer"}, "owner": {"type": "string"}, "dish": {"type": "string"},
      "phone": {"type": "string"}}}},
    "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}}
})";

// An administrator (level 3) and two peers (level 1) who each own one order. PATCH is replayed;
// DELETE and POST are not (unsafe, not allowed).
const std::string k_config = R"(
[target]
base_url = "http://api.test"

[identities.admin]
level = 3
bearer = "token-admin-0001"
user_id = "u-admin"

[identities.alice]
level = 1
bearer = "token-alice-0001"
user_id = "alice"
owns = { orderId = [10081] }

[identities.bob]
level = 1
bearer = "token-bob-0001"
user_id = "bob"
owns = { orderId = [10206] }

[[expect]]
match = "* /admin/*"
access = "level >= 3"
note = "administrators only"

[[expect]]
match = "PATCH /orders/*"
allow_unsafe = true
)";

constexpr const char* k_order = "GET /orders/{orderId}";
constexpr const char* k_orders = "GET /orders";
constexpr const char* k_patch = "PATCH /orders/{orderId}";
constexpr const char* k_delete = "DELETE /orders/{orderId}";
constexpr const char* k_cancel = "POST /orders/{orderId}/cancel";
constexpr const char* k_users = "GET /admin/users";
constexpr const char* k_menu = "GET /menu";

const std::string k_alice_order =
    R"({"id": 10081, "owner": "alice", "dish": "Kung Pao", "phone": "13812345678"})";
const std::string k_bob_order =
    R"({"id": 10206, "owner": "bob", "dish": "Mapo tofu", "phone": "13987654321"})";
const std::string k_all_orders = R"({"items": [)" + k_alice_order + ", " + k_bob_order + "]}";
const std::string k_alice_orders = R"({"items": [)" + k_alice_order + "]}";
const std::string k_bob_orders = R"({"items": [)" + k_bob_order + "]}";
const std::string k_user_list =
    R"({"users": [{"name": "Zhang Wei", "idCard": "110101199003071233"},)"
    R"( {"name": "Li Na", "idCard": "440306198802294569"}]})";
const std::string k_menu_body = R"({"dish": "Kung Pao", "price": 28.5})";
const std::string k_login = R"({"error": "login required"})";

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

// What the scan learns before probing, for the orders API: every baseline, and a 401 to a
// garbage credential on every guarded operation.
void learn(World& w) {
  w.baseline(k_menu, "", response(200, k_menu_body));
  w.baseline(k_order, "alice", response(200, k_alice_order));
  w.baseline(k_order, "bob", response(200, k_bob_order));
  w.baseline(k_patch, "alice", response(200, k_alice_order));
  w.baseline(k_patch, "bob", response(200, k_bob_order));
  w.baseline(k_orders, "admin", response(200, k_all_orders));
  w.baseline(k_orders, "alice", response(200, k_alice_orders));
  w.baseline(k_orders, "bob", response(200, k_bob_orders));
  w.baseline(k_users, "admin", response(200, k_user_list));
  for (const char* key : {k_order, k_patch, k_orders, k_users})
    w.denied(key, response(401, k_login));
}

// The orders API with its baselines learned.
class Orders : public ::testing::Test {
 protected:
  void SetUp() override { learn(w); }
  World w{k_spec, k_config};
};

std::vector<std::string> kinds_of(const std::vector<plan::Probe>& probes) {
  std::vector<std::string> out;
  for (const auto& p : probes) out.push_back(p.kind);
  return out;
}

const plan::Probe* find_kind(const std::vector<plan::Probe>& probes, const std::string& kind) {
  for (const auto& p : probes) {
    if (p.kind == kind) return &p;
  }
  return nullptr;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// No evidence shows a whole distinctive value of the answer.
void expect_masked(const Verdict& v, const std::vector<std::string>& secrets) {
  for (const auto& e : v.evidence) {
    for (const auto& s : secrets)
      EXPECT_FALSE(contains(e.masked, s)) << e.pointer << " " << e.masked;
  }
}

// --- the registry ---------------------------------------------------------------------------

// A new check gets unit tests here: add its suite, then its name to this list.
TEST(ChecksRegistry, EveryCheckHasUnitTestsHere) {
  const std::vector<std::string> covered = {
      "no-auth",        "weaker-identity", "cross-owner",    "enumerate",        "bulk",
      "tampered-token", "bypass",          "sensitive-data", "existence-oracle", "rate-limit",
      "undocumented",   "shadow",          "exposure",       "weak-credentials", "audit",
      "access-matrix"};
  EXPECT_EQ(check_names(), covered);
}

TEST(ChecksRegistry, InfoFlagsSayWhatEachCheckIs) {
  EXPECT_FALSE(find_check("enumerate")->info().per_victim);
  EXPECT_TRUE(find_check("cross-owner")->info().per_victim);
  EXPECT_TRUE(find_check("audit")->info().spec_only);
  EXPECT_FALSE(find_check("audit")->info().tests_access);
  EXPECT_TRUE(find_check("access-matrix")->info().records_reach);
  EXPECT_TRUE(find_check("rate-limit")->opt_in());
  EXPECT_FALSE(find_check("bulk")->wrong_caller());
  EXPECT_FALSE(find_check("sensitive-data")->wrong_caller());
  EXPECT_TRUE(find_check("sensitive-data")->info().reads_sign_in);
  EXPECT_FALSE(find_check("undocumented")->info().tests_access);
  EXPECT_EQ(checks_with(&CheckInfo::spec_only),
            (std::vector<const Check*>{find_check("shadow"), find_check("audit")}));
  EXPECT_FALSE(find_check("exposure")->info().tests_access);
}

// --- no-auth --------------------------------------------------------------------------------

class CheckNoAuth : public Orders {};

TEST_F(CheckNoAuth, PlansNoCredentialAndAGarbageOneOnGuardedOperationsOnly) {
  const auto probes = w.probes("no-auth", k_order);
  ASSERT_EQ(kinds_of(probes), (std::vector<std::string>{"no credential", "garbage credential"}));
  for (const auto& p : probes) {
    EXPECT_EQ(p.check, "no-auth");
    EXPECT_EQ(p.operation, w.op(k_order));
    EXPECT_EQ(p.identity, "");
    EXPECT_EQ(p.victim, "alice");  // the peer listed first of the highest level with an order
    EXPECT_TRUE(p.plain);
    EXPECT_EQ(p.request.method, "GET");
    EXPECT_EQ(p.request.url, "http://api.test/orders/10081");  // the victim's own order
  }
  EXPECT_EQ(probes[0].request.credential, plan::Credential::none);
  EXPECT_EQ(probes[0].request.identity, "");
  EXPECT_EQ(probes[1].request.credential, plan::Credential::garbage);
  EXPECT_EQ(probes[1].request.identity, "alice");  // alice's schemes, random values

  EXPECT_EQ(w.probes("no-auth", k_users).at(0).victim, "admin");
  EXPECT_EQ(w.probes("no-auth", k_orders).at(0).victim, "admin");
  EXPECT_EQ(w.probes("no-auth", k_patch).size(), 2u);  // allowed unsafe: replayed
  EXPECT_TRUE(w.probes("no-auth", k_menu).empty());    // public
  EXPECT_TRUE(w.probes("no-auth", k_delete).empty());  // unsafe, not allowed
  EXPECT_TRUE(w.probes("no-auth", k_cancel).empty());
}

TEST_F(CheckNoAuth, TheVictimsDataWithoutACredentialIsBypassed) {
  const auto probe = w.probe("no-auth", k_order, "no credential");
  const Verdict v = w.judge(probe, response(200, k_alice_order));
  EXPECT_EQ(v.state, State::bypassed) << v.reason;
  EXPECT_GE(v.leaked, 3u);  // id, owner, phone; the dish is on the public menu
  for (const auto& e : v.evidence) EXPECT_NE(e.pointer, "/dish");
  expect_masked(v, {"10081", "13812345678"});
  EXPECT_TRUE(contains(v.reason, "alice")) << v.reason;
}

TEST_F(CheckNoAuth, DenialsAreEnforced) {
  const auto probe = w.probe("no-auth", k_order, "garbage credential");
  for (const long status : {401L, 403L, 404L}) {
    const Verdict v = w.judge(probe, response(status, k_login));
    EXPECT_EQ(v.state, State::enforced) << status << ": " << v.reason;
  }
  EXPECT_EQ(w.judge(probe, response(302, "", {{"location", "/login"}})).state, State::enforced);
  // A 2xx with an error in its body, and one without anything of alice's, are no leak either.
  EXPECT_EQ(w.judge(probe, response(200, R"({"code": 401, "msg": "please sign in"})")).state,
            State::enforced);
  EXPECT_EQ(w.judge(probe, response(200, R"({"id": 555, "dish": "Kung Pao"})")).state,
            State::enforced);
}

TEST(CheckNoAuthFingerprint, A2xxIdenticalToTheDeniedFingerprintIsEnforced) {
  World w(k_spec, k_config);
  const std::string welcome = R"({"page": "welcome guest", "version": "2024.1"})";
  w.baseline(k_order, "alice", response(200, k_alice_order));
  w.denied(k_order, response(200, welcome));
  const auto probe = w.probe("no-auth", k_order, "no credential");
  const Verdict v = w.judge(probe, response(200, welcome));
  EXPECT_EQ(v.state, State::enforced);
  EXPECT_TRUE(contains(v.reason, "garbage credential")) << v.reason;
  EXPECT_EQ(w.judge(probe, response(200, k_alice_order)).state, State::bypassed);
}

TEST_F(CheckNoAuth, ServerAndTransportErrorsAreInconclusive) {
  const auto probe = w.probe("no-auth", k_order, "no credential");
  EXPECT_EQ(w.judge(probe, response(502, "Bad Gateway")).state, State::inconclusive);
  EXPECT_EQ(w.judge(probe, response(500, k_alice_order)).state, State::inconclusive);
  const Verdict dead = w.judge(probe, transport_error("Connection refused"));
  EXPECT_EQ(dead.state, State::inconclusive);
  EXPECT_TRUE(contains(dead.reason, "Connection refused")) << dead.reason;
}

TEST(CheckNoAuthBaseline, AnUnusableVictimBaselineMakesEveryAnswerInconclusive) {
  World w(k_spec, k_config);
  w.baseline(k_order, "alice", response(403, R"({"error": "forbidden"})"));
  w.denied(k_order, response(401, k_login));
  const auto probe = w.probe("no-auth", k_order, "no credential");
  const Verdict v = w.judge(probe, response(200, k_alice_order));
  EXPECT_EQ(v.state, State::inconclusive);
  EXPECT_TRUE(contains(v.reason, "baseline answered 403")) << v.reason;
  // No baseline at all: nothing to compare with either.
  World none(k_spec, k_config);
  EXPECT_EQ(none.judge(probe, response(200, k_alice_order)).state, State::inconclusive);
}

TEST_F(CheckNoAuth, AWriteAcceptedWithoutACredentialIsBypassedWithoutLeakedData) {
  const auto probe = w.probe("no-auth", k_patch, "no credential");
  EXPECT_EQ(probe.request.method, "PATCH");
  EXPECT_EQ(probe.request.body, R"({"note":"leave at the door"})");
  const Verdict v = w.judge(probe, response(200, R"({"ok": true})"));
  EXPECT_EQ(v.state, State::bypassed) << v.reason;
  EXPECT_TRUE(contains(v.reason, "PATCH was accepted")) << v.reason;
  // A 204 completes a write: no denial there.
  EXPECT_EQ(w.judge(probe, response(204)).state, State::bypassed);
  EXPECT_EQ(w.judge(probe, response(401, k_login)).state, State::enforced);
}

TEST(CheckNoAuthNobody, AnOperationNoIdentityMayCallIsJudgedWithoutABaseline) {
  World w(k_spec, k_config + "\n[[expect]]\nmatch = \"GET /orders\"\naccess = \"nobody\"\n");
  w.baseline(k_menu, "", response(200, k_menu_body));
  w.denied(k_orders, response(401, k_login));
  const auto probes = w.probes("no-auth", k_orders);
  ASSERT_EQ(kinds_of(probes), std::vector<std::string>{"no credential (no caller is allowed)"});
  EXPECT_EQ(probes[0].victim, "");
  EXPECT_EQ(w.judge(probes[0], response(200, k_all_orders)).state, State::bypassed);
  EXPECT_EQ(w.judge(probes[0], response(401, k_login)).state, State::enforced);
  // Only what the public menu shows anyone: nothing to tell.
  EXPECT_EQ(w.judge(probes[0], response(200, k_menu_body)).state, State::inconclusive);
}

// --- weaker-identity ------------------------------------------------------------------------

class CheckWeakerIdentity : public Orders {};

TEST_F(CheckWeakerIdentity, PlansEveryIdentityBelowTheLevel) {
  const auto probes = w.probes("weaker-identity", k_users);
  ASSERT_EQ(kinds_of(probes), (std::vector<std::string>{"as alice (level 1)", "as bob (level 1)"}));
  for (const auto& p : probes) {
    EXPECT_EQ(p.victim, "admin");
    EXPECT_EQ(p.request.identity, p.identity);
    EXPECT_EQ(p.request.credential, plan::Credential::own);
    EXPECT_TRUE(p.plain);
    EXPECT_EQ(p.request.url, "http://api.test/admin/users");
  }
  EXPECT_TRUE(w.probes("weaker-identity", k_order).empty());   // owner-only: cross-owner's
  EXPECT_TRUE(w.probes("weaker-identity", k_orders).empty());  // everyone authenticated may
  EXPECT_TRUE(w.probes("weaker-identity", k_menu).empty());
  EXPECT_TRUE(w.probes("weaker-identity", k_delete).empty());
}

TEST_F(CheckWeakerIdentity, TheHigherLevelsDataIsBypassedADenialEnforced) {
  const auto as_alice = w.probe("weaker-identity", k_users, "as alice (level 1)");
  const Verdict v = w.judge(as_alice, response(200, k_user_list));
  EXPECT_EQ(v.state, State::bypassed) << v.reason;
  expect_masked(v, {"110101199003071233"});
  EXPECT_EQ(w.judge(as_alice, response(403, R"({"error": "admins only"})")).state, State::enforced);
  // A 2xx without the admin's data (an empty page for her) leaks nothing.
  EXPECT_EQ(w.judge(as_alice, response(200, R"({"users": []})")).state, State::enforced);
  EXPECT_EQ(w.judge(as_alice, response(503)).state, State::inconclusive);
  EXPECT_EQ(w.judge(as_alice, transport_error()).state, State::inconclusive);
}

// --- cross-owner ----------------------------------------------------------------------------

class CheckCrossOwner : public Orders {};

TEST_F(CheckCrossOwner, PlansEveryPeerPairBothWaysAndTheirLists) {
  const auto probes = w.probes("cross-owner", k_order);
  ASSERT_EQ(kinds_of(probes), (std::vector<std::string>{"bob asks for alice's object",
                                                        "alice asks for bob's object"}));
  EXPECT_EQ(probes[0].identity, "bob");
  EXPECT_EQ(probes[0].victim, "alice");
  EXPECT_EQ(probes[0].parameter, "orderId");
  EXPECT_EQ(probes[0].value, "10081");
  EXPECT_EQ(probes[0].request.url, "http://api.test/orders/10081");
  EXPECT_EQ(probes[0].request.identity, "bob");
  EXPECT_EQ(probes[0].request.credential, plan::Credential::own);
  EXPECT_EQ(probes[1].request.url, "http://api.test/orders/10206");
  // Lists: as each peer (the admin has none of its level), judged by whose items they hold.
  const auto lists = w.probes("cross-owner", k_orders);
  ASSERT_EQ(kinds_of(lists), (std::vector<std::string>{"list as alice holds peers' objects",
                                                       "list as bob holds peers' objects"}));
  EXPECT_EQ(lists[0].victim, "");
  EXPECT_EQ(w.probes("cross-owner", k_patch).size(), 2u);
  EXPECT_TRUE(w.probes("cross-owner", k_menu).empty());
  EXPECT_TRUE(w.probes("cross-owner", k_users).empty());  // declared level >= 3: shared
  EXPECT_TRUE(w.probes("cross-owner", k_delete).empty());
}

TEST_F(CheckCrossOwner, BobGettingAlicesOrderIsBypassed) {
  const auto probe = w.probe("cross-owner", k_order, "bob asks for alice's object");
  const Verdict v = w.judge(probe, response(200, k_alice_order));
  EXPECT_EQ(v.state, State::bypassed) << v.reason;
  EXPECT_TRUE(contains(v.reason, "bob never saw")) << v.reason;
  expect_masked(v, {"10081", "13812345678"});
  EXPECT_EQ(w.judge(probe, response(404, R"({"error": "no such order"})")).state, State::enforced);
  EXPECT_EQ(w.judge(probe, response(403, "")).state, State::enforced);
  // The server ignores the ID and answers bob's own order: nothing of alice's.
  EXPECT_EQ(w.judge(probe, response(200, k_bob_order)).state, State::enforced);
  EXPECT_EQ(w.judge(probe, response(500)).state, State::inconclusive);
}

TEST_F(CheckCrossOwner, AListHoldingAnotherOwnersItemIsBypassed) {
  const auto probe = w.probe("cross-owner", k_orders, "list as alice holds peers' objects");
  const Verdict v = w.judge(probe, response(200, k_all_orders));
  EXPECT_EQ(v.state, State::bypassed) << v.reason;
  EXPECT_EQ(v.leaked, 1u);
  EXPECT_EQ(v.items, 2u);
  ASSERT_EQ(v.evidence.size(), 1u);
  EXPECT_EQ(v.evidence[0].pointer, "/items/1");
  EXPECT_EQ(v.evidence[0].masked, "belongs to bob (owner field)");
  // By its ID alone (no owner field): bob owns order 10206.
  const Verdict by_id =
      w.judge(probe, response(200, R"({"items": [{"id": 10081}, {"id": 10206}]})"));
  EXPECT_EQ(by_id.state, State::bypassed) << by_id.reason;
  ASSERT_FALSE(by_id.evidence.empty());
  EXPECT_EQ(by_id.evidence[0].masked, "belongs to bob (id)");
  // Her own items only, or unowned ones: enforced.
  EXPECT_EQ(w.judge(probe, response(200, k_alice_orders)).state, State::enforced);
  EXPECT_EQ(w.judge(probe, response(200, R"({"items": [{"id": 777, "owner": "carol"}]})")).state,
            State::enforced);
  EXPECT_EQ(w.judge(probe, response(401, k_login)).state, State::enforced);
}

TEST_F(CheckCrossOwner, UnmaskedPersonalDataMakesTheFindingCritical) {
  const auto probe = w.probe("cross-owner", k_order, "bob asks for alice's object");
  const auto results = w.judge_all({{probe, response(200, k_alice_order)}});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].verdict.state, State::bypassed);
  EXPECT_EQ(results[0].verdict.severity, Severity::critical);
  EXPECT_EQ(results[0].verdict.data, std::vector<std::string>{"mobile"});
}

TEST_F(CheckCrossOwner, AWriteOnAnotherOwnersObjectAcceptedIsBypassed) {
  const auto probe = w.probe("cross-owner", k_patch, "bob asks for alice's object");
  EXPECT_EQ(probe.request.method, "PATCH");
  EXPECT_EQ(w.judge(probe, response(200, R"({"updated": true})")).state, State::bypassed);
  EXPECT_EQ(w.judge(probe, response(403, "")).state, State::enforced);
}

// --- enumerate ------------------------------------------------------------------------------

class CheckEnumerate : public Orders {};

TEST_F(CheckEnumerate, PlansMutatedIdsAsTheOwnerAndOnceWithoutACredential) {
  EXPECT_FALSE(find_check("enumerate")->info().per_victim);
  w.mutations().ids = {"n+1", "0", "00000000-0000-0000-0000-000000000000", "others"};
  const auto probes = w.probes("enumerate", k_order);
  // The UUID rule does not apply to integer IDs; nobody gets its own ID.
  EXPECT_EQ(kinds_of(probes),
            (std::vector<std::string>{"orderId=10082 as alice", "orderId=10082 with no credential",
                                      "orderId=0 as alice", "orderId=0 with no credential",
                                      "orderId=10206 as alice", "orderId=10206 with no credential",
                                      "orderId=10207 as bob", "orderId=0 as bob",
                                      "orderId=10081 as bob"}));
  for (const auto& p : probes) {
    EXPECT_EQ(p.parameter, "orderId");
    EXPECT_EQ(p.request.url, "http://api.test/orders/" + p.value);
    EXPECT_EQ(p.victim, p.identity.empty() ? "alice" : p.identity);
    EXPECT_EQ(p.request.credential,
              p.identity.empty() ? plan::Credential::none : plan::Credential::own);
  }
  EXPECT_TRUE(w.probes("enumerate", k_patch).empty());   // reads only
  EXPECT_TRUE(w.probes("enumerate", k_orders).empty());  // no ID in the path
  EXPECT_TRUE(w.probes("enumerate", k_menu).empty());
  EXPECT_TRUE(w.probes("enumerate", k_users).empty());
}

TEST_F(CheckEnumerate, DataTheSenderNeverSawIsBypassed) {
  const auto as_alice = w.probe("enumerate", k_order, "orderId=10082 as alice");
  const std::string stranger =
      R"({"id": 10082, "owner": "u-9931", "dish": "Dan dan", "phone": "13700001111"})";
  const Verdict v = w.judge(as_alice, response(200, stranger));
  EXPECT_EQ(v.state, State::bypassed) << v.reason;
  EXPECT_TRUE(contains(v.reason, "orderId=10082")) << v.reason;
  expect_masked(v, {"13700001111"});
  const auto anonymous = w.probe("enumerate", k_order, "orderId=10082 with no credential");
  EXPECT_EQ(w.judge(anonymous, response(200, stranger)).state, State::bypassed);
  // Bob's order guessed by anonymous: data the anonymous caller never saw.
  const auto guessed = w.probe("enumerate", k_order, "orderId=10206 with no credential");
  EXPECT_EQ(w.judge(guessed, response(200, k_bob_order)).state, State::bypassed);
}

TEST_F(CheckEnumerate, DenialsAndTheCallersOwnRecordAreEnforced) {
  const auto as_alice = w.probe("enumerate", k_order, "orderId=10082 as alice");
  EXPECT_EQ(w.judge(as_alice, response(404, R"({"error": "no such order"})")).state,
            State::enforced);
  EXPECT_EQ(w.judge(as_alice, response(403, "")).state, State::enforced);
  // Her own record under another ID (its owner field says so), and values she has seen.
  const Verdict own = w.judge(
      as_alice, response(200, R"({"id": 10082, "owner": "alice", "dish": "Dan dan noodles"})"));
  EXPECT_EQ(own.state, State::enforced);
  EXPECT_TRUE(contains(own.reason, "own record")) << own.reason;
  EXPECT_EQ(w.judge(as_alice, response(200, k_alice_order)).state, State::enforced);
  EXPECT_EQ(w.judge(as_alice, response(500, k_bob_order)).state, State::inconclusive);
  EXPECT_EQ(w.judge(as_alice, transport_error()).state, State::inconclusive);
}

// --- bulk -----------------------------------------------------------------------------------

class CheckBulk : public Orders {};

std::string orders_page(int n) {
  std::string out = R"({"items": [)";
  for (int i = 0; i < n; ++i)
    out += (i ? "," : "") + std::string(R"({"id": )") + std::to_string(20000 + i) + "}";
  return out + "]}";
}

TEST_F(CheckBulk, PlansEveryPageSizeOnListsAsTheAllowedCaller) {
  const auto probes = w.probes("bulk", k_orders);
  EXPECT_EQ(kinds_of(probes),
            (std::vector<std::string>{"limit=100000", "limit=1000000", "limit=101", "limit=1000",
                                      "limit=-1", "limit=0", "limit omitted"}));
  for (const auto& p : probes) {
    EXPECT_EQ(p.identity, "admin");
    EXPECT_EQ(p.victim, "admin");
    EXPECT_EQ(p.parameter, "limit");
    EXPECT_EQ(p.request.credential, plan::Credential::own);
  }
  EXPECT_EQ(probes[2].request.url, "http://api.test/orders?limit=101");  // max+1
  EXPECT_EQ(probes.back().request.url, "http://api.test/orders");
  EXPECT_EQ(kinds_of(w.probes("bulk", k_users)),
            std::vector<std::string>{"no page-size parameter"});
  EXPECT_TRUE(w.probes("bulk", k_order).empty());  // not a list
  EXPECT_TRUE(w.probes("bulk", k_menu).empty());
}

TEST_F(CheckBulk, MoreItemsThanTheMaximumIsBypassedA400Enforced) {
  const auto huge = w.probe("bulk", k_orders, "limit=100000");
  const Verdict over = w.judge(huge, response(200, orders_page(101)));
  EXPECT_EQ(over.state, State::bypassed) << over.reason;
  EXPECT_EQ(over.items, 101u);
  EXPECT_TRUE(contains(over.reason, "the spec's maximum for limit (100)")) << over.reason;
  const Verdict within = w.judge(huge, response(200, orders_page(100)));
  EXPECT_EQ(within.state, State::enforced) << within.reason;
  EXPECT_EQ(within.items, 100u);
  EXPECT_EQ(w.judge(huge, response(400, R"({"error": "limit must be <= 100"})")).state,
            State::enforced);
  EXPECT_EQ(w.judge(w.probe("bulk", k_orders, "limit=-1"), response(422, "")).state,
            State::enforced);
  EXPECT_EQ(w.judge(huge, response(504)).state, State::inconclusive);
  EXPECT_EQ(w.judge(huge, transport_error("Operation timed out")).state, State::inconclusive);
}

TEST(CheckBulkLimits, WithoutAMaximumTheConfiguredCapCounts) {
  World w(k_spec, k_config + "\n[limits]\nmax_items = 3\n");
  w.baseline(k_users, "admin", response(200, k_user_list));
  const auto probe = w.probe("bulk", k_users, "no page-size parameter");
  const std::string four =
      R"({"users": [{"name": "a1"}, {"name": "a2"}, {"name": "a3"}, {"name": "a4"}]})";
  const Verdict v = w.judge(probe, response(200, four));
  EXPECT_EQ(v.state, State::bypassed) << v.reason;
  EXPECT_TRUE(contains(v.reason, "limits.max_items (3)")) << v.reason;
  EXPECT_EQ(w.judge(probe, response(200, k_user_list)).state, State::enforced);
}

TEST(CheckBulkBaseline, AnEmptyBaselineListMakesItInconclusive) {
  World w(k_spec, k_config);
  w.baseline(k_orders, "admin", response(200, R"({"items": []})"));
  const Verdict v =
      w.judge(w.probe("bulk", k_orders, "limit=100000"), response(200, orders_page(500)));
  EXPECT_EQ(v.state, State::inconclusive);
  EXPECT_TRUE(contains(v.reason, "empty")) << v.reason;
}

// --- tampered-token -------------------------------------------------------------------------

class CheckTamperedToken : public Orders {};

TEST_F(CheckTamperedToken, PlansTheOpaqueRulesWithTheVictimsToken) {
  const auto probes = w.probes("tampered-token", k_order);
  ASSERT_EQ(probes.size(), 2u);
  EXPECT_EQ(probes[0].value, "truncated");
  EXPECT_EQ(probes[1].value, "case-swapped");
  for (const auto& p : probes) {
    EXPECT_EQ(p.identity, "alice");
    EXPECT_EQ(p.victim, "alice");
    EXPECT_EQ(p.request.credential, plan::Credential::tampered);
    EXPECT_EQ(p.request.tamper, p.value);
    EXPECT_EQ(p.request.tamper_other, "");
    EXPECT_FALSE(p.plain);
  }
  EXPECT_EQ(w.probes("tampered-token", k_users).at(0).identity, "admin");
  EXPECT_TRUE(w.probes("tampered-token", k_menu).empty());
  EXPECT_TRUE(w.probes("tampered-token", k_delete).empty());
}

std::string jwt(const std::string& payload) {
  return base64url_encode(R"({"alg":"HS256","typ":"JWT"})") + "." + base64url_encode(payload) +
         ".c2lnbmF0dXJl";
}

TEST(CheckTamperedTokenJwt, JwtsGetTheJwtRulesAndEscalationsComeFromTheLowestIdentity) {
  std::string config =
      replaced(k_config, "token-admin-0001", jwt(R"({"sub":"u-admin","role":"admin"})"));
  config = replaced(config, "token-alice-0001", jwt(R"({"sub":"alice","role":"user"})"));
  config = replaced(config, "token-bob-0001", jwt(R"({"sub":"bob","role":"user"})"));
  World w(k_spec, config);
  const auto probes = w.probes("tampered-token", k_users);
  std::set<std::string> rules;
  for (const auto& p : probes) {
    rules.insert(p.value);
    EXPECT_EQ(p.victim, "admin");
    const plan::TamperRule* rule = plan::find_tamper_rule(p.value);
    ASSERT_NE(rule, nullptr) << p.value;
    EXPECT_TRUE(rule->jwt) << p.value;
    if (rule->escalates) {
      EXPECT_EQ(p.identity, "alice") << p.value;  // the lowest other identity with a JWT
      EXPECT_EQ(p.request.tamper_other, "admin") << p.value;
    } else {
      EXPECT_EQ(p.identity, "admin") << p.value;
    }
  }
  EXPECT_TRUE(rules.contains("alg-none:none"));
  EXPECT_TRUE(rules.contains("claims-of"));
  EXPECT_FALSE(rules.contains("truncated"));  // opaque tokens only
  // Accepted without any signature: critical.
  w.baseline(k_users, "admin", response(200, k_user_list));
  w.denied(k_users, response(401, k_login));
  const auto none = w.probe("tampered-token", k_users, "tampered token: alg: none, no signature");
  const Verdict v = w.judge(none, response(200, k_user_list));
  EXPECT_EQ(v.state, State::bypassed) << v.reason;
  EXPECT_EQ(v.severity, Severity::critical);
}

TEST_F(CheckTamperedToken, A2xxThatIsNoDenialIsBypassedA401Enforced) {
  const auto probe = w.probe("tampered-token", k_order, "tampered token: the last quarter cut off");
  const Verdict v = w.judge(probe, response(200, k_alice_order));
  EXPECT_EQ(v.state, State::bypassed) << v.reason;
  EXPECT_TRUE(contains(v.reason, "tampered token")) << v.reason;
  EXPECT_FALSE(v.severity.has_value());  // signed or opaque: the check's own severity
  EXPECT_EQ(w.judge(probe, response(401, k_login)).state, State::enforced);
  EXPECT_EQ(w.judge(probe, response(500)).state, State::inconclusive);
  EXPECT_EQ(w.judge(probe, transport_error()).state, State::inconclusive);
}

TEST(CheckTamperedTokenGarbage, WhereAGarbageCredentialGetsTheDataItIsNoTokenFlaw) {
  World w(k_spec, k_config);
  w.baseline(k_order, "alice", response(200, k_alice_order));
  w.denied(k_order, response(200, k_alice_order));  // the garbage credential got her order
  ASSERT_TRUE(w.knowledge().accepts_garbage(w.op(k_order)));
  const auto probe = w.probe("tampered-token", k_order, "tampered token: the last quarter cut off");
  const Verdict v = w.judge(probe, response(200, k_alice_order));
  EXPECT_EQ(v.state, State::enforced);
  EXPECT_TRUE(contains(v.reason, "not a token check")) << v.reason;
}

TEST_F(CheckTamperedToken, RelateClearsItWhereNoCredentialAtAllGetsTheData) {
  const auto tampered =
      w.probe("tampered-token", k_order, "tampered token: upper and lower case swapped");
  const auto plain = w.probe("no-auth", k_order, "no credential");
  auto results = w.judge_all(
      {{tampered, response(200, k_alice_order)}, {plain, response(200, k_alice_order)}});
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[1].verdict.state, State::bypassed);  // no-auth has the finding
  EXPECT_EQ(results[0].verdict.state, State::enforced);
  EXPECT_TRUE(contains(results[0].verdict.reason, "not a token flaw")) << results[0].verdict.reason;
  // Where no credential is turned away, the tampered token getting in is the finding.
  results =
      w.judge_all({{tampered, response(200, k_alice_order)}, {plain, response(401, k_login)}});
  EXPECT_EQ(results[0].verdict.state, State::bypassed);
}

// --- bypass ---------------------------------------------------------------------------------

class CheckBypass : public Orders {};

TEST_F(CheckBypass, PlansAPlainReferenceAndVariantsPerCallerWhoShouldBeDenied) {
  const auto probes = w.probes("bypass", k_users);
  std::set<std::string> callers;
  std::size_t references = 0;
  for (const auto& p : probes) {
    callers.insert(p.identity);
    EXPECT_EQ(p.victim, "admin");
    EXPECT_EQ(p.request.credential,
              p.identity.empty() ? plan::Credential::none : plan::Credential::own);
    if (p.plain) {
      ++references;
      EXPECT_EQ(p.kind, "bypass: the plain request, for comparison");
      EXPECT_EQ(p.request.url, "http://api.test/admin/users");
    }
  }
  // Anonymous, and the lowest identity below level 3 (alice, listed before bob).
  EXPECT_EQ(callers, (std::set<std::string>{"", "alice"}));
  EXPECT_EQ(references, 2u);
  const auto* slash = find_kind(probes, "bypass: path {path}/");
  ASSERT_NE(slash, nullptr);
  EXPECT_EQ(slash->request.url, "http://api.test/admin/users/");
  const auto* xff = find_kind(probes, "bypass: header X-Forwarded-For: 127.0.0.1");
  ASSERT_NE(xff, nullptr);
  EXPECT_NE(std::find(xff->request.headers.begin(), xff->request.headers.end(),
                      std::pair<std::string, std::string>{"X-Forwarded-For", "127.0.0.1"}),
            xff->request.headers.end());
  const auto* rewrite = find_kind(probes, "bypass: rewrite X-Original-URL");
  ASSERT_NE(rewrite, nullptr);
  EXPECT_EQ(rewrite->request.url, "http://api.test/");
  const auto* head = find_kind(probes, "bypass: method HEAD");
  ASSERT_NE(head, nullptr);
  EXPECT_EQ(head->request.method, "HEAD");
  // Method overrides need unsafe methods allowed.
  EXPECT_EQ(find_kind(probes, "bypass: override X-HTTP-Method-Override"), nullptr);
  // Owner-only: only the anonymous caller (peers are cross-owner's business).
  for (const auto& p : w.probes("bypass", k_order)) EXPECT_EQ(p.identity, "") << p.kind;
  EXPECT_TRUE(w.probes("bypass", k_menu).empty());
  EXPECT_TRUE(w.probes("bypass", k_delete).empty());
}

TEST(CheckBypassUnsafe, MethodOverridesArePlannedWhereUnsafeMethodsAreAllowed) {
  World w(k_spec, replaced(k_config, "[target]\n", "[limits]\nallow_unsafe = true\n\n[target]\n"));
  const auto probes = w.probes("bypass", k_users);
  const auto* o = find_kind(probes, "bypass: override X-HTTP-Method-Override");
  ASSERT_NE(o, nullptr);
  EXPECT_EQ(o->request.method, "POST");
  EXPECT_NE(std::find(o->request.headers.begin(), o->request.headers.end(),
                      std::pair<std::string, std::string>{"X-HTTP-Method-Override", "GET"}),
            o->request.headers.end());
}

TEST_F(CheckBypass, AVariantThatGetsInWhereThePlainRequestIsDeniedIsBypassed) {
  const auto probes = w.probes("bypass", k_users);
  const plan::Probe* reference = nullptr;
  const plan::Probe* variant = nullptr;
  for (const auto& p : probes) {
    if (!p.identity.empty()) continue;
    if (p.plain) reference = &p;
    if (p.kind == "bypass: header X-Forwarded-For: 127.0.0.1") variant = &p;
  }
  ASSERT_NE(reference, nullptr);
  ASSERT_NE(variant, nullptr);
  const auto results =
      w.judge_all({{*reference, response(401, k_login)}, {*variant, response(200, k_user_list)}});
  EXPECT_EQ(results[1].verdict.state, State::bypassed) << results[1].verdict.reason;
  EXPECT_TRUE(results[1].verdict.reason.starts_with("header X-Forwarded-For: 127.0.0.1: "))
      << results[1].verdict.reason;
  EXPECT_EQ(results[0].verdict.state, State::enforced);
  EXPECT_TRUE(contains(results[0].verdict.reason, "for comparison")) << results[0].verdict.reason;
  // The variant denied too: enforced.
  EXPECT_EQ(w.judge(*variant, response(403, "")).state, State::enforced);
  EXPECT_EQ(w.judge(*variant, response(502, "")).state, State::inconclusive);
}

TEST_F(CheckBypass, AVariantCountsOnlyAgainstItsOwnCallersReference) {
  const auto probes = w.probes("bypass", k_users);
  std::vector<std::pair<plan::Probe, plan::Response>> exchanges;
  for (const auto& p : probes) {
    if (!p.plain && p.kind != "bypass: path {path}/") continue;
    // Anonymous callers get in everywhere; alice's plain request is denied, her variant not.
    const bool open = p.identity.empty() || !p.plain;
    exchanges.emplace_back(p, open ? response(200, k_user_list) : response(403, ""));
  }
  ASSERT_EQ(exchanges.size(), 4u);
  const auto results = w.judge_all(exchanges);
  for (const auto& r : results) {
    const std::string who = r.probe.identity.empty() ? "anonymous" : r.probe.identity;
    if (r.probe.plain && r.probe.identity.empty()) {
      // Its own reference gets in and no other check reported it: the reference says so.
      EXPECT_EQ(r.verdict.state, State::bypassed) << who;
      EXPECT_TRUE(contains(r.verdict.reason, "no variant needed")) << r.verdict.reason;
    } else if (r.probe.plain) {
      EXPECT_EQ(r.verdict.state, State::enforced) << who;
    } else if (r.probe.identity.empty()) {
      EXPECT_EQ(r.verdict.state, State::enforced) << who;  // no guard to bypass
      EXPECT_TRUE(contains(r.verdict.reason, "not a bypass")) << r.verdict.reason;
    } else {
      EXPECT_EQ(r.verdict.state, State::bypassed) << who << ": " << r.verdict.reason;
    }
  }
}

TEST_F(CheckBypass, APlainReferenceThatGetsThroughIsNotReportedTwice) {
  const auto reference = w.probe("bypass", k_order, "bypass: the plain request, for comparison");
  const auto variant = w.probe("bypass", k_order, "bypass: path {path}/");
  const auto no_auth = w.probe("no-auth", k_order, "no credential");
  const auto results = w.judge_all({{reference, response(200, k_alice_order)},
                                    {variant, response(200, k_alice_order)},
                                    {no_auth, response(200, k_alice_order)}});
  EXPECT_EQ(results[2].verdict.state, State::bypassed);  // no-auth reports it
  EXPECT_EQ(results[0].verdict.state, State::enforced);
  EXPECT_TRUE(contains(results[0].verdict.reason, "its own check reports that"))
      << results[0].verdict.reason;
  EXPECT_EQ(results[1].verdict.state, State::enforced);
  EXPECT_TRUE(contains(results[1].verdict.reason, "not a bypass")) << results[1].verdict.reason;
}

// The plain request answered (200, none of the victim's data: enforced, but no denial): there is
// no guard for the variant to bypass. relate() reads the reference's answer after judge_one,
// which keeps it.
TEST_F(CheckBypass, AVariantIsNoBypassWhereThePlainRequestIsAnsweredWithoutTheVictimsData) {
  const auto reference = w.probe("bypass", k_order, "bypass: the plain request, for comparison");
  const auto variant = w.probe("bypass", k_order, "bypass: path {path}/");
  ASSERT_EQ(reference.identity, variant.identity);
  const auto results =
      w.judge_all({{reference, response(200, R"({"notice": "welcome back, here is your menu"})")},
                   {variant, response(200, k_alice_order)}});
  EXPECT_EQ(results[0].verdict.state, State::enforced) << results[0].verdict.reason;
  EXPECT_EQ(results[1].verdict.state, State::enforced) << results[1].verdict.reason;
  EXPECT_TRUE(contains(results[1].verdict.reason, "not a bypass")) << results[1].verdict.reason;
}

TEST_F(CheckBypass, HeadIsJudgedByItsContentLength) {
  const auto head = w.probe("bypass", k_users, "bypass: method HEAD");
  const std::string size = std::to_string(k_user_list.size());
  const Verdict same = w.judge(head, response(200, "", {{"content-length", size}}));
  EXPECT_EQ(same.state, State::bypassed) << same.reason;
  EXPECT_TRUE(same.reason.starts_with("method HEAD: ")) << same.reason;
  EXPECT_EQ(w.judge(head, response(200, "", {{"content-length", "17"}})).state, State::enforced);
  EXPECT_EQ(w.judge(head, response(200)).state, State::inconclusive);  // no Content-Length
  EXPECT_EQ(w.judge(head, response(401)).state, State::enforced);
  EXPECT_EQ(w.judge(head, response(500)).state, State::inconclusive);
}

TEST_F(CheckBypass, AVariantStaysBypassedWhereThePlainRequestGotNoAnswer) {
  const auto reference = w.probe("bypass", k_users, "bypass: the plain request, for comparison");
  const auto variant = w.probe("bypass", k_users, "bypass: header X-Forwarded-For: 127.0.0.1");
  const auto results =
      w.judge_all({{reference, transport_error()}, {variant, response(200, k_user_list)}});
  EXPECT_EQ(results[1].verdict.state, State::bypassed) << results[1].verdict.reason;
}

// A plain reference answered 5xx is no answer (like no answer at all, above): it does not clear
// a variant that got the admin's data (a server that crashes on the plain anonymous request but
// serves the data with X-Forwarded-For: 127.0.0.1).
TEST_F(CheckBypass, AServerErrorOnThePlainRequestDoesNotClearAVariantThatGotIn) {
  const auto reference = w.probe("bypass", k_users, "bypass: the plain request, for comparison");
  const auto variant = w.probe("bypass", k_users, "bypass: header X-Forwarded-For: 127.0.0.1");
  const auto results =
      w.judge_all({{reference, response(500, "")}, {variant, response(200, k_user_list)}});
  EXPECT_EQ(results[0].verdict.state, State::inconclusive);
  EXPECT_NE(results[1].verdict.state, State::enforced) << results[1].verdict.reason;
}

// On a one-segment path `{dir}` is empty, so "path {dir}//{last}" is the same request as
// "path /{path}" (GET //orders): it is planned once.
TEST_F(CheckBypass, PlansNoDuplicateRequestOnAOneSegmentPath) {
  std::set<std::string> requests;
  for (const auto& p : w.probes("bypass", k_orders)) {
    std::string request = p.identity + " " + p.request.method + " " + p.request.url;
    for (const auto& [name, value] : p.request.headers) request += "|" + name + ": " + value;
    EXPECT_TRUE(requests.insert(request).second) << p.kind << " repeats " << request;
  }
}

// --- sensitive-data -------------------------------------------------------------------------

class CheckSensitiveData : public Orders {};

TEST_F(CheckSensitiveData, PlansOneReadOfEveryBaselineAnswer) {
  const auto probes = w.probes("sensitive-data", k_orders);
  EXPECT_EQ(kinds_of(probes),
            (std::vector<std::string>{"answer to admin", "answer to alice", "answer to bob"}));
  for (const auto& p : probes) {
    EXPECT_TRUE(p.from_baseline);
    EXPECT_FALSE(p.static_only);
    EXPECT_EQ(p.request.identity, p.identity);
  }
  EXPECT_EQ(kinds_of(w.probes("sensitive-data", k_menu)),
            std::vector<std::string>{"answer to anonymous"});
  EXPECT_EQ(w.probes("sensitive-data", k_order).at(0).request.url, "http://api.test/orders/10081");
  EXPECT_TRUE(w.probes("sensitive-data", k_delete).empty());
}

TEST_F(CheckSensitiveData, AnOrdinaryCallerGettingAnUnmaskedResidentIdIsHigh) {
  const auto probe = w.probe("sensitive-data", k_orders, "answer to alice");
  const std::string body = R"({"items": [{"id": 10081, "owner": "alice"}],)"
                           R"( "courier": {"name": "Wang Fang", "idCard": "110101199003071233"}})";
  const Verdict v = w.judge(probe, response(200, body));
  EXPECT_EQ(v.state, State::bypassed) << v.reason;
  EXPECT_EQ(v.severity, Severity::high);
  EXPECT_EQ(v.data, std::vector<std::string>{"resident-id"});
  expect_masked(v, {"110101199003071233"});
  // Masked, it is no finding.
  const std::string masked =
      R"({"items": [{"id": 10081, "owner": "alice"}],)"
      R"( "courier": {"phone": "138****1234", "idCard": "1101**********1233"}})";
  const Verdict m = w.judge(probe, response(200, masked));
  EXPECT_EQ(m.state, State::enforced) << m.reason;
}

TEST_F(CheckSensitiveData, ThePrivilegedCallerIsHeldOnlyToKeys) {
  const auto admin = w.probe("sensitive-data", k_users, "answer to admin");
  EXPECT_EQ(w.judge(admin, response(200, k_user_list)).state, State::enforced);
  const std::string key = R"({"users": [], "signing": "-----BEGIN RSA PRIVATE KEY-----\nMIIEow)"
                          R"(IBAAKCAQEA1x\n-----END RSA PRIVATE KEY-----"})";
  const Verdict v = w.judge(admin, response(200, key));
  EXPECT_EQ(v.state, State::bypassed) << v.reason;
  EXPECT_EQ(v.severity, Severity::medium);
}

TEST_F(CheckSensitiveData, SeveralPeoplesPhonesAreLowOnesOwnPhoneNothing) {
  const auto menu = w.probe("sensitive-data", k_menu, "answer to anonymous");
  const std::string phones = R"({"dish": "Kung Pao", "staff": [{"phone": "13812345678"},)"
                             R"( {"phone": "13987654321"}, {"phone": "13700001111"}]})";
  const Verdict v = w.judge(menu, response(200, phones));
  EXPECT_EQ(v.state, State::bypassed) << v.reason;
  EXPECT_EQ(v.severity, Severity::low);
  EXPECT_EQ(v.data, std::vector<std::string>{"mobile"});
  // One hotline is no one's personal data worth a finding.
  EXPECT_EQ(w.judge(menu, response(200, R"({"hotline": "13812345678"})")).state, State::enforced);
  // Alice's own phone in her own order.
  const auto own = w.probe("sensitive-data", k_order, "answer to alice");
  EXPECT_EQ(w.judge(own, response(200, k_alice_order)).state, State::enforced);
}

TEST_F(CheckSensitiveData, NothingToReadIsEnforcedNoAnswerInconclusive) {
  const auto probe = w.probe("sensitive-data", k_orders, "answer to alice");
  EXPECT_EQ(w.judge(probe, response(403, R"({"idCard": "110101199003071233"})")).state,
            State::enforced);
  EXPECT_EQ(w.judge(probe, transport_error()).state, State::inconclusive);
}

// --- existence-oracle -----------------------------------------------------------------------

class CheckExistenceOracle : public Orders {};

TEST_F(CheckExistenceOracle, PlansAnExistingAndAMadeUpIdAsTheLowestOtherIdentity) {
  const auto probes = w.probes("existence-oracle", k_order);
  ASSERT_EQ(kinds_of(probes), (std::vector<std::string>{"an existing orderId (10081) as bob",
                                                        "a made-up orderId (999999999) as bob"}));
  for (const auto& p : probes) {
    EXPECT_EQ(p.identity, "bob");
    EXPECT_EQ(p.victim, "alice");
    EXPECT_EQ(p.parameter, "orderId");
    EXPECT_EQ(p.request.credential, plan::Credential::own);
  }
  EXPECT_EQ(probes[0].request.url, "http://api.test/orders/10081");
  EXPECT_EQ(probes[1].request.url, "http://api.test/orders/999999999");
  EXPECT_TRUE(w.probes("existence-oracle", k_patch).empty());   // reads only
  EXPECT_TRUE(w.probes("existence-oracle", k_orders).empty());  // names no object
  EXPECT_TRUE(w.probes("existence-oracle", k_users).empty());
  EXPECT_TRUE(w.probes("existence-oracle", k_menu).empty());
}

TEST_F(CheckExistenceOracle, A403ForTheRealOneAndA404ForTheMadeUpOneIsTheFinding) {
  const auto probes = w.probes("existence-oracle", k_order);
  ASSERT_EQ(probes.size(), 2u);
  auto results = w.judge_all({{probes[0], response(403, R"({"error": "not yours"})")},
                              {probes[1], response(404, R"({"error": "no such order"})")}});
  for (const auto& r : results) {
    EXPECT_EQ(r.verdict.state, State::bypassed) << r.probe.kind;
    EXPECT_TRUE(contains(r.verdict.reason, "403 for orderId 10081")) << r.verdict.reason;
  }
  // Denied alike: existence is not told.
  results = w.judge_all({{probes[0], response(404, "")}, {probes[1], response(404, "")}});
  for (const auto& r : results) {
    EXPECT_EQ(r.verdict.state, State::enforced) << r.probe.kind;
    EXPECT_TRUE(contains(r.verdict.reason, "both denied alike")) << r.verdict.reason;
  }
  // The real one answered: for the access checks, not this one.
  results =
      w.judge_all({{probes[0], response(200, k_alice_order)}, {probes[1], response(404, "")}});
  EXPECT_EQ(results[0].verdict.state, State::enforced);
  EXPECT_TRUE(contains(results[0].verdict.reason, "access checks")) << results[0].verdict.reason;
  EXPECT_EQ(w.judge(probes[0], transport_error()).state, State::inconclusive);
}

// --- rate-limit -----------------------------------------------------------------------------

class CheckRateLimit : public Orders {};

TEST_F(CheckRateLimit, PlansABurstOnSensitiveReadsAsTheAllowedCaller) {
  const auto probes = w.probes("rate-limit", k_orders);
  ASSERT_EQ(probes.size(), 30u);
  EXPECT_EQ(probes.front().kind, "burst request 1/30");
  EXPECT_EQ(probes.back().kind, "burst request 30/30");
  for (const auto& p : probes) {
    EXPECT_EQ(p.identity, "admin");
    EXPECT_EQ(p.request.url, "http://api.test/orders");
  }
  EXPECT_EQ(w.probes("rate-limit", k_order).at(0).identity, "alice");  // has a phone field
  EXPECT_TRUE(w.probes("rate-limit", k_menu).empty());                 // public
  EXPECT_TRUE(w.probes("rate-limit", k_patch).empty());                // not a read
}

TEST(CheckRateLimitSettings, PlanHonoursRequestsAndOperations) {
  World w(k_spec, k_config + "\n[checks.rate-limit]\nrequests = 4\noperations = 1\n");
  // GET /admin/users is the plan's first sensitive read; only it gets a burst, of 4.
  ASSERT_EQ(w.op(k_users), 0u);
  EXPECT_EQ(kinds_of(w.probes("rate-limit", k_users)),
            (std::vector<std::string>{"burst request 1/4", "burst request 2/4", "burst request 3/4",
                                      "burst request 4/4"}));
  EXPECT_TRUE(w.probes("rate-limit", k_orders).empty());
  EXPECT_TRUE(w.probes("rate-limit", k_order).empty());
}

// A sensitive read no identity may call (no victim, so no burst) takes none of the `operations`
// slots: with operations = 1 and GET /admin/users (the plan's first sensitive read) declared
// `nobody`, the next sensitive read gets the burst.
TEST(CheckRateLimitSettings, ABurstSlotIsNotSpentOnAReadNoIdentityMayCall) {
  World w(k_spec, replaced(k_config, "access = \"level >= 3\"", "access = \"nobody\"") +
                      "\n[checks.rate-limit]\noperations = 1\n");
  ASSERT_EQ(w.op(k_users), 0u);
  EXPECT_TRUE(w.probes("rate-limit", k_users).empty());
  EXPECT_EQ(w.probes("rate-limit", k_orders).size(), 30u);
}

std::vector<std::pair<plan::Probe, plan::Response>> burst(const std::vector<plan::Probe>& probes,
                                                          std::size_t throttled_at,
                                                          const plan::Response& throttled) {
  std::vector<std::pair<plan::Probe, plan::Response>> out;
  for (std::size_t i = 0; i < probes.size(); ++i)
    out.emplace_back(probes[i], i == throttled_at ? throttled : response(200, k_user_list));
  return out;
}

TEST(CheckRateLimitBurst, EveryAnswer2xxIsTheFindingA429WithinTheBurstIsEnforced) {
  World w(k_spec, k_config + "\n[checks.rate-limit]\nrequests = 4\noperations = 1\n");
  learn(w);
  const auto probes = w.probes("rate-limit", k_users);
  ASSERT_EQ(probes.size(), 4u);
  auto results = w.judge_all(burst(probes, 99, {}));
  for (const auto& r : results) EXPECT_EQ(r.verdict.state, State::bypassed) << r.probe.kind;
  EXPECT_TRUE(contains(results[0].verdict.reason, "4 requests in a burst"));

  results = w.judge_all(burst(probes, 2, response(429, "", {{"retry-after", "1"}})));
  for (const auto& r : results) EXPECT_EQ(r.verdict.state, State::enforced) << r.probe.kind;
  EXPECT_TRUE(contains(results[2].verdict.reason, "throttled: 429")) << results[2].verdict.reason;
  // An announced limit, or a retry after a 429, is throttling too.
  results =
      w.judge_all(burst(probes, 1, response(200, k_user_list, {{"x-ratelimit-limit", "10"}})));
  for (const auto& r : results) EXPECT_EQ(r.verdict.state, State::enforced) << r.probe.kind;
  plan::Response retried = response(200, k_user_list);
  retried.throttled = 1;
  retried.attempts = 2;
  results = w.judge_all(burst(probes, 3, retried));
  for (const auto& r : results) EXPECT_EQ(r.verdict.state, State::enforced) << r.probe.kind;
  // A lost answer: not a clean burst.
  results = w.judge_all(burst(probes, 1, transport_error()));
  EXPECT_EQ(results.back().verdict.state, State::inconclusive) << results.back().verdict.reason;
  EXPECT_EQ(results[1].verdict.state, State::inconclusive);
}

// --- undocumented ---------------------------------------------------------------------------

class CheckUndocumented : public Orders {};

TEST_F(CheckUndocumented, PlansOptionsOncePerPathAndGetWhereNoneIsDocumented) {
  const auto order = w.probes("undocumented", k_order);
  ASSERT_EQ(order.size(), 1u);
  EXPECT_EQ(order[0].request.method, "OPTIONS");
  EXPECT_EQ(order[0].request.url, "http://api.test/orders/1");
  EXPECT_EQ(order[0].request.credential, plan::Credential::none);
  EXPECT_TRUE(w.probes("undocumented", k_patch).empty());  // the path's GET plans it
  EXPECT_TRUE(w.probes("undocumented", k_delete).empty());
  // A path with only an unsafe POST (skipped) is probed with safe methods.
  const auto cancel = w.probes("undocumented", k_cancel);
  ASSERT_EQ(cancel.size(), 2u);
  EXPECT_EQ(cancel[0].request.method, "OPTIONS");
  EXPECT_EQ(cancel[1].request.method, "GET");
  EXPECT_EQ(cancel[1].request.url, "http://api.test/orders/1/cancel");
  EXPECT_EQ(cancel[1].identity, "");
}

TEST(CheckUndocumentedSkip, APathTheConfigSkipsGetsNoTraffic) {
  World w(k_spec, k_config + "\n[[expect]]\nmatch = \"POST /orders/*/cancel\"\nskip = true\n");
  EXPECT_TRUE(w.probes("undocumented", k_cancel).empty());
}

TEST_F(CheckUndocumented, AllowNamingUndocumentedMethodsIsInfo) {
  const auto options = w.probes("undocumented", k_order).at(0);
  const Verdict v = w.judge(options, response(204, "", {{"allow", "GET, PATCH, DELETE, PUT"}}));
  EXPECT_EQ(v.state, State::bypassed) << v.reason;
  EXPECT_EQ(v.severity, Severity::info);
  EXPECT_TRUE(contains(v.reason, "names PUT,")) << v.reason;
  EXPECT_EQ(
      w.judge(options, response(204, "", {{"allow", "GET, PATCH, DELETE, OPTIONS, HEAD"}})).state,
      State::enforced);
  EXPECT_EQ(w.judge(options, response(204)).state, State::enforced);
  EXPECT_EQ(w.judge(options, transport_error()).state, State::inconclusive);
}

TEST_F(CheckUndocumented, AnUndocumentedGetWithDataIsBypassed) {
  const auto get = w.probes("undocumented", k_cancel).at(1);
  const Verdict v = w.judge(get, response(200, R"({"cancelled_by": "ops-team", "refund": 1234})"));
  EXPECT_EQ(v.state, State::bypassed) << v.reason;
  EXPECT_EQ(v.leaked, 2u);
  EXPECT_EQ(w.judge(get, response(405, "")).state, State::enforced);
  EXPECT_EQ(w.judge(get, response(404, "")).state, State::enforced);
  EXPECT_EQ(w.judge(get, response(200, "<html>shop</html>")).state, State::enforced);
  EXPECT_EQ(w.judge(get, response(200, k_menu_body)).state, State::enforced);  // public anyway
  EXPECT_EQ(w.judge(get, transport_error()).state, State::inconclusive);
}

// --- shadow ---------------------------------------------------------------------------------

TEST(CheckShadow, AnOperationOnlyTheTrafficUsedIsAnInfoFindingOfItsOwn) {
  std::string spec = k_spec;
  const std::string marker = R"("/admin/users": {"get": {)";
  spec.replace(spec.find(marker), marker.size(),
               R"("/admin/users": {"get": {"x-authdiff-observed": true, )");
  World observed(spec, k_config);
  const auto probes = observed.probes("shadow", k_users);
  ASSERT_EQ(probes.size(), 1u);
  EXPECT_TRUE(probes[0].static_only);
  const Verdict v = observed.judge(probes[0], response(0));
  EXPECT_EQ(v.state, State::bypassed);
  EXPECT_TRUE(observed.probes("shadow", k_order).empty());  // documented
  // Documented since (recheck against the team's spec): fixed.
  World documented(k_spec, k_config);
  EXPECT_EQ(documented.judge(probes[0], response(0)).state, State::enforced);
}

// --- exposure -------------------------------------------------------------------------------

class CheckExposure : public Orders {};

plan::Probe exposure_at(const std::vector<plan::Probe>& probes, const std::string& url) {
  for (const auto& p : probes) {
    if (p.request.url == url) return p;
  }
  ADD_FAILURE() << "no exposure probe of " << url;
  return {};
}

TEST_F(CheckExposure, OncePerOriginAnonymouslyWithARandomPathFirst) {
  const auto probes = w.probes("exposure", k_users);  // the first GET operation carries them
  ASSERT_GT(probes.size(), 30u);
  EXPECT_TRUE(w.probes("exposure", k_order).empty());
  EXPECT_EQ(probes[0].value, "control");
  EXPECT_EQ(probes[0].request.url.rfind("http://api.test/authdiff-", 0), 0u);
  for (const auto& p : probes) {
    EXPECT_EQ(p.request.method, "GET");
    EXPECT_EQ(p.identity, "");
    EXPECT_EQ(p.request.credential, plan::Credential::none);
  }
  exposure_at(probes, "http://api.test/.env");
  std::string config = k_config;
  config.replace(config.find("[target]\n"), 9, "[target]\nalso = [\"http://search.test:9200\"]\n");
  World also(k_spec, config);
  const auto both = also.probes("exposure", k_users);
  EXPECT_EQ(both.size(), 2 * probes.size());
  exposure_at(both, "http://search.test:9200/_cat/indices?v");
}

TEST_F(CheckExposure, AnAnswerOfTheRightTypeWithItsMarkerIsAFindingAndPersonalDataCritical) {
  const auto probes = w.probes("exposure", k_users);
  const auto env = exposure_at(probes, "http://api.test/.env");
  const Verdict v = w.judge(env, response(200, "DB_PASSWORD=hunter2\nAPP_KEY=base64:abc\n",
                                          {{"content-type", "text/plain"}}));
  EXPECT_EQ(v.state, State::bypassed) << v.reason;
  EXPECT_EQ(v.severity, Severity::critical);
  // The SPA's page, a JSON error, a 404 and a page without the marker are not it.
  EXPECT_EQ(w.judge(env, response(200, "<!doctype html><html>DB=1</html>",
                                  {{"content-type", "text/html"}}))
                .state,
            State::enforced);
  EXPECT_EQ(w.judge(env, response(404, "DB=1")).state, State::enforced);
  EXPECT_EQ(w.judge(env, response(200, "nothing here", {{"content-type", "text/plain"}})).state,
            State::enforced);
  EXPECT_EQ(w.judge(env, transport_error()).state, State::inconclusive);
  const auto search = exposure_at(probes, "http://api.test/_search?size=5");
  const Verdict hits = w.judge(
      search,
      response(200, R"({"hits": {"hits": [{"_source": {"name": "Li", "phone": "13812345678"}}]}})",
               {{"content-type", "application/json"}}));
  EXPECT_EQ(hits.state, State::bypassed) << hits.reason;
  EXPECT_EQ(hits.severity, Severity::critical);
  EXPECT_FALSE(hits.data.empty());
}

TEST_F(CheckExposure, AnOriginThatAnswersEveryPathAlikeFindsNothing) {
  const auto probes = w.probes("exposure", k_users);
  const std::string page = "index hits cluster_name [core] propertySources";
  const auto text = [&](const std::string& path) {
    return response(200, page + " " + path, {{"content-type", "text/plain"}});
  };
  const std::string& control = probes[0].request.url;
  auto results =
      w.judge_all({{probes[0], text(control.substr(control.find("/authdiff-")))},
                   {exposure_at(probes, "http://api.test/_cat/indices?v"), text("/_cat/indices?v")},
                   {exposure_at(probes, "http://api.test/.git/config"),
                    response(200, "[core]\n\trepositoryformatversion = 0\n",
                             {{"content-type", "text/plain"}})}});
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[1].verdict.state, State::enforced) << results[1].verdict.reason;
  EXPECT_EQ(results[2].verdict.state, State::bypassed) << results[2].verdict.reason;
}

// --- weak-credentials -----------------------------------------------------------------------

const std::string k_login_config = k_config + R"(
[identities.carol]
level = 1
login = { url = "/login", json = { username = "carol", password = "Carol-Strong-1" }, token = "/token" }

[checks.weak-credentials]
attempts = 3
pause_ms = 0
)";

TEST(CheckWeakCredentials, PlansAWrongPasswordThenTheFirstEntriesPerAccountWithoutAnyPassword) {
  World w(k_spec, k_login_config);
  // The config's sign-in is not an operation of the spec: its attempts ride on the first one.
  const auto probes = w.probes("weak-credentials", k_users);
  // carol, admin, root, test: a wrong password and 3 entries each.
  ASSERT_EQ(probes.size(), 16u);
  EXPECT_EQ(probes[0].parameter, "carol");
  EXPECT_EQ(probes[0].value, "control");
  EXPECT_EQ(probes[1].value, "#1");
  EXPECT_EQ(probes[0].series, probes[3].series);
  EXPECT_NE(probes[0].series, probes[4].series);
  EXPECT_EQ(probes[0].family, probes[4].family);
  for (const auto& p : probes) {
    EXPECT_EQ(p.request.url, "http://api.test/login");
    EXPECT_EQ(p.request.body.find("123456"), std::string::npos) << p.request.body;
    EXPECT_EQ(p.request.body.find("Carol-Strong-1"), std::string::npos) << p.request.body;
    EXPECT_NE(p.request.body.find("{{authdiff:weak-password:"), std::string::npos);
  }
  EXPECT_TRUE(w.probes("weak-credentials", k_order).empty());
}

TEST(CheckWeakCredentials, ASignInOperationOfTheSpecIsTriedWithoutAConfigSignIn) {
  std::string spec = k_spec;
  const std::string marker = R"("/menu": {)";
  spec.replace(spec.find(marker), marker.size(), R"("/session": {"post": {"security": [],
      "requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": {
        "type": "object", "properties": {"email": {"type": "string", "example": "a@b.test"},
                                         "pwd": {"type": "string", "example": "x"}}}}}},
      "responses": {"200": {"description": "ok"}}}},
    "/menu": {)");
  World w(spec, k_config + "\n[checks.weak-credentials]\nattempts = 2\n");
  const auto probes = w.probes("weak-credentials", "POST /session");
  ASSERT_EQ(probes.size(), 9u);  // admin, root, test: a wrong password and 2 entries each
  EXPECT_EQ(probes[0].parameter, "admin");
  EXPECT_EQ(probes[0].request.url, "http://api.test/session");
  EXPECT_EQ(
      probes[1].request.body.rfind("email=admin&pwd={{authdiff:weak-password:1:form:admin}}", 0),
      0u)
      << probes[1].request.body;
  EXPECT_DOUBLE_EQ(probes[1].pause, 0.5);
  EXPECT_TRUE(w.probes("weak-credentials", k_users).empty());  // no config sign-in to carry
}

TEST(CheckWeakCredentials, ASignInThatHandsOutACredentialIsCriticalAndStopsTheAccount) {
  World w(k_spec, k_login_config);
  const auto probes = w.probes("weak-credentials", k_users);
  const judge::Check& c = *judge::find_check("weak-credentials");
  const auto refused = response(401, R"({"error": "wrong username or password"})");
  const auto token = response(200, R"({"token": "eyJhbGciOiJIUzI1NiJ9.e30.sig-abcdef"})");
  std::string why;
  EXPECT_EQ(c.after(probes[1], refused, &why), judge::Check::Next::go_on);
  EXPECT_EQ(c.after(probes[1], token, &why), judge::Check::Next::end_series);
  EXPECT_EQ(c.after(probes[1], response(429, "slow down"), &why), judge::Check::Next::end_family);
  EXPECT_EQ(c.after(probes[1], response(403, R"({"msg": "account locked"})"), &why),
            judge::Check::Next::end_family);
  auto results = w.judge_all({{probes[0], refused}, {probes[1], token}, {probes[2], refused}});
  EXPECT_EQ(results[0].verdict.state, State::enforced);
  EXPECT_EQ(results[1].verdict.state, State::bypassed) << results[1].verdict.reason;
  EXPECT_EQ(results[1].verdict.reason.find("123456"), std::string::npos);
  EXPECT_EQ(results[2].verdict.state, State::enforced);
  // A server whose wrong password gets the same 200 and token-like answer: nothing to tell.
  auto same = w.judge_all({{probes[0], token}, {probes[1], token}});
  EXPECT_EQ(same[0].verdict.state, State::inconclusive);
  EXPECT_NE(same[1].verdict.state, State::bypassed);
}

// --- audit ----------------------------------------------------------------------------------

class CheckAudit : public Orders {};

// A spec that invites trouble: no security anywhere but one API key in the query, a plain http
// server, a page size without a maximum, an anonymous answer with personal fields.
const char* k_careless_spec = R"({
  "openapi": "3.0.3", "info": {"title": "careless", "version": "1"},
  "servers": [{"url": "http://api.example.com"}],
  "paths": {
    "/people": {"get": {
      "parameters": [{"name": "pageSize", "in": "query", "schema": {"type": "integer"}}],
      "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
        "type": "array", "items": {"type": "object", "properties": {
          "name": {"type": "string"}, "phone": {"type": "string"}}}}}}}}}},
    "/reports": {"get": {"security": [{"key": []}], "responses": {"200": {"description": "ok"}}}},
    "/health": {"get": {"security": [], "responses": {"200": {"description": "ok"}}}}
  },
  "components": {"securitySchemes": {"key": {"type": "apiKey", "in": "query", "name": "api_key"}}}
})";

std::set<std::string> rules_of(const std::vector<plan::Probe>& probes) {
  std::set<std::string> out;
  for (const auto& p : probes) {
    EXPECT_TRUE(p.static_only) << p.kind;
    EXPECT_EQ(p.parameter, p.value);
    out.insert(p.value);
  }
  return out;
}

TEST_F(CheckAudit, PlansStaticProbesForWhatTheSpecSays) {
  EXPECT_EQ(rules_of(w.probes("audit", k_order)), std::set<std::string>{"sequential-ids"});
  EXPECT_EQ(rules_of(w.probes("audit", k_delete)), std::set<std::string>{"sequential-ids"});
  EXPECT_TRUE(w.probes("audit", k_orders).empty());  // limit has a maximum
  EXPECT_TRUE(w.probes("audit", k_menu).empty());    // public, nothing personal
  EXPECT_TRUE(w.probes("audit", k_users).empty());
}

TEST(CheckAuditCareless, EveryRuleOnTheOperationItConcerns) {
  World w(k_careless_spec, "[target]\nbase_url = \"http://api.test\"\n");
  EXPECT_EQ(
      rules_of(w.probes("audit", "GET /people")),
      (std::set<std::string>{"no-security", "public-sensitive-fields", "unbounded-page-size"}));
  EXPECT_EQ(rules_of(w.probes("audit", "GET /reports")), std::set<std::string>{"api-key-in-query"});
  // security: [] says it is public; the spec's one http server is told on its first operation.
  EXPECT_EQ(rules_of(w.probes("audit", "GET /health")), std::set<std::string>{"plain-http-server"});
  const auto probe = w.probe("audit", "GET /reports", "audit: an API key in the query string");
  const Verdict v = w.judge(probe, {});
  EXPECT_EQ(v.state, State::bypassed);
  EXPECT_EQ(v.severity, Severity::low);
  EXPECT_TRUE(contains(v.reason, "api_key")) << v.reason;
  plan::Probe unknown = probe;
  unknown.value = "no-such-rule";
  EXPECT_EQ(w.judge(unknown, {}).state, State::inconclusive);
}

TEST(CheckAuditCareless, TheConfigsRuleAnswersTheSpecsSilenceAndItsSkipExcludes) {
  World w(k_careless_spec,
          "[target]\nbase_url = \"http://api.test\"\n\n[[expect]]\nmatch = \"GET /people\"\n"
          "access = \"authenticated\"\n\n[[expect]]\nmatch = \"GET /reports\"\nskip = true\n");
  EXPECT_EQ(rules_of(w.probes("audit", "GET /people")),
            std::set<std::string>{"unbounded-page-size"});
  EXPECT_TRUE(w.probes("audit", "GET /reports").empty());
}

TEST(CheckAuditCareless, InAScanUnconfirmedRulesAreInfoConfirmedOnesKeepTheirSeverity) {
  World w(k_careless_spec, "[target]\nbase_url = \"http://api.test\"\n");
  const auto no_security = w.probe("audit", "GET /people", "audit: no security requirement at all");
  const auto fields =
      w.probe("audit", "GET /people", "audit: anonymous, with personal or secret fields");
  // `authdiff audit` alone: the spec's severities.
  auto results = w.judge_all({{no_security, {}}, {fields, {}}});
  EXPECT_EQ(results[0].verdict.severity, Severity::low);
  EXPECT_EQ(results[1].verdict.severity, Severity::low);
  // In a scan where an anonymous request got names but no personal field: the first rule is
  // confirmed, the second only what the spec says.
  const auto anonymous = w.probe("no-auth", "GET /people", "no credential (no caller is allowed)");
  ASSERT_EQ(anonymous.request.credential, plan::Credential::none);
  results = w.judge_all(
      {{no_security, {}}, {fields, {}}, {anonymous, response(200, R"([{"name": "Zhang Wei"}])")}});
  EXPECT_EQ(results[0].verdict.severity, Severity::low);
  EXPECT_TRUE(contains(results[0].verdict.reason, "confirmed")) << results[0].verdict.reason;
  EXPECT_EQ(results[1].verdict.severity, Severity::info);
  results = w.judge_all(
      {{fields, {}},
       {anonymous, response(200, R"([{"name": "Zhang Wei", "phone": "13812345678"}])")}});
  EXPECT_EQ(results[0].verdict.severity, Severity::low);
}

// "plain-http-server" (once per spec) and "api-key-in-query" (once per scheme) are told on the
// first operation the config does not exclude (`skip = true`): a skipped first operation does
// not lose the spec-wide finding.
TEST(CheckAuditCareless, ThePlainHttpServerIsToldWhenTheFirstOperationIsSkipped) {
  World w(k_careless_spec,
          "[target]\nbase_url = \"http://api.test\"\n\n[[expect]]\nmatch = \"GET /health\"\n"
          "skip = true\n");
  ASSERT_EQ(w.op("GET /health"), 0u);
  std::set<std::string> rules;
  for (const char* key : {"GET /health", "GET /people", "GET /reports"}) {
    for (const auto& r : rules_of(w.probes("audit", key))) rules.insert(r);
  }
  EXPECT_TRUE(rules.contains("plain-http-server"));
}

TEST(CheckAuditCareless, AnApiKeyInTheQueryIsToldWhenItsFirstOperationIsSkipped) {
  // GET /health uses the query key too, and comes first.
  const std::string spec = replaced(k_careless_spec, R"("/health": {"get": {"security": [])",
                                    R"("/health": {"get": {"security": [{"key": []}])");
  World w(spec,
          "[target]\nbase_url = \"http://api.test\"\n\n[[expect]]\nmatch = \"GET /health\"\n"
          "skip = true\n");
  EXPECT_TRUE(w.probes("audit", "GET /health").empty());
  EXPECT_EQ(rules_of(w.probes("audit", "GET /reports")), std::set<std::string>{"api-key-in-query"});
}

// --- access-matrix --------------------------------------------------------------------------

class CheckAccessMatrix : public Orders {};

TEST_F(CheckAccessMatrix, PlansNothingWithoutAMatrixOrLearn) {
  EXPECT_FALSE(find_check("access-matrix")->available(w.options()));
  EXPECT_TRUE(w.probes("access-matrix", k_order).empty());
}

TEST_F(CheckAccessMatrix, PlansEveryOperationAsEveryPrincipal) {
  w.options().learn_access = true;
  const auto probes = w.probes("access-matrix", k_order);
  ASSERT_EQ(kinds_of(probes),
            (std::vector<std::string>{"as anonymous", "as admin", "as alice", "as bob"}));
  EXPECT_EQ(probes[0].request.credential, plan::Credential::none);
  EXPECT_EQ(probes[0].request.url, "http://api.test/orders/10081");  // the victim's object
  EXPECT_EQ(probes[1].request.url, "http://api.test/orders/10081");
  EXPECT_EQ(probes[3].request.url, "http://api.test/orders/10206");  // bob's own
  for (const auto& p : probes) EXPECT_EQ(p.victim, "alice");
  EXPECT_EQ(w.probes("access-matrix", k_menu).size(), 4u);  // public operations too
  EXPECT_TRUE(w.probes("access-matrix", k_delete).empty());
}

TEST_F(CheckAccessMatrix, LearningRecordsWhoGotThrough) {
  w.options().learn_access = true;
  const auto probes = w.probes("access-matrix", k_users);
  const Verdict admin = w.judge(probes[1], response(200, k_user_list));
  EXPECT_EQ(admin.state, State::enforced);
  EXPECT_EQ(admin.reach, Reach::allowed);
  EXPECT_EQ(w.judge(probes[2], response(403, "")).reach, Reach::denied);
  EXPECT_EQ(w.judge(probes[0], response(200, k_login)).reach, Reach::denied);  // error body
  EXPECT_EQ(w.judge(probes[0], response(503, "")).reach, Reach::not_applicable);
  EXPECT_EQ(w.judge(probes[0], transport_error()).reach, Reach::not_applicable);
}

TEST_F(CheckAccessMatrix, AllowedWhereTheMatrixSaysDeniedIsAWidening) {
  auto matrix = std::make_shared<config::AccessMatrix>();
  matrix->path = "access.toml";
  matrix->operations[k_users] = {
      {"anonymous", "denied"}, {"admin", "allowed"}, {"alice", "denied"}};
  w.options().expected_access = matrix;
  const auto probes = w.probes("access-matrix", k_users);
  ASSERT_EQ(probes.size(), 4u);
  const Verdict widened = w.judge(probes[2], response(200, k_user_list));  // alice
  EXPECT_EQ(widened.state, State::bypassed);
  EXPECT_EQ(widened.reach, Reach::allowed);
  EXPECT_TRUE(contains(widened.reason, "widened")) << widened.reason;
  EXPECT_TRUE(contains(widened.reason, "access.toml")) << widened.reason;
  const Verdict narrowed = w.judge(probes[1], response(403, ""));  // admin
  EXPECT_EQ(narrowed.state, State::enforced);
  EXPECT_EQ(narrowed.reach, Reach::denied);
  EXPECT_TRUE(contains(narrowed.reason, "narrowed")) << narrowed.reason;
  const Verdict same = w.judge(probes[0], response(401, k_login));  // anonymous
  EXPECT_EQ(same.state, State::enforced);
  EXPECT_TRUE(contains(same.reason, "as in the access matrix")) << same.reason;
  const Verdict unlisted = w.judge(probes[3], response(200, k_user_list));  // bob
  EXPECT_EQ(unlisted.state, State::enforced);
  EXPECT_TRUE(contains(unlisted.reason, "not in the access matrix")) << unlisted.reason;
}

TEST(CheckAccessMatrixObjects, ANotFoundForAnObjectItsOwnerCannotReadEitherIsNotApplicable) {
  World w(k_spec, k_config);
  w.options().learn_access = true;
  w.baseline(k_order, "alice", response(404, R"({"error": "no such order"})"));
  w.baseline(k_order, "bob", response(200, k_bob_order));
  const auto probes = w.probes("access-matrix", k_order);
  // Anonymous asks for alice's order, which does not exist.
  EXPECT_EQ(w.judge(probes[0], response(404, "")).reach, Reach::not_applicable);
  // Bob asks for his own, which exists: a 404 is a denial.
  EXPECT_EQ(w.judge(probes[3], response(404, "")).reach, Reach::denied);
}

}  // namespace
}  // namespace authdiff::judge
