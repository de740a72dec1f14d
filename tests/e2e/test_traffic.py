#!/usr/bin/env python3
"""Traffic in, findings out, against real servers on loopback:

  browser   the demo API's web page driven in headless Chromium (tests/browser/record_har.mjs)
            as two employees, recorded as HAR; `authdiff infer` writes a spec that the project's
            own loader and Redocly accept, with no recorded secret in it; `authdiff scan --har`
            finds the demo's flaws that traffic reaches (ground truth: specs/canteen.ground-truth.md)
            and no false positive; `recheck` replays them from the HAR the report names.
  notes     an API unlike the demo (cookie sessions, string IDs named `id`, owners in
            `created_by`), scanned from its HAR and from its Postman collection alone.
  exposure  the demo's exposed search-engine origin is found (`[target] also`), and is gone
            with --fixed exposed-search; servers that answer every path alike find nothing.

Usage: test_traffic.py SUITE --authdiff BIN --demo-api BIN [--playwright DIR] [--redocly BIN]
Exit 0 when every assertion holds; prints "N passed, N failed"."""
import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
SERVERS = ROOT / "tests" / "servers"
# Far above need on a loaded two-core machine; only against a hang.
SLOW = 600

sys.path.insert(0, str(ROOT / "tests" / "tools"))
from checklist import Server, check, finish  # noqa: E402


def run(argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, timeout=SLOW, **kw)


def findings(report_path):
    report = json.loads(pathlib.Path(report_path).read_text())
    out = []
    for f in report["findings"]:
        out.append({"check": f["check"], "op": f'{f["method"]} {f["path"]}',
                    "severity": f["severity"],
                    "parameter": f.get("parameter", ""), "path": f["path"], "id": f["id"]})
    return out


def scan_args(args, base, work):
    return [args.authdiff, "scan", "--timeout", "120", "--rate", "1000", "-q",
            "--json", str(work / "report.json"), "--junit", str(work / "junit.xml"),
            "--sarif", str(work / "report.sarif"), "--markdown", str(work / "summary.md")]


def browser_suite(args, work):
    demo = Server([args.demo_api, "--port", "0", "--search-port", "0"], lines=2)
    try:
        base, search = demo.urls
        hars = []
        secrets = []
        for user, password in (("zhangwei", "Emp@2024"), ("lina", "Emp@2024")):
            har = work / f"{user}.har"
            r = run(["node", str(ROOT / "tests/browser/record_har.mjs"), "--base-url", base,
                     "--user", user, "--password", password, "--har", str(har),
                     "--playwright", args.playwright, "--timeout", "300"])
            check(r.returncode == 0, f"recording {user}: {r.stdout}{r.stderr}")
            if r.returncode != 0:
                return
            hars.append(str(har))
            secrets.append(password)
            for e in json.loads(har.read_text())["log"]["entries"]:
                for h in e["request"]["headers"]:
                    if h["name"].lower() == "authorization":
                        secrets.append(h["value"].split(" ", 1)[1])

        # infer: a spec our loader and an external validator accept, without a recorded secret.
        spec = work / "inferred.yaml"
        r = run([args.authdiff, "infer", "--har", hars[0], "--har", hars[1], "-o", str(spec)])
        check(r.returncode == 0, f"infer exit {r.returncode}: {r.stderr}")
        text = spec.read_text()
        for path in ("/api/orders/{orderId}:", "/api/orders:", "/api/recharges:", "/api/me:"):
            check(path in text, f"inferred spec has {path}")
        check("/api/orders/10081" not in text, "no concrete order path in the inferred spec")
        check(not any(s in text for s in secrets), "no recorded password or token in the spec")
        r = run([args.authdiff, "plan", "--spec", str(spec), "--format", "json"])
        check(r.returncode == 0, f"authdiff plan reads the inferred spec: {r.stderr}")
        if args.redocly:
            r = run([args.redocly, "lint", str(spec), "--format", "stylish"])
            check(r.returncode == 0, f"redocly lint accepts the inferred spec: {r.stdout[-2000:]}")

        # scan from the HAR alone.
        config = work / "traffic.toml"
        config.write_text(
            "identities_from_traffic = true\n"
            f'[target]\nbase_url = "{base}"\nalso = ["{search}"]\n'
            "[identities.zhangwei]\nlevel = 1\n[identities.lina]\nlevel = 1\n")
        argv = scan_args(args, base, work) + ["--har", hars[0], "--har", hars[1],
                                              "--config", str(config)]
        r = run(argv)
        check(r.returncode == 1, f"scan --har exits 1 for findings (got {r.returncode}): {r.stderr}")
        got = findings(work / "report.json")
        keys = {(f["check"], f["op"]) for f in got if f["severity"] != "info"}
        expected = {("cross-owner", "GET /api/orders/{orderId}"),
                    ("enumerate", "GET /api/orders/{orderId}"),
                    ("tampered-token", "GET /api/recharges")}
        for e in expected:
            check(e in keys, f"found {e} (got {sorted(keys)})")
        wrong = [f for f in got if f["severity"] != "info" and f["check"] != "exposure"
                 and (f["check"], f["op"]) not in expected]
        check(not wrong, f"no other finding above info: {wrong}")
        exposed = {f["path"] for f in got if f["check"] == "exposure"}
        check(any(p.endswith("/_search?size=5") for p in exposed),
              f"the search origin's documents are found (got {sorted(exposed)})")
        check(all(p.startswith(search) for p in exposed), f"only the search origin: {exposed}")
        critical = [f for f in got if f["check"] == "exposure" and f["severity"] == "critical"]
        check(critical, "the exposed employee documents are critical (personal data)")
        outputs = r.stdout + r.stderr + "".join(
            (work / n).read_text() for n in ("report.json", "junit.xml", "report.sarif",
                                              "summary.md"))
        check(not any(s in outputs for s in secrets), "no recorded secret in any output")

        # recheck replays the findings from the HAR files the report names.
        r = run([args.authdiff, "recheck", "--report", str(work / "report.json"),
                 "--config", str(config), "--json", str(work / "recheck.json"), "-q"])
        check(r.returncode == 1, f"recheck: still open, exit 1 (got {r.returncode}): {r.stderr}")

        # Beside a spec that lacks the order route: it is added, reported by shadow (info), and
        # scanned like the rest (its cross-owner flaw is still found).
        reduced_spec = yaml.safe_load((ROOT / "specs/canteen.yaml").read_text())
        del reduced_spec["paths"]["/orders/{orderId}" if "/orders/{orderId}" in
                                  reduced_spec["paths"] else "/api/orders/{orderId}"]
        reduced = work / "reduced.yaml"
        reduced.write_text(yaml.safe_dump(reduced_spec, allow_unicode=True))
        r = run(scan_args(args, base, work) + ["--spec", str(reduced), "--har", hars[0], "--har",
                                              hars[1], "--config", str(config),
                                              "--only", "shadow,cross-owner"])
        got = findings(work / "report.json")
        shadow = [f for f in got if f["check"] == "shadow"]
        check(len(shadow) == 1 and shadow[0]["path"].endswith("/orders/{orderId}") and
              shadow[0]["severity"] == "info", f"shadow: the undocumented order route ({shadow})")
        check(any(f["check"] == "cross-owner" and f["path"] == shadow[0]["path"] for f in got
                  if shadow), f"the observed route is scanned: {got}")
        merged = work / "merged.yaml"
        r = run([args.authdiff, "infer", "--har", hars[0], "--spec", str(reduced), "-o", str(merged)])
        check(r.returncode == 0 and "x-authdiff-observed: true" in merged.read_text(),
              f"infer --spec marks the added operation: {r.stderr}")
        # Safety and bad input: no replay against the recorded origin by default; not a HAR.
        bare = work / "bare.toml"
        bare.write_text("identities_from_traffic = true\n")
        r = run([args.authdiff, "scan", "--har", hars[0], "--config", str(bare)])
        check(r.returncode == 2 and "--base-url" in r.stderr, f"no base URL: exit 2 ({r.stderr})")
        r = run([args.authdiff, "infer", "--har", str(config)])
        check(r.returncode == 2 and str(config) in r.stderr, f"not a HAR: exit 2 ({r.stderr})")

    finally:
        demo.stop()


def exposure_suite(args, work):
    spec = work / "profile.yaml"
    spec.write_text(
        "openapi: 3.0.3\ninfo: {title: portal, version: '1'}\n"
        "components:\n  securitySchemes:\n    bearer: {type: http, scheme: bearer}\n"
        "security: [{bearer: []}]\n"
        "paths:\n  /api/profile:\n    get:\n      responses:\n        '200':\n"
        "          description: ok\n          content:\n            application/json:\n"
        "              schema: {type: object, properties: {name: {type: string}}}\n")
    for style in ("html", "json", "text"):
        server = Server([sys.executable, str(SERVERS / "catchall_server.py"), "--style", style])
        try:
            config = work / f"catchall-{style}.toml"
            config.write_text(f'[target]\nbase_url = "{server.urls[0]}"\n'
                              '[identities.alice]\nbearer = "t-alice"\n')
            r = run(scan_args(args, server.urls[0], work) +
                    ["--spec", str(spec), "--config", str(config), "--only", "exposure"])
            got = findings(work / "report.json")
            check(r.returncode == 0 and not got,
                  f"catch-all {style}: no exposure (exit {r.returncode}, {got}, {r.stderr})")
        finally:
            server.stop()
    for fixed in (False, True):
        demo = Server([args.demo_api, "--port", "0", "--search-port", "0"] +
                      (["--fixed", "exposed-search"] if fixed else []), lines=2)
        try:
            base, search = demo.urls
            config = work / "demo-exposure.toml"
            config.write_text(f'[target]\nbase_url = "{base}"\nalso = ["{search}"]\n'
                              '[identities.lina]\nlogin = { url = "/api/auth/login", json = '
                              '{ username = "lina", password = "Emp@2024" }, token = "/token" }\n')
            r = run(scan_args(args, base, work) + ["--spec", str(ROOT / "specs/canteen.yaml"),
                                                   "--config", str(config), "--only", "exposure"])
            got = findings(work / "report.json")
            if fixed:
                check(r.returncode == 0 and not got, f"fixed search origin: nothing ({got})")
            else:
                paths = {f["path"].removeprefix(search) for f in got}
                check(r.returncode == 1, f"exposed search origin: exit 1 ({r.returncode})")
                check({"/_search?size=5", "/_cat/indices?v"} <= paths, f"exposures: {paths}")
                check(all(f["path"].startswith(search) for f in got),
                      f"nothing on the API's own origin: {got}")
        finally:
            demo.stop()


def notes_suite(args, work):
    """A third-party-like API (tests/servers/notes_server.py): cookie sessions, string IDs all
    named `id`, owners in `created_by`, a search that leaks what the object route guards.
    Scanned from its HAR, and from its Postman collection, with nothing else."""
    truth = json.loads((ROOT / "tests/data/notes.ground-truth.json").read_text())
    server = Server([sys.executable, str(SERVERS / "notes_server.py"), "--port", "0",
                     "--sessions", str(ROOT / truth["traffic"]["sessions"])])
    try:
        live = server.urls[0]
        recorded = truth["traffic"]["recorded_origin"]
        copies = {}
        for kind in ("har", "postman", "config"):
            source = ROOT / (truth["config"] if kind == "config" else truth["traffic"][kind])
            copy = work / source.name
            copy.write_text(source.read_text().replace(recorded, live))
            copies[kind] = str(copy)
        for kind in ("har", "postman"):
            rename = truth["paths_with_postman"] if kind == "postman" else {}
            r = run(scan_args(args, live, work) + [f"--{kind}", copies[kind],
                                                   "--config", copies["config"]])
            check(r.returncode == 1, f"notes --{kind}: exit 1 ({r.returncode}): {r.stderr}")
            got = findings(work / "report.json")
            keys = {(f["check"], f["op"]) for f in got}
            allowed = set()
            for w in truth["weaknesses"]:
                op = f'{w["method"]} {rename.get(w["path"], w["path"])}'
                check((w["check"], op) in keys, f"notes --{kind}: {w['id']} {w['check']} {op} "
                                                f"found (got {sorted(keys)})")
                allowed |= {(c, op) for c in [w["check"]] + w.get("may_also_flag", [])}
            wrong = [f for f in got if f["severity"] != "info" and (f["check"], f["op"]) not in
                     allowed and f["check"] != "exposure"]
            check(not wrong, f"notes --{kind}: no false positive: {wrong}")
            secret_values = json.loads((ROOT / truth["traffic"]["sessions"]).read_text()).keys()
            outputs = r.stdout + r.stderr + (work / "report.json").read_text()
            check(not any(v in outputs for v in secret_values), f"notes --{kind}: no session "
                                                                 "value in the outputs")
    finally:
        server.stop()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("suite", choices=["browser", "exposure", "notes"])
    parser.add_argument("--authdiff", required=True)
    parser.add_argument("--demo-api", required=True)
    parser.add_argument("--playwright", default=os.environ.get("AUTHDIFF_PLAYWRIGHT_DIR", ""))
    parser.add_argument("--redocly", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="authdiff-traffic-") as tmp:
        work = pathlib.Path(tmp)
        {"browser": browser_suite, "exposure": exposure_suite, "notes": notes_suite}[args.suite](
            args, work)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
