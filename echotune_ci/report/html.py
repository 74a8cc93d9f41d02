"""A self-contained HTML report, with screenshots and other artifacts linked.

It lives in ``<results>/report/index.html``; artifact paths in results are
relative to the results folder, hence the ``../`` prefix.
"""

from __future__ import annotations

import jinja2

from .. import __version__
from ..gate import GateOutcome
from ..results import PhaseResult, now_iso
from .layout import Places, collect_warnings
from .render import comparison_map, report_environment


def render_html(results: list[PhaseResult], outcome: GateOutcome | None = None, *,
                title: str = "EchoTune CI", roots: tuple[str, ...] | None = None) -> str:
    """The HTML report of *results*: every value HTML-escaped with control characters and bidi overrides
    removed; links and images only http(s) or relative (``url`` and ``artifact_href`` filters of
    :func:`~echotune_ci.report.render.report_environment`). The Warnings of the PR comment, all of
    them, come first; places are shown relative to the app and *roots* (:class:`~.layout.Places`)."""
    env = report_environment("html")
    failing = [c for c in outcome.checks if c.status in ("fail", "error")] if outcome else []
    status = outcome.status if outcome else "pass"
    places = Places.of(results, roots, outcome.base_targets if outcome else ())
    template: jinja2.Template = env.get_template("report.html.j2")
    return template.render(results=results, failing=failing, status=status, title=title, version=__version__,
                           generated_at=now_iso(), places=places,
                           compared=comparison_map(outcome.comparisons if outcome else None),
                           warnings=collect_warnings(results, places), outcome=outcome)
