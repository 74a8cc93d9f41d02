"""Jinja2 environment and the small formatting filters every template shares.

Renderers only format what phases measured; they never measure.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any

import jinja2

from ..results import SEVERITIES, Metric, PhaseResult, severity_rank
from ..results.units import fmt_budget, fmt_bytes, fmt_metric, fmt_number

STATUS_ICON = {"pass": "✅", "warn": "⚠️", "fail": "❌", "error": "💥"}
STATUS_WORD = {"pass": "pass", "warn": "warn", "fail": "FAIL", "error": "ERROR"}

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~])")
_MENTION = re.compile(r"@(?=[A-Za-z0-9])")
_ISSUE_REF = re.compile(r"#(?=\d)")


def md_escape(text: Any) -> str:
    """Make untrusted text inert in GitHub markdown.

    Escapes markdown syntax and breaks @mentions and #123 references with a
    zero-width space (a backslash does not stop a mention on GitHub).
    """
    s = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = _MD_SPECIAL.sub(r"\\\1", s)
    s = _MENTION.sub("@\u200b", s)
    s = _ISSUE_REF.sub("#\u200b", s)
    return s.replace("\r", " ").replace("\n", " ")


def md_code(text: Any) -> str:
    """Inline code that survives backticks inside the text."""
    s = str(text).replace("\n", " ")
    fence = "``" if "`" in s else "`"
    return f"{fence} {s} {fence}" if fence == "``" else f"`{s}`"


def fmt_delta(m: Metric) -> str:
    ('The change against the baseline as "+12.3 %" with an arrow when worse or better; "" without a '
     'baseline.')
    if m.baseline is None or m.value is None:
        return ""
    diff = m.value - m.baseline
    if m.baseline == 0:
        return f"{'+' if diff >= 0 else ''}{fmt_number(diff, m.unit)}"
    pct = diff / abs(m.baseline) * 100
    worse = (diff > 0) if m.better == "lower" else (diff < 0)
    arrow = "" if abs(pct) < 0.05 else (" 🔺" if worse else " 🔽")
    return f"{pct:+.1f} %{arrow}"


def finding_where(f: Any) -> str:
    """A file and line, or for findings about a running app the page or endpoint."""
    if f.location is not None and f.location.path:
        return f"{f.location.path}:{f.location.line}" if f.location.line else f.location.path
    props = f.properties or {}
    return str(props.get("endpoint") or props.get("url") or props.get("package") or "")


def sort_findings(findings: Iterable[Any]) -> list[Any]:
    """Findings most severe first, then by rule and path."""
    return sorted(findings, key=lambda f: (-severity_rank(f.severity), f.rule_id,
                                           f.location.path if f.location else ""))


def severity_counts(results: Iterable[PhaseResult]) -> dict[str, int]:
    """Findings per severity over *results*, most severe first."""
    counts = {s: 0 for s in reversed(SEVERITIES)}
    for r in results:
        for f in r.findings:
            counts[f.severity] += 1
    return counts


@functools.lru_cache(maxsize=2)
def environment(autoescape: bool = False) -> jinja2.Environment:
    """The shared environment; ``autoescape=True`` for HTML templates."""
    # Markdown and text templates are not HTML: untrusted text in them goes
    # through the md/code filters instead of HTML autoescaping.
    env = jinja2.Environment(  # nosec B701
        loader=jinja2.PackageLoader("echotune_ci.templates", ""),
        autoescape=autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(
        md=md_escape,
        code=md_code,
        num=fmt_number,
        bytes=fmt_bytes,
        metric=fmt_metric,
        budget=fmt_budget,
        delta=fmt_delta,
        icon=lambda s: STATUS_ICON.get(s, s),
        word=lambda s: STATUS_WORD.get(s, s),
        sort_findings=sort_findings,
        where=finding_where,
    )
    env.globals.update(STATUS_ICON=STATUS_ICON)
    return env


def render(template: str, **context: Any) -> str:
    """Render template *template* (templates/) with *context*; StrictUndefined catches a missing value."""
    return environment().get_template(template).render(**context)


def render_text(results: list[PhaseResult]) -> str:
    """The short terminal table printed by phase commands and ``gate``."""
    return render("text.txt.j2", results=results)
