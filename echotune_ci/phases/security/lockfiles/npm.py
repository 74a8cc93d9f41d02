"""package-lock.json and npm-shrinkwrap.json, lockfileVersion 1, 2 and 3 (npm 5 to 11).

v2 and v3 are read from ``packages`` (keys are install paths:
``node_modules/a/node_modules/b``, workspace folders ``packages/x`` linked
from ``node_modules/x`` with ``link: true``); v1 from the nested
``dependencies`` tree. A dependency is found the way Node finds it: in the
dependent's own ``node_modules``, then in each folder above. npm's own
``dev`` flag marks dev-only packages; ``devOptional`` ones stay (npm keeps
them with ``--omit=dev``). Aliases (``"name": "lodash"`` under
``node_modules/my-lodash``; v1 ``"version": "npm:lodash@4.17.21"``) are
audited under the real name; git, local and tarball-URL packages are not
auditable, with the reason.
"""

from __future__ import annotations

import fnmatch
import json
import re
from pathlib import Path
from typing import Any

from ....project.workspaces import package_json_workspaces
from ..semver_ranges import is_semver
from .model import DEP_KINDS, DEV, Importer, LockedPackage, Lockfile, LockfileError, safe_url

SUPPORTED = (1, 2, 3)
_OPEN = re.compile(r'^([ \t]*)"((?:[^"\\\n]|\\.)*)"[ \t]*:[ \t]*\{', re.MULTILINE)
_REGISTRY_TARBALL = re.compile(r"^https?://[^?#]*/-/[^/?#]+-\d[^/?#]*\.tgz(?:[?#].*)?$")
_GIT = ("git+", "git:", "github:", "gitlab:", "bitbucket:", "gist:")


def json_object_lines(text: str) -> dict[tuple[str, ...], int]:
    """The 1-based line where each JSON object member opening an object starts, by its key path
    (``("packages", "node_modules/qs")``), read from the indentation of a pretty-printed file
    (npm always writes one); keys of a minified file all get line 1."""
    out: dict[tuple[str, ...], int] = {}
    stack: list[tuple[int, str]] = []
    line, last = 1, 0
    for m in _OPEN.finditer(text):
        line += text.count("\n", last, m.start())
        last = m.start()
        indent = len(m.group(1))
        while stack and stack[-1][0] >= indent:
            stack.pop()
        raw = m.group(2)
        key = json.loads(f'"{raw}"') if "\\" in raw else raw
        stack.append((indent, key))
        out.setdefault(tuple(k for _, k in stack), line)
    return out


def load_json(path: Path, text: str, what: str) -> dict[str, Any]:
    """The JSON object in *text*; LockfileError naming the line when it is not one."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LockfileError(path, f"not valid JSON: {exc.msg} (column {exc.colno})", exc.lineno) from None
    if not isinstance(data, dict):
        raise LockfileError(path, f"not a {what} (the top level is not a JSON object)")
    return data


def source_problem(spec: str) -> str:
    """Why a package resolved from *spec* (a v2 ``resolved`` URL or a v1 ``version``) cannot be
    looked up in advisory data; "" for the registry."""
    if not spec:
        return ""
    if spec.startswith(_GIT) or re.match(r"^[\w.-]+/[\w.-]+(#.*)?$", spec):
        return f"git dependency ({safe_url(spec)})"
    if spec.startswith("file:") or spec.startswith(("./", "../", "/")):
        return f"local file or folder ({spec})"
    if spec.startswith("link:"):
        return f"link to a local folder ({spec[5:]})"
    if re.match(r"^https?://", spec) and not _REGISTRY_TARBALL.match(spec):
        return f"tarball URL ({safe_url(spec)})"
    return ""


def _resolve(packages: dict[str, Any], from_key: str, name: str) -> str | None:
    """The install path Node would load *name* from, required from the package at *from_key*."""
    parts = from_key.split("/") if from_key else []
    while True:
        candidate = "/".join([*parts, "node_modules", name])
        if candidate in packages:
            return candidate
        if not parts:
            return None
        parts.pop()
        if parts and parts[-1] == "node_modules":
            parts.pop()


def _dep_specs(entry: dict[str, Any], kinds: tuple[str, ...]) -> list[tuple[str, str]]:
    """(name, kind) of the dependencies *entry* declares, for each of *kinds*."""
    out: list[tuple[str, str]] = []
    for kind in kinds:
        deps = entry.get(kind)
        if isinstance(deps, dict):
            out.extend((str(name), kind) for name in deps)
    return out


def read(path: Path, text: str) -> Lockfile:
    """A package-lock.json / npm-shrinkwrap.json of lockfileVersion 1, 2 or 3.

    Raises LockfileError for JSON that does not parse (with its line), an
    unsupported lockfileVersion (naming the supported ones) or entries of
    the wrong shape.
    """
    data = load_json(path, text, path.name)
    version = data.get("lockfileVersion")
    lines = json_object_lines(text)
    if isinstance(version, bool) or version not in SUPPORTED:
        at = next((n for n, t in enumerate(text.splitlines(), 1) if '"lockfileVersion"' in t), None)
        raise LockfileError(path, f"lockfileVersion {json.dumps(version)} is not supported (supported: "
                                  f"{', '.join(map(str, SUPPORTED))}, written by npm 5 to 11)", at)
    lock = Lockfile(path, f"{path.name} v{version}")
    if version >= 2:
        packages = data.get("packages")
        if not isinstance(packages, dict):
            raise LockfileError(path, f"lockfileVersion {version} without a 'packages' object")
        _read_packages(lock, packages, lines)
    else:
        _read_v1(lock, data, lines)
    return lock.finish(mark_dev=False)


def _entry(path: Path, key: str, entry: Any, line: int | None) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise LockfileError(path, f"entry {key!r} is not an object", line)
    return entry


def _read_packages(lock: Lockfile, packages: dict[str, Any], lines: dict[tuple[str, ...], int]) -> None:
    """lockfileVersion 2 and 3: one entry per install path."""
    path = lock.path
    root = _entry(path, "", packages.get("", {}), lines.get(("packages", "")))
    globs = package_json_workspaces(root)
    folders: dict[str, dict[str, Any]] = {"": root}
    links: dict[str, str] = {}
    for key, raw in packages.items():
        if key == "":
            continue
        line = lines.get(("packages", key))
        entry = _entry(path, key, raw, line)
        if "node_modules/" not in f"/{key}":
            folders[key] = entry  # a workspace, or the folder of a file: dependency
            continue
        installed = key.rsplit("node_modules/", 1)[1]
        name = str(entry.get("name") or installed)
        pkg = LockedPackage(key, name, str(entry.get("version") or ""), line, dev=bool(entry.get("dev")),
                            optional=bool(entry.get("optional") or entry.get("devOptional")),
                            alias=installed if name != installed else "")
        if entry.get("link"):
            target = str(entry.get("resolved") or "")
            links[key] = target
            pkg.version = pkg.version or str((packages.get(target) or {}).get("version") or "")
            if not any(fnmatch.fnmatchcase(target, g) for g in globs):
                pkg.not_auditable = f"link to a local folder ({target})"
            else:
                pkg.own = True
        else:
            pkg.not_auditable = source_problem(str(entry.get("resolved") or ""))
            if not pkg.not_auditable and not is_semver(pkg.version):
                pkg.not_auditable = f"version {pkg.version!r} is not SemVer"
        lock.packages[key] = pkg
    kinds = tuple(k for k in DEP_KINDS if k != DEV)
    for key, pkg in lock.packages.items():
        entry = packages[key]
        pkg.deps = [d for name, _ in _dep_specs(entry, kinds) if (d := _resolve(packages, key, name))]
    for key, target in links.items():  # a link depends on what its folder depends on
        linked = folders.get(target)
        if linked is not None:
            lock.packages[key].deps = [d for name, _ in _dep_specs(linked, kinds)
                                       if (d := _resolve(packages, target, name))]
    manifest_dir = path.parent
    for folder, declared in folders.items():
        if folder and not any(fnmatch.fnmatchcase(folder, g) for g in globs):
            continue  # the folder of a file: dependency is reached through its link
        importer = Importer(folder, manifest=manifest_dir / folder / "package.json")
        for name, kind in _dep_specs(declared, DEP_KINDS):
            direct = _resolve(packages, folder, name)
            if direct is not None:
                importer.direct.setdefault(direct, kind)
        lock.importers[folder] = importer


def _read_v1(lock: Lockfile, data: dict[str, Any], lines: dict[tuple[str, ...], int]) -> None:
    """lockfileVersion 1 (npm 5 and 6): the nested ``dependencies`` tree, edges from ``requires``."""
    requires: dict[str, list[str]] = {}

    def walk(deps: Any, parent: str, json_path: tuple[str, ...]) -> None:
        if not isinstance(deps, dict):
            return
        for name, raw in deps.items():
            key = f"{parent}/node_modules/{name}" if parent else f"node_modules/{name}"
            here = (*json_path, name)
            entry = _entry(lock.path, key, raw, lines.get(here))
            lock.packages[key] = _v1_package(key, name, entry, lines.get(here))
            requires[key] = [str(r) for r in entry.get("requires") or {}]
            walk(entry.get("dependencies"), key, (*here, "dependencies"))

    walk(data.get("dependencies"), "", ("dependencies",))
    for key, names in requires.items():
        lock.packages[key].deps = [d for n in names if (d := _resolve(lock.packages, key, n))]
    importer = Importer("", manifest=lock.path.parent / "package.json")
    manifest = _manifest(importer.manifest)
    if manifest is not None:
        for name, kind in _dep_specs(manifest, DEP_KINDS):
            direct = _resolve(lock.packages, "", name)
            if direct is not None:
                importer.direct.setdefault(direct, kind)
    else:  # no package.json: the top-level packages nothing else requires are the direct ones
        required = {d for pkg in lock.packages.values() for d in pkg.deps}
        importer.direct = {k: (DEV if p.dev else DEP_KINDS[0]) for k, p in lock.packages.items()
                           if k.count("node_modules/") == 1 and k not in required}
        lock.notes.append(f"{lock.path.name}: no package.json beside it; dependency paths start at the "
                          "top-level packages")
    lock.importers[""] = importer


def _v1_package(key: str, name: str, entry: dict[str, Any], line: int | None) -> LockedPackage:
    version = str(entry.get("version") or "")
    pkg = LockedPackage(key, name, version, line, dev=bool(entry.get("dev")),
                        optional=bool(entry.get("optional")))
    alias = re.match(r"^npm:(@?[^@]+)@(.+)$", version)
    if alias:
        pkg.alias, pkg.name, pkg.version = name, alias.group(1), alias.group(2)
    elif source_problem(version):
        pkg.not_auditable, pkg.version = source_problem(version), ""
    else:
        pkg.not_auditable = source_problem(str(entry.get("resolved") or ""))
    if not pkg.not_auditable and not is_semver(pkg.version):
        pkg.not_auditable = f"version {pkg.version!r} is not SemVer"
    return pkg


def _manifest(path: Path | None) -> dict[str, Any] | None:
    """The package.json at *path* as a dict; None when there is none. LockfileError when it does not parse."""
    if path is None or not path.is_file():
        return None
    return load_json(path, path.read_text(encoding="utf-8-sig"), "package.json")
