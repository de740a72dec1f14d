#!/usr/bin/env python3
"""A server that answers every path alike, as single-page apps and some gateways do: the
`exposure` check must find nothing on it (tests/e2e/test_traffic.py).

  --style html   200 with the same HTML page for every GET path (the path echoed in a comment,
                 so bodies differ a little)
  --style json   200 with {"ok": true, "path": ...} for every path
  --style text   200 text/plain "OK <path>" for every path

The API itself, for the scan's positive control: GET /api/profile answers {"name": ...} to a
bearer token "t-alice", 401 otherwise."""
import argparse
import json
import sys

import loopback

PAGE = """<!doctype html>
<html><head><title>Portal</title></head>
<body><div id="app">Loading the portal... cluster_name index hits propertySources [core]
CREATE TABLE phpMyAdmin swagger paths</div><!-- %s --></body></html>
"""


class Handler(loopback.JsonHandler):
    style = "html"

    def handle_any(self):
        path = self.path
        if path.startswith("/api/profile"):
            if self.headers.get("Authorization") == "Bearer t-alice":
                body = json.dumps({"name": "Alice Example", "plan": "gold"}).encode()
                return self.answer(200, body, [("Content-Type", "application/json")])
            return self.answer(401, b'{"error":"login"}', [("Content-Type", "application/json")])
        if self.style == "json":
            body = json.dumps({"ok": True, "path": path}).encode()
            return self.answer(200, body, [("Content-Type", "application/json")])
        if self.style == "text":
            return self.answer(200, ("OK " + path).encode(), [("Content-Type", "text/plain")])
        body = (PAGE % path.replace("--", "")).encode()
        return self.answer(200, body, [("Content-Type", "text/html; charset=utf-8")])


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--style", choices=["html", "json", "text"], default="html")
    args = parser.parse_args()
    Handler.style = args.style
    return loopback.serve(Handler, args.port)


if __name__ == "__main__":
    sys.exit(main())
