"""One `run` at a time per output folder.

Two runs writing into one folder would mix their result files and reports
(one run's load.json beside the other's comment). `run` holds an exclusive
``flock`` on ``<output folder>/.echotune-run.lock`` from before the app
starts until its files are in place; a second run is refused at once. The
kernel drops the lock when its holder dies, however it dies, so a lock file
left behind by a killed run never blocks the next one.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import socket
import stat
from collections.abc import Iterator
from pathlib import Path

from . import console
from .errors import ConfigError
from .fsutil import cannot_write

LOCK_NAME = ".echotune-run.lock"
_ATTEMPTS = 5
_HOST = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]{0,62}")
# File systems that do not do flock (some network mounts): run unlocked rather than not at all.
_UNSUPPORTED = (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL)


@contextlib.contextmanager
def output_lock(folder: Path) -> Iterator[None]:
    """Hold the lock of output *folder* (which exists) for the block; the lock file is removed after.

    Raises ConfigError (exit 2) "<folder>: another `echotune-ci run` (pid N)
    is writing its results into this folder ..." when a live process holds
    it, RunError (exit 3) when the lock file cannot be created (read-only
    folder).
    """
    fd = _acquire(folder)
    try:
        yield
    finally:
        if fd is not None:
            _release(fd, folder / LOCK_NAME)


def _acquire(folder: Path) -> int | None:
    path = folder / LOCK_NAME
    for _ in range(_ATTEMPTS):
        try:
            # Never through a symbolic link: the holder's pid is written into the file, and a link planted
            # in a results folder (committed, or restored from an artifact) would have it truncate its target.
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK, 0o666)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise ConfigError(f"{path}: is a symbolic link; remove it (the lock file is ours to "
                                  "create)") from None
            raise cannot_write(folder, exc) from None
        if not _regular(fd):
            os.close(fd)
            raise ConfigError(f"{path}: is not a regular file; remove it (the lock file is ours to create)")
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            raise ConfigError(f"{folder}: another `echotune-ci run`{holder} is writing its results into this "
                              f"folder; wait for it to end, or give this run its own --output-dir") from None
        except OSError as exc:
            os.close(fd)
            if exc.errno in _UNSUPPORTED:
                console.debug(f"{folder}: file locks unsupported here ({exc.strerror}); running unlocked")
                return None
            raise cannot_write(folder, exc) from None
        # Its last holder may have removed the file between our open and our lock: lock the file
        # that is there now, or two runs would each hold a lock on a different file.
        if _same_file(fd, path):
            _write_holder(fd)
            return fd
        os.close(fd)
    raise ConfigError(f"{folder}: cannot take the lock {LOCK_NAME}: other runs keep replacing it")


def _regular(fd: int) -> bool:
    try:
        return stat.S_ISREG(os.fstat(fd).st_mode)
    except OSError:
        return False


def _same_file(fd: int, path: Path) -> bool:
    try:
        here, there = os.fstat(fd), os.stat(path)
    except OSError:
        return False
    return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)


def _write_holder(fd: int) -> None:
    with contextlib.suppress(OSError):
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n{socket.gethostname()}\n".encode(), 0)


def _holder(fd: int) -> str:
    """" (pid N)" (with " on <host>" when it runs elsewhere) from the lock file, "" when unreadable."""
    try:
        words = os.pread(fd, 512, 0).decode("utf-8", "replace").split()
    except OSError:
        return ""
    if not words or not words[0].isdigit():
        return ""
    # The file is anyone's to write: only a plain host name is repeated.
    host = words[1] if len(words) > 1 and _HOST.fullmatch(words[1]) else ""
    host = "" if host == socket.gethostname() else host
    return f" (pid {words[0][:10]}" + (f" on {host}" if host else "") + ")"


def _release(fd: int, path: Path) -> None:
    # Removed while still locked: a run that opened it meanwhile sees it is stale (see _acquire).
    with contextlib.suppress(OSError):
        if _same_file(fd, path):
            os.unlink(path)
    os.close(fd)
