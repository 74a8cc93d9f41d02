"""The security phase's counts of what it scanned are no regression: the PR that adopts EchoTune adds
echotune.toml and two workflows, and on wsvincent/djangox `run --base-ref HEAD` listed
"`secrets.files` 49 files → 52 files +6.1 % 🔺 regressed" under "Against the base branch"
(pamelafox/simple-fastapi-container: 36 → 39, +8.3 %). A project's size has no better direction; what
could not be scanned and the suppressions keep theirs."""

from __future__ import annotations

from echotune_ci.compare import compare_results
from echotune_ci.config import defaults
from echotune_ci.gate import evaluate
from echotune_ci.report.markdown import render_comment
from echotune_ci.results import Metric, PhaseResult


def security(files: int, packages: int, high: int, nosec: int) -> PhaseResult:
    return PhaseResult(phase="security", metrics=[
        Metric("secrets.files", files, "files", description="Text files scanned for secrets"),
        Metric("bandit.files", files // 2, "files", description="Python files bandit analysed"),
        Metric("audit.packages", packages, "packages", labels={"ecosystem": "PyPI"}),
        Metric("bandit.nosec", nosec, "lines"),
        Metric("findings.high", high, "findings"),
    ])


def verdicts(base: PhaseResult, head: PhaseResult, **rules: float) -> dict[str, tuple[str, float | None]]:
    found = compare_results([base], [head], thresholds=rules)
    return {c.key: (c.verdict, None if c.effect_pct is None else round(c.effect_pct, 1)) for c in found}


def test_counts_of_what_was_scanned_get_no_verdict_but_their_change() -> None:
    got = verdicts(security(49, 26, 1, 0), security(52, 27, 1, 0))
    assert got["secrets.files"] == ("no significant change", 6.1)  # (52 - 49) / 49
    assert got["bandit.files"] == ("no significant change", 8.3)  # 24 -> 26
    assert got["audit.packages[ecosystem=PyPI]"] == ("no significant change", 3.8)  # 26 -> 27
    shrunk = verdicts(security(52, 27, 1, 0), security(30, 27, 1, 0))  # a PR that deletes dead code
    assert shrunk["secrets.files"] == ("no significant change", -42.3)


def test_findings_and_suppressions_keep_their_direction() -> None:
    got = verdicts(security(49, 26, 1, 0), security(49, 26, 2, 3))
    assert got["findings.high"] == ("regressed", 100.0)
    assert got["bandit.nosec"] == ("regressed", 100.0)  # from 0: +100 %, as any count that was 0


def test_a_count_named_in_gate_regression_is_decided_as_configured() -> None:
    got = verdicts(security(49, 26, 1, 0), security(52, 26, 1, 0), **{"secrets.files": 5.0})
    assert got["secrets.files"] == ("regressed", 6.1)


def test_the_adoption_comment_lists_no_scanned_file_count_against_the_base() -> None:
    outcome = evaluate([security(52, 26, 1, 0)], defaults(), [security(49, 26, 1, 0)])
    comment = render_comment(outcome.results, outcome=outcome)
    assert "### Against the base branch" not in comment
    assert "regressed" not in comment
    # The change is still shown, marked as not tested, neither 🔺 nor 🔽 nor "n.s." (no test ran).
    assert "| `secrets.files` |  | 52 files |  | 49 files | +6.1 % \\(not tested\\) |" in comment
