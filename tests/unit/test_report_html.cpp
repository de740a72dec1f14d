#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "judge/check.hpp"
#include "judge/findings.hpp"
#include "report/html.hpp"

namespace authdiff::report {
namespace {

judge::ProbeResult probe(std::size_t op, std::string identity, judge::State state, long status,
                         std::optional<judge::Reach> reach = std::nullopt) {
  judge::ProbeResult r;
  r.check = judge::find_check("no-auth");
  r.probe.check = "no-auth";
  r.probe.kind = "no credential";
  r.probe.operation = op;
  r.probe.identity = std::move(identity);
  r.verdict.state = state;
  r.verdict.reach = reach;
  r.response.status = status;
  r.judged = true;
  return r;
}

// The text between the page's data block tags.
std::string data_block(const std::string& page) {
  const std::string open = R"(<script type="application/json" id="authdiff-data">)";
  const auto from = page.find(open);
  if (from == std::string::npos) return "";
  const auto to = page.find("</script>", from);
  return page.substr(from + open.size(), to - from - open.size());
}

TEST(HtmlReport, CellOutcomeIsTheWorstOfItsProbes) {
  ScanResult r;
  r.results = {probe(0, "", judge::State::enforced, 401, judge::Reach::denied),
               probe(0, "", judge::State::enforced, 200, judge::Reach::allowed),
               probe(0, "", judge::State::inconclusive, 500),
               probe(0, "", judge::State::bypassed, 200, judge::Reach::allowed),
               // A 200 that reads as an error page: denied, whatever its status.
               probe(0, "", judge::State::enforced, 200, judge::Reach::denied)};
  EXPECT_EQ(cell_outcome(r, {}), CellOutcome::not_tested);
  EXPECT_EQ(cell_outcome(r, {0}), CellOutcome::denied);
  EXPECT_EQ(cell_outcome(r, {0, 4}), CellOutcome::denied);
  EXPECT_EQ(cell_outcome(r, {0, 1}), CellOutcome::allowed);
  EXPECT_EQ(cell_outcome(r, {0, 1, 2}), CellOutcome::inconclusive);
  EXPECT_EQ(cell_outcome(r, {0, 1, 2, 3}), CellOutcome::leak);
}

TEST(HtmlReport, ColumnsAreAnonymousThenIdentitiesThenOtherSenders) {
  ScanResult r;
  r.run.identities = {"admin", "lina"};
  r.results = {probe(0, "lina", judge::State::enforced, 403),
               probe(0, "ghost", judge::State::enforced, 403)};
  EXPECT_EQ(grid_principals(r), (std::vector<std::string>{"", "admin", "lina", "ghost"}));
}

TEST(HtmlReport, HostileTextCannotBreakOutOfThePage) {
  const std::string hostile =
      "</script><script>alert(1)</script><img src=x onerror=alert(2)> "
      "\" ' & \xff 张伟";
  ScanResult r;
  r.run.base_url = "http://127.0.0.1/" + hostile;
  r.run.identities = {hostile};
  r.run.warnings = {hostile};
  r.run.checks = {judge::find_check("no-auth")};
  r.operations = {{"GET", "/x/" + hostile, hostile, 1}};
  judge::ProbeResult x = probe(0, hostile, judge::State::bypassed, 200, judge::Reach::allowed);
  x.probe.kind = hostile;
  x.verdict.reason = hostile;
  x.finding = "abc123";
  r.results = {x};
  judge::Finding f;
  f.id = "abc123";
  f.check = judge::find_check("no-auth");
  f.method = "GET";
  f.path = "/x/" + hostile;
  f.identity = hostile;
  f.reason = hostile;
  f.evidence = {{"/a/" + hostile, "13*****78" + hostile}};
  f.curl = "curl -i 'http://127.0.0.1/" + hostile + "'";
  r.findings = {f};
  const std::string page = html_report(r, 1);

  // Exactly the page's own two scripts, and nothing that loads or runs anything else.
  std::size_t scripts = 0;
  for (auto at = page.find("<script"); at != std::string::npos; at = page.find("<script", at + 1))
    ++scripts;
  EXPECT_EQ(scripts, 2u);
  EXPECT_EQ(page.find("<img"), std::string::npos);
  // A quote never ends an attribute early: every one in the text is a character reference.
  // (The data block holds them as JSON escapes, \", which is why it is left out.)
  std::string markup = page;
  markup.erase(markup.find(data_block(page)), data_block(page).size());
  EXPECT_EQ(markup.find("\" '"), std::string::npos);
  EXPECT_NE(page.find("default-src 'none'"), std::string::npos);
  EXPECT_EQ(page.find("http://127.0.0.1/</"), std::string::npos);
  // The data block parses back to the very same strings.
  const auto data = nlohmann::json::parse(data_block(page));
  EXPECT_EQ(data["findings"]["abc123"]["curl"].get<std::string>().find("alert(1)"),
            f.curl.find("alert(1)"));
  EXPECT_EQ(data["findings"]["abc123"]["evidence"][0][1].get<std::string>().substr(0, 9),
            "13*****78");
  EXPECT_EQ(data["principals"][1].get<std::string>().substr(0, 9), "</script>");
  // The verdict says the exit code.
  EXPECT_NE(page.find("data-exit=\"1\""), std::string::npos);
}

TEST(HtmlReport, OneRowPerOperationOneColumnPerPrincipal) {
  ScanResult r;
  r.run.identities = {"a", "b"};
  for (int i = 0; i < 3; ++i) r.operations.push_back({"GET", "/op" + std::to_string(i), "", 0});
  r.results = {probe(1, "a", judge::State::enforced, 200, judge::Reach::allowed)};
  const std::string page = html_report(r, 0);
  std::size_t rows = 0, cells = 0;
  for (auto at = page.find("<tr data-op="); at != std::string::npos;
       at = page.find("<tr data-op=", at + 1))
    ++rows;
  for (auto at = page.find("<td class=\"cell "); at != std::string::npos;
       at = page.find("<td class=\"cell ", at + 1))
    ++cells;
  EXPECT_EQ(rows, 3u);
  EXPECT_EQ(cells, 9u);
  EXPECT_NE(page.find("data-cell=\"1/1\""), std::string::npos);  // op 1, principal "a"
  EXPECT_NE(page.find("Pass (exit 0)"), std::string::npos);
}

}  // namespace
}  // namespace authdiff::report
