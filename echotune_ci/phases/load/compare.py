"""Base against head in one job: interleaved rounds, decided with :mod:`echotune_ci.compare`.

After an unmeasured warm-up of both, rounds alternate base/head and
head/base (ABBA), so a machine that slows down during the job slows both
builds alike. Each round gives one total p95 and one throughput per build;
the Mann-Whitney test of ``compare`` on those samples, plus the gate's
regression thresholds, decide what is a regression, and the note gives the
Hodges-Lehmann shift with its ``[gate] confidence`` interval.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...compare import Comparison, compare_metric, correct_families
from ...results import Finding, Metric, assign_fingerprints
from ...results.units import fmt_number

if TYPE_CHECKING:  # pragma: no cover
    from ...config.sections import GateSettings

DECIDED = ("p95_ms", "rps")
# Decided whatever their labels: each [load.realtime] channel's round trip ({"channel": path})
DECIDED_LABELLED = ("realtime_rtt_p95_ms",)
_WHAT = {"p95_ms": "p95 latency", "rps": "throughput", "realtime_rtt_p95_ms": "real-time round trip p95"}


def interleaved_rounds(base_host: str, head_host: str, rounds: int, duration: float,
                       first: int = 1) -> list[dict[str, Any]]:
    """The rounds of a base-against-head job, in the order they run (the worker's ``rounds``).

    Two warm-up rounds (min(duration/2, 2) s each, not measured), then
    *rounds* pairs of *duration* seconds, base first in odd pairs and head
    first in even ones. Each round: label ("warm-up", "base", "head"),
    host, duration (s), prefix of its artifacts (``base-r<n>``, n from
    *first*, so a later pass does not overwrite an earlier one's), and
    whether to write them.
    """
    # The first round of a process is slower (cold connections, lazy imports): warm both builds up unmeasured.
    warm = min(duration / 2, 2.0)
    out: list[dict[str, Any]] = [
        {"label": "warm-up", "host": host, "duration": warm, "prefix": "", "artifacts": False}
        for host in (base_host, head_host)
    ]
    for i in range(rounds):
        pair = [("base", base_host), ("head", head_host)]
        if i % 2:
            pair.reverse()
        for label, host in pair:
            out.append({"label": label, "host": host, "duration": duration, "prefix": f"{label}-r{first + i}",
                        "html": i == rounds - 1, "warmup": True})
    return out


def decide(base: list[Metric], head: list[Metric], gate: GateSettings, min_effect_ms: float,
           rounds: int) -> tuple[list[Metric], list[Finding], list[str]]:
    """Compare the unlabelled totals of :data:`DECIDED` and the metrics of :data:`DECIDED_LABELLED` (each
    real-time channel's round trip) between base and head.

    Uses ``gate.alpha``, ``gate.min_effect_pct`` and ``gate.regression``
    (percent per metric name); a latency shift under *min_effect_ms* ms is
    never a verdict (:func:`~echotune_ci.compare.compare_metric`). Returns
    every base metric (the total and each endpoint's p50/p95/p99/max, rps, error rate and requests, with their
    samples) labelled build=base, so the base carries what the head carries;
    one high-severity finding per regression; one verdict note per decided
    metric. Sets ``baseline`` on each head metric the base measured too.
    """
    base_by = {m.key: m for m in base}
    head_by = {m.key: m for m in head}
    kept = [Metric(b.name, b.value, b.unit, b.better, samples=list(b.samples),
                   labels={**b.labels, "build": "base"},
                   description="The base build, measured in the same interleaved rounds.") for b in base]
    for m in head:
        if m.key in base_by:
            m.baseline = base_by[m.key].value
    findings: list[Finding] = []
    notes: list[str] = []
    decided = [(base_by[n], head_by[n]) for n in DECIDED if n in base_by and n in head_by]
    decided += [(base_by[h.key], h) for h in head if h.name in DECIDED_LABELLED and h.key in base_by]
    # One family, as the gate decides the same samples (compare.correct_families).
    cmps = correct_families(
        [compare_metric("load", b, h, alpha=gate.alpha, min_effect_pct=gate.min_effect_pct,
                        threshold_pct=gate.regression.get(h.name), confidence=gate.confidence,
                        min_effect_ms=min_effect_ms) for b, h in decided],
        [(b.samples, h.samples) for b, h in decided])
    for cmp in cmps:
        text = verdict_note(cmp, rounds)
        notes.append(text)
        if cmp.verdict == "regressed":
            findings.append(_finding(cmp, text))
    return kept, assign_fingerprints(findings), notes


def verdict_note(cmp: Comparison, rounds: int) -> str:
    """One line such as "p95 latency regressed against base: 200 ms -> 226 ms (+12 %, 95 % CI +7 % …
    +18 %, p = 0.004), 5 interleaved rounds per build"."""
    what = _WHAT.get(cmp.name, cmp.name)
    change = ""
    if cmp.effect_pct is not None:
        interval = f", {cmp.interval_text()}" if cmp.has_interval else ""
        p_value = f", p = {cmp.p_value:.3f}" if cmp.p_value is not None else ""
        change = f" ({cmp.effect_text()}{interval}{p_value})"
    base, head = fmt_number(cmp.base, cmp.unit), fmt_number(cmp.head, cmp.unit)
    per_build = f"{rounds} interleaved rounds per build"
    return f"{what} {cmp.verdict} against base: {base} -> {head}{change}, {per_build}"


def _finding(cmp: Comparison, text: str) -> Finding:
    return Finding(
        rule_id=f"load.regression.{cmp.name}",
        severity="high",
        message=text,
        source_tool="echotune-compare",
        context=f"{cmp.name} regressed against base",
        properties={"base": cmp.base, "head": cmp.head, "effect_pct": cmp.effect_pct, "p_value": cmp.p_value,
                    "ci_low_pct": cmp.ci_low_pct, "ci_high_pct": cmp.ci_high_pct,
                    "confidence": cmp.confidence},
    )
