"""Workspace roots, found the way uv, npm, Yarn, pnpm and bun find them: where a member's lockfile lives.

A member of a workspace has no lockfile of its own: uv, npm, Yarn, pnpm and
bun write one lockfile at the workspace root for every member. Each tool
finds that root by walking up from the member to the first folder whose
workspace declaration names it:

- uv: a ``pyproject.toml`` with ``[tool.uv.workspace]``, ``members`` globs
  minus ``exclude`` globs (the first such folder decides: a member it does
  not name belongs to no workspace);
- npm, Yarn, bun: a ``package.json`` with ``workspaces`` (a list, or
  ``{"packages": [...]}``; ``!`` globs exclude);
- pnpm: ``pnpm-workspace.yaml`` ``packages`` (``!`` globs exclude).

Globs are matched with the tools' glob semantics (:func:`glob_match`: ``*``
and ``?`` within one path segment, ``**`` any number of segments), on the
member's path relative to the candidate root. The walk stops at the git
repository holding the member (the folder with ``.git``), or at the
filesystem root when there is none. Only files are read.
"""

from __future__ import annotations

import fnmatch
import re
import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .files import git_ignored, read_json_dict, read_text, read_yaml

# The lockfile of each JavaScript package manager, in the order tools() prefers them.
JS_LOCKFILES = (
    ("pnpm-lock.yaml", "pnpm"),
    ("yarn.lock", "yarn"),
    ("npm-shrinkwrap.json", "npm"),  # npm reads it instead of package-lock.json when both exist
    ("package-lock.json", "npm"),
    ("bun.lock", "bun"),
    ("bun.lockb", "bun"),
)
# npm's own lockfiles: `npm ci`, `npm audit` and the propose phase's `npm install` read no other.
NPM_LOCKFILES = tuple(name for name, tool in JS_LOCKFILES if tool == "npm")
# How to install a package manager that is missing on this machine.
INSTALL_HINTS = {
    "uv": "`python3 -m pip install --user uv` or `curl -LsSf https://astral.sh/uv/install.sh | sh`",
    "bun": "`npm install -g bun` or `curl -fsSL https://bun.sh/install | bash`",
    "pnpm": "`corepack enable pnpm` or `npm install -g pnpm`",
    "yarn": "`corepack enable yarn` or `npm install -g yarn`",
    "poetry": "`pipx install poetry`",
    "pdm": "`pipx install pdm`",
    "pipenv": "`pipx install pipenv`",
}


@dataclass(frozen=True)
class Workspace:
    """The workspace root holding a member: its folder (absolute), the package manager, the lockfile's
    name at the root ("" when the root has none) and the file that declares the member (for people)."""

    root: Path
    manager: str
    lockfile: str
    source: str


def installed(program: str) -> bool:
    """Whether *program* is on this machine's PATH (tests replace this)."""
    return shutil.which(program) is not None


def missing_tool_note(program: str, why: str) -> str:
    """The ``# check:`` text for a package manager *why* asks for and this machine lacks ("" when present)."""
    if installed(program):
        return ""
    hint = INSTALL_HINTS.get(program, f"install {program}")
    return (f"{why} asks for {program}, which is not installed here: setup fails until it is; "
            f"install it ({hint})")


def glob_match(path: str, pattern: str) -> bool:
    """Whether the relative POSIX *path* matches the glob *pattern* as workspace tools match them.

    ``*``, ``?`` and ``[...]`` match within one segment, ``**`` matches any
    number of segments (also none); a leading ``./`` and trailing ``/`` are
    ignored. ``glob_match("packages/web", "packages/*")`` is True,
    ``glob_match("packages/a/b", "packages/*")`` False.
    """
    parts = [p for p in path.strip("/").split("/") if p not in ("", ".")]
    pattern = pattern.strip().removeprefix("./").strip("/")
    segments = [s for s in pattern.split("/") if s not in ("", ".")]
    return _match(parts, segments)


def _match(parts: list[str], segments: list[str]) -> bool:
    if not segments:
        return not parts
    head, rest = segments[0], segments[1:]
    if head == "**":
        return any(_match(parts[i:], rest) for i in range(len(parts) + 1))
    return bool(parts) and fnmatch.fnmatchcase(parts[0], head) and _match(parts[1:], rest)


def matches(path: str, globs: list[str], exclude: list[str] | None = None) -> bool:
    """Whether *path* matches one of *globs* and none of the ``!`` globs among them or of *exclude*."""
    positive = [g for g in globs if not g.startswith("!")]
    negative = [g[1:] for g in globs if g.startswith("!")] + list(exclude or [])
    return any(glob_match(path, g) for g in positive) and not any(glob_match(path, g) for g in negative)


def _ancestors(member: Path) -> list[Path]:
    """The folders above *member*, nearest first, up to its git repository's root (inclusive)."""
    member = member.resolve()
    out: list[Path] = []
    for folder in member.parents:
        out.append(folder)
        if (folder / ".git").exists():
            break
    return out


def _strings(value: Any) -> list[str]:
    return [str(v) for v in value if isinstance(v, str)] if isinstance(value, list) else []


def uv_workspace(member: Path) -> Workspace | None:
    """The uv workspace whose root is above *member* and whose ``members`` name it, or None.

    As uv does, the nearest ``pyproject.toml`` above with ``[tool.uv.workspace]``
    decides: when its globs do not name *member* (or ``exclude`` does), the
    member belongs to no workspace. A root that is not valid TOML is skipped.
    """
    for folder in _ancestors(member):
        text = read_text(folder / "pyproject.toml")
        if not text:
            continue
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            continue
        tool = data.get("tool") if isinstance(data.get("tool"), dict) else {}
        uv = tool.get("uv") if isinstance(tool, dict) and isinstance(tool.get("uv"), dict) else {}
        spaces = uv.get("workspace") if isinstance(uv, dict) else None
        if not isinstance(spaces, dict):
            continue
        relative = member.resolve().relative_to(folder).as_posix()
        if not matches(relative, _strings(spaces.get("members")), _strings(spaces.get("exclude"))):
            return None
        lock = "uv.lock" if (folder / "uv.lock").is_file() else ""
        return Workspace(folder, "uv", lock, "pyproject.toml [tool.uv.workspace] members")
    return None


def package_json_workspaces(data: dict[str, Any]) -> list[str]:
    """The globs of a package.json's ``workspaces`` (a list or ``{"packages": [...]}``) as npm reads them
    (@npmcli/map-workspaces' ``appendNegatedPatterns``): the leading ``!``s taken off, an odd count of them
    negating; then every leading ``/``, so ``"/*"`` is ``*``, every folder at the top
    (dominggo1999/mern-monorepo, whose package-lock.json lists ``api`` and ``client`` as its members); then
    ``./`` and a trailing ``/``. Read as written, ``"/*"`` named no member: the audit took each member's
    package.json for a project without a lockfile."""
    spaces = data.get("workspaces")
    if isinstance(spaces, dict):
        spaces = spaces.get("packages")
    out = []
    for glob in _strings(spaces):
        bangs = len(glob) - len(glob.lstrip("!"))
        glob = glob[bangs:].lstrip("/").strip()
        while glob.startswith("./"):
            glob = glob[2:]
        glob = glob.rstrip("/")
        if glob:
            out.append("!" * (bangs % 2) + glob)
    return out


def js_workspace_globs(folder: Path) -> tuple[list[str], str]:
    """(the workspace globs *folder* declares, the file that declares them): package.json ``workspaces``
    (:func:`package_json_workspaces`) and pnpm-workspace.yaml ``packages``; ([], "") when none."""
    globs = package_json_workspaces(read_json_dict(folder / "package.json"))
    source = "package.json workspaces" if globs else ""
    if (folder / "pnpm-workspace.yaml").is_file():
        pnpm = read_yaml(folder / "pnpm-workspace.yaml")
        listed = _strings(pnpm.get("packages")) if isinstance(pnpm, dict) else []
        if listed:
            globs += listed
            source = "pnpm-workspace.yaml packages"
    return globs, source


def js_workspace_members(folder: Path) -> list[str]:
    """The workspace members (folders with a package.json, relative to *folder*, sorted) that *folder*'s
    package.json ``workspaces`` or pnpm-workspace.yaml ``packages`` declares, less those a ``!`` glob
    leaves out; globs leaving *folder* are not followed."""
    globs = js_workspace_globs(folder)[0]
    members = set()
    for glob in globs:
        if glob.startswith(("!", "/", "..")):
            continue
        for path in folder.glob(glob):
            inside = path.relative_to(folder).as_posix()
            if ("node_modules" not in inside.split("/") and (path / "package.json").is_file()
                    and matches(inside, globs)):
                members.add(inside)
    return sorted(members)


def js_lockfile(folder: Path, data: dict[str, Any]) -> tuple[str, str]:
    """(lockfile name, package manager) of the package in *folder*: the lockfile present, else the
    ``packageManager`` field (pnpm when pnpm-workspace.yaml exists), else npm; ("", manager) with no
    lockfile. Of several lockfiles, the one of the ``packageManager`` field, else of a manager installed
    here (npm first, which comes with node): proshop-v2 keeps a stale pnpm-lock.yaml beside the
    package-lock.json its README installs from (:func:`other_lockfiles` names the others)."""
    declared = str(data.get("packageManager", "")).split("@", 1)[0]
    hidden = ignored_lockfiles(folder)
    present = [(name, manager) for name, manager in JS_LOCKFILES
               if (folder / name).is_file() and name not in hidden]
    if len(present) > 1:
        ranked = sorted(present, key=lambda p: (p[1] != declared, not installed(p[1]), p[1] != "npm"))
        return ranked[0]
    if present:
        return present[0]
    if declared in ("npm", "yarn", "pnpm", "bun"):
        return "", declared
    if hidden:  # the manager the developer installs with, though a fresh checkout lacks its lockfile
        return "", next(manager for name, manager in JS_LOCKFILES if name in hidden)
    return "", "pnpm" if (folder / "pnpm-workspace.yaml").is_file() else "npm"


def ignored_lockfiles(folder: Path) -> list[str]:
    """The JavaScript lockfiles in *folder* that git ignores (:func:`~.files.git_ignored`), in
    :data:`JS_LOCKFILES` order: a fresh checkout has none of them, so none of them can be installed from."""
    hidden = git_ignored(folder, [name for name, _ in JS_LOCKFILES])
    return [name for name, _ in JS_LOCKFILES if name in hidden]


def other_lockfiles(folder: Path, chosen: str) -> list[str]:
    """The lockfiles in *folder* besides *chosen* (npm-shrinkwrap.json beside package-lock.json, which
    npm itself ignores then, is no second one)."""
    hidden = ignored_lockfiles(folder)
    names = [name for name, _ in JS_LOCKFILES
             if name != chosen and (folder / name).is_file() and name not in hidden]
    return [n for n in names if not (chosen == "npm-shrinkwrap.json" and n == "package-lock.json")]


# lockfileVersion of pnpm-lock.yaml -> the pnpm major that writes it (pnpm's docs, "pnpm-lock.yaml"
# versions: 5.3 by pnpm 6, 5.4 by 7, 6.0 by 8, 9.0 by 9 and 10): a newer pnpm refuses an older file
_PNPM_MAJOR = {"5.3": "6", "5.4": "7", "6.0": "8", "6.1": "8", "9.0": "9"}
# the pnpm major that writes a lockfile -> the first major that refuses it with --frozen-lockfile and
# the pnpm majors that read it. pnpm 9 converts a 6.0 file as it reads it (9.15.9 installed the 6.0
# lockfiles of ts-nextjs-tailwind-starter and proshop-v2) and pnpm 10 stops at it with
# ERR_PNPM_LOCKFILE_BREAKING_CHANGE, as 9.15 does at a 5.x one. A major not here is read by the latest.
PNPM_READERS = {"6": ("9", ("6",)), "7": ("9", ("7",)), "8": ("10", ("8", "9"))}


def pnpm_major(folder: Path) -> str:
    """The pnpm major version that reads the pnpm-lock.yaml in *folder*, "" when unknown."""
    m = re.search(r"""^lockfileVersion:\s*['"]?([\d.]+)""", read_text(folder / "pnpm-lock.yaml", 4096), re.M)
    return _PNPM_MAJOR.get(m.group(1), "") if m else ""


def js_workspace(member: Path) -> Workspace | None:
    """The npm/Yarn/pnpm/bun workspace root above *member* whose workspace globs name it, or None.

    As npm does, every folder above is tried, nearest first: the first that
    declares *member* a workspace is the root, whatever lockfile it has.
    """
    for folder in _ancestors(member):
        globs, source = js_workspace_globs(folder)
        if not globs:
            continue
        relative = member.resolve().relative_to(folder).as_posix()
        if any(p == "node_modules" for p in relative.split("/")) or not matches(relative, globs):
            continue
        lockfile, manager = js_lockfile(folder, read_json_dict(folder / "package.json"))
        return Workspace(folder, manager, lockfile, source)
    return None
