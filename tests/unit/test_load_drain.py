"""A side-by-side round's app answers what its stopped users left queued before the other build's round.

nickjj/docker-django-example under `run --base-ref`: the head (one sync gunicorn worker, a page cached in
Redis, two lookups a load) answered its killed users' queued requests after its round stopped, inside
the base's next round, and the base, whose app never looks a key up, got `redis_hit_ratio_pct` 100 % from
"1 round(s) (40 hits, 0 misses)" (20 users, two lookups each), 77 hits in a second run.
"""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

from echotune_ci.phases.load.worker import drain_app


class _OneAtATime(BaseHTTPRequestHandler):
    """A server of one worker, as a sync gunicorn: each request takes 50 ms, in the order they came."""

    handled: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        time.sleep(0.05)
        _OneAtATime.handled.append(self.path)
        try:
            self.send_response(404 if self.path == "/echotune-ci-drain" else 200)
            self.end_headers()
        except OSError:
            pass  # the client that sent it is gone, as a killed locust user is

    def log_message(self, *_args: object) -> None:
        return


class _Backlog(HTTPServer):
    request_queue_size = 64  # gunicorn's is 2048: the queued requests wait in it, not in connect()


def test_the_app_has_answered_its_queued_requests_when_the_drain_returns() -> None:
    _OneAtATime.handled = []
    server = _Backlog(("127.0.0.1", 0), _OneAtATime)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    host = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        # 20 users' requests queued at the server, their clients gone (the round stopped and killed them)
        for i in range(20):
            client = socket.create_connection(server.server_address)
            client.sendall(f"GET /page{i} HTTP/1.0\r\nHost: x\r\n\r\n".encode())
            client.close()
        assert len(_OneAtATime.handled) < 20
        started = time.monotonic()
        drain_app(host)
        waited = time.monotonic() - started
        # all 20 were answered before the drain's own request (a 404 counts: it was answered)
        assert _OneAtATime.handled == [*(f"/page{i}" for i in range(20)), "/echotune-ci-drain"]
        assert waited >= (20 - 3) * 0.05
    finally:
        server.shutdown()
        server.server_close()


class _LoginWall(BaseHTTPRequestHandler):
    """An app that sends every unknown path to its login form, as an Express app behind Passport does."""

    handled: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        _LoginWall.handled.append(self.path)
        self.send_response(200 if self.path == "/login" else 302)
        if self.path != "/login":
            self.send_header("Location", "/login")
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        return


def test_the_drain_is_no_page_load_of_the_app() -> None:
    # A GET of the root, its redirect followed, loaded the login form once more than the users did (a test
    # of csurf's session tokens counted 4 form loads for 3 users).
    _LoginWall.handled = []
    server = HTTPServer(("127.0.0.1", 0), _LoginWall)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        drain_app(f"http://127.0.0.1:{server.server_address[1]}")
        assert _LoginWall.handled == ["/echotune-ci-drain"]  # the redirect is an answer, not followed
    finally:
        server.shutdown()
        server.server_close()


def test_an_app_that_does_not_answer_is_left_after_the_timeout() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # accepts into the backlog, never answers
    try:
        started = time.monotonic()
        drain_app(f"http://127.0.0.1:{listener.getsockname()[1]}", timeout=0.5)
        assert 0.4 < time.monotonic() - started < 3
        drain_app("http://127.0.0.1:1", timeout=0.5)  # refused: nothing to wait for, no error
    finally:
        listener.close()


def test_a_round_counts_the_lookups_its_app_made_until_it_answered(redis_server) -> None:
    """The worker reads Redis' counters itself, at the round's measured start and once its app has
    answered (drain_app): the parent read them when it saw the round's events, up to a tenth of a second
    late, and the base's window took the head's next round's lookups. Counted on a real redis-server."""
    import redis

    from echotune_ci.phases.load.worker import redis_lookups

    url = f"redis://127.0.0.1:{redis_server.port}/1"
    client = redis.Redis.from_url(url)
    client.set("page", "x")
    start = redis_lookups(url, "start_")
    for _ in range(40):  # 20 page loads, two lookups each, as Django's cache_page makes
        client.get("page")
    client.get("absent")
    stop = redis_lookups(url, "stop_")
    assert stop["stop_hits"] - start["start_hits"] == 40 and stop["stop_misses"] - start["start_misses"] == 1
    assert start["start_run"] == stop["stop_run"]
    assert redis_lookups("redis://127.0.0.1:1/0", "start_") == {}  # not reachable: nothing, no error
