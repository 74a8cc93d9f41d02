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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..results import Finding
from ..project.detect import normalise_name


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
    """A ``git apply``-able unified diff of file *path* (repository-relative) from *before* to *after*."""
    lines = difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                 fromfile=f"a/{path}", tofile=f"b/{path}")
    # git apply needs the marker for a last line without a newline.
    marker = "\n\\ No newline at end of file\n"
    return "".join(line if line.endswith("\n") else line + marker for line in lines)


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


@dataclass
class _Pin:
    """One vulnerable pin of one requirements file, and the version that closes all its advisories."""

    file: str
    package: str
    version: str
    to: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.package} {self.version}"


def pin_fixes(findings: list[Finding], checkout: Checkout, topic: str) -> tuple[Change | None, list[Change]]:
    """One change raising every vulnerable pin, and the findings that could not be fixed (as rejected).

    *findings* are pip-audit findings (others are ignored); files are read
    from ``checkout.path``. The change is None when no pin could be raised.
    """
    pins, skipped = _plan_pins(findings, checkout, topic)
    change = Change(topic, "", "fixer")
    diffs = []
    for rel, file_pins in sorted(_by_file(pins).items()):
        diff = _raise_pins(rel, file_pins, checkout, change, skipped)
        if diff:
            diffs.append(diff)
    if not diffs:
        return None, skipped
    change.diff = "".join(diffs)
    names = ", ".join(f"{i['package']} {i['to']}" for i in change.items[:3])
    more = f" and {len(change.items) - 3} more" if len(change.items) > 3 else ""
    change.title = f"Raise vulnerable pins: {names}{more}"
    return change, skipped


def _plan_pins(findings: list[Finding], checkout: Checkout, topic: str) -> tuple[list[_Pin], list[Change]]:
    """The pins to raise, one per (file, package), and the findings that cannot be fixed."""
    pins: dict[tuple[str, str], _Pin] = {}
    skipped: list[Change] = []
    for f in findings:
        props = f.properties
        if not {"package", "version", "fixed_versions", "requirements_file"} <= set(props):
            continue
        label = f"{props['package']} {props['version']} ({f.rule_id})"
        fixed = first_fixed(str(props["version"]), [str(v) for v in props.get("fixed_versions") or []])
        rel = checkout.repo_path(str(props["requirements_file"]))
        if rel is None:
            skipped.append(Change(topic, label, "fixer", status="rejected", findings=[f], reason=(
                f"requirements file {props['requirements_file']!r} is outside the repository")))
            continue
        if fixed is None:
            skipped.append(Change(topic, label, "fixer", status="rejected", findings=[f],
                                  reason="no fixed version is known yet"))
            continue
        key = (rel, normalise_name(str(props["package"])))
        pin = pins.setdefault(key, _Pin(rel, str(props["package"]), str(props["version"]), fixed))
        if _version_key(fixed) > _version_key(pin.to):
            pin.to = fixed
        pin.findings.append(f)
    return list(pins.values()), skipped


def _by_file(pins: list[_Pin]) -> dict[str, list[_Pin]]:
    by_file: dict[str, list[_Pin]] = {}
    for pin in pins:
        by_file.setdefault(pin.file, []).append(pin)
    return by_file


def _raised_to(version: str) -> Callable[[re.Match[str]], str]:
    """A ``re.sub`` replacement keeping the ``name ==`` part of a pin line and writing *version*."""
    return lambda m: m.group(1) + version


def _raise_pins(rel: str, pins: list[_Pin], checkout: Checkout, change: Change, skipped: list[Change]) -> str:
    """The diff raising *pins* in file *rel* ("" when none could be); adds to *change* and *skipped*."""
    topic = change.topic
    try:
        before = (checkout.path / rel).read_text(encoding="utf-8")
    except OSError:
        skipped.extend(Change(topic, pin.label, "fixer", status="rejected", findings=pin.findings,
                              reason=f"{rel} cannot be read") for pin in pins)
        return ""
    after = before
    for pin in pins:
        pattern = _pin_line(pin.package, pin.version)
        if not pattern.search(after):
            skipped.append(Change(topic, pin.label, "fixer", status="rejected", findings=pin.findings,
                                  reason=f"no pin '{pin.package}=={pin.version}' in {rel}"))
            continue
        after = pattern.sub(_raised_to(pin.to), after)
        change.findings.extend(pin.findings)
        change.items.append({"file": rel, "package": pin.package, "from": pin.version, "to": pin.to,
                             "advisories": ", ".join(sorted({x.rule_id for x in pin.findings}))})
    return unified_diff(rel, before, after) if after != before else ""
