"""Fixers: changes computed from findings without asking anybody.

The pin fixer reads pip-audit findings of the security phase (properties
package, version, fixed_versions, requirements_file) and raises ``pkg==old``
in that requirements file to the first fixed version above ``old``. When one
package has several advisories, the highest of their first fixes wins, so
that one change closes them all.

The npm fixer (:func:`npm_fixes`) reads the lockfile audit's npm findings
(properties package, version, first_fixed, direct, installed_as, manifest,
lockfile) and raises a vulnerable *direct* dependency in its package.json to
the first fixed version, keeping the range style (``^1.2.3`` -> ``^1.4.0``),
then updates package-lock.json with ``npm install --package-lock-only
--ignore-scripts`` run in the temporary worktree the fixers read; the diff
holds both files. Transitive dependencies are listed as rejected with their
dependency path.
"""

from __future__ import annotations

import difflib
import json
import posixpath
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..results import Finding
from ..project.detect import normalise_name
from ..project.workspaces import NPM_LOCKFILES


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
    """A ``git apply``-able unified diff of file *path* (repository-relative) from *before* to *after*.

    It starts with a ``diff --git`` line, so that diffs of several files
    can be joined: ``git apply --recount`` would otherwise read the next
    file's ``--- a/...`` line as a removed line of this file's last hunk.
    """
    lines = difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                 fromfile=f"a/{path}", tofile=f"b/{path}")
    # git apply needs the marker for a last line without a newline.
    marker = "\n\\ No newline at end of file\n"
    body = "".join(line if line.endswith("\n") else line + marker for line in lines)
    return f"diff --git a/{path} b/{path}\n{body}" if body else ""


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


# ---------------------------------------------------------------------------------------------- npm

_SECTIONS = ("dependencies", "devDependencies", "optionalDependencies")
_PLAIN_RANGE = re.compile(r"^(\^|~|>=|=|v)?(\d+)(?:\.(\d+))?(?:\.(\d+))?(-[0-9A-Za-z.-]+)?$")


@dataclass
class _NpmRaise:
    """One direct npm dependency of one package.json to raise, and the version that closes its advisories."""

    manifest: str
    lockfile: str
    name: str  # as package.json names it (an alias's own name)
    package: str
    version: str
    to: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}"


def raised_range(spec: str, version: str) -> str | None:
    """*spec* (a package.json range) raised to *version*, in the same style: ``^1.2.3`` -> ``^1.4.0``,
    ``~1.2`` -> ``~1.4.0``, ``1.2.3`` -> ``1.4.0``, ``npm:x@^1.0.0`` -> ``npm:x@^1.4.0``; None for a range
    the fixer does not rewrite (x-ranges, ``||``, tags, URLs)."""
    alias = re.match(r"^(npm:(?:@[^/@]+/)?[^@]+@)(.+)$", spec.strip())
    if alias:
        inner = raised_range(alias.group(2), version)
        return alias.group(1) + inner if inner else None
    m = _PLAIN_RANGE.match(spec.strip())
    if not m:
        return None
    prefix = m.group(1) if m.group(1) in ("^", "~", ">=") else ""
    return f"{prefix}{version}"


def _npm_plan(findings: list[Finding], checkout: Checkout,
              topic: str) -> tuple[list[_NpmRaise], list[Change]]:
    """The direct dependencies to raise, one per (package.json, name), and the findings that cannot be."""
    from ..phases.security.semver_ranges import compare

    raises: dict[tuple[str, str], _NpmRaise] = {}
    skipped: list[Change] = []
    for f in findings:
        props = f.properties
        if props.get("ecosystem") != "npm" or not props.get("package"):
            continue
        label = f"{props['package']} {props.get('version', '')} ({f.rule_id})"

        def reject(reason: str, finding: Finding = f, title: str = label) -> None:
            skipped.append(Change(topic, title, "fixer", status="rejected", findings=[finding],
                                  reason=reason))

        lockfile = checkout.repo_path(str(props.get("lockfile") or ""))
        manifest = checkout.repo_path(str(props.get("manifest") or "")) or (
            posixpath.join(posixpath.dirname(lockfile), "package.json").lstrip("/") if lockfile else None)
        path = " > ".join(props.get("dependency_path") or [])
        first = props.get("first_fixed") or first_fixed(str(props.get("version", "")),
                                                        [str(v) for v in props.get("fixed_versions") or []])
        if lockfile is None or manifest is None:
            reject(f"lockfile {props.get('lockfile')!r} is outside the repository")
        elif not props.get("direct"):
            reject(f"not a direct dependency (dependency path: {path}): raise the dependency that pulls it "
                   "in, or add an override")
        elif posixpath.basename(lockfile) not in NPM_LOCKFILES:
            target = first or "a fixed version"
            reject(f"{lockfile} is not an npm lockfile: raise {props['package']} to {target} with its "
                   "package manager")
        elif not first:
            reject("no fixed version is known yet")
        else:
            name = str(props.get("installed_as") or props["package"])
            plan = raises.setdefault((manifest, name), _NpmRaise(
                manifest, lockfile, name, str(props["package"]), str(props.get("version", "")), str(first)))
            if compare(str(first), plan.to) > 0:
                plan.to = str(first)
            plan.findings.append(f)
    return list(raises.values()), skipped


def _replace_spec(text: str, section: str, name: str, old: str, new: str) -> str | None:
    """*text* of a package.json with ``"name": "old"`` of *section* made ``"name": "new"``."""
    start = re.search(rf'"{re.escape(section)}"\s*:\s*\{{', text)
    if not start:
        return None
    entry = re.compile(rf'("{re.escape(name)}"\s*:\s*)"{re.escape(old)}"')
    m = entry.search(text, start.end())
    if not m:
        return None
    return text[:m.start()] + m.group(1) + json.dumps(new) + text[m.end():]


def _run_npm(folder: Path, registry: str, timeout: float, root: Path) -> tuple[int, str]:
    """``npm install --package-lock-only --ignore-scripts`` in *folder*, in the project's environment."""
    from ..phases.security.npm_audit import npm_command

    npm, env = npm_command(folder, root)
    args = [npm, "install", "--package-lock-only", "--ignore-scripts", "--no-audit", "--no-fund"]
    if registry:
        args.append(f"--registry={registry}")
    try:
        proc = subprocess.run(args, cwd=folder, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return 124, f"npm install did not finish within {timeout:.0f}s"
    return proc.returncode, (proc.stderr or proc.stdout or "").strip()


def npm_fixes(findings: list[Finding], checkout: Checkout, topic: str, *, registry: str = "",
              timeout: float = 300.0) -> tuple[Change | None, list[Change]]:
    """One change raising every vulnerable direct npm dependency (package.json and its lockfile), and the
    findings that could not be fixed (as rejected). None when nothing could be raised.

    npm runs in ``checkout.path`` (a throw-away worktree): package.json is
    raised there, ``npm install --package-lock-only --ignore-scripts``
    rewrites the lockfile against the project's registry (*registry* when
    set), and both files are put back once the diff is taken.
    """
    from ..errors import RunError

    plans, skipped = _npm_plan(findings, checkout, topic)
    change = Change(topic, "", "fixer")
    diffs: list[str] = []
    by_pair: dict[tuple[str, str], list[_NpmRaise]] = {}
    for plan in plans:
        by_pair.setdefault((plan.manifest, plan.lockfile), []).append(plan)
    for (manifest, lockfile), group in sorted(by_pair.items()):
        try:
            diffs += _npm_raise(manifest, lockfile, group, checkout, change, skipped, registry, timeout)
        except RunError as exc:
            skipped.extend(Change(topic, p.label, "fixer", status="rejected", findings=p.findings,
                                  reason=str(exc)) for p in group)
    if not diffs:
        return None, skipped
    change.diff = "".join(diffs)
    names = ", ".join(f"{i['package']} {i['to']}" for i in change.items[:3])
    more = f" and {len(change.items) - 3} more" if len(change.items) > 3 else ""
    change.title = f"Raise vulnerable npm dependencies: {names}{more}"
    return change, skipped


def _npm_raise(manifest: str, lockfile: str, group: list[_NpmRaise], checkout: Checkout, change: Change,
               skipped: list[Change], registry: str, timeout: float) -> list[str]:
    """The diffs of *manifest* and *lockfile* with *group* raised ([] when none could be)."""
    topic = change.topic
    manifest_path, lock_path = checkout.path / manifest, checkout.path / lockfile
    try:
        before, lock_before = manifest_path.read_text(encoding="utf-8"), lock_path.read_text(encoding="utf-8")
        data = json.loads(before)
    except (OSError, ValueError) as exc:
        skipped.extend(Change(topic, p.label, "fixer", status="rejected", findings=p.findings,
                              reason=f"{manifest} cannot be read ({exc})") for p in group)
        return []
    after, done = before, []
    for plan in group:
        section = next((s for s in _SECTIONS if isinstance(data.get(s), dict) and plan.name in data[s]), None)
        old = str(data[section][plan.name]) if section else ""
        new = raised_range(old, plan.to) if section else None
        edited = _replace_spec(after, section, plan.name, old, new) if section and new else None
        if edited is None or new is None:
            why = (f"no dependency {plan.name!r} in {manifest}" if not section
                   else f"{manifest}: {plan.name} {old!r} is not a range the fixer rewrites (raise it to "
                        f"{plan.to} by hand)")
            skipped.append(Change(topic, plan.label, "fixer", status="rejected", findings=plan.findings,
                                  reason=why))
            continue
        after = edited
        done.append((plan, old, new))
    if not done:
        return []
    try:
        manifest_path.write_text(after, encoding="utf-8")
        code, output = _run_npm(lock_path.parent, registry, timeout, checkout.path)
        lock_after = lock_path.read_text(encoding="utf-8")
    finally:
        manifest_path.write_text(before, encoding="utf-8")
        lock_path.write_text(lock_before, encoding="utf-8")
    if code != 0:
        last = " | ".join(line.strip() for line in output.splitlines()[-3:] if line.strip())
        skipped.extend(Change(topic, p.label, "fixer", status="rejected", findings=p.findings,
                              reason=f"npm install --package-lock-only failed (exit {code}): {last[:300]}")
                       for p, *_ in done)
        return []
    for plan, old, new in done:
        change.findings.extend(plan.findings)
        change.items.append({"file": manifest, "package": plan.name,
                             "from": f"{old} (installed {plan.version})", "to": new,
                             "advisories": ", ".join(sorted({x.rule_id for x in plan.findings}))})
    return [unified_diff(manifest, before, after), unified_diff(lockfile, lock_before, lock_after)]
