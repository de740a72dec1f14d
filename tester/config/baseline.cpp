#include "config/baseline.hpp"

#include <algorithm>
#include <cstdio>
#include <set>
#include <tuple>

#include <toml++/toml.h>

#include "config/toml_reader.hpp"
#include "util/file.hpp"

namespace authdiff::config {

namespace {

bool is_date(const std::string& s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (const std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  const int month = std::stoi(s.substr(5, 2)), day = std::stoi(s.substr(8, 2));
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

KnownFinding read_entry(const toml::node& node, std::size_t index, const Context& ctx) {
  const std::string where = "known[" + std::to_string(index) + "]";
  if (!node.is_table()) ctx.fail(node.source(), where + " must be a table");
  KeyReader r(*node.as_table(), where, ctx);
  KnownFinding k;
  k.line = static_cast<int>(node.source().begin.line);
  k.id = r.string("id").value_or("");
  k.check = r.string("check").value_or("");
  k.operation = r.string("operation").value_or("");
  k.identity = r.string("identity").value_or("");
  k.victim = r.string("victim").value_or("");
  k.parameter = r.string("parameter").value_or("");
  k.severity = r.string("severity").value_or("");
  k.reason = std::string(trim(r.string("reason").value_or("")));
  if (const toml::node* e = r.get("expires")) {
    if (const auto* d = e->as_date()) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", static_cast<int>(d->get().year),
                    static_cast<int>(d->get().month), static_cast<int>(d->get().day));
      k.expires = buf;
    } else if (e->is_string() && is_date(e->as_string()->get())) {
      k.expires = e->as_string()->get();
    } else {
      r.type_error(*e, "expires", "a date such as 2027-01-31");
    }
  }
  r.finish();
  if (k.id.empty()) ctx.fail(node.source(), where + ": id is required (the finding's stable id)");
  if (k.reason.empty()) {
    ctx.fail(node.source(), where + " (" + k.id +
                                "): reason is required: say why this finding "
                                "is accepted");
  }
  return k;
}

}  // namespace

const KnownFinding* BaselineFile::find(const std::string& id) const {
  for (const auto& k : known) {
    if (k.id == id) return &k;
  }
  return nullptr;
}

Result<BaselineFile> parse_baseline(std::string_view text, const std::string& path) {
  BaselineFile out;
  out.path = path;
  const Context ctx(path, nullptr);
  try {
    auto parsed = parse_toml(text, path);
    if (!parsed) return parsed.error();
    const toml::table& root = *parsed;
    KeyReader top(root, "", ctx);
    if (const auto v = top.integer("authdiff_baseline", 1, 1000); v && *v != k_baseline_version) {
      ctx.fail(root.get("authdiff_baseline")->source(),
               "a version " + std::to_string(*v) + " baseline; this authdiff reads version " +
                   std::to_string(k_baseline_version));
    }
    std::set<std::string> ids;
    if (const toml::node* known = top.get("known")) {
      if (!known->is_array_of_tables() && !(known->is_array() && known->as_array()->empty()))
        ctx.fail(known->source(), "known must be a list of tables: [[known]]");
      std::size_t i = 0;
      for (const auto& item : *known->as_array()) {
        KnownFinding k = read_entry(item, i++, ctx);
        if (!ids.insert(k.id).second)
          ctx.fail(item.source(), "finding " + k.id + " is listed twice");
        out.known.push_back(std::move(k));
      }
    }
    top.finish();
  } catch (const ConfigError& e) {
    return e.error;
  }
  return out;
}

Result<BaselineFile> load_baseline(const std::string& path) {
  auto text = read_file(path);
  if (!text) return text.error();
  return parse_baseline(*text, path);
}

std::string baseline_toml(const std::vector<KnownFinding>& known) {
  std::vector<const KnownFinding*> sorted;
  for (const auto& k : known) sorted.push_back(&k);
  std::sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) {
    return std::tie(a->operation, a->check, a->identity, a->id) <
           std::tie(b->operation, b->check, b->identity, b->id);
  });
  std::string out =
      "# authdiff baseline: findings known and accepted for now (`authdiff scan --baseline "
      "THIS_FILE`).\n"
      "# A listed finding is reported as known and does not fail the run until its `expires` date\n"
      "# has passed. Give each entry a real reason; delete entries whose finding is fixed.\n"
      "# `id` alone matches a finding; the other fields are there for people.\n\n"
      "authdiff_baseline = " +
      std::to_string(k_baseline_version) + "\n";
  for (const auto* k : sorted) {
    out += "\n[[known]]\nid = " + toml_quoted(k->id) + "\n";
    for (const auto& [key, value] :
         {std::pair{"check", &k->check}, std::pair{"operation", &k->operation},
          std::pair{"identity", &k->identity}, std::pair{"victim", &k->victim},
          std::pair{"parameter", &k->parameter}, std::pair{"severity", &k->severity}}) {
      if (!value->empty()) out += std::string(key) + " = " + toml_quoted(*value) + "\n";
    }
    out += "reason = " + toml_quoted(k->reason) + "\n";
    if (!k->expires.empty()) out += "expires = " + k->expires + "\n";
  }
  return out;
}

}  // namespace authdiff::config
