"""Lighthouse's accessibility score from axe-core outcomes.

Lighthouse turns each weighted axe rule into a pass/fail audit (axe-audit.js):
a rule axe reports inapplicable is left out, a rule with a violation scores 0,
any other rule scores 1 (incomplete results and rules axe did not run
included). The category score is the weighted mean, as 0-100. Weights are
those Lighthouse 12.8.2 applies (core/config/default-config.js, derived from
axe impact: critical 10, serious 7, moderate 3, minor 1), checked against a
real Lighthouse run by bench/frontend_vs_lighthouse.py: weight-0 audits and
"informative" ones (bypass, duplicate-id-aria, form-field-multiple-labels,
th-has-data-cells, video-caption), which never count, are omitted. The table
lives in echotune_ci/data/lighthouse-12.8.2.json (checked against Lighthouse
by scripts/check_lighthouse_data.py). See docs/frontend.md.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from ...data.lighthouse import lighthouse

#: axe rule id -> weight: core/config/default-config.js, categories.accessibility.auditRefs
#: (Lighthouse 12.8.2, from echotune_ci/data/lighthouse-12.8.2.json).
WEIGHTS: Mapping[str, int] = lighthouse().accessibility_weights


def accessibility_score(
    violations: Iterable[str],
    inapplicable: Iterable[str],
    *,
    errored: Iterable[str] = (),
    excluded: Iterable[str] = (),
) -> float:
    """0-100 from the ids of violated and inapplicable rules (axe rule ids).

    *errored* rules (axe threw) and *excluded* ones (left out by the user's
    rule selection) do not count either way.
    """
    failed = set(violations)
    skip = set(inapplicable) | set(errored) | set(excluded)
    total = weight_sum = 0.0
    for rule, weight in WEIGHTS.items():
        if rule in skip:
            continue
        weight_sum += weight
        total += 0 if rule in failed else weight
    if weight_sum == 0:
        return 100.0
    category = math.floor(total / weight_sum * 100 + 0.5) / 100
    return float(math.floor(category * 100 + 0.5))
