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

from .masking import mask

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


def terminal_text(text: str) -> str:
    """*text* as it may reach a terminal or a CI log: control characters, escape sequences and bidi
    overrides removed (newlines kept), and no line that the Actions runner would run as a workflow
    command (``::add-mask::``, ``::error``): messages quote result files, app output and tool output."""
    from .report.escape import terminal

    return terminal(text)


def _one_line(text: str) -> str:
    from .report.escape import term_text

    return term_text(text)


def info(message: str) -> None:
    """Normal progress messages (hidden by -q)."""
    if _state["verbosity"] >= 0:
        print(terminal_text(mask(message)), file=sys.stderr, flush=True)


def debug(message: str) -> None:
    """Details shown with -v."""
    if _state["verbosity"] >= 1:
        print(terminal_text(mask(message)), file=sys.stderr, flush=True)


def warn(message: str) -> None:
    """Warnings (hidden by -qq)."""
    if _state["verbosity"] >= -1:
        print(f"warning: {terminal_text(mask(message))}", file=sys.stderr, flush=True)


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
            # Only the "\r" is ours: the label and detail may quote an app's or a tool's output.
            line = f"\r{frame} {_one_line(self.label)} {elapsed:5.1f}s {_one_line(self.detail)}"
            self.stream.write(mask(line)[:120].ljust(120))
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
