"""Finding fingerprints that survive unrelated edits and count repeats.

The hash covers the tool, the rule, the file and the finding's context (the
offending line, header or package), never its line number; the ``:n`` suffix
counts identical findings in file order, so one baseline entry never hides a
second copy of the same finding.
"""

from __future__ import annotations

import hashlib
import re

from .model import Finding

_WS = re.compile(r"\s+")


def fingerprint_base(f: Finding) -> str:
    """20 hex digits of SHA-256 over tool, rule, path and whitespace-normalised context."""
    path = f.location.path if f.location else ""
    context = _WS.sub(" ", f.context or f.message).strip()
    raw = "\x1f".join((f.source_tool, f.rule_id, path, context))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:20]


def assign_fingerprints(findings: list[Finding]) -> list[Finding]:
    """Set each finding's ``fingerprint`` to ``<hash>:<n>`` (in place); returns *findings*."""
    def order(i: int) -> tuple[str, int, int]:
        loc = findings[i].location
        return (loc.path if loc else "", (loc.line or 0) if loc else 0, i)

    seen: dict[str, int] = {}
    for i in sorted(range(len(findings)), key=order):
        base = fingerprint_base(findings[i])
        seen[base] = seen.get(base, 0) + 1
        findings[i].fingerprint = f"{base}:{seen[base]}"
    return findings
