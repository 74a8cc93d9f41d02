"""The app's CPU and memory in a side-by-side load test: each build's figures come from its own rounds.
Before, only the head's app was sampled, over every round (the base's rounds too, when the head is
idle), so its mean CPU read about half of what it was alone (a FastAPI app: 2.68 % alone, 1.16 % and
1.40 % side by side) and the base had no figures, so a memory regression could not be found."""

from __future__ import annotations

from echotune_ci.config.sections import Budgets
from echotune_ci.phases.load.metrics import merge_passes
from echotune_ci.phases.load.resources import Usage, rounds_usage
from echotune_ci.results import Metric


def _rounds() -> list[dict]:
    # ABBA: base 0-2 s, head 2-4 s, head 4-6 s, base 6-8 s (epoch seconds from 1000)
    spans = [("base", 0, 2), ("head", 2, 4), ("head", 4, 6), ("base", 6, 8)]
    return [{"label": label, "measured_from": 1000.0 + a, "measured_to": 1000.0 + b} for label, a, b in spans]


def _usage(rss: list[float], cpu: list[float]) -> Usage:
    """One sample a second from 1000.5 s on."""
    return Usage(rss_mb=rss, cpu_pct=cpu, times=[1000.5 + i for i in range(len(rss))])


def test_each_build_is_measured_over_its_own_rounds_only() -> None:
    # The head's app works (40 %) in its rounds and idles (1 %) in the base's.
    head = _usage([100, 101, 150, 151, 152, 153, 110, 111], [1, 1, 40, 40, 40, 40, 1, 1])
    metrics = {m.name: m for m in rounds_usage(head, _rounds(), "head", Budgets())}
    assert metrics["app_cpu_pct"].value == 40.0 and metrics["app_cpu_pct"].samples == [40.0, 40.0]
    assert metrics["app_rss_mb"].value == 153.0 and metrics["app_rss_mb"].samples == [151.0, 153.0]
    assert metrics["app_cpu_pct"].labels == {} and metrics["app_cpu_pct"].budget == Budgets().app_cpu_pct
    # Over the whole test, as before: 20.5 %, half of what the head's rounds cost it.
    assert next(m for m in head.metrics(Budgets()) if m.name == "app_cpu_pct").value == 20.5
    base = _usage([90, 91, 92, 92, 92, 92, 95, 96], [30, 30, 2, 2, 2, 2, 35, 35])
    theirs = {m.name: m for m in rounds_usage(base, _rounds(), "base", Budgets(), {"build": "base"})}
    assert theirs["app_cpu_pct"].samples == [30.0, 35.0] and theirs["app_cpu_pct"].value == 32.5
    assert theirs["app_rss_mb"].samples == [91.0, 96.0] and theirs["app_rss_mb"].labels == {"build": "base"}


def test_rounds_without_a_sample_or_a_time_give_nothing() -> None:
    assert rounds_usage(_usage([], []), _rounds(), "head", Budgets()) == []
    assert rounds_usage(_usage([100.0] * 8, [1.0] * 8), [{"label": "head"}], "head", Budgets()) == []


def test_extra_rounds_keep_the_peak_and_average_the_cpu() -> None:
    first = [Metric("app_rss_mb", 153.0, "MB", samples=[151.0, 153.0]),
             Metric("app_cpu_pct", 40.0, "%", samples=[40.0, 40.0])]
    more = [Metric("app_rss_mb", 160.0, "MB", samples=[158.0, 160.0]),
            Metric("app_cpu_pct", 10.0, "%", samples=[10.0, 10.0])]
    merged = {m.name: m for m in merge_passes(first, more)}
    assert merged["app_rss_mb"].value == 160.0
    assert merged["app_rss_mb"].samples == [151.0, 153.0, 158.0, 160.0]
    assert merged["app_cpu_pct"].value == 25.0


def test_a_samples_cpu_is_the_time_since_the_sample_before_so_the_first_of_a_round_is_left_out() -> None:
    """psutil's cpu_percent covers the time since the sample before: the one taken 0.5 s into the head's
    round at 1 s intervals half measures the base's round, when the head's app idled."""
    # Samples at 1000.5, 1001.5, ...: the one at 1002.5 (in the head's first round) holds 0.5 s of the base's.
    head = _usage([100.0] * 8, [1, 1, 1, 40, 1, 40, 1, 1])
    assert Usage(head.rss_mb, head.cpu_pct, head.times).covering(1002.0, 1004.0, first=1.0).times == [1003.5]
    lagged = {m.name: m for m in rounds_usage(head, _rounds(), "head", Budgets(), interval=1.0)}
    assert lagged["app_cpu_pct"].samples == [40.0, 40.0]


def test_a_busy_sampler_is_judged_by_its_real_gaps_not_its_nominal_interval() -> None:
    """On a loaded 2-core machine the sampler (0.5 s nominal) fell behind: a sample 0.6 s into a round
    after a gap of 0.9 s still held 0.3 s of the other build's round. Only gaps within the round count."""
    usage = Usage(rss_mb=[100.0] * 4, cpu_pct=[1.0, 25.0, 40.0, 40.0], times=[1001.7, 1002.6, 1003.2, 1003.8])
    # 1002.6 covers 1001.7 .. 1002.6 (0.3 s of the base's round): out, though it is 0.6 s into the round.
    assert usage.covering(1002.0, 1004.0, first=0.5).cpu_pct == [40.0, 40.0]
    # The very first sample covers the nominal interval before it.
    assert usage.covering(1001.0, 1004.0, first=0.5).cpu_pct == [1.0, 25.0, 40.0, 40.0]
    assert usage.covering(1001.5, 1004.0, first=0.5).cpu_pct == [25.0, 40.0, 40.0]


def test_the_apps_figures_are_tested_against_the_base_only_where_named() -> None:
    """An A/A side-by-side run of the example in CI called app_cpu_pct "regressed" (identical builds):
    by default the change is shown, "not tested", outside the load phase's family."""
    from echotune_ci.compare import compare_metric

    base = Metric("app_cpu_pct", 9.4, "%", samples=[8.9, 7.9, 7.9, 8.0, 8.1, 7.8])
    head = Metric("app_cpu_pct", 10.2, "%", samples=[10.9, 10.9, 9.9, 9.8, 9.6, 9.9])
    shown = compare_metric("load", base, head)
    assert shown.method == "count" and shown.verdict == "no significant change" and shown.effect_pct
    named = compare_metric("load", base, head, threshold_pct=10.0)
    assert named.method == "mann-whitney-u" and named.verdict == "regressed"
