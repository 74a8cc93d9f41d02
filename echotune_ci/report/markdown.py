"""The PR comment and the job summary, rendered from result files.

GitHub rejects comment bodies over 65,536 characters, so the comment is
rendered at decreasing levels of detail until it fits, and cut at a line
boundary with a note and a link to the full report as a last resort.
"""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup

from .. import __version__
from ..compare import Comparison
from ..gate import GateOutcome, failed_gates
from ..results import Finding, Metric, PhaseResult, worst_status
from .base import GITHUB_COMMENT_LIMIT
from .layout import FindingRow, Places, collect_warnings, finding_rows
from .render import comparison_map, render, severity_counts
from .untrusted import UNTRUSTED_NOTE

COMMENT_MARKER = "<!-- echotune-ci:report -->"
# Detail levels tried in order until the comment fits.
DETAIL_LEVELS = ("full", "compact", "minimal")
FINDINGS_SHOWN = {"full": 50, "compact": 15, "minimal": 0}
# Lines of the comment's Warnings section (every detail level); the job summary lists them all.
WARNINGS_SHOWN = 8
# A note longer than this is cut in the comment (an audit's list of 190 package names is not a note).
NOTE_CHARS = 300


def _budgeted(results: list[PhaseResult]) -> list[tuple[PhaseResult, Metric]]:
    """Metrics with a budget or a base value, failing ones first."""
    rank = {"error": 0, "fail": 1, "warn": 2, "pass": 3}
    budgeted = [(r, m) for r in results for m in r.metrics if m.budget is not None or m.baseline is not None]
    return sorted(budgeted, key=lambda rm: rank.get(rm[1].status, 3))


def _file_only_one_has(c: Comparison) -> bool:
    """A bundle file one build has and the other lacks: a row of "Against the base branch" (a chunk a
    pull request added was in no table of a Next.js run's comment, only in its totals)."""
    return c.phase == "bundle" and c.verdict in ("new", "removed") and "file" in (c.labels or {})


def _tool_versions(results: list[PhaseResult]) -> dict[str, str]:
    tools: dict[str, str] = {}
    for r in results:
        tools.update(r.tool_versions)
    tools.pop("echotune-ci", None)  # the footer names our own version first
    return tools


def _notes(results: list[PhaseResult], places: Places,
           warned: set[tuple[str, str]]) -> list[tuple[PhaseResult, list[str]]]:
    """Each phase with notes and its notes as shown: places relative, those that became a warning left
    out (a Warnings line says it already, whole: a note cut in the Warnings stays here)."""
    out = []
    for r in results:
        shown = (places.text(note) for note in r.notes)
        notes = [n for n in shown if (r.phase, " ".join(n.split())) not in warned]
        if notes:
            out.append((r, notes))
    return out


def _phase_rows(result: PhaseResult, places: Places,
                outcome: GateOutcome | None) -> tuple[PhaseResult, list[FindingRow], int | None]:
    """A phase's findings table: the result, its rows and how many of its findings are new since the
    baseline (None when the phase was compared with nothing)."""
    if outcome is None or result.phase not in outcome.compared_phases:
        return result, finding_rows(result.findings, places), None

    def is_new(finding: Finding) -> bool | None:
        return outcome.is_new(result.phase, finding)

    return (result, finding_rows(result.findings, places, is_new),
            sum(1 for f in result.findings if is_new(f)))


def _context(
    results: list[PhaseResult],
    outcome: GateOutcome | None,
    comparisons: list[Comparison] | None,
    details_url: str,
    title: str,
    detail: str,
    untrusted: bool = False,
    roots: tuple[str, ...] | None = None,
    summary: bool = False,
) -> dict[str, Any]:
    comps = comparisons if comparisons is not None else (outcome.comparisons if outcome else [])
    failing = [c for c in outcome.checks if c.status in ("fail", "error")] if outcome else []
    status = outcome.status if outcome else worst_status(r.status for r in results)
    budgeted = _budgeted(results)
    tools = _tool_versions(results)
    places = Places.of(results, roots, outcome.base_targets if outcome else ())
    warnings = collect_warnings(results, places)
    return {
        "places": places,
        "warnings": warnings,
        "warnings_shown": len(warnings) if summary else _warning_lines(len(warnings)),
        "phase_notes": _notes(results, places, {(p, w.text) for w in warnings for p in w.phases}),
        "phase_rows": [_phase_rows(r, places, outcome) for r in results if r.findings],
        "note_chars": NOTE_CHARS if not summary else 1_000_000,
        "budgeted": budgeted,
        "tool_versions": tools,
        "results": results,
        "outcome": outcome,
        "status": status,
        "failing": failing,
        "failed_gates": len(failed_gates(failing)),
        "comparisons": [c for c in comps if c.verdict in ("regressed", "improved") or _file_only_one_has(c)],
        "compared": comparison_map(comps),
        "has_baseline": any(m.baseline is not None for r in results for m in r.metrics),
        "severity_counts": severity_counts(results),
        "details_url": details_url,
        "title": title,
        "detail": detail,
        "findings_shown": FINDINGS_SHOWN[detail],
        "version": __version__,
        "untrusted_note": UNTRUSTED_NOTE if untrusted else "",
    }


def _warning_lines(total: int) -> int:
    """How many warnings the comment lists: all up to WARNINGS_SHOWN, else one line less for "…and N
    more"."""
    return total if total <= WARNINGS_SHOWN else WARNINGS_SHOWN - 1


def render_comment(
    results: list[PhaseResult],
    *,
    outcome: GateOutcome | None = None,
    comparisons: list[Comparison] | None = None,
    details_url: str = "",
    title: str = "EchoTune CI",
    max_chars: int = GITHUB_COMMENT_LIMIT,
    untrusted: bool = False,
    roots: tuple[str, ...] | None = None,
) -> str:
    """The sticky PR comment (starts with COMMENT_MARKER), never over max_chars; *untrusted* says the
    results came from an untrusted run.

    Detail decreases (DETAIL_LEVELS) until it fits; the Warnings section is
    kept at every level, even when the last resort cuts the body. *roots* are
    the folders whose files are shown relative (default
    :func:`~echotune_ci.report.layout.local_roots`).
    """
    body = ""
    context: dict[str, Any] = {}
    for detail in DETAIL_LEVELS:
        context = _context(results, outcome, comparisons, details_url, title, detail, untrusted, roots)
        body = render("comment.md.j2", marker=Markup(COMMENT_MARKER), summary=False, **context)
        if len(body) <= max_chars:
            return body
    return truncate(body, max_chars, details_url, keep=render("comment_warnings.md.j2", **context))


def render_summary(
    results: list[PhaseResult],
    *,
    outcome: GateOutcome | None = None,
    comparisons: list[Comparison] | None = None,
    details_url: str = "",
    title: str = "EchoTune CI",
    untrusted: bool = False,
    roots: tuple[str, ...] | None = None,
) -> str:
    """The job summary: the same report without the marker, with all details and every warning."""
    return render(
        "comment.md.j2", marker="", summary=True,
        **_context(results, outcome, comparisons, details_url, title, "full", untrusted, roots, summary=True)
    )


def _cut_at_line(body: str, limit: int) -> str:
    cut = body.rfind("\n", 0, limit)
    return body[: cut if cut > 0 else limit]


_OPENS = re.compile(r"(?m)^<details[ >]")
_CLOSES = re.compile(r"(?m)^</details>")


def truncate(body: str, max_chars: int, details_url: str = "", keep: str = "") -> str:
    """Cut *body* at a line boundary to fit *max_chars* with a note linking *details_url*; open <details> are
    closed. *keep* (a block of *body*: the Warnings) stays whole: where it was when that is inside what
    is kept, else right under the heading; it is dropped only when it alone does not fit."""
    note = render("truncated.md.j2", details_url=details_url, total=len(body), limit=max_chars)
    block = keep if keep and keep.strip() and keep in body else ""
    if block and max_chars - len(note) - len(block) - 2 <= 0:
        block = ""
    pos = body.index(block) if block else 0
    rest = body[:pos] + body[pos + len(block):] if block else body
    room = max_chars - len(note) - 1 - (len(block) + 1 if block else 0)
    if room <= 0:
        return note[:max_chars]
    head = _cut_at_line(rest, room)
    # An unclosed <details> would swallow the note. Only the report's own tags count, at the start of a line
    # (`<details open>` too): a "<details>" in a label inside a code span is text.
    opened = len(_OPENS.findall(head)) - len(_CLOSES.findall(head))
    closing = "\n</details>" * max(opened, 0)
    if len(head) + len(closing) + 1 + len(note) + (len(block) + 1 if block else 0) > max_chars:
        head = head[: max_chars - len(closing) - len(note) - 1 - (len(block) + 1 if block else 0)]
    if block:
        at = pos if pos <= len(head) else _after_heading(head)
        head = head[:at] + ("" if at == pos else "\n") + block + head[at:]
    return head + closing + "\n" + note


def _after_heading(text: str) -> int:
    """Where the line after the comment's "## " heading starts (0 without one)."""
    start = text.find("## ")
    if start < 0:
        return 0
    end = text.find("\n", start)
    return len(text) if end < 0 else end + 1
