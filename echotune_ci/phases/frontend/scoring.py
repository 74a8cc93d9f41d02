"""Lighthouse's performance score, computed from the metrics we observed.

Each metric maps to a 0-1 score on a log-normal curve fixed by two control
points (the value scoring 0.9, ``p10``, and the one scoring 0.5, ``median``);
the category score is the weighted mean of the metric scores. The control
points, weights and statistics constants are those of the Lighthouse release
``echotune_ci/data/lighthouse-<version>.json`` names (13.5.0; it names the Lighthouse file
of each table; see :mod:`echotune_ci.data.lighthouse`). When Speed Index could
not be measured (no screencast frame), its weight is left out and the others
are renormalised; INP and TTI carry weight 0 in Lighthouse and none here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from ...data.lighthouse import lighthouse

_DATA = lighthouse()

#: form factor -> metric name -> (p10, median): core/audits/metrics/*.js defaultOptions.
CONTROL_POINTS: Mapping[str, Mapping[str, tuple[float, float]]] = _DATA.control_points

#: metric name -> weight: core/config/default-config.js, categories.performance.auditRefs
#: (the same for both form factors).
WEIGHTS: Mapping[str, int] = _DATA.performance_weights

# shared/statistics.js, getLogNormalScore.
_INVERSE_ERFC_ONE_FIFTH = _DATA.statistics["INVERSE_ERFC_ONE_FIFTH"]
_MIN_PASSING_SCORE = _DATA.statistics["MIN_PASSING_SCORE"]
_MAX_AVERAGE_SCORE = _DATA.statistics["MAX_AVERAGE_SCORE"]
_MIN_AVERAGE_SCORE = _DATA.statistics["MIN_AVERAGE_SCORE"]
_MAX_FAILING_SCORE = _DATA.statistics["MAX_FAILING_SCORE"]


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
    """shared/statistics.js getLogNormalScore: the share of sites slower than *value*.

    *p10*, *median* and *value* share one unit (ms, or none for CLS); returns 0-1.
    """
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
    """shared/util.js computeLogNormalScore: the curve, a small boost above 0.9, floored to 2 digits.

    *name* is a key of :data:`CONTROL_POINTS` (e.g. "lcp_ms"), *form_factor*
    "desktop" or "mobile"; returns 0-1. KeyError for another name.
    """
    p10, median = CONTROL_POINTS[form_factor][name]
    percentile = log_normal_score(p10, median, value)
    if percentile > 0.9:
        percentile += 0.05 * (percentile - 0.9)
    return math.floor(percentile * 100) / 100


def performance_score(values: Mapping[str, float | None], form_factor: str) -> float | None:
    """Weighted mean of the metric scores (core/scoring.js arithmeticMean), as 0-100.

    *values*: metric name -> value (ms, or unitless CLS), None when not
    measured. Returns None when a weighted metric we measure is missing: Lighthouse
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
