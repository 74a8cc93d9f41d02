"""A Flask-Migrate command that fails printing no error: its ``alembic.ini`` leaves ``flask_migrate`` out of
``[loggers]``, and the logging Alembic sets up from it disables Flask-Migrate's logger, where its error goes.
microblog's chapter 16 met a SQLite database a later chapter had migrated: `flask db upgrade` exited 1 after
two INFO lines, and the run quoted them and nothing else ("Can't locate revision identified by
'c81bac34faab'" was only seen with flask_migrate added to the keys)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from echotune_ci.errors import RunError
from echotune_ci.serve.output import silent_migration_hint
from echotune_ci.serve.steps import run_step

# Flask-Migrate's template before it listed its own logger, as microblog's migrations/ holds it
INI = """\
[alembic]

[loggers]
keys = root,sqlalchemy,alembic

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARN
handlers = console
qualname =

[logger_alembic]
level = INFO
handlers =
qualname = alembic
"""
SAID = ["INFO  [alembic.runtime.migration] Context impl SQLiteImpl.",
        "INFO  [alembic.runtime.migration] Will assume non-transactional DDL."]


def migrations(folder: Path, ini: str = INI, where: str = "migrations") -> Path:
    (folder / where).mkdir(parents=True)
    (folder / where / "alembic.ini").write_text(ini)
    return folder


def test_a_silent_failure_of_flask_db_upgrade_says_where_the_error_went(tmp_path: Path) -> None:
    cwd = migrations(tmp_path)
    hint = silent_migration_hint(SAID, "flask db upgrade", cwd)
    assert hint == ("; Flask-Migrate printed no error: the [loggers] keys of migrations/alembic.ini (root, "
                    "sqlalchemy, alembic) leave out flask_migrate, so the logging it sets up silences "
                    "Flask-Migrate's message (add it, with a [logger_flask_migrate] section, to see why); a "
                    "database at a revision these migrations lack (another branch's) fails so")
    # the migrations folder a command names, after the app option
    other = migrations(tmp_path / "two", where="backend/migrations")
    assert "backend/migrations/alembic.ini" in silent_migration_hint(
        SAID, "flask --app backend.app db upgrade --directory backend/migrations", other)


@pytest.mark.parametrize(("lines", "command", "ini"), [
    # an error it printed is the step's own words
    ([*SAID, "ERROR [flask_migrate] Error: Can't locate revision identified by 'c81bac34faab'"],
     "flask db upgrade", INI),
    ([*SAID, "Traceback (most recent call last):"], "flask db upgrade", INI),
    # the template that lists Flask-Migrate's logger shows its error
    (SAID, "flask db upgrade", INI.replace("alembic\n\n[handlers]", "alembic,flask_migrate\n\n[handlers]")),
    # not a Flask-Migrate command
    (SAID, "alembic upgrade head", INI),
    (SAID, "python manage.py migrate", INI),
])
def test_no_hint_where_the_error_shows_or_is_not_flask_migrates(tmp_path: Path, lines: list[str],
                                                                command: str, ini: str) -> None:
    assert silent_migration_hint(lines, command, migrations(tmp_path, ini)) == ""


def test_no_hint_without_an_alembic_ini(tmp_path: Path) -> None:
    assert silent_migration_hint(SAID, "flask db upgrade", tmp_path) == ""
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "alembic.ini").write_text("[loggers\nkeys = ")
    assert silent_migration_hint(SAID, "flask db upgrade", tmp_path) == ""


def test_a_build_step_that_fails_so_carries_the_hint(tmp_path: Path) -> None:
    # A `flask` of the project's environment that prints what Flask-Migrate's upgrade printed and exits 1.
    cwd = migrations(tmp_path)
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    flask = bin_dir / "flask"
    flask.write_text(f"#!{sys.executable}\nimport sys\nprint({SAID[0]!r})\nprint({SAID[1]!r})\nsys.exit(1)\n")
    flask.chmod(0o755)
    with pytest.raises(RunError) as failed:
        run_step("build", "flask db upgrade", cwd, {"PATH": f"{bin_dir}:/usr/bin:/bin"}, 30)
    assert str(failed.value).startswith("serve.build failed with exit code 1 (flask db upgrade); it printed: "
                                        "INFO")
    assert "Flask-Migrate printed no error: the [loggers] keys of migrations/alembic.ini" in str(failed.value)
