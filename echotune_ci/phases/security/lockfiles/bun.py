"""bun.lock, Bun's text lockfile (Bun 1.1.39 to 1.4; ``lockfileVersion`` 0, 1 and 2).

JSON with trailing commas. ``workspaces`` maps each workspace folder ("" is
the root) to its declared dependencies; ``packages`` maps install paths to
an array whose first item is the resolution: ``"qs": ["qs@6.5.2", "",
{deps}, "sha512-…"]`` for the registry, ``"body-parser/qs": [...]`` for a
copy nested under its dependent (``@scope/a/b`` under a scoped one),
``"my-lodash": ["lodash@4.17.15", ...]`` for an alias, ``name@workspace:``,
``@root:``, ``@link:``, ``@file:``, ``@github:``/``@git+`` and tarball URLs
for the rest. A dependency is found the way Bun and Node find it: under the
dependent's own path, then under each path above, then at the top.
Nothing marks dev-only packages: what only devDependencies reach is dev.

The older binary ``bun.lockb`` cannot be read; :data:`BINARY_HINT` says how
to get a bun.lock from it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..semver_ranges import is_semver
from .model import DEP_KINDS, DEV, PEER, Importer, LockedPackage, Lockfile, LockfileError, safe_url
from .npm import load_json, source_problem
from .yarn import split_spec

SUPPORTED = (0, 1, 2)
BINARY_HINT = ("bun.lockb is Bun's binary lockfile, which cannot be audited; bun 1.2 and later write the "
               "text bun.lock: run bun install --save-text-lockfile --frozen-lockfile --lockfile-only")
# A string (kept as it is) or a comma before a closing bracket (dropped): Bun writes trailing commas.
_TRAILING = re.compile(r'"(?:[^"\\\n]|\\.)*"|,(?=\s*[}\]])')
_ENTRY = re.compile(r'^[ \t]*"((?:[^"\\\n]|\\.)*)"[ \t]*:[ \t]*\[', re.MULTILINE)
_PACKAGES = re.compile(r'^[ \t]*"packages"[ \t]*:', re.MULTILINE)


def _strict_json(text: str) -> str:
    """*text* without the trailing commas JSON does not allow (commas inside strings kept)."""
    return _TRAILING.sub(lambda m: m.group(0) if m.group(0) != "," else "", text)


def _package_lines(text: str) -> dict[str, int]:
    """The 1-based line of each ``packages`` entry (Bun writes one entry per line, after
    ``"packages": {``)."""
    section = _PACKAGES.search(text)
    out: dict[str, int] = {}
    if section is None:
        return out
    line, last = text.count("\n", 0, section.start()) + 1, section.start()
    for m in _ENTRY.finditer(text, section.end()):
        line += text.count("\n", last, m.start())
        last = m.start()
        out.setdefault(m.group(1), line)
    return out


def _names(key: str) -> list[str]:
    """The package names of an install path: ``@a/b/c/@d/e`` -> ``["@a/b", "c", "@d/e"]``."""
    parts, out = key.split("/"), []
    while parts:
        head = parts.pop(0)
        out.append(f"{head}/{parts.pop(0)}" if head.startswith("@") and parts else head)
    return out


def _resolve(packages: dict[str, Any], from_names: list[str], name: str) -> str | None:
    """The install path *name* is loaded from, required from the package at the path *from_names*."""
    names = list(from_names)
    while True:
        candidate = "/".join([*names, name])
        if candidate in packages:
            return candidate
        if not names:
            return None
        names.pop()


def _not_auditable(spec: str) -> str:
    """Why the resolution *spec* (after ``name@``) cannot be looked up; "" for a registry version."""
    if is_semver(spec):
        return ""
    if spec.startswith(("file:", "link:")):
        return f"local file or folder ({spec})" if spec.startswith("file:") else \
            f"link to a local folder ({spec[5:]})"
    return source_problem(spec) or f"not a registry version ({safe_url(spec)})"


def _declared(path: Path, where: str, meta: dict[str, Any], kind: str, line: int | None) -> dict[str, Any]:
    """The map of *kind* (``dependencies`` ...) in *meta*, {} when absent. LockfileError naming *where*
    when it is not an object: every other field of the file is checked for its shape, and iterating a
    number or a string was a TypeError (an internal error, exit 3) or a package per character."""
    value = meta.get(kind)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise LockfileError(path, f"{where}: {kind} is not an object", line)
    return value


def read(path: Path, text: str) -> Lockfile:
    """A bun.lock of lockfileVersion 0 or 1. LockfileError for text that does not parse (with its line),
    another lockfileVersion (naming the supported ones) or entries of the wrong shape."""
    data = load_json(path, _strict_json(text), "bun.lock")
    version = data.get("lockfileVersion")
    if isinstance(version, bool) or version not in SUPPORTED:
        at = next((n for n, t in enumerate(text.splitlines(), 1) if '"lockfileVersion"' in t), None)
        raise LockfileError(path, f"lockfileVersion {version!r} is not supported (supported: 0, 1 and 2, "
                                  "written by bun 1.1.39 to 1.4)", at)
    packages, workspaces = data.get("packages") or {}, data.get("workspaces") or {}
    if not isinstance(packages, dict) or not isinstance(workspaces, dict):
        raise LockfileError(path, "'packages' and 'workspaces' must be objects")
    lock = Lockfile(path, f"{path.name} v{version}")
    lines = _package_lines(text)
    metas: dict[str, dict[str, Any]] = {}
    own: dict[str, str] = {}  # workspace package name -> its folder
    for key, raw in packages.items():
        if not isinstance(raw, list) or not raw or not isinstance(raw[0], str):
            raise LockfileError(path, f"entry {key!r} is not an array starting with its resolution",
                                lines.get(key))
        name, spec = split_spec(raw[0])
        metas[key] = next((item for item in raw[1:] if isinstance(item, dict)), {})
        installed = _names(key)[-1]
        pkg = LockedPackage(key, name or installed, spec if is_semver(spec) else "", lines.get(key),
                            optional=bool(metas[key].get("os") or metas[key].get("cpu")),
                            alias=installed if name and name != installed else "")
        if spec.startswith(("workspace:", "root:")):
            pkg.own = True
            own[installed] = spec.split(":", 1)[1]
        else:
            pkg.not_auditable = _not_auditable(spec)
        lock.packages[key] = pkg
    kinds = tuple(k for k in DEP_KINDS if k != DEV)
    for key, pkg in lock.packages.items():
        deps = [n for kind in kinds for n in _declared(path, f"entry {key!r}", metas[key], kind, pkg.line)]
        pkg.deps = [d for n in deps if (d := _resolve(packages, _names(key), n))]
    for folder, raw in workspaces.items():
        declared = raw if isinstance(raw, dict) else {}
        where = f"workspace {folder!r}"
        importer = Importer(folder, manifest=path.parent / folder / "package.json")
        # A workspace's own copies of its dependencies are nested under its package name.
        under = [str(declared["name"])] if folder and declared.get("name") else []
        # An optional peer is installed only when another kind names it (bun pm ls --prod leaves out
        # one that only devDependencies also name).
        peers = declared.get("optionalPeers") or []
        if not isinstance(peers, list) or not all(isinstance(n, str) for n in peers):
            raise LockfileError(path, f"{where}: optionalPeers is not an array of names")
        optional_peers = set(peers)
        for kind in DEP_KINDS:
            for name in _declared(path, where, declared, kind, None):
                if kind == PEER and name in optional_peers:
                    continue
                target = _resolve(packages, under, str(name))
                if target is not None:
                    importer.direct.setdefault(target, kind)
        lock.importers[folder] = importer
    for name, folder in own.items():  # a workspace linked in: it depends on what its folder declares
        key = next((k for k, p in lock.packages.items() if p.own and _names(k)[-1] == name), None)
        if key is not None and folder in lock.importers:
            lock.packages[key].deps = [k for k, kind in lock.importers[folder].direct.items() if kind != DEV]
    return lock.finish(mark_dev=True)
