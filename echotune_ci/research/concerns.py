"""What the project's gates complain about, phrased for research questions.

Failing or warning metrics and notable findings of phase results become
:class:`Concern` objects; each belongs to the research area that should
address it (:func:`area_of`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..results import Finding, Metric, PhaseResult, severity_at_least


@dataclass
class Concern:
    """A failing or regressed gate, phrased for a question.

    ``area`` is a research area (backend, frontend, security, performance,
    accessibility); ``kind`` is "metric" or "finding"; ``status`` the
    metric's status or the finding's severity.
    """

    area: str
    phase: str
    kind: str
    subject: str
    detail: str
    status: str


def area_of(phase: str, name: str, tool: str = "") -> str:
    """The research area of a metric or rule *name* of *phase* (reported by *tool*)."""
    text = f"{name} {tool}".lower()
    if phase == "security":
        return "security"
    if "access" in text or "axe" in text or "a11y" in text:
        return "accessibility"
    if phase == "bundle":
        return "frontend"
    if phase in ("frontend", "load"):
        return "performance"
    return "backend"


def concerns_from_results(results: Iterable[PhaseResult], min_severity: str = "medium") -> list[Concern]:
    """Failing, warning or erroring metrics and findings of at least *min_severity*, in result order.

    Results of research and propose themselves are skipped.
    """
    out: list[Concern] = []
    for r in results:
        if r.phase in ("research", "propose"):
            continue
        out.extend(_metric_concern(r.phase, m) for m in r.metrics if m.status in ("fail", "warn", "error"))
        out.extend(_finding_concern(r.phase, f) for f in r.findings
                   if severity_at_least(f.severity, min_severity))
    return out


def _metric_concern(phase: str, m: Metric) -> Concern:
    # As the report shows them: 35.1 KiB, not 35977 bytes.
    from ..results.units import fmt_number

    regressed = m.baseline is not None and m.value is not None and (
        m.value > m.baseline if m.better == "lower" else m.value < m.baseline)
    detail = fmt_number(m.value, m.unit)
    if m.budget is not None:
        detail += f" (budget {'<=' if m.better == 'lower' else '>='} {fmt_number(m.budget, m.unit)})"
    if regressed:
        detail += f", was {fmt_number(m.baseline, m.unit)} on the base branch"
    subject = m.name + (f" [{m.scope}]" if m.labels else "")
    return Concern(area_of(phase, m.name), phase, "metric", subject, detail, m.status)


def _finding_concern(phase: str, f: Finding) -> Concern:
    where = f" in {f.location.path}" if f.location else ""
    return Concern(area_of(phase, f.rule_id, f.source_tool), phase, "finding", f.rule_id,
                   f"{f.severity}: {f.message}{where}"[:300], f.severity)
