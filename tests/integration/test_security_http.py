"""Security headers and auth probes against the real example app."""

from __future__ import annotations

import json
import os

import httpx

from conftest import run_cli, start_musicapp

AUTH_CONFIG = """\
[security.http.auth]
login_path = "/api/login"
protected_path = "/api/me"
jwt_secret_env = "MUSICAPP_JWT_SECRET"
rate_limit_attempts = 12
"""
# the example app's documented dev default
APP_SECRET = "dev-only-secret-change-me-0123456789abcdef"  # pragma: allowlist secret


def test_headers_of_the_example_app_pass_and_regress_fails(tmp_path, cli_env, musicapp, musicapp_regress):
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    proc = run_cli("security", "--url", musicapp.base_url, "-o", str(good), cwd=tmp_path, env=cli_env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(good.read_text())
    score = next(m for m in data["metrics"] if m["name"] == "http.headers_score")
    # CSP without unsafe sources +5, frame-ancestors via CSP +5, private Referrer-Policy +5 (Observatory v6)
    assert score["value"] == 115 and score["status"] == "pass" and score["description"].endswith("A+")
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
        login = httpx.post(f"{app.base_url}/api/login",
                           json={"username": "demo", "password": "demo-password"})
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


def test_phase_run_uses_the_app_that_run_started(tmp_path, musicapp_regress):
    """`echotune-ci run` calls the security PHASE's run with ctx.base_url."""
    from echotune_ci.config import load_config
    from echotune_ci.phases.base import PhaseContext
    from echotune_ci.phases.registry import get_phase

    (tmp_path / "echotune.toml").write_text('[security]\nchecks = ["http"]\n' + AUTH_CONFIG)
    cfg = load_config(tmp_path / "echotune.toml")
    saved = {k: os.environ.get(k) for k in ("ECHOTUNE_AUTH_USERNAME", "ECHOTUNE_AUTH_PASSWORD")}
    os.environ.update(ECHOTUNE_AUTH_USERNAME="demo", ECHOTUNE_AUTH_PASSWORD="demo-password")
    try:
        result = get_phase("security").run(
            cfg.security, PhaseContext.for_config(cfg, tmp_path, base_url=musicapp_regress.base_url))
    finally:
        for k, v in saved.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
    assert result.status == "fail" and result.target == musicapp_regress.base_url
    rules = {f.rule_id for f in result.findings}
    assert "http.csp-not-implemented" in rules and "auth.jwt-alg-none-accepted" in rules
    # the expiry probe had no signing key here, and says so
    assert any("unsigned expired token" in n for n in result.notes)
    no_url = get_phase("security").run(cfg.security, PhaseContext.for_config(cfg, tmp_path))
    assert no_url.status == "pass" and any("http checks not run: no URL" in n for n in no_url.notes)
