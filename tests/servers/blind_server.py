#!/usr/bin/env python3
"""A target that is not the API: every path, every method, every caller gets the same answer.

What a CI job meets when its base URL points at the wrong place. A scan must never call such a
target "enforced" and exit 0 (README "Never green when blind"):

  --mode html          200 with the same HTML sign-in page (a web front end's catch-all route)
  --mode empty-object  200 with {} (a stub or mock server)
  --mode server-error  500 with a short error page (a broken deployment)

Prints "listening on 127.0.0.1:PORT" once bound; stops on SIGTERM or SIGINT.
"""
import argparse
import http.server
import sys

import loopback  # tests/servers/loopback.py

PAGE = (b"<!doctype html><html><head><title>Sign in</title></head><body>"
        b"<form method=post action=/login><input name=user><input name=password type=password>"
        b"<button>Sign in</button></form></body></html>")

ANSWERS = {
    "html": (200, "text/html; charset=utf-8", PAGE),
    "empty-object": (200, "application/json", b"{}"),
    "server-error": (500, "text/html", b"<h1>500 Internal Server Error</h1>"),
}


def handler_for(mode):
    status, content_type, body = ANSWERS[mode]

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def answer(self):
            length = int(self.headers.get("Content-Length") or 0)
            if length > 0:
                self.rfile.read(min(length, 1 << 20))
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(0 if self.command == "HEAD" else len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = answer

        def log_message(self, *args):
            pass

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=sorted(ANSWERS), required=True)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    return loopback.serve(handler_for(args.mode), args.port)


if __name__ == "__main__":
    sys.exit(main())
