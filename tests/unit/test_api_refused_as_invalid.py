"""An undocumented 400 to a request the document allows names the app's own words and why it is a finding.

The case behind it: tommywalkie/mecanojob-test (NestJS, a global ValidationPipe). Its login's body is
documented as ``{"email": string, "password": string}``, and class-validator's ``@IsEmail()`` is not in
the document: schemathesis's positive requests (``{"email": "", "password": ""}``) got 400, reported as
"Undocumented status code: Received: 400" and nothing more, which read as the test's fault. The answer
said which rule refused it.
"""

from __future__ import annotations

from pathlib import Path

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
