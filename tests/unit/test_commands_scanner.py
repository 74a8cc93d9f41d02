"""The one scanner of shell quotes and comments behind ``uncomment`` and ``segments``: bash's reading of
the same lines (a ``#`` starts a comment only at the start of a word, never inside quotes; separators
inside quotes or comments separate nothing)."""

from __future__ import annotations

import pytest

from echotune_ci.project.commands import segments, uncomment


@pytest.mark.parametrize(("line", "expected"), [
    ("gunicorn app:app # it's two workers\nnext 'x'", "gunicorn app:app \nnext 'x'"),
    ("echo 'a # b' \"c # d\" # e", "echo 'a # b' \"c # d\" "),
    ("a#b # c", "a#b "),
    ("# all of it", ""),
    ("x;# y", "x;"),
])
def test_uncomment(line, expected):
    assert uncomment(line) == expected


@pytest.mark.parametrize(("line", "expected"), [
    ("a # x && b\nc", ["a", "c"]),
    ("echo 'a;b' || c", ["echo 'a;b'", "c"]),
    ('echo "#x" ; y', ['echo "#x"', "y"]),
    ("a#b && c", ["a#b", "c"]),
    ("one\ntwo;;three", ["one", "two", "three"]),
    ("npm ci && npm run build # then && serve", ["npm ci", "npm run build"]),
    ("", []),
])
def test_segments(line, expected):
    assert segments(line) == expected
