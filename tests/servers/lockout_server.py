#!/usr/bin/env python3
"""A sign-in that locks accounts, for the weak-credentials check (tests/e2e/test_weak_credentials.py).

POST /auth with a form body `login=...&passwd=...` (field names unlike the demo's):
  - the right password: 200 {"access_token": ...}; a wrong one: 200 {"ok": false, "msg": ...}
    (failure in a 200, as many back-office systems answer);
  - after 3 wrong passwords for an account, that account answers 423 {"msg": "account locked"},
    whatever the password;
  - --throttle N: every request after the N-th in all answers 429 with Retry-After: 1.
Accounts: admin / admin123 (entry 7 of the weak list: locked before it is reached), ops / 123456
with --weak-ops (then found at attempt 1, before any lockout), sam / S4m-Strong-Pass-91.
GET /me answers 200 to a token it handed out (the scan's positive control).
GET /__attempts lists every sign-in attempt as [login, status] in order (test bookkeeping)."""
import argparse
import json
import secrets
import sys
import threading
import urllib.parse

import loopback

PASSWORDS = {"admin": "admin123", "ops": "Ops-Strong-Pass-33", "sam": "S4m-Strong-Pass-91"}


class Handler(loopback.JsonHandler):
    lock = threading.Lock()
    failures = {}
    attempts = []
    tokens = set()
    throttle = 0

    def reply(self, status, obj, extra=()):
        self.answer(status, json.dumps(obj).encode(), [("Content-Type", "application/json"), *extra])

    def handle_any(self):
        if self.command == "GET" and self.path == "/__attempts":
            with self.lock:
                return self.reply(200, self.attempts)
        if self.command == "GET" and self.path.startswith("/me"):
            token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
            with self.lock:
                if token in self.tokens:
                    return self.reply(200, {"login": "someone", "plan": "gold", "id": 7001})
            return self.reply(401, {"msg": "sign in"})
        if self.command != "POST" or not self.path.startswith("/auth"):
            return self.reply(404, {"msg": "not found"})
        form = urllib.parse.parse_qs(self.read_body().decode(errors="replace"))
        login = (form.get("login") or [""])[0]
        password = (form.get("passwd") or [""])[0]
        with self.lock:
            if self.throttle and len(self.attempts) >= self.throttle:
                self.attempts.append([login, 429])
                return self.reply(429, {"msg": "too many requests"}, [("Retry-After", "1")])
            if self.failures.get(login, 0) >= 3:
                self.attempts.append([login, 423])
                return self.reply(423, {"msg": "account locked"})
            if login in PASSWORDS and PASSWORDS[login] == password:
                self.attempts.append([login, 200])
                token = secrets.token_hex(16)
                self.tokens.add(token)
                return self.reply(200, {"ok": True, "access_token": token})
            self.failures[login] = self.failures.get(login, 0) + 1
            self.attempts.append([login, 200])
            return self.reply(200, {"ok": False, "msg": "wrong login or password"})


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--throttle", type=int, default=0)
    parser.add_argument("--weak-ops", action="store_true")
    args = parser.parse_args()
    Handler.throttle = args.throttle
    if args.weak_ops:
        PASSWORDS["ops"] = "123456"
    return loopback.serve(Handler, args.port)


if __name__ == "__main__":
    sys.exit(main())
