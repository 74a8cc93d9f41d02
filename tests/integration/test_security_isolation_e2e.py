"""Issue 14, kind 3, end to end: an audit that cannot do its job does not stop bandit, the secret scan
and the header checks of a real server; the exit code reflects the worst."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from conftest import ADVISORY_DB, run_cli
from support import local_server

GITHUB = "ghp_" + "aB3dE5gH7jK9mN1pQ3sT5vX7zA9cE1gI3kM5"  # made up, not a live credential


class _NoHeaders(BaseHTTPRequestHandler):
    """A page served with no security header at all."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        body = b"<!doctype html><title>shop</title><p>hello</p>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args) -> None:
        pass


@pytest.fixture()
def app_url():
    server = local_server.start(_NoHeaders)
    try:
        yield local_server.url(server)
    finally:
        local_server.stop(server)


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "settings.py").write_text(f'GITHUB_TOKEN = "{GITHUB}"\n')
    (tmp_path / "echotune.toml").write_text('[security]\nchecks = ["bandit", "audit", "secrets", "http"]\n\n'
                                            '[security.audit]\nstrict = true\n')
    return tmp_path


def _run(project: Path, url: str, cli_env: dict[str, str], *source: str) -> tuple[int, dict, str]:
    out = project / "results" / "security.json"
    proc = run_cli("security", "--only", "bandit", "--only", "audit", "--only", "secrets", "--only", "http",
                   "-r", "requirements.txt", *(source or ("--advisory-db", str(ADVISORY_DB))), "--url", url,
                   "-o", str(out), cwd=project, env=cli_env)
    assert "Traceback" not in proc.stderr
    return proc.returncode, json.loads(out.read_text()), proc.stdout + proc.stderr


def _reported(data: dict) -> set[str]:
    return {f["source_tool"] for f in data["findings"]}


def test_issue_example_one_unpinned_line_does_not_stop_the_other_checks(project, app_url, cli_env):
    (project / "requirements.txt").write_text("flask==2.0.0\njinja2>=2.10\n")
    code, data, output = _run(project, app_url, cli_env)
    # the secret and the missing headers are reported: the unpinned line no longer stops the phase
    assert any(f["rule_id"] == "secrets.github-token" for f in data["findings"])
    headers = {f["rule_id"] for f in data["findings"] if f["source_tool"] == "http-headers"}
    # the Observatory's results for a page without CSP, X-Frame-Options and nosniff: -25, -20, -5 = 50
    assert headers == {"http.csp-not-implemented", "http.x-frame-options-not-implemented",
                       "http.x-content-type-options-not-implemented"}
    score = next(m for m in data["metrics"] if m["name"] == "http.headers_score")
    assert score["value"] == 50 and score["status"] == "fail"
    # the audit says what it could not do with line 2 instead of passing: an error of the check when it
    # refuses the file, else a strict failure naming the line
    audit = [m for m in data["metrics"] if m["name"].startswith("audit.") and m["status"] != "pass"]
    assert audit, data["metrics"]
    assert "requirements.txt:2" in json.dumps(data["errors"] + data["notes"] + data["warnings"])
    assert code in (1, 3) and data["status"] in ("fail", "error"), output


def test_an_audit_whose_advisory_service_is_down_is_an_error_and_the_others_report(project, app_url, cli_env):
    (project / "requirements.txt").write_text("flask==2.0.0\n")
    server = local_server.start(_NoHeaders)
    osv = local_server.url(server)
    local_server.stop(server)  # the OSV API is down: the audit cannot say anything
    code, data, output = _run(project, app_url, cli_env, "--osv-url", osv)
    # the audit could not run (an error) and the token blocks: a failure wins (exit 1)
    assert code == 1 and data["status"] == "error", output
    assert _reported(data) >= {"secrets", "http-headers"}
    assert [e.split(":")[0] for e in data["errors"]] == ["audit"]
    failed = next(m for m in data["metrics"] if m["name"] == "audit.could_not_run")
    assert failed["status"] == "error" and failed["value"] is None
    assert next(m for m in data["metrics"] if m["name"] == "http.headers_score")["value"] < 90


def test_a_server_that_is_down_is_an_error_of_the_http_check_only(project, cli_env):
    (project / "requirements.txt").write_text("flask==2.0.0\n")
    server = local_server.start(_NoHeaders)
    url = local_server.url(server)
    local_server.stop(server)  # nothing listens there any more
    code, data, output = _run(project, url, cli_env)
    assert code == 1 and data["status"] == "error", output  # the token blocks: a failure wins (exit 1)
    assert [e.split(":")[0] for e in data["errors"]] == ["http"]
    assert any(f["rule_id"] == "secrets.github-token" for f in data["findings"])
    assert any(m["name"] == "audit.packages" and m["value"] >= 1 for m in data["metrics"])
