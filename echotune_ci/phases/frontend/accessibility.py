"""Lighthouse's accessibility score from axe-core outcomes.

Lighthouse turns each weighted axe rule into a pass/fail audit
(core/audits/accessibility/axe-audit.js): a rule axe reports inapplicable is
not applicable and left out; a rule with a violation scores 0; any other rule
scores 1 (incomplete results and rules axe did not run included). The
category score is the weighted mean (core/scoring.js), as 0-100. Weights are
those of the Lighthouse release the data file names (13.5.0:
core/config/default-config.js, derived from axe impact: critical 10, serious
7, moderate 3, minor 1); weight-0 audits and "informative" ones (bypass,
duplicate-id-aria, form-field-multiple-labels, th-has-data-cells,
video-caption, ...), which never count, are omitted. The table lives in
echotune_ci/data/lighthouse-<version>.json (checked against and written from
Lighthouse by scripts/check_lighthouse_data.py); tests compare with scores a
real Lighthouse gave (tests/fixtures/a11y-pages/). See docs/frontend.md.

One difference: when axe throws on a weighted rule, Lighthouse reports that
audit as an error and gives no category score at all; we leave the rule out
and say so in a note.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from ...data.lighthouse import lighthouse

#: axe rule id -> weight: core/config/default-config.js, categories.accessibility.auditRefs
#: (of the Lighthouse release echotune_ci/data/lighthouse-<version>.json names).
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
