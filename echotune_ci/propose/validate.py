"""Checks every proposed change passes before it may touch a branch.

A change is untrusted text (a research answer may say anything), so it is
parsed, never executed: only the file paths it names are read from it. A
change must be a unified diff, stay inside the repository, leave CI
definitions and secret files alone unless allowed, stay under the size
limits and apply cleanly with ``git apply --check``.
"""

from __future__ import annotations

import fnmatch
import re
import subprocess
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from .settings import ProposeSettings

_HEADER = re.compile(r"^(?:---|\+\+\+) (?:\"(.*)\"|(\S+))")
_GIT_HEADER = re.compile(r"^diff --git (\S+) (\S+)\s*$")
_RENAME = re.compile(r"^(?:rename|copy) (?:from|to) (.+)$")
_MODE = re.compile(r"^(?:new file mode|new mode|deleted file mode|old mode) (\d+)")
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@")
_ALLOWED_MODES = ("100644", "100755")


class Rejected(Exception):
    """Why a change may not be applied; the message is shown to people."""


def extract_diff(text: str) -> str | None:
    """The unified diff in an answer: a ```diff fence, or the text from the first diff header on."""
    fence = re.search(r"```(?:diff|patch|udiff)?[ \t]*\n(.*?)```", text, re.DOTALL)
    candidates = [fence.group(1)] if fence else []
    candidates.append(text)
    for candidate in candidates:
        lines = candidate.splitlines()
        for i, line in enumerate(lines):
            if line.startswith("diff --git ") or (line.startswith("--- ") and i + 1 < len(lines)
                                                   and lines[i + 1].startswith("+++ ")):
                body = "\n".join(lines[i:]).rstrip("\n") + "\n"
                if any(_HUNK.match(h) for h in body.splitlines()):
                    return body
    return None


def _strip_prefix(raw: str) -> str | None:
    if raw == "/dev/null":
        return None
    raw = raw.split("\t", 1)[0]
    if raw.startswith(("a/", "b/")):
        return raw[2:]
    return raw


def diff_paths(diff: str) -> list[str]:
    """Every path a diff names (old and new sides, renames), without a/ b/ prefixes."""
    paths: list[str] = []
    for line in diff.splitlines():
        m = _GIT_HEADER.match(line)
        if m:
            paths.extend(p for p in (_strip_prefix(m.group(1)), _strip_prefix(m.group(2))) if p)
            continue
        m = _HEADER.match(line)
        if m and not _HUNK.match(line):
            p = _strip_prefix(m.group(1) or m.group(2))
            if p:
                paths.append(p)
            continue
        m = _RENAME.match(line)
        if m:
            paths.append(m.group(1).strip())
    return list(dict.fromkeys(paths))


def _matches(path: str, patterns: Sequence[str]) -> str | None:
    lowered = path.lower()
    for pattern in patterns:
        if fnmatch.fnmatchcase(lowered, pattern.lower()):
            return pattern
    return None


def check_patch(diff: str, root: Path, settings: ProposeSettings) -> list[str]:
    """Static checks of *diff* against the repository at *root*; returns the touched paths.

    Limits come from *settings*: ``max_patch_bytes``, ``max_files``,
    ``protected_paths`` (unless in ``allow_paths``). Raises Rejected with the
    reason a person needs.
    """
    _check_shape(diff, settings)
    paths = diff_paths(diff)
    if not paths:
        raise Rejected("not a unified diff (no file headers)")
    if len(paths) > settings.max_files:
        raise Rejected(f"patch touches {len(paths)} files, more than max_files ({settings.max_files})")
    real_root = root.resolve()
    for path in paths:
        _check_path(path, real_root, settings)
    return paths


def _check_shape(diff: str, settings: ProposeSettings) -> None:
    """Size, no binary patch, at least one hunk, only regular file modes."""
    size = len(diff.encode("utf-8"))
    if size > settings.max_patch_bytes:
        raise Rejected(f"patch is {size} bytes, more than max_patch_bytes ({settings.max_patch_bytes})")
    if "GIT binary patch" in diff or re.search(r"^Binary files .* differ$", diff, re.MULTILINE):
        raise Rejected("binary patches are not accepted")
    if not any(_HUNK.match(line) for line in diff.splitlines()):
        raise Rejected("not a unified diff (no @@ hunk)")
    for line in diff.splitlines():
        m = _MODE.match(line)
        if m and m.group(1) not in _ALLOWED_MODES:
            raise Rejected(f"file mode {m.group(1)} (symlink or submodule) is not accepted")


def _check_path(path: str, real_root: Path, settings: ProposeSettings) -> None:
    """Inside the repository (also through symlinks), outside .git, not protected unless allowed."""
    pure = PurePosixPath(path)
    if pure.is_absolute() or path.startswith("~") or "\\" in path or any(p == ".." for p in pure.parts):
        raise Rejected(f"path {path!r} leaves the repository")
    if ".git" in pure.parts:
        raise Rejected(f"path {path!r} is inside .git")
    try:
        (real_root / pure).resolve().relative_to(real_root)
    except ValueError:
        raise Rejected(f"path {path!r} leaves the repository (through a symlink)") from None
    protected = _matches(path, settings.protected_paths)
    if protected and not _matches(path, settings.allow_paths):
        raise Rejected(f"path {path!r} is protected ({protected}); "
                       "list it in [propose] allow_paths to allow it")


def git_apply_check(diff: str, worktree: Path) -> None:
    """``git apply --check`` in the worktree; Rejected with git's first complaint."""
    proc = subprocess.run(["git", "apply", "--check", "--recount", "--whitespace=nowarn", "-"], cwd=worktree,
                          input=diff, capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        first = next((line for line in proc.stderr.splitlines() if line.strip()), "git apply failed")
        raise Rejected(f"does not apply: {first.removeprefix('error: ')}")
