"""A threaded HTTP server on 127.0.0.1 for the strict fakes of remote services (OSV, npm registry, ...)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def start(handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    """A server on a free loopback port, answering from a daemon thread until :func:`stop`."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def url(server: ThreadingHTTPServer | None) -> str:
    """The server's base URL, without a trailing slash."""
    assert server is not None
    return f"http://127.0.0.1:{server.server_address[1]}"


def stop(server: ThreadingHTTPServer | None) -> None:
    """Stop answering and close the socket (nothing when the server never started)."""
    if server is not None:
        server.shutdown()
        server.server_close()
