"""The data each build serves: a local SQLite database the head has and the base's checkout lacks.

The base is a fresh checkout of its ref, so files git does not track are not
in it. A Django or Flask project on a developer's machine usually has one
that matters: ``db.sqlite3`` or ``instance/app.db``, filled by using the
app. The head then serves its rows and the base an empty database made by
its setup (or none at all), and the comparison measures the data, not the
change. A fresh CI clone has no such file, so there is nothing to say there.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

SQLITE_MAGIC = b"SQLite format 3\x00"  # the first 16 bytes of every SQLite 3 database file
DB_SUFFIXES = (".sqlite", ".sqlite3", ".db", ".db3")
# Installed packages and caches hold no data of the app's, and walking node_modules would cost seconds.
SKIPPED_FOLDERS = frozenset({".git", "node_modules", ".venv", "venv", "env", "__pycache__", ".tox", ".nox",
                             ".mypy_cache", ".pytest_cache", ".ruff_cache", ".next", ".cache"})
MAX_FILES = 50_000


def local_databases(folder: Path) -> list[str]:
    """Paths (relative to *folder*, ``/``-separated, sorted) of the SQLite database files under *folder*
    that git does not track, looked for by name (:data:`DB_SUFFIXES`) and recognised by their header;
    installed packages and caches (:data:`SKIPPED_FOLDERS`, any virtualenv) are not searched, and the
    search stops after :data:`MAX_FILES` files. Never raises: an unreadable file or folder is skipped."""
    found: list[str] = []
    seen = 0
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs
                   if d not in SKIPPED_FOLDERS and not (Path(root, d) / "pyvenv.cfg").exists()]
        seen += len(files)
        for name in files:
            if name.endswith(DB_SUFFIXES) and _is_sqlite(Path(root, name)):
                found.append(Path(root, name).relative_to(folder).as_posix())
        if seen > MAX_FILES:
            break
    tracked = _tracked(folder, found)
    return sorted(p for p in found if p not in tracked)


def _is_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False


def _tracked(folder: Path, paths: list[str]) -> set[str]:
    if not paths:
        return set()
    try:
        done = subprocess.run(["git", "-C", str(folder), "ls-files", "-z", "--", *paths], capture_output=True,
                              timeout=30, stdin=subprocess.DEVNULL, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return set()
    if done.returncode != 0:
        return set()
    return {p for p in done.stdout.decode("utf-8", "replace").split("\0") if p}


def data_warnings(before: list[str], base_folder: Path) -> list[str]:
    """One warning per database of the head that was there before the run (*before*:
    :func:`local_databases` of the head's folder, taken before its setup ran), saying whether the base
    (its folder after its own setup: *base_folder*) has one at that path. Empty when *before* is."""
    advice = "the builds may serve different data (make it in [serve] setup, or remove the file)"
    out = []
    for rel in before:
        if (base_folder / rel).exists():
            out.append(f"the head's {rel}, a SQLite database git does not track, predates this run and may "
                       f"hold data the base's lacks: {advice}")
        else:
            out.append(f"the head has {rel}, a SQLite database git does not track, and the base has none: "
                       f"{advice}")
    return out
