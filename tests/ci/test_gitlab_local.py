#!/usr/bin/env python3
"""The GitLab template run end to end by gitlab-ci-local (npm), the shell executor, against the
demo API on a loopback port.

    python3 tests/ci/test_gitlab_local.py --source DIR --gitlab-ci-local BIN
        --authdiff BIN --demo-api BIN

A scratch project (a git repository: gitlab-ci-local reads tracked files only) includes
ci/gitlab/authdiff.gitlab-ci.yml the way the template's header tells users to, with the demo's
spec and config; the demo's four accounts are signed in and their tokens passed as CI/CD
variables. Then:
  * the pipeline fails (gitlab-ci-local exits 1) because of the demo's flaws;
  * the three `authdiff-scan` shards (parallel: 3) each ran their part and kept their JSON
    report and exit code as artifacts, and stayed green;
  * `authdiff-merge` received them through `needs`, failed with authdiff's exit 1, and left the
    merged JUnit report that its `artifacts:reports:junit` names, whose failures are exactly
    those of one unsharded scan of the same API.
gitlab-ci-local ignores `image:` only with --force-shell-executor, and runs each job in a copy
of the project only with --shell-isolation (without it, every job shares the project folder
and the merge would read the shards' files without any artifact passing).
Only 127.0.0.1 is contacted.
"""
import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request
import xml.etree.ElementTree as ET

import yaml

ACCOUNTS = [("CANTEEN_ADMIN_TOKEN", "admin", "Admin@2024"),
            ("CANTEEN_OPERATOR_TOKEN", "canteen_op", "Op@2024"),
            ("CANTEEN_ZHANGWEI_TOKEN", "zhangwei", "Emp@2024"),
            ("CANTEEN_LINA_TOKEN", "lina", "Emp@2024")]
# Bounds against a hang only, far above what a loaded machine needs, and below ctest's TIMEOUT
# (1800 s) so that a hang ends here, with the demo API stopped.
SLOW = 900
SCAN_ARGS = "-q --timeout 120 --rate 1000"

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
from checklist import Server, check, finish  # noqa: E402


def git(cwd, *argv):
    subprocess.run(["git", "-c", "user.name=authdiff test", "-c", "user.email=test@localhost",
                    "-c", "init.defaultBranch=main", *argv], cwd=cwd, check=True,
                   capture_output=True, timeout=SLOW)


def sign_in(base, user, password):
    req = urllib.request.Request(base + "/api/auth/login", method="POST",
                                 data=json.dumps({"username": user, "password": password}).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=SLOW) as r:
        return json.load(r)["token"]


def failures_of(junit_path):
    root = ET.parse(junit_path).getroot()
    return sorted(f"{c.get('classname')} | {c.get('name')}" for c in root.iter("testcase")
                  if c.find("failure") is not None)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", required=True)
    parser.add_argument("--gitlab-ci-local", required=True)
    parser.add_argument("--authdiff", required=True)
    parser.add_argument("--demo-api", required=True)
    args = parser.parse_args()
    args.authdiff = os.path.abspath(args.authdiff)
    version = subprocess.run([args.gitlab_ci_local, "--version"], capture_output=True, text=True,
                             timeout=SLOW).stdout.strip()
    print(f"gitlab-ci-local {version}", flush=True)

    demo = Server([args.demo_api, "--port", "0"], timeout=SLOW)
    try:
        base = demo.url
        tokens = {var: sign_in(base, user, password) for var, user, password in ACCOUNTS}

        with tempfile.TemporaryDirectory(prefix="authdiff-gitlab-") as tmp:
            project = os.path.join(tmp, "project")
            for rel in ("ci/gitlab/authdiff.gitlab-ci.yml", "ci/gitlab/scan.sh", "ci/lib.sh",
                        "specs/canteen.yaml", "specs/canteen.authdiff.toml"):
                os.makedirs(os.path.dirname(os.path.join(project, rel)), exist_ok=True)
                shutil.copy2(os.path.join(args.source, rel), os.path.join(project, rel))
            # The project's own .gitlab-ci.yml, as the template's header says to write it.
            with open(os.path.join(project, ".gitlab-ci.yml"), "w", encoding="utf-8") as f:
                f.write("stages: [test]\n"
                        "include:\n  - local: ci/gitlab/authdiff.gitlab-ci.yml\n"
                        ".authdiff:\n  variables:\n"
                        "    AUTHDIFF_SPEC: specs/canteen.yaml\n"
                        "    AUTHDIFF_CONFIG: specs/canteen.authdiff.toml\n"
                        f'    AUTHDIFF_ARGS: "{SCAN_ARGS}"\n')
            with open(os.path.join(project, ".gitignore"), "w", encoding="utf-8") as f:
                f.write(".gitlab-ci-local/\n.gitlab-ci-local-variables.yml\n")
            git(project, "init", "-q")
            git(project, "add", "-A")
            git(project, "commit", "-q", "-m", "a project that includes the authdiff template")

            # A prebuilt authdiff (AUTHDIFF_BIN), as the template documents: nothing compiles.
            argv = [args.gitlab_ci_local, "--force-shell-executor", "--shell-isolation",
                    "--no-artifacts-to-source", "--no-color",
                    "--variable", f"AUTHDIFF_BIN={args.authdiff}",
                    "--variable", f"AUTHDIFF_BASE_URL={base}"]
            for var, token in tokens.items():
                argv += ["--variable", f"{var}={token}"]
            env = {k: v for k, v in os.environ.items()
                   if not k.startswith(("CI_", "GITLAB_", "AUTHDIFF_", "CANTEEN_"))}
            proc = subprocess.run(argv, cwd=project, capture_output=True, text=True, env=env,
                                  timeout=SLOW)
            log = proc.stdout + proc.stderr
            redacted = log
            for token in tokens.values():
                redacted = redacted.replace(token, "<token>")
            print(redacted[-6000:], flush=True)
            check(proc.returncode == 1,
                  f"gitlab-ci-local exits 1 for the failed pipeline, got {proc.returncode}")
            for k in (1, 2, 3):
                check(f"authdiff-scan: [{k}/3]" in log, f"shard {k}/3 did not run")
                check(re.search(rf"--shard {k}/3\b", log) is not None, f"shard {k}/3 not passed on")
            check(len(re.findall(r"PASS\s+authdiff-scan: \[\d/3\]", log)) == 3 and
                  re.search(r"FAIL\s+authdiff-scan", log) is None,
                  "the three shards must stay green on findings (the merge gives the verdict)")
            check(re.search(r"FAIL\s+authdiff-merge", log) is not None, "authdiff-merge did not fail")

            artifacts = os.path.join(project, ".gitlab-ci-local", "artifacts")
            shard_reports = sorted(glob.glob(os.path.join(artifacts, "authdiff-scan*", "authdiff-*.json")))
            check(len(shard_reports) == 3, f"3 shard reports as artifacts, got {shard_reports}")
            for report in shard_reports:
                code = open(report[:-len(".json")] + ".exit").read().strip()
                check(code in ("0", "1"), f"{report}: the shard exited {code}")
            merged = os.path.join(artifacts, "authdiff-merge", "authdiff-junit.xml")
            page = os.path.join(artifacts, "authdiff-merge", "authdiff.html")
            check(os.path.isfile(page) and open(page, encoding="utf-8").read().startswith(
                "<!DOCTYPE html>"), "the merge job left no authdiff.html artifact")
            if check(os.path.isfile(merged), "the merge job left no authdiff-junit.xml artifact"):
                merged_failures = failures_of(merged)
                # The template's merge job declares exactly that file as its JUnit report.
                with open(os.path.join(args.source, "ci/gitlab/authdiff.gitlab-ci.yml")) as f:
                    template = yaml.safe_load(f)
                check(template["authdiff-merge"]["artifacts"]["reports"]["junit"] ==
                      "authdiff-junit.xml", "authdiff-merge's reports:junit")
                # One unsharded scan of the same API with the same config and tokens.
                single = os.path.join(tmp, "single.xml")
                env_scan = dict(env, **tokens)
                r = subprocess.run([args.authdiff, "scan", "--spec", "specs/canteen.yaml",
                                    "--config", "specs/canteen.authdiff.toml", "--base-url", base,
                                    "--junit", single, *SCAN_ARGS.split()], cwd=project,
                                   env=env_scan, capture_output=True, text=True, timeout=SLOW)
                check(r.returncode == 1, f"the single scan exits 1: {r.stderr[-2000:]}")
                single_failures = failures_of(single)
                check(merged_failures == single_failures,
                      f"merged JUnit failures ({len(merged_failures)}) differ from one scan's "
                      f"({len(single_failures)}): "
                      f"{sorted(set(merged_failures) ^ set(single_failures))[:10]}")
                print(f"merged JUnit report: {len(merged_failures)} failures, the same as one "
                      f"unsharded scan's", flush=True)
    finally:
        demo.stop()
    return finish()


if __name__ == "__main__":
    sys.exit(main())
