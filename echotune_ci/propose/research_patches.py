"""Research-driven patches: ask the provider for a diff that fixes one finding.

The prompt carries the finding and an excerpt of the file it points at. The
answer is untrusted: only a unified diff is taken from it, and that diff goes
through every check in :mod:`echotune_ci.propose.validate` before anything is
committed: the checks of its text, then the path policy on the paths ``git
apply`` really touched in a throw-away worktree (which is what decides).
"""

from __future__ import annotations

import re
from typing import Any

from ..research.cache import AnswerCache, cache_key
from ..research.concerns import area_of
from ..research.prompts import system_prompt
from ..research.providers import ChatClient, ProviderError, clean_citations
from ..research.settings import ResearchSettings
from ..results import Finding, severity_at_least, severity_rank
from .documents import render
from .fixers import Change, Checkout
from .settings import ProposeSettings
from .validate import extract_diff


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "finding"


def candidates(findings: list[Finding], checkout: Checkout, min_severity: str,
               limit: int) -> list[tuple[Finding, str]]:
    """Up to *limit* findings of at least *min_severity* with a file inside the repository (and that
    repository-relative path), worst first; pin findings are left to the pin fixer."""
    out = []
    for f in sorted(findings, key=lambda f: -severity_rank(f.severity)):
        if not f.location or not severity_at_least(f.severity, min_severity):
            continue
        if "requirements_file" in f.properties:
            continue
        rel = checkout.repo_path(f.location.path)
        if rel is None or not (checkout.path / rel).is_file():
            continue
        out.append((f, rel))
    return out[:limit]


def excerpt(checkout: Checkout, path: str, finding: Finding, context: int) -> dict[str, Any]:
    """The lines of *path* within *context* lines of the finding: ``{path, line, start, end, excerpt}``
    (1-based, inclusive); the finding must have a location."""
    lines = (checkout.path / path).read_text(encoding="utf-8", errors="replace").splitlines()
    line = finding.location.line if finding.location else None
    start = max(1, (line or 1) - context)
    end = min(len(lines), (line or 1) + context)
    return {"path": path, "line": line, "start": start, "end": end,
            "excerpt": "\n".join(lines[start - 1:end])}


def brief_advice(brief: dict[str, Any] | None, area: str) -> tuple[str, list[dict[str, str]]]:
    """The research brief's answer about *area* (at most 2000 characters) and its citations; ("", [])."""
    for q in (brief or {}).get("questions", []):
        if q.get("area") == area and q.get("answer"):
            return str(q["answer"])[:2000], list(q.get("citations") or [])
    return "", []


def ask_for_patches(findings: list[tuple[Finding, str]], checkout: Checkout, propose: ProposeSettings,
                    research: ResearchSettings, api_key: str | None, cache: AnswerCache,
                    brief: dict[str, Any] | None) -> list[Change]:
    """One change per (finding, path): the answer's diff, or rejected with the reason.

    *research* settings are resolved; answers are cached like research's.
    """
    system = system_prompt()
    with ChatClient(research, api_key) as client:
        return [_ask_for_patch(f, path, checkout, propose, research, client, cache, brief, system)
                for f, path in findings]


def _ask_for_patch(f: Finding, path: str, checkout: Checkout, propose: ProposeSettings,
                   research: ResearchSettings, client: ChatClient, cache: AnswerCache,
                   brief: dict[str, Any] | None, system: str) -> Change:
    area = area_of("security" if f.source_tool in ("bandit", "pip-audit") else "", f.rule_id, f.source_tool)
    advice, brief_citations = brief_advice(brief, area)
    ctx = excerpt(checkout, path, f, propose.context_lines)
    prompt = render("propose/patch_prompt.md.j2", finding=f, advice=advice, **ctx).strip()
    topic = f"fix-{_slug(f.rule_id)}-{f.fingerprint[:8] or 'x'}"
    change = Change(topic, f"Fix {f.rule_id} in {ctx['path']}", "research", area=area, findings=[f],
                    citations=brief_citations)
    key = cache_key(research.cache_identity, system, prompt)
    hit = cache.get(key)
    try:
        answer = hit[0] if hit else clean_citations(client.ask(system, prompt))
    except ProviderError as exc:
        change.status, change.reason = "rejected", f"no answer from the research provider: {exc}"
        return change
    if not hit:
        cache.put(key, answer, identity=research.cache_identity)
    change.citations = [c.to_dict() for c in answer.citations] + brief_citations
    diff = extract_diff(answer.content)
    if diff is None:
        change.status, change.reason = "rejected", "the answer is not a unified diff"
    else:
        change.diff = diff
        change.rationale = answer.content.split("```")[-1].strip()[:1500]
        change.items.append({"file": ctx["path"], "finding": f"{f.rule_id} ({f.severity})"})
    return change
