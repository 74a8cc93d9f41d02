"""Adding samples while a verdict is open (``run --base-ref``) is a sequential test: its looks share
``[gate] alpha`` (alpha spending), so adaptive re-testing does not raise the false-alarm rate.

Expected spending values were computed independently with R 4.2.2:
``f <- function(t) 2 * (1 - pnorm(qnorm(1 - 0.05/2) / sqrt(t)))`` (the Lan-DeMets O'Brien-Fleming
form, as gsDesign's ``sfLDOF``) and ``0.05 * log(1 + (exp(1) - 1) * t)`` (Pocock-type).
"""

from __future__ import annotations

import math
import random

import pytest

from echotune_ci.baseref.sidebyside import planned_looks
from echotune_ci.compare import (Rule, carried_levels, compare_metric, conditional_power, interval_heading,
                                 mann_whitney_greater, needs_more_samples, sequential_levels, spent_alpha,
                                 test_samples)
from echotune_ci.results import Metric, PhaseResult
from echotune_ci.results.io import validate

ALPHA = 0.05


def test_obrien_fleming_spending_matches_r() -> None:
    # R: diff(c(0, f(c(5, 7, 10) / 10)))
    assert sequential_levels([5, 7, 10], ALPHA) == pytest.approx(
        [0.005574596681, 0.013575046705, 0.030850356614], abs=1e-11)
    # R: diff(c(0, f(c(3, 5, 7) / 7))): the information fraction is relative to the last look
    assert sequential_levels([3, 5, 7], ALPHA) == pytest.approx(
        [0.002754412229, 0.017637335185, 0.029608252586], abs=1e-11)
    assert spent_alpha(0.0, ALPHA) == 0.0 and spent_alpha(1.0, ALPHA) == pytest.approx(ALPHA, abs=1e-15)


def test_a_look_no_samples_of_its_size_could_pass_gives_its_level_to_the_next() -> None:
    """The load phase's first look with half of alpha: 0.00264 at 5 rounds a build, where the smallest
    p-value 5 against 5 can give is 1/252 = 0.00397, so that share of alpha could never be used."""
    levels = sequential_levels([5, 7, 9], 0.025)
    carried = carried_levels([5, 7, 9], levels)
    assert levels[0] < 1 / math.comb(10, 5) and carried[0] == levels[0]  # it still looks (more samples?)
    assert carried[1] == pytest.approx(levels[0] + levels[1]) and carried[2] == levels[2]
    # What the looks that can reject spend adds up to alpha, as before.
    assert carried[1] + carried[2] == pytest.approx(0.025)
    # 2 and 4 a build can never reach their levels: the last look gets all of alpha.
    assert carried_levels([2, 4, 6], sequential_levels([2, 4, 6], 0.025))[-1] == pytest.approx(0.025)
    # The default frontend plan at the whole alpha is left as it is (5 against 5 can reach 0.00557).
    frontend = sequential_levels([5, 7, 10], ALPHA)
    assert carried_levels([5, 7, 10], frontend) == frontend
    samples_5 = ([100.0 + i for i in range(5)], [200.0 + i for i in range(5)])
    assert mann_whitney_greater(samples_5[1], samples_5[0]) == pytest.approx(1 / 252)  # the smallest there is


def test_pocock_and_bonferroni_spending() -> None:
    # R: 0.05 * log(1 + (exp(1) - 1) * c(5, 7, 10) / 10) = 0.03100572535 0.03948640218 0.05
    assert sequential_levels([5, 7, 10], ALPHA, "pocock") == pytest.approx(
        [0.03100572535, 0.03948640218 - 0.03100572535, 0.05 - 0.03948640218], abs=1e-11)
    assert sequential_levels([3, 5, 7, 10], ALPHA, "bonferroni") == [0.0125] * 4
    for spending in ("obrien-fleming", "pocock", "bonferroni"):
        assert math.fsum(sequential_levels([2, 4, 6, 9, 10], ALPHA, spending)) == pytest.approx(ALPHA)
    # One look is no sequential test: the whole alpha.
    assert sequential_levels([10], ALPHA) == [ALPHA]
    with pytest.raises(ValueError, match="increasing"):
        sequential_levels([5, 5, 10], ALPHA)
    with pytest.raises(ValueError, match="spending"):
        spent_alpha(0.5, ALPHA, "haybittle")


def test_the_looks_are_fixed_by_the_configuration() -> None:
    assert planned_looks(5, 10) == [5, 7, 10]
    assert planned_looks(3, 10) == [3, 5, 7, 10]
    assert planned_looks(2, 10) == [2, 4, 6, 9, 10]
    assert planned_looks(5, 10, even=True) == [5, 7, 9]  # load rounds: even additions only
    assert planned_looks(10, 10) == [10] and planned_looks(12, 10) == [12]


def test_a_look_level_widens_the_interval_alike() -> None:
    rule = Rule(alpha=0.05, confidence=0.95, threshold_pct=10.0)
    at = rule.at_level(0.030850356614)
    assert at.alpha == pytest.approx(0.030850356614)
    # The interval's two-sided error shrinks by the same factor: 0.05 * 0.617 = 0.0309.
    assert at.confidence == pytest.approx(1 - 0.05 * 0.030850356614 / 0.05)
    assert rule.at_level(None) is rule and rule.at_level(0.05) is rule and rule.at_level(0.2) is rule
    with pytest.raises(ValueError):
        rule.at_level(0.0)


def test_an_interval_beyond_the_limit_that_the_level_cannot_confirm_asks_for_more() -> None:
    base, head = [400.0, 404.0, 396.0], [600.0, 610.0, 620.0]
    rule = Rule(threshold_pct=10.0)
    assert needs_more_samples(base, head, rule) is False  # at alpha = 0.05: p = 0.05, regressed
    assert test_samples(base, head, rule).verdict == "regressed"
    # At 0.00275 (the first of 3, 5, 7 looks) no 3-against-3 arrangement is significant (p >= 1/20).
    strict = rule.at_level(0.002754412229)
    assert test_samples(base, head, strict).verdict == "no significant change"
    assert needs_more_samples(base, head, strict) is True


def test_a_recorded_level_decides_the_verdict_and_the_interval() -> None:
    base = [103.4, 117.8, 97.9, 109.6, 104.1, 125.9, 93.9, 90.8]
    head = [148.7, 116.5, 109.2, 119.2, 122.3, 123.5, 140.9, 102.2]
    # Exact one-sided p = 321 / 12870 = 0.0249 (R: wilcox.test(head, base, alternative = "greater")), +16 %.
    assert test_samples(base, head, Rule(threshold_pct=10.0)).p_value == pytest.approx(321 / 12870)
    plain = compare_metric("frontend", Metric("lcp_ms", 100.0, "ms", samples=base),
                           Metric("lcp_ms", 111.0, "ms", samples=head), threshold_pct=10.0)
    level = 0.005574596681  # a first look's share: the test cannot pass at that level
    seq = compare_metric("frontend", Metric("lcp_ms", 100.0, "ms", samples=base, alpha=level),
                         Metric("lcp_ms", 111.0, "ms", samples=head, alpha=level), threshold_pct=10.0)
    assert plain.verdict == "regressed" and not plain.sequential and plain.alpha == 0.05
    assert seq.verdict == "no significant change" and seq.sequential and seq.alpha == level
    assert seq.confidence == pytest.approx(1 - level)
    # The sequential interval is wider and names its own level where a table's heading says 95 %.
    assert None not in (seq.ci_low_pct, seq.ci_high_pct, plain.ci_low_pct, plain.ci_high_pct)
    assert seq.ci_low_pct < plain.ci_low_pct and seq.ci_high_pct > plain.ci_high_pct  # type: ignore[operator]
    assert seq.interval_range().endswith("(99.4 %)") and plain.interval_range().endswith("%")
    assert seq.interval_text().startswith("99.4 % CI ")
    assert seq.to_dict()["alpha"] == round(level, 6) and seq.to_dict()["sequential"] is True
    # A table whose rows name their own levels is not headed "95 % CI" (two newcomers read it as a
    # contradiction): the heading says "CI", and the footnote the configured level and why rows differ.
    assert interval_heading([plain], 0.95) == "95 % CI"
    assert interval_heading([plain, seq], 0.95) == "CI"
    from echotune_ci.report.render import render

    table = render("compare.md.j2", comparisons=[plain, seq], alpha=0.05, min_effect=5.0,
                   ci_header=interval_heading([plain, seq], 0.95), level="95")
    assert "| Change | CI | Samples |" in table and "99.4 %" in table
    assert "with their CI (95 %, or the level a row names: a run that looked at its samples more than once " \
           "tests each look at a stricter level)" in table
    # Base and Head are the results' values, the change an estimate between samples: two trials read a
    # 138 -> 75 ms p95 beside "+11 %" as a contradiction
    assert "the two can differ, even in sign, where the samples spread" in table


def test_the_level_survives_the_result_file() -> None:
    m = Metric("lcp_ms", 100.0, "ms", samples=[1.0, 2.0], alpha=0.0135750467)
    data = PhaseResult(phase="frontend", metrics=[m]).to_dict()
    validate(data, "frontend.json")
    assert PhaseResult.from_dict(data).metrics[0].alpha == pytest.approx(0.0135750467, abs=1e-6)
    data["metrics"][0]["alpha"] = 0.9  # a level above 0.5 is no level the gate would use
    with pytest.raises(Exception, match="alpha"):
        validate(data, "frontend.json")


# -- the whole adaptive procedure, simulated ----------------------------------------------------------

MEDIAN = 400.0  # ms


def adaptive_verdict(rng: random.Random, sigma: float, shift_pct: float, start: int, corrected: bool,
                     cap: int = 10, futility: float = 0.0, used: list[int] | None = None) -> str:
    """One base-against-head comparison as ``run --base-ref`` makes it: samples at the planned looks
    (``planned_looks``), more while ``needs_more_samples`` holds, the verdict at the look it stopped at;
    *corrected*: each look at its share of alpha (O'Brien-Fleming-type spending), else at alpha itself
    every time (the procedure before the correction). Log-normal latency-like samples with spread
    *sigma*; the head shifted by *shift_pct* percent of the median. *futility*: stop early when the
    conditional power at the last look is below it ([gate] futility; 0: never); *used* gets the samples
    per build of each trial."""
    base = [MEDIAN * rng.lognormvariate(0, sigma) for _ in range(cap)]
    head = [MEDIAN * rng.lognormvariate(0, sigma) + MEDIAN * shift_pct / 100 for _ in range(cap)]
    rule = Rule(better="lower", alpha=ALPHA, threshold_pct=10.0)  # lcp_ms/p95_ms: a 10 % limit
    looks = planned_looks(start, cap)
    levels = sequential_levels(looks, ALPHA) if corrected else [ALPHA] * len(looks)
    for k, n in enumerate(looks):
        at = rule.at_level(levels[k])
        last = k == len(looks) - 1 or not needs_more_samples(base[:n], head[:n], at)
        if not last and futility:
            power = conditional_power(base[:n], head[:n], rule, looks[-1], levels[-1])
            last = power is not None and power < futility
        if last:
            if used is not None:
                used.append(n)
            return test_samples(base[:n], head[:n], at).verdict
    raise AssertionError("unreachable")


def rate(trials: int, seed: int, **kwargs: float | int | bool) -> float:
    rng = random.Random(seed)
    return sum(adaptive_verdict(rng, **kwargs) == "regressed" for _ in range(trials)) / trials  # type: ignore[arg-type]


# 2,000 trials: the standard error of a rate near alpha = 0.05 is sqrt(0.05 * 0.95 / 2000) = 0.0049, so a
# margin of 0.0113 (2.33 standard errors) is what a true rate of exactly alpha exceeds in 1 % of seeds.
TRIALS = 2000
MARGIN = 2.33 * math.sqrt(ALPHA * (1 - ALPHA) / TRIALS)


def test_adaptive_rounds_keep_false_alarms_at_alpha_and_uncorrected_ones_exceed_it() -> None:
    # A/A: base and head from one distribution (spread 0.3: page loads on a busy runner), 3 samples to
    # start, looks at 3, 5, 7, 10. Seeded: these figures are docs/verdicts.md's.
    uncorrected = rate(TRIALS, 15, sigma=0.3, shift_pct=0.0, start=3, corrected=False)
    corrected = rate(TRIALS, 15, sigma=0.3, shift_pct=0.0, start=3, corrected=True)
    figures = f"uncorrected {uncorrected:.4f}, corrected {corrected:.4f}, margin {MARGIN:.4f}"
    assert uncorrected > ALPHA + MARGIN, figures  # optional stopping: beyond Monte-Carlo error
    assert corrected <= ALPHA, figures           # and the correction is below alpha even without margin
    # The default start (5 per build; looks 5, 7, 10): the same.
    corrected5 = rate(TRIALS, 16, sigma=0.3, shift_pct=0.0, start=5, corrected=True)
    assert corrected5 <= ALPHA, corrected5


def test_detection_stays_high_with_the_correction() -> None:
    # Realistic noise for a load round's p95 or a page's LCP on a quiet runner: spread 0.1 (about 10 %).
    trials = 400
    corrected = rate(trials, 17, sigma=0.1, shift_pct=20.0, start=5, corrected=True)
    uncorrected = rate(trials, 17, sigma=0.1, shift_pct=20.0, start=5, corrected=False)
    assert corrected >= 0.95 and uncorrected - corrected <= 0.03, (corrected, uncorrected)
    # A shift of exactly the 10 % limit: the estimate must reach the 5 % floor, not the limit, so it is
    # found more often than the half of the time an estimate-above-the-limit rule allows; the correction
    # costs some of it (at 10 samples per build, about 10 % noise: 59.5 % against 71.5 % uncorrected).
    at_limit = rate(trials, 18, sigma=0.1, shift_pct=10.0, start=5, corrected=True)
    at_limit_uncorrected = rate(trials, 18, sigma=0.1, shift_pct=10.0, start=5, corrected=False)
    assert 0.5 < at_limit <= at_limit_uncorrected, (at_limit, at_limit_uncorrected)


def test_conditional_power_worked_by_hand() -> None:
    # base = head = 100, 110, 90, 105, 95: median 100, residuals 0, ±5, ±10 on each side, so the pooled
    # scale is 1.4826 * 5 = 7.413 and the shift's standard error 7.413 * sqrt(2/5) = 4.6886 % now,
    # 4.6886 * sqrt(5/10) = 3.3153 % at 10 per build (t = 0.5). The limit, 10 %, is a drift of
    # 10 / 3.3153 = 3.0163; the last look's critical value is z(0.975) = 1.96 (the 5 % floor asks only
    # 5 / 3.3153 = 1.51). With an estimate of 0: 1 − Φ((1.96 − 3.0163 · 0.5) / sqrt(0.5)) = 1 − Φ(0.6388).
    base = [100.0, 110.0, 90.0, 105.0, 95.0]
    rule = Rule(threshold_pct=10.0)
    assert conditional_power(base, base, rule, 10, 0.025) == pytest.approx(0.26145, abs=1e-4)
    # The head worse by 10 % already: B(t) = 10 / 4.6886 · sqrt(0.5) = 1.5081, so 1 − Φ(−1.4935).
    worse = [v + 10.0 for v in base]
    assert conditional_power(base, worse, rule, 10, 0.025) == pytest.approx(0.93235, abs=1e-4)
    # A noisier head that looks 15 % worse so far (pooled scale 1.4826 * 15 = 22.239, standard error
    # 14.0655 % now and 9.9458 % at 10 per build, B(t) = 15 / 14.0655 · sqrt(0.5) = 0.75409): the future
    # drift is the trend seen, 15 / 9.9458 = 1.50817, not the limit's 1.00545, so
    # 1 − Φ((1.95996 − 0.75409 − 1.50817 · 0.5) / sqrt(0.5)) = 1 − Φ(0.63892) = 0.26144 (0.15995 with
    # the limit alone, which would give up on a head that looks worse than the limit).
    noisy = [100.0, 130.0, 70.0, 115.0, 85.0]
    power = conditional_power(noisy, [v + 15.0 for v in noisy], rule, 10, 0.025)
    assert power == pytest.approx(0.26144, abs=1e-4)
    # Turned for a metric where higher is better: the same head is 10 % better, far from a regression.
    assert conditional_power(base, worse, Rule(threshold_pct=10.0, better="higher"), 10, 0.025) < 0.01
    # No look left, too few samples, no spread: nothing to work out.
    assert conditional_power(base, base, rule, 5, 0.025) is None
    assert conditional_power(base[:1], base, rule, 10, 0.025) is None
    assert conditional_power([5.0] * 4, [5.0] * 4, rule, 10, 0.025) is None
    assert conditional_power(base, base, rule, 0, 0.025) is None
    assert conditional_power(base, base, rule, -1, 0.025) is None
    # A level too small for 1 − level to differ from 1 still has a critical value: no chance at all.
    assert conditional_power(base, base, rule, 10, 1e-300) == pytest.approx(0.0, abs=1e-12)
    # Values that overflow the arithmetic: nothing to say rather than NaN.
    huge = [1.7e308, 1.6e308, 1.5e308]
    power = conditional_power(huge, [-v for v in huge], rule, 10, 0.025)
    assert power is None or 0.0 <= power <= 1.0


def test_stopping_for_futility_saves_samples_without_false_alarms_or_much_detection() -> None:
    # [gate] futility = 0.1 against none, on the same seeded trials (600 each; looks 5, 7, 10).
    def run(seed: int, sigma: float, shift: float, futility: float) -> tuple[float, float]:
        used: list[int] = []
        rng = random.Random(seed)
        found = sum(adaptive_verdict(rng, sigma, shift, 5, True, futility=futility, used=used) == "regressed"
                    for _ in range(600))
        return found / 600, sum(used) / len(used)

    # A/A on a busy runner (spread 0.3): measured 0.050 and 9.7 samples per build without futility
    # stopping, 0.050 and 6.1 with it: about 37 % less time for the same verdicts.
    plain, plain_n = run(7, 0.3, 0.0, 0.0)
    stopped, stopped_n = run(7, 0.3, 0.0, 0.1)
    figures = (plain, stopped, plain_n, stopped_n)
    assert stopped <= plain <= ALPHA + 0.02 and stopped_n < 0.7 * plain_n, figures
    # Power: at +20 % and at the limit (spread 0.1) it costs at most 2 points (measured 0 and 0.4).
    for shift in (20.0, 10.0):
        plain, _ = run(7, 0.1, shift, 0.0)
        stopped, _ = run(7, 0.1, shift, 0.1)
        assert plain - 0.02 <= stopped <= plain, (shift, plain, stopped)


def test_the_gate_and_a_later_report_judge_at_the_recorded_level() -> None:
    from echotune_ci.config import defaults
    from echotune_ci.gate import evaluate

    base = [103.4, 117.8, 97.9, 109.6, 104.1, 125.9, 93.9, 90.8]
    head = [148.7, 116.5, 109.2, 119.2, 122.3, 123.5, 140.9, 102.2]  # p = 0.0249, +16 %

    def results(samples: list[float], alpha: float | None) -> list[PhaseResult]:
        return [PhaseResult(phase="frontend", metrics=[Metric("lcp_ms", samples[0], "ms", samples=samples,
                                                              labels={"url": "/"}, alpha=alpha)])]

    cfg = defaults()
    plain = evaluate(results(head, None), cfg, results(base, None))
    assert [c.rule for c in plain.failed] == ["regression of lcp_ms[url=/]"]
    # The same samples from a run that stopped at its last look, whose share of alpha is 0.0309: p = 0.0249
    # passes it too; at the second look's 0.0136 it does not.
    last = evaluate(results(head, 0.030850356614), cfg, results(base, 0.030850356614))
    assert [c.rule for c in last.failed] == ["regression of lcp_ms[url=/]"]
    detail = last.failed[0].detail
    assert "96.9 % CI" in detail and "p = 0.0249 <= 0.0309, the level of the sequential look" in detail
    second = evaluate(results(head, 0.013575046705), cfg, results(base, 0.013575046705))
    assert second.failed == [] and second.comparisons[0].verdict == "no significant change"
