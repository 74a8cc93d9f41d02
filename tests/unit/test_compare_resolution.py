"""A time that moved by less than [gate] min_effect_ms (0.5 ms by default) is never a regression: below
it, timer and scheduler jitter decide. Load rounds report exact percentiles, so a 10 % shift of a 7 ms
p95 is above the floor; a distributed run's whole-millisecond figures need the floor raised to 2 ms."""

from __future__ import annotations

import pytest

from echotune_ci.compare import compare_metric, compare_results
from echotune_ci.config.sections import GateSettings
from echotune_ci.phases.load.settings import CompareSettings
from echotune_ci.results import Metric, PhaseResult

# Eight rounds a side, the head slower by the same amount in every round: significant (every head value
# above every base value: one-sided Mann-Whitney p about 1e-4).
BASE = [7.0, 7.1, 6.9, 7.05, 6.95, 7.02, 6.98, 7.03]


def _slower(by: float) -> list[float]:
    return [v + by for v in BASE]


def _p95(samples: list[float], unit: str = "ms") -> Metric:
    return Metric("p95_ms", sorted(samples)[len(samples) // 2], unit, "lower", samples=samples)


def test_a_tenth_of_a_7_ms_p95_is_a_verdict_under_the_default_floor():
    gate = GateSettings()
    assert gate.min_effect_ms == 0.5 and CompareSettings().min_effect_ms == 0.5
    out = compare_metric("load", _p95(BASE), _p95(_slower(0.7)), threshold_pct=10.0,
                         min_effect_ms=gate.min_effect_ms)
    assert out.verdict == "regressed" and round(out.shift, 6) == 0.7
    assert out.p_value is not None and out.p_value < 0.01


def test_a_shift_under_the_floor_is_never_a_verdict():
    bare = compare_metric("load", _p95(BASE), _p95(_slower(0.4)), threshold_pct=5.0)
    assert bare.verdict == "regressed" and bare.effect_pct is not None and bare.effect_pct > 5
    floored = compare_metric("load", _p95(BASE), _p95(_slower(0.4)), threshold_pct=5.0, min_effect_ms=0.5)
    assert floored.verdict == "no significant change"
    # the same shift in a unit that is not a time keeps its verdict
    counts = compare_metric("load", _p95(BASE, "requests"), _p95(_slower(0.4), "requests"), threshold_pct=5.0,
                            min_effect_ms=0.5)
    assert counts.verdict == "regressed"
    # whole-millisecond figures (a distributed run): one step apart is held back by a floor of 2
    whole = compare_metric("load", _p95([10.0] * 8), _p95([11.0] * 8), threshold_pct=10.0, min_effect_ms=2.0)
    assert whole.verdict == "no significant change" and whole.effect_pct == pytest.approx(10.0)
    assert whole.method == "threshold"  # every round alike on each side: the change is exact


def test_single_values_use_the_floor_too():
    base = [PhaseResult(phase="load", metrics=[Metric("p95_ms", 3.0, "ms", "lower")])]
    head = [PhaseResult(phase="load", metrics=[Metric("p95_ms", 3.4, "ms", "lower")])]
    (plain,) = compare_results(base, head, thresholds={"p95_ms": 10.0})
    assert plain.verdict == "regressed"  # +13 % of one value
    (floored,) = compare_results(base, head, thresholds={"p95_ms": 10.0}, min_effect_ms=0.5)
    assert floored.verdict == "no significant change"


def test_the_load_phase_side_by_side_verdict_uses_the_same_floor():
    from echotune_ci.phases.load.compare import decide

    def sides() -> tuple[list[Metric], list[Metric]]:
        return [_p95(BASE)], [_p95(_slower(0.4))]

    _, findings, (note,) = decide(*sides(), GateSettings(), 0.0, 8)
    assert len(findings) == 1 and "p95 latency regressed" in note
    _, findings, (note,) = decide(*sides(), GateSettings(), 0.5, 8)
    assert findings == [] and "no significant change" in note


def _cls(samples: list[float]) -> Metric:
    return Metric("cls", sorted(samples)[len(samples) // 2], "", "lower", samples=samples)


def test_cls_that_barely_moved_from_zero_is_no_verdict():
    # A page without layout shift on the base and a tiny one on the head: every head sample above every
    # base sample (p = 1/924) and "+100 %", yet Lighthouse scores both 100.
    base, head = _cls([0.0] * 6), _cls([0.001, 0.002, 0.002, 0.003, 0.002, 0.002])
    assert compare_metric("frontend", base, head).verdict == "regressed"  # no floor: what it said before
    gate = GateSettings()
    assert gate.min_effect_cls == 0.01
    floored = compare_metric("frontend", base, head, min_effect_cls=gate.min_effect_cls)
    assert floored.verdict == "no significant change" and floored.effect_pct == 100.0
    # one value a side (a baseline of one run): the same floor
    one = compare_results([PhaseResult(phase="frontend", metrics=[Metric("cls", 0.0, "", "lower")])],
                          [PhaseResult(phase="frontend", metrics=[Metric("cls", 0.004, "", "lower")])],
                          min_effect_cls=0.01)
    assert [c.verdict for c in one] == ["no significant change"]
    # a shift anyone sees is still one: 0.02 -> 0.15 crosses web-vitals' "good" (0.1)
    seen = compare_metric("frontend", _cls([0.02] * 6), _cls([0.15, 0.16, 0.14, 0.15, 0.15, 0.17]),
                          min_effect_cls=gate.min_effect_cls)
    assert seen.verdict == "regressed"
    # the floor is CLS's: another unitless metric that moves by 0.004 keeps its verdict
    score = compare_results([PhaseResult(phase="frontend", metrics=[Metric("ratio", 0.1, "", "lower")])],
                            [PhaseResult(phase="frontend", metrics=[Metric("ratio", 0.104, "", "lower")])],
                            thresholds={"ratio": 1.0}, min_effect_cls=0.01)
    assert [c.verdict for c in score] == ["regressed"]


def test_the_gate_and_compare_read_the_cls_floor_from_the_config(tmp_path, monkeypatch):
    import json

    from click.testing import CliRunner

    from echotune_ci.commands.compare import command
    from echotune_ci.config.model import load_config
    from echotune_ci.gate import regression_checks

    base = [PhaseResult(phase="frontend", metrics=[Metric("cls", 0.0, "", "lower", labels={"url": "/"})])]
    head = [PhaseResult(phase="frontend", metrics=[Metric("cls", 0.008, "", "lower", labels={"url": "/"})])]
    (default,), _ = regression_checks(head, base, GateSettings())
    assert default.verdict == "no significant change"
    strict_cfg = tmp_path / "strict" / "echotune.toml"
    strict_cfg.parent.mkdir()
    strict_cfg.write_text("[gate]\nmin_effect_cls = 0\n")
    (strict,), _ = regression_checks(head, base, load_config(strict_cfg).gate)
    assert strict.verdict == "regressed"
    for side, results in (("base", base), ("head", head)):
        (tmp_path / side).mkdir()
        results[0].write(tmp_path / side / "frontend.json")
    monkeypatch.chdir(tmp_path / "base")  # no echotune.toml here or above: [gate]'s defaults
    runner = CliRunner()
    verdicts = {}
    for name, args in (("default", []), ("strict", ["--config", str(strict_cfg)])):
        done = runner.invoke(command, [str(tmp_path / "base"), str(tmp_path / "head"), "--format", "json",
                                       *args])
        assert done.exit_code == 0, done.output
        verdicts[name] = [c["verdict"] for c in json.loads(done.output)]
    assert verdicts == {"default": ["no significant change"], "strict": ["regressed"]}
