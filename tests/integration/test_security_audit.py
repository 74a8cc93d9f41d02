"""pip-audit driven as a library, offline: advisory data on disk, bad input, pyproject and environment."""

from __future__ import annotations

import json

import pytest

from support.security_audit import findings, security
from conftest import ADVISORY_DB, MUSICAPP

def test_offline_audit_finds_known_vulnerabilities_in_old_pins(tmp_path, old_pins, cli_env):
    out = tmp_path / "results" / "security.json"
    proc = security(tmp_path, cli_env, "--requirements", str(old_pins), "--advisory-db", str(ADVISORY_DB),
                    "--output", str(out))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    found = findings(out)
    by_id = {f["rule_id"]: f for f in found}
    assert {"PYSEC-2019-217", "PYSEC-2021-66", "PYSEC-2018-49", "PYSEC-2021-142"} <= set(by_id)
    assert {f["properties"]["package"] for f in found} == {"jinja2", "PyYAML"}
    sandbox = by_id["PYSEC-2019-217"]
    assert sandbox["properties"]["package"] == "jinja2"
    assert sandbox["properties"]["version"] == "2.10"
    assert sandbox["properties"]["fixed_versions"] == ["2.10.1"]
    assert "CVE-2019-10906" in sandbox["properties"]["aliases"]
    assert sandbox["properties"]["requirements_file"] == "requirements.txt"
    assert sandbox["location"] == {"path": "requirements.txt", "line": 2}
    assert sandbox["help_url"] == "https://osv.dev/vulnerability/PYSEC-2019-217"
    assert sandbox["severity"] == "high"  # no severity in the record: the documented default
    assert by_id["PYSEC-2018-49"]["location"]["line"] == 3
    data = json.loads(out.read_text())
    assert data["tool_versions"]["pip-audit"]
    assert any("offline advisory data" in n for n in data["notes"])


def test_current_pins_of_the_example_app_have_none(tmp_path, cli_env):
    out = tmp_path / "security.json"
    proc = security(tmp_path, cli_env, "-r", str(MUSICAPP / "requirements.txt"), "--advisory-db",
                    str(ADVISORY_DB), "-o", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(out.read_text())
    assert data["findings"] == []
    metrics = {m["name"]: m["value"] for m in data["metrics"]}
    # 15 pins: the 12 the app imports plus packaging and zope.* that gunicorn's gevent worker needs
    # (the example runs in its own venv now, so its requirements must be complete)
    assert metrics["audit.packages"] == 15 and metrics["audit.vulnerabilities"] == 0
    # packages the advisory data has never heard of are named, not silently passed
    assert any("no entry in the advisory data" in n and "itsdangerous" in n for n in data["notes"])


def test_severity_comes_from_the_cvss_vector_else_the_configured_default(tmp_path, cli_env):
    (tmp_path / "requirements.txt").write_text("werkzeug==3.0.0\nurllib3==1.26.5\njinja2==2.10\n")
    (tmp_path / "echotune.toml").write_text('[security.audit]\ndefault_severity = "medium"\n')
    out = tmp_path / "r.json"
    proc = security(tmp_path, cli_env, "-r", "requirements.txt", "--advisory-db", str(ADVISORY_DB),
                    "-o", str(out))
    by_id = {f["rule_id"]: f for f in findings(out)}
    werkzeug = by_id["PYSEC-2023-221"]  # CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H
    assert werkzeug["severity"] == "high" and werkzeug["properties"]["cvss_score"] == 7.5
    assert werkzeug["properties"]["severity_basis"] == "CVSS_V3"
    assert by_id["PYSEC-2023-192"]["properties"]["cvss_score"] == 8.1  # urllib3, ranges out of order
    assert by_id["PYSEC-2019-217"]["severity"] == "medium"
    assert proc.returncode == 1  # the CVSS-rated ones are high
    (tmp_path / "requirements.txt").write_text("jinja2==2.10\n")
    proc = security(tmp_path, cli_env, "-r", "requirements.txt", "--advisory-db", str(ADVISORY_DB),
                    "-o", str(out))
    assert proc.returncode == 0, proc.stderr  # medium is below budgets.security_fail_on = high
    assert json.loads(out.read_text())["status"] == "warn"
    proc = security(tmp_path, cli_env, "-r", "requirements.txt", "--advisory-db", str(ADVISORY_DB),
                    "--fail-on", "medium")
    assert proc.returncode == 1


@pytest.mark.parametrize("content, expected", [
    ("jinja2==\n", "requirements.txt:1: jinja2== (pip would reject this line: Invalid requirement"),
    ("jinja2>=2.10\n", "requirements.txt:1: jinja2 (not pinned (jinja2>=2.10): no exact version to audit)"),
])
def test_bad_lines_are_listed_not_fatal(tmp_path, cli_env, content, expected):
    # issue 14: a line that cannot be audited is named with the reason; it no longer stops the phase
    (tmp_path / "requirements.txt").write_text(content)
    out = tmp_path / "r.json"
    proc = security(tmp_path, cli_env, "-r", "requirements.txt", "--advisory-db", str(ADVISORY_DB),
                    "-o", str(out))
    data = json.loads(out.read_text())
    assert proc.returncode == 0 and data["status"] == "warn", proc.stderr
    assert any(expected in n for n in data["notes"]), data["notes"]
    assert any(w.startswith("audit: 0 packages checked") for w in data["warnings"])


def test_bad_advisory_data_is_named(tmp_path, old_pins, cli_env):
    proc = security(tmp_path, cli_env, "-r", str(old_pins), "--advisory-db", str(tmp_path))
    assert proc.returncode == 2 and "not an advisory database" in proc.stderr
    broken = tmp_path / "db" / "vulns" / "jinja2"
    broken.mkdir(parents=True)
    (broken / "PYSEC-1.yaml").write_text("id: [unclosed\n")
    proc = security(tmp_path, cli_env, "-r", str(old_pins), "--advisory-db", str(tmp_path / "db"))
    # a record that does not parse is met while auditing: an error of the audit (issue 14, kind 3)
    assert proc.returncode == 3 and "PYSEC-1.yaml: unreadable advisory record" in proc.stderr


def test_pyproject_pins_ranges_and_strict_mode(tmp_path, cli_env):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\nversion = "1"\n'
        'dependencies = ["jinja2==2.10", "click>=8", "surely-not-installed-pkg>=1"]\n')
    out = tmp_path / "r.json"
    proc = security(tmp_path, cli_env, "--pyproject", "pyproject.toml", "--advisory-db", str(ADVISORY_DB),
                    "-o", str(out))
    assert proc.returncode == 1, proc.stderr
    data = json.loads(out.read_text())
    assert {f["properties"]["package"] for f in data["findings"]} == {"jinja2"}
    assert all(f["properties"]["requirements_file"] == "pyproject.toml" for f in data["findings"])
    # issue 14: a range is listed as not auditable (no longer the version installed where the audit runs)
    assert any("surely-not-installed-pkg (not pinned (surely-not-installed-pkg>=1)" in n
               for n in data["notes"])
    assert any("click (not pinned (click>=8)" in n for n in data["notes"])
    metrics = {m["name"]: m for m in data["metrics"]}
    assert metrics["audit.packages"]["value"] == 1 and metrics["audit.skipped_packages"]["value"] == 2
    (tmp_path / "echotune.toml").write_text("[security.audit]\nstrict = true\n")
    security(tmp_path, cli_env, "--pyproject", "pyproject.toml", "--advisory-db", str(ADVISORY_DB),
             "-o", str(out))
    skipped = next(m for m in json.loads(out.read_text())["metrics"] if m["name"] == "audit.skipped_packages")
    assert skipped["status"] == "fail" and skipped["budget"] == 0


def test_installed_environment(tmp_path, cli_env):
    out = tmp_path / "r.json"
    proc = security(tmp_path, cli_env, "--installed", "--advisory-db", str(ADVISORY_DB), "-o", str(out))
    data = json.loads(out.read_text())
    assert proc.returncode in (0, 1) and data["errors"] == [], proc.stderr
    packages = next(m for m in data["metrics"] if m["name"] == "audit.packages")["value"]
    assert packages > 50  # this venv: pip-audit, bandit, playwright, locust, flask ...
    assert all(f["properties"]["requirements_file"] == "" and "location" not in f for f in data["findings"])


def test_npm_advisory_data_does_not_pass_python_pins_as_clean(tmp_path, old_pins, cli_env):
    # advisory-db-npm holds no PyPI record: jinja2 2.10 (vulnerable) must not read as "0 vulnerable"
    npm_db = ADVISORY_DB.parent / "advisory-db-npm"
    out = tmp_path / "security.json"
    proc = security(tmp_path, cli_env, "-r", str(old_pins), "--advisory-db", str(npm_db), "-o", str(out))
    data = json.loads(out.read_text())
    assert proc.returncode == 0 and data["status"] == "warn", proc.stdout + proc.stderr
    metrics = {m["name"]: m for m in data["metrics"]}
    assert metrics["audit.packages"]["value"] == 0 and metrics["audit.skipped_packages"]["value"] == 3
    assert metrics["audit.skipped_packages"]["status"] == "warn"
    assert data["notes"][0] == (f"audit: PyPI: 0 packages checked, 0 vulnerable, 3 not checked (offline "
                                f"advisory data {npm_db.resolve()} holds no PyPI advisories)")
    assert not any("no entry in the advisory data" in n for n in data["notes"])
