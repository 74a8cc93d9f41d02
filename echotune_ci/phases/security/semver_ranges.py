"""OSV ``SEMVER`` ranges evaluated exactly, with SemVer 2.0 precedence (the ``semver`` package).

An OSV ``affected`` entry matches a version when the version is listed in
its ``versions`` or falls inside one of its ``SEMVER`` ranges. A range is a
list of events; sorted by version (a stable sort: at one version the
record's own order stays, and OSV writers put ``introduced`` first), they
are walked in order: ``introduced`` (``"0"``: before every version, also
before ``0.0.0-0``) opens the range, ``fixed`` (and ``limit``) close it at
that version, ``last_affected`` closes it after that version. Prereleases
compare by SemVer 2.0 precedence (``1.0.0-0 < 1.0.0-alpha < 1.0.0``), build
metadata is ignored: npm advisories converted from node-semver ranges encode
npm audit's ``includePrerelease`` behaviour in their events already (e.g.
``>2.0.0`` becomes ``introduced 2.0.1-0``), so plain precedence is right.

Only ``SEMVER`` ranges are read here (``ECOSYSTEM`` ranges of npm records use
the same order in OSV's npm ecosystem, so they are read too); ``GIT``
ranges name commits and never match a version.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import semver

_ZERO = (0,)  # sorts before every parsed version: "introduced: 0"
_RANGE_TYPES = ("SEMVER", "ECOSYSTEM")


@functools.lru_cache(maxsize=65536)
def parse(text: str) -> semver.Version | None:
    """The SemVer 2.0 version *text* ("1.2.3", "1.0.0-rc.1+build"); None when it is not one.

    A leading ``v`` or ``=`` (which npm's own cleaning drops) is tolerated.
    """
    raw = str(text).strip()
    if raw[:1] in ("v", "="):
        raw = raw[1:]
    try:
        return semver.Version.parse(raw)
    except (ValueError, TypeError):
        return None


def is_semver(text: str) -> bool:
    """Whether *text* is an exact SemVer 2.0 version."""
    return parse(text) is not None


def _key(raw: str) -> tuple[Any, ...] | None:
    """The sort key of an event's version: ``"0"`` first, then SemVer precedence; None when it is
    neither (such an event is left out, as OSV's own evaluator does)."""
    if raw == "0":
        return _ZERO
    version = parse(raw)
    return None if version is None else (1, version)


@dataclass(frozen=True)
class Event:
    """One event of a range: its kind (introduced, fixed, last_affected, limit) and version text."""

    kind: str
    version: str


def range_events(rng: dict[str, Any]) -> list[Event]:
    """The events of the OSV range *rng* in evaluation order (stable sort by version)."""
    events: list[tuple[tuple[Any, ...], Event]] = []
    for event in rng.get("events") or []:
        if not isinstance(event, dict):
            continue
        for kind, raw in event.items():
            key = _key(str(raw))
            if key is not None and kind in ("introduced", "fixed", "last_affected", "limit"):
                events.append((key, Event(kind, str(raw))))
    # sorted() is stable: at one version the record's order stays (introduced first, as OSV writes it).
    return [e for _, e in sorted(events, key=lambda pair: pair[0])]


def in_range(version: semver.Version, events: Sequence[Event]) -> bool:
    """Whether *version* is affected by a range whose events are *events* (in evaluation order)."""
    at = (1, version)
    affected = False
    for event in events:
        key = _ZERO if event.version == "0" else (1, parse(event.version))
        if event.kind == "introduced":
            if at >= key:
                affected = True
        elif event.kind in ("fixed", "limit"):
            if at >= key:
                affected = False
        elif event.kind == "last_affected" and at > key:
            affected = False
    return affected


def _ranges(affected: dict[str, Any]) -> Iterable[dict[str, Any]]:
    for rng in affected.get("ranges") or []:
        if isinstance(rng, dict) and rng.get("type") in _RANGE_TYPES:
            yield rng


def affects(affected: dict[str, Any], version: str) -> bool:
    """Whether the OSV ``affected`` entry *affected* covers *version* (its ``versions`` list or ranges).

    A version that is not SemVer matches only when listed literally.
    """
    listed = affected.get("versions") or []
    parsed = parse(version)
    if listed and (version in listed or (parsed is not None
                                         and any(parse(str(v)) == parsed for v in listed))):
        return True
    if parsed is None:
        return False
    return any(in_range(parsed, range_events(rng)) for rng in _ranges(affected))


def fixed_versions(entries: Iterable[dict[str, Any]]) -> list[str]:
    """Every ``fixed`` version of the ranges of *entries*, in SemVer order, once each."""
    seen: dict[str, semver.Version] = {}
    for affected in entries:
        for rng in _ranges(affected):
            for event in range_events(rng):
                version = parse(event.version)
                if event.kind == "fixed" and version is not None:
                    seen.setdefault(event.version, version)
    return [text for text, _ in sorted(seen.items(), key=lambda item: item[1])]


def first_fixed(entries: Sequence[dict[str, Any]], version: str) -> str | None:
    """The lowest version above *version* that none of *entries* affects, among their fixed versions.

    A fixed event that is a prerelease bound written by node-semver's
    desugaring (``1.1.0-0`` for ``<=1.0``) gives its release (``1.1.0``)
    when that is not affected either: nobody upgrades to ``1.1.0-0``. None
    when no fixed version lies above *version* (no fix known yet).
    """
    current = parse(version)
    if current is None:
        return None
    for text in fixed_versions(entries):
        candidate = parse(text)
        if candidate is None or candidate <= current:
            continue
        options = [text]
        if candidate.prerelease:
            options.insert(0, str(candidate.finalize_version()))
        for option in options:
            if not any(affects(a, option) for a in entries):
                return option
    return None


_PATCHED_FLOOR = re.compile(r"^\s*(?:>=|\^|~)\s*v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)(?:\s|$)")


def first_patched(entries: Sequence[dict[str, Any]], version: str) -> str | None:
    """The lowest version above *version* that an alternative of the entries' npm
    ``database_specific.patched_versions`` starts at (``>=0.3.6``, ``^1.2.0``, ``>=2.0.0 <3.0.0``) and
    that none of *entries* affects; None when there is none. npm advisories converted to OSV
    (advisory-db-npm) close ``<=X`` ranges with ``last_affected``, so the first fixed release is
    written only there; ``>X`` names no version and gives none."""
    current = parse(version)
    if current is None:
        return None
    found: list[tuple[semver.Version, str]] = []
    for affected in entries:
        patched = (affected.get("database_specific") or {}).get("patched_versions")
        for alternative in str(patched or "").split("||"):
            m = _PATCHED_FLOOR.match(alternative)
            text = m.group(1) if m else ""
            candidate = parse(text) if text else None
            if candidate is not None and candidate > current and not any(affects(a, text) for a in entries):
                found.append((candidate, text))
    return min(found)[1] if found else None


def compare(a: str, b: str) -> int:
    """-1, 0 or 1 as *a* precedes, equals or follows *b* in SemVer order (text order when either
    is not SemVer)."""
    va, vb = parse(a), parse(b)
    if va is None or vb is None:
        return (a > b) - (a < b)
    return va.compare(vb)


_COMPARATOR = re.compile(r"(<=|>=|<|>|=)?\s*v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)")
_SIMPLE_SET = re.compile(rf"^\s*(?:{_COMPARATOR.pattern}\s*)+$")


def satisfies_comparators(version: str, text: str) -> bool | None:
    """Whether *version* satisfies the npm range *text* when it is written with plain comparators
    only (``<4.17.21``, ``>=2.0.0 <2.3.1 || <=1.0.0``), with every prerelease included as npm audit
    does; None for any other range syntax (``^``, ``~``, x-ranges, hyphens), which is left to npm."""
    current = parse(version)
    if current is None:
        return None
    alternatives = text.split("||")
    if not all(_SIMPLE_SET.match(alt) for alt in alternatives):
        return None
    for alt in alternatives:
        ok = True
        for op, raw in _COMPARATOR.findall(alt):
            bound = parse(raw)
            if bound is None:
                return None
            cmp = current.compare(bound)
            ok = ok and {"<": cmp < 0, "<=": cmp <= 0, ">": cmp > 0, ">=": cmp >= 0}.get(op, cmp == 0)
        if ok:
            return True
    return False
