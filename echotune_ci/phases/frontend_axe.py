"""axe-core in the page: Lighthouse's rule selection, violations as Findings.

axe-core itself ships in the axe-playwright-python package (axe.min.js); we
inject that file and call ``axe.run`` with the options Lighthouse uses
(core/gather/gatherers/accessibility.js), adjusted by [frontend.accessibility].
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..results import Finding, Location
from .frontend_a11y_score import WEIGHTS, accessibility_score

SOURCE_TOOL = "axe-core"
IMPACT_SEVERITY = {"minor": "low", "moderate": "medium", "serious": "high", "critical": "critical"}
MAX_SELECTORS = 20

# Lighthouse's axe.run options: WCAG 2 A/AA plus these rule switches.
LIGHTHOUSE_TAGS = ["wcag2a", "wcag2aa"]
LIGHTHOUSE_RULES: dict[str, bool] = {
    "accesskeys": True, "area-alt": False, "aria-allowed-role": True, "aria-braille-equivalent": False,
    "aria-conditional-attr": False, "aria-deprecated-role": False, "aria-dialog-name": True,
    "aria-prohibited-attr": False, "aria-roledescription": False, "aria-treeitem-name": True, "aria-text": True,
    "audio-caption": False, "blink": False, "duplicate-id": False, "empty-heading": True,
    "frame-focusable-content": False, "frame-title-unique": False, "heading-order": True,
    "html-xml-lang-mismatch": True, "identical-links-same-purpose": True, "image-redundant-alt": True,
    "input-button-name": True, "label-content-name-mismatch": True, "landmark-one-main": True,
    "link-in-text-block": True, "marquee": False, "meta-viewport": True, "nested-interactive": False,
    "no-autoplay-audio": False, "role-img-alt": False, "scrollable-region-focusable": False, "select-name": True,
    "server-side-image-map": False, "skip-link": True, "svg-img-alt": False, "tabindex": True,
    "table-duplicate-name": True, "table-fake-caption": True, "td-has-header": True,
}

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


@dataclass
class AxeSettings:
    rules_include: list[str] = field(default_factory=list)
    rules_exclude: list[str] = field(default_factory=list)
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)

    @classmethod
    def from_section(cls, section: dict[str, Any]) -> "AxeSettings":
        return cls(**{k: list(section.get(k, [])) for k in ("rules_include", "rules_exclude", "include", "exclude")})

    def context(self) -> dict[str, Any] | None:
        if not self.include and not self.exclude:
            return None
        ctx: dict[str, Any] = {}
        if self.include:
            ctx["include"] = [[s] for s in self.include]
        if self.exclude:
            ctx["exclude"] = [[s] for s in self.exclude]
        return ctx

    def options(self) -> dict[str, Any]:
        opts: dict[str, Any] = {"resultTypes": ["violations", "inapplicable"]}
        if self.rules_include:
            opts["runOnly"] = {"type": "rule", "values": list(self.rules_include)}
            rules = {}
        else:
            opts["runOnly"] = {"type": "tag", "values": list(LIGHTHOUSE_TAGS)}
            rules = {rule: {"enabled": on} for rule, on in LIGHTHOUSE_RULES.items()}
        for rule in self.rules_exclude:
            rules[rule] = {"enabled": False}
        if rules:
            opts["rules"] = rules
        return opts

    def excluded_from_score(self, weighted: list[str]) -> set[str]:
        """Rules the user kept out: they count neither as passes nor as failures."""
        out = set(self.rules_exclude)
        if self.rules_include:
            out |= {r for r in weighted if r not in self.rules_include}
        return out


@dataclass
class AxeOutcome:
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


def run_axe(page: Any, settings: AxeSettings) -> AxeOutcome:
    script, _ = axe_source()
    page.evaluate(script)
    raw = page.evaluate(_RUN, [settings.context(), settings.options()])
    errored = [r["id"] for r in raw["incomplete"] if r.get("error")]
    score = accessibility_score(
        (v["id"] for v in raw["violations"]),
        raw["inapplicable"],
        errored=errored,
        excluded=settings.excluded_from_score(list(WEIGHTS)),
    )
    return AxeOutcome(raw["version"], raw["violations"], raw["inapplicable"], errored, score)


def violation_findings(url: str, outcome: AxeOutcome) -> list[Finding]:
    """One finding per violated rule and page, naming the failing elements."""
    findings = []
    for v in outcome.violations:
        selectors = [" ".join(str(t) for t in node["target"]) for node in v["nodes"]]
        shown = ", ".join(selectors[:3]) + (f" and {len(selectors) - 3} more" if len(selectors) > 3 else "")
        impact = v.get("impact") or "moderate"
        findings.append(
            Finding(
                rule_id=v["id"],
                severity=IMPACT_SEVERITY.get(impact, "medium"),
                message=f"{v['help']} ({len(selectors)} element{'s' if len(selectors) != 1 else ''}: {shown})",
                source_tool=SOURCE_TOOL,
                location=Location(path=url),
                help_url=v.get("helpUrl"),
                context=f"{v['id']} {' | '.join(sorted(selectors))}",
                properties={
                    "impact": impact,
                    "selectors": selectors[:MAX_SELECTORS],
                    "elements": len(selectors),
                    "html": [node.get("html", "")[:200] for node in v["nodes"][:3]],
                    "failure_summary": (v["nodes"][0].get("failureSummary") or "")[:500] if v["nodes"] else "",
                    "tags": v.get("tags", []),
                    "url": url,
                },
            )
        )
    return findings
