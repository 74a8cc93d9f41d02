"""The documents propose writes: commit messages, pull request bodies and patch prompts.

They are templates (templates/propose/), rendered through the environment
the reports share (its ``md``, ``code`` and ``icon`` filters), imported only
when a document is rendered. Text that comes from research answers or result
files is made inert here before it reaches a template.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ..research.providers import safe_url
from .fixers import Change

_MENTION = re.compile(r"@(?=[A-Za-z0-9])")
_REF = re.compile(r"#(?=\d)")


def render(template: str, **context: Any) -> str:
    """Render *template* (a path under templates/, e.g. "propose/pr_body.md.j2") with *context*."""
    from ..report.render import environment

    return environment().get_template(template).render(**context)


def commit_message(change: Change) -> str:
    """The commit message of *change*: its title and one line per item."""
    return render("propose/commit.txt.j2", change=change)


def quote_untrusted(text: str, limit: int = 1500) -> str:
    """Research text as an inert markdown quote: no HTML, mentions or issue links; at most *limit* chars."""
    text = text.strip()
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0] + " …"
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _REF.sub("#\u200b", _MENTION.sub("@\u200b", text))
    return "\n".join("> " + line if line.strip() else ">" for line in text.splitlines())


def pr_body(change: Change, *, files: Sequence[str], gates: Sequence[dict[str, Any]],
            tests: dict[str, str] | None, base: str, max_bytes: int) -> str:
    """The pull request body of an accepted *change*.

    *files* are the paths it touches, *gates* the before/after rows of the
    re-run phases, *tests* the test command and its status (None when none is
    configured), *base* the target branch, *max_bytes* the patch size limit.
    """
    return render(
        "propose/pr_body.md.j2",
        change=change,
        findings=_findings_for_body(change),
        files=files,
        lines_changed=sum(1 for line in change.diff.splitlines()
                          if line[:1] in "+-" and line[:3] not in ("+++", "---")),
        rationale=quote_untrusted(change.rationale) if change.rationale else "",
        citations=_safe_citations(change.citations),
        gates=gates,
        tests=tests,
        base=base,
        size=len(change.diff.encode()),
        max_bytes=max_bytes,
    )


def _safe_citations(citations: list[dict[str, str]]) -> list[dict[str, str]]:
    out, seen = [], set()
    for c in citations:
        url = safe_url(str(c.get("url", "")))
        if url and url not in seen:
            seen.add(url)
            out.append({"url": url, "title": " ".join(str(c.get("title", "")).split())[:200],
                        "date": str(c.get("date", ""))[:40]})
    return out


def _findings_for_body(change: Change) -> list[dict[str, str]]:
    """Finding text comes from result files: shortened, and links only when they are http(s)."""
    out = []
    for f in change.findings[:20]:
        message = f.message if len(f.message) <= 240 else f.message[:240].rsplit(" ", 1)[0] + " …"
        out.append({"severity": f.severity, "rule_id": f.rule_id, "message": message,
                    "help_url": safe_url(f.help_url or "") or ""})
    return out
