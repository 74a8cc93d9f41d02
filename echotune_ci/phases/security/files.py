"""Which files the static checks look at: given files, or a tree minus exclusions.

Inside a git work tree the tree is what git tracks or would track (so ignored
build output and virtualenvs stay out); elsewhere it is a plain walk.
"""

from __future__ import annotations

import fnmatch
import os
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath

from ...errors import InputError
from ...fsutil import json_or_none, tracked_files

_GLOB_CHARS = set("*?[")


def relative_to_root(path: Path, root: Path) -> str:
    """A repo-relative POSIX path for reports; absolute when outside the repo."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def is_excluded(rel: str, patterns: Iterable[str]) -> bool:
    """Whether repo-relative POSIX path *rel* matches one of *patterns*.

    A bare name (``tests``) excludes any path component of that name; a
    pattern with ``/`` or glob characters is matched against the path
    (``**/`` also matches at the top and against the file name).
    """
    parts = PurePosixPath(rel).parts
    for pattern in patterns:
        pattern = pattern.strip().rstrip("/")
        if not pattern:
            continue
        if "/" not in pattern and not (_GLOB_CHARS & set(pattern)):
            if pattern in parts:
                return True
            continue
        if fnmatch.fnmatchcase(rel, pattern):
            return True
        if pattern.startswith("**/") and (fnmatch.fnmatchcase(rel, pattern[3:])
                                          or fnmatch.fnmatchcase(parts[-1], pattern[3:])):
            return True
        if "/" not in pattern and any(fnmatch.fnmatchcase(p, pattern) for p in parts):
            return True
    return False


def _git_files(folder: Path) -> list[Path] | None:
    try:
        proc = subprocess.run(
            ["git", "-C", str(folder), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            capture_output=True, timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None
    names = [n for n in proc.stdout.decode("utf-8", "surrogateescape").split("\0") if n]
    return [folder / n for n in names]


def _walk(folder: Path, root: Path, exclude: Sequence[str]) -> list[Path]:
    out: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames
                             if not is_excluded(relative_to_root(here / d, root), exclude)
                             and not (here / d / VENV_MARKER).is_file())
        out.extend(here / f for f in sorted(filenames))
    return out


# A virtual environment's marker (PEP 405): the folder holds installed packages, never the project's code
# (the .venv [serve] setup makes, under any name, which a project's .gitignore may not list).
VENV_MARKER = "pyvenv.cfg"


def _outside_environments(paths: list[Path]) -> list[Path]:
    """*paths* without the files of a virtual environment among them (a folder holding pyvenv.cfg)."""
    environments = {p.parent for p in paths if p.name == VENV_MARKER}
    if not environments:
        return paths
    return [p for p in paths if not any(e == p.parent or e in p.parents for e in environments)]


def collect_files(root: Path, paths: Sequence[str | Path], exclude: Sequence[str], *,
                  suffixes: tuple[str, ...] = (), use_git: bool = True) -> list[Path]:
    """Files under *paths* (default: *root*), minus *exclude*, optionally only *suffixes*.

    Relative *paths* are taken from *root*. Returns sorted, de-duplicated
    regular files (no symlinks), none inside a virtual environment (a folder
    holding ``pyvenv.cfg``). Raises InputError (exit 2) for a path that is
    neither a file nor a folder.
    """
    targets = [Path(p) for p in paths] or [root]
    found: list[Path] = []
    for target in targets:
        if not target.is_absolute():
            target = root / target
        if target.is_file():
            candidates = [target]
        elif target.is_dir():
            listed = _git_files(target) if use_git else None
            candidates = _outside_environments(listed) if listed is not None else _walk(target, root, exclude)
        else:
            raise InputError(f"{target}: no such file or folder to scan")
        for path in candidates:
            rel = relative_to_root(path, root)
            if suffixes and not path.name.endswith(suffixes):
                continue
            if is_excluded(rel, exclude) or not path.is_file() or path.is_symlink():
                continue
            found.append(path)
    return sorted(dict.fromkeys(found))


def earlier_outputs(files: Iterable[Path], targets: Iterable[Path]) -> list[Path]:
    """The folders among *files* that an earlier ``echotune-ci run`` wrote and git does not track:
    each holds ``report/report.json`` whose ``generator`` is echotune-ci, and none of its files is
    tracked (a run's ``--output-dir results/`` left in the working tree). Committed folders never
    count, so a pull request cannot hide a file from the scans behind a report of its own; outside a
    git work tree nothing counts; nor does a folder that is one of the scan's *targets* or holds one,
    or that holds anything a run does not write (``-o .`` wrote a report into a project itself)."""
    asked = [t.resolve() for t in targets]
    found = []
    for path in files:
        if path.name != "report.json" or path.parent.name != "report":
            continue
        folder = path.parent.parent
        if any(t.is_relative_to(folder.resolve()) for t in asked) or not _only_output(folder):
            continue
        data = json_or_none(path)
        if data is None:
            continue
        if not (isinstance(data, dict) and str(data.get("generator", "")).startswith("echotune-ci ")):
            continue
        try:
            tracked = tracked_files(folder)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if tracked == []:
            found.append(folder)
    return found


# What `run` writes at the top of its output folder: result files (<phase>.json), the report, the
# artifacts, the base's results, and its hidden lock and staging files.
_OUTPUT_FOLDERS = frozenset({"report", "artifacts", "base"})


def _only_output(folder: Path) -> bool:
    """Whether *folder* holds nothing but what a run writes (a project's own files rule it out)."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return False
    for entry in entries:
        if entry.name.startswith(".echotune"):
            continue
        if entry.is_dir(follow_symlinks=False) and entry.name in _OUTPUT_FOLDERS:
            continue
        if entry.is_file(follow_symlinks=False) and entry.name.endswith(".json"):
            continue
        return False
    return True
