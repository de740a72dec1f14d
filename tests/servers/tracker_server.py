#!/usr/bin/env python3
"""A Django REST framework style issue tracker whose WRITES have three authorization flaws.

For tests/data/specs/tracker.yaml, tests/data/configs/tracker.toml and
tests/data/tracker.ground-truth.json: authdiff with --allow-unsafe, and a reseed (--seed) between
a scan and a recheck. Its conventions differ from the demo's and the shop's on purpose: IDs are
short prefixed strings ("tkt_4f9a2c", "usr_81bd0e", "cmt_77aa01") in `id`, path parameters are
snake_case (`{ticket_id}`, `{user_id}`), a ticket's owner is its `reporter`, lists are paginated
DRF style ({"count", "next", "previous", "results"}, two per page, ?page=N), and credentials go
as "Authorization: Token <key>" (TokenAuthentication; "Bearer <key>" is accepted too, since an
authdiff login table has no key for another scheme word).

  POST   /api/login                      no auth; JSON or form {"username","password"} ->
                                         200 {"token": 40 hex, "user": {id, username, email,
                                         is_staff}} (one token per user, as authtoken's
                                         get_or_create); wrong: 400 {"non_field_errors": [...]}
  -- everything below needs a valid token: no Authorization header (or another scheme word)
     is 401 {"detail": "Authentication credentials were not provided."}, an unknown token
     401 {"detail": "Invalid token."} --
  GET    /api/users/me                   the caller
  GET    /api/tickets                    the caller's tickets (staff: all), ?page=N, 2 a page;
                                         a page past the end is 404 {"detail": "Invalid page."}
  POST   /api/tickets                    {title, slug, body?} -> 201 the ticket, the caller
                                         reporter; a slug another ticket has: 400 {"slug":
                                         ["ticket with this slug already exists."]}
  GET    /api/tickets/{ticket_id}        reporter or staff; another's or nonexistent: 404
  PATCH  /api/tickets/{ticket_id}        FLAW W1: any signed-in caller changes any ticket
                                         ({title?, slug?, body?, status?}) -> 200; nonexistent
                                         404; a slug another ticket has: 400
  DELETE /api/tickets/{ticket_id}        FLAW W2: no permission class: ANY caller, even with no
                                         Authorization header at all, deletes any ticket -> 204
                                         (its comments go too); nonexistent (a second DELETE
                                         too) 404. (A header with an unknown token is still 401:
                                         authentication runs before permissions.)
  GET    /api/tickets/{ticket_id}/comments  reporter or staff: [comments]; others 404
  POST   /api/tickets/{ticket_id}/comments  {text} reporter or staff: 201 the comment; others
                                         403 (a nonexistent ticket too, for non-staff)
  POST   /api/tickets/{ticket_id}/assign {assignee} staff only (others 403) -> 200 the ticket
  POST   /api/users                      {username, email, password} staff only (others 403)
                                         -> 201; a username or email taken: 400 per field
  GET    /api/users/{user_id}            self or staff; others and nonexistent 404
  PUT    /api/users/{user_id}            {username, email, phone?} self or staff (others 403,
                                         before any lookup) -> 200; a username or email another
                                         user has: 400 {"email": ["user with this email already
                                         exists."]} (and/or "username")
  DELETE /api/users/{user_id}            self or staff (others 403, before any lookup) -> 204;
                                         nonexistent 404. The user's tickets (and their
                                         comments), comments and token go with them; tickets
                                         assigned to them are unassigned. (No test identity can
                                         create a user, so authdiff cannot test this safely and
                                         says so.)
  GET    /api/staff/users                FLAW W3: staff-only by policy, but IsAuthenticated:
                                         every signed-in caller gets every user, email and phone
  a known path with another method       405 {"detail": "Method \"X\" not allowed."} (after
                                         authentication, as DRF does)
  anything else                          404 {"detail": "Not found."}
  GET    /__requests, GET /__state       (not in the spec, no auth) {"METHOD /path": count},
                                         and every user, ticket and comment as stored now

Routes are case-sensitive and take an optional trailing slash; HEAD is GET without the body; an
ID that is not its prefix + 6 lowercase hex digits is simply not found (404). Write bodies may
be JSON or form-encoded. `--seed N` (default 1) changes every ID and nothing else: a reseeded
database (same people, same titles). Objects created at run time get IDs from the same seed.

Loopback only. Prints "listening on 127.0.0.1:PORT" once bound; stops on SIGTERM or SIGINT.
Standard library only.
"""
import argparse
import datetime
import hashlib
import json
import re
import secrets
import sys
import threading
import urllib.parse

import loopback  # tests/servers/loopback.py

PAGE_SIZE = 2
PREFIX = {"user": "usr", "ticket": "tkt", "comment": "cmt"}
ID_PATTERN = {kind: re.compile(rf"^{p}_[0-9a-f]{{6}}$") for kind, p in PREFIX.items()}
USERNAME = re.compile(r"^[\w.@+-]+$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
STATUSES = ["open", "in_progress", "closed"]

NO_CREDENTIALS = "Authentication credentials were not provided."
NO_PERMISSION = "You do not have permission to perform this action."
EMAIL_TAKEN = "user with this email already exists."
USERNAME_TAKEN = "A user with that username already exists."
SLUG_TAKEN = "ticket with this slug already exists."
REQUIRED = "This field is required."

# username, password, email, is_staff, phone: the content a reseed keeps.
USERS = [
    ("ann", "ann-pw", "ann@tracker.test", False, "13912345670"),
    ("ben", "ben-pw", "ben@tracker.test", False, "15887654321"),
    ("sam", "sam-pw", "sam@tracker.test", True, "18600001111"),
]
# reporter's username, title, body.
TICKETS = [
    ("ann", "Printer on the 3rd floor jams", "Every second job jams in tray 2."),
    ("ann", "VPN drops every hour", "The client reconnects but open SSH sessions die."),
    ("ann", "Request: a second monitor", "For the new analytics dashboard work."),
    ("ben", "Password reset e-mail never arrives", "Checked the spam folder too."),
    ("ben", "Laptop fan is loud", "Even when idle, since last week's update."),
]


def make_id(seed, kind, n):
    return f"{PREFIX[kind]}_{hashlib.sha256(f'{seed}:{kind}:{n}'.encode()).hexdigest()[:6]}"


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Reply(Exception):
    def __init__(self, status, body, headers=None):
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


def fail(status, detail, **headers):
    raise Reply(status, {"detail": detail}, headers)


def invalid(errors):
    raise Reply(400, errors)


class State:
    """The database; every access holds `lock`."""

    def __init__(self, seed):
        self.seed = seed
        self.lock = threading.Lock()
        self.counts = {}       # "METHOD /path" -> requests
        self.issued = set()    # every ID ever given out: a deleted one is never reused
        self.next_n = {kind: 0 for kind in PREFIX}
        self.users = {}        # id -> {id, username, email, is_staff, phone}
        self.passwords = {}    # id -> password
        self.tickets = {}      # id -> {id, title, slug, body, reporter, assignee, status, created}
        self.comments = {}     # id -> {id, ticket, author, text}
        self.tokens = {}       # token -> user id
        by_name = {}
        for username, password, email, is_staff, phone in USERS:
            uid = self.new_id("user")
            self.users[uid] = {"id": uid, "username": username, "email": email,
                               "is_staff": is_staff, "phone": phone}
            self.passwords[uid] = password
            by_name[username] = uid
        for n, (owner, title, body) in enumerate(TICKETS):
            tid = self.new_id("ticket")
            self.tickets[tid] = {"id": tid, "title": title, "slug": f"seed-ticket-{n + 1}",
                                 "body": body,
                                 "reporter": by_name[owner], "assignee": None, "status": "open",
                                 "created": f"2024-03-{4 + 3 * n:02d}T{9 + n:02d}:"
                                            f"{(17 * n) % 60:02d}:00Z"}
        for n, ticket in enumerate(list(self.tickets.values())):
            cid = self.new_id("comment")
            self.comments[cid] = {"id": cid, "ticket": ticket["id"], "author": ticket["reporter"],
                                  "text": f"More detail on \"{ticket['title']}\": "
                                          f"it happened again today (#{n + 1})."}

    def new_id(self, kind):
        while True:
            value = make_id(self.seed, kind, self.next_n[kind])
            self.next_n[kind] += 1
            if value not in self.issued:
                self.issued.add(value)
                return value

    def dump(self):
        return {"seed": self.seed, "users": list(self.users.values()),
                "tickets": list(self.tickets.values()), "comments": list(self.comments.values())}

    def delete_ticket(self, tid):
        del self.tickets[tid]
        for cid in [c["id"] for c in self.comments.values() if c["ticket"] == tid]:
            del self.comments[cid]

    def delete_user(self, uid):
        for tid in [t["id"] for t in self.tickets.values() if t["reporter"] == uid]:
            self.delete_ticket(tid)
        for cid in [c["id"] for c in self.comments.values() if c["author"] == uid]:
            del self.comments[cid]
        for ticket in self.tickets.values():
            if ticket["assignee"] == uid:
                ticket["assignee"] = None
        for token in [t for t, holder in self.tokens.items() if holder == uid]:
            del self.tokens[token]
        del self.users[uid]
        del self.passwords[uid]

    def taken(self, username, email, but=None):
        """Field errors for a username or e-mail another user (not `but`) already has."""
        errors = {}
        for user in self.users.values():
            if user["id"] == but:
                continue
            if user["username"] == username:
                errors["username"] = [USERNAME_TAKEN]
            if user["email"].lower() == email.lower():
                errors["email"] = [EMAIL_TAKEN]
        return errors


def text_field(data, name, errors, required, max_length, blank=False):
    """A DRF CharField: the value, or None with the field's error in `errors`."""
    if name not in data:
        if required:
            errors[name] = [REQUIRED]
        return None
    if data[name] is None:
        if not blank:
            errors[name] = ["This field may not be null."]
        return None
    value = data[name]
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        errors[name] = ["Not a valid string."]
        return None
    value = str(value).strip()
    if not value and not blank:
        errors[name] = ["This field may not be blank."]
        return None
    if len(value) > max_length:
        errors[name] = [f"Ensure this field has no more than {max_length} characters."]
        return None
    return value


def handler_for(state):
    class Handler(loopback.JsonHandler):
        server_version = "WSGIServer/0.2"
        sys_version = "CPython/3.11.9"

        # --- plumbing ---

        def send_json(self, status, body, headers=None):
            data = b"" if body is None else json.dumps(body).encode()
            typed = [] if body is None else [("Content-Type", "application/json")]
            self.answer(status, data, typed + [
                ("Vary", "Accept, Authorization"), ("X-Frame-Options", "DENY"),
                ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "same-origin"),
            ] + list((headers or {}).items()))

        def handle_any(self):
            raw = self.read_body()
            split = urllib.parse.urlsplit(self.path)
            if split.path not in ("/__requests", "/__state"):
                key = f"{self.command} {split.path}"
                with state.lock:
                    state.counts[key] = state.counts.get(key, 0) + 1
            try:
                self.route(split.path, urllib.parse.parse_qs(split.query), raw)
            except Reply as reply:
                self.send_json(reply.status, reply.body, reply.headers)

        # --- the framework ---

        def data(self, raw):
            """The request body as a dict (JSONParser, FormParser); {} when there is none."""
            if not raw:
                return {}
            ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if ctype == "application/x-www-form-urlencoded":
                form = urllib.parse.parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True)
                return {k: v[-1] for k, v in form.items()}
            if ctype in ("application/json", ""):
                try:
                    value = json.loads(raw)
                except ValueError as e:
                    fail(400, f"JSON parse error - {e}")
                if not isinstance(value, dict):
                    invalid({"non_field_errors": [
                        f"Invalid data. Expected a dictionary, but got {type(value).__name__}."]})
                return value
            fail(415, f"Unsupported media type \"{ctype}\" in request.")

        def authenticate(self):
            """TokenAuthentication: the user, None for no credential; 401 for a bad one."""
            words = (self.headers.get("Authorization") or "").split()
            if not words or words[0].lower() not in ("token", "bearer"):
                return None
            if len(words) == 1:
                fail(401, "Invalid token header. No credentials provided.",
                     **{"WWW-Authenticate": "Token"})
            if len(words) > 2:
                fail(401, "Invalid token header. Token string should not contain spaces.",
                     **{"WWW-Authenticate": "Token"})
            with state.lock:
                uid = state.tokens.get(words[1])
                user = state.users.get(uid) if uid else None
                user = dict(user) if user else None
            if user is None:
                fail(401, "Invalid token.", **{"WWW-Authenticate": "Token"})
            return user

        def route(self, raw_path, query, raw):
            get = self.command in ("GET", "HEAD")
            if get and raw_path == "/__requests":
                with state.lock:
                    raise Reply(200, dict(state.counts))
            if get and raw_path == "/__state":
                with state.lock:
                    raise Reply(200, json.loads(json.dumps(state.dump())))

            path = raw_path[:-1] if len(raw_path) > 1 and raw_path.endswith("/") else raw_path
            segs = [urllib.parse.unquote(s) for s in path.split("/")[1:]]
            method = "GET" if self.command == "HEAD" else self.command
            view = self.resolve(segs)
            if view is None:
                fail(404, "Not found.")
            name, allowed, args = view

            if name == "login":
                self.finish_view(method, allowed, lambda: self.login(self.data(raw)))
                return
            user = self.authenticate()
            # W2: the view that deletes tickets has no permission class: AllowAny.
            public = name == "ticket" and method == "DELETE"
            if user is None and not public:
                fail(401, NO_CREDENTIALS, **{"WWW-Authenticate": "Token"})
            handler = getattr(self, f"{name}_{method.lower()}", None)
            self.finish_view(method, allowed, lambda: handler(user, *args, query=query,
                                                               data=self.data(raw)))

        def finish_view(self, method, allowed, call):
            if method == "OPTIONS":
                raise Reply(200, {"renders": ["application/json"],
                                  "parses": ["application/json",
                                             "application/x-www-form-urlencoded"]},
                            {"Allow": ", ".join(allowed + ["OPTIONS"])})
            if method not in allowed:
                raise Reply(405, {"detail": f"Method \"{self.command}\" not allowed."},
                            {"Allow": ", ".join(allowed + ["OPTIONS"])})
            call()

        @staticmethod
        def resolve(segs):
            """(view name, allowed methods, path arguments) for a path, or None."""
            def valid(kind, value):
                return ID_PATTERN[kind].match(value) is not None

            if segs[:1] != ["api"]:
                return None
            rest = segs[1:]
            if rest == ["login"]:
                return "login", ["POST"], ()
            if rest == ["users", "me"]:
                return "me", ["GET"], ()
            if rest == ["users"]:
                return "users", ["POST"], ()
            if rest == ["staff", "users"]:
                return "staff_users", ["GET"], ()
            if rest == ["tickets"]:
                return "tickets", ["GET", "POST"], ()
            if len(rest) == 2 and rest[0] == "users":
                return "user", ["GET", "PUT", "DELETE"], (rest[1],)
            if len(rest) >= 2 and rest[0] == "tickets":
                if len(rest) == 2:
                    return "ticket", ["GET", "PATCH", "DELETE"], (rest[1],)
                if len(rest) == 3 and rest[2] == "comments":
                    return "comments", ["GET", "POST"], (rest[1],)
                if len(rest) == 3 and rest[2] == "assign":
                    return "assign", ["POST"], (rest[1],)
            return None

        # --- the views ---

        def login(self, data):
            errors = {}
            username = text_field(data, "username", errors, True, 150)
            password = text_field(data, "password", errors, True, 128)
            if errors:
                invalid(errors)
            with state.lock:
                user = next((u for u in state.users.values() if u["username"] == username), None)
                if user is None or not secrets.compare_digest(
                        state.passwords[user["id"]].encode(), password.encode()):
                    invalid({"non_field_errors": ["Unable to log in with provided credentials."]})
                token = next((t for t, uid in state.tokens.items() if uid == user["id"]), None)
                if token is None:
                    token = secrets.token_hex(20)
                    state.tokens[token] = user["id"]
                raise Reply(200, {"token": token, "user": {
                    k: user[k] for k in ("id", "username", "email", "is_staff")}})

        def me_get(self, user, query, data):
            raise Reply(200, user)

        def staff_users_get(self, user, query, data):
            # FLAW W3: permission_classes = [IsAuthenticated] where IsAdminUser was meant.
            with state.lock:
                raise Reply(200, [dict(u) for u in state.users.values()])

        def tickets_get(self, user, query, data):
            with state.lock:
                mine = [dict(t) for t in state.tickets.values()
                        if user["is_staff"] or t["reporter"] == user["id"]]
            text = (query.get("page") or ["1"])[-1]
            page = int(text) if text.isdigit() else 0
            pages = max(1, -(-len(mine) // PAGE_SIZE))
            if text == "last":
                page = pages
            if page < 1 or page > pages:
                fail(404, "Invalid page.")

            def link(n):
                return "/api/tickets" if n == 1 else f"/api/tickets?page={n}"

            raise Reply(200, {
                "count": len(mine),
                "next": link(page + 1) if page < pages else None,
                "previous": link(page - 1) if page > 1 else None,
                "results": mine[(page - 1) * PAGE_SIZE:page * PAGE_SIZE],
            })

        def tickets_post(self, user, query, data):
            errors = {}
            title = text_field(data, "title", errors, True, 200)
            slug = text_field(data, "slug", errors, True, 100)
            body = text_field(data, "body", errors, False, 5000, blank=True)
            if errors:
                invalid(errors)
            with state.lock:
                if any(t["slug"] == slug for t in state.tickets.values()):
                    invalid({"slug": [SLUG_TAKEN]})
                tid = state.new_id("ticket")
                ticket = {"id": tid, "title": title, "slug": slug, "body": body or "",
                          "reporter": user["id"], "assignee": None, "status": "open",
                          "created": now()}
                state.tickets[tid] = ticket
                raise Reply(201, dict(ticket))

        def ticket_or_404(self, tid):
            """The ticket (state.lock held), or 404."""
            ticket = state.tickets.get(tid) if ID_PATTERN["ticket"].match(tid) else None
            if ticket is None:
                fail(404, "Not found.")
            return ticket

        def ticket_get(self, user, tid, query, data):
            with state.lock:
                ticket = self.ticket_or_404(tid)
                if ticket["reporter"] != user["id"] and not user["is_staff"]:
                    fail(404, "Not found.")    # get_queryset() filters by reporter
                raise Reply(200, dict(ticket))

        def ticket_patch(self, user, tid, query, data):
            # FLAW W1: get_queryset() returns Ticket.objects.all() for updates, and the view has
            # no object permission: any signed-in caller edits any ticket.
            errors = {}
            changes = {}
            if "title" in data:
                changes["title"] = text_field(data, "title", errors, True, 200)
            if "slug" in data:
                changes["slug"] = text_field(data, "slug", errors, True, 100)
            if "body" in data:
                changes["body"] = text_field(data, "body", errors, True, 5000, blank=True) or ""
            if "status" in data:
                if data["status"] not in STATUSES:
                    errors["status"] = [f"\"{data['status']}\" is not a valid choice."]
                else:
                    changes["status"] = data["status"]
            with state.lock:
                ticket = self.ticket_or_404(tid)
                if errors:
                    invalid(errors)
                if "slug" in changes and any(t["slug"] == changes["slug"] and t["id"] != tid
                                             for t in state.tickets.values()):
                    invalid({"slug": [SLUG_TAKEN]})
                ticket.update(changes)
                raise Reply(200, dict(ticket))

        def ticket_delete(self, user, tid, query, data):
            # FLAW W2: permission_classes = [] on the destroy view: anyone deletes any ticket.
            with state.lock:
                self.ticket_or_404(tid)
                state.delete_ticket(tid)
            raise Reply(204, None)

        def comments_get(self, user, tid, query, data):
            with state.lock:
                ticket = self.ticket_or_404(tid)
                if ticket["reporter"] != user["id"] and not user["is_staff"]:
                    fail(404, "Not found.")
                raise Reply(200, [dict(c) for c in state.comments.values() if c["ticket"] == tid])

        def comments_post(self, user, tid, query, data):
            with state.lock:
                ticket = state.tickets.get(tid)
                if not user["is_staff"] and (ticket is None or ticket["reporter"] != user["id"]):
                    fail(403, NO_PERMISSION)    # IsReporterOrStaff, before any lookup
                self.ticket_or_404(tid)
            errors = {}
            text = text_field(data, "text", errors, True, 5000)
            if errors:
                invalid(errors)
            with state.lock:
                self.ticket_or_404(tid)
                cid = state.new_id("comment")
                comment = {"id": cid, "ticket": tid, "author": user["id"], "text": text}
                state.comments[cid] = comment
                raise Reply(201, dict(comment))

        def assign_post(self, user, tid, query, data):
            if not user["is_staff"]:
                fail(403, NO_PERMISSION)
            if "assignee" not in data:
                invalid({"assignee": [REQUIRED]})
            assignee = data["assignee"]
            with state.lock:
                ticket = self.ticket_or_404(tid)
                if assignee is not None and assignee not in state.users:
                    invalid({"assignee": [f"Invalid pk \"{assignee}\" - object does not exist."]})
                ticket["assignee"] = assignee
                raise Reply(200, dict(ticket))

        def users_post(self, user, query, data):
            if not user["is_staff"]:
                fail(403, NO_PERMISSION)
            errors = {}
            username = text_field(data, "username", errors, True, 150)
            email = text_field(data, "email", errors, True, 254)
            password = text_field(data, "password", errors, True, 128)
            check_user_fields(username, email, errors)
            with state.lock:
                if username and email:
                    errors = {**state.taken(username, email), **errors}
                if errors:
                    invalid(errors)
                uid = state.new_id("user")
                state.users[uid] = {"id": uid, "username": username, "email": email,
                                    "is_staff": False, "phone": None}
                state.passwords[uid] = password
                raise Reply(201, dict(state.users[uid]))

        def user_get(self, user, uid, query, data):
            with state.lock:
                target = state.users.get(uid)
                if target is None or (uid != user["id"] and not user["is_staff"]):
                    fail(404, "Not found.")
                raise Reply(200, dict(target))

        def user_put(self, user, uid, query, data):
            if uid != user["id"] and not user["is_staff"]:
                fail(403, NO_PERMISSION)    # IsSelfOrStaff compares the pk, before any lookup
            errors = {}
            username = text_field(data, "username", errors, True, 150)
            email = text_field(data, "email", errors, True, 254)
            phone = text_field(data, "phone", errors, False, 32, blank=True)
            check_user_fields(username, email, errors)
            with state.lock:
                target = state.users.get(uid)
                if target is None:
                    fail(404, "Not found.")
                if username and email:
                    errors = {**state.taken(username, email, but=uid), **errors}
                if errors:
                    invalid(errors)
                target.update({"username": username, "email": email})
                if "phone" in data:
                    target["phone"] = phone or None
                raise Reply(200, dict(target))

        def user_delete(self, user, uid, query, data):
            if user["id"] != uid and not user["is_staff"]:
                fail(403, NO_PERMISSION)
            with state.lock:
                if uid not in state.users:
                    fail(404, "Not found.")
                state.delete_user(uid)
            raise Reply(204, None)

    return Handler


def check_user_fields(username, email, errors):
    if username is not None and not USERNAME.match(username):
        errors["username"] = ["Enter a valid username. This value may contain only letters, "
                              "numbers, and @/./+/-/_ characters."]
    if email is not None and not EMAIL.match(email):
        errors["email"] = ["Enter a valid email address."]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    parser.add_argument("--seed", type=int, default=1, help="changes every ID (a reseed)")
    args = parser.parse_args()
    state = State(args.seed)
    return loopback.serve(handler_for(state), args.port)


if __name__ == "__main__":
    sys.exit(main())
