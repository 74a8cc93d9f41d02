"""A login token that runs out before the contract test ends is renewed by logging in again.

The case behind it: j10ra/fastify-drizzle-postgres signs its access token with fast-jwt's ``expiresIn:
'5000'``, which is 5000 ms: the contract test logged in once, its requests after five seconds were all
refused (401), and the warning read "the app refuses these to the account: a permission it lacks, not a
login that failed". By hand: the token got 200 from ``GET /api/v1/user/all`` at once and 401 six seconds
later. The fake app below issues tokens the same way (whole-second ``iat`` and ``exp``, 4 s apart) and
refuses an expired one.
"""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from echotune_ci.phases.load.settings import renew_after, token_life
from support.api_fake import JsonApi, run_api

LIFE = 4
_Q = [{"name": "page", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1}}]
_OK = {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}}
DOCUMENT = {
    "openapi": "3.0.0", "info": {"title": "users", "version": "1"},
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearer": []}],
    "paths": {"/api/users": {"get": {"parameters": _Q, "responses": _OK}},
              "/api/posts": {"get": {"parameters": _Q, "responses": _OK}}},
}


def _part(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def jwt(issued: int, life: int = LIFE) -> str:
    claims = {"sub": "1", "iat": issued, "exp": issued + life}
    return f"{_part({'alg': 'HS256', 'typ': 'JWT'})}.{_part(claims)}.c2ln"


class _ShortLived(JsonApi):
    """Tokens that last LIFE seconds; each request takes 0.12 s, so the test outlasts one token."""

    logins = 0
    life, pause = LIFE, 0.12

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        if self.path == "/docs/json":
            return self._send(200, DOCUMENT)
        time.sleep(self.pause)
        token = self.headers.get("Authorization", "").removeprefix("Bearer ")
        try:
            claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
        except (IndexError, ValueError):
            return self._send(401, {"message": "Unauthorized"})
        if claims["exp"] <= time.time():
            return self._send(401, {"message": "Unauthorized"})
        return self._send(200, {"page": parse_qs(urlsplit(self.path).query).get("page", ["1"])[0]})

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).logins += 1
        self._send(200, {"payload": {"accessToken": jwt(int(time.time()), self.life)}})


CONFIG = """
[api]
openapi = "/docs/json"
max_examples = 20
max_time = "20s"
p95_ms = 5000  # each answer takes 0.12 s on purpose: no budget of this test's

[api.login]
path = "/api/auth/login"
json = { username = "demo@example.com", password = "change-me" }
token_field = "payload.accessToken"
"""


def test_a_token_that_runs_out_is_renewed_and_no_answer_is_refused(tmp_path: Path,
                                                                   cli_env: dict[str, str]) -> None:
    _ShortLived.logins = 0
    code, result, output = run_api(tmp_path, cli_env, CONFIG, _ShortLived)
    assert result is not None, output
    times = {m["labels"]["operation"]: m for m in result["metrics"] if m["name"] == "p95_ms"}
    # 40 requests of 0.12 s outlast a 4-s token: before, the second operation's were all refused
    assert set(times) == {"GET /api/users", "GET /api/posts"}
    assert all(m["value"] is not None for m in times.values()), result["warnings"]
    assert not any("refused" in w for w in result["warnings"]), result["warnings"]
    assert "contract: 40 generated requests over 2 operations (at most 20 each, 20s in all)" \
        in result["notes"]
    (said,) = [n for n in result["notes"] if "the login's token lasts" in n]
    logged = _ShortLived.logins - 1
    assert logged >= 1
    assert said == (f"contract: the login's token lasts 4s (its JSON Web Token's exp), less than the test: "
                    f"logged in again {logged} time(s) as it ran out")
    assert code == 0, output


class _LongerThanTheTest(_ShortLived):
    """A 20-s token, shorter than the time cap (25 s) but longer than a test of quick answers."""

    life, pause = 20, 0.0


def test_a_test_that_ends_before_its_token_is_due_says_nothing_of_it(tmp_path: Path,
                                                                    cli_env: dict[str, str]) -> None:
    # the planted pair's last run: "lasts 5s ..., less than the test: logged in again 0 time(s)"
    _LongerThanTheTest.logins = 0
    code, result, output = run_api(tmp_path, cli_env, CONFIG, _LongerThanTheTest)
    assert result is not None, output
    assert _LongerThanTheTest.logins == 1
    assert not any("token lasts" in n for n in result["notes"]), result["notes"]
    assert code == 0, output


def test_how_long_a_token_lasts_is_read_from_its_claims() -> None:
    assert token_life({"Authorization": f"Bearer {jwt(1_700_000_000)}"}) == LIFE
    # a session's Cookie header holding one (react-fastify-starter's accessToken cookie, 15 minutes)
    assert token_life({"Cookie": f"accessToken={jwt(1_700_000_000, 900)}; refreshToken=x"}) == 900
    assert token_life({"Authorization": "Bearer 3f1c0a"}) is None  # an opaque token: nothing to read
    assert token_life({"Authorization": f"Bearer {_part({'alg': 'none'})}.{_part({'sub': 1})}.x"}) is None
    # fast-jwt's 5-s token (whole-second iat and exp) lasts 4.01 s when issued at x.99: renewed after 3 s
    assert renew_after(5) == 3.0 and renew_after(900) == 720.0 and renew_after(2) == 1.0


def test_the_load_tests_users_renew_their_token_too(tmp_path: Path, load_env: dict[str, str]) -> None:
    # each load-test user logged in once at its start: a 4-s token left every later request refused
    from support import local_server
    from support.load_support import endpoint, load, write_config

    _ShortLived.logins = 0
    write_config(tmp_path, '[load]\nusers = 2\nspawn_rate = 10\nduration = "7s"\nwait_min = "0.05s"\n'
                           'wait_max = "0.1s"\n[load.login]\npath = "/api/auth/login"\n'
                           'json = { username = "demo@example.com", password = "change-me" }\n'
                           'token_field = "payload.accessToken"\n[[load.endpoints]]\npath = "/api/users"\n')
    server = local_server.start(_ShortLived)
    try:
        proc, result = load(load_env, tmp_path, "--host", local_server.url(server))
    finally:
        local_server.stop(server)
    assert result is not None, proc.stdout + proc.stderr
    assert endpoint(result, "error_rate_pct", "GET /api/users").value == 0
    assert _ShortLived.logins >= 4  # 2 users, each at its start and again before its token ran out


_PUBLIC = {"openapi": "3.0.0", "info": {"title": "users", "version": "1"},
           "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
           "security": [{"bearer": []}],  # global, as the Swagger 2 of fastify-drizzle-postgres says it
           "paths": {"/api/users": {"get": {"parameters": _Q, "responses": _OK}},
                     "/api/ping": {"get": {"responses": _OK}}}}


class _WrongScheme(JsonApi):
    """Reads `Authorization: Token <t>`: the Bearer the config sends is refused on /api/users, while
    /api/ping answers anyone."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        if self.path == "/docs/json":
            return self._send(200, _PUBLIC)
        if self.path.startswith("/api/ping"):
            return self._send(200, {"pong": True})
        if not self.headers.get("Authorization", "").startswith("Token "):
            return self._send(401, {"message": "Unauthorized"})
        return self._send(200, {"users": []})

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._send(200, {"payload": {"accessToken": "opaque-token"}})


def test_a_public_route_the_document_secures_is_no_sign_that_the_login_worked(
        tmp_path: Path, cli_env: dict[str, str]) -> None:
    # the document's global security covers /api/ping, which answers anyone: its answers said "the app
    # refuses these to the account: a permission it lacks, not a login that failed" of a wrong scheme
    code, result, output = run_api(tmp_path, cli_env, CONFIG, _WrongScheme)
    assert result is not None, output
    (said,) = [w for w in result["warnings"] if "every answer was refused" in w]
    assert said.startswith("api: GET /api/users: every answer was refused (401/403)")
    assert said.endswith("the login's token was sent in Authorization and refused: check [api.login] (or "
                         "[load.login]) header, scheme and account"), said


def test_a_token_whose_claims_are_no_usable_time_is_not_renewed() -> None:
    """An app's token whose ``exp`` or ``iat`` is past what a float holds (a 400-digit number: JSON allows
    it) was an OverflowError out of the login (a traceback in the load and api phases), and a JSON
    ``Infinity`` a renewal time of NaN; neither is a time to log in again at, as a token without ``exp``
    is not."""
    header = _part({"alg": "HS256"})

    def life(claims: dict) -> float | None:
        payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
        return token_life({"Authorization": f"Bearer {header}.{payload}.x"})

    assert life({"exp": 10 ** 400}) is None
    assert life({"exp": float("inf"), "iat": 0}) is None
    # an iat of no use counts as none, from now: an exp of 1 (1970) has run out, so no renewal (life <= 0)
    assert life({"iat": 10 ** 400, "exp": 1}) < 0
    # a boolean is no time either (json's true is Python's True, an int)
    assert token_life({"Authorization": f"Bearer {header}.{_part({'exp': True, 'iat': 0})}.x"}) is None
