"""Shared by the Python test servers: serve a handler on 127.0.0.1 (port 0 = a free one), print
"listening on 127.0.0.1:PORT" once bound, and stop cleanly on SIGTERM or SIGINT (the Python
counterpart of serve.hpp)."""
import http.server
import signal
import threading


class JsonHandler(http.server.BaseHTTPRequestHandler):
    """The plumbing every Python test server shares: HTTP/1.1 keep-alive, a bounded request
    body, answers sent with their length (none for HEAD), every method to handle_any(), and no
    access log. A server subclasses it and writes handle_any()."""

    protocol_version = "HTTP/1.1"

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(min(length, 1 << 20)) if length > 0 else b""

    def answer(self, status, data, headers):
        """Send `data` (bytes) with `headers` ((name, value) pairs, in order) and its length."""
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def handle_any(self):
        raise NotImplementedError

    def do_GET(self):
        self.handle_any()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def log_message(self, *args):
        pass


def serve(handler_class, port):
    """Serve `handler_class` until a signal; the process exit code."""
    # Answers leave at once: with Nagle's algorithm a body written after its headers waits for
    # the client's delayed ACK, some 40 ms per request on a kept-alive (HTTP/1.1) connection.
    handler_class.disable_nagle_algorithm = True
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler_class)
    server.daemon_threads = True
    stop = lambda *_: threading.Thread(target=server.shutdown).start()  # noqa: E731
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"listening on 127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()
    return 0
