#include <deque>

#include <gtest/gtest.h>

#include "judge/check.hpp"
#include "judge/findings.hpp"
#include "judge/knowledge.hpp"

namespace authdiff::judge {
namespace {

// Kept for the whole test run: an observation of a large answer reads its body again.
const plan::Response& response(long status, std::string body) {
  static std::deque<plan::Response> kept;
  plan::Response& r = kept.emplace_back();
  r.status = status;
  r.body_bytes = body.size();
  r.body = std::move(body);
  r.attempts = 1;
  return r;
}

plan::Baseline baseline(std::size_t op, const std::string& identity) {
  plan::Baseline b;
  b.operation = op;
  b.identity = identity;
  return b;
}

// Operation 0: alice's order. Operation 1: bob's order. Operation 2: public menu.
Knowledge orders() {
  Knowledge k;
  k.add_baseline(
      baseline(0, "alice"),
      response(200, R"({"id": 10081, "owner": "alice", "dish": "Kung Pao", "at": "12:00:01"})"),
      response(200, R"({"id": 10081, "owner": "alice", "dish": "Kung Pao", "at": "12:00:02"})"),
      std::nullopt);
  k.add_baseline(
      baseline(1, "bob"),
      response(200, R"({"id": 10206, "owner": "bob", "dish": "Mapo tofu", "at": "12:00:03"})"),
      response(200, R"({"id": 10206, "owner": "bob", "dish": "Mapo tofu", "at": "12:00:03"})"),
      std::nullopt);
  k.add_baseline(baseline(2, ""), response(200, R"([{"dish": "Kung Pao"}, {"dish": "Mapo tofu"}])"),
                 response(200, R"([{"dish": "Kung Pao"}, {"dish": "Mapo tofu"}])"), std::nullopt);
  k.add_denied(0, response(200, R"({"code": 401, "msg": "login"})"));
  k.finish();
  return k;
}

TEST(Knowledge, ALeakNeedsValuesTheProberNeverSaw) {
  const Knowledge k = orders();
  const BaselineView* alice = k.baseline(0, "alice");
  ASSERT_NE(alice, nullptr);
  const auto probe = observe(
      response(200, R"({"id": 10081, "owner": "alice", "dish": "Kung Pao", "at": "09:00"})"),
      std::nullopt);
  const Verdict as_bob = leak_verdict(k, *alice, probe, "bob");
  EXPECT_EQ(as_bob.state, State::bypassed);
  // id and owner leak; the dish is public (menu); the time is volatile.
  EXPECT_EQ(as_bob.leaked, 2u);
  for (const auto& e : as_bob.evidence) {
    EXPECT_NE(e.pointer, "/dish");
    EXPECT_NE(e.pointer, "/at");
    EXPECT_EQ(e.masked.find("10081"), std::string::npos) << "evidence is masked";
  }
  EXPECT_EQ(leak_verdict(k, *alice, probe, "alice").state, State::enforced);  // her own data
}

TEST(Knowledge, SameKeysAloneAreNoLeak) {
  const Knowledge k = orders();
  const auto own =
      observe(response(200, R"({"id": 10206, "owner": "bob", "dish": "Mapo tofu"})"), std::nullopt);
  EXPECT_EQ(leak_verdict(k, *k.baseline(0, "alice"), own, "bob").state, State::enforced);
}

TEST(Knowledge, DenialsInEveryStyle) {
  const Knowledge k = orders();
  std::string why;
  EXPECT_TRUE(k.looks_denied(0, observe(response(401, "{}"), std::nullopt), &why));
  EXPECT_TRUE(k.looks_denied(0, observe(response(404, ""), std::nullopt), &why));
  EXPECT_TRUE(k.looks_denied(0, observe(response(302, ""), std::nullopt), &why));
  EXPECT_TRUE(k.looks_denied(
      0, observe(response(200, R"({"code": 403, "msg": "no"})"), std::nullopt), &why));
  EXPECT_TRUE(k.looks_denied(0, observe(response(204, ""), std::nullopt), &why));
  EXPECT_FALSE(k.looks_denied(0, observe(response(200, R"({"id": 1})"), std::nullopt), &why));
  // 204 completes a write, though: a DELETE answered so was done.
  Knowledge writes;
  plan::Baseline del = baseline(0, "alice");
  del.request.method = "DELETE";
  writes.add_baseline(del, response(204, ""), response(204, ""), std::nullopt);
  writes.finish();
  EXPECT_TRUE(writes.baseline(0, "alice")->usable());
  EXPECT_FALSE(writes.looks_denied(0, observe(response(204, ""), std::nullopt), &why));
}

TEST(Knowledge, AFingerprintCarryingDataIsNoDenial) {
  Knowledge k;
  k.add_baseline(baseline(0, "alice"), response(200, R"({"secret": "alice-only-value"})"),
                 response(200, R"({"secret": "alice-only-value"})"), std::nullopt);
  k.add_denied(0,
               response(200, R"({"secret": "alice-only-value"})"));  // garbage credential accepted
  k.finish();
  std::string why;
  EXPECT_FALSE(k.looks_denied(
      0, observe(response(200, R"({"secret": "alice-only-value"})"), std::nullopt), &why));
  // ... and its values did not become "public", so an anonymous probe still leaks.
  const auto probe = observe(response(200, R"({"secret": "alice-only-value"})"), std::nullopt);
  EXPECT_EQ(leak_verdict(k, *k.baseline(0, "alice"), probe, "").state, State::bypassed);
}

TEST(Knowledge, UnusableBaselinesMakeProbesInconclusive) {
  Knowledge k;
  k.add_baseline(baseline(0, "alice"), response(403, "{}"), response(403, "{}"), std::nullopt);
  k.add_baseline(baseline(1, "alice"), response(200, R"({"code": 500})"),
                 response(200, R"({"code": 500})"), std::nullopt);
  k.add_baseline(baseline(2, "alice"), response(200, R"({"items": []})"),
                 response(200, R"({"items": []})"), std::string("/items"));
  k.finish();
  const auto probe = observe(response(200, R"({"x": "whatever"})"), std::nullopt);
  for (std::size_t op = 0; op < 3; ++op) {
    const auto v = access_outcome(k, op, probe, k.baseline(op, "alice"));
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(v->state, State::inconclusive) << op << ": " << v->reason;
  }
  EXPECT_EQ(access_outcome(k, 0, probe, nullptr)->state, State::inconclusive);
}

TEST(Knowledge, TransportErrorsAndServerErrorsAreInconclusive) {
  const Knowledge k = orders();
  plan::Response dead;
  dead.error = "Couldn't connect to server";
  EXPECT_EQ(access_outcome(k, 0, observe(dead, std::nullopt), k.baseline(0, "alice"))->state,
            State::inconclusive);
  EXPECT_EQ(
      access_outcome(k, 0, observe(response(502, ""), std::nullopt), k.baseline(0, "alice"))->state,
      State::inconclusive);
}

TEST(Findings, IdsAreStableAndDistinguishWhatMatters) {
  const std::string a = finding_id("cross-owner", "GET", "/orders/{id}", "bob", "alice", "id");
  EXPECT_EQ(a, finding_id("cross-owner", "GET", "/orders/{id}", "bob", "alice", "id"));
  EXPECT_EQ(a.size(), 16u);
  EXPECT_NE(a, finding_id("cross-owner", "GET", "/orders/{id}", "alice", "bob", "id"));
  EXPECT_NE(a, finding_id("no-auth", "GET", "/orders/{id}", "bob", "alice", "id"));
  EXPECT_EQ(finding_id("no-auth", "GET", "/x", "", "", ""),
            "3bf9a9c5d2141f6a");  // pinned: ids must not drift
}

// Never green when blind: an allowed answer that is the same as the denial tests nothing.
TEST(Knowledge, ABaselineLikeTheAnswerToAGarbageCredentialIsUnusable) {
  Knowledge k;
  const std::string page = "<!doctype html><html><body>Sign in</body></html>";
  k.add_baseline(baseline(0, "alice"), response(200, page), response(200, page), std::nullopt);
  k.add_denied(0, response(200, page));
  k.add_baseline(baseline(1, "alice"), response(200, "{}"), response(200, "{}"), std::nullopt);
  k.add_denied(1, response(200, "{}"));
  k.finish();
  for (const std::size_t op : {0u, 1u}) {
    const BaselineView* b = k.baseline(op, "alice");
    ASSERT_NE(b, nullptr);
    EXPECT_FALSE(b->usable());
    EXPECT_NE(b->problem.find("same as the answer to a garbage credential"), std::string::npos);
    const auto probe = observe(response(200, op == 0 ? page : "{}"), std::nullopt);
    const auto v = access_outcome(k, op, probe, b);
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(v->state, State::inconclusive);
  }
}

// `{"data": []}` to a garbage credential shares its members with `{"data": [orders]}`; only the
// second carries anything, so it is no denial.
TEST(Knowledge, AnAnswerWithDataTheDenialLacksIsNotADenial) {
  Knowledge k;
  const std::string orders = R"({"code": 0, "data": [{"id": 10081, "dish": "Kung Pao"}]})";
  k.add_baseline(baseline(0, "alice"), response(200, orders), response(200, orders), std::nullopt);
  k.add_denied(0, response(200, R"({"code": 0, "data": []})"));
  k.finish();
  const BaselineView* alice = k.baseline(0, "alice");
  ASSERT_NE(alice, nullptr);
  EXPECT_TRUE(alice->usable()) << alice->problem;
  std::string why;
  EXPECT_FALSE(k.looks_denied(0, observe(response(200, orders), std::nullopt), &why)) << why;
  EXPECT_TRUE(
      k.looks_denied(0, observe(response(200, R"({"code": 0, "data": []})"), std::nullopt), &why));
  EXPECT_EQ(leak_verdict(k, *alice, observe(response(200, orders), std::nullopt), "bob").state,
            State::bypassed);
}

// A baseline without a single specific value cannot show a leak: a 2xx proves nothing.
TEST(Knowledge, ABaselineWithoutSpecificValuesMakesA2xxInconclusive) {
  Knowledge k;
  k.add_baseline(baseline(0, "alice"), response(200, R"({"ok": true, "n": 1})"),
                 response(200, R"({"ok": true, "n": 1})"), std::nullopt);
  k.add_denied(0, response(401, R"({"error": "login"})"));
  k.finish();
  const BaselineView* alice = k.baseline(0, "alice");
  ASSERT_NE(alice, nullptr);
  ASSERT_TRUE(alice->usable());
  const Verdict v =
      leak_verdict(k, *alice, observe(response(200, R"({"ok": true, "n": 1})"), std::nullopt), "");
  EXPECT_EQ(v.state, State::inconclusive);
  EXPECT_NE(v.reason.find("no value specific enough"), std::string::npos);
}

// A write is judged by what its owner reads back, not by its status.
TEST(WriteEffect, GoneOrChangedWentThroughUnchangedDidNot) {
  const auto read = [](long status, const std::string& body) {
    return observe(response(status, body), std::nullopt);
  };
  const auto before = read(200, R"({"id": "t1", "title": "Printer", "seen": "12:00:01"})");
  const auto again = read(200, R"({"id": "t1", "title": "Printer", "seen": "12:00:02"})");
  const auto gone = write_effect("DELETE", before, again, read(404, R"({"detail": "Not found."})"));
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->state, State::bypassed);
  const auto changed = write_effect(
      "PATCH", before, again, read(200, R"({"id": "t1", "title": "Hacked", "seen": "12:09"})"));
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->state, State::bypassed);
  ASSERT_EQ(changed->evidence.size(), 1u);  // the volatile `seen` is no change
  EXPECT_EQ(changed->evidence[0].pointer, "/title");
  const auto same = write_effect("PATCH", before, again,
                                 read(200, R"({"id": "t1", "title": "Printer", "seen": "12:10"})"));
  ASSERT_TRUE(same);
  EXPECT_EQ(same->state, State::enforced);
  // A read-back the owner is refused cannot tell.
  EXPECT_FALSE(write_effect("PATCH", before, again, read(401, "{}")));
  EXPECT_FALSE(write_effect("PATCH", read(403, "{}"), again, read(404, "{}")));
}

}  // namespace
}  // namespace authdiff::judge
