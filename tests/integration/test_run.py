"""`run` against the real example app: exit 0 normally, 1 when it regresses,
and the app is stopped whatever happens."""

from __future__ import annotations

import json
import re
import signal
import textwrap
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psutil

from conftest import MUSICAPP, run_cli
from support.signals import sigint_as_in_a_terminal
from support.stalls import stalled

CONFIG = MUSICAPP / "echotune.toml"


def configured_phases() -> list[str]:
    import tomllib

    return tomllib.loads(CONFIG.read_text())["run"]["phases"]


def app_pid(stderr: str) -> int:
    m = re.search(r"app ready at http://127\.0\.0\.1:\d+ \(pid (\d+)\)", stderr)
    assert m, stderr
    return int(m.group(1))


def marked_env(env: dict[str, str]) -> tuple[dict[str, str], str]:
    """Tag every process this run starts, so leftovers can be found by the tag."""
    mark = uuid.uuid4().hex
    return dict(env, ECHOTUNE_TEST_MARK=mark), mark


def processes_with(mark: str) -> list[psutil.Process]:
    found = []
    for p in psutil.process_iter():
        try:
            if p.environ().get("ECHOTUNE_TEST_MARK") == mark and p.status() != psutil.STATUS_ZOMBIE:
                found.append(p)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


def assert_stopped(pid: int, mark: str) -> None:
    deadline = time.monotonic() + 5
    while processes_with(mark) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not processes_with(mark)
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def test_run_example_app_passes_then_regress_fails(tmp_path, cli_env):
    out = tmp_path / "results"
    env, mark = marked_env(cli_env)
    proc = run_cli("run", "--config", str(CONFIG), "--output-dir", str(out), env=env)
    if stalled(proc, out):
        assert_stopped(app_pid(proc.stderr), mark)
        out = tmp_path / "again"
        proc = run_cli("run", "--config", str(CONFIG), "--output-dir", str(out), env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    phases = configured_phases()
    assert sorted(p.stem for p in out.glob("*.json")) == sorted(phases)
    for phase in phases:
        data = json.loads((out / f"{phase}.json").read_text())
        assert data["status"] in ("pass", "warn"), (phase, data["errors"], data["metrics"])
    comment = (out / "report" / "comment.md").read_text()
    assert comment.startswith("<!-- echotune-ci:report -->")
    assert "all gates pass" in comment or "with warnings" in comment
    assert_stopped(app_pid(proc.stderr), mark)

    summary = tmp_path / "step-summary.md"
    gh_output = tmp_path / "gh-output"
    env, mark = marked_env(cli_env)
    env = dict(env, ECHOTUNE_REGRESS="1", GITHUB_STEP_SUMMARY=str(summary), GITHUB_OUTPUT=str(gh_output),
               GITHUB_ACTIONS="true")
    # The regressed app through the gates that fail fastest (its bundle and its headers): what this
    # checks is how `run` ends and reports a failing gate. Every phase's own regress verdict has its
    # test (test_frontend_musicapp, test_load_musicapp, test_api_examples, test_security_http), and
    # test_node_example runs them all together.
    bad = run_cli("run", "--config", str(CONFIG), "--phase", "bundle", "--phase", "security",
                  "--output-dir", str(tmp_path / "regress"), env=env)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert {p.stem for p in (tmp_path / "regress").glob("*.json")} == {"bundle", "security"}
    for phase in ("bundle", "security"):
        assert json.loads((tmp_path / "regress" / f"{phase}.json").read_text())["status"] == "fail", phase
    assert "gate: FAIL" in bad.stdout
    assert "::error " in bad.stdout  # annotations inside Actions
    assert "gate(s) failed" in summary.read_text()
    assert "status=fail" in gh_output.read_text()
    assert_stopped(app_pid(bad.stderr), mark)


def start_run(cli_env: dict[str, str], *args: str, cwd: Path | None = None
              ) -> tuple[subprocess.Popen[str], int, str]:
    """``echotune-ci run ARGS`` started as a terminal's foreground job; the process, its app's pid
    (once "app ready" was printed) and the mark of everything it starts."""
    env, mark = marked_env(cli_env)
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "echotune-ci"), "run", *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd,
        preexec_fn=sigint_as_in_a_terminal,
    )
    seen = ""
    deadline = time.monotonic() + 30
    while "app ready" not in seen and time.monotonic() < deadline:
        seen += proc.stderr.readline()
    return proc, app_pid(seen), mark


def assert_ctrl_c_stops_it_promptly(proc: subprocess.Popen[str], pid: int, mark: str) -> None:
    """Ctrl-C: exit 130 within 15 s, one line and no traceback, the app and its children gone."""
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    took = time.monotonic() - sent
    assert proc.returncode == 130, out + err
    assert took < 15, f"Ctrl-C took {took:.1f}s"
    assert "Traceback" not in err
    assert_stopped(pid, mark)


def test_ctrl_c_stops_the_app_and_exits_130(tmp_path, cli_env):
    cfg = tmp_path / "echotune.toml"
    text = CONFIG.read_text().replace('duration = "10s"', 'duration = "60s"')
    # The copy lives elsewhere: serve from the example app's folder all the same.
    cfg.write_text(text.replace("[serve]\n", f"[serve]\ncwd = {str(MUSICAPP)!r}\n", 1))
    # A previous run's files: its locust CSVs must not be overwritten by an interrupted run's (they were,
    # beside the previous run's load.json and report, which then described other figures).
    previous = tmp_path / "out" / "artifacts" / "load"
    previous.mkdir(parents=True)
    (previous / "stats.csv").write_text("the previous run's\n")
    proc, pid, mark = start_run(cli_env, "--config", str(cfg), "--phase", "load",
                                "--output-dir", str(tmp_path / "out"))
    time.sleep(2)  # inside the load phase now
    assert (tmp_path / "out" / "artifacts" / "load" / "locust.log").exists()  # written in place
    assert_ctrl_c_stops_it_promptly(proc, pid, mark)
    assert not (tmp_path / "out" / "load.json").exists()
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["artifacts"]
    assert sorted(p.name for p in previous.iterdir()) == ["stats.csv"]


# An app that takes its time to stop, as gunicorn does while clients keep connections open (its graceful
# timeout is 30 s): it ignores SIGTERM.
SLOW_TO_STOP_APP = """
import signal, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass

signal.signal(signal.SIGTERM, signal.SIG_IGN)
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"""


def test_ctrl_c_exits_promptly_although_the_app_is_slow_to_stop(tmp_path, cli_env):
    """The shutdown after Ctrl-C is bounded as a whole: before, the load test's 5 s grace and the app's
    whole stop_timeout (30 s here) added up, and the test above timed out once on a loaded machine."""
    (tmp_path / "app.py").write_text(SLOW_TO_STOP_APP)
    cfg = tmp_path / "echotune.toml"
    cfg.write_text(textwrap.dedent("""
        [serve]
        command = "python app.py {port}"
        ready_url = "http://127.0.0.1:{port}/"
        stop_timeout = "30s"
        [run]
        phases = ["load"]
        [load]
        users = 5
        spawn_rate = 5
        duration = "60s"
        [[load.endpoints]]
        path = "/"
    """))
    proc, pid, mark = start_run(cli_env, "--config", str(cfg), "--output-dir", str(tmp_path / "out"),
                                cwd=tmp_path)
    locust_log = tmp_path / "out" / "artifacts" / "load" / "locust.log"
    deadline = time.monotonic() + 30
    while not locust_log.exists() and time.monotonic() < deadline:  # the load test has started
        time.sleep(0.1)
    time.sleep(1)
    assert_ctrl_c_stops_it_promptly(proc, pid, mark)


def test_run_against_an_app_already_running(musicapp, tmp_path, cli_env):
    out = tmp_path / "out"
    proc = run_cli("run", "--config", str(CONFIG), "--phase", "security", "--url", musicapp.base_url + "/",
                   "--output-dir", str(out), env=cli_env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "app ready" not in proc.stderr  # nothing was started
    data = json.loads((out / "security.json").read_text())
    assert musicapp.base_url in json.dumps(data)
    bad = run_cli("run", "--config", str(CONFIG), "--phase", "security", "--url", "ftp://x", env=cli_env)
    assert bad.returncode == 2 and "--url: expected an http(s) URL" in bad.stderr


def test_config_errors_of_any_phase_stop_run_before_the_app_starts(tmp_path, cli_env):
    cfg = tmp_path / "echotune.toml"
    cfg.write_text(textwrap.dedent("""
        [serve]
        command = "python -m http.server {port}"
        ready_url = "http://127.0.0.1:{port}/"
        [run]
        phases = ["load", "frontend"]
    """))
    proc = run_cli("run", "--config", str(cfg), "--output-dir", str(tmp_path / "out"), env=cli_env)
    assert proc.returncode == 2
    assert "no pages to audit" in proc.stderr and "app ready" not in proc.stderr
    assert not (tmp_path / "out").exists()
