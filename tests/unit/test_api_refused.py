"""Response times of answers an auth layer refused (401/403) say nothing about the endpoints.

The case behind it: anthonycepeda/fastapi-sqlmodel mounts every router with
``dependencies=[Depends(authent)]`` (HTTP Basic). With no login configured, all 240 generated requests
got 403, yet the phase printed ``pass p95_ms [POST /heroes] 2.6 ms`` for all 12 operations and no
warning: a latency pass measured on the auth layer's refusals. The app below is the same shape: a
document served openly, every operation behind a check that refuses requests without credentials.
"""

from __future__ import annotations

import base64
import json
import os
import sys
from pathlib import Path

import pytest
from support.api_fake import JsonApi, run_api

from echotune_ci.phases.api.contract import ContractOutcome
from echotune_ci.results.io import validate

TOKEN = "s3cret-token"
_ANSWER = {"type": "object", "properties": {"id": {"type": "integer"}}}
# Documented, so that the refusals are no finding of their own: what is left to judge is the latency.
_REFUSED = {"description": "not authenticated",
            "content": {"application/json": {"schema": {"type": "object",
                                                        "properties": {"detail": {"type": "string"}}}}}}
DOCUMENT = {
    "openapi": "3.0.3",
    "info": {"title": "heroes", "version": "1"},
    "paths": {
        "/heroes": {
            "get": {"responses": {"200": {"description": "the heroes",
                                          "content": {"application/json": {"schema": _ANSWER}}},
                                  "403": _REFUSED}},
            "post": {"requestBody": {"required": True,
                                     "content": {"application/json": {"schema": _ANSWER}}},
                     "responses": {"200": {"description": "made",
                                           "content": {"application/json": {"schema": _ANSWER}}},
                                   "403": _REFUSED}},
        },
        "/login": {
            "post": {"requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["username", "password"],
                "properties": {"username": {"type": "string"}, "password": {"type": "string"}}}}}},
                "responses": {"200": {"description": "a token", "content": {"application/json": {
                    "schema": {"type": "object", "properties": {"access_token": {"type": "string"}}}}}},
                    "401": {"description": "wrong credentials"}}},
        },
        "/heroes/{id}": {
            "get": {"parameters": [{"name": "id", "in": "path", "required": True,
                                    "schema": {"type": "integer"}}],
                    "responses": {"200": {"description": "one hero",
                                          "content": {"application/json": {"schema": _ANSWER}}},
                                   "403": _REFUSED}},
        },
    },
}
OPERATIONS = ("GET /heroes", "POST /heroes", "POST /login", "GET /heroes/{id}")
ACCOUNT = {"username": "demo", "password": "demo-password"}
BASIC = base64.b64encode(b"demo:demo-password").decode()  # the same account over HTTP Basic


class _Guarded(JsonApi):
    """The document for anyone; ``POST /login`` gives the token for :data:`ACCOUNT`, 401 for any other
    credentials; every other operation answers 403 without ``Authorization: Bearer <TOKEN>`` (FastAPI's
    HTTPBasic/HTTPBearer answer), except that ``GET /heroes/{id}`` lets odd ids through whatever the
    credentials (a resource-level rule: some answers refused, some served)."""


    def _answer(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = self.path.split("?")[0]
        if path == "/openapi.json":
            return self._send(200, DOCUMENT)
        if path == "/login":
            # The login's own refusal (its handler checked the password), not an auth layer's.
            try:
                sent = json.loads(body or b"null")
            except ValueError:
                sent = None
            return self._send(200, {"access_token": TOKEN}) if sent == ACCOUNT else self._send(401, {})
        allowed = self.headers.get("Authorization") in (f"Bearer {TOKEN}", f"Basic {BASIC}")
        if not allowed and path.startswith("/heroes/"):
            try:
                allowed = int(path.rsplit("/", 1)[1]) % 2 == 1
            except ValueError:
                allowed = False
        if not allowed:
            return self._send(403, {"detail": "Not authenticated"})
        return self._send(200, {"id": 1})

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self._answer()

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        self._answer()



def _run(tmp_path: Path, cli_env: dict[str, str], config: str) -> tuple[int, dict, str]:
    code, result, output = run_api(tmp_path, cli_env, config, _Guarded)
    assert result is not None, output
    return code, result, output


@pytest.fixture(scope="module")
def unconfigured(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict, str]:
    """One run without a login (both tests below read it: each run costs schemathesis's start-up)."""
    folder = tmp_path_factory.mktemp("unconfigured")
    # cli_env's environment (a fixture per test, so not usable from a module's fixture)
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT",
                                                           "GITHUB_ACTIONS")}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return _run(folder, env, "[api]\nmax_examples = 20\n")


def _p95(result: dict) -> dict[str, dict]:
    return {m["labels"]["operation"]: m for m in result["metrics"] if m["name"] == "p95_ms"}


def test_operations_whose_every_answer_was_refused_get_no_latency_pass_and_a_warning(unconfigured):
    code, result, output = unconfigured
    validate(result, "api.json")  # a metric without a value is a valid result
    metrics = _p95(result)
    for operation in ("GET /heroes", "POST /heroes"):
        metric = metrics[operation]
        assert metric["value"] is None and metric["status"] == "warn", metric
        assert "samples" not in metric
        assert "not measured" in metric["description"] and "refused (401/403)" in metric["description"]
        assert f"pass p95_ms [{operation}]" not in output
    refused = [w for w in result["warnings"] if "refused" in w]
    assert len(refused) == 1, result["warnings"]
    [warning] = refused
    assert warning.startswith("api: GET /heroes, POST /heroes, POST /login: every answer was refused "
                              "(401/403)")
    assert "{id}" not in warning
    assert "no login is configured: set [api.login]" in warning  # the fix
    assert warning in output
    # never a pass on refusals alone (the 403s are documented: no finding fails the phase either)
    assert result["findings"] == [] and result["status"] == "warn" and code == 0, output
    assert any(n.startswith("contract: ") and "refused (401/403), not timed" in n for n in result["notes"])


def test_a_partly_refused_operation_is_timed_only_on_the_answers_that_got_through(unconfigured):
    code, result, output = unconfigured
    metric = _p95(result)["GET /heroes/{id}"]
    assert metric["value"] is not None and metric["status"] == "pass", metric
    timed = len(metric["samples"])
    assert timed >= 5  # a p95 never rests on fewer (the last answer that got through is sent again)
    # the refused answers (even ids) are counted, not timed: the description gives both counts
    assert f"over {timed} answers (" in metric["description"], metric["description"]
    assert "refused (401/403) by authentication, not timed" in metric["description"]
    assert "GET /heroes/{id}" not in " ".join(result["warnings"])


def test_a_login_whose_token_is_refused_is_named_and_the_right_one_times_everything(tmp_path, cli_env):
    login = '[api.login]\npath = "/login"\njson = { username = "demo", password = "demo-password" }\n'
    code, result, output = _run(tmp_path, cli_env, f'[api]\nmax_examples = 6\n{login}scheme = "Token"\n')
    metrics = _p95(result)
    assert all(metrics[o]["value"] is None for o in ("GET /heroes", "POST /heroes")), output
    [warning] = [w for w in result["warnings"] if "refused" in w]
    assert "the login's token was sent in Authorization and refused: check [api.login]" in warning
    # the login's own 401s answer the generated credentials from its handler: timed, never "refused"
    assert "POST /login" not in warning and metrics["POST /login"]["value"] is not None
    assert TOKEN not in output and TOKEN not in json.dumps(result)

    code, result, output = _run(tmp_path, cli_env, f"[api]\nmax_examples = 6\n{login}")
    metrics = _p95(result)
    assert set(metrics) == set(OPERATIONS)
    for operation in OPERATIONS:
        assert metrics[operation]["value"] is not None and metrics[operation]["status"] == "pass"
        assert "refused" not in metrics[operation]["description"]
    assert not [w for w in result["warnings"] if "refused" in w], result["warnings"]
    assert result["status"] == "pass" and code == 0, output


def test_the_warning_says_all_operations_when_no_answer_got_through():
    from echotune_ci.phases.api.phase import refused_warning

    outcome = ContractOutcome(timings={f"GET /api/{n}": [] for n in range(12)},
                              refused={f"GET /api/{n}": 20 for n in range(12)}, requests=240)
    warning = refused_warning(outcome, {})
    assert warning is not None and warning.startswith("api: all 12 operations: every answer was refused")
    assert "no login is configured: set [api.login]" in warning
    outcome.timings["GET /api/0"] = [1.0]  # one answer got through: that operation is not named
    warning = refused_warning(outcome, {})
    assert warning is not None and warning.startswith("api: GET /api/1, GET /api/2,")
    assert "GET /api/0," not in warning
    assert refused_warning(ContractOutcome(timings={"GET /a": [1.0]}), {}) is None


def test_http_basic_credentials_go_with_every_generated_request(tmp_path, cli_env):
    # fastapi-sqlmodel's routers want HTTPBasic: [api.login] basic sends it, with no login request
    wrong = '[api]\nmax_examples = 6\n[api.login]\nbasic = "demo:nope"\n'
    code, result, output = _run(tmp_path, cli_env, wrong)
    [warning] = [w for w in result["warnings"] if "refused" in w]
    assert "HTTP Basic credentials ([api.login] or [load.login] basic) were sent in Authorization and " \
           "refused: check the account" in warning
    assert "nope" not in output and base64.b64encode(b"demo:nope").decode() not in output
    # (this app's token login answers the generated credentials 401 itself: left out, as an app behind
    # HTTP Basic has none)
    basic = '[api]\nmax_examples = 6\nexclude = ["POST /login"]\n[load.login]\nbasic = "demo:demo-password"\n'
    code, result, output = _run(tmp_path, cli_env, basic)
    metrics = _p95(result)
    for operation in ("GET /heroes", "POST /heroes", "GET /heroes/{id}"):
        assert metrics[operation]["value"] is not None and metrics[operation]["status"] == "pass", output
    assert not [w for w in result["warnings"] if "refused" in w], result["warnings"]
    assert "demo-password" not in output and BASIC not in output and code == 0


def test_the_load_test_sends_http_basic_without_a_login_request():
    from types import SimpleNamespace

    from echotune_ci.config.schema import build
    from echotune_ci.phases.load.plan import _login_json
    from echotune_ci.phases.load.settings import LoginSettings
    from echotune_ci.phases.load.worker import _Requests

    login = build(LoginSettings, {"basic": "demo:demo-password"}, "load.login", "echotune.toml")
    plan = {"login": _login_json(login), "request_timeout": 5.0}
    user = SimpleNamespace()  # no client: a request would fail
    _Requests(plan, http_user=True).log_in(user)
    assert user.auth_headers == {"Authorization": f"Basic {BASIC}"}
    with pytest.raises(Exception, match="user:password"):
        build(LoginSettings, {"basic": "no-colon"}, "load.login", "echotune.toml")


# The document of _Guarded with its bearer scheme required by the document (OpenAPI 3.0.3, Security
# Requirement Object: the document's `security`, an operation's own replacing it, `[]` or an empty `{}`
# alternative leaving credentials optional), and one more operation the app refuses every account: the
# full-stack-fastapi-template's DELETE /users/me, 403 "Super users are not allowed to delete themselves".
SECURED = {**DOCUMENT, "security": [{"bearer": []}],
           "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
           "paths": {**DOCUMENT["paths"],
                     "/login": {"post": {**DOCUMENT["paths"]["/login"]["post"], "security": []}},
                     "/me": {"delete": {"responses": {"204": {"description": "deleted"}, "403": _REFUSED}}}}}


class _Forbidding(_Guarded):
    """_Guarded serving :data:`SECURED`, whose ``DELETE /me`` answers 403 whatever the credentials."""

    def _answer(self) -> None:
        path = self.path.split("?")[0]
        if path == "/openapi.json":
            return self._send(200, SECURED)
        if path == "/me":
            return self._send(403, {"detail": "Super users are not allowed to delete themselves"})
        return super()._answer()

    def do_DELETE(self) -> None:  # noqa: N802 - http.server's name
        self._answer()


def test_an_operation_refused_to_an_account_whose_token_works_elsewhere_is_a_permission_not_the_login(
        tmp_path, cli_env):
    login = '[api.login]\npath = "/login"\njson = { username = "demo", password = "demo-password" }\n'
    code, result, output = run_api(tmp_path, cli_env, f"[api]\nmax_examples = 6\n{login}", _Forbidding)
    assert result is not None, output
    [warning] = [w for w in result["warnings"] if "refused" in w]
    assert warning.startswith("api: DELETE /me: every answer was refused (401/403)"), warning
    # GET /heroes/{id} is no evidence when the request it answered had an odd id, which it serves to
    # anyone: an operation counts where it refused that request sent again without the credentials
    assert "other operation(s) that need them (GET /heroes, POST /heroes" in warning, warning
    assert "a permission it lacks, not a login that failed" in warning
    # the same login with a scheme the app refuses: the secured operations got nothing, so it is the login
    code, result, output = run_api(tmp_path, cli_env, f'[api]\nmax_examples = 6\n{login}scheme = "Token"\n',
                                   _Forbidding)
    [warning] = [w for w in result["warnings"] if "refused" in w]
    assert "the login's token was sent in Authorization and refused: check [api.login]" in warning


@pytest.mark.parametrize(("document", "operation", "secured"), [
    ({"security": [{"bearer": []}]}, {}, True),               # the document's requirement
    ({"security": [{"bearer": []}]}, {"security": []}, False),  # the operation's own, none
    ({}, {"security": [{"bearer": []}, {}]}, False),         # an empty alternative: credentials optional
    ({}, {"security": [{"key": [], "bearer": []}]}, True),   # both schemes together
    ({}, {}, False),
])
def test_an_operation_is_secured_by_its_own_requirement_else_the_documents(document, operation, secured):
    from types import SimpleNamespace

    from echotune_ci.phases.api.contract import _secured

    op = SimpleNamespace(definition=SimpleNamespace(raw={"responses": {}, **operation}))
    assert _secured(SimpleNamespace(raw_schema=document), op) is secured
