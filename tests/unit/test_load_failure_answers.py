"""A failed load request says what the app answered, once per kind of failure.

The case behind it: a Koa API's health check (koa-vue-pet-1) answered 13 % of the load test's requests
with 503 and a body naming the check that failed (``{"status": "unhealthy", "checks": {..., "cache":
false}}``), and the finding said only ``HTTP 503 (expected 200)``. The first answer of each kind is now
quoted; the kind (and the finding's fingerprint) still comes from the message alone, since bodies carry
request ids and times, and a token the app echoes is masked like the app's other secrets.
"""

from __future__ import annotations

import json
import secrets
import uuid

import pytest
from support import local_server
from support.api_fake import JsonApi
from support.load_support import load, write_config

TOKEN = "tok-" + secrets.token_hex(16)  # not a JWT: only the worker's masking can hide it


class _Unhealthy(JsonApi):
    """POST /login gives TOKEN; GET /api/health answers 503 naming the failed check, with a fresh request
    id and a field named like a secret; GET /api/me answers 500 in plain text quoting the token sent."""

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self._send(200, {"access_token": TOKEN})

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        if self.path == "/api/health":
            self._send(503, {"status": "unhealthy", "checks": {"database": True, "cache": False},
                             "request_id": str(uuid.uuid4()), "session_key": "sk-" + uuid.uuid4().hex})
            return
        if self.path == "/admin/":
            # the shape of Django's 403 page (django/views/csrf.py): the words are in the body, after a
            # head of meta tags and styles
            body = (b'<!DOCTYPE html>\n<html lang="en">\n<head>\n  <meta http-equiv="content-type" '
                    b'content="text/html; charset=utf-8">\n  <meta name="robots" content="NONE,NOARCHIVE">\n'
                    b"  <title>403 Forbidden</title>\n  <style>html * { padding:0; margin:0; }</style>\n"
                    b'</head>\n<body>\n<div id="summary">\n  <h1>Forbidden <span>(403)</span></h1>\n'
                    b"  <p>CSRF verification failed. Request aborted.</p>\n</div>\n</body>\n</html>\n")
            self.send_response(403)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        sent = self.headers.get("Authorization", "- none").split()[-1]
        body = f"token {sent} is no good\n\n  try again".encode()
        self.send_response(500)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def unhealthy():
    server = local_server.start(_Unhealthy)
    yield local_server.url(server)
    local_server.stop(server)


@pytest.mark.parametrize("user_class", ["fast", "http"])
def test_the_first_answer_of_each_kind_of_failure_is_quoted_with_its_secrets_masked(
        tmp_path, load_env, unhealthy, user_class):
    # 3 s: in 1 s on a machine at load average 7, /api/health was asked once, and one answer shows nothing
    # of how answers that differ (their request ids) are one kind
    write_config(tmp_path, f'[load]\nusers = 2\nspawn_rate = 10\nduration = "3s"\nwait_min = "0.02s"\n'
                           f'wait_max = "0.05s"\nuser_class = "{user_class}"\n'
                           '[load.login]\npath = "/login"\njson = { username = "u", password = "p-word-1" }\n'
                           '[[load.endpoints]]\npath = "/api/health"\n[[load.endpoints]]\npath = "/api/me"\n'
                           '[[load.endpoints]]\npath = "/admin/"\n')
    proc, result = load(load_env, tmp_path, "--host", unhealthy)
    assert result is not None, proc.stdout + proc.stderr
    found = {f.properties["endpoint"]: f for f in result.findings if f.rule_id == "load.request-failed"}
    messages = [f.message for f in result.findings]
    assert set(found) == {"GET /api/health", "GET /api/me", "GET /admin/"}, messages
    health = found["GET /api/health"]
    # one kind for all of them, whatever request id each answer carried
    assert health.properties["error"] == "CatchResponseError('HTTP 503 (expected 200)')"
    assert health.properties["occurrences"] >= 2
    answer = health.properties["answer"]
    assert answer.startswith('{"status":"unhealthy","checks":{"database":true,"cache":false},"request_id":"')
    assert answer.endswith(',"session_key":"***"}')
    assert health.message.endswith(f"failed with CatchResponseError('HTTP 503 (expected 200)'); the first "
                                   f"answered: {answer}")
    # the token the app echoed is masked in the worker that logged in with it; whitespace runs are one space
    assert found["GET /api/me"].properties["answer"] == "token *** is no good try again"
    # a page is quoted by its words, not its head's markup
    page = found["GET /admin/"].properties["answer"]
    assert page == "Forbidden (403) CSRF verification failed. Request aborted."
    written = (tmp_path / "results" / "load.json").read_text()
    assert TOKEN not in written and TOKEN not in proc.stdout + proc.stderr
    assert json.loads(written)["findings"]  # the answers are in the file the gate and reports read
