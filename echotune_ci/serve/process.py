"""Stopping a process group for sure, even while CI's cancel signals keep arriving.

GitHub Actions cancels a job with SIGINT, then SIGTERM about 7.5 s later,
then SIGKILL. The first signal unwinds to the code that stops the app (as
KeyboardInterrupt or :class:`~echotune_ci.errors.Terminated`); a second one
must not abort that cleanup half-way, or the app (slow to stop) and its
children keep running after the job. So while a group is being stopped,
SIGINT and SIGTERM only say "hurry": the grace period ends, the group is
killed at once, and the signal is delivered again once the group is gone.

A stop that is part of unwinding from Ctrl-C or SIGTERM (see
:func:`interrupted`) gets at most :data:`INTERRUPTED_GRACE_S`, whatever the
normal grace: a user who pressed Ctrl-C expects a prompt stop, and the grace
periods of the load test's processes and of the app used to add up to 30 s
(an app like gunicorn waits up to its own 30 s graceful timeout for open
connections, so it always spent the whole ``stop_timeout``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from ..errors import RunError

_DEFERRED = (signal.SIGINT, signal.SIGTERM)
_POLL_S = 0.05
# After SIGKILL: how long to wait for the kernel to take the group down.
KILL_WAIT_S = 5.0
# The grace of every stop made while unwinding from Ctrl-C / SIGTERM: Ctrl-C exits within seconds.
INTERRUPTED_GRACE_S = 3.0

_hurry = threading.Event()
_pending: list[int] = []
_depth = 0


def _record(signum: int, frame: FrameType | None) -> None:
    _pending.append(signum)
    _hurry.set()


@contextlib.contextmanager
def deferred_signals() -> Iterator[threading.Event]:
    """Within the block SIGINT and SIGTERM are recorded, not raised; the event yielded is set when one came.

    On leaving, the previous handlers are restored and each recorded signal
    is delivered again (``signal.raise_signal``), so it ends the program as
    it would have (KeyboardInterrupt, Terminated, or the default action).
    Nested blocks defer to the outermost one. Outside the main thread (where
    Python never runs signal handlers) the block only yields the event.
    """
    global _depth
    if threading.current_thread() is not threading.main_thread():
        yield _hurry
        return
    if _depth:
        _depth += 1
        try:
            yield _hurry
        finally:
            _depth -= 1
        return
    # An ignored signal stays ignored (a job started in the background ignores SIGINT).
    previous = {sig: signal.signal(sig, _record) for sig in _DEFERRED
                if signal.getsignal(sig) is not signal.SIG_IGN}
    _depth = 1
    _hurry.clear()
    try:
        yield _hurry
    finally:
        _depth = 0
        for sig, handler in previous.items():
            if handler is not None:  # None: installed from C, cannot be put back
                signal.signal(sig, handler)
        # SIGTERM first: the stronger request decides how the program ends (exit 143).
        received = sorted(set(_pending), key=lambda s: s != int(signal.SIGTERM))
        _pending.clear()
        _hurry.clear()
        for signum in received:
            signal.raise_signal(signum)


def interrupted() -> bool:
    """Whether the caller runs while a Ctrl-C or SIGTERM unwinds the program: in a ``finally`` block or an
    ``__exit__`` that a KeyboardInterrupt (or :class:`~echotune_ci.errors.Terminated`, its subclass) is
    passing through, or with such a signal received inside :func:`deferred_signals`."""
    return isinstance(sys.exc_info()[1], KeyboardInterrupt) or _hurry.is_set()


def stop_grace(grace: float) -> float:
    """*grace* (s), or at most :data:`INTERRUPTED_GRACE_S` when the stop is part of an interrupt
    (:func:`interrupted`)."""
    return min(grace, INTERRUPTED_GRACE_S) if interrupted() else grace


def group_members(pgid: int) -> list[int]:
    """The live (not zombie) processes of process group *pgid*, from /proc.

    Orphans that nobody reaps stay zombies (an init that does not reap, as in
    some containers), so "the group still exists" is not "something runs".
    Where /proc is missing, the group's leader id stands for the group while
    ``killpg(pgid, 0)`` says it exists.
    """
    proc = Path("/proc")
    if not proc.is_dir():
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return []
        except PermissionError:
            pass
        return [pgid]
    members = []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        # "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) > 2 and fields[0] != "Z" and fields[2] == str(pgid):
            members.append(int(entry.name))
    return members


def listening_ports(pids: list[int]) -> set[int] | None:
    """The TCP ports processes *pids* listen on (IPv4 and IPv6), from /proc; None where /proc cannot
    tell (another system, no permission to read a process's descriptors)."""
    proc = Path("/proc")
    inodes: set[str] = set()
    try:
        for pid in pids:
            with contextlib.suppress(FileNotFoundError):  # a process that exited meanwhile has none
                for fd in (proc / str(pid) / "fd").iterdir():
                    with contextlib.suppress(OSError):
                        target = os.readlink(fd)
                        if target.startswith("socket:["):
                            inodes.add(target[8:-1])
        tables = [(proc / "net" / name).read_text(encoding="ascii") for name in ("tcp", "tcp6")
                  if (proc / "net" / name).exists()]
    except OSError:
        return None
    ports = set()
    for table in tables:
        for line in table.splitlines()[1:]:
            # "sl local_address rem_address st ... uid timeout inode": local "0100007F:0BB9", st 0A = LISTEN
            fields = line.split()
            if len(fields) > 9 and fields[3] == "0A" and fields[9] in inodes:
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def signal_group(pgid: int, sig: int) -> None:
    """Send *sig* to process group *pgid*; nothing when it is gone."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def stop_group(proc: subprocess.Popen[Any], grace: float) -> None:
    """Stop *proc* and every process in its group (*proc* leads it: started with ``start_new_session``).

    SIGTERM to the group, up to *grace* seconds for every member to exit,
    then SIGKILL to what is left; *proc* is reaped. While a Ctrl-C or SIGTERM
    unwinds the program the grace is at most :data:`INTERRUPTED_GRACE_S`
    (:func:`stop_grace`). When *proc* has exited
    already (the app crashed), what is left of its group is killed at once:
    there is nothing left to shut down cleanly. A SIGINT or SIGTERM that
    arrives meanwhile ends the grace period at once and is delivered again
    afterwards (see :func:`deferred_signals`), so the cleanup always ends
    with the group gone. A process stuck in uninterruptible sleep is left to
    the OS after :data:`KILL_WAIT_S`.
    """
    pgid = proc.pid
    grace = stop_grace(grace)
    with deferred_signals() as hurry:
        if proc.poll() is None:
            signal_group(pgid, signal.SIGTERM)
            _wait_group(proc, pgid, grace, hurry)
        signal_group(pgid, signal.SIGKILL)
        _wait_group(proc, pgid, KILL_WAIT_S, None)


@contextlib.contextmanager
def process_group(args: str | Sequence[str], *, what: str, grace: float,
                  **popen: Any) -> Iterator[subprocess.Popen[Any]]:
    """``subprocess.Popen(args, **popen)`` in a session of its own, for the block: leaving the block by an
    exception (Ctrl-C, SIGTERM, a timeout turned into an error) stops the process and everything it
    started (:func:`stop_group`, *grace* s).

    A Ctrl-C or SIGTERM that arrives while the process is being started is
    held back until the block owns it, then raised: a signal that landed
    between ``Popen`` returning and the caller's ``try`` left the process
    running after the toolkit had exited (a CI cancel on a loaded runner).
    RunError "<what> could not start: <reason>" when ``Popen`` cannot start it.
    """
    proc: subprocess.Popen[Any] | None = None
    try:
        with deferred_signals():
            try:
                proc = subprocess.Popen(args, start_new_session=True, **popen)
            except OSError as exc:
                raise RunError(f"{what} could not start: {exc.strerror or exc}") from None
        yield proc
    except BaseException:
        if proc is not None:
            stop_group(proc, grace)
        raise


def _wait_group(proc: subprocess.Popen[Any], pgid: int, timeout: float,
                hurry: threading.Event | None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not (hurry is not None and hurry.is_set()):
        if proc.poll() is not None and not group_members(pgid):
            return
        time.sleep(_POLL_S)
