"""SARIF 2.1.0 for every finding of every phase, ready for GitHub code scanning.

One run, driver ``echotune-ci``; each finding's tool is named in the rule's
properties. GitHub shows only results with a file location, so a finding
without one (a header or auth probe, a package in the environment) points at
``fallback_uri`` (the config file by default) and keeps its URL or endpoint
as a logical location. ``partialFingerprints`` carries our line-independent
fingerprint, so alerts survive moved code just like baselines do. Only what
phases put in findings is written: secrets arrive masked. Every string is
cleaned of control characters and bidi overrides, and ``helpUri`` is kept only
for http(s) URLs (:mod:`~echotune_ci.report.escape`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .. import __version__
from ..results import Finding, PhaseResult
from .base import repository_path
from .render import sort_findings
from .escape import clean_tree, safe_url

if TYPE_CHECKING:
    from ..gate import GateOutcome

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
INFORMATION_URI = "https://github.com/echotune/echotune-ci"

# Code scanning rejects a whole log whose run holds more results than this ("Analysis SARIF file rejected
# due to result limits"; docs.github.com, SARIF results exceed hard limit): the most severe are kept.
MAX_RESULTS = 25_000
LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
# GitHub ranks alerts by "security-severity": critical > 9.0, high 7.0-8.9,
# medium 4.0-6.9, low 0.1-3.9.
SECURITY_SEVERITY = {"critical": 9.5, "high": 8.0, "medium": 5.5, "low": 2.0, "info": 0.0}
SECURITY_TOOLS = {"bandit", "pip-audit", "lockfile-audit", "npm-audit", "njsscan", "secrets", "http-headers",
                  "auth-probe"}


def _artifact(path: str) -> dict[str, str]:
    """Repo-relative paths resolve against %SRCROOT%; others become file:// URIs."""
    p = path.replace("\\", "/")
    if p.startswith("/"):
        return {"uri": "file://" + quote(p, safe="/:@-._~")}
    return {"uri": quote(p[2:] if p.startswith("./") else p, safe="/:@-._~"), "uriBaseId": "%SRCROOT%"}


def _rule_id(f: Finding, clashing: set[str]) -> str:
    return f"{f.source_tool}/{f.rule_id}" if f.rule_id in clashing else f.rule_id


def _first_line(text: str) -> str:
    return text.split(". ")[0].split("\n")[0][:200]


def _rule(rule_id: str, f: Finding, phase: str) -> dict[str, Any]:
    security = ["security"] if f.source_tool in SECURITY_TOOLS or phase == "security" else []
    cwe = f.properties.get("cwe")
    # GitHub code scanning shows "external/cwe/cwe-N" tags as the weakness of the alert.
    weakness = [f"external/cwe/cwe-{cwe}"] if isinstance(cwe, int) and not isinstance(cwe, bool) else []
    tags = list(dict.fromkeys([*security, phase, f.source_tool, *weakness]))  # SARIF wants unique tags
    score = f.properties.get("cvss_score")
    rule: dict[str, Any] = {
        "id": rule_id,
        "name": rule_id.replace("/", "_").replace(".", "_").replace("-", "_"),
        # a finding may say what its rule is about (its message names one instance)
        "shortDescription": {"text": _first_line(str(f.properties.get("rule_description") or f.message))},
        "defaultConfiguration": {"level": LEVEL[f.severity]},
        "properties": {
            "tags": tags,
            "security-severity":
                f"{float(score) if isinstance(score, (int, float)) else SECURITY_SEVERITY[f.severity]:.1f}",
            "precision": "high" if f.properties.get("confidence") in (None, "high") else "medium",
        },
    }
    help_url = safe_url(f.help_url) if f.help_url else ""
    if help_url:  # only http(s): code scanning shows it as a link
        rule["helpUri"] = help_url
        rule["help"] = {"text": f"See {help_url}"}
    return rule


def _location(f: Finding, fallback_uri: str, source_root: str = "") -> dict[str, Any]:
    # A page's finding (location.path == its url property) has no file to point at.
    if f.location is not None and f.location.path and f.location.path != f.properties.get("url"):
        # %SRCROOT% is the repository's root: a project in a subfolder names its files from there
        where = repository_path(f.location.path, source_root)
        physical: dict[str, Any] = {"artifactLocation": _artifact(where)}
        if f.location.line:
            region: dict[str, Any] = {"startLine": int(f.location.line)}
            if f.location.column:
                region["startColumn"] = int(f.location.column)
            physical["region"] = region
        return {"physicalLocation": physical}
    loc: dict[str, Any] = {
        "physicalLocation": {"artifactLocation": _artifact(fallback_uri),
                             "region": {"startLine": 1}},
    }
    logical = f.properties.get("url") or f.properties.get("endpoint") or f.properties.get("package")
    if logical:
        loc["logicalLocations"] = [{"fullyQualifiedName": str(logical), "kind": "resource"}]
    return loc


def to_sarif(results: Iterable[PhaseResult], *, fallback_uri: str = "echotune.toml",
             outcome: GateOutcome | None = None, source_root: str = "") -> dict[str, Any]:
    """A SARIF 2.1.0 log (as a dict) with one result per finding of *results*. With the gate's *outcome*
    against a baseline, each finding of a phase that had a base result carries ``baselineState``
    (SARIF 2.1.0, section 3.27.24): "new", or "unchanged" for one the base had."""
    results = list(results)
    tools_by_rule: dict[str, set[str]] = {}
    for r in results:
        for f in r.findings:
            tools_by_rule.setdefault(f.rule_id, set()).add(f.source_tool)
    clashing = {rid for rid, tools in tools_by_rule.items() if len(tools) > 1}
    rules: dict[str, dict[str, Any]] = {}
    index: dict[str, int] = {}
    sarif_results = []
    every = [(r, f) for r in results for f in r.findings]
    if len(every) > MAX_RESULTS:
        kept = {id(f) for f in sort_findings(f for _, f in every)[:MAX_RESULTS]}
        every = [(r, f) for r, f in every if id(f) in kept]
    left_out = sum(len(r.findings) for r in results) - len(every)
    for r, f in every:
        rid = _rule_id(f, clashing)
        if rid not in rules:
            index[rid] = len(rules)
            rules[rid] = _rule(rid, f, r.phase)
        entry: dict[str, Any] = {
            "ruleId": rid,
            "ruleIndex": index[rid],
            "level": LEVEL[f.severity],
            "message": {"text": f.message},
            "locations": [_location(f, fallback_uri, source_root)],
            "properties": {"severity": f.severity, "phase": r.phase, "tool": f.source_tool},
        }
        if f.fingerprint:
            entry["partialFingerprints"] = {"echotuneFingerprint/v1": f.fingerprint}
        new = outcome.is_new(r.phase, f) if outcome is not None else None
        if new is not None:
            entry["baselineState"] = "new" if new else "unchanged"
        sarif_results.append(entry)
    versions = {k: v for r in results for k, v in r.tool_versions.items()}
    notifications = [{"level": "error", "message": {"text": f"{r.phase}: {e}"}}
                     for r in results for e in r.errors]
    if left_out:
        notifications.append({"level": "warning", "message": {"text": (
            f"{left_out:,} more findings are in the results, left out here: code scanning takes at most "
            f"{MAX_RESULTS:,} results per run (the most severe are kept)")}})
    invocations = [{
        "executionSuccessful": not any(r.errors for r in results),
        "toolExecutionNotifications": notifications,
    }]
    # Every string (keys too) without control characters or bidi overrides: code scanning shows them.
    return clean_tree({
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [{
            "tool": {"driver": {
                "name": "echotune-ci",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": list(rules.values()),
                "properties": {"toolVersions": versions},
            }},
            "automationDetails": {"id": "echotune-ci/" + "+".join(sorted({r.phase for r in results})) + "/"},
            "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "The repository root."}}},
            "invocations": invocations,
            "results": sarif_results,
            "columnKind": "unicodeCodePoints",
        }],
    })
