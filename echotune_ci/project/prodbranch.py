"""The code a ``NODE_ENV === "production"`` test governs in a JavaScript/TypeScript file.

A server that serves its built client only in production needs NODE_ENV=production to be measured; one
that merely mentions production elsewhere (TypeORM's ``synchronize: process.env.NODE_ENV !==
"production"``, a logger switched off) must not get it: with it, that NestJS app created no tables and
answered 500 on every database route. So the test counts only where it decides whether the code after it
runs:

- ``if (<test>) {...} else {...}`` (or a single statement), the production branch being the ``if`` one for
  ``===``/``==`` and the ``else`` one for ``!==``/``!=`` (a leading ``!`` turns it over);
- ``<test> ? a : b`` and ``<test> && a`` (Nest's ``imports: [...(isProd ? [ServeStaticModule...] : [])]``);
- the same through a name it is assigned to once (``const isProd = process.env.NODE_ENV === "production"``).

A scan, not a parser: strings are stepped over, comments are not; each region is cut at 4,000 characters.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_ENV = r"""process\.env(?:\.NODE_ENV|\[\s*["']NODE_ENV["']\s*\])"""
_PROD = r"""["'`]production["'`]"""
_TEST = re.compile(rf"(?:{_ENV})\s*([!=])==?\s*{_PROD}|{_PROD}\s*([!=])==?\s*(?:{_ENV})")
_ALIAS = re.compile(r"\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::\s*boolean\s*)?=\s*\(?\s*$")
_IF = re.compile(r"\bif\s*\(")
_ELSE = re.compile(r"\s*;?\s*else\b\s*")
_LIMIT = 4000
_STRING = {q: re.compile(rf"{q}(?:[^{q}\\]|\\.)*{q}", re.S) for q in "'\"`"}


def _end(text: str, start: int, stops: str) -> int:
    """Offset where the code from *start* ends: a character of *stops* outside brackets, or a closing
    bracket that none opened after *start* closes; strings are stepped over."""
    depth, i, end = 0, start, min(len(text), start + _LIMIT)
    while i < end:
        c = text[i]
        if c in _STRING:
            m = _STRING[c].match(text, i, end)
            i = m.end() if m else i + 1
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                return i
            depth -= 1
        elif depth == 0 and c in stops:
            return i
        i += 1
    return end


def _branch(text: str, start: int) -> tuple[int, int]:
    """(start, end) of the statement or ``{...}`` block at *start* (an ``if``'s or ``else``'s body)."""
    i = start + len(text[start:]) - len(text[start:].lstrip())
    if text.startswith("{", i):
        return i + 1, _end(text, i + 1, "")
    return i, _end(text, i, ";\n")


def _if_branches(text: str, at: int) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """The then- and else-branches of the innermost ``if (...)`` whose condition holds offset *at*."""
    for m in reversed(list(_IF.finditer(text, max(0, at - 300), at))):
        close = _end(text, m.end(), "")
        if close < at:
            continue
        then = _branch(text, close + 1)
        after = _ELSE.match(text, then[1] + 1) if then[1] < len(text) else None
        return then, (_branch(text, after.end()) if after else (then[1], then[1]))
    return None


def _expression_branches(text: str, at: int) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """For a test ending at *at* followed by ``? a : b`` or ``&& a``: the spans of ``a`` and ``b``."""
    rest = re.compile(r"[\s)]*(\?|&&)").match(text, at)
    if rest is None:
        return None
    first = rest.end()
    if rest.group(1) == "&&":
        end = _end(text, first, ",;")
        return (first, end), (end, end)
    colon = _end(text, first, ":,;")
    if colon >= len(text) or text[colon] != ":":
        return None
    return (first, colon), (colon + 1, _end(text, colon + 1, ",;"))


def _governed(text: str, start: int, end: int, production: bool) -> Iterator[tuple[int, int]]:
    """The span that runs in production of the branches that a test at ``text[start:end]`` decides (none
    when the test decides nothing, as a value assigned or passed on)."""
    branches = _if_branches(text, start) or _expression_branches(text, end)
    if branches is not None:
        yield branches[0] if production else branches[1]


def production_spans(text: str) -> Iterator[tuple[int, int, int]]:
    """(offset of the test, start, end) of each part of *text* that runs only when NODE_ENV is
    "production", as the module docstring describes."""
    for m in _TEST.finditer(text):
        equal = (m.group(1) or m.group(2)) == "="
        negated = text[max(0, m.start() - 2):m.start()].rstrip().endswith("!")
        alias = _ALIAS.search(text, max(0, m.start() - 80), m.start())
        if alias is not None:
            name = alias.group(1)
            for use in re.finditer(rf"(!?)\s*\b{re.escape(name)}\b(?!\s*=[^=])", text[m.end():]):
                at = m.end() + use.start()
                for span in _governed(text, at, m.end() + use.end(), equal != bool(use.group(1))):
                    yield m.start(), *span
            continue
        yield from ((m.start(), *span) for span in _governed(text, m.start(), m.end(), equal != negated))
