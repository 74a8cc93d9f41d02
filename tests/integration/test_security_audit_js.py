"""The JavaScript lockfile audit from the command line: offline OSV data, the OSV API (strict stand-in, with
paging), npm audit (the machine's real npm against a strict fake registry), bad input and exit codes."""

from __future__ import annotations

import gzip
import json
import os
import shutil
from pathlib import Path

import httpx
import pytest
from conftest import ADVISORY_DB, NPM_DB, ROOT
from support.fake_npm_registry import FIXTURE_PACKAGES, FakeNpmRegistry
from support.fake_osv import FakeOsv
from support.security_audit import findings, security

from echotune_ci.serve import free_port

FIXTURES = ROOT / "tests" / "fixtures" / "lockfiles"
LOCKS = {"npm-v1": "package-lock.json", "npm-v2": "package-lock.json", "npm-v3": "package-lock.json",
         "npm-shrinkwrap": "npm-shrinkwrap.json", "yarn-v1": "yarn.lock", "yarn-berry": "yarn.lock",
         "pnpm-v5": "pnpm-lock.yaml", "pnpm-v6": "pnpm-lock.yaml", "pnpm-v9": "pnpm-lock.yaml",
         "bun": "bun.lock"}
EXPECTED = {"NSWG-ECO-17", "NSWG-ECO-28", "NSWG-ECO-29", "NSWG-ECO-516", "NSWG-ECO-101", "NSWG-ECO-46"}



def node_project(tmp_path: Path, fixture: str = "npm-v3", *, lockfile_only: bool = False) -> Path:
    project = tmp_path / "app"
    shutil.copytree(FIXTURES / fixture, project)
    if lockfile_only:
        for extra in ("package.json", "local-lib"):
            target = project / extra
            shutil.rmtree(target) if target.is_dir() else target.unlink()
    return project


def metrics(data: dict) -> dict[tuple[str, str], float]:
    return {(m["name"], m.get("labels", {}).get("ecosystem", "")): m["value"] for m in data["metrics"]}


def test_the_issue_command_line_in_a_node_project_with_only_a_package_lock(tmp_path, cli_env):
    project = node_project(tmp_path, lockfile_only=True)
    db = os.path.relpath(NPM_DB, project)  # ../../…/shared/advisory-db-npm, relative as in the issue
    proc = security(project, cli_env, ".", "--advisory-db", db, "--output", "results/security.json")
    assert proc.returncode == 1, proc.stdout + proc.stderr  # high-severity advisories match
    data = json.loads((project / "results" / "security.json").read_text())
    audit = [f for f in data["findings"] if f["source_tool"] == "lockfile-audit"]
    assert {f["rule_id"] for f in audit} == EXPECTED
    qs = next(f for f in audit if f["rule_id"] == "NSWG-ECO-29")
    assert qs["severity"] == "high" and qs["location"] == {"path": "package-lock.json", "line": 113}
    assert qs["properties"]["dependency_path"] == ["body-parser", "qs"]
    assert qs["properties"]["first_fixed"] == "1.0.0"
    # osv.dev has no page for the WG's NSWG-ECO ids: the record's source is where it is read
    assert qs["help_url"] == ("https://github.com/nodejs/security-wg/blob/f1288d0d672396dcdc5c62b3cfcef46688097833/"
                              "vuln/npm/29.json")
    assert qs["properties"]["aliases"] == ["CVE-2014-7191"]
    # "<=0.3.5" ends with last_affected; npm's patched_versions ">=0.3.6" names the fix (as npm audit says)
    marked = next(f for f in audit if f["rule_id"] == "NSWG-ECO-101")
    assert marked["properties"]["first_fixed"] == "0.3.6" and "fixed in 0.3.6" in marked["message"]
    m = metrics(data)
    assert m[("audit.packages", "npm")] == 14 and m[("audit.vulnerable_packages", "npm")] == 5
    assert m[("audit.vulnerabilities", "npm")] == 6 and m[("audit.skipped_packages", "npm")] == 2
    assert ("audit.packages", "PyPI") not in m  # nothing Python here, and no "no requirements file" stop
    assert data["notes"][0].startswith("audit: npm: 14 packages checked, 5 vulnerable, 2 not auditable")
    unaudited = next(n for n in data["notes"] if n.startswith("audit could not check (npm"))
    assert "left-pad 1.3.0 (git dependency" in unaudited and "local-lib" in unaudited


def test_path_arguments_say_which_project_is_audited(tmp_path, cli_env):
    # run from the folder above two projects: only the one named is audited, and the SARIF rules
    # describe the advisory, not one package version
    node_project(tmp_path)
    other = tmp_path / "other"
    shutil.copytree(FIXTURES / "yarn-v1", other)
    proc = security(tmp_path, cli_env, "app", "--only", "audit", "--advisory-db", str(NPM_DB),
                    "-o", "r.json", "--sarif", "r.sarif")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    data = json.loads((tmp_path / "r.json").read_text())
    assert {f["location"]["path"] for f in data["findings"]} == {"app/package-lock.json"}
    assert data["notes"][0].startswith("audit: npm: 14 packages checked, 5 vulnerable")
    proc = security(tmp_path, cli_env, "app/node_modules_free_dir_does_not_exist", "--only", "audit")
    assert proc.returncode == 2 and "no such file or folder" in proc.stderr
    rules = json.loads((tmp_path / "r.sarif").read_text())["runs"][0]["tool"]["driver"]["rules"]
    qs = next(r for r in rules if r["id"] == "NSWG-ECO-29")
    assert qs["shortDescription"]["text"] == "qs: Denial-of-Service Memory Exhaustion"
    assert qs["helpUri"].endswith("/vuln/npm/29.json") and qs["properties"]["security-severity"] == "7.5"


def test_python_advisory_data_does_not_pass_npm_packages_as_clean(tmp_path, cli_env):
    # demo.sh and CI runners set ECHOTUNE_ADVISORY_DB to the PyPA database: it has no npm advisory
    project = node_project(tmp_path)
    out = tmp_path / "r.json"
    proc = security(project, {**cli_env, "ECHOTUNE_ADVISORY_DB": str(ADVISORY_DB)}, "--only", "audit",
                    "-o", str(out))
    data = json.loads(out.read_text())
    assert proc.returncode == 0 and data["status"] == "warn", proc.stdout + proc.stderr
    m = metrics(data)
    assert m[("audit.packages", "npm")] == 0 and m[("audit.skipped_packages", "npm")] == 16
    db = ADVISORY_DB.resolve()  # the note names the folder as resolved (a symlinked shared/ included)
    assert data["notes"][0] == ("audit: npm: 0 packages checked, 0 vulnerable, 2 not auditable, 14 not "
                                f"checked (offline advisory data {db} holds no npm advisories)")


@pytest.mark.parametrize("fixture", sorted(LOCKS))
def test_each_lockfile_format_from_the_command_line(tmp_path, cli_env, fixture):
    project = node_project(tmp_path, fixture)
    out = tmp_path / "r.json"
    proc = security(project, cli_env, "--only", "audit", "--advisory-db", str(NPM_DB), "-o", str(out))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    found = findings(out)
    assert {f["rule_id"] for f in found} == EXPECTED
    assert {f["location"]["path"] for f in found} == {LOCKS[fixture]}
    # the fixed versions in the same lockfile are not reported
    assert not {(f["properties"]["package"], f["properties"]["version"]) for f in found} & {
        ("lodash", "4.17.21"), ("ws", "1.1.5"), ("ms", "2.0.0")}
    ms = next(f for f in found if f["rule_id"] == "NSWG-ECO-46")
    assert "via debug > ms" in ms["message"] and ms["properties"]["dev"] is True


def test_production_only_and_python_beside_node(tmp_path, cli_env):
    project = node_project(tmp_path, "pnpm-v9")
    (project / "requirements.txt").write_text("jinja2==2.10\n")
    (project / "echotune.toml").write_text("[security.audit]\nproduction_only = true\n")
    out = tmp_path / "r.json"
    # one folder with npm and PyPI records: both ecosystems are audited, each against its own records
    db = tmp_path / "db"
    shutil.copytree(NPM_DB / "vulns", db / "vulns")
    shutil.copytree(ADVISORY_DB / "vulns" / "jinja2", db / "vulns" / "jinja2")
    proc = security(project, cli_env, "--only", "audit", "--advisory-db", str(db), "-o", str(out))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    data = json.loads(out.read_text())
    by_tool = {(f["source_tool"], f["rule_id"]) for f in data["findings"]}
    assert not {("lockfile-audit", "NSWG-ECO-101"), ("lockfile-audit", "NSWG-ECO-46")} & by_tool
    assert ("lockfile-audit", "NSWG-ECO-29") in by_tool and ("pip-audit", "PYSEC-2019-217") in by_tool
    m = metrics(data)
    assert m[("audit.packages", "npm")] == 10 and m[("audit.packages", "PyPI")] == 1
    assert data["notes"][0] == ("audit: PyPI: 1 packages checked, 1 vulnerable; "
                                "npm: 10 packages checked, 3 vulnerable, 2 not auditable")
    assert any("4 dev-only left out (production_only)" in n for n in data["notes"])


def test_python_only_projects_are_still_audited_and_package_json_without_lockfile_warns(tmp_path, cli_env,
                                                                                          old_pins):
    out = tmp_path / "r.json"
    proc = security(tmp_path, cli_env, "--only", "audit", "-o", str(out))  # requirements.txt at the root
    assert proc.returncode == 1 and {f["source_tool"] for f in findings(out)} == {"pip-audit"}
    old_pins.unlink()
    (tmp_path / "package.json").write_text(json.dumps({"name": "x", "dependencies": {"express": "^4.0.0"},
                                                       "devDependencies": {"vite": "^5.0.0"}}))
    proc = security(tmp_path, cli_env, "--only", "audit", "-o", str(out))
    data = json.loads(out.read_text())
    assert proc.returncode == 0 and data["status"] == "warn", proc.stdout + proc.stderr
    assert ("audit: package.json: cannot audit without a lockfile; run npm install --package-lock-only"
            in data["notes"])
    skipped = next(m for m in data["metrics"] if m["name"] == "audit.skipped_packages")
    assert skipped["value"] == 2 and skipped["status"] == "warn" and skipped["labels"] == {"ecosystem": "npm"}


@pytest.mark.parametrize("name, text, message", [
    ("package-lock.json", '{\n  "lockfileVersion": 3,\n  "packages": {\n    "": {,\n',
     "package-lock.json:4: not valid JSON"),
    ("package-lock.json", '{\n  "lockfileVersion": 7,\n  "packages": {}\n}\n',
     "package-lock.json:2: lockfileVersion 7 is not supported (supported: 1, 2, 3"),
    ("yarn.lock", '# yarn lockfile v1\n\n"qs@^1":\n  version "1.0.0"\n    resolved "x"\n',
     "yarn.lock:5: indented more than the line above allows"),
    ("pnpm-lock.yaml", "lockfileVersion: '10.0'\n",
     "lockfileVersion '10.0' is not supported (supported: 5.x, 6.x and 9.x"),
])
def test_bad_lockfiles_are_usage_errors_naming_file_and_line(tmp_path, cli_env, name, text, message):
    (tmp_path / name).write_text(text)
    proc = security(tmp_path, cli_env, ".", "--advisory-db", str(NPM_DB), "-o", str(tmp_path / "r.json"))
    # the user's input, found before any check runs: exit 2 and nothing written (issue 12)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert message in proc.stderr and str(tmp_path / name) in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "r.json").exists()


def test_osv_api_with_paging_finds_what_the_offline_data_finds(tmp_path, cli_env):
    project = node_project(tmp_path, "yarn-v1")
    offline, online = tmp_path / "offline.json", tmp_path / "online.json"
    security(project, cli_env, "--only", "audit", "--advisory-db", str(NPM_DB), "-o", str(offline))
    (project / "requirements.txt").write_text("jinja2==2.10\n")  # any ecosystem: PyPI through pip-audit
    with FakeOsv(ADVISORY_DB, NPM_DB) as osv:
        osv.page_size = 1  # qs 0.6.6 has two advisories: its second comes on a second page
        proc = security(project, cli_env, ".", "--osv-url", osv.url, "-o", str(online))
        calls = list(osv.calls)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert sorted(f["fingerprint"] for f in findings(online) if f["source_tool"] == "lockfile-audit") == \
        sorted(f["fingerprint"] for f in findings(offline))
    assert "PYSEC-2019-217" in {f["rule_id"] for f in findings(online) if f["source_tool"] == "pip-audit"}
    batches = [c for c in calls if c[1] == "/v1/querybatch"
               and c[2]["queries"][0]["package"]["ecosystem"] == "npm"]
    assert len(batches) == 2 and len(batches[0][2]["queries"]) == 14
    assert all(q["package"]["ecosystem"] == "npm" and "page_token" not in q for q in batches[0][2]["queries"])
    (again,) = batches[1][2]["queries"]
    assert again["package"] == {"name": "qs", "ecosystem": "npm"} and again["version"] == "0.6.6"
    assert again["page_token"]
    fetched = sorted(c[1].rsplit("/", 1)[1] for c in calls if c[0] == "GET")
    assert fetched == sorted(EXPECTED)  # each record once
    assert calls.index(batches[-1]) < min(i for i, c in enumerate(calls) if c[0] == "GET")


def test_osv_api_batches_hold_at_most_1000_queries_and_refuse_bad_tokens(tmp_path):
    from echotune_ci.errors import RunError
    from echotune_ci.phases.security.osv_api import OsvApi, Query

    queries = [Query("npm", "lodash", f"4.{minor}.{patch}") for minor in range(30) for patch in range(50)]
    with FakeOsv(NPM_DB) as osv, OsvApi(osv.url, 10) as api:
        found = api.affected(queries)
        sizes = [len(body["queries"]) for method, path, body in osv.calls if path == "/v1/querybatch"]
        assert sizes == [1000, 500] and found[Query("npm", "lodash", "4.17.15")] == ["NSWG-ECO-516"]
        assert not found[Query("npm", "lodash", "4.29.49")]
        with httpx.Client(base_url=osv.url) as client:
            bad = client.post("/v1/querybatch", json={"queries": [
                {"package": {"name": "qs", "ecosystem": "npm"}, "version": "0.6.6",
                 "page_token": "made-up"}]})
            assert bad.status_code == 400 and bad.json()["code"] == 3
            wrong_case = client.post("/v1/query", json={"package": {"name": "qs", "ecosystem": "NPM"},
                                                        "version": "0.6.6"})
            assert wrong_case.status_code == 400
            assert client.get("/v1/vulns/NSWG-ECO-29").json()["affected"][0]["package"]["name"] == "qs"
        osv.fail(503)
        with pytest.raises(RunError, match=r"HTTP 503 .*currently unavailable.* \(3 attempts\)"):
            OsvApi(osv.url, 10).affected(queries[:2])
        assert sum(1 for c in osv.calls[-3:] if c[1] == "/v1/querybatch") == 3  # the retry policy


def test_osv_endpoint_down_is_could_not_run(tmp_path, cli_env):
    project = node_project(tmp_path, "pnpm-v6")
    out = tmp_path / "r.json"
    proc = security(project, cli_env, ".", "--osv-url", f"http://127.0.0.1:{free_port()}", "-o", str(out))
    assert proc.returncode == 3, proc.stdout + proc.stderr
    data = json.loads(out.read_text())
    assert data["status"] == "error"
    assert not [f for f in data["findings"] if f["source_tool"] == "lockfile-audit"]
    assert "unreachable" in data["errors"][0] and "echotune-ci: security: audit: OSV API" in proc.stderr
    # The way forward on a runner without network (two newcomers found none in the message).
    hint = ("; without network, set [security.audit] advisory_db (or ECHOTUNE_ADVISORY_DB) to a local "
            "advisory database folder (docs/security.md)")
    assert data["errors"][0].endswith(hint)


def test_npm_audit_against_a_fake_registry(tmp_path, cli_env):
    project = node_project(tmp_path, "npm-v2")
    out = tmp_path / "r.json"
    with FakeNpmRegistry(FIXTURE_PACKAGES, advisory_db=NPM_DB) as registry:
        config = f'[security.audit]\nnpm = "npm-audit"\nregistry = "{registry.url}"\n'
        (project / "echotune.toml").write_text(config)
        proc = security(project, cli_env, "--only", "audit", "-o", str(out))
        calls = list(registry.calls)
        assert proc.returncode == 1, proc.stdout + proc.stderr
        found = findings(out)
        assert {f["source_tool"] for f in found} == {"npm-audit"}
        assert {f["rule_id"] for f in found} == EXPECTED  # the fake registry's urls end in the OSV ids
        qs = next(f for f in found if f["rule_id"] == "NSWG-ECO-29")
        assert qs["properties"]["version"] == "0.6.6"
        assert qs["properties"]["dependency_path"] == ["body-parser", "qs"]
        assert qs["location"] == {"path": "package-lock.json", "line": 113} and qs["severity"] == "high"
        jwt = next(f for f in found if f["rule_id"] == "NSWG-ECO-17")
        assert jwt["properties"]["cvss_score"] == 7.5 and jwt["properties"]["severity_basis"] == "CVSS_V3"
        data = json.loads(out.read_text())
        assert data["tool_versions"]["npm"].split(".")[0].isdigit()
        method, path, headers, body = next(c for c in calls if c[1].endswith("/advisories/bulk"))
        assert method == "POST" and headers.get("content-encoding") == "gzip"
        assert body["qs"] == ["0.6.6"] and sorted(body["lodash"]) == ["4.17.15", "4.17.21"]
        # production only: npm audit --omit=dev
        (project / "echotune.toml").write_text(config + "production_only = true\n")
        security(project, cli_env, "--only", "audit", "-o", str(out))
        assert {f["rule_id"] for f in findings(out)} == EXPECTED - {"NSWG-ECO-101", "NSWG-ECO-46"}
        registry.fail(503)
        proc = security(project, cli_env, "--only", "audit", "-o", str(out))
        assert proc.returncode == 3 and "audit: npm audit (package-lock.json)" in proc.stderr


def test_fake_registry_is_strict():
    with FakeNpmRegistry(FIXTURE_PACKAGES, advisory_db=NPM_DB) as registry, \
            httpx.Client(base_url=registry.url) as client:
        bulk = "/-/npm/v1/security/advisories/bulk"
        body = gzip.compress(b'{"qs": ["0.6.6", "1.0.0"], "lodash": ["4.17.21"]}')
        answer = client.post(bulk, content=body,
                             headers={"Content-Encoding": "gzip", "Content-Type": "application/json"}).json()
        assert set(answer) == {"qs"} and {a["vulnerable_versions"] for a in answer["qs"]} == {"<1.0.0"}
        assert set(answer["qs"][0]) == {"id", "url", "title", "severity", "vulnerable_versions", "cwe",
                                        "cvss"}
        assert client.post(bulk, json=["qs"]).status_code == 400
        assert client.post(bulk, content=b"{}", headers={"Content-Encoding": "gzip"}).status_code == 400
        assert client.get(bulk).status_code == 405
        corgi = client.get("/qs", headers={"Accept": "application/vnd.npm.install-v1+json"}).json()
        assert "time" not in corgi and corgi["versions"]["0.6.6"]["dist"]["integrity"].startswith("sha512-")
        assert client.get("/qs/-/qs-9.9.9.tgz").status_code == 404 and client.get("/nope").status_code == 404
