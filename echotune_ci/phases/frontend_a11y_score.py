"""Lighthouse's accessibility score from axe-core outcomes.

Lighthouse turns each weighted axe rule into a pass/fail audit (axe-audit.js):
a rule axe reports inapplicable is left out, a rule with a violation scores 0,
any other rule scores 1 (incomplete results and rules axe did not run
included). The category score is the weighted mean, as 0-100. Weights are
those Lighthouse 12.8.2 applies (core/config/default-config.js, derived from
axe impact: critical 10, serious 7, moderate 3, minor 1), checked against a
real Lighthouse run by bench/frontend_vs_lighthouse.py: weight-0 audits and
"informative" ones (bypass, duplicate-id-aria, form-field-multiple-labels,
th-has-data-cells, video-caption), which never count, are omitted. See
docs/frontend.md.
"""

from __future__ import annotations

import math
from typing import Iterable

WEIGHTS: dict[str, int] = {
    "accesskeys": 7,
    "aria-allowed-attr": 10,
    "aria-allowed-role": 1,
    "aria-command-name": 7,
    "aria-conditional-attr": 7,
    "aria-deprecated-role": 1,
    "aria-dialog-name": 7,
    "aria-hidden-body": 10,
    "aria-hidden-focus": 7,
    "aria-input-field-name": 7,
    "aria-meter-name": 7,
    "aria-progressbar-name": 7,
    "aria-prohibited-attr": 7,
    "aria-required-attr": 10,
    "aria-required-children": 10,
    "aria-required-parent": 10,
    "aria-roles": 7,
    "aria-text": 7,
    "aria-toggle-field-name": 7,
    "aria-tooltip-name": 7,
    "aria-treeitem-name": 7,
    "aria-valid-attr-value": 10,
    "aria-valid-attr": 10,
    "button-name": 10,
    "color-contrast": 7,
    "definition-list": 7,
    "dlitem": 7,
    "document-title": 7,
    "frame-title": 7,
    "heading-order": 3,
    "html-has-lang": 7,
    "html-lang-valid": 7,
    "html-xml-lang-mismatch": 3,
    "image-alt": 10,
    "image-redundant-alt": 1,
    "input-button-name": 10,
    "input-image-alt": 10,
    "label": 7,
    "link-in-text-block": 7,
    "link-name": 7,
    "list": 7,
    "listitem": 7,
    "meta-refresh": 10,
    "meta-viewport": 10,
    "object-alt": 7,
    "select-name": 7,
    "skip-link": 3,
    "table-duplicate-name": 1,
    "tabindex": 7,
    "target-size": 7,
    "td-headers-attr": 7,
    "valid-lang": 7,
}


def accessibility_score(
    violations: Iterable[str],
    inapplicable: Iterable[str],
    *,
    errored: Iterable[str] = (),
    excluded: Iterable[str] = (),
) -> float:
    """0-100 from the ids of violated and inapplicable rules.

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
