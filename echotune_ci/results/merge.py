"""Merging results of one phase measured in several shards or jobs."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable

from .model import Finding, Metric, PhaseResult, now_iso, worst_status


def merge_results(results: Iterable[PhaseResult]) -> list[PhaseResult]:
    """One result per phase, in order of first appearance.

    Metrics with the same key pool their samples; the merged value is the
    median of the pooled samples when there are samples, else the worse
    value. Findings are kept once per fingerprint. A result identical to
    one already taken (a copy of a file: ``load (1).json``) is taken once:
    its samples would count twice. Inputs are not modified.

    InputError when two results give one metric in different units or
    directions (``ms`` and ``s``): their samples cannot be pooled.
    """
    by_phase: dict[str, list[PhaseResult]] = {}
    seen: list[dict[str, object]] = []
    for r in results:
        as_written = r.to_dict()
        if as_written in seen:
            continue
        seen.append(as_written)
        by_phase.setdefault(r.phase, []).append(r)
    return [group[0] if len(group) == 1 else _merge_group(phase, group) for phase, group in by_phase.items()]


def _merge_metric(have: Metric, m: Metric) -> None:
    mismatch = unlike(have, m)
    if mismatch:
        from ..errors import InputError

        raise InputError(f"{brief(have.key, 120)}: {mismatch} in two results of one phase: their samples "
                         f"cannot be pooled")
    # Only numbers pool: a null or NaN sample (never in a validated file) must not poison the median.
    have.samples[:] = [s for s in (*have.samples, *m.samples) if _is_number(s)]
    if have.value is None or m.value is None:
        have.value = None
    elif have.samples:
        have.value = float(statistics.median(have.samples))
    else:
        worse = max if m.better == "lower" else min
        have.value = worse(have.value, m.value)
    have.evaluate()


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _merge_group(phase: str, group: list[PhaseResult]) -> PhaseResult:
    out = PhaseResult(
        phase=phase,
        started_at=min((r.started_at for r in group if r.started_at), default=now_iso()),
        duration_s=max(r.duration_s for r in group),
        target=", ".join(dict.fromkeys(r.target for r in group if r.target)),
        status=worst_status(r.status for r in group),
    )
    metrics: dict[str, Metric] = {}
    for r in group:
        out.tool_versions.update(r.tool_versions)
        out.artifacts.extend(a for a in r.artifacts if a not in out.artifacts)
        out.errors.extend(r.errors)
        out.notes.extend(n for n in r.notes if n not in out.notes)
        out.warnings.extend(w for w in r.warnings if w not in out.warnings)
        for m in r.metrics:
            if m.key in metrics:
                _merge_metric(metrics[m.key], m)
            else:
                metrics[m.key] = Metric.from_dict(m.to_dict())
    out.metrics = list(metrics.values())
    out.findings = _unique_findings(group)
    return out


def _unique_findings(group: list[PhaseResult]) -> list[Finding]:
    """Findings of every result, once per fingerprint (findings without one are all kept)."""
    seen: set[str] = set()
    kept = []
    for f in (f for r in group for f in r.findings):
        if f.fingerprint and f.fingerprint in seen:
            continue
        seen.add(f.fingerprint)
        kept.append(f)
    return kept


def brief(text: str, limit: int = 60) -> str:
    """*text* as an error line quotes it: at most *limit* characters, the rest said by its length (a forged
    result's 5,000-character unit or label made the one-line error 5,000 characters long)."""
    return text if len(text) <= limit else f"{text[:limit - 1]}… ({len(text)} characters)"


def unlike(a: Metric, b: Metric) -> str:
    """Why two figures of one metric cannot be compared or pooled: "unit ms and s", "better lower and
    higher"; "" when they can. Units are quoted :func:`brief`."""
    if a.unit != b.unit:
        return f"unit {brief(a.unit or '(none)', 30)} and {brief(b.unit or '(none)', 30)}"
    if a.better != b.better:
        return f"better {a.better} and {b.better}"
    return ""
