"""Python lockfiles: poetry.lock, pdm.lock, uv.lock, Pipfile.lock and pylock.toml (PEP 751).

Every locked package is audited at its locked version, whatever its
environment markers (a lockfile serves every platform it was resolved for).
Packages from git, a URL, a local path or an editable checkout have no
released version and are listed as not auditable; the project itself (uv's
``editable``/``virtual`` members) is neither. ``dev`` marks packages only
development groups need: from the lockfile's own groups where it records
them (Poetry 2 ``groups``, Poetry 1 ``category``, PDM ``groups``,
Pipfile.lock ``develop``, pylock ``dependency_groups`` markers), else from the
dependency edges walked from the project's declared groups (uv, Poetry lock 2.0).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from .model import (ManifestError, PyManifest, PyPackage, canonical, entry_lines, mark_dev, read_toml,
                    string_items)

LOCKFILE_NAMES = ("poetry.lock", "pdm.lock", "uv.lock", "Pipfile.lock", "pylock.toml")
_PYLOCK = re.compile(r"^pylock\.[^.]+\.toml$")


def is_lockfile(path: Path) -> bool:
    """Whether *path* is named like a Python lockfile this module reads."""
    return path.name in LOCKFILE_NAMES or bool(_PYLOCK.match(path.name))


def read_lock(path: Path) -> PyManifest:
    """The packages of the lockfile *path* (by its name); ManifestError when it cannot be read."""
    name = path.name
    if name == "Pipfile.lock":
        return _pipfile_lock(path)
    readers = {"poetry.lock": _poetry, "pdm.lock": _pdm, "uv.lock": _uv}
    reader = readers.get(name) or (_pylock if name == "pylock.toml" or _PYLOCK.match(name) else None)
    if reader is None:
        names = ", ".join(LOCKFILE_NAMES)
        raise ManifestError(path, f"not a Python lockfile this audit reads ({names})")
    text, data = read_toml(path)
    return reader(path, text, data)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _entries(path: Path, text: str, data: dict[str, Any],
             key: str) -> list[tuple[dict[str, Any], int | None]]:
    """The ``[[key]]`` tables of a lockfile with their lines; ManifestError when the array is not one."""
    entries = data.get(key, [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ManifestError(path, f"'{key}' is not an array of tables")
    lines = entry_lines(text, key)
    return [(e, lines[i] if i < len(lines) else None) for i, e in enumerate(entries)]


def _package(path: Path, entry: dict[str, Any], line: int | None, not_auditable: str = "") -> PyPackage:
    name, version = entry.get("name"), entry.get("version")
    if not isinstance(name, str) or not name:
        raise ManifestError(path, "a package entry without a name", line)
    pkg = PyPackage(name=name, version=str(version) if isinstance(version, str) else "", path=path, line=line,
                    not_auditable=not_auditable)
    if not pkg.not_auditable and not pkg.version:
        pkg.not_auditable = "no version in the lockfile"
    return pkg


def _poetry(path: Path, text: str, data: dict[str, Any]) -> PyManifest:
    meta = _dict(data.get("metadata"))
    manifest = PyManifest(path=path, format=f"poetry.lock {meta.get('lock-version', '?')}")
    edges: dict[str, list[str]] = {}
    graph_needed = False
    for entry, line in _entries(path, text, data, "package"):
        source = _dict(entry.get("source"))
        kind = str(source.get("type") or "")
        why = "" if kind in ("", "legacy") else _source_reason(kind, source.get("url") or "")
        pkg = _package(path, entry, line, why)
        if isinstance(entry.get("groups"), list):
            pkg.dev = "main" not in entry["groups"]
        elif "category" in entry:
            pkg.dev = entry.get("category") == "dev"
        else:
            graph_needed = True
        _poetry_edges(edges, pkg.key, entry)
        manifest.packages.append(pkg)
    if graph_needed:
        _dev_from_pyproject(manifest, edges)
    return manifest


def _poetry_edges(edges: dict[str, list[str]], key: str, entry: dict[str, Any]) -> None:
    """The edges of a poetry.lock package: its dependencies that are not optional (with the extras it
    asks of them), and one node per extra of its own (``requests[socks]``), reached only where a
    dependent or the pyproject asks for that extra: an optional dependency is installed only then."""
    from .pyproject import with_extras

    edges[key] = []
    for name, spec in _dict(entry.get("dependencies")).items():
        specs = spec if isinstance(spec, list) else [spec]
        if all(isinstance(s, dict) and s.get("optional") for s in specs):
            continue
        extras = [e for s in specs if isinstance(s, dict) for e in string_items(s.get("extras"))]
        edges[key] += with_extras(name, extras)
    for extra, requirements in _dict(entry.get("extras")).items():
        node = with_extras(key, [extra])[-1]
        edges[node] = []
        for raw in string_items(requirements):  # "PySocks (>=1.5.6,!=1.5.7)", "pydantic[email] (>=2)"
            m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?", str(raw))
            if m:
                asked = [e for e in (m.group(2) or "").split(",") if e.strip()]
                edges[node] += with_extras(m.group(1), asked)


def _source_reason(kind: str, url: str) -> str:
    words = {"git": "a git checkout", "url": "a URL", "file": "a local file", "directory": "a local folder",
             "path": "a local path", "editable": "an editable checkout"}
    where = f" ({url})" if url else ""
    return f"installed from {words.get(kind, kind)}{where}, not from a released version"


def _dev_from_pyproject(manifest: PyManifest, edges: dict[str, list[str]]) -> None:
    """Mark dev packages from the pyproject.toml next to the lockfile: its main dependencies against its
    Poetry groups / dev-dependencies / [dependency-groups]."""
    pyproject = manifest.path.parent / "pyproject.toml"
    if not pyproject.is_file():
        manifest.notes.append(f"{manifest.path.name}: no pyproject.toml next to it: every package counts as "
                              "production")
        return
    from .pyproject import declared_roots

    _, data = read_toml(pyproject)
    prod, dev = declared_roots(data)
    manifest.files.append(pyproject)
    dev_only = mark_dev(edges, prod, dev)
    for pkg in manifest.packages:
        pkg.dev = pkg.key in dev_only


def _pdm(path: Path, text: str, data: dict[str, Any]) -> PyManifest:
    meta = _dict(data.get("metadata"))
    manifest = PyManifest(path=path, format=f"pdm.lock {meta.get('lock_version', '?')}")
    prod = _pdm_prod_groups(manifest)
    for entry, line in _entries(path, text, data, "package"):
        why = ""
        for kind in ("editable", "git", "url", "path"):
            if entry.get(kind):
                value = entry[kind] if isinstance(entry[kind], str) else ""
                why = _source_reason("editable" if kind == "editable" else kind, value)
                break
        pkg = _package(path, entry, line, why)
        groups = entry.get("groups")
        pkg.dev = isinstance(groups, list) and not prod & set(groups)
        manifest.packages.append(pkg)
    return manifest


def _pdm_prod_groups(manifest: PyManifest) -> set[str]:
    """PDM's production groups: "default" and the extras ([project.optional-dependencies]) of the
    pyproject.toml next to the lockfile; the others (dependency groups, dev-dependencies) are dev."""
    pyproject = manifest.path.parent / "pyproject.toml"
    if not pyproject.is_file():
        return {"default"}
    _, data = read_toml(pyproject)
    manifest.files.append(pyproject)
    extras = _dict(_dict(data.get("project")).get("optional-dependencies"))
    return {"default", *extras}


def _uv(path: Path, text: str, data: dict[str, Any]) -> PyManifest:
    from .pyproject import with_extras

    manifest = PyManifest(path=path, format=f"uv.lock {data.get('version', '?')}")
    edges: dict[str, list[str]] = {}
    prod: list[str] = []
    dev: list[str] = []
    for entry, line in _entries(path, text, data, "package"):
        source = _dict(entry.get("source"))
        kinds = [k for k in ("git", "url", "path", "directory", "editable", "virtual") if k in source]
        key = canonical(str(entry.get("name", "")))
        edges[key] = _uv_nodes(entry.get("dependencies"))
        # A package's extra installs its dependencies only where a dependent asks for it ({ name = "httpx2",
        # extra = ["zstd"] }): each extra is a node of its own, reached only through such an edge.
        extras = _dict(entry.get("optional-dependencies"))
        for extra, deps in extras.items():
            edges[with_extras(key, [extra])[-1]] = _uv_nodes(deps)
        if kinds and kinds[0] in ("editable", "virtual"):  # a project of the workspace: its own code
            prod += with_extras(key, extras)  # its own extras are production
            for group in _dict(entry.get("dev-dependencies")).values():
                dev += _uv_nodes(group)
            continue
        why = _source_reason(kinds[0], str(source.get(kinds[0]) or "")) if kinds else ""
        manifest.packages.append(_package(path, entry, line, why))
    dev_only = mark_dev(edges, prod, dev)
    for pkg in manifest.packages:
        pkg.dev = pkg.key in dev_only
    return manifest


def _uv_nodes(deps: Any) -> list[str]:
    """The nodes a uv.lock dependency list reaches: each package, and each extra of it that is asked for."""
    from .pyproject import with_extras

    out: list[str] = []
    for dep in deps if isinstance(deps, list) else ():
        if isinstance(dep, dict):
            out += with_extras(str(dep.get("name")), string_items(dep.get("extra")))
    return out


def _pipfile_lock(path: Path) -> PyManifest:
    try:
        text = path.read_text(encoding="utf-8-sig")
        data = json.loads(text)
    except FileNotFoundError:
        raise ManifestError(path, "file not found") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ManifestError(path, f"not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ManifestError(path, "not a Pipfile.lock (no JSON object)")
    spec = _dict(data.get("_meta")).get("pipfile-spec")
    manifest = PyManifest(path=path, format=f"Pipfile.lock {spec if spec is not None else '?'}")
    lines = text.splitlines()
    prod: set[str] = set()
    for section in ("default", "develop"):
        entries = data.get(section) or {}
        if not isinstance(entries, dict):
            raise ManifestError(path, f"'{section}' is not an object")
        start = next((n for n, t in enumerate(lines, 1) if re.match(rf'\s*"{section}"\s*:', t)), 0)
        for name, entry in entries.items():
            entry = entry if isinstance(entry, dict) else {}
            line = next((n for n, t in enumerate(lines[start:], start + 1)
                         if re.match(r'\s*"' + re.escape(name) + r'"\s*:', t)), None)
            pkg = _pipfile_package(path, name, entry, line)
            if section == "default":
                prod.add(pkg.key)
            elif pkg.key in prod:
                continue  # in both: production wins
            pkg.dev = section == "develop"
            manifest.packages.append(pkg)
    return manifest


def _pipfile_package(path: Path, name: str, entry: dict[str, Any], line: int | None) -> PyPackage:
    pkg = PyPackage(name=name, path=path, line=line)
    for kind in ("editable", "git", "file", "path"):
        if entry.get(kind):
            value = entry[kind] if isinstance(entry[kind], str) else ""
            pkg.not_auditable = _source_reason({"file": "url"}.get(kind, kind), value)
            return pkg
    version = str(entry.get("version") or "")
    if version.startswith("==") and "*" not in version:
        pkg.version = version[2:]
    elif version.startswith("==="):
        pkg.version = version[3:]
    else:
        pkg.not_auditable = f"no exact version in the lockfile ({version or 'none'})"
    return pkg


def _pylock(path: Path, text: str, data: dict[str, Any]) -> PyManifest:
    manifest = PyManifest(path=path, format=f"pylock.toml {data.get('lock-version', '?')}")
    default = {str(g) for g in data.get("default-groups") or []}
    groups = {str(g) for g in data.get("dependency-groups") or []}
    for entry, line in _entries(path, text, data, "packages"):
        kinds = [k for k in ("vcs", "directory", "archive") if k in entry]
        where = entry[kinds[0]] if kinds else {}
        url = str(where.get("url") or where.get("path") or "") if isinstance(where, dict) else ""
        why = _source_reason({"vcs": "git", "directory": "directory", "archive": "url"}[kinds[0]], url) \
            if kinds else ""
        pkg = _package(path, entry, line, why)
        pkg.dev = _pylock_dev(str(entry.get("marker") or ""), default, groups)
        manifest.packages.append(pkg)
    return manifest


def _pylock_dev(marker: str, default: set[str], groups: set[str]) -> bool:
    """Whether a pylock.toml package is needed only when non-default dependency groups are installed:
    its marker holds in no environment with the default groups but in some with every group (tried on
    Linux, Windows and macOS, Python 2.7 and 3.6 to 3.15, so that a platform or version condition of the
    marker does not decide)."""
    if "dependency_groups" not in marker:
        return False
    from packaging.markers import InvalidMarker, Marker, default_environment

    try:
        parsed = Marker(marker)
    except InvalidMarker:
        return False
    base: dict[str, Any] = dict(default_environment())
    envs = [{**base, **_platform_env(system), "python_version": version,
             "python_full_version": f"{version}.0"}
            for system in ("linux", "win32", "darwin")
            for version in ("2.7", *(f"3.{n}" for n in range(6, 16)))]

    def holds(chosen: set[str]) -> bool:
        try:
            return any(parsed.evaluate({**env, "extras": set(), "dependency_groups": chosen}, "lock_file")
                       for env in envs)
        except (TypeError, ValueError):
            return True

    return not holds(default) and holds(groups | default)


def _platform_env(system: str) -> dict[str, str]:
    from .model import marker_environment

    env = marker_environment(sys_platform=system)
    return {k: env[k] for k in ("sys_platform", "platform_system", "os_name")}
