#!/usr/bin/env python3
"""Tests of authdiff's CI integration files.

    python3 tests/ci/test_ci_integration.py --source /work/main \
        --authdiff build/gcc/tester/authdiff --demo-api build/gcc/tests/demo_api/authdiff-demo-api \
        [unittest arguments, e.g. -k GitLab]

What it checks:
  * ci/github/action.yml, ci/github/example-workflow.yml and ci/gitlab/authdiff.gitlab-ci.yml
    parse (yaml.safe_load) and carry the keys GitHub Actions and GitLab CI require; no `${{ }}`
    expression is pasted into a shell script; every shell script parses (bash -n).
  * The action's `run:` steps are executed with bash the way a runner would (GITHUB_ACTION_PATH,
    GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, RUNNER_TEMP, each step's env with its expressions
    evaluated; `uses:` steps skipped), and the GitLab jobs' before_script + script the way
    GitLab's runner would (one bash, set -eo pipefail, the job's variables, CI_NODE_INDEX/TOTAL,
    artifacts carried from the scan jobs to the merge job by the YAML's artifacts:paths):
      - with a stand-in authdiff that records its arguments (the argument plumbing, the exit
        code handling, the outputs), and
      - with the real authdiff against the demo API on a loopback port (its four accounts
        signed in like ci/demo does).
Only 127.0.0.1 / ::1 is ever contacted.
"""
import argparse
import glob
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import unittest
import urllib.request
import xml.etree.ElementTree as ET

import yaml

OPTS = None  # the parsed command line (see main)

ACTION = "ci/github/action.yml"
WORKFLOW = "ci/github/example-workflow.yml"
GITLAB = "ci/gitlab/authdiff.gitlab-ci.yml"
GITLAB_SCRIPT = "ci/gitlab/scan.sh"

EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}", re.S)
ACTION_OUTPUTS = {"junit", "json", "sarif", "markdown", "html", "findings", "failing", "exit-code"}
ACCOUNTS = [  # environment variable, user name, password (specs/canteen.authdiff.toml, ci/demo)
    ("CANTEEN_ADMIN_TOKEN", "admin", "Admin@2024"),
    ("CANTEEN_OPERATOR_TOKEN", "canteen_op", "Op@2024"),
    ("CANTEEN_ZHANGWEI_TOKEN", "zhangwei", "Emp@2024"),
    ("CANTEEN_LINA_TOKEN", "lina", "Emp@2024"),
]
# Bounds against a hang only, far above what a loaded CI machine needs (a step runs a scan of
# seconds, a command or a request needs milliseconds): never a measure of speed.
STEP_TIMEOUT = 600
COMMAND_TIMEOUT = 120
REQUEST_TIMEOUT = 120
# Every scan here: a request timeout far above need (specs/canteen.authdiff.toml says 5 s), and a
# faster pace than the config's 200 per second (politeness towards a real API; the demo API is
# the test's own, and no finding depends on the pace).
SCAN_ARGS = "--timeout 120 --rate 1000"


# --------------------------------------------------------------------------------------------
# helpers

def src(*parts):
    return os.path.join(OPTS.source, *parts)


def load_yaml(rel):
    with open(src(rel), encoding="utf-8") as f:
        return yaml.safe_load(f)


def walk_strings(node, where=""):
    """Every string in a parsed YAML tree (keys and values) with where it is."""
    if isinstance(node, dict):
        for k, v in node.items():
            if isinstance(k, str):
                yield where + "/" + k + " (key)", k
            yield from walk_strings(v, f"{where}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk_strings(v, f"{where}/{i}")
    elif isinstance(node, str):
        yield where, node


def bash_syntax_error(text):
    """bash -n on TEXT: the error message, or None when it parses."""
    proc = subprocess.run(["bash", "-n"], input=text, capture_output=True, text=True,
                          timeout=COMMAND_TIMEOUT)
    return None if proc.returncode == 0 else (proc.stderr.strip() or f"bash -n exit {proc.returncode}")


def clean_env(**extra):
    """This process's environment without what a CI system would set itself."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GITHUB_", "RUNNER_", "CI_", "AUTHDIFF_", "CANTEEN_", "FAKE_AUTHDIFF_"))
           and k not in ("CI", "GITLAB_CI")}
    env["NO_COLOR"] = "1"
    env.update(extra)
    return env


def describe(proc_result):
    return (f"exit {proc_result['code']}\n--- stdout ---\n{proc_result['stdout'][-4000:]}"
            f"\n--- stderr ---\n{proc_result['stderr'][-4000:]}")


def parse_github_output(path):
    """The name=value and name<<DELIMITER forms of $GITHUB_OUTPUT."""
    out = {}
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line:
            continue
        m = re.match(r"^([^=<]+)<<(.+)$", line)
        if m:
            name, delim, value = m.group(1), m.group(2), []
            while i < len(lines) and lines[i] != delim:
                value.append(lines[i])
                i += 1
            if i >= len(lines):
                raise AssertionError(f"{path}: {name}<<{delim} is never closed")
            i += 1
            out[name] = "\n".join(value)
        elif "=" in line:
            name, value = line.split("=", 1)
            out[name] = value
        else:
            raise AssertionError(f"{path}: malformed GITHUB_OUTPUT line {line!r}")
    return out


def deep_merge(base, over):
    """GitLab's `extends`: hashes merge key by key, everything else is replaced."""
    result = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(result.get(k), dict):
            result[k] = deep_merge(result[k], v)
        else:
            result[k] = v
    return result


def gitlab_job(doc, name, seen=()):
    job = doc[name]
    parents = job.get("extends", [])
    parents = [parents] if isinstance(parents, str) else parents
    resolved = {}
    for parent in parents:
        if parent in seen or parent not in doc:
            raise AssertionError(f"{name}: extends {parent!r}, which is missing or circular")
        resolved = deep_merge(resolved, gitlab_job(doc, parent, seen + (name,)))
    own = {k: v for k, v in job.items() if k != "extends"}
    return deep_merge(resolved, own)


def write_fake_authdiff(directory):
    """A stand-in authdiff: appends its argv (JSON, one line per call) to $FAKE_AUTHDIFF_LOG,
    writes the reports it was asked for when FAKE_AUTHDIFF_WRITE=1, exits $FAKE_AUTHDIFF_EXIT."""
    path = os.path.join(directory, "fake-authdiff")
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"#!{sys.executable}\n" + r'''
import json, os, sys
argv = sys.argv[1:]
with open(os.environ["FAKE_AUTHDIFF_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps(argv) + "\n")
if os.environ.get("FAKE_AUTHDIFF_WRITE") == "1":
    def value(flag):
        return argv[argv.index(flag) + 1] if flag in argv else None
    report = {"authdiff_report": 1, "run": {"shard": None},
              "summary": {"probes": 40, "enforced": 35, "bypassed": 5, "inconclusive": 0,
                          "findings": 5, "failing": 3, "by_severity": {"high": 3, "info": 2}},
              "operations": [], "findings": [], "compared_with": None, "probes": []}
    contents = {"--json": json.dumps(report), "--sarif": '{"version": "2.1.0", "runs": []}',
                "--junit": '<testsuites name="fake"/>\n', "--markdown": "## fake authdiff summary\n",
                "--html": "<!DOCTYPE html><title>fake</title>\n"}
    for flag, text in contents.items():
        if value(flag):
            with open(value(flag), "w", encoding="utf-8") as out:
                out.write(text)
sys.exit(int(os.environ.get("FAKE_AUTHDIFF_EXIT", "1")))
''')
    os.chmod(path, 0o755)
    return path


def read_fake_calls(log_path):
    if not os.path.exists(log_path):
        return []
    with open(log_path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


# --------------------------------------------------------------------------------------------
# running the action's steps the way a GitHub runner does

class ActionRunner:
    """Runs the `run:` steps of action.yml in order with bash (shell: bash is
    `bash --noprofile --norc -eo pipefail FILE`), skipping `uses:` steps."""

    def __init__(self, tmp):
        self.action = load_yaml(ACTION)
        self.action_path = src("ci", "github")
        self.tmp = tmp

    def run(self, inputs, workspace, env):
        declared = self.action["inputs"]
        unknown = set(inputs) - set(declared)
        if unknown:
            raise AssertionError(f"test bug: inputs {sorted(unknown)} are not declared in {ACTION}")
        values = {}
        for name, spec in declared.items():
            values[name] = str(inputs.get(name, spec.get("default", "")))
            if spec.get("required") and not values[name]:
                raise AssertionError(f"required input {name!r} has no value")
        runner_temp = tempfile.mkdtemp(prefix="runner-temp-", dir=self.tmp)
        step_outputs, results, failed = {}, [], False

        def evaluate(text):
            def one(m):
                expr = m.group(1)
                if expr.startswith("inputs."):
                    return values[expr[len("inputs."):]]
                sm = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expr)
                if sm:
                    return step_outputs.get(sm.group(1), {}).get(sm.group(2), "")
                if expr == "github.action_path":
                    return self.action_path
                if expr == "github.workspace":
                    return workspace
                if expr == "runner.temp":
                    return runner_temp
                raise AssertionError(f"the test cannot evaluate the expression ${{{{ {expr} }}}}")
            return EXPRESSION.sub(one, str(text))

        for index, step in enumerate(self.action["runs"]["steps"]):
            label = step.get("name") or step.get("id") or f"step {index + 1}"
            if "uses" in step:
                results.append({"name": label, "skipped": "uses " + step["uses"]})
                continue
            condition = str(step.get("if", ""))
            if failed and "always()" not in condition:
                results.append({"name": label, "skipped": "an earlier step failed"})
                continue
            if condition and condition.strip() not in ("always()", "${{ always() }}"):
                raise AssertionError(f"{label}: the test cannot evaluate if: {condition}")
            output_file = os.path.join(runner_temp, f"output-{index}")
            summary_file = os.path.join(runner_temp, f"summary-{index}")
            script_file = os.path.join(runner_temp, f"step-{index}.sh")
            for path in (output_file, summary_file):
                open(path, "w").close()
            with open(script_file, "w", encoding="utf-8") as f:
                f.write(evaluate(step["run"]))
            step_env = dict(env)
            step_env.update(GITHUB_ACTIONS="true", CI="true", GITHUB_ACTION_PATH=self.action_path,
                            GITHUB_WORKSPACE=workspace, GITHUB_OUTPUT=output_file,
                            GITHUB_STEP_SUMMARY=summary_file, RUNNER_TEMP=runner_temp)
            for k, v in (step.get("env") or {}).items():
                step_env[k] = evaluate(v)
            proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", script_file],
                                  cwd=workspace, env=step_env, capture_output=True, text=True,
                                  timeout=STEP_TIMEOUT)
            outputs = parse_github_output(output_file)
            if step.get("id"):
                step_outputs[step["id"]] = outputs
            with open(summary_file, encoding="utf-8") as f:
                summary = f.read()
            results.append({"name": label, "id": step.get("id"), "code": proc.returncode,
                            "stdout": proc.stdout, "stderr": proc.stderr, "outputs": outputs,
                            "summary": summary})
            failed = failed or proc.returncode != 0
        action_outputs = {k: evaluate(v["value"]) for k, v in self.action["outputs"].items()}
        return results, action_outputs


def final_code(results):
    """The exit code of the action's last step (which must have run)."""
    last = results[-1]
    if "code" not in last:
        raise AssertionError(f"the last step did not run ({last.get('skipped')}): "
                             + "; ".join(f"{r['name']}: {r.get('code', r.get('skipped'))}" for r in results))
    return last["code"]


def step(results, step_id):
    for r in results:
        if r.get("id") == step_id:
            return r
    raise AssertionError(f"no step with id {step_id!r} ran: {[r['name'] for r in results]}")


def run_workflow_job_steps(job, cwd, env, tmp, known_outputs):
    """Runs the `run:` steps of a workflow job (bash -eo pipefail) whose ids are not in
    KNOWN_OUTPUTS (step id -> outputs the test provides instead, e.g. the build), skipping
    `uses:` steps. Expressions allowed in env: steps.ID.outputs.NAME. Returns step results."""
    outputs, results = dict(known_outputs), []
    for index, s in enumerate(job["steps"]):
        label = s.get("name") or s.get("id") or s.get("uses")
        if "uses" in s or s.get("id") in known_outputs:
            continue
        def one(m):
            sm = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", m.group(1))
            if not sm:
                raise AssertionError(f"{label}: the test cannot evaluate ${{{{ {m.group(1)} }}}}")
            return outputs.get(sm.group(1), {}).get(sm.group(2), "")
        output_file, summary_file = (os.path.join(tmp, f"wf-{kind}-{index}") for kind in ("out", "sum"))
        for path in (output_file, summary_file):
            open(path, "w").close()
        step_env = dict(env, GITHUB_ACTIONS="true", CI="true", GITHUB_WORKSPACE=cwd,
                        GITHUB_OUTPUT=output_file, GITHUB_STEP_SUMMARY=summary_file, RUNNER_TEMP=tmp)
        step_env.update({k: EXPRESSION.sub(one, str(v)) for k, v in (s.get("env") or {}).items()})
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", s["run"]],
                              cwd=cwd, env=step_env, capture_output=True, text=True, timeout=STEP_TIMEOUT)
        if s.get("id"):
            outputs[s["id"]] = parse_github_output(output_file)
        with open(summary_file, encoding="utf-8") as f:
            summary = f.read()
        results.append({"name": label, "id": s.get("id"), "code": proc.returncode,
                        "stdout": proc.stdout, "stderr": proc.stderr,
                        "outputs": outputs.get(s.get("id"), {}), "summary": summary})
        if proc.returncode != 0:
            break
    return results


# --------------------------------------------------------------------------------------------
# running GitLab jobs the way a GitLab runner does

def run_gitlab_job(doc, name, cwd, overrides, env):
    job = gitlab_job(doc, name)
    lines = list(job.get("before_script", [])) + list(job.get("script", []))
    for line in lines:
        if not isinstance(line, str):
            raise AssertionError(f"{name}: a script entry is not a string: {line!r}")
    job_env = dict(env)
    job_env.update({k: str(v) for k, v in (job.get("variables") or {}).items()})
    job_env.update(CI="true", GITLAB_CI="true", CI_PROJECT_DIR=cwd, CI_JOB_NAME=name)
    job_env.update(overrides)
    script = "set -eo pipefail\n" + "\n".join(lines) + "\n"
    proc = subprocess.run(["bash", "--noprofile", "--norc"], input=script, cwd=cwd, env=job_env,
                          capture_output=True, text=True, timeout=STEP_TIMEOUT)
    return {"code": proc.returncode, "stdout": proc.stdout, "stderr": proc.stderr, "job": job}


def carry_artifacts(job, from_dir, to_dir):
    """Copy what the job's artifacts:paths match (as GitLab uploads them and a job that
    `needs` it downloads them). Returns the copied names."""
    copied = []
    for pattern in job.get("artifacts", {}).get("paths", []):
        for path in glob.glob(os.path.join(from_dir, pattern)):
            shutil.copy(path, to_dir)
            copied.append(os.path.basename(path))
    return copied


# --------------------------------------------------------------------------------------------
# the demo API

class DemoApi:
    def __init__(self, binary, tmp):
        self.binary = binary
        self.log_path = os.path.join(tmp, "demo-api.stderr")
        self.proc = None
        self.url = None

    def start(self):
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([self.binary, "--port", "0"], stdout=subprocess.PIPE,
                                     stderr=self.log, text=True)
        first = []
        reader = threading.Thread(target=lambda: first.append(self.proc.stdout.readline()),
                                  daemon=True)
        reader.start()
        reader.join(COMMAND_TIMEOUT)
        line = first[0].strip() if first else ""
        m = re.fullmatch(r"listening on (127\.0\.0\.1|\[::1\]):(\d+)", line)
        if not m:
            self.stop()
            raise AssertionError(f"{self.binary} did not print 'listening on 127.0.0.1:PORT' "
                                 f"within {COMMAND_TIMEOUT} s (got {line!r})")
        # keep draining stdout so the server never blocks on a full pipe
        threading.Thread(target=self._drain, daemon=True).start()
        self.url = f"http://{m.group(1)}:{m.group(2)}"

    def _drain(self):
        try:
            for _ in self.proc.stdout:
                pass
        except (OSError, ValueError):  # closed by stop()
            pass

    def login(self, user, password):
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback, no proxy
        body = json.dumps({"username": user, "password": password}).encode()
        last = None
        # The server listens before it prints its port: a few tries only cover a refusal.
        for _ in range(50):
            request = urllib.request.Request(self.url + "/api/auth/login", data=body, method="POST",
                                             headers={"Content-Type": "application/json"})
            try:
                with opener.open(request, timeout=REQUEST_TIMEOUT) as response:
                    token = json.loads(response.read()).get("token")
                if token:
                    return token
                last = "no token in the answer"
            except OSError as e:  # not answering yet
                last = e
            threading.Event().wait(0.1)
        raise AssertionError(f"signing in {user} at {self.url} failed: {last}")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()
        if getattr(self, "log", None):
            self.log.close()


# --------------------------------------------------------------------------------------------
# 1. the files themselves

class ActionFileTest(unittest.TestCase):
    def setUp(self):
        self.action = load_yaml(ACTION)

    def test_metadata(self):
        a = self.action
        for key in ("name", "description"):
            self.assertIsInstance(a.get(key), str, f"{ACTION}: `{key}` must be a string")
            self.assertTrue(a[key].strip(), f"{ACTION}: `{key}` is empty")
        self.assertIsInstance(a.get("inputs"), dict, f"{ACTION}: no inputs")
        expected = {"spec", "config", "base-url", "fail-on", "shard", "baseline", "args",
                    "output-dir", "upload-sarif", "sarif-category", "authdiff", "deb", "cache"}
        self.assertEqual(set(a["inputs"]), expected, f"{ACTION}: the inputs differ")
        for name, spec in a["inputs"].items():
            self.assertIsInstance(spec, dict, f"input {name}")
            self.assertTrue(str(spec.get("description", "")).strip(),
                            f"{ACTION}: input {name!r} has no description")
        for name in ("spec", "config"):
            self.assertIs(a["inputs"][name].get("required"), True, f"input {name} must be required")
        defaults = {"fail-on": "low", "output-dir": "authdiff-report", "upload-sarif": "false",
                    "sarif-category": "authdiff", "authdiff": "", "deb": "", "cache": "true"}
        for name, value in defaults.items():
            self.assertEqual(str(a["inputs"][name].get("default")), value, f"default of input {name}")
        self.assertEqual(set(a.get("outputs", {})), ACTION_OUTPUTS, f"{ACTION}: the outputs differ")
        for name, spec in a["outputs"].items():
            self.assertTrue(str(spec.get("description", "")).strip(), f"output {name}: no description")
            self.assertIn("value", spec, f"{ACTION}: output {name!r} needs `value` (composite)")
            self.assertRegex(str(spec["value"]), r"^\$\{\{\s*steps\.[\w-]+\.outputs\.[\w-]+\s*\}\}$",
                             f"output {name}")

    def test_composite_steps(self):
        runs = self.action.get("runs", {})
        self.assertEqual(runs.get("using"), "composite", f"{ACTION}: runs.using must be composite")
        steps = runs.get("steps")
        self.assertIsInstance(steps, list, f"{ACTION}: runs.steps must be a list")
        ids = [s.get("id") for s in steps if s.get("id")]
        self.assertEqual(len(ids), len(set(ids)), f"{ACTION}: duplicate step ids {ids}")
        for i, s in enumerate(steps):
            self.assertTrue(("run" in s) != ("uses" in s), f"step {i + 1}: exactly one of run/uses")
            if "run" in s:
                self.assertIn("shell", s, f"{ACTION}: step {i + 1} ({s.get('name')}) has run but no "
                              "shell (composite actions require it)")
                self.assertEqual(s["shell"], "bash", f"step {i + 1}")
                error = bash_syntax_error(s["run"])
                self.assertIsNone(error, f"step {i + 1}: run does not parse: {error}")
        by_id = {s.get("id"): i for i, s in enumerate(steps) if s.get("id")}
        for needed in ("key", "restore", "build", "scan"):
            self.assertIn(needed, by_id, f"{ACTION}: no step with id {needed}")
        key, restore, build, scan = (steps[by_id[i]] for i in ("key", "restore", "build", "scan"))
        self.assertIn("build.sh\" key", key["run"], "the key step runs build.sh key")
        self.assertIn("build.sh", build["run"])
        self.assertIn("scan.sh", scan["run"])
        self.assertLess(by_id["key"], by_id["restore"])
        self.assertLess(by_id["restore"], by_id["build"], "the cache is restored before the build")
        self.assertLess(by_id["build"], by_id["scan"])
        self.assertTrue(str(restore.get("uses", "")).startswith("actions/cache/restore@"))
        saves = [i for i, s in enumerate(steps) if str(s.get("uses", "")).startswith("actions/cache/save@")]
        self.assertEqual(len(saves), 1, "one step saves the built authdiff to the cache")
        save = steps[saves[0]]
        self.assertGreater(saves[0], by_id["build"])
        self.assertIn("steps.build.outputs.origin == 'source'", str(save.get("if")),
                      "only a source build is saved")
        for s in (restore, save):
            self.assertIn("steps.key.outputs.key", str(s.get("with", {}).get("key")))
            self.assertIn("steps.key.outputs.dir", str(s.get("with", {}).get("path")))
        for var, source in (("AUTHDIFF_CACHE_DIR", "steps.key.outputs.dir"),
                            ("AUTHDIFF_DEB", "inputs.deb"), ("AUTHDIFF_BIN", "inputs.authdiff")):
            self.assertIn(source, str(build.get("env", {}).get(var)), f"build step: {var}")
        for var in ("AUTHDIFF_SPEC", "AUTHDIFF_CONFIG", "AUTHDIFF_BASE_URL", "AUTHDIFF_FAIL_ON",
                    "AUTHDIFF_SHARD", "AUTHDIFF_BASELINE", "AUTHDIFF_ARGS", "AUTHDIFF_OUTPUT_DIR"):
            self.assertIn(var, scan.get("env", {}), f"scan step: {var} is not passed through env")
        uploads = [s for s in steps if str(s.get("uses", "")).startswith(
            "github/codeql-action/upload-sarif@")]
        self.assertEqual(len(uploads), 1, "one upload-sarif step")
        upload = uploads[0]
        self.assertIn("always()", str(upload.get("if")), "upload-sarif must run after failures")
        self.assertIn("inputs.upload-sarif == 'true'", str(upload.get("if")))
        self.assertIn("inputs.sarif-category", str(upload.get("with", {}).get("category")))
        self.assertIn("sarif", str(upload.get("with", {}).get("sarif_file")))
        last = steps[-1]
        self.assertIn("run", last, "the last step fails the job with the scan's exit code")
        self.assertIn("steps.scan.outputs.exit-code", json.dumps(last.get("env", {})))
        self.assertLess(steps.index(upload), len(steps) - 1, "the upload comes before the failing step")

    def test_expressions(self):
        declared = set(self.action["inputs"])
        ids_so_far = set()
        with open(src(ACTION), encoding="utf-8") as f:
            text = f.read()
        used = set(re.findall(r"\binputs\.([A-Za-z0-9_-]+)", text))
        self.assertTrue(used, "the action reads no inputs")
        self.assertFalse(used - declared, f"{ACTION} uses undeclared inputs {sorted(used - declared)}")
        self.assertFalse(declared - used, f"declared but unused inputs {sorted(declared - used)}")
        for s in self.action["runs"]["steps"]:
            for where, value in walk_strings(s):
                for ref in re.findall(r"\bsteps\.([\w-]+)\.outputs", value):
                    self.assertIn(ref, ids_so_far, f"{where}: steps.{ref} is not an earlier step")
            if "run" in s:
                self.assertNotIn("${{", s["run"], f"step {s.get('name')}: an expression inside run: "
                                 "(script injection); pass it through env:")
            if s.get("id"):
                ids_so_far.add(s["id"])
        for name, spec in self.action["outputs"].items():
            ref = re.search(r"steps\.([\w-]+)\.outputs", spec["value"]).group(1)
            self.assertIn(ref, ids_so_far, f"output {name} reads an unknown step {ref}")

    def test_scripts(self):
        for rel in ("ci/github/build.sh", "ci/github/scan.sh", GITLAB_SCRIPT):
            path = src(rel)
            self.assertTrue(os.path.isfile(path), f"{rel} is missing")
            self.assertTrue(os.stat(path).st_mode & stat.S_IXUSR,
                            f"{rel} is not executable (the action runs it directly)")
            with open(path, encoding="utf-8") as f:
                error = bash_syntax_error(f.read())
            self.assertIsNone(error, f"{rel}: {error}")


class WorkflowFileTest(unittest.TestCase):
    def setUp(self):
        self.wf = load_yaml(WORKFLOW)

    def test_triggers_and_jobs(self):
        wf = self.wf
        self.assertIn(True, wf, f"{WORKFLOW}: no `on:` (PyYAML reads the key as True)")
        on = wf[True]
        self.assertIsInstance(on, dict, "on: must be a mapping")
        self.assertIn("pull_request", on)
        self.assertIn("workflow_dispatch", on)
        self.assertEqual(set(wf.get("jobs", {})), {"scan", "merge"}, f"{WORKFLOW}: jobs")
        for name, job in wf["jobs"].items():
            self.assertIn("runs-on", job, f"job {name}")
            self.assertIsInstance(job.get("steps"), list, f"job {name}: steps")
            for i, s in enumerate(job["steps"]):
                self.assertTrue(("run" in s) != ("uses" in s), f"{name} step {i + 1}: run xor uses")
                if "run" in s:
                    self.assertNotIn("${{", s["run"], f"{name} step {i + 1}: expression inside run:")
                    error = bash_syntax_error(s["run"])
                    self.assertIsNone(error, f"{name} step {i + 1}: {error}")

    def test_scan_matrix(self):
        scan = self.wf["jobs"]["scan"]
        strategy = scan.get("strategy", {})
        self.assertEqual(strategy.get("matrix", {}).get("shard"), [1, 2, 3], "matrix.shard")
        self.assertIs(strategy.get("fail-fast"), False, "fail-fast must be false")
        action_steps = [s for s in scan["steps"] if str(s.get("uses", "")).rstrip("/").endswith(
            "ci/github") or re.search(r"/ci/github@", str(s.get("uses", "")))]
        self.assertEqual(len(action_steps), 1, "the scan job uses the authdiff action once")
        with_ = action_steps[0].get("with", {})
        self.assertEqual(re.sub(r"\s", "", str(with_.get("shard"))), "${{matrix.shard}}/3")
        for name in with_:
            self.assertIn(name, load_yaml(ACTION)["inputs"], f"the workflow passes unknown input {name}")
        for name in ("spec", "config", "base-url"):
            self.assertIn(name, with_, f"the workflow passes no {name}")
        uploads = [s for s in scan["steps"] if str(s.get("uses", "")).startswith("actions/upload-artifact@v4")]
        self.assertEqual(len(uploads), 1, "the scan job uploads its report")
        self.assertIn("always()", str(uploads[0].get("if")))
        self.assertIn("matrix.shard", str(uploads[0]["with"].get("name")), "one artifact per shard")
        self.assertIn("report.json", str(uploads[0]["with"].get("path")))
        env = json.dumps(scan.get("env", {}))
        for var, _, _ in ACCOUNTS:
            self.assertRegex(env, re.escape(var) + r'": "\$\{\{ secrets\.', f"{var} from a secret")

    def test_merge_job(self):
        merge = self.wf["jobs"]["merge"]
        needs = merge.get("needs")
        self.assertIn("scan", [needs] if isinstance(needs, str) else needs or [], "merge needs scan")
        self.assertIn("always()", str(merge.get("if")), "the merge runs when shards fail")
        self.assertEqual(merge.get("permissions", {}).get("security-events"), "write")
        uses = [str(s.get("uses", "")) for s in merge["steps"]]
        self.assertTrue(any(u.startswith("actions/download-artifact@v4") for u in uses))
        self.assertTrue(any(u.startswith("github/codeql-action/upload-sarif@") for u in uses))
        runs = "\n".join(s["run"] for s in merge["steps"] if "run" in s)
        self.assertIn("build.sh", runs)
        self.assertRegex(runs, r'"\$AUTHDIFF" merge ')
        self.assertIn("GITHUB_STEP_SUMMARY", runs)
        self.assertIn("exit", merge["steps"][-1].get("run", ""), "the last step fails on the merge's code")


class GitLabFileTest(unittest.TestCase):
    def setUp(self):
        self.doc = load_yaml(GITLAB)

    def test_structure(self):
        doc = self.doc
        for name in (".authdiff", "authdiff-scan", "authdiff-merge"):
            self.assertIn(name, doc, f"{GITLAB}: no job {name}")
        base = doc[".authdiff"]
        self.assertEqual(base.get("image"), "debian:12")
        for var in ("AUTHDIFF_SPEC", "AUTHDIFF_CONFIG", "AUTHDIFF_BASE_URL", "AUTHDIFF_FAIL_ON",
                    "AUTHDIFF_ARGS"):
            self.assertIn(var, base.get("variables", {}), f".authdiff: variable {var}")
        for var, value in base["variables"].items():
            self.assertIsInstance(value, str, f"variable {var}: GitLab wants strings")
        scan = gitlab_job(doc, "authdiff-scan")
        merge = gitlab_job(doc, "authdiff-merge")
        self.assertEqual(doc["authdiff-scan"].get("extends"), ".authdiff")
        self.assertEqual(doc["authdiff-merge"].get("extends"), ".authdiff")
        self.assertEqual(scan.get("parallel"), 3, "authdiff-scan: parallel: 3")
        self.assertEqual(scan.get("artifacts", {}).get("when"), "always")
        self.assertTrue(scan["artifacts"].get("paths"), "authdiff-scan: artifacts:paths")
        # Only the merge publishes a JUnit report: GitLab adds up every job's reports, so shard
        # reports too would count each probe twice in the merge request's test summary.
        self.assertNotIn("reports", scan["artifacts"], "scan: the merge job publishes JUnit")
        self.assertEqual(merge.get("needs"), ["authdiff-scan"], "authdiff-merge needs the scan")
        self.assertEqual(merge.get("artifacts", {}).get("reports", {}).get("junit"), "authdiff-junit.xml")
        for name, job in (("authdiff-scan", scan), ("authdiff-merge", merge)):
            for key in ("before_script", "script"):
                self.assertIsInstance(job.get(key), list, f"{name}: {key} must be a list")
                for line in job[key]:
                    self.assertIsInstance(line, str, f"{name}: {key} entry {line!r} is not a string")
            error = bash_syntax_error("\n".join(job["before_script"] + job["script"]))
            self.assertIsNone(error, f"{name}: {error}")
            self.assertNotIn("allow_failure", job, f"{name}: exit codes decide, not allow_failure")


# --------------------------------------------------------------------------------------------
# 2. the argument plumbing, with a stand-in authdiff

class FakeAuthdiffCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="authdiff-ci-test-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.fake = write_fake_authdiff(self.tmp)
        self.log = os.path.join(self.tmp, "calls.jsonl")
        self.workspace = os.path.join(self.tmp, "workspace")
        os.mkdir(self.workspace)

    def env(self, exit_code, write=True):
        return clean_env(FAKE_AUTHDIFF_LOG=self.log, FAKE_AUTHDIFF_EXIT=str(exit_code),
                         FAKE_AUTHDIFF_WRITE="1" if write else "0")


class ActionWithFakeAuthdiffTest(FakeAuthdiffCase):
    def test_arguments_outputs_and_exit_code(self):
        canary = os.path.join(self.tmp, "injected")
        inputs = {"spec": "api spec.yaml", "config": "authdiff.toml", "base-url": "http://127.0.0.1:9",
                  "fail-on": "high", "shard": "2/3", "baseline": "accepted.toml",
                  "args": f"-q --only \"no-auth, cross-owner\" '$(touch {canary})' $HOME a\\ b",
                  "output-dir": "out dir", "authdiff": self.fake}
        results, outputs = ActionRunner(self.tmp).run(inputs, self.workspace, self.env(1))
        build, scan = step(results, "build"), step(results, "scan")
        self.assertEqual(build["code"], 0, "build step:\n" + describe(build))
        self.assertEqual(build["outputs"].get("bin"), self.fake, "build.sh must hand the given binary on")
        self.assertEqual(scan["code"], 0, "the scan step must not fail on authdiff's exit 1:\n"
                         + describe(scan))
        calls = read_fake_calls(self.log)
        self.assertEqual(len(calls), 1, f"authdiff should run once, ran {len(calls)} times")
        out = os.path.join(self.workspace, "out dir")
        self.assertEqual(calls[0], [
            "scan", "--spec", "api spec.yaml", "--config", "authdiff.toml",
            "--base-url", "http://127.0.0.1:9", "--fail-on", "high", "--shard", "2/3",
            "--baseline", "accepted.toml", "--junit", f"{out}/junit.xml", "--json", f"{out}/report.json",
            "--sarif", f"{out}/report.sarif", "--markdown", f"{out}/summary.md",
            "--html", f"{out}/report.html",
            "-q", "--only", "no-auth, cross-owner", f"$(touch {canary})", "$HOME", "a b"])
        self.assertFalse(os.path.exists(canary), "the args input was evaluated by a shell")
        self.assertEqual(outputs["exit-code"], "1")
        self.assertEqual(outputs["findings"], "5")
        self.assertEqual(outputs["failing"], "3")
        for name, file in (("junit", "junit.xml"), ("json", "report.json"),
                           ("sarif", "report.sarif"), ("markdown", "summary.md"),
                           ("html", "report.html")):
            self.assertEqual(outputs[name], os.path.join(out, file), f"output {name}")
        self.assertIn("## fake authdiff summary", scan["summary"], "the Markdown report is not "
                      "in the step summary")
        self.assertEqual(final_code(results), 1, "the last step must exit with authdiff's code 1:\n"
                         + describe(results[-1]))

    def test_no_report_exit_3(self):
        results, outputs = ActionRunner(self.tmp).run(
            {"spec": "s.yaml", "config": "c.toml", "authdiff": self.fake}, self.workspace,
            self.env(3, write=False))
        scan = step(results, "scan")
        self.assertEqual(scan["code"], 0, describe(scan))
        call = read_fake_calls(self.log)[0]
        self.assertNotIn("--base-url", call, "an empty base-url must not be passed")
        self.assertNotIn("--shard", call)
        self.assertNotIn("--baseline", call)
        self.assertEqual(call[call.index("--fail-on") + 1], "low", "fail-on defaults to low")
        self.assertEqual((outputs["exit-code"], outputs["findings"], outputs["failing"]), ("3", "0", "0"))
        for name in ("junit", "json", "sarif", "markdown", "html"):
            self.assertEqual(outputs[name], "", f"output {name} must be empty without a report")
        self.assertIn("exited 3", scan["summary"])
        self.assertEqual(final_code(results), 3, describe(results[-1]))

    def test_exit_0(self):
        results, outputs = ActionRunner(self.tmp).run(
            {"spec": "s.yaml", "config": "c.toml", "authdiff": self.fake}, self.workspace, self.env(0))
        self.assertEqual(outputs["exit-code"], "0")
        self.assertEqual(final_code(results), 0, describe(results[-1]))

    def test_unbalanced_quote_fails_before_authdiff(self):
        results, _ = ActionRunner(self.tmp).run(
            {"spec": "s.yaml", "config": "c.toml", "authdiff": self.fake, "args": "--only 'no-auth"},
            self.workspace, self.env(0))
        scan = step(results, "scan")
        self.assertNotEqual(scan["code"], 0, "an unsplittable args input must fail the step")
        self.assertEqual(read_fake_calls(self.log), [], "authdiff must not run")

    def test_missing_binary(self):
        results, _ = ActionRunner(self.tmp).run(
            {"spec": "s.yaml", "config": "c.toml", "authdiff": os.path.join(self.tmp, "nope")},
            self.workspace, self.env(0))
        self.assertEqual(step(results, "build")["code"], 2, describe(step(results, "build")))
        self.assertFalse([r for r in results if r.get("id") == "scan"],
                         "the scan must not run after a failed build")


class ActionBuildTest(FakeAuthdiffCase):
    """Where the action's authdiff comes from: the cache of an earlier run, a .deb, or a source
    build (then kept for the cache). A stand-in `cmake` on PATH records whether anything was
    compiled and, when it is asked to build, produces a stand-in authdiff."""

    def setUp(self):
        super().setUp()
        self.cache_root = os.path.join(self.tmp, "action-cache")
        self.tools = os.path.join(self.tmp, "tools")
        os.mkdir(self.tools)
        self.cmake_log = os.path.join(self.tmp, "cmake.log")
        with open(os.path.join(self.tools, "cmake"), "w", encoding="utf-8") as f:
            f.write(f"""#!/bin/bash
echo "$*" >>{self.cmake_log}
if [ "$1" = --build ]; then
  mkdir -p "$2/tester"
  printf '#!/bin/sh\\necho "authdiff 0.0.0 (commit stand-in)"\\n' >"$2/tester/authdiff"
  chmod +x "$2/tester/authdiff"
fi
""")
        os.chmod(os.path.join(self.tools, "cmake"), 0o755)

    def build_env(self, **more):
        env = self.env(0)
        env.update(AUTHDIFF_ACTION_CACHE=self.cache_root, PATH=self.tools + ":" + env["PATH"],
                   RUNNER_OS="Linux", RUNNER_ARCH="X64", **more)
        return env

    def compiled(self):
        return os.path.exists(self.cmake_log)

    def cache_dir(self, env):
        """The folder build.sh key names, as the action's cache steps would restore it."""
        out = os.path.join(self.tmp, "key-output")
        open(out, "w").close()
        proc = subprocess.run(["bash", src("ci/github/build.sh"), "key"], capture_output=True,
                              text=True, env=dict(env, GITHUB_OUTPUT=out), timeout=COMMAND_TIMEOUT)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        keys = parse_github_output(out)
        self.assertRegex(keys["key"], r"^authdiff-Linux-[\w.]+-X64-\d+\.\d+\.\d+-[0-9a-f]{16}$")
        self.assertEqual(keys["dir"], os.path.join(self.cache_root, keys["key"]))
        return keys["dir"]

    def build_step(self, inputs, env):
        results, _ = ActionRunner(self.tmp).run(
            dict({"spec": "s.yaml", "config": "c.toml"}, **inputs), self.workspace, env)
        build = step(results, "build")
        self.assertEqual(build["code"], 0, describe(build))
        return build["outputs"]

    def test_a_cached_build_is_used_without_compiling(self):
        env = self.build_env()
        cached = os.path.join(self.cache_dir(env), "authdiff")
        os.makedirs(os.path.dirname(cached))
        shutil.copy(OPTS.authdiff, cached)
        out = self.build_step({}, env)
        self.assertEqual((out.get("origin"), out.get("bin")), ("cache", cached))
        self.assertFalse(self.compiled(), "authdiff was compiled although the cache had it")

    def test_a_source_build_lands_in_the_cache_folder(self):
        env = self.build_env()
        folder = self.cache_dir(env)
        out = self.build_step({}, env)
        self.assertEqual((out.get("origin"), out.get("bin")), ("source", os.path.join(folder, "authdiff")))
        self.assertTrue(os.access(out["bin"], os.X_OK), "the cache folder has no binary to save")
        self.assertTrue(self.compiled())
        # The next run restores that folder: no compiling.
        os.remove(self.cmake_log)
        out = self.build_step({}, env)
        self.assertEqual(out.get("origin"), "cache")
        self.assertFalse(self.compiled())

    def test_a_cached_binary_that_does_not_run_is_rebuilt(self):
        env = self.build_env()
        cached = os.path.join(self.cache_dir(env), "authdiff")
        os.makedirs(os.path.dirname(cached))
        with open(cached, "w") as f:
            f.write("#!/bin/sh\nexit 127\n")
        os.chmod(cached, 0o755)
        out = self.build_step({}, env)
        self.assertEqual(out.get("origin"), "source")
        self.assertTrue(self.compiled())

    def test_without_the_cache_nothing_is_kept(self):
        env = self.build_env()
        out = self.build_step({"cache": "false"}, env)
        self.assertEqual(out.get("origin"), "source")
        self.assertFalse(out["bin"].startswith(self.cache_root), out["bin"])

    def test_a_deb_is_unpacked_and_used(self):
        root = os.path.join(self.tmp, "pkg")
        os.makedirs(os.path.join(root, "usr", "bin"))
        os.makedirs(os.path.join(root, "DEBIAN"))
        with open(os.path.join(root, "usr", "bin", "authdiff"), "w") as f:
            f.write('#!/bin/sh\necho "authdiff 9.9.9 (commit deb)"\n')
        os.chmod(os.path.join(root, "usr", "bin", "authdiff"), 0o755)
        with open(os.path.join(root, "DEBIAN", "control"), "w") as f:
            f.write("Package: authdiff\nVersion: 9.9.9\nArchitecture: all\n"
                    "Maintainer: test <t@localhost>\nDepends: bash (>= 4), coreutils | busybox\n"
                    "Description: stand-in\n")
        deb = os.path.join(self.tmp, "authdiff_9.9.9_all.deb")
        proc = subprocess.run(["dpkg-deb", "--build", "--root-owner-group", root, deb],
                              capture_output=True, text=True, timeout=COMMAND_TIMEOUT)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        out = self.build_step({"deb": deb}, self.build_env())
        self.assertEqual(out.get("origin"), "deb")
        self.assertTrue(out["bin"].endswith("/authdiff-deb/usr/bin/authdiff"), out["bin"])
        self.assertFalse(self.compiled())


class GitLabWithFakeAuthdiffTest(FakeAuthdiffCase):
    def overrides(self, **more):
        values = {"AUTHDIFF_SOURCE": OPTS.source, "AUTHDIFF_BIN": self.fake,
                  "AUTHDIFF_SPEC": "s.yaml", "AUTHDIFF_CONFIG": "c.toml",
                  "AUTHDIFF_ARGS": "--only 'no-auth,bulk' -q"}
        values.update(more)
        return values

    def test_scan_job_keeps_findings_for_the_merge(self):
        doc = load_yaml(GITLAB)
        r = run_gitlab_job(doc, "authdiff-scan", self.workspace,
                           self.overrides(CI_NODE_INDEX="2", CI_NODE_TOTAL="3"), self.env(1))
        self.assertEqual(r["code"], 0, "a shard with findings must not fail its job:\n" + describe(r))
        call = read_fake_calls(self.log)[0]
        self.assertEqual(call[:3], ["scan", "--spec", "s.yaml"])
        self.assertEqual(call[call.index("--shard") + 1], "2/3")
        self.assertEqual(call[call.index("--json") + 1], "authdiff-2.json")
        self.assertEqual(call[-3:], ["--only", "no-auth,bulk", "-q"])
        with open(os.path.join(self.workspace, "authdiff-2.exit")) as f:
            self.assertEqual(f.read().strip(), "1")

    def test_scan_job_fails_on_2_and_3(self):
        doc = load_yaml(GITLAB)
        for code in (2, 3):
            r = run_gitlab_job(doc, "authdiff-scan", self.workspace,
                               self.overrides(CI_NODE_INDEX="1", CI_NODE_TOTAL="3"),
                               self.env(code, write=False))
            self.assertEqual(r["code"], code, f"exit {code} must fail the scan job:\n" + describe(r))

    def test_merge_job(self):
        doc = load_yaml(GITLAB)
        for k in ("1", "2", "3"):
            with open(os.path.join(self.workspace, f"authdiff-{k}.json"), "w") as f:
                f.write("{}")
            with open(os.path.join(self.workspace, f"authdiff-{k}.exit"), "w") as f:
                f.write("1\n")
        r = run_gitlab_job(doc, "authdiff-merge", self.workspace,
                           self.overrides(AUTHDIFF_FAIL_ON="medium"), self.env(1))
        self.assertEqual(r["code"], 1, "the merge job must end with the merge's exit code:\n" + describe(r))
        self.assertEqual(read_fake_calls(self.log)[0], [
            "merge", "authdiff-1.json", "authdiff-2.json", "authdiff-3.json",
            "--junit", "authdiff-junit.xml", "--markdown", "authdiff.md", "--html", "authdiff.html",
            "--fail-on", "medium"])
        self.assertIn("## fake authdiff summary", r["stdout"], "the merge job prints authdiff.md")


# --------------------------------------------------------------------------------------------
# 3. the real authdiff against the demo API

class DemoApiEndToEndTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="authdiff-ci-e2e-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, True)
        cls.api = DemoApi(OPTS.demo_api, cls.tmp)
        cls.addClassCleanup(cls.api.stop)
        cls.api.start()
        cls.tokens = {var: cls.api.login(user, password) for var, user, password in ACCOUNTS}
        print(f"\n  demo API at {cls.api.url}, 4 accounts signed in", file=sys.stderr)

    @classmethod
    def tearDownClass(cls):
        cls.api.stop()

    def setUp(self):
        self.assertIsNone(self.api.proc.poll(), "the demo API died: see " + self.api.log_path)

    def env(self):
        return clean_env(**self.tokens)

    def workspace(self, name):
        """A GitHub-style workspace: specs/ of the source tree, nothing else."""
        path = os.path.join(self.tmp, name)
        os.mkdir(path)
        os.symlink(src("specs"), os.path.join(path, "specs"))
        return path

    def require(self, command, flag):
        proc = subprocess.run([OPTS.authdiff] + command + ["--help"], capture_output=True, text=True,
                              timeout=COMMAND_TIMEOUT)
        self.assertIn(flag, proc.stdout, f"{OPTS.authdiff} {' '.join(command)} --help lists no {flag}: "
                      "this authdiff predates the command-line contract the CI files rely on")

    def test_action_scan(self):
        self.require(["scan"], "--html")
        ws = self.workspace("full")
        inputs = {"spec": "specs/canteen.yaml", "config": "specs/canteen.authdiff.toml",
                  "base-url": self.api.url, "authdiff": OPTS.authdiff,
                  "args": "-q --concurrency '8' " + SCAN_ARGS}
        results, outputs = ActionRunner(self.tmp).run(inputs, ws, self.env())
        scan = step(results, "scan")
        self.assertEqual(step(results, "build")["code"], 0, describe(step(results, "build")))
        self.assertEqual(scan["code"], 0, describe(scan))
        self.assertEqual(outputs["exit-code"], "1", "authdiff on the flawed demo API should exit 1:\n"
                         + describe(scan))
        report_dir = os.path.join(ws, "authdiff-report")
        for name in ("junit", "json", "sarif", "markdown", "html"):
            self.assertTrue(outputs[name], f"output {name} is empty")
            self.assertEqual(os.path.dirname(outputs[name]), report_dir, f"output {name}")
            self.assertTrue(os.path.isfile(outputs[name]) and os.path.getsize(outputs[name]) > 0,
                            f"output {name} names {outputs[name]}, which is missing or empty")
        with open(outputs["json"], encoding="utf-8") as f:
            report = json.load(f)
        self.assertEqual(report.get("authdiff_report"), 1)
        self.assertGreater(int(outputs["findings"]), 0, "no findings on the flawed demo API")
        self.assertEqual(int(outputs["findings"]), report["summary"]["findings"])
        self.assertEqual(int(outputs["failing"]), report["summary"]["failing"])
        self.assertGreater(int(outputs["failing"]), 0)
        self.assertIsNone(report["run"].get("shard"), "an unsharded run has shard: null")
        ET.parse(outputs["junit"])  # well-formed
        with open(outputs["sarif"], encoding="utf-8") as f:
            self.assertEqual(json.load(f).get("version"), "2.1.0")
        with open(outputs["markdown"], encoding="utf-8") as f:
            markdown = f.read().strip()
        self.assertTrue(markdown, "the Markdown report is empty")
        self.assertEqual(scan["summary"].count(markdown), 1,
                         "the step summary should hold the Markdown report exactly once")
        self.assertEqual(final_code(results), 1, "the last step must exit 1:\n" + describe(results[-1]))

    def test_action_shard(self):
        self.require(["scan"], "--shard")
        ws = self.workspace("shard")
        inputs = {"spec": "specs/canteen.yaml", "config": "specs/canteen.authdiff.toml",
                  "base-url": self.api.url, "authdiff": OPTS.authdiff, "shard": "2/3",
                  "output-dir": "shard-2", "args": SCAN_ARGS}
        results, outputs = ActionRunner(self.tmp).run(inputs, ws, self.env())
        scan = step(results, "scan")
        self.assertEqual(scan["code"], 0, describe(scan))
        self.assertIn(outputs["exit-code"], ("0", "1"), describe(scan))
        self.assertTrue(outputs["json"], "no JSON report:\n" + describe(scan))
        with open(outputs["json"], encoding="utf-8") as f:
            report = json.load(f)
        self.assertEqual(report["run"].get("shard"), {"index": 2, "count": 3})
        self.assertEqual(final_code(results), int(outputs["exit-code"]))

    def test_action_bad_config(self):
        ws = self.workspace("bad")
        inputs = {"spec": "specs/canteen.yaml", "config": "specs/no-such-config.toml",
                  "base-url": self.api.url, "authdiff": OPTS.authdiff}
        results, outputs = ActionRunner(self.tmp).run(inputs, ws, self.env())
        self.assertEqual(step(results, "scan")["code"], 0, describe(step(results, "scan")))
        self.assertEqual(outputs["exit-code"], "2", describe(step(results, "scan")))
        self.assertEqual(outputs["findings"], "0")
        self.assertEqual(final_code(results), 2)

    def test_example_workflow_shards_and_merge(self):
        """The example workflow's matrix (the action with shard K/3) and its merge job's
        shell steps, with the artifacts laid out as download-artifact does."""
        self.require(["scan"], "--shard")
        self.require([], "merge")
        wf = load_yaml(WORKFLOW)
        scan_job, merge_job = wf["jobs"]["scan"], wf["jobs"]["merge"]
        action_with = next(s for s in scan_job["steps"] if "ci/github" in str(s.get("uses")))["with"]
        upload = next(s for s in scan_job["steps"]
                      if str(s.get("uses", "")).startswith("actions/upload-artifact@"))["with"]
        download = next(s for s in merge_job["steps"]
                        if str(s.get("uses", "")).startswith("actions/download-artifact@"))["with"]
        self.assertNotIn("merge-multiple", download, "the test lays artifacts out one folder each")
        merge_ws = self.workspace("wf-merge")
        shards = scan_job["strategy"]["matrix"]["shard"]
        for k in shards:
            ws = self.workspace(f"wf-scan-{k}")
            inputs = {"spec": "specs/canteen.yaml", "config": "specs/canteen.authdiff.toml",
                      "base-url": self.api.url, "authdiff": OPTS.authdiff,
                      "args": "-q " + SCAN_ARGS,
                      "shard": re.sub(r"\$\{\{\s*matrix\.shard\s*\}\}", str(k), action_with["shard"]),
                      "output-dir": action_with.get("output-dir", "authdiff-report")}
            results, outputs = ActionRunner(self.tmp).run(inputs, ws, self.env())
            self.assertEqual(step(results, "scan")["code"], 0, describe(step(results, "scan")))
            self.assertIn(outputs["exit-code"], ("0", "1"), describe(step(results, "scan")))
            artifact = re.sub(r"\$\{\{\s*matrix\.shard\s*\}\}", str(k), upload["name"])
            source = os.path.join(ws, upload["path"])
            self.assertTrue(os.path.isfile(source), f"shard {k}: {upload['path']} was not written")
            target = os.path.join(merge_ws, download.get("path", "."), artifact)
            os.makedirs(target)
            shutil.copy(source, target)
        results = run_workflow_job_steps(merge_job, merge_ws, self.env(), self.tmp,
                                         {"build": {"bin": OPTS.authdiff}})
        merge = next(r for r in results if r["id"] == "merge")
        self.assertEqual(merge["code"], 0, describe(merge))
        self.assertEqual(merge["outputs"].get("exit-code"), "1",
                         "the merged demo scan should exit 1:\n" + describe(merge))
        self.assertTrue(merge["summary"].strip(), "the merge wrote no job summary")
        self.assertTrue(os.path.isfile(os.path.join(merge_ws, "authdiff.sarif")), "no merged SARIF")
        self.assertTrue(os.path.isfile(os.path.join(merge_ws, "authdiff.html")), "no merged HTML page")
        with open(os.path.join(merge_ws, "authdiff.json"), encoding="utf-8") as f:
            merged = json.load(f)
        self.assertGreater(merged["summary"]["findings"], 0)
        self.assertEqual(results[-1]["code"], 1, "the merge job's last step must exit 1:\n"
                         + describe(results[-1]))

    def test_gitlab_sharded_scan_and_merge(self):
        self.require(["scan"], "--shard")
        self.require([], "merge")
        doc = load_yaml(GITLAB)
        merge_dir = os.path.join(self.tmp, "gitlab-merge")
        os.mkdir(merge_dir)
        common = {"AUTHDIFF_SOURCE": OPTS.source, "AUTHDIFF_BIN": OPTS.authdiff,
                  "AUTHDIFF_SPEC": src("specs", "canteen.yaml"),
                  "AUTHDIFF_CONFIG": src("specs", "canteen.authdiff.toml"),
                  "AUTHDIFF_BASE_URL": self.api.url, "AUTHDIFF_ARGS": "-q " + SCAN_ARGS}
        total = gitlab_job(doc, "authdiff-scan")["parallel"]
        codes = []
        for index in range(1, total + 1):
            job_dir = os.path.join(self.tmp, f"gitlab-scan-{index}")
            os.mkdir(job_dir)
            r = run_gitlab_job(doc, "authdiff-scan", job_dir,
                               dict(common, CI_NODE_INDEX=str(index), CI_NODE_TOTAL=str(total)),
                               self.env())
            self.assertEqual(r["code"], 0, f"scan job {index}/{total}:\n" + describe(r))
            with open(os.path.join(job_dir, f"authdiff-{index}.json"), encoding="utf-8") as f:
                self.assertEqual(json.load(f)["run"]["shard"], {"index": index, "count": total})
            with open(os.path.join(job_dir, f"authdiff-{index}.exit")) as f:
                codes.append(int(f.read()))
            junit = f"authdiff-junit-{index}.xml"
            self.assertTrue(os.path.isfile(os.path.join(job_dir, junit)), f"scan job {index}: no {junit}")
            copied = carry_artifacts(r["job"], job_dir, merge_dir)
            self.assertIn(f"authdiff-{index}.json", copied, "artifacts:paths miss the shard report")
        self.assertIn(1, codes, f"no shard found anything on the flawed demo API (exit codes {codes})")
        r = run_gitlab_job(doc, "authdiff-merge", merge_dir, common, self.env())
        self.assertEqual(r["code"], 1, "the merge job must exit 1 on the demo's findings:\n" + describe(r))
        junit = os.path.join(merge_dir, r["job"]["artifacts"]["reports"]["junit"])
        self.assertTrue(os.path.isfile(junit), "the merge wrote no JUnit report")
        ET.parse(junit)
        self.assertTrue(os.path.isfile(os.path.join(merge_dir, "authdiff.md")), "no authdiff.md")
        self.assertTrue(os.path.isfile(os.path.join(merge_dir, "authdiff.html")), "no authdiff.html")


# --------------------------------------------------------------------------------------------

def main():
    global OPTS
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", required=True, help="the authdiff source tree")
    parser.add_argument("--authdiff", required=True, help="the authdiff binary")
    parser.add_argument("--demo-api", required=True, help="the authdiff-demo-api binary")
    OPTS, rest = parser.parse_known_args()
    OPTS.source = os.path.abspath(OPTS.source)
    OPTS.authdiff = os.path.abspath(OPTS.authdiff)
    OPTS.demo_api = os.path.abspath(OPTS.demo_api)
    for label, path in (("--authdiff", OPTS.authdiff), ("--demo-api", OPTS.demo_api)):
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            parser.error(f"{label} {path} is not an executable file")
    if not os.path.isfile(src(ACTION)):
        parser.error(f"--source {OPTS.source} has no {ACTION}")
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
