"""Where a Python project's packages are imported from: :func:`import_roots` and :func:`module_name`.

A package installed from a checkout is imported from the folder its build backend names, not always the
top: ``src/`` by convention, or what pyproject.toml says (hatch's ``sources = ["src/py"]`` or
``packages = ["src/py/app"]``, setuptools' ``package-dir`` and ``packages.find.where``, Poetry's
``packages = [{include, from}]``, PDM's ``package-dir``). litestar-fullstack keeps ``app`` in
``src/py/app``: read from the top, its ``app.server.asgi`` was ``py.app.server.asgi``, which no server can
import, and its ``from app.domain ...`` imports named no module that had been read.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

from .files import read_text, rel


def _table(data: Any, *keys: str) -> dict[str, Any]:
    """The table at *keys* of parsed TOML *data*; {} when a step is missing or not a table."""
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data if isinstance(data, dict) else {}


def _strings(value: Any) -> list[str]:
    """*value* as a list of strings: a string alone, a list's strings, a table's keys (hatch's ``sources``
    may be ``{"src/py" = ""}``)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [k for k in value if isinstance(k, str)]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _declared(data: dict[str, Any]) -> list[str]:
    """The folders the parsed pyproject.toml *data* imports packages from, as written."""
    tool = _table(data, "tool")
    roots: list[str] = []
    for hatch in (_table(tool, "hatch", "build"), _table(tool, "hatch", "build", "targets", "wheel")):
        roots += _strings(hatch.get("sources"))
        # packages = ["src/py/app"]: the package's parent folder is the root
        roots += [str(PurePosixPath(p).parent) for p in _strings(hatch.get("packages")) if "/" in p]
    setuptools = _table(tool, "setuptools")
    package_dir = setuptools.get("package-dir")
    if isinstance(package_dir, dict) and isinstance(package_dir.get(""), str):
        roots.append(package_dir[""])
    roots += _strings(_table(setuptools, "packages", "find").get("where"))
    for entry in _table(tool, "poetry").get("packages") or []:
        if isinstance(entry, dict) and isinstance(entry.get("from"), str):
            roots.append(entry["from"])
    roots += _strings(_table(tool, "pdm", "build").get("package-dir"))
    return roots


@lru_cache(maxsize=64)
def _roots(folder: str) -> tuple[str, ...]:
    try:
        data = tomllib.loads(read_text(Path(folder) / "pyproject.toml"))
    except tomllib.TOMLDecodeError:
        data = {}
    found: list[str] = []
    for root in _declared(data):
        clean = PurePosixPath(root.strip().strip("/") or ".")
        if ".." in clean.parts or clean.is_absolute() or str(clean) == ".":
            continue
        found.append(clean.as_posix())
    if (Path(folder) / "src").is_dir() and not (Path(folder) / "src" / "__init__.py").is_file():
        found.append("src")
    # the deepest first, so src/py wins over src for src/py/app
    return tuple(sorted(dict.fromkeys(found), key=lambda r: -len(PurePosixPath(r).parts)))


def import_roots(folder: Path) -> tuple[str, ...]:
    """The folders of *folder* (relative, posix) that its packages are imported from besides *folder*
    itself, deepest first: those pyproject.toml declares, and ``src`` when it is no package. Never raises
    for a file's content (a pyproject.toml that is no TOML declares none)."""
    return _roots(str(folder.resolve()))


def module_name(path: Path, folder: Path) -> str:
    """The dotted module of Python file *path* under *folder* as a server or an import names it, from the
    import root it lies in (a package's ``__init__.py`` is the package): ``src/py/app/server/asgi.py`` is
    ``app.server.asgi`` where pyproject.toml builds from ``src/py``."""
    parts = list(PurePosixPath(rel(path, folder)).with_suffix("").parts)
    for root in import_roots(folder):
        prefix = PurePosixPath(root).parts
        if tuple(parts[: len(prefix)]) == prefix and len(parts) > len(prefix):
            parts = parts[len(prefix):]
            break
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)

