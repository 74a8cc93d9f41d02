"""One JSON document with every result, the gate outcome and comparisons."""

from __future__ import annotations

from typing import Any

from .. import __version__
from ..gate import GateOutcome
from ..results import SCHEMA_VERSION, PhaseResult, now_iso


def report_dict(results: list[PhaseResult], outcome: GateOutcome | None = None) -> dict[str, Any]:
    """Every result, the gate outcome and the comparisons as one JSON-ready dict (report.json)."""
    return {
        "generator": f"echotune-ci {__version__}",
        "schema_version": SCHEMA_VERSION,
        "generated_at": now_iso(),
        "status": outcome.status if outcome else None,
        "gate": outcome.to_dict() if outcome else None,
        "results": [r.to_dict() for r in results],
    }
