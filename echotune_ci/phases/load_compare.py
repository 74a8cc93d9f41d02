"""Base against head in one job: interleaved rounds, decided with ``compare``.

After an unmeasured warm-up of both, rounds alternate base/head and
head/base (ABBA), so a machine that slows
down during the job slows both builds alike. Each round gives one total p95
and one throughput per build; the Mann-Whitney test of ``compare`` on those
samples, plus the gate's regression thresholds, decide what is a regression.
"""

from __future__ import annotations

from typing import Any

from ..compare import Comparison, compare_metric
from ..report.render import render
from ..results import Finding, Metric, assign_fingerprints

DECIDED = ("p95_ms", "rps")


def interleaved_rounds(base_host: str, head_host: str, rounds: int, duration: float) -> list[dict[str, Any]]:
    # The first round of a process is slower (cold connections, lazy imports): warm both builds up unmeasured.
    warm = min(duration / 2, 2.0)
    out = [{"label": "warm-up", "host": host, "duration": warm, "prefix": "", "artifacts": False}
           for host in (base_host, head_host)]
    for i in range(rounds):
        pair = [("base", base_host), ("head", head_host)]
        if i % 2:
            pair.reverse()
        for label, host in pair:
            out.append({"label": label, "host": host, "duration": duration, "prefix": f"{label}-r{i + 1}",
                        "html": i == rounds - 1, "warmup": True})
    return out


def decide(base: list[Metric], head: list[Metric], gate: dict[str, Any], min_effect_ms: float,
           rounds: int) -> tuple[list[Metric], list[Finding], list[str]]:
    """Compare the totals; returns base metrics to keep, regression findings and one note per metric."""
    base_by = {m.name: m for m in base if not m.labels}
    head_by = {m.name: m for m in head if not m.labels}
    kept, findings, notes = [], [], []
    for name in DECIDED:
        b, h = base_by.get(name), head_by.get(name)
        if b is None or h is None:
            continue
        cmp = compare_metric("load", b, h, alpha=gate["alpha"], min_effect_pct=gate["min_effect_pct"],
                             threshold_pct=gate["regression"].get(name))
        if (cmp.verdict == "regressed" and h.unit == "ms" and b.value is not None and h.value is not None
                and abs(h.value - b.value) < min_effect_ms):
            cmp.verdict = "no significant change"
        h.baseline = b.value
        kept.append(Metric(name, b.value, b.unit, b.better, samples=list(b.samples), labels={"build": "base"},
                           description="The base build, measured in the same interleaved rounds."))
        text = render("load_verdict.txt.j2", c=cmp, rounds=rounds).strip()
        notes.append(text)
        if cmp.verdict == "regressed":
            findings.append(_finding(cmp, text))
    return kept, assign_fingerprints(findings), notes


def _finding(cmp: Comparison, text: str) -> Finding:
    return Finding(
        rule_id=f"load.regression.{cmp.name}",
        severity="high",
        message=text,
        source_tool="echotune-compare",
        context=f"{cmp.name} regressed against base",
        properties={"base": cmp.base, "head": cmp.head, "effect_pct": cmp.effect_pct, "p_value": cmp.p_value},
    )
