"""An app that ignores the port it was given is named at once, not after [serve] timeout.

SecurityPal/demo-todo-app before it read PORT (`const PORT = 3001`) as the base of `run --base-ref
HEAD~1`: the base printed "Server running on http://localhost:3001" and `run` waited the whole 120 s
timeout for the port it had given it, then said "did not answer within 120s (last: ConnectError)".
"""

from __future__ import annotations

import sys
import textwrap
import time
from pathlib import Path

import pytest

from echotune_ci.config.sections import ServeSettings
from echotune_ci.errors import RunError
from echotune_ci.serve import App, app as app_module
from echotune_ci.serve.app import free_port


def listener(folder: Path, *ports_and_delays: tuple[str, float]) -> str:
    """A command whose Python process listens on each (port expression, delay) in turn, then sleeps."""
    script = folder / "listen.py"
    script.write_text(textwrap.dedent("""
        import os, socket, sys, time
        held = []
        for port, delay in PLAN:
            time.sleep(delay)
            s = socket.socket(); s.bind(("127.0.0.1", int(eval(port)))); s.listen(); held.append(s)
            print(f"Server running on http://localhost:{eval(port)}", flush=True)
        time.sleep(60)
    """).replace("PLAN", repr(list(ports_and_delays))))
    return f"{sys.executable} {script}"


def test_an_app_listening_on_its_own_fixed_port_is_named_within_the_grace(tmp_path, monkeypatch):
    monkeypatch.setattr(app_module, "ELSEWHERE_GRACE_S", 1.5)
    fixed = free_port()
    spec = ServeSettings(command=listener(tmp_path, (str(fixed), 0.0)), ready_url="http://127.0.0.1:{port}/api/todos",
                         timeout=60)
    app = App(spec, tmp_path)
    started = time.monotonic()
    with pytest.raises(RunError) as err:
        app.start()
    assert time.monotonic() - started < 10
    assert str(err.value).startswith(
        f"{app.ready_url} did not answer: the app listens on port {fixed} instead (it was given port "
        f"{app.port} in PORT; make it take its port from PORT, or set [serve] port = {fixed} if it always "
        f"listens there)")
    assert f"Server running on http://localhost:{fixed}" in str(err.value)
    assert app.proc is None  # stopped


def test_an_extra_port_opened_before_the_given_one_is_no_error(tmp_path, monkeypatch):
    # A metrics or debug port that comes up first; the server takes PORT 1.5 s later (within the grace).
    # It then accepts connections but answers no HTTP, so the wait ends at the timeout, not "elsewhere".
    monkeypatch.setattr(app_module, "ELSEWHERE_GRACE_S", 3.0)
    spec = ServeSettings(command=listener(tmp_path, (str(free_port()), 0.0), ("os.environ['PORT']", 1.5)),
                         ready_url="http://127.0.0.1:{port}/", timeout=6)
    with pytest.raises(RunError) as err:
        App(spec, tmp_path).start()
    assert "listens on port" not in str(err.value)
    assert "did not answer within 6s" in str(err.value)
