"""A local SQLite database of the head's that the base lacks or holds other rows in (a helper's djangox
run: the head's db.sqlite3, filled by using the app, against the empty one the base's `migrate` made) is
named in a warning, so nobody takes the data's cost for the change's. Where both builds made theirs
alike (a fresh CI clone, flaskr's `init-db` emptying the head's too) nothing is said."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from echotune_ci.baseref import data
from echotune_ci.baseref.data import data_warnings, local_databases, table_rows

ADVICE = "the comparison may measure the data, not the change; make the data in [serve] setup or build"


def database(path: Path, rows: int = 1, table: str = "t") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as db:
        db.execute(f"create table if not exists {table} (x)")
        db.executemany(f"insert into {table} values (?)", [(i,) for i in range(rows)])
    db.close()


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def project(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    database(repo / "fixtures" / "seed.db")  # committed: the base's checkout has it too
    database(repo / "fixtures" / "-dash [x].db")  # committed, with a name git would read as a pathspec
    (repo / "notes.db").write_text("not a database, only named like one\n")
    (repo / ".gitignore").write_text("instance/\n*.sqlite3\n")
    git(repo, "init", "--quiet")
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "-m", "base")
    database(repo / "db.sqlite3", rows=500)  # ignored, filled by using the app
    database(repo / "instance" / "app.db")  # in an ignored folder (Flask's instance folder)
    database(repo / "Data.SQLITE")  # untracked, not ignored, upper case
    database(repo / ".venv" / "lib" / "cache.db")  # installed packages are not the app's data
    database(repo / "node_modules" / "pkg" / "test.db")
    database(repo / "py312" / "lib" / "x.db")
    (repo / "py312" / "pyvenv.cfg").write_text("home = /usr/bin\n")  # a virtualenv by another name
    os.mkfifo(repo / "pipe.db")  # opening it would block the run
    (repo / "loop").symlink_to(repo, target_is_directory=True)
    return repo


def test_the_heads_untracked_sqlite_databases_are_found(tmp_path):
    assert local_databases(project(tmp_path)) == ["Data.SQLITE", "db.sqlite3", "instance/app.db"]


def test_a_folder_without_databases_or_outside_git_has_none(tmp_path):
    assert local_databases(tmp_path) == []
    database(tmp_path / "x.db")
    assert local_databases(tmp_path) == ["x.db"]  # no git: nothing is tracked


def test_shallow_folders_are_searched_before_the_file_cap_stops_the_search(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "MAX_FILES", 50)
    uploads = tmp_path / "media" / "uploads"  # listed before instance/, and deeper
    uploads.mkdir(parents=True)
    for i in range(200):
        (uploads / f"{i}.jpg").write_bytes(b"")
    database(tmp_path / "instance" / "app.db")
    assert local_databases(tmp_path) == ["instance/app.db"]


def test_counting_rows_reads_without_writing(tmp_path):
    database(tmp_path / "a.db", rows=3)
    database(tmp_path / "a.db", rows=2, table='"odd name"')
    database(tmp_path / "a.db", rows=1, table="sqliteX")  # only sqlite_ names are SQLite's own tables
    before = (tmp_path / "a.db").read_bytes()
    assert table_rows(tmp_path / "a.db") == {"odd name": 2, "sqliteX": 1, "t": 3}
    assert (tmp_path / "a.db").read_bytes() == before
    (tmp_path / "broken.db").write_bytes(b"SQLite format 3\x00" + b"\xff" * 200)
    assert table_rows(tmp_path / "broken.db") is None


@pytest.mark.parametrize(("head_rows", "base_rows", "expected"), [
    (0, 0, []),  # both made by the builds' migrate (a fresh clone): nothing to say
    (7, 7, []),
    (500, 0, ["the head's untracked SQLite database db.sqlite3 holds other rows than the base's (t: 500 rows "
              f"here, 0 rows in the base): {ADVICE}"]),
    (1, None, [f"the head has an untracked SQLite database, db.sqlite3, that the base lacks: {ADVICE}"]),
])
def test_a_database_the_base_lacks_or_holds_other_rows_in_is_a_warning(tmp_path, head_rows, base_rows,
                                                                         expected):
    head, base = tmp_path / "head", tmp_path / "base"
    database(head / "db.sqlite3", rows=head_rows)
    base.mkdir()
    if base_rows is not None:
        database(base / "db.sqlite3", rows=base_rows)
    assert data_warnings(head, base, ["db.sqlite3"]) == expected


def test_tables_only_one_side_has_are_named(tmp_path):
    head, base = tmp_path / "head", tmp_path / "base"
    database(head / "app.db", rows=2, table="users")
    database(base / "app.db", rows=2, table="accounts")
    assert data_warnings(head, base, ["app.db"]) == [
        "the head's untracked SQLite database app.db holds other rows than the base's (accounts: no table "
        f"here, 2 rows in the base; users: 2 rows here, no table in the base): {ADVICE}"]


def test_rows_the_migrations_write_are_no_data(tmp_path):
    # mikhailfed68/django-blog's pull request adding a model, with the head's db.sqlite3 made by hand
    # (`manage.py migrate`) before the run: its migration records, content types and permissions and the new
    # model's empty table were said to be other rows than the base's, as though someone had brought data.
    head, base = tmp_path / "head", tmp_path / "base"
    for side, migrations, types, permissions in ((head, 38, 11, 44), (base, 37, 10, 40)):
        database(side / "db.sqlite3", rows=migrations, table="django_migrations")
        database(side / "db.sqlite3", rows=types, table="django_content_type")
        database(side / "db.sqlite3", rows=permissions, table="auth_permission")
        database(side / "db.sqlite3", rows=0, table="users_user")
    database(head / "db.sqlite3", rows=0, table="users_bookmarksrelation")
    database(base / "db.sqlite3", rows=0, table="blog_draft")  # a model the pull request removes
    assert data_warnings(head, base, ["db.sqlite3"]) == []
    # A user the developer made is data, and named on its own.
    database(head / "db.sqlite3", rows=1, table="users_user")
    assert data_warnings(head, base, ["db.sqlite3"]) == [
        "the head's untracked SQLite database db.sqlite3 holds other rows than the base's (users_user: 1 row "
        f"here, 0 rows in the base): {ADVICE}"]


def test_only_the_databases_the_head_had_before_the_run_are_compared(tmp_path):
    # A PR adding a migration: both builds' migrate made a fresh db.sqlite3 in this run, with the head's
    # one migration more (django_migrations 19 rows here, 18 in the base). Not data someone brought.
    head, base = tmp_path / "head", tmp_path / "base"
    database(head / "db.sqlite3", rows=19, table="django_migrations")
    database(base / "db.sqlite3", rows=18, table="django_migrations")
    database(head / "db.sqlite3", rows=2, table="blog_post")  # and a data migration's posts
    assert data_warnings(head, base, []) == []
    assert len(data_warnings(head, base, ["db.sqlite3"])) == 1


def test_a_base_path_that_is_no_regular_file_is_not_opened(tmp_path):
    head, base = tmp_path / "head", tmp_path / "base"
    database(head / "db.sqlite3")
    base.mkdir()
    os.mkfifo(base / "db.sqlite3")  # opening it to count rows would block the run
    assert data_warnings(head, base, ["db.sqlite3"]) == [
        f"the head's untracked SQLite database db.sqlite3 differs from the base's: {ADVICE}"]


def test_many_databases_cost_bounded_time_and_lines(tmp_path, monkeypatch):
    # Fixtures by the dozen: counting stops at the total budget (then sizes decide, here equal: silent),
    # and 12 databases the base lacks are 5 named lines and one counting the other 7.
    head, base = tmp_path / "head", tmp_path / "base"
    names = [f"fixtures/f{i:02}.db" for i in range(12)]
    for name in names:
        database(head / name, rows=3)
    monkeypatch.setattr(data, "COUNT_TOTAL_SECONDS", 0.0)
    shutil.copytree(head, base)
    database(base / names[0], rows=4)  # other rows, the same size: only counting could tell
    assert data_warnings(head, base, names) == []
    shutil.rmtree(base)
    base.mkdir()
    said = data_warnings(head, base, names)
    assert said[:5] == [f"the head has an untracked SQLite database, {n}, that the base lacks: {ADVICE}"
                        for n in names[:5]]
    assert said[5:] == [f"7 more of the head's untracked SQLite databases differ from the base's or are not "
                        f"in it: {ADVICE}"]
    assert table_rows(head / names[0], 0.0) is None and table_rows(head / names[0]) == {"t": 3}


def committed_with_worktree(repo: Path, base: Path) -> None:
    """Commit everything in *repo* (a new repository) and check the commit out at *base* as a worktree."""
    git(repo, "init", "--quiet")
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "-m", "one")
    git(repo, "worktree", "add", "--quiet", "--detach", str(base), "HEAD")


def test_the_heads_untracked_dotenv_files_are_copied_into_the_bases_checkout(tmp_path: Path) -> None:
    """microblog and django-locallibrary read a .env with python-dotenv (SECRET_KEY, LOG_TO_STDOUT): git
    does not track it, so the base ran with other settings (logging to a file, not to stdout) and
    nothing said so."""
    repo, base = tmp_path / "repo", tmp_path / "base"
    (repo / "app").mkdir(parents=True)
    (repo / ".env.example").write_text("SECRET_KEY=\n")  # tracked: the base has it
    (repo / ".gitignore").write_text(".env\n.env.*\n!.env.example\n.flaskenv\n")
    committed_with_worktree(repo, base)
    (repo / ".env").write_text("SECRET_KEY=x\nLOG_TO_STDOUT=1\n")
    (repo / "app" / ".flaskenv").write_text("FLASK_APP=microblog.py\n")
    (repo / "app" / ".env.local").write_text("DEBUG=0\n")
    (repo / "app" / ".env.sample").write_text("DEBUG=\n")  # a template: no settings
    (repo / ".envrc").write_text("layout python\n")  # direnv's, not dotenv's
    (base / "app").mkdir()
    (base / "app" / ".env.local").write_text("DEBUG=1\n")  # the base has its own: kept
    copied = data.copy_dotenv(repo, base, [repo, repo / "app", repo / "app", tmp_path / "elsewhere"])
    assert copied == [".env", "app/.flaskenv"]
    assert (base / ".env").read_text() == "SECRET_KEY=x\nLOG_TO_STDOUT=1\n"
    assert oct((base / ".env").stat().st_mode & 0o777) == "0o600"
    assert (base / "app" / ".env.local").read_text() == "DEBUG=1\n"
    assert not (base / "app" / ".env.sample").exists() and not (base / ".envrc").exists()
    assert data.copy_dotenv(repo, base, [repo]) == []  # there now: never overwritten
    # A dotenv file linked from elsewhere (kept out of the checkout on purpose) was left out: the base ran
    # without its settings. The base now links the same file.
    (tmp_path / "secrets.env").write_text("SECRET_KEY=kept-elsewhere\n")
    (repo / "app" / ".env").symlink_to(tmp_path / "secrets.env")
    (repo / "app" / ".env.dangling").symlink_to(tmp_path / "gone.env")
    assert data.copy_dotenv(repo, base, [repo / "app"]) == ["app/.env"]
    assert (base / "app" / ".env").is_symlink()
    assert (base / "app" / ".env").read_text() == "SECRET_KEY=kept-elsewhere\n"
    assert not os.path.lexists(base / "app" / ".env.dangling")
    # One naming a file of the checkout names the base's own copy of it.
    (repo / "settings").mkdir()
    (repo / "settings" / "production.env").write_text("DEBUG=0\n")
    (base / "settings").mkdir()
    (base / "settings" / "production.env").write_text("DEBUG=0 # the base's\n")
    (repo / ".env.production").symlink_to("settings/production.env")
    git(repo, "add", "settings/production.env")
    assert data.copy_dotenv(repo, base, [repo]) == [".env.production"]
    assert (base / ".env.production").read_text() == "DEBUG=0 # the base's\n"
    # ... but one naming a file git does not track, which the base's checkout lacks, names the head's file
    (repo / "config").mkdir()
    (repo / "config" / "app.env").write_text("SECRET_KEY=untracked\n")
    (repo / "app" / ".env.test").symlink_to("../config/app.env")
    assert data.copy_dotenv(repo, base, [repo / "app"]) == ["app/.env.test"]
    assert (base / "app" / ".env.test").read_text() == "SECRET_KEY=untracked\n"


def test_the_heads_git_ignored_settings_files_are_copied_into_the_bases_checkout(tmp_path: Path) -> None:
    """An aiohttp app read config/user_config.toml, which .gitignore keeps out (the machine's own
    database address): the base's fresh checkout lacked it and the base did not start. node-config's
    config/local.json and Django's local_settings.py are kept out the same way. What git ignores is the
    machine's settings, copied; an uncommitted new file git does not ignore is the head's change, not."""
    repo, base = tmp_path / "repo", tmp_path / "base"
    (repo / "config").mkdir(parents=True)
    (repo / "config" / "base.toml").write_text("[db]\nhost = 'db'\n")  # tracked: the base has its own
    (repo / ".gitignore").write_text("config/user_config.toml\nconfig/local.json\nlocal_settings.py\n"
                                     "*.log\nresults/\nbig.yaml\nconfig/*.example\nsecrets.ini\n")
    committed_with_worktree(repo, base)
    (repo / "config" / "user_config.toml").write_text("[postgres]\nport = 5433\n")
    (repo / "config" / "local.json").write_text('{"redis": {"port": 6380}}\n')
    (repo / "config" / "local.toml.example").write_text("[postgres]\n")  # a template
    (repo / "local_settings.py").write_text("DEBUG = False\n")
    (repo / "app.log").write_text("not settings\n")
    (repo / "big.yaml").write_text("x: 1\n" * 60_000)  # 360 KB: data, not settings
    (repo / "new_settings.toml").write_text("[new]\n")  # the head's uncommitted change
    (repo / "results").mkdir()
    (repo / "results" / "load.json").write_text("{}\n")  # ignored output, in no settings folder
    (base / "secrets.ini").write_text("[base]\n")  # the base has its own: kept
    (repo / "secrets.ini").write_text("[head]\n")
    copied = data.copy_ignored_settings(repo, base, [repo, repo / "results", tmp_path / "elsewhere"])
    assert copied == ["local_settings.py", "config/local.json", "config/user_config.toml"]
    assert (base / "config" / "user_config.toml").read_text() == "[postgres]\nport = 5433\n"
    assert oct((base / "local_settings.py").stat().st_mode & 0o777) == "0o600"
    assert (base / "secrets.ini").read_text() == "[base]\n"
    assert not (base / "new_settings.toml").exists() and not (base / "big.yaml").exists()
    assert data.copy_ignored_settings(repo, base, [repo]) == []  # there now: never overwritten


def test_a_database_an_earlier_run_made_and_nobody_used_since_is_no_data(tmp_path: Path, monkeypatch) -> None:
    """django-locallibrary: a first `run --base-ref` made db.sqlite3 (its setup's migrate) and its page
    loads stored sessions; the second run warned "db.sqlite3 holds other rows than the base's
    (django_session: 12 rows here, 1 row in the base)", rows the first run had put there."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    app = tmp_path / "app"
    database(app / "brought.sqlite3", rows=50)  # someone's data, there before any run
    assert data.brought_databases(app) == ["brought.sqlite3"]
    had = data.brought_databases(app)
    database(app / "db.sqlite3", rows=1, table="django_session")  # the first run's setup and page loads
    database(app / "db.sqlite3", rows=11, table="django_session")
    data.remember_databases(app, had)
    assert data.brought_databases(app) == ["brought.sqlite3"]  # the run's own: not data
    # The second run starts from there, fills it again, and leaves it as nobody's data still.
    had = data.brought_databases(app)
    database(app / "db.sqlite3", rows=12, table="django_session")
    data.remember_databases(app, had)
    assert data.brought_databases(app) == ["brought.sqlite3"]
    # Used since (the developer's own visits): it holds data again.
    os.utime(app / "db.sqlite3", ns=(1, 1))
    assert data.brought_databases(app) == ["brought.sqlite3", "db.sqlite3"]
    data.remember_databases(app, data.brought_databases(app))
    assert data.brought_databases(app) == ["brought.sqlite3", "db.sqlite3"]  # brought: never recorded


def test_a_database_a_failed_run_made_is_no_data_either(tmp_path: Path, monkeypatch) -> None:
    """to_do_app: a first run's build made models/database.db and its server then failed to start (exit
    3); the next run warned "the head has an untracked SQLite database, models/database.db, that the base
    lacks", two empty tables that run had made."""
    from echotune_ci.config import load_config
    from echotune_ci.errors import RunError
    from echotune_ci.runner import run

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    app = tmp_path / "app"
    make = ("import sqlite3; sqlite3.connect('models/database.db')"
            ".execute('create table if not exists tasks (id integer)')")
    toml = (f'[serve]\nbuild = "mkdir -p models && {sys.executable} -c \\"{make}\\""\n'
            'command = "false"\nready_url = "http://127.0.0.1:{port}/"\n[run]\nphases = ["load"]\n')
    app.mkdir()
    (app / "echotune.toml").write_text(toml)
    with pytest.raises(RunError, match="exited with code 1"):
        run(load_config(app / "echotune.toml"), tmp_path / "out")
    assert (app / "models" / "database.db").exists()
    assert data.brought_databases(app) == []
    # A command the shell runs itself (`exit 1`) is no program `exec` could look for.
    (app / "echotune.toml").write_text(toml.replace('command = "false"', 'command = "exit 4"'))
    with pytest.raises(RunError, match="exited with code 4"):
        run(load_config(app / "echotune.toml"), tmp_path / "out")


def test_a_database_earlier_runs_filled_is_copied_to_a_base_that_made_none(tmp_path: Path) -> None:
    """msgs08/fastapi-example: its app makes echotune.db on start (create_all); a `run` had posted 40 items
    into the head's (the api phase), and the next `run --base-ref HEAD` served them against the base's
    fresh, empty one: "FAIL api: 1 new finding(s)" about a row of theirs, p95 +39 %, in an A/A run."""
    head, base = tmp_path / "head", tmp_path / "base"
    database(head / "echotune.db", rows=40, table="items")
    (head / "echotune.db-wal").write_bytes(b"")
    database(head / "instance" / "app.db", rows=3)
    database(base / "instance" / "app.db", rows=0)  # the base's build made its own: left as it is
    database(head / "kept.db", rows=7)  # someone's data, not an earlier run's: the data warning's business
    notes = data.share_earlier_databases(head, base, ["echotune.db", "instance/app.db", "gone.db"])
    assert notes == ["the head's untracked SQLite database echotune.db, which earlier runs' app filled, was "
                     "copied to the base so that both builds serve the same rows"]
    assert table_rows(base / "echotune.db") == {"items": 40} and (base / "echotune.db-wal").is_file()
    assert table_rows(base / "instance" / "app.db") == {"t": 0} and not (base / "kept.db").exists()
    assert data_warnings(head, base, ["echotune.db"]) == []


@pytest.mark.parametrize("read", [{"DATABASE_URL": "postgresql://u:pw@127.0.0.1:5432/blog_head"},
                                  {"PGHOST": "127.0.0.1", "PGDATABASE": "blog"}])
def test_no_database_is_copied_for_an_app_that_reads_a_database_server(tmp_path: Path, read) -> None:
    # microblog on PostgreSQL by DATABASE_URL: the app.db an earlier run on SQLite left was copied "so that
    # both builds serve the same rows", which neither build read
    head, base = tmp_path / "head", tmp_path / "base"
    database(head / "app.db", rows=4)
    assert data.share_earlier_databases(head, base, ["app.db"], read) == []
    assert not (base / "app.db").exists()
    # an app on SQLite, whatever else its settings hold, still gets the copy
    sqlite = {"DATABASE_URL": "sqlite:///app.db", "REDIS_URL": "redis://127.0.0.1:6379/0"}
    assert len(data.share_earlier_databases(head, base, ["app.db"], sqlite)) == 1
    assert table_rows(base / "app.db") == {"t": 4}


def test_one_database_server_both_builds_point_at_is_a_warning_without_its_credentials():
    # run --base-ref of fastapi-realworld and Django-Styleguide in the trials: both builds migrated and
    # served the same DATABASE_URL, and nothing said so; a migration of the pull request reached the base
    from echotune_ci.baseref.data import shared_databases

    url = "postgresql+asyncpg://app:s3cret-pw@127.0.0.1:5432/app_dev?sslmode=disable"
    said = shared_databases({"DATABASE_URL": url, "REDIS_URL": "redis://127.0.0.1:6379/0", "DEBUG": "0"},
                            {"DATABASE_URL": url, "REDIS_URL": "redis://127.0.0.1:6379/1", "DEBUG": "0"})
    assert said == ["the base and the head use the same database: DATABASE_URL (postgresql+asyncpg://"
                    "127.0.0.1:5432/app_dev); the head's migrations and both builds' requests reach it, so a "
                    "pull request that changes the schema has its base measured on the head's (give each "
                    "build a database of its own to compare them apart: {build} in a [serve] value is "
                    "\"base\" or \"head\", as in DATABASE_URL = \".../app_dev_{build}\", with both databases "
                    "made in [serve] build)"]
    assert "s3cret-pw" not in said[0]
    # a database of each build's own, or SQLite files (each checkout has its own): nothing to say
    assert shared_databases({"DATABASE_URL": url}, {"DATABASE_URL": url.replace("app_dev", "app_base")}) == []
    assert shared_databases({"DATABASE_URL": "sqlite:///app.db"}, {"DATABASE_URL": "sqlite:///app.db"}) == []


def test_a_database_given_in_parts_is_shared_when_host_port_and_name_are():
    """django-quiz-app reads DBHOST, DBNAME, DBUSER and DBPASS: both builds migrated one database and
    the warning, which looked only at URLs, said nothing."""
    from echotune_ci.baseref.data import shared_databases

    parts = {"DBHOST": "127.0.0.1", "DBNAME": "quiz", "DBUSER": "app", "DBPASS": "s3cret-pw"}
    said = shared_databases(parts, dict(parts))
    assert len(said) == 1 and said[0].startswith(
        "the base and the head use the same database: DBHOST and DBNAME (127.0.0.1/quiz); the head's")
    assert "s3cret-pw" not in said[0] and "app" not in said[0].split(";")[0].split("(")[1]
    libpq = {"PGHOST": "127.0.0.1", "PGPORT": "5433", "PGDATABASE": "shop"}
    assert "PGHOST and PGDATABASE (127.0.0.1:5433/shop)" in shared_databases(libpq, dict(libpq))[0]
    compose = {"POSTGRES_HOST": "db", "POSTGRES_DB": "app", "DB_HOST": "db", "DB_NAME": "app"}
    assert "POSTGRES_HOST and POSTGRES_DB (db/app)" in shared_databases(compose, dict(compose))[0]
    # another database or another port: nothing to say
    assert shared_databases(parts, {**parts, "DBNAME": "quiz_base"}) == []
    assert shared_databases(libpq, {**libpq, "PGPORT": "5434"}) == []


def test_a_database_named_by_host_and_postgres_db_is_shared():
    """DB_HOST beside the POSTGRES_DB a compose file's postgres image reads: one database, named once."""
    from echotune_ci.baseref.data import shared_databases

    mixed = {"DB_HOST": "127.0.0.1:54371", "POSTGRES_DB": "mydatabase", "POSTGRES_PASSWORD": "s3cret-pw"}
    [said] = shared_databases(mixed, dict(mixed), {"DB_HOST": "backend/.env", "POSTGRES_DB": "backend/.env"})
    assert said.startswith("the base and the head use the same database: DB_HOST and POSTGRES_DB "
                           "(127.0.0.1:54371/mydatabase in backend/.env); the head's migrations")
    assert "s3cret-pw" not in said
    both = {**mixed, "POSTGRES_HOST": "127.0.0.1:54371"}
    assert shared_databases(both, dict(both))[0].split(";")[0].count("mydatabase") == 1
    assert shared_databases(mixed, {**mixed, "POSTGRES_DB": "mydatabase_base"}) == []


def test_dotenv_settings_read_as_dotenv_loaders_do(tmp_path):
    from echotune_ci.baseref.data import dotenv_settings

    (tmp_path / ".env").write_text('# local\nexport A="x y" # note\nB=pass#word\nC=val # note\nD=\n'
                                   "E='q # r'\nnot a setting\n")
    (tmp_path / ".env.local").write_text("A=later\nF=1\n")
    (tmp_path / ".env.example").write_text("G=template\n")
    got = dotenv_settings([tmp_path, tmp_path / "missing"])
    assert {k: v for k, (v, _) in got.items()} == {"A": "x y", "B": "pass#word", "C": "val", "D": "",
                                                   "E": "q # r", "F": "1"}
    assert got["A"][1] == str(tmp_path / ".env") and got["F"][1] == str(tmp_path / ".env.local")


def test_the_dotenv_both_builds_read_names_the_database_they_share(tmp_path):
    """An app in backend/ reads its database from backend/.env, which run --base-ref copies into the base's
    checkout: both builds migrated and served one PostgreSQL database (the base's register requests met the
    head's users), and the warning, which looked only at the environment, said nothing."""
    from echotune_ci.baseref.sidebyside import _data_warnings
    from echotune_ci.config import load_config
    from echotune_ci.config.sections import ServeSettings
    from echotune_ci.runner import PreparedApp
    from echotune_ci.serve import App

    sides = {}
    for side in ("head", "base"):
        (tmp_path / side / "backend").mkdir(parents=True)
        (tmp_path / side / "echotune.toml").write_text('[serve]\ncommand = "true"\ncwd = "backend"\n')
        (tmp_path / side / "backend" / ".env").write_text(
            "DB_DRIVER=postgresql+asyncpg\nDB_HOST=127.0.0.1:54371\nPOSTGRES_USER=u\nPOSTGRES_PASSWORD=pw\n"
            "POSTGRES_DB=mydatabase\n")
        cfg = load_config(tmp_path / side / "echotune.toml")
        app = App(ServeSettings(command="true", cwd="backend"), tmp_path / side / "backend",
                  root=tmp_path / side)
        sides[side] = (cfg, PreparedApp(app))
    (head_cfg, head), (base_cfg, base) = sides["head"], sides["base"]
    said = _data_warnings(head_cfg, base_cfg, [], head, base)
    assert any("DB_HOST and POSTGRES_DB (127.0.0.1:54371/mydatabase in backend/.env)" in w for w in said)
    # a base given a database of its own in its environment shares nothing
    base.app.extra_env["POSTGRES_DB"] = "mydatabase_base"
    assert not any("same database" in w for w in _data_warnings(head_cfg, base_cfg, [], head, base))


def test_an_old_sqlite_file_is_no_data_of_an_app_that_reads_a_database_server(tmp_path: Path) -> None:
    """mikhailfed68/django-blog moved to PostgreSQL by DATABASE_URL: the db.sqlite3 its earlier runs on SQLite
    left was said to hold other rows than the base's, which neither build read."""
    from echotune_ci.baseref.sidebyside import _data_warnings
    from echotune_ci.config import load_config
    from echotune_ci.config.sections import ServeSettings
    from echotune_ci.runner import PreparedApp
    from echotune_ci.serve import App

    sides = {}
    for side, rows in (("head", 5), ("base", 0)):
        (tmp_path / side).mkdir()
        (tmp_path / side / "echotune.toml").write_text('[serve]\ncommand = "true"\n')
        database(tmp_path / side / "db.sqlite3", rows=rows)
        app = App(ServeSettings(command="true"), tmp_path / side, root=tmp_path / side,
                  extra_env={"DATABASE_URL": f"postgresql://u:pw@127.0.0.1:5432/blog_{side}"})
        sides[side] = (load_config(tmp_path / side / "echotune.toml"), PreparedApp(app))
    (head_cfg, head), (base_cfg, base) = sides["head"], sides["base"]
    assert _data_warnings(head_cfg, base_cfg, ["db.sqlite3"], head, base) == []
    # on SQLite, the same files are the two builds' data, and differ
    for _, prepared in sides.values():
        prepared.app.extra_env["DATABASE_URL"] = "sqlite:///db.sqlite3"
    said = _data_warnings(head_cfg, base_cfg, ["db.sqlite3"], head, base)
    assert len(said) == 1 and "db.sqlite3 holds other rows than the base's (t: 5 rows here" in said[0], said


def test_the_dotenv_of_the_folder_the_serve_steps_work_in_is_copied_into_the_base(tmp_path: Path) -> None:
    """An Express API in Backend/ started by `npm start --prefix Backend`, whose start script reads
    Backend/.env (`node --env-file .env`): the base's checkout lacked it, and the base stopped on `node:
    .env: not found`, so nothing was compared. The folders [serve] setup, build and command work in are
    searched too (and read for the database both builds share)."""
    from echotune_ci.baseref.sidebyside import _dotenv_folders
    from echotune_ci.config import load_config

    repo, base = tmp_path / "repo", tmp_path / "base"
    for folder in ("Backend", "web", "docs"):
        (repo / folder).mkdir(parents=True)
        (repo / folder / "package.json").write_text("{}\n")
    (repo / ".gitignore").write_text(".env\n")
    (repo / "echotune.toml").write_text(
        '[serve]\nsetup = "(cd web && npm ci) && npm ci --prefix Backend"\n'
        'build = "npm run build --prefix=web"\ncommand = "npm start --prefix Backend"\n')
    committed_with_worktree(repo, base)
    (repo / "Backend" / ".env").write_text("DB_CONNECTION_STRING=postgres://127.0.0.1:5432/app\n")
    (repo / "web" / ".env.production").write_text("VITE_API=/api\n")
    (repo / "docs" / ".env").write_text("NOT_READ=1\n")  # no step works there
    cfg = load_config(repo / "echotune.toml")
    folders = _dotenv_folders(cfg, cfg.resolve(cfg.serve.cwd))
    assert sorted(data.copy_dotenv(repo, base, [repo, *folders])) == ["Backend/.env", "web/.env.production"]
    assert (base / "Backend" / ".env").read_text() == "DB_CONNECTION_STRING=postgres://127.0.0.1:5432/app\n"
    assert not (base / "docs" / ".env").exists()
    assert data.dotenv_settings(folders)["DB_CONNECTION_STRING"][1] == str(repo / "Backend" / ".env")


def test_the_folders_a_shell_line_works_in():
    from echotune_ci.project.commands import working_folders

    assert working_folders("npm start --prefix Backend") == ["Backend"]
    assert working_folders("cd Backend && npx tsx src/index.ts") == ["Backend"]
    # a subshell's cd ends with it
    assert working_folders("(cd api && npm ci) && (cd client && npm ci)") == ["api", "client"]
    assert working_folders("yarn --cwd client build && pnpm -C web build && pnpm --dir=api start") == [
        "client", "web", "api"]
    assert working_folders("cd a && npm run build --prefix ../b") == ["a", "b"]
    assert working_folders("npm ci --prefix=$DIR && npm --prefix /srv/app start && gunicorn app:app") == []


def test_build_in_serve_values_gives_each_build_its_own_database(tmp_path: Path) -> None:
    """The shared-database warning told a newcomer (koa-vue-pet-1) to give each build a database of its own,
    while both builds read one [serve] env. {build} is "base" for the base's app and "head" otherwise, in
    env values, setup, build, command and ready_url; the two environments then differ, and nothing is said."""
    from echotune_ci.baseref.data import shared_databases
    from echotune_ci.config.sections import ServeSettings
    from echotune_ci.config import load_config
    from echotune_ci.runner import ServeOptions, _prepare
    from echotune_ci.serve.app import App

    settings = ServeSettings(command="serve --db app_{build} --port {port}", cwd=".",
                             setup="echo setup {build} > setup.txt", build="echo build {build} > build.txt",
                             ready_url="http://127.0.0.1:{port}/health?build={build}",
                             env={"DATABASE_URL": "postgresql://127.0.0.1:5432/app_{build}", "P": "{port}"})
    apps = {b: App(settings, tmp_path / b, root=tmp_path / b, build=b) for b in ("base", "head")}
    envs = {b: a.environment(8000) for b, a in apps.items()}
    assert envs["base"]["DATABASE_URL"] == "postgresql://127.0.0.1:5432/app_base"
    assert envs["head"]["DATABASE_URL"] == "postgresql://127.0.0.1:5432/app_head"
    assert envs["base"]["P"] == "8000" and apps["base"].environment()["P"] == "{port}"
    assert shared_databases(envs["head"], envs["base"]) == []
    assert apps["base"].filled(settings.command, 8000) == "serve --db app_base --port 8000"
    for build, app in apps.items():
        app.cwd.mkdir()
        app.prepare()
        assert (app.cwd / "setup.txt").read_text().strip() == f"setup {build}"
        assert (app.cwd / "build.txt").read_text().strip() == f"build {build}"
    # what run and run --base-ref make: the base's app is "base", the head's (and a plain run's) "head"
    (tmp_path / "echotune.toml").write_text('[serve]\ncommand = "serve {build}"\n')
    cfg = load_config(tmp_path / "echotune.toml")
    for label, build in (("base", "base"), ("head", "head"), ("", "head")):
        prepared = _prepare(cfg, True, ServeOptions(skip_setup=True), None, label=label)
        assert prepared is not None and prepared.app.build == build


def test_the_settings_file_the_command_names_is_read_for_the_database_both_builds_share(tmp_path):
    """aiohttp-demos' blog (docs/real-projects.md, "Twelfth round"): `python -m aiohttpdemo_blog.main -c
    config/user_config.toml`, whose [database] names one PostgreSQL for both builds (each build's
    `db_helpers.py -a` dropped and made it again); the app reads no variable, so nothing was said."""
    from echotune_ci.baseref.data import named_settings
    from echotune_ci.baseref.sidebyside import _data_warnings
    from echotune_ci.config import load_config
    from echotune_ci.config.sections import ServeSettings
    from echotune_ci.runner import PreparedApp
    from echotune_ci.serve import App

    command = "python -m blog.main -c config/app.toml"
    sides = {}
    for side in ("head", "base"):
        (tmp_path / side / "config").mkdir(parents=True)
        (tmp_path / side / "echotune.toml").write_text(f'[serve]\ncommand = "{command}"\n')
        (tmp_path / side / "config" / "app.toml").write_text(
            "[database]\nDB_HOST = '127.0.0.1'  # local\nDB_PORT = 5452\nDB_NAME = \"blog\"\nDB_PASS = 'pw'\n"
            "\n[redis]\nREDIS_PORT = 6402\n")
        cfg = load_config(tmp_path / side / "echotune.toml")
        app = App(ServeSettings(command=command), tmp_path / side, root=tmp_path / side)
        sides[side] = (cfg, PreparedApp(app))
    (head_cfg, head), (base_cfg, base) = sides["head"], sides["base"]
    said = _data_warnings(head_cfg, base_cfg, [], head, base)
    assert any("DB_HOST and DB_NAME (127.0.0.1:5452/blog in config/app.toml)" in w for w in said), said
    assert not any("pw" in w for w in said)
    # another database in the base's file: nothing shared
    other = "[database]\nDB_HOST = '127.0.0.1'\nDB_PORT = 5452\nDB_NAME = 'blog_base'\n"
    (tmp_path / "base" / "config" / "app.toml").write_text(other)
    assert not any("same database" in w for w in _data_warnings(head_cfg, base_cfg, [], head, base))
    # a YAML section's bare keys are read behind its name; a key at the top ends the section
    (tmp_path / "polls.yaml").write_text("postgres:\n  database: polls\n  host: localhost\n  port: 5432\n"
                                         "host: 0.0.0.0\n")
    got = {k: v for k, (v, _) in named_settings("python -m polls --config=polls.yaml", tmp_path).items()}
    assert got == {"POSTGRES_DATABASE": "polls", "POSTGRES_HOST": "localhost", "POSTGRES_PORT": "5432",
                   "HOST": "0.0.0.0"}


def test_a_settings_file_named_through_build_is_each_builds_own(tmp_path):
    """`-c config/{build}.toml`: each build's app reads its own file, so its database is its own."""
    from echotune_ci.baseref.sidebyside import _data_warnings
    from echotune_ci.config import load_config
    from echotune_ci.config.sections import ServeSettings
    from echotune_ci.runner import PreparedApp
    from echotune_ci.serve import App

    command = "python -m blog.main -c config/{build}.toml"
    sides = {}
    for side in ("head", "base"):
        (tmp_path / side / "config").mkdir(parents=True)
        (tmp_path / side / "echotune.toml").write_text(f'[serve]\ncommand = "{command}"\n')
        for build in ("base", "head"):
            (tmp_path / side / "config" / f"{build}.toml").write_text(
                f"[database]\nDB_HOST = '127.0.0.1'\nDB_PORT = 5452\nDB_NAME = 'blog_{build}'\n")
        app = App(ServeSettings(command=command), tmp_path / side, root=tmp_path / side, build=side)
        sides[side] = (load_config(tmp_path / side / "echotune.toml"), PreparedApp(app))
    (head_cfg, head), (base_cfg, base) = sides["head"], sides["base"]
    assert not any("same database" in w for w in _data_warnings(head_cfg, base_cfg, [], head, base))
    # the same file for both: one database, said
    base.app.build = "head"
    said = _data_warnings(head_cfg, base_cfg, [], head, base)
    assert any("DB_HOST and DB_NAME (127.0.0.1:5452/blog_head in config/head.toml)" in w for w in said), said


def test_a_database_server_named_by_its_server_variable_is_shared(tmp_path: Path) -> None:
    """full-stack-fastapi-template's settings read POSTGRES_SERVER and POSTGRES_PORT (set in [serve] env)
    and POSTGRES_DB from the top .env git tracks: the head's `alembic upgrade head` went first, the base's
    failed with "Can't locate revision identified by 'fe56fa70289e'", and the warning did not say that the
    two builds shared the database, since only a *HOST variable was read as the host."""
    from echotune_ci.baseref.data import shared_databases
    from echotune_ci.baseref.sidebyside import _migrated_first
    from echotune_ci.config import load_config

    for side in ("head", "base"):
        (tmp_path / side / "backend").mkdir(parents=True)
        (tmp_path / side / "echotune.toml").write_text(
            '[serve]\ncommand = "true"\ncwd = "backend"\n'
            'env = { POSTGRES_SERVER = "127.0.0.1", POSTGRES_PORT = "55432" }\n')
        (tmp_path / side / ".env").write_text(
            "POSTGRES_SERVER=localhost\nPOSTGRES_PORT=5432\nPOSTGRES_DB=app\nPOSTGRES_USER=postgres\n"
            "POSTGRES_PASSWORD=changethis\n")
    head_cfg = load_config(tmp_path / "head" / "echotune.toml")
    base_cfg = load_config(tmp_path / "base" / "echotune.toml")
    assert _migrated_first(head_cfg, base_cfg, None, {}) == (
        "the head, built first, shares its database with the base, POSTGRES_SERVER and POSTGRES_DB "
        "(127.0.0.1:55432/app in .env), and may have migrated it to a schema the base does not know",
        # what to write, in the variable the app reads (its settings take no DATABASE_URL)
        'POSTGRES_DB = "app_{build}"')
    # each build its own database (POSTGRES_DB = "app_{build}"): nothing shared
    own = load_config(tmp_path / "base" / "echotune.toml")
    assert _migrated_first(head_cfg, own, None, {"POSTGRES_DB": "app_base"}) == ("", "")
    # DATABASE_HOSTNAME beside DATABASE_NAME, the other spelling of a host in parts
    parts = {"DATABASE_HOSTNAME": "127.0.0.1", "DATABASE_PORT": "5432", "DATABASE_NAME": "fastapi"}
    [said] = shared_databases(parts, dict(parts))
    assert "DATABASE_HOSTNAME and DATABASE_NAME (127.0.0.1:5432/fastapi)" in said
    # a shell's own HOSTNAME names no database
    assert shared_databases({"HOSTNAME": "ci-1", "DB_NAME": "x"}, {"HOSTNAME": "ci-1", "DB_NAME": "x"}) == []


def test_a_host_both_builds_share_without_a_database_name_is_the_apps_default_database():
    """DjangoGirls reads POSTGRES_DB = os.getenv("POSTGRES_DB", "djangogirls"); [serve] env set
    POSTGRES_HOST and POSTGRES_PORT alone. Both builds migrated and served "djangogirls" (the head's
    stripe_payments 0001 was in the base's django_migrations), and nothing was said, since no variable
    named the database to compare."""
    from echotune_ci.baseref.data import own_database_example, server_databases, shared_databases

    env = {"POSTGRES_HOST": "127.0.0.1", "POSTGRES_PORT": "55432", "POSTGRES_PASSWORD": "changethis"}
    [said] = shared_databases(env, dict(env))
    assert said.startswith("the base and the head use the same database: POSTGRES_HOST (127.0.0.1:55432, "
                           "where neither build names a database: both use the one the app's settings "
                           "default to); the head's migrations")
    assert "changethis" not in said
    assert own_database_example(env, dict(env)) == 'POSTGRES_DB = "app_{build}"'
    assert own_database_example({"DBHOST": "db"}, {"DBHOST": "db"}) == 'DBNAME = "app_{build}"'
    assert own_database_example({"PGHOST": "db"}, {"PGHOST": "db"}) == 'PGDATABASE = "app_{build}"'
    assert server_databases(env)  # an app that reads a database server: no SQLite file is its data
    # one build names its own (the base's POSTGRES_DB = "app_base"), or {build} gave each its own under a
    # name unknown here, or another port: not shared
    assert shared_databases(env, {**env, "POSTGRES_DB": "app_base"}) == []
    assert shared_databases({**env, "APP_SCHEMA": "dg_head"}, {**env, "APP_SCHEMA": "dg_base"}) == []
    assert shared_databases(env, {**env, "POSTGRES_PORT": "5432"}) == []


def test_the_redis_advice_names_the_shared_variable_and_its_own_server(redis_server) -> None:
    """A shared CELERY_BROKER_URL on another port than 6379 was told 'as in REDIS_URL =
    "redis://127.0.0.1:6379/{build_index}"': another variable and another server. The advice is the shared
    variable at its own host and port; filled in per build (credentials back), it parts the keys on the
    real server."""
    import redis

    from echotune_ci.baseref.data import shared_caches

    port = redis_server.port
    env = {"CELERY_BROKER_URL": f"redis://127.0.0.1:{port}/2", "APP_REDIS_HOST": "127.0.0.1",
           "APP_REDIS_PORT": str(port), "APP_REDIS_DB": "4"}
    [said] = shared_caches(env, dict(env))
    assert said.endswith('as in APP_REDIS_DB = "{build_index}", '
                         f'CELERY_BROKER_URL = "redis://127.0.0.1:{port}/{{build_index}}")'), said
    advised = said.split("CELERY_BROKER_URL = ")[1].split('"')[1]
    head, base = (redis.Redis.from_url(advised.replace("{build_index}", n)) for n in ("0", "1"))
    head.set("echotune:broker", "head")
    assert base.get("echotune:broker") is None and head.get("echotune:broker") == b"head"


def test_the_redis_advice_keeps_the_rest_of_the_url(redis_server) -> None:
    """The advice was rebuilt from scheme, host and number: redis-py's ?client_name= and ?socket_timeout=
    and redis+sentinel's service name (redis+sentinel://host:26379/mymaster/0, as redis-sentinel-url
    documents it) were dropped from the value a user copies. Only the number becomes {build_index}."""
    import redis

    from echotune_ci.baseref.data import shared_caches

    port = redis_server.port
    url = f"redis://:pw@127.0.0.1:{port}/0?client_name=app&db=2&socket_timeout=5"
    [said] = shared_caches({"CACHE_URL": url}, {"CACHE_URL": url})
    assert f"CACHE_URL (redis://127.0.0.1:{port}/2)" in said  # ?db= before the path, as redis-py reads it
    advised = said.split("CACHE_URL = ")[1].split('"')[1]
    assert advised == f"redis://…@127.0.0.1:{port}/0?client_name=app&db={{build_index}}&socket_timeout=5"
    head, base = (redis.Redis.from_url(advised.replace("…@", "").replace("{build_index}", n)) for n in "01")
    assert head.client_getname() == "app" and base.connection_pool.connection_kwargs["socket_timeout"] == 5
    head.set("echotune:kept", "head")
    assert base.get("echotune:kept") is None and head.get("echotune:kept") == b"head"
    sentinel = "redis+sentinel://10.0.0.1:26379/mymaster/0"
    [said] = shared_caches({"BROKER_URL": sentinel}, {"BROKER_URL": sentinel})
    assert said.endswith('as in BROKER_URL = "redis+sentinel://10.0.0.1:26379/mymaster/{build_index}")'), said


def test_a_redis_unix_socket_both_builds_share_is_named(redis_socket) -> None:
    """redis-py's unix:///path.sock?db=0 went unsaid: only redis://, rediss://, redis+sentinel:// and
    valkey:// were read. In a variable named for Redis (a unix URL alone may be Docker's socket) it is
    named, and the advice puts {build_index} in ?db=, where redis-py reads a socket's database (a path
    segment would name another socket). Filled in per build, it parts the keys on a real redis-server."""
    import redis

    from echotune_ci.baseref.data import shared_caches

    sock = redis_socket
    url = f"unix://{sock}?socket_timeout=3"
    [said] = shared_caches({"CACHE_REDIS_URL": url}, {"CACHE_REDIS_URL": url})
    assert f"CACHE_REDIS_URL (unix://{sock}?db=0)" in said
    assert said.endswith(f'as in CACHE_REDIS_URL = "unix://{sock}?socket_timeout=3&db={{build_index}}")')
    advised = said.split("CACHE_REDIS_URL = ")[1].split('"')[1]
    head, base = (redis.Redis.from_url(advised.replace("{build_index}", n)) for n in "01")
    head.set("echotune:socket", "head")
    assert base.get("echotune:socket") is None and head.get("echotune:socket") == b"head"
    docker = "unix:///var/run/docker.sock"
    assert shared_caches({"DOCKER_HOST": docker}, {"DOCKER_HOST": docker}) == []


def test_kombus_redis_urls_are_named_by_the_database_kombu_uses() -> None:
    """Celery's broker and result backend read Redis through kombu, whose URLs the warning did not read:
    redis+socket:///path.sock (its database in ?virtual_host=) and the Sentinel list
    sentinel://:pw@h1:26379;sentinel://:pw@h2:26379 (master_name in the transport options). Both builds
    on one went unsaid. The expected databases are kombu 5.7.0's on a real redis-server, with two real
    Sentinels for the list: redis+socket ...?virtual_host=1 queued into database 1 and ?db=5 into 0;
    sentinel://...:26390/3;sentinel://...:26391/5 into 3 (the first URL's path, for Celery's result backend
    too) and without a path into 0."""
    from echotune_ci.baseref.data import shared_caches

    def said(value: str) -> str:
        [warning] = shared_caches({"CELERY_BROKER_URL": value}, {"CELERY_BROKER_URL": value})
        assert "s3cret" not in warning
        return warning

    socket = said("redis+socket://:s3cret@/run/redis.sock?virtual_host=1")
    assert "CELERY_BROKER_URL (redis+socket:///run/redis.sock?virtual_host=1)" in socket
    assert socket.endswith('as in CELERY_BROKER_URL = "redis+socket://…@/run/redis.sock?virtual_host={build_index}")')
    # ?db= is no database of kombu's socket URL: the advice adds the one it reads
    socket = said("redis+socket:///run/redis.sock?db=5")
    assert "(redis+socket:///run/redis.sock?virtual_host=0)" in socket
    assert socket.endswith('"redis+socket:///run/redis.sock?db=5&virtual_host={build_index}")')

    sentinels = said("sentinel://:s3cret@10.0.0.1:26379/3;sentinel://:s3cret@10.0.0.2:26379/5")
    assert "CELERY_BROKER_URL (sentinel://10.0.0.1:26379/3, the first of 2 URLs)" in sentinels
    assert sentinels.endswith('as in CELERY_BROKER_URL = "sentinel://…@10.0.0.1:26379/{build_index};'
                              'sentinel://…@10.0.0.2:26379/{build_index}")')
    assert "(sentinel://10.0.0.1:26379/0, the first of 2 URLs)" in said(
        "sentinel://10.0.0.1:26379;sentinel://10.0.0.2:26379")
    # rediss' ssl_cert_reqs, which Celery requires of a rediss:// broker, stays in the advice
    tls = said("rediss://:s3cret@cache:6380/2?ssl_cert_reqs=required")
    assert "(rediss://cache:6380/2)" in tls
    assert tls.endswith('"rediss://…@cache:6380/{build_index}?ssl_cert_reqs=required")')


def test_a_list_of_redis_urls_is_named_by_its_first_and_each_url_gets_the_builds_number(redis_server) -> None:
    """kombu's failover list and Django's RedisCache LOCATION ("," or ";": Django 5.2 writes to the first
    server, reads from the others) were read by their last URL: "redis://:a@h1/6;redis://:b@h2/7" was said
    to share h2's database 7, where kombu 5.7.0 queued into h1's 6, and the advice replaced the last URL's
    number alone, so the first, which takes every write, stayed shared. Filled in per build, the advice
    parts the keys each URL reaches on a real server."""
    import redis

    from echotune_ci.baseref.data import shared_caches

    port = redis_server.port
    listed = f"redis://127.0.0.1:{port}/6,redis://localhost:{port}/7"
    [said] = shared_caches({"REDIS_URL": listed}, {"REDIS_URL": listed})
    assert f"REDIS_URL (redis://127.0.0.1:{port}/6, the first of 2 URLs)" in said
    advised = said.split("REDIS_URL = ")[1].split('"')[1]
    assert advised == f"redis://127.0.0.1:{port}/{{build_index}},redis://localhost:{port}/{{build_index}}"
    head, base = (advised.replace("{build_index}", n).split(",") for n in "01")
    for head_url, base_url in zip(head, base, strict=True):
        redis.Redis.from_url(head_url).set(f"echotune:{head_url}", "head")
        assert redis.Redis.from_url(base_url).get(f"echotune:{head_url}") is None
    semicolons = f"redis://:s3cret@127.0.0.1:{port}/6;redis://:s3cret@127.0.0.1:{port}/7"
    [said] = shared_caches({"CELERY_BROKER_URL": semicolons}, {"CELERY_BROKER_URL": semicolons})
    assert f"(redis://127.0.0.1:{port}/6, the first of 2 URLs)" in said and "s3cret" not in said
    assert said.endswith(f'"redis://…@127.0.0.1:{port}/{{build_index}};redis://…@127.0.0.1:{port}/{{build_index}}")')


def test_one_redis_database_for_both_builds_is_named_and_build_index_gives_each_its_own(
        tmp_path: Path, redis_server) -> None:
    """Two builds on one REDIS_URL share every key: what one cached, the other reads (a real redis-server
    here), so a slower uncached path in the head hides behind the base's cache, and the warning names
    it, never its password. `{build_index}` in [serve] env gives each build a database of its own."""
    import redis

    from echotune_ci.baseref.sidebyside import _data_warnings
    from echotune_ci.config import load_config
    from echotune_ci.config.sections import ServeSettings
    from echotune_ci.runner import PreparedApp
    from echotune_ci.serve import App

    def sides(name: str, **env: str) -> dict[str, PreparedApp]:
        out = {}
        for side in ("head", "base"):
            folder = tmp_path / name / side
            folder.mkdir(parents=True)
            (folder / "echotune.toml").write_text('[serve]\ncommand = "true"\n')
            app = App(ServeSettings(command="true", env=env), folder, root=folder, build=side)
            out[side] = PreparedApp(app)
        return out

    def warnings(apps: dict[str, PreparedApp]) -> list[str]:
        cfgs = [load_config(apps[side].app.root / "echotune.toml") for side in ("head", "base")]
        return _data_warnings(cfgs[0], cfgs[1], [], apps["head"], apps["base"])

    port = redis_server.port
    shared = sides("shared", REDIS_URL=f"redis://:s3cret@127.0.0.1:{port}")
    said = warnings(shared)
    assert [w for w in said if "same Redis database" in w] == [
        f"the base and the head use the same Redis database: REDIS_URL (redis://127.0.0.1:{port}/0); both "
        "builds' cached answers, sessions, rate limits and queues share its keys, so either build can answer "
        "from what the other cached (give each build its own: {build_index} in a [serve] value is 0 for the "
        f"head and 1 for the base, as in REDIS_URL = \"redis://…@127.0.0.1:{port}/{{build_index}}\")"]
    assert not any("s3cret" in w for w in said)
    urls = [prepared.app.environment()["REDIS_URL"] for prepared in shared.values()]
    redis.Redis.from_url(urls[0]).set("tracks:jazz", "from the head")
    assert redis.Redis.from_url(urls[1]).get("tracks:jazz") == b"from the head"

    apart = sides("apart", REDIS_URL=f"redis://:s3cret@127.0.0.1:{port}/{{build_index}}")
    assert not any("Redis" in w for w in warnings(apart))
    head_url, base_url = (apart[side].app.environment()["REDIS_URL"] for side in ("head", "base"))
    assert (head_url[-2:], base_url[-2:]) == ("/0", "/1")
    redis.Redis.from_url(head_url).set("tracks:rock", "from the head")
    assert redis.Redis.from_url(base_url).get("tracks:rock") is None

    parts = sides("parts", REDIS_HOST="127.0.0.1", REDIS_PORT=str(port))
    assert any(f"REDIS_HOST (127.0.0.1:{port}/0)" in w and 'as in REDIS_DB = "{build_index}")' in w
               for w in warnings(parts))
    parts["base"].app.extra_env["REDIS_DB"] = "1"
    assert not any("Redis" in w for w in warnings(parts))


def test_a_static_root_outside_both_checkouts_is_one_folder_for_both_builds(tmp_path: Path) -> None:
    """nickjj/docker-django-example (34c61de) collects its static files into STATIC_ROOT =
    "/public_collected": under `run --base-ref` the head's build wrote its 12,177-B app.css there, the base's,
    built after it, its own 8,527 B over it, and both apps answered /static/css/app.css with 8,527 B
    (curl on both ports during the run): the bundle phase failed the head on +22.7 % while the pages'
    stylesheet bytes read 0 %. A STATIC_ROOT inside the checkout, or one its variable gives each build apart,
    is no shared folder; nor is one without collectstatic in the steps."""
    import subprocess

    from echotune_ci.baseref.data import shared_static_root

    head, base = tmp_path / "head", tmp_path / "base"
    for root in (head, base):
        (root / "src" / "config").mkdir(parents=True)
        subprocess.run(["git", "init", "-q", str(root)], check=True)
    settings = head / "src" / "config" / "settings.py"
    settings.write_text('import os\nSTATIC_URL = "/static/"\nSTATIC_ROOT = "/public_collected"\n')
    subprocess.run(["git", "-C", str(head), "add", "src/config/settings.py"], check=True)
    build = "cd ../src && ../.venv/bin/python manage.py collectstatic --noinput"
    [said] = shared_static_root(build, head, base, {}, {})
    assert said.startswith("both builds' collectstatic write STATIC_ROOT (/public_collected, "
                           "src/config/settings.py:3), one folder outside their checkouts")
    assert said.endswith('read it from the environment (STATIC_ROOT = os.getenv("STATIC_ROOT", '
                         '"/public_collected")), in the base too, and set STATIC_ROOT = '
                         '"/public_collected-{build}" in [serve] env')
    assert shared_static_root("python manage.py migrate", head, base, {}, {}) == []

    settings.write_text('STATIC_ROOT = os.getenv("STATIC_ROOT", "/var/www/static")\n')
    [said] = shared_static_root(build, head, base, {}, {})
    assert "STATIC_ROOT (/var/www/static, src/config/settings.py:1)" in said
    assert said.endswith('give each build its own: STATIC_ROOT = "/var/www/static-{build}" in [serve] env')
    apart = ({"STATIC_ROOT": "/tmp/static-head"}, {"STATIC_ROOT": "/tmp/static-base"})
    assert shared_static_root(build, head, base, *apart) == []
    settings.write_text(f'STATIC_ROOT = "{head}/staticfiles"\n')  # in the head's checkout: its own
    assert shared_static_root(build, head, base, {}, {}) == []
    settings.write_text('from pathlib import Path\nSTATIC_ROOT = Path("/srv/static")\n')
    [said] = shared_static_root(build, head, base, {}, {})
    assert "STATIC_ROOT (/srv/static, src/config/settings.py:2)" in said


def test_a_redis_url_the_settings_default_to_or_hold_is_shared_where_no_environment_sets_it(tmp_path) -> None:
    """The shared-Redis warning read the environments and dotenv files only: a Django app whose settings
    default to a Redis URL (nickjj/docker-django-example's os.getenv("REDIS_URL", "redis://redis:6379/0"),
    django-environ's env("CELERY_BROKER_URL", default=...)) or hold one (CACHES' "LOCATION", a Celery
    broker literal) put both builds in one database with nothing said. Django 5.2's RedisCache with a
    literal LOCATION wrote to that URL's database whichever app set the key (a real server, by hand)."""
    import subprocess

    from echotune_ci.baseref.data import shared_caches, shared_settings_caches

    settings = ('import os\nimport environ\nenv = environ.Env()\n'
                'REDIS_URL = os.getenv("REDIS_URL", "redis://localhost:6379/0")\n'
                'CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default="redis://localhost:6379/3")\n'
                'CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",\n'
                '                      "LOCATION": "redis://127.0.0.1:6379/1"}}\n'
                'CELERY_BROKER_URL = "redis://:s3cret@127.0.0.1:6379/2"\n')
    roots = []
    for side in ("head", "base"):
        root = tmp_path / side
        (root / "site1").mkdir(parents=True)
        (root / "site1" / "settings.py").write_text(settings)
        subprocess.run(["git", "init", "-q", str(root)], check=True)
        subprocess.run(["git", "-C", str(root), "add", "site1/settings.py"], check=True)
        roots.append(root)
    head_more, base_more, origin, literal, _ = shared_settings_caches(roots[0], roots[1], {}, {})
    assert head_more == base_more == {"REDIS_URL": "redis://localhost:6379/0",
                                      "CELERY_RESULT_BACKEND": "redis://localhost:6379/3"}
    [said] = shared_caches(head_more, base_more, origin)
    assert said.startswith("the base and the head use the same Redis database: CELERY_RESULT_BACKEND "
                           "(redis://localhost:6379/3 in site1/settings.py:5, its default, which neither "
                           "build sets), REDIS_URL (redis://localhost:6379/0 in site1/settings.py:4, its "
                           "default, which neither build sets)")
    assert said.endswith('as in CELERY_RESULT_BACKEND = "redis://localhost:6379/{build_index}", '
                         'REDIS_URL = "redis://localhost:6379/{build_index}")')
    assert [w.split(";")[0] for w in literal] == [
        "the base and the head use the same Redis database: LOCATION (redis://127.0.0.1:6379/1, "
        "site1/settings.py:7), which no variable sets, so no [serve] value can give each build its own",
        "the base and the head use the same Redis database: CELERY_BROKER_URL (redis://127.0.0.1:6379/2, "
        "site1/settings.py:8), which no variable sets, so no [serve] value can give each build its own"]
    assert literal[1].endswith('(read it from a variable, in the base too: CELERY_BROKER_URL = '
                               'os.getenv("CELERY_BROKER_URL", "redis://..."), and set it in [serve] env, as '
                               'in CELERY_BROKER_URL = "redis://…@127.0.0.1:6379/{build_index}")')
    assert not any("s3cret" in w for w in literal)
    # an environment that sets the variable (each build its own) leaves its default out
    apart = shared_settings_caches(roots[0], roots[1], {"REDIS_URL": "redis://h/0"}, {"REDIS_URL": "redis://h/1"})
    assert "REDIS_URL" not in apart[0]


def _node_checkouts(tmp_path: Path, files: dict[str, str]) -> list[Path]:
    """A head's and a base's checkout, each a git repository tracking *files*."""
    import subprocess

    roots = []
    for side in ("head", "base"):
        root = tmp_path / side
        for rel, text in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text)
        subprocess.run(["git", "init", "-q", str(root)], check=True)
        subprocess.run(["git", "-C", str(root), "add", "."], check=True)
        roots.append(root)
    return roots


# trbKnl/movez-chat's src/server/main.ts (lines 63-66 of 8e7ca43); a test and a build of the same text are
# no settings of the app's
MOVEZ = ('const environment = process.env.NODE_ENV || "development"\n\nlet chatAppUrl\n'
         'let redisHost = process.env.REDIS_HOST || "127.0.0.1"\n'
         'let redisPort = process.env.REDIS_PORT || "6379"\n'
         'let redisUri = `redis://${redisHost}:${redisPort}`\n'
         'let redisClient = new Redis(redisUri, { maxRetriesPerRequest: null })\n')


def test_a_node_apps_redis_defaults_are_read_where_no_environment_sets_them(tmp_path) -> None:
    """movez-chat (Express, Socket.IO, ioredis, BullMQ) under `run --base-ref` with [serve] env REDIS_PORT =
    "6391" for both builds: both apps connected to redis://127.0.0.1:6391 (REDIS_HOST's default in
    src/server/main.ts), database 0, and after the run that one keyspace held both builds' sessions and
    BullMQ's waitingQueue jobs (redis-cli -p 6391 keys '*': session:*, bull:waitingQueue:*), so one build's
    worker could take the other's players; nothing was said, as only Python settings files were read."""
    from echotune_ci.baseref.data import shared_caches, shared_settings_caches

    roots = _node_checkouts(tmp_path, {"src/server/main.ts": MOVEZ,
                                       "__tests__/load.ts": MOVEZ.replace("127.0.0.1", "10.0.0.8"),
                                       "dist/server.js": 'process.env.REDIS_HOST || "10.0.0.9"',
                                       # past SETTINGS_BYTES (256 KiB): a committed bundle, not read
                                       "a/bundle.js": 'process.env.REDIS_HOST || "10.0.0.7"' + " " * 262_144})
    env = {"REDIS_PORT": "6391"}
    head_more, base_more, origin, literal, reads = shared_settings_caches(roots[0], roots[1], env, dict(env))
    assert head_more == base_more == {"REDIS_HOST": "127.0.0.1"}
    assert literal == []
    assert reads == {"NODE_ENV", "REDIS_HOST", "REDIS_PORT"}
    [said] = shared_caches({**head_more, **env}, {**base_more, **env}, origin, reads)
    assert said.startswith("the base and the head use the same Redis database: REDIS_HOST (127.0.0.1:6391/0 "
                           "in src/server/main.ts:4, its default, which neither build sets); ")
    # the app reads no REDIS_DB: setting one would part nothing
    assert said.endswith('as in REDIS_DB = "{build_index}" once the code reads it (it reads no REDIS_DB: '
                         "read one, in the base too, as the connection's database))")
    # each build at a Redis of its own ({build_index} in [serve] env) is no shared one
    apart = ({"REDIS_PORT": "6390"}, {"REDIS_PORT": "6391"})
    head_more, base_more, origin, _, reads = shared_settings_caches(roots[0], roots[1], *apart)
    assert shared_caches({**head_more, **apart[0]}, {**base_more, **apart[1]}, origin, reads) == []


def test_a_node_redis_url_default_and_a_database_variable_the_code_reads(tmp_path) -> None:
    """The URL form (process.env.REDIS_URL ?? 'redis://...') is named and fixed as a settings file's; a
    REDIS_DB the code reads (destructured from process.env) is the fix as it stands."""
    from echotune_ci.baseref.data import shared_caches, shared_settings_caches

    roots = _node_checkouts(tmp_path, {
        "server/redis.js": "const url = process.env['CACHE_URL'] ?? 'redis://localhost:6379'\n"
                           "const { REDIS_HOST = 'x', REDIS_DB = '0' } = process.env\n"
                           "const port = process.env.REDIS_PORT || 6380\n"
                           "const host = process.env.REDIS_HOST || 'cache.local'\n"})
    head_more, base_more, origin, _, reads = shared_settings_caches(roots[0], roots[1], {}, {})
    assert head_more == {"CACHE_URL": "redis://localhost:6379", "REDIS_PORT": "6380",
                         "REDIS_HOST": "cache.local"}
    assert reads is not None and {"REDIS_HOST", "REDIS_DB", "REDIS_PORT", "CACHE_URL"} <= reads
    [said] = shared_caches(head_more, base_more, origin, reads)
    assert "CACHE_URL (redis://localhost:6379/0 in server/redis.js:1, its default, which neither build " \
           "sets)" in said
    assert "REDIS_HOST (cache.local:6380/0 in server/redis.js:4, its default, which neither build sets)" \
        in said
    assert said.endswith('as in CACHE_URL = "redis://localhost:6379/{build_index}", '
                         'REDIS_DB = "{build_index}")')
