"""Comparison rounds measure once every user is past its ``on_start``: the worker's own cases, run as the
real locust worker process (``python -m echotune_ci.phases.load.worker JOB.json``) on a locustfile whose
users fire their request events themselves, so no server is needed and the timings are the file's own."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

HEADER = '''
import gevent
from locust import User, constant, task


def fire(user, method, name, ms):
    user.environment.events.request.fire(request_type=method, name=name, response_time=ms,
                                         response_length=0, exception=None, context={})
'''

INHERITED = HEADER + '''

class Member(User):
    wait_time = constant(0.05)

    def on_start(self):
        gevent.sleep(0.05)
        fire(self, "POST", "/login", 50)

    @task
    def browse(self):
        fire(self, "GET", "/x", 1)


class Editor(Member):
    # logs in as a Member does, then loads its profile (0.6 s) before its tasks
    def on_start(self):
        super().on_start()
        gevent.sleep(0.6)
        fire(self, "GET", "/profile", 600)
'''

TASKSETS = HEADER + '''
from locust import TaskSet


class Behaviour(TaskSet):
    # the classic locustfile: the login is the TaskSet's on_start, run in the user's first task
    def on_start(self):
        gevent.sleep(0.3)
        fire(self.user, "POST", "/login", 300)

    @task
    def browse(self):
        fire(self.user, "GET", "/x", 1)


class Member(User):
    wait_time = constant(0.05)
    tasks = [Behaviour]
'''

POOL = HEADER + '''
import time

from locust import TaskSet
from locust.exception import StopUser

SEATS = list(range(9))  # 10 users, 9 accounts: the 10th stops in its own on_start and runs no TaskSet


class Behaviour(TaskSet):
    def on_start(self):
        gevent.sleep(0.1)
        fire(self.user, "POST", "/login", 100)
        self.began = time.monotonic()

    @task
    def browse(self):
        # "/early" for 0.6 s after the login: measured only when the round begins once the logins ended,
        # not after waiting the whole round (1 s) for the 10th user
        fire(self.user, "GET", "/early" if time.monotonic() - self.began < 0.6 else "/late", 1)


class Member(User):
    wait_time = constant(0.05)
    tasks = [Behaviour]

    def on_start(self):
        if not SEATS:
            raise StopUser()
        SEATS.pop()
'''

CAPPED = HEADER + '''

class Quick(User):
    wait_time = constant(0.002)  # the cap comes in about 0.1 s, long before the wait for Starters ends

    @task
    def hit(self):
        fire(self, "GET", "/x", 1)


class Starter(User):
    wait_time = constant(0.01)

    def on_start(self):
        gevent.sleep(3)

    @task
    def hit(self):
        fire(self, "GET", "/y", 1)
'''


def run_worker(tmp_path: Path, locustfile: str, *, users: int, max_requests: int | None) -> dict:
    (tmp_path / "locustfile.py").write_text(locustfile, encoding="utf-8")
    job = {"role": "local", "artifacts_dir": str(tmp_path / "art"), "events": "",
           "out": str(tmp_path / "out.json"),
           "plan": {"locustfile": str(tmp_path / "locustfile.py"), "users": users, "spawn_rate": 100.0,
                    "max_requests": max_requests, "allow_hosts": ["127.0.0.1"], "request_timeout": 5.0,
                    "realtime": None},
           "rounds": [{"label": "head", "host": "http://127.0.0.1:9", "duration": 1.0, "prefix": "head-r1",
                       "artifacts": False, "warmup": True}]}
    (tmp_path / "art").mkdir()
    (tmp_path / "job.json").write_text(json.dumps(job), encoding="utf-8")
    command = [sys.executable, "-m", "echotune_ci.phases.load.worker", str(tmp_path / "job.json")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads((tmp_path / "out.json").read_text())


def requests_by_name(out: dict) -> dict[str, int]:
    [round_] = out["rounds"]
    return {e["name"]: e["requests"] for e in round_["entries"]}


def test_a_user_class_that_inherits_an_on_start_counts_once_its_whole_on_start_ended(tmp_path):
    # Editor's on_start runs Member's (wrapped too) inside its own: counted at the inner end, the round
    # began measuring while Editors still loaded their profiles (5 of them measured).
    seen = requests_by_name(run_worker(tmp_path, INHERITED, users=10, max_requests=None))
    assert seen.get("/profile", 0) == 0 and seen.get("/login", 0) == 0
    assert seen["/x"] > 0


def test_a_round_stopped_while_users_start_keeps_what_it_measured(tmp_path):
    # The request cap stops the round while the Starters still sleep in on_start; locust kills them, and
    # the clock waiting for them reset the statistics after the fact: a handful of requests reported
    # instead of the cap's 100.
    out = run_worker(tmp_path, CAPPED, users=4, max_requests=100)
    [round_] = out["rounds"]
    assert round_["stopped_by"] == "max-requests"
    assert round_["total"]["requests"] >= 100
    assert requests_by_name(out)["/x"] >= 100


def test_a_users_first_taskset_on_start_is_part_of_its_start(tmp_path):
    # Counted at the user's own (empty) on_start, the round began measuring at once and its logins,
    # run 0.3 s later in the TaskSet's on_start, were measured (10 of them).
    seen = requests_by_name(run_worker(tmp_path, TASKSETS, users=10, max_requests=None))
    assert seen.get("/login", 0) == 0
    assert seen["/x"] > 0


def test_a_user_that_stops_in_its_own_on_start_is_past_its_start(tmp_path):
    # A user class whose tasks are TaskSets is counted at its first TaskSet's on_start; one that stopped in
    # its own on_start (an empty pool of accounts) never runs one, and the round waited for it.
    seen = requests_by_name(run_worker(tmp_path, POOL, users=10, max_requests=None))
    assert seen.get("/login", 0) == 0
    assert seen.get("/early", 0) > 0
