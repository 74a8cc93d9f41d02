"""Ctrl-C exits promptly: a stop made while an interrupt unwinds the run does not wait out the normal
grace periods (the load test's processes 5 s, the app its stop_timeout), and a second signal during the
load test's stop cannot leave its processes running."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest

from echotune_ci.phases.load.runner import GRACE_S, Child, Job, stop_children
from echotune_ci.serve.process import INTERRUPTED_GRACE_S, stop_group

# A process that ignores SIGTERM, as one too starved of CPU (or too busy) to act on it in time.
_DEAF = ("import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True); "
         "time.sleep(120)")


def _deaf_process() -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, "-c", _DEAF], stdout=subprocess.PIPE, start_new_session=True)
    assert proc.stdout is not None and proc.stdout.readline() == b"ready\n"  # SIGTERM is ignored from now
    return proc


@pytest.fixture()
def deaf(tmp_path) -> Iterator[Child]:
    proc = _deaf_process()
    yield Child(Job("local", {}), proc, tmp_path / "out.json", tmp_path / "log", tmp_path / "events.jsonl")
    if proc.poll() is None:
        proc.kill()
        proc.wait()


@pytest.fixture()
def sigint_raises() -> Iterator[None]:
    """Python's own Ctrl-C handler (a test runner's worker may have replaced it)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def test_load_processes_get_a_short_grace_when_ctrl_c_stops_the_run(deaf):
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        try:
            raise KeyboardInterrupt
        finally:
            stop_children([deaf])
    elapsed = time.monotonic() - started
    assert elapsed < GRACE_S - 2, elapsed  # was the full 5 s grace although nobody reads the output
    assert deaf.proc.returncode == -signal.SIGKILL


def test_the_app_gets_a_short_grace_when_ctrl_c_stops_the_run():
    proc = _deaf_process()
    started = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt):
            try:
                raise KeyboardInterrupt
            finally:
                stop_group(proc, 30.0)  # the app's stop_timeout: spent in full before
        elapsed = time.monotonic() - started
        assert INTERRUPTED_GRACE_S - 0.5 < elapsed < INTERRUPTED_GRACE_S + 2, elapsed
        assert proc.returncode == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_normal_stop_keeps_its_grace():
    proc = _deaf_process()
    started = time.monotonic()
    stop_group(proc, 0.5)
    assert time.monotonic() - started >= 0.5
    assert proc.returncode == -signal.SIGKILL


def test_a_second_ctrl_c_while_load_processes_stop_kills_them_and_is_raised_afterwards(deaf, sigint_raises):
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
    started = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            stop_children([deaf])  # a normal stop (5 s grace) that a Ctrl-C hurries
    finally:
        timer.cancel()
    assert time.monotonic() - started < GRACE_S - 2
    # Before, the KeyboardInterrupt left stop_children half-way: the process kept running.
    assert deaf.proc.poll() == -signal.SIGKILL


def _start_app(tmp_path):
    from echotune_ci.config.sections import ServeSettings
    from echotune_ci.serve.app import App

    settings = ServeSettings(command="sleep 30", ready_url="http://127.0.0.1:{port}/", timeout=20.0)
    App(settings, tmp_path).start()


def _start_step(tmp_path):
    from echotune_ci.serve.steps import run_step

    run_step("setup", "sleep 30", tmp_path, {"PATH": "/usr/bin:/bin"}, 60)


def _start_load_job(tmp_path):
    from echotune_ci.phases.load.runner import run_jobs

    run_jobs([Job("local", {})], tmp_path / "artifacts", timeout=60)


def _start_health_script(tmp_path):
    from echotune_ci.phases.deploy.health import dry_run

    script = tmp_path / "health.sh"
    script.write_text("sleep 30\n")
    dry_run(script, "http://127.0.0.1:9/health", retries=1, timeout=60)


def _start_njsscan(tmp_path):
    from echotune_ci.phases.security.checks.node import run_njsscan

    run_njsscan([], timeout=60, config=None)


def _start_test_command(tmp_path):
    from echotune_ci.propose.git import run_command

    run_command("sleep 30", tmp_path, 60)


@pytest.mark.parametrize("start", [_start_app, _start_step, _start_load_job, _start_health_script,
                                   _start_njsscan, _start_test_command], ids=lambda f: f.__name__[7:])
def test_a_ctrl_c_just_after_a_process_started_leaves_nothing_running(start, tmp_path, monkeypatch,
                                                                     sigint_raises):
    """A cancel's SIGINT that lands between Popen returning and the code that stops the process (a CI
    runner busy enough to delay the toolkit there) left the app running after `run` exited 130 (CI:
    tests/integration/test_lifecycle.py found it stray). Every process started in a session of its own
    is held by the code that stops it before the signal is raised."""
    from echotune_ci.serve.process import group_members

    real = subprocess.Popen
    started: list[subprocess.Popen[bytes]] = []

    def popen_then_sigint(*args, **kwargs):
        proc = real(*args, **kwargs)
        if kwargs.get("start_new_session"):
            started.append(proc)
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.3)  # Python runs the handler here, before the caller holds the process
        return proc

    monkeypatch.setattr(subprocess, "Popen", popen_then_sigint)
    try:
        with pytest.raises(KeyboardInterrupt):
            start(tmp_path)
        assert len(started) == 1
        proc = started[0]
        assert proc.poll() is not None and proc.returncode < 0, "the process was not stopped"
        assert group_members(proc.pid) == []
    finally:
        for proc in started:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
