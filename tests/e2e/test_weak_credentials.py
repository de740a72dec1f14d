#!/usr/bin/env python3
"""weak-credentials against real servers on loopback:

  demo     the canteen demo's `test` account (password 123456) is found, named, and its password
           appears in no output; with --fixed weak-password nothing is found.
  lockout  tests/servers/lockout_server.py: form sign-in with its own field names, failure in a
           200; an account with a weak password is found before anything locks; accounts lock
           after 3 failures and the check stops at the first 423 (or 429 with --throttle),
           sending nothing in later rounds.

Usage: test_weak_credentials.py SUITE --authdiff BIN --demo-api BIN
Prints "N passed, N failed"; exit 0 when every assertion holds."""
import argparse
import json
import os
import pathlib
import sys
import tempfile
import urllib.request

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from test_traffic import ROOT, SERVERS, findings, run  # noqa: E402
from checklist import Server, check, finish  # noqa: E402  (on the path test_traffic set)

DEMO_PASSWORDS = {"CANTEEN_ADMIN_PASSWORD": "Admin@2024", "CANTEEN_OPERATOR_PASSWORD": "Op@2024",
                  "CANTEEN_ZHANGWEI_PASSWORD": "Emp@2024", "CANTEEN_LINA_PASSWORD": "Emp@2024"}


def scan(args, work, spec, config, base, env=None):
    return run([args.authdiff, "scan", "--spec", str(spec), "--config", str(config),
                "--base-url", base, "--only", "weak-credentials", "--timeout", "120", "-q",
                "--json", str(work / "report.json"), "--sarif", str(work / "report.sarif"),
                "--markdown", str(work / "summary.md")],
               env={**os.environ, **(env or {})})


def demo_suite(args, work):
    for fixed in (False, True):
        demo = Server([args.demo_api, "--port", "0"] + (["--fixed", "weak-password"] if fixed else []))
        try:
            base = demo.urls[0]
            r = scan(args, work, ROOT / "specs/canteen.yaml",
                     ROOT / "specs/canteen.login.authdiff.toml", base, DEMO_PASSWORDS)
            got = findings(work / "report.json")
            if fixed:
                check(r.returncode == 0 and not got, f"fixed: nothing found ({r.returncode}, {got})")
                continue
            check(r.returncode == 1, f"demo: exit 1 ({r.returncode}): {r.stderr}")
            check([(f["check"], f["op"], f["parameter"], f["severity"]) for f in got] ==
                  [("weak-credentials", "POST /api/auth/login", "test", "critical")],
                  f"demo: the test account, and nothing else ({got})")
            outputs = r.stdout + r.stderr + "".join(
                (work / n).read_text() for n in ("report.json", "report.sarif", "summary.md"))
            check('"123456"' not in outputs and ":123456" not in outputs and "=123456" not in outputs,
                  "demo: the found password is in no output")
        finally:
            demo.stop()


def attempts(base):
    with urllib.request.urlopen(base + "/__attempts", timeout=60) as answer:
        return json.loads(answer.read())


def lockout_suite(args, work):
    spec = work / "lockout.yaml"
    spec.write_text(
        "openapi: 3.0.3\ninfo: {title: lockout, version: '1'}\n"
        "components:\n  securitySchemes:\n    bearer: {type: http, scheme: bearer}\n"
        "security: [{bearer: []}]\npaths:\n  /me:\n    get:\n      responses:\n"
        "        '200': {description: ok}\n")
    for mode in ("lock", "throttle"):
        extra = ["--weak-ops"] if mode == "lock" else ["--throttle", "8"]
        server = Server([sys.executable, str(SERVERS / "lockout_server.py"), "--port", "0"] + extra)
        try:
            base = server.urls[0]
            config = work / "lockout.toml"
            config.write_text(
                f'[target]\nbase_url = "{base}"\n'
                "[checks.weak-credentials]\nenabled = true\npause_ms = 0\n"
                '[identities.sam]\nlogin = { url = "/auth", form = { login = "sam", '
                'passwd = "${SAM_PW}" }, token = "/access_token" }\n'
                + ('[identities.ops]\nlogin = { url = "/auth", form = { login = "ops", '
                   'passwd = "${OPS_PW}" }, token = "/access_token" }\n' if mode == "lock" else ""))
            r = scan(args, work, spec, config, base,
                     {"SAM_PW": "S4m-Strong-Pass-91", "OPS_PW": "123456"})
            got = findings(work / "report.json")
            log = attempts(base)
            stop = 423 if mode == "lock" else 429
            first = next((i for i, (_, status) in enumerate(log) if status == stop), None)
            check(first is not None, f"{mode}: the server answered {stop} at some point ({log})")
            if first is None:
                continue
            # The round that met the stop may still be in flight (one attempt per account, the
            # sender's retries of a 429 included); no later round is sent.
            accounts = 5 if mode == "lock" else 4
            later = len(log) - first - 1
            limit = (accounts - 1) * (3 if mode == "throttle" else 1) + (2 if mode == "throttle" else 0)
            check(later <= limit, f"{mode}: {later} attempts after the first {stop} (at most "
                                  f"{limit}): {log}")
            if mode == "lock":
                check(r.returncode == 1, f"lock: exit 1 ({r.returncode}): {r.stderr}")
                check([(f["parameter"], f["severity"]) for f in got] == [("ops", "critical")],
                      f"lock: ops found, the locked admin not ({got})")
                check(all(login != "admin" or status != 200 or i < first
                          for i, (login, status) in enumerate(log)), "lock: admin not tried on")
            else:
                check(r.returncode == 0 and not got, f"throttle: nothing found ({r.returncode}, {got})")
            report = (work / "report.json").read_text()
            check("throttled or locked" in report, f"{mode}: the report says it stopped")
        finally:
            server.stop()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("suite", choices=["demo", "lockout"])
    parser.add_argument("--authdiff", required=True)
    parser.add_argument("--demo-api", required=True)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="authdiff-weak-") as tmp:
        {"demo": demo_suite, "lockout": lockout_suite}[args.suite](args, pathlib.Path(tmp))
    return finish()


if __name__ == "__main__":
    sys.exit(main())
