"""Bad input gets a clear answer, the test is bounded, and Ctrl-C leaves nothing running."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from conftest import MUSICAPP
from support.load_support import load, processes_with_mark, total, write_config
from support.signals import sigint_as_in_a_terminal

from echotune_ci.config import load_config, override
from echotune_ci.phases.base import PhaseContext

pytestmark = pytest.mark.slow
EXE = str(Path(sys.executable).parent / "echotune-ci")


@pytest.mark.parametrize(
    ("config", "args", "message"),
    [
        ("", ("--host", "http://192.0.2.10:8000"),
         "http://192.0.2.10:8000: host 192.0.2.10 is not in load.allow_hosts"),
        ("", ("--host", "ftp://127.0.0.1/"), "not an http(s) URL"),
        ('[[load.endpoints]]\nmethod = "FETCH"\npath = "/"\n', (),
         "'load.endpoints[0].method' must be one of 'GET'"),
        ("[load]\nendpoints = []\n", (), "'load.endpoints' names no endpoint"),
        ('[[load.endpoints]]\npath = "api/tracks"\n', (), "'load.endpoints[0].path' must start with '/'"),
        ('[load]\nmax_duration = "30s"\n', ("--duration", "2m"),
         "duration 120s is longer than load.max_duration (30s)"),
        ("", ("--locustfile", "missing.py"), "--locustfile: "),
    ],
)
def test_usage_errors_are_exit_2(config, args, message, musicapp, tmp_path, load_env):
    write_config(tmp_path, config)
    proc, result = load(load_env, tmp_path, "--host", musicapp.base_url, *args)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert result is None


def test_locustfile_that_fails_to_import_shows_its_error(musicapp, tmp_path, load_env):
    (tmp_path / "locustfile.py").write_text("from locust import HttpUser\n\nimport no_such_module_here\n")
    proc, result = load(load_env, tmp_path, "--host", musicapp.base_url, "--locustfile", "locustfile.py")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "locustfile.py:3: cannot import the locustfile: ModuleNotFoundError: No module named " \
           "'no_such_module_here'" in proc.stderr
    assert "Traceback" not in proc.stderr and result is None


def test_every_request_failing_fails_the_gate_with_a_summary(musicapp, tmp_path, load_env):
    write_config(tmp_path, """
[load]
users = 3
wait_min = "0.05s"
wait_max = "0.05s"

[[load.endpoints]]
name = "/api/tracks/{id}"
path = "/api/tracks/{int:500000-600000}"

[[load.endpoints]]
path = "/health"
status = [201, 204]
""")
    proc, result = load(load_env, tmp_path, "--host", musicapp.base_url, "--duration", "2s")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert total(result, "error_rate_pct").value == 100 and result.status == "fail"
    messages = sorted(f.message for f in result.findings)
    assert len(messages) == 2, messages
    assert messages[0].startswith("GET /api/tracks/{id}: ") and "HTTP 404 (expected 200)" in messages[0]
    assert messages[1].startswith("GET /health: ") and "HTTP 200 (expected 201 or 204)" in messages[1]
    assert sum(f.properties["occurrences"] for f in result.findings) == total(result, "requests").value
    assert "findings: 2" in proc.stdout


def test_request_cap_stops_the_test(musicapp, tmp_path, load_env):
    # (a p95 budget no busy machine reaches: what is checked is the cap, and this file runs beside others)
    write_config(tmp_path, '[load]\nmax_requests = 40\nwait_min = "0s"\nwait_max = "0s"\n\n'
                           '[budgets]\napi_p95_ms = 5000\n')
    started = time.monotonic()
    proc, result = load(load_env, tmp_path, "--host", musicapp.base_url, "--users", "4", "--duration", "60s")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert time.monotonic() - started < 20
    assert 40 <= total(result, "requests").value <= 44  # the cap, plus what the 4 users had in flight
    assert "stopped by max requests" in result.notes[-1]


def test_ctrl_c_stops_every_locust_process(musicapp, tmp_path, load_env):
    proc = subprocess.Popen([EXE, "load", "--host", musicapp.base_url, "--duration", "60s",
                             "--processes", "2", "--output", "results/load.json"], env=load_env, cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=sigint_as_in_a_terminal)
    deadline = time.monotonic() + 20
    while len(processes_with_mark(load_env["ECHOTUNE_LOAD_TEST_MARK"])) < 4 and time.monotonic() < deadline:
        time.sleep(0.1)
    children = psutil.Process(proc.pid).children(recursive=True)
    assert len(children) == 3  # master and two workers
    time.sleep(1.5)  # users are running now
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, out + err
    assert "Traceback" not in err
    assert not any(c.is_running() and c.status() != psutil.STATUS_ZOMBIE for c in children)
    assert not (tmp_path / "results" / "load.json").exists()


def test_phase_uses_the_app_that_run_started(musicapp, tmp_path):
    from echotune_ci.phases.load.phase import PHASE

    cfg = load_config(MUSICAPP / "echotune.toml")
    cfg = cfg.with_section("load", override(cfg.load, users=5, spawn_rate=50, duration=1.5))
    # (what is checked is whose app is loaded: a p95 budget no busy machine reaches, beside other tests)
    cfg = cfg.with_section("budgets", override(cfg.budgets, api_p95_ms=5000.0))
    ctx = PhaseContext.for_config(cfg, tmp_path / "artifacts" / "load", base_url=musicapp.base_url,
                                  app_pid=musicapp.pid, allow_hosts=("127.0.0.1",))
    result = PHASE.run(cfg.load, ctx)
    left = [p for p in psutil.Process().children(recursive=True)
            if "echotune_ci.phases.load.worker" in p.cmdline()]
    assert not left
    assert result.status == "pass", (result.errors, [m.key for m in result.metrics if m.status != "pass"])
    assert result.target == musicapp.base_url
    assert result.metric("app_rss_mb").value > 10 and result.metric("app_cpu_pct") is not None
    assert all(Path(a).is_absolute() and Path(a).exists() for a in result.artifacts)


# The phase runs locust in child processes only: locust (and its gevent monkey-patching) never enters
# the process that runs the phase. Checked in a fresh interpreter: under pytest-xdist, other test files
# of the same worker may have imported locust themselves.
NO_LOCUST_HERE = """
import sys
from pathlib import Path
from echotune_ci.config import load_config, override
from echotune_ci.phases.base import PhaseContext
from echotune_ci.phases.load.phase import PHASE

config, base_url, artifacts = sys.argv[1:4]
cfg = load_config(Path(config))
cfg = cfg.with_section("load", override(cfg.load, users=2, spawn_rate=50, duration=1.0))
ctx = PhaseContext.for_config(cfg, Path(artifacts), base_url=base_url, allow_hosts=("127.0.0.1",))
result = PHASE.run(cfg.load, ctx)
assert result.metrics, result.errors
print(sorted(m for m in ("locust", "gevent.monkey") if m in sys.modules))
"""


def test_locust_never_enters_the_process_that_runs_the_phase(musicapp, tmp_path):
    proc = subprocess.run([sys.executable, "-c", NO_LOCUST_HERE, str(MUSICAPP / "echotune.toml"),
                           musicapp.base_url, str(tmp_path / "artifacts")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "[]", proc.stdout


@pytest.fixture()
def slow_site():
    """A local site whose every answer takes 3 s: slower than the tests below run."""
    import http.server
    import threading

    class Slow(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            time.sleep(3)
            try:
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
            except OSError:
                pass  # locust stopped waiting: what the test is about

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("compare", [False, True])
def test_answers_slower_than_the_test_are_explained(compare, musicapp, slow_site, tmp_path, load_env):
    """Locust stops a user mid-request and never counts that request: an app slower than the test (or a
    comparison's round) had "no request completed" and nothing to say why."""
    write_config(tmp_path, "[load]\nusers = 2\nspawn_rate = 2\n")
    side = ("--base-host", musicapp.base_url, "--rounds", "2", "--round-duration", "1s") if compare else ()
    proc, result = load(load_env, tmp_path, "--host", slow_site, "--duration", "1s", *side)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    # Only the base's figures (standalone `load --base-host` keeps them, labelled): none of the head's.
    assert result.status == "error"
    assert [m.labels.get("build") for m in result.metrics] == (["base"] * len(result.metrics))
    assert bool(result.metrics) == compare
    span, setting = ("each of its 2 rounds of 1s", "[load.compare] round_duration") if compare else \
        ("1s", "[load] duration")
    assert result.errors == [f"no request completed against {slow_site} during the test: 2 users ran for "
                             f"{span}, and an answer that takes longer is never counted (its user is "
                             f"stopped while waiting); if the app is that slow, a longer {setting} "
                             "measures it"]
    assert "Traceback" not in proc.stderr
