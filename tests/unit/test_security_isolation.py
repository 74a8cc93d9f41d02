"""Issue 14, kind 3: one check's failure stays inside that check; configuration mistakes stop the phase
before any check runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import ADVISORY_DB, run_cli
from echotune_ci.config.schema import override
from echotune_ci.errors import ConfigError, InputError, RunError
from echotune_ci.phases.base import PhaseContext
from echotune_ci.phases.security import phase as security_phase
from echotune_ci.phases.security.checks import get_check
from echotune_ci.phases.security.checks.base import CheckError, CheckOutput
from echotune_ci.phases.security.phase import SECURITY
from echotune_ci.phases.security.settings import SecuritySettings
from echotune_ci.results import Metric

# Made-up, realistic token (not a live credential).
GITHUB = "ghp_" + "aB3dE5gH7jK9mN1pQ3sT5vX7zA9cE1gI3kM5"


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """A Python project with a bandit finding (B602, high) and a committed GitHub token."""
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "run.py").write_text("import subprocess\n\n\ndef run(cmd):\n"
                                             "    return subprocess.call(cmd, shell=True)\n")
    (tmp_path / "app" / "settings.py").write_text(f'GITHUB_TOKEN = "{GITHUB}"\n')
    return tmp_path


def _ctx(root: Path, progress=None) -> PhaseContext:
    extra = {"progress": progress} if progress else {}
    return PhaseContext(artifacts_dir=root / "artifacts", base_dir=root, root=root, **extra)


class _Failing:
    """A check that fails the way *error* says when it runs (preflight passes)."""

    def __init__(self, name: str, error: BaseException):
        self.name = name
        self.error = error

    def preflight(self, settings, ctx) -> None:
        return None

    def run(self, settings, ctx) -> CheckOutput:
        raise self.error


def _with_failing(monkeypatch, name: str, error: BaseException) -> None:
    monkeypatch.setattr(security_phase, "get_check",
                        lambda n: _Failing(n, error) if n == name else get_check(n))


@pytest.mark.parametrize("error, reason", [
    (InputError("requirements.txt:3: cannot audit: requirement jinja2 is not pinned"),
     "requirements.txt:3: cannot audit: requirement jinja2 is not pinned"),
    (ConfigError("[security.audit] a value the check refused"), "[security.audit] a value the check refused"),
    (RunError("OSV API http://127.0.0.1:9/: unreachable"), "OSV API http://127.0.0.1:9/: unreachable"),
    (KeyError("version"), "internal error: KeyError: 'version'"),
])
def test_a_failing_check_is_an_error_of_that_check_and_the_others_report(project, monkeypatch, error, reason):
    _with_failing(monkeypatch, "audit", error)
    settings = override(SecuritySettings(), checks=("bandit", "audit", "secrets"))
    result = SECURITY.run(settings, _ctx(project))
    # bandit's own verdicts on these files: B404 (import subprocess), B602 (shell=True), B105 (the token)
    assert {(f.source_tool, f.rule_id) for f in result.findings} == {
        ("bandit", "B602"), ("bandit", "B404"), ("bandit", "B105"), ("secrets", "secrets.github-token")}
    assert result.errors == [f"audit: {reason}"]
    assert result.warnings == []  # the error is what the comment's Warnings section shows, once
    failed = result.metric("audit.could_not_run")
    assert failed is not None and failed.status == "error" and failed.value is None
    assert failed.description == reason
    assert result.metric("bandit.files").value == 2 and result.metric("secrets.files").value == 2
    assert result.status == "error"


def test_a_check_error_keeps_what_the_check_found_before_it_stopped(project, monkeypatch):
    partial = CheckOutput(metrics=[Metric("http.headers_score", 100, "points", better="higher", budget=90)],
                          notes=["headers scored before the login failed"])
    _with_failing(monkeypatch, "http", CheckError("login at /login failed (HTTP 500)", partial))
    result = SECURITY.run(override(SecuritySettings(), checks=("secrets", "http")), _ctx(project))
    assert result.metric("http.headers_score").value == 100
    assert "headers scored before the login failed" in result.notes
    assert result.errors == ["http: login at /login failed (HTTP 500)"]
    assert result.metric("http.could_not_run").status == "error"
    assert [f.rule_id for f in result.findings] == ["secrets.github-token"]


def test_interrupts_are_not_taken_for_a_check_failure(project, monkeypatch):
    _with_failing(monkeypatch, "bandit", KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        SECURITY.run(override(SecuritySettings(), checks=("bandit", "secrets")), _ctx(project))


@pytest.mark.parametrize("overrides, files, error, message", [
    ({"bandit.paths": ("srcc",)}, {}, InputError, "srcc: no such file or folder to scan"),
    ({"node.paths": ("srcc",)}, {}, InputError, "srcc: no such file or folder to scan"),
    ({"bandit.tests": ("B999",)}, {}, ConfigError, "unknown bandit test id 'B999'"),
    ({}, {".echotune-secrets-allow": "not-a-rule\n"}, ConfigError, ".echotune-secrets-allow:1: expected"),
    ({"baseline": "known.json"}, {"known.json": "[1, 2]"}, InputError, "known.json: not an EchoTune"),
    ({"audit.requirements": ("reqs.txt",)}, {}, InputError, "reqs.txt: requirements file not found"),
    ({"audit.advisory_db": "db"}, {"db/README": "x"}, InputError, "db: not an advisory database"),
    ({"http.url": "http://127.0.0.1:9", "http.auth.login_path": "/login"}, {}, ConfigError,
     "login_path is set but protected_path is not"),
])
def test_configuration_mistakes_stop_the_phase_before_any_check_runs(project, overrides, files, error,
                                                                     message):
    for name, text in files.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text)
    started: list[str] = []
    settings = override(SecuritySettings(), **overrides)
    with pytest.raises(error, match=message.replace(".", r"\.").replace("[", r"\[")) as caught:
        SECURITY.run(settings, _ctx(project, progress=started.append))
    assert started == []  # not one check ran
    assert caught.value.exit_code == 2
    with pytest.raises(error):  # `run` asks the same before it starts the app
        SECURITY.check(settings, _ctx(project))


def test_an_advisory_service_that_is_down_is_an_audit_error_and_the_secrets_still_report(project, cli_env):
    (project / "package.json").write_text('{"name": "x", "dependencies": {"qs": "^1"}}\n')
    (project / "package-lock.json").write_text(
        '{"lockfileVersion": 3, "packages": {"": {"dependencies": {"qs": "^1"}},'
        ' "node_modules/qs": {"version": "1.0.0"}}}\n')
    out = project / "security.json"
    closed = f"http://127.0.0.1:{_closed_port()}"  # nothing listens: the OSV API cannot be asked
    proc = run_cli("security", ".", "--only", "secrets", "--only", "audit", "--osv-url", closed,
                   "-o", str(out), cwd=project, env=cli_env)
    # the critical token blocks: exit 1, as `run` and `gate` decide, though the audit could not run
    # (Nodejs-Passport-Login: `run` said 1 and `security` 3 for the same tree)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    data = json.loads(out.read_text())
    assert data["status"] == "error"  # the result still says a check could not run
    assert [f["rule_id"] for f in data["findings"]] == ["secrets.github-token"]
    assert len(data["errors"]) == 1 and data["errors"][0].startswith("audit: ")
    failed = next(m for m in data["metrics"] if m["name"] == "audit.could_not_run")
    assert failed["status"] == "error" and failed["value"] is None
    # run.py, settings.py, package.json (package-lock.json is excluded by default)
    assert next(m for m in data["metrics"] if m["name"] == "secrets.files")["value"] == 3


def test_a_lockfile_that_does_not_parse_is_a_usage_error_before_any_check_runs(project, cli_env):
    (project / "package.json").write_text('{"name": "x", "dependencies": {"qs": "^1"}}\n')
    (project / "package-lock.json").write_text('{"lockfileVersion": 7, "packages": {}}\n')
    out = project / "security.json"
    proc = run_cli("security", ".", "--only", "secrets", "--only", "audit", "--advisory-db", str(ADVISORY_DB),
                   "-o", str(out), cwd=project, env=cli_env)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "package-lock.json:1: lockfileVersion 7 is not supported" in proc.stderr
    assert not out.exists()


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_missing_path_is_still_a_usage_error_with_nothing_written(project, cli_env):
    out = project / "security.json"
    proc = run_cli("security", "nope", "-o", str(out), cwd=project, env=cli_env)
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"echotune-ci: error: {project / 'nope'}: no such file or folder to scan"
    assert not out.exists()


def test_every_registered_check_has_a_preflight():
    from echotune_ci.phases.security.checks import CHECK_NAMES

    for name in CHECK_NAMES:
        check = get_check(name)
        assert callable(getattr(check, "preflight", None)), name
        check.preflight(SecuritySettings(), _ctx(Path(__file__).parent))  # defaults: nothing to refuse
