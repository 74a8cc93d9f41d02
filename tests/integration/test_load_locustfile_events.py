"""A locustfile's own module-level listeners on ``locust.events`` fire as under ``locust -f F --headless``.

The locustfile below registers, at import, listeners of init, test_start, spawning_complete, request,
test_stop and quitting that append one JSON line per event to a file. Locust's own behaviour
(locust/main.py, runners.py) is the reference: ``init`` once per process after its runner exists
(a master and each worker alike), ``test_start`` and ``test_stop`` around each test, ``request`` for each
request a process sends, ``quitting`` once at the end. Two loopback servers count the requests they get.

Each round's count from the locustfile's request listener, taken after spawning_complete (it fires
right before the round's statistics reset, in the same call), equals the round's reported ``requests``,
and the listener's whole count (ramp-up too) equals what the server received, less at most one request
per round cut off by the end of the round (one user: its requests go one after another). At each
test_start the locustfile also writes how many listeners every hook of ``locust.events`` has: the same in
every round, or the toolkit's own per-round listeners piled up on the process's global events.
"""

from __future__ import annotations

import contextlib

import json
import threading
import time
from pathlib import Path

import pytest
from support import local_server
from support.load_support import load, total, write_config

pytestmark = pytest.mark.slow

LOCUSTFILE = """
import json
import os

from locust import FastHttpUser, constant, events, task
from locust.event import EventHook

OUT = {out!r}
_round = {{"all": 0, "after_spawn": 0, "spawned": False}}


def _write(**fields):
    with open(OUT, "a", encoding="utf-8") as fh:
        fh.write(json.dumps({{"pid": os.getpid(), **fields}}) + "\\n")


@events.init.add_listener
def on_init(environment, runner, **_kw):
    _write(event="init", runner=type(runner).__name__, same=environment.events is events)


@events.test_start.add_listener
def on_test_start(environment, **_kw):
    _round.update(all=0, after_spawn=0, spawned=False)
    listeners = {{name: len(hook._handlers) for name, hook in vars(events).items()
                 if isinstance(hook, EventHook)}}
    _write(event="test_start", host=environment.host, runner=type(environment.runner).__name__,
           listeners=listeners)


@events.spawning_complete.add_listener
def on_spawning_complete(user_count, **_kw):
    _round["spawned"] = True


@events.request.add_listener
def on_request(request_type, name, response_time, exception, **_kw):
    _round["all"] += 1
    if _round["spawned"]:
        _round["after_spawn"] += 1


@events.test_stop.add_listener
def on_test_stop(environment, **_kw):
    _write(event="test_stop", host=environment.host, runner=type(environment.runner).__name__,
           requests=_round["all"], after_spawn=_round["after_spawn"])


@events.quitting.add_listener
def on_quitting(environment, **_kw):
    _write(event="quitting", runner=type(environment.runner).__name__)


class Hitter(FastHttpUser):
    wait_time = constant(0.01)

    @task
    def hit(self):
        self.client.get("/hit", name="/hit")
"""

CONFIG = """
[load]
users = {users}
spawn_rate = 50
duration = "1s"
"""


def _counting_server():
    """A keep-alive server answering every GET; ``handler.hits`` counts those of /hit (the toolkit's own
    reachability check of the host asks for another path)."""

    class Counter(local_server.KeepAliveOk):
        hits = 0
        lock = threading.Lock()

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            if self.path == "/hit":
                with self.lock:
                    type(self).hits += 1
            self.answer_ok()

    return local_server.start(Counter), Counter


@pytest.fixture()
def servers():
    started = [_counting_server() for _ in range(2)]
    yield started
    for server, _handler in started:
        local_server.stop(server)


def _events(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _setup(tmp_path: Path, users: int) -> Path:
    logged = tmp_path / "events.jsonl"
    (tmp_path / "locustfile.py").write_text(LOCUSTFILE.format(out=str(logged)), encoding="utf-8")
    write_config(tmp_path, CONFIG.format(users=users))
    return logged


def test_listeners_fire_in_every_comparison_round_without_piling_up(servers, tmp_path, load_env):
    (base, base_handler), (head, head_handler) = servers
    logged = _setup(tmp_path, users=1)
    base_url, head_url = local_server.url(base), local_server.url(head)
    proc, result = load(load_env, tmp_path, "--locustfile", "locustfile.py", "--host", head_url,
                        "--base-host", base_url, "--rounds", "2", "--round-duration", "0.5s")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    events = _events(logged)
    assert len({e["pid"] for e in events}) == 1  # one local locust process runs every round
    # init first and once, quitting last and once; a test_start and a test_stop around each round.
    assert events[0] == {"pid": events[0]["pid"], "event": "init", "runner": "LocalRunner", "same": True}
    assert events[-1]["event"] == "quitting" and [e["event"] for e in events[1:-1]] == \
        ["test_start", "test_stop"] * 6
    starts = [e for e in events if e["event"] == "test_start"]
    stops = [e for e in events if e["event"] == "test_stop"]
    # Two warm-ups, then base/head pairs in alternating order.
    assert [e["host"] for e in starts] == [base_url, head_url, base_url, head_url, head_url, base_url]
    assert [e["host"] for e in stops] == [e["host"] for e in starts]
    # The round's own listeners (locust's runner's, the Stopper's, the exact times', the clock's) are gone
    # before the next round adds its own: every round of a kind starts with as many listeners on every
    # hook (a measured round has one more on spawning_complete, the clock that starts after the ramp-up).
    counts = [e["listeners"] for e in starts]
    assert counts[0] == counts[1] and all(c == counts[2] for c in counts[2:]), counts
    assert len({c["request"] for c in counts}) == 1, counts
    measured = stops[2:]
    assert all(e["after_spawn"] >= 5 for e in measured), measured
    # Reported per round: exactly what the locustfile saw after all users were spawned.
    def seen(url: str) -> list[float]:
        return [float(e["after_spawn"]) for e in measured if e["host"] == url]

    assert total(result, "requests").samples == seen(head_url)
    assert result.metric("requests", build="base").samples == seen(base_url)
    assert total(result, "error_rate_pct").value == 0
    # Every request the servers answered was heard once by the request listener (warm-ups included),
    # but for at most one request per round that the end of the round cut off.
    for url, handler in ((base_url, base_handler), (head_url, head_handler)):
        heard = sum(e["requests"] for e in stops if e["host"] == url)
        assert heard <= handler.hits <= heard + 3, (url, heard, handler.hits)


def test_master_and_workers_fire_the_locustfiles_listeners(servers, tmp_path, load_env):
    (server, handler), _unused = servers
    logged = _setup(tmp_path, users=2)
    proc, result = load(load_env, tmp_path, "--locustfile", "locustfile.py",
                        "--host", local_server.url(server), "--processes", "2")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    events = _events(logged)
    by_pid: dict[int, list[dict]] = {}
    for e in events:
        by_pid.setdefault(e["pid"], []).append(e)
    runners = sorted(e["runner"] for e in events if e["event"] == "init")
    assert runners == ["MasterRunner", "WorkerRunner", "WorkerRunner"]  # once per process
    for mine in by_pid.values():
        # Each process: init, the test's start and stop, then quitting.
        assert [e["event"] for e in mine] == ["init", "test_start", "test_stop", "quitting"], mine
    workers = [e for e in events if e["event"] == "test_stop" and e["runner"] == "WorkerRunner"]
    assert all(e["requests"] > 0 for e in workers), workers  # each worker sent some, and heard them
    heard = sum(e["requests"] for e in workers)
    # The master counts what its workers reported; the servers got what they sent (less any cut off).
    assert 0 < total(result, "requests").value <= heard <= handler.hits <= heard + 2


def test_a_failing_init_listener_stops_the_test_as_locust_does(servers, tmp_path, load_env):
    (server, handler), _unused = servers
    (tmp_path / "locustfile.py").write_text(
        "from locust import FastHttpUser, events, task\n\n\n"
        "@events.init.add_listener\n"
        "def seed(environment, **_kw):\n"
        "    raise RuntimeError('no seed data')\n\n\n"
        "class Hitter(FastHttpUser):\n"
        "    @task\n"
        "    def hit(self):\n"
        "        self.client.get('/hit')\n", encoding="utf-8")
    write_config(tmp_path, CONFIG.format(users=1))
    proc, _result = load(load_env, tmp_path, "--locustfile", "locustfile.py",
                         "--host", local_server.url(server))
    # locust -f exits at once when an init listener raises; here that is the locustfile's error (exit 2).
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert ("locustfile.py: a listener of locust's init event raised an exception (see locust.log)"
            in proc.stderr), proc.stderr
    assert handler.hits == 0


LOGIN_CONFIG = """
[load]
users = 4
spawn_rate = 100
wait_min = "0.01s"
wait_max = "0.02s"

[load.login]
path = "/login"
json = { username = "u", password = "p" }

[[load.endpoints]]
path = "/hit"
"""


def _login_server(login_s: float, serial: bool = False):
    """A keep-alive server whose POST /login takes *login_s* seconds and answers a token (with *serial*,
    one login at a time, as password hashing on a busy CPU); GET answers at once. ``handler.logins``
    counts the logins."""

    class Slow(local_server.KeepAliveOk):
        logins = 0
        lock = threading.Lock()
        one_at_a_time = threading.Lock()

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            self.answer_ok()

        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with self.lock:
                type(self).logins += 1
            with self.one_at_a_time if serial else contextlib.nullcontext():
                time.sleep(login_s)
            self.answer(b'{"access_token": "t"}', "application/json")

    return local_server.start(Slow), Slow


def test_comparison_rounds_measure_after_every_users_login(tmp_path, load_env):
    # Every user logs in when it starts (locust's on_start), after locust's spawning_complete. A round that
    # measured from spawning_complete counted each round's burst of slow logins (4 of a few hundred
    # requests, each 150 ms where /hit takes under 10): the round's p99 was theirs. (4 users: 8 connecting
    # at once to both servers overflowed http.server's listen backlog of 5, and a dropped SYN waits 1 s.)
    servers = [_login_server(0.15) for _ in range(2)]
    try:
        (base, base_handler), (head, head_handler) = servers
        write_config(tmp_path, LOGIN_CONFIG)
        proc, result = load(load_env, tmp_path, "--host", local_server.url(head), "--base-host",
                            local_server.url(base), "--rounds", "2", "--round-duration", "1s")
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert result is not None
        # Every user of every round (2 warm-ups, 2 measured rounds per build) logged in ...
        assert base_handler.logins == head_handler.logins == 4 * 3
        # ... and no measured round of either build has a login in it: only /hit has figures.
        endpoints = {m.labels.get("endpoint") for m in result.metrics if "endpoint" in m.labels}
        assert endpoints == {"GET /hit"}
        requests = [m for m in result.metrics if m.name == "requests" and "endpoint" not in m.labels]
        assert [m.labels for m in requests] == [{}, {"build": "base"}]
        assert all(len(m.samples) == 2 and min(m.samples) > 0 for m in requests)
        assert "POST /login: sent only as users started (their on_start), before each round began to " \
               "measure, so it has no figures" in result.notes
    finally:
        for server, _handler in servers:
            local_server.stop(server)


def test_logins_slower_than_a_round_still_end_before_it_measures(tmp_path, load_env):
    """Logins one at a time, 0.6 s each: the 4 users of a round take 2.4 s to start, longer than the 1.5-s
    round, whose wait for them ended at its length, so the last logins were measured (a Django Channels
    chat's 20 users took 6 s, and their logins' p95 hid a planted regression). The wait goes on while users
    keep starting. (0.4 s in a 1-s round left 0.6 s between two logins, which a fresh clone's CI run beside
    another suite, load average 9, exceeded once.)"""
    servers = [_login_server(0.6, serial=True) for _ in range(2)]
    try:
        (base, base_handler), (head, head_handler) = servers
        write_config(tmp_path, LOGIN_CONFIG)
        proc, result = load(load_env, tmp_path, "--host", local_server.url(head), "--base-host",
                            local_server.url(base), "--rounds", "2", "--round-duration", "1.5s")
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert result is not None
        assert base_handler.logins == head_handler.logins == 4 * 3
        endpoints = {m.labels.get("endpoint") for m in result.metrics if "endpoint" in m.labels}
        assert endpoints == {"GET /hit"}
    finally:
        for server, _handler in servers:
            local_server.stop(server)


LOGIN_LOCUSTFILE = """
from locust import FastHttpUser, constant, task


class Member(FastHttpUser):
    wait_time = constant(0.02)

    def on_start(self):
        self.client.post("/login", json={"username": "u"}, name="/login")

    @task
    def hit(self):
        self.client.get("/hit", name="/hit")
"""


def test_a_threshold_on_what_users_send_only_in_on_start_is_not_called_unmatched(tmp_path, load_env):
    # A locustfile's threshold on its login: comparison rounds have no figures for it (it is sent only
    # while users start), which is noted; it matched an endpoint all right, so no "matched no endpoint"
    # failure (the gate failed with `p95_ms [POST /login] n/a` and "did you mean 'GET /hit'?").
    servers = [_login_server(0.01) for _ in range(2)]
    try:
        (base, _), (head, _) = servers
        (tmp_path / "locustfile.py").write_text(LOGIN_LOCUSTFILE, encoding="utf-8")
        write_config(tmp_path, '[load]\nusers = 3\nspawn_rate = 100\n\n[load.thresholds."POST /login"]\n'
                               'p95_ms = 1000\n')
        proc, result = load(load_env, tmp_path, "--locustfile", "locustfile.py", "--host",
                            local_server.url(head), "--base-host", local_server.url(base), "--rounds", "2",
                            "--round-duration", "1s")
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert result is not None
        assert not [n for n in result.notes if "matched no endpoint" in n]
        assert "POST /login: sent only as users started (their on_start), before each round began to " \
               "measure, so it has no figures" in result.notes
    finally:
        for server, _handler in servers:
            local_server.stop(server)
