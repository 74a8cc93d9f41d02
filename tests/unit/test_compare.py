"""compare: a real 10 % shift is detected, noise is not flagged."""

from __future__ import annotations

import itertools
import json
import math
import random

import pytest

from conftest import run_cli
from echotune_ci.compare import Rule, _ranks, compare_samples, mann_whitney_greater, test_samples
from support.samples import load_result, noisy


def test_exact_p_values_match_known_values():
    # Complete separation of 3 vs 3: one arrangement of 20.
    assert mann_whitney_greater([4, 5, 6], [1, 2, 3]) == 1 / 20
    # 5 vs 5 complete separation: 1 / C(10,5).
    assert abs(mann_whitney_greater([6, 7, 8, 9, 10], [1, 2, 3, 4, 5]) - 1 / 252) < 1e-12
    assert mann_whitney_greater([1, 2, 3], [4, 5, 6]) == 1.0



# (head, base, the exact one-sided p-value) from scipy 1.17.1, run outside the tests:
# scipy.stats.permutation_test((head, base), <Mann-Whitney U>, permutation_type="independent",
# alternative="greater", n_resamples=numpy.inf), which enumerates every arrangement.
TIED_CASES = [
    # LCP (ms) of the head and the base in a CI run of the side-by-side test with a planted 600 ms: Chromium
    # reports LCP in steps of 4 ms, so two pairs tie. Completely separated: 1/924, where the normal
    # approximation said 0.0024, above the family's level of about 0.004 once one more base load overlaps.
    ([804, 820, 784, 784, 792, 804], [428, 300, 384, 384, 304, 284], 1 / 924),
    # One differing value among twelve: the 6 is on the head's side in half of all arrangements
    # (the normal approximation: 0.2023).
    ([5.0] * 5 + [6.0], [5.0] * 6, 0.5),
    ([12, 14, 14, 15, 18, 18], [11, 12, 14, 14, 16, 13], 0.09848484848484848),
    # Here the normal approximation (0.0632) was below the true 0.0952: a false alarm at 0.07.
    ([3, 3, 4, 4, 5], [1, 2, 3, 3, 4], 0.09523809523809523),
]


@pytest.mark.parametrize(("head", "base", "expected"), TIED_CASES)
def test_p_values_with_ties_are_exact_for_small_samples(head, base, expected):
    assert mann_whitney_greater(head, base) == pytest.approx(expected, rel=1e-12)


def _every_arrangement(x, y):
    """The share of all ways to split the pooled values into groups of len(x) and len(y) whose first group's
    mid-rank sum is at least the observed one: the definition of the exact p-value, counted."""
    pooled = list(x) + list(y)
    ranks, _ = _ranks(pooled)
    observed = sum(ranks[: len(x)])
    splits = list(itertools.combinations(range(len(pooled)), len(x)))
    return sum(sum(ranks[i] for i in chosen) >= observed - 1e-9 for chosen in splits) / len(splits)


def test_p_values_with_ties_count_every_arrangement():
    r = random.Random(7)
    for _ in range(150):
        top = r.choice([1, 2, 4, 30])  # from mostly ties to almost none
        x = [r.randint(0, top) + r.choice([0, 1]) for _ in range(r.randint(1, 7))]
        y = [r.randint(0, top) for _ in range(r.randint(1, 7))]
        assert mann_whitney_greater(x, y) == pytest.approx(_every_arrangement(x, y), abs=1e-12), (x, y)



def test_p_values_with_ties_stay_exact_for_unequal_sides_beyond_400_pairs():
    # Worked out by hand: under the null every way to split the pooled values is as likely, so the p-value
    # is the chance that the larger values land on x's side. Two 6s among 203 values, both drawn into x's 2:
    # 1 / C(203, 2) (the normal approximation said 6e-46).
    assert mann_whitney_greater([6.0, 6.0], [5.0] * 201) == pytest.approx(1 / math.comb(203, 2), rel=1e-12)
    assert mann_whitney_greater([5.0] * 201, [6.0, 6.0]) == 1.0
    # 20 against 21 (420 pairs): the one 6 is on x's side in 20 of 41 equally likely places (approximated:
    # 0.165).
    assert mann_whitney_greater([5.0] * 19 + [6.0], [5.0] * 21) == pytest.approx(20 / 41, rel=1e-12)
    assert mann_whitney_greater([5.0] * 21, [5.0] * 19 + [6.0]) == pytest.approx(1.0)


def test_a_large_slowdown_measured_in_steps_is_a_regression_at_a_family_level():
    # The LCP case above at the level one of ten metrics gets (0.025 / 6 at the last run's Tarone K).
    out = test_samples([428, 300, 384, 384, 304, 284], [804, 820, 784, 784, 792, 804],
                       Rule(better="lower", alpha=0.025 / 6))
    assert out.verdict == "regressed" and out.p_value == pytest.approx(1 / 924)


def test_real_ten_percent_shift_is_detected_most_of_the_time():
    detected = 0
    for seed in range(100):
        rng = random.Random(seed)
        base = [100 * (1 + rng.gauss(0, 0.03)) for _ in range(10)]
        head = [110 * (1 + rng.gauss(0, 0.03)) for _ in range(10)]
        verdict, effect, p = compare_samples(base, head, "lower")
        detected += verdict == "regressed"
    assert detected >= 95


def test_pure_noise_is_rarely_flagged():
    flagged = 0
    for seed in range(200):
        rng = random.Random(1000 + seed)
        base = [100 * (1 + rng.gauss(0, 0.08)) for _ in range(10)]
        head = [100 * (1 + rng.gauss(0, 0.08)) for _ in range(10)]
        flagged += compare_samples(base, head, "lower")[0] == "regressed"
    # alpha 0.05 one-sided, and the 5 % minimum effect on top: at most 5 %.
    assert flagged <= 10


def test_tiny_but_significant_shift_is_not_a_regression():
    base = [100 + i * 0.01 for i in range(20)]
    head = [101 + i * 0.01 for i in range(20)]
    verdict, effect, p = compare_samples(base, head, "lower")
    assert p < 0.001 and abs(effect - 1.0) < 0.1
    assert verdict == "no significant change"


def test_higher_is_better_direction():
    base = noisy(1000, 8, 20, 1)
    head = noisy(800, 8, 20, 2)
    assert compare_samples(base, head, "higher")[0] == "regressed"
    assert compare_samples(head, base, "higher")[0] == "improved"


def test_compare_command_json(tmp_path, cli_env):
    load_result(noisy(100, 8, 3, 1)).write(tmp_path / "base" / "load.json")
    load_result(noisy(112, 8, 3, 2)).write(tmp_path / "head" / "load.json")
    proc = run_cli("compare", str(tmp_path / "base"), str(tmp_path / "head"), "--format", "json", env=cli_env)
    assert proc.returncode == 0, proc.stderr
    rows = {r["key"]: r for r in json.loads(proc.stdout)}
    assert rows["p95_ms"]["verdict"] == "regressed"
    assert rows["p95_ms"]["method"] == "mann-whitney-u"
    text = run_cli("compare", str(tmp_path / "base"), str(tmp_path / "head"), "--fail-on-regression",
                   env=cli_env)
    assert text.returncode == 1 and "1 regressed" in text.stdout


def test_one_run_given_as_both_sides_is_said(tmp_path, cli_env):
    """`compare X X` (or a copy of X, a workflow that downloads the head's artifact twice) compared
    nothing, and every verdict read "no significant change" with no word of it."""
    import shutil

    load_result(noisy(100, 8, 3, 1)).write(tmp_path / "head" / "load.json")
    shutil.copytree(tmp_path / "head", tmp_path / "copy")
    for base in ("head", "copy"):
        proc = run_cli("compare", str(tmp_path / base), str(tmp_path / "head"), env=cli_env)
        assert proc.returncode == 0 and "no significant change" in proc.stdout
        assert proc.stderr.count("warning: ") == 1, proc.stderr
        assert f"its load results are those of {tmp_path / base} (the same run)" in proc.stderr
        gate = run_cli("gate", str(tmp_path / "head"), "--baseline", str(tmp_path / base), env=cli_env)
        assert "warn  load: the base's results are the head's own" in gate.stdout
        # The comment says why its load phase is "warn", not only that it is.
        comment = run_cli("report", str(tmp_path / "head"), "--baseline", str(tmp_path / base), env=cli_env)
        assert "- ⚠️ **load**: the base's results are the head's own" in comment.stdout
    # Another run that measured the very same figures in the same second is another run: it took its own time.
    again = load_result(noisy(100, 8, 3, 1))
    again.duration_s = 12.43
    again.write(tmp_path / "again" / "load.json")
    proc = run_cli("compare", str(tmp_path / "again"), str(tmp_path / "head"), env=cli_env)
    assert proc.returncode == 0 and "warning" not in proc.stderr
    gate = run_cli("gate", str(tmp_path / "head"), "--baseline", str(tmp_path / "again"), env=cli_env)
    assert "the head's own" not in gate.stdout


def test_a_metric_with_more_samples_than_runs_can_give_is_an_input_error(tmp_path, cli_env):
    """30,000 samples a side took 16 s to compare, and a fork's result files can hold any number; one
    a page load or load round, 2,000 leaves room for 20 merged runs at [gate] max_runs = 100."""
    from support.hostile import assert_one_line_error

    load_result(noisy(100, 2_000, 3, 1)).write(tmp_path / "base" / "load.json")
    load_result(noisy(100, 2_000, 3, 2)).write(tmp_path / "head" / "load.json")
    assert run_cli("compare", str(tmp_path / "base"), str(tmp_path / "head"), env=cli_env).returncode == 0
    load_result(noisy(100, 2_001, 3, 2)).write(tmp_path / "head" / "load.json")
    for args in (("compare", str(tmp_path / "base"), str(tmp_path / "head")),
                 ("gate", str(tmp_path / "head"), "--baseline", str(tmp_path / "base"))):
        proc = run_cli(*args, env=cli_env)
        assert_one_line_error(proc.returncode, proc.stderr, 2, "load: p95_ms: 2,001 samples in the head",
                              "at most 2,000 a side")


def test_a_phase_only_one_side_ran_is_neither_new_nor_removed():
    """A base built but not started (its app crashed at start) has bundle results and no load: the
    head's 25 load metrics read "new", as if the PR had added a load test. A run of fewer phases than its
    baseline's reads no "removed" either."""
    from echotune_ci.compare import compare_results
    from echotune_ci.results import Metric, PhaseResult

    bundle = PhaseResult("bundle", metrics=[Metric("bundle_total_gzip_bytes", 1000.0, "B")]).finalize()
    load = PhaseResult("load", metrics=[Metric("p95_ms", 17.7, "ms")]).finalize()
    assert [(c.phase, c.verdict) for c in compare_results([bundle], [bundle, load])] == [
        ("bundle", "no significant change")]
    assert [(c.phase, c.verdict) for c in compare_results([bundle, load], [bundle])] == [
        ("bundle", "no significant change")]
    # a base phase that ran and measured nothing (its app crashed during it) gives nothing to compare either
    crashed = PhaseResult("load", errors=["the app exited"]).finalize()
    assert [(c.phase, c.verdict) for c in compare_results([bundle, crashed], [bundle, load])] == [
        ("bundle", "no significant change")]
    # a check that could not run in the base: the head's figures of it are not new, its marker not removed
    ran = PhaseResult("security", metrics=[Metric("headers.score", 60.0, "")]).finalize()
    unrun = PhaseResult("security", metrics=[Metric("headers.could_not_run", None, status="error")],
                        errors=["headers: the app did not answer"]).finalize()
    assert compare_results([unrun], [ran]) == [] and compare_results([ran], [unrun]) == []
    # within a phase both ran, a metric one side lacks is still new or removed
    rps = PhaseResult("load", metrics=[Metric("p95_ms", 17.7, "ms"), Metric("rps", 50.0, "1/s")]).finalize()
    assert {c.key: c.verdict for c in compare_results([load], [rps])}["rps"] == "new"


def test_a_phase_that_could_not_run_in_the_head_removes_nothing():
    """A head whose app answered no request within a round (slower than the round) has a load phase with
    an error and no figures: every base metric of it read "removed", 16 rows that said the PR took the
    metrics away. Its error is what the gate reports; the phases that ran are still compared."""
    from echotune_ci.compare import compare_results
    from echotune_ci.results import Metric, PhaseResult

    p95 = Metric("p95_ms", 17.7, "ms", samples=[24.7, 20.0, 16.1, 16.8, 14.1, 18.6])
    lcp = Metric("lcp_ms", 300.0, "ms", samples=[300.0, 310.0, 320.0, 305.0, 295.0, 315.0])
    base = [PhaseResult("load", metrics=[p95]).finalize(), PhaseResult("frontend", metrics=[lcp]).finalize()]
    failed = PhaseResult("load", errors=["no request completed against http://127.0.0.1:1 during the test"])
    head = [failed.finalize(), PhaseResult("frontend", metrics=[lcp]).finalize()]
    assert failed.status == "error"
    assert [(c.phase, c.key, c.verdict) for c in compare_results(base, head)] == [
        ("frontend", "lcp_ms", "no significant change")]
    # A phase that ran in the head without a metric the base had: that one was removed, also when one of
    # the phase's checks failed (an error beside figures is no phase that could not run).
    ran = PhaseResult("load", metrics=[Metric("rps", 50.0, "1/s")]).finalize()
    verdicts = {(c.phase, c.key): c.verdict for c in compare_results(base, [ran])}
    assert verdicts[("load", "p95_ms")] == "removed"
    partly = PhaseResult("load", metrics=[Metric("rps", 50.0, "1/s")], errors=["one check failed"]).finalize()
    assert partly.status == "error"
    verdicts = {(c.phase, c.key): c.verdict for c in compare_results(base, [partly])}
    assert verdicts[("load", "p95_ms")] == "removed"
    # A security check that could not run (its "<check>.could_not_run") measured none of its figures.
    files = Metric("secrets.files", 13.0, "files")
    base_security = PhaseResult("security", metrics=[files, Metric("findings.total", 0.0, "")]).finalize()
    crashed = PhaseResult("security", metrics=[Metric("findings.total", 0.0, ""),
                                               Metric("secrets.could_not_run", None, status="error")],
                          errors=["secrets: boom"]).finalize()
    verdicts = {c.key: c.verdict for c in compare_results([base_security], [crashed])}
    assert "secrets.files" not in verdicts
    # Nor do its counts over all checks: the head's header check could not run, and its findings.low 0
    # against the base's 2 read "-100 %, improved"; the other way round "regressed".
    counts = [Metric("findings.low", 2.0, "findings"), Metric("findings.total", 2.0, "findings")]
    ran = PhaseResult("security", metrics=[*counts, Metric("headers.score", 60.0, "")]).finalize()
    unrun = PhaseResult("security", metrics=[Metric("findings.low", 0.0, "findings"),
                                             Metric("findings.total", 0.0, "findings"),
                                             Metric("headers.could_not_run", None, status="error")],
                        errors=["headers: the app did not answer"]).finalize()
    for before, after in ((ran, unrun), (unrun, ran)):
        keys = {c.key for c in compare_results([before], [after])}
        assert not keys & {"findings.low", "findings.total"}, keys


def test_three_values_against_842_tied_ones_get_the_exact_p_value():
    # A reviewer's case: the normal approximation gave 0.0125 ("regressed" at 0.05) where the permutation
    # p-value given the ties is 0.0595. Worked out here by enumerating how many of the head's 3 values come
    # from each group of equal values (weights C(t, j)), not by the product's generating function.
    import itertools
    from math import comb

    from echotune_ci.compare import mann_whitney_greater

    sizes = {100.0: 711, 105.0: 47, 110.0: 42, 115.0: 45}  # pooled: base 710/46/41/45 plus the head's
    head, base = [105.0, 100.0, 110.0], [100.0] * 710 + [105.0] * 46 + [110.0] * 41 + [115.0] * 45
    below, midrank = 0, {}
    for value, t in sizes.items():
        midrank[value] = below + (t + 1) / 2
        below += t
    observed = sum(midrank[v] for v in head)
    ways = at_least = 0
    for counts in itertools.product(range(4), repeat=4):
        if sum(counts) != 3:
            continue
        w = 1
        for t, j in zip(sizes.values(), counts, strict=True):
            w *= comb(t, j)
        ways += w
        if sum(j * midrank[v] for v, j in zip(sizes, counts, strict=True)) >= observed - 1e-9:
            at_least += w
    assert ways == comb(845, 3)
    expected = at_least / ways
    assert abs(expected - 0.0595) < 0.0005
    assert abs(mann_whitney_greater(head, base) - expected) < 1e-12
