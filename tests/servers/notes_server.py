#!/usr/bin/env python3
"""A "team notes" SaaS API with two deliberate read flaws, for scans of RECORDED TRAFFIC.

For tests/data/traffic/ (notes.har, notes.postman.json and notes.sessions.json, written by
tests/data/traffic/record_notes.py), tests/data/configs/notes.traffic.toml and
tests/data/notes.ground-truth.json. There is no OpenAPI description: authdiff infers one from the
recording. Its conventions differ from the demo's and the other test servers' on purpose: the
sign-in takes a form-urlencoded body and answers with an opaque session COOKIE (no bearer token
anywhere), IDs are random-looking prefixed strings ("nt_7Hq2Kx9mZ1", "usr_...", "ws_...") always
in a field named `id`, a note's owner is `created_by`, lists answer {"data": [...],
"has_more": false}, and errors are {"error": {"code": "..."}}.

  POST /v1/sessions                  form-urlencoded email=..&password=.. -> 201
                                     {"user": {"id", "email"}} and
                                     Set-Cookie: notes_session=<32 hex>; Path=/; HttpOnly;
                                     SameSite=Lax. Wrong: 401 {"error": {"code":
                                     "invalid_credentials"}}; a body that is not form-encoded:
                                     415 {"error": {"code": "unsupported_media_type"}}
  GET  /v1/public/status             no auth at all: {"status": "ok", "version": "3.2.1"}
  -- everything below needs the notes_session cookie; missing or unknown:
     401 {"error": {"code": "unauthenticated"}} --
  GET  /v1/me                        the caller {id, email, name, workspace_id, created_at}
  GET  /v1/notes                     the caller's notes {"data": [...], "has_more": false}
  GET  /v1/notes/{id}                FLAW W1: ANY note to ANY signed-in caller, whoever
                                     created it and whichever workspace it is in; nonexistent
                                     404 {"error": {"code": "not_found"}}
  GET  /v1/notes/{id}/history        the note's revisions, to its creator only: another's (or
                                     a nonexistent) note is 404 {"error": {"code": "not_found"}}
  GET  /v1/workspaces/{id}/members   the members {id, email, name, role}, to members of that
                                     workspace only; others (and nonexistent) 404
  GET  /v1/search?q=TEXT             FLAW W2: searches EVERY note of every user and workspace
                                     (title and body, case-insensitive) and returns them whole,
                                     while the object route /v1/notes/{id}/history is guarded.
                                     No q (or an empty one): 400 {"error": {"code":
                                     "invalid_request"}}
  GET  /v1/admin/users               administrators only (others 403 {"error": {"code":
                                     "forbidden"}}): every user
  a known path, another method       405 {"error": {"code": "method_not_allowed"}}
  anything else                      404 {"error": {"code": "not_found"}}
  GET  /__requests                   (not part of the API, no auth) {"METHOD /path": count}

Accounts (e-mail / password / workspace):
  ana@notes.test  ana-pw   acme     3 notes (one holds a phone number, one an e-mail address)
  ben@notes.test  ben-pw   acme     2 notes (one holds an e-mail address and a phone number)
  cy@notes.test   cy-pw    globex   2 notes (one holds a phone number)
  ops@notes.test  ops-pw   (none)   the one administrator; never recorded

`--sessions FILE` preloads sessions: a JSON object mapping session values to e-mail addresses
({"<32 hex>": "ana@notes.test", ...}), so a recorded cookie stays valid when the server is
started again. Sign-ins still make fresh random ones. IDs and timestamps are fixed (the same on
every start), so recorded IDs stay valid too.

Routes are case-sensitive, without a trailing slash; HEAD is GET without the body.

Loopback only. Prints "listening on 127.0.0.1:PORT" once bound; stops on SIGTERM or SIGINT.
Standard library only.
"""
import argparse
import hashlib
import json
import secrets
import sys
import threading
import urllib.parse

import loopback  # tests/servers/loopback.py

COOKIE = "notes_session"
VERSION = "3.2.1"
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

# e-mail, password, name, workspace key (None: no workspace), role in it, administrator
USERS = [
    ("ana@notes.test", "ana-pw", "Ana Lima", "acme", "owner", False),
    ("ben@notes.test", "ben-pw", "Ben Ortiz", "acme", "member", False),
    ("cy@notes.test", "cy-pw", "Cy Park", "globex", "owner", False),
    ("ops@notes.test", "ops-pw", "Ops Admin", None, None, True),
]
WORKSPACES = [("acme", "Acme Corp"), ("globex", "Globex")]
# creator's e-mail, title, body
NOTES = [
    ("ana@notes.test", "Q3 launch plan",
     "Launch checklist: pricing page, docs, press kit. If the venue falls through call Dana "
     "on 13812345678."),
    ("ana@notes.test", "1:1 with Ben",
     "Ben wants to move to the platform team. Follow up in two weeks."),
    ("ana@notes.test", "Personal: dentist",
     "Dentist moved to Tuesday 9:30; the reminder goes to ana.private@example.com."),
    ("ben@notes.test", "Hiring plan",
     "Two backend roles. Referral from Priya (priya.k@example.org, 15987654321)."),
    ("ben@notes.test", "Salary review",
     "Asking for an 8% raise at the March review; current offer from Initech is 81k."),
    ("cy@notes.test", "Globex migration plan",
     "Cut over on the 14th. Vendor on-call line 18611223344, escalation via the bridge."),
    ("cy@notes.test", "Board prep",
     "Numbers for the board: churn 2.1%, runway 19 months. Do not share outside Globex."),
]


def make_id(prefix, key):
    """A fixed, random-looking ID: PREFIX_ + a digit + 9 base62 characters ("nt_7Hq2Kx9mZ1")."""
    digest = hashlib.sha256(f"notes:{prefix}:{key}".encode()).digest()
    return prefix + "_" + BASE62[digest[0] % 10] + "".join(BASE62[b % 62] for b in digest[1:10])


def stamp(n, minutes=0):
    """A fixed ISO 8601 time: day `n` of March 2025, at 09:00 plus `minutes`."""
    return f"2025-03-{1 + n % 28:02d}T{9 + minutes // 60:02d}:{minutes % 60:02d}:00Z"


class Store:
    """The data; read-only after construction."""

    def __init__(self):
        self.workspaces = {}  # key -> {id, name}
        for key, name in WORKSPACES:
            self.workspaces[key] = {"id": make_id("ws", key), "name": name}
        self.users = []       # {id, email, name, workspace_id, role, admin, created_at}
        self.passwords = {}   # email -> password
        for n, (email, password, name, ws, role, admin) in enumerate(USERS):
            self.users.append({
                "id": make_id("usr", email),
                "email": email,
                "name": name,
                "workspace_id": self.workspaces[ws]["id"] if ws else None,
                "role": role,
                "admin": admin,
                "created_at": stamp(n),
            })
            self.passwords[email] = password
        self.notes = []
        self.history = {}     # note id -> revisions
        for n, (email, title, body) in enumerate(NOTES):
            user = self.user_by_email(email)
            note_id = make_id("nt", n)
            self.notes.append({
                "id": note_id,
                "workspace_id": user["workspace_id"],
                "created_by": user["id"],
                "title": title,
                "body": body,
                "created_at": stamp(n + 2, 5 * n),
                "updated_at": stamp(n + 3, 7 * n),
            })
            self.history[note_id] = [
                {"id": make_id("rev", f"{n}:1"), "note_id": note_id, "edited_by": user["id"],
                 "edited_at": stamp(n + 2, 5 * n), "change": "created"},
                {"id": make_id("rev", f"{n}:2"), "note_id": note_id, "edited_by": user["id"],
                 "edited_at": stamp(n + 3, 7 * n), "change": "edited body"},
            ]

    def user_by_email(self, email):
        return next((u for u in self.users if u["email"] == email), None)

    def user_by_id(self, user_id):
        return next((u for u in self.users if u["id"] == user_id), None)

    def note(self, note_id):
        return next((x for x in self.notes if x["id"] == note_id), None)


def me_view(user):
    return {k: user[k] for k in ("id", "email", "name", "workspace_id", "created_at")}


class State:
    def __init__(self, sessions):
        self.store = Store()
        self.lock = threading.Lock()
        self.sessions = dict(sessions)  # session value -> user id
        self.counts = {}                # "METHOD /path" -> requests

    def count(self, key):
        with self.lock:
            self.counts[key] = self.counts.get(key, 0) + 1

    def open_session(self, user_id):
        value = secrets.token_hex(16)
        with self.lock:
            self.sessions[value] = user_id
        return value

    def holder(self, value):
        with self.lock:
            return self.sessions.get(value)


class Reply(Exception):
    def __init__(self, status, body, headers=()):
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = list(headers)


def fail(status, code):
    raise Reply(status, {"error": {"code": code}})


def listing(items):
    return {"data": items, "has_more": False}


def cookie_value(header, name):
    """The value of cookie `name` in a Cookie header, or None."""
    for part in (header or "").split(";"):
        key, eq, value = part.strip().partition("=")
        if eq and key == name:
            return value.strip()
    return None


def handler_for(state):
    store = state.store

    class Handler(loopback.JsonHandler):
        def version_string(self):
            return "notes-api/" + VERSION

        def send_json(self, status, body, headers=()):
            self.answer(status, json.dumps(body).encode(),
                        [("Content-Type", "application/json")] + list(headers))

        def handle_any(self):
            body = self.read_body()
            split = urllib.parse.urlsplit(self.path)
            if split.path != "/__requests":
                state.count(f"{self.command} {split.path}")
            try:
                self.route(split.path, urllib.parse.parse_qs(split.query), body)
            except Reply as reply:
                self.send_json(reply.status, reply.body, reply.headers)

        def caller(self):
            """The user whose session the cookie holds, else 401."""
            value = cookie_value(self.headers.get("Cookie"), COOKIE)
            user_id = state.holder(value) if value else None
            user = store.user_by_id(user_id) if user_id else None
            if user is None:
                fail(401, "unauthenticated")
            return user

        def route(self, path, query, body):
            segs = path.split("/")[1:]
            method = "GET" if self.command == "HEAD" else self.command

            def only(allowed):
                if method != allowed:
                    fail(405, "method_not_allowed")

            if path == "/__requests" and method == "GET":
                with state.lock:
                    raise Reply(200, dict(state.counts))
            if segs == ["v1", "sessions"]:
                only("POST")
                self.sign_in(body)
            if segs == ["v1", "public", "status"]:
                only("GET")
                raise Reply(200, {"status": "ok", "version": VERSION})

            known = (segs in (["v1", "me"], ["v1", "notes"], ["v1", "search"],
                              ["v1", "admin", "users"])
                     or (len(segs) == 3 and segs[:2] == ["v1", "notes"] and segs[2])
                     or (len(segs) == 4 and segs[:2] == ["v1", "notes"] and segs[2]
                         and segs[3] == "history")
                     or (len(segs) == 4 and segs[:2] == ["v1", "workspaces"] and segs[2]
                         and segs[3] == "members"))
            if not known:
                fail(404, "not_found")
            me = self.caller()
            only("GET")

            if segs == ["v1", "me"]:
                raise Reply(200, me_view(me))
            if segs == ["v1", "notes"]:
                raise Reply(200, listing([n for n in store.notes if n["created_by"] == me["id"]]))
            if segs == ["v1", "search"]:
                q = (query.get("q") or [""])[0].strip().lower()
                if not q:
                    fail(400, "invalid_request")
                # FLAW W2: the search index is queried without the caller's user or workspace.
                raise Reply(200, listing([n for n in store.notes
                                          if q in n["title"].lower() or q in n["body"].lower()]))
            if segs == ["v1", "admin", "users"]:
                if not me["admin"]:
                    fail(403, "forbidden")
                raise Reply(200, listing([me_view(u) for u in store.users]))
            if segs[1] == "notes":
                note = store.note(urllib.parse.unquote(segs[2]))
                if len(segs) == 3:
                    # FLAW W1: looked up by id alone, no check of created_by or workspace.
                    if note is None:
                        fail(404, "not_found")
                    raise Reply(200, note)
                if note is None or note["created_by"] != me["id"]:
                    fail(404, "not_found")
                raise Reply(200, listing(store.history[note["id"]]))
            # /v1/workspaces/{id}/members
            ws_id = urllib.parse.unquote(segs[2])
            if me["workspace_id"] is None or ws_id != me["workspace_id"]:
                fail(404, "not_found")
            raise Reply(200, listing([
                {k: u[k] for k in ("id", "email", "name", "role")}
                for u in store.users if u["workspace_id"] == ws_id]))

        def sign_in(self, body):
            content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if content_type != "application/x-www-form-urlencoded":
                fail(415, "unsupported_media_type")
            form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
            email = (form.get("email") or [""])[0].strip().lower()
            password = (form.get("password") or [""])[0]
            user = store.user_by_email(email)
            if user is None or not secrets.compare_digest(
                    store.passwords[email].encode(), password.encode()):
                fail(401, "invalid_credentials")
            value = state.open_session(user["id"])
            raise Reply(201, {"user": {"id": user["id"], "email": user["email"]}}, [
                ("Set-Cookie", f"{COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax"),
                ("Cache-Control", "no-store"),
            ])

    return Handler


def load_sessions(path, store):
    """{session value: user id} from a JSON file of {session value: e-mail}; exits 2 if bad."""
    def bad(message):
        print(f"notes_server: --sessions {path}: {message}", file=sys.stderr)
        sys.exit(2)
    try:
        with open(path, encoding="utf-8") as f:
            raw = json.load(f)
    except (OSError, ValueError) as e:
        bad(str(e))
    if not isinstance(raw, dict):
        bad("expected a JSON object of session value -> e-mail")
    sessions = {}
    for value, email in raw.items():
        user = store.user_by_email(email) if isinstance(email, str) else None
        if user is None:
            bad(f"no user {email!r} (session {value[:6]}...)")
        sessions[value] = user["id"]
    return sessions


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    parser.add_argument("--sessions", metavar="FILE",
                        help="JSON {session value: e-mail} to preload (recorded cookies)")
    args = parser.parse_args()
    sessions = load_sessions(args.sessions, Store()) if args.sessions else {}
    state = State(sessions)
    return loopback.serve(handler_for(state), args.port)


if __name__ == "__main__":
    sys.exit(main())
