"""pip-audit driven as a library: offline advisory data, a strict OSV API stand-in, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from conftest import ADVISORY_DB, MUSICAPP, run_cli
from echotune_ci.serve import free_port
from support.fake_osv import FakeOsv

OLD_PINS = "# old pins\njinja2==2.10\nPyYAML==3.13\nflask==3.1.3\n"


def security(cwd: Path, env, *args: str):
    return run_cli("security", *args, cwd=cwd, env=env)


def findings(path: Path) -> list[dict]:
    return json.loads(path.read_text())["findings"]


@pytest.fixture()
def old_pins(tmp_path: Path) -> Path:
    req = tmp_path / "requirements.txt"
    req.write_text(OLD_PINS)
    return req


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
    assert metrics["audit.packages"] == 12 and metrics["audit.vulnerabilities"] == 0
    # packages the advisory data has never heard of are named, not silently passed
    assert any("no entry in the advisory data" in n and "itsdangerous" in n for n in data["notes"])


def test_severity_comes_from_the_cvss_vector_else_the_configured_default(tmp_path, cli_env):
    (tmp_path / "requirements.txt").write_text("werkzeug==3.0.0\nurllib3==1.26.5\njinja2==2.10\n")
    (tmp_path / "echotune.toml").write_text('[security.audit]\ndefault_severity = "medium"\n')
    out = tmp_path / "r.json"
    proc = security(tmp_path, cli_env, "-r", "requirements.txt", "--advisory-db", str(ADVISORY_DB), "-o", str(out))
    by_id = {f["rule_id"]: f for f in findings(out)}
    werkzeug = by_id["PYSEC-2023-221"]  # CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H
    assert werkzeug["severity"] == "high" and werkzeug["properties"]["cvss_score"] == 7.5
    assert werkzeug["properties"]["severity_basis"] == "CVSS_V3"
    assert by_id["PYSEC-2023-192"]["properties"]["cvss_score"] == 8.1  # urllib3, ranges out of order
    assert by_id["PYSEC-2019-217"]["severity"] == "medium"
    assert proc.returncode == 1  # the CVSS-rated ones are high
    (tmp_path / "requirements.txt").write_text("jinja2==2.10\n")
    proc = security(tmp_path, cli_env, "-r", "requirements.txt", "--advisory-db", str(ADVISORY_DB), "-o", str(out))
    assert proc.returncode == 0, proc.stderr  # medium is below budgets.security_fail_on = high
    assert json.loads(out.read_text())["status"] == "warn"
    proc = security(tmp_path, cli_env, "-r", "requirements.txt", "--advisory-db", str(ADVISORY_DB),
                    "--fail-on", "medium")
    assert proc.returncode == 1


def test_osv_api_finds_the_same_and_asks_batch_first(tmp_path, old_pins, cli_env):
    offline = tmp_path / "offline.json"
    online = tmp_path / "online.json"
    security(tmp_path, cli_env, "-r", str(old_pins), "--advisory-db", str(ADVISORY_DB), "-o", str(offline))
    with FakeOsv(ADVISORY_DB) as osv:
        proc = security(tmp_path, cli_env, "-r", str(old_pins), "--osv-url", osv.url, "-o", str(online))
        calls = list(osv.calls)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert sorted(f["fingerprint"] for f in findings(online)) == sorted(f["fingerprint"] for f in findings(offline))
    assert [c[1] for c in calls] == ["/v1/querybatch", "/v1/query", "/v1/query"]
    assert len(calls[0][2]["queries"]) == 3
    assert {c[2]["package"]["name"] for c in calls[1:]} == {"jinja2", "pyyaml"}  # flask had nothing


def test_osv_errors_are_could_not_run_not_no_vulnerabilities(tmp_path, old_pins, cli_env):
    out = tmp_path / "r.json"
    with FakeOsv(ADVISORY_DB) as osv:
        osv.fail(503)
        proc = security(tmp_path, cli_env, "-r", str(old_pins), "--osv-url", osv.url + "/v1/query", "-o", str(out))
    assert proc.returncode == 3, proc.stdout + proc.stderr
    data = json.loads(out.read_text())
    assert data["status"] == "error" and data["findings"] == []
    assert "HTTP 503" in data["errors"][0] and "currently unavailable" in data["errors"][0]
    assert "echotune-ci: security: audit: OSV API" in proc.stderr
    port = free_port()
    proc = security(tmp_path, cli_env, "-r", str(old_pins), "--osv-url", f"http://127.0.0.1:{port}")
    assert proc.returncode == 3
    assert "unreachable" in proc.stderr and "Traceback" not in proc.stderr


def test_fake_osv_is_strict(tmp_path):
    with FakeOsv(ADVISORY_DB) as osv, httpx.Client(base_url=osv.url) as client:
        ok = client.post("/v1/query", json={"package": {"name": "jinja2", "ecosystem": "PyPI"}, "version": "2.10"})
        assert ok.status_code == 200 and {v["id"] for v in ok.json()["vulns"]} >= {"PYSEC-2019-217"}
        assert client.post("/v1/query", json={"package": {"name": "jinja2", "ecosystem": "PyPI"},
                                              "version": "3.1.6"}).json() == {}
        unknown = client.post("/v1/query", json={"package": {"name": "x", "ecosystem": "PyPI"}, "verison": "1"})
        assert unknown.status_code == 400 and unknown.json()["code"] == 3 and "verison" in unknown.json()["message"]
        assert client.post("/v1/query", json={"version": "1.0"}).status_code == 400
        assert client.post("/v1/query", content=b"{not json").status_code == 400
        assert client.get("/v1/query").status_code == 405
        too_many = {"queries": [{"package": {"name": "a", "ecosystem": "PyPI"}, "version": "1"}] * 1001}
        assert client.post("/v1/querybatch", json=too_many).status_code == 400
        batch = client.post("/v1/querybatch", json={"queries": [
            {"package": {"name": "pyyaml", "ecosystem": "PyPI"}, "version": "3.13"},
            {"package": {"name": "flask", "ecosystem": "PyPI"}, "version": "3.1.3"}]}).json()
        assert batch["results"][1] == {} and set(batch["results"][0]["vulns"][0]) == {"id", "modified"}
        assert client.get("/v1/vulns/PYSEC-2018-49").json()["aliases"] == ["CVE-2017-18342", "GHSA-rprw-h62v-c2w7"]
        missing = client.get("/v1/vulns/PYSEC-0000-0")
        assert missing.status_code == 404 and missing.json() == {"code": 5, "message": "Bug not found."}


@pytest.mark.parametrize("content, expected", [
    ("jinja2==\n", "requirements.txt: cannot audit: requirement file"),
    ("jinja2>=2.10\n", "requirements.txt:1: cannot audit: requirement jinja2 is not pinned"),
])
def test_bad_requirements_files_are_usage_errors(tmp_path, cli_env, content, expected):
    (tmp_path / "requirements.txt").write_text(content)
    out = tmp_path / "r.json"
    proc = security(tmp_path, cli_env, "-r", "requirements.txt", "--advisory-db", str(ADVISORY_DB), "-o", str(out))
    assert proc.returncode == 2, proc.stderr
    assert expected in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_bad_advisory_data_is_named(tmp_path, old_pins, cli_env):
    proc = security(tmp_path, cli_env, "-r", str(old_pins), "--advisory-db", str(tmp_path))
    assert proc.returncode == 2 and "not an advisory database" in proc.stderr
    broken = tmp_path / "db" / "vulns" / "jinja2"
    broken.mkdir(parents=True)
    (broken / "PYSEC-1.yaml").write_text("id: [unclosed\n")
    proc = security(tmp_path, cli_env, "-r", str(old_pins), "--advisory-db", str(tmp_path / "db"))
    assert proc.returncode == 2 and "PYSEC-1.yaml: unreadable advisory record" in proc.stderr


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
    assert any("surely-not-installed-pkg (not pinned and not installed here)" in n for n in data["notes"])
    metrics = {m["name"]: m for m in data["metrics"]}
    assert metrics["audit.packages"]["value"] == 2 and metrics["audit.skipped_packages"]["value"] == 1
    (tmp_path / "echotune.toml").write_text("[security.audit]\nstrict = true\n")
    security(tmp_path, cli_env, "--pyproject", "pyproject.toml", "--advisory-db", str(ADVISORY_DB), "-o", str(out))
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


NPM_AUDIT = {  # npm 7+ `npm audit --json` report (auditReportVersion 2), trimmed
    "auditReportVersion": 2,
    "vulnerabilities": {
        "lodash": {
            "name": "lodash", "severity": "high", "isDirect": True, "range": "<=4.17.20", "fixAvailable": True,
            "via": [{"source": 1096305, "name": "lodash", "dependency": "lodash",
                     "title": "Command Injection in lodash", "url": "https://github.com/advisories/GHSA-35jh-r3h4-6jhm",
                     "severity": "high", "cvss": {"score": 7.2}, "range": "<4.17.21"}],
        },
        "wrapper": {"name": "wrapper", "severity": "high", "isDirect": True, "via": ["lodash"], "range": "1.0.0",
                    "fixAvailable": True},
    },
}


def test_npm_audit_report_parsing_and_failure_note(tmp_path, cli_env):
    from echotune_ci.phases.security_audit import npm_findings

    (found,) = npm_findings(NPM_AUDIT, "package-lock.json")
    assert (found.rule_id, found.severity, found.source_tool) == ("GHSA-35jh-r3h4-6jhm", "high", "npm-audit")
    assert found.properties["package"] == "lodash" and found.properties["cvss_score"] == 7.2
    # a real npm that cannot reach its registry: noted, not a crash and not "no vulnerabilities"
    (tmp_path / "requirements.txt").write_text("flask==3.1.3\n")
    lock = {"name": "x", "version": "1.0.0", "lockfileVersion": 3, "requires": True, "packages": {
        "": {"name": "x", "version": "1.0.0", "dependencies": {"lodash": "4.17.15"}},
        "node_modules/lodash": {"version": "4.17.15",
                                "resolved": "https://registry.npmjs.org/lodash/-/lodash-4.17.15.tgz"}}}
    (tmp_path / "package.json").write_text(json.dumps({"name": "x", "version": "1.0.0",
                                                       "dependencies": {"lodash": "4.17.15"}}))
    (tmp_path / "package-lock.json").write_text(json.dumps(lock))
    env = dict(cli_env, npm_config_registry=f"http://127.0.0.1:{free_port()}/", npm_config_fetch_retries="0")
    out = tmp_path / "r.json"
    security(tmp_path, env, "-r", "requirements.txt", "--advisory-db", str(ADVISORY_DB), "-o", str(out))
    notes = json.loads(out.read_text())["notes"]
    assert any(n.startswith("npm audit not run: ") and len(n) > len("npm audit not run: ") + 5 for n in notes), notes
