"""A login that fails after a flow failed says so, and the flow's finding is kept.

The case behind it: a head of j10ra/fastify-drizzle-postgres whose user creation reads
``body.middlename.trim()`` answered the sign-up flow of the test account with 500 (no middlename sent),
so the account did not exist and the login answered 401. The run's api result said only "login POST
/api/v1/auth/login-local answered 401, expected 200": the flow's finding, the cause, was lost with it.
"""

from __future__ import annotations

from pathlib import Path

from support.api_fake import JsonApi, run_api

DOCUMENT = {"openapi": "3.0.0", "info": {"title": "users", "version": "1"}, "paths": {}}


class _BrokenSignUp(JsonApi):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self._send(200, DOCUMENT)

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == "/api/v1/user/create":
            return self._send(500, {"statusCode": 500, "message": "Cannot read properties of undefined "
                                                                  "(reading 'trim')"})
        return self._send(401, {"statusCode": 401, "message": "Unauthorized"})


CONFIG = """
[api]
openapi = "/docs/json"

[api.login]
path = "/api/v1/auth/login-local"
json = { username = "demo@example.com", password = "change-me" }
token_field = "payload.accessToken"

[[api.flows]]
name = "sign up the test account"

[[api.flows.steps]]
method = "POST"
path = "/api/v1/user/create"
json = { username = "demo@example.com", firstname = "Demo", lastname = "User", password = "change-me" }
status = [200, 400]
"""


def test_the_failed_flow_is_named_beside_the_login_it_left_without_an_account(tmp_path: Path,
                                                                             cli_env: dict[str, str]) -> None:
    code, result, output = run_api(tmp_path, cli_env, CONFIG, _BrokenSignUp)
    assert result is not None, output
    assert result["status"] == "error"
    (flow,) = result["findings"]
    assert flow["rule_id"] == "api/flow-status"
    assert flow["message"].startswith("flow 'sign up the test account', step 1 (POST /api/v1/user/create)")
    (error,) = result["errors"]
    assert error.startswith("login POST /api/v1/auth/login-local answered 401, expected 200, after a flow "
                            "before it failed (flow 'sign up the test account', step 1")
    assert error.endswith("): the contract test was not run")
    assert code != 0, output
