"""`run` with an app that exits on one generated GraphQL request (as Apollo's fullstack tutorial exits on an
unawaited rejection in ``cancelTrip``): the request is a high api/app-crash finding that the run keeps
beside the app's exit, and the gate fails (exit 1), where the phase used to be only "could not run" (exit 3).

The app is tests/support/graphql_fake.py in its own process under `run`'s [serve] command, with ``crash``
and ``crash_exits``: ``addTrack`` makes it exit with code 1 before answering.
"""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

from conftest import run_cli

APP = """
import os, sys
sys.path.insert(0, {tests!r})
from http.server import ThreadingHTTPServer
from support.graphql_fake import GraphQLApi

class Api(GraphQLApi):
    fields = {{}}
    crash = True
    crash_exits = True

    def do_GET(self):
        self._send(200, {{"status": "ok"}})

ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Api).serve_forever()
"""


def test_the_request_the_app_exits_on_is_a_finding_and_fails_the_gate(tmp_path: Path, cli_env):
    (tmp_path / "app.py").write_text(APP.format(tests=str(Path(__file__).resolve().parents[1])))
    cfg = tmp_path / "echotune.toml"
    cfg.write_text(textwrap.dedent(f"""
        [serve]
        command = "{sys.executable} app.py"
        ready_url = "http://127.0.0.1:{{port}}/health"
        timeout = "30s"

        [run]
        phases = ["api"]

        [budgets]
        api_p95_ms = 5000

        [api]
        graphql = "/graphql"
        max_examples = 5
        max_time = "60s"
        """))
    out = tmp_path / "out"
    done = run_cli("run", "--config", str(cfg), "--output-dir", str(out), env=cli_env, timeout=180)
    assert done.returncode == 1, done.stdout + done.stderr
    result = json.loads((out / "api.json").read_text())
    assert result["status"] == "error"
    [crash] = result["findings"]
    assert (crash["rule_id"], crash["severity"]) == ("api/app-crash", "high")
    assert crash["properties"]["operation"] == "Mutation.addTrack"
    assert "addTrack(" in crash["properties"]["curl"]
    first = result["errors"][0]
    assert first.startswith("the app (pid ") and "exited with code 1 during the api phase" in first
    said = "Mutation.addTrack: the request failed (ConnectionError)"
    assert any(e.startswith(said) for e in result["errors"])
    assert "api/app-crash" in (out / "report" / "comment.md").read_text()
