"""Lockfiles and pyproject pins through the security command (issue 14, kind 2), and the rule that an
audit of 0 packages is never a clean pass.

The issue's example: a Poetry project audited 0 packages and passed. Here the
project's own files are found without configuration (lockfile first, else the
pyproject.toml pins), jinja2 2.10 (PYSEC-2019-217 in ../shared/advisory-db) is
found at its lockfile entry, and the per-ecosystem count says how many packages
were checked.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from support.security_audit import security
from conftest import ADVISORY_DB

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pymanifests"


def audit(project: Path, cli_env, *args: str) -> tuple[int, dict]:
    out = project / "security.json"
    proc = security(project, cli_env, "--only", "audit", "--advisory-db", str(ADVISORY_DB), "-o", str(out),
                    *args)
    assert out.exists(), proc.stdout + proc.stderr
    return proc.returncode, json.loads(out.read_text())


def metric(data: dict, name: str) -> dict:
    return next(m for m in data["metrics"] if m["name"] == name and m["labels"].get("ecosystem") == "PyPI")


@pytest.mark.parametrize("fixture, lockfile, line, packages, unauditable", [
    ("poetry", "poetry.lock", 14, 4, 1),      # + mylib from git
    ("pdm", "pdm.lock", 13, 4, 1),            # + an editable linter
    ("uv", "uv.lock", 11, 4, 0),              # the project itself is not a package
    ("pipenv", "Pipfile.lock", 19, 4, 1),     # jinja2 in default and develop counts once; + a git tool
    ("pylock", "pylock.toml", 9, 3, 1),
])
def test_lockfiles_are_found_and_audited(tmp_path, cli_env, fixture, lockfile, line, packages, unauditable):
    project = tmp_path / fixture
    shutil.copytree(FIXTURES / fixture, project)
    code, data = audit(project, cli_env)
    assert code == 1, data
    sandbox = next(f for f in data["findings"] if f["rule_id"] == "PYSEC-2019-217")
    assert sandbox["location"] == {"path": lockfile, "line": line}
    assert sandbox["properties"]["package"] == "jinja2" and sandbox["properties"]["dev"] is False
    assert metric(data, "audit.packages")["value"] == packages
    assert metric(data, "audit.skipped_packages")["value"] == unauditable
    assert any(n.startswith(f"audit: PyPI: {packages} packages checked") for n in data["notes"])
    assert data["warnings"] == []


def test_production_only_leaves_dev_groups_out(tmp_path, cli_env):
    project = tmp_path / "poetry"
    shutil.copytree(FIXTURES / "poetry", project)
    (project / "echotune.toml").write_text("[security.audit]\nproduction_only = true\n")
    _, data = audit(project, cli_env)
    assert metric(data, "audit.packages")["value"] == 2  # jinja2, markupsafe; not pytest, iniconfig
    assert "audit: PyPI: 2 dev-only packages left out (production_only)" in data["notes"]


def test_a_poetry_project_without_lockfile_audits_its_exact_pins(tmp_path, cli_env):
    project = tmp_path / "app"
    shutil.copytree(FIXTURES / "poetry-nolock", project)
    code, data = audit(project, cli_env)
    assert code == 1
    sandbox = next(f for f in data["findings"] if f["rule_id"] == "PYSEC-2019-217")
    assert sandbox["location"] == {"path": "pyproject.toml", "line": 9}
    assert metric(data, "audit.packages")["value"] == 4  # jinja2, pyyaml, requests, pytest
    notes = "\n".join(data["notes"])
    assert 'flask (not pinned (flask = "^2.0"): no exact version to audit)' in notes


def test_configured_lockfile(tmp_path, cli_env):
    project = tmp_path / "p"
    shutil.copytree(FIXTURES / "poetry-1.1", project)
    (project / "echotune.toml").write_text('[security.audit]\nlockfiles = ["poetry.lock"]\n')
    _, data = audit(project, cli_env)
    assert metric(data, "audit.packages")["value"] == 3
    (project / "echotune.toml").write_text('[security.audit]\nlockfiles = ["nope/uv.lock"]\n')
    proc = security(project, cli_env, "--only", "audit", "--advisory-db", str(ADVISORY_DB))
    assert proc.returncode == 2 and "uv.lock: lockfile not found" in proc.stderr


def test_zero_packages_warns_in_the_result_and_on_the_console(tmp_path, cli_env):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "1"\n'
                                             'dependencies = ["flask>=2", "jinja2~=3.1"]\n')
    out = tmp_path / "security.json"
    proc = security(tmp_path, cli_env, "--only", "audit", "--advisory-db", str(ADVISORY_DB), "-o", str(out))
    data = json.loads(out.read_text())
    assert data["status"] == "warn" and proc.returncode == 0
    (warning,) = [w for w in data["warnings"] if w.startswith("audit: 0 packages checked")]
    assert "2 not auditable" in warning
    assert "0 packages checked" in proc.stdout + proc.stderr


def test_nothing_to_audit_warns(tmp_path, cli_env):
    out = tmp_path / "security.json"
    proc = security(tmp_path, cli_env, "--only", "audit", "--advisory-db", str(ADVISORY_DB), "-o", str(out))
    data = json.loads(out.read_text())
    assert data["status"] == "warn" and proc.returncode == 0, proc.stderr
    assert any(w.startswith("audit: 0 packages checked: no requirements file") for w in data["warnings"])
