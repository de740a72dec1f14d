"""Shared by the Python test servers: serve a handler on 127.0.0.1 (port 0 = a free one), print
"listening on 127.0.0.1:PORT" once bound, and stop cleanly on SIGTERM or SIGINT (the Python
counterpart of serve.hpp)."""
import http.server
import signal
import threading


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
