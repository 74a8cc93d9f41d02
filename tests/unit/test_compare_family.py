"""The metrics of a phase are one family: Holm's step-down with Tarone's rule keeps "any regressed
verdict" in a run with no real change at alpha, however many metrics a phase compares (issue 15)."""

from __future__ import annotations

import dataclasses
import json
import math
import random

import pytest
from conftest import run_cli

from echotune_ci.compare import (Rule, compare_results, correct_families, family_level, gatekept,
                                 holm_tarone, smallest_p, tarone_k, test_samples)
from echotune_ci.results import Metric, PhaseResult


def test_holm_without_floors_rejects_what_r_p_adjust_holm_rejects() -> None:
    # R 4.2.2: p.adjust(c(0.01, 0.04, 0.03, 0.002, 0.2), "holm") = 0.04 0.09 0.09 0.01 0.20
    p = [0.01, 0.04, 0.03, 0.002, 0.2]
    rejected, cut = holm_tarone(p, [0.0] * 5, 0.05)
    assert rejected == {0, 3}
    # 0.002 against 0.05/5, 0.01 against 0.05/4, then 0.03 fails 0.05/3: the procedure stops there.
    assert cut[3] == pytest.approx(0.01) and cut[0] == pytest.approx(0.0125)
    assert cut[1] == cut[2] == cut[4] == pytest.approx(0.05 / 3)


def test_tarone_k_by_hand() -> None:
    floors = [0.001, 0.004, 0.02, 0.02, 0.5]
    # K = 1: four floors <= 0.05; K = 2: four <= 0.025; K = 3: two <= 0.0167, and 2 <= 3.
    assert tarone_k(floors, 0.05) == 3
    assert tarone_k([0.5, 0.5, 1.0], 0.05) == 1   # nothing can reject: one test's worth of level
    assert tarone_k([], 0.05) == 1


def test_tests_that_cannot_reject_cost_the_others_nothing() -> None:
    # One metric that moved (p = 0.01) beside two whose values are all ties (bytes of an unchanged page):
    # Holm alone would ask 0.05/3 and keep 0.01 at 0.0167; with Tarone the tied ones do not count.
    rejected, cut = holm_tarone([0.01, 0.5, 0.5], [0.001, 0.5, 0.5], 0.05)
    assert rejected == {0} and cut[0] == pytest.approx(0.05)


def test_smallest_p_is_the_p_value_of_the_most_extreme_arrangement() -> None:
    # R: wilcox.test(c(4, 5, 6), c(1, 2, 3), alternative = "greater")$p.value = 0.05 (exact, 1/20)
    assert smallest_p([1.0, 2, 3], [4.0, 5, 6]) == pytest.approx(0.05)
    # One value differs among twelve: the exact p-value given the ties is the chance that the 6 is drawn
    # into the head's six, 6/12 (the normal approximation, R's exact = FALSE, said 0.2023).
    assert smallest_p([5.0] * 6, [5.0] * 5 + [6.0]) == pytest.approx(0.5)
    assert smallest_p([3.0] * 4, [3.0] * 4) == 1.0


def frontend(samples: dict[str, list[float]]) -> list[PhaseResult]:
    return [PhaseResult(phase="frontend", metrics=[Metric(name, v[0], "ms", samples=v, labels={"url": "/"})
                                                   for name, v in samples.items()])]


BASE = [100.0, 104, 96, 102, 98, 101, 99, 103]
# +7 %, one-sided p = 0.0112, exact given the tie at 104 (scipy 1.17.1: an exhaustive
# scipy.stats.permutation_test of the Mann-Whitney U statistic, alternative="greater")
HEAD = [110.0, 118, 101.5, 114, 106, 97, 104, 109]


def test_a_verdict_that_stands_alone_yields_to_its_family() -> None:
    alone = test_samples(BASE, HEAD, Rule(better="lower", threshold_pct=10.0))
    assert alone.verdict == "regressed" and alone.p_worse == pytest.approx(0.0111888, abs=1e-6)
    noisy = {f"m{i}": [100.0 + ((i * 7 + k * 13) % 11) for k in range(8)] for i in range(4)}
    base = frontend({"lcp_ms": BASE, **noisy})
    head = frontend({"lcp_ms": HEAD, **{k: list(reversed(v)) for k, v in noisy.items()}})
    gated = {"lcp_ms": 10.0, **{name: 10.0 for name in noisy}}  # all five fail the gate when they regress
    lcp = next(c for c in compare_results(base, head, thresholds=gated) if c.name == "lcp_ms")
    assert lcp.family_size == 5 and lcp.family_alpha == pytest.approx(0.01)
    assert lcp.verdict == "no significant change"
    # Only lcp gated: it is tested first, alone, at the whole level (the others wait for it).
    lcp = next(c for c in compare_results(base, head, thresholds={"lcp_ms": 10.0}) if c.name == "lcp_ms")
    assert (lcp.verdict, lcp.family_size, lcp.family_alpha) == ("regressed", 1, 0.05)
    # The same with the other metrics' values all equal: they cannot reject, so lcp keeps the whole level.
    flat = {f"m{i}": [100.0] * 8 for i in range(4)}
    out = compare_results(frontend({"lcp_ms": BASE, **flat}), frontend({"lcp_ms": HEAD, **flat}),
                          thresholds={"lcp_ms": 10.0})
    lcp = next(c for c in out if c.name == "lcp_ms")
    assert lcp.family_size == 1 and lcp.verdict == "regressed" and lcp.to_dict()["family_alpha"] == 0.05


def test_identical_samples_are_one_test() -> None:
    # A load test with one endpoint: its p95 and the total's p95 are the same numbers, one hypothesis.
    def load(samples: list[float]) -> list[PhaseResult]:
        return [PhaseResult(phase="load", metrics=[
            Metric("p95_ms", samples[0], "ms", samples=samples),
            Metric("p95_ms", samples[0], "ms", samples=samples, labels={"endpoint": "GET /api"})])]

    out = compare_results(load(BASE), load(HEAD), thresholds={"p95_ms": 10.0})
    assert [c.verdict for c in out] == ["regressed", "regressed"] and {c.family_size for c in out} == {1}


def test_the_family_only_ever_withdraws_a_verdict() -> None:
    rng = random.Random(5)
    for _ in range(50):
        comps, samples = [], []
        for i in range(6):
            b = [rng.lognormvariate(0, 0.2) * 100 for _ in range(6)]
            h = [rng.lognormvariate(0, 0.2) * 100 * (1.3 if i == 0 else 1.0) for _ in range(6)]
            metrics = frontend({"x": b}), frontend({"x": h})
            comps += compare_results(*metrics)
            samples.append((b, h))
        one_phase = [dataclasses.replace(c, key=f"x{i}") for i, c in enumerate(comps)]
        corrected = correct_families(one_phase, samples)
        for before, after in zip(comps, corrected, strict=True):
            assert after.verdict == before.verdict or after.verdict == "no significant change"


def a_phase(rng: random.Random, metrics: int, flat: int, sigma: float) -> tuple[list[PhaseResult], ...]:
    """Base and head of one phase with no real change: *metrics* noisy ones, *flat* all-equal ones."""
    sides = []
    for _ in range(2):
        values = {f"noisy{i}": [100 * rng.lognormvariate(0, sigma) for _ in range(10)]
                  for i in range(metrics)}
        values.update({f"flat{i}": [1747.0] * 10 for i in range(flat)})
        sides.append(frontend(values))
    return tuple(sides)


TRIALS = 1000


@pytest.mark.parametrize("gated", [0, 3])
def test_false_alarms_per_run_stay_at_alpha_with_the_family_and_not_without(gated: int) -> None:
    # A/A: 8 independent noisy metrics and 10 that never change (a frontend phase: timings beside bytes,
    # request counts and scores). Without the correction, any of 8 tests at 0.05 fires in about
    # 1 - 0.95^8 = 34 % of runs (less with the effect floor); with it, at most alpha. *gated*: how many of
    # the noisy ones [gate] regression names, which are tested before the others.
    rng = random.Random(15)
    thresholds = {f"noisy{i}": 10.0 for i in range(gated)}
    corrected = uncorrected = 0
    for _ in range(TRIALS):
        base, head = a_phase(rng, 8, 10, 0.3)
        out = compare_results(base, head, thresholds=thresholds)
        corrected += any(c.verdict == "regressed" for c in out)
        uncorrected += any(c.p_worse is not None and c.p_worse <= 0.05 and (c.effect_pct or 0) >= 5
                           for c in out)
    margin = 2.33 * math.sqrt(0.05 * 0.95 / TRIALS)
    assert corrected / TRIALS <= 0.05 + margin, corrected
    assert uncorrected / TRIALS > 0.15, uncorrected


def test_family_level_is_the_first_holm_tarone_threshold() -> None:
    pairs = [(BASE, HEAD), (BASE, HEAD), ([1.0] * 5, [1.0] * 5), ([1.0, 2, 3], [4.0, 5, 6])]
    # The first two pairs are one test (floor 0.00008), the flat one cannot reject (floor 1), and 3
    # against 3 can reach 0.05 at best: two floors <= 0.05 but only one <= 0.025, so Tarone's K is 2.
    assert family_level(pairs, 0.05) == pytest.approx(0.025)
    assert family_level([], 0.05) == 0.05


def test_the_compare_command_says_why_a_significant_metric_is_not_a_regression(tmp_path, cli_env) -> None:
    # Four more metrics that the default [gate] regression names, so lcp is one of five gated ones.
    noisy = {name: [100.0 + ((i * 7 + k * 13) % 11) for k in range(8)]
             for i, name in enumerate(("fcp_ms", "tti_ms", "tbt_ms", "p95_ms"))}
    for side, lcp, values in (("base", BASE, noisy), ("head", HEAD, {k: v[::-1] for k, v in noisy.items()})):
        frontend({"lcp_ms": lcp, **values})[0].write(tmp_path / side / "frontend.json")
    args = ("compare", str(tmp_path / "base"), str(tmp_path / "head"))
    text = run_cli(*args, env=cli_env)
    assert text.returncode == 0, text.stderr
    line = next(x for x in text.stdout.splitlines() if "lcp_ms" in x)
    assert "no significant change (significant alone, not among the phase's 5 gated metrics)" in line, line
    row = next(r for r in json.loads(run_cli(*args, "--format", "json", env=cli_env).stdout)
               if r["name"] == "lcp_ms")
    assert (row["verdict"], row["family_size"], row["family_alpha"]) == ("no significant change", 5, 0.01)
    markdown = run_cli(*args, "--format", "markdown", env=cli_env).stdout
    assert "for the sampled metrics of a phase together, Holm-Tarone" in markdown


def _holm_tarone_by_definition(p_values, floors, level):
    """Holm's step-down with Tarone's K counted afresh over the remaining tests at every step, written
    straight from Hommel & Krummenauer (1998): the reference for the product's sorted bookkeeping."""
    remaining = sorted(range(len(p_values)), key=lambda i: (p_values[i], i))
    thresholds, rejected = [level] * len(p_values), set()
    while remaining:
        left = [floors[i] for i in remaining]
        k = next((k for k in range(1, len(left) + 1) if sum(f <= level / k for f in left) <= k), len(left))
        for i in remaining:
            thresholds[i] = level / k
        if p_values[remaining[0]] > level / k:
            break
        rejected.add(remaining.pop(0))
    return rejected, thresholds


def test_holm_tarone_decides_as_its_definition_on_random_families() -> None:
    rng = random.Random(7)
    for _ in range(500):
        n = rng.randint(1, 40)
        choices = [0.0, 1e-6, 1 / 924, 1 / 252, 0.05, 0.5, 1.0, rng.random() * 0.01]
        floors = [rng.choice(choices) for _ in range(n)]
        p_values = [max(f, rng.random() ** rng.choice([1, 4, 12])) for f in floors]
        level = rng.choice([0.05, 0.025, 0.0031])
        assert holm_tarone(p_values, floors, level) == _holm_tarone_by_definition(p_values, floors, level)
    # A floor that is not a number (none is made so, but a guard costs nothing) is a test that cannot reject.
    assert holm_tarone([0.001, 0.01], [math.nan, 0.0], 0.05) == holm_tarone([0.001, 0.01], [1.0, 0.0], 0.05)


def test_a_p_value_of_zero_is_the_strongest_evidence_not_none() -> None:
    # 2,000 values a side (the most compared), wholly apart: the normal approximation's p-value underflows
    # to 0.0, which the family correction read as "no p-value" (1.0) and withdrew a doubled p95 as "no
    # significant change".
    rng = random.Random(1)
    base = [rng.gauss(100, 1) for _ in range(2000)]
    head = [rng.gauss(200, 1) for _ in range(2000)]
    (c,) = compare_results([PhaseResult("load", metrics=[Metric("p95_ms", 100.0, "ms", samples=base)])],
                           [PhaseResult("load", metrics=[Metric("p95_ms", 200.0, "ms", samples=head)])],
                           thresholds={"p95_ms": 10})
    assert c.p_value == 0.0
    assert c.verdict == "regressed"


def _closed_gatekeeping(p_values, floors, gated, level):
    """The closed test that :func:`gatekept` stands for, by enumeration: every intersection hypothesis H_I
    tested by Tarone-Bonferroni over the gated tests in I that could reject at *level*, else over the
    others in I; a test rejects when every H_I that holds it does (Westfall & Krishen 2001)."""
    n = len(p_values)
    able = {i for i in gated if floors[i] <= level}
    rejected_sets = {}
    for mask in range(1, 1 << n):
        members = [i for i in range(n) if mask >> i & 1]
        tested = [i for i in members if i in able] or [i for i in members if i not in gated]
        k = tarone_k([floors[i] for i in tested], level)
        rejected_sets[mask] = bool(tested) and min(p_values[i] for i in tested) <= level / k
    return {i for i in range(n) if all(r for mask, r in rejected_sets.items() if mask >> i & 1)}


def test_gatekeeping_rejects_only_what_its_closed_test_rejects() -> None:
    # Anything gatekept rejects, the closed test rejects too, so the chance of any false rejection stays at
    # most the level whatever the dependence (Marcus, Peritz & Gabriel 1976). In every family drawn here
    # the two agree exactly; and where no test is gated, gatekept is holm_tarone.
    rng = random.Random(11)
    for _ in range(400):
        n = rng.randint(1, 7)
        choices = [0.0, 1e-4, 1 / 924, 1 / 252, 0.02, 0.05, 0.5, 1.0]
        floors = [rng.choice(choices) for _ in range(n)]
        p_values = [max(f, rng.random() ** rng.choice([1, 3, 8])) for f in floors]
        gated = {i for i in range(n) if rng.random() < 0.4}
        level = rng.choice([0.05, 0.0176, 0.0031])
        rejected, cut, size = gatekept(p_values, floors, gated, level)
        assert rejected == _closed_gatekeeping(p_values, floors, gated, level), (p_values, floors, gated)
        if not gated:
            assert (rejected, cut) == holm_tarone(p_values, floors, level)
        for i in range(n):
            others = [j for j in range(n) if (j in gated) == (i in gated)]
            assert size[i] == tarone_k([floors[j] for j in others], level)


# Whole milliseconds, 8 loads a side: lcp +7 % (p = 0.0112, above) and Speed Index +20 % (every head load
# slower than every base load: p = 1/12870 = 0.0000777, exact without ties).
SPEED_BASE = [800.0, 810, 790, 805, 795, 802, 798, 808]
SPEED_HEAD = [960.0, 970, 950, 965, 955, 962, 958, 968]


def test_a_metric_no_gate_names_waits_for_the_gated_ones(tmp_path, cli_env) -> None:
    base = frontend({"lcp_ms": BASE, "speed_index_ms": SPEED_BASE, "fcp_ms": [200.0] * 8})
    head = frontend({"lcp_ms": BASE[::-1], "speed_index_ms": SPEED_HEAD, "fcp_ms": [200.0] * 8})
    by = {c.name: c for c in compare_results(base, head, thresholds={"lcp_ms": 10.0, "fcp_ms": 10.0})}
    # lcp (gated) did not regress, so Speed Index, however clear alone, is not tested: nothing regressed.
    # fcp is gated too but its values are all equal: it could never reject, so it holds nothing back.
    assert by["lcp_ms"].verdict == "no significant change" and by["lcp_ms"].family_size == 1
    speed = by["speed_index_ms"]
    assert (speed.verdict, speed.family_alpha) == ("no significant change", 0.0)
    assert speed.p_value == pytest.approx(1 / 12870)
    # Once every gated metric regressed, the others are tested at the whole level, among themselves.
    head = frontend({"lcp_ms": HEAD, "speed_index_ms": SPEED_HEAD, "fcp_ms": [200.0] * 8})
    by = {c.name: c for c in compare_results(base, head, thresholds={"lcp_ms": 10.0, "fcp_ms": 10.0})}
    assert [by[n].verdict for n in ("lcp_ms", "speed_index_ms")] == ["regressed", "regressed"]
    assert by["speed_index_ms"].family_alpha == 0.05
    # The compare command says why such a metric is not a regression.
    for side, lcp, speed in (("base", BASE, SPEED_BASE), ("head", BASE[::-1], SPEED_HEAD)):
        frontend({"lcp_ms": lcp, "speed_index_ms": speed})[0].write(tmp_path / side / "frontend.json")
    text = run_cli("compare", str(tmp_path / "base"), str(tmp_path / "head"), env=cli_env)
    line = next(x for x in text.stdout.splitlines() if "speed_index_ms" in x)
    assert line.endswith("no significant change (significant alone; tested only once the phase's gated "
                         "metrics all regress)"), line
    # So does its markdown, which people paste into a pull request: it said "no significant change (p =
    # 7.77e-05)" alone, where a real template change's +48 % transfer (p = 0.000291) read as a contradiction.
    markdown = run_cli("compare", str(tmp_path / "base"), str(tmp_path / "head"), "--format", "markdown",
                       env=cli_env).stdout
    row = next(x for x in markdown.splitlines() if "speed_index_ms" in x)
    assert row.endswith("| no significant change (p = 7.77e-05) (significant alone; tested only once the "
                        "phase's gated metrics all regress) |"), row


def test_an_interval_apart_from_zero_says_why_its_verdict_is_no_change() -> None:
    # The 95 % interval excludes 0 exactly when the one-sided p-value is at most 0.025 (the test and its
    # interval, docs/verdicts.md); 0.0112 is, yet the family of 5 gated metrics leaves lcp 0.01. A
    # Flask-SocketIO trial's comment read "no significant change (CI +2.9 % … +151 %)", unexplained.
    noisy = {f"m{i}": [100.0 + ((i * 7 + k * 13) % 11) for k in range(8)] for i in range(4)}
    base = frontend({"lcp_ms": BASE, **noisy})
    head = frontend({"lcp_ms": HEAD, **{k: list(reversed(v)) for k, v in noisy.items()}})
    out = compare_results(base, head, thresholds={"lcp_ms": 10.0, **{name: 10.0 for name in noisy}})
    lcp = next(c for c in out if c.name == "lcp_ms")
    assert lcp.ci_low_pct is not None and lcp.ci_low_pct > 0
    assert lcp.verdict_text() == ("no significant change (CI +1 % … +13 %; p = 0.0112 > 0.01, its level "
                                  "among 5 gated metrics tested together)")
    # An interval that holds 0 needs no reason.
    m0 = next(c for c in out if c.name == "m0")
    assert m0.verdict_text() == "no significant change (CI −3.9 % … +3.9 %)"
    # Shifted by exactly 1 %: significant at 0.05 alone, below the 5 % minimum effect.
    one_pct = compare_results(frontend({"lcp_ms": [100 + i * 0.01 for i in range(20)]}),
                              frontend({"lcp_ms": [101 + i * 0.01 for i in range(20)]}),
                              thresholds={"lcp_ms": 10.0})[0]
    assert one_pct.verdict_text().endswith("; significant, but below the minimum effect)")
    # An ungated metric that regressed alone while the gated one held: held back, not tested.
    held = compare_results(frontend({"lcp_ms": BASE, "ttfb_ms": BASE}),
                           frontend({"lcp_ms": BASE, "ttfb_ms": [v * 1.5 for v in BASE]}),
                           thresholds={"lcp_ms": 10.0})
    ttfb = next(c for c in held if c.name == "ttfb_ms")
    assert ttfb.held == "regressed"
    assert ttfb.verdict_text().endswith(
        "; held back: tested only once the phase's gated metrics all regress)")
