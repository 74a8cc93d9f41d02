"""bandit and the secret scan on real files, through the real command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run_cli
from echotune_ci.errors import ConfigError
from echotune_ci.phases.security.checks.secrets import (
    Allowlist,
    load_allowlist,
    mask_secret,
    secret_hash,
)
from echotune_ci.phases.security.checks.secrets import scan as scan_secrets

VULNERABLE = '''\
import pickle
import subprocess


def run(cmd):
    return subprocess.call(cmd, shell=True)


def load(data):
    return pickle.loads(data)


def trusted(cmd):
    return subprocess.call(cmd, shell=True)  # nosec B602
'''

# Realistic-looking but made-up values (none of them is a live credential).
GITHUB = "ghp_" + "aB3dE5gH7jK9mN1pQ3sT5vX7zA9cE1gI3kM5"
AWS_ID = "AKIA" + "QX7RZ2LMN4PBJKTW"  # base32 (A-Z, 2-7), like every real key id
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQ8Lm3Nq5T"  # pragma: allowlist secret
PPLX = "pplx-" + "Zq4Lm8Np2Rs6Tv0Xy3Ab7Cd1Ef5Gh9Jk2Mn6Pq0Rs4Tv8W"
OPENAI = "sk-proj-" + "Hj5Kl9Mn3Pq7Rs1Tv5Wx9Yz3Ab7Cd1Ef5Gh9Jk3Lm"
JWT = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJkZW1vIiwiZXhwIjoxOTAwMDAwMDAwfQ."
       "u7Xq3K9Lm2Np5Rs8Tv1Wx4Yz7Ab0Cd3Ef6Gh9Jk2Lm")
GENERIC = "9fK2#xQ7!mL4$wR8@pT1"
YAML_SECRET = "Qm9vVzR2eTZ4TjNyWjFwSzhi"  # pragma: allowlist secret
SECRETS = [GITHUB, AWS_ID, AWS_SECRET, PPLX, OPENAI, JWT, GENERIC, YAML_SECRET]


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "vulnerable.py").write_text(VULNERABLE)
    (tmp_path / "app" / "settings.py").write_text(
        f'GITHUB_TOKEN = "{GITHUB}"\n'
        f'aws_access_key_id = "{AWS_ID}"\n'
        f'aws_secret_access_key = "{AWS_SECRET}"\n'
        f'PERPLEXITY = "{PPLX}"\n'
        f'OPENAI = "{OPENAI}"\n'
        f'SESSION = "{JWT}"\n'
        f'db_password = "{GENERIC}"\n'
        'token_env = "GITHUB_TOKEN"  # a name, not a secret\n'
        'api_key = "changeme-changeme-changeme"\n'
        f'allowed = "{OPENAI[:-1]}X"  # pragma: allowlist secret\n'
    )
    (tmp_path / "app" / "config.yml").write_text(
        "database:\n  host: db.internal\n  password: Qm9vVzR2eTZ4TjNyWjFwSzhi\n  password_env: DB_PASSWORD\n")
    (tmp_path / "deploy_key").write_text(
        "-----BEGIN OPENSSH PRIVATE KEY-----\n"  # pragma: allowlist secret
        "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n"  # pragma: allowlist secret
        "-----END OPENSSH PRIVATE KEY-----\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_app.py").write_text("def test_x():\n    assert 1\n")
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / "demo.py").write_text("import pickle\npickle.loads(b'')\n")
    (tmp_path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0" + GITHUB.encode())
    (tmp_path / "dump.sql").write_text(f"-- {GITHUB}\n" + "x" * 2_000_000)
    return tmp_path


def security(project: Path, *args: str, env=None):
    return run_cli("security", *args, cwd=project, env=env)


def test_bandit_finds_real_issues_respects_nosec_and_excludes_tests(project, cli_env):
    out = project / "results" / "security.json"
    proc = security(project, "--only", "bandit", "--output", str(out), env=cli_env)
    assert proc.returncode == 1, proc.stdout + proc.stderr  # B602 is high
    data = json.loads(out.read_text())
    by_rule = {f["rule_id"]: f for f in data["findings"]}
    assert set(by_rule) == {"B602", "B301", "B403", "B404", "B105"}  # B105: db_password in settings.py
    shell = by_rule["B602"]
    assert shell["severity"] == "high" and shell["location"] == {"path": "app/vulnerable.py", "line": 6,
                                                                  "column": 12}
    assert shell["help_url"].startswith("https://bandit.readthedocs.io/") and "b602" in shell["help_url"]
    assert shell["properties"]["confidence"] == "high"
    # the nosec'd copy on line 14 is not reported, but counted
    assert [f["location"]["line"] for f in data["findings"] if f["rule_id"] == "B602"] == [6]
    assert next(m for m in data["metrics"] if m["name"] == "bandit.nosec")["value"] == 1
    # tests/ and examples/ are left out unless asked
    assert next(m for m in data["metrics"] if m["name"] == "bandit.files")["value"] == 2
    assert data["tool_versions"]["bandit"]


def test_bandit_thresholds_and_explicit_paths(project, cli_env):
    (project / "echotune.toml").write_text('[security.bandit]\nseverity = "medium"\nconfidence = "high"\n')
    out = project / "r.json"
    proc = security(project, "app/vulnerable.py", "examples/demo.py", "--only", "bandit", "-o", str(out),
                    env=cli_env)
    assert proc.returncode == 1, proc.stderr
    data = json.loads(out.read_text())
    # low-severity import warnings are below the threshold; examples/ stays excluded
    assert sorted(f["rule_id"] for f in data["findings"]) == ["B301", "B602"]
    (project / "echotune.toml").write_text('[security.bandit]\nexclude = []\n'
                                           'skip = ["B602", "B403", "B404"]\n')
    proc = security(project, "examples/demo.py", "--only", "bandit", "-o", str(out), env=cli_env)
    assert proc.returncode == 0, proc.stderr  # B301 is medium: a warning below the gate
    assert [f["rule_id"] for f in json.loads(out.read_text())["findings"]] == ["B301"]


def test_secrets_found_masked_everywhere_and_skips_counted(project, cli_env):
    out = project / "results" / "security.json"
    sarif = project / "results" / "security.sarif"
    proc = security(project, "--only", "secrets", "--output", str(out), "--sarif", str(sarif), env=cli_env)
    # dump.sql is over max_file_bytes (a skipped file is an error), and the secrets found block: exit 1
    assert proc.returncode == 1, proc.stderr
    data = json.loads(out.read_text())
    rules = sorted((f["location"]["path"], f["rule_id"]) for f in data["findings"])
    assert rules == sorted([
        ("app/settings.py", "secrets.github-token"),
        ("app/settings.py", "secrets.aws-access-key-id"),
        ("app/settings.py", "secrets.aws-secret-access-key"),
        ("app/settings.py", "secrets.perplexity-api-key"),
        ("app/settings.py", "secrets.openai-api-key"),
        ("app/settings.py", "secrets.jwt"),
        ("app/settings.py", "secrets.generic-high-entropy"),
        ("app/config.yml", "secrets.generic-high-entropy"),
        ("deploy_key", "secrets.private-key"),
    ])
    github = next(f for f in data["findings"] if f["rule_id"] == "secrets.github-token")
    assert github["properties"]["masked"] == "ghp_…(40 chars)"
    assert github["properties"]["hash"] == secret_hash(GITHUB)
    metrics = {m["name"]: m["value"] for m in data["metrics"]}
    assert metrics["secrets.not_text"] == 1 and metrics["secrets.skipped_files"] == 1  # logo.png, dump.sql
    everything = out.read_text() + sarif.read_text() + proc.stdout + proc.stderr
    for value in SECRETS:
        assert value not in everything
        assert value[: len(value) // 2] not in everything  # not even half of it


def test_allowlist_file_and_its_errors(project, tmp_path):
    allow = project / ".echotune-secrets-allow"
    allow.write_text(f"# reviewed\npath:deploy_key\nrule:secrets.jwt\nsha256:{secret_hash(GITHUB)[7:]}\n")
    report = scan_secrets(project, ["app", "deploy_key"], exclude=[], allowlist=load_allowlist(allow),
                          max_file_bytes=10_000, entropy=3.5, min_length=12)
    rules = {f.rule_id for f in report.findings}
    assert "secrets.github-token" not in rules and "secrets.jwt" not in rules
    assert "secrets.private-key" not in rules and "secrets.aws-access-key-id" in rules
    assert report.allowed == 2
    allow.write_text("sha1:abc\n")
    with pytest.raises(ConfigError, match=r"\.echotune-secrets-allow:1: expected"):
        load_allowlist(allow)


def test_mask_shows_a_short_prefix_only():
    assert mask_secret("hunter2") == "h…(7 chars)"
    assert mask_secret(GITHUB) == "ghp_…(40 chars)"
    assert Allowlist().allows("secrets.jwt", "sha256:00") is False


def test_bandit_password_findings_are_masked(tmp_path, cli_env):
    (tmp_path / "conf.py").write_text('password = "Tr0ub4dor&3-horse"\n')  # pragma: allowlist secret
    out = tmp_path / "r.json"
    security(tmp_path, "conf.py", "--only", "bandit", "-o", str(out), env=cli_env)
    text = json.dumps(json.loads(out.read_text()), ensure_ascii=False)
    assert "B105" in text and "Tr0ub4dor&3-horse" not in text and "Tr0u…(17 chars)" in text


def test_missing_path_is_a_usage_error(tmp_path, cli_env):
    proc = security(tmp_path, "nope.py", "--only", "secrets", env=cli_env)
    assert proc.returncode == 2
    assert proc.stderr.strip() == (f"echotune-ci: error: {tmp_path / 'nope.py'}: "
                                   "no such file or folder to scan")
