"""The database a Django project's settings file names in its own code, which both builds of
``run --base-ref`` then use.

:func:`~.data.shared_databases` reads what the two builds' environments say; a ``DATABASES`` setting
that holds the server and the database name as literals, or as the defaults of variables neither
environment sets, says nothing there. juliomeza/django-react-logistics-portal's
``'NAME': 'LogisticsPortal', 'HOST': 'localhost', 'PORT': '5433'``: the head's ``migrate`` applied its
three new migrations to the one database, the base's found them applied, and the base's app was
measured on the head's schema, with no word. The settings files git tracks in each checkout are read
with :mod:`ast` (nothing imported); a database whose values a variable of either environment sets is
:func:`~.data.shared_databases`' to judge.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..fsutil import tracked_files
from ..net.urls import location

# Django settings modules: settings.py, settings/<name>.py (split settings)
_SETTINGS = re.compile(r"(^|/)settings\.py$|(^|/)settings/\w+\.py$")
_MAX_FILES = 20
# A variable's value with a default: os.getenv("X", d), os.environ.get("X", d), django-environ's env("X",
# default=d) or env.str(...), python-decouple's config("X", default=d)
_GETTERS = frozenset({"getenv", "get", "env", "config", "str"})


@dataclass(frozen=True)
class SettingsDatabase:
    """One entry of ``DATABASES`` as the settings file writes it: its alias, ``file:line``, and each of
    ENGINE, NAME, HOST and PORT as (variable or "", its literal value or default: None when none)."""

    alias: str
    where: str
    parts: tuple[tuple[str, tuple[str, str | None]], ...]

    def value(self, key: str, env: Mapping[str, str]) -> str | None:
        """What *key* is in a build whose environment is *env*."""
        variable, default = dict(self.parts).get(key, ("", None))
        return env.get(variable, default) if variable else default

    def variables(self) -> set[str]:
        """The variables its values are read from."""
        return {variable for _, (variable, _) in self.parts if variable}


def settings_databases(root: Path) -> list[SettingsDatabase]:
    """The ``DATABASES`` entries of the Django settings files git tracks under *root*, in file order; []
    when there are none or none can be read. Never raises."""
    found: list[SettingsDatabase] = []
    for rel in sorted(f for f in tracked_files(root) or [] if _SETTINGS.search(f))[:_MAX_FILES]:
        try:
            tree = ast.parse((root / rel).read_text(encoding="utf-8", errors="replace"))
        except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        for node in ast.walk(tree):
            named = isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "DATABASES"
                                                         for t in node.targets)
            if named and isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict):
                for key, value in zip(node.value.keys, node.value.values, strict=True):
                    if isinstance(key, ast.Constant) and isinstance(key.value, str) and \
                            isinstance(value, ast.Dict):
                        found.append(_entry(key.value, f"{rel}:{value.lineno}", value))
    return found


def _entry(alias: str, where: str, value: ast.Dict) -> SettingsDatabase:
    parts = []
    for key, item in zip(value.keys, value.values, strict=True):
        if isinstance(key, ast.Constant) and key.value in ("ENGINE", "NAME", "HOST", "PORT"):
            parts.append((str(key.value), _read(item)))
    return SettingsDatabase(alias, where, tuple(parts))


def _read(node: ast.expr) -> tuple[str, str | None]:
    """(variable, literal or default) of a settings value; ("", None) for anything computed
    (``BASE_DIR / "db.sqlite3"``, which lies in each build's own checkout)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str | int) \
            and not isinstance(node.value, bool):
        return "", str(node.value)
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) \
            and isinstance(node.slice.value, str) and ast.unparse(node.value).endswith("environ"):
        return node.slice.value, None  # os.environ["X"]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "str" \
            and len(node.args) == 1:
        return _read(node.args[0])  # 'PORT': str(3306)
    if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
            and isinstance(node.args[0].value, str):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if name in _GETTERS:
            given = node.args[1] if len(node.args) > 1 else next(
                (k.value for k in node.keywords if k.arg == "default"), None)
            default = _read(given)[1] if given is not None and not isinstance(given, ast.Call) else None
            return node.args[0].value, default
    return "", None


def shared_settings_databases(head_root: Path, base_root: Path, head_env: Mapping[str, str],
                              base_env: Mapping[str, str]) -> list[str]:
    """A warning for each database server the two builds' settings files name alike (ENGINE other than
    SQLite, the same HOST, PORT and NAME) with values no variable of either environment sets, and for a
    SQLite file both name by one absolute path outside their checkouts; [] otherwise. Never raises."""
    base = {d.alias: d for d in settings_databases(base_root)}
    said: list[str] = []
    for head in settings_databases(head_root):
        other = base.get(head.alias)
        if other is None or (head.variables() | other.variables()) & (set(head_env) | set(base_env)):
            continue
        keys = ("ENGINE", "HOST", "PORT", "NAME")
        mine = [head.value(k, head_env) for k in keys]
        theirs = [other.value(k, base_env) for k in keys]
        engine, host, port, name = mine
        if mine != theirs or not engine or not name:
            continue
        if engine.endswith("sqlite3"):
            if not name.startswith("/") or any(Path(name).resolve().is_relative_to(root.resolve())
                                               for root in (head_root, base_root)):
                continue  # a file in each build's own checkout
            said.append(f"the base and the head use the same SQLite database: DATABASES[{head.alias!r}] "
                        f"({name}, {head.where}), one file outside both checkouts; the head's migrations "
                        "and both builds' requests reach it (read NAME from a variable, in the base too, and "
                        "give each build its own file in [serve] env with {build})")
            continue
        said.append(_server_warning(head, engine, host, port, name))
    return said


def _server_warning(head: SettingsDatabase, engine: str, host: str | None, port: str | None,
                    name: str) -> str:
    kind = engine.rsplit(".", 1)[-1]
    place = location(f"{kind}://{host or 'localhost'}{':' + port if port else ''}/{name}")
    variable = dict(head.parts).get("NAME", ("", None))[0]
    fix = (f'set {variable} = "{name}_{{build}}" in [serve] env' if variable else
           f'read NAME from a variable, in the base too (\'NAME\': os.getenv("DB_NAME", "{name}")), and set '
           f'DB_NAME = "{name}_{{build}}" in [serve] env')
    return (f"the base and the head use the same database: DATABASES[{head.alias!r}] "
            f"({place or name}, {head.where}), which the settings name in their code and no variable of "
            "either build sets; the head's migrations and both builds' requests reach it, so a pull request "
            f"that changes the schema has its base measured on the head's ({fix}, with both databases made "
            "in [serve] build)")
