"""A git repository holding a copy of the example app, for `run --base-ref` tests: a commit is the base,
the working tree the head. The example's own environment (its .venv) is linked in, so `[serve] setup`
only checks that it is there."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from conftest import MUSICAPP, musicapp_environment

SKIP = shutil.ignore_patterns(".venv", "dist", "__pycache__", "node_modules", "echotune.toml", "*.db")

SERVE = """\
[serve]
setup = "test -x .venv/bin/python"
build = "{build}"
command = "gunicorn --worker-class gevent --workers 2 --bind 127.0.0.1:{{port}} --log-level warning app:app"
ready_url = "http://127.0.0.1:{{port}}/health"
timeout = "30s"
{env}
"""

MEASURE = """\
[run]
phases = ["bundle", "frontend", "load"]

[gate]
# As many samples as configured: no adaptive rounds, so the recorded order is known in advance. Six per
# build: the sampled metrics of a phase are one family at half of alpha (0.025 / K, K about 6), which
# 5 against 5 (smallest p 1/252) can barely reach and 4 against 4 (1/70) never; 6 against 6: 1/924.
max_runs = 6

[bundle]
globs = ["static/dist/*.js", "static/dist/*.css"]

[frontend]
runs = 6
preset = "desktop"
# TTI's quiet window, waited out after each of the 12 loads: half of the default 1 s (the example's page is
# quiet within 0.1 s of its load; what is tested here is the verdict).
quiet_window = "{quiet}"

[[frontend.pages]]
path = "/"
name = "home"

[load]
users = 10
spawn_rate = 10
wait_min = "0.05s"
wait_max = "0.2s"
# The app's CPU counts for a round only from its second sample in that round: a few per 1 s round even
# when the machine is busy and the sampler lags.
sample_interval = "0.2s"

[load.compare]
rounds = 6
round_duration = "1s"

[[load.endpoints]]
name = "/api/tracks"
path = "/api/tracks?q=jazz&limit=20"

[api]
# Tests that run it only need a phase that needs both apps: one generated request per operation, timed
# against a budget no stall of a busy runner reaches (they run beside other tests; what they check is what
# is said about the base).
max_examples = 1
p95_ms = 5000
"""


def config(build: str = "python build.py", env: str = "", quiet: str = "0.5s") -> str:
    """An echotune.toml for the copied app: its [serve] and the short measurement plan above (TTI's quiet
    window *quiet*)."""
    return SERVE.format(build=build, env=env) + "\n" + MEASURE.format(quiet=quiet)


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True)
    return done.stdout


def make_repo(tmp_path: Path, base_config: str | None) -> tuple[Path, Path]:
    """A git repository holding the example app under app/ (and *base_config* as app/echotune.toml
    when given) in one commit; the repository and the app folder."""
    repo = tmp_path / "repo"
    app = repo / "app"
    app.mkdir(parents=True)
    shutil.copytree(MUSICAPP, app, ignore=SKIP, dirs_exist_ok=True)
    (repo / ".gitignore").write_text(".venv\n__pycache__/\nstatic/dist/\n")
    if base_config is not None:
        (app / "echotune.toml").write_text(base_config)
    (app / ".venv").symlink_to(musicapp_environment().resolve(), target_is_directory=True)
    git(repo, "init", "--quiet", "--initial-branch=main")
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "-m", "base")
    return repo, app


def side_by_side(out: Path) -> dict:
    return json.loads((out / "artifacts" / "side-by-side.json").read_text())


def comparisons(out: Path) -> dict[str, dict]:
    report = json.loads((out / "report" / "report.json").read_text())
    return {f"{c['phase']}:{c['key']}": c for c in report["gate"]["comparisons"]}


def overlaid(base_modules: Path, head_modules: Path) -> bool:
    """Whether *base_modules* is what a base linked to the head's environment gets (see
    ``environment.reuse_environment``): a folder, not a link to *head_modules*, with a link to each of its
    packages (scope folders and ``.bin`` as folders of links in turn) and none of its build caches."""
    from echotune_ci.baseref.environment import BUILD_CACHES

    if base_modules.is_symlink() or not base_modules.is_dir():
        return False
    names = {entry.name for entry in head_modules.iterdir()} - BUILD_CACHES
    if {entry.name for entry in base_modules.iterdir()} != names:
        return False
    return all((base_modules / name).resolve() == (head_modules / name).resolve()
               if (base_modules / name).is_symlink() else (base_modules / name).is_dir() for name in names)


def hardlinked(base_modules: Path, head_modules: Path) -> bool:
    """Whether *base_modules* is what a base linked to the head's environment gets on one file system (see
    ``environment.reuse_environment``): folders of its own whose files are the head's (hard links), so
    that what a bundler resolves there stays in the base's checkout, and none of its build caches."""
    from echotune_ci.baseref.environment import BUILD_CACHES

    if base_modules.is_symlink() or not base_modules.is_dir():
        return False
    for mine in head_modules.rglob("*"):
        rel = mine.relative_to(head_modules)
        if rel.parts[0] in BUILD_CACHES or not mine.is_file() or mine.is_symlink():
            continue
        theirs = base_modules / rel
        if not os.path.samefile(theirs, mine) or not theirs.resolve().is_relative_to(base_modules.resolve()):
            return False
    return not any((base_modules / name).exists() for name in BUILD_CACHES)

