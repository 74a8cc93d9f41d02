"""pnpm-lock.yaml, lockfileVersion 5.x (pnpm 6-7), 6.x (pnpm 8) and 9.x (pnpm 9-10).

Package keys by version: ``/name/1.2.3`` and ``/name/1.2.3_peer@1.0.0``
(5.x), ``/name@1.2.3(peer@1.0.0)`` (6.x), ``name@1.2.3(peer@1.0.0)`` (9.x,
whose ``packages`` hold metadata and ``snapshots`` the dependencies).
``importers`` (or, in a single-project 5.x/6.x file, the top level) list
each project's direct dependencies. 5.x and 6.x mark dev-only packages with
``dev: true``; 9.x does not, so what only devDependencies reach is dev.
An alias (``my-lodash: /lodash/4.17.21``, ``lodash@4.17.21``) is audited
under the real name; ``link:`` is local, and keys that are not
``name@version`` (git hosts, tarball URLs, ``file:``) are not auditable.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path
from typing import Any

from ..semver_ranges import is_semver
from .model import DEP_KINDS, Importer, LockedPackage, Lockfile, LockfileError, safe_url
from .yarn import _yaml, split_spec

SUPPORTED_MAJORS = (5, 6, 9)


def _section_lines(text: str, sections: tuple[str, ...]) -> dict[str, int]:
    """The line of each key directly under the top-level *sections* (two-space indented)."""
    out: dict[str, int] = {}
    current = ""
    for n, line in enumerate(text.splitlines(), 1):
        if line[:1] not in ("", " ", "#"):
            current = line.rstrip()[:-1] if line.rstrip().endswith(":") else ""
            continue
        if current in sections and line.startswith("  ") and line[2:3] not in (" ", "") \
                and line.rstrip().endswith(":"):
            key = line.strip()[:-1]
            if key[:1] in ("'", '"'):
                key = key[1:-1].replace("''", "'")
            out.setdefault(key, n)
    return out


def _strip_peers(ref: str, major: int) -> str:
    """A key or version reference without its peer suffix (``_react@17.0.2``, ``(react@17.0.2)``)."""
    if major == 5:
        # The suffix starts at the first "_" of the version, the last path segment (peers are joined
        # with "+", never "/"), as pnpm's dependency-path parse() splits it: package names may hold
        # "_" themselves (string_decoder, @types/sinonjs__fake-timers).
        head, slash, last = ref.rpartition("/")
        return head + slash + last.split("_", 1)[0]
    return ref.split("(", 1)[0]


def key_name_version(key: str, major: int) -> tuple[str, str]:
    """(name, version) of a registry package key; ("", "") when the key is not one (git host, URL, file:)."""
    if major == 5:
        if not key.startswith("/"):
            return "", ""
        body = _strip_peers(key[1:], 5)
        name, _, version = body.rpartition("/")
        return (name, version) if name and is_semver(version) else ("", "")
    body = key[1:] if major == 6 and key.startswith("/") else key
    if major == 6 and not key.startswith("/"):
        return "", ""
    name, version = split_spec(_strip_peers(body, major))
    return (name, version) if is_semver(version) else ("", "")


def _target(name: str, ref: str, major: int, packages: dict[str, Any]) -> str | None:
    """The package key a dependency ``name: ref`` points at; None for ``link:`` and unknown keys."""
    if ref.startswith("link:"):
        return None
    if major == 5:
        key = ref if ref.startswith("/") else (f"/{name}/{ref}" if ref[:1].isdigit() else ref)
    elif major == 6:
        key = ref if ref.startswith("/") else (f"/{name}@{ref}" if ref[:1].isdigit() else ref)
    else:
        key = f"{name}@{ref}" if ref[:1].isdigit() or f"{name}@{ref}" in packages else ref
    return key if key in packages else None


def _not_auditable(key: str, entry: dict[str, Any]) -> str:
    raw = entry.get("resolution")
    resolution: dict[str, Any] = raw if isinstance(raw, dict) else {}
    where = str(resolution.get("tarball") or resolution.get("repo") or resolution.get("directory") or key)
    if (resolution.get("type") == "git" or "repo" in resolution
            or re.search(r"(^|@)(git\+|github\.com/|gitlab\.com/|bitbucket\.org/)|codeload\.github\.com",
                         key)):
        return f"git dependency ({safe_url(where)})"
    if "directory" in resolution or "file:" in key:
        return f"local file or folder ({where})"
    if "tarball" in resolution or re.search(r"https?:", key):
        return f"tarball URL ({safe_url(where)})"
    return f"not a name@version entry ({safe_url(key)})"


def read(path: Path, text: str) -> Lockfile:
    """A pnpm-lock.yaml of lockfileVersion 5.x, 6.x or 9.x. LockfileError for YAML that does not
    parse (with its line) or another lockfileVersion (naming the supported ones)."""
    data = _yaml(path, text)
    if not isinstance(data, dict):
        raise LockfileError(path, "not a pnpm-lock.yaml (the top level is not a mapping)")
    version = str(data.get("lockfileVersion", ""))
    number = re.match(r"^(\d+)(?:\.\d+)?$", version)
    major = int(number.group(1)) if number else -1
    if major not in SUPPORTED_MAJORS:
        line = next((n for n, t in enumerate(text.splitlines(), 1) if t.startswith("lockfileVersion")), None)
        raise LockfileError(path, f"lockfileVersion {version!r} is not supported (supported: 5.x, 6.x and "
                                  "9.x, written by pnpm 6 to 10)", line)
    lock = Lockfile(path, f"{path.name} {version}")
    packages = data.get("packages") or {}
    snapshots = data.get("snapshots") or {}
    if not isinstance(packages, dict) or not isinstance(snapshots, dict):
        raise LockfileError(path, "'packages' and 'snapshots' must be mappings")
    graph = snapshots if major == 9 else packages
    lines = _section_lines(text, ("packages", "snapshots"))
    for key, raw in graph.items():
        key = str(key)
        entry = raw if isinstance(raw, dict) else {}
        base = _strip_peers(key, major)
        meta = packages.get(base) if major == 9 and isinstance(packages.get(base), dict) else entry
        lock.packages[key] = _package(key, entry, meta or {}, major, lines.get(base) or lines.get(key))
    for key, pkg in lock.packages.items():
        entry = graph[key] if isinstance(graph[key], dict) else {}
        for kind in ("dependencies", "optionalDependencies"):
            deps = entry.get(kind)
            for name, ref in (deps.items() if isinstance(deps, dict) else ()):
                target = _target(str(name), str(ref), major, graph)
                if target is not None:
                    pkg.deps.append(target)
    _importers(lock, data, major, graph)
    return lock.finish(mark_dev=major == 9)


def _package(key: str, entry: dict[str, Any], meta: dict[str, Any], major: int,
             line: int | None) -> LockedPackage:
    name, version = key_name_version(key, major)
    fallback = split_spec(key)[0] if major == 9 else key
    pkg = LockedPackage(key, name or str(meta.get("name") or fallback),
                        version or str(meta.get("version") or ""), line, dev=entry.get("dev") is True,
                        optional=bool(entry.get("optional") or meta.get("optional")))
    if not name:
        pkg.not_auditable = _not_auditable(key, meta)
    return pkg


def _importers(lock: Lockfile, data: dict[str, Any], major: int, graph: dict[str, Any]) -> None:
    importers = data.get("importers")
    if not isinstance(importers, dict):
        importers = {".": data}  # a single project (5.x, 6.x): its dependencies are at the top level
    for folder, raw in importers.items():
        entry = raw if isinstance(raw, dict) else {}
        rel = "" if str(folder) == "." else str(folder)
        importer = Importer(rel, manifest=lock.path.parent / rel / "package.json")
        for kind in DEP_KINDS:
            deps = entry.get(kind)
            for name, spec in (deps.items() if isinstance(deps, dict) else ()):
                ref = str(spec.get("version", "")) if isinstance(spec, dict) else str(spec)
                if ref.startswith("link:"):
                    _link(lock, importer, str(name), ref[len("link:"):], importers, kind)
                    continue
                target = _target(str(name), ref, major, graph)
                if target is not None:
                    lock.packages[target].alias = lock.packages[target].alias or (
                        str(name) if str(name) != lock.packages[target].name else "")
                    importer.direct.setdefault(target, kind)
        lock.importers[rel] = importer


def _link(lock: Lockfile, importer: Importer, name: str, target: str, importers: dict[str, Any],
          kind: str) -> None:
    """A ``link:`` dependency of *importer*: another workspace is the project's own code; any other
    folder is listed as not auditable."""
    folder = posixpath.normpath(posixpath.join(importer.folder or ".", target))
    if folder in importers:
        return
    key = f"link:{folder}"
    if key not in lock.packages:
        lock.packages[key] = LockedPackage(key, name, "", not_auditable=f"link to a local folder ({target})")
    importer.direct.setdefault(key, kind)
