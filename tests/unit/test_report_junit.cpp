#include <cstdio>
#include <fstream>

#include <unistd.h>

#include <gtest/gtest.h>

#include "judge/check.hpp"
#include "plan/probe.hpp"
#include "report/junit.hpp"
#include "report/xml.hpp"
#include "test_helpers.hpp"

namespace authdiff::report {
namespace {

TEST(Xml, EscapesMarkupAndReplacesWhatXmlForbids) {
  EXPECT_EQ(xml_escape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&apos;");
  EXPECT_EQ(xml_escape(std::string("a\0b\x01", 4)),
            "a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD");
  EXPECT_EQ(xml_escape("\xff\xfe ok"), "\xEF\xBF\xBD\xEF\xBF\xBD ok");  // invalid UTF-8
  EXPECT_EQ(xml_escape("张伟"), "张伟");
  EXPECT_EQ(xml_escape("a\nb", true), "a&#10;b");
  EXPECT_EQ(xml_escape("a\nb", false), "a\nb");
  EXPECT_EQ(xml_token("  GET   /x\t\n"), "GET /x");
  EXPECT_EQ(xml_token(" \n "), "-");
}

TEST(CurlCommand, PlaceholdersNeverSecrets) {
  config::Config c;
  config::Identity alice;
  alice.name = "ali-ce";
  alice.credentials.bearer = config::Secret("real-secret-token");
  alice.credentials.cookies["SESSION"] = config::Secret("real-session");
  alice.credentials.query["api_key"] = config::Secret("real-key");
  c.identities.push_back(alice);
  plan::Request r;
  r.method = "POST";
  r.url = "http://127.0.0.1:8080/orders?x=it's";
  r.identity = "ali-ce";
  r.credential = plan::Credential::own;
  r.headers = {{"Content-Type", "application/json"}};
  r.body = R"({"note": "it's"})";
  const std::string cmd = plan::curl_command(r, c, plan::Principals(c.identities));
  EXPECT_EQ(cmd.find("real-"), std::string::npos) << cmd;
  EXPECT_NE(cmd.find("$AUTHDIFF_ALI_CE_TOKEN"), std::string::npos) << cmd;
  EXPECT_NE(cmd.find("SESSION=$AUTHDIFF_ALI_CE_COOKIE_SESSION"), std::string::npos) << cmd;
  EXPECT_NE(cmd.find("api_key=$AUTHDIFF_ALI_CE_QUERY_API_KEY"), std::string::npos) << cmd;
  EXPECT_NE(cmd.find("-X POST"), std::string::npos);
  EXPECT_NE(cmd.find(R"(--data-raw '{"note": "it'\''s"}')"), std::string::npos) << cmd;
  r.credential = plan::Credential::garbage;
  EXPECT_EQ(plan::curl_command(r, c, plan::Principals(c.identities)).find("$AUTHDIFF"),
            std::string::npos);
}

TEST(Junit, HostileTextStillValidatesAgainstTheAntSchema) {
  const spec::Api api =
      test::api_from(R"({"openapi": "3.0.0", "info": {"title": "t", "version": "1"},
    "paths": {"/x\u0001<&>\"": {"get": {"responses": {"200": {"description": "ok"}}}}}})");
  const plan::Plan plan = plan::make_plan(api, nullptr, {});
  ScanResult result;
  result.operations = {{"GET", api.operations[0].path, "", 0}};
  result.run.started_at = "2026-11-23T10:00:00";
  result.run.hostname = "ci\nrunner";
  result.run.identities = {"a"};
  const judge::Check* check = judge::find_check("no-auth");
  result.run.checks = {check, judge::find_check("bulk")};
  const std::string hostile = std::string("\xff\x00\x1b[31m ]]> <!-- & \" ' 张伟", 27);
  for (const auto state :
       {judge::State::enforced, judge::State::bypassed, judge::State::inconclusive}) {
    judge::ProbeResult r;
    r.check = check;
    r.probe.check = "no-auth";
    r.probe.kind = hostile;
    r.probe.request.method = "GET";
    r.probe.request.url = "http://127.0.0.1/x" + hostile;
    r.verdict.state = state;
    r.verdict.reason = hostile;
    r.verdict.evidence = {{"/a" + hostile, hostile}};
    r.verdict.leaked = 3;
    if (state == judge::State::bypassed) {
      r.finding = "0123456789abcdef";
      r.curl = "curl " + hostile;
    }
    result.results.push_back(r);
  }
  const std::string xml = junit_xml(result);
  // Unique per process: ctest runs test processes side by side.
  const std::string path =
      ::testing::TempDir() + "/hostile-junit-" + std::to_string(::getpid()) + ".xml";
  std::ofstream(path) << xml;
  const std::string xsd = std::string(AUTHDIFF_SOURCE_DIR) + "/../shared/schemas/junit-ant.xsd";
  ASSERT_TRUE(std::ifstream(xsd).good()) << xsd << " is missing (shared/ belongs beside the clone)";
  const std::string cmd = "xmllint --noout --schema '" + xsd + "' '" + path + "' 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  char buf[4096] = {};
  const std::size_t n = std::fread(buf, 1, sizeof buf - 1, p);
  const int rc = pclose(p);
  std::remove(path.c_str());
  EXPECT_EQ(rc, 0) << std::string(buf, n);
  EXPECT_NE(xml.find("tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"1\""), std::string::npos);
  EXPECT_NE(xml.find("name=\"bulk\""),
            std::string::npos);  // a check with no probes: an empty suite
}

}  // namespace
}  // namespace authdiff::report
