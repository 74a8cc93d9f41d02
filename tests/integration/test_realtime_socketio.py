"""Real-time latency over Socket.IO: python-socketio's client against a real python-socketio server.

The server (threading mode, served by werkzeug with its WebSocket support) acknowledges the "ping" event
with the data it got; "slow-ping" waits 150 ms first. The acknowledgement is the reply the clients time.
"message" is never acknowledged (as redis-developer/basic-redis-chat-app-demo-nodejs's handler, which
takes no callback); the server counts the ones it received.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator

import pytest

from support.load_support import load, write_config
from support.stalls import stalled

RECEIVED: Counter[str] = Counter()  # event name -> messages the server received


@pytest.fixture(scope="module")
def socketio_url() -> Iterator[str]:
    yield from _serve(ping_delay=0.0)


@pytest.fixture(scope="module")
def slow_socketio_url() -> Iterator[str]:
    """The same server whose "ping" handler waits 150 ms (a pull request that slowed it)."""
    yield from _serve(ping_delay=0.15)


def _serve(ping_delay: float) -> Iterator[str]:
    import socketio
    from werkzeug.serving import make_server

    sio = socketio.Server(async_mode="threading")

    @sio.on("ping")
    def ping(sid, data):
        if ping_delay:
            time.sleep(ping_delay)
        return {"pong": data}

    @sio.on("slow-ping")
    def slow_ping(sid, data):
        time.sleep(0.15)
        return {"pong": data}

    # Flask-SocketIO-Chat's handlers are all in /chat: its "text" is delivered only to an emit there
    @sio.on("text", namespace="/chat")
    def chat_text(sid, data):
        return {"chat": data}

    @sio.on("message")
    def message(sid, data):
        RECEIVED["message"] += 1
        # python-socketio acknowledges whatever a handler returns, None included, unless it is the server's
        # "no handler" marker: this handler counts the message and sends no acknowledgement.
        return sio.not_handled

    app = socketio.WSGIApp(sio)

    def closing(environ, start_response):
        # Once a WebSocket ends, werkzeug reads the client's close frame as a new HTTP request and keeps the
        # TCP connection, so websocket-client's close waits its whole 3 s for the server's close frame at
        # every client's end (every round's). Servers such as Node's ws or uvicorn close the connection.
        try:
            return app(environ, start_response)
        finally:
            sock = environ.get("werkzeug.socket")
            if sock is not None and environ.get("HTTP_UPGRADE", "").lower() == "websocket":
                with contextlib.suppress(OSError):  # the client may have closed it first
                    sock.shutdown(socket.SHUT_RDWR)

    server = make_server("127.0.0.1", 0, closing, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


CONFIG = """
[load]
users = 3
spawn_rate = 3
duration = "3s"
[load.realtime]
path = "/socket.io"
protocol = "socketio"
share = 1.0
interval = "0.2s"
event = "{event}"
message = '{{"id": "{{id}}"}}'
"""


def _metric(result, name):
    found = [m for m in result.metrics if m.name == name and m.labels == {"channel": "/socket.io"}]
    assert len(found) == 1, [m.key for m in result.metrics]
    return found[0]


def test_socketio_acknowledgements_are_timed(socketio_url, tmp_path, load_env):
    write_config(tmp_path, CONFIG.format(event="ping"))
    proc, result = load(load_env, tmp_path, "--host", socketio_url)
    if stalled(proc, tmp_path / "results" / "load.json"):
        proc, result = load(load_env, tmp_path, "--host", socketio_url, output="again/load.json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    p95 = _metric(result, "realtime_rtt_p95_ms")
    assert p95.status == "pass" and 0 < p95.value <= 100
    assert _metric(result, "realtime_connects").value == 3
    assert 20 <= _metric(result, "realtime_messages").value <= 48  # 3 clients, every 0.2 s, ~3 s
    assert _metric(result, "realtime_error_rate_pct").value == 0
    assert "realtime: 3 connects" in result.notes[-1] and "(socketio)" in result.notes[-1]


def test_the_event_is_emitted_in_the_namespace_its_handler_is_in(socketio_url, tmp_path, load_env):
    # Flask-SocketIO-Chat with a ping handler in /chat (its handlers' namespace): the clients connected to and
    # emitted in "/", and 20 of 20 messages failed "no acknowledgement within 5s". Emitted in /chat, they
    # are acknowledged; emitted in "/", where no handler has the event, none is.
    # (what is checked is where the messages go: a round-trip budget no stall reaches, since a p95 of
    # about 40 round trips rests on its 2 slowest, and a fresh clone's run once had one of 149 ms)
    write_config(tmp_path, CONFIG.format(event="text") + 'namespace = "/chat"\n\n[budgets]\n'
                                                          'realtime_p95_ms = 5000\n')
    proc, result = load(load_env, tmp_path, "--host", socketio_url)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert _metric(result, "realtime_error_rate_pct").value == 0
    assert _metric(result, "realtime_messages").value >= 20
    write_config(tmp_path, CONFIG.format(event="text").replace('"0.2s"', '"1s"') + 'timeout = "1s"\n')
    proc, result = load(load_env, tmp_path, "--host", socketio_url, output="root/load.json")
    assert proc.returncode == 1
    messages = _metric(result, "realtime_messages").value
    assert messages >= 3 and f"{messages:g} failed" in " ".join(result.notes)


def test_a_slow_acknowledgement_fails_the_budget(socketio_url, tmp_path, load_env):
    write_config(tmp_path, CONFIG.format(event="slow-ping"))
    proc, result = load(load_env, tmp_path, "--host", socketio_url)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    p95 = _metric(result, "realtime_rtt_p95_ms")
    assert p95.status == "fail" and p95.value >= 150


UNANSWERED = """
[load]
users = 2
spawn_rate = 20
duration = "3s"
[load.realtime]
path = "/socket.io"
protocol = "socketio"
share = 1.0
interval = "0.2s"
event = "message"
timeout = "1s"
message = '{"id": "{id}"}'
"""


def test_a_message_never_acknowledged_counts_failed_at_the_end_of_a_run(socketio_url, tmp_path, load_env):
    # Each client's last message was still waiting for its acknowledgement when the 3 s ended: locust
    # killed its user and the message counted nowhere (2 connects, 4 of the 6 messages: 66.7 %). It counts
    # now, as failed (75 %), like every message the server received.
    write_config(tmp_path, UNANSWERED)
    RECEIVED.clear()
    proc, result = load(load_env, tmp_path, "--host", socketio_url)
    # the rate fails and the p95 has no value (an error): a failure wins (exit 1)
    assert proc.returncode == 1 and result.status == "error", proc.stdout + proc.stderr
    messages = _metric(result, "realtime_messages").value
    assert messages >= 4 and messages == RECEIVED["message"], (messages, RECEIVED, result.notes)
    rate = _metric(result, "realtime_error_rate_pct")
    assert rate.status == "fail" and rate.value == pytest.approx(messages / (messages + 2) * 100)
    assert f"2 connects and {messages:g} messages on /socket.io (socketio), {messages:g} failed" in \
        " ".join(result.notes)


def test_a_message_never_acknowledged_fails_rounds_as_short_as_its_timeout(socketio_url, tmp_path, load_env):
    # run --base-ref's comparison rounds (here 1 s, the acknowledgement timeout's length): each client's
    # one message of a round was still waiting when the round ended, so the head had "2 connects and 0
    # messages, 0 failed" per round and passed realtime_error_rate_pct = 0.00 %. Each round now waits for
    # the pending acknowledgement (up to the timeout), and the unanswered message fails the rate.
    write_config(tmp_path, UNANSWERED)
    started = time.monotonic()
    proc, result = load(load_env, tmp_path, "--host", socketio_url, "--base-host", socketio_url,
                        "--rounds", "2", "--round-duration", "1s")
    assert proc.returncode == 1, proc.stdout + proc.stderr  # the rate fails (and the p95 has no value)
    messages = _metric(result, "realtime_messages").value
    assert messages >= 4, result.notes  # 2 clients x 2 head rounds, at least one message each
    rate = _metric(result, "realtime_error_rate_pct")
    assert rate.value is not None and rate.value >= 50 and rate.status == "fail", rate
    assert f"{messages:g} messages on /socket.io (socketio), {messages:g} failed" in " ".join(result.notes)
    assert time.monotonic() - started < 30


def test_a_slower_acknowledgement_is_a_regression_against_the_base(socketio_url, slow_socketio_url, tmp_path,
                                                                   load_env):
    # Side by side, the base's clients are measured in the base's rounds and the round trip is decided.
    write_config(tmp_path, CONFIG.format(event="ping"))
    proc, result = load(load_env, tmp_path, "--host", slow_socketio_url, "--base-host", socketio_url,
                        "--rounds", "5", "--round-duration", "2s")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    head = _metric(result, "realtime_rtt_p95_ms")
    assert len(head.samples) == 5 and min(head.samples) >= 150
    base = [m for m in result.metrics if m.name == "realtime_rtt_p95_ms" and m.labels.get("build") == "base"]
    assert len(base) == 1 and len(base[0].samples) == 5 and head.baseline == base[0].value < 150
    assert [f.rule_id for f in result.findings] == ["load.regression.realtime_rtt_p95_ms"]
    assert any(n.startswith("real-time round trip p95 regressed against base: ") for n in result.notes)
