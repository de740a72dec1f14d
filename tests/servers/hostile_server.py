#!/usr/bin/env python3
"""A test server that misbehaves on purpose, one behaviour per route (tests/e2e/test_hostile.cpp).

Loopback only. The first line on stdout is "listening on 127.0.0.1:PORT" (the main listener);
a second listener on 127.0.0.1 (port in GET /__log as "other_port") plays the "other host"
that a redirect points to, and records whatever reaches it.

Every route answers 401 to a request without one of the --token bearer tokens, and its
misbehaviour to one with a valid token (the server enforces access; what it sends to the
legitimate caller is the hostile part):

  /ok           a small well-behaved JSON list (the control case)
  /huge         a 1 GiB JSON array of objects (Content-Length set, streamed)
  /gzip-bomb    Content-Encoding: gzip, ~4 MiB that inflate to 4 GiB of spaces
  /endless      chunked transfer encoding that never ends
  /drip         a body sent one byte per second
  /reset        headers and half the body, then a TCP reset
  /bad-utf8     JSON-ish with invalid UTF-8, raw NUL bytes (also in a key), an escape
                sequence, three people's unmasked mobile numbers and passwords
  /deep         10,000-deep nested JSON arrays and objects
  /big-headers  1 MiB of response headers
  /redirect     302 to http://localhost:OTHER_PORT/steal (the second listener)
  /cookie       JSON with Set-Cookie for another domain and a session cookie
  /__log        (any caller) every request received on both listeners, /__log excluded

--tls-cert FILE --tls-key FILE makes the main listener speak HTTPS with the same routes.
Standard library only. SIGTERM stops it cleanly; clients may go away at any moment.
"""

import argparse
import json
import os
import select
import signal
import socket
import ssl
import struct
import sys
import threading
import time
import zlib

MIB = 1024 * 1024
HUGE_BYTES = 1024 * MIB
BIG_LIST_ITEMS = 1_000_000
BOMB_MIB = 4096  # the gzip bomb inflates to 4 GiB (+3 bytes)
DEEP_LEVELS = 10000
MAX_HEADER_BYTES = 64 * 1024  # of a request; more is a 431 and a closed connection


class Log:
    """Every request received, on both listeners (the /__log route itself is left out)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests = []
        self.tls_failures = 0
        self.connections = {"main": 0, "other": 0}

    def add(self, entry):
        with self.lock:
            self.requests.append(entry)

    def count_connection(self, listener):
        with self.lock:
            self.connections[listener] += 1

    def tls_failed(self):
        with self.lock:
            self.tls_failures += 1

    def snapshot(self, other_port):
        with self.lock:
            return {
                "other_port": other_port,
                "tls_failures": self.tls_failures,
                "connections": dict(self.connections),
                "requests": list(self.requests),
            }


def latin1(data):
    """Bytes as a JSON-safe string: each byte one code point (headers may hold anything)."""
    return data.decode("latin-1")


# --- Response bodies, built once -------------------------------------------------------------


def huge_blocks():
    """The 1 GiB body as three 1 MiB blocks (first, middle, last): '[', 64-byte objects each
    followed by a comma, a 63-byte last object and ']': exactly 1 GiB, so a Content-Length
    is sent and the body streamed as first + middle * 1022 + last."""
    items = []
    for i in range(MIB // 64):
        head = '{"id":%d,"name":"filler object","pad":"' % (10000 + i)
        items.append(head + "x" * (64 - len(head) - 3) + '"},')
    period = "".join(items).encode()  # the items repeat with this period
    assert len(period) == MIB
    first = b"[" + period[: MIB - 1]
    middle = period[MIB - 1 :] + period[: MIB - 1]  # the stream goes on where first stopped
    tail = '{"id":1,"name":"last object","pad":"'
    tail = (tail + "y" * (63 - len(tail) - 3) + '"}]').encode()
    last = middle[: MIB - 63] + tail
    assert len(first) == len(middle) == len(last) == MIB
    return first, middle, last


def crc32_combine(crc1, crc2, len2):
    """zlib's crc32_combine (GF(2) matrix method): the CRC-32 of A+B from crc(A), crc(B), len(B)."""

    def times(mat, vec):
        total = 0
        i = 0
        while vec:
            if vec & 1:
                total ^= mat[i]
            vec >>= 1
            i += 1
        return total

    def square(mat):
        return [times(mat, mat[n]) for n in range(32)]

    if len2 <= 0:
        return crc1
    odd = [0xEDB88320] + [1 << (n - 1) for n in range(1, 32)]  # operator for one zero bit
    even = square(odd)  # two zero bits
    odd = square(even)  # four zero bits
    while True:
        even = square(odd)
        if len2 & 1:
            crc1 = times(even, crc1)
        len2 >>= 1
        if not len2:
            break
        odd = square(even)
        if len2 & 1:
            crc1 = times(odd, crc1)
        len2 >>= 1
        if not len2:
            break
    return crc1 ^ crc2


def gzip_bomb():
    """A gzip member that inflates to '[' + 4 GiB of spaces + '0]' (valid JSON), built in a
    fraction of a second: the deflate output for one 1 MiB block of spaces, compressed after
    spaces, decodes the same wherever spaces precede it, so it is repeated."""
    block = b" " * MIB
    comp = zlib.compressobj(9, zlib.DEFLATED, -15, 9)
    head = comp.compress(b"[" + block) + comp.flush(zlib.Z_SYNC_FLUSH)
    middle = comp.compress(block) + comp.flush(zlib.Z_SYNC_FLUSH)
    tail = comp.compress(b"0]") + comp.flush(zlib.Z_FINISH)
    # CRC-32 of '[' + block * BOMB_MIB + '0]' without hashing 4 GiB.
    crc_block = zlib.crc32(block)
    crc_blocks, n, power, power_len = 0, BOMB_MIB, crc_block, MIB
    have = 0
    while n:
        if n & 1:
            crc_blocks = crc32_combine(crc_blocks, power, power_len) if have else power
            have += power_len
        power = crc32_combine(power, power, power_len)
        power_len *= 2
        n >>= 1
    crc = crc32_combine(zlib.crc32(b"["), crc_blocks, BOMB_MIB * MIB)
    crc = zlib.crc32(b"0]", crc)
    size = (1 + BOMB_MIB * MIB + 2) & 0xFFFFFFFF
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    body = header + head + middle * (BOMB_MIB - 1) + tail + struct.pack("<II", crc, size)
    return body


def deep_body():
    """10,000 levels: [{"a":[{"a": ... 1 ... }]}] (arrays and objects alternate)."""
    opening, closing = [], []
    for level in range(DEEP_LEVELS):
        if level % 2 == 0:
            opening.append("[")
            closing.append("]")
        else:
            opening.append('{"a":')
            closing.append("}")
    return ("".join(opening) + "1" + "".join(reversed(closing))).encode()


def bad_utf8_body():
    """Not quite JSON: invalid UTF-8 (bytes that never occur, an overlong '/', a surrogate, a
    truncated sequence), raw NUL bytes inside strings and in a key, escaped NULs, a terminal
    escape sequence, and three people's unmasked mainland mobile numbers and passwords made of
    such bytes (so the sensitive-data check has evidence to report, bytes and all)."""
    people = [
        (b"13912345678", b"call \xff 13987654321 \x00 now"),
        (b"13711112222", b"\xc0\xaf overlong \x00 13633334444"),
        (b"15855556666", b"\xed\xa0\x80 surrogate 18677778888 \xe2\x82"),
    ]
    items = []
    for i, (mobile, contact) in enumerate(people):
        items.append(
            b'{"id":%d,"name":"bad \xff\xfe bytes \xc0\xaf and \xed\xa0\x80 end \xe2\x82",'
            b'"na\x00me":"nul \x00 inside","escaped":"nul \\u0000 escaped",'
            b'"mobile":"%s","contact":"%s","note":"\x01\x02\x1b[31m red \x7f",'
            b'"password":"\xff\xfeP4ss\x00w\xc0\xafrd-%d\xe2\x82"}' % (4242 + i, mobile, contact, i)
        )
    return b"[" + b",".join(items) + b"]"


OK_BODY = json.dumps(
    [
        {"id": 1001, "name": "alpha widget", "colour": "green"},
        {"id": 1002, "name": "bravo widget", "colour": "blue"},
        {"id": 1003, "name": "charlie widget", "colour": "amber"},
    ]
).encode()
DENIED_BODY = b'{"error":"unauthorized"}'
NOT_FOUND_BODY = b'{"error":"not found"}'


class Server:
    def __init__(self, args):
        self.args = args
        self.tokens = set(args.token)
        self.log = Log()
        self.stopping = threading.Event()
        self.huge = huge_blocks()
        self.bomb = gzip_bomb()
        self.deep = deep_body()
        self.bad_utf8 = bad_utf8_body()
        self.big_list = None  # built on first use: 50 MB
        self.big_list_lock = threading.Lock()
        self.tls = None
        if args.tls_cert:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(args.tls_cert, args.tls_key)
            ctx.set_alpn_protocols(["http/1.1"])
            self.tls = ctx
        self.main = self.listen(args.port)
        self.other = self.listen(0)
        self.other_port = self.other.getsockname()[1]

    @staticmethod
    def listen(port):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        s.listen(128)
        return s

    # --- the accept loop (main thread) -------------------------------------------------------

    def serve(self):
        print("listening on 127.0.0.1:%d" % self.main.getsockname()[1], flush=True)
        listeners = {self.main: "main", self.other: "other"}
        while not self.stopping.is_set():
            try:
                ready, _, _ = select.select(list(listeners), [], [], 0.5)
            except (InterruptedError, OSError):
                continue
            for s in ready:
                try:
                    conn, _ = s.accept()
                except OSError:
                    continue
                name = listeners[s]
                self.log.count_connection(name)
                t = threading.Thread(target=self.connection, args=(conn, name), daemon=True)
                t.start()

    def stop(self):
        self.stopping.set()
        for s in (self.main, self.other):
            try:
                s.close()
            except OSError:
                pass

    # --- one connection (a thread) -----------------------------------------------------------

    def connection(self, conn, listener):
        try:
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            # An idle client is dropped only after long: a loaded machine may leave a kept-alive
            # connection unused for a while, and must not find it closed under a request.
            conn.settimeout(600)
            if listener == "main" and self.tls is not None:
                try:
                    conn = self.tls.wrap_socket(conn, server_side=True)
                except (ssl.SSLError, OSError) as e:
                    self.log.tls_failed()
                    print("tls handshake failed: %s" % e, file=sys.stderr, flush=True)
                    return
            reader = conn.makefile("rb")
            while not self.stopping.is_set():
                request = self.read_request(reader, conn)
                if request is None:
                    return
                if not self.respond(conn, listener, request):
                    return
        except (OSError, ValueError, ssl.SSLError):
            pass  # the client went away, reset, timed out: its business
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def read_request(self, reader, conn):
        line = reader.readline(MAX_HEADER_BYTES)
        if not line:
            return None
        if not line.endswith(b"\n"):
            self.send(conn, 414, b'{"error":"request line too long"}', keep=False)
            return None
        parts = line.rstrip(b"\r\n").split(b" ")
        if len(parts) != 3:
            self.send(conn, 400, b'{"error":"bad request line"}', keep=False)
            return None
        method, target, version = parts
        headers = []
        total = len(line)
        while True:
            h = reader.readline(MAX_HEADER_BYTES)
            total += len(h)
            if not h or total > MAX_HEADER_BYTES:
                if h:
                    self.send(conn, 431, b'{"error":"headers too large"}', keep=False)
                return None
            if h in (b"\r\n", b"\n"):
                break
            name, _, value = h.partition(b":")
            headers.append([latin1(name.strip()), latin1(value.strip())])
        length = 0
        for name, value in headers:
            if name.lower() == "content-length":
                try:
                    length = int(value)
                except ValueError:
                    length = 0
        while length > 0:  # a body is read and dropped (GET routes only here)
            chunk = reader.read(min(length, 65536))
            if not chunk:
                return None
            length -= len(chunk)
        keep = version == b"HTTP/1.1" and not any(
            n.lower() == "connection" and v.lower() == "close" for n, v in headers
        )
        return {
            "method": latin1(method),
            "target": latin1(target),
            "path": latin1(target.split(b"?", 1)[0]),
            "version": latin1(version),
            "headers": headers,
            "keep": keep,
        }

    # --- responses --------------------------------------------------------------------------

    @staticmethod
    def head(status, headers):
        reason = {
            200: "OK",
            302: "Found",
            400: "Bad Request",
            401: "Unauthorized",
            404: "Not Found",
            405: "Method Not Allowed",
            414: "URI Too Long",
            431: "Request Header Fields Too Large",
        }.get(status, "Status")
        lines = ["HTTP/1.1 %d %s" % (status, reason)]
        lines += ["%s: %s" % (k, v) for k, v in headers]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def send(self, conn, status, body, headers=(), keep=True, head_only=False, ctype=True):
        h = []
        if ctype:
            h.append(("Content-Type", "application/json"))
        h += list(headers)
        h.append(("Content-Length", str(len(body))))
        if not keep:
            h.append(("Connection", "close"))
        conn.sendall(self.head(status, h) + (b"" if head_only else body))
        return keep

    def authorised(self, request):
        for name, value in request["headers"]:
            if name.lower() == "authorization" and value.startswith("Bearer "):
                return value[len("Bearer ") :] in self.tokens
        return False

    def respond(self, conn, listener, request):
        path, method = request["path"], request["method"]
        keep = request["keep"]
        if path == "/__log":  # any caller, any listener; never logged
            body = json.dumps(self.log.snapshot(self.other_port)).encode()
            return self.send(conn, 200, body, keep=keep)
        self.log.add(
            {
                "listener": listener,
                "method": method,
                "path": path,
                "target": request["target"],
                "headers": request["headers"],
                "time": time.time(),
            }
        )
        if listener == "other":  # the "other host": records, answers, keeps nothing back
            return self.send(conn, 200, b'{"stolen":"thanks"}', keep=keep)
        route = ROUTES.get(path)
        if route is None:
            return self.send(conn, 404, NOT_FOUND_BODY, keep=keep)
        if not self.authorised(request):
            return self.send(
                conn, 401, DENIED_BODY, [("WWW-Authenticate", 'Bearer realm="hostile"')], keep=keep
            )
        if method not in ("GET", "HEAD"):
            return self.send(
                conn, 405, b'{"error":"method not allowed"}', [("Allow", "GET, HEAD")], keep=keep
            )
        return route(self, conn, request, method == "HEAD")

    # Each route returns whether the connection may be kept.

    def route_ok(self, conn, request, head_only):
        return self.send(conn, 200, OK_BODY, keep=request["keep"], head_only=head_only)

    def route_huge(self, conn, request, head_only):
        h = [("Content-Type", "application/json"), ("Content-Length", str(HUGE_BYTES))]
        conn.sendall(self.head(200, h))
        if head_only:
            return request["keep"]
        first, middle, last = self.huge
        conn.sendall(first)
        for _ in range(HUGE_BYTES // MIB - 2):
            if self.stopping.is_set():
                return False
            conn.sendall(middle)
        conn.sendall(last)
        return request["keep"]

    def route_big_list(self, conn, request, head_only):
        # A well-formed list of BIG_LIST_ITEMS objects, about 50 MB: far past the body cap, so
        # authdiff must count it as it streams past without keeping it.
        with self.big_list_lock:
            if self.big_list is None:
                items = b",".join(b'{"id": %d, "name": "person %d", "team": "blue"}' % (i, i)
                                  for i in range(BIG_LIST_ITEMS))
                self.big_list = b'{"items": [' + items + b"]}"
        return self.send(conn, 200, self.big_list, keep=request["keep"], head_only=head_only)

    def route_gzip_bomb(self, conn, request, head_only):
        return self.send(
            conn,
            200,
            self.bomb,
            [("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding")],
            keep=request["keep"],
            head_only=head_only,
        )

    def route_endless(self, conn, request, head_only):
        h = [("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")]
        conn.sendall(self.head(200, h))
        if head_only:
            return False
        n = 0
        conn.sendall(b"1\r\n[\r\n")
        while not self.stopping.is_set():
            items = "".join('{"id":%d,"name":"endless item"},' % (n + i) for i in range(32))
            n += 32
            data = items.encode()
            conn.sendall(b"%x\r\n%s\r\n" % (len(data), data))
            time.sleep(0.003)
        return False

    def route_drip(self, conn, request, head_only):
        body = b'[{"id":7,"name":"one byte per second"}]'
        h = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        conn.sendall(self.head(200, h))
        if head_only:
            return request["keep"]
        for i in range(len(body)):
            if self.stopping.is_set():
                return False
            conn.sendall(body[i : i + 1])
            time.sleep(1)
        return request["keep"]

    def route_reset(self, conn, request, head_only):
        body = OK_BODY * 64
        h = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        conn.sendall(self.head(200, h) + (b"" if head_only else body[: len(body) // 2]))
        time.sleep(0.05)
        # SO_LINGER on with a zero timeout: close() sends RST instead of FIN.
        raw = conn
        try:
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        if isinstance(conn, ssl.SSLSocket):
            raw = socket.socket(fileno=conn.detach())  # no close_notify: just the reset
        raw.close()
        return False

    def route_bad_utf8(self, conn, request, head_only):
        return self.send(
            conn,
            200,
            self.bad_utf8,
            ctype=False,
            headers=[("Content-Type", "application/json; charset=utf-8")],
            keep=request["keep"],
            head_only=head_only,
        )

    def route_deep(self, conn, request, head_only):
        return self.send(conn, 200, self.deep, keep=request["keep"], head_only=head_only)

    def route_big_headers(self, conn, request, head_only):
        filler = "h" * 1000
        headers = [("X-Filler-%04d" % i, filler) for i in range(1050)]  # > 1 MiB in all
        return self.send(conn, 200, OK_BODY, headers, keep=request["keep"], head_only=head_only)

    def route_redirect(self, conn, request, head_only):
        location = "http://localhost:%d/steal" % self.other_port
        body = json.dumps({"moved": location}).encode()
        return self.send(
            conn, 302, body, [("Location", location)], keep=request["keep"], head_only=head_only
        )

    def route_cookie(self, conn, request, head_only):
        return self.send(
            conn,
            200,
            OK_BODY,
            [
                ("Set-Cookie", "stolen=1; Domain=evil.example; Path=/"),
                ("Set-Cookie", "session=abc; Path=/"),
            ],
            keep=request["keep"],
            head_only=head_only,
        )


ROUTES = {
    "/ok": Server.route_ok,
    "/huge": Server.route_huge,
    "/big-list": Server.route_big_list,
    "/gzip-bomb": Server.route_gzip_bomb,
    "/endless": Server.route_endless,
    "/drip": Server.route_drip,
    "/reset": Server.route_reset,
    "/bad-utf8": Server.route_bad_utf8,
    "/deep": Server.route_deep,
    "/big-headers": Server.route_big_headers,
    "/redirect": Server.route_redirect,
    "/cookie": Server.route_cookie,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=0, help="main listener port (0 = free)")
    parser.add_argument("--token", action="append", default=[], help="a valid bearer token")
    parser.add_argument("--tls-cert", help="PEM certificate: the main listener speaks HTTPS")
    parser.add_argument("--tls-key", help="PEM private key for --tls-cert")
    args = parser.parse_args()
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    server = Server(args)

    def on_term(signum, frame):
        server.stop()
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    try:
        server.serve()
    except SystemExit:
        pass
    finally:
        server.stop()
    # Connection threads are daemons; leave without waiting for a stream that never ends.
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
