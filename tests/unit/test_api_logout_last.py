"""An operation that ends the session (a logout) is tested after every other: first, it left them a
revoked token, and every generated request after it was refused (nuxt-auth-utils' DELETE
/api/_auth/session in the fourteenth round; Django's LogoutView, graphql-jwt's revokeToken)."""

from __future__ import annotations

import json
import secrets
import threading

import pytest
from support.api_fake import JsonApi, run_api

from echotune_ci.phases.api.contract import ends_session


@pytest.mark.parametrize(("label", "ends"), [
    ("POST /api/auth/logout", True), ("GET /accounts/logout/", True), ("POST /api/log-out", True),
    ("GET /users/sign_out", True), ("DELETE /api/_auth/session", True), ("DELETE /api/sessions/{id}", True),
    ("DELETE /api/tokens/{token}", True), ("Mutation.revokeToken", True),
    ("Mutation.deleteTokenCookie", True), ("Mutation.logout", True), ("Mutation.signOut", True),
    # a login, a session's own page, a user's deletion, a statistics route named after logouts
    ("POST /api/session", False), ("Mutation.tokenAuth", False), ("Query.session", False),
    ("DELETE /api/users/{id}", False), ("Mutation.deleteUser", False), ("GET /api/logout-stats", False),
])
def test_what_ends_a_session(label, ends) -> None:
    assert ends_session(label) is ends


_ME = {"type": "object", "properties": {"name": {"type": "string"}}}
DOCUMENT = {
    "openapi": "3.0.3", "info": {"title": "me", "version": "1"},
    # the logout comes first in the document, as schemathesis would take it
    "paths": {
        "/api/logout": {"post": {"responses": {"204": {"description": "logged out"},
                                               "401": {"description": "not logged in"}}}},
        "/api/me": {"get": {"responses": {"200": {"description": "me", "content": {
            "application/json": {"schema": _ME}}}, "401": {"description": "not logged in"}}}},
        "/api/login": {"post": {"requestBody": {"required": True, "content": {"application/json": {
            "schema": {"type": "object", "properties": {"password": {"type": "string"}}}}}},
            "responses": {"200": {"description": "token", "content": {"application/json": {"schema": {
                "type": "object", "properties": {"token": {"type": "string"}}}}}},
                "401": {"description": "wrong password"}}}},
    },
}


class _Revoking(JsonApi):
    """A token per login; POST /api/logout revokes the token it is sent with (server-side, as Django's
    session store or a token table does); GET /api/me answers 401 without a live token."""

    lock = threading.Lock()
    tokens: set[str] = set()
    tally: dict[str, int] = {}

    def _count(self, what: str) -> None:
        with self.lock:
            self.tally[what] = self.tally.get(what, 0) + 1

    def _token(self) -> str:
        return self.headers.get("Authorization", "").removeprefix("Bearer ")

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path == "/openapi.json":
            return self._send(200, DOCUMENT)
        if path == "/api/me":
            live = self._token() in self.tokens
            self._count("me ok" if live else "me refused")
            return self._send(200, {"name": "demo"}) if live else self._send(401, {"detail": "log in"})
        return self._send(404, {"detail": "no such page"})

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = self.path.split("?")[0]
        if path == "/api/login":
            try:
                right = json.loads(body or b"{}").get("password") == "demo-password"
            except (ValueError, AttributeError):
                right = False
            if not right:
                return self._send(401, {"detail": "wrong password"})
            token = secrets.token_hex(8)
            with self.lock:
                self.tokens.add(token)
            return self._send(200, {"token": token})
        if path == "/api/logout":
            with self.lock:
                live = self._token() in self.tokens
                self.tokens.discard(self._token())
            self._count("logout")
            if not live:
                return self._send(401, {"detail": "log in"})
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        return self._send(404, {"detail": "no such page"})


CONFIG = """
[api]
openapi = "/openapi.json"
max_examples = 5
max_time = "90s"
exclude = ["POST /api/login"]

[api.login]
path = "/api/login"
json = { password = "demo-password" }
token_field = "token"
"""


def test_the_logout_is_tested_after_the_operations_that_need_the_session(tmp_path, cli_env) -> None:
    _Revoking.tokens, _Revoking.tally = set(), {}
    _code, result, output = run_api(tmp_path, cli_env, CONFIG, _Revoking)
    assert result is not None, output
    tally = _Revoking.tally
    # the logout was tested, and every GET /api/me before it had the live session
    assert tally.get("logout", 0) >= 1 and tally.get("me ok", 0) >= 1, tally
    assert tally.get("me refused", 0) == 0, tally
