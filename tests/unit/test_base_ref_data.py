"""A local SQLite database the head has and the base's fresh checkout lacks (a helper's djangox run: the
head's db.sqlite3, filled by using the app, against the empty one the base's `migrate` made) is named in
a warning, so nobody takes the data's cost for the change's."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

from echotune_ci.baseref.data import data_warnings, local_databases


def database(path: Path, rows: int = 1) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as db:
        db.execute("create table t (x)")
        db.executemany("insert into t values (?)", [(i,) for i in range(rows)])
    db.close()


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def project(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    database(repo / "fixtures" / "seed.db")  # committed: the base's checkout has it too
    (repo / "notes.db").write_text("not a database, only named like one\n")
    (repo / ".gitignore").write_text("instance/\n*.sqlite3\n")
    git(repo, "init", "--quiet")
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "-m", "base")
    database(repo / "db.sqlite3", rows=500)  # ignored, filled by using the app
    database(repo / "instance" / "app.db")  # in an ignored folder (Flask's instance folder)
    database(repo / "data.sqlite")  # untracked, not ignored
    database(repo / ".venv" / "lib" / "cache.db")  # installed packages are not the app's data
    database(repo / "node_modules" / "pkg" / "test.db")
    (repo / "env").mkdir()
    (repo / "env" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    return repo


def test_the_heads_untracked_sqlite_databases_are_found(tmp_path):
    assert local_databases(project(tmp_path)) == ["data.sqlite", "db.sqlite3", "instance/app.db"]


def test_a_folder_without_databases_or_outside_git_has_none(tmp_path):
    assert local_databases(tmp_path) == []
    database(tmp_path / "x.db")
    assert local_databases(tmp_path) == ["x.db"]  # no git: nothing is tracked


def test_each_database_the_base_lacks_or_made_anew_is_a_warning(tmp_path):
    base = tmp_path / "base"
    database(base / "db.sqlite3")  # the base's setup ran migrate
    warnings = data_warnings(["db.sqlite3", "instance/app.db"], base)
    assert len(warnings) == 2
    assert warnings == [
        "the head's db.sqlite3, a SQLite database git does not track, predates this run and may hold "
        "data the base's lacks: the builds may serve different data (make it in [serve] setup, or remove "
        "the file)",
        "the head has instance/app.db, a SQLite database git does not track, and the base has none: the "
        "builds may serve different data (make it in [serve] setup, or remove the file)"]
    assert data_warnings([], base) == []
