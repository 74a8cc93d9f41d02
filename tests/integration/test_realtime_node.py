"""Real-time latency during the load test: WebSocket clients of the Node example's /ws/now-playing.

The clients are locust users of the same test ([load.realtime]): their connects and round trips are
locust requests of type WS, measured apart from the HTTP total. Normal mode answers a ping at once;
ECHOTUNE_REGRESS=1 waits 150 ms per message, over budgets.realtime_p95_ms (100 ms). A server that
drops every connection after one reply shows as an error/disconnect rate.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.load_support import load, total, write_config
from support.node_example import node_example_installed
from support.stalls import stalled
from test_node_example import EXAMPLE, NodeServer

CONFIG = """
[load]
users = 8
spawn_rate = 8
duration = "5s"
wait_min = "0.1s"
wait_max = "0.3s"

[[load.endpoints]]
name = "/api/tracks/{id}"
path = "/api/tracks/{int:1-2000}"

[load.realtime]
path = "/ws/now-playing"
share = 0.5
interval = "0.25s"
message = '{"type": "ping", "id": "{id}"}'
reply = '"id":"{id}"'
"""


@pytest.fixture(scope="module")
def server_copy(tmp_path_factory) -> Path:
    """A copy of the example's server, its node_modules linked to the example's own install (shared with
    the other measuring files: one `npm ci` for them all)."""
    dest = tmp_path_factory.mktemp("rt-node") / "musicapp-node"
    shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns("node_modules", "dist", ".echotune"))
    (dest / "node_modules").symlink_to(node_example_installed(), target_is_directory=True)
    return dest


@pytest.fixture(scope="module")
def node(server_copy, tmp_path_factory) -> Iterator[NodeServer]:
    server = NodeServer(server_copy, tmp_path_factory.mktemp("rt-normal") / "server.log")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def node_regress(server_copy, tmp_path_factory) -> Iterator[NodeServer]:
    server = NodeServer(server_copy, tmp_path_factory.mktemp("rt-regress") / "server.log",
                        ECHOTUNE_REGRESS="1")
    yield server
    server.stop()


def _channel(result, name):
    found = [m for m in result.metrics if m.name == name]
    assert len(found) == 1 and found[0].labels == {"channel": "/ws/now-playing"}, [m.key for m in found]
    return found[0]


def test_round_trip_measured_with_the_http_load(node, tmp_path, load_env):
    write_config(tmp_path, CONFIG)
    proc, result = load(load_env, tmp_path, "--host", node.url)
    if stalled(proc, tmp_path / "results" / "load.json"):
        proc, result = load(load_env, tmp_path, "--host", node.url, output="again/load.json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    p95 = _channel(result, "realtime_rtt_p95_ms")
    assert p95.status == "pass" and p95.budget == 100 and 0 < p95.value <= 100
    assert _channel(result, "realtime_rtt_p50_ms").value <= p95.value
    assert _channel(result, "realtime_connect_p95_ms").value > 0
    # 4 of the 8 users are clients: each connects once and sends a message every 0.25 s for ~5 s
    assert _channel(result, "realtime_connects").value == 4
    assert 40 <= _channel(result, "realtime_messages").value <= 84
    assert _channel(result, "realtime_error_rate_pct").value == 0
    # the HTTP total is the HTTP requests alone
    http = [m for m in result.metrics if m.name == "requests" and m.labels]
    assert [m.labels["endpoint"] for m in http] == ["GET /api/tracks/{id}"]
    assert total(result, "requests").value == http[0].value
    stats = (tmp_path / "results" / "artifacts" / "load" / "load_stats.csv").read_text()
    assert "WS,/ws/now-playing (round trip)" in stats and "WS,/ws/now-playing (connect)" in stats


def test_a_slow_reply_fails_the_realtime_budget_in_regress_mode(node_regress, tmp_path, load_env):
    write_config(tmp_path, CONFIG)
    proc, result = load(load_env, tmp_path, "--host", node_regress.url)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    p95 = _channel(result, "realtime_rtt_p95_ms")
    assert p95.status == "fail" and p95.value >= 150
    assert _channel(result, "realtime_rtt_p50_ms").value >= 150
    assert "FAIL realtime_rtt_p95_ms" in proc.stdout


def test_dropped_connections_count_as_errors(tmp_path, load_env):
    from websockets.sync.server import serve

    def one_reply_then_close(ws) -> None:
        ws.send(ws.recv())  # an echo, then the server hangs up
        ws.close(1011, "going away")

    with serve(one_reply_then_close, "127.0.0.1", 0) as server:
        port = server.socket.getsockname()[1]
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        write_config(tmp_path, """
[load]
users = 2
spawn_rate = 2
duration = "3s"
[load.realtime]
path = "/echo"
share = 1.0
interval = "0.2s"
""")
        proc, result = load(load_env, tmp_path, "--host", f"http://127.0.0.1:{port}")
        server.shutdown()
    assert proc.returncode == 1, proc.stdout + proc.stderr
    rate = _channel_named(result, "realtime_error_rate_pct", "/echo")
    assert rate.status == "fail" and 25 <= rate.value <= 60  # every other exchange meets a closed connection
    assert _channel_named(result, "realtime_connects", "/echo").value >= 4
    failures = [f for f in result.findings if f.properties.get("endpoint") == "WS /echo (round trip)"]
    assert failures and "connection closed by the server (code 1011)" in failures[0].message
    assert not [m for m in result.metrics if m.name == "requests"]  # no HTTP user: no HTTP figures


def _channel_named(result, name, channel):
    found = [m for m in result.metrics if m.name == name and m.labels == {"channel": channel}]
    assert len(found) == 1, [m.key for m in result.metrics]
    return found[0]
