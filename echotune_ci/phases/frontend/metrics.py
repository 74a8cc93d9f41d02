"""Web vitals from raw observer entries, and the page's Metric list.

Definitions follow Lighthouse: CLS is the largest session window of layout
shifts (gaps under 1 s, windows up to 5 s); TBT sums the part beyond 50 ms of
every long task between FCP and TTI; TTI is the end of the last long task
before the quiet window (never before FCP or DOMContentLoaded).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ...results import Metric

if TYPE_CHECKING:  # pragma: no cover
    from ...config.sections import Budgets

BLOCKING_MS = 50.0


@dataclass
class LoadTimings:
    """The load metrics of one run, in ms from navigation start (CLS unitless); None when not observed."""

    ttfb_ms: float | None
    fcp_ms: float | None
    lcp_ms: float | None
    cls: float
    tbt_ms: float | None
    tti_ms: float | None
    speed_index_ms: float | None = None


def cls_from_shifts(shifts: Iterable[tuple[float, float]]) -> float:
    """CLS from ``(start ms, value)`` layout shifts: the largest session window, rounded to 4 digits."""
    best = current = 0.0
    first = last = 0.0
    started = False
    for start, value in sorted(shifts):
        if not started or start - last > 1000 or start - first > 5000:
            started = True
            first, current = start, 0.0
        current += value
        last = start
        best = max(best, current)
    return round(best, 4)


def time_to_interactive(fcp: float, dcl: float | None, longtasks: Sequence[tuple[float, float]]) -> float:
    """TTI in ms: the end of the last ``(start, duration)`` long task, at least FCP and DOMContentLoaded."""
    last_end = max((start + dur for start, dur in longtasks), default=0.0)
    return max(fcp, dcl or 0.0, last_end)


def total_blocking_time(longtasks: Sequence[tuple[float, float]], fcp: float, tti: float) -> float:
    """TBT in ms: the part beyond 50 ms of each ``(start, duration)`` long task, clipped to FCP..TTI."""
    total = 0.0
    for start, dur in longtasks:
        clipped = min(start + dur, tti) - max(start, fcp)
        if clipped > BLOCKING_MS:
            total += clipped - BLOCKING_MS
    return total


# name -> (unit, better, description)
METRICS: dict[str, tuple[str, str, str]] = {
    "ttfb_ms": ("ms", "lower", "Time to first byte of the document"),
    "fcp_ms": ("ms", "lower", "First Contentful Paint"),
    "lcp_ms": ("ms", "lower", "Largest Contentful Paint"),
    "cls": ("", "lower", "Cumulative Layout Shift (largest session window)"),
    "tbt_ms": ("ms", "lower", "Total Blocking Time (long tasks between FCP and TTI)"),
    "tti_ms": ("ms", "lower", "Time to Interactive (legacy; end of the last long task before quiet)"),
    "speed_index_ms": ("ms", "lower", "Speed Index (how quickly the viewport fills in)"),
    "performance_score": ("", "higher", "Lighthouse-comparable performance score (0-100)"),
    "accessibility_score": ("", "higher", "Lighthouse-comparable accessibility score from axe-core (0-100)"),
    "interaction_ms": ("ms", "lower", "Input to next paint"),
    "transfer_bytes": ("bytes", "lower", "Bytes transferred (all resources)"),
    "request_count": ("requests", "lower", "Requests made while loading"),
    "dom_size": ("elements", "lower", "DOM elements after load"),
    "http_status": ("", "lower", "HTTP status of the document"),
}


def page_budgets(global_budgets: Budgets, overrides: Mapping[str, float]) -> dict[str, float | None]:
    """Budgets for one page: [budgets] with the page's overrides; a performance budget of 0 is off.

    Returns metric name -> budget (ms, unitless or 0-100 score) or None (not gated).
    """
    names = ("fcp_ms", "lcp_ms", "tti_ms", "tbt_ms", "cls", "interaction_ms", "accessibility_score",
             "performance_score")
    out: dict[str, float | None] = {n: getattr(global_budgets, n) for n in names}
    out["ttfb_ms"] = out["speed_index_ms"] = None
    out.update(overrides)
    if not out.get("performance_score"):
        out["performance_score"] = None
    return out


def sampled(name: str, samples: list[float], url: str, budget: float | None = None, **labels: str) -> Metric:
    """An evaluated Metric of *name* (a :data:`METRICS` key, or ``transfer_bytes.<type>``) whose value is
    the median of *samples*, labelled with the page *url* and *labels*. KeyError for an unknown name."""
    unit, better, description = METRICS[name.split(".")[0]]
    if name.startswith("transfer_bytes."):
        description = f"Bytes transferred ({name.split('.', 1)[1]})"
    return Metric(
        name=name,
        value=float(statistics.median(samples)) if samples else None,
        unit=unit,
        better=better,  # type: ignore[arg-type]
        budget=budget,
        samples=[round(s, 4) for s in samples],
        labels={"url": url, **labels},
        description=description,
    ).evaluate()


def status_metric(url: str, status: int) -> Metric:
    """The document's HTTP status as a metric that fails above 399."""
    return sampled("http_status", [float(status)], url, budget=399.0)
