"""The terminal of a run with a base says which findings the pull request brings and which it fixes: the
comment did ("security: 2 finding(s), 1 new since the base", new rows first), the terminal listed the
findings by severity alone and never named one the head no longer has."""

from __future__ import annotations

import dataclasses

from echotune_ci.config import defaults
from echotune_ci.gate import evaluate
from echotune_ci.report.render import render, render_text
from echotune_ci.results import Finding, Location, Metric, PhaseResult, assign_fingerprints


def security(*findings: Finding) -> PhaseResult:
    copies = [dataclasses.replace(f) for f in findings]  # each result fingerprints its own
    result = PhaseResult(phase="security", findings=assign_fingerprints(copies))
    result.finalize(fail_on="high")
    return result


SHELL = Finding("B602", "high", "subprocess call with shell=True", "bandit", location=Location("app.py", 12))
PASSWORD = Finding("B105", "low", "hard-coded password string", "bandit", location=Location("config.py", 3))
PYSEC = Finding("PYSEC-2024-60", "high", "idna 3.6: PYSEC-2024-60", "pip-audit",
                location=Location("requirements.txt", 136))


def test_new_findings_come_first_and_are_marked() -> None:
    outcome = evaluate([security(SHELL, PASSWORD)], defaults(), [security(SHELL)])
    lines = render_text(outcome.results, outcome.comparisons, outcome).splitlines()
    at = lines.index("  findings: 2, 1 new since the base")
    # The low new one before the known high one, marked; the known one unmarked.
    assert lines[at + 1] == "    [low] B105 hard-coded password string (config.py:3) · new"
    assert lines[at + 2] == "    [high] B602 subprocess call with shell=True (app.py:12)"
    # Without a base nothing is called new, and the order is by severity.
    lines = render_text(outcome.results).splitlines()
    at = lines.index("  findings: 2")
    assert lines[at + 1].startswith("    [high] B602") and not lines[at + 2].endswith("· new")


def test_the_gate_lines_name_the_bases_findings_the_head_fixed() -> None:
    # The head fixed the advisory and brought a low finding: the gate line says both.
    outcome = evaluate([security(SHELL, PASSWORD)], defaults(), [security(SHELL, PYSEC)])
    assert "warn  security: 1 new finding(s), none at or above 'high', 1 known from the base; 1 of the " \
           "base's gone: PYSEC-2024-60 at requirements.txt:136" in render("gate.txt.j2", outcome=outcome)
    # A head with no finding left: a passing line says what went (there was no findings line at all).
    outcome = evaluate([security()], defaults(), [security(PYSEC)])
    assert render("gate.txt.j2", outcome=outcome).splitlines() == [
        "pass  security: no finding; 1 of the base's gone: PYSEC-2024-60 at requirements.txt:136",
        "gate: pass (0 failed, 0 could not run, 1 checked)"]


def test_a_base_phase_that_could_not_run_makes_no_finding_new() -> None:
    # `gate --baseline` with a base whose security phase stopped before it measured anything (no metric,
    # no finding): the gate warned "the base has no security results, so nothing of this phase was
    # compared with the base" and, in the same run, called the head's finding "new since the base".
    crashed = PhaseResult(phase="security", errors=["security: bandit crashed"])
    crashed.finalize(fail_on="high")
    outcome = evaluate([security(SHELL)], defaults(), [crashed])
    assert outcome.is_new("security", outcome.results[0].findings[0]) is None
    lines = render_text(outcome.results, outcome.comparisons, outcome).splitlines()
    assert "  findings: 1" in lines and "    [high] B602 subprocess call with shell=True (app.py:12)" in lines
    assert render("gate.txt.j2", outcome=outcome).splitlines()[:2] == [
        "FAIL  security: 1 finding(s) at or above 'high'",
        "warn  security: the base has no security results, so nothing of this phase was compared with the "
        "base"]


def test_a_head_whose_check_could_not_run_names_no_finding_of_the_base_gone() -> None:
    # pip-audit without network on the head reports nothing: the gate line said "1 of the base's gone:
    # PYSEC-2024-60 at requirements.txt:136" for an advisory nobody had looked for, and a head whose phase
    # crashed had "no finding; 2 of the base's gone" beside its ERROR line.
    head = security(SHELL)
    head.errors.append("audit: cannot reach the advisory database")
    head.metrics.append(Metric("audit.could_not_run", None, status="error", description="no network"))
    head.finalize(fail_on="high")
    outcome = evaluate([head], defaults(), [security(SHELL, PYSEC)])
    assert outcome.gone_findings == []
    assert "pass  security: no new finding, 1 known from the base" in render("gate.txt.j2", outcome=outcome)
    crashed = PhaseResult(phase="security", errors=["security: bandit crashed"])
    crashed.finalize(fail_on="high")
    outcome = evaluate([crashed], defaults(), [security(SHELL, PYSEC)])
    assert outcome.gone_findings == [] and not any("gone" in c.detail for c in outcome.checks)
    # the same head with every check run: the advisory is gone
    outcome = evaluate([security(SHELL)], defaults(), [security(SHELL, PYSEC)])
    assert outcome.gone_findings == ["PYSEC-2024-60 at requirements.txt:136"]


def test_a_base_whose_check_could_not_run_calls_no_head_finding_new() -> None:
    # The other side: the base's pip-audit found nothing for want of network, so the head's advisory was
    # "1 new since the base" and "FAIL  security: 1 new finding(s)"; it still fails, as a finding.
    base = security(SHELL)
    base.errors.append("audit: cannot reach the advisory database")
    base.finalize(fail_on="high")
    outcome = evaluate([security(SHELL, PYSEC)], defaults(), [base])
    assert outcome.is_new("security", outcome.results[0].findings[0]) is None
    lines = render("gate.txt.j2", outcome=outcome).splitlines()
    assert lines[0] == ("FAIL  security: 1 finding(s) at or above 'high' (PYSEC-2024-60 at "
                        "requirements.txt:136), 1 known from the base")
    assert "  findings: 2" in render_text(outcome.results, outcome.comparisons, outcome).splitlines()
