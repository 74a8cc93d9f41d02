"""Lighthouse's performance score, computed from the metrics we observed.

The constants are Lighthouse 12's (see docs/frontend.md for the files they
come from): each metric maps to a 0-1 score on a log-normal curve fixed by two
control points (the value scoring 0.9, ``p10``, and the one scoring 0.5,
``median``); the category score is the weighted mean of the metric scores.
When Speed Index could not be measured (no screencast frame), its weight is
left out and the others are renormalised; INP and TTI carry weight 0 in
Lighthouse and none here.
"""

from __future__ import annotations

import math
from typing import Mapping

# (p10, median) per metric and form factor: core/audits/metrics/*.js defaultOptions.
CONTROL_POINTS: dict[str, dict[str, tuple[float, float]]] = {
    "desktop": {
        "fcp_ms": (934, 1600),
        "lcp_ms": (1200, 2400),
        "tbt_ms": (150, 350),
        "cls": (0.1, 0.25),
        "speed_index_ms": (1311, 2300),
        "tti_ms": (2468, 4500),
    },
    "mobile": {
        "fcp_ms": (1800, 3000),
        "lcp_ms": (2500, 4000),
        "tbt_ms": (200, 600),
        "cls": (0.1, 0.25),
        "speed_index_ms": (3387, 5800),
        "tti_ms": (3785, 7300),
    },
}

# core/config/default-config.js, categories.performance.auditRefs (same for both form factors).
WEIGHTS: dict[str, int] = {"fcp_ms": 10, "lcp_ms": 25, "tbt_ms": 30, "cls": 25, "speed_index_ms": 10}

# shared/statistics.js
_INVERSE_ERFC_ONE_FIFTH = 0.9061938024368232
_MIN_PASSING_SCORE = 0.9
_MAX_AVERAGE_SCORE = 0.8999999999999999
_MIN_AVERAGE_SCORE = 0.5
_MAX_FAILING_SCORE = 0.49999999999999994


def _erf(x: float) -> float:
    """Abramowitz and Stegun 7.1.26, as in Lighthouse (not math.erf) so scores match to the digit."""
    sign = math.copysign(1.0, x)
    x = abs(x)
    a1, a2, a3, a4, a5 = 0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429
    p = 0.3275911
    t = 1 / (1 + p * x)
    y = t * (a1 + t * (a2 + t * (a3 + t * (a4 + t * a5))))
    return sign * (1 - y * math.exp(-x * x))


def log_normal_score(p10: float, median: float, value: float) -> float:
    """shared/statistics.js getLogNormalScore: the share of sites slower than *value*."""
    if value <= 0:
        return 1.0
    x_log_ratio = math.log(max(5e-324, value / median))
    p10_log_ratio = -math.log(max(5e-324, p10 / median))
    standardized = x_log_ratio * _INVERSE_ERFC_ONE_FIFTH / p10_log_ratio
    percentile = (1 - _erf(standardized)) / 2
    if value <= p10:
        return max(_MIN_PASSING_SCORE, min(1.0, percentile))
    if value <= median:
        return max(_MIN_AVERAGE_SCORE, min(_MAX_AVERAGE_SCORE, percentile))
    return max(0.0, min(_MAX_FAILING_SCORE, percentile))


def metric_score(name: str, value: float, form_factor: str) -> float:
    """shared/util.js computeLogNormalScore: the curve, a small boost above 0.9, floored to 2 digits."""
    p10, median = CONTROL_POINTS[form_factor][name]
    percentile = log_normal_score(p10, median, value)
    if percentile > 0.9:
        percentile += 0.05 * (percentile - 0.9)
    return math.floor(percentile * 100) / 100


def performance_score(values: Mapping[str, float | None], form_factor: str) -> float | None:
    """Weighted mean of the metric scores (core/scoring.js arithmeticMean), as 0-100.

    Returns None when a weighted metric we measure is missing: Lighthouse
    gives no category score then either.
    """
    total = weight_sum = 0.0
    for name, weight in WEIGHTS.items():
        if name == "speed_index_ms" and values.get(name) is None:
            continue
        value = values.get(name)
        if value is None:
            return None
        total += metric_score(name, value, form_factor) * weight
        weight_sum += weight
    category = _js_round(total / weight_sum * 100) / 100  # clampTo2Decimals
    return float(_js_round(category * 100))


def _js_round(x: float) -> int:
    """JavaScript's Math.round (halves go up), not Python's banker's rounding."""
    return math.floor(x + 0.5)
