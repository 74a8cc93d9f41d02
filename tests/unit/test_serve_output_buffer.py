"""A process's output is kept bounded (an app printing without newlines once took 671 MB for 400 MB of
output), and what explains a failure survives the bound."""

from __future__ import annotations

import io
import tracemalloc

import pytest

from echotune_ci import masking
from echotune_ci.serve.output import (
    LINE_BYTES,
    TAIL_BYTES,
    TAIL_LINES,
    OutputBuffer,
    important_lines,
    read_into,
    summarise,
)

MB = 1 << 20


def test_output_without_newlines_is_split_and_bounded():
    buffer = OutputBuffer()
    tracemalloc.start()
    try:
        chunk = b"x" * 65536
        for _ in range(32 * MB // len(chunk)):
            buffer.feed(chunk)
        buffer.feed(b"\nError: the bundle is too large\n")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert buffer.received == 32 * MB + 32
    assert peak < 3 * MB, peak  # 32 MB went through
    lines = buffer.lines()
    assert all(len(line) <= LINE_BYTES for line in lines)
    assert len(lines) <= TAIL_LINES and sum(len(x) for x in lines) <= TAIL_BYTES
    assert buffer.count == 32 * MB // LINE_BYTES + 1  # the long line went in 4 KiB pieces
    assert important_lines(lines) == ["Error: the bundle is too large"]


def test_the_first_error_lines_survive_a_long_output_after_them():
    buffer = OutputBuffer()
    buffer.feed(b"npm error code ERESOLVE\nnpm error ERESOLVE unable to resolve dependency tree\n")
    for i in range(3000):
        buffer.feed(b"npm http fetch GET 200 https://registry.npmjs.org/pkg-%d 12ms\n" % i)
    buffer.feed(b"npm error A complete log of this run can be found in: /root/.npm/_logs/x.log")
    buffer.close()
    lines = buffer.lines()
    cause = ["npm error code ERESOLVE", "npm error ERESOLVE unable to resolve dependency tree"]
    assert lines[:3] == [*cause, "…"]
    assert len(lines) == TAIL_LINES + 3
    assert lines[-1] == "npm error A complete log of this run can be found in: /root/.npm/_logs/x.log"
    assert important_lines(lines) == cause  # where npm's log is says nothing of why


def test_a_traceback_at_the_end_is_shown_whole_and_an_unfinished_last_line_counts():
    buffer = OutputBuffer()
    for i in range(5000):
        buffer.feed(b"INFO request %d served\n" % i)
    buffer.feed(b"Traceback (most recent call last):\n  File \"app.py\", line 9, in <module>\n")
    buffer.feed(b"    connect()\nConnectionError: database unreachable")  # no newline: the process died
    assert important_lines(buffer.lines()) == [
        "Traceback (most recent call last):", '  File "app.py", line 9, in <module>', "    connect()",
        "ConnectionError: database unreachable",
    ]


def test_carriage_returns_end_lines_even_across_reads():
    buffer = OutputBuffer()
    for part in (b"downloading 10%\rdownloading 50%\r", b"\ndone\r\n", b"ready"):
        buffer.feed(part)
    buffer.close()
    assert buffer.lines() == ["downloading 10%", "downloading 50%", "done", "ready"]


def test_the_tail_is_bounded_in_bytes_too():
    buffer = OutputBuffer(max_lines=1000, max_bytes=10_000, line_bytes=100)
    for i in range(1000):
        buffer.feed(b"%05d " % i + b"y" * 94 + b"\n")
    lines = buffer.lines()
    assert len(lines) == 100 and lines[-1].startswith("00999 ") and lines[0].startswith("00900 ")


def test_read_into_reads_in_chunks_until_end_of_file():
    buffer = OutputBuffer()
    read_into(io.BufferedReader(io.BytesIO(b"a" * (3 * LINE_BYTES) + b"\nfatal: not a git repository")),
              buffer)
    assert buffer.count == 4
    assert summarise(buffer.lines()) == "; it printed: fatal: not a git repository"


TOKEN = "tok_4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c"  # pragma: allowlist secret - a test value


@pytest.fixture
def registered_token():
    masking.clear()
    masking.register(TOKEN)
    yield
    masking.clear()


@pytest.mark.parametrize("reads", [1, 7, 4096])
def test_a_secret_across_the_cut_of_a_long_line_is_never_shown_in_part(registered_token, reads):
    """A line longer than LINE_BYTES was kept as 4 KiB pieces, each then a line of its own: a token at
    byte 4080 of an app's log line (a request dump) was masked in neither piece, and the error quoted the
    second piece, which began with the token's last 26 characters (run by hand: "it printed: ... |
    7c6d5e4f3a2b1c0d9e8f7a6b5c"). Whatever size the reads are, a line is masked whole."""
    data = b"x" * (LINE_BYTES - 16) + b" token=" + TOKEN.encode() + b" end\n"
    buffer = OutputBuffer()
    for start in range(0, len(data), reads):
        buffer.feed(data[start:start + reads])
    buffer.close()
    shown = " ".join(important_lines(buffer.lines()))
    parts = {TOKEN[i:i + 8] for i in range(len(TOKEN) - 7)}
    assert not [p for p in parts if p in shown], shown


def test_a_line_whose_start_the_tail_has_dropped_is_not_shown_from_its_middle(registered_token):
    """A line longer than the whole tail loses its start: what is left of it begins anywhere, a secret's
    end included, so it is left out rather than quoted from the middle."""
    buffer = OutputBuffer(max_lines=1000, max_bytes=1000, line_bytes=100)
    buffer.feed(b"y" * 1450 + TOKEN.encode() + b"z" * 400 + b"\nError: the bundle is too large\n")
    assert buffer.lines() == ["Error: the bundle is too large"]
