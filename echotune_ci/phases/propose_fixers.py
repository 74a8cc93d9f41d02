"""Fixers: changes computed from findings without asking anybody.

The pin fixer reads pip-audit findings of the security phase (properties
package, version, fixed_versions, requirements_file) and raises ``pkg==old``
in that requirements file to the first fixed version above ``old``. When one
package has several advisories, the highest of their first fixes wins, so
that one change closes them all.
"""

from __future__ import annotations

import difflib
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..results import Finding
from .research_stack import normalise_name


@dataclass
class Change:
    """One proposal: a topic (the branch), a diff and why."""

    topic: str
    title: str
    source: str  # fixer or research
    diff: str = ""
    area: str = "security"
    items: list[dict[str, str]] = field(default_factory=list)  # what changed, one row each
    findings: list[Finding] = field(default_factory=list)
    citations: list[dict[str, str]] = field(default_factory=list)
    rationale: str = ""  # untrusted research text, shown quoted, never executed
    status: str = "pending"  # accepted, rejected
    reason: str = ""


def _version_key(text: str) -> Any:
    from packaging.version import InvalidVersion, Version

    try:
        return (1, Version(text))
    except InvalidVersion:
        return (0, text)


def first_fixed(current: str, fixed_versions: list[str]) -> str | None:
    """The lowest fixed version above *current* (pip-audit lists fixes per release line)."""
    above = [v for v in fixed_versions if _version_key(v) > _version_key(current)]
    return min(above, key=_version_key) if above else None


def _pin_line(name: str, version: str) -> re.Pattern[str]:
    parts = [re.escape(p) for p in re.split(r"[-_.]+", name)]
    pattern = r"[-_.]+".join(parts)
    return re.compile(rf"^(\s*{pattern}\s*(?:\[[^\]]*\])?\s*==\s*){re.escape(version)}(?=\s*(?:[;#]|$))",
                      re.IGNORECASE | re.MULTILINE)


def unified_diff(path: str, before: str, after: str) -> str:
    lines = difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                 fromfile=f"a/{path}", tofile=f"b/{path}")
    # git apply needs the marker for a last line without a newline.
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


@dataclass
class Checkout:
    """Where files are read (a worktree at the base commit) and how finding paths map into it.

    Finding paths are relative to the project folder (``prefix`` inside the
    repository) or absolute paths in the user's checkout (``git_root``).
    """

    path: Path
    git_root: Path
    prefix: str = ""

    def repo_path(self, raw: str) -> str | None:
        """The repository-relative path of a finding's file, or None when it is outside."""
        p = Path(raw)
        if p.is_absolute():
            try:
                rel = p.resolve().relative_to(self.git_root.resolve()).as_posix()
            except ValueError:
                return None
        else:
            rel = posixpath.join(self.prefix, p.as_posix()) if self.prefix else p.as_posix()
        rel = posixpath.normpath(rel)
        return None if rel == ".." or rel.startswith(("../", "/")) or rel == "." else rel


def pin_fixes(findings: list[Finding], checkout: Checkout, topic: str) -> tuple[Change | None, list[Change]]:
    """One change raising every vulnerable pin, and the findings that could not be fixed (as rejected)."""
    targets: dict[tuple[str, str], dict[str, Any]] = {}  # (file, package) -> plan
    skipped: list[Change] = []
    for f in findings:
        props = f.properties
        if not {"package", "version", "fixed_versions", "requirements_file"} <= set(props):
            continue
        label = f"{props['package']} {props['version']} ({f.rule_id})"
        fixed = first_fixed(str(props["version"]), [str(v) for v in props.get("fixed_versions") or []])
        rel = checkout.repo_path(str(props["requirements_file"]))
        if rel is None:
            skipped.append(Change(topic, label, "fixer", status="rejected", findings=[f],
                                  reason=f"requirements file {props['requirements_file']!r} is outside the repository"))
            continue
        if fixed is None:
            skipped.append(Change(topic, label, "fixer", status="rejected", findings=[f],
                                  reason="no fixed version is known yet"))
            continue
        key = (rel, normalise_name(str(props["package"])))
        plan = targets.setdefault(key, {"package": str(props["package"]), "version": str(props["version"]),
                                        "to": fixed, "findings": []})
        if _version_key(fixed) > _version_key(plan["to"]):
            plan["to"] = fixed
        plan["findings"].append(f)

    by_file: dict[str, list[dict[str, Any]]] = {}
    for (rel, _), plan in targets.items():
        by_file.setdefault(rel, []).append(plan)
    change = Change(topic, "", "fixer")
    diffs = []
    for rel, plans in sorted(by_file.items()):
        try:
            before = (checkout.path / rel).read_text(encoding="utf-8")
        except OSError:
            for plan in plans:
                skipped.append(Change(topic, f"{plan['package']} {plan['version']}", "fixer", status="rejected",
                                      findings=plan["findings"], reason=f"{rel} cannot be read"))
            continue
        after = before
        for plan in plans:
            pattern = _pin_line(plan["package"], plan["version"])
            if not pattern.search(after):
                skipped.append(Change(topic, f"{plan['package']} {plan['version']}", "fixer", status="rejected",
                                      findings=plan["findings"],
                                      reason=f"no pin '{plan['package']}=={plan['version']}' in {rel}"))
                continue
            after = pattern.sub(lambda m, to=plan["to"]: m.group(1) + to, after)
            change.findings.extend(plan["findings"])
            change.items.append({"file": rel, "package": plan["package"], "from": plan["version"], "to": plan["to"],
                                 "advisories": ", ".join(sorted({x.rule_id for x in plan["findings"]}))})
        if after != before:
            diffs.append(unified_diff(rel, before, after))
    if not diffs:
        return None, skipped
    change.diff = "".join(diffs)
    names = ", ".join(f"{i['package']} {i['to']}" for i in change.items[:3])
    more = f" and {len(change.items) - 3} more" if len(change.items) > 3 else ""
    change.title = f"Raise vulnerable pins: {names}{more}"
    return change, skipped
