"""Exact pins of a pyproject.toml: ``[project] dependencies`` / ``optional-dependencies``,
``[dependency-groups]`` (PEP 735) and Poetry's ``[tool.poetry.dependencies]`` and groups.

Read when no lockfile is there. A dependency pinned exactly (PEP 508 ``==``/``===``;
in Poetry also a bare version ``"1.2.3"``, which Poetry reads as exact) is
audited; a range (``>=``, ``^``, ``~``, ``*``) or a git/path/URL source is listed
as not auditable, never passed as clean. Dependency groups and Poetry's
non-main groups are ``dev``; a dependency whose marker does not hold for the
target environment is listed in ``not_applicable``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from .model import PyManifest, PyPackage, canonical, environment_label, exact_version, read_toml, string_items

_POETRY_EXACT = re.compile(r"^\s*(?:==)?\s*([0-9][A-Za-z0-9.+!-]*)\s*$")


def read_pyproject(path: Path, *, env: Mapping[str, str]) -> PyManifest:
    """The pins of the pyproject.toml *path*; ManifestError when it is not readable TOML."""
    text, data = read_toml(path)
    lines = text.splitlines()
    tables = [t for t in ("project", "dependency-groups", "tool.poetry") if _has(data, t)]
    manifest = PyManifest(path=path, format="pyproject.toml" + (f" [{', '.join(tables)}]" if tables else ""))
    for raw, dev in _pep508(data):
        _pep508_package(manifest, raw, dev, lines, env)
    for name, spec, dev in _poetry(data):
        _poetry_package(manifest, name, spec, dev, lines)
    return manifest


def _has(data: dict[str, Any], dotted: str) -> bool:
    node: Any = data
    for part in dotted.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return isinstance(node, dict)


def _table(data: Any, *keys: str) -> dict[str, Any]:
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data if isinstance(data, dict) else {}


def _pep508(data: dict[str, Any]) -> Iterator[tuple[str, bool]]:
    """(requirement string, dev) of [project] dependencies, optional-dependencies and [dependency-groups]."""
    project = _table(data, "project")
    for raw in project.get("dependencies") or []:
        yield str(raw), False
    for extra in _table(project, "optional-dependencies").values():
        for raw in extra or []:
            yield str(raw), False
    for group in _table(data, "dependency-groups").values():
        for raw in group or []:
            if isinstance(raw, str):  # {include-group = "..."} names another group listed here too
                yield raw, True


def _poetry(data: dict[str, Any]) -> Iterator[tuple[str, Any, bool]]:
    """(name, Poetry constraint, dev) of [tool.poetry.dependencies], dev-dependencies and groups."""
    poetry = _table(data, "tool", "poetry")
    for name, spec in _table(poetry, "dependencies").items():
        if name.lower() != "python":
            yield name, spec, False
    for name, spec in _table(poetry, "dev-dependencies").items():
        yield name, spec, True
    for group, table in _table(poetry, "group").items():
        for name, spec in _table(table, "dependencies").items():
            yield name, spec, group != "main"


def declared_roots(data: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(production, development) direct dependencies a pyproject.toml declares: each name (canonical)
    and, for each extra it asks for, ``name[extra]`` (what a lockfile's extras are keyed by)."""
    from packaging.requirements import InvalidRequirement, Requirement

    prod: list[str] = []
    dev: list[str] = []
    for raw, is_dev in _pep508(data):
        try:
            req = Requirement(raw)
        except InvalidRequirement:
            continue
        (dev if is_dev else prod).extend(with_extras(req.name, req.extras))
    for name, spec, is_dev in _poetry(data):
        specs = spec if isinstance(spec, list) else [spec]
        extras = [e for s in specs if isinstance(s, dict) for e in string_items(s.get("extras"))]
        (dev if is_dev else prod).extend(with_extras(name, extras))
    return prod, dev


def with_extras(name: str, extras: Iterable[str]) -> list[str]:
    """The dependency-graph nodes a requirement of *name* with *extras* reaches: ``requests`` and
    ``requests[socks]`` (names and extras normalised alike, as PEP 685 says)."""
    key = canonical(name)
    return [key, *(f"{key}[{canonical(extra)}]" for extra in extras)]


def _line(lines: list[str], *needles: str) -> int | None:
    for needle in needles:
        found = next((n for n, t in enumerate(lines, 1) if needle in t), None)
        if found:
            return found
    return None


def _pep508_package(manifest: PyManifest, raw: str, dev: bool, lines: list[str],
                    env: Mapping[str, str]) -> None:
    from packaging.requirements import InvalidRequirement, Requirement

    line = _line(lines, f'"{raw}"', f"'{raw}'", raw)
    try:
        req = Requirement(raw)
    except InvalidRequirement as exc:
        manifest.packages.append(PyPackage(name=raw, path=manifest.path, line=line, dev=dev,
                                           not_auditable=f"not a PEP 508 requirement ({exc})"))
        return
    if req.marker is not None and not req.marker.evaluate({**env, "extra": ""}):
        manifest.not_applicable.append(f"{manifest.path.name}:{line or '?'}: {req.name} (marker {req.marker} "
                                       f"does not hold for {environment_label(env)})")
        return
    pkg = PyPackage(name=req.name, path=manifest.path, line=line, dev=dev)
    if req.url:
        pkg.not_auditable = f"installed from {req.url}, not from a released version"
    else:
        pkg.version = exact_version(req.specifier)
        if not pkg.version:
            pkg.not_auditable = f"not pinned ({raw}): no exact version to audit"
    manifest.packages.append(pkg)


def _poetry_package(manifest: PyManifest, name: str, spec: Any, dev: bool, lines: list[str]) -> None:
    line = _line(lines, f"{name} =", f'"{name}" =', f"{name}=")
    pkg = PyPackage(name=name, path=manifest.path, line=line, dev=dev)
    manifest.packages.append(pkg)
    if isinstance(spec, list):  # multiple constraints by marker: Poetry picks one per environment
        pkg.not_auditable = "several constraints by environment: no single exact version"
        return
    table = spec if isinstance(spec, dict) else {"version": spec}
    for kind in ("git", "path", "url"):
        if table.get(kind):
            pkg.not_auditable = f"installed from {kind} {table[kind]}, not from a released version"
            return
    text = str(table.get("version") or "")
    exact = _POETRY_EXACT.match(text)
    if exact:
        pkg.version = exact.group(1)
    else:
        pkg.not_auditable = f"not pinned ({name} = \"{text or '*'}\"): no exact version to audit"
