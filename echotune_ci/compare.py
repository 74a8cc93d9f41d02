"""Head against base: is a change real, or CI noise?

For metrics with samples (several page loads, several load-test rounds) the
decision needs both a statistically significant difference (one-sided
Mann-Whitney U test: exact distribution for small samples, normal
approximation with tie correction otherwise) and a change of the medians at
least ``min_effect_pct`` large. Noise alone rarely passes the first test, and
a significant but tiny shift never passes the second. Metrics without samples
fall back to the relative change against a threshold.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from statistics import median
from typing import Any, Literal

from .results import Metric, PhaseResult

Verdict = Literal["regressed", "improved", "no significant change", "insufficient data", "new", "removed"]


@dataclass
class Comparison:
    """The verdict on one metric: base and head values, the change in percent of the base
    (``effect_pct``), the p-value when samples were tested, and how it was decided (``method``)."""

    key: str
    name: str
    phase: str
    unit: str
    better: str
    base: float | None
    head: float | None
    verdict: Verdict
    effect_pct: float | None = None
    p_value: float | None = None
    method: str = ""
    labels: dict[str, str] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of a comparison (``compare --format json``, report.json)."""
        return {
            "key": self.key,
            "name": self.name,
            "phase": self.phase,
            "unit": self.unit,
            "better": self.better,
            "base": self.base,
            "head": self.head,
            "verdict": self.verdict,
            "effect_pct": None if self.effect_pct is None else round(self.effect_pct, 3),
            "p_value": None if self.p_value is None else round(self.p_value, 6),
            "method": self.method,
            "labels": self.labels or {},
        }


def _ranks(values: list[float]) -> tuple[list[float], list[int]]:
    """Average ranks (1-based) and the sizes of tie groups."""
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    ties: list[int] = []
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        avg = (i + j) / 2.0 + 1.0
        for k in range(i, j + 1):
            ranks[order[k]] = avg
        if j > i:
            ties.append(j - i + 1)
        i = j + 1
    return ranks, ties


@functools.lru_cache(maxsize=256)
def _u_distribution(n1: int, n2: int) -> tuple[int, ...]:
    """Counts of each U value (0..n1*n2) over all arrangements, no ties."""
    # f(n1, n2) as polynomial coefficients via the recurrence
    # f(n1, n2, u) = f(n1-1, n2, u-n2) + f(n1, n2-1, u)
    @functools.cache
    def f(a: int, b: int) -> tuple[int, ...]:
        if a == 0 or b == 0:
            return (1,)
        left = f(a - 1, b)
        right = f(a, b - 1)
        size = a * b + 1
        out = [0] * size
        for u, c in enumerate(left):
            out[u + b] += c
        for u, c in enumerate(right):
            out[u] += c
        return tuple(out)

    return f(n1, n2)


def mann_whitney_greater(x: list[float], y: list[float]) -> float:
    """One-sided p-value for "x tends to be larger than y" (Mann-Whitney U).

    Exact for samples without ties and n1*n2 <= 400, else the normal
    approximation with tie correction and continuity correction.
    """
    n1, n2 = len(x), len(y)
    ranks, ties = _ranks(list(x) + list(y))
    r1 = sum(ranks[:n1])
    u1 = r1 - n1 * (n1 + 1) / 2.0
    if not ties and n1 * n2 <= 400:
        dist = _u_distribution(n1, n2)
        total = sum(dist)
        k = math.ceil(u1 - 1e-9)
        return sum(dist[k:]) / total
    n = n1 + n2
    mu = n1 * n2 / 2.0
    tie_term = sum(t**3 - t for t in ties) / (n * (n - 1)) if n > 1 else 0.0
    sigma = math.sqrt(n1 * n2 / 12.0 * ((n + 1) - tie_term))
    if sigma == 0:
        return 1.0
    z = (u1 - mu - 0.5) / sigma  # continuity correction
    return 0.5 * math.erfc(z / math.sqrt(2))


def compare_samples(
    base: list[float],
    head: list[float],
    better: str,
    *,
    alpha: float = 0.05,
    min_effect_pct: float = 5.0,
) -> tuple[Verdict, float | None, float | None]:
    """(verdict, effect in percent of the base median, p-value) for two sample lists.

    *better* is "lower" or "higher"; fewer than 2 values on a side gives
    "insufficient data".
    """
    base = [float(v) for v in base if v is not None]
    head = [float(v) for v in head if v is not None]
    if len(base) < 2 or len(head) < 2:
        return "insufficient data", None, None
    mb, mh = median(base), median(head)
    effect = _effect_pct(mb, mh)
    worse_if_higher = better == "lower"
    # p-value that head is worse, and that it is better
    p_worse = mann_whitney_greater(head, base) if worse_if_higher else mann_whitney_greater(base, head)
    p_better = mann_whitney_greater(base, head) if worse_if_higher else mann_whitney_greater(head, base)
    worse_effect = effect if worse_if_higher else -effect
    if p_worse <= alpha and worse_effect >= min_effect_pct:
        return "regressed", effect, p_worse
    if p_better <= alpha and -worse_effect >= min_effect_pct:
        return "improved", effect, p_better
    return "no significant change", effect, min(p_worse, p_better)


def _effect_pct(base: float, head: float) -> float:
    if base == 0:
        return 0.0 if head == 0 else math.copysign(100.0, head)
    return (head - base) / abs(base) * 100.0


def _sampled(phase: str, base: Metric, head: Metric, alpha: float, min_effect_pct: float,
             threshold_pct: float | None, common: dict[str, Any]) -> Comparison:
    verdict, effect, p = compare_samples(
        base.samples, head.samples, head.better, alpha=alpha, min_effect_pct=max(min_effect_pct, 0.0)
    )
    if verdict == "regressed" and threshold_pct is not None and effect is not None:
        worse = effect if head.better == "lower" else -effect
        if worse < threshold_pct:
            verdict = "no significant change"
    return Comparison(base=base.value, head=head.value, verdict=verdict, effect_pct=effect, p_value=p,
                      method="mann-whitney-u", **common)


def _thresholded(base: float, head: float, better: str, limit: float, common: dict[str, Any]) -> Comparison:
    effect = _effect_pct(base, head)
    worse = effect if better == "lower" else -effect
    verdict: Verdict = "no significant change"
    if worse > limit:
        verdict = "regressed"
    elif -worse > limit:
        verdict = "improved"
    return Comparison(base=base, head=head, verdict=verdict, effect_pct=effect, method="threshold", **common)


def compare_metric(
    phase: str,
    base: Metric | None,
    head: Metric | None,
    *,
    alpha: float = 0.05,
    min_effect_pct: float = 5.0,
    threshold_pct: float | None = None,
) -> Comparison:
    """Compare one metric of *phase* between base and head (either may be missing).

    Both sides with at least 2 samples: Mann-Whitney U at *alpha* plus a
    median change of at least *min_effect_pct* (and at least *threshold_pct*
    when the metric has a regression limit). Otherwise the relative change of
    the values against *threshold_pct*, else *min_effect_pct*.
    """
    ref = head or base
    if ref is None:
        raise ValueError("compare_metric needs a base or a head metric")
    common: dict[str, Any] = dict(key=ref.key, name=ref.name, phase=phase, unit=ref.unit, better=ref.better,
                                  labels=dict(ref.labels))
    if base is None:
        return Comparison(base=None, head=ref.value, verdict="new", **common)
    if head is None:
        return Comparison(base=base.value, head=None, verdict="removed", **common)
    if len(base.samples) >= 2 and len(head.samples) >= 2:
        return _sampled(phase, base, head, alpha, min_effect_pct, threshold_pct, common)
    if base.value is None or head.value is None:
        return Comparison(base=base.value, head=head.value, verdict="insufficient data", **common)
    limit = threshold_pct if threshold_pct is not None else min_effect_pct
    return _thresholded(base.value, head.value, ref.better, limit, common)


def compare_results(
    base: Iterable[PhaseResult],
    head: Iterable[PhaseResult],
    *,
    thresholds: Mapping[str, float] | None = None,
    alpha: float = 0.05,
    min_effect_pct: float = 5.0,
) -> list[Comparison]:
    """Compare every metric of every phase present on either side."""
    thresholds = thresholds or {}
    base_by = {(r.phase, m.key): m for r in base for m in r.metrics}
    head_by = {(r.phase, m.key): m for r in head for m in r.metrics}
    out = []
    for key in list(dict.fromkeys([*head_by, *base_by])):
        phase = key[0]
        b, h = base_by.get(key), head_by.get(key)
        name = h.name if h is not None else b.name if b is not None else ""
        out.append(
            compare_metric(phase, b, h, alpha=alpha, min_effect_pct=min_effect_pct,
                           threshold_pct=thresholds.get(name))
        )
    return out
