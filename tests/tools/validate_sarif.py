#!/usr/bin/env python3
"""Validate SARIF files: against the SARIF 2.1.0 JSON schema (python3-jsonschema), and, when
--multitool is given, under Microsoft's SARIF Multitool (the validator behind GitHub's SARIF
guidance). Exits 1 and prints every problem when a file has an error; warnings are printed."""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import jsonschema


def schema_errors(path, schema):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    validator = jsonschema.Draft202012Validator(schema)
    return [f"{path}: {'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
            for e in validator.iter_errors(doc)]


def multitool_problems(path, tool):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "validation.sarif")
        env = dict(os.environ, DOTNET_SYSTEM_GLOBALIZATION_INVARIANT="1")
        run = subprocess.run([tool, "validate", path, "--output", out, "--log", "ForceOverwrite"],
                             env=env, capture_output=True, text=True, timeout=300)
        if run.returncode != 0 or not os.path.exists(out):
            return [f"{path}: Sarif.Multitool failed ({run.returncode}): {run.stdout}{run.stderr}"], []
        with open(out, encoding="utf-8-sig") as f:
            log = json.load(f)
    errors, warnings = [], []
    for r in (log.get("runs") or [{}])[0].get("results", []):
        msg = r.get('message', {})
        text = f"{path}: {r.get('ruleId')}: {msg.get('text') or msg.get('id', '')} {' '.join(msg.get('arguments', []))}"
        (errors if r.get("level", "warning") == "error" else warnings).append(text)
    return errors, warnings


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("files", nargs="+")
    p.add_argument("--schema", required=True)
    p.add_argument("--multitool")
    a = p.parse_args()
    with open(a.schema, encoding="utf-8") as f:
        schema = json.load(f)
    failed = False
    for path in a.files:
        errors = schema_errors(path, schema)
        if a.multitool:
            more, warnings = multitool_problems(path, a.multitool)
            errors += more
            for w in warnings:
                print("warning:", w)
        for e in errors:
            print("error:", e)
        failed = failed or bool(errors)
        print(f"{path}: {'INVALID' if errors else 'valid'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
