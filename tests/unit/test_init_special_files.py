"""init reads a project's files; one that is no regular file must neither hang nor exhaust it.

A named pipe among a checkout's sources (a dev server's control fifo, a test fixture) made every open()
wait for a writer: init on a Nuxt app with server/api/fifo.get.ts hung in the port reader. A link to
/dev/zero never ends; the readers that read a whole file would take all memory.
"""

from __future__ import annotations

import json
import os
import threading
import tomllib

from echotune_ci.project.files import read_text
from echotune_ci.project.init import init_project

REF = "0123456789abcdef0123456789abcdef01234567"


def _in_thread(fn, timeout: float = 60.0):
    """fn()'s value, or AssertionError when it has not returned within *timeout* s (a hang)."""
    out: list = []
    worker = threading.Thread(target=lambda: out.append(fn()), daemon=True)
    worker.start()
    worker.join(timeout)
    assert out, f"{fn} did not return within {timeout} s"
    return out[0]


def test_a_pipe_and_a_device_read_as_nothing(tmp_path) -> None:
    os.mkfifo(tmp_path / "pipe.ts")
    (tmp_path / "zero.ts").symlink_to("/dev/zero")
    (tmp_path / "plain.ts").write_text("export const port = 3000\n")
    assert _in_thread(lambda: read_text(tmp_path / "pipe.ts"), 10) == ""
    assert _in_thread(lambda: read_text(tmp_path / "zero.ts"), 10) == ""
    assert read_text(tmp_path / "plain.ts") == "export const port = 3000\n"
    assert read_text(tmp_path / "missing.ts") == ""


def test_init_on_sources_with_a_pipe_and_a_device_link_writes_its_config(tmp_path) -> None:
    root = tmp_path / "app"
    (root / "server/api").mkdir(parents=True)
    (root / "package.json").write_text(json.dumps({
        "name": "n", "scripts": {"build": "nuxt build", "start": "node .output/server/index.mjs"},
        "dependencies": {"nuxt": "^3.14.0"}}))
    (root / "package-lock.json").write_text("{}")
    (root / "server/api/tracks.get.ts").write_text("export default defineEventHandler(() => [])\n")
    os.mkfifo(root / "server/api/fifo.get.ts")
    (root / "server/api/zero.get.ts").symlink_to("/dev/zero")
    (root / "server/index.js").symlink_to("/dev/zero")
    os.mkfifo(root / "server.js")

    _in_thread(lambda: init_project(root, ref=REF), 120)
    text = (root / "echotune.toml").read_text()
    # the one real route file is still read (a suggestion); the pipe and the link add none
    assert '# [[load.endpoints]]  # server/api/tracks.get.ts:1\n# path = "/api/tracks"' in text
    assert "fifo" not in text and "zero" not in text
    assert tomllib.loads(text)["load"]["endpoints"] == [{"path": "/"}]
