#!/usr/bin/env python3
"""A shop API in the style of Express + MongoDB, with five deliberate flaws.

For tests/data/specs/shop.yaml, tests/data/configs/shop.toml and tests/data/shop.ground-truth.json.
Its conventions differ from the demo API's on purpose: 24-hex ObjectId strings in `_id`, every
path parameter named `id`, owners in oddly named fields (`idUsuario` on carts, `user_created` on
orders), a sign-in answer whose token already carries its scheme
({"authorization": "Bearer <hex>"}), a per-app key (X-Client-Key) required beside the token, and
an order list paginated by default.

  POST /api/auth/login      {"email","password"} -> 200 {"authorization","user"}; 401 if wrong.
                            FLAW W4: the token is a JWT whose claims carry the user's
                            passwordHash (tokens travel in logs, URLs and browser storage)
  GET  /api/products        public (no credential at all)            {"products": [...]}
  GET  /api/products/{id}   public                                   the product, or 404
  GET  /api/staff/directory FLAW W3: answers anyone, no credential, no client key:
                            {"staff": [{name, email, phone, passwordHash}, ...]}
  -- everything below needs "Authorization: Bearer <token>" AND "X-Client-Key: shop-client-key";
     without either: 401 {"message": "unauthorized"} --
  GET  /api/users/me        the caller, without passwordHash
  GET  /api/users           admin only (others 403)                  {"users": [...]}
  GET  /api/users/{id}      the caller's own record, any for admin; else 403 (nonexistent too)
  GET  /api/carts           FLAW W1: every user's cart to any caller  {"carts": [...]}
  GET  /api/carts/{id}      FLAW W2: any cart to any caller; nonexistent 404
  GET  /api/wishlists       FLAW W5: every user's wishlist to any caller {"wishlists": [...]}
                            (owner field `belongsTo`), though one wishlist by id is guarded:
  GET  /api/wishlists/{id}  the owner's or, for admin, any; another's or nonexistent: 404
  GET  /api/orders          the caller's orders (admin: all), ?page=1&limit=5 (limit clamped to
                            50): {"orders": [...], "page", "pages", "next"}
  GET  /api/orders/{id}     owner or admin; another's or nonexistent: 403
  GET  /api/admin/stats     admin only (others 403)                  {"users","orders","revenue"}
  anything else             404 {"message": "not found"} (401 first where a credential is due)
  GET  /__requests          (not in the spec, no auth) {"METHOD /path": count, ...}

A path `id` that is not 24 lowercase hex digits is 400 {"message": "invalid id"}. Routes match as
Express does by default: case-insensitively, with an optional trailing slash; HEAD is GET without
the body. `--seed N` (default 1) changes every ObjectId and nothing else: a reseeded database.

Loopback only. Prints "listening on 127.0.0.1:PORT" once bound; stops on SIGTERM or SIGINT.
Standard library only.
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
import urllib.parse

import loopback  # tests/servers/loopback.py

CLIENT_KEY = "shop-client-key"
DEFAULT_LIMIT = 5
MAX_LIMIT = 50
BCRYPT_ALPHABET = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
OBJECT_ID = re.compile(r"^[0-9a-f]{24}$")

# email, password, role, name, phone, shipping street: the content a reseed keeps.
USERS = [
    ("alice@shop.test", "alice-pw", "customer", "Alice Martin", "13812345678",
     "27 Rue des Lilas, Lyon"),
    ("bob@shop.test", "bob-pw", "customer", "Bob Keller", "15987654321",
     "1408 Birchwood Avenue, Portland"),
    ("admin@shop.test", "admin-pw", "admin", "Ada Admin", "18611223344", None),
]
ORDER_COUNTS = {"alice@shop.test": 8, "bob@shop.test": 3}
PRODUCTS = [
    ("Espresso Beans 1kg", 24.90, 120),
    ("Ceramic Pour-Over Dripper", 31.50, 45),
    ("Gooseneck Kettle", 58.75, 30),
    ("Burr Grinder", 129.99, 12),
]
STATUSES = ["pending", "paid", "shipped", "delivered"]


def object_id(seed, kind, n):
    return hashlib.md5(f"{seed}:{kind}:{n}".encode()).hexdigest()[:24]


def fake_bcrypt(n):
    """A bcrypt-looking hash: "$2b$10$" + 53 characters of bcrypt's alphabet (seed independent)."""
    digest = b""
    block = 0
    while len(digest) < 53:
        digest += hashlib.sha256(f"passwordHash:{n}:{block}".encode()).digest()
        block += 1
    return "$2b$10$" + "".join(BCRYPT_ALPHABET[b % 64] for b in digest[:53])


class Store:
    """The seeded data; read-only after construction."""

    def __init__(self, seed):
        self.users = []        # full records, passwordHash included
        self.passwords = {}    # email -> password
        self.products = []
        self.carts = []
        self.wishlists = []
        self.orders = []
        for n, (email, password, role, name, phone, _) in enumerate(USERS):
            self.users.append({
                "_id": object_id(seed, "user", n),
                "email": email,
                "name": name,
                "role": role,
                "phone": phone,
                "passwordHash": fake_bcrypt(n),
            })
            self.passwords[email] = password
        for n, (name, price, stock) in enumerate(PRODUCTS):
            self.products.append({
                "_id": object_id(seed, "product", n),
                "name": name,
                "price": price,
                "stock": stock,
            })
        order_n = 0
        for n, (email, _, _, _, phone, street) in enumerate(USERS):
            user_id = self.users[n]["_id"]
            if street is not None:
                self.carts.append({
                    "_id": object_id(seed, "cart", n),
                    "idUsuario": user_id,
                    "items": [
                        {"product": self.products[n % 4]["_id"], "qty": n + 1},
                        {"product": self.products[(n + 2) % 4]["_id"], "qty": 2 * n + 3},
                    ],
                    "shippingAddress": street,
                    "phone": phone,
                })
            self.wishlists.append({
                "_id": object_id(seed, "wishlist", n),
                "belongsTo": user_id,
                "items": [self.products[(n + 1) % 4]["_id"]],
                "note": f"gift ideas for {self.users[n]['name']}'s birthday, deliver to the side door",
            })
            for k in range(ORDER_COUNTS.get(email, 0)):
                # Distinct totals with a non-zero last decimal: 1234.56, 1358.03, ...
                cents = 123456 + order_n * 12347
                if cents % 10 == 0:
                    cents += 7
                self.orders.append({
                    "_id": object_id(seed, "order", order_n),
                    "user_created": user_id,
                    "total": cents / 100,
                    "status": STATUSES[order_n % len(STATUSES)],
                    "createdAt": f"2024-0{1 + order_n % 9}-{10 + order_n:02d}T"
                                 f"{8 + order_n % 10:02d}:{(order_n * 7) % 60:02d}:00.000Z",
                })
                order_n += 1
        self.revenue = round(sum(o["total"] for o in self.orders), 2)

    def user_by_email(self, email):
        return next((u for u in self.users if u["email"] == email), None)

    def user_by_id(self, uid):
        return next((u for u in self.users if u["_id"] == uid), None)


def public_user(user):
    return {k: v for k, v in user.items() if k != "passwordHash"}


class State:
    def __init__(self, seed):
        self.store = Store(seed)
        self.lock = threading.Lock()
        self.tokens = {}    # token -> user _id
        self.key = secrets.token_bytes(32)
        self.counts = {}    # "METHOD /path" -> requests

    def count(self, key):
        with self.lock:
            self.counts[key] = self.counts.get(key, 0) + 1

    def issue(self, user_id, claims):
        # An HS256 JWT (with a random key per process) that says too much: W4.
        def part(obj):
            raw = json.dumps(obj, separators=(",", ":")).encode()
            return base64.urlsafe_b64encode(raw).decode().rstrip("=")
        body = part({"alg": "HS256", "typ": "JWT"}) + "." + part(claims)
        sig = hmac.new(self.key, body.encode(), hashlib.sha256).digest()
        token = body + "." + base64.urlsafe_b64encode(sig).decode().rstrip("=")
        with self.lock:
            self.tokens[token] = user_id
        return token

    def holder(self, token):
        with self.lock:
            return self.tokens.get(token)


class Reply(Exception):
    def __init__(self, status, body):
        super().__init__(status)
        self.status = status
        self.body = body


def fail(status, message):
    raise Reply(status, {"message": message})


def positive_int(text, default):
    """parseInt(x) || default, as Express code does it; below 1 is the default too."""
    match = re.match(r"^\s*[+-]?\d+", text or "")
    if not match:
        return default
    value = int(match.group(0))
    return value if value >= 1 else default


def handler_for(state):
    store = state.store

    class Handler(loopback.JsonHandler):
        server_version = "Express"
        sys_version = ""

        # --- plumbing ---

        def send_json(self, status, body):
            self.answer(status, json.dumps(body).encode(),
                        [("Content-Type", "application/json; charset=utf-8"),
                         ("X-Powered-By", "Express")])

        def handle_any(self):
            body = self.read_body()
            split = urllib.parse.urlsplit(self.path)
            raw_path = split.path
            if raw_path != "/__requests":
                state.count(f"{self.command} {raw_path}")
            try:
                self.route(raw_path, urllib.parse.parse_qs(split.query), body)
            except Reply as reply:
                self.send_json(reply.status, reply.body)

        # --- the app ---

        def caller(self):
            """The signed-in user: a known bearer token AND the client key, else 401."""
            if self.headers.get("X-Client-Key") != CLIENT_KEY:
                fail(401, "unauthorized")
            scheme, _, token = (self.headers.get("Authorization") or "").strip().partition(" ")
            if scheme.lower() != "bearer":
                fail(401, "unauthorized")
            user_id = state.holder(token.strip())
            user = store.user_by_id(user_id) if user_id else None
            if user is None:
                fail(401, "unauthorized")
            return user

        def route(self, raw_path, query, body):
            # Express defaults: case-insensitive routes, an optional trailing slash.
            path = raw_path[:-1] if len(raw_path) > 1 and raw_path.endswith("/") else raw_path
            segs = path.split("/")[1:]
            low = [s.lower() for s in segs]
            get = self.command in ("GET", "HEAD")

            def param():
                value = urllib.parse.unquote(segs[-1])
                if not OBJECT_ID.match(value):
                    fail(400, "invalid id")
                return value

            if raw_path == "/__requests" and get:
                with state.lock:
                    raise Reply(200, dict(state.counts))

            # Mounted before the auth middleware.
            if self.command == "POST" and low == ["api", "auth", "login"]:
                self.login(body)
                return
            if get and low == ["api", "products"]:
                raise Reply(200, {"products": store.products})
            if get and len(low) == 3 and low[:2] == ["api", "products"]:
                pid = param()
                product = next((p for p in store.products if p["_id"] == pid), None)
                if product is None:
                    fail(404, "product not found")
                raise Reply(200, product)
            if get and low == ["api", "staff", "directory"]:
                # FLAW W3: the staff router was mounted before the auth middleware, and its
                # projection forgot to drop passwordHash.
                raise Reply(200, {"staff": [
                    {k: u[k] for k in ("name", "email", "phone", "passwordHash")}
                    for u in store.users]})

            # app.use(requireAuth): everything else needs the token and the client key.
            me = self.caller()
            admin = me["role"] == "admin"

            if get and low == ["api", "users", "me"]:
                raise Reply(200, public_user(me))
            if get and low == ["api", "users"]:
                if not admin:
                    fail(403, "forbidden")
                raise Reply(200, {"users": [public_user(u) for u in store.users]})
            if get and len(low) == 3 and low[:2] == ["api", "users"]:
                uid = param()
                user = store.user_by_id(uid)
                if user is None or (uid != me["_id"] and not admin):
                    fail(403, "forbidden")
                raise Reply(200, public_user(user))
            if get and low == ["api", "carts"]:
                # FLAW W1: Cart.find({}) instead of Cart.find({idUsuario: req.user._id}).
                raise Reply(200, {"carts": store.carts})
            if get and len(low) == 3 and low[:2] == ["api", "carts"]:
                # FLAW W2: Cart.findById(id) with no owner check.
                cid = param()
                cart = next((c for c in store.carts if c["_id"] == cid), None)
                if cart is None:
                    fail(404, "cart not found")
                raise Reply(200, cart)
            if get and low == ["api", "wishlists"]:
                # FLAW W5: the list forgot the filter the single-wishlist route has.
                raise Reply(200, {"wishlists": store.wishlists})
            if get and len(low) == 3 and low[:2] == ["api", "wishlists"]:
                wid = param()
                wish = next((w for w in store.wishlists if w["_id"] == wid), None)
                if wish is None or (wish["belongsTo"] != me["_id"] and not admin):
                    fail(404, "wishlist not found")
                raise Reply(200, wish)
            if get and low == ["api", "orders"]:
                self.orders(me, admin, query)
                return
            if get and len(low) == 3 and low[:2] == ["api", "orders"]:
                oid = param()
                order = next((o for o in store.orders if o["_id"] == oid), None)
                if order is None or (order["user_created"] != me["_id"] and not admin):
                    fail(403, "forbidden")
                raise Reply(200, order)
            if get and low == ["api", "admin", "stats"]:
                if not admin:
                    fail(403, "forbidden")
                raise Reply(200, {"users": len(store.users), "orders": len(store.orders),
                                  "revenue": store.revenue})
            fail(404, "not found")

        def login(self, body):
            try:
                request = json.loads(body or b"null")
            except ValueError:
                fail(400, "invalid body")
            if not isinstance(request, dict):
                fail(400, "invalid body")
            email, password = request.get("email"), request.get("password")
            if not isinstance(email, str) or not isinstance(password, str):
                fail(400, "email and password are required")
            user = store.user_by_email(email.strip().lower())
            if user is None or not secrets.compare_digest(
                    store.passwords[user["email"]].encode(), password.encode()):
                fail(401, "invalid credentials")
            token = state.issue(user["_id"], {"sub": user["_id"], "email": user["email"],
                                              "role": user["role"],
                                              "pwd": user["passwordHash"]})
            raise Reply(200, {
                "authorization": f"Bearer {token}",
                "user": {k: user[k] for k in ("_id", "email", "name", "role")},
            })

        def orders(self, me, admin, query):
            mine = [o for o in store.orders if admin or o["user_created"] == me["_id"]]
            page = positive_int((query.get("page") or [""])[0], 1)
            limit = min(positive_int((query.get("limit") or [""])[0], DEFAULT_LIMIT), MAX_LIMIT)
            pages = max(1, -(-len(mine) // limit))
            start = (page - 1) * limit
            raise Reply(200, {
                "orders": mine[start:start + limit],
                "page": page,
                "pages": pages,
                "next": f"/api/orders?page={page + 1}&limit={limit}" if page < pages else None,
            })

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    parser.add_argument("--seed", type=int, default=1, help="changes every ObjectId (a reseed)")
    args = parser.parse_args()
    state = State(args.seed)
    return loopback.serve(handler_for(state), args.port)


if __name__ == "__main__":
    sys.exit(main())
