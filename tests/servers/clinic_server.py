#!/usr/bin/env python3
"""A patient portal in the style of FastAPI / Spring Boot, correctly protected throughout.

For tests/data/specs/clinic-api.yaml, tests/data/configs/clinic-api.toml and
tests/data/clinic-api.ground-truth.json: a scan must find nothing above `info` here. Its
conventions differ from the demo's and the shop's on purpose: UUIDs in `id`, every path parameter
named `id`, owners in `patientRef` (appointments) and `subject.ref` (records), HS256 JWTs from an
OAuth2-style token endpoint, offset/limit pagination, and a spec that declares no security at all
(the team never wrote it down: the config's [[expect]] rules carry the policy).

  POST /v1/auth/token        {"username","password"} -> 200 {"access_token": "<JWT>",
                             "token_type": "bearer", "expires_in": 3600, "user": {id, username,
                             displayName}}; a wrong password 401; a malformed body 422
  GET  /v1/clinics           public (no credential at all)            {"items": [...]}
  -- everything below needs "Authorization: Bearer <JWT>", else 401 {"detail": "Not
     authenticated"} (with WWW-Authenticate: Bearer) --
  GET  /v1/me                the caller {id, username, displayName, role}
  GET  /v1/appointments      the caller's own (doctor, admin: all), ?offset=0&limit=3 (limit
                             1..100, larger clamped to 100): {"items", "total", "offset", "limit"}
  GET  /v1/appointments/{id} owner, doctor or admin; anyone else 404 {"detail": "Not found"},
                             exactly as for an id that does not exist (no existence oracle)
  GET  /v1/records           the caller's own medical records (doctor, admin: all) {"items"}; a
                             patient's records carry their own unmasked idCardNo, phone, cardNo
  GET  /v1/records/{id}      owner, doctor or admin; anyone else 404 as above
  GET  /v1/notices           a shared board: every signed-in user sees every notice {"items"};
                             each body repeats the clinic hotline (one number) 100 times
  GET  /v1/doctor/schedule   doctor and admin (others 403 {"detail": "Forbidden"}) {"items"}
  GET  /v1/admin/audit-log   admin only (others 403) {"items": 5 entries}
  GET  /__requests           (not in the spec, no auth) {"METHOD /path": count, ...}

A path `id` that is not a UUID is 422 (after the credential check, as FastAPI's `id: UUID`).
Routing is strict: case-sensitive, no trailing slash, no matrix parameters (`;jsessionid=`), no
percent-encoding outside the `id` segment, no `//` or `/./`, no `.json` suffix: anything else
is 404 {"detail": "Not Found"} (http.server itself collapses a leading `//` into `/`: such a
request meets the same checks as the plain path). X-Original-URL, X-Rewrite-URL,
X-Forwarded-For and method-override headers are ignored. HEAD is GET (same checks) without the
body; OPTIONS is 401 without a valid token on guarded paths, else 204 with an Allow header naming
exactly the path's documented method; any other method on a known path is 405 with that Allow
header.

JWTs: HS256 only, over a random per-process key; the header, payload and signature must be
canonical base64url, the signature must match, `exp` must lie ahead, and `sub` must name a user
whose `role` the token repeats. `alg: none`, another key, a changed claim, an expired or a
truncated token: 401.

`--seed N` (default 1) changes every UUID (uuid5 of a fixed namespace and "SEED:KIND:N") and
nothing else: a reseeded database. Loopback only. Prints "listening on 127.0.0.1:PORT" once
bound; stops on SIGTERM or SIGINT. Standard library only.
"""
import argparse
import base64
import hashlib
import hmac
import json
import re
import secrets
import sys
import threading
import time
import urllib.parse
import uuid

import loopback  # tests/servers/loopback.py

NAMESPACE = uuid.UUID("9b6f3c1e-2d4a-5e8f-a1b3-c5d7e9f0a2b4")
TOKEN_TTL = 3600
DEFAULT_LIMIT = 3
MAX_LIMIT = 100
HOTLINE = "13800138000"
B64URL = re.compile(r"^[A-Za-z0-9_-]+$")

# username, password, role, display name, resident-ID stem (17 digits), mobile, card stem (15
# digits): the content a reseed keeps. Only patients carry personal data.
USERS = [
    ("patient1", "p1-pw", "patient", "Li Na", "11010119850312123", "13987654321",
     "622202100398765"),
    ("patient2", "p2-pw", "patient", "Wang Wei", "11010119920728456", "15811223344",
     "622208400155552"),
    ("doctor", "doc-pw", "doctor", "Dr. Zhang Min", None, None, None),
    ("admin", "admin-pw", "admin", "Clinic Admin", None, None, None),
]
# Appointments per patient, in the order they are created: patient1 spans two default pages.
APPOINTMENTS = {
    "patient1": [
        ("2024-05-06T09:30:00Z", "Annual check-up"),
        ("2024-05-20T14:00:00Z", "Blood test results"),
        ("2024-06-03T10:15:00Z", "Persistent cough"),
        ("2024-06-17T16:45:00Z", "Follow-up on medication"),
    ],
    "patient2": [
        ("2024-05-08T11:00:00Z", "Knee pain after running"),
        ("2024-05-29T08:30:00Z", "Physiotherapy referral"),
    ],
}
RECORDS = {
    "patient1": ["Seasonal allergic rhinitis", "Mild iron-deficiency anaemia"],
    "patient2": ["Patellofemoral pain syndrome", "Vitamin D insufficiency"],
}
# author (username), title
NOTICES = [
    ("patient1", "Lost umbrella in the waiting room"),
    ("patient2", "Car-pool to the Dongcheng clinic on Mondays"),
    ("patient1", "Thank you to the night-shift nurses"),
]
CLINICS = [
    ("Dongcheng Family Clinic", "12 Dongdan North Street, Dongcheng District, Beijing"),
    ("Chaoyang Community Health Centre", "88 Jianguo Road, Chaoyang District, Beijing"),
]
SCHEDULE = [
    ("Monday", "08:30", "12:00", 0),
    ("Wednesday", "13:30", "17:30", 1),
    ("Friday", "08:30", "12:00", 0),
]
# action, actor (username): what the admin's audit log shows
AUDIT = [
    ("user.login", "patient1"),
    ("record.read", "doctor"),
    ("appointment.create", "patient2"),
    ("user.login", "admin"),
    ("schedule.update", "admin"),
]

# The paths of the spec and their one documented method; parameterised ones by prefix.
STATIC_ROUTES = {
    "/v1/auth/token": "POST",
    "/v1/clinics": "GET",
    "/v1/me": "GET",
    "/v1/appointments": "GET",
    "/v1/records": "GET",
    "/v1/notices": "GET",
    "/v1/doctor/schedule": "GET",
    "/v1/admin/audit-log": "GET",
}
ID_ROUTES = ("/v1/appointments/", "/v1/records/")
PUBLIC_PATHS = ("/v1/auth/token", "/v1/clinics")


def make_id(seed, kind, n):
    return str(uuid.uuid5(NAMESPACE, f"{seed}:{kind}:{n}"))


def resident_id(stem):
    """The 17 digits and their GB 11643 check digit."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(stem, weights))
    return stem + "10X98765432"[total % 11]


def luhn(stem):
    """The digits and their Luhn check digit."""
    total = 0
    for i, d in enumerate(reversed(stem)):
        v = int(d)
        if i % 2 == 0:      # these are doubled once the check digit is appended
            v *= 2
            if v > 9:
                v -= 9
        total += v
    return stem + str((10 - total % 10) % 10)


def b64e(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64d(text):
    """Canonical unpadded base64url only, else None."""
    if not B64URL.match(text) or len(text) % 4 == 1:
        return None
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except ValueError:
        return None
    return data if b64e(data) == text else None


class Store:
    """The seeded data; read-only after construction."""

    def __init__(self, seed):
        self.users = []        # {id, username, displayName, role}
        self.passwords = {}    # username -> password
        self.appointments = []
        self.records = []
        self.notices = []
        self.clinics = []
        self.schedule = []
        self.audit = []
        by_name = {}
        for n, (name, password, role, display, _, _, _) in enumerate(USERS):
            user = {"id": make_id(seed, "user", n), "username": name, "displayName": display,
                    "role": role}
            self.users.append(user)
            self.passwords[name] = password
            by_name[name] = user
        doctor = by_name["doctor"]["id"]
        for n, (name, address) in enumerate(CLINICS):
            self.clinics.append({"id": make_id(seed, "clinic", n), "name": name,
                                 "address": address})
        appt_n = record_n = 0
        for name, _, _, _, id_stem, phone, card_stem in USERS:
            owner = by_name[name]["id"]
            for slot, reason in APPOINTMENTS.get(name, []):
                self.appointments.append({
                    "id": make_id(seed, "appointment", appt_n),
                    "patientRef": owner,
                    "doctorRef": doctor,
                    "slot": slot,
                    "reason": reason,
                })
                appt_n += 1
            for diagnosis in RECORDS.get(name, []):
                self.records.append({
                    "id": make_id(seed, "record", record_n),
                    "subject": {"ref": owner},
                    "diagnosis": diagnosis,
                    "idCardNo": resident_id(id_stem),
                    "phone": phone,
                    "cardNo": luhn(card_stem),
                })
                record_n += 1
        for n, (author, title) in enumerate(NOTICES):
            body = (f"{title}. Questions? Call the clinic hotline. "
                    + " ".join(f"Hotline: {HOTLINE}." for _ in range(100)))
            self.notices.append({"id": make_id(seed, "notice", n),
                                 "author": by_name[author]["id"], "title": title, "body": body})
        for n, (day, start, end, clinic) in enumerate(SCHEDULE):
            self.schedule.append({"id": make_id(seed, "shift", n), "doctorRef": doctor,
                                  "clinicRef": self.clinics[clinic]["id"], "weekday": day,
                                  "from": start, "to": end})
        for n, (action, actor) in enumerate(AUDIT):
            self.audit.append({"id": make_id(seed, "audit", n),
                               "at": f"2024-06-{20 + n:02d}T{9 + n:02d}:{(n * 13) % 60:02d}:00Z",
                               "action": action, "actor": by_name[actor]["id"]})

    def user_by_name(self, name):
        return next((u for u in self.users if u["username"] == name), None)

    def user_by_id(self, uid):
        return next((u for u in self.users if u["id"] == uid), None)


class State:
    def __init__(self, seed):
        self.store = Store(seed)
        self.key = secrets.token_bytes(32)
        self.lock = threading.Lock()
        self.counts = {}    # "METHOD /path" -> requests

    def count(self, key):
        with self.lock:
            self.counts[key] = self.counts.get(key, 0) + 1

    def sign(self, user):
        now = int(time.time())
        header = b64e(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
        payload = b64e(json.dumps({"sub": user["id"], "role": user["role"], "iat": now,
                                   "exp": now + TOKEN_TTL}, separators=(",", ":")).encode())
        signing_input = f"{header}.{payload}".encode()
        signature = hmac.new(self.key, signing_input, hashlib.sha256).digest()
        return f"{header}.{payload}.{b64e(signature)}"

    def verify(self, token):
        """The user a token names, or None: HS256 only, a matching signature, not expired."""
        parts = token.split(".")
        if len(parts) != 3:
            return None
        raw_header, raw_payload, raw_signature = (b64d(p) for p in parts)
        if raw_header is None or raw_payload is None or raw_signature is None:
            return None
        try:
            header = json.loads(raw_header)
            claims = json.loads(raw_payload)
        except ValueError:
            return None
        if not isinstance(header, dict) or header.get("alg") != "HS256" or "crit" in header:
            return None
        expected = hmac.new(self.key, f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, raw_signature):
            return None
        if not isinstance(claims, dict):
            return None
        exp, iat = claims.get("exp"), claims.get("iat")
        if type(exp) is not int or type(iat) is not int:
            return None
        now = time.time()
        if exp <= now or iat > now + 60:
            return None
        user = self.store.user_by_id(claims.get("sub"))
        if user is None or claims.get("role") != user["role"]:
            return None
        return user


class Reply(Exception):
    def __init__(self, status, body, headers=None):
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


def fail(status, detail, headers=None):
    raise Reply(status, {"detail": detail}, headers)


def invalid(loc, msg, kind):
    """FastAPI's 422 shape."""
    raise Reply(422, {"detail": [{"loc": loc, "msg": msg, "type": kind}]})


def query_int(query, name, default, minimum):
    values = query.get(name)
    if not values:
        return default
    text = values[0].strip()
    if not re.fullmatch(r"[+-]?\d{1,30}", text):
        invalid(["query", name], "value is not a valid integer", "type_error.integer")
    value = int(text)
    if value < minimum:
        invalid(["query", name], f"ensure this value is greater than or equal to {minimum}",
                "value_error.number.not_ge")
    return value


def handler_for(state):
    store = state.store

    class Handler(loopback.JsonHandler):
        server_version = "uvicorn"
        sys_version = ""

        # --- plumbing ---

        def send_json(self, status, body, headers):
            data = b"" if body is None else json.dumps(body).encode()
            typed = [] if body is None else [("Content-Type", "application/json")]
            self.answer(status, data, typed + list(headers.items()))

        def handle_any(self):
            body = self.read_body()
            split = urllib.parse.urlsplit(self.path)
            raw_path = split.path
            if raw_path != "/__requests":
                state.count(f"{self.command} {raw_path}")
            try:
                self.route(raw_path, urllib.parse.parse_qs(split.query, keep_blank_values=True),
                           body)
            except Reply as reply:
                self.send_json(reply.status, reply.body, reply.headers)

        # --- the app ---

        def caller(self):
            """The signed-in user (a valid bearer JWT), else 401."""
            scheme, _, token = (self.headers.get("Authorization") or "").strip().partition(" ")
            user = None
            if scheme.lower() == "bearer" and token.strip():
                user = state.verify(token.strip())
            if user is None:
                fail(401, "Not authenticated", {"WWW-Authenticate": "Bearer"})
            return user

        def route(self, raw_path, query, body):
            if raw_path == "/__requests" and self.command in ("GET", "HEAD"):
                with state.lock:
                    raise Reply(200, dict(state.counts))

            # Strict routing: the documented paths exactly, or a documented prefix and one
            # non-empty segment for `id`. Anything else does not exist.
            method = STATIC_ROUTES.get(raw_path)
            id_prefix = None
            if method is None:
                for prefix in ID_ROUTES:
                    rest = raw_path[len(prefix):]
                    if raw_path.startswith(prefix) and rest and "/" not in rest:
                        method, id_prefix = "GET", prefix
                        break
            if method is None:
                fail(404, "Not Found")

            public = raw_path in PUBLIC_PATHS
            if self.command == "OPTIONS":
                if not public:
                    self.caller()
                raise Reply(204, None, {"Allow": method})
            get = self.command in ("GET", "HEAD")
            if not (self.command == method or (get and method == "GET")):
                fail(405, "Method Not Allowed", {"Allow": method})

            if raw_path == "/v1/auth/token":
                self.token(body)
            if raw_path == "/v1/clinics":
                raise Reply(200, {"items": store.clinics})

            # Every other route depends on the signed-in user.
            me = self.caller()
            staff = me["role"] in ("doctor", "admin")

            if id_prefix is not None:
                text = urllib.parse.unquote(raw_path[len(id_prefix):])
                try:
                    wanted = str(uuid.UUID(text))
                except ValueError:
                    invalid(["path", "id"], "value is not a valid uuid", "type_error.uuid")
                if id_prefix == "/v1/appointments/":
                    found = next((a for a in store.appointments if a["id"] == wanted), None)
                    owner = found and found["patientRef"]
                else:
                    found = next((r for r in store.records if r["id"] == wanted), None)
                    owner = found and found["subject"]["ref"]
                # Another patient's object answers exactly as one that does not exist.
                if found is None or not (staff or owner == me["id"]):
                    fail(404, "Not found")
                raise Reply(200, found)

            if raw_path == "/v1/me":
                raise Reply(200, dict(me))
            if raw_path == "/v1/appointments":
                offset = query_int(query, "offset", 0, 0)
                limit = min(query_int(query, "limit", DEFAULT_LIMIT, 1), MAX_LIMIT)
                mine = [a for a in store.appointments if staff or a["patientRef"] == me["id"]]
                raise Reply(200, {"items": mine[offset:offset + limit], "total": len(mine),
                                  "offset": offset, "limit": limit})
            if raw_path == "/v1/records":
                raise Reply(200, {"items": [r for r in store.records
                                            if staff or r["subject"]["ref"] == me["id"]]})
            if raw_path == "/v1/notices":
                raise Reply(200, {"items": store.notices})
            if raw_path == "/v1/doctor/schedule":
                if not staff:
                    fail(403, "Forbidden")
                raise Reply(200, {"items": store.schedule})
            if raw_path == "/v1/admin/audit-log":
                if me["role"] != "admin":
                    fail(403, "Forbidden")
                raise Reply(200, {"items": store.audit})
            fail(404, "Not Found")

        def token(self, body):
            try:
                request = json.loads(body or b"null")
            except ValueError:
                invalid(["body"], "value is not a valid dict", "type_error.dict")
            if not isinstance(request, dict):
                invalid(["body"], "value is not a valid dict", "type_error.dict")
            for field in ("username", "password"):
                if not isinstance(request.get(field), str):
                    invalid(["body", field], "field required", "value_error.missing")
            user = store.user_by_name(request["username"])
            if user is None or not secrets.compare_digest(
                    store.passwords[user["username"]].encode(), request["password"].encode()):
                fail(401, "Incorrect username or password", {"WWW-Authenticate": "Bearer"})
            raise Reply(200, {
                "access_token": state.sign(user),
                "token_type": "bearer",
                "expires_in": TOKEN_TTL,
                "user": {k: user[k] for k in ("id", "username", "displayName")},
            })

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    parser.add_argument("--seed", type=int, default=1, help="changes every UUID (a reseed)")
    args = parser.parse_args()
    state = State(args.seed)
    return loopback.serve(handler_for(state), args.port)


if __name__ == "__main__":
    sys.exit(main())
