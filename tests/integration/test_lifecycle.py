"""`run`'s lifecycle against a tiny real app: cancelled the way GitHub Actions cancels (SIGINT, then
SIGTERM while the app is still stopping), an app that floods its output without newlines, two runs
into one output folder, and an app that crashes in the middle of a phase."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from conftest import run_cli
from support.signals import sigint_as_in_a_terminal
from echotune_ci.output_lock import LOCK_NAME

pytestmark = pytest.mark.slow

EXE = str(Path(sys.executable).parent / "echotune-ci")

# Slow to stop (SIGTERM: it writes got-term and takes APP_STOP_S seconds to exit), with a child that
# ignores SIGTERM altogether: only SIGKILL of the whole group stops them.
TINY_APP = '''
import http.server, json, os, signal, subprocess, sys, time
from pathlib import Path

state = Path(os.environ["APP_STATE"])
mode = os.environ.get("APP_MODE", "serve")
child = subprocess.Popen([sys.executable, "-c", "import signal, time; "
                          "signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)"])
(state / "pids.json").write_text(json.dumps({"pid": os.getpid(), "pgid": os.getpgid(0), "child": child.pid}))


def slow_stop(signum, frame):
    (state / "got-term").write_text("")
    time.sleep(float(os.environ.get("APP_STOP_S", "8")))
    os._exit(0)


signal.signal(signal.SIGTERM, slow_stop)
if mode == "flood":  # APP_FLOOD_MB of output without a newline, then the reason, then exit 5
    chunk = b"x" * (1 << 20)
    for _ in range(int(os.environ["APP_FLOOD_MB"])):
        sys.stdout.buffer.write(chunk)
    sys.stdout.buffer.write(b"\\nRuntimeError: out of patience\\n")
    sys.stdout.flush()
    os._exit(5)
if mode == "never-ready":
    while True:
        time.sleep(1)

first = []


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if mode == "crash" and self.path != "/health":
            first.append(time.monotonic())
            if time.monotonic() - first[0] > 1.0:  # a second into the load test
                print("Traceback (most recent call last):", flush=True)
                print('  File "app.py", line 42, in lookup', flush=True)
                print("ConnectionError: the database went away", flush=True)
                os._exit(3)
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


print("listening", flush=True)
http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
'''


def write_project(tmp_path: Path, *, mode: str = "serve", duration: str = "60s", timeout: str = "60s",
                  setup: str = "", stop_s: float = 8.0, flood_mb: int = 0) -> Path:
    """The tiny app and an echotune.toml that starts it and loads it; returns the config path."""
    state = tmp_path / "state"
    state.mkdir(exist_ok=True)
    (tmp_path / "app.py").write_text(TINY_APP, encoding="utf-8")
    env = {"APP_STATE": str(state), "APP_MODE": mode, "APP_STOP_S": str(stop_s),
           "APP_FLOOD_MB": str(flood_mb)}
    cfg = tmp_path / "echotune.toml"
    cfg.write_text(textwrap.dedent(f"""
        [serve]
        setup = {setup!r}
        command = "{sys.executable} app.py"
        ready_url = "http://127.0.0.1:{{port}}/health"
        timeout = "{timeout}"
        env = {{ {", ".join(f"{k} = {json.dumps(v)}" for k, v in env.items())} }}

        [run]
        phases = ["load"]

        [load]
        users = 2
        spawn_rate = 10
        duration = "{duration}"
        wait_min = "0.01s"
        wait_max = "0.02s"

        [[load.endpoints]]
        path = "/api/item"
        """), encoding="utf-8")
    return cfg


def group_alive(pgid: int) -> list[str]:
    """The processes of group *pgid* that still run (zombies left to an init that does not reap
    them run nothing)."""
    alive = []
    for p in psutil.process_iter(["pid"]):
        try:
            if os.getpgid(p.pid) == pgid and p.status() != psutil.STATUS_ZOMBIE:
                alive.append(f"{p.pid} {' '.join(p.cmdline())}")
        except (psutil.NoSuchProcess, psutil.ZombieProcess, ProcessLookupError, PermissionError):
            continue
    return alive


def wait_for(path: Path, proc: subprocess.Popen[str] | None = None, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() >= deadline:
            said = ""
            if proc is not None:
                try:
                    status = Path(f"/proc/{proc.pid}/status").read_text()
                    said = " ".join(x for x in status.splitlines() if x.startswith(("Sig", "Shd", "State")))
                except OSError:
                    pass
                proc.kill()
                out, err = proc.communicate()
                said += f"; the run said: {out}{err}"
            raise AssertionError(f"{path} did not appear{said}")
        if proc is not None and proc.poll() is not None:
            out, err = proc.communicate()
            raise AssertionError(f"the run ended (exit {proc.returncode}) before {path} appeared: {out}{err}")
        time.sleep(0.05)


def start_run(cfg: Path, out: Path, env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([EXE, "run", "--config", str(cfg), "--output-dir", str(out), *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=sigint_as_in_a_terminal)


@pytest.mark.parametrize("stage", ["setup", "start", "load"])
def test_sigint_then_sigterm_while_the_app_stops_leaves_nothing_running(stage, tmp_path, load_env):
    """GitHub cancels with SIGINT, then SIGTERM 7.5 s later, then SIGKILL 2.5 s after that. The app
    takes 8 s to stop and its child ignores SIGTERM: the second signal must kill the group at once,
    not abort the cleanup (which left both running)."""
    env = dict(load_env, XDG_CACHE_HOME=str(tmp_path / "cache"))
    if stage == "setup":
        # the setup step is the slow one here: the same script, never finishing by itself
        cfg = write_project(tmp_path, setup=f"APP_MODE=never-ready {sys.executable} app.py")
    else:
        cfg = write_project(tmp_path, mode="never-ready" if stage == "start" else "serve")
    state = tmp_path / "state"
    proc = start_run(cfg, tmp_path / "out", env)
    try:
        wait_for(state / "pids.json", proc)
        if stage == "load":
            wait_for(tmp_path / "out" / "artifacts" / "load" / "locust.log", proc)
            time.sleep(1.5)  # users are sending requests now
        pids = json.loads((state / "pids.json").read_text())
        assert group_alive(pids["pgid"])
        proc.send_signal(signal.SIGINT)
        wait_for(state / "got-term", proc, timeout=30)  # the app was asked to stop and is taking its time
        time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        sent = time.monotonic()
        out, err = proc.communicate(timeout=30)
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 143, out + err
    assert "Traceback" not in err and "echotune-ci: terminated" in err
    # within GitHub's 2.5 s between SIGTERM and SIGKILL
    assert took < 2.5, took
    assert group_alive(pids["pgid"]) == []
    assert not psutil.pid_exists(pids["child"]) or psutil.Process(pids["child"]).status() == "zombie"


def test_sigint_alone_stops_the_app_after_its_grace(tmp_path, cli_env):
    """Without a second signal the app gets stop_timeout (here 2 s) to stop, then the group is killed."""
    cfg = write_project(tmp_path, mode="never-ready")
    cfg.write_text(cfg.read_text().replace('timeout = "60s"', 'timeout = "60s"\nstop_timeout = "2s"'))
    proc = start_run(cfg, tmp_path / "out", cli_env)
    try:
        wait_for(tmp_path / "state" / "pids.json", proc)
        pids = json.loads((tmp_path / "state" / "pids.json").read_text())
        proc.send_signal(signal.SIGINT)
        sent = time.monotonic()
        out, err = proc.communicate(timeout=30)
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, out + err
    assert 1.8 < took < 6, took
    assert group_alive(pids["pgid"]) == []


def peak_rss_mb(args: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """Run the toolkit; its peak resident memory (MiB, from wait4: the largest of it and the processes
    it reaped), exit code and stderr."""
    with open(os.devnull, "w") as devnull, subprocess.Popen(args, env=env, stdout=devnull,
                                                            stderr=subprocess.PIPE) as proc:
        assert proc.stderr is not None
        err = proc.stderr.read().decode("utf-8", "replace")
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_maxrss / 1024, proc.returncode, err


def test_output_without_newlines_keeps_memory_bounded(tmp_path, cli_env):
    """200 MB of output without a newline (it took 671 MB of memory for 400 MB): the toolkit keeps a
    bounded tail and still finds the line that says why the app exited."""
    runs = {}
    for mb in (0, 200):
        folder = tmp_path / f"flood-{mb}"
        folder.mkdir()
        cfg = write_project(folder, mode="flood", flood_mb=mb, stop_s=0)
        command = [EXE, "run", "--config", str(cfg), "--output-dir", str(folder / "out")]
        runs[mb] = peak_rss_mb(command, cli_env)
    (base, code0, _), (peak, code, err) = runs[0], runs[200]
    assert code0 == code == 3, err
    assert peak - base < 100, (base, peak)
    assert "serve command exited with code 5" in err and "RuntimeError: out of patience" in err
    assert len(err) < 4000 and "x" * 400 not in err  # one line, not the flood


def test_a_second_run_into_the_same_folder_is_refused_and_a_dead_holder_does_not_block(tmp_path, cli_env):
    cfg = write_project(tmp_path, mode="never-ready", stop_s=0)
    out = tmp_path / "out"
    first = start_run(cfg, out, cli_env)
    try:
        wait_for(tmp_path / "state" / "pids.json", first)
        second = run_cli("run", "--config", str(cfg), "--output-dir", str(out), env=cli_env, timeout=60)
        assert second.returncode == 2, second.stdout + second.stderr
        assert second.stderr.count("\n") == 1 and "Traceback" not in second.stderr
        assert f"{out}: another `echotune-ci run` (pid {first.pid}) is writing" in second.stderr
        assert not (tmp_path / "state" / "got-term").exists()  # the first run's app is untouched
        # The holder dies without a chance to clean up: its lock file stays, its lock does not.
        first.kill()
        first.wait()
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
        pids = json.loads((tmp_path / "state" / "pids.json").read_text())
        os.killpg(pids["pgid"], signal.SIGKILL)  # the orphaned app of the killed run
    assert (out / LOCK_NAME).read_text().split()[0] == str(first.pid)
    (tmp_path / "site.js").write_text("console.log('hi');\n")
    cfg.write_text(cfg.read_text().replace('phases = ["load"]', 'phases = ["bundle"]')
                   + '\n[bundle]\nglobs = ["site.js"]\n')
    third = run_cli("run", "--config", str(cfg), "--output-dir", str(out), "--url", "http://127.0.0.1:9/",
                    env=cli_env, timeout=120)
    assert third.returncode == 0, third.stdout + third.stderr
    assert (out / "bundle.json").exists() and not (out / LOCK_NAME).exists()


@pytest.mark.parametrize("parallel", [False, True])
def test_an_app_that_crashes_mid_phase_is_exit_3_not_an_error_rate(parallel, tmp_path, load_env):
    """The app dies a second into the load test. In sequence the phase is stopped at once (a 60 s test
    ends in seconds); in parallel it runs out its time and the dead app's figures are left out. Either
    way: exit 3 and the reason, never "error rate 100 %" (exit 1)."""
    cfg = write_project(tmp_path, mode="crash", duration="4s" if parallel else "60s", stop_s=0)
    # bundle reads the build, not the app: it goes on when the app has exited (in sequence, after load)
    (tmp_path / "site.js").write_text("console.log('hi');\n")
    text = cfg.read_text().replace('phases = ["load"]', 'phases = ["load", "bundle"]' +
                                   ("\nparallel = true" if parallel else ""))
    cfg.write_text(text + '\n[bundle]\nglobs = ["site.js"]\n')
    out = tmp_path / "out"
    started = time.monotonic()
    proc = run_cli("run", "--config", str(cfg), "--output-dir", str(out), env=load_env, timeout=120)
    took = time.monotonic() - started
    assert proc.returncode == 3, proc.stdout + proc.stderr
    result = json.loads((out / "load.json").read_text())
    assert result["status"] == "error"
    pid = json.loads((tmp_path / "state" / "pids.json").read_text())["pid"]
    said = result["errors"][0]
    assert said.startswith(f"the app (pid {pid}) exited with code 3 during the load phase; it printed: ")
    assert "Traceback (most recent call last):" in said and "ConnectionError: the database went away" in said
    # the failed requests of a dead app are not reported as its error rate
    assert not [m for m in result["metrics"] if m["name"] == "error_rate_pct"]
    assert "exited with code 3 during the load phase" in proc.stdout
    assert "error_rate_pct" not in proc.stdout
    assert json.loads((out / "bundle.json").read_text())["status"] == "pass"
    if parallel:
        assert "left out" in " ".join(result["notes"])
    else:
        assert result["notes"] == ["the phase was stopped when the app exited"]
        assert "artifacts/load/locust.log" in result["artifacts"]
        assert took < 40, took


def test_phases_that_need_no_app_run_when_it_does_not_start(tmp_path, cli_env):
    """proshop-v2 without MongoDB: `run --phase bundle` stopped at the app's exit (exit 3, no result),
    although bundle reads the build and security's static checks read the files. They run; the header
    checks say why they could not, and a phase that measures the app still stops the run."""
    cfg = write_project(tmp_path, mode="flood", flood_mb=0, stop_s=0)  # exits 5 at once
    (tmp_path / "site.js").write_text("console.log('hi');\n")
    (tmp_path / "leak.py").write_text('AWS_SECRET = "AKIAQ3EGRHYPNBWNTKHD"\n')
    cfg.write_text(cfg.read_text().replace('phases = ["load"]', 'phases = ["bundle", "security"]')
                   + '\n[bundle]\nglobs = ["site.js"]\n\n[security]\nchecks = ["secrets", "http"]\n')
    out = tmp_path / "out"
    proc = run_cli("run", "--config", str(cfg), "--output-dir", str(out), env=cli_env, timeout=120)
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 1, proc.stdout + proc.stderr  # the secret fails the gate; a failure wins
    assert json.loads((out / "bundle.json").read_text())["status"] == "pass"
    security = json.loads((out / "security.json").read_text())
    [said] = [e for e in security["errors"] if e.startswith("http:")]
    assert said.startswith("http: could not run: the app did not start: serve command exited with code 5")
    assert any(f["rule_id"].startswith("secrets.") for f in security["findings"])
    # mern-ecommerce without MongoDB, with init's phases: a phase that measures the app (load) stopped the
    # whole run, so the bundle and security phases that need no app wrote nothing either. They run; load
    # is an error that says why (exit 3), in the report too.
    cfg.write_text(cfg.read_text().replace('phases = ["bundle", "security"]', 'phases = ["bundle", "load"]'))
    again = run_cli("run", "--config", str(cfg), "--output-dir", str(tmp_path / "out2"), env=cli_env,
                    timeout=120)
    assert again.returncode == 3, again.stdout + again.stderr
    assert "the app did not start, so load cannot run (bundle still run): serve command exited with code 5" \
        in again.stderr
    assert json.loads((tmp_path / "out2" / "bundle.json").read_text())["status"] == "pass"
    load = json.loads((tmp_path / "out2" / "load.json").read_text())
    assert load["status"] == "error" and load["metrics"] == []
    assert load["errors"][0].startswith("not run: the app did not start: serve command exited with code 5")
    assert "not run: the app did not start" in (tmp_path / "out2" / "report" / "comment.md").read_text()
    # when every phase measures the app, nothing can run: one line, exit 3, no result
    cfg.write_text(cfg.read_text().replace('phases = ["bundle", "load"]', 'phases = ["load"]'))
    alone = run_cli("run", "--config", str(cfg), "--output-dir", str(tmp_path / "out3"), env=cli_env,
                    timeout=120)
    assert alone.returncode == 3 and "serve command exited with code 5" in alone.stderr
    assert not (tmp_path / "out3" / "load.json").exists()


def test_run_base_ref_with_phases_that_need_no_app_runs_when_it_does_not_start(tmp_path, cli_env):
    """mern-ecommerce without MongoDB: `run --base-ref HEAD --phase bundle` stopped with exit 3 at the
    head's start and wrote no bundle.json, where a plain `run --phase bundle` measures the build."""
    cfg = write_project(tmp_path, mode="flood", flood_mb=0, stop_s=0)  # the app exits 5 at once
    (tmp_path / "site.js").write_text("console.log('hi');\n")
    cfg.write_text(cfg.read_text().replace('phases = ["load"]', 'phases = ["bundle"]')
                   + '\n[bundle]\nglobs = ["site.js"]\n')
    (tmp_path / ".gitignore").write_text("state/\nout/\n")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run([*git, "-C", str(tmp_path), "add", "-A"], check=True)
    subprocess.run([*git, "-C", str(tmp_path), "commit", "-q", "-m", "base"], check=True)
    out = tmp_path / "out"
    proc = run_cli("run", "--config", str(cfg), "--base-ref", "HEAD", "--output-dir", str(out), env=cli_env,
                   timeout=120)
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 0, proc.stdout + proc.stderr
    bundle = json.loads((out / "bundle.json").read_text())
    assert bundle["status"] == "pass" and (out / "base" / "bundle.json").is_file()
    # with a phase that measures the app (init's load): the bundle is still compared, load says why not
    cfg.write_text(cfg.read_text().replace('phases = ["bundle"]', 'phases = ["bundle", "load"]'))
    subprocess.run([*git, "-C", str(tmp_path), "commit", "-q", "-am", "load"], check=True)
    both = run_cli("run", "--config", str(cfg), "--base-ref", "HEAD", "--output-dir", str(out), env=cli_env,
                   timeout=120)
    assert "Traceback" not in both.stderr
    assert both.returncode == 3, both.stdout + both.stderr
    assert "the head (the working tree): the app did not start, so load cannot run" in both.stderr
    # the base is built (its bundle compared) but not started: nothing could measure it against the head
    assert "the base (--base-ref HEAD) did not start" not in both.stderr
    notes = json.loads((out / "artifacts" / "side-by-side.json").read_text())["notes"]
    assert ("the base (--base-ref HEAD) was built but not started: the head did not start, so no phase that "
            "measures a running app could compare") in notes
    assert json.loads((out / "bundle.json").read_text())["status"] == "pass"
    load = json.loads((out / "load.json").read_text())
    assert load["status"] == "error"
    assert load["errors"][0].startswith("not run: the app did not start: serve command exited with code 5")
