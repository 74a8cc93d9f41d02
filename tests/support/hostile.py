"""Hostile and faulty input for the error-contract tests: valid result documents to spoil, the CLI run
in-process (so that an unmapped exception surfaces as itself, not as a subprocess's exit code), and a
folder that even root cannot write."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from echotune_ci.cli import main
from echotune_ci.results import Finding, Metric, PhaseResult, assign_fingerprints


def load_doc(p95: float = 120.0, error_rate: float = 0.5, samples: list[float] | None = None,
             phase: str = "load") -> dict[str, Any]:
    """A valid result document of the load phase: p95 (budget 200 ms) and error rate (budget 1 %)."""
    result = PhaseResult(phase=phase, duration_s=1.5, target="http://127.0.0.1:1")
    result.metrics = [
        Metric("p95_ms", p95, "ms", budget=200.0, samples=list(samples or [])).evaluate(),
        Metric("error_rate_pct", error_rate, "%", budget=1.0).evaluate(),
        Metric("rps", 850.0, "req/s", "higher"),
    ]
    result.findings = assign_fingerprints([Finding("X1", "low", "a note", "tool", context="c")])
    return result.finalize(fail_on="high").to_dict()


def write_doc(path: Path, doc: Any) -> Path:
    """*doc* as JSON at *path* (NaN and Infinity written as Python's json writes them)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run ``echotune-ci ARGS`` in this process; (exit code, stdout, stderr). Any exception the CLI
    does not turn into an exit code fails the calling test with that exception."""
    with pytest.raises(SystemExit) as stopped:
        main(list(args))
    out = capsys.readouterr()
    code = stopped.value.code
    return (code if isinstance(code, int) else 0 if code is None else 1), out.out, out.err


def assert_one_line_error(code: int, err: str, expected_code: int, *needles: str) -> None:
    """*code* is *expected_code*; stderr ends with the one "echotune-ci: error: ..." line, which holds
    every needle (progress lines of `run` may come before it), and holds no traceback."""
    assert code == expected_code, err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("echotune-ci:")]
    assert len(errors) == 1 and lines[-1] == errors[0] and errors[0].startswith("echotune-ci: error: "), err
    for needle in needles:
        assert needle in errors[0], (needle, err)


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[Path]:
    """*folder* made unwritable for this process: chmod 0555, and for root (who ignores modes) the
    immutable attribute (e2fsprogs' chattr; ext4, XFS and btrfs support it: a file system that does not is a
    set-up fault, reported as a failure, never hidden by a skip)."""
    folder.mkdir(parents=True, exist_ok=True)
    immutable = False
    if os.geteuid() == 0:
        chattr = shutil.which("chattr")
        done = chattr is not None and subprocess.run([chattr, "+i", str(folder)],
                                                     capture_output=True).returncode == 0
        if not done:
            pytest.fail(f"running as root and chattr +i failed on {folder}: run the tests on ext4")
        immutable = True
    else:
        folder.chmod(0o555)
    try:
        yield folder
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(folder)], check=False)
        folder.chmod(0o755)
