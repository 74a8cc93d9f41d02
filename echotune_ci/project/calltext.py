"""Calls in source text: where a call ends, its arguments split at their top-level commas.

``init`` reads a project's code without running it (``process.env`` defaults, the set-up calls of
Swagger, Nest, Django Ninja or Litestar); these helpers find where an expression ends by its brackets
and quotes, which is enough for the literal arguments it looks for. Shared by :mod:`.openapi`,
:mod:`.nestroutes` and :mod:`.envdefaults`.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache

# A call's arguments are looked for within this many characters of its "(": set-up calls are short,
# and a file without the matching ")" must not be scanned to its end at every match.
CALL_SPAN = 5000
# a comment (group 1), else a string literal, which may hold "//" or "/*"
_COMMENT_OR_STRING = re.compile(r"""(//[^\n]*|/\*.*?(?:\*/|\Z))|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|"""
                                r"""`(?:\\.|[^`\\])*`""", re.S)
_NOT_NEWLINE = re.compile(r"[^\n]")


def blank_comments(text: str) -> str:
    """*text* with its ``//`` and ``/* */`` comments turned to spaces (newlines kept, so offsets and line
    numbers stay); strings are matched first, so ``'http://x'`` is no comment."""
    return _COMMENT_OR_STRING.sub(lambda m: _NOT_NEWLINE.sub(" ", m.group(1)) if m.group(1) else m.group(0),
                                  text)


@lru_cache(maxsize=8)
def _literal_index(text: str) -> tuple[list[int], list[tuple[int, int]]]:
    """The starts and (start, end) spans of *text*'s comments and string and template literals, in order,
    read once per text (a reader asks of every match in a file)."""
    spans = [m.span() for m in _COMMENT_OR_STRING.finditer(text)]
    return [start for start, _ in spans], spans


def in_literal(text: str, offset: int) -> bool:
    """Whether *offset* is inside a comment or a string or template literal of JavaScript *text*
    (``const doc = "app.get('/healthz', h)"`` holds no route)."""
    starts, spans = _literal_index(text)
    i = bisect_right(starts, offset) - 1
    return i >= 0 and spans[i][0] < offset < spans[i][1]


def blank_strings(text: str) -> str:
    """*text* (comments already blanked) with the insides of its string and template literals turned to
    spaces (quotes, newlines and offsets kept): code alone, for brackets and calls."""
    return _COMMENT_OR_STRING.sub(lambda m: m.group(0)[0] + _NOT_NEWLINE.sub(" ", m.group(0)[1:-1])
                                  + m.group(0)[-1], text)


def call_text(text: str, start: int) -> str:
    """The call whose "(" is at offset *start* of *text*, to its matching ")" (both included), or the
    first ``CALL_SPAN`` characters when it does not close within them."""
    depth = 0
    for i in range(start, min(len(text), start + CALL_SPAN)):
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0:
            return text[start:i + 1]
    return text[start:start + CALL_SPAN]


def closing(code: str, pair: str = "()") -> dict[int, int]:
    """{offset of each opening bracket of *pair* ("()", "{}") in *code*: offset of the one that closes
    it}, in one pass; an unclosed one is left out. *code* has its comments and strings blanked
    (:func:`blank_strings`), whose ``':)'`` would end a group early."""
    opened: list[int] = []
    out: dict[int, int] = {}
    for m in re.finditer(f"[{re.escape(pair)}]", code):
        if m.group() == pair[0]:
            opened.append(m.start())
        elif opened:
            out[opened.pop()] = m.start()
    return out


def split_top_level(items: str) -> list[str]:
    """*items* split at the commas outside brackets (``()``, ``[]``, ``{}``) and quotes, as written
    (not stripped): ``"a, fn(b, c), {d: 1, e: 2}, 'f,g'"`` gives four parts; ``""`` gives ``[""]``."""
    parts, depth, quote, start = [], 0, "", 0
    for i, char in enumerate(items):
        if quote:
            quote = "" if char == quote and items[i - 1] != "\\" else quote
        elif char in "'\"`":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(items[start:i])
            start = i + 1
    parts.append(items[start:])
    return parts


def call_arguments(call: str) -> list[str]:
    """The top-level arguments of *call* as :func:`call_text` gives it (``(a, {b: 1}, 'c,d')`` gives
    ``["a", " {b: 1}", " 'c,d'"]``)."""
    return split_top_level(call[1:-1])


def url_join(*parts: str) -> str:
    """URL path pieces joined with single slashes, empty ones left out: ``("/api/", "v1", "")`` gives
    ``/api/v1``; nothing gives ``/``."""
    return "/" + "/".join(p.strip("/") for p in parts if p.strip("/"))
