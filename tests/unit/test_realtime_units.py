"""[load.realtime] and [load.database] without servers: settings, plan, guard, metrics, messages."""

from __future__ import annotations

import pytest

from echotune_ci import masking
from echotune_ci.config import parse_config
from echotune_ci.config.sections import Budgets
from echotune_ci.errors import ConfigError
from echotune_ci.phases.load import database, realtime
from echotune_ci.phases.load.database import Statement, Window, describe_url, open_window, statement_metrics
from echotune_ci.phases.load.settings import DatabaseSettings, RealtimeSettings


def test_realtime_settings_parse_and_reach_the_worker_plan(tmp_path):
    from echotune_ci.phases.base import PhaseContext
    from echotune_ci.phases.load.plan import build_plan

    table = {"users": 10, "realtime": {"path": "/ws/x", "share": 0.3, "interval": "250ms"}}
    cfg = parse_config({"load": table}, "", "echotune.toml")
    rt = cfg.load.realtime
    assert (rt.path, rt.protocol, rt.share, rt.interval, rt.timeout) == ("/ws/x", "ws", 0.3, 0.25, 5.0)
    assert cfg.budgets.realtime_p95_ms == 100 and cfg.budgets.db_query_mean_ms == 50
    plan = build_plan(cfg.load, PhaseContext(base_url="http://127.0.0.1:8000", source="echotune.toml",
                                             artifacts_dir=tmp_path))
    assert plan.for_worker()["realtime"] == {
        "path": "/ws/x", "protocol": "ws", "share": 0.3, "message": '{"type": "ping", "id": "{id}"}',
        "reply": "{id}", "event": "ping", "namespace": "/", "interval": 0.25, "timeout": 5.0}
    assert build_plan(parse_config({}, "", "x.toml").load,
                      PhaseContext(base_url="http://127.0.0.1:1", source="x.toml",
                                   artifacts_dir=tmp_path)).for_worker()["realtime"] is None


@pytest.mark.parametrize(("table", "message"), [
    ({"path": "ws/x"}, "load.realtime.path' must start with '/'"),
    ({"path": "/ws", "protocol": "mqtt"}, "load.realtime.protocol"),
    ({"path": "/ws", "share": 1.5}, "load.realtime.share"),
])
def test_realtime_settings_refuse_bad_values(table, message):
    with pytest.raises(ConfigError, match=message.replace(".", r"\.").replace("'", ".?")):
        parse_config({"load": {"realtime": table}}, "", "echotune.toml")


def test_client_count_channel_url_and_entry_split():
    assert [realtime.client_count(u, 0.25) for u in (1, 3, 20, 1000)] == [1, 1, 5, 250]
    assert realtime.client_count(20, 0) == 0 and realtime.client_count(4, 1.0) == 4
    assert realtime.channel_url("http://127.0.0.1:8000", "/ws/now", "ws") == "ws://127.0.0.1:8000/ws/now"
    assert realtime.channel_url("https://app.test", "/ws", "ws") == "wss://app.test/ws"
    assert realtime.channel_url("http://127.0.0.1:8000/", "/socket.io", "socketio") == "http://127.0.0.1:8000"
    http, ws = realtime.split_entries([{"method": "GET"}, {"method": "WS"}, {"method": ""}])
    assert [e["method"] for e in http] == ["GET", ""] and [e["method"] for e in ws] == ["WS"]


def test_the_guard_checks_websocket_targets_too():
    from echotune_ci.phases.load import guard

    g = guard.RequestGuard(["127.0.0.1"], budget=2)
    g.admit("ws://127.0.0.1:8000/ws", guard.HostRefusedError)
    with pytest.raises(guard.HostRefusedError, match="not sent to ws://10.0.0.5:80: host 10.0.0.5 is not"):
        g.admit("ws://10.0.0.5/ws", guard.HostRefusedError)
    assert guard.origin("wss://Example.test/x") == ("wss", "example.test", 443)
    previous = guard._installed.get("guard")
    guard._installed["guard"] = g
    try:
        with pytest.raises(guard.HostRefusedError):
            guard.admit("wss://elsewhere.test/ws", guard.HostRefusedError)
        guard.admit("ws://127.0.0.1:1/ws", guard.HostRefusedError)
        assert g.sent == 2 and g.left == 0  # each connect and message takes one unit of the cap
    finally:
        guard._installed["guard"] = previous


def _entry(name, requests, failures, p50, p95, most):
    return {"method": "WS", "name": name, "requests": requests, "failures": failures, "p50": p50, "p95": p95,
            "p99": p95, "max": most, "avg": p50, "rps": 1.0}


def test_realtime_metrics_gate_the_round_trip_and_the_error_rate():
    settings = RealtimeSettings(path="/ws/np")
    rounds = [{"label": "head", "realtime": [_entry("/ws/np (connect)", 5, 1, 10, 30, 31),
                                             _entry("/ws/np (round trip)", 95, 1, 4, 120, 180)]}]
    metrics, notes = realtime.realtime_metrics(rounds, settings, Budgets())
    by = {m.name: m for m in metrics}
    assert all(m.labels == {"channel": "/ws/np"} for m in metrics)
    assert (by["realtime_rtt_p95_ms"].value, by["realtime_rtt_p95_ms"].budget) == (120, 100)
    assert by["realtime_rtt_p95_ms"].status == "fail"
    rate = by["realtime_error_rate_pct"]
    assert rate.value == pytest.approx(2.0) and rate.status == "fail"
    assert (by["realtime_connects"].value, by["realtime_messages"].value) == (5, 95)
    assert notes == ["realtime: 5 connects and 95 messages on /ws/np (ws), 2 failed"]
    loose = RealtimeSettings(path="/ws/np", error_rate_pct=5)
    by = {m.name: m for m in realtime.realtime_metrics(rounds, loose, Budgets(realtime_p95_ms=150))[0]}
    assert by["realtime_rtt_p95_ms"].status == "pass" and by["realtime_error_rate_pct"].status == "pass"


def test_no_completed_round_trip_is_an_error_not_a_pass():
    rounds = [{"label": "head", "realtime": [_entry("/ws (connect)", 3, 3, 5, 5, 5)]}]
    by = {m.name: m for m in realtime.realtime_metrics(rounds, RealtimeSettings(path="/ws"), Budgets())[0]}
    assert by["realtime_rtt_p95_ms"].value is None and by["realtime_rtt_p95_ms"].status == "error"
    assert "no message round trip completed" in by["realtime_rtt_p95_ms"].description
    assert by["realtime_error_rate_pct"].value == 100


def test_an_error_rate_without_a_message_has_no_value():
    # (connects, failed connects, messages, failed messages)
    assert realtime.error_rate(25, 0, 0, 0) is None  # every client connected, none sent a message
    assert realtime.error_rate(0, 0, 0, 0) is None  # no client connected
    assert realtime.error_rate(3, 3, 0, 0) == 100  # failed connects are measured failures
    assert realtime.error_rate(4, 1, 0, 0) == 25
    assert realtime.error_rate(0, 0, 40, 0) == 0  # clients that connected before the rounds measured
    assert realtime.error_rate(5, 0, 5, 5) == 50


def test_rounds_whose_messages_counted_nowhere_do_not_pass_a_zero_rate():
    # redis-developer/basic-redis-chat-app-demo-nodejs in run --base-ref: 5-s rounds, a 5-s acknowledgement
    # timeout and a server that never acknowledges: "25 connects and 0 messages ... 0 failed" passed
    # realtime_error_rate_pct = 0.00 %.
    from echotune_ci.config import defaults
    from echotune_ci.gate import evaluate
    from echotune_ci.report.layout import collect_warnings
    from echotune_ci.results import PhaseResult

    settings = RealtimeSettings(path="/socket.io", protocol="socketio")
    rounds = [{"label": "head", "realtime": [_entry("/socket.io (connect)", 5, 0, 9, 12, 13),
                                             _entry("/socket.io (round trip)", 0, 0, None, None, None)]}
              for _ in range(5)]
    metrics, notes = realtime.realtime_metrics(rounds, settings, Budgets(), "in 5 rounds of 5 s")
    rate = next(m for m in metrics if m.name == "realtime_error_rate_pct")
    assert (rate.value, rate.status, rate.budget) == (None, "warn", 1.0)
    why = ("25 connects and 0 messages on /socket.io in 5 rounds of 5 s (a message every 1 s once connected, "
           "each answered within 5 s or failed)")
    assert rate.description == f"not measured: {why}"
    assert notes[-1] == f"realtime: realtime_error_rate_pct not measured: {why}"
    result = PhaseResult("load", metrics=[rate], notes=notes)
    (check,) = evaluate([result], defaults()).checks
    assert check.status == "warn" and "not measured: 25 connects and 0 messages" in check.detail
    assert [w.text for w in collect_warnings([result])] == [notes[-1]]


def test_an_error_rate_without_any_client_says_none_connected():
    rounds = [{"label": "head", "realtime": []}]
    metrics, notes = realtime.realtime_metrics(rounds, RealtimeSettings(path="/ws"), Budgets())
    rate = next(m for m in metrics if m.name == "realtime_error_rate_pct")
    assert rate.value is None and rate.status == "warn"
    assert notes[-1] == ("realtime: realtime_error_rate_pct not measured: no client connected to /ws during "
                         "the test")


def test_database_settings_and_url_description():
    cfg = parse_config({"load": {"database": {"url_env": "DATABASE_URL", "slowest": 3}}}, "", "echotune.toml")
    assert (cfg.load.database.url_env, cfg.load.database.slowest, cfg.load.database.mean_ms) == (
        "DATABASE_URL", 3, None)
    url = "postgresql://app:s3cret-pw-123@db.internal:5433/music?sslmode=require"  # pragma: allowlist secret
    assert describe_url(url, "DATABASE_URL") == "$DATABASE_URL (db.internal:5433/music)"


def test_database_not_measured_without_the_variable_or_for_another_kind():
    unset = open_window(DatabaseSettings(url_env="DATABASE_URL"), env={})
    assert unset.error == "$DATABASE_URL is not set, so there is no database to read"
    metrics, notes, _ = database.close_window(unset, DatabaseSettings(url_env="DATABASE_URL"), Budgets())
    assert metrics[0].value is None and metrics[0].status == "error" and metrics[0].budget == 50
    assert notes == ["database: db_query_mean_ms not measured: $DATABASE_URL is not set, so there is no "
                     "database to read"]
    mongo = open_window(DatabaseSettings(url_env="DB"), env={"DB": "mongodb://u:mongo-pass-987@127.0.0.1/x"})
    assert "only PostgreSQL is measured" in mongo.error and "mongo-pass-987" not in mongo.error
    try:
        assert masking.mask("x mongo-pass-987 y") == "x *** y"  # the password is registered
    finally:
        masking.clear()


def test_statement_metrics_name_the_slowest_and_gate_its_mean():
    window = Window(where="$DATABASE_URL (127.0.0.1:5432/m)", reset=True)
    slow = Statement(7, "SELECT count(*)\n  FROM plays WHERE track_id = $1", 10, 1200.0, 310.0, 40.0)
    fast = Statement(3, "SELECT * FROM tracks WHERE id = $1", 400, 80.0, 2.0, 0.1)
    metrics, notes = statement_metrics([fast, slow], window, slowest=5, budget=50)
    worst = metrics[0]
    assert (worst.name, worst.value, worst.status, worst.labels) == ("db_query_mean_ms", 120.0, "fail", {})
    assert worst.description.endswith("SELECT count(*) FROM plays WHERE track_id = $1")
    listed = [m.labels["statement"] for m in metrics if m.name == "db_query_mean_ms" and m.labels]
    assert listed == ["SELECT count(*) FROM plays WHERE track_id = $1", "SELECT * FROM tracks WHERE id = $1"]
    assert notes[1] == ("database: 120.0 ms mean (max 310.0 ms, stddev 40.0 ms, 10 calls): "
                        "SELECT count(*) FROM plays WHERE track_id = $1")
    assert {m.name: m.value for m in metrics if not m.labels}["db_calls"] == 410
    empty, why = statement_metrics([], window, slowest=5, budget=50)
    assert empty[0].value is None and empty[0].status == "warn" and "no statement reached" in why[0]


def test_only_data_statements_are_listed():
    assert database._DML.match("SELECT 1") and database._DML.match("  with x as (select 1) select * from x")
    assert not database._DML.match("ALTER ROLE app PASSWORD 'x'")
    assert not database._DML.match("SET search_path")


def _project(root, deps, files):
    import json

    (root / "package.json").write_text(json.dumps({"name": "x", "scripts": {"start": "node server.js"},
                                                   "dependencies": deps}))
    for name, text in files.items():
        (root / name).write_text(text)
    return root


def test_init_detects_the_realtime_channel(tmp_path):
    from echotune_ci.project.init import app_setup, plan_files
    from echotune_ci.project.realtime import detect_realtime

    server = ("import http from 'node:http';\nconst LIVE = '/live/scores';\n"
              "http.createServer().listen(process.env.PORT);\n")
    (tmp_path / "ws").mkdir()
    ws = _project(tmp_path / "ws", {"express": "5", "ws": "8"}, {"server.js": server})
    assert detect_realtime(ws) == {"protocol": "ws", "path": "/live/scores",
                                   "source": "package.json: ws, server.js:2", "guess": ""}
    text = plan_files(ws, app_setup(ws), ref="main")["echotune.toml"]
    assert '[load.realtime]\npath = "/live/scores"\nprotocol = "ws"\n' in text
    (tmp_path / "sio").mkdir()
    sio = _project(tmp_path / "sio", {"socket.io": "4"}, {"server.js": server})
    assert detect_realtime(sio)["path"] == "/socket.io" and detect_realtime(sio)["protocol"] == "socketio"
    (tmp_path / "guess").mkdir()
    guess = _project(tmp_path / "guess", {"ws": "8"}, {"server.js": "require('http').createServer()\n"})
    text = plan_files(guess, app_setup(guess), ref="main")["echotune.toml"]
    assert "# check: the WebSocket path /ws is a guess" in text and 'path = "/ws"' in text
    (tmp_path / "none").mkdir()
    none = _project(tmp_path / "none", {"express": "5"}, {"server.js": server})
    assert detect_realtime(none) == {}
    assert "[load.realtime]" not in plan_files(none, app_setup(none), ref="main")["echotune.toml"]


def test_rounds_whose_clients_connected_before_measuring_have_no_connect_figures_not_errors():
    # Comparison rounds measure once every user is past its on_start; the realtime clients connect in
    # their first task, before the HTTP users' logins end, so a round can hold round trips and no connect.
    rounds = [{"label": "head", "realtime": [_entry("/ws (connect)", 0, 0, None, None, None),
                                             _entry("/ws (round trip)", 40, 0, 3, 9, 12)]}]
    metrics, notes = realtime.realtime_metrics(rounds, RealtimeSettings(path="/ws"), Budgets())
    names = {m.name for m in metrics}
    assert "realtime_connect_p95_ms" not in names and "realtime_connect_p50_ms" not in names
    assert all(m.status != "error" for m in metrics)
    assert "realtime: the clients connected to /ws before the rounds began to measure, so the connect time " \
           "has no figures" in notes


def test_a_websockets_package_others_bring_along_is_no_websocket(tmp_path):
    # msgs08/fastapi-example: a frozen requirements.txt lists websockets (uvicorn[standard] brings it) and
    # the app serves no WebSocket; init wrote [load.realtime] ws /ws and a check to remove it.
    from echotune_ci.project.realtime import detect_realtime

    api = ("from fastapi import FastAPI\napp = FastAPI()\n\n@app.get('/items/')\n"
           "def items():\n    return []\n")
    (tmp_path / "requirements.txt").write_text("fastapi==0.79.0\nuvicorn==0.18.2\nwebsockets==10.3\n")
    (tmp_path / "main.py").write_text(api)
    assert detect_realtime(tmp_path) == {}
    # a virtualenv by another name holds starlette's WebSocketRoute: no code of the app's
    (tmp_path / "env" / "lib" / "python3.11" / "site-packages" / "starlette").mkdir(parents=True)
    (tmp_path / "env" / "lib" / "python3.11" / "site-packages" / "starlette" / "routing.py").write_text(
        "class WebSocketRoute(BaseRoute):\n    pass\n")
    assert detect_realtime(tmp_path) == {}
    # the same app with a WebSocket route has one
    (tmp_path / "main.py").write_text(api + "\n@app.websocket('/ws/feed')\nasync def feed(ws):\n"
                                            "    await ws.accept()\n")
    assert detect_realtime(tmp_path) == {"protocol": "ws", "path": "/ws/feed", "guess": "",
                                         "source": "Python dependency websockets, main.py:8"}


def _rounds(label, trips_p95, connect_p95=20.0):
    return [{"label": label, "realtime": [_entry("/socket.io (connect)", 4, 0, 10, connect_p95, 40),
                                          _entry("/socket.io (round trip)", 20, 0, p95 / 2, p95, p95 + 5)]}
            for p95 in trips_p95]


def test_side_by_side_rounds_keep_one_figure_each_and_a_slower_handler_regresses():
    from echotune_ci.config.sections import GateSettings
    from echotune_ci.phases.load.compare import decide

    settings = RealtimeSettings(path="/socket.io", protocol="socketio", event="ping")
    base, _ = realtime.realtime_metrics(_rounds("base", [5.0, 6.0, 5.5, 6.5, 5.2]), settings, Budgets())
    slow = [155.0, 156.0, 158.0, 154.0, 157.0]
    head, _ = realtime.realtime_metrics(_rounds("head", slow), settings, Budgets())
    by = {m.name: m for m in head}
    assert by["realtime_rtt_p95_ms"].samples == slow and by["realtime_rtt_p95_ms"].value == 156.0
    assert by["realtime_error_rate_pct"].samples == [0.0] * 5
    assert by["realtime_connect_p95_ms"].samples == [20.0] * 5
    kept, findings, notes = decide(base, head, GateSettings(), 0.5, 5)
    assert by["realtime_rtt_p95_ms"].baseline == 5.5
    assert {m.labels.get("build") for m in kept} == {"base"} and len(kept) == len(base)
    assert [f.rule_id for f in findings] == ["load.regression.realtime_rtt_p95_ms"]
    assert notes[0].startswith("real-time round trip p95 regressed against base: 5.5 ms -> 156 ms")
    # the same handler on both sides: no finding
    same, _ = realtime.realtime_metrics(_rounds("head", [5.1, 6.1, 5.6, 6.4, 5.3]), settings, Budgets())
    _, findings, notes = decide(base, same, GateSettings(), 0.5, 5)
    assert findings == [] and "no significant change" in notes[0]


def test_a_single_run_keeps_no_samples():
    settings = RealtimeSettings(path="/socket.io", protocol="socketio", event="ping")
    metrics, _ = realtime.realtime_metrics(_rounds("head", [7.0]), settings, Budgets())
    assert all(m.samples == [] for m in metrics)


def test_init_polls_the_handshake_of_a_server_that_answers_only_socketio(tmp_path):
    from echotune_ci.project.init import app_setup, plan_files

    only = ("const express = require('express');\nconst app = express();\n"
            "const io = require('socket.io')(app.listen(process.env.PORT || 4000));\n"
            "io.on('connection', (s) => s.on('ping', (data, ack) => ack(data)));\n")
    (tmp_path / "only").mkdir()
    sio = _project(tmp_path / "only", {"express": "4", "socket.io": "2"}, {"index.js": only})
    app = app_setup(sio)
    assert (app.ready_path, app.has_root) == ("/socket.io/?EIO=4&transport=polling", False)
    assert "frontend" not in app.phases
    assert [d.value for d in app.decisions if d.key == "ready_url"] == ["/socket.io/?EIO=4&transport=polling"]
    text = plan_files(sio, app, ref="main")["echotune.toml"]
    assert 'ready_url = "http://127.0.0.1:{port}/socket.io/?EIO=4&transport=polling"' in text
    assert '[[load.endpoints]]\npath = "/socket.io/?EIO=4&transport=polling"' in text
    assert "[[frontend.pages]]" not in text
    # A route of any method, or static files, answer besides Socket.IO: "/" stays as init found it
    for extra in ("app.post('/api/messages', (req, res) => res.end());\n",
                  "app.use(express.static('dist'));\n"):
        (tmp_path / "more").mkdir(exist_ok=True)
        more = _project(tmp_path / "more", {"express": "4", "socket.io": "4"}, {"index.js": only + extra})
        assert app_setup(more).ready_path == "/", extra


def test_a_handshake_carries_the_apps_origin_the_session_cookies_and_the_token():
    from http.cookiejar import Cookie, CookieJar

    def cookie(name: str, value: str | None) -> Cookie:
        return Cookie(0, name, value, None, False, "127.0.0.1", False, False, "/", True, False, None, True,
                      None, None, {})

    jar = CookieJar()
    for name, value in (("sessionid", "abc"), ("csrftoken", "t0k"), ("flag", None)):
        jar.set_cookie(cookie(name, value))
    headers = realtime.handshake_headers(jar, {"Authorization": "Bearer x"})
    assert headers["Authorization"] == "Bearer x"
    assert sorted(headers["Cookie"].split("; ")) == ["csrftoken=t0k", "sessionid=abc"]
    assert realtime.handshake_headers(None, {}) == {}
    assert realtime.own_origin("ws://127.0.0.1:8000/ws/chat/") == "http://127.0.0.1:8000"
    assert realtime.own_origin("wss://app.test/ws") == "https://app.test"


@pytest.mark.parametrize(("spec", "measured"), [
    ("2.3.0", False), ("^2.4.0", False), ("~1.7.4", False), ("2.x", False),
    ("^4.6.1", True), ("3.0.0", True), ("latest", True),
])
def test_init_leaves_out_the_round_trip_of_a_socket_io_2_server(tmp_path, spec, measured):
    # excalidraw-room (socket.io 2.3.0, then 2.4.0; "server-broadcast" acknowledged): python-socketio 5.18
    # timed no round trip of either (2.3.0 connected and never acknowledged, 2.4.0 refused the connection),
    # and its 4.6.1 was measured
    from echotune_ci.project.init import app_setup

    server = ("const app = require('express')();\nconst server = require('http').createServer(app);\n"
              "app.get('/', (req, res) => res.send('up'));\nconst io = require('socket.io')(server);\n"
              "io.on('connection', (socket) => socket.on('server-broadcast', (data, ack) => ack(data)));\n"
              "server.listen(process.env.PORT);\n")
    app = app_setup(_project(tmp_path, {"express": "4.17.1", "socket.io": spec}, {"server.js": server}))
    assert bool(app.realtime) is measured
    said = " ".join(app.checks.get("realtime", []))
    assert ("is Socket.IO 2 or older" in said) is not measured


def test_connects_that_all_failed_give_no_connect_time():
    # excalidraw-room at adc2742 (socket.io 2.4.0) against python-socketio 5.18: 125 connects, 125 failed in
    # 5.3 ms (p50); its base (2.3.0) connected in 18.1 ms, and the head's figure read "-71 %, improved"
    settings = RealtimeSettings(path="/socket.io", protocol="socketio", event="server-broadcast")
    head = [{"label": "head", "realtime": [_entry("/socket.io (connect)", 125, 125, 5.253, 9.981, 37)]}]
    by = {m.name: m for m in realtime.realtime_metrics(head, settings, Budgets())[0]}
    assert by["realtime_connect_p50_ms"].value is None and by["realtime_connect_p95_ms"].value is None
    assert by["realtime_connect_p50_ms"].description == "no connect succeeded during the test"
    assert by["realtime_connects"].value == 125 and by["realtime_error_rate_pct"].value == 100.0
    # one connect of the 125 that succeeded keeps the figures
    head[0]["realtime"][0]["failures"] = 124
    by = {m.name: m for m in realtime.realtime_metrics(head, settings, Budgets())[0]}
    assert by["realtime_connect_p50_ms"].value == 5.253
