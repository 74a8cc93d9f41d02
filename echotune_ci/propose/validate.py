"""Checks every proposed change passes before it may touch a branch.

A change is untrusted text (a research answer may say anything), so it is
never executed. It must be a unified diff under the size limits that
applies cleanly with ``git apply --check``. What it may touch is decided on
the paths *git* touches, not on the names the diff text spells: ``git apply
-p1`` strips any first component (``x/.github/...``) and squeezes ``//``, so
a check of the text alone disagrees with what lands on the branch. The diff
is applied in a throw-away worktree, the changed paths and modes are read
back from git (:func:`worktree_changes`, and :func:`commit_changes` for the
commit that would be pushed), normalised (:func:`normalise`) and checked
(:func:`check_changes`): protected paths (.gitignore-style patterns, compared
case-insensitively), ``.git``, executable-bit changes, symbolic links and
submodules are refused unless the settings allow them.
"""

from __future__ import annotations

import functools
import os
import posixpath
import re
import stat
import subprocess
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from .git import git
from .settings import ProposeSettings

if TYPE_CHECKING:  # pragma: no cover
    from pathspec import GitIgnoreSpec

_HEADER = re.compile(r"^(?:---|\+\+\+) (?:\"(.*)\"|(\S+))")
_GIT_HEADER = re.compile(r"^diff --git (\S+) (\S+)\s*$")
_RENAME = re.compile(r"^(?:rename|copy) (?:from|to) (.+)$")
_MODE = re.compile(r"^(?:new file mode|new mode|deleted file mode|old mode) (\d+)")
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@")
_REGULAR, _EXECUTABLE, _SYMLINK, _GITLINK, _ABSENT = "100644", "100755", "120000", "160000", "000000"


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


def normalise(path: str) -> str:
    """The form a path is compared in: what a case-insensitive, normalising file system would make of it.

    Unicode NFC, ``\\`` as a separator (Windows), format characters dropped
    (HFS+ ignores zero-width joiners and direction marks), trailing dots and
    spaces of each component dropped (NTFS), empty and ``.`` components
    dropped, case folded. ``.GitHub//Workflows\u200c/ci.yml`` becomes
    ``.github/workflows/ci.yml``.
    """
    text = unicodedata.normalize("NFC", path).replace("\\", "/")
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    parts = [p if p in (".", "..") else p.rstrip(" .") for p in text.split("/")]
    return "/".join(p for p in parts if p not in ("", ".")).casefold()


@functools.lru_cache(maxsize=512)
def _spec(pattern: str) -> GitIgnoreSpec:
    from pathspec import GitIgnoreSpec

    return GitIgnoreSpec.from_lines([pattern.casefold()])


def _matches(path: str, patterns: Sequence[str]) -> str | None:
    """The first .gitignore-style pattern of *patterns* that selects *path* (compared normalised)."""
    norm = normalise(path)
    for pattern in patterns:
        spec = _spec(pattern)
        # A file named like a protected folder (".github" as a symlink) is caught too.
        if spec.match_file(norm) or spec.match_file(norm + "/"):
            return pattern
    return None


def check_patch(diff: str, root: Path, settings: ProposeSettings) -> list[str]:
    """Static checks of *diff* against the repository at *root*; returns the paths its text names.

    Limits come from *settings*: ``max_patch_bytes``, ``max_files``,
    ``protected_paths`` (unless in ``allow_paths``). Raises Rejected with the
    reason a person needs. This is an early answer on the text only; what
    decides is :func:`check_changes` on the paths git touched.
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
    allowed = (_REGULAR, _EXECUTABLE, _SYMLINK) if settings.allow_symlinks else (_REGULAR, _EXECUTABLE)
    for line in diff.splitlines():
        m = _MODE.match(line)
        if m and m.group(1) not in allowed:
            raise Rejected(f"file mode {m.group(1)} (symlink or submodule) is not accepted")


def _check_path(path: str, real_root: Path, settings: ProposeSettings) -> None:
    """Inside the repository (also through symlinks), outside .git, not protected unless allowed."""
    pure = PurePosixPath(path)
    if pure.is_absolute() or path.startswith("~") or "\\" in path or any(p == ".." for p in pure.parts):
        raise Rejected(f"path {path!r} leaves the repository")
    if ".git" in normalise(path).split("/"):
        raise Rejected(f"path {path!r} is inside .git")
    try:
        (real_root / pure).resolve().relative_to(real_root)
    except ValueError:
        raise Rejected(f"path {path!r} leaves the repository (through a symlink)") from None
    _check_protected(path, settings)


def _check_protected(path: str, settings: ProposeSettings) -> None:
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


# ---------------------------------------------------------------------- what git touched


@dataclass(frozen=True)
class Touched:
    """One path a change touches as git sees it: repository-relative, with its mode before and after
    (``"000000"`` for absent; ``100644`` file, ``100755`` executable, ``120000`` symlink, ``160000``
    submodule)."""

    path: str
    old_mode: str
    new_mode: str


def worktree_changes(worktree: Path) -> list[Touched]:
    """The paths that differ between HEAD and the index or files of *worktree*, from ``git status
    --porcelain=v2 -z`` (renames as their two paths; untracked files with the mode on disk).

    Raises RunError when git fails.
    """
    out = git("-c", "core.quotePath=false", "status", "--porcelain=v2", "-z", "--untracked-files=all",
              "--ignore-submodules=none", "--no-renames", cwd=worktree).stdout
    fields = iter(out.split("\0"))
    touched: list[Touched] = []
    for entry in fields:
        kind, _, rest = entry.partition(" ")
        if kind in ("1", "2"):
            parts = rest.split(" ", 7 if kind == "1" else 8)
            head, index, files, path = parts[2], parts[3], parts[4], parts[-1]
            if kind == "2":
                touched.append(Touched(next(fields, ""), head, _ABSENT))
            touched.extend(Touched(path, head, new) for new in dict.fromkeys((index, files)))
        elif kind == "u":
            touched.append(Touched(rest.split(" ", 9)[-1], _REGULAR, _REGULAR))
        elif kind == "?":
            touched.append(Touched(rest, _ABSENT, _disk_mode(worktree / rest)))
    return touched


def _disk_mode(path: Path) -> str:
    try:
        st = os.lstat(path)
    except OSError:
        return _ABSENT
    if stat.S_ISLNK(st.st_mode):
        return _SYMLINK
    return _EXECUTABLE if st.st_mode & 0o111 else _REGULAR


def commit_changes(root: Path, base: str, commit: str) -> list[Touched]:
    """The paths *commit* changes against *base* (``git diff-tree -r --raw -z --no-renames``): exactly
    what a push of *commit* would bring. Raises RunError when git fails."""
    out = git("-c", "core.quotePath=false", "diff-tree", "-r", "-z", "--raw", "--no-renames", base, commit,
              cwd=root).stdout
    fields = out.split("\0")
    touched = []
    for meta, path in zip(fields[0::2], fields[1::2], strict=False):
        if meta.startswith(":"):
            old_mode, new_mode = meta[1:].split(" ")[:2]
            touched.append(Touched(path, old_mode, new_mode))
    return touched


def check_changes(touched: Iterable[Touched], worktree: Path, settings: ProposeSettings) -> list[str]:
    """Refuse (Rejected) what a change may not do, judged on the paths git touched; the sorted paths.

    Refused: more than ``max_files`` paths, a path inside ``.git``, a
    protected path (``protected_paths`` unless ``allow_paths``; both the old
    and the new side of a rename count), a submodule, a symbolic link
    (unless ``allow_symlinks``, and then only one that points inside the
    repository at no protected path; its target is read from *worktree*)
    and an executable bit set or cleared (unless ``allow_executable``).
    """
    entries = list(touched)
    paths = sorted(dict.fromkeys(t.path for t in entries))
    if len(paths) > settings.max_files:
        raise Rejected(f"patch touches {len(paths)} files, more than max_files ({settings.max_files})")
    for t in entries:
        if ".git" in normalise(t.path).split("/"):
            raise Rejected(f"path {t.path!r} is inside .git")
        _check_protected(t.path, settings)
        _check_mode(t, worktree, settings)
    return paths


def _check_mode(t: Touched, worktree: Path, settings: ProposeSettings) -> None:
    if _GITLINK in (t.old_mode, t.new_mode):
        raise Rejected(f"path {t.path!r} is a submodule; submodules are not accepted")
    if t.new_mode == _SYMLINK:
        if not settings.allow_symlinks:
            raise Rejected(f"path {t.path!r} would be a symbolic link; symbolic links are not accepted "
                           "(set [propose] allow_symlinks to allow them)")
        _check_link_target(t.path, worktree, settings)
    if t.new_mode == _ABSENT or settings.allow_executable:
        return
    if t.new_mode == _EXECUTABLE and t.old_mode != _EXECUTABLE:
        raise Rejected(f"path {t.path!r} would become executable; executable-bit changes are not accepted "
                       "(set [propose] allow_executable to allow them)")
    if t.old_mode == _EXECUTABLE and t.new_mode != _EXECUTABLE:
        raise Rejected(f"path {t.path!r} would lose its executable bit; executable-bit changes are not "
                       "accepted (set [propose] allow_executable to allow them)")


def _check_link_target(path: str, worktree: Path, settings: ProposeSettings) -> None:
    try:
        target = os.readlink(worktree / path)
    except OSError:
        return  # not on disk: the index entry alone cannot be followed by anything we run
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(path), target.replace("\\", "/")))
    if posixpath.isabs(target) or joined == ".." or joined.startswith("../"):
        raise Rejected(f"symbolic link {path!r} points outside the repository ({target!r})")
    if ".git" in normalise(joined).split("/"):
        raise Rejected(f"symbolic link {path!r} points into .git")
    protected = _matches(joined, settings.protected_paths)
    if protected and not _matches(joined, settings.allow_paths):
        raise Rejected(f"symbolic link {path!r} points at {joined!r}, which is protected ({protected})")
