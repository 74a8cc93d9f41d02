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
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

_HEADER = re.compile(r"^(?:---|\+\+\+) (?:\"(.*)\"|(\S+))")
_GIT_HEADER = re.compile(r"^diff --git (\S+) (\S+)\s*$")
_RENAME = re.compile(r"^(?:rename|copy) (?:from|to) (.+)$")
_MODE = re.compile(r"^(?:new file mode|new mode|deleted file mode|old mode) (\d+)")
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@")


class Rejected(Exception):
    """Why a change may not be applied; the message is shown to people."""


@dataclass
class PatchPolicy:
    protected: list[str]
    allowed: list[str]
    max_bytes: int
    max_files: int

    @classmethod
    def from_section(cls, section: dict[str, Any]) -> "PatchPolicy":
        return cls(section["protected_paths"], section["allow_paths"], section["max_patch_bytes"],
                   section["max_files"])


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
                if any(_HUNK.match(l) for l in body.splitlines()):
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


def _matches(path: str, patterns: list[str]) -> str | None:
    lowered = path.lower()
    for pattern in patterns:
        if fnmatch.fnmatchcase(lowered, pattern.lower()):
            return pattern
    return None


def check_patch(diff: str, root: Path, policy: PatchPolicy) -> list[str]:
    """Static checks; returns the touched paths or raises Rejected."""
    size = len(diff.encode("utf-8"))
    if size > policy.max_bytes:
        raise Rejected(f"patch is {size} bytes, more than max_patch_bytes ({policy.max_bytes})")
    if "GIT binary patch" in diff or re.search(r"^Binary files .* differ$", diff, re.MULTILINE):
        raise Rejected("binary patches are not accepted")
    if not any(_HUNK.match(line) for line in diff.splitlines()):
        raise Rejected("not a unified diff (no @@ hunk)")
    for line in diff.splitlines():
        m = _MODE.match(line)
        if m and m.group(1) not in ("100644", "100755"):
            raise Rejected(f"file mode {m.group(1)} (symlink or submodule) is not accepted")
    paths = diff_paths(diff)
    if not paths:
        raise Rejected("not a unified diff (no file headers)")
    if len(paths) > policy.max_files:
        raise Rejected(f"patch touches {len(paths)} files, more than max_files ({policy.max_files})")
    real_root = root.resolve()
    for path in paths:
        pure = PurePosixPath(path)
        if pure.is_absolute() or path.startswith("~") or "\\" in path or any(p == ".." for p in pure.parts):
            raise Rejected(f"path {path!r} leaves the repository")
        if pure.parts and pure.parts[0] == ".git" or ".git" in pure.parts:
            raise Rejected(f"path {path!r} is inside .git")
        try:
            (real_root / pure).resolve().relative_to(real_root)
        except ValueError:
            raise Rejected(f"path {path!r} leaves the repository (through a symlink)") from None
        protected = _matches(path, policy.protected)
        if protected and not _matches(path, policy.allowed):
            raise Rejected(f"path {path!r} is protected ({protected}); list it in [propose] allow_paths to allow it")
    return paths


def git_apply_check(diff: str, worktree: Path) -> None:
    """``git apply --check`` in the worktree; Rejected with git's first complaint."""
    proc = subprocess.run(["git", "apply", "--check", "--recount", "--whitespace=nowarn", "-"], cwd=worktree,
                          input=diff, capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        first = next((l for l in proc.stderr.splitlines() if l.strip()), "git apply failed")
        raise Rejected(f"does not apply: {first.removeprefix('error: ')}")
