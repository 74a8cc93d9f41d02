"""The data each build serves: a local SQLite database of the head's that the base's lacks or holds
other rows in, and the head's untracked dotenv files, which a fresh checkout of the base lacks.

The base is a fresh checkout of its ref, so files git does not track are not
in it. A Django or Flask project on a developer's machine usually has one
that matters: ``db.sqlite3`` or ``instance/app.db``, filled by using the
app. The head then serves its rows and the base an empty database made by
its own setup or build (``migrate``, ``flask init-db``), or none at all, and
the comparison measures the data, not the change. Once both builds are
built, each such database of the head's is compared with the base's at the
same path, table by table (row counts, read-only): a fresh CI clone, where
both builds made theirs the same way, has nothing to say.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import sqlite3
import stat
import subprocess
import time
from collections import deque
from collections.abc import Iterator, Mapping, Set
from pathlib import Path

from ..fsutil import json_or_none, tracked_files
from ..net.urls import each_url, location, query_value, url_list
from ..project.dotenv import TEMPLATES, dotenv_file

SQLITE_MAGIC = b"SQLite format 3\x00"  # the first 16 bytes of every SQLite 3 database file
DB_SUFFIXES = (".sqlite", ".sqlite3", ".db", ".db3")
# Installed packages and caches hold no data of the app's, and walking node_modules would cost seconds.
SKIPPED_FOLDERS = frozenset({".git", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".nox",
                             ".mypy_cache", ".pytest_cache", ".ruff_cache", ".next", ".cache"})
MAX_FILES = 50_000
COUNT_SECONDS = 2.0  # at most this long counting one database's rows; then its size decides
# At most this long counting rows in all (a folder of test fixtures may hold hundreds); then sizes decide.
COUNT_TOTAL_SECONDS = 10.0
NAMED_DATABASES = 5  # warnings naming a database; the rest are counted in one more line
ADVICE = "the comparison may measure the data, not the change; make the data in [serve] setup or build"


def local_databases(folder: Path) -> list[str]:
    """Paths (relative to *folder*, ``/``-separated, sorted) of the SQLite database files under *folder*
    that git does not track, looked for by name (:data:`DB_SUFFIXES`, any case) and recognised by their
    header. Regular files only (a named pipe would block); installed packages and caches
    (:data:`SKIPPED_FOLDERS`, any folder with a ``pyvenv.cfg``) and symlinked folders are not searched.
    Folders are searched breadth first, so the shallow ones (``instance/``) come before a large upload
    folder fills :data:`MAX_FILES`, where the search stops. Never raises: what cannot be read is skipped.
    """
    found: list[str] = []
    seen = 0
    todo = deque([folder])
    while todo and seen <= MAX_FILES:
        current = todo.popleft()
        try:
            with os.scandir(current) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    # os.path.exists never raises (Path.exists does on EACCES and ENAMETOOLONG in 3.11).
                    if entry.name not in SKIPPED_FOLDERS and \
                            not os.path.exists(os.path.join(entry.path, "pyvenv.cfg")):
                        todo.append(Path(entry.path))
                    continue
                seen += 1
                if entry.name.lower().endswith(DB_SUFFIXES) and entry.is_file(follow_symlinks=False) \
                        and _is_sqlite(Path(entry.path)):
                    found.append(Path(entry.path).relative_to(folder).as_posix())
            except OSError:
                continue
    tracked = _tracked(folder, found)
    return sorted(p for p in found if p not in tracked)


def _is_sqlite(path: Path) -> bool:
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return False
        with path.open("rb") as f:
            return f.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False


def _tracked(folder: Path, paths: list[str]) -> set[str]:
    if not paths:
        return set()
    try:
        return set(tracked_files(folder, paths) or ())
    except (OSError, subprocess.TimeoutExpired):
        return set()


def table_rows(path: Path, seconds: float = COUNT_SECONDS) -> dict[str, int] | None:
    """Rows per table of the SQLite database at *path*, opened read-only; None when it cannot be read or
    counting takes longer than *seconds* (none left: None at once)."""
    if seconds <= 0:
        return None
    deadline = time.monotonic() + seconds
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=1.0)
    except (sqlite3.Error, OSError, ValueError):
        return None
    try:
        db.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
        names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                          "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")]
        quoted = {n: '"' + n.replace('"', '""') + '"' for n in names}
        return {n: int(db.execute(f"SELECT count(*) FROM {quoted[n]}").fetchone()[0]) for n in names}
    except sqlite3.Error:
        return None
    finally:
        db.close()


def data_warnings(head_folder: Path, base_folder: Path, databases: list[str]) -> list[str]:
    """One warning per SQLite database of the head's, *databases* (:func:`local_databases` of
    *head_folder* before the run: those its setup or build made, as the base's did, are no data someone
    brought, whatever a new migration changed), that the head still has once both builds are set up and
    built and the base (*base_folder*) has none of at the same path, or holds other rows in
    (:func:`table_rows`, :data:`COUNT_TOTAL_SECONDS` in all; then, or when the rows cannot be counted,
    the file sizes). [] when they agree. The first :data:`NAMED_DATABASES` are named, one line says how
    many more differ."""
    out = _differences(head_folder, base_folder, databases)
    if len(out) <= NAMED_DATABASES:
        return out
    left = len(out) - NAMED_DATABASES
    return [*out[:NAMED_DATABASES], f"{left} more of the head's untracked SQLite databases differ from the "
                                    f"base's or are not in it: {ADVICE}"]


def _differences(head_folder: Path, base_folder: Path, databases: list[str]) -> list[str]:
    """Every warning of :func:`data_warnings`, in the order of *databases*."""
    deadline = time.monotonic() + COUNT_TOTAL_SECONDS
    out = []
    for rel in databases:
        if not _is_sqlite(head_folder / rel):  # the head's build removed or replaced it
            continue
        theirs = base_folder / rel
        if not os.path.lexists(theirs):  # os.path never raises (Path.exists does on EACCES)
            out.append(f"the head has an untracked SQLite database, {rel}, that the base lacks: {ADVICE}")
            continue
        if not _is_sqlite(theirs):  # a named pipe would block the open; a folder is no database
            out.append(f"the head's untracked SQLite database {rel} differs from the base's: {ADVICE}")
            continue
        mine = head_folder / rel
        rows = table_rows(mine, min(COUNT_SECONDS, deadline - time.monotonic()))
        base_rows = (table_rows(theirs, min(COUNT_SECONDS, deadline - time.monotonic()))
                     if rows is not None else None)
        if rows is None or base_rows is None:
            with contextlib.suppress(OSError):
                if mine.stat().st_size != theirs.stat().st_size:
                    out.append(f"the head's untracked SQLite database {rel} differs from the base's: "
                               f"{ADVICE}")
            continue
        differ = [t for t in sorted(set(rows) | set(base_rows)) if rows.get(t) != base_rows.get(t)
                  and not _migrations_made(t, rows.get(t), base_rows.get(t))]
        if differ:
            shown = "; ".join(f"{t}: {_count(rows.get(t))} here, {_count(base_rows.get(t))} in the base"
                              for t in differ[:3])
            left = len(differ) - 3
            more = f"; {left} more table{'s' if left != 1 else ''}" if left > 0 else ""
            out.append(f"the head's untracked SQLite database {rel} holds other rows than the base's "
                       f"({shown}{more}): {ADVICE}")
    return out


def share_earlier_databases(head_folder: Path, base_folder: Path, earlier: list[str],
                            servers: Mapping[str, str] | None = None) -> list[str]:
    """Copy each of *earlier*, the head's untracked SQLite databases that earlier runs made and nobody used
    since (:func:`local_databases` less :func:`brought_databases`, before this run's setup), to the same
    path in *base_folder* where the base's setup and build made none; one note per copy. Such a database
    holds what those runs' apps wrote (40 items an api phase's requests had posted), which the base's
    fresh one lacks: an unchanged head failed on a finding about those rows and moved its p95 by +39 %.
    Its ``-wal`` and ``-journal`` files go along; a copy that fails is left out (the data warning says the
    rest). Nothing is copied when *servers*, what the head's app reads its settings from, names a database
    server (:func:`shared_database_names`): its rows are there, and the file is what an earlier run on
    SQLite left. Call before either app starts."""
    if servers and server_databases(servers):
        # microblog moved to PostgreSQL by DATABASE_URL: its old app.db was copied "so that both builds
        # serve the same rows", which neither read
        return []
    notes = []
    for rel in earlier:
        mine, theirs = head_folder / rel, base_folder / rel
        if not _is_sqlite(mine) or os.path.lexists(theirs):
            continue
        try:
            theirs.parent.mkdir(parents=True, exist_ok=True)
            for suffix in ("", "-wal", "-journal"):
                source = mine.parent / f"{mine.name}{suffix}"
                if source.is_file():
                    shutil.copyfile(source, theirs.parent / f"{theirs.name}{suffix}")
        except OSError:
            continue
        notes.append(f"the head's untracked SQLite database {rel}, which earlier runs' app filled, was "
                     f"copied to the base so that both builds serve the same rows")
    return notes


# Tables whose rows the migrations themselves write (Django's record of them, and the content types and
# permissions its post_migrate adds for each model; Alembic, Knex, Sequelize, Prisma, Rails, golang-migrate,
# goose, Flyway, Drizzle, Kysely, Entity Framework): a pull request that adds a model or a migration
# changes their counts with no data in the database.
MIGRATION_TABLES = frozenset({
    "django_migrations", "django_content_type", "auth_permission", "alembic_version", "knex_migrations",
    "knex_migrations_lock", "sequelizemeta", "_prisma_migrations", "schema_migrations",
    "ar_internal_metadata", "goose_db_version", "flyway_schema_history", "__drizzle_migrations",
    "kysely_migration", "kysely_migration_lock", "__efmigrationshistory"})


def _migrations_made(table: str, mine: int | None, theirs: int | None) -> bool:
    """Whether the counts of *table* differ for the schema, not for data: a table of
    :data:`MIGRATION_TABLES`, or an empty one that only one side has (the model the pull request adds or
    removes). A developer's ``manage.py migrate`` of the head's db.sqlite3, with nothing else in it, was
    said to hold other rows than the base's (auth_permission 44 rows here, 40 in the base ...)."""
    return table.lower() in MIGRATION_TABLES or (not mine and not theirs)


def _count(rows: int | None) -> str:
    return "no table" if rows is None else f"{rows} row{'s' if rows != 1 else ''}"


# Files python-dotenv, Flask and Node's dotenv read settings from; templates of them are no settings.
DOTENV = (".env", ".flaskenv")


def copy_dotenv(head_root: Path, base_root: Path, folders: list[Path]) -> list[str]:
    """Copy each dotenv file (``.env``, ``.env.*``, ``.flaskenv``; not ``.env.example`` and the like) that
    git does not track in one of *folders* of the head's checkout *head_root* into the same place in the
    base's fresh checkout *base_root*, where it is missing: an app that reads its settings from it (a
    secret key, where to log, DEBUG) would otherwise run the base with other settings, and the comparison
    would measure them. A dotenv file that is a symbolic link to a file (``.env -> ~/secrets/app.env``)
    becomes a link to the same file, so both builds read it. Paths copied, relative to *head_root*;
    never raises (what cannot be read or written is left as it is)."""
    copied: list[str] = []
    for folder, rel in _folders_in(head_root, folders):
        try:
            names = sorted(e.name for e in os.scandir(folder)
                           if (e.name in DOTENV or e.name.startswith(".env."))
                           and not e.name.endswith(TEMPLATES) and e.is_file())
        except OSError:
            continue
        tracked = _tracked(folder, names)
        copied += _copy_into_base(head_root, folder, rel, [n for n in names if n not in tracked], base_root)
    return copied


# Settings files that projects keep out of git by name (node-config's config/local.json, Django's
# local_settings.py, a config/local.yaml), read where the app starts or in its settings folder.
SETTINGS_SUFFIXES = (".toml", ".yaml", ".yml", ".ini", ".cfg", ".conf", ".json")
LOCAL_SETTINGS = ("local_settings.py", "settings_local.py")
SETTINGS_FOLDERS = ("config", "configs", "conf", "settings", "etc")
SETTINGS_BYTES = 256 * 1024


def copy_ignored_settings(head_root: Path, base_root: Path, folders: list[Path]) -> list[str]:
    """Copy the settings files that git ignores (``.gitignore``: not the head's uncommitted change, the
    machine's own settings) in *folders* of the head's checkout *head_root*, and in their ``config``,
    ``conf``, ``settings`` ... subfolders, into the same place in the base's checkout *base_root* where it
    is missing, as :func:`copy_dotenv` does dotenv files: ``config/local.json`` (node-config),
    ``local_settings.py`` (Django), an aiohttp app's ``config/user_config.toml``. The base started without
    them, on other settings or not at all. Settings files are named by suffix (TOML, YAML, INI, JSON only in
    a settings subfolder) or by those two Python names, at most 256 KiB, not a tool's (pyproject.toml ...)
    nor a template (``.example`` ...). Paths copied, relative to *head_root*; never raises."""
    from ..fsutil import ignored_files
    from ..project.settingsfiles import TOOL_FILES

    copied: list[str] = []
    for folder, rel in _folders_in(head_root, folders, SETTINGS_FOLDERS):
        in_settings = rel.name in SETTINGS_FOLDERS
        try:
            names = sorted(e.name for e in os.scandir(folder)
                           if e.is_file() and e.name not in TOOL_FILES and not e.name.startswith(".env")
                           and not e.name.endswith(TEMPLATES)
                           and (e.name in LOCAL_SETTINGS or e.name.endswith(SETTINGS_SUFFIXES)
                                and (in_settings or not e.name.endswith(".json")))
                           and e.stat().st_size <= SETTINGS_BYTES)
            ignored = set(ignored_files(folder, names)) if names else set()
        except (OSError, subprocess.TimeoutExpired):
            continue
        copied += _copy_into_base(head_root, folder, rel, [n for n in names if n in ignored], base_root)
    return copied


def _folders_in(head_root: Path, folders: list[Path],
                subfolders: tuple[str, ...] = ()) -> list[tuple[Path, Path]]:
    """Each of *folders* (and of its *subfolders* that exist) once, resolved, with its path relative to
    *head_root*; those outside it left out."""
    top = head_root.resolve()
    found: dict[Path, Path] = {}
    for folder in folders:
        for one in [folder, *(folder / sub for sub in subfolders)]:
            where = one.resolve()
            if where.is_dir() and where.is_relative_to(top):
                found.setdefault(where, where.relative_to(top))
    return list(found.items())


def _copy_into_base(head_root: Path, folder: Path, rel: Path, names: list[str], base_root: Path) -> list[str]:
    """Copy the files *names* of the head's *folder* (at *rel* in *head_root*) into the same place in
    *base_root*, each that is not there yet (readable by this user only); a symbolic link becomes a link
    to the same file. The paths copied, relative to *head_root*."""
    copied = []
    for name in names:
        target = base_root / rel / name
        if os.path.lexists(target) or not target.parent.is_dir():
            continue
        try:
            if (folder / name).is_symlink():  # the file it names, read where it is: nothing is copied
                named = (folder / name).resolve(strict=True)
                # One naming a file git tracks (.env -> .env.production) names the base's own, at the
                # same place; an untracked one the base lacks is the head's file, linked where it is.
                own = (named.is_relative_to(head_root.resolve())
                       and bool(_tracked(named.parent, [named.name])))
                target.symlink_to(os.readlink(folder / name) if own else named)
            else:
                target.write_bytes((folder / name).read_bytes())
                target.chmod(0o600)
        except OSError:
            continue
        copied.append((rel / name).as_posix())
    return copied


def _record(path: Path) -> Path:
    """Where a run remembers the database at *path* it made or used (the user's cache, as setup stamps)."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    key = hashlib.sha256(str(path.resolve()).encode("utf-8")).hexdigest()[:24]
    return cache / "echotune-ci" / "run-databases" / f"{key}.json"


def _state(path: Path) -> dict[str, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def brought_databases(folder: Path, found: list[str] | None = None) -> list[str]:
    """:func:`local_databases` of *folder* (or *found*, when the caller has them already: the walk reads
    up to :data:`MAX_FILES` entries) less those an earlier run left as they are now (same size and
    modification time as :func:`remember_databases` recorded): the rows a run's setup and page loads put
    there (django_session's, one per visit) are no data someone brought. A database used since then is
    counted again."""
    out = []
    for rel in local_databases(folder) if found is None else found:
        left = json_or_none(_record(folder / rel))
        if left is None or left != _state(folder / rel):
            out.append(rel)
    return out


def remember_databases(folder: Path, brought: list[str]) -> None:
    """After a run: record the size and modification time of each untracked SQLite database under *folder*
    that is not in *brought* (:func:`brought_databases` before the run: the others the run's own setup,
    build or app made, or an earlier run's, unused since). Never raises: a record that cannot be written
    only means a warning the next run could have left out."""
    for rel in local_databases(folder):
        if rel in brought:
            continue
        state = _state(folder / rel)
        record = _record(folder / rel)
        with contextlib.suppress(OSError):
            if state is not None:
                record.parent.mkdir(parents=True, exist_ok=True)
                record.write_text(json.dumps(state), encoding="utf-8")


# A database server's URL (not SQLite, whose file each checkout has apart, nor a cache such as Redis, which
# holds no schema): postgresql+psycopg://, mongodb+srv://
_SERVER_DB = re.compile(r"^(?:postgres(?:ql)?|mysql|mariadb|mongodb)(?:\+[\w-]+)?://", re.I)


# A database server given in parts (django-quiz-app: DBHOST, DBNAME, DBUSER, DBPASS; libpq's PGHOST and
# PGDATABASE; POSTGRES_HOST and POSTGRES_DB): the host's variable, whose prefix names the others. The host
# is also a SERVER (full-stack-fastapi-template's settings read POSTGRES_SERVER, POSTGRES_PORT and
# POSTGRES_DB: its base's `alembic upgrade head` failed on the head's revision and nothing said the two
# shared one database) or a HOSTNAME (DATABASE_HOSTNAME beside DATABASE_NAME)
_HOST_VARIABLE = re.compile(
    r"^((?:\w+_)?(?:DB|DATABASE|POSTGRES|POSTGRESQL|PG|MYSQL|MARIADB|MONGO|MONGODB)_?)(?:HOST|HOSTNAME|SERVER)$",
    re.I)


# The database's name under a name of its own, for a host variable whose prefix names none (DB_HOST beside
# the POSTGRES_DB the compose file's postgres image reads)
_DATABASE_NAMES = ("POSTGRES_DB", "PGDATABASE", "MYSQL_DATABASE", "MARIADB_DATABASE", "MONGO_DB", "DB_NAME",
                   "DATABASE_NAME", "DBNAME")
def dotenv_settings(folders: list[Path]) -> dict[str, tuple[str, str]]:
    """name -> (value, file) of what the dotenv files of *folders* set (``.env``, ``.env.*``,
    ``.flaskenv``; not templates such as ``.env.example``): the settings an app that loads them
    (python-dotenv, Node's dotenv) gets where its environment does not set them. The first file that
    sets a name wins; *file* is its path as given. Never raises: what cannot be read sets nothing."""
    out: dict[str, tuple[str, str]] = {}
    for folder in dict.fromkeys(folders):
        try:
            names = sorted((e.name for e in os.scandir(folder)
                            if (e.name in DOTENV or e.name.startswith(".env."))
                            and not e.name.endswith(TEMPLATES) and e.is_file()),
                           key=lambda n: (n not in DOTENV, n))
        except OSError:
            continue
        node = (folder / "package.json").is_file()  # Node's dotenv reads an unquoted "#" apart
        for name in names:
            for key, value in dotenv_file(folder / name, node=node).items():
                out.setdefault(key, (value, str(folder / name)))
    return out


# A settings file a command names by its path (``-c config/user_config.toml``, ``--config=app.yaml``)
_SETTINGS_SUFFIXES = (".toml", ".yaml", ".yml", ".ini", ".cfg", ".conf")
# TOML/INI ``[database]``, YAML's top-level ``postgres:``; ``KEY = 'v'`` / ``key: v``, comments after
_SECTION_LINE = re.compile(r"""^\[\s*["']?([\w.\-]+)["']?\s*\]\s*$|^([A-Za-z_][\w-]*)\s*:\s*(?:#.*)?$""")
_VALUE_LINE = re.compile(r"""^(\s*)["']?([A-Za-z_][\w-]*)["']?\s*[=:]\s*"""
                         r"""(?:"([^"]*)"|'([^']*)'|([^\s#"'][^#]*?))\s*(?:#.*)?$""")


def named_settings(command: str, cwd: Path) -> dict[str, tuple[str, str]]:
    """name -> (value, file) of the settings files *command* names by a path under *cwd* (aiohttp-demos'
    blog: ``python -m aiohttpdemo_blog.main -c config/user_config.toml``, whose ``[database]`` holds
    ``DB_HOST``, ``DB_PORT`` and ``DB_NAME``): each key upper-cased as written, a bare word (no ``_``)
    in a section behind the section's name (a YAML ``postgres:`` section's ``host`` is
    ``POSTGRES_HOST``, its ``database`` ``POSTGRES_DATABASE``), so that :func:`shared_databases` reads
    them as it reads variables. A dotenv file is :func:`dotenv_settings`'. Never raises: what cannot be
    read sets nothing."""
    out: dict[str, tuple[str, str]] = {}
    for word in command.replace("=", " ").split():
        word = word.strip("'\"")
        if not word.endswith(_SETTINGS_SUFFIXES):
            continue
        try:
            text = (cwd / word).read_text(encoding="utf-8", errors="replace")
        except (OSError, ValueError):
            continue
        yaml = word.endswith((".yaml", ".yml"))
        section = ""
        for line in text.splitlines()[:2000]:
            header = _SECTION_LINE.match(line)
            if header:
                section = (header.group(1) or header.group(2)).upper().replace("-", "_").replace(".", "_")
                continue
            m = _VALUE_LINE.match(line)
            if m is None:
                continue
            if yaml and not m.group(1):
                section = ""
            key = m.group(2).upper().replace("-", "_")
            value = next(v for v in (m.group(3), m.group(4), m.group(5) or "") if v is not None).strip()
            out.setdefault(key if not section or "_" in key else f"{section}_{key}", (value, str(cwd / word)))
    return out


def shared_databases(head_env: Mapping[str, str], base_env: Mapping[str, str],
                     origin: Mapping[str, str] | None = None) -> list[str]:
    """A warning when the head's and the base's environments point at the same database server and
    database (:func:`shared_database_names`). The head's migrations and the writes of both builds' tests
    then land in one database, so the base is measured on the head's schema and data."""
    found = _shared(head_env, base_env, origin)
    if not found:
        return []
    return [f"the base and the head use the same database: {', '.join(n for n, _ in found)}; the head's "
            "migrations and both builds' requests reach it, so a pull request that changes the schema has "
            "its base measured on the head's (give each build a database of its own to compare them apart: "
            f"{{build}} in a [serve] value is \"base\" or \"head\", as in {found[0][1]}, with both databases "
            "made in [serve] build)"]


def shared_database_names(head_env: Mapping[str, str], base_env: Mapping[str, str],
                          origin: Mapping[str, str] | None = None) -> list[str]:
    """The databases the head's and the base's environments both point at, each as its variables and
    where (``DATABASE_URL (postgresql://127.0.0.1:5432/app)``): the same URL in the same variable, or the
    same host, port and database name in variables that give them in parts (DBHOST and DBNAME, PGHOST and
    PGDATABASE, POSTGRES_HOST or POSTGRES_SERVER and POSTGRES_DB, DB_HOST and POSTGRES_DB). The database is
    named by its scheme (or variables), host, port and name only, never its credentials; *origin* names the
    file a variable was read from (a dotenv file both builds read), said after it."""
    return [named for named, _ in _shared(head_env, base_env, origin)]


def own_database_example(head_env: Mapping[str, str], base_env: Mapping[str, str]) -> str:
    """The ``[serve] env`` entry that gives each build its own copy of the first database both point at,
    in the variable the app reads it from: ``POSTGRES_DB = "app_{build}"`` (full-stack-fastapi-template,
    whose settings take no DATABASE_URL, was told to write one), ``DATABASE_URL = ".../app_{build}"``;
    "" when they share none."""
    found = _shared(head_env, base_env)
    return found[0][1] if found else ""


def _shared(head_env: Mapping[str, str], base_env: Mapping[str, str],
            origin: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
    """(:func:`shared_database_names`' text, :func:`own_database_example`'s entry) of each database the
    two environments share."""
    origin = origin or {}

    def said(*names: str) -> str:
        return _said(origin, *names)

    same = sorted(name for name, value in head_env.items()
                  if _SERVER_DB.match(value or "") and base_env.get(name) == value)
    named = [(f"{name} ({_where(head_env[name])}{said(name)})",
              f'{name} = ".../{_database_name(head_env[name])}_{{build}}"') for name in same]
    found: list[tuple[bool, str, str, str]] = []  # (by another prefix's name, host, database, where)
    for name, host in sorted(head_env.items()):
        match = _HOST_VARIABLE.match(name)
        if not match or not host or base_env.get(name) != host:
            continue
        prefix = match.group(1)
        database = next((n for n in (f"{prefix}NAME", f"{prefix}DATABASE", f"{prefix}DB", f"{prefix}_NAME")
                         if head_env.get(n)), "")
        other = not database
        database = database or next((n for n in _DATABASE_NAMES if head_env.get(n)), "")
        port = f"{prefix}PORT"
        same_port = base_env.get(port) == head_env.get(port)
        if database and base_env.get(database) == head_env[database] and same_port:
            where = host + (f":{head_env[port]}" if head_env.get(port) else "") + f"/{head_env[database]}"
            found.append((other, name, database, where))
        elif not database and same_port and not _names_database(base_env, prefix) \
                and not _apart(head_env, base_env):
            # Neither names a database: both use the one the app's settings default to (DjangoGirls'
            # POSTGRES_DB = os.getenv("POSTGRES_DB", "djangogirls")), where the head's migrations went first
            found.append((True, name, "", host + (f":{head_env[port]}" if head_env.get(port) else "")))
    places: set[str] = set()
    for other, name, database, where in sorted(found):
        if other and where in places:  # DB_HOST beside POSTGRES_HOST and its POSTGRES_DB: one database
            continue
        places.add(where)
        if not database:
            named.append((f"{name} ({where}{said(name)}, where neither build names a database: both use the "
                          f"one the app's settings default to)", f'{_name_variable(name)} = "app_{{build}}"'))
            continue
        named.append((f"{name} and {database} ({where}{said(name, database)})",
                      f'{database} = "{head_env[database]}_{{build}}"'))
    return named


def _apart(head_env: Mapping[str, str], base_env: Mapping[str, str]) -> bool:
    """Whether a variable is "head" in the head's environment where it is "base" in the base's: {build} in
    a [serve] value, which may give each build its own database under a name this module does not know."""
    return any(value != base_env.get(name) and value.replace("head", "base") == base_env.get(name)
               for name, value in head_env.items() if "head" in value)


def _names_database(env: Mapping[str, str], prefix: str) -> bool:
    """Whether *env* names a database for the host variable of *prefix* (its own name or a common one)."""
    return any(env.get(n) for n in (f"{prefix}NAME", f"{prefix}DATABASE", f"{prefix}DB", f"{prefix}_NAME",
                                    *_DATABASE_NAMES))


def _name_variable(host: str) -> str:
    """The variable that most likely names the database beside the host variable *host*: the one the
    official image of its server reads (POSTGRES_DB, MYSQL_DATABASE), libpq's PGDATABASE, else NAME."""
    prefix = _HOST_VARIABLE.match(host)
    start = prefix.group(1) if prefix else ""
    upper = start.upper()
    if upper.rstrip("_").endswith(("POSTGRES", "POSTGRESQL")):
        return f"{start}DB" if start.endswith("_") else f"{start}_DB"
    if upper == "PG":
        return "PGDATABASE"
    if upper.rstrip("_").endswith(("MYSQL", "MARIADB")):
        return f"{start}DATABASE" if start.endswith("_") else f"{start}_DATABASE"
    return f"{start}NAME"


def _database_name(url: str) -> str:
    """The database a server URL names (its path's last part), "app" where it names none."""
    place = location(url)
    return (place.path if place else "").rstrip("/").rsplit("/", 1)[-1] or "app"


# A Redis server's URL (Valkey speaks the same protocol and takes the same URLs): redis://, rediss://,
# redis+sentinel://, valkey://, whose database is ?db= (redis-py reads it first) or the path's number, 0
# without one; kombu's (Celery's broker and result backend) sentinel://, its database the path's number
# too, and redis+socket:///run/redis.sock, its database ?virtual_host= (kombu 5.7.0 on a real server:
# ?virtual_host=1 queued into database 1, ?db=5 into database 0)
_CACHE_URL = re.compile(r"^(?:rediss?|redis\+sentinel|redis\+socket|sentinel|valkeys?)://", re.I)
# ... or redis-py's unix socket URL (unix:///run/redis.sock?db=0) in a variable named for Redis: a unix URL
# alone may be any socket (DOCKER_HOST = "unix:///var/run/docker.sock")
_CACHE_SOCKET = re.compile(r"^unix://", re.I)
_CACHE_NAME = re.compile(r"REDIS|VALKEY", re.I)
# ... or in parts: REDIS_HOST with REDIS_PORT and REDIS_DB (Bull's and ioredis' examples, Django-RQ's)
_CACHE_HOST = re.compile(r"^((?:\w+_)?(?:REDIS|VALKEY)_?)HOST$", re.I)


def shared_caches(head_env: Mapping[str, str], base_env: Mapping[str, str],
                  origin: Mapping[str, str] | None = None, reads: Set[str] | None = None) -> list[str]:
    """A warning when the head's and the base's environments point at the same Redis database: the same
    URL in the same variable (``REDIS_URL``, ``CELERY_BROKER_URL``), or the same ``REDIS_HOST``, port and
    database number. Both builds' cached answers, sessions, rate-limit counters and job queues then live
    in one keyspace: either build answers from what the other cached, and one's workers take the other's
    jobs. Named by scheme, host, port and database only (never the password); *origin* names the file a
    variable was read from. A value that lists URLs (kombu's failover and Sentinel lists, Django's cache
    servers) is named by its first, the one its client writes to. *reads*: the variables the app's code
    reads, where they are known (:func:`shared_settings_caches`): a database variable it does not read
    cannot part the builds, and the fix says so."""
    origin = origin or {}
    named: list[str] = []
    # The fix in the variable the app reads and at its own server: a fixed REDIS_URL on 6379 sent the
    # reader of a shared CELERY_BROKER_URL on 6392 to another variable and another server
    fixes: list[str] = []
    for name, value in sorted(head_env.items()):
        socket = bool(_CACHE_SOCKET.match(value or "") and _CACHE_NAME.search(name))
        if (_CACHE_URL.match(value or "") or socket) and base_env.get(name) == value:
            first, urls = url_list(value)[0], len(url_list(value))
            place = location(first)
            where = f"{_cache_where(first)}{f', the first of {urls} URLs' if urls > 1 else ''}" if place \
                else value.split("://", 1)[0] + "://…"
            named.append(f"{name} ({where}{_said(origin, name)})")
            if place:
                # every URL of a list: kombu's next failover server, Django's replicas read the same database
                fixes.append(f'{name} = "{each_url(value, _own_database)}"')
            continue
        match = _CACHE_HOST.match(name)
        if not match or not value or base_env.get(name) != value:
            continue
        prefix = match.group(1)
        parts = [f"{prefix}PORT", f"{prefix}DB"]
        if all(base_env.get(n) == head_env.get(n) for n in parts):
            port, db = head_env.get(parts[0]), head_env.get(parts[1]) or "0"
            named.append(f"{name} ({value}{':' + port if port else ''}/{db}{_said(origin, name)})")
            # movez-chat connects to redis://${REDIS_HOST}:${REDIS_PORT}, no database of its own to set
            # (said only where the code read is the one that reads the host: a Python app beside Node tooling)
            fixes.append(f'{parts[1]} = "{{build_index}}"' if reads is None or parts[1] in reads
                         or name not in reads else
                         f'{parts[1]} = "{{build_index}}" once the code reads it (it reads no {parts[1]}: '
                         "read one, in the base too, as the connection's database)")
    if not named:
        return []
    fix = ", ".join(fixes) or 'REDIS_URL = "redis://127.0.0.1:6379/{build_index}"'
    return [f"the base and the head use the same Redis database: {', '.join(named)}; both builds' cached "
            "answers, sessions, rate limits and queues share its keys, so either build can answer from what "
            "the other cached (give each build its own: {build_index} in a [serve] value is 0 for the head "
            f"and 1 for the base, as in {fix})"]


def _socket_query(url: str) -> str:
    """The query parameter that names the database of a Redis socket URL: kombu's ``virtual_host`` for
    ``redis+socket://``, redis-py's ``db`` for ``unix://``; "" for a URL of a host (its path names it)."""
    scheme = url.split("://", 1)[0].lower()
    return {"redis+socket": "virtual_host", "unix": "db"}.get(scheme, "")


def _cache_where(url: str) -> str:
    """scheme://host:port/database of the Redis URL *url* (a socket's path and its query's database), as
    its client reads it; no credentials."""
    place = location(url)
    assert place is not None  # only called for a URL
    socket = _socket_query(url)
    if socket:
        return f"{place.scheme}://{place.path}?{socket}={query_value(url, socket) or '0'}"
    # redis-py reads the database from ?db= before the path (redis://h:6379/2?db=3 is database 3)
    last = place.path.rstrip("/").rsplit("/", 1)[-1]
    db = query_value(url, "db") or (last if last.isdigit() else "") or "0"
    return f"{place.scheme}://{place.host}/{db}"


def redis_own_database(url: str) -> str:
    """*url*, a Redis URL, with {build_index} for its database, credentials kept (init writes it into
    [serve] env, where the password is the project's own default)."""
    login = url.split("://", 1)[1].rsplit("@", 1)[0] + "@" if "@" in url.split("://", 1)[-1] else ""
    return _own_database(url).replace("…@", login, 1)


def _own_database(url: str) -> str:
    """*url* with {build_index} for its database number and all else kept but its credentials, which are
    never said ("…@" stands for them, all before the last "@" as location() reads it): the database is
    ?db= where the URL has it (redis-py reads it before the path), a socket's query (:func:`_socket_query`),
    else the path's last number, else a new last segment. Rebuilding the URL from scheme, host and number
    dropped the rest a user must keep: redis+sentinel's service name (/mymaster/0), rediss'
    ?ssl_cert_reqs=none."""
    scheme, rest = url.split("://", 1)
    login = "…@" if "@" in rest else ""
    parts = re.match(r"([^?#]*)(\?[^#]*)?(#.*)?", rest.rsplit("@", 1)[-1])
    assert parts is not None  # every string matches: each group may be empty
    hostpath, query, fragment = parts.group(1), parts.group(2) or "", parts.group(3) or ""
    socket = _socket_query(url)
    if socket:
        # a socket's path is its server, not a database
        if query_value(url, socket):
            query = re.sub(rf"([?&]{socket}=)[^&]*", r"\g<1>{build_index}", query, count=1)
        else:
            query = f"{query}&{socket}={{build_index}}" if query else f"?{socket}={{build_index}}"
    elif query_value(url, "db"):
        query = re.sub(r"([?&]db=)[^&]*", r"\g<1>{build_index}", query, count=1)
    else:
        host, _, path = hostpath.partition("/")
        segments = path.strip("/").split("/") if path.strip("/") else []
        if segments and segments[-1].isdigit():
            segments[-1] = "{build_index}"
        else:
            segments.append("{build_index}")
        hostpath = f"{host}/{'/'.join(segments)}"
    return f"{scheme}://{login}{hostpath}{query}{fragment}"


def _said(origin: Mapping[str, str], *names: str) -> str:
    """" in .env" for the variables of *names* read from a file (*origin*), else ""."""
    files = list(dict.fromkeys(origin[n] for n in names if n in origin))
    return f" in {', '.join(files)}" if files else ""


def server_databases(settings: Mapping[str, str]) -> list[str]:
    """The database servers an app's *settings* point at (:func:`shared_database_names` of them against
    themselves); [] for an app on SQLite or none. Its local SQLite files are then what an earlier
    configuration left, no data of its own."""
    return shared_database_names(settings, settings)


def _where(url: str) -> str:
    """scheme://host:port/database of *url*, without user, password or query (:func:`location`)."""
    place = location(url)
    return str(place) if place else url.split("://", 1)[0] + "://…"


def _settings_texts(root: Path, names: str, first: int = 20, skipped: re.Pattern[str] | None = None,
                    most: int | None = None) -> Iterator[tuple[str, str]]:
    """(path, text) of the files git tracks under *root* whose path matches the pattern *names* and not
    *skipped*, the *first* in order; a file that cannot be read, or larger than *most* bytes, is passed
    over."""
    for rel in sorted(f for f in tracked_files(root) or []
                      if re.search(names, f) and not (skipped and skipped.search(f)))[:first]:
        try:
            if most is not None and (root / rel).stat().st_size > most:
                continue
            yield rel, (root / rel).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue


# Django's STATIC_ROOT, where `collectstatic` copies the static files the app then serves (WhiteNoise): a
# string, a Path() of one, or os.getenv/os.environ.get(NAME, default)
_STATIC_ROOT = re.compile(r"""^STATIC_ROOT\s*=\s*(?:os\.(?:getenv|environ\.get)\(\s*['"](\w+)['"]\s*,\s*)?"""
                          r"""(?:Path\(\s*)?r?['"]([^'"]+)['"]""", re.M)


def shared_static_root(build: str, head_root: Path, base_root: Path, head_env: Mapping[str, str],
                       base_env: Mapping[str, str]) -> list[str]:
    """A warning when both builds' ``collectstatic`` (in *build*, the head's [serve] steps filled in) write
    one folder outside their checkouts: a STATIC_ROOT in the head's Django settings (a file git tracks,
    ``settings.py`` or ``settings/*.py``) that is an absolute path in neither checkout, as given or as its
    variable sets it in both environments. nickjj/docker-django-example's ``STATIC_ROOT =
    "/public_collected"``: the head's build wrote its 12,177-B app.css there, the base's, built after it,
    its own 8,527 B over it, and both apps served the base's: the bundle phase compared each build's own
    CSS while the pages of both loaded the base's. Never raises."""
    if "collectstatic" not in build:
        return []
    for rel, text in _settings_texts(head_root, r"(^|/)settings\.py$|(^|/)settings/\w+\.py$"):
        for m in _STATIC_ROOT.finditer(text):
            variable, path = m.group(1), m.group(2)
            if variable and head_env.get(variable) != base_env.get(variable):
                continue  # each build names its own ({build} in [serve] env)
            folder = (head_env.get(variable) or path) if variable else path
            if not folder.startswith("/") or any(
                    Path(folder).resolve().is_relative_to(root.resolve()) for root in (head_root, base_root)):
                continue
            line = text.count("\n", 0, m.start()) + 1
            fix = (f'{variable} = "{folder.rstrip("/")}-{{build}}" in [serve] env' if variable else
                   f'read it from the environment (STATIC_ROOT = os.getenv("STATIC_ROOT", "{path}")), in the '
                   f'base too, and set STATIC_ROOT = "{folder.rstrip("/")}-{{build}}" in [serve] env')
            return [f"both builds' collectstatic write STATIC_ROOT ({folder}, {rel}:{line}), one folder "
                    "outside their checkouts: the base, built after the head, wrote its static files over "
                    "the head's there, so both apps serve the base's and the pages compare the base's "
                    "stylesheets and scripts with themselves (the bundle phase reads each build's own); "
                    f"give each build its own: {fix}"]
    return []


# A Redis URL in a Python settings file: the default of a variable it reads (nickjj/docker-django-example's
# os.getenv("REDIS_URL", "redis://redis:6379/0"), django-environ's env("REDIS_URL", default="redis://..."))
_REDIS_SCHEMES = r"(?:rediss?|redis\+sentinel|redis\+socket|sentinel|valkeys?)://"
_SETTING_DEFAULT = re.compile(r"""(?:getenv|environ\.get|\benv(?:\.\w+)?)\(\s*['"](\w+)['"]\s*,\s*"""
                              r"""(?:default\s*=\s*)?(?:['"]([^'"\n]*)['"]|(\d+)\b)""")
# ... or a literal no variable changes: CELERY_BROKER_URL = "redis://...", CACHES' "LOCATION": "redis://..."
_SETTING_LITERAL = re.compile(rf"""^\s*(?:(\w+)\s*=|['"](\w+)['"]\s*:)\s*['"]({_REDIS_SCHEMES}[^'"]*)['"]""",
                              re.M)
# ... or a Node app's: process.env.REDIS_URL || "redis://127.0.0.1:6379", process.env["REDIS_HOST"] ??
# 'localhost', process.env.REDIS_PORT || 6379 (movez-chat's src/server/main.ts); Node has no settings file by
# convention
_NODE_DEFAULT = re.compile(r"""process\.env(?:\.(\w+)|\[\s*['"](\w+)['"]\s*\])\s*(?:\|\||\?\?)\s*"""
                           r"""(?:(['"`])([^'"`$\n]*)\3|(\d+)\b)""")
# the variables it reads: process.env.NAME, process.env["NAME"], const { NAME, OTHER = "x" } = process.env
_NODE_READ = re.compile(r"""process\.env(?:\.(\w+)|\[\s*['"](\w+)['"]\s*\])|"""
                        r"""\{([\w\s,:=.'"]+)\}\s*=\s*process\.env\b""")
_NODE_SOURCES = r"\.(?:[cm]?js|[cm]?ts)$"
# built, vendored or test code: no app's settings
_NODE_SKIPPED = re.compile(r"(^|/)(node_modules|dist|build|out|coverage|public|vendor|tests?|__tests__)/|"
                           r"\.(?:test|spec|min|d)\.[cm]?[jt]s$")
# virtualenvs, tests and migrations: no code that connects the app
_PY_SKIPPED = re.compile(r"(^|/)(\.?venv|env|site-packages|node_modules|tests?|migrations)/|"
                         r"(^|/)test_\w*\.py$|_test\.py$")
# a Socket.IO server on a message queue: Flask-SocketIO's message_queue=..., python-socketio's managers
_SOCKETIO_QUEUE = re.compile(r"\bmessage_queue\s*=|\b(?:Async)?(?:Redis|Kombu|AioPika)Manager\(")
# the parts a Redis connection is given in besides a URL: REDIS_HOST's port and database (_CACHE_HOST)
_CACHE_PART = re.compile(r"^(?:\w+_)?(?:REDIS|VALKEY)_?(?:HOST|PORT|DB)$", re.I)


def settings_redis(root: Path) -> tuple[dict[str, tuple[str, str]], dict[str, tuple[str, str]], set[str]]:
    """({variable: (its Redis default, "file:line")}, {setting: (its literal Redis URL, "file:line")}, the
    variables that code reads) of the Python settings files git tracks under *root* (``settings.py``,
    ``settings/*.py``, ``config.py``, ``celery.py``, ``celeryconfig.py``) and of a Node app's JavaScript
    and TypeScript sources (the first 300, no tests or builds): the Redis both builds use when their
    environments set nothing, which the shared-Redis warning did not read. A default is a Redis URL, or a
    host, port or database number in a variable named for one (``REDIS_HOST``: movez-chat's
    ``process.env.REDIS_HOST || "127.0.0.1"``, which both builds connected to with one REDIS_PORT, sharing
    its BullMQ queues unsaid). Never raises."""
    defaults: dict[str, tuple[str, str]] = {}
    literals: dict[str, tuple[str, str]] = {}
    reads: set[str] = set()

    def default(name: str, value: str, rel: str, text: str, at: int) -> None:
        if re.match(_REDIS_SCHEMES, value, re.I) or (_CACHE_PART.match(name) and value):
            defaults.setdefault(name, (value, f"{rel}:{text.count(chr(10), 0, at) + 1}"))

    def python_defaults(rel: str, text: str) -> None:
        for m in _SETTING_DEFAULT.finditer(text):
            default(m.group(1), m.group(2) if m.group(2) is not None else m.group(3), rel, text, m.start())

    names = r"(^|/)(settings|config|celery|celeryconfig)\.py$|(^|/)settings/\w+\.py$"
    for rel, text in _settings_texts(root, names):
        python_defaults(rel, text)
        for m in _SETTING_LITERAL.finditer(text):
            name = m.group(1) or m.group(2)
            literals.setdefault(name, (m.group(3), f"{rel}:{text.count(chr(10), 0, m.start()) + 1}"))
    # a default read where the app is made: Flask-SocketIO-Chat given a message queue in create_app
    # (os.environ.get('SOCKETIO_MESSAGE_QUEUE', 'redis://127.0.0.1:6392/0') in app/__init__.py) had both
    # builds subscribed to one channel, unsaid
    for rel, text in _settings_texts(root, r"\.py$", 300, _PY_SKIPPED, SETTINGS_BYTES):
        if not re.search(names, rel) and ("getenv" in text or "environ" in text or "env(" in text):
            python_defaults(rel, text)
    # a bundle committed outside dist/ (a vendored SDK, a built server) is no settings of the app's
    for rel, text in _settings_texts(root, _NODE_SOURCES, 300, _NODE_SKIPPED, SETTINGS_BYTES):
        if "process.env" not in text:
            continue
        for m in _NODE_DEFAULT.finditer(text):
            default(m.group(1) or m.group(2), m.group(4) if m.group(4) is not None else m.group(5), rel, text,
                    m.start())
        for m in _NODE_READ.finditer(text):
            # const { REDIS_HOST, REDIS_DB = "0" } = process.env reads both
            reads.update([m.group(1) or m.group(2)] if m.group(3) is None else
                         re.findall(r"(\w+)\s*(?:[:=,]|$)", m.group(3)))
    return defaults, literals, reads


def socketio_queue(root: Path) -> str:
    """A sentence for the shared-Redis warning when the app's Python code puts its Socket.IO server on a
    message queue ("file:line" of its ``message_queue=`` or ``RedisManager(``), "" when it does not.
    The queue is Redis pub/sub, whose channels every database of a server hears, so a database number of
    each build's does not part it: both Flask-SocketIO-Chat builds subscribed to its ``flask-socketio``
    channel (PUBSUB NUMSUB 2), and each build's broadcasts went to the other's clients too."""
    for rel, text in _settings_texts(root, r"\.py$", 300, _PY_SKIPPED, SETTINGS_BYTES):
        found = _SOCKETIO_QUEUE.search(text) if "socketio" in text.lower() else None
        if found:
            line = text.count(chr(10), 0, found.start()) + 1
            return (f"; its Socket.IO server's message queue ({rel}:{line}) is Redis pub/sub, whose channels "
                    "every database of a server hears: a database number does not part it, each build's "
                    "broadcasts reach the other's clients; give each build a Redis server of its own "
                    "({build_index} in the port, with a server on each)")
    return ""


def shared_settings_caches(head_root: Path, base_root: Path, head_env: Mapping[str, str],
                           base_env: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str],
                                                                 dict[str, str], list[str], set[str] | None]:
    """What the builds' settings files and Node sources give of Redis where their environments set
    nothing: the head's and the base's variables at their defaults (to be read as set), the file and
    line of each (its origin), a warning of each literal Redis URL both builds' settings hold, which no
    [serve] value can part, and the variables the head's Node code reads (None where it read none). The
    defaults go to :func:`shared_caches` with the rest."""
    (head_defaults, head_literals, reads), (base_defaults, base_literals, _) = \
        settings_redis(head_root), settings_redis(base_root)
    head_add: dict[str, str] = {}
    base_add: dict[str, str] = {}
    origin: dict[str, str] = {}
    for name, (value, where) in head_defaults.items():
        if name in head_env or name in base_env or name not in base_defaults:
            continue
        head_add[name], base_add[name] = value, base_defaults[name][0]
        origin[name] = f"{where}, its default, which neither build sets"
    said: list[str] = []
    for name, (value, where) in head_literals.items():
        if name in head_defaults or base_literals.get(name, ("",))[0] != value or not location(value):
            continue
        fix = _own_database(url_list(value)[0])
        said.append(
            f"the base and the head use the same Redis database: {name} ({_cache_where(url_list(value)[0])}, "
            f"{where}), which no variable sets, so no [serve] value can give each build its own; both "
            "builds' cached answers, sessions, rate limits and queues share its keys (read it from a "
            f"variable, in the base too: {name} = os.getenv(\"{name}\", \"{value.split('://')[0]}://...\"), "
            f"and set it in [serve] env, as in {name} = \"{fix}\")")
    return head_add, base_add, origin, said, reads or None
