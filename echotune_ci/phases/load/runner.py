"""Start the locust processes of a load test, wait for them, and leave none behind.

Each process runs ``python -m echotune_ci.phases.load.worker JOB.json`` in a
session of its own, so a Ctrl-C reaches only this process, which then asks
the children to stop (SIGTERM: they write what they measured so far) and
kills whatever is left. The children also stop by themselves: at the end of
their duration, at the request cap, or when this process disappears.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...errors import ConfigError, RunError
from ...net.loopback import without_proxy_for_loopback
from ...serve.environment import child_environment
from ...serve.process import KILL_WAIT_S, deferred_signals, interrupted

GRACE_S = 5.0
# After Ctrl-C / SIGTERM nobody reads what the children write: a moment to close their connections.
INTERRUPTED_GRACE_S = 1.0


@dataclass
class Job:
    """One locust process: its role ("local", "master" or "worker"), the plan
    (:meth:`LoadPlan.for_worker`), the rounds it drives (local and master),
    where a worker connects / a master listens, and how many workers a master
    waits for, at most ``expect_timeout`` seconds."""

    role: str
    plan: dict[str, Any]
    rounds: list[dict[str, Any]] = field(default_factory=list)
    master_host: str = "127.0.0.1"
    bind_host: str = "127.0.0.1"
    port: int = 0
    expect_workers: int = 0
    expect_timeout: float = 30.0


@dataclass
class Child:
    """A started job: its process, output file and log."""

    job: Job
    proc: subprocess.Popen[bytes]
    out: Path
    log: Path
    events: Path
    events_read: int = 0


def run_jobs(jobs: list[Job], artifacts_dir: Path, *, timeout: float,
             tick: Callable[[float], None] = lambda _elapsed: None,
             on_event: Callable[[dict[str, Any]], None] = lambda _event: None) -> list[dict[str, Any]]:
    """Run the jobs side by side; return each one's output (the first is the one that measures).

    *timeout* (s) bounds the first job; *tick* gets the seconds elapsed about
    ten times a second; *on_event* gets, within a tenth of a second, each
    event the first job reports while it runs (``{"event": "spawned",
    "label": round label}`` when all users of a round have started, ``"measuring"``
    when its measured part begins, ``"stopped"`` when it has stopped).
    Raises RunError when a job fails or overruns, and ConfigError when a
    job finds the scenario or locustfile unusable (exit 2 of the child); no
    child survives the call.
    """
    artifacts_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="echotune-load-") as tmp:
        children: list[Child] = []
        try:
            for i, job in enumerate(jobs):
                # A Ctrl-C while a child is being started is raised once it is in children, which the
                # finally stops (raised between Popen and append, the child went on alone).
                with deferred_signals():
                    children.append(_start(job, Path(tmp), artifacts_dir, i))
            _wait(children, timeout, tick, on_event)
        finally:
            stop_children(children)
        return [_read_output(c) for c in children]


def _start(job: Job, tmp: Path, artifacts_dir: Path, index: int) -> Child:
    out = tmp / f"out-{index}.json"
    events = tmp / f"events-{index}.jsonl"
    job_file = tmp / f"job-{index}.json"
    payload = {
        "role": job.role,
        "plan": job.plan,
        "rounds": job.rounds,
        "master_host": job.master_host,
        "bind_host": job.bind_host,
        "port": job.port,
        "expect_workers": job.expect_workers,
        "expect_timeout": job.expect_timeout,
        "index": index,
        "artifacts_dir": str(artifacts_dir.resolve()),
        "out": str(out),
        "events": str(events),
    }
    job_file.write_text(json.dumps(payload), encoding="utf-8")
    log = artifacts_dir / ("locust.log" if index == 0 else f"locust-worker-{index}.log")
    # The locustfile may come from the change under test: no toolkit credential, and no proxy for
    # the loopback app (its login carries the test password).
    env = without_proxy_for_loopback(child_environment(dict(os.environ, PYTHONUNBUFFERED="1")))
    with log.open("wb") as fh:
        proc = subprocess.Popen(
            [sys.executable, "-m", "echotune_ci.phases.load.worker", str(job_file)],
            stdin=subprocess.DEVNULL,
            stdout=fh,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    return Child(job, proc, out, log, events)


def _wait(children: list[Child], timeout: float, tick: Callable[[float], None],
          on_event: Callable[[dict[str, Any]], None]) -> None:
    start = time.monotonic()
    lead = children[0]
    while lead.proc.poll() is None:
        for event in _new_events(lead):
            on_event(event)
        elapsed = time.monotonic() - start
        if elapsed > timeout:
            raise RunError(f"the load test did not stop within {timeout:.0f}s; see {lead.log}")
        # A worker that dies early (bad locustfile, refused host) explains why the test cannot run.
        for child in children[1:]:
            if child.proc.poll() not in (None, 0) and child.out.exists():
                _raise_child_error(child)
        tick(elapsed)
        time.sleep(0.1)
    # Workers leave once the master said quit; give them a moment to do it on their own.
    deadline = time.monotonic() + GRACE_S
    for child in children[1:]:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.proc.wait(timeout=max(0.0, deadline - time.monotonic()))


def _new_events(child: Child) -> list[dict[str, Any]]:
    """The complete lines *child* appended to its events file since the last call, parsed."""
    try:
        with child.events.open("rb") as fh:
            fh.seek(child.events_read)
            data = fh.read()
    except FileNotFoundError:
        return []
    complete = data[:data.rfind(b"\n") + 1]
    child.events_read += len(complete)
    events = []
    for line in complete.splitlines():
        with contextlib.suppress(ValueError):
            event = json.loads(line)
            if isinstance(event, dict):
                events.append(event)
    return events


def stop_children(children: list[Child]) -> None:
    """SIGTERM, a grace period (:data:`GRACE_S`), then SIGKILL for each child's whole process group.

    While a Ctrl-C or SIGTERM unwinds the run, nobody reads what the children
    would write, so the grace is :data:`INTERRUPTED_GRACE_S` (it used to add
    its 5 s to the app's stop time); a further Ctrl-C or SIGTERM meanwhile ends the
    grace at once and is delivered again afterwards, so no child survives
    (:func:`~echotune_ci.serve.process.deferred_signals`).
    """
    grace = INTERRUPTED_GRACE_S if interrupted() else GRACE_S
    with deferred_signals() as hurry:
        alive = [c for c in children if c.proc.poll() is None]
        for c in alive:
            _signal_group(c.proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while any(c.proc.poll() is None for c in alive) and time.monotonic() < deadline \
                and not hurry.is_set():
            time.sleep(0.05)
        for c in children:
            _signal_group(c.proc.pid, signal.SIGKILL)
        for c in children:
            # A process that survives SIGKILL (uninterruptible sleep) is left to the OS.
            with contextlib.suppress(subprocess.TimeoutExpired):
                c.proc.wait(timeout=KILL_WAIT_S)


def _signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _read_output(child: Child) -> dict[str, Any]:
    code = child.proc.returncode
    if not child.out.exists():
        raise RunError(f"locust {child.job.role} process exited with code {code} without results"
                       f"{_log_tail(child.log)}")
    data: dict[str, Any] = json.loads(child.out.read_text(encoding="utf-8"))
    if "error" in data:
        _raise_child_error(child, data)
    return data


def _raise_child_error(child: Child, data: dict[str, Any] | None = None) -> None:
    data = data or json.loads(child.out.read_text(encoding="utf-8"))
    message = data.get("error") or f"locust {child.job.role} failed{_log_tail(child.log)}"
    if child.proc.returncode == 2:
        raise ConfigError(message)
    raise RunError(message)


def _log_tail(log: Path) -> str:
    try:
        lines = [ln for ln in log.read_text("utf-8", "replace").splitlines() if ln.strip()]
    except OSError:
        return ""
    return f"; last output: {lines[-1][:300]} (see {log})" if lines else ""
