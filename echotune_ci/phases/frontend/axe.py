"""axe-core in the page: Lighthouse's rule selection, violations as Findings.

axe-core itself ships in the axe-playwright-python package (axe.min.js); we
inject that file into the top document, as Lighthouse does, and call
``axe.run`` with the options Lighthouse uses (core/gather/gatherers/accessibility.js:
tags, rule switches and resultTypes, from the data file; see
:mod:`echotune_ci.data.lighthouse`), adjusted by [frontend.accessibility].
The axe-core version can differ from the one that Lighthouse release ran
(the data file records it; the result's tool versions name ours).

An element's place is axe's target path: one entry per document (the top
one, then each iframe's), each entry a CSS selector or, inside shadow DOM, a
list of selectors from the outermost shadow host down. :func:`target_selector`
renders it as one readable chain.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ...data.lighthouse import lighthouse
from ...results import Finding, Location
from ...results.units import first_named
from .accessibility import WEIGHTS, accessibility_score
from .settings import AccessibilitySettings

SOURCE_TOOL = "axe-core"
IMPACT_SEVERITY = {"minor": "low", "moderate": "medium", "serious": "high", "critical": "critical"}
MAX_SELECTORS = 20

# Lighthouse's axe.run options (core/gather/gatherers/accessibility.js of the release the data file names):
# WCAG 2 A/AA plus rule switches, with EchoTune's recorded deviations (none in a written file).
LIGHTHOUSE_TAGS: tuple[str, ...] = lighthouse().axe_tags
LIGHTHOUSE_RULES: Mapping[str, bool] = lighthouse().applied_axe_rules()
LIGHTHOUSE_RESULT_TYPES: tuple[str, ...] = lighthouse().axe_result_types

#: Joins the selectors of one shadow path (host, then the element in its shadow root): the deep
#: combinator of Puppeteer and Chrome DevTools. FRAME_SEPARATOR joins documents (iframe, then inside it).
SHADOW_SEPARATOR = " >>> "
FRAME_SEPARATOR = " >> (frame) "

_RUN = """async ([context, options]) => {
  const results = await window.axe.run(context || document, options);
  window.scrollTo(0, 0);
  const slim = (r) => ({id: r.id, impact: r.impact || null, help: r.help, helpUrl: r.helpUrl, tags: r.tags,
    error: r.error ? String(r.error.message || r.error) : null,
    nodes: (r.nodes || []).map(n => ({target: n.target, html: n.html, failureSummary: n.failureSummary}))});
  return {version: results.testEngine.version, violations: results.violations.map(slim),
          incomplete: results.incomplete.map(slim), inapplicable: results.inapplicable.map(r => r.id),
          passes: results.passes.map(r => r.id)};
}"""


def axe_context(settings: AccessibilitySettings) -> dict[str, Any] | None:
    """The ``context`` argument of ``axe.run``: the elements to include/exclude, None for the whole page."""
    if not settings.include and not settings.exclude:
        return None
    ctx: dict[str, Any] = {}
    if settings.include:
        ctx["include"] = [[s] for s in settings.include]
    if settings.exclude:
        ctx["exclude"] = [[s] for s in settings.exclude]
    return ctx


def axe_options(settings: AccessibilitySettings) -> dict[str, Any]:
    """The ``options`` argument of ``axe.run``: Lighthouse's selection, or only ``rules_include``,
    less ``rules_exclude``."""
    opts: dict[str, Any] = {"resultTypes": list(LIGHTHOUSE_RESULT_TYPES)}
    rules: dict[str, dict[str, bool]]
    if settings.rules_include:
        opts["runOnly"] = {"type": "rule", "values": list(settings.rules_include)}
        rules = {}
    else:
        opts["runOnly"] = {"type": "tag", "values": list(LIGHTHOUSE_TAGS)}
        rules = {rule: {"enabled": on} for rule, on in LIGHTHOUSE_RULES.items()}
    for rule in settings.rules_exclude:
        rules[rule] = {"enabled": False}
    if rules:
        opts["rules"] = rules
    return opts


def excluded_from_score(settings: AccessibilitySettings, weighted: Iterable[str]) -> set[str]:
    """Rules the user kept out: they count neither as passes nor as failures."""
    out = set(settings.rules_exclude)
    if settings.rules_include:
        out |= {r for r in weighted if r not in settings.rules_include}
    return out


@dataclass
class AxeOutcome:
    """What one axe run found: the axe-core version, violations (axe's result
    objects, slimmed), inapplicable and errored rule ids, and the 0-100 score."""

    version: str
    violations: list[dict[str, Any]]
    inapplicable: list[str]
    errored: list[str]
    score: float


def axe_source() -> tuple[str, str]:
    """(script, version) of the axe-core build shipped by axe-playwright-python."""
    from axe_playwright_python.base import AXE_SCRIPT

    m = re.search(r"axe v(\d+\.\d+\.\d+)", AXE_SCRIPT[:200])
    return AXE_SCRIPT, m.group(1) if m else "unknown"


def run_axe(page: Any, settings: AccessibilitySettings) -> AxeOutcome:
    """Inject axe-core into the Playwright *page* and run it; Playwright errors propagate."""
    script, _ = axe_source()
    page.evaluate(script)
    raw = page.evaluate(_RUN, [axe_context(settings), axe_options(settings)])
    errored = [r["id"] for r in raw["incomplete"] if r.get("error")]
    score = accessibility_score(
        (v["id"] for v in raw["violations"]),
        raw["inapplicable"],
        errored=errored,
        excluded=excluded_from_score(settings, WEIGHTS),
    )
    return AxeOutcome(raw["version"], raw["violations"], raw["inapplicable"], errored, score)


def target_selector(target: Any) -> str:
    """axe's target path of one element as one readable selector chain.

    *target* is axe's ``node.target``: a list with one entry per document
    (top document first, then each iframe's); an entry is a CSS selector, or
    inside shadow DOM a list of selectors (shadow host first). Examples:
    ``["#main img"]`` -> ``#main img``; ``[["fancy-card", "button"]]`` ->
    ``fancy-card >>> button``; ``["#pay", "input"]`` -> ``#pay >> (frame) input``.
    """
    if isinstance(target, str):
        return target
    return FRAME_SEPARATOR.join(
        SHADOW_SEPARATOR.join(str(part) for part in entry) if isinstance(entry, list) else str(entry)
        for entry in target
    )


def violation_findings(url: str, outcome: AxeOutcome) -> list[Finding]:
    """One finding per violated rule and page, naming the failing elements.

    ``properties.selectors`` holds the readable chains (:func:`target_selector`),
    ``properties.targets`` axe's own target paths (JSON lists), both up to
    MAX_SELECTORS.
    """
    findings = []
    for v in outcome.violations:
        selectors = [target_selector(node["target"]) for node in v["nodes"]]
        shown = first_named(selectors)
        impact = v.get("impact") or "moderate"
        plural = "s" if len(selectors) != 1 else ""
        summary = (v["nodes"][0].get("failureSummary") or "")[:500] if v["nodes"] else ""
        findings.append(
            Finding(
                rule_id=v["id"],
                severity=IMPACT_SEVERITY.get(impact, "medium"),
                message=f"{v['help']} ({len(selectors)} element{plural}: {shown})",
                source_tool=SOURCE_TOOL,
                location=Location(path=url),
                help_url=v.get("helpUrl"),
                context=f"{v['id']} {' | '.join(sorted(selectors))}",
                properties={
                    "impact": impact,
                    "selectors": selectors[:MAX_SELECTORS],
                    "targets": [node["target"] for node in v["nodes"][:MAX_SELECTORS]],
                    "elements": len(selectors),
                    "html": [node.get("html", "")[:200] for node in v["nodes"][:3]],
                    "failure_summary": summary,
                    "tags": v.get("tags", []),
                    "url": url,
                },
            )
        )
    return findings
