"""Issue 14, kind 4: a file a scanner skipped is an error of that check (exit 3), or a warning with
``skipped = "warn"``, counted apart from the scanned files; the same rule for bandit, secrets and njsscan."""

from __future__ import annotations

import builtins
import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import run_cli
from echotune_ci.config.schema import override
from echotune_ci.phases.base import PhaseContext
from echotune_ci.phases.security.checks import node
from echotune_ci.phases.security.checks.bandit import why_skipped
from echotune_ci.phases.security.checks.secrets import Allowlist
from echotune_ci.phases.security.checks.secrets import scan as scan_secrets
from echotune_ci.phases.security.phase import SECURITY
from echotune_ci.phases.security.settings import SecuritySettings

GITHUB = "ghp_" + "aB3dE5gH7jK9mN1pQ3sT5vX7zA9cE1gI3kM5"  # made up, not a live credential
PEP_695_PARSES = sys.version_info >= (3, 12)  # `type X = int` is Python 3.12 syntax


def _python_project(root: Path) -> Path:
    (root / "ok.py").write_text('import subprocess\nsubprocess.call("ls", shell=True)\n')
    (root / "matching.py").write_text("def f(x):\n    match x:\n        case 1:\n            return 1\n")
    (root / "aliases.py").write_text("type Pair = tuple[int, int]\nimport pickle\n")
    (root / "latin1.py").write_bytes(b's = "caf\xe9"\nimport pickle\n')
    (root / "declared.py").write_bytes(b'# -*- coding: latin-1 -*-\ns = "caf\xe9"\n')
    return root


def _bandit_cli_skipped(root: Path) -> set[str]:
    """The files the real bandit command line reports in its ``errors`` (files it did not scan)."""
    bandit = Path(sys.executable).parent / "bandit"
    proc = subprocess.run([str(bandit), "-q", "-r", ".", "-f", "json"], cwd=root, capture_output=True,
                          text=True, timeout=120)
    return {Path(e["filename"]).name for e in json.loads(proc.stdout)["errors"]}


def test_bandit_files_it_cannot_parse_are_skipped_files_and_exit_3(tmp_path, cli_env):
    project = _python_project(tmp_path)
    expected = _bandit_cli_skipped(project)
    assert expected == ({"latin1.py"} if PEP_695_PARSES else {"latin1.py", "aliases.py"})
    out = tmp_path / "r.json"
    proc = run_cli("security", ".", "--only", "bandit", "-o", str(out), cwd=project, env=cli_env)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    data = json.loads(out.read_text())
    metrics = {m["name"]: m for m in data["metrics"]}
    assert metrics["bandit.skipped_files"]["value"] == len(expected)
    assert metrics["bandit.skipped_files"]["status"] == "error"
    assert metrics["bandit.files"]["value"] == 5 - len(expected)  # scanned ones only
    named = ", ".join(sorted(expected))
    summary = f"bandit: {len(expected)} Python files not scanned (bandit could not scan them): {named}"
    assert data["errors"] == [f"{summary}; fix or exclude them, or set [security.bandit] skipped = \"warn\""]
    assert data["warnings"] == []  # the error line is shown in the comment's Warnings section, once
    notes = [n for n in data["notes"] if n.startswith("bandit: not scanned: ")]
    assert ("bandit: not scanned: latin1.py: line 1: byte 0xe9 is not UTF-8 (Python reads source as UTF-8 "
            "unless a PEP 263 coding line names another encoding)") in notes
    if not PEP_695_PARSES:
        version = f"{sys.version_info.major}.{sys.version_info.minor}"
        assert (f"bandit: not scanned: aliases.py: line 1: invalid syntax (Python {version}, which runs "
                "bandit, cannot parse it: broken code, or syntax of a newer Python)") in notes


def test_bandit_skipped_files_warn_when_configured(tmp_path, cli_env):
    project = _python_project(tmp_path)
    (project / "echotune.toml").write_text('[security.bandit]\nskipped = "warn"\n')
    out = tmp_path / "r.json"
    proc = run_cli("security", ".", "--only", "bandit", "--fail-on", "critical", "-o", str(out), cwd=project,
                   env=cli_env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(out.read_text())
    skipped = next(m for m in data["metrics"] if m["name"] == "bandit.skipped_files")
    assert skipped["status"] == "warn" and skipped["value"] >= 1
    assert data["status"] == "warn" and data["errors"] == []
    assert len(data["warnings"]) == 1 and data["warnings"][0].startswith("bandit: ")
    assert data["warnings"][0].endswith('; [security.bandit] skipped = "warn"')


def test_skipped_accepts_only_error_or_warn(tmp_path, cli_env):
    (tmp_path / "echotune.toml").write_text('[security.secrets]\nskipped = "ignore"\n')
    proc = run_cli("security", ".", "--only", "secrets", cwd=tmp_path, env=cli_env)
    assert proc.returncode == 2 and "skipped" in proc.stderr and "Traceback" not in proc.stderr


def test_why_bandit_skipped_names_the_cause(tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text("x = (\n")
    assert why_skipped(broken, "syntax error while parsing AST from file").startswith(
        "line 1: '(' was never closed (Python ")
    declared = tmp_path / "declared.py"
    declared.write_bytes(b"# coding: utf-8\nx = '\xff'\n")
    assert why_skipped(declared, "exception while scanning file").startswith("line 2: byte 0xff is not UTF-8")
    unknown = tmp_path / "unknown.py"
    unknown.write_bytes(b"# coding: klingon\nx = 1\n")
    assert why_skipped(unknown, "syntax error while parsing AST from file") == (
        "its coding line names an encoding Python does not know ('klingon')")
    assert why_skipped(tmp_path / "gone.py", "No such file or directory") == "No such file or directory"


def _ctx(root: Path) -> PhaseContext:
    return PhaseContext(artifacts_dir=root / "artifacts", base_dir=root, root=root)


def test_secrets_too_large_files_are_skipped_binary_files_are_not_text(tmp_path):
    (tmp_path / "settings.py").write_text(f'TOKEN = "{GITHUB}"\n')
    (tmp_path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + GITHUB.encode())
    (tmp_path / "dump.sql").write_text(f"-- {GITHUB}\n" + "x" * 2_000)
    # Latin-1 text: not UTF-8, but text; detect-secrets drops such a file ("we flat out ignore binary
    # files"), gitleaks scans its bytes. It is scanned here and the token in it is found.
    (tmp_path / "legacy.cfg").write_bytes(b"# r\xe9glages\ntoken = " + GITHUB.encode() + b"\n")
    settings = override(SecuritySettings(), checks=("secrets",), **{"secrets.max_file_bytes": 1_000})
    result = SECURITY.run(settings, _ctx(tmp_path))
    metrics = {m.name: m for m in result.metrics}
    assert metrics["secrets.files"].value == 2  # settings.py, legacy.cfg
    assert metrics["secrets.not_text"].value == 1 and metrics["secrets.not_text"].status == "pass"
    assert metrics["secrets.skipped_files"].value == 1 and metrics["secrets.skipped_files"].status == "error"
    assert sorted(f.location.path for f in result.findings) == ["legacy.cfg", "settings.py"]
    assert "secrets: not scanned: dump.sql: 2,044 bytes, over [security.secrets] max_file_bytes (1,000)" \
        in result.notes
    assert result.status == "error" and result.errors == [
        'secrets: 1 files not scanned (the secret scan could not scan them): dump.sql; fix or exclude them, '
        'or set [security.secrets] skipped = "warn"']


def test_a_large_binary_file_is_not_text_not_a_file_left_unscanned(tmp_path):
    # mern-ecommerce: frontend/public/shoes.jpg, 1,756,313 bytes over max_file_bytes, made the security
    # phase "could not run" (secrets.skipped_files 1, an error) on a healthy repository. gitleaks skips
    # binary files whatever their size; a JPEG's header holds NUL bytes (JFIF APP0: FF D8 FF E0 00 10 ...).
    (tmp_path / "shoes.jpg").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\x7f" * 5_000)
    (tmp_path / "dump.sql").write_text(f"-- {GITHUB}\n" + "x" * 2_000)  # large text: still not scanned
    settings = override(SecuritySettings(), checks=("secrets",), **{"secrets.max_file_bytes": 1_000})
    metrics = {m.name: m for m in SECURITY.run(settings, _ctx(tmp_path)).metrics}
    assert metrics["secrets.not_text"].value == 1
    assert metrics["secrets.skipped_files"].value == 1  # dump.sql only


def test_secrets_unreadable_file_is_skipped_not_binary(tmp_path, monkeypatch):
    (tmp_path / "ok.env").write_text("DEBUG=1\n")
    (tmp_path / "locked.env").write_text(f"TOKEN={GITHUB}\n")
    real_open = builtins.open

    def refusing_open(file, *args, **kwargs):
        if str(file).endswith("locked.env"):
            raise PermissionError(13, "Permission denied")  # as root, chmod 000 would not stop a read
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", refusing_open)
    report = scan_secrets(tmp_path, [], exclude=[], allowlist=Allowlist(), max_file_bytes=1_000_000,
                          entropy=3.5, min_length=12, workers=1)
    assert report.files == 1 and report.skipped_binary == []
    assert report.skipped == [("locked.env", "cannot be read (Permission denied)")]


def test_secrets_a_rule_that_gave_up_makes_the_file_skipped(tmp_path, monkeypatch):
    from echotune_ci.phases.security import secret_assignments as assign
    from echotune_ci.phases.security.secret_rules import default_rules

    monkeypatch.setattr(default_rules(assign.ANCHOR_WORDS), "budget", 0.05)
    (tmp_path / "bundle.js").write_text("curl -H x " * 20000 + f'\nconst t = "{GITHUB}";\n')
    settings = override(SecuritySettings(), checks=("secrets",), **{"secrets.skipped": "warn"})
    result = SECURITY.run(settings, _ctx(tmp_path))
    metrics = {m.name: m for m in result.metrics}
    assert metrics["secrets.files"].value == 0 and metrics["secrets.skipped_files"].value == 1
    assert metrics["secrets.skipped_files"].status == "warn" and result.errors == []
    assert [f.rule_id for f in result.findings] == ["secrets.github-token"]  # what the other rules found
    gave_up = "secrets: not scanned: bundle.js: rule(s) curl-auth-header"
    assert any(n.startswith(gave_up) for n in result.notes)


# Recorded from a real run: njsscan 1.0.2 / semgrep 1.172.0 on two files (run_njsscan, see
# tests/integration/test_security_isolation_scanners.py for the live run).
SEMGREP_ERRORS = [
    {"code": 3, "level": "warn", "type": "Syntax error",
     "message": "Syntax error at line /p/server/broken.js:1:\n `const express = require(\"express\");\n"
                "const app = express(;\nfunction (( {\n` was unexpected",
     "path": "/p/server/broken.js"},
    {"code": 3, "level": "warn",
     "type": ["PartialParsing", [{"path": "/p/server/partial.js",
                                  "start": {"line": 2, "col": 11, "offset": 0},
                                  "end": {"line": 2, "col": 19, "offset": 8}}]],
     "message": "Syntax error at line /p/server/partial.js:2:\n `<<<>>> ;` was unexpected",
     "path": "/p/server/partial.js",
     "spans": [{"file": "/p/server/partial.js", "start": {"line": 2, "col": 11, "offset": 0},
                "end": {"line": 2, "col": 19, "offset": 8}}]},
    {"code": 3, "level": "warn", "type": "Timeout", "rule_id": "node_ssrf", "path": "/p/server/big.js",
     "message": "Timeout when running node_ssrf on /p/server/big.js"},
    {"code": 2, "level": "error", "type": "SemgrepError", "message": "Invalid scanning root: x.js"},
]


def test_njsscan_file_errors_are_skipped_files_with_why():
    skipped, failures = node.scan_errors(SEMGREP_ERRORS, Path("/p"))
    assert skipped == [
        ("server/broken.js", "Syntax error: Syntax error at line server/broken.js:1: `const express = "
                             "require(\"express\"); const app = express(; function (( { ` was unexpected"),
        ("server/partial.js", "partly parsed: the code at line(s) 2 was not analysed (Syntax error at line "
                              "server/partial.js:2: `<<<>>> ;` was unexpected)"),
        ("server/big.js", "Timeout (rule node_ssrf): Timeout when running node_ssrf on server/big.js"),
    ]
    assert failures == ["Invalid scanning root: x.js"]


@pytest.mark.parametrize("policy, status", [("error", "error"), ("warn", "warn")])
def test_njsscan_skipped_files_follow_the_same_rule(tmp_path, monkeypatch, policy, status):
    (tmp_path / "server").mkdir()
    for name in ("ok.js", "broken.js", "partial.js", "big.js"):
        (tmp_path / "server" / name).write_text("const express = require('express');\n")
    recorded = json.loads(json.dumps(SEMGREP_ERRORS[:3]).replace("/p/", f"{tmp_path}/"))
    monkeypatch.setattr(node, "tool_versions", lambda: {"njsscan": "1.0.2", "semgrep": "1.172.0"})
    monkeypatch.setattr(node, "run_njsscan", lambda files, **_: node.NjsscanRun(errors=recorded))
    settings = override(SecuritySettings(), checks=("node",), **{"node.skipped": policy})
    result = SECURITY.run(settings, _ctx(tmp_path))
    metrics = {m.name: m for m in result.metrics if not m.labels}
    assert metrics["node.files"].value == 1 and metrics["node.skipped_files"].value == 3
    assert metrics["node.skipped_files"].status == status and result.status == status
    assert len(result.errors) == (1 if policy == "error" else 0)
    assert len(result.warnings) == (0 if policy == "error" else 1)
