"""compare: a real 10 % shift is detected, noise is not flagged."""

from __future__ import annotations

import json
import random

from conftest import run_cli
from echotune_ci.compare import compare_samples, mann_whitney_greater
from support.samples import load_result, noisy


def test_exact_p_values_match_known_values():
    # Complete separation of 3 vs 3: one arrangement of 20.
    assert mann_whitney_greater([4, 5, 6], [1, 2, 3]) == 1 / 20
    # 5 vs 5 complete separation: 1 / C(10,5).
    assert abs(mann_whitney_greater([6, 7, 8, 9, 10], [1, 2, 3, 4, 5]) - 1 / 252) < 1e-12
    assert mann_whitney_greater([1, 2, 3], [4, 5, 6]) == 1.0


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
