"""An undocumented 400 to a request the document allows names the app's own words and why it is a finding;
a server error quotes the lines of the app's output that name an error.

The case behind it: tommywalkie/mecanojob-test (NestJS, a global ValidationPipe). Its login's body is
documented as ``{"email": string, "password": string}``, and class-validator's ``@IsEmail()`` is not in
the document: schemathesis's positive requests (``{"email": "", "password": ""}``) got 400, reported as
"Undocumented status code: Received: 400" and nothing more, which read as the test's fault. The answer
said which rule refused it.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from echotune_ci.phases.api.contract import refused_as_invalid
from support.api_fake import JsonApi, run_api

_BODY = {"type": "object", "required": ["email", "password"],
         "properties": {"email": {"type": "string"}, "password": {"type": "string"}}}
DOCUMENT = {
    "openapi": "3.0.0",
    "info": {"title": "bookings", "version": "1"},
    "paths": {"/api/auth/login": {"post": {
        "requestBody": {"required": True, "content": {"application/json": {"schema": _BODY}}},
        "responses": {"201": {"description": "a token", "content": {"application/json": {"schema": {
            "type": "object", "properties": {"token": {"type": "string"}}}}}}}}}},
}


class _Validated(JsonApi):
    """Answers as ValidationPipe does: 400 with class-validator's messages when email has no "@"."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self._send(200, DOCUMENT)

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        import json

        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        if "@" not in str(body.get("email", "")):
            return self._send(400, {"message": ["email must be an email"], "error": "Bad Request",
                                    "statusCode": 400})
        return self._send(201, {"token": "t"})


def test_an_undocumented_400_quotes_the_validation_message(tmp_path: Path, cli_env: dict[str, str]) -> None:
    code, result, output = run_api(tmp_path, cli_env, '[api]\nopenapi = "/docs-json"\nmax_examples = 5\n',
                                   _Validated)
    assert result is not None, output
    (found,) = [f for f in result["findings"] if f["rule_id"] == "api/undocumented-status"]
    assert found["message"].startswith("POST /api/auth/login (answered 400): Undocumented status code"), found
    assert ('the app said "email must be an email" (it refused as invalid a request its document allows: '
            "its validation has a rule the document does not state") in found["message"]
    assert code == 1, output


def test_what_the_app_said_is_read_from_the_usual_fields() -> None:
    # FastAPI's detail is a list of {"loc", "msg"}; a long message is cut; HTML is not quoted
    fastapi = refused_as_invalid(b'{"detail": [{"loc": ["body", "age"], "msg": "must be positive"}]}')
    assert fastapi.startswith('; the app said "must be positive" (it refused as invalid')
    long = refused_as_invalid(b'{"error": "' + b"x" * 200 + b'"}')
    assert f'"{"x" * 160}..."' in long
    assert refused_as_invalid(b"<html><body>Bad Request</body></html>").startswith(" (it refused as invalid")
    assert refused_as_invalid(b"Bad Request").startswith('; the app said "Bad Request" (')


def _app_source(on_get: str, status: str = "200") -> str:
    """A Python server on $PORT whose GET runs *on_get* (lines indented for the method body, printing what
    the app would log) and answers *status* (an expression) with no body; "/" answers, so it is ready."""
    return ("import os, sys\nfrom http.server import BaseHTTPRequestHandler, HTTPServer\n"
            "class H(BaseHTTPRequestHandler):\n"
            "    seen = 0\n"
            "    def do_GET(self):\n" + on_get +
            f"        self.send_response({status})\n"
            "        self.send_header('Content-Length', '0')\n        self.end_headers()\n"
            "    def log_message(self, *a):\n        pass\n"
            "print('listening', flush=True)\n"
            "HTTPServer(('127.0.0.1', int(os.environ['PORT'])), H).serve_forever()\n")


def _serving(tmp_path: Path, source: str):
    """The app of *source* (:func:`_app_source`), not started: a context manager."""
    import sys

    from echotune_ci.config.sections import ServeSettings
    from echotune_ci.serve.app import App

    (tmp_path / "app.py").write_text(source)
    return App(ServeSettings(command=f"{sys.executable} app.py", ready_url="http://127.0.0.1:{port}/",
                             timeout=20.0), tmp_path)


def _printed(app, text: str) -> None:
    """Wait (at most 10 s) until the app's output holds *text*."""
    deadline = time.monotonic() + 10
    while text not in app.output_tail() and time.monotonic() < deadline:
        time.sleep(0.05)


# A server that answers 500 on /api/bookings and prints why, as NestJS's ExceptionsHandler logs a TypeORM
# error (colours and all)
_FAILING = _app_source(
    "        failing = self.path.startswith('/api/bookings')\n"
    "        if failing:\n"
    "            H.seen += 1\n"
    "            print(f'\\x1b[31m[Nest] 41  - 12/03/2026, 4:16:{32 + H.seen} PM   ERROR\\x1b[39m '\n"
    "                  '[ExceptionsHandler] SqliteError: no such table: bookings',\n"
    "                  file=sys.stderr, flush=True)\n"
    "            print('    at Database.prepare (node_modules/better-sqlite3/lib/wrappers.js:5:21)',\n"
    "                  file=sys.stderr, flush=True)\n", status="500 if failing else 200")


def test_server_errors_quote_what_the_app_printed(tmp_path: Path) -> None:
    # mecanojob-test with NODE_ENV=production: every database route answered {"statusCode": 500, "message":
    # "Internal server error"}; only the app's output said "no such table"
    import urllib.error
    import urllib.request

    from echotune_ci.results.model import Finding, PhaseResult
    from echotune_ci.runner import server_errors_said

    api = PhaseResult(phase="api", status="fail", findings=[Finding(
        rule_id="api/server-error", severity="high", message="GET /api/bookings (answered 500)",
        source_tool="schemathesis")])
    load = PhaseResult(phase="load", status="pass", findings=[Finding(
        rule_id="load.request-failed", severity="medium", message="GET /x: 3 requests failed",
        source_tool="locust", properties={"error": "HTTP 404 (expected 200)"})])
    with _serving(tmp_path, _FAILING) as app:
        assert server_errors_said([api], app) == [api]  # it printed no error yet: nothing to quote
        for _ in range(2):  # logged at 4:16:33, then 4:16:34: one line says it
            with pytest.raises(urllib.error.HTTPError):
                urllib.request.urlopen(f"{app.base_url}/api/bookings", timeout=10)
        _printed(app, "4:16:34")
        said = server_errors_said([api, load], app)
    assert said[0].warnings == ["the app answered with server errors (5xx); its output named: [Nest] 41  - "
                                "12/03/2026, 4:16:33 PM   ERROR [ExceptionsHandler] SqliteError: no such "
                                "table: bookings"]
    assert said[1] == load  # a 404 is no server error of the app's


_RAISING_HANDLER = _app_source(
    "        if self.path == '/socket.io/':  # what python-socketio logs of a handler that raised\n"
    "            print('Traceback (most recent call last):', file=sys.stderr)\n"
    "            print('  File \"chat/events.py\", line 21, in text', file=sys.stderr)\n"
    "            print(\"TypeError: unsupported operand type(s) for +: 'NoneType' and 'str'\",\n"
    "                  file=sys.stderr, flush=True)\n")


def test_failed_real_time_messages_quote_what_the_app_printed(tmp_path: Path) -> None:
    # Flask-SocketIO-Chat at 9d83bb5: its `text` handler raised TypeError for a client without a session
    # name, so half the messages were never acknowledged, and the run said only "no acknowledgement
    # within 5s"; the cause was in the app's output
    import urllib.request

    from echotune_ci.results.model import Metric, PhaseResult
    from echotune_ci.runner import server_errors_said

    failed = PhaseResult(phase="load", status="fail", metrics=[Metric("realtime_error_rate_pct", 50.0, "%")])
    clean = PhaseResult(phase="load", status="pass", metrics=[Metric("realtime_error_rate_pct", 0.0, "%")])
    with _serving(tmp_path, _RAISING_HANDLER) as app:
        urllib.request.urlopen(f"{app.base_url}/socket.io/", timeout=10).read()
        _printed(app, "TypeError")
        said = server_errors_said([failed], app)
        assert server_errors_said([clean], app) == [clean]
    [warning] = said[0].warnings
    assert warning.startswith("real-time messages failed; the app's output named: ")
    assert "TypeError: unsupported operand type(s) for +: 'NoneType' and 'str'" in warning
