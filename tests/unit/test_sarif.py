"""SARIF 2.1.0 for all findings of all phases, validated against the SARIF schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from conftest import ADVISORY_DB, run_cli
from echotune_ci.report.sarif import to_sarif
from echotune_ci.results import Finding, Location, PhaseResult, assign_fingerprints, load_result

# SARIF 2.1.0 (rtm.5, the schemastore copy GitHub code scanning documents),
# from the npm package @microsoft/jest-sarif (MIT).
SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "support" / "sarif-schema-2.1.0.json").read_text())
TOKEN = "ghp_" + "Zx9Cv7Bn5Ml3Kj1Hg9Fd7Sa5Po3Iu1Yt9Re7W"


def validate(log: dict) -> None:
    errors = sorted(jsonschema.Draft4Validator(SCHEMA).iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]


@pytest.fixture(scope="module")
def security_result(tmp_path_factory) -> tuple[Path, PhaseResult]:
    project = tmp_path_factory.mktemp("sarif-project")
    (project / "src dir").mkdir()
    (project / "src dir" / "cmd.py").write_text("import subprocess\nsubprocess.call(input(), shell=True)\n")
    (project / "settings.py").write_text(f'TOKEN = "{TOKEN}"\n')
    (project / "requirements.txt").write_text("jinja2==2.10\n")
    out, sarif = project / "security.json", project / "security.sarif"
    proc = run_cli("security", ".", "-r", "requirements.txt", "--advisory-db", str(ADVISORY_DB),
                   "-o", str(out), "--sarif", str(sarif), cwd=project)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    return sarif, load_result(out)


def frontend_result() -> PhaseResult:
    result = PhaseResult(phase="frontend", tool_versions={"axe-core": "4.10.0"})
    result.findings = assign_fingerprints([
        Finding("image-alt", "high", "Images must have alternate text", "axe-core",
                location=Location("/"), help_url="https://dequeuniversity.com/rules/axe/4.10/image-alt",
                context="img.cover", properties={"url": "/"}),  # as the frontend phase writes it
        Finding("B602", "low", "a rule id that clashes with bandit's", "made-up-tool",
                Location("web/x.py", 3)),
    ])
    return result


def test_command_writes_valid_sarif_without_secrets(security_result):
    sarif, result = security_result
    log = json.loads(sarif.read_text())
    validate(log)
    assert TOKEN not in sarif.read_text() and TOKEN[:12] not in sarif.read_text()
    run = log["runs"][0]
    assert len(run["results"]) == len(result.findings)
    by_rule = {r["ruleId"]: r for r in run["results"]}
    shell = by_rule["B602"]
    assert shell["level"] == "error"
    assert shell["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": "src%20dir/cmd.py",
                                                                             "uriBaseId": "%SRCROOT%"}
    assert shell["locations"][0]["physicalLocation"]["region"]["startLine"] == 2
    assert shell["partialFingerprints"]["echotuneFingerprint/v1"] in {f.fingerprint for f in result.findings}
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert rules["B602"]["helpUri"].startswith("https://bandit.readthedocs.io/")
    assert "security" in rules["B602"]["properties"]["tags"]
    assert rules["PYSEC-2019-217"]["properties"]["security-severity"] == "8.0"
    assert by_rule["PYSEC-2019-217"]["locations"][0]["physicalLocation"]["region"]["startLine"] == 1
    assert ([r["ruleIndex"] for r in run["results"]]
            == [list(rules).index(r["ruleId"]) for r in run["results"]])


def test_all_phases_in_one_log(security_result):
    _, security = security_result
    log = to_sarif([security, frontend_result()], fallback_uri="examples/musicapp/echotune.toml")
    validate(log)
    run = log["runs"][0]
    assert len(run["results"]) == len(security.findings) + 2
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert len(ids) == len(set(ids))
    assert "bandit/B602" in ids and "made-up-tool/B602" in ids  # the same id from two tools stays apart
    alt = next(r for r in run["results"] if r["ruleId"] == "image-alt")
    assert alt["properties"]["phase"] == "frontend"
    # no file: points at the config file and names the page
    assert (alt["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            == "examples/musicapp/echotune.toml")
    assert alt["locations"][0]["logicalLocations"] == [{"fullyQualifiedName": "/", "kind": "resource"}]
    assert run["automationDetails"]["id"] == "echotune-ci/frontend+security/"


def test_errors_become_notifications_and_empty_results_are_valid():
    failed = PhaseResult(phase="security", errors=["audit: OSV API http://127.0.0.1:1: unreachable"])
    log = to_sarif([failed])
    validate(log)
    invocation = log["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert "unreachable" in invocation["toolExecutionNotifications"][0]["message"]["text"]
    assert log["runs"][0]["results"] == []


def test_a_finding_the_base_had_is_unchanged_and_the_others_new():
    """SARIF 2.1.0 section 3.27.24: baselineState "new" / "unchanged" against the gate's baseline, valid
    against the schema; none where the phase had no base result."""
    from echotune_ci.config import defaults
    from echotune_ci.gate import evaluate

    def security(*findings: Finding) -> PhaseResult:
        return PhaseResult("security", findings=assign_fingerprints(list(findings))).finalize(fail_on="high")

    old = Finding("B602", "high", "subprocess call with shell=True", "bandit", Location("app/run.py", 30))
    added = Finding("B105", "low", "Possible hardcoded password: 'x'", "bandit", Location("app/x.py", 3))
    outcome = evaluate([security(old, added)], defaults(), [security(old)])
    log = to_sarif(outcome.results, outcome=outcome)
    validate(log)
    assert {r["ruleId"]: r["baselineState"] for r in log["runs"][0]["results"]} == {
        "B602": "unchanged", "B105": "new"}
    plain = to_sarif(evaluate([security(old, added)], defaults()).results)
    assert all("baselineState" not in r for r in plain["runs"][0]["results"])


def test_a_log_keeps_within_code_scannings_result_limit():
    """Code scanning rejects a whole SARIF log whose run holds more than 25,000 results ("Analysis SARIF
    file rejected due to result limits", docs.github.com: SARIF results exceed hard limit): a scan of a
    big repository lost all its alerts. The most severe 25,000 are kept, and a notification says how many
    were left out."""
    from echotune_ci.report.sarif import to_sarif
    from echotune_ci.results import Finding, Location, PhaseResult

    findings = [Finding("B105", "low", f"hardcoded password {i}", "bandit", Location(f"app/m{i}.py", 1))
                for i in range(25_000)]
    findings += [Finding("B602", "high", f"shell=True {i}", "bandit", Location("app/run.py", i + 1))
                 for i in range(3)]
    log = to_sarif([PhaseResult(phase="security", findings=findings)])
    [run] = log["runs"]
    assert len(run["results"]) == 25_000
    assert sum(1 for r in run["results"] if r["level"] == "error") == 3  # the high ones are all kept
    assert len(run["tool"]["driver"]["rules"]) == 2
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert [n["level"] for n in notes] == ["warning"]
    assert "3 more findings" in notes[0]["message"]["text"] and "25,000" in notes[0]["message"]["text"]
    assert run["invocations"][0]["executionSuccessful"] is True
