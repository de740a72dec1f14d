#include "report/html.hpp"

#include "report/xml.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace authdiff::report {

using nlohmann::json;

namespace {

// At most this many probes of one cell are listed in its panel (the rest are counted).
constexpr std::size_t k_probes_per_cell = 60;

std::string principal_label(const std::string& p) {
  return p.empty() ? "anonymous" : p;
}

int severity_rank(judge::Severity s) {
  return static_cast<int>(s);
}

// JSON for a <script type="application/json"> block: "<", ">" and "&" only occur inside
// strings there, where their \u escapes mean the same, so no "</script>" can end the block.
std::string script_json(const json& value) {
  const std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '<') {
      out += "\\u003c";
    } else if (c == '>') {
      out += "\\u003e";
    } else if (c == '&') {
      out += "\\u0026";
    } else {
      out += c;
    }
  }
  return out;
}

struct Verdict {
  std::string css, headline, detail;
};

Verdict verdict_of(const ScanResult& r, int exit_code) {
  const std::size_t failing = r.failing();
  if (!r.run.aborted.empty()) return {"unsure", "Could not conclude (exit 3)", r.run.aborted};
  if (r.command_is_recheck()) {
    const std::size_t fixed = r.count(Previous::Outcome::fixed);
    const std::string counts =
        fmt::format("{} of {} rechecked findings fixed", fixed, r.previous.size());
    if (exit_code == 0) return {"pass", "Fixed (exit 0)", counts};
    if (exit_code == 1) return {"fail", "Still open (exit 1)", counts};
    return {"unsure", fmt::format("Could not conclude (exit {})", exit_code), counts};
  }
  const std::string unsure = r.could_not_conclude();
  if (exit_code == 1 || failing > 0)
    return {"fail", fmt::format("Fail (exit {})", exit_code),
            fmt::format("{} finding{} at or above {} fail the run{}", failing,
                        failing == 1 ? "" : "s", judge::to_string(r.run.fail_on),
                        unsure.empty() ? "" : "; besides, the run could not conclude: " + unsure)};
  if (exit_code == 0)
    return {
        "pass", "Pass (exit 0)",
        fmt::format("nothing at or above {} ({} finding{} in all)", judge::to_string(r.run.fail_on),
                    r.findings.size(), r.findings.size() == 1 ? "" : "s")};
  return {"unsure", fmt::format("Could not conclude (exit {})", exit_code),
          unsure.empty() ? "see the run's log" : unsure};
}

// The facts of the run, as (label, value) rows.
std::vector<std::pair<std::string, std::string>> run_facts(const ScanResult& r) {
  std::vector<std::pair<std::string, std::string>> rows;
  const auto add = [&](std::string label, std::string value) {
    if (!value.empty()) rows.emplace_back(std::move(label), std::move(value));
  };
  add("command", "authdiff " + r.run.command + (r.run.version.empty() ? "" : " " + r.run.version));
  add("spec", r.run.spec_file);
  std::string traffic;
  for (const auto& f : r.run.har) traffic += (traffic.empty() ? "" : ", ") + f;
  for (const auto& f : r.run.postman) traffic += (traffic.empty() ? "" : ", ") + f;
  add("traffic", traffic);
  add("config", r.run.config_file);
  add("target", r.run.base_url);
  add("started", r.run.started_at + (r.run.hostname.empty() ? "" : " on " + r.run.hostname));
  add("duration", fmt::format("{:.1f} s", r.run.seconds));
  add("requests", std::to_string(r.run.requests));
  add("probes", fmt::format("{} ({} enforced, {} bypassed, {} inconclusive)", r.results.size(),
                            r.count(judge::State::enforced), r.count(judge::State::bypassed),
                            r.count(judge::State::inconclusive)));
  std::string identities;
  for (const auto& i : r.run.identities) identities += (identities.empty() ? "" : ", ") + i;
  add("identities", identities);
  std::string checks;
  for (const auto* c : r.run.checks)
    checks += (checks.empty() ? "" : ", ") + std::string(c->name());
  add("checks", checks);
  add("fails at", judge::to_string(r.run.fail_on) + " and above");
  if (r.run.shards > 0) add("shard", fmt::format("{} of {}", r.run.shard, r.run.shards));
  if (!r.run.merged_shards.empty())
    add("merged", fmt::format("{} shard reports", r.run.merged_shards.size()));
  if (!r.compared_with.empty())
    add("compared with",
        r.compared_with + (r.compared_with_file.empty() ? "" : " " + r.compared_with_file));
  return rows;
}

// What the page's script reads: the principals, each finding's evidence and curl line, and
// each tested cell's probes.
struct Grid {
  std::vector<std::string> principals;
  // cells[operation][principal] = indexes into results
  std::vector<std::vector<std::vector<std::size_t>>> cells;
};

// Whether a result belongs in the grid: probes of the spec alone (audit) judge no caller, and a
// check whose probes are requests of their own (exposure's well-known paths, weak-credentials'
// sign-ins: CheckInfo::names_request) only borrows the operation it is planned on. Their
// findings are listed below the grid.
bool in_grid(const judge::ProbeResult& x) {
  return !x.probe.static_only && (x.check == nullptr || !x.check->info().names_request);
}

Grid build_grid(const ScanResult& r) {
  Grid g;
  g.principals = grid_principals(r);
  std::map<std::string, std::size_t> column;
  for (std::size_t i = 0; i < g.principals.size(); ++i) column[g.principals[i]] = i;
  g.cells.assign(r.operations.size(), std::vector<std::vector<std::size_t>>(g.principals.size()));
  for (std::size_t i = 0; i < r.results.size(); ++i) {
    if (!in_grid(r.results[i]) || r.results[i].probe.operation >= r.operations.size()) continue;
    const auto& p = r.results[i].probe;
    g.cells[p.operation][column.at(p.identity)].push_back(i);
  }
  // The worst first: a cell's panel lists at most k_probes_per_cell probes, and its bypassed
  // (then inconclusive) ones must be among them.
  const auto rank = [&](std::size_t i) {
    switch (r.results[i].verdict.state) {
      case judge::State::bypassed:
        return 0;
      case judge::State::inconclusive:
        return 1;
      case judge::State::enforced:
        return 2;
    }
    return 2;
  };
  for (auto& row : g.cells)
    for (auto& cell : row)
      std::stable_sort(cell.begin(), cell.end(),
                       [&](std::size_t a, std::size_t b) { return rank(a) < rank(b); });
  return g;
}

const judge::Finding* finding_by_id(const std::map<std::string, std::size_t>& index,
                                    const ScanResult& r, const std::string& id) {
  const auto it = index.find(id);
  return it == index.end() ? nullptr : &r.findings[it->second];
}

json page_data(const ScanResult& r, const Grid& g) {
  json principals = json::array();
  for (const auto& p : g.principals) principals.push_back(principal_label(p));
  json findings = json::object();
  for (std::size_t i = 0; i < r.findings.size(); ++i) {
    const judge::Finding& f = r.findings[i];
    json evidence = json::array();
    for (const auto& e : f.evidence) evidence.push_back({e.pointer, e.masked});
    findings[f.id] = {{"severity", judge::to_string(f.severity)},
                      {"check", std::string(f.check->name())},
                      {"title", std::string(f.check->title())},
                      {"who", who_and_whose(f)},
                      {"reason", f.reason},
                      {"evidence", evidence},
                      {"leaked", f.leaked},
                      {"data", f.data},
                      {"curl", f.curl},
                      {"status", to_string(r.status(i))},
                      {"fails", r.fails(i)}};
  }
  json cells = json::object();
  for (std::size_t op = 0; op < g.cells.size(); ++op) {
    for (std::size_t c = 0; c < g.cells[op].size(); ++c) {
      const auto& probes = g.cells[op][c];
      if (probes.empty()) continue;
      json rows = json::array();
      for (std::size_t k = 0; k < probes.size() && k < k_probes_per_cell; ++k) {
        const judge::ProbeResult& x = r.results[probes[k]];
        rows.push_back({x.probe.check, x.probe.kind, judge::to_string(x.verdict.state),
                        x.response.status,
                        x.response.error.empty() ? x.verdict.reason : x.response.error, x.finding});
      }
      std::set<std::string> ids;
      for (const std::size_t i : probes)
        if (!r.results[i].finding.empty()) ids.insert(r.results[i].finding);
      cells[fmt::format("{}/{}", op, c)] = {
          {"probes", rows},
          {"findings", ids},
          {"more", probes.size() > k_probes_per_cell ? probes.size() - k_probes_per_cell : 0}};
    }
  }
  return {{"principals", principals}, {"findings", findings}, {"cells", cells}};
}

constexpr std::string_view k_style = R"CSS(
:root{--leak:#b71c1c;--leak-bg:#fdecea;--ok:#1b5e20;--ok-bg:#e8f5e9;--deny:#37474f;--deny-bg:#eceff1;
--unsure:#8a5a00;--unsure-bg:#fff4d6;--none:#9e9e9e;--none-bg:#fafafa;--line:#d0d7de;--fg:#1f2328}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);margin:0;padding:0 20px 40px}
h1{font-size:20px;margin:18px 0 6px}h2{font-size:16px;margin:26px 0 8px}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
.verdict{display:flex;gap:16px;align-items:center;border-radius:8px;padding:12px 16px;margin:10px 0;border:1px solid var(--line)}
.verdict.fail{background:var(--leak-bg);border-color:var(--leak)}.verdict.pass{background:var(--ok-bg);border-color:var(--ok)}
.verdict.unsure{background:var(--unsure-bg);border-color:var(--unsure)}
.verdict b{font-size:18px}
.chips{display:flex;gap:6px;flex-wrap:wrap;margin:6px 0}
.chip{border-radius:12px;padding:1px 10px;border:1px solid var(--line);background:#fff;font-size:12.5px}
.sev-critical{background:#4a148c;color:#fff}.sev-high{background:#b71c1c;color:#fff}
.sev-medium{background:#e65100;color:#fff}.sev-low{background:#0277bd;color:#fff}.sev-info{background:#607d8b;color:#fff}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:8px 0}
.facts dt{color:#57606a}.facts dd{margin:0;word-break:break-all}
.note{border-left:4px solid var(--unsure);background:var(--unsure-bg);padding:6px 10px;margin:6px 0}
.filters{position:sticky;top:0;background:#fff;z-index:3;display:flex;flex-wrap:wrap;gap:12px;align-items:center;
padding:8px 0;border-bottom:1px solid var(--line)}
.filters label{display:inline-flex;gap:4px;align-items:center}
.legend{display:flex;gap:10px;flex-wrap:wrap;margin:8px 0;font-size:12.5px}
.legend span{padding:1px 8px;border-radius:4px}
table.grid{border-collapse:collapse;margin-top:6px}
table.grid th,table.grid td{border:1px solid var(--line);padding:2px 6px;white-space:nowrap}
table.grid thead th{position:sticky;top:46px;background:#f6f8fa;z-index:2}
table.grid tbody th{text-align:left;font-weight:normal;max-width:560px;overflow:hidden;text-overflow:ellipsis}
.m{display:inline-block;min-width:52px;font-weight:600;font-size:11.5px}
td.cell{cursor:pointer;text-align:center;font-size:12px;min-width:84px}
td.cell:focus{outline:2px solid #0969da}
.o-leak{background:var(--leak-bg);color:var(--leak);font-weight:700}
.o-allowed{background:var(--ok-bg);color:var(--ok)}
.o-denied{background:var(--deny-bg);color:var(--deny)}
.o-inconclusive{background:var(--unsure-bg);color:var(--unsure)}
.o-not-tested{background:var(--none-bg);color:var(--none)}
td.off{opacity:.25}
.hidden{display:none!important}
#panel{position:fixed;right:0;top:0;bottom:0;width:min(640px,92vw);background:#fff;border-left:1px solid var(--line);
box-shadow:-4px 0 16px rgba(0,0,0,.12);padding:14px 18px;overflow:auto;z-index:5}
#panel h3{margin:0 30px 8px 0;font-size:15px;word-break:break-all}
#panel .close{position:absolute;right:12px;top:8px;border:0;background:none;font-size:22px;cursor:pointer}
#panel table{border-collapse:collapse;width:100%;margin:6px 0}
#panel td,#panel th{border-bottom:1px solid var(--line);padding:3px 4px;text-align:left;vertical-align:top;font-size:12.5px}
pre{background:#f6f8fa;border:1px solid var(--line);border-radius:6px;padding:8px;white-space:pre-wrap;word-break:break-all}
details.finding{border:1px solid var(--line);border-radius:6px;margin:6px 0;padding:4px 10px}
details.finding summary{cursor:pointer}
details.finding table{border-collapse:collapse}details.finding td{padding:1px 8px 1px 0;vertical-align:top}
.muted{color:#57606a}
)CSS";

constexpr std::string_view k_script = R"JS(
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("authdiff-data").textContent);
  const sevRank = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };
  const $ = (id) => document.getElementById(id);
  const el = (tag, attrs, ...children) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") e.className = v; else e.setAttribute(k, v);
    }
    for (const c of children) e.append(c === null || c === undefined ? "" : c);
    return e;
  };
  const panel = $("panel");
  const grid = $("grid");
  const rows = Array.from(grid.tBodies[0].rows);
  const findings = Array.from(document.querySelectorAll("details.finding"));

  function findingBlock(id) {
    const f = data.findings[id];
    if (!f) return el("p", {}, "finding " + id);
    const box = el("div", {});
    box.append(el("p", {}, el("span", { class: "chip sev-" + f.severity }, f.severity), " ",
      el("b", {}, f.check), " ", f.title, " · ", f.who, " · ", el("a", { href: "#f-" + id }, id)));
    box.append(el("p", {}, f.reason));
    if (f.evidence.length) {
      const t = el("table", {}, el("tr", {}, el("th", {}, "where"), el("th", {}, "value (masked)")));
      for (const [p, m] of f.evidence) t.append(el("tr", {}, el("td", { class: "mono" }, p), el("td", { class: "mono" }, m)));
      box.append(t);
      if (f.leaked > f.evidence.length) box.append(el("p", { class: "muted" }, (f.leaked - f.evidence.length) + " more values leaked"));
    }
    if (f.data.length) box.append(el("p", {}, "unmasked sensitive data: " + f.data.join(", ")));
    if (f.curl) box.append(el("p", { class: "muted" }, "Reproduce (credentials are environment variables):"), el("pre", {}, f.curl));
    return box;
  }

  function openCell(td) {
    const key = td.dataset.cell;
    const row = td.parentElement;
    const principal = data.principals[Number(td.dataset.p)];
    panel.replaceChildren();
    const close = el("button", { class: "close", title: "Close", "aria-label": "Close" }, "×");
    close.addEventListener("click", () => panel.classList.add("hidden"));
    panel.append(close, el("h3", {}, row.dataset.key + " — " + principal));
    panel.append(el("p", {}, el("span", { class: "chip " + td.className.split(" ").filter((c) => c.startsWith("o-")).join(" ") }, td.dataset.outcome)));
    const cell = key ? data.cells[key] : null;
    if (!cell) {
      panel.append(el("p", {}, td.title || "No probe of this principal on this operation."));
    } else {
      for (const id of cell.findings) panel.append(findingBlock(id));
      const t = el("table", {}, el("tr", {}, el("th", {}, "check"), el("th", {}, "probe"), el("th", {}, "answer"), el("th", {}, "verdict"), el("th", {}, "why")));
      for (const [check, kind, state, status, reason] of cell.probes)
        t.append(el("tr", {}, el("td", {}, check), el("td", {}, kind), el("td", {}, status ? String(status) : "–"), el("td", {}, state), el("td", {}, reason)));
      panel.append(el("h4", {}, "Probes"), t);
      if (cell.more) panel.append(el("p", { class: "muted" }, cell.more + " more probes (see the JSON report)"));
    }
    panel.classList.remove("hidden");
    panel.scrollTop = 0;
  }

  grid.addEventListener("click", (e) => {
    const td = e.target.closest("td.cell");
    if (td) openCell(td);
  });
  grid.addEventListener("keydown", (e) => {
    const td = e.target.closest("td.cell");
    if (td && (e.key === "Enter" || e.key === " ")) { e.preventDefault(); openCell(td); }
  });
  document.addEventListener("keydown", (e) => { if (e.key === "Escape") panel.classList.add("hidden"); });

  const checkSel = $("f-check"), sevSel = $("f-severity"), text = $("f-text"), leaksOnly = $("f-leaks");
  const principalBoxes = Array.from(document.querySelectorAll("input.f-principal"));

  function apply() {
    const check = checkSel.value, minSev = sevRank[sevSel.value] ?? -1;
    const needle = text.value.trim().toLowerCase();
    const shown = new Set(principalBoxes.filter((b) => b.checked).map((b) => b.value));
    for (const th of grid.tHead.rows[0].cells) if (th.dataset.p) th.classList.toggle("hidden", !shown.has(th.dataset.p));
    let visible = 0;
    for (const row of rows) {
      let any = false, leak = false;
      for (const td of row.cells) {
        if (!td.dataset.p) continue;
        td.classList.toggle("hidden", !shown.has(td.dataset.p));
        // "check:severity of its worst leak here" for each check of the cell (-1: no leak).
        const worst = new Map(td.dataset.checks.split(" ").filter(Boolean).map((x) => {
          const at = x.lastIndexOf(":");
          return [x.slice(0, at), Number(x.slice(at + 1))];
        }));
        const hasCheck = !check || worst.has(check);
        const sev = check ? (worst.get(check) ?? -1) : Number(td.dataset.sev);
        const on = hasCheck && (minSev < 0 || sev >= minSev);
        td.classList.toggle("off", !on);
        if (!shown.has(td.dataset.p)) continue;
        if (hasCheck && worst.size > 0) any = true;
        if (on && sev >= 0) leak = true;
      }
      const show = (!needle || row.dataset.key.toLowerCase().includes(needle)) &&
        (!check || any) && (!leaksOnly.checked || leak) && (minSev < 0 || leak);
      row.classList.toggle("hidden", !show);
      if (show) visible++;
    }
    $("f-count").textContent = visible + " of " + rows.length + " operations";
    let shownFindings = 0;
    for (const d of findings) {
      const show = (!check || d.dataset.check === check) && (minSev < 0 || sevRank[d.dataset.severity] >= minSev) &&
        shown.has(d.dataset.p) && (!needle || d.dataset.key.toLowerCase().includes(needle));
      d.classList.toggle("hidden", !show);
      if (show) shownFindings++;
    }
    $("findings-count").textContent = shownFindings + " of " + findings.length;
  }
  for (const c of [checkSel, sevSel, leaksOnly, ...principalBoxes]) c.addEventListener("change", apply);
  text.addEventListener("input", apply);
  apply();
  document.body.dataset.ready = "1";
})();
)JS";

}  // namespace

std::string_view to_string(CellOutcome o) {
  switch (o) {
    case CellOutcome::leak:
      return "leak";
    case CellOutcome::inconclusive:
      return "inconclusive";
    case CellOutcome::allowed:
      return "allowed";
    case CellOutcome::denied:
      return "denied";
    case CellOutcome::not_tested:
      return "not tested";
  }
  return "not tested";
}

CellOutcome cell_outcome(const ScanResult& result, const std::vector<std::size_t>& probes) {
  if (probes.empty()) return CellOutcome::not_tested;
  bool unsure = false, answered = false, refused = false;
  for (const std::size_t i : probes) {
    const judge::ProbeResult& x = result.results[i];
    switch (x.verdict.state) {
      case judge::State::bypassed:
        return CellOutcome::leak;
      case judge::State::inconclusive:
        unsure = true;
        break;
      case judge::State::enforced:
        // judge::reach_of; a report without it (older) falls back on the status.
        if (x.verdict.reach) {
          answered = answered || *x.verdict.reach == judge::Reach::allowed;
          refused = refused || *x.verdict.reach == judge::Reach::denied;
        } else {
          const bool ok = x.response.status >= 200 && x.response.status < 300;
          answered = answered || ok;
          refused = refused || (!ok && x.response.status != 0);
        }
        break;
    }
  }
  if (unsure) return CellOutcome::inconclusive;
  if (answered) return CellOutcome::allowed;
  // Every answer was a server error, a missing object or a request of another path: nothing
  // says whether this principal may reach the operation.
  return refused ? CellOutcome::denied : CellOutcome::inconclusive;
}

std::vector<std::string> grid_principals(const ScanResult& result) {
  std::vector<std::string> out{""};
  std::set<std::string> seen{""};
  for (const auto& i : result.run.identities) {
    if (seen.insert(i).second) out.push_back(i);
  }
  for (const auto& x : result.results) {
    if (in_grid(x) && seen.insert(x.probe.identity).second) out.push_back(x.probe.identity);
  }
  return out;
}

std::string html_escape(std::string_view text) {
  return xml_escape(text, false);
}

std::string html_report(const ScanResult& r, int exit_code) {
  const Grid g = build_grid(r);
  std::map<std::string, std::size_t> finding_index;
  for (std::size_t i = 0; i < r.findings.size(); ++i) finding_index[r.findings[i].id] = i;
  std::map<std::size_t, std::string> untested;
  for (const auto& u : r.untested) untested[u.operation] = u.reason;
  const auto e = [](std::string_view s) { return html_escape(s); };

  std::string out;
  out.reserve(64 * 1024 + r.operations.size() * g.principals.size() * 120);
  const Verdict v = verdict_of(r, exit_code);
  const std::string title = fmt::format("authdiff {} — {}", r.run.command, v.headline);
  out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  // Nothing may be fetched: the page works from file:// and as a CI artifact, and a report's
  // text can never load anything.
  out +=
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; "
      "base-uri 'none'; form-action 'none'\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<meta name=\"generator\" content=\"authdiff " + e(r.run.version) + "\">\n";
  out += "<title>" + e(title) + "</title>\n<style>" + std::string(k_style) + "</style>\n";
  out += "</head>\n<body>\n";
  out += "<h1>authdiff " + e(r.run.command) +
         (r.run.base_url.empty() ? "" : " of " + e(r.run.base_url)) + "</h1>\n";

  // The verdict at a glance.
  out += fmt::format(
      "<section id=\"verdict\" class=\"verdict {}\" "
      "data-exit=\"{}\"><b>{}</b><span>{}</span></section>\n",
      v.css, exit_code, e(v.headline), e(v.detail));
  std::map<judge::Severity, std::size_t> by;
  for (const auto& f : r.findings) ++by[f.severity];
  out += "<div class=\"chips\" id=\"severity-counts\">";
  for (const auto s : {judge::Severity::critical, judge::Severity::high, judge::Severity::medium,
                       judge::Severity::low, judge::Severity::info}) {
    const std::string name = judge::to_string(s);
    out += fmt::format("<span class=\"chip{}\" data-severity=\"{}\">{} {}</span>",
                       by[s] ? " sev-" + name : "", name, by[s], name);
  }
  out += fmt::format(
      "<span class=\"chip\">{} probes: {} enforced, {} bypassed, {} inconclusive</span>",
      r.results.size(), r.count(judge::State::enforced), r.count(judge::State::bypassed),
      r.count(judge::State::inconclusive));
  out += "</div>\n";
  // Why the run could not conclude, unless the verdict above already says just that.
  std::vector<std::string> unsure;
  for (const auto* why : {&r.run.aborted, &r.run.blind, &r.run.budget})
    if (!why->empty()) unsure.push_back(*why);
  if (unsure.empty() && !r.command_is_recheck())
    if (std::string why = r.could_not_conclude(); !why.empty()) unsure.push_back(std::move(why));
  for (const auto& why : unsure) {
    if (why != v.detail)
      out += "<p class=\"note\"><b>The run could not conclude:</b> " + e(why) + "</p>\n";
  }
  for (const auto& w : r.run.warnings)
    out += "<p class=\"note\"><b>Warning:</b> " + e(w) + "</p>\n";

  out += "<dl class=\"facts\" id=\"facts\">";
  for (const auto& [label, value] : run_facts(r))
    out += "<dt>" + e(label) + "</dt><dd>" + e(value) + "</dd>";
  out += "</dl>\n";

  // Filters.
  std::set<std::string> checks;
  for (const auto& x : r.results)
    if (in_grid(x)) checks.insert(x.probe.check);
  out += "<h2>Access matrix</h2>\n<div class=\"filters\" id=\"filters\">";
  out += "<label>check <select id=\"f-check\"><option value=\"\">all</option>";
  for (const auto& c : checks) out += "<option>" + e(c) + "</option>";
  out += "</select></label>";
  out += "<label>severity <select id=\"f-severity\"><option value=\"\">any</option>";
  for (const auto* s : {"low", "medium", "high", "critical"})
    out += fmt::format("<option value=\"{0}\">{0} and above</option>", s);
  out += "</select></label><span>principals";
  for (std::size_t p = 0; p < g.principals.size(); ++p)
    out += fmt::format(
        " <label><input type=\"checkbox\" class=\"f-principal\" value=\"{}\" checked>{}</label>", p,
        e(principal_label(g.principals[p])));
  out += "</span><label><input type=\"checkbox\" id=\"f-leaks\">leaks only</label>";
  out +=
      "<label>operation <input type=\"search\" id=\"f-text\" placeholder=\"/path or "
      "method\"></label>";
  out += "<span id=\"f-count\" class=\"muted\"></span></div>\n";
  out +=
      "<div class=\"legend\"><span class=\"o-leak\">leak: a probe got data it should not</span>"
      "<span class=\"o-inconclusive\">inconclusive: could not be judged, or no answer "
      "told</span>"
      "<span class=\"o-allowed\">allowed as expected</span>"
      "<span class=\"o-denied\">denied</span>"
      "<span class=\"o-not-tested\">not tested</span>"
      "<span class=\"muted\">Click a cell for its probes, evidence and curl line.</span></div>\n";

  // The grid.
  out += "<table class=\"grid\" id=\"grid\"><thead><tr><th>operation</th>";
  for (std::size_t p = 0; p < g.principals.size(); ++p)
    out += fmt::format("<th data-p=\"{}\" scope=\"col\">{}</th>", p,
                       e(principal_label(g.principals[p])));
  out += "</tr></thead>\n<tbody>\n";
  for (std::size_t op = 0; op < r.operations.size(); ++op) {
    const OperationInfo& info = r.operations[op];
    out += fmt::format(
        "<tr data-op=\"{}\" data-key=\"{}\"><th scope=\"row\" title=\"{}\"><span "
        "class=\"m\">{}</span> <code>{}</code></th>",
        op, e(info.key()), e(info.operation_id), e(info.method), e(info.path));
    for (std::size_t p = 0; p < g.principals.size(); ++p) {
      const auto& probes = g.cells[op][p];
      const CellOutcome o = cell_outcome(r, probes);
      // Each check of the cell with the severity of its worst leak there (-1: none), so the
      // filters can read one check's leaks: "no-auth:4 bulk:-1".
      std::map<std::string, int> by_check;
      int sev = -1;
      for (const std::size_t i : probes) {
        int& worst = by_check.try_emplace(r.results[i].probe.check, -1).first->second;
        if (const auto* f = finding_by_id(finding_index, r, r.results[i].finding)) {
          worst = std::max(worst, severity_rank(f->severity));
          sev = std::max(sev, worst);
        }
      }
      std::string check_list;
      for (const auto& [c, worst] : by_check)
        check_list += fmt::format("{}{}:{}", check_list.empty() ? "" : " ", c, worst);
      std::string css(to_string(o));
      std::replace(css.begin(), css.end(), ' ', '-');
      std::string label = o == CellOutcome::leak ? "LEAK" : std::string(to_string(o));
      if (o == CellOutcome::not_tested) label = "·";
      std::string hint =
          probes.empty() ? (untested.contains(op) ? "not tested: " + untested[op]
                                                  : "no probe of this principal")
                         : fmt::format("{} probe{}", probes.size(), probes.size() == 1 ? "" : "s");
      out += fmt::format(
          "<td class=\"cell o-{}\" tabindex=\"0\" data-p=\"{}\" data-outcome=\"{}\" "
          "data-sev=\"{}\" "
          "data-checks=\"{}\"{} title=\"{}\">{}</td>",
          css, p, to_string(o), sev, e(check_list),
          probes.empty() ? "" : fmt::format(" data-cell=\"{}/{}\"", op, p), e(hint), e(label));
    }
    out += "</tr>\n";
  }
  out += "</tbody></table>\n";

  // Findings.
  out += "<h2>Findings <span class=\"muted\" id=\"findings-count\"></span></h2>\n";
  if (r.findings.empty()) out += "<p>No findings.</p>\n";
  const auto column_of = [&](const std::string& identity) {
    const auto it = std::find(g.principals.begin(), g.principals.end(), identity);
    return static_cast<std::size_t>(it - g.principals.begin());
  };
  for (std::size_t i = 0; i < r.findings.size(); ++i) {
    const judge::Finding& f = r.findings[i];
    const std::string sev = judge::to_string(f.severity);
    out += fmt::format(
        "<details class=\"finding\" id=\"f-{}\" data-check=\"{}\" data-severity=\"{}\" "
        "data-p=\"{}\" "
        "data-key=\"{}\"><summary><span class=\"chip sev-{}\">{}</span> <b>{}</b> <code>{} "
        "{}</code> · {}{}</summary>",
        e(f.id), e(f.check->name()), sev, column_of(f.identity), e(f.method + " " + f.path), sev,
        sev, e(f.check->name()), e(f.method), e(f.path), e(who_and_whose(f)),
        r.compared_with.empty()
            ? ""
            : " · " + e(to_string(r.status(i))) + (r.fails(i) ? "" : " (does not fail the run)"));
    out += "<p>" + e(f.check->title()) + " (" + e(f.check->owasp()) + ")</p><p>" + e(f.reason) +
           "</p>";
    if (!f.evidence.empty()) {
      out += "<table><tr><th>where</th><th>value (masked)</th></tr>";
      for (const auto& ev : f.evidence)
        out += "<tr><td class=\"mono\">" + e(ev.pointer) + "</td><td class=\"mono\">" +
               e(ev.masked) + "</td></tr>";
      out += "</table>";
      if (f.leaked > f.evidence.size())
        out += fmt::format("<p class=\"muted\">{} more values leaked</p>",
                           f.leaked - f.evidence.size());
    }
    std::string data_classes;
    for (const auto& d : f.data) data_classes += (data_classes.empty() ? "" : ", ") + d;
    if (!data_classes.empty()) out += "<p>unmasked sensitive data: " + e(data_classes) + "</p>";
    if (!f.curl.empty()) out += "<pre>" + e(f.curl) + "</pre>";
    out += "<p class=\"muted mono\">" + e(f.id) + "</p></details>\n";
  }

  if (!r.compared_with.empty() && !r.previous.empty()) {
    out +=
        "<h2>" + std::string(r.command_is_recheck() ? "Rechecked findings" : "Baseline") +
        "</h2>\n<table class=\"grid\" id=\"previous\"><thead><tr><th>outcome</th><th>operation</th>"
        "<th>check</th><th>who</th><th>severity</th><th>id</th></tr></thead><tbody>";
    for (const auto& p : r.previous) {
      std::string outcome = to_string(p.outcome);
      std::string css = p.outcome == Previous::Outcome::fixed           ? "o-allowed"
                        : p.outcome == Previous::Outcome::still_failing ? "o-leak"
                                                                        : "o-inconclusive";
      out += "<tr><td class=\"" + css + "\">" + e(outcome) + "</td><td><code>" + e(p.operation) +
             "</code></td><td>" + e(p.check) + "</td><td>" + e(principal_label(p.identity)) +
             (p.parameter.empty() ? "" : " via " + e(p.parameter)) + "</td><td>" +
             judge::to_string(p.severity) + "</td><td class=\"mono\">" + e(p.id) + "</td></tr>";
    }
    out += "</tbody></table>\n";
  }

  out += "<aside id=\"panel\" class=\"hidden\" aria-live=\"polite\"></aside>\n";
  out += "<script type=\"application/json\" id=\"authdiff-data\">" + script_json(page_data(r, g)) +
         "</script>\n";
  out += "<script>" + std::string(k_script) + "</script>\n</body>\n</html>\n";
  return out;
}

}  // namespace authdiff::report
