"""Security checks: one module per check, one registry.

Each check implements :class:`~echotune_ci.phases.security.checks.base.SecurityCheck`;
:data:`CHECKS` maps its name (as used in ``[security] checks`` and
``--only``) to ``"module:attribute"`` so that listing checks imports none.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .base import SecurityCheck

CHECKS: dict[str, str] = {
    "bandit": "echotune_ci.phases.security.checks.bandit:CHECK",
    "audit": "echotune_ci.phases.security.checks.audit:CHECK",
    "secrets": "echotune_ci.phases.security.checks.secrets:CHECK",
    "node": "echotune_ci.phases.security.checks.node:CHECK",
    "http": "echotune_ci.phases.security.checks.http:CHECK",
}

CHECK_NAMES: tuple[str, ...] = tuple(CHECKS)


def get_check(name: str) -> SecurityCheck:
    """The check called *name* (imports its module); KeyError for an unknown name."""
    module, _, attribute = CHECKS[name].partition(":")
    check: SecurityCheck = getattr(importlib.import_module(module), attribute)
    return check
