"""An endpoint's throughput and the request counts of a load test are set by the load model, not by the
app: each user picks its next task at random by weight, so an endpoint's share of the requests moves by
several percent from round to round. In an A/A `run --config examples/musicapp/echotune.toml --base-ref
HEAD` (2026-12-01, 9 interleaved rounds per build) the gate failed on "rps[endpoint=GET /api/tracks] got
worse by 7.8 %, p = 0.000391" while the total throughput and every latency showed no change. The samples
below are that run's rounds."""

from __future__ import annotations

from typing import Literal

from echotune_ci.compare import Comparison, compare_results
from echotune_ci.config import defaults
from echotune_ci.gate import regression_checks
from echotune_ci.results import Metric, PhaseResult

TRACKS = "GET /api/tracks"
# Per round, as the run's load.json and base/load.json recorded them (rounded to 0.1).
HEAD: dict[tuple[str, str], list[float]] = {
    ("rps", ""): [70.9, 71.7, 73.9, 71.2, 72.2, 72.7, 75.0, 70.7, 70.5],
    ("requests", ""): [353, 358, 369, 356, 360, 358, 375, 353, 352],
    ("p95_ms", ""): [7.6, 7.6, 9.8, 8.2, 6.3, 5.7, 15.1, 12.2, 11.7],
    ("rps", TRACKS): [25.3, 24.8, 22.8, 23.6, 25.1, 24.0, 24.4, 25.2, 22.8],
    ("requests", TRACKS): [126, 124, 114, 118, 125, 118, 122, 126, 114],
    ("p95_ms", TRACKS): [2.7, 3.7, 4.0, 3.4, 3.0, 3.5, 3.2, 10.8, 4.1],
}
BASE: dict[tuple[str, str], list[float]] = {
    ("rps", ""): [73.4, 70.7, 70.7, 75.4, 74.1, 71.6, 74.1, 73.3, 74.4],
    ("requests", ""): [367, 353, 353, 376, 370, 358, 370, 366, 372],
    ("p95_ms", ""): [6.4, 8.7, 9.0, 7.1, 10.4, 10.2, 10.1, 9.7, 8.2],
    ("rps", TRACKS): [25.0, 26.2, 25.2, 26.9, 27.4, 25.4, 25.6, 27.4, 26.0],
    ("requests", TRACKS): [125, 131, 126, 134, 137, 127, 128, 137, 130],
    ("p95_ms", TRACKS): [2.5, 2.4, 2.8, 4.0, 4.1, 3.7, 5.2, 3.4, 4.4],
}
UNITS: dict[str, tuple[str, Literal["lower", "higher"]]] = {
    "rps": ("req/s", "higher"), "requests": ("", "higher"), "p95_ms": ("ms", "lower")}


def load(rounds: dict[tuple[str, str], list[float]], alpha: float) -> PhaseResult:
    metrics = []
    for (name, endpoint), samples in rounds.items():
        unit, better = UNITS[name]
        ordered = sorted(samples)
        metrics.append(Metric(name, float(ordered[len(ordered) // 2]), unit, better,
                              samples=[float(s) for s in samples],
                              labels={"endpoint": endpoint} if endpoint else {}, alpha=alpha))
    return PhaseResult(phase="load", metrics=metrics)


def compared(alpha: float = 0.014, **rules: float) -> dict[str, Comparison]:
    """The comparisons under the default [gate] regression rules (which name rps and p95_ms) and *rules*."""
    thresholds = {**defaults().gate.regression, **rules}
    return {c.key: c for c in compare_results([load(BASE, alpha)], [load(HEAD, alpha)],
                                              thresholds=thresholds)}


def test_an_endpoints_throughput_and_the_request_counts_get_no_verdict() -> None:
    found = compared()
    for key in (f"rps[endpoint={TRACKS}]", f"requests[endpoint={TRACKS}]", "requests"):
        c = found[key]
        assert c.verdict == "no significant change" and c.method == "count", key
        assert c.p_value is None and c.family_size == 0
    # The change is still shown: the medians 24.4 -> 26.0 req/s.
    assert round(found[f"rps[endpoint={TRACKS}]"].effect_pct or 0.0, 1) == -6.2


def test_the_total_throughput_and_the_latencies_keep_their_test_in_a_smaller_family() -> None:
    found = compared()
    tested = {k for k, c in found.items() if c.method == "mann-whitney-u"}
    assert tested == {"rps", "p95_ms", f"p95_ms[endpoint={TRACKS}]"}
    assert all(found[k].family_size == 3 for k in tested)
    assert all(found[k].verdict == "no significant change" for k in tested)


def test_the_default_rps_limit_tests_the_total_only_and_requests_stay_untested_when_named() -> None:
    # The default [gate] regression names "rps" (10 %): meant for the total throughput, which it tests.
    assert defaults().gate.regression["rps"] == 10.0
    found = compared(requests=5.0)
    assert found["rps"].method == "mann-whitney-u" and found["rps"].limit_pct == 10.0
    assert found[f"rps[endpoint={TRACKS}]"].method == "count"
    assert found["requests"].method == "count" and found["requests"].verdict == "no significant change"


def test_the_test_the_endpoints_throughput_would_get_rejects_here() -> None:
    # Why it matters: one-sided Mann-Whitney of these 9 against 9 rounds (rounded, so 25.2 and 22.8 occur
    # twice): U = 4.5 of 81 for "head higher", exact p = 0.000288 given the ties (scipy 1.17.1's exhaustive
    # permutation_test of the U statistic; the normal approximation said 0.00085), under the 0.014 / 4 =
    # 0.0035 a family of four tests would ask of it: an A/A "regression".
    from echotune_ci.compare import test_samples, Rule

    rule = Rule(better="higher", alpha=0.014 / 4, min_effect_pct=5.0, threshold_pct=10.0)
    out = test_samples(BASE[("rps", TRACKS)], HEAD[("rps", TRACKS)], rule)
    assert out.p_value is not None and abs(out.p_value - 0.00028794734677) < 1e-12
    assert out.verdict == "regressed"


def test_the_real_time_clients_counts_get_no_verdict_either() -> None:
    # 3 clients sending every 0.2 s: about 45 messages in a 3-s test, fewer when the rounds are shorter.
    def realtime(connects: float, messages: float) -> PhaseResult:
        labels = {"channel": "/ws"}
        return PhaseResult(phase="load", metrics=[
            Metric("realtime_connects", connects, "", "higher", labels=dict(labels)),
            Metric("realtime_messages", messages, "", "higher", labels=dict(labels)),
            Metric("realtime_rtt_p95_ms", 9.0 if messages > 40 else 30.0, "ms", labels=dict(labels))])

    found = {c.key: c for c in compare_results([realtime(3, 45)], [realtime(2, 30)],
                                               thresholds=dict(defaults().gate.regression))}
    assert found["realtime_connects[channel=/ws]"].method == "count"
    assert found["realtime_messages[channel=/ws]"].method == "count"
    assert found["realtime_messages[channel=/ws]"].verdict == "no significant change"
    assert found["realtime_rtt_p95_ms[channel=/ws]"].verdict == "regressed"  # 9 -> 30 ms: the app's answer


def test_the_compare_command_says_the_counts_are_not_tested(tmp_path, cli_env) -> None:
    """`run` and `report` showed "(not tested)" for these counts; `compare` said "no significant change"
    for the same −4 % of requests, as if a test had found nothing."""
    from conftest import run_cli

    load(BASE, 0.014).write(tmp_path / "base" / "load.json")
    load(HEAD, 0.014).write(tmp_path / "head" / "load.json")
    args = ("compare", str(tmp_path / "base"), str(tmp_path / "head"))
    md = run_cli(*args, "--format", "markdown", env=cli_env)
    assert md.returncode == 0, md.stderr
    lines = [line for line in md.stdout.splitlines() if line.startswith("| `")]
    rows = {line.split(" | ")[0].strip("| `"): line for line in lines}
    assert rows["requests"].endswith("| not tested |"), rows["requests"]
    assert rows[f"rps[{TRACKS}]"].endswith("| not tested |")
    assert "no significant change" in rows["p95_ms"]  # a tested metric keeps its verdict
    text = run_cli(*args, env=cli_env).stdout.splitlines()
    requests = next(line for line in text if line.split()[1:2] == ["requests"])
    assert requests.endswith("  not tested"), requests


def test_a_slower_socket_handler_fails_the_default_gate_below_its_budget() -> None:
    # Interleaved rounds' round-trip p95 (ms): an acknowledgement delayed by 40 ms stays under the 100-ms
    # budget, so only the comparison can catch it, and only with a default regression limit of its own.
    def rtt(samples: list[float]) -> PhaseResult:
        ordered = sorted(samples)
        return PhaseResult(phase="load", metrics=[
            Metric("realtime_rtt_p95_ms", ordered[len(ordered) // 2], "ms", samples=samples,
                   labels={"channel": "/socket.io"}, alpha=0.05)])

    base = rtt([24.0, 31.0, 19.5, 40.0, 28.0, 22.0, 35.0])
    head = rtt([66.0, 71.0, 58.5, 80.0, 69.0, 62.0, 75.0])
    _, checks = regression_checks([head], [base], defaults().gate)
    assert [c.status for c in checks] == ["fail"]
    assert checks[0].detail.startswith("realtime_rtt_p95_ms[channel=/socket.io] got worse by")
