"""A threaded HTTP server on 127.0.0.1 for the strict fakes of remote services (OSV, npm registry, ...)."""

from __future__ import annotations

import functools
import threading
from typing import Any
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class KeepAliveOk(BaseHTTPRequestHandler):
    """A quiet keep-alive handler whose :meth:`answer_ok` sends "ok" in one segment: a load test's
    target that adds no delay of its own (subclasses decide what a GET does before answering)."""

    protocol_version = "HTTP/1.1"  # keep-alive: no connect or new server thread per request
    # Headers and body in one write: separate small segments would wait for a delayed ACK (40 ms).
    wbufsize = 65536
    disable_nagle_algorithm = True

    def answer_ok(self) -> None:
        """200 with the body "ok"."""
        self.answer(b"ok")

    def answer(self, body: bytes, content_type: str = "") -> None:
        """200 with *body* (and a Content-Type when given)."""
        self.send_response(200)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        """Quiet: the test output is not a request log."""


def start(handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    """A server on a free loopback port, answering from a daemon thread until :func:`stop`."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), quick(handler))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def quick(handler: Any) -> Any:
    """*handler* (a handler class, or a ``functools.partial`` of one) with Nagle's algorithm off:
    http.server writes the headers and the body of an answer apart, and on a keep-alive connection the
    body then waits for the client's delayed ACK of the headers (40 ms an answer, most of a fake GitHub's
    time). Set on the class itself, not a subclass: handlers keep their counts on their class."""
    cls = handler.func if isinstance(handler, functools.partial) else handler
    cls.disable_nagle_algorithm = True
    return handler


def url(server: ThreadingHTTPServer | None) -> str:
    """The server's base URL, without a trailing slash."""
    assert server is not None
    return f"http://127.0.0.1:{server.server_address[1]}"


def stop(server: ThreadingHTTPServer | None) -> None:
    """Stop answering and close the socket (nothing when the server never started)."""
    if server is not None:
        server.shutdown()
        server.server_close()
