"""What an app's output says when it fails: the lines that matter, not only the last ones."""

from __future__ import annotations

import re
from collections.abc import Sequence

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
# Lines that say why a program stopped, across the stacks we serve.
_IMPORTANT = re.compile(
    r"Traceback \(most recent call last\)|^\w*(Error|Exception)\b|\b(Error|Exception):|\bERROR\b|\bFATAL\b"
    r"|\bfatal:|\bpanic:|npm ERR!|npm error|\bE[A-Z]{3,}\b|Cannot find module|ModuleNotFoundError"
    r"|command not found|: not found|Address already in use|EADDRINUSE|\bDisallowedHost\b|Permission denied",
)
_NOT_FOUND = re.compile(r"(?:^|:\s)([\w.+-]+): (?:command )?not found\s*$")


def clean_line(line: str, limit: int = 300) -> str:
    """*line* without colour codes or control characters, cut to *limit* characters."""
    text = _CONTROL.sub("", _ANSI.sub("", line)).rstrip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def important_lines(lines: Sequence[str], *, most: int = 12, errors_only: bool = False) -> list[str]:
    """The lines that explain a failure: the last traceback (from its header to the exception),
    else lines naming an error (the first few, where tools say the cause, and the last ones),
    else the last non-blank lines (none with *errors_only*). At most *most*, cleaned."""
    cleaned = [clean_line(x) for x in lines if x.strip()]
    start = max((i for i, x in enumerate(cleaned) if x.startswith("Traceback (most recent call last)")),
                default=None)
    if start is not None:
        block = _traceback(cleaned[start:])
        return block if len(block) <= most else [block[0], "…", *block[-(most - 2):]]
    flagged = [x for x in cleaned if _IMPORTANT.search(x)]
    if len(flagged) > most:
        return [*flagged[:4], "…", *flagged[-(most - 5):]]
    return flagged or ([] if errors_only else cleaned[-most:])


def _traceback(lines: list[str]) -> list[str]:
    """A traceback from its header through the exception line (the first line not indented)."""
    for i, line in enumerate(lines[1:], 1):
        if not line.startswith((" ", "\t")):
            return lines[: i + 1]
    return lines


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
