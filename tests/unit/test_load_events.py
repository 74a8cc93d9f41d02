"""Events a locust process reports while it runs reach the phase whole, once, in order."""

from __future__ import annotations

import subprocess
import sys

from echotune_ci.phases.load.runner import Child, Job, _new_events


def _child(tmp_path) -> Child:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return Child(Job("local", {}), proc, tmp_path / "out.json", tmp_path / "log", tmp_path / "events.jsonl")


def test_lines_are_read_once_and_a_half_written_line_waits(tmp_path):
    child = _child(tmp_path)
    assert _new_events(child) == []  # the process has not written the file yet
    child.events.write_bytes(b'{"event": "spawned", "label": "warm-up"}\n{"event": "spa')
    assert _new_events(child) == [{"event": "spawned", "label": "warm-up"}]
    with child.events.open("ab") as fh:
        fh.write(b'wned", "label": "head"}\n')
    assert _new_events(child) == [{"event": "spawned", "label": "head"}]
    assert _new_events(child) == []


def test_lines_that_are_not_json_objects_are_left_out(tmp_path):
    child = _child(tmp_path)
    child.events.write_bytes(b'not json\n[1, 2]\n{"event": "spawned", "label": "head"}\n')
    assert _new_events(child) == [{"event": "spawned", "label": "head"}]
