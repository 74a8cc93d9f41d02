"""What an app's output says when it fails: the lines that matter, not only the last ones.

An app or a setup step may print without end (or without a newline: a
progress bar, a minified bundle dumped to stdout), so its output is kept in
an :class:`OutputBuffer` of bounded size, not read line by line into memory.
"""

from __future__ import annotations

import collections
import re
import threading
from collections.abc import Sequence
from typing import IO

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
# Lines that say why a program stopped, across the stacks we serve.
_IMPORTANT = re.compile(
    r"Traceback \(most recent call last\)|^\w*(Error|Exception)\b|\b(Error|Exception):|\bERROR\b|\bFATAL\b"
    r"|\bfatal:|\bpanic:|npm ERR!|npm error|\bE[A-Z]{3,}\b|Cannot find module|ModuleNotFoundError"
    r"|command not found|: not found|Address already in use|EADDRINUSE|\bDisallowedHost\b|Permission denied",
)
# Warnings name error codes too ("npm warn old lockfile code: 'ETARGET'"): never the reason a step stopped.
_WARNING = re.compile(r"^(?:npm warn|npm WARN|yarn warn|warning\b)|(?:^|\s)\S+:\d+(?::\d+)?: warning:")
# Where a compiler says what it could not do (node-gyp's g++ under "npm error", tsc): the cause, even in
# the middle of a long failure whose first and last lines are the tool's own boilerplate.
_CAUSE = re.compile(r"\S:\d+(?::\d+)?: (?:fatal )?error:|\berror TS\d{4}\b|\bSyntaxError:")
_NOT_FOUND = re.compile(r"(?:^|:\s)([\w.+-]+): (?:command )?not found\s*$")


def clean_line(line: str, limit: int = 300) -> str:
    """*line* without colour codes or control characters, secrets masked (an app may print its test
    password), cut to *limit* characters."""
    from ..masking import mask

    text = mask(_CONTROL.sub("", _ANSI.sub("", line)).rstrip())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def important_lines(lines: Sequence[str], *, most: int = 12, errors_only: bool = False) -> list[str]:
    """The lines that explain a failure: the last traceback (from its header to the exception),
    else lines naming an error, warnings left out (the first few, where tools say the cause, the
    errors a compiler gave in between, and the last ones), else the last non-blank lines (none with
    *errors_only*). At most *most* lines besides the "…" that mark what is left out, cleaned."""
    cleaned = [clean_line(x) for x in lines if x.strip()]
    start = max((i for i, x in enumerate(cleaned) if x.startswith("Traceback (most recent call last)")),
                default=None)
    if start is not None:
        block = _traceback(cleaned[start:])
        return block if len(block) <= most else [block[0], "…", *block[-(most - 2):]]
    flagged = [x for x in cleaned if _IMPORTANT.search(x) and not _WARNING.search(x)]
    if len(flagged) <= most:
        return flagged or ([] if errors_only else cleaned[-most:])
    causes = [i for i, x in enumerate(flagged) if _CAUSE.search(x) and 4 <= i < len(flagged) - (most - 5)]
    if not causes:
        return [*flagged[:4], "…", *flagged[-(most - 5):]]
    # the first lines, the first causes a compiler gave, the last lines: "…" wherever lines are left out
    keep = sorted({*range(3), *causes[: max(1, most - 9)], *range(len(flagged) - 2, len(flagged))})
    shown: list[str] = []
    for before, i in zip([-1, *keep], keep, strict=False):
        if i != before + 1:
            shown.append("…")
        shown.append(flagged[i])
    return shown


def _traceback(lines: list[str]) -> list[str]:
    """A traceback from its header through the exception line (the first line not indented)."""
    for i, line in enumerate(lines[1:], 1):
        if not line.startswith((" ", "\t")):
            return lines[: i + 1]
    return lines


_MISSING_DEPENDENCY = re.compile(r"ModuleNotFoundError|No module named|ImportError|Cannot find module"
                                 r"|ERR_MODULE_NOT_FOUND|Cannot find package|cannot load such file|LoadError"
                                 r"|command not found")


def lacks_a_dependency(lines: Sequence[str]) -> bool:
    """Whether a process's output says a module or package it imports is missing (what a setup that was
    skipped may have left out: ``ModuleNotFoundError``, Node's ``Cannot find module``)."""
    return any(_MISSING_DEPENDENCY.search(line) for line in lines)


def missing_tool(lines: Sequence[str]) -> str | None:
    """The program a shell could not find ("sh: 1: npm: not found"), or None."""
    for line in reversed(lines):
        m = _NOT_FOUND.search(line.strip())
        if m:
            return m.group(1)
    return None


def summarise(lines: Sequence[str]) -> str:
    """The important lines joined for a one-line error: "; last output: a | b", or that it printed nothing."""
    shown = important_lines(lines)
    return ("; it printed: " + " | ".join(shown)) if shown else "; it printed nothing"


# Bounds of what is kept of a process's output (bytes): a line longer than LINE_BYTES is split
# into pieces of that size, the tail holds at most TAIL_LINES lines and TAIL_BYTES bytes.
LINE_BYTES = 4096
TAIL_LINES = 400
TAIL_BYTES = 512 * 1024
READ_BYTES = 65536
# Every pattern of _IMPORTANT contains one of these: a quick test first (output can be huge).
_HINTS = ("E", "FATAL", "fatal", "panic", "npm", "not found", "Cannot", "Traceback", "Address", "Disallowed",
          "denied")


class OutputBuffer:
    """A process's output, bounded: its last lines, and the first lines that name an error.

    :meth:`feed` takes raw bytes as they come (from one reader thread);
    lines end at LF, CR or CRLF and one longer than *line_bytes* is split.
    The tail keeps at most *max_lines* lines and *max_bytes* bytes; the first
    *first* lines that name an error (where tools say the cause, see
    :func:`important_lines`) are kept even when the tail has moved past
    them. Memory stays under about ``max_bytes + (first + 1) * line_bytes``
    whatever the process prints. Safe to read from another thread.
    """

    def __init__(self, *, max_lines: int = TAIL_LINES, max_bytes: int = TAIL_BYTES,
                 line_bytes: int = LINE_BYTES, first: int = 4):
        self.max_lines, self.max_bytes, self.line_bytes, self.first = max_lines, max_bytes, line_bytes, first
        self.received = 0
        self.count = 0
        self._tail: collections.deque[tuple[int, str, int]] = collections.deque()
        self._tail_bytes = 0
        self._early: list[tuple[int, str]] = []
        self._partial = b""
        self._lock = threading.Lock()

    def feed(self, data: bytes) -> None:
        """Take the next *data* the process wrote."""
        with self._lock:
            self.received += len(data)
            text = self._partial + data
            if b"\r" in text:
                text = text.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
            pieces = text.split(b"\n")
            self._partial = pieces.pop()
            for piece in pieces:
                self._add_split(piece)
            if len(self._partial) > self.line_bytes:
                # Whole pieces go now; the rest (at most line_bytes) may still be continued.
                cut = (len(self._partial) - 1) // self.line_bytes * self.line_bytes
                self._add_split(self._partial[:cut])
                self._partial = self._partial[cut:]

    def close(self) -> None:
        """The process closed its output: an unfinished last line counts as a line."""
        with self._lock:
            if self._partial:
                self._add_split(self._partial)
                self._partial = b""

    def lines(self) -> list[str]:
        """The lines kept, oldest first: the early error lines the tail no longer holds, "…", then the
        tail (with the unfinished last line, if any). Blank lines are left out."""
        with self._lock:
            tail = [text for _, text, _ in self._tail]
            oldest = self._tail[0][0] if self._tail else self.count + 1
            if self._partial.strip():
                tail.append(_decode(self._partial))
            early = [text for index, text in self._early if index < oldest]
        return [*early, "…", *tail] if early else tail

    def _add_split(self, raw: bytes) -> None:
        for start in range(0, max(len(raw), 1), self.line_bytes):
            self._add(raw[start: start + self.line_bytes])

    def _add(self, raw: bytes) -> None:
        text = _decode(raw)
        if not text.strip():
            return
        self.count += 1
        # A traceback's header without its body says nothing: the tail keeps whole tracebacks.
        if len(self._early) < self.first and _names_error(text[:300]) and (
                not text.startswith("Traceback (most recent call last)")):
            self._early.append((self.count, text))
        self._tail.append((self.count, text, len(raw)))
        self._tail_bytes += len(raw)
        while self._tail and (len(self._tail) > self.max_lines or self._tail_bytes > self.max_bytes):
            self._tail_bytes -= self._tail.popleft()[2]


def _names_error(start: str) -> bool:
    """Whether the start of a line (what :func:`important_lines` shows of it) names an error."""
    return (any(hint in start for hint in _HINTS) and _IMPORTANT.search(start) is not None
            and not _WARNING.search(start))


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "replace").rstrip()


def read_into(stream: IO[bytes], buffer: OutputBuffer, waiting: threading.Event | None = None) -> None:
    """Feed *buffer* from *stream* until end of file, in chunks (never a whole line at once), then close
    it. Run in a thread of its own; a read error ends it like end of file. *waiting* is set while it
    waits for more (all it read is in *buffer*), cleared while it takes a chunk in."""
    try:
        while True:
            if waiting is not None:
                waiting.set()
            chunk = stream.read1(READ_BYTES) if hasattr(stream, "read1") else stream.read(READ_BYTES)
            if waiting is not None:
                waiting.clear()
            if not chunk:
                break
            buffer.feed(chunk)
    except (OSError, ValueError):  # closed under us while stopping
        pass
    finally:
        buffer.close()
