"""compare's effect size: the Hodges-Lehmann shift with its distribution-free confidence interval (issue 15).

Expected intervals come from R 4.2.2 (Debian r-base-core 4.2.2.20221110-2), run outside the tests:

    wilcox.test(head, base, conf.int = TRUE, conf.level = L)$conf.int

(R's documented behaviour: the exact interval of Bauer (1972) from the Wilcoxon rank-sum distribution when
both samples have fewer than 50 values and no ties, else the normal approximation with tie and continuity
correction, found by root finding). The same comparison on 400 random cases (sizes 2..60, continuous,
whole-millisecond and coarse values, levels 0.90/0.95/0.99) agreed to 1e-3 in every case. With ties and
fewer than 50 values a side the interval is no longer R's: it inverts the test the verdict uses, which is
exact with ties, and its expected ends are found here by enumerating every split of the pooled values.
"""

from __future__ import annotations

import bisect
import itertools
import json
import random
import re
import statistics
import tracemalloc

import pytest

from conftest import run_cli
from echotune_ci.compare import (Comparison, Rule, _Differences, compare_metric, hodges_lehmann,
                                 mann_whitney_greater, needs_more_samples, signed_pct, test_samples,
                                 u_distribution)
from echotune_ci.results import Metric
from support.samples import frontend_result, load_result, noisy

# (name, head, base, conf.level, R's conf.int, R's estimate or None where R's asymptotic estimate is the
# root of the rank statistic rather than the median of the differences)
R_CASES = [
    ("exact 5 vs 4", [1.1, 2.3, 3.7, 4.2, 5.9], [0.2, 0.9, 1.5, 2.8], 0.95, (-0.5, 5.0), 2.15),
    ("exact 3 vs 3", [4.0, 5.5, 6.1], [1.2, 2.4, 3.3], 0.95, (0.7, 4.9), 2.8),
    ("exact 10 vs 10 lognormal",
     [132.906, 116.802, 108.646, 125.817, 104.169, 108.288, 113.779, 112.048, 126.15, 104.853],
     [104.926, 122.668, 93.477, 105.09, 94.872, 106.795, 116.085, 91.885, 98.519, 101.749],
     0.95, (3.104, 21.06), 11.034),
    ("exact 10 vs 10 lognormal, 90 %",
     [132.906, 116.802, 108.646, 125.817, 104.169, 108.288, 113.779, 112.048, 126.15, 104.853],
     [104.926, 122.668, 93.477, 105.09, 94.872, 106.795, 116.085, 91.885, 98.519, 101.749],
     0.90, (3.482, 20.163), 11.034),
    ("normal: 60 vs 55 without ties", None, None, 0.95, (1.33776657162918, 15.6041358301637), None),
]


def _generated(name: str) -> tuple[list[float], list[float]]:
    """The larger R cases, drawn exactly as they were when R computed them (random.Random(15))."""
    r = random.Random(15)
    [round(100 * r.lognormvariate(0, 0.1), 3) for _ in range(10)]
    [round(112 * r.lognormvariate(0, 0.1), 3) for _ in range(10)]
    # the draws of R's tied cases, which the inversion replaced (below), keep the later draws as they were
    [float(round(50 * r.lognormvariate(0, 0.2))) for _ in range(8)]
    [float(round(55 * r.lognormvariate(0, 0.2))) for _ in range(8)]
    [float(r.randint(80, 95)) for _ in range(20)]
    [float(r.randint(82, 99)) for _ in range(25)]
    b55 = [round(r.gauss(200, 20), 4) for _ in range(55)]
    h60 = [round(r.gauss(210, 20), 4) for _ in range(60)]
    return {"normal: 60 vs 55 without ties": (h60, b55)}[name]


@pytest.mark.parametrize(("name", "head", "base", "level", "r_interval", "r_estimate"), R_CASES,
                         ids=[c[0] for c in R_CASES])
def test_interval_matches_r_wilcox_test(name, head, base, level, r_interval, r_estimate):
    if head is None:
        head, base = _generated(name)
    shift = hodges_lehmann(base, head, level)
    assert shift is not None
    assert shift.low == pytest.approx(r_interval[0], abs=1e-3)
    assert shift.high == pytest.approx(r_interval[1], abs=1e-3)
    assert shift.method == ("exact" if name.startswith("exact") else "normal")
    if r_estimate is not None:
        assert shift.estimate == pytest.approx(r_estimate, abs=1e-9)
    # The estimate is the median of the pairwise differences, worked out by brute force.
    diffs = sorted(h - b for h in head for b in base)
    mid = len(diffs) // 2
    middle = diffs[mid] if len(diffs) % 2 else (diffs[mid - 1] + diffs[mid]) / 2
    assert shift.estimate == pytest.approx(middle)


@pytest.mark.parametrize(("n1", "n2"), [(1, 1), (2, 3), (3, 3), (4, 5), (5, 4), (6, 6)])
def test_u_distribution_counts_every_arrangement(n1, n2):
    counts = [0] * (n1 * n2 + 1)
    values = list(range(n1 + n2))
    for chosen in itertools.combinations(values, n1):
        rest = [v for v in values if v not in chosen]
        counts[sum(1 for x in chosen for y in rest if x > y)] += 1
    assert u_distribution(n1, n2) == tuple(counts)


def test_exact_p_values_keep_their_known_values():
    # Complete separation of 5 vs 5: 1 / C(10, 5); of 10 vs 10: 1 / C(20, 10).
    assert mann_whitney_greater([6, 7, 8, 9, 10], [1, 2, 3, 4, 5]) == pytest.approx(1 / 252, abs=1e-15)
    assert mann_whitney_greater(list(range(11, 21)), list(range(1, 11))) == pytest.approx(1 / 184756)


def _lognormal(r, n, shift):  # latency-like, continuous: the exact interval
    return [100 * r.lognormvariate(0, 0.25) + shift for _ in range(n)]


def _whole_ms(r, n, shift):  # latencies in whole milliseconds: ties, the normal approximation
    return [float(round(60 * r.lognormvariate(0, 0.3))) + shift for _ in range(n)]


def _scores(r, n, shift):  # a score with few distinct values: many ties
    return [float(r.choice([84, 86, 86, 88, 90, 90, 90, 92])) + shift for _ in range(n)]


def _heavy_tail(r, n, shift):  # pauses: a Pareto tail
    return [50 + r.paretovariate(2.5) * 10 + shift for _ in range(n)]


@pytest.mark.parametrize(("draw", "shift", "n"), [
    (_lognormal, 10.0, 5), (_lognormal, 10.0, 10), (_whole_ms, 6.0, 5), (_whole_ms, 6.0, 20),
    (_scores, 2.0, 10), (_heavy_tail, 5.0, 20),
], ids=lambda v: getattr(v, "__name__", str(v)))
def test_interval_covers_the_true_shift_in_at_least_90_percent_of_200_seeds(draw, shift, n):
    covered = 0
    methods = set()
    for seed in range(200):
        r = random.Random(seed * 7919 + n)
        base, head = draw(r, n, 0.0), draw(r, n, shift)
        s = hodges_lehmann(base, head, 0.95)
        assert s is not None
        methods.add(s.method)
        covered += s.low <= shift <= s.high
    assert covered >= 180, f"{draw.__name__}, n = {n}: {covered} of 200"
    # Below 50 values a side every interval is exact: the distribution of U, or with ties the inversion
    # of the exact test with ties (whole milliseconds and scores tie).
    assert methods == {"exact"}


def test_the_interval_at_1_minus_2_alpha_agrees_with_the_one_sided_test():
    # Each end of a (1 - 2 alpha) interval is a one-sided (1 - alpha) bound: its lower end is above 0 when
    # the one-sided test at alpha finds the head larger (boundary cases aside: p exactly alpha).
    for seed in range(300):
        r = random.Random(seed)
        base = [100 * r.lognormvariate(0, 0.2) for _ in range(r.randint(3, 12))]
        head = [100 * r.lognormvariate(0, 0.2) + r.uniform(-5, 25) for _ in range(r.randint(3, 12))]
        s = hodges_lehmann(base, head, 0.90)
        p = mann_whitney_greater(head, base)
        if abs(p - 0.05) > 1e-9:
            assert (p < 0.05) == (s.low > 0), (seed, p, s)


def _enumerated_p(x: list[float], y: list[float]) -> float:
    """P(mid-rank sum of x >= observed) over every split of the pooled values: no distribution, no DP."""
    pooled = [*x, *y]
    order = sorted(pooled)
    rank = {v: (order.index(v) + 1 + len(order) - order[::-1].index(v)) / 2 for v in set(pooled)}
    ranks = [rank[v] for v in pooled]
    seen = sum(ranks[: len(x)])
    splits = list(itertools.combinations(range(len(pooled)), len(x)))
    return sum(sum(ranks[i] for i in c) >= seen - 1e-9 for c in splits) / len(splits)


def _enumerated_interval(base: list[float], head: list[float], confidence: float) -> tuple[float, float]:
    """The closure of the shifts d neither one-sided test of head − d rejects at (1 − confidence) / 2: each
    pairwise difference and a point inside each gap between two, every p-value by enumeration."""
    tail = (1 - confidence) / 2
    points = sorted({h - b for h in head for b in base})
    gaps = [(a + b) / 2 for a, b in itertools.pairwise(points)]
    accepted = [d for d in [*points, *gaps]
                if _enumerated_p([h - d for h in head], base) > tail
                and _enumerated_p(base, [h - d for h in head]) > tail]
    low, high = min(accepted), max(accepted)
    # a gap's closure is the difference below (or above) it
    return max(p for p in points if p <= low), min(p for p in points if p >= high)


@pytest.mark.parametrize(("head", "base", "level"), [
    ([86.0, 86.0, 86.0, 87.0], [90.0, 91.0, 91.0, 92.0], 0.95),  # accessibility scores
    ([61.0, 58, 64, 61, 70, 66], [55.0, 58, 52, 61, 55, 57], 0.95),  # whole milliseconds
    ([90.0, 92, 92, 94, 90], [88.0, 90, 90, 92, 88, 86, 90], 0.90),  # scores, 5 against 7
    ([19.0, 21, 19, 23, 25, 19, 22], [15.0, 17, 15, 19, 21, 15, 16], 0.976),  # a sequential look's level
])
def test_with_ties_the_interval_inverts_the_exact_test(head, base, level):
    shift = hodges_lehmann(base, head, level)
    assert shift is not None and shift.method == "exact" and shift.reached
    assert (shift.low, shift.high) == _enumerated_interval(base, head, level)


# (base, head, one-sided alpha, the normal interval's lower end): p below alpha, the normal interval below 0
DISAGREED = [
    ([13.0, 14, 13.5, 12.5, 17.5, 19, 14.5], [37.0, 17, 15, 18, 15, 16, 19.5], 0.025, -0.5),
    ([11.0, 18, 14.5, 16.5, 13.5, 11, 20, 9, 9], [15.0, 18.5, 22, 16, 15.5, 78, 25, 25.5, 12], 0.0119, -0.5),
    ([4.0, 35, 2, 5, 8, 2, 14], [104.0, 53, 18, 44, 45, 21, 12], 0.005, -2.0),
    ([8.0, 29.5, 9.5, 18.5, 23.5, 23.5, 13, 28, 13.5], [60.0, 35, 75.5, 50, 28.5, 29, 28.5, 33, 6], 0.005,
     -1.0),
]


def test_with_ties_the_interval_agrees_with_the_verdicts_test():
    """A load test's p95 of 9 rounds against 9 read "significant, p = 0.0114 <= 0.0119" beside a 97.6 %
    interval of "−8.2 % … +71 %": the test was exact with ties, the interval the normal approximation. The
    lower end of a (1 − 2 alpha) interval is at least 0 when the one-sided test rejects at alpha, at most 0
    when it does not (0 itself may be a difference, which the closed interval holds). The first cases are
    ones the normal interval got wrong (its lower end in brackets), found among 20,000 random ones."""
    for base, head, alpha, normal_low in DISAGREED:
        p = mann_whitney_greater(head, base)
        s = hodges_lehmann(base, head, 1 - 2 * alpha)
        assert p < alpha and s is not None and s.low > 0 > normal_low
    for seed in range(300):
        r = random.Random(seed)
        step = r.choice([0.5, 1.0, 2.0])
        n, m = r.randint(3, 12), r.randint(3, 12)
        base = [round(14 * r.lognormvariate(0, 0.35) / step) * step for _ in range(n)]
        head = [round(14 * r.lognormvariate(r.choice([0, 0.2, 0.4]), 0.35) / step) * step for _ in range(m)]
        alpha = r.choice([0.0119, 0.025, 0.05])
        s = hodges_lehmann(base, head, 1 - 2 * alpha)
        assert s is not None and s.method == "exact"
        p = mann_whitney_greater(head, base)
        if not s.reached or abs(p - alpha) < 1e-9:  # p exactly alpha: the level's last bit decides
            continue
        if p <= alpha:
            assert s.low >= 0, (seed, s)
        else:
            assert s.low <= 0, (seed, s)


def test_too_few_or_non_finite_samples_have_no_interval():
    assert hodges_lehmann([1.0], [2.0, 3.0]) is None
    assert hodges_lehmann([1.0, float("nan")], [2.0, 3.0]) is None
    # Every value the same: no error, a shift of exactly 0.
    same = hodges_lehmann([5.0, 5.0], [5.0, 5.0])
    assert same is not None and (same.low, same.estimate, same.high) == (0.0, 0.0, 0.0)


def test_a_tiny_recorded_level_widens_the_interval_instead_of_failing():
    """A results file may record any level above 0; at 1e-17, 1 − (1 − 0.95)·level/alpha rounded to a
    confidence of 1.0 and compare, gate and report stopped with "confidence must be between 0 and 1"."""
    base = Metric("p95_ms", 100.0, "ms", samples=noisy(100, 8, 6, 1))
    head = Metric("p95_ms", 112.0, "ms", samples=noisy(112, 8, 6, 2), alpha=1e-17)
    c = compare_metric("load", base, head)
    assert c.alpha == 1e-17 and c.verdict == "no significant change"  # no p-value of 8 vs 8 is that small
    assert c.confidence is not None and 0.999 < c.confidence < 1.0
    # As wide as the samples allow: the extreme differences of the exact interval.
    widest = (min(head.samples) - max(base.samples), max(head.samples) - min(base.samples))
    assert (c.ci_low, c.ci_high) == widest
    ties = hodges_lehmann([1.0, 2.0, 2.0, 3.0], [2.0, 3.0, 3.0, 4.0], confidence=1.0 - 1e-15)
    assert ties is not None and ties.method == "exact" and ties.low <= 1.0 <= ties.high and not ties.reached


@pytest.mark.parametrize("seed", range(40))
def test_each_order_statistic_of_the_differences_is_the_one_a_full_sort_gives(seed):
    rng = random.Random(seed)
    draw = rng.choice([lambda: rng.lognormvariate(2, 0.5), lambda: float(rng.randint(1, 5))])
    head = [draw() for _ in range(rng.randint(1, 40))]
    base = [draw() for _ in range(rng.randint(1, 40))]
    listed = sorted(h - b for h in head for b in base)
    diffs = _Differences(head, base)
    ks = {1, len(listed), *(rng.randint(1, len(listed)) for _ in range(30))}
    assert [diffs.kth(k) for k in sorted(ks)] == [listed[k - 1] for k in sorted(ks)]
    assert diffs.median() == statistics.median(listed)
    third = listed[len(listed) // 3]
    assert diffs.count_at_most(third) == bisect.bisect_right(listed, third)


def test_the_interval_of_many_samples_needs_memory_for_the_samples_not_for_every_pair():
    """A results file of about 67 KB (8,000 samples a side) asked for more than 2 GB: every one of the
    m·n differences was listed. 1,500 a side listed 2.25 million (over 70 MB); the samples take 0.1 MB."""
    rng = random.Random(5)
    base = [rng.lognormvariate(3, 0.4) for _ in range(1500)]
    head = [rng.lognormvariate(3.05, 0.4) for _ in range(1500)]
    tracemalloc.start()
    try:
        shift = hodges_lehmann(base, head)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert shift is not None and shift.method == "normal" and 0 < shift.low < shift.estimate < shift.high
    assert peak < 4_000_000, peak


def test_verdict_texts_read_as_in_the_issue():
    base = dict(key="p95_ms", name="p95_ms", phase="load", unit="ms", better="lower", base=200.0, head=224.0)
    regressed = Comparison(**base, verdict="regressed", effect_pct=12.0, ci_low_pct=7.0, ci_high_pct=18.0,
                           confidence=0.95)
    assert regressed.verdict_text() == "+12 % (95 % CI +7 % … +18 %), regressed"
    unchanged = Comparison(**base, verdict="no significant change", effect_pct=0.4, ci_low_pct=-3.0,
                           ci_high_pct=4.0, confidence=0.95)
    assert unchanged.verdict_text() == "no significant change (CI −3 % … +4 %)"
    assert [signed_pct(v) for v in (12.3, -3.04, 0.44, 0.0, -0.01, 9.96)] == [
        "+12 %", "−3 %", "+0.4 %", "0 %", "0 %", "+10 %"]


def test_a_real_shift_gets_an_interval_in_percent_of_the_base_median():
    base = Metric("p95_ms", 200.0, "ms", samples=noisy(200, 10, 8, 1))
    head = Metric("p95_ms", 226.0, "ms", samples=noisy(226, 10, 8, 2))
    c = compare_metric("load", base, head, threshold_pct=10.0)
    assert c.verdict == "regressed" and c.ci_method == "exact" and (c.n_base, c.n_head) == (10, 10)
    assert c.ci_low_pct is not None and c.ci_high_pct is not None
    assert 0 < c.ci_low_pct < c.effect_pct < c.ci_high_pct
    shift = hodges_lehmann(base.samples, head.samples)
    from statistics import median
    assert c.effect_pct == pytest.approx(shift.estimate / median(base.samples) * 100)
    assert re.fullmatch(r"\+\d+ % \(95 % CI \+\d+(\.\d)? % … \+\d+ %\), regressed", c.verdict_text())


def test_the_effect_rule_uses_the_hodges_lehmann_shift():
    # Shifted by exactly 1 %: significant, but below the 5 % minimum effect.
    base = [100 + i * 0.01 for i in range(20)]
    head = [101 + i * 0.01 for i in range(20)]
    out = test_samples(base, head, Rule())
    assert out.verdict == "no significant change" and out.p_value < 0.001
    assert out.effect_pct == pytest.approx(1.0, abs=0.01)


# -- adaptive sampling: when does a confidence interval straddle the decision threshold? ----------------


def test_needs_more_samples_until_a_limit_sized_regression_is_found_or_ruled_out():
    rule = Rule(better="lower", min_effect_pct=5.0, threshold_pct=10.0)
    assert rule.limit_pct == 10.0 and rule.floor_pct == 5.0
    base = [100.0, 104, 96, 102, 98]
    clear_regression = (base, [140.0, 141, 139, 140.5, 139.5])
    clear_noise = (base, [101.0, 105, 97, 103, 99])           # +1 %, interval −5 % … +7 %: below the limit
    borderline = (base, [110.0, 118, 102, 114, 106])           # +10 %, interval +2 % … +18 %, p = 0.014
    undecided = (base, [104.0, 112, 96, 108, 100])             # +4 %, interval −4 % … +12 %, p = 0.17
    for case in (clear_regression, clear_noise):
        assert needs_more_samples(*case, rule) is False
    s = test_samples(*clear_noise, rule)
    assert s.pct(s.shift.high) < 10
    # A shift the size of the limit, significant and estimated above the 5 % floor: a regression now,
    # although its interval reaches below the limit (under the old rule, estimate >= limit, half of the
    # true +10 % shifts were missed by construction).
    s = test_samples(*borderline, rule)
    assert s.verdict == "regressed" and s.pct(s.shift.low) < 10 < s.pct(s.shift.high)
    assert needs_more_samples(*borderline, rule) is False
    s = test_samples(*undecided, rule)
    assert s.verdict == "no significant change" and s.pct(s.shift.high) > 10
    assert needs_more_samples(*undecided, rule) is True


def test_needs_more_samples_turns_for_higher_is_better_and_wants_two_samples():
    throughput = Rule(better="higher", threshold_pct=10.0)
    base = [1000.0, 1040, 960, 1020, 980]
    assert needs_more_samples(base, [960.0, 1040, 880, 1000, 950], throughput) is True   # −3 %, CI to −12 %
    assert needs_more_samples(base, [940.0, 1030, 900, 1000, 960], throughput) is False  # CI −10 % … +4 %
    assert needs_more_samples(base, [900.0, 980, 820, 940, 860], throughput) is False   # −10 %: regressed
    assert needs_more_samples(base, [600.0, 610, 590, 605, 595], throughput) is False   # −40 %: clear
    assert needs_more_samples(base, [1001.0, 1039, 961, 1021, 979], throughput) is False
    assert needs_more_samples(base, [900.0], throughput) is True
    assert needs_more_samples([0.0, 0.0, 0.0], [1.0, 2.0, 3.0], throughput) is False  # no percentage of 0


def test_an_interval_the_samples_cannot_give_asks_for_more_samples():
    """A look at 3 loads a build with the level 4.27e-5 (run --base-ref's first frontend look): no
    arrangement of 3 against 3 is rarer than 1/20, so the "99.996 %" interval was the range of all
    differences, which covers 90 % (R: "requested conf.level not achievable", conf.level 1 − 2/20), and
    it made the run stop sampling a head with a planted 50-ms sleep."""
    base, head = [460.0, 400, 376], [564.0, 444, 448]
    rule = Rule(threshold_pct=10.0).at_level(4.27e-05)
    shift = hodges_lehmann(base, head, rule.confidence)
    assert shift is not None and not shift.reached
    assert (shift.low, shift.high, shift.confidence) == (-16.0, 188.0, 0.9)
    assert needs_more_samples(base, head, rule) is True  # was False: "decided" on a 90 % interval
    # At 90 % the range is exactly that interval (R: qwilcox(0.05, 3, 3) = 0, taken as 1; no warning).
    at_90 = hodges_lehmann(base, head, 0.90)
    assert at_90 is not None and at_90.reached and (at_90.low, at_90.high) == (-16.0, 188.0)
    # With ties (the exact test's inversion) alike; with no spread at all nothing is missing.
    tied = hodges_lehmann([1.0, 1.0, 2.0], [1.0, 2.0, 2.0], 0.9999)
    assert tied is not None and tied.method == "exact" and not tied.reached
    same = hodges_lehmann([5.0, 5.0], [5.0, 5.0], 0.9999)
    assert same is not None and same.reached
    # Each side constant but the two apart: 3 against 3 still cannot reach 99.996 % (R: "all
    # observations are tied" within each side; the smallest exact p is 1/20). It was "reached".
    apart = hodges_lehmann([100.0] * 3, [110.0] * 3, 0.99996)
    assert apart is not None and not apart.reached and apart.confidence < 0.96
    # ... but such a pair is no test at all: each build gave one value, and the change is exact
    # (compare_metric compares the two values), so it asks for no samples.
    assert not needs_more_samples([100.0] * 3, [110.0] * 3, Rule(threshold_pct=20.0).at_level(4.27e-05))
    assert needs_more_samples([100.0, 100.0, 101.0], [110.0] * 3, Rule(threshold_pct=20.0).at_level(4.27e-05))
    # A crossing at the extreme difference itself is reached (the gap beyond it is at ±2.24 against
    # z = 1.96; R gives the same interval): it was "not reached", and asked for rounds for an interval of
    # ±1 % against a 10 % limit.
    edge = hodges_lehmann([100.0, 100, 100, 100, 101], [100.0, 101, 101], 0.95)
    assert edge is not None and edge.reached and (edge.low, edge.high) == (-1.0, 1.0)
    assert not needs_more_samples([100.0, 100, 100, 100, 101], [100.0, 101, 101], Rule(threshold_pct=10.0))
    # With ties the level shown is what the range of all differences covers: the head's three values above
    # the base's have 1 arrangement in C(6, 3) = 20 under the ties, as does the other extreme: 1 − 2/20.
    tied_c = compare_metric("frontend", Metric("fcp_ms", 400.0, "ms", samples=[400.0, 400, 376]),
                            Metric("fcp_ms", 448.0, "ms", samples=[448.0, 448, 444], alpha=4.27e-05))
    assert tied_c.confidence == pytest.approx(0.9)
    c = compare_metric("frontend", Metric("fcp_ms", 400.0, "ms", samples=base),
                       Metric("fcp_ms", 448.0, "ms", samples=head, alpha=4.27e-05))
    assert c.confidence == 0.9  # the interval shown says what it covers


def test_rule_for_metric_reads_the_gate_settings():
    from echotune_ci.config import defaults
    from echotune_ci.config.schema import override

    gate = override(defaults().gate, confidence=0.9, min_effect_pct=3.0)
    rule = Rule.for_metric(gate, "tbt_ms", "lower")
    assert (rule.alpha, rule.confidence, rule.min_effect_pct, rule.threshold_pct) == (0.05, 0.9, 3.0, 25.0)
    assert Rule.for_metric(gate, "unknown", "higher").limit_pct == 3.0
    assert defaults().gate.max_runs == 10 and defaults().gate.confidence == 0.95


# -- the compare command carries the estimates in every format ------------------------------------------


def test_compare_command_shows_estimates_with_intervals(tmp_path, cli_env):
    load_result(noisy(100, 8, 6, 1)).write(tmp_path / "base" / "load.json")  # 8 rounds, sd 6 ms
    load_result(noisy(112, 8, 6, 2)).write(tmp_path / "head" / "load.json")
    frontend_result(a11y=86).write(tmp_path / "base" / "frontend.json")
    frontend_result(fcp=790, a11y=88, seed=3).write(tmp_path / "head" / "frontend.json")
    args = ("compare", str(tmp_path / "base"), str(tmp_path / "head"))

    md = run_cli(*args, "--format", "markdown", env=cli_env)
    assert md.returncode == 0, md.stderr
    assert "| Metric | Phase | Base | Head | Change | 95 % CI | Samples | Verdict |" in md.stdout
    p95 = next(line for line in md.stdout.splitlines() if line.startswith("| `p95_ms` |"))
    assert re.search(r"\| \+\d+ % \| \+[\d.]+ % … \+\d+ % \| 8 / 8 \| 🔺 regressed \(p = ", p95), p95
    fcp = next(line for line in md.stdout.splitlines() if "fcp_ms" in line)
    assert re.search(r"\| −[\d.]+ % … \+[\d.]+ % \| 5 / 5 \| no significant change", fcp), fcp

    rows = {r["key"]: r for r in json.loads(run_cli(*args, "--format", "json", env=cli_env).stdout)}
    row = rows["p95_ms"]
    assert row["confidence"] == 0.95 and row["ci_method"] == "exact" and row["n_base"] == 8
    assert row["ci_low_pct"] < row["effect_pct"] < row["ci_high_pct"]
    assert row["text"].endswith(", regressed") and "95 % CI" in row["text"]

    text = run_cli(*args, "--confidence", "0.9", env=cli_env)
    assert text.returncode == 0 and "90 % CI" in text.stdout.splitlines()[0]
    row = r"p95_ms\s+100 ms\s+11\d ms\s+\+\d+ % \+[\d.]+ % … \+\d+ %\s+8/8\s+regressed"
    assert re.search(row, text.stdout), text.stdout


def test_a_figure_each_build_gives_alike_on_every_load_is_compared_as_one_value():
    """The head's page script grew by 13,781 bytes (+9.6 %) on every one of 5 loads, as the bundle phase
    measured the same files ("regressed" at its 5 % limit). As 5 against 5 samples the rank test can give
    no p below 1/252 = 0.0040, and the frontend family left the metric less than that: "no significant
    change". Samples that do not vary within a build make the change exact."""
    from echotune_ci.compare import compare_results
    from echotune_ci.results import Metric, PhaseResult

    def page(script: float, lcp: list[float]) -> PhaseResult:
        label = {"url": "/"}
        return PhaseResult("frontend", metrics=[
            Metric("transfer_bytes.script", script, "bytes", "lower", labels=label, samples=[script] * 5),
            Metric("cls", 0.0, "", "lower", labels=label, samples=[0.0] * 5),
            Metric("lcp_ms", statistics.median(lcp), "ms", "lower", labels=label, samples=lcp),
            *(Metric(f"m{i}_ms", 10.0, "ms", "lower", labels=label, samples=[10.0 + k for k in range(5)])
              for i in range(6)),
        ])

    base, head = page(143_549.0, [300, 310, 290, 305, 295]), page(157_330.0, [302, 309, 291, 306, 299])
    found = {c.name: c for c in compare_results([base], [head], thresholds={"lcp_ms": 10.0},
                                                min_effect_bytes=100.0)}
    script = found["transfer_bytes.script"]
    assert (script.verdict, script.method, script.n_base, script.n_head) == ("regressed", "threshold", 5, 5)
    assert script.effect_pct == pytest.approx(9.6003, abs=1e-3)  # 13,781 / 143,549
    assert found["cls"].verdict == "no significant change" and found["cls"].method == "threshold"
    assert found["lcp_ms"].method == "mann-whitney-u" and found["lcp_ms"].verdict == "no significant change"
    # below the bytes floor it is no verdict however exact (Next.js renumbering a 167-byte chunk)
    small = {c.name: c for c in compare_results([page(116.0, [300] * 2 + [301] * 3)],
                                                [page(139.0, [300] * 2 + [301] * 3)], min_effect_bytes=100.0)}
    assert small["transfer_bytes.script"].verdict == "no significant change"
