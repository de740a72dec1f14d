#include "fuzz_support.hpp"

#include <cstdio>
#include <cstdlib>

#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include "report/console.hpp"
#include "report/html.hpp"
#include "report/json_report.hpp"
#include "report/junit.hpp"
#include "report/markdown.hpp"
#include "report/sarif.hpp"

namespace authdiff::fuzz {

void broken(std::string_view oracle, std::string_view detail) {
  std::fprintf(stderr, "\noracle broken: %.*s\n%.*s\n", static_cast<int>(oracle.size()),
               oracle.data(), static_cast<int>(std::min<std::size_t>(detail.size(), 4000)),
               detail.data());
  std::abort();
}

config::Config config_from(std::string_view toml) {
  auto c = config::parse_config(toml, "fuzz.toml",
                                [](const std::string&) { return std::optional<std::string>(); });
  if (!c) broken("the harness's own config parses", c.error().to_string());
  return std::move(c.value());
}

void check_reports(const report::ScanResult& result) {
  const std::string junit = report::junit_xml(result);
  pugi::xml_document xml;
  const auto parsed =
      xml.load_buffer(junit.data(), junit.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!parsed) broken("JUnit XML parses", std::string(parsed.description()) + "\n" + junit);
  if (!xml.child("testsuites")) broken("JUnit XML has a <testsuites> root", junit);

  const std::string sarif = report::sarif_report(result);
  const auto sarif_doc = nlohmann::json::parse(sarif, nullptr, false);
  if (sarif_doc.is_discarded()) broken("SARIF is JSON", sarif);
  if (sarif_doc["runs"][0]["results"].size() != result.findings.size())
    broken("SARIF has one result per finding", sarif);

  const std::string json = report::json_report(result);
  if (nlohmann::json::parse(json, nullptr, false).is_discarded())
    broken("JSON report is JSON", json);
  const auto back = report::parse_json_report(json, "fuzz.json");
  if (!back) broken("the JSON report reads back", back.error().to_string() + "\n" + json);
  if (back->findings.size() != result.findings.size())
    broken("the JSON report reads back with every finding", json);
  for (std::size_t i = 0; i < result.findings.size(); ++i) {
    if (back->findings[i].id != result.findings[i].id)
      broken("finding ids survive the JSON report", result.findings[i].id);
  }

  (void)report::markdown_report(result);
  (void)report::console_report(result, {true});

  // HTML: whatever the text, the page holds its own two scripts only, and its data block is
  // strict JSON.
  const std::string page = report::html_report(result, 1);
  std::size_t scripts = 0;
  for (auto at = page.find("<script"); at != std::string::npos; at = page.find("<script", at + 1))
    ++scripts;
  if (scripts != 2) broken("the HTML page has exactly its own two scripts", page);
  const std::string open = R"(<script type="application/json" id="authdiff-data">)";
  const auto from = page.find(open);
  const auto to = from == std::string::npos ? from : page.find("</script>", from);
  if (to == std::string::npos) broken("the HTML page has its data block", page);
  const std::string data = page.substr(from + open.size(), to - from - open.size());
  if (!nlohmann::json::accept(data)) broken("the HTML page's data block is JSON", data);
}

}  // namespace authdiff::fuzz
