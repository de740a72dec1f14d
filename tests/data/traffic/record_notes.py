#!/usr/bin/env python3
"""Record what the team-notes web client sends to tests/servers/notes_server.py, as test data for
`authdiff infer` and `authdiff scan --har/--postman`.

  python3 tests/data/traffic/record_notes.py [--out-dir DIR]

Starts notes_server.py on a free loopback port, plays the web client's calls and writes, into
DIR (default: this script's directory):

  notes.har            HAR 1.2: every request and answer as sent and received (headers, cookies,
                       the sign-in's form body, timings)
  notes.postman.json   the same calls as a Postman Collection v2.1: folders Auth, Notes,
                       Workspaces and System, a {{baseUrl}} variable, path variables as `:id`
                       with their values, each call's answer saved as an example
  notes.sessions.json  {session cookie value: e-mail} of the sessions the recording used: start
                       the server with `--sessions notes.sessions.json` and the recorded cookies
                       are valid again

Every URL says http://127.0.0.1:8765 (RECORDED_ORIGIN), whatever port the server had: a test
replaces that origin with its own server's. The calls, in order:

  anonymous  GET /v1/public/status, GET /v1/me (401: not signed in yet)
  ana, then ben (each on a kept-alive connection of its own, the cookie on every call):
             POST /v1/sessions (form), GET /v1/me, GET /v1/notes, GET /v1/notes/{id} and
             GET /v1/notes/{id}/history for the first two of their own notes,
             GET /v1/workspaces/{their workspace}/members, GET /v1/search?q=... (ana "plan",
             ben "launch"), GET /v1/admin/users (403: the client probes for the admin tab)

A re-recording changes the session values and the times (and nothing else): commit the three
files together. Standard library only; only 127.0.0.1 is contacted.
"""
import argparse
import datetime
import http.client
import json
import os
import subprocess
import sys
import time
import urllib.parse
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "..", "..", "servers", "notes_server.py")
RECORDED_HOST = "127.0.0.1:8765"
RECORDED_ORIGIN = "http://" + RECORDED_HOST
USER_AGENT = "notes-web/3.2.1 (+record_notes.py)"
POSTMAN_SCHEMA = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
FOLDERS = ["Auth", "Notes", "Workspaces", "System"]

# who, e-mail, password, search term
ACCOUNTS = [("ana", "ana@notes.test", "ana-pw", "plan"),
            ("ben", "ben@notes.test", "ben-pw", "launch")]


class Call:
    """One request and its answer, with what the Postman collection needs to name it."""

    def __init__(self, who, folder, name, template, variables, query, form):
        self.who = who              # "ana", "ben" or None (anonymous)
        self.folder = folder
        self.name = name
        self.template = template    # "/v1/notes/:id"
        self.variables = variables  # {"id": "nt_..."}
        self.query = query          # [(name, value)]
        self.form = form            # [(name, value)] for a form body, else None
        self.method = ""
        self.target = ""            # path and query as sent
        self.headers = []           # request headers as sent, in order
        self.body = b""
        self.started = ""
        self.timings = {}
        self.status = 0
        self.reason = ""
        self.response_headers = []
        self.response_body = b""
        self.connection = 0         # which of the client's connections carried it (1, 2, ...)


class Client:
    """A web client on one kept-alive connection, holding the session cookie the sign-in set."""

    def __init__(self, port, who, calls, number):
        self.number = number        # the connection's number in the recording
        self.port = port
        self.who = who
        self.calls = calls
        self.session = None
        self.connection = None

    def request(self, method, folder, name, template, variables=None, query=None, form=None,
                with_cookie=True):
        variables = variables or {}
        query = query or []
        path = "/".join(urllib.parse.quote(variables[s[1:]], safe="") if s.startswith(":") else s
                        for s in template.split("/"))
        call = Call(self.who if with_cookie else None, folder, name, template, variables, query,
                    form)
        call.method = method
        call.connection = self.number
        call.target = path + ("?" + urllib.parse.urlencode(query) if query else "")
        call.headers = [("Host", RECORDED_HOST), ("User-Agent", USER_AGENT),
                        ("Accept", "application/json"), ("Accept-Language", "en-GB,en;q=0.8")]
        if form is not None:
            call.body = urllib.parse.urlencode(form).encode()
            call.headers += [("Content-Type", "application/x-www-form-urlencoded"),
                             ("Content-Length", str(len(call.body)))]
        if with_cookie and self.session:
            call.headers.append(("Cookie", f"notes_session={self.session}"))
        connect_ms = -1
        begin = time.perf_counter()
        call.started = datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="milliseconds").replace("+00:00", "Z")
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            self.connection.connect()
            connect_ms = (time.perf_counter() - begin) * 1000
        sent_at = time.perf_counter()
        self.connection.putrequest(method, call.target, skip_host=True, skip_accept_encoding=True)
        for key, value in call.headers:
            # The Host header goes out with the real port; the recording keeps RECORDED_HOST.
            self.connection.putheader(key, f"127.0.0.1:{self.port}" if key == "Host" else value)
        self.connection.endheaders(call.body or None)
        written_at = time.perf_counter()
        response = self.connection.getresponse()
        headers_at = time.perf_counter()
        call.response_body = response.read()
        done_at = time.perf_counter()
        call.status = response.status
        call.reason = response.reason
        call.response_headers = response.getheaders()
        call.timings = {"blocked": -1, "dns": -1, "connect": round(connect_ms, 3),
                        "ssl": -1, "send": round((written_at - sent_at) * 1000, 3),
                        "wait": round((headers_at - written_at) * 1000, 3),
                        "receive": round((done_at - headers_at) * 1000, 3)}
        for key, value in call.response_headers:
            if key.lower() == "set-cookie":
                cookie_name, _, rest = value.partition("=")
                if cookie_name == "notes_session":
                    self.session = rest.split(";")[0]
        self.calls.append(call)
        return json.loads(call.response_body or b"null")

    def close(self):
        if self.connection is not None:
            self.connection.close()


def fail(message):
    print(f"record_notes: {message}", file=sys.stderr)
    sys.exit(1)


def expect(call, status):
    if call.status != status:
        fail(f"{call.method} {call.target} answered {call.status}, expected {status}: "
             f"{call.response_body[:200]!r}")


def play(port):
    """The web client's calls: anonymous ones first, then ana's session, then ben's."""
    calls = []
    anonymous = Client(port, None, calls, 1)
    anonymous.request("GET", "System", "Service status", "/v1/public/status", with_cookie=False)
    expect(calls[-1], 200)
    anonymous.request("GET", "Auth", "Who am I (not signed in)", "/v1/me", with_cookie=False)
    expect(calls[-1], 401)
    anonymous.close()
    sessions = {}
    for number, (who, email, password, term) in enumerate(ACCOUNTS, 2):
        client = Client(port, who, calls, number)
        client.request("POST", "Auth", f"Sign in ({who})", "/v1/sessions",
                       form=[("email", email), ("password", password)])
        expect(calls[-1], 201)
        if not client.session:
            fail(f"the sign-in of {email} set no notes_session cookie")
        sessions[client.session] = email
        me = client.request("GET", "Auth", f"Who am I ({who})", "/v1/me")
        expect(calls[-1], 200)
        notes = client.request("GET", "Notes", f"My notes ({who})", "/v1/notes")
        expect(calls[-1], 200)
        for n, note in enumerate(notes["data"][:2], 1):
            client.request("GET", "Notes", f"Open note {n} ({who})", "/v1/notes/:id",
                           {"id": note["id"]})
            expect(calls[-1], 200)
            client.request("GET", "Notes", f"Note {n} history ({who})", "/v1/notes/:id/history",
                           {"id": note["id"]})
            expect(calls[-1], 200)
        client.request("GET", "Workspaces", f"Workspace members ({who})",
                       "/v1/workspaces/:id/members", {"id": me["workspace_id"]})
        expect(calls[-1], 200)
        client.request("GET", "Notes", f"Search notes ({who})", "/v1/search",
                       query=[("q", term)])
        expect(calls[-1], 200)
        client.request("GET", "System", f"Admin tab probe ({who})", "/v1/admin/users")
        expect(calls[-1], 403)
        client.close()
    return calls, sessions


# ------------------------------------------------------------------------------------ HAR 1.2

def header_block_size(first_line, headers):
    return len(first_line) + 2 + sum(len(k) + 2 + len(v) + 2 for k, v in headers) + 2


def request_cookies(headers):
    out = []
    for key, value in headers:
        if key.lower() != "cookie":
            continue
        for part in value.split(";"):
            name, _, val = part.strip().partition("=")
            out.append({"name": name, "value": val})
    return out


def response_cookies(headers):
    out = []
    for key, value in headers:
        if key.lower() != "set-cookie":
            continue
        parts = [p.strip() for p in value.split(";")]
        name, _, val = parts[0].partition("=")
        cookie = {"name": name, "value": val, "path": "/", "httpOnly": False, "secure": False}
        for attribute in parts[1:]:
            attr, _, attr_value = attribute.partition("=")
            if attr.lower() == "path":
                cookie["path"] = attr_value
            elif attr.lower() == "httponly":
                cookie["httpOnly"] = True
            elif attr.lower() == "secure":
                cookie["secure"] = True
            elif attr.lower() == "samesite":
                cookie["sameSite"] = attr_value
        out.append(cookie)
    return out


def header_value(headers, name):
    return next((v for k, v in headers if k.lower() == name.lower()), "")


def har_entry(call):
    request = {
        "method": call.method,
        "url": RECORDED_ORIGIN + call.target,
        "httpVersion": "HTTP/1.1",
        "headers": [{"name": k, "value": v} for k, v in call.headers],
        "queryString": [{"name": k, "value": v} for k, v in call.query],
        "cookies": request_cookies(call.headers),
        "headersSize": header_block_size(f"{call.method} {call.target} HTTP/1.1", call.headers),
        "bodySize": len(call.body),
    }
    if call.form is not None:
        request["postData"] = {
            "mimeType": "application/x-www-form-urlencoded",
            "params": [{"name": k, "value": v} for k, v in call.form],
            "text": call.body.decode(),
        }
    text = call.response_body.decode("utf-8")
    response = {
        "status": call.status,
        "statusText": call.reason,
        "httpVersion": "HTTP/1.1",
        "headers": [{"name": k, "value": v} for k, v in call.response_headers],
        "cookies": response_cookies(call.response_headers),
        "content": {"size": len(call.response_body),
                    "mimeType": header_value(call.response_headers, "Content-Type"),
                    "text": text},
        "redirectURL": "",
        "headersSize": header_block_size(f"HTTP/1.1 {call.status} {call.reason}",
                                         call.response_headers),
        "bodySize": len(call.response_body),
    }
    total = sum(v for v in call.timings.values() if v > 0)
    return {"startedDateTime": call.started, "time": round(total, 3), "request": request,
            "response": response, "cache": {}, "timings": call.timings,
            "serverIPAddress": "127.0.0.1", "connection": str(call.connection)}


def har(calls):
    return {"log": {
        "version": "1.2",
        "creator": {"name": "record_notes.py", "version": "1.0",
                    "comment": "tests/data/traffic/record_notes.py against notes_server.py"},
        "entries": [har_entry(c) for c in calls],
    }}


# -------------------------------------------------------------------------- Postman v2.1

def postman_request(call):
    headers = []
    for key, value in call.headers:
        if key in ("Host", "Content-Length", "User-Agent", "Accept-Language"):
            continue  # Postman adds these itself
        if key == "Cookie":
            value = f"notes_session={{{{{call.who}Session}}}}"
        headers.append({"key": key, "value": value, "type": "text"})
    path = [s for s in call.template.split("/") if s]
    url = {
        "raw": "{{baseUrl}}" + call.template +
               ("?" + urllib.parse.urlencode(call.query) if call.query else ""),
        "host": ["{{baseUrl}}"],
        "path": path,
    }
    if call.query:
        url["query"] = [{"key": k, "value": v} for k, v in call.query]
    if call.variables:
        url["variable"] = [{"key": k, "value": v} for k, v in call.variables.items()]
    request = {"method": call.method, "header": headers, "url": url}
    if call.form is not None:
        request["body"] = {"mode": "urlencoded", "urlencoded": [
            {"key": k, "value": f"{{{{{call.who}Password}}}}" if k == "password" else v,
             "type": "text"} for k, v in call.form]}
    return request


def postman_item(call):
    request = postman_request(call)
    example = {
        "name": f"{call.status} {call.reason}",
        "originalRequest": request,
        "status": call.reason,
        "code": call.status,
        "_postman_previewlanguage": "json",
        "header": [{"key": k, "value": v} for k, v in call.response_headers],
        "cookie": [],
        "body": call.response_body.decode("utf-8"),
    }
    return {"name": call.name, "request": request, "response": [example]}


def postman(calls):
    folders = {name: [] for name in FOLDERS}
    for call in calls:
        folders[call.folder].append(postman_item(call))
    variables = [{"key": "baseUrl", "value": RECORDED_ORIGIN, "type": "string"}]
    for who, _, password, _ in ACCOUNTS:
        session = next(header_value(c.headers, "Cookie").partition("=")[2]
                       for c in calls if c.who == who and header_value(c.headers, "Cookie"))
        variables.append({"key": f"{who}Session", "value": session, "type": "string"})
        variables.append({"key": f"{who}Password", "value": password, "type": "string"})
    return {
        "info": {
            "_postman_id": str(uuid.uuid5(uuid.NAMESPACE_URL, "authdiff/tests/notes.postman")),
            "name": "Team Notes API (recorded)",
            "description": "Written by tests/data/traffic/record_notes.py from the calls it made "
                           "to tests/servers/notes_server.py. Sessions travel in the "
                           "notes_session cookie (a Cookie header per request).",
            "schema": POSTMAN_SCHEMA,
        },
        "item": [{"name": name, "item": items} for name, items in folders.items() if items],
        "variable": variables,
    }


# --------------------------------------------------------------------------------------- main

def start_server():
    process = subprocess.Popen([sys.executable, SERVER, "--port", "0"], stdout=subprocess.PIPE,
                               text=True)
    line = process.stdout.readline().strip()
    prefix = "listening on 127.0.0.1:"
    if not line.startswith(prefix):
        process.kill()
        fail(f"notes_server.py did not start: {line!r}")
    return process, int(line[len(prefix):])


def write_json(path, data):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2)
        f.write("\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", default=HERE, help="where the three files go")
    args = parser.parse_args()
    process, port = start_server()
    try:
        calls, sessions = play(port)
    finally:
        process.terminate()
        process.wait(timeout=30)
    os.makedirs(args.out_dir, exist_ok=True)
    write_json(os.path.join(args.out_dir, "notes.har"), har(calls))
    write_json(os.path.join(args.out_dir, "notes.postman.json"), postman(calls))
    write_json(os.path.join(args.out_dir, "notes.sessions.json"), sessions)
    print(f"recorded {len(calls)} calls ({len(sessions)} sessions) from port {port} as "
          f"{RECORDED_ORIGIN} into {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
