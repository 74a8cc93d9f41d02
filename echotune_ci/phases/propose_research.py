"""Research-driven patches: ask the provider for a diff that fixes one finding.

The prompt carries the finding and an excerpt of the file it points at. The
answer is untrusted: only a unified diff is taken from it, and that diff goes
through every check in ``propose_validate`` before anything is applied.
"""

from __future__ import annotations

import re
from typing import Any

from ..results import Finding, severity_at_least
from .propose_fixers import Change, Checkout
from .propose_validate import extract_diff
from .research_cache import AnswerCache, cache_key
from .research_providers import ChatClient, ProviderError, ProviderSettings, clean_citations


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "finding"


def candidates(findings: list[Finding], checkout: Checkout, min_severity: str,
               limit: int) -> list[tuple[Finding, str]]:
    """Findings with a file inside the repository (and that path), worst first."""
    from ..results import severity_rank

    out = []
    for f in sorted(findings, key=lambda f: -severity_rank(f.severity)):
        if not f.location or not severity_at_least(f.severity, min_severity):
            continue
        if "requirements_file" in f.properties:
            continue  # the pin fixer handles these
        rel = checkout.repo_path(f.location.path)
        if rel is None or not (checkout.path / rel).is_file():
            continue
        out.append((f, rel))
    return out[:limit]


def excerpt(checkout: Checkout, path: str, finding: Finding, context: int) -> dict[str, Any]:
    lines = (checkout.path / path).read_text(encoding="utf-8", errors="replace").splitlines()
    line = finding.location.line or 1  # type: ignore[union-attr]
    start = max(1, line - context)
    end = min(len(lines), line + context)
    return {"path": path, "line": finding.location.line, "start": start, "end": end,  # type: ignore[union-attr]
            "excerpt": "\n".join(lines[start - 1:end])}


def brief_advice(brief: dict[str, Any] | None, area: str) -> tuple[str, list[dict[str, str]]]:
    for q in (brief or {}).get("questions", []):
        if q.get("area") == area and q.get("answer"):
            return str(q["answer"])[:2000], list(q.get("citations") or [])
    return "", []


def ask_for_patches(findings: list[tuple[Finding, str]], checkout: Checkout, section: dict[str, Any], settings: ProviderSettings,
                    api_key: str | None, cache: AnswerCache, brief: dict[str, Any] | None) -> list[Change]:
    from ..report.render import render
    from .research_stack import _area_of

    changes = []
    system = render("research/system.md.j2").strip()
    with ChatClient(settings, api_key) as client:
        for f, path in findings:
            area = _area_of("security" if f.source_tool in ("bandit", "pip-audit") else "", f.rule_id, f.source_tool)
            advice, brief_citations = brief_advice(brief, area)
            ctx = excerpt(checkout, path, f, section["context_lines"])
            prompt = render("propose/patch_prompt.md.j2", finding=f, advice=advice, **ctx).strip()
            topic = f"fix-{_slug(f.rule_id)}-{f.fingerprint[:8] or 'x'}"
            change = Change(topic, f"Fix {f.rule_id} in {ctx['path']}", "research", area=area, findings=[f],
                            citations=brief_citations)
            key = cache_key(settings.cache_identity, system, prompt)
            hit = cache.get(key)
            try:
                answer = hit[0] if hit else clean_citations(client.ask(system, prompt))
            except ProviderError as exc:
                change.status, change.reason = "rejected", f"no answer from the research provider: {exc}"
                changes.append(change)
                continue
            if not hit:
                cache.put(key, answer, identity=settings.cache_identity)
            change.citations = [c.to_dict() for c in answer.citations] + brief_citations
            diff = extract_diff(answer.content)
            if diff is None:
                change.status, change.reason = "rejected", "the answer is not a unified diff"
            else:
                change.diff = diff
                change.rationale = answer.content.split("```")[-1].strip()[:1500]
                change.items.append({"file": ctx["path"], "finding": f"{f.rule_id} ({f.severity})"})
            changes.append(change)
    return changes
