"""Where the api phase finds the app's OpenAPI document, and in which media types it takes it.

The cases behind it: encode/rest-framework-tutorial with drf-spectacular answers ``/schema/`` as
``application/vnd.oai.openapi`` (YAML) and ``?format=json`` as ``application/vnd.oai.openapi+json``, the
OpenAPI media types (drf-spectacular's renderers' defaults); the phase refused both as "not an OpenAPI
document". miguelgrinberg/microblog-api (APIFairy) serves its document at ``/apispec.json``, APIFairy's
``APIFAIRY_APISPEC_PATH`` default, which discovery did not try.
"""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler

import httpx
import pytest
from conftest import run_cli
from support import local_server

from echotune_ci.errors import InputError
from echotune_ci.phases.api.discover import _fetch, document_syntax

YAML_DOCUMENT = "openapi: 3.0.3\ninfo:\n  title: Snippets\n  version: 1.0.0\npaths:\n  /snippets/: {}\n"
JSON_DOCUMENT = {"openapi": "3.0.3", "info": {"title": "Snippets", "version": "1.0.0"},
                 "paths": {"/snippets/": {}}}
# path -> (media type, body)
ANSWERS = {
    "/schema/": ("application/vnd.oai.openapi; charset=utf-8", YAML_DOCUMENT),
    "/schema/?format=json": ("application/vnd.oai.openapi+json; charset=utf-8", json.dumps(JSON_DOCUMENT)),
    "/spec.yaml": ("application/openapi+yaml", YAML_DOCUMENT),
    "/page": ("text/html; charset=utf-8", "<!doctype html><title>app</title>"),
}


class _Spectacular(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        kind, text = ANSWERS.get(self.path, ("text/plain", "not found"))
        body = text.encode()
        self.send_response(200 if self.path in ANSWERS else 404)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture(scope="module")
def client():
    server = local_server.start(_Spectacular)
    try:
        with httpx.Client(base_url=local_server.url(server)) as http:
            yield http
    finally:
        local_server.stop(server)


@pytest.mark.parametrize("path", ["/schema/", "/schema/?format=json", "/spec.yaml"])
def test_the_openapi_media_types_and_structured_suffixes_are_documents(client, path):
    document = _fetch(client, path, configured=True)
    assert document is not None and document.data["info"]["title"] == "Snippets"
    assert document.data["paths"] == {"/snippets/": {}}


def test_a_page_is_still_no_document(client):
    assert _fetch(client, "/page", configured=False) is None
    with pytest.raises(InputError, match=r"/page: answered 200 \(text/html\), not an OpenAPI document"):
        _fetch(client, "/page", configured=True)


def test_media_types_give_the_syntax_to_parse():
    assert document_syntax("application/vnd.oai.openapi") == "yaml"
    assert document_syntax("application/vnd.oai.openapi+json") == "json"
    assert document_syntax("application/problem+json") == "json"
    assert document_syntax("application/x-yaml") == "yaml"
    assert document_syntax("text/html") is None
    assert document_syntax("") is None


class _Fairy(BaseHTTPRequestHandler):
    """APIFairy's app: the document at /apispec.json only, a 404 page elsewhere."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        found = self.path == "/apispec.json"
        body = json.dumps(JSON_DOCUMENT | {"paths": {}}).encode() if found else b"<h1>Not Found</h1>"
        self.send_response(200 if found else 404)
        self.send_header("Content-Type", "application/json" if found else "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


def test_apifairys_default_path_is_discovered(tmp_path, cli_env):
    (tmp_path / "echotune.toml").write_text("[api]\n")
    out = tmp_path / "api.json"
    server = local_server.start(_Fairy)
    try:
        base = local_server.url(server)
        done = run_cli("api", "--config", str(tmp_path / "echotune.toml"), "--url", base,
                       "--output", str(out), env=cli_env, timeout=60, cwd=tmp_path)
    finally:
        local_server.stop(server)
    result = json.loads(out.read_text())
    assert f"OpenAPI document: {base}/apispec.json" in result["notes"], done.stdout + done.stderr
    assert not [w for w in result["warnings"] if "no OpenAPI document found" in w]
