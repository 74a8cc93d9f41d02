"""JavaScript lockfiles read into one model: package-lock.json / npm-shrinkwrap.json (v1-v3),
yarn.lock (Yarn 1 and Berry), pnpm-lock.yaml (5.x, 6.x, 9.x), bun.lock (0, 1).

:func:`read_lockfile` picks the reader by file name (and content for other
names); :func:`find_lockfiles` finds the lockfiles of a project and the
package.json files that have none. Every reader raises
:class:`~.model.LockfileError` (exit 2) naming the file and line.
"""

from __future__ import annotations

import contextlib
import fnmatch
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ....fsutil import json_or_none
from ....errors import InputError
from ....project.workspaces import package_json_workspaces
from .model import DEV, Importer, LockedPackage, Lockfile, LockfileError

__all__ = ["DEV", "Importer", "LockedPackage", "Lockfile", "LockfileError", "LOCKFILE_NAMES", "Found",
           "find_lockfiles", "find_lockfiles_in", "read_lockfile", "unlocked_reason"]

# In the order npm, Yarn, pnpm and Bun prefer them; npm ignores package-lock.json beside npm-shrinkwrap.json.
LOCKFILE_NAMES = ("npm-shrinkwrap.json", "package-lock.json", "yarn.lock", "pnpm-lock.yaml", "bun.lock")
_SKIP = {"node_modules", ".git", ".venv", "venv", "dist", "build", "coverage", ".next", ".nuxt", ".cache"}


def read_lockfile(path: Path) -> Lockfile:
    """The lockfile at *path*, parsed. InputError when it is missing; LockfileError (exit 2) when it
    does not parse or is of a version no reader supports."""
    from . import bun, npm, pnpm, yarn

    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{path}: lockfile not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LockfileError(path, f"unreadable ({exc})") from None
    name = path.name
    if name == "bun.lock":
        return bun.read(path, text)
    if name.endswith(".json"):
        return npm.read(path, text)
    if name.endswith((".yaml", ".yml")):
        return pnpm.read(path, text)
    if name.endswith(".lock") or "# yarn lockfile v1" in text[:500] or "\n__metadata:" in text:
        return yarn.read(path, text)
    raise InputError(f"{path}: not a lockfile this audit reads ({', '.join(LOCKFILE_NAMES)})")


def unlocked_reason(manifest: Path) -> str:
    """Why the package.json *manifest*, which :func:`find_lockfiles` found without a lockfile, is not
    audited, and what to run."""
    from .bun import BINARY_HINT

    # A Bun project has its lockfile, only not one that can be read: npm's would be a second lockfile.
    if (manifest.parent / "bun.lockb").is_file():
        return BINARY_HINT
    return "cannot audit without a lockfile; run npm install --package-lock-only"


@dataclass
class Found:
    """What :func:`find_lockfiles` found: lockfiles, and package.json files without one."""

    lockfiles: list[Path] = field(default_factory=list)
    unlocked: list[Path] = field(default_factory=list)


def _folder_lockfiles(folder: Path) -> list[Path]:
    present = [folder / n for n in LOCKFILE_NAMES if (folder / n).is_file()]
    if folder / "npm-shrinkwrap.json" in present and folder / "package-lock.json" in present:
        present.remove(folder / "package-lock.json")
    return present


def _workspace_globs(root: Path) -> list[str]:
    """The folders the lockfile of the project at *root* covers, as globs: package.json ``workspaces``
    (npm, Yarn; a list or ``{"packages": [...]}``), pnpm-workspace.yaml ``packages`` (negated globs left
    out), and the local folders its dependencies name (``file:./lib``, ``link:``, ``portal:``)."""
    globs: list[Any] = []
    with contextlib.suppress(OSError, ValueError):
        manifest = json.loads((root / "package.json").read_text(encoding="utf-8-sig"))
        manifest = manifest if isinstance(manifest, dict) else {}
        globs += package_json_workspaces(manifest)
        for kind in ("dependencies", "devDependencies", "optionalDependencies"):
            specs = manifest.get(kind)
            for spec in specs.values() if isinstance(specs, dict) else ():
                local = re.match(r"^(?:file|link|portal):(.+)$", str(spec))
                if local:
                    globs.append(local.group(1))
    pnpm = root / "pnpm-workspace.yaml"
    if pnpm.is_file():
        import yaml

        with contextlib.suppress(OSError, ValueError, yaml.YAMLError):
            data = yaml.safe_load(pnpm.read_text(encoding="utf-8-sig"))
            globs += (data.get("packages") or []) if isinstance(data, dict) else []
    out = []
    for glob in globs:
        if isinstance(glob, str) and not glob.startswith("!"):
            glob = glob.strip().removeprefix("./").rstrip("/")
            out.append(glob)
    return out


def _declares_dependencies(manifest: Path) -> bool:
    """Whether the package.json *manifest* declares any dependency (True when it cannot be read: then
    the audit says so rather than stay silent)."""
    data = json_or_none(manifest, encoding="utf-8-sig")
    if data is None:
        return True
    kinds = ("dependencies", "devDependencies", "optionalDependencies")
    return not isinstance(data, dict) or any(data.get(k) for k in kinds)


def find_lockfiles(root: Path) -> Found:
    """The lockfiles in *root* and in its direct subfolders (``client/``, ``server/`` ...; not
    dependencies, builds or hidden folders), and the package.json files of those folders that have no
    lockfile. A subfolder without a lockfile is covered by the root's lockfile only when the root
    declares it a workspace (package.json ``workspaces``, pnpm-workspace.yaml); a subfolder's
    package.json that declares no dependency needs no lockfile."""
    found = Found()
    folders = [root]
    with contextlib.suppress(OSError):
        folders += sorted(p for p in root.iterdir() if p.is_dir() and p.name not in _SKIP
                          and not p.name.startswith("."))
    root_locked = bool(_folder_lockfiles(root))
    globs = _workspace_globs(root) if root_locked else []
    for folder in folders:
        present = _folder_lockfiles(folder)
        found.lockfiles += present
        manifest = folder / "package.json"
        if present or not manifest.is_file():
            continue
        workspace = any(fnmatch.fnmatchcase(folder.name, g) for g in globs)
        if folder == root or (not workspace and _declares_dependencies(manifest)):
            found.unlocked.append(manifest)
    return found


def _enclosing_lockfiles(folder: Path, root: Path) -> tuple[Path | None, list[Path]]:
    """The nearest folder above *folder*, up to *root*, that has lockfiles, and those lockfiles
    ((None, []) when *folder* is not below *root* or none has)."""
    folder, top = folder.resolve(), root.resolve()
    if top not in folder.parents:
        return None, []
    for above in folder.parents:
        present = _folder_lockfiles(above)
        if present:
            return above, present
        if above == top:
            break
    return None, []


def _covers(project: Path, folder: Path) -> bool:
    """Whether the lockfile of *project* covers *folder* below it: a workspace or a file: dependency."""
    rel = folder.resolve().relative_to(project).as_posix()
    return any(fnmatch.fnmatchcase(rel, g) for g in _workspace_globs(project))


def find_lockfiles_in(targets: Sequence[Path], root: Path) -> Found:
    """The lockfiles of the paths named on a command line: a lockfile itself; a folder's lockfiles as
    :func:`find_lockfiles` finds them; for a folder (or a file's folder) without a lockfile of its own,
    the lockfiles of the nearest folder above it inside *root* when that project holds it (no
    package.json of its own, as ``server/``; or one of its workspaces). InputError for a path that
    does not exist."""
    found = Found()
    for target in (t.resolve() for t in targets):
        if not target.exists():
            raise InputError(f"{target}: no such file or folder")
        if target.is_file() and target.name in LOCKFILE_NAMES:
            here = Found(lockfiles=[target])
        else:
            folder = target if target.is_dir() else target.parent
            here = find_lockfiles(folder)
            if not here.lockfiles:
                project, above = _enclosing_lockfiles(folder, root)
                own = folder / "package.json"
                if project is not None and (not own.is_file() or _covers(project, folder)):
                    here = Found(lockfiles=above, unlocked=[m for m in here.unlocked if m != own])
        found.lockfiles += [p for p in here.lockfiles if p not in found.lockfiles]
        found.unlocked += [p for p in here.unlocked if p not in found.unlocked]
    return found
