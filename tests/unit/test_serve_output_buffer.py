"""A process's output is kept bounded (an app printing without newlines once took 671 MB for 400 MB of
output), and what explains a failure survives the bound."""

from __future__ import annotations

import io
import tracemalloc

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
