"""Shared fixtures: the real example app, a real redis-server, free ports."""

from __future__ import annotations

import fcntl
import functools
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from echotune_ci.config import load_config, override
from echotune_ci.config.sections import ServeSettings
from echotune_ci.serve import App, free_port

# Shared fixtures: load_env (no locust process outlives a test), old_pins (a requirements file with
# known advisories).
pytest_plugins = ["support.load_support", "support.security_audit"]

ROOT = Path(__file__).resolve().parents[1]
# A git worktree elsewhere that shares the main checkout's .venv imports the main checkout's editable
# install in every `echotune-ci` it runs: its own code goes first for them too (`init` wrote the main
# checkout's commit into a worktree's workflow). In the checkout the install names, nothing changes.
_INSTALLED = subprocess.run([sys.executable, "-c", "import echotune_ci; print(echotune_ci.__file__)"],
                            cwd="/", capture_output=True, text=True, check=False).stdout.strip()
if _INSTALLED and not Path(_INSTALLED).resolve().is_relative_to(ROOT):
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
MUSICAPP = ROOT / "examples" / "musicapp"


def _shared() -> Path:
    """The test data folder beside the repository (../shared), also from a `git worktree` elsewhere,
    whose checkout is not beside it: then beside the main checkout that `--git-common-dir` names."""
    beside = ROOT.parent / "shared"
    if beside.is_dir():
        return beside
    common = subprocess.run(["git", "rev-parse", "--path-format=absolute", "--git-common-dir"], cwd=ROOT,
                            capture_output=True, text=True, check=False).stdout.strip()
    return Path(common).parent.parent / "shared" if common else beside


SHARED = _shared()
ADVISORY_DB = SHARED / "advisory-db"
NPM_DB = SHARED / "advisory-db-npm"
# Audits in tests are offline, against the advisory-database snapshot.
os.environ.setdefault("ECHOTUNE_ADVISORY_DB", str(ADVISORY_DB))
SERVE_COMMAND = ("python build.py && gunicorn --worker-class gevent --workers 2 --bind 127.0.0.1:{port} "
                 "--log-level warning app:app")


@functools.cache
def musicapp_environment() -> Path:
    """The example app's own environment (examples/musicapp/.venv), made by its [serve] setup once
    per test session (and only when requirements.txt changed since the last one).

    Under a lock: files of both xdist workers start the example, and on a fresh clone two setups at
    once would install into the same .venv; the second one waits, then finds the setup stamp current."""
    serve = load_config(MUSICAPP / "echotune.toml").serve
    with (Path(tempfile.gettempdir()) / "echotune-tests-musicapp-setup.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        App(override(serve, build=""), MUSICAPP).prepare()
    return MUSICAPP / ".venv"


def start_musicapp(dist: Path, *, regress: bool = False, env: dict[str, str] | None = None) -> App:
    """Start the example app (in its own environment) on a free port with its own build folder."""
    musicapp_environment()
    app_env = {"MUSICAPP_DIST": str(dist), "ECHOTUNE_REGRESS": "1" if regress else "0"}
    app_env.update(env or {})
    spec = ServeSettings(command=SERVE_COMMAND, ready_url="http://127.0.0.1:{port}/health", env=app_env,
                         timeout=30)
    return App(spec, MUSICAPP).start()


@pytest.fixture(scope="session")
def musicapp(tmp_path_factory):
    """The example app in normal mode (session-wide; do not make it regress)."""
    app = start_musicapp(tmp_path_factory.mktemp("dist-normal"))
    yield app
    app.stop()


@pytest.fixture(scope="session")
def musicapp_regress(tmp_path_factory):
    """The example app with ECHOTUNE_REGRESS=1."""
    app = start_musicapp(tmp_path_factory.mktemp("dist-regress"), regress=True)
    yield app
    app.stop()


class RedisServer:
    def __init__(self, tmp: Path):
        exe = shutil.which("redis-server")
        if exe is None:
            raise RuntimeError("redis-server is not installed: run ./scripts/bootstrap.sh")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = subprocess.Popen(
            [exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(tmp)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("redis-server did not come up")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture()
def redis_server(tmp_path):
    """A fresh real redis-server on a free loopback port."""
    server = RedisServer(tmp_path)
    yield server
    server.stop()


@pytest.fixture()
def redis_socket(tmp_path):
    """The unix socket of a fresh real redis-server that listens on no TCP port."""
    sock = tmp_path / "redis.sock"
    server = subprocess.Popen(["redis-server", "--port", "0", "--unixsocket", str(sock), "--save", "",
                               "--appendonly", "no", "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not sock.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        yield sock
    finally:
        server.terminate()
        server.wait(10)


@pytest.fixture()
def cli_env(tmp_path):
    """Environment for running the echotune-ci console script in a subprocess."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.pop("GITHUB_STEP_SUMMARY", None)
    env.pop("GITHUB_OUTPUT", None)
    env.pop("GITHUB_ACTIONS", None)
    return env


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 300,
            input: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``echotune-ci`` as a user would, in a subprocess."""
    exe = Path(sys.executable).parent / "echotune-ci"
    return subprocess.run(
        [str(exe), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, input=input
    )



# Under pytest-xdist (scripts/test.sh runs the tests with `-n 3 --dist loadgroup`), these files run one
# after another in one worker: they build or serve the bundled examples in place
# (examples/*/static/dist, dist/, node_modules, .venv) or gate latency, which the other workers' load
# would distort. Every other file runs whole in any worker, beside them.
# Left out on purpose (they run beside the group): test_frontend_pages.py (fixture pages on a local
# site; its only timings are sanity bounds of 1-3 s), test_load_allowlist.py (its own recording servers;
# where requests go, under a 10 s p95 budget), test_secrets_never_leave.py (its run serves the example
# from a copy of the config with the build in a temporary folder and no setup, and accepts exit 0 or 1:
# what it checks is what leaks), test_security_http.py and test_serve_smoke.py (headers, probes and
# answers of apps with their own build folders, no timing), test_api_examples.py (contracts of the
# examples, the Flask one served from a build in a temporary folder, the Node one's API from the
# shared node_modules, which support/node_example.py installs under a lock; its only timings are
# 200 ms budgets on answers of a few milliseconds), test_base_ref_inputs.py (what `run --base-ref` says
# about bases that do not build, start or differ, on copies of the example; nothing timed against a
# budget but a 5-s p95) and test_serve.py (apps started and stopped; one 1-s load of a static file).
# So are three load files that time nothing against a budget a busy machine can reach (the group is the
# suite's critical path, 488 s of a 495-s integration run at `-n 3` on 2026-12-05, so what need not wait
# in it does not): test_load_safety.py (usage errors, the request cap, Ctrl-C, 3-s answers against 1-s
# rounds), test_load_distributed.py (a master and its workers: what they count and send) and
# test_lifecycle_redis.py (Redis stopped mid-test: the run fails on errors either way). Each loads an
# example served from a build folder of its own, and where a run must pass, its p95 budget is 5 s.
MEASURING = frozenset({
    "test_action.py", "test_base_ref.py", "test_budget_names_locust.py", "test_bundle_run.py",
    "test_bundle_vite.py", "test_database_postgres.py", "test_frontend_musicapp.py", "test_load_compare.py",
    "test_load_musicapp.py", "test_load_redis.py", "test_node_example.py", "test_realtime_node.py",
    "test_realtime_socketio.py", "test_run.py",
})


def xdist_group(path: Path) -> str | None:
    """The xdist group of a test file: "measuring" for the files above, its own name for the other
    integration tests, None outside tests/integration."""
    if "integration" not in path.parts:
        return None
    return "measuring" if path.name in MEASURING else path.name


# The other workers' niceness (scripts/test.sh runs unit and integration tests in one session with
# three workers). The measuring group is the largest unit of work, so xdist hands it out first, whole,
# to one worker: that worker keeps the normal priority and the two others, whose first test is from
# elsewhere, yield the CPU to it whenever both want it. Their own tests still get about a quarter of a
# core when contended (nice 5: a CFS weight of 335 against 1024), and all of the time it leaves idle:
# the measuring group waits on servers and browsers for much of its time. No privilege is needed,
# since a worker only ever raises its own niceness, once.
OTHER_LANES_NICENESS = 5
_lane_chosen = False


def pytest_configure(config: pytest.Config) -> None:
    """Before any test (in the controller, before xdist's workers start): forget the setup stamps an
    earlier session left for folders under pytest's temporary root. Stamps live in the user's cache keyed
    by path, and pytest numbers its folders afresh once /tmp is emptied: a test's new folder at an old
    path then had its setup (which made a file the server needs) skipped."""
    if hasattr(config, "workerinput"):
        return
    import getpass

    from echotune_ci.fsutil import json_or_none
    from echotune_ci.serve.steps import stamp_path

    root = Path(os.environ.get("PYTEST_DEBUG_TEMPROOT") or tempfile.gettempdir()).resolve()
    ours = str(root / f"pytest-of-{getpass.getuser()}") + os.sep
    for stamp in stamp_path(root).parent.glob("*.json"):
        # json_or_none: a stamp nested too deeply (RecursionError) stopped every session at its start
        data = json_or_none(stamp)
        cwd = data.get("cwd", "") if isinstance(data, dict) else ""
        if isinstance(cwd, str) and cwd.startswith(ours):
            stamp.unlink(missing_ok=True)


def pytest_runtest_setup(item: pytest.Item) -> None:
    """In an xdist worker, at its first test: give the worker a lower priority unless that test is of
    the measuring group (whose worker runs it all first). Children inherit it at fork."""
    global _lane_chosen
    if _lane_chosen or "PYTEST_XDIST_WORKER" not in os.environ:
        return
    _lane_chosen = True
    if xdist_group(Path(item.path)) != "measuring":
        os.nice(OTHER_LANES_NICENESS)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Give each integration test its xdist group: "measuring" for the files above, else its file."""
    for item in items:
        group = xdist_group(Path(item.path))
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """`--dist loadgroup` that keeps the groups above whatever pytest version runs it.

    pytest-xdist 3.8 puts a test in its group by rewriting ``item._nodeid`` in the worker, which
    pytest 9.2 no longer reads (nodes keep their id in ``_id``): every test was then scheduled on its
    own, the "measuring" files ran in both workers at the same time, and each worker set up the
    session fixtures (the Node example's install and run) again. Here the controller decides the
    group from the test's file instead; a group suffix that xdist did add ("...@name") still counts.
    """
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class FileGroupScheduling(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            if "@" not in nodeid:
                group = xdist_group(Path(nodeid.split("::", 1)[0]))
                if group is not None:
                    return group
            return super()._split_scope(nodeid)

    return FileGroupScheduling(config, log)
