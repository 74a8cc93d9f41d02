"""A pnpm project whose package.json ``packageManager`` names an old pnpm, on a machine whose pnpm is a
global pnpm 9, not corepack's shim: init says setup will fail.

marsidev/vite-express-starter declares "pnpm@7.0.0" beside a lockfileVersion 5.4 pnpm-lock.yaml. init
trusted the declaration (corepack would run pnpm 7) and wrote no check; the pnpm here was a global
9.15.9, and the first `run` stopped at setup with ERR_PNPM_LOCKFILE_BREAKING_CHANGE. The ``pnpm`` here are
small scripts on PATH that answer ``--version`` as pnpm does.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from echotune_ci.project import runtimes, workspaces
from echotune_ci.project.init import app_setup
from test_init_workspaces import machine, write  # noqa: F401 (machine: an autouse fixture)

LOCK_54 = "lockfileVersion: 5.4\n\nspecifiers: {}\n"
SERVER = "const app = require('express')()\napp.listen(process.env.PORT)\n"


def package(manager: str) -> str:
    return ('{"name": "demo", "scripts": {"start": "node server.js"}, "dependencies": {"express": "^4.18.1"}'
            f'{f", {chr(34)}packageManager{chr(34)}: {chr(34)}{manager}{chr(34)}" if manager else ""}}}\n')


def a_pnpm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, version: str,
           folder: str = "pnpm-global") -> None:
    """A ``pnpm`` first on PATH that answers ``--version`` with *version*, its real file in *folder*."""
    script = write(tmp_path / folder / "bin", {"pnpm.cjs": f"#!/bin/sh\necho {version}\n"}) / "pnpm.cjs"
    script.chmod(0o755)
    bin_dir = tmp_path / "path"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "pnpm").symlink_to(script)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(workspaces, "installed", lambda program: True)
    runtimes.installed.cache_clear()


@pytest.fixture(autouse=True)
def _fresh_versions():
    runtimes.installed.cache_clear()
    yield
    runtimes.installed.cache_clear()


def pnpm_checks(root: Path) -> list[str]:
    return [n for n in app_setup(root).all_checks() if "pnpm" in n]


def test_a_declared_old_pnpm_and_a_global_pnpm_9_get_a_check(tmp_path: Path, monkeypatch) -> None:
    project = write(tmp_path / "app", {"package.json": package("pnpm@7.0.0"), "pnpm-lock.yaml": LOCK_54,
                                       "server.js": SERVER})
    a_pnpm(tmp_path, monkeypatch, "9.15.9")
    assert pnpm_checks(project) == [
        "package.json packageManager asks for pnpm@7.0.0 and the pnpm here is 9.15.9, not corepack's (which "
        "would run the version asked): it refuses this pnpm 7 lockfile (ERR_PNPM_LOCKFILE_BREAKING_CHANGE); "
        "setup needs pnpm 7 here (`npm install -g pnpm@7`); in CI, pnpm/action-setup installs the version "
        "packageManager names"]


@pytest.mark.parametrize(("version", "folder"), [
    ("9.15.9", "corepack"),  # corepack's shim runs the version packageManager names
    ("7.33.7", "pnpm-global"),  # a pnpm 7 reads the lockfile
])
def test_corepacks_pnpm_or_an_old_enough_one_gets_none(tmp_path: Path, monkeypatch, version: str,
                                                        folder: str) -> None:
    project = write(tmp_path / "app", {"package.json": package("pnpm@7.0.0"), "pnpm-lock.yaml": LOCK_54,
                                       "server.js": SERVER})
    a_pnpm(tmp_path, monkeypatch, version, folder)
    assert pnpm_checks(project) == []


def test_an_undeclared_old_lockfile_names_the_error_pnpm_gives_for_it(tmp_path: Path, monkeypatch) -> None:
    # pnpm 9.15.9 says ERR_PNPM_LOCKFILE_BREAKING_CHANGE of a 5.3 or 5.4 lockfile; the check said
    # ERR_PNPM_BROKEN_LOCKFILE
    project = write(tmp_path / "app", {"package.json": package(""), "pnpm-lock.yaml": LOCK_54,
                                       "server.js": SERVER})
    a_pnpm(tmp_path, monkeypatch, "9.15.9")
    assert pnpm_checks(project) == [
        "pnpm-lock.yaml is a pnpm 7 lockfile, which pnpm 9 and later refuse "
        "(ERR_PNPM_LOCKFILE_BREAKING_CHANGE): setup needs pnpm 7 (`npm install -g pnpm@7`, or "
        '"packageManager": "pnpm@7.x.y" in package.json with corepack)']


# pnpm 8's lockfile format, as pnpm 8.15 writes it for a project with no dependencies
LOCK_60 = "lockfileVersion: '6.0'\n\nsettings:\n  autoInstallPeers: true\n  excludeLinksFromLockfile: false\n"


def test_a_pnpm_8_lockfile_is_read_by_pnpm_9_and_refused_from_pnpm_10(tmp_path: Path, monkeypatch) -> None:
    # theodorusclarence/ts-nextjs-tailwind-starter: a lockfileVersion 6.0 pnpm-lock.yaml, and the pnpm here a
    # global 9.15.9, which installed it with --frozen-lockfile in 17 s; init's check said "pnpm 9 and later
    # refuse (ERR_PNPM_BROKEN_LOCKFILE): setup needs pnpm 8". pnpm 10 is the one that refuses it.
    project = write(tmp_path / "app", {"package.json": package(""), "pnpm-lock.yaml": LOCK_60,
                                       "server.js": SERVER})
    a_pnpm(tmp_path, monkeypatch, "9.15.9")
    assert pnpm_checks(project) == [
        "pnpm-lock.yaml is a pnpm 8 lockfile, which pnpm 10 and later refuse "
        "(ERR_PNPM_LOCKFILE_BREAKING_CHANGE): setup needs pnpm 8 or 9 (`npm install -g pnpm@9`, or "
        '"packageManager": "pnpm@9.x.y" in package.json with corepack)']
    (project / "package.json").write_text(package("pnpm@8.15.9"))
    assert pnpm_checks(project) == []  # a global pnpm 9 reads what the declared pnpm 8 wrote
    a_pnpm(tmp_path / "other", monkeypatch, "10.4.1")
    assert pnpm_checks(project) == [
        "package.json packageManager asks for pnpm@8.15.9 and the pnpm here is 10.4.1, not corepack's (which "
        "would run the version asked): it refuses this pnpm 8 lockfile (ERR_PNPM_LOCKFILE_BREAKING_CHANGE); "
        "setup needs pnpm 8 or 9 here (`npm install -g pnpm@9`); in CI, pnpm/action-setup installs the "
        "version packageManager names"]


def test_the_pnpm_9_here_installs_from_a_pnpm_8_lockfile(tmp_path: Path, monkeypatch) -> None:
    # what the check above says of pnpm 9, with the real one: nothing to fetch, so no registry is needed
    monkeypatch.setattr(workspaces, "installed", lambda program: bool(shutil.which(program)))
    pnpm = shutil.which("pnpm")
    version = subprocess.run([pnpm, "--version"], capture_output=True, text=True, timeout=60,
                             check=False).stdout.strip() if pnpm else ""
    if not version.startswith("9."):
        pytest.skip(f"needs a pnpm 9 on PATH (found {version or 'none'})")
    project = write(tmp_path / "app", {"package.json": package("").replace(
        ', "dependencies": {"express": "^4.18.1"}', ""), "pnpm-lock.yaml": LOCK_60, "server.js": SERVER})
    said = pnpm_checks(project)
    assert said and not any("pnpm 9 and later refuse" in n for n in said), said
    done = subprocess.run([pnpm, "install", "--frozen-lockfile", "--offline"], cwd=project,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
