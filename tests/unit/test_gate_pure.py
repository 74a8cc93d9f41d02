"""The gate is a chain of pure steps: it returns what it decided and modifies nothing it is given."""

from __future__ import annotations

import dataclasses

from echotune_ci.config import defaults
from echotune_ci.gate import evaluate
from echotune_ci.results import PhaseResult
from support.samples import frontend_result, load_result, noisy, security_result


def snapshot(results: list[PhaseResult]) -> list[dict]:
    return [r.to_dict() for r in results]


def test_evaluate_modifies_neither_results_nor_baseline():
    # Head regressed (p95 +15 %, a11y below budget) and repeats a known finding: every step has work to do.
    head = [load_result(noisy(126, 8, 4, 1)), frontend_result(a11y=80), security_result(1)]
    base = [load_result(noisy(110, 8, 4, 2)), frontend_result(), security_result(1)]
    head_before, base_before = snapshot(head), snapshot(base)
    metric_ids = [id(m) for r in head for m in r.metrics]

    outcome = evaluate(head, defaults(), base)

    assert snapshot(head) == head_before
    assert snapshot(base) == base_before
    assert [id(m) for r in head for m in r.metrics] == metric_ids
    # ... and yet the outcome carries what the gate decided.
    assert outcome.status == "fail"
    gated = {r.phase: r for r in outcome.results}
    p95 = gated["load"].metric("p95_ms")
    assert p95 is not None and p95.status == "fail" and p95.baseline is not None
    assert head[0].metric("p95_ms").baseline is None and head[0].metric("p95_ms").status == "pass"
    assert gated["frontend"].status == "fail" and head[1].status == "fail"  # the phase's own verdict
    # the known finding no longer fails
    assert gated["security"].status == "pass" and head[2].status == "fail"
    assert outcome.known_findings == 3


def test_metric_statuses_are_re_derived_on_copies():
    r = load_result(noisy(100, 5, 3, 1))
    stale = dataclasses.replace(r.metrics[0], status="fail")  # a result file may carry a stale status
    r = dataclasses.replace(r, metrics=[stale, *r.metrics[1:]])
    outcome = evaluate([r], defaults())
    assert r.metrics[0].status == "fail"
    assert outcome.results[0].metrics[0].status == "pass"
