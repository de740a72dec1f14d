#!/usr/bin/env python3
"""The HTML report (--html) in a real browser: headless Debian chromium through playwright-core.

    python3 tests/browser/test_html_report.py demo --authdiff BIN --demo-api BIN --playwright DIR
        [--keep DIR]
    python3 tests/browser/test_html_report.py large --authdiff BIN --github-spec FILE
        --playwright DIR [--keep DIR]

demo:  scans the canteen demo API (its accounts signed in by authdiff), then
       * the scan's page passes tests/browser/check_report.mjs (renders without a console error
         or a request, one row per operation and one column per principal as the JSON report
         says, a leak cell opens its evidence and curl line, the filters work);
       * its findings, evidence and curl lines are those of the JSON report, masked the same, and
         no password or signed-in token of the run is anywhere in the page;
       * `merge` of two shards and `recheck` of the scan write pages that pass the same checks.
large: GitHub's REST description (1,223 operations) scanned against nginx answering every path
       on loopback; the page passes the same checks (readyMs: how long it took to be usable).
--keep DIR keeps the pages and their screenshots there (the closing notes show them).
Only 127.0.0.1 is contacted.
"""
import argparse
import html
import json
import os
import pathlib
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
# Bounds against a hang only, far above what a loaded CI machine needs, and below ctest's
# TIMEOUT for the whole test (1800 s) so that a hang ends here, with the servers stopped.
SLOW = 600
ACCOUNTS = {"ADMIN": ("admin", "Admin@2024"), "OPERATOR": ("canteen_op", "Op@2024"),
            "ZHANGWEI": ("zhangwei", "Emp@2024"), "LINA": ("lina", "Emp@2024")}

sys.path.insert(0, str(ROOT / "tests" / "tools"))
from checklist import Server, check, finish  # noqa: E402


def run(argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, timeout=SLOW, **kw)


def page_data(page_text):
    m = re.search(r'<script type="application/json" id="authdiff-data">(.*?)</script>', page_text,
                  re.S)
    return json.loads(m.group(1)) if m else None


def browse(args, page, report, name):
    """check_report.mjs on one page; returns what it saw, or None."""
    shot = pathlib.Path(args.keep or page.parent) / f"{name}.png"
    r = run(["node", str(ROOT / "tests/browser/check_report.mjs"), "--html", str(page),
             "--json", str(report), "--screenshot", str(shot), "--playwright", args.playwright,
             "--timeout", "300"])
    if not check(r.returncode == 0, f"{name}: check_report: {r.stdout}{r.stderr}"):
        return None
    seen = json.loads(r.stdout.strip().splitlines()[-1])
    print(f"{name}: {seen} (screenshot {shot})", flush=True)
    check(shot.is_file() and shot.stat().st_size > 0, f"{name}: no screenshot")
    return seen


def same_findings_as_json(page, report, name):
    """The page's findings are the JSON report's: same ids, evidence (masked) and curl lines."""
    text = page.read_text()
    data = page_data(text)
    if not check(data is not None, f"{name}: no data block in the page"):
        return
    want = {f["id"]: f for f in json.loads(report.read_text())["findings"]}
    check(set(data["findings"]) == set(want),
          f"{name}: findings {sorted(data['findings'])} != JSON's {sorted(want)}")
    for fid, f in want.items():
        got = data["findings"].get(fid, {})
        check(got.get("evidence") == [[e["pointer"], e["value"]] for e in f["evidence"]],
              f"{name}: finding {fid}: evidence differs from the JSON report's")
        check(got.get("curl") == f["curl"], f"{name}: finding {fid}: curl differs")
        check(f'id="f-{fid}"' in text, f"{name}: finding {fid} has no section in the page")
        if f["curl"]:
            check(html.escape(f["curl"], quote=True).replace("&#x27;", "&apos;") in text,
                  f"{name}: finding {fid}: its curl line is not shown")


def demo_suite(args, work):
    demo = Server([args.demo_api, "--port", "0"], timeout=SLOW)
    try:
        env = dict(os.environ)
        for key, (_, password) in ACCOUNTS.items():
            env[f"CANTEEN_{key}_PASSWORD"] = password
        config = work / "canteen.toml"
        config.write_text(re.sub(r'(?m)^base_url = .*$', f'base_url = "{demo.url}"',
                                 (ROOT / "specs/canteen.login.authdiff.toml").read_text()))
        base = [args.authdiff, "scan", "--spec", str(ROOT / "specs/canteen.yaml"), "--config",
                str(config), "-q", "--timeout", "120", "--rate", "1000"]
        page, report = work / "scan.html", work / "scan.json"
        r = run(base + ["--json", str(report), "--html", str(page), "-v"], env=env)
        check(r.returncode == 1, f"scan exits 1 on the demo's flaws (got {r.returncode}): "
                                 f"{r.stderr[-2000:]}")
        if not page.is_file():
            check(False, "scan --html wrote no page")
            return
        check("HTML report: " + str(page) in r.stdout, "the scan names the page it wrote")
        # Every probe that was sent says whether its sender got through (the grid's colour).
        unknown = [p for p in json.loads(report.read_text())["probes"]
                   if not p["static"] and p["verdict"].get("reach") is None]
        check(not unknown, f"{len(unknown)} probes without a reach, e.g. "
                           f"{[(p['check'], p['kind']) for p in unknown[:5]]}")
        seen = browse(args, page, report, "demo-scan")
        if seen:
            check(seen["rows"] == 21 and seen["columns"] == 5,
                  f"the demo's 21 operations x (anonymous + 4 identities): {seen}")
            check(seen["leakCells"] > 0, "the demo's leaks show as leak cells")
        same_findings_as_json(page, report, "demo-scan")
        text = page.read_text()
        for _, password in ACCOUNTS.values():
            check(password not in text, f"a demo password is in the page")
        # The tokens authdiff signed in with: JWTs (eyJ...) the verbose log never prints, so
        # look for any JWT at all.
        check(re.search(r"eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}", text) is None,
              "a JWT is in the page")
        # Nothing to fetch: no src or stylesheet link, no url() in the style, no remote href
        # (check_report.mjs also fails on any request the page makes).
        markup = re.sub(r'(?s)<script type="application/json".*?</script>', "", text)
        for pattern in (r"\ssrc=", r"<link\b", r"url\(", r'href="(?!#)'):
            check(re.search(pattern, markup) is None, f"the page refers to something: {pattern}")

        # Two shards, merged, and a recheck: each writes a page that passes the same checks.
        for k in (1, 2):
            r = run(base + ["--shard", f"{k}/2", "--json", str(work / f"shard{k}.json")], env=env)
            check(r.returncode in (0, 1), f"shard {k}/2 exit {r.returncode}: {r.stderr[-2000:]}")
        merged_page, merged = work / "merged.html", work / "merged.json"
        r = run([args.authdiff, "merge", str(work / "shard1.json"), str(work / "shard2.json"),
                 "--json", str(merged), "--html", str(merged_page)])
        check(r.returncode == 1, f"merge exits 1 (got {r.returncode}): {r.stderr[-2000:]}")
        if check(merged_page.is_file(), "merge --html wrote no page"):
            seen = browse(args, merged_page, merged, "demo-merge")
            check(seen is not None and seen["rows"] == 21, f"merged page rows: {seen}")
            same_findings_as_json(merged_page, merged, "demo-merge")
        recheck_page, rechecked = work / "recheck.html", work / "recheck.json"
        r = run([args.authdiff, "recheck", "--report", str(report), "--config", str(config), "-q",
                 "--timeout", "120", "--json", str(rechecked), "--html", str(recheck_page)],
                env=env)
        check(r.returncode == 1, f"recheck exits 1: the flaws are still open (got "
                                 f"{r.returncode}): {r.stderr[-2000:]}")
        if check(recheck_page.is_file(), "recheck --html wrote no page"):
            browse(args, recheck_page, rechecked, "demo-recheck")
            text = recheck_page.read_text()
            check('id="previous"' in text and "still failing" in text,
                  "the recheck page lists the rechecked findings as still failing")
    finally:
        demo.stop()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def large_suite(args, work):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    port = free_port()
    (work / "nginx.conf").write_text(f"""worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path {work}/body;
  server {{
    listen 127.0.0.1:{port};
    default_type application/json;
    location / {{
      if ($http_authorization !~ "^Bearer token-[ab]$") {{ return 401 '{{"message": "Requires authentication"}}'; }}
      return 200 '{{"id": 1, "name": "item", "tags": ["a", "b"]}}';
    }}
  }}
}}
""")
    proc = subprocess.Popen([nginx, "-c", str(work / "nginx.conf"), "-p", str(work), "-g",
                             "daemon off;"], stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(600):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=5).close()
                break
            except OSError:
                if proc.poll() is not None:
                    check(False, f"nginx exited: {proc.stderr.read()}")
                    return
                time.sleep(0.1)
        (work / "github.toml").write_text(
            "[limits]\nconcurrency = 8\nrate = 100000\ntimeout = 120\nbudget = 1000000\n"
            '[identities.a]\nbearer = "token-a"\nlevel = 2\n'
            '[identities.b]\nbearer = "token-b"\nlevel = 1\n')
        page, report = work / "github.html", work / "github.json"
        r = run([args.authdiff, "scan", "--spec", args.github_spec, "--config",
                 str(work / "github.toml"), "--base-url", f"http://127.0.0.1:{port}", "-q",
                 "--json", str(report), "--html", str(page)])
        check(r.returncode in (0, 1, 3), f"GitHub scan exit {r.returncode}: {r.stderr[-2000:]}")
        if not check(page.is_file(), "the GitHub scan wrote no page"):
            return
        print(f"github page: {page.stat().st_size} bytes, JSON report "
              f"{report.stat().st_size} bytes", flush=True)
        seen = browse(args, page, report, "github")
        if seen:
            check(seen["rows"] == 1223, f"one row per operation of GitHub's description: {seen}")
            check(seen["columns"] == 3, f"anonymous, a and b: {seen}")
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("suite", choices=["demo", "large"])
    parser.add_argument("--authdiff", required=True)
    parser.add_argument("--demo-api", default="")
    parser.add_argument("--github-spec", default="")
    parser.add_argument("--playwright", default=os.environ.get("AUTHDIFF_PLAYWRIGHT_DIR", ""))
    parser.add_argument("--keep", default="")
    args = parser.parse_args()
    if args.keep:
        pathlib.Path(args.keep).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="authdiff-html-") as tmp:
        work = pathlib.Path(tmp)
        {"demo": demo_suite, "large": large_suite}[args.suite](args, work)
        if args.keep:
            for f in work.glob("*.html"):
                shutil.copy(f, args.keep)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
