"""The app's setup and build steps: run before its start command, in its own environment.

Setup (installing dependencies) runs again only when its inputs changed:
a stamp in ``<cwd>/.echotune/setup-stamp.json`` keeps the command and a
hash of each input file (lockfiles, requirements, manifests) of the last
setup that succeeded. Build (compiling assets) runs on every `run`, since
it turns the code under test into what is served.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from .. import console
from ..errors import ConfigError, RunError
from ..fsutil import write_json_atomic
from .output import missing_tool, summarise

# What decides an install, by ecosystem; the ones present in cwd are the default setup_inputs.
SETUP_INPUTS = (
    "package.json", "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", ".nvmrc",
    "requirements.txt", "requirements-dev.txt", "requirements/base.txt", "requirements/production.txt",
    "constraints.txt", "pyproject.toml", "poetry.lock", "uv.lock", "Pipfile", "Pipfile.lock", "pdm.lock",
    "setup.py", "setup.cfg", ".python-version",
)
STAMP = Path(".echotune") / "setup-stamp.json"


def setup_inputs(cwd: Path, configured: Sequence[str]) -> list[Path]:
    """The files whose change re-runs setup: *configured* (relative to *cwd*), else the known
    lockfiles and manifests present in *cwd*. ConfigError names a configured file that is missing."""
    if configured:
        paths = [cwd / p for p in configured]
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise ConfigError(f"serve.setup_inputs: {', '.join(missing)} not found")
        return paths
    return [cwd / name for name in SETUP_INPUTS if (cwd / name).is_file()]


def setup_fingerprint(command: str, inputs: Sequence[Path]) -> dict[str, object]:
    """What the stamp records: the command and the SHA-256 of each input file."""
    hashes = {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in inputs}
    return {"command": command, "inputs": hashes}


def setup_is_current(cwd: Path, fingerprint: Mapping[str, object]) -> bool:
    """Whether the last successful setup in *cwd* had the same command and inputs."""
    try:
        return bool(json.loads((cwd / STAMP).read_text(encoding="utf-8")) == fingerprint)
    except (OSError, ValueError):
        return False


def run_step(name: str, command: str, cwd: Path, env: Mapping[str, str], timeout: float) -> float:
    """Run one shell step (setup or build) in *cwd* with *env*; its duration in seconds.

    Raises RunError (exit 3) when it fails, naming a tool the shell could not
    find, or showing the lines of its output that say why.
    """
    started = time.monotonic()
    try:
        proc = subprocess.run(["/bin/sh", "-c", command], cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, errors="replace", timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RunError(f"serve.{name} did not finish within {timeout:g}s ({command})") from None
    except OSError as exc:
        raise RunError(f"serve.{name} could not start: {exc}") from None
    lines = (proc.stdout + proc.stderr).splitlines()
    if proc.returncode != 0:
        tool = missing_tool(lines) if proc.returncode == 127 else None
        if tool:
            raise RunError(f"serve.{name} needs `{tool}`, which is not installed (not on PATH); install it "
                           f"or fix the command ({command})")
        raise RunError(f"serve.{name} failed with exit code {proc.returncode} ({command})" + summarise(lines))
    return time.monotonic() - started


def prepare(setup: str, build: str, *, cwd: Path, environment: Callable[[], Mapping[str, str]],
            inputs: Sequence[str] = (), timeout: float = 900.0, force: bool = False) -> list[str]:
    """Run setup (unless its stamp is current, or *force*) and build; one note per step for people.

    *environment* gives each step's environment when it starts: setup may
    create the project's virtualenv or node_modules that build then uses.
    """
    notes = []
    if setup:
        fingerprint = setup_fingerprint(setup, setup_inputs(cwd, inputs))
        if not force and setup_is_current(cwd, fingerprint):
            notes.append(f"setup: skipped, inputs unchanged since the last setup ({cwd / STAMP})")
        else:
            with console.progress("setup") as p:
                p.update(setup)
                took = run_step("setup", setup, cwd, environment(), timeout)
            write_json_atomic(cwd / STAMP, fingerprint)
            notes.append(f"setup: done in {took:.0f}s")
    if build:
        with console.progress("build") as p:
            p.update(build)
            took = run_step("build", build, cwd, environment(), timeout)
        notes.append(f"build: done in {took:.1f}s")
    return notes
