"""A time that moved by less than [gate] min_effect_ms is never a regression: locust reports whole
milliseconds, so on a 10 ms p95 one step of its resolution is already a 10 % change."""

from __future__ import annotations

from echotune_ci.compare import compare_metric, compare_results
from echotune_ci.config.sections import GateSettings
from echotune_ci.results import Metric, PhaseResult

# Eight rounds a side; the head is one locust step (1 ms) slower in every round: significant (every head
# value above every base value: one-sided Mann-Whitney p about 1e-4) and +10 % of the base's 10 ms.
BASE = [10.0] * 8
HEAD = [11.0] * 8


def _p95(samples: list[float], unit: str = "ms") -> Metric:
    return Metric("p95_ms", sorted(samples)[len(samples) // 2], unit, "lower", samples=samples)


def test_a_one_millisecond_shift_is_a_verdict_only_without_the_floor():
    bare = compare_metric("load", _p95(BASE), _p95(HEAD), threshold_pct=10.0)
    assert bare.verdict == "regressed" and bare.shift == 1.0
    assert bare.p_value is not None and bare.p_value < 0.01
    floored = compare_metric("load", _p95(BASE), _p95(HEAD), threshold_pct=10.0, min_effect_ms=2.0)
    assert floored.verdict == "no significant change" and floored.shift == 1.0
    # the same shift in a unit that is not a time keeps its verdict
    counts = compare_metric("load", _p95(BASE, "requests"), _p95(HEAD, "requests"), threshold_pct=10.0,
                            min_effect_ms=2.0)
    assert counts.verdict == "regressed"


def test_a_three_millisecond_shift_is_still_a_regression():
    worse = [v + 2.0 for v in HEAD]
    out = compare_metric("load", _p95(BASE), _p95(worse), threshold_pct=10.0, min_effect_ms=2.0)
    assert out.verdict == "regressed" and out.shift == 3.0


def test_single_values_and_the_gate_default():
    assert GateSettings().min_effect_ms == 2.0
    base = [PhaseResult(phase="load", metrics=[Metric("p95_ms", 10.0, "ms", "lower")])]
    head = [PhaseResult(phase="load", metrics=[Metric("p95_ms", 11.5, "ms", "lower")])]
    (plain,) = compare_results(base, head, thresholds={"p95_ms": 10.0})
    assert plain.verdict == "regressed"  # +15 % of one value
    (floored,) = compare_results(base, head, thresholds={"p95_ms": 10.0}, min_effect_ms=2.0)
    assert floored.verdict == "no significant change"


def test_the_load_phase_side_by_side_verdict_uses_the_same_floor():
    from echotune_ci.phases.load.compare import decide

    def sides() -> tuple[list[Metric], list[Metric]]:
        return [_p95(BASE)], [_p95(HEAD)]

    _, findings, (note,) = decide(*sides(), GateSettings(), 0.0, 8)
    assert len(findings) == 1 and "p95 latency regressed" in note
    _, findings, (note,) = decide(*sides(), GateSettings(), 2.0, 8)
    assert findings == [] and "no significant change" in note
