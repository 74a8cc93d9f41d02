"""A self-contained HTML report, with screenshots and other artifacts linked.

It lives in ``<results>/report/index.html``; artifact paths in results are
relative to the results folder, hence the ``../`` prefix.
"""

from __future__ import annotations

import posixpath

import jinja2

from .. import __version__
from ..gate import GateOutcome
from ..results import PhaseResult, now_iso
from .render import environment

_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".gif", ".svg")


def _href(path: str) -> str:
    if "://" in path or path.startswith("/"):
        return path if "://" in path else "file://" + path
    return posixpath.join("..", path)


def _is_image(path: str) -> bool:
    return str(path).lower().endswith(_IMAGE_SUFFIXES)


def render_html(results: list[PhaseResult], outcome: GateOutcome | None = None, *,
                title: str = "EchoTune CI") -> str:
    """The HTML report of *results* (every value escaped; only http(s) and relative links)."""
    env = environment(autoescape=True)
    env.filters.update(artifact_href=_href, basename=posixpath.basename)
    env.tests["match_image"] = _is_image
    failing = [c for c in outcome.checks if c.status in ("fail", "error")] if outcome else []
    status = outcome.status if outcome else "pass"
    template: jinja2.Template = env.get_template("report.html.j2")
    return template.render(results=results, failing=failing, status=status, title=title, version=__version__,
                           generated_at=now_iso())
