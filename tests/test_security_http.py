"""Security headers (Observatory-style scoring) and auth probes against the real example app."""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx

from conftest import run_cli, start_musicapp
from echotune_ci.phases.security_http import PROBE_ORIGIN, score_response
from echotune_ci.serve import free_port

AUTH_CONFIG = """\
[security.http.auth]
login_path = "/api/login"
protected_path = "/api/me"
jwt_secret_env = "MUSICAPP_JWT_SECRET"
rate_limit_attempts = 12
"""
# the example app's documented dev default
APP_SECRET = "dev-only-secret-change-me-0123456789abcdef"  # pragma: allowlist secret


def scored(url: str, headers: dict[str, str] | list[tuple[str, str]], body: str = "", ctype: str = "text/html"):
    headers = list(headers.items()) if isinstance(headers, dict) else headers
    response = httpx.Response(200, headers=[("content-type", ctype), *headers], text=body)
    page = score_response(url, response)
    return page, {t.test: t for t in page.tests}


GOOD = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
}


def test_scoring_follows_the_observatory_modifiers():
    page, tests = scored("https://app.example/", GOOD)
    assert tests["content-security-policy"].result == "csp-implemented-with-no-unsafe-default-src-none"
    assert tests["x-frame-options"].result == "x-frame-options-implemented-via-csp"
    assert tests["strict-transport-security"].modifier == 0
    assert (page.score, page.grade) == (120, "A+")

    page, tests = scored("https://app.example/", {"Content-Security-Policy": "script-src 'self' 'unsafe-inline'",
                                                  "Referrer-Policy": "unsafe-url"})
    assert tests["content-security-policy"].result == "csp-implemented-with-unsafe-inline"
    assert tests["strict-transport-security"].result == "hsts-not-implemented"
    # -20 csp, -5 referrer, -20 hsts, -5 xcto, -20 xfo; bonuses do not count below 90
    assert (page.score, page.grade) == (30, "D")

    _, tests = scored("http://127.0.0.1:1/", {"Strict-Transport-Security": "max-age=10"})
    assert tests["strict-transport-security"].result == "hsts-not-applicable-http"


def test_cookies_cors_and_sri():
    _, tests = scored("https://a.example/", [("Set-Cookie", "sessionid=abc; Path=/"),
                                             ("Set-Cookie", "theme=dark; Secure; SameSite=Lax")])
    assert tests["cookies"].result == "cookies-session-without-secure-flag" and tests["cookies"].severity == "high"
    _, tests = scored("https://a.example/", [("Set-Cookie", "sessionid=abc; Secure; HttpOnly; SameSite=Strict")])
    assert tests["cookies"].modifier == 5
    _, tests = scored("https://a.example/", {"Access-Control-Allow-Origin": PROBE_ORIGIN,
                                             "Access-Control-Allow-Credentials": "true"})
    assert tests["cross-origin-resource-sharing"].modifier == -50
    _, tests = scored("https://a.example/", {"Access-Control-Allow-Origin": "*"})
    assert tests["cross-origin-resource-sharing"].modifier == 0
    _, tests = scored("https://a.example/", {}, '<script src="http://cdn.example/x.js"></script>')
    assert tests["subresource-integrity"].modifier == -50
    _, tests = scored("https://a.example/", {}, '<script src="https://cdn.example/x.js" integrity="sha384-x">'
                                                "</script><script src=/local.js></script>")
    assert tests["subresource-integrity"].modifier == 5


def test_headers_of_the_example_app_pass_and_regress_fails(tmp_path, cli_env, musicapp, musicapp_regress):
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    proc = run_cli("security", "--url", musicapp.base_url, "-o", str(good), cwd=tmp_path, env=cli_env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(good.read_text())
    score = next(m for m in data["metrics"] if m["name"] == "http.headers_score")
    assert score["value"] == 110 and score["status"] == "pass" and score["description"].endswith("A+")
    assert data["findings"] == [] and data["target"] == musicapp.base_url
    assert any("auth probes not run" in n for n in data["notes"])

    proc = run_cli("security", "--url", musicapp_regress.base_url, "-o", str(bad), cwd=tmp_path, env=cli_env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    data = json.loads(bad.read_text())
    score = next(m for m in data["metrics"] if m["name"] == "http.headers_score")
    assert (score["value"], score["status"], score["budget"]) == (50, "fail", 90)
    assert {f["rule_id"] for f in data["findings"]} == {
        "http.csp-not-implemented", "http.x-frame-options-not-implemented",
        "http.x-content-type-options-not-implemented"}


def auth_env(cli_env: dict[str, str]) -> dict[str, str]:
    return dict(cli_env, ECHOTUNE_AUTH_USERNAME="demo", ECHOTUNE_AUTH_PASSWORD="demo-password",
                MUSICAPP_JWT_SECRET=APP_SECRET)


def test_every_auth_probe_fails_on_the_regressed_app(tmp_path, cli_env, musicapp_regress):
    (tmp_path / "echotune.toml").write_text(AUTH_CONFIG)
    out = tmp_path / "r.json"
    proc = run_cli("security", "--url", musicapp_regress.base_url, "-o", str(out), cwd=tmp_path,
                   env=auth_env(cli_env))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    data = json.loads(out.read_text())
    auth = {f["rule_id"]: f for f in data["findings"] if f["source_tool"] == "auth-probe"}
    assert set(auth) == {"auth.jwt-alg-none-accepted", "auth.jwt-signature-not-verified",
                         "auth.jwt-expired-accepted", "auth.no-login-rate-limit"}
    assert auth["auth.jwt-alg-none-accepted"]["severity"] == "critical"
    assert "validly signed token that expired" in auth["auth.jwt-expired-accepted"]["message"]
    assert next(m for m in data["metrics"] if m["name"] == "auth.probes_failed")["value"] == 4
    # bounded traffic: 1 page, login, token check, 4 probes, 12 failed logins
    assert "http: 19 requests sent" in " ".join(data["notes"])


def test_every_auth_probe_passes_on_the_normal_app(tmp_path, cli_env):
    # A private instance: the rate-limit probe locks its address out for a minute.
    app = start_musicapp(tmp_path / "dist")
    try:
        (tmp_path / "echotune.toml").write_text(AUTH_CONFIG + 'probe_source_address = "127.0.0.2"\n')
        out = tmp_path / "r.json"
        proc = run_cli("security", "--url", app.base_url, "-o", str(out), cwd=tmp_path, env=auth_env(cli_env))
        assert proc.returncode == 0, proc.stdout + proc.stderr
        data = json.loads(out.read_text())
        assert data["findings"] == [] and data["errors"] == []
        described = next(m for m in data["metrics"] if m["name"] == "auth.probes_failed")
        assert described["value"] == 0
        for probe in ("no-token: HTTP 401", "alg-none: HTTP 401", "stripped-signature: HTTP 401",
                      "expired: HTTP 401", "login-rate-limit: HTTP 429 after"):
            assert probe in described["description"]
        # the lockout hit 127.0.0.2 only: a real login from 127.0.0.1 still works
        login = httpx.post(f"{app.base_url}/api/login", json={"username": "demo", "password": "demo-password"})
        assert login.status_code == 200
        # without credentials the token probes are reported as not run, the rest still run
        env = {k: v for k, v in cli_env.items() if not k.startswith("ECHOTUNE_AUTH_")}
        proc = run_cli("security", "--url", app.base_url, "-o", str(out), cwd=tmp_path, env=env)
        data = json.loads(out.read_text())
        assert proc.returncode == 0
        assert [f["rule_id"] for f in data["findings"]] == ["auth.credentials-missing"]
        assert data["findings"][0]["severity"] == "info"
    finally:
        app.stop()


def test_a_url_that_is_down_could_not_run(tmp_path, cli_env):
    out = tmp_path / "r.json"
    proc = run_cli("security", "--url", f"http://127.0.0.1:{free_port()}", "-o", str(out), cwd=tmp_path, env=cli_env)
    assert proc.returncode == 3
    assert "cannot fetch the page (ConnectError" in proc.stderr and "Traceback" not in proc.stderr
    assert json.loads(out.read_text())["status"] == "error"
    proc = run_cli("security", "--url", "localhost:8000", cwd=tmp_path, env=cli_env)
    assert proc.returncode == 2 and "expected http://HOST:PORT" in proc.stderr


def test_phase_run_uses_the_app_that_run_started(tmp_path, musicapp_regress):
    """`echotune-ci run` calls phases.security.run with ctx.base_url."""
    from echotune_ci.config import load_config
    from echotune_ci.phases import PhaseContext, get_phase

    (tmp_path / "echotune.toml").write_text('[security]\nchecks = ["http"]\n' + AUTH_CONFIG)
    cfg = load_config(tmp_path / "echotune.toml")
    saved = {k: os.environ.get(k) for k in ("ECHOTUNE_AUTH_USERNAME", "ECHOTUNE_AUTH_PASSWORD")}
    os.environ.update(ECHOTUNE_AUTH_USERNAME="demo", ECHOTUNE_AUTH_PASSWORD="demo-password")
    try:
        result = get_phase("security")(cfg, PhaseContext(artifacts_dir=tmp_path, base_url=musicapp_regress.base_url))
    finally:
        for k, v in saved.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
    assert result.status == "fail" and result.target == musicapp_regress.base_url
    rules = {f.rule_id for f in result.findings}
    assert "http.csp-not-implemented" in rules and "auth.jwt-alg-none-accepted" in rules
    # the expiry probe had no signing key here, and says so
    assert any("unsigned expired token" in n for n in result.notes)
    no_url = get_phase("security")(cfg, PhaseContext(artifacts_dir=tmp_path))
    assert no_url.status == "pass" and any("http checks not run: no URL" in n for n in no_url.notes)
