"""Helpers for the load tests: run `echotune-ci load` and prove nothing is left running.

Every locust process inherits the environment of the CLI that started it, so
a marker variable finds them all, even ones orphaned in sessions of their own.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import psutil
import pytest

from conftest import run_cli
from echotune_ci.results import PhaseResult, load_result

MARK = "ECHOTUNE_LOAD_TEST_MARK"


def marked(pid_env: dict[str, str] | None, mark: str) -> bool:
    return bool(pid_env) and pid_env.get(MARK) == mark


def processes_with_mark(mark: str) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["pid"]):
        try:
            if proc.status() != psutil.STATUS_ZOMBIE and marked(proc.environ(), mark):
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


@pytest.fixture()
def load_env(cli_env):
    """The CLI environment plus a marker; after the test no marked process may remain."""
    mark = uuid.uuid4().hex
    env = dict(cli_env, **{MARK: mark})
    yield env
    deadline = time.monotonic() + 10
    left = processes_with_mark(mark)
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = processes_with_mark(mark)
    names = [" ".join(p.cmdline()[-2:]) for p in left]
    for p in left:
        p.kill()
    assert not left, f"stray processes after the test: {names}"


def write_config(folder: Path, text: str) -> Path:
    path = folder / "echotune.toml"
    path.write_text(text, encoding="utf-8")
    return path


def load(env: dict[str, str], cwd: Path, *args: str, output: str = "results/load.json"):
    """Run `echotune-ci load ... --output <output>`; returns (process, result or None)."""
    proc = run_cli("load", *args, "--output", output, env=env, cwd=cwd, timeout=180)
    out = cwd / output
    return proc, (load_result(out) if out.exists() else None)


def total(result: PhaseResult, name: str):
    found = [m for m in result.metrics if m.name == name and not m.labels]
    assert len(found) == 1, [m.key for m in result.metrics]
    return found[0]


def endpoint(result: PhaseResult, name: str, key: str):
    found = [m for m in result.metrics if m.name == name and m.labels == {"endpoint": key}]
    assert len(found) == 1, [m.key for m in result.metrics]
    return found[0]
