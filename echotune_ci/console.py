"""Messages and progress for people: lively on a terminal, quiet in CI logs."""

from __future__ import annotations

import contextlib
import itertools
import os
import sys
import threading
import time
from typing import TextIO
from collections.abc import Iterator

_state = {"verbosity": 0}


def set_verbosity(level: int) -> None:
    """Set how much is said: 0 normal, below 0 quieter (-q), above 0 more (-v)."""
    _state["verbosity"] = level


def verbosity() -> int:
    """The verbosity set by -v/-q."""
    return _state["verbosity"]


def interactive(stream: TextIO | None = None) -> bool:
    """Whether *stream* (default stderr) is a terminal outside CI: only then are spinners drawn."""
    stream = stream or sys.stderr
    if os.environ.get("CI") or os.environ.get("GITHUB_ACTIONS"):
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def info(message: str) -> None:
    """Normal progress messages (hidden by -q)."""
    if _state["verbosity"] >= 0:
        print(message, file=sys.stderr, flush=True)


def debug(message: str) -> None:
    """Details shown with -v."""
    if _state["verbosity"] >= 1:
        print(message, file=sys.stderr, flush=True)


def warn(message: str) -> None:
    """Warnings (hidden by -qq)."""
    if _state["verbosity"] >= -1:
        print(f"warning: {message}", file=sys.stderr, flush=True)


class _Spinner:
    def __init__(self, label: str, stream: TextIO):
        self.label = label
        self.detail = ""
        self.stream = stream
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._spin, daemon=True)
        self._start = time.monotonic()

    def update(self, detail: str) -> None:
        self.detail = detail

    def _spin(self) -> None:
        for frame in itertools.cycle("|/-\\"):
            if self._stop.wait(0.2):
                break
            elapsed = time.monotonic() - self._start
            line = f"\r{frame} {self.label} {elapsed:5.1f}s {self.detail}"
            self.stream.write(line[:120].ljust(120))
            self.stream.flush()

    def __enter__(self) -> _Spinner:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.stream.write("\r" + " " * 120 + "\r")
        self.stream.flush()


class _Silent:
    def __init__(self, label: str):
        self.label = label

    def update(self, detail: str) -> None:
        debug(f"{self.label}: {detail}")

    def __enter__(self) -> _Silent:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


@contextlib.contextmanager
def progress(label: str) -> Iterator[_Spinner | _Silent]:
    """A spinner with elapsed time on a terminal; nothing in CI logs."""
    if interactive() and _state["verbosity"] >= 0:
        with _Spinner(label, sys.stderr) as spinner:
            yield spinner
    else:
        with _Silent(label) as silent:
            yield silent
