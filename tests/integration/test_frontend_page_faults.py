"""One page's fault costs that page only: a page whose own script breaks the measurement, or that hangs,
is named with the reason and reported without values; the other pages are still measured (real
Chromium against a local server)."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler

import pytest
from conftest import run_cli
from support import local_server

pytestmark = pytest.mark.slow

GOOD = b"""<!doctype html><html lang="en"><head><title>Fine</title></head>
<body><main><h1>A fine page</h1><p>Measured as usual.</p></main></body></html>"""
# The page's own script replaces what the measuring probe collects with something of another shape
# (as a page that reuses a global name might): reading it raised, and the whole phase was lost.
CLOBBERS_PROBE = b"""<!doctype html><html lang="en"><head><title>Clobbers</title></head>
<body><main><h1>Clobbers the probe</h1></main>
<script>window.__echotune.shifts = [["a moment", "a lot"]];</script></body></html>"""


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server API)
        if self.path == "/hangs":
            self.rfile.read(1)  # never answers: the client gives up first
            return
        if self.path == "/api":  # an Express API's `app.get("/", (req, res) => res.json({message: ...}))`
            self._send(200, b'{"message": "Welcome."}', "application/json; charset=utf-8")
            return
        body = {"/good": GOOD, "/clobbers": CLOBBERS_PROBE}.get(self.path)
        status = 200 if body is not None else 404
        self._send(status, body or b"<!doctype html><title>Not found</title><p>No such page.</p>",
                   "text/html; charset=utf-8")

    def _send(self, status: int, body: bytes, media: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", media)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture()
def site():
    server = local_server.start(Handler)
    yield local_server.url(server)
    local_server.stop(server)


def _run(tmp_path, cli_env, *urls: str):
    (tmp_path / "echotune.toml").write_text('[frontend]\nnavigation_timeout = "2s"\n')
    out = tmp_path / "results" / "frontend.json"
    proc = run_cli("frontend", *urls, "--runs", "1", "--output", str(out), env=cli_env, cwd=tmp_path)
    assert "Traceback" not in proc.stderr
    return proc, json.loads(out.read_text())


def _metric(data: dict, name: str, url: str) -> dict | None:
    return next((m for m in data["metrics"] if m["name"] == name and m["labels"].get("url") == url), None)


def test_a_page_whose_script_breaks_the_measurement_costs_that_page_only(site, tmp_path, cli_env):
    broken, good = f"{site}/clobbers", f"{site}/good"
    proc, data = _run(tmp_path, cli_env, broken, good)
    assert proc.returncode == 3, proc.stdout + proc.stderr  # a page could not be measured
    assert data["status"] == "error"
    [error] = [e for e in data["errors"] if e.startswith(broken)]
    assert "could not be measured" in error and "ValueError" in error
    assert _metric(data, "lcp_ms", good)["value"] > 0
    assert _metric(data, "accessibility_score", good)["value"] == 100
    # The broken page's budgets are reported, without values, rather than left out.
    fcp = _metric(data, "fcp_ms", broken)
    assert fcp is not None and fcp["value"] is None and fcp["status"] == "error"
    assert "not measured" in fcp["description"]


def test_a_page_that_hangs_or_is_missing_leaves_the_other_measured(site, tmp_path, cli_env):
    hangs, missing, good = f"{site}/hangs", f"{site}/missing", f"{site}/good"
    proc, data = _run(tmp_path, cli_env, hangs, missing, good)
    # a page could not be measured (an error) and the missing one fails: a failure wins (exit 1)
    assert proc.returncode == 1 and data["status"] == "error", proc.stdout + proc.stderr
    assert f"{hangs}: no response within 2s (navigation timeout)" in data["errors"]
    assert _metric(data, "lcp_ms", hangs)["value"] is None
    assert _metric(data, "http_status", missing)["value"] == 404
    assert _metric(data, "http_status", missing)["status"] == "fail"
    assert _metric(data, "lcp_ms", good)["value"] > 0


def test_an_api_answer_is_not_audited_as_a_page(site, tmp_path, cli_env):
    # bezkoder/node-express-sequelize-postgresql: "/" answers JSON; Chromium showed it in its JSON viewer,
    # whose markup failed accessibility_score 50 (document-title, html-has-lang) as if it were the app's page
    api, good = f"{site}/api", f"{site}/good"
    proc, data = _run(tmp_path, cli_env, api, good)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert [w for w in data["warnings"] if w.startswith(api)] == [
        f"{api} answers application/json, not an HTML page: not audited (an API's answer shows in the "
        "browser's own viewer, whose accessibility and timings are no page of the app's); list pages of the "
        "app in [[frontend.pages]], or leave the frontend phase out of [run] phases"]
    assert _metric(data, "accessibility_score", api) is None and _metric(data, "lcp_ms", api) is None
    assert _metric(data, "accessibility_score", good)["value"] == 100
