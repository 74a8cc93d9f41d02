"""Route tables of JavaScript and TypeScript sources read as text: the code outside string literals, the
depth of brackets, the text a bracket encloses, the objects of an array and an object's own keys. The
Angular and Vue Router readers (:mod:`.angularroutes`, :mod:`.vueroutes`) take their route records apart
with these; no parser of the language is needed for literal arrays of objects.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

# a guard that lets only visitors in: negated (!isAuth, !loggedIn) or named for guests
VISITORS_ONLY = re.compile(r"!\s*\w*(?:auth|logged|user|session)|no-?auth|guest|anonym|un-?auth|logged-?out|"
                            r"not-?(?:auth|logged)|public", re.I)


def code(text: str, start: int = 0) -> Iterator[tuple[int, str]]:
    """The offsets and characters of *text* from *start* that are code, not inside a string literal
    ('...', "...", `...`, with their escapes)."""
    i, quote = start, ""
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = ""
        elif c in "'\"`":
            quote = c
        else:
            yield i, c
        i += 1


def depths(text: str, start: int = 0) -> Iterator[tuple[int, str, int]]:
    """The offsets and characters of the code of *text* from *start* (:func:`code`), each with the depth
    of brackets once it is read (an opening bracket counts, a closing one no longer does)."""
    depth = 0
    for i, c in code(text, start):
        if c in "[{(":
            depth += 1
        elif c in "]})":
            depth -= 1
        yield i, c, depth


def bracketed(text: str, at: int) -> str:
    """The text between the bracket at *at* ("[" or "{") and the one that closes it, strings skipped."""
    for i, c, depth in depths(text, at):
        if c in "]})" and depth == 0:
            return text[at + 1:i]
    return text[at + 1:]


def objects(body: str) -> list[str]:
    """The route objects ``{...}`` at the top level of an array's text."""
    out: list[str] = []
    depth, start = 0, -1
    for i, c in code(body):
        if c in "[{(":
            if depth == 0 and c == "{":
                start = i
            depth += 1
        elif c in "]})":
            depth -= 1
            if depth == 0 and c == "}" and start >= 0:
                out.append(body[start + 1:i])
                start = -1
    return out


def top_level(route: str, keep_calls: bool = False) -> str:
    """*route*'s text with what its nested arrays and objects hold blanked out (their keys are not the
    route's own), strings kept, of the same length; with *keep_calls* the contents of parentheses are kept
    (an ``import()``)."""
    out = list(route)
    opening, closing = ("[{", "]}") if keep_calls else ("[{(", "]})")
    depth, start = 0, -1
    for i, c in code(route):
        if c in opening:
            if depth == 0:
                start = i
            depth += 1
        elif c in closing:
            depth -= 1
            if depth == 0 and start >= 0:
                # strings inside the nested brackets go too: a nested key is not the route's own
                out[start + 1:i] = " " * (i - start - 1)
                start = -1
    return "".join(out)
