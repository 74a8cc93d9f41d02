"""JavaScript lockfiles read into one model: package-lock.json / npm-shrinkwrap.json (v1-v3),
yarn.lock (Yarn 1 and Berry), pnpm-lock.yaml (5.x, 6.x, 9.x).

:func:`read_lockfile` picks the reader by file name (and content for other
names); :func:`find_lockfiles` finds the lockfiles of a project and the
package.json files that have none. Every reader raises
:class:`~.model.LockfileError` (exit 2) naming the file and line.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path

from ....errors import InputError
from .model import DEV, Importer, LockedPackage, Lockfile, LockfileError

__all__ = ["DEV", "Importer", "LockedPackage", "Lockfile", "LockfileError", "LOCKFILE_NAMES", "Found",
           "find_lockfiles", "read_lockfile"]

# In the order npm, Yarn and pnpm prefer them; npm ignores package-lock.json beside npm-shrinkwrap.json.
LOCKFILE_NAMES = ("npm-shrinkwrap.json", "package-lock.json", "yarn.lock", "pnpm-lock.yaml")
_SKIP = {"node_modules", ".git", ".venv", "venv", "dist", "build", "coverage", ".next", ".nuxt", ".cache"}


def read_lockfile(path: Path) -> Lockfile:
    """The lockfile at *path*, parsed. InputError when it is missing; LockfileError (exit 2) when it
    does not parse or is of a version no reader supports."""
    from . import npm, pnpm, yarn

    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{path}: lockfile not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LockfileError(path, f"unreadable ({exc})") from None
    name = path.name
    if name.endswith(".json"):
        return npm.read(path, text)
    if name.endswith((".yaml", ".yml")):
        return pnpm.read(path, text)
    if name.endswith(".lock") or "# yarn lockfile v1" in text[:500] or "\n__metadata:" in text:
        return yarn.read(path, text)
    raise InputError(f"{path}: not a lockfile this audit reads ({', '.join(LOCKFILE_NAMES)})")


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


def find_lockfiles(root: Path) -> Found:
    """The lockfiles in *root* and in its direct subfolders (``client/``, ``server/`` ...; not
    dependencies, builds or hidden folders), and the package.json files of those folders that have no
    lockfile (a subfolder of a project whose root has a lockfile is taken for a workspace)."""
    found = Found()
    folders = [root]
    with contextlib.suppress(OSError):
        folders += sorted(p for p in root.iterdir() if p.is_dir() and p.name not in _SKIP
                          and not p.name.startswith("."))
    root_locked = bool(_folder_lockfiles(root))
    for folder in folders:
        present = _folder_lockfiles(folder)
        found.lockfiles += present
        if not present and (folder / "package.json").is_file() and (folder == root or not root_locked):
            found.unlocked.append(folder / "package.json")
    return found
