"""Jinja2 environment and the small formatting filters every template shares.

Renderers only format what phases measured; they never measure.
"""

from __future__ import annotations

import functools
import posixpath
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import jinja2
import markupsafe
from markupsafe import Markup

from ..compare import Comparison, signed_pct
from ..gate import GateOutcome
from ..results import SEVERITIES, Metric, PhaseResult, severity_rank, within_budget
from ..results.units import fmt_budget, fmt_bytes, fmt_metric, fmt_number

STATUS_ICON = {"pass": "✅", "warn": "⚠️", "fail": "❌", "error": "💥"}
STATUS_WORD = {"pass": "pass", "warn": "warn", "fail": "FAIL", "error": "ERROR"}


def md_escape(text: Any) -> str:
    """Make untrusted text inert in GitHub markdown (one line; see :func:`.escape.md_text`)."""
    from .escape import md_text

    return md_text(text)


def md_code(text: Any) -> str:
    """Inline code that survives backticks inside the text (see :func:`.escape.md_code`)."""
    from .escape import md_code as code

    return str(code(text))


def fmt_delta(m: Metric, comparison: Comparison | None = None) -> str:
    """The change against the base for a table's Δ cell; "" without a baseline.

    With the gate's *comparison* of the metric the cell shows its estimate
    (for sampled metrics the Hodges-Lehmann shift of all samples, not the
    first pass's difference) and an arrow only for its verdict: "+12 % 🔺"
    regressed, "−8 % 🔽" improved, "+3 % (n.s.)" no significant change,
    "+156 % (held back)" a metric outside ``[gate] regression`` whose own
    test is significant but that its phase tests only once the gated
    metrics all regress (:meth:`~echotune_ci.compare.Comparison.held_back`),
    "+6 % (not tested)" a count that gets no verdict (compare's method
    "count": files scanned, requests sent), "+1.7 % (within 5 %)" a single
    value on each side whose change stayed within its limit (compare's
    method "threshold": a bundle's bytes, a score), "+20 % (below the
    minimum effect)" one beyond its limit that moved less than its unit's
    floor (:attr:`~echotune_ci.compare.Comparison.below_floor`). Without one it is the plain
    difference in percent of the base, with no arrow, since a single
    difference says nothing about noise. A figure of its own run alone
    (``compared`` false: the api phase's response times) says "not
    compared", where an empty cell beside the other rows' changes read as
    a base that was not measured.
    """
    if not m.compared:
        return "not compared"
    if comparison is not None and comparison.effect_text():
        text = comparison.effect_text()
        if text == "0 %":
            return text
        if comparison.method == "count":
            return text + " (not tested)"
        if comparison.held_back:
            # "(n.s.)" read as "no change" beside a page's Speed Index +156 %, every head load slower
            return text + " (held back)"
        if comparison.below_floor:
            # Beyond its limit in percent, and no change only for the unit's floor: "+20 % (within 5 %)"
            return f"{text} (below the minimum effect)"
        if comparison.method == "threshold" and comparison.verdict == "no significant change" \
                and comparison.limit_pct is not None:
            # One value a side (a bundle's bytes, a score) is no sample: its change is exact, and what made
            # it no regression is its limit, where "+1.7 % (n.s.)" read as a test of noise.
            return f"{text} (within {comparison.limit_pct:g} %)"
        arrow = {"regressed": " 🔺", "improved": " 🔽", "no significant change": " (n.s.)"}
        return text + arrow.get(comparison.verdict, "")
    if m.baseline is None or m.value is None:
        return ""
    diff = m.value - m.baseline
    if diff == 0:  # "+0 findings" beside a base of 0, where equal values elsewhere read "0 %"
        return "0 %"
    if m.baseline == 0:
        return f"{'+' if diff >= 0 else ''}{fmt_number(diff, m.unit)}"
    return signed_pct(diff / abs(m.baseline) * 100)


def fmt_limit(m: Metric, comparison: Comparison | None = None) -> str:
    """The Budget cell of a metric with no budget of its own that the gate holds to a change against the
    base, without samples (the bundle's gzip total against its growth budget: ``[gate] regression``):
    "Δ ≤ +5 %" ("Δ ≥ −5 %" where higher is better); "" otherwise. A failed bundle's row read "+8.9 % 🔺"
    beside an empty Budget, and its limit was nowhere in the comment."""
    if m.budget is not None or comparison is None or not comparison.gated or comparison.method != "threshold":
        return ""
    if comparison.limit_pct is None:
        return ""
    return f"Δ ≤ +{comparison.limit_pct:g} %" if m.better == "lower" else f"Δ ≥ −{comparison.limit_pct:g} %"


def comparison_map(comparisons: Iterable[Comparison] | None) -> dict[tuple[str, str], Comparison]:
    """The gate's comparisons by (phase, metric key), for the ``delta`` filter of report tables."""
    return {(c.phase, c.key): c for c in comparisons or ()}


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


def _budget_met(m: Any) -> bool:
    """Whether a metric that did not pass still holds its budget: it failed (or warns) for another reason,
    a regression against the base, which the row must not read as a broken budget."""
    held = m.budget is not None and m.value is not None and within_budget(m.value, m.budget, m.better)
    return m.status in ("fail", "warn") and held


def _common_filters(env: jinja2.Environment) -> None:
    env.filters.update(
        num=fmt_number,
        bytes=fmt_bytes,
        metric=fmt_metric,
        budget=fmt_budget,
        budget_met=_budget_met,
        delta=fmt_delta,
        limit=fmt_limit,
        icon=lambda s: STATUS_ICON.get(s, s),
        word=lambda s: STATUS_WORD.get(s, s),
        sort_findings=sort_findings,
        where=finding_where,
    )
    env.globals.update(STATUS_ICON=STATUS_ICON)


@functools.lru_cache(maxsize=2)
def environment(autoescape: bool = False) -> jinja2.Environment:
    """The plain environment for generated files (echotune.toml, workflows, commit messages, prompts):
    nothing is escaped unless a template asks (``| md``, ``| code``). Reports use
    :func:`report_environment`."""
    env = jinja2.Environment(  # nosec B701 - TOML/YAML/text, not HTML; reports use report_environment
        loader=jinja2.PackageLoader("echotune_ci.templates", ""),
        autoescape=autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    _common_filters(env)
    from . import escape

    env.filters.update(md=md_escape, code=md_code, md_link=escape.md_link, md_image=escape.md_image,
                       url=escape.html_url)
    return env


REPORT_KINDS = ("markdown", "html", "text")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".gif", ".svg")


class _ReportTemplate(jinja2.Template):
    """A template whose output has no line the Actions runner would run as a workflow command
    (reports are printed to CI logs: ``report --format html``, ``history show``, ``gate``)."""

    def render(self, *args: Any, **kwargs: Any) -> str:
        """The rendered text with workflow-command lines neutralised (:func:`.escape.neutralise_commands`)."""
        from .escape import neutralise_commands

        return neutralise_commands(super().render(*args, **kwargs))


def _finalizer(escape_text: Callable[[Any], str]) -> Callable[[Any], Any]:
    def finalize(value: Any) -> Any:
        # Markup comes only from our filters and macros, which escaped what they wrap.
        if hasattr(value, "__html__"):
            return value
        return Markup(escape_text(value))

    return finalize


@functools.lru_cache(maxsize=len(REPORT_KINDS))
def report_environment(kind: str) -> jinja2.Environment:
    """The environment of one report kind, where every ``{{ value }}`` is escaped for that kind.

    *kind* is ``markdown`` (comment, job summary, check-run summary,
    frontend.md: :func:`.escape.md_text`), ``html`` (HTML escaping with
    control characters removed; ``url`` and ``artifact_href`` check link
    schemes) or ``text`` (terminal, annotations, check titles:
    :func:`.escape.term_text`). Autoescaping is on in all three, so macros
    return markup and a value is escaped exactly once: ``finalize`` escapes it
    for the kind and marks it safe; filters that build markup (``code``,
    ``md_link``, ``md_image``, ``md``) return Markup. ValueError for another
    kind.
    """
    from . import escape

    if kind not in REPORT_KINDS:
        raise ValueError(f"unknown report kind {kind!r} (expected one of {', '.join(REPORT_KINDS)})")
    finalize = {
        "markdown": escape.md_text,
        "html": lambda v: str(markupsafe.escape(escape.clean_text(v, keep_newlines=True))),
        "text": escape.term_text,
    }[kind]
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("echotune_ci.templates", ""),
        autoescape=True,
        finalize=_finalizer(finalize),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.template_class = _ReportTemplate
    _common_filters(env)
    env.filters.update(
        md=lambda s: Markup(escape.md_text(s)),
        in_html=escape.md_in_html,
        code=escape.md_code,
        md_link=escape.md_link,
        md_image=escape.md_image,
        url=escape.html_url,
        artifact_href=escape.artifact_href,
        basename=lambda p: posixpath.basename(str(p)),
    )
    env.tests["match_image"] = lambda p: str(p).lower().endswith(IMAGE_SUFFIXES)
    env.tests["startingwith"] = lambda text, prefix: str(text).startswith(prefix)
    env.tests["new_in"] = lambda finding, outcome, phase: bool(outcome.is_new(phase, finding))
    return env


def template_kind(template: str) -> str:
    """The report kind of a template from its name: ``*.md.j2`` markdown, ``*.html.j2`` html, else text."""
    if template.endswith(".md.j2"):
        return "markdown"
    if template.endswith(".html.j2"):
        return "html"
    return "text"


def render(template: str, **context: Any) -> str:
    """Render report template *template* (templates/) with *context*, every value escaped for the
    template's kind (:func:`template_kind`); no line of the result can run as a workflow command.
    StrictUndefined catches a missing value."""
    return report_environment(template_kind(template)).get_template(template).render(**context)


def render_text(results: list[PhaseResult], comparisons: Iterable[Comparison] | None = None,
                outcome: GateOutcome | None = None) -> str:
    """The short terminal table printed by phase commands and ``run``; *comparisons* (the gate's) give the
    "vs base" change its estimate and verdict (:func:`fmt_delta`), and *outcome* (with a base) which
    findings are new since the base: counted, listed first and marked "· new". An error a phase shares
    with an earlier one is printed once (:func:`repeated_errors`)."""
    return render("text.txt.j2", results=results, compared=comparison_map(comparisons),
                  errors=repeated_errors(results), outcome=outcome)


def repeated_errors(results: Sequence[PhaseResult]) -> list[list[str]]:
    """Each result's ``errors`` as the terminal prints them: an error an earlier result already gave
    (the app did not start, so four phases could not run) becomes "the same as <phase>'s, above", since
    such a reason runs to several hundred characters (an app's last words, the variable to set)."""
    first: dict[str, str] = {}
    shown: list[list[str]] = []
    for r in results:
        mine = []
        for e in r.errors:
            earlier = first.setdefault(e, r.phase)
            mine.append(f"the same as {earlier}'s, above" if earlier != r.phase else e)
        shown.append(mine)
    return shown
