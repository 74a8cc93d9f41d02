"""Real-time latency over Socket.IO: python-socketio's client against a real python-socketio server.

The server (threading mode, served by werkzeug with its WebSocket support) acknowledges the "ping" event
with the data it got; "slow-ping" waits 150 ms first. The acknowledgement is the reply the clients time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from support.load_support import load, write_config


@pytest.fixture(scope="module")
def socketio_url() -> Iterator[str]:
    import socketio
    from werkzeug.serving import make_server

    sio = socketio.Server(async_mode="threading")

    @sio.on("ping")
    def ping(sid, data):
        return {"pong": data}

    @sio.on("slow-ping")
    def slow_ping(sid, data):
        time.sleep(0.15)
        return {"pong": data}

    server = make_server("127.0.0.1", 0, socketio.WSGIApp(sio), threaded=True)
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
    assert proc.returncode == 0, proc.stdout + proc.stderr
    p95 = _metric(result, "realtime_rtt_p95_ms")
    assert p95.status == "pass" and 0 < p95.value <= 100
    assert _metric(result, "realtime_connects").value == 3
    assert 20 <= _metric(result, "realtime_messages").value <= 48  # 3 clients, every 0.2 s, ~3 s
    assert _metric(result, "realtime_error_rate_pct").value == 0
    assert "realtime: 3 connects" in result.notes[-1] and "(socketio)" in result.notes[-1]


def test_a_slow_acknowledgement_fails_the_budget(socketio_url, tmp_path, load_env):
    write_config(tmp_path, CONFIG.format(event="slow-ping"))
    proc, result = load(load_env, tmp_path, "--host", socketio_url)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    p95 = _metric(result, "realtime_rtt_p95_ms")
    assert p95.status == "fail" and p95.value >= 150
