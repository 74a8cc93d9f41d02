"""A login that reads OAuth2's password form, not JSON (FastAPI's ``OAuth2PasswordRequestForm``).

The case behind it: a FastAPI + Vite todo app logs in at ``POST /auth/login`` with
``form_data: OAuth2PasswordRequestForm = Depends()``, which reads ``username`` and ``password`` from an
``application/x-www-form-urlencoded`` body and answers a JSON body with 422. ``[api.login]`` and
``[load.login]`` could only send JSON, so no generated request and no load-test user could log in.
The app below is that shape: a login that takes the form alone, and a route that wants its token.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs

from support import local_server
from support.api_fake import JsonApi, run_api
from support.load_support import endpoint, load, write_config

TOKEN = "form-token-1234"
FORM = "application/x-www-form-urlencoded"
_ME = {"type": "object", "properties": {"name": {"type": "string"}}}
DOCUMENT = {
    "openapi": "3.0.3",
    "info": {"title": "todo", "version": "1"},
    "paths": {
        "/me": {"get": {"responses": {
            "200": {"description": "the account", "content": {"application/json": {"schema": _ME}}},
            "401": {"description": "no token",
                    "content": {"application/json": {"schema": {"type": "object"}}}},
        }}},
    },
}


class _FormLogin(JsonApi):
    """``POST /token`` answers the token to a form with the account (422 to anything else, as FastAPI
    does); ``GET /me`` wants ``Authorization: Bearer <TOKEN>`` (401 without)."""

    signed_up = True  # whether the account exists

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        if self.path == "/openapi.json":
            return self._send(200, DOCUMENT)
        if self.path.split("?")[0] == "/me":
            if self.headers.get("Authorization") == f"Bearer {TOKEN}":
                return self._send(200, {"name": "demo"})
            return self._send(401, {"detail": "Not authenticated"})
        return self._send(404, {})

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        if self.path == "/signup":  # a JSON body makes the account (409 when it exists)
            made = not type(self).signed_up
            type(self).signed_up = True
            return self._send(201 if made else 409, {})
        if self.path != "/token":
            return self._send(404, {})
        if self.headers.get("Content-Type", "").split(";")[0] != FORM:
            return self._send(422, {"detail": [{"loc": ["body", "username"], "msg": "Field required"}]})
        sent = {k: v[0] for k, v in parse_qs(body).items()}
        if sent == {"username": "demo@example.com", "password": "pa ss&word"} and self.signed_up:
            return self._send(200, {"access_token": TOKEN, "token_type": "bearer"})
        return self._send(401, {"detail": "Incorrect email or password"})



ACCOUNT = '{ username = "demo@example.com", password = "pa ss&word" }'


def _api(tmp_path: Path, cli_env: dict[str, str], config: str,
         handler: type[_FormLogin] = _FormLogin) -> tuple[int, dict | None, str]:
    return run_api(tmp_path, cli_env, config, handler)


def test_the_api_phase_logs_in_with_a_form_and_a_flow_sends_one(tmp_path, cli_env):
    config = (f'[api]\nmax_examples = 5\n[api.login]\npath = "/token"\nform = {ACCOUNT}\n'
              '[[api.flows]]\nname = "form login"\n'
              f'[[api.flows.steps]]\nmethod = "POST"\npath = "/token"\nform = {ACCOUNT}\n'
              'capture = { token = "$.access_token" }\n'
              '[[api.flows.steps]]\npath = "/me"\nheaders = { Authorization = "Bearer {token}" }\n'
              'refuse_without = "token"\n')
    code, result, output = _api(tmp_path, cli_env, config)
    assert code == 0 and result is not None, output
    [p95] = [m for m in result["metrics"]
             if m["name"] == "p95_ms" and m["labels"] == {"operation": "GET /me"}]
    assert p95["value"] is not None, p95  # timed: the token got through
    assert not [w for w in result["warnings"] if "refused" in w], result["warnings"]
    assert not [f for f in result["findings"] if f["rule_id"].startswith("api/flow")], result["findings"]
    assert TOKEN not in output and TOKEN not in json.dumps(result)


def test_a_json_body_to_a_form_login_fails_and_both_bodies_are_refused(tmp_path, cli_env):
    json_login = f'[api]\nmax_examples = 5\n[api.login]\npath = "/token"\njson = {ACCOUNT}\n'
    code, _, output = _api(tmp_path, cli_env, json_login)
    assert code == 3 and "login POST /token answered 422, expected 200" in output, output
    both = f'[api.login]\npath = "/token"\njson = {ACCOUNT}\nform = {ACCOUNT}\n'
    code, _, output = _api(tmp_path, cli_env, both)
    assert code == 2 and "[api.login] has both json and form: keep one" in output, output
    step = ('[[api.flows]]\nname = "x"\n[[api.flows.steps]]\nmethod = "POST"\npath = "/token"\n'
            f'form = {ACCOUNT}\nbody = "raw"\n')
    code, _, output = _api(tmp_path, cli_env, step)
    assert code == 2 and "has both form and body: keep one" in output, output


def test_each_load_test_user_logs_in_with_the_form(tmp_path, load_env):
    server = local_server.start(_FormLogin)
    try:
        write_config(tmp_path, f'[load]\nusers = 2\nduration = "2s"\nwait_min = "0.05s"\nwait_max = "0.1s"\n'
                               f'[load.login]\npath = "/token"\nform = {ACCOUNT}\n'
                               '[[load.endpoints]]\npath = "/me"\n')
        proc, result = load(load_env, tmp_path, "--host", local_server.url(server))
    finally:
        local_server.stop(server)
    assert result is not None, proc.stdout + proc.stderr
    errors = endpoint(result, "error_rate_pct", "GET /me")
    assert errors.value == 0, proc.stdout + proc.stderr  # every /me carried the token the form gave
    login = endpoint(result, "error_rate_pct", "POST /token")
    assert login.value == 0, proc.stdout + proc.stderr
    write_config(tmp_path, f'[load.login]\npath = "/token"\njson = {ACCOUNT}\nform = {ACCOUNT}\n')
    proc, _ = load(load_env, tmp_path, "--host", "http://127.0.0.1:9", output="results/bad.json")
    assert proc.returncode == 2, proc.stderr
    assert "[load.login] has both json and form: keep one" in proc.stderr, proc.stderr


def test_a_flow_that_signs_the_account_up_comes_before_the_login(tmp_path, cli_env):
    # a fresh database has no test account: a flow can make it before [api.login] logs in with it
    class Fresh(_FormLogin):
        signed_up = False

    config = (f'[api]\nmax_examples = 5\n[api.login]\npath = "/token"\nform = {ACCOUNT}\n'
              '[[api.flows]]\nname = "sign up"\n'
              '[[api.flows.steps]]\nmethod = "POST"\npath = "/signup"\n'
              'json = { email = "demo@example.com" }\n'
              'status = [201, 409]\n')
    code, result, output = _api(tmp_path, cli_env, config, Fresh)
    assert code == 0 and result is not None, output
    [p95] = [m for m in result["metrics"]
             if m["name"] == "p95_ms" and m["labels"] == {"operation": "GET /me"}]
    assert p95["value"] is not None, p95


def _probe(monkeypatch, account: bool, **auth: str):
    """The security phase's auth probes against the form login, with [security.http.auth] *auth* and,
    when *account*, the account in the environment variables the probes read."""
    from echotune_ci.net import loopback
    from echotune_ci.phases.security.auth_probes import run_probes
    from echotune_ci.phases.security.settings import AuthSettings

    account_env = {"ECHOTUNE_AUTH_USERNAME": "demo@example.com", "ECHOTUNE_AUTH_PASSWORD": "pa ss&word"}
    for name, value in account_env.items():
        if account:
            monkeypatch.setenv(name, value)
        else:
            monkeypatch.delenv(name, raising=False)
    server = local_server.start(_FormLogin)
    try:
        with loopback.client(local_server.url(server), timeout=5, follow_redirects=False) as client:
            return run_probes(client, AuthSettings(login_path="/token", protected_path="/me",
                                                   rate_limit_attempts=3, **auth))
    finally:
        local_server.stop(server)


def test_the_auth_probes_send_the_form_and_say_when_the_login_does_not_read_their_json(monkeypatch):
    import pytest

    from echotune_ci.errors import RunError

    # As a form: the real login works, and three wrong passwords answered 401 without a 429.
    report = _probe(monkeypatch, True, body="form")
    assert [(p.name, p.passed) for p in report.probes] == [("no-token", True), ("login-rate-limit", False)]
    assert [f.rule_id for f in report.findings] == ["auth.no-login-rate-limit"]
    # As JSON (the default) the login answered 422: it was "login failed (HTTP 422); check the account".
    with pytest.raises(RunError) as failed:
        _probe(monkeypatch, True)
    assert str(failed.value) == ("login failed: POST /token answered HTTP 422 to the credentials sent as "
                                 "JSON: it did not read them (a login that reads a form, as OAuth2 password "
                                 'logins do, wants [security.http.auth] body = "form"; else check '
                                 "username_field and password_field)")
    # Without an account only the rate-limit probe logs in: ten 422s were "password guessing is not
    # throttled", a medium finding about a password the login never checked.
    report = _probe(monkeypatch, False)
    assert [f.rule_id for f in report.findings] == ["auth.credentials-missing"]
    assert [p.name for p in report.probes] == ["no-token"]
    assert any(n.startswith("auth: login rate-limit probe not judged: POST /token answered HTTP 422")
               for n in report.notes), report.notes
