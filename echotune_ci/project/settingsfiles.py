"""Settings files that give a service's address, for ``init``'s notes about databases.

Some apps read where their database or Redis is from a file of their own, not
from the environment: aiohttp-demos' blog loads ``config/user_config.toml``
(``DB_HOST``, ``DB_PORT``, ``REDIS_PORT``), its polls demo ``config/polls.yaml``
(``postgres:`` with ``host:`` and ``port:``). :func:`address_settings` finds
those keys so that a note can name the file to edit instead of ``[serve] env``,
which no code of such an app reads.
"""

from __future__ import annotations

import re
from pathlib import Path

from .files import read_text

_SUFFIXES = (".toml", ".yaml", ".yml", ".ini", ".cfg", ".conf")
_FOLDERS = (".", "config", "configs", "conf", "settings", "etc")
# Files that configure tools, not the app's services
TOOL_FILES = frozenset({
    "pyproject.toml", "echotune.toml", "package.json", "package-lock.json", "tsconfig.json", "setup.cfg",
    "tox.ini", "pytest.ini", "mypy.ini", ".flake8", "mkdocs.yml", "docker-compose.yml", "docker-compose.yaml",
    "compose.yml", "compose.yaml", ".pre-commit-config.yaml", "render.yaml", "app.json", "alembic.ini",
    "fly.toml",
})
# A section header: TOML/INI ``[database]``, a YAML top-level ``postgres:``
_SECTION = re.compile(r"""^\[\s*["']?([\w.\-]+)["']?\s*\]\s*$|^([A-Za-z_][\w-]*)\s*:\s*(?:#.*)?$""")
_KEY = re.compile(r"""^\s*["']?([A-Za-z_][\w-]*)["']?\s*[=:]\s*\S""")
# a key that gives where the service is, not its name or credentials
_ADDRESS = re.compile(r"(?:^|_)(?:HOST|HOSTNAME|PORT|URL|URI|DSN|SERVER|ADDRESS)$")
_SQL = re.compile(r"DB|DATABASE|POSTGRES|PG|SQL")


def _kind(section: str, key: str) -> str:
    """``redis``, ``mongo`` or ``sql`` (PostgreSQL or MySQL) for an address *key* in *section*; "" for
    anything else."""
    if not _ADDRESS.search(key.upper()):
        return ""
    name = f"{section}_{key}".upper()
    if "REDIS" in name:
        return "redis"
    if "MONGO" in name:
        return "mongo"
    return "sql" if _SQL.search(name) else ""


def _matches(found: str, kind: str) -> bool:
    """Whether a setting of *found* kind (see :func:`_kind`) points at a database of *kind* (a key of
    ``DATABASE_CLIENTS``: mongo, postgres, mysql, redis)."""
    return found == kind or found == "sql" and kind in ("postgres", "mysql")


def _address_keys(text: str, kind: str, yaml: bool) -> list[str]:
    """The keys of a settings file's *text* that give the address of a database of *kind*, as
    ``section.key`` (``database.DB_HOST``) or ``key`` at the top. *yaml*: a key at the top with a value of
    its own ends the section above it (in TOML and INI a section lasts until the next header)."""
    keys: list[str] = []
    section = ""
    for line in text.splitlines():
        header = _SECTION.match(line)
        if header:
            section = header.group(1) or header.group(2)
            continue
        key = _KEY.match(line)
        if key is None:
            continue
        if yaml and not line[:1].isspace():
            section = ""
        if _matches(_kind(section, key.group(1)), kind):
            keys.append(f"{section}.{key.group(1)}" if section else key.group(1))
    return list(dict.fromkeys(keys))


def address_settings(folder: Path, kind: str) -> list[tuple[str, list[str]]]:
    """[(file relative to *folder*, keys)] of the settings files at *folder*'s top and in its config/,
    conf/, settings/ or etc/ folder that give the address (host, port, URL) of a database of *kind* (a key
    of ``DATABASE_CLIENTS``): ``[database] DB_HOST = 'localhost'``, ``postgres:`` / ``  host: localhost``.
    Files of tools (pyproject.toml, compose files ...) and of tests (a name with "test") are left out."""
    out: list[tuple[str, list[str]]] = []
    for name in _FOLDERS:
        here = folder / name
        if not here.is_dir():
            continue
        for path in sorted(here.iterdir()):
            # a dotenv file sets variables, which the notes about variables already name
            if not path.is_file() or path.name in TOOL_FILES or "test" in path.name.lower() \
                    or path.suffix not in _SUFFIXES or path.name.startswith(".env"):
                continue
            keys = _address_keys(read_text(path, 200_000), kind, path.suffix in (".yaml", ".yml"))
            if keys:
                out.append((path.relative_to(folder).as_posix(), keys))
    return out
