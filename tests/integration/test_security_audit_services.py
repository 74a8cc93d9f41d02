"""pip-audit against a strict OSV API stand-in, and a real npm that cannot reach its registry."""

from __future__ import annotations

import json

import httpx

from support.security_audit import findings, security
from conftest import ADVISORY_DB
from echotune_ci.serve import free_port
from support.fake_osv import FakeOsv

def test_osv_api_finds_the_same_and_asks_batch_first(tmp_path, old_pins, cli_env):
    offline = tmp_path / "offline.json"
    online = tmp_path / "online.json"
    security(tmp_path, cli_env, "-r", str(old_pins), "--advisory-db", str(ADVISORY_DB), "-o", str(offline))
    with FakeOsv(ADVISORY_DB) as osv:
        proc = security(tmp_path, cli_env, "-r", str(old_pins), "--osv-url", osv.url, "-o", str(online))
        calls = list(osv.calls)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert (sorted(f["fingerprint"] for f in findings(online))
            == sorted(f["fingerprint"] for f in findings(offline)))
    assert [c[1] for c in calls] == ["/v1/querybatch", "/v1/query", "/v1/query"]
    assert len(calls[0][2]["queries"]) == 3
    assert {c[2]["package"]["name"] for c in calls[1:]} == {"jinja2", "pyyaml"}  # flask had nothing


def test_osv_errors_are_could_not_run_not_no_vulnerabilities(tmp_path, old_pins, cli_env):
    out = tmp_path / "r.json"
    with FakeOsv(ADVISORY_DB) as osv:
        osv.fail(503)
        proc = security(tmp_path, cli_env, "-r", str(old_pins), "--osv-url", osv.url + "/v1/query",
                        "-o", str(out))
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
        ok = client.post("/v1/query", json={"package": {"name": "jinja2", "ecosystem": "PyPI"},
                                            "version": "2.10"})
        assert ok.status_code == 200 and {v["id"] for v in ok.json()["vulns"]} >= {"PYSEC-2019-217"}
        assert client.post("/v1/query", json={"package": {"name": "jinja2", "ecosystem": "PyPI"},
                                              "version": "3.1.6"}).json() == {}
        unknown = client.post("/v1/query", json={"package": {"name": "x", "ecosystem": "PyPI"},
                                                 "verison": "1"})
        assert (unknown.status_code == 400 and unknown.json()["code"] == 3
                and "verison" in unknown.json()["message"])
        assert client.post("/v1/query", json={"version": "1.0"}).status_code == 400
        assert client.post("/v1/query", content=b"{not json").status_code == 400
        assert client.get("/v1/query").status_code == 405
        too_many = {"queries": [{"package": {"name": "a", "ecosystem": "PyPI"}, "version": "1"}] * 1001}
        assert client.post("/v1/querybatch", json=too_many).status_code == 400
        batch = client.post("/v1/querybatch", json={"queries": [
            {"package": {"name": "pyyaml", "ecosystem": "PyPI"}, "version": "3.13"},
            {"package": {"name": "flask", "ecosystem": "PyPI"}, "version": "3.1.3"}]}).json()
        assert batch["results"][1] == {} and set(batch["results"][0]["vulns"][0]) == {"id", "modified"}
        assert client.get("/v1/vulns/PYSEC-2018-49").json()["aliases"] == ["CVE-2017-18342",
                                                                          "GHSA-rprw-h62v-c2w7"]
        missing = client.get("/v1/vulns/PYSEC-0000-0")
        assert missing.status_code == 404 and missing.json() == {"code": 5, "message": "Bug not found."}


NPM_AUDIT = {  # npm 7+ `npm audit --json` report (auditReportVersion 2), trimmed
    "auditReportVersion": 2,
    "vulnerabilities": {
        "lodash": {
            "name": "lodash", "severity": "high", "isDirect": True, "range": "<=4.17.20",
            "fixAvailable": True,
            "via": [{"source": 1096305, "name": "lodash", "dependency": "lodash",
                     "title": "Command Injection in lodash",
                     "url": "https://github.com/advisories/GHSA-35jh-r3h4-6jhm",
                     "severity": "high", "cvss": {"score": 7.2}, "range": "<4.17.21"}],
        },
        "wrapper": {"name": "wrapper", "severity": "high", "isDirect": True, "via": ["lodash"],
                    "range": "1.0.0", "fixAvailable": True},
    },
}


def test_npm_audit_report_parsing_and_failure_is_could_not_run(tmp_path, cli_env):
    from echotune_ci.phases.security.checks.audit import npm_findings

    (found,) = npm_findings(NPM_AUDIT, "package-lock.json")
    assert (found.rule_id, found.severity, found.source_tool) == ("GHSA-35jh-r3h4-6jhm", "high", "npm-audit")
    assert found.properties["package"] == "lodash" and found.properties["cvss_score"] == 7.2
    # a real npm that cannot reach its registry: the audit could not run (exit 3), never "no vulnerabilities"
    (tmp_path / "requirements.txt").write_text("flask==3.1.3\n")
    lock = {"name": "x", "version": "1.0.0", "lockfileVersion": 3, "requires": True, "packages": {
        "": {"name": "x", "version": "1.0.0", "dependencies": {"lodash": "4.17.15"}},
        "node_modules/lodash": {"version": "4.17.15",
                                "resolved": "https://registry.npmjs.org/lodash/-/lodash-4.17.15.tgz"}}}
    (tmp_path / "package.json").write_text(json.dumps({"name": "x", "version": "1.0.0",
                                                       "dependencies": {"lodash": "4.17.15"}}))
    (tmp_path / "package-lock.json").write_text(json.dumps(lock))
    (tmp_path / "echotune.toml").write_text('[security.audit]\nnpm = "npm-audit"\n')
    env = dict(cli_env, npm_config_registry=f"http://127.0.0.1:{free_port()}/", npm_config_fetch_retries="0")
    out = tmp_path / "r.json"
    proc = security(tmp_path, env, "-r", "requirements.txt", "--advisory-db", str(ADVISORY_DB),
                    "-o", str(out))
    data = json.loads(out.read_text())
    assert proc.returncode == 3 and data["status"] == "error", proc.stdout + proc.stderr
    assert data["errors"][0].startswith("audit: npm audit (package-lock.json): ")
    assert "Traceback" not in proc.stderr
    # the Python audit still reported
    assert any(m["name"] == "audit.packages" and m["labels"] == {"ecosystem": "PyPI"} and m["value"] == 1
               for m in data["metrics"])
