"""Dotenv files (``.env``, ``.env.example``, a compose service's ``env_file``) read the way the app's own
loader reads them: python-dotenv's parser for the syntax (quotes, ``export``, comments, values over
several lines), and for a Node.js app the one rule where Node's ``dotenv`` differs.

Nothing is interpolated (``${HOME}`` stays as written: expanding it would put this machine's environment
into the app's settings) and nothing is executed.
"""

from __future__ import annotations

import functools
import io
import os
import re
from pathlib import Path

from .files import read_text

# What follows ".env" in the name of a template of a dotenv file the repository leaves out (.env.example
# beside an ignored .env; dotenv-defaults' .env.defaults): read for values where the file is missing,
# never copied or loaded as the settings themselves
TEMPLATES = (".example", ".sample", ".template", ".dist", ".defaults")
# A name either loader sets: Node's dotenv takes word characters, dots and dashes (lib/main.js's LINE);
# python-dotenv takes any run of non-blanks, which in a binary or garbled file is no variable at all.
_NAME = re.compile(r"[\w.-]+", re.ASCII)


def dotenv_values(text: str, *, node: bool = False) -> dict[str, str]:
    """name -> value of each assignment in dotenv *text*, in file order; a name set twice keeps its last
    value, as both loaders do. A line the parser cannot read, a bare ``NAME`` without ``=`` or a name
    of other characters than letters, digits, ``_``, ``.`` and ``-`` sets nothing. Never raises.

    Without *node*, python-dotenv's rules (python-dotenv 1.x ``dotenv/parser.py``): an unquoted value
    ends at a ``#`` that follows whitespace (``A=b#c`` is ``b#c``, ``A=#c`` is ``#c``), which Docker
    Compose's env files share. With *node*, Node's dotenv (15.0 and later, ``lib/main.js``): an unquoted
    value ends at its first ``#`` (``A=b#c`` is ``b``, ``A=#c`` is empty), and backticks quote too."""
    from dotenv.parser import parse_stream

    out: dict[str, str] = {}
    for binding in parse_stream(io.StringIO(text)):
        if binding.error or binding.key is None or binding.value is None or not _NAME.fullmatch(binding.key):
            continue
        value = binding.value
        if node:
            raw = binding.original.string.split("=", 1)[1].lstrip() if "=" in binding.original.string else ""
            end = raw.find("`", 1) if raw[:1] == "`" else -1
            if end > 0:  # a quote python-dotenv lacks
                value = raw[1:end]
            elif raw[:1] not in ("'", '"'):
                value = value.split("#", 1)[0].strip()
        out[binding.key] = value
    return out


def dotenv_file(path: Path, *, node: bool = False) -> dict[str, str]:
    """:func:`dotenv_values` of the file at *path* (bounded, as :func:`read_text` reads it); empty when
    it is missing or unreadable. A text read before is not parsed again (init looks each required
    variable up in the nearest template: python-dotenv takes a second for a 30000-line one)."""
    return dict(_parsed(read_text(path), node)) if path.is_file() else {}


@functools.lru_cache(maxsize=16)
def _parsed(text: str, node: bool) -> dict[str, str]:
    return dotenv_values(text, node=node)


# What loads a Node.js app's own .env when it starts: dotenv (`require("dotenv").config()`, `import
# "dotenv/config"`, `-r dotenv/config`, dotenv-cli's `dotenv -- node ...`), dotenvx, Node's own
# `--env-file` and `process.loadEnvFile()`, NestJS's `ConfigModule.forRoot()` (which reads .env by default)
_NODE_LOADS = re.compile(r"""(?:require|import)\s*\(?\s*['"](?:dotenv|@dotenvx/dotenvx)(?:/config)?['"]"""
                         r"""|\bfrom\s+['"](?:dotenv|@dotenvx/dotenvx)(?:/config)?['"]|--env-file\b"""
                         r"""|\bloadEnvFile\(|\bConfigModule\.forRoot\(|(?:^|[\s"'&;])dotenv\s+(?:-e\s+\S+\s+)?--\s""")


# python-dotenv's load_dotenv() (its find_dotenv() looks from the calling file's folder up, which for an
# app's own module at the top of the checkout is the serving folder's .env)
_PYTHON_LOADS = re.compile(r"\bload_dotenv\(")


# A loader told which file to read, by a string literal: dotenv's `config({ path: ".env.local" })`, NestJS's
# `envFilePath`, Node's `--env-file=.env.local` and `loadEnvFile(".env.local")`, dotenv-cli's `dotenv -e
# .env.local --`, python-dotenv's `load_dotenv(".env.local")`. It reads that file and not the .env beside
# it, which an app with `config({ path: ".env.local" })` and a committed .env got as its settings. A path
# joined to `__dirname` is the calling file's (`path.resolve(__dirname, "../.env")`), else the working
# folder's, as dotenv resolves it.
_NAMED = re.compile(r"""(?:\bconfig\(\s*\{[^}]*?\bpath\s*:|\benvFilePath\s*:|\bloadEnvFile\(|"""
                    r"""\bload_dotenv\(\s*(?:dotenv_path\s*=)?)\s*"""
                    r"""(?:[^\s,]*?\b(?:resolve|join)\(\s*(__dirname)\s*,\s*)?(['"`])([^'"`\n]+)\2"""
                    r"""|(?:--env-file(?:-if-exists)?[=\s]|(?:^|[\s"'&;])dotenv\s+-e\s)\s*['"]?([^\s'"\\]+)""")
# A load of the default file beside a named one in the same source: `config()`, `import "dotenv/config"`,
# `loadEnvFile()`, `load_dotenv()`
_BARE = re.compile(r"""(?:\bconfig|\bloadEnvFile|\bload_dotenv)\(\s*\)|['"]dotenv/config['"]""")


def _loaded_files(folder: Path, files: list[Path], loads: re.Pattern[str]) -> list[Path]:
    """The dotenv files the app's *files* (its sources and package.json) load, in the order found:
    the files named (:data:`_NAMED`), and *folder*'s ``.env`` where a source loads without naming one."""
    found: list[Path] = []
    for file in files:
        text = read_text(file)
        if not loads.search(text) and not _NAMED.search(text):
            continue
        named = list(_NAMED.finditer(text))
        for match in named:
            literal = match.group(3) or match.group(4)
            base = file.parent if match.group(1) else folder
            found.append(Path(os.path.normpath(base / literal)))
        if not named or _BARE.search(text):
            found.append(folder / ".env")
    return list(dict.fromkeys(found))


def own_dotenv(folder: Path, files: list[Path], *, python: bool = False) -> dict[str, str]:
    """The variables the committed dotenv files the app loads give a value: *folder*'s ``.env`` (where
    the app starts) when the app's code or its scripts (*files*: its sources and package.json) load it
    (:data:`_NODE_LOADS`, or with *python* :data:`_PYTHON_LOADS`, the file then read with
    python-dotenv's rules), or the file a loader names instead (:data:`_NAMED`):
    cypress-realworld-app's .env sets PAGINATION_PAGE_SIZE and the SEED_ counts its backend requires, and
    `require("dotenv").config()` loads them. A file git does not track (a developer's own, which a fresh
    clone in CI lacks) counts for nothing; outside a git checkout the file is taken as it is. {} when
    nothing loads one."""
    import subprocess

    from ..fsutil import tracked_files

    loads = _PYTHON_LOADS if python else _NODE_LOADS
    loaded = [p for p in _loaded_files(folder, files, loads) if p.is_file()]
    if not loaded:
        return {}
    names = [os.path.relpath(p, folder).replace(os.sep, "/") for p in loaded]
    try:
        tracked = tracked_files(folder, names)
    except (OSError, subprocess.TimeoutExpired):
        return {}
    out: dict[str, str] = {}
    for path, name in zip(loaded, names, strict=True):
        # git names a file above the folder as the pathspec did ("../.env"), one below by its own path
        if tracked is None or name in tracked or os.path.normpath(name) in tracked:
            for key, value in dotenv_file(path, node=not python).items():
                if value:
                    out.setdefault(key, value)  # neither loader overrides a variable already set
    return out
