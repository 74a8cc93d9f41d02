"""A p95 that breaks its budget and also regressed against the base fails two rules but is one failing
gate: a helper's djangox run headed its comment "6 gate(s) failed" for 5 failing metrics, the total p95
counted twice (its budget and its regression)."""

from __future__ import annotations

from echotune_ci.config import defaults
from echotune_ci.gate import evaluate, failed_gates
from echotune_ci.github.checks import phase_checks
from echotune_ci.report.markdown import render_comment
from echotune_ci.report.render import render
from echotune_ci.results import Finding, Metric, PhaseResult


def load(p95: list[float], p50: list[float], *, high_findings: int = 0) -> PhaseResult:
    result = PhaseResult(phase="load", metrics=[
        Metric("p95_ms", sorted(p95)[len(p95) // 2], "ms", "lower", budget=200, samples=p95).evaluate(),
        Metric("p50_ms", sorted(p50)[len(p50) // 2], "ms", "lower", budget=100, samples=p50).evaluate(),
    ], findings=[Finding(f"load.rule{i}", "high", f"finding {i}", source_tool="echotune")
                 for i in range(high_findings)])
    result.finalize(fail_on="high")
    return result


BASE_P95 = [100.0, 101, 102, 103, 104, 105, 106]
SLOW_P95 = [300.0, 301, 302, 303, 304, 305, 306]  # over the 200 ms budget and +194 % against the base
P50 = [50.0, 51, 52, 53, 54, 55, 56]


def test_a_metric_failing_its_budget_and_its_regression_is_one_failed_gate() -> None:
    outcome = evaluate([load(SLOW_P95, P50)], defaults(), [load(BASE_P95, P50)])
    assert [c.rule for c in outcome.failed] == ["p95_ms", "regression of p95_ms"]  # two rules broken
    assert len(failed_gates(outcome.failed)) == 1
    comment = render_comment(outcome.results, outcome=outcome)
    assert "## ❌ EchoTune CI: 1 gate(s) failed" in comment
    [check] = phase_checks(outcome.results, outcome)
    assert check.title == "load: 1 gate(s) failed"
    assert check.description.startswith("1 gate(s) failed: p95_ms")
    # The terminal's last line counts the same way (it listed "2 failed" beside "1 gate(s) failed").
    # And checks gates, not rules: p95 (budget and regression) and p50, not "3 checked".
    assert [c.rule for c in outcome.checks] == ["p95_ms", "p50_ms", "regression of p95_ms"]
    assert render("gate.txt.j2", outcome=outcome).splitlines()[-1] == \
        "gate: FAIL (1 failed, 0 could not run, 2 checked)"


def test_each_failing_metric_and_the_findings_count_once() -> None:
    slow_p50 = [v * 3 for v in P50]  # 159 ms: over the p50's 100 ms budget (the p50 has no regression rule)
    outcome = evaluate([load(SLOW_P95, slow_p50, high_findings=2)], defaults(), [load(BASE_P95, P50)])
    assert sorted(c.rule for c in outcome.failed) == ["findings", "p50_ms", "p95_ms", "regression of p95_ms"]
    # p95 (budget + regression), p50 (budget), the new high findings: three gates.
    assert len(failed_gates(outcome.failed)) == 3
    assert "## ❌ EchoTune CI: 3 gate(s) failed" in render_comment(outcome.results, outcome=outcome)


def test_a_metric_that_is_not_a_number_is_one_gate_that_could_not_run() -> None:
    # Its budget check and its regression check both could not run: one gate ("2 could not run, 2
    # checked" for one metric, its regression check not knowing its metric).
    nan = float("nan")
    head = PhaseResult(phase="load", metrics=[Metric("p95_ms", nan, "ms", "lower", budget=200).evaluate()])
    head.finalize(fail_on="high")
    base = PhaseResult(phase="load", metrics=[Metric("p95_ms", 100.0, "ms", "lower", budget=200).evaluate()])
    outcome = evaluate([head], defaults(), [base])
    assert [(c.rule, c.status) for c in outcome.checks if c.rule != "phase"] == \
        [("p95_ms", "error"), ("regression of p95_ms", "error")]
    assert render("gate.txt.j2", outcome=outcome).splitlines()[-1] == \
        "gate: ERROR (0 failed, 1 could not run, 1 checked)"


def test_a_check_that_could_not_run_is_one_gate_not_its_error_and_its_metric() -> None:
    # The security phase's audit could not reach its service: the phase's error and the check's
    # audit.could_not_run metric (no value, the same words) were counted as two ("2 could not run").
    said = "OSV API https://api.osv.dev: unreachable (ConnectError) (3 attempts)"
    audit = Metric("audit.could_not_run", None, "", status="error", description=said)
    result = PhaseResult(phase="security", status="error", errors=[f"audit: {said}"], metrics=[audit])
    outcome = evaluate([result], defaults())
    assert [c.rule for c in outcome.checks] == ["audit.could_not_run"]
    assert render("gate.txt.j2", outcome=outcome).splitlines()[-1] == \
        "gate: ERROR (0 failed, 1 could not run, 1 checked)"
    # Two checks that could not run are two (a reviewer's case: each error is said by its metric), and an
    # error no metric says (the phase's own) is a third.
    secrets = Metric("secrets.could_not_run", None, "", status="error", description="gitleaks crashed")
    result = PhaseResult(phase="security", status="error", metrics=[audit, secrets],
                         errors=[f"audit: {said}", "secrets: gitleaks crashed", "the app stopped answering"])
    outcome = evaluate([result], defaults())
    assert [c.rule for c in outcome.checks] == ["phase ran", "audit.could_not_run", "secrets.could_not_run"]
    assert outcome.checks[0].detail == "the app stopped answering"
    assert render("gate.txt.j2", outcome=outcome).splitlines()[-1] == \
        "gate: ERROR (0 failed, 3 could not run, 3 checked)"


def bundle(gzip_total: float) -> PhaseResult:
    total = Metric("bundle_total_gzip_bytes", gzip_total, "bytes", "lower")
    result = PhaseResult(phase="bundle", metrics=[total])
    result.finalize(fail_on="high")
    return result


def test_a_gated_metric_that_held_against_the_base_is_a_gate_checked() -> None:
    # A bundle-only run whose gzip total grew 2 % (within the default 5 %) had no check at all and ended
    # "0 checked": the growth rule is a gate it judged and passed.
    outcome = evaluate([bundle(10_200)], defaults(), [bundle(10_000)])
    assert [(c.rule, c.status) for c in outcome.checks] == [("regression of bundle_total_gzip_bytes", "pass")]
    assert outcome.checks[0].detail == \
        "bundle_total_gzip_bytes: no significant change (+2 %) against the base (limit 5 %)"
    # A held metric keeps its own status: the gate marked every metric a regression check named "fail".
    [metric] = outcome.results[0].metrics
    assert metric.status == "pass"
    lines = render("gate.txt.j2", outcome=outcome).splitlines()
    assert lines == ["pass  bundle: bundle_total_gzip_bytes: no significant change (+2 %) against the base "
                     "(limit 5 %)", "gate: pass (0 failed, 0 could not run, 1 checked)"]
    # Grown by 8 %: the same gate, failed.
    outcome = evaluate([bundle(10_800)], defaults(), [bundle(10_000)])
    assert [(c.rule, c.status) for c in outcome.checks] == [("regression of bundle_total_gzip_bytes", "fail")]
    assert outcome.results[0].metrics[0].status == "fail"


def test_gated_metrics_that_held_are_one_line_per_phase() -> None:
    # Every page's paints and every endpoint's p95 are gated: one line each would bury the budgets.
    # (a base of other times: two equal runs started in the same second read as one run handed twice)
    outcome = evaluate([load(BASE_P95, P50)], defaults(), [load([v + 0.5 for v in BASE_P95], P50)])
    held = [c for c in outcome.checks if c.rule.startswith("regression of ")]
    assert [(c.rule, c.status) for c in held] == [("regression of p95_ms", "pass")]
    head, base = bundle(10_000), bundle(10_000)
    for result, p95 in ((head, BASE_P95), (base, [v + 0.5 for v in BASE_P95])):  # no "the same run" warning
        result.metrics.append(Metric("p95_ms", sorted(p95)[len(p95) // 2], "ms", "lower", samples=p95))
    outcome = evaluate([head], defaults(), [base])
    lines = render("gate.txt.j2", outcome=outcome).splitlines()
    assert lines[-2:] == ["pass  bundle: 2 gated metrics held against the base ([gate] regression)",
                          "gate: pass (0 failed, 0 could not run, 2 checked)"]


def test_a_base_that_is_the_heads_own_run_holds_no_gate() -> None:
    # `gate --baseline` given the head's own folder: every comparison is of a run with itself, and the
    # gate warned "nothing of this phase was compared with a base" above "pass  load: p95_ms: no
    # significant change (CI −2.9 % … +2.9 %) against the base (limit 10 %)", counted as a gate checked.
    head = load(BASE_P95, P50)
    outcome = evaluate([head], defaults(), [head])
    assert [(c.rule, c.status) for c in outcome.checks] == [("p95_ms", "pass"), ("p50_ms", "pass"),
                                                            ("compared with the base", "warn")]
    assert render("gate.txt.j2", outcome=outcome).splitlines()[-1] == \
        "gate: warn (0 failed, 0 could not run, 3 checked)"


def test_the_held_line_says_other_beside_a_regression_of_its_phase() -> None:
    # The Nuxt trial's planted 20 ms in GET /api/device: "FAIL  load: p95_ms[endpoint=GET /api/device] got
    # worse by 55.9 %", then "pass  load: 4 gated metrics held against the base", which read as if the
    # four included the one that failed. Here p95_ms regressed (+48 %, within its budget) and two held.
    def result(p95: list[float]) -> PhaseResult:
        return PhaseResult(phase="load", metrics=[
            Metric("p95_ms", sorted(p95)[3], "ms", "lower", samples=p95),
            Metric("p95_ms", 50.0, "ms", "lower", labels={"endpoint": "GET /"}, samples=P50),
            Metric("rps", 66.0, "req/s", "higher", samples=[66.0, 66.1, 65.9, 66.2, 65.8, 66.0, 66.1]),
        ])
    outcome = evaluate([result([v + 48 for v in BASE_P95])], defaults(), [result(BASE_P95)])
    lines = render("gate.txt.j2", outcome=outcome).splitlines()
    assert [line.split(":")[0] for line in lines] == ["FAIL  load", "pass  load", "gate"]
    assert lines[1] == "pass  load: 2 other gated metrics held against the base ([gate] regression)"
    assert lines[2] == "gate: FAIL (1 failed, 0 could not run, 3 checked)"
