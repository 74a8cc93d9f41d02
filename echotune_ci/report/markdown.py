"""The PR comment and the job summary, rendered from result files.

GitHub rejects comment bodies over 65,536 characters, so the comment is
rendered at decreasing levels of detail until it fits, and cut at a line
boundary with a note and a link to the full report as a last resort.
"""

from __future__ import annotations

from typing import Any

from .. import __version__
from ..compare import Comparison
from ..gate import GateOutcome
from ..results import Metric, PhaseResult, worst_status
from .base import GITHUB_COMMENT_LIMIT
from .render import render, severity_counts

COMMENT_MARKER = "<!-- echotune-ci:report -->"
# Detail levels tried in order until the comment fits.
DETAIL_LEVELS = ("full", "compact", "minimal")
FINDINGS_SHOWN = {"full": 50, "compact": 15, "minimal": 0}


def _budgeted(results: list[PhaseResult]) -> list[tuple[PhaseResult, Metric]]:
    """Metrics with a budget or a base value, failing ones first."""
    rank = {"error": 0, "fail": 1, "warn": 2, "pass": 3}
    budgeted = [(r, m) for r in results for m in r.metrics if m.budget is not None or m.baseline is not None]
    return sorted(budgeted, key=lambda rm: rank.get(rm[1].status, 3))


def _tool_versions(results: list[PhaseResult]) -> dict[str, str]:
    tools: dict[str, str] = {}
    for r in results:
        tools.update(r.tool_versions)
    tools.pop("echotune-ci", None)  # the footer names our own version first
    return tools


def _context(
    results: list[PhaseResult],
    outcome: GateOutcome | None,
    comparisons: list[Comparison] | None,
    details_url: str,
    title: str,
    detail: str,
) -> dict[str, Any]:
    comps = comparisons if comparisons is not None else (outcome.comparisons if outcome else [])
    failing = [c for c in outcome.checks if c.status in ("fail", "error")] if outcome else []
    status = outcome.status if outcome else worst_status(r.status for r in results)
    budgeted = _budgeted(results)
    tools = _tool_versions(results)
    return {
        "budgeted": budgeted,
        "tool_versions": tools,
        "results": results,
        "outcome": outcome,
        "status": status,
        "failing": failing,
        "comparisons": [c for c in comps if c.verdict in ("regressed", "improved")],
        "has_baseline": any(m.baseline is not None for r in results for m in r.metrics),
        "severity_counts": severity_counts(results),
        "details_url": details_url,
        "title": title,
        "detail": detail,
        "findings_shown": FINDINGS_SHOWN[detail],
        "version": __version__,
    }


def render_comment(
    results: list[PhaseResult],
    *,
    outcome: GateOutcome | None = None,
    comparisons: list[Comparison] | None = None,
    details_url: str = "",
    title: str = "EchoTune CI",
    max_chars: int = GITHUB_COMMENT_LIMIT,
) -> str:
    """The sticky PR comment (starts with COMMENT_MARKER), never over max_chars."""
    body = ""
    for detail in DETAIL_LEVELS:
        body = render(
            "comment.md.j2", marker=COMMENT_MARKER, summary=False,
            **_context(results, outcome, comparisons, details_url, title, detail),
        )
        if len(body) <= max_chars:
            return body
    return truncate(body, max_chars, details_url)


def render_summary(
    results: list[PhaseResult],
    *,
    outcome: GateOutcome | None = None,
    comparisons: list[Comparison] | None = None,
    details_url: str = "",
    title: str = "EchoTune CI",
) -> str:
    """The job summary: the same report without the marker, with all details."""
    return render(
        "comment.md.j2", marker="", summary=True,
        **_context(results, outcome, comparisons, details_url, title, "full")
    )


def truncate(body: str, max_chars: int, details_url: str = "") -> str:
    """Cut *body* at a line boundary to fit *max_chars* with a note linking *details_url*; open <details> are
    closed."""
    note = render("truncated.md.j2", details_url=details_url, total=len(body))
    keep = max_chars - len(note) - 1
    if keep <= 0:
        return note[:max_chars]
    cut = body.rfind("\n", 0, keep)
    head = body[: cut if cut > 0 else keep]
    # An unclosed <details> would swallow the note.
    opened = head.count("<details>") - head.count("</details>")
    closing = "\n</details>" * max(opened, 0)
    if len(head) + len(closing) + 1 + len(note) > max_chars:
        head = head[: max_chars - len(closing) - len(note) - 1]
    return head + closing + "\n" + note
