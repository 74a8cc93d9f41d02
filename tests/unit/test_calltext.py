"""Calls read as text (project/calltext.py): one reader for the OpenAPI, Nest and process.env readers.

The splitter used to exist twice: the OpenAPI reader's nested ``{}`` and the process.env one's did not,
so ``fn({a: 1, b: 2}, 'x')`` was three arguments to one and two to the other.
"""

from __future__ import annotations

import pytest

from echotune_ci.project.calltext import call_arguments, call_text, split_top_level, url_join


@pytest.mark.parametrize(("items", "parts"), [
    ("a, fn(b, c), {d: 1, e: 2}, 'f,g'", ["a", " fn(b, c)", " {d: 1, e: 2}", " 'f,g'"]),
    ("`x,${y}`, [1, 2]", ["`x,${y}`", " [1, 2]"]),
    (r"'it\'s, quoted', b", [r"'it\'s, quoted'", " b"]),
    ("", [""]),
    ("PORT = 3000, HOST: host = 'localhost'", ["PORT = 3000", " HOST: host = 'localhost'"]),
])
def test_split_at_top_level_commas_only(items, parts):
    assert split_top_level(items) == parts


def test_a_call_ends_at_its_matching_parenthesis():
    text = "app.setGlobalPrefix('api', { exclude: [fn('x')] }); other(1)"
    start = text.index("(")
    assert call_text(text, start) == "('api', { exclude: [fn('x')] })"
    assert call_arguments(call_text(text, start)) == ["'api'", " { exclude: [fn('x')] }"]
    unclosed = "f(" + "a" * 6000
    assert call_text(unclosed, 1) == unclosed[1:5001]


@pytest.mark.parametrize(("parts", "joined"), [
    (("/api/", "v1", ""), "/api/v1"), (("", "/"), "/"), ((), "/"), (("docs", "json"), "/docs/json"),
])
def test_url_pieces_join_with_single_slashes(parts, joined):
    assert url_join(*parts) == joined
