"""Every report format, in one mapping used by ``report`` and ``run``.

Adding a format: a renderer module, a render function here, one entry in
FORMATS. Renderer modules are imported only when their format renders.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from .base import ReportFormat, ReportInput


@dataclass(frozen=True)
class Format:
    """A :class:`~echotune_ci.report.base.ReportFormat` made of its properties and a render function."""

    name: str
    file_name: str | None
    step_summary: bool
    help: str
    renderer: Callable[[ReportInput], str]

    def render(self, report: ReportInput) -> str:
        """The text of the report."""
        return self.renderer(report)


def _markdown(report: ReportInput) -> str:
    from .markdown import render_comment

    return render_comment(report.outcome.results, outcome=report.outcome, details_url=report.details_url,
                          title=report.title, max_chars=report.max_chars, untrusted=report.untrusted)


def _summary(report: ReportInput) -> str:
    from .markdown import render_summary

    return render_summary(report.outcome.results, outcome=report.outcome, details_url=report.details_url,
                          title=report.title, untrusted=report.untrusted)


def _json(report: ReportInput) -> str:
    from .json_report import report_dict

    return json.dumps(report_dict(report.outcome.results, report.outcome), indent=2) + "\n"


def _annotations(report: ReportInput) -> str:
    from .annotations import annotations as workflow_commands

    per_level = min(report.max_annotations, 10)  # GitHub shows 10 per level and step
    lines = workflow_commands(report.outcome.results, report.outcome, per_level=per_level,
                              source_root=report.source_root)
    return "\n".join(lines) + "\n"


def _sarif(report: ReportInput) -> str:
    from .sarif import to_sarif

    log = to_sarif(report.outcome.results, outcome=report.outcome, source_root=report.source_root)
    return json.dumps(log, indent=2) + "\n"


def _html(report: ReportInput) -> str:
    from .html import render_html

    return render_html(report.outcome.results, report.outcome, title=report.title)


FORMATS: dict[str, ReportFormat] = {f.name: f for f in (
    Format("markdown", "comment.md", False, "the PR comment", _markdown),
    Format("summary", "summary.md", True, "the job summary (appended to $GITHUB_STEP_SUMMARY when set)",
           _summary),
    Format("json", "report.json", False, "everything in one document", _json),
    Format("annotations", None, False, "workflow commands", _annotations),
    Format("sarif", None, False, "findings for code scanning", _sarif),
    Format("html", "index.html", False, "a self-contained page with screenshots linked", _html),
)}
