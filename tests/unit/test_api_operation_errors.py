"""One operation schemathesis cannot test costs that operation only, never the others' results.

The case behind it: testdrivenio/fastapi-crud-async (FastAPI 0.87 on pydantic 1) writes
``"exclusiveMinimum": 0.0`` (draft 6) into an OpenAPI 3.0 document, where it must be a boolean beside
``minimum``. schemathesis rejects the definition while generating that operation's requests
(RejectedSchemaDefinition, '"minimum" is a required property'); the phase ended as "internal error" and
the other operations' results were lost. schemathesis's own runner reports such an operation as an
error and goes on: so does the phase, with a warning naming the operation and the reason.
"""

from __future__ import annotations

import time

from support.api_fake import JsonApi, run_api

_NOTE = {"type": "object", "required": ["title"], "properties": {"title": {"type": "string"}}}
_OK = {"200": {"description": "a note", "content": {"application/json": {"schema": _NOTE}}}}
DOCUMENT = {
    "openapi": "3.0.2",
    "info": {"title": "notes", "version": "1"},
    "paths": {
        # pydantic 1's Field(..., gt=0) as FastAPI 0.87 wrote it: draft 6, not OpenAPI 3.0
        "/notes/{id}/": {"get": {"parameters": [{"name": "id", "in": "path", "required": True, "schema": {
            "type": "integer", "exclusiveMinimum": 0.0, "title": "Id"}}], "responses": _OK}},
        "/slow": {"get": {"responses": _OK}},
        "/ping": {"get": {"responses": _OK}},
    },
}


class _Notes(JsonApi):
    """The document, a note for any other path; ``/slow`` answers after a second."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        if self.path.startswith("/slow"):
            time.sleep(1.0)
        self._send(200, DOCUMENT if self.path == "/openapi.json" else {"title": "a note"})


def test_an_operation_schemathesis_rejects_or_that_times_out_is_named_and_the_others_are_tested(
        tmp_path, cli_env):
    code, result, output = run_api(tmp_path, cli_env, '[api]\nmax_examples = 3\nrequest_timeout = "0.3s"\n',
                                   _Notes)
    assert "Traceback" not in output and "internal error" not in output, output
    assert result is not None, output
    assert result["errors"] == [] and result["findings"] == [], output
    timed = {m["labels"]["operation"]: m for m in result["metrics"] if m["name"] == "p95_ms"}
    assert timed["GET /ping"]["status"] == "pass" and len(timed["GET /ping"]["samples"]) >= 5
    untested = [w for w in result["warnings"] if "could not be tested" in w]
    assert len(untested) == 2, result["warnings"]
    rejected, slow = sorted(untested)
    assert "GET /notes/{id}/: RejectedSchemaDefinition" in rejected
    assert '"minimum" is a required property' in rejected
    assert "GET /slow: the request failed (ReadTimeout, request_timeout 0.3s)" in slow
    assert code == 0, output
