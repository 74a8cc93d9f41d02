"""Files: reading JSON with one-line errors, writing without leaving half-written output.

Every file the toolkit writes goes through :func:`write_text_atomic` (or
:func:`write_json_atomic`): a temporary file beside the target, then a
rename, with the mode a plain ``open()`` would give (the umask) or the mode
of the file it replaces. Inside :func:`staged`, writes are held back in a
temporary folder and moved into place together at the end, so that a
command that fails half-way leaves the previous files, never some new ones
beside their stale partners.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import math
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InputError, RunError
from .masking import mask

# Integers beyond this many digits are no measurement (and Python refuses > 4300 digits anyway).
MAX_INT_DIGITS = 30
_STAGING_PREFIX = ".echotune-staging-"


class _Rejected(ValueError):
    """A JSON number that is no number a person or tool meant: NaN, Infinity, overflowing, huge."""


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Rejected(f"the number {_cut(text)} is too large")
    return value


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise _Rejected(f"an integer of {len(text.lstrip('-'))} digits")
    return int(text)


def _parse_constant(name: str) -> float:
    raise _Rejected(f"{name} is not a JSON number")


def _cut(text: str, limit: int = 24) -> str:
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


class _Duplicate(ValueError):
    """An object that names one key twice: RFC 8259 leaves the meaning open, and Python keeps the last
    ("phase": "frontend", "phase": "load" read as load, its metrics "new")."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Duplicate(key)
        out[key] = value
    return out


def loads_strict(text: str) -> Any:
    """JSON as RFC 8259 allows it: NaN, Infinity, non-finite floats (``1e400``) and integers of
    more than MAX_INT_DIGITS digits raise ValueError, as does a key named twice in one object
    (json.JSONDecodeError for syntax, RecursionError for nesting deeper than the interpreter's limit)."""
    return json.loads(text, parse_float=_parse_float, parse_int=_parse_int, parse_constant=_parse_constant,
                      object_pairs_hook=_unique_keys)


# Largest input file read whole (result, baseline, history, brief, config): far beyond any real one, small
# enough that a mistaken path (a disk image, a core dump) ends in one line instead of exhausting memory.
MAX_INPUT_BYTES = 256 * 1024 * 1024


def read_input_bytes(path: str | os.PathLike[str], *, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of the regular file at *path*, at most *limit* of them.

    A FIFO, socket or device (``/dev/zero``, ``/dev/stdin``, a named pipe in
    a results folder) is refused before anything is read: a pipe nobody
    writes to would block for ever and a device may never end. Opening with
    ``O_NONBLOCK`` keeps even the open of a FIFO from blocking. Raises
    FileNotFoundError, IsADirectoryError, and OSError (EINVAL, strerror
    "not a regular file" or "larger than N bytes") for the caller to word.
    """
    fd = os.open(os.fspath(path), os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(21, "Is a directory", os.fspath(path))
        if not stat.S_ISREG(st.st_mode):
            raise OSError(22, "not a regular file (a pipe, socket or device)", os.fspath(path))
        if st.st_size > limit:
            raise OSError(27, f"larger than {limit} bytes", os.fspath(path))
        chunks = []
        size = 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:  # the file grew while it was read
                raise OSError(27, f"larger than {limit} bytes", os.fspath(path))
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_json(path: str | os.PathLike[str], what: str) -> Any:
    """The JSON document at *path*, numbers checked by :func:`loads_strict`.

    *what* names the file's role in messages ("result file", "baseline").
    Raises InputError (exit 2): "<path>: <what> not found", "<path>: cannot
    read <what> (<reason>)", "<path>:<line>: <what> is not JSON (<reason>)",
    "<path>: <what> is nested too deeply to read", "<path>: <what> holds an
    impossible number (<which>)" or "<path>: <what> names the key '<key>' twice in one object".
    """
    p = Path(path)
    try:
        text = read_input_bytes(p).decode("utf-8")
    except FileNotFoundError:
        raise InputError(f"{p}: {what} not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InputError(f"{p}: cannot read {what} ({reason})") from None
    try:
        return loads_strict(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{p}:{exc.lineno}: {what} is not JSON ({exc.msg})") from None
    except RecursionError:
        raise InputError(f"{p}: {what} is nested too deeply to read") from None
    except _Rejected as exc:
        raise InputError(f"{p}: {what} holds an impossible number ({exc})") from None
    except _Duplicate as exc:
        raise InputError(f"{p}: {what} names the key {_cut(str(exc), 80)!r} twice in one object") from None
    except (ValueError, OverflowError) as exc:  # the interpreter's own limits on numbers
        raise InputError(f"{p}: {what} holds an impossible number ({_cut(str(exc), 80)})") from None


def json_or_none(path: str | os.PathLike[str], *, encoding: str = "utf-8") -> Any:
    """The JSON document at *path*, None when it cannot be read or parsed (missing, no regular file, not
    *encoding*, not JSON), for files whose absence or damage only means "nothing to say".

    Also None for a document nested deeper than Python's parser goes: json.loads raises RecursionError,
    not ValueError, there, and readers that took ``except (OSError, ValueError)`` for "unreadable" let
    it through: a fork's artifacts/side-by-side.json of 100,000 "[" ended `gate`, `report` and `comment`
    with "input nested too deeply to process (RecursionError)", exit 3, naming no file."""
    try:
        return json.loads(read_input_bytes(path).decode(encoding))
    except (OSError, ValueError, RecursionError):
        return None


def relative_path(path: str | os.PathLike[str], folder: Path) -> str:
    """*path* relative to *folder* (POSIX) when it lies inside it, else *path* as given.

    Result files list their artifacts this way, so that a results folder can
    be uploaded and downloaded elsewhere with its links intact.
    """
    try:
        return Path(path).resolve().relative_to(folder.resolve()).as_posix()
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------- writing


def current_umask() -> int:
    """The process's umask (from /proc without changing it; else set and restored at once)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _mode_for(target: Path) -> int:
    """The mode *target* should get: that of the file it replaces, else 0666 less the umask."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        return 0o666 & ~current_umask()


def cannot_write(target: str | os.PathLike[str], exc: OSError) -> RunError:
    """RunError (exit 3) "cannot write <path>: <reason>" for an OSError (no space, read-only, ...)."""
    return RunError(f"cannot write {target}: {exc.strerror or exc}")


def append_all_or_nothing(target: str | os.PathLike[str], content: Callable[[int], bytes]) -> None:
    """Append ``content(size the file has now, in bytes)`` to *target* (created if missing); on a failure
    the file is cut back to its size before (nothing half-written) and RunError (:func:`cannot_write`)
    names it. For files other processes append to as well, such as GitHub's $GITHUB_STEP_SUMMARY."""
    try:
        fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
    except OSError as exc:
        raise cannot_write(target, exc) from None
    try:
        before = os.fstat(fd).st_size
        data = memoryview(content(before))
        try:
            while data:
                data = data[os.write(fd, data):]
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, before)
            raise cannot_write(target, exc) from None
    finally:
        os.close(fd)


def _write_beside(target: Path, text: str, folder: Path | None = None) -> str:
    """Write *text* to a new temporary file in *folder* (default: *target*'s folder) with the mode
    *target* should have; returns its path. RunError when it cannot (nothing is left behind)."""
    where = folder or target.parent
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        where.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=where)
    except OSError as exc:
        raise cannot_write(target, exc) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            os.fchmod(fh.fileno(), _mode_for(target))
            fh.write(text)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise cannot_write(target, exc) from None
        raise
    return tmp


def _move(tmp: str, target: Path) -> None:
    try:
        os.replace(tmp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise cannot_write(target, exc) from None


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """Write *text* to *path* via a temporary file and a rename; returns *path*.

    A new file gets 0666 less the umask (0644 under umask 022), a replaced
    file keeps its mode. Inside :func:`staged` the file appears only when
    the staged block ends without an error. RunError (exit 3) naming the
    path when it cannot be written (read-only folder, no space left ...).
    """
    target = Path(path)
    text = mask(text)  # no secret value reaches a file (see echotune_ci.masking)
    if _write_special(target, text):
        return target
    stage = _STAGE.get()
    if stage is not None:
        return stage.add(target, text)
    _move(_write_beside(target, text), target)
    return target


def _write_special(target: Path, text: str) -> bool:
    """Write *text* straight into *target* when it is a character device or a FIFO (``-o /dev/stdout``,
    ``/dev/null``, a named pipe), and say so; False for anything else.

    A rename onto such a path would replace the device node itself (as root, ``-o /dev/null`` would
    leave a regular file in its place for every later process), and "half-written" means nothing
    for a stream. RunError (exit 3) for a directory, a block device or a socket, and when the
    write fails.
    """
    try:
        st = os.stat(target)
    except OSError:
        return False  # absent (or unreadable): the ordinary path creates it or reports why not
    if stat.S_ISREG(st.st_mode):
        return False
    if stat.S_ISDIR(st.st_mode):
        raise RunError(f"cannot write {target}: it is a folder")
    if not (stat.S_ISCHR(st.st_mode) or stat.S_ISFIFO(st.st_mode)):
        raise RunError(f"cannot write {target}: not a regular file, character device or pipe")
    try:
        with open(target, "w", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        raise cannot_write(target, exc) from None
    return True


def write_json_atomic(path: str | os.PathLike[str], data: Any) -> Path:
    """:func:`write_text_atomic` of *data* as indented JSON (NaN and Infinity refused: ValueError)."""
    return write_text_atomic(path, json.dumps(data, indent=2, sort_keys=False, allow_nan=False) + "\n")


# --------------------------------------------------------------------------- staging


@dataclass
class Staging:
    """Files written inside :func:`staged`: temporary copies waiting for their targets. The staging
    folder inside *root* is made on the first write there (a block that writes nothing leaves no trace)."""

    root: Path
    folder: Path | None = None
    pending: dict[Path, str] = field(default_factory=dict)  # target -> temporary file

    def add(self, target: Path, text: str) -> Path:
        """Hold *text* for *target* (inside the root: in the staging folder; elsewhere: beside it)."""
        inside = _is_inside(target, self.root)
        tmp = _write_beside(target, text, self._folder() if inside else None)
        old = self.pending.pop(target, None)
        if old is not None:
            with contextlib.suppress(OSError):
                os.unlink(old)
        self.pending[target] = tmp
        return target

    def _folder(self) -> Path:
        if self.folder is None:
            try:
                self.root.mkdir(parents=True, exist_ok=True)
                self.folder = Path(tempfile.mkdtemp(prefix=_STAGING_PREFIX, dir=self.root))
            except OSError as exc:
                raise cannot_write(self.root, exc) from None
        return self.folder

    def commit(self) -> None:
        """Move every held file into place, in the order written; RunError when one cannot be."""
        while self.pending:
            target = next(iter(self.pending))
            _move(self.pending.pop(target), target)

    def discard(self) -> None:
        """Remove every held file (the targets stay as they were)."""
        for tmp in self.pending.values():
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        self.pending.clear()


_STAGE: contextvars.ContextVar[Staging | None] = contextvars.ContextVar("echotune_staging", default=None)


def _is_inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


@contextlib.contextmanager
def staged(root: str | os.PathLike[str]) -> Iterator[Staging]:
    """Hold back every :func:`write_text_atomic` of this thread until the block ends.

    Files under *root* are written into a hidden temporary folder inside
    *root* (same file system, so the final renames are atomic), others into
    temporary files beside their targets. When the block ends without an
    exception they are all moved into place, in the order written (write
    the file that others refer to last); otherwise none is, and the
    temporaries are removed. RunError (exit 3) naming the path when a file
    cannot be written. Blocks nest: an inner block joins the outer one.
    """
    outer = _STAGE.get()
    if outer is not None:
        yield outer
        return
    from .serve.process import deferred_signals

    stage = Staging(Path(root))
    token = _STAGE.set(stage)
    try:
        yield stage
        _STAGE.reset(token)
        # Ctrl-C or a cancel (SIGTERM) between two renames would leave some new files beside old ones.
        with deferred_signals():
            stage.commit()
    except BaseException:
        stage.discard()
        raise
    finally:
        if _STAGE.get() is stage:
            _STAGE.reset(token)
        if stage.folder is not None:
            shutil.rmtree(stage.folder, ignore_errors=True)


PREVIOUS_PREFIX = ".echotune-previous-"
_DISCARD_PREFIX = ".echotune-discard-"


def _discard(folder: Path) -> None:
    """Remove *folder*: first renamed to a unique hidden name, so that a removal that stops half-way
    (a read-only subfolder, a kill) never leaves it under a name that means something."""
    gone = folder.with_name(f"{_DISCARD_PREFIX}{folder.name}-{os.urandom(6).hex()}")
    try:
        os.replace(folder, gone)
    except OSError:
        gone = folder
    shutil.rmtree(gone, ignore_errors=True)


def _real_folder(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink()


@contextlib.contextmanager
def previous_kept(*folders: str | os.PathLike[str]) -> Iterator[None]:
    """Keep each of *folders*' contents (a run's artifact folders, which its tools write in place while
    measuring) until the block ends without an exception.

    At the start each folder is moved aside to a hidden sibling (``.echotune-previous-<name>``, same file
    system: a rename); when the block ends without an exception the old contents are removed; otherwise
    (Ctrl-C, SIGTERM, an error) what the block wrote there is removed and the old contents move back, so
    an interrupted run leaves the last complete run's artifacts beside that run's results. A sibling
    found at the start is a killed run's leftover: its partial folder goes and the sibling moves back
    first. A symbolic link (to a folder kept elsewhere) is left as it is, unguarded. The caller passes
    only folders that are its own (:func:`own_artifact_folders`). RunError (exit 3) when a folder cannot
    be moved aside.
    """
    from .serve.process import deferred_signals

    moved: list[tuple[Path, Path]] = []
    for parent in dict.fromkeys(Path(f).parent for f in folders):
        for stale in parent.glob(f"{_DISCARD_PREFIX}*") if parent.is_dir() else []:
            shutil.rmtree(stale, ignore_errors=True)  # what an earlier removal could not finish
    try:
        for folder in folders:
            target = Path(folder)
            aside = target.with_name(PREVIOUS_PREFIX + target.name)
            if target.is_symlink() or (os.path.lexists(target) and not target.is_dir()) or \
                    (os.path.lexists(aside) and not _real_folder(aside)):
                continue
            try:
                if aside.exists():
                    if target.exists():
                        _discard(target)
                    os.replace(aside, target)
                if target.exists():
                    os.replace(target, aside)
            except OSError as exc:
                raise cannot_write(target, exc) from None
            moved.append((target, aside))
        yield
    except BaseException:
        with deferred_signals():
            for target, aside in moved:
                if os.path.lexists(target):
                    _discard(target)
                if aside.exists() and not os.path.lexists(target):
                    with contextlib.suppress(OSError):
                        os.replace(aside, target)
        raise
    # Ctrl-C between two removals would leave a kept copy a later failed run could put back.
    with deferred_signals():
        for _target, aside in moved:
            if aside.exists():
                _discard(aside)


def own_artifact_folders(output_dir: Path, project: Path, names: Iterable[str]) -> list[Path]:
    """The folders ``<output_dir>/artifacts/<name>`` that a run may move aside and replace whole
    (:func:`previous_kept`): none when *output_dir* is the *project* folder or one above it (``-o .``:
    an ``artifacts/`` there may be the project's own), else each that git tracks no file of."""
    out, root = output_dir.resolve(), project.resolve()
    if root.is_relative_to(out):
        return []
    folders = [output_dir / "artifacts" / name for name in names]
    return [f for f in folders if not _tracked(f)]


def _tracked(folder: Path) -> bool:
    """Whether git tracks a file under *folder* (False outside a work tree; True when git cannot tell)."""
    if not folder.is_dir():
        return False
    found = tracked_or_unknown(folder)
    return found is None or bool(found)  # cannot tell: leave it as it is


def tracked_or_unknown(folder: Path, paths: Sequence[str] = (".",)) -> set[str] | None:
    """What :func:`tracked_files` says of *paths* in *folder* (nothing outside a work tree), or None when
    git cannot tell: not installed, timing out, or failing inside a checkout (another user's repository,
    a broken index), where it may track them. Who removes or moves files keeps them on None."""
    import subprocess

    try:
        found = tracked_files(folder, paths)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if found is None:
        here = folder.resolve()
        return None if any((d / ".git").exists() for d in (here, *here.parents)) else set()
    return set(found)


def remove_untracked(folder: Path, names: Sequence[str]) -> None:
    """Remove the files *names* of *folder* that git does not track; none of them when git cannot tell
    (:func:`tracked_or_unknown`). Never raises: a file that cannot be removed stays."""
    tracked = tracked_or_unknown(folder, names) if names else set()
    if tracked is None:
        return
    for name in names:
        if name not in tracked:
            with contextlib.suppress(OSError):
                (folder / name).unlink(missing_ok=True)


def ignored_files(folder: Path, names: Sequence[str]) -> list[str]:
    """Those of the files *names* (relative to *folder*) that git ignores (``.gitignore``, the
    repository's ``info/exclude``, the user's excludes file) and does not track, as git names them; none
    outside a git work tree. OSError or ``subprocess.TimeoutExpired`` (after 30 s) when git cannot be
    run."""
    import subprocess

    given = b"".join(os.fsencode(name) + b"\0" for name in names)
    done = subprocess.run(["git", "-C", str(folder), "check-ignore", "-z", "--stdin"], input=given,
                          capture_output=True, timeout=30, check=False)
    if done.returncode not in (0, 1):  # 1: none of them is ignored; 128: not a work tree
        return []
    return [p for p in os.fsdecode(done.stdout).split("\0") if p]


def tracked_files(folder: Path, paths: Sequence[str] = (".",)) -> list[str] | None:
    """The files git tracks among *paths* (literal, relative to *folder*; default: everything under it),
    as ``git ls-files`` names them; None outside a git work tree. OSError or
    ``subprocess.TimeoutExpired`` (after 30 s) when git cannot be run."""
    import subprocess

    done = subprocess.run(["git", "--literal-pathspecs", "-C", str(folder), "ls-files", "-z", "--", *paths],
                          capture_output=True, timeout=30, stdin=subprocess.DEVNULL, check=False)
    if done.returncode != 0:
        return None
    return [p for p in os.fsdecode(done.stdout).split("\0") if p]


# What `run` writes into its output folder (results, reports, artifacts: page text, URLs, class-like words)
# is nothing a build should read, but a build that scans the checkout for the files git does not ignore
# did: Tailwind v4 (nickjj/docker-django-example's `@import "tailwindcss" source(...)` at the checkout's
# top) read an earlier run's results/ and the head's CSS grew from 8,527 to 13,032 B, which `run
# --base-ref` called a 34 % bundle regression (the base's fresh checkout has no results/). A ".gitignore"
# of "*" in the folder, as pytest, ruff and mypy put in their caches, keeps git and such scanners out.
OUTPUT_GITIGNORE = "# written by echotune-ci: its results are nothing to commit or to build from\n*\n"


def ignore_output_folder(folder: Path) -> None:
    """Write *folder*/.gitignore (:data:`OUTPUT_GITIGNORE`) where *folder* lies in a git work tree that
    neither ignores it nor tracks a file in it (a results folder committed as a baseline is left as it
    is), it has none, and it is empty or an earlier run's (its report/ or artifacts/): a folder of the
    user's own files given as the output folder is not hidden from git. Never raises: a folder that
    cannot be read is left as it is."""
    import subprocess

    marker = folder / ".gitignore"
    try:
        ours = not any(folder.iterdir()) or (folder / "report").is_dir() or (folder / "artifacts").is_dir()
        if not ours or marker.exists() or tracked_files(folder) != []:
            return
        ignored = subprocess.run(["git", "-C", str(folder.parent), "check-ignore", "-q", "--", folder.name],
                                 capture_output=True, timeout=30, stdin=subprocess.DEVNULL, check=False)
        if ignored.returncode == 1:  # 0: ignored already, 128: no work tree
            marker.write_text(OUTPUT_GITIGNORE, encoding="utf-8")
    except (OSError, subprocess.TimeoutExpired):
        return
