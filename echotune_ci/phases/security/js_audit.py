"""The audit of JavaScript lockfiles against OSV advisory data: a folder on disk or the OSV API.

Every auditable package version of every lockfile is looked up once
(:class:`FolderAdvisories` evaluates the records' SEMVER ranges with
:mod:`.semver_ranges`; :class:`ApiAdvisories` asks ``/v1/querybatch`` and
fetches each record found). Each (lockfile, package, version, advisory) is
one finding located at the lockfile entry of its shortest dependency path;
packages that cannot be looked up (git, local folders, tarball URLs) are
listed, never dropped; with ``production_only`` dev-only packages are left
out and counted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ...results import Finding, Location
from . import semver_ranges
from .files import relative_to_root
from .lockfiles import Lockfile
from .osv import OsvFolder, affected_entries, severity_from_record

ECOSYSTEM = "npm"
SOURCE_TOOL = "lockfile-audit"
_SHOWN = 20
# Id prefixes of the databases osv.dev serves a page for; other ids (a local folder's NSWG-ECO-…) link
# to the record's own advisory or source.
OSV_DEV_PREFIXES = ("GHSA-", "PYSEC-", "OSV-", "RUSTSEC-", "GO-", "CVE-", "MAL-", "GSD-", "PSF-", "DSA-",
                    "DLA-", "USN-", "UBUNTU-", "DEBIAN-", "RHSA-", "ALSA-", "BIT-", "CURL-", "HSEC-", "CGA-")


def advisory_url(record: dict[str, Any]) -> str:
    """Where a person reads the OSV *record*: its osv.dev page for ids osv.dev serves, else its
    ``ADVISORY`` reference, else ``database_specific.source``, else its first reference, else osv.dev."""
    ident = str(record.get("id") or "")
    osv_page = f"https://osv.dev/vulnerability/{ident}"
    if ident.startswith(OSV_DEV_PREFIXES):
        return osv_page
    refs = [r for r in record.get("references") or [] if isinstance(r, dict)
            and str(r.get("url") or "").startswith(("https://", "http://"))]
    advisory = [str(r["url"]) for r in refs if r.get("type") == "ADVISORY"]
    source = (record.get("database_specific") or {}).get("source")
    if advisory:
        return advisory[0]
    if isinstance(source, str) and source.startswith(("https://", "http://")):
        return source
    return str(refs[0]["url"]) if refs else osv_page


class Advisories(Protocol):
    """Where advisories come from: ``label`` says it, ``lookup`` answers which records affect each
    (name, version), ``not_in_db`` names packages the data has never heard of (offline only)."""

    label: str
    not_in_db: set[str]

    def lookup(self, packages: Sequence[tuple[str, str]]) -> dict[tuple[str, str], list[dict[str, Any]]]:
        """The records affecting each (name, version) of *packages* (only those with some)."""


class FolderAdvisories:
    """An OSV folder (``vulns/<package>/*.json|yaml``), any ecosystem; npm records evaluated here."""

    def __init__(self, folder: Path):
        self.data = OsvFolder(folder)
        self.label = f"offline advisory data {folder}"
        self.not_in_db: set[str] = set()

    def holds_ecosystem(self) -> bool:
        """Whether any record of the folder is about an npm package (see OsvFolder.holds_ecosystem)."""
        return self.data.holds_ecosystem(ECOSYSTEM)

    def lookup(self, packages: Sequence[tuple[str, str]]) -> dict[tuple[str, str], list[dict[str, Any]]]:
        """Records whose npm ``affected`` entries cover each version."""
        out: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for name, version in packages:
            records = self.data.records(ECOSYSTEM, name)
            if not records:
                self.not_in_db.add(name)
                continue
            hits = [r for r in records if any(semver_ranges.affects(a, version)
                                              for a in affected_entries(r, ECOSYSTEM, name))]
            if hits:
                out[(name, version)] = hits
        return out


class ApiAdvisories:
    """The OSV API: one ``/v1/querybatch`` pass (paged, 1000 queries a request), then the records."""

    def __init__(self, url: str, timeout: float):
        from .osv_api import OsvApi

        self.api = OsvApi(url, timeout)
        self.label = self.api.label
        self.not_in_db: set[str] = set()

    def lookup(self, packages: Sequence[tuple[str, str]]) -> dict[tuple[str, str], list[dict[str, Any]]]:
        """What the API says affects each version, with the full records."""
        from .osv_api import Query

        with self.api:
            found = self.api.affected([Query(ECOSYSTEM, n, v) for n, v in packages])
            records = self.api.records([i for ids in found.values() for i in ids])
        return {(q.name, q.version): [records[i] for i in ids] for q, ids in found.items() if ids}


@dataclass
class LockfileSummary:
    """What the audit of one lockfile saw."""

    label: str
    format: str
    packages: int = 0
    vulnerable: int = 0
    unauditable: list[str] = field(default_factory=list)
    dev_skipped: int = 0
    unchecked: int = 0  # auditable packages the advisory data could not answer for (it has no npm records)


@dataclass
class JsAuditReport:
    """Findings, one summary per lockfile, packages the data does not know, notes and the source."""

    service: str
    findings: list[Finding] = field(default_factory=list)
    lockfiles: list[LockfileSummary] = field(default_factory=list)
    not_in_db: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    tool_versions: dict[str, str] = field(default_factory=dict)
    unchecked: str = ""  # why no package was checked, though there were some

    @property
    def packages(self) -> int:
        """Package versions checked, summed over the lockfiles."""
        return sum(s.packages for s in self.lockfiles)

    @property
    def unauditable(self) -> list[str]:
        """Packages that could not be checked, "lockfile: name version (why)"."""
        return [f"{s.label}: {u}" for s in self.lockfiles for u in s.unauditable]


def candidates(lock: Lockfile, production_only: bool,
               summary: LockfileSummary) -> dict[tuple[str, str], list[str]]:
    """The lockfile keys of each auditable (name, version) of *lock*; *summary* gets the counts, the
    packages that cannot be audited and the dev-only ones left out."""
    audited: dict[tuple[str, str], list[str]] = {}
    unauditable: set[str] = set()
    for key, pkg in lock.packages.items():
        if pkg.own:
            continue
        if production_only and pkg.dev:
            summary.dev_skipped += 1
            continue
        if pkg.not_auditable:
            version = f" {pkg.version}" if pkg.version else ""
            unauditable.add(f"{pkg.label}{version} ({pkg.not_auditable})")
            continue
        audited.setdefault((pkg.name, pkg.version), []).append(key)
    summary.unauditable = sorted(unauditable)
    summary.packages = len(audited)
    return audited


def audit_lockfiles(locks: Sequence[Lockfile], root: Path, advisories: Advisories, *, production_only: bool,
                    default_severity: str, ignore: Iterable[str]) -> JsAuditReport:
    """Audit *locks* (labels relative to *root*) against *advisories*. RunError when the service
    fails, InputError when the advisory data does not parse."""
    report = JsAuditReport(service=advisories.label)
    ignored = set(ignore)
    plans = []
    for lock in locks:
        summary = LockfileSummary(relative_to_root(lock.path, root), lock.format)
        plans.append((lock, summary, candidates(lock, production_only, summary)))
        report.lockfiles.append(summary)
        report.notes.extend(lock.notes)
    wanted = sorted({nv for _, _, audited in plans for nv in audited})
    hits = advisories.lookup(wanted)
    if wanted and not hits and isinstance(advisories, FolderAdvisories) and not advisories.holds_ecosystem():
        report.unchecked = f"{advisories.label} holds no {ECOSYSTEM} advisories"
        for _, summary, _ in plans:
            summary.unchecked, summary.packages = summary.packages, 0
        return report
    for lock, summary, audited in plans:
        vulnerable = set()
        for (name, version), keys in sorted(audited.items()):
            for record in hits.get((name, version), []):
                if {record.get("id"), *record.get("aliases", [])} & ignored:
                    continue
                key = min(keys, key=lambda k: (len(lock.path_of(k)), lock.packages[k].line or 0, k))
                report.findings.append(_finding(lock, summary.label, key, len(keys), record, root,
                                                default_severity))
                vulnerable.add((name, version))
        summary.vulnerable = len(vulnerable)
    report.not_in_db = sorted(advisories.not_in_db)
    return report


def dependency_path(lock: Lockfile, key: str) -> str:
    """``express > body-parser > qs``, prefixed with the workspace (``packages/api: ...``) when it is not
    the root."""
    folder = lock.roots.get(key) or ""
    chain = " > ".join(lock.path_of(key))
    return f"{folder}: {chain}" if folder else chain


def _finding(lock: Lockfile, label: str, key: str, instances: int, record: dict[str, Any], root: Path,
             default_severity: str) -> Finding:
    pkg = lock.packages[key]
    ident = str(record.get("id"))
    aliases = sorted(str(a) for a in record.get("aliases") or [])
    entries = affected_entries(record, ECOSYSTEM, pkg.name)
    fixed = semver_ranges.fixed_versions(entries)
    first = (semver_ranges.first_fixed(entries, pkg.version)
             or semver_ranges.first_patched(entries, pkg.version))
    severity, score, basis = severity_from_record(record, default_severity)
    path = lock.path_of(key)
    direct = len(path) == 1 and key in {k for i in lock.importers.values() for k in i.direct}
    importer = lock.importers.get(lock.roots.get(key, ""))
    manifest = relative_to_root(importer.manifest, root) if importer and importer.manifest else ""
    also = f" ({', '.join(aliases)})" if aliases else ""
    fix_text = f"fixed in {first}" if first else "no fixed version in the advisory data"
    where = "direct dependency" if direct else f"via {dependency_path(lock, key)}"
    as_alias = f" (installed as {pkg.alias})" if pkg.alias else ""
    summary = " ".join(str(record.get("summary") or record.get("details") or "").split())[:200]
    return Finding(
        rule_id=ident,
        severity=severity,
        message=f"{pkg.name} {pkg.version}{as_alias}: {ident}{also}, {fix_text}; {where}. {summary}".strip(),
        source_tool=SOURCE_TOOL,
        location=Location(label, pkg.line),
        help_url=advisory_url(record),
        context=f"{ECOSYSTEM} {pkg.name} {ident}",
        properties={
            "ecosystem": ECOSYSTEM,
            "package": pkg.name,
            "version": pkg.version,
            "installed_as": pkg.alias,
            "fixed_versions": fixed,
            "first_fixed": first,
            "aliases": aliases,
            "lockfile": label,
            "manifest": manifest,
            "importer": lock.roots.get(key, ""),
            "dependency_path": path,
            "direct": direct,
            "dev": pkg.dev,
            "instances": instances,
            "cvss_score": score,
            "severity_basis": basis,
            "rule_description": f"{pkg.name}: {summary or ident}",
        },
    )


def summary_notes(report: JsAuditReport, production_only: bool) -> list[str]:
    """Notes for people: per lockfile what was checked, what could not be, what the data lacks."""
    notes = []
    for s in report.lockfiles:
        notes.append(f"audit: {ECOSYSTEM}: {s.label} ({s.format}): {s.packages} packages checked against "
                     f"{report.service}, {s.vulnerable} vulnerable, {len(s.unauditable)} not auditable"
                     + (f", {s.unchecked} not checked: {report.unchecked}" if s.unchecked else "")
                     + (f", {s.dev_skipped} dev-only left out (production_only)" if production_only else ""))
        if s.unauditable:
            notes.append(f"audit could not check ({ECOSYSTEM}, {s.label}): " + "; ".join(s.unauditable))
    if report.not_in_db:
        shown = ", ".join(report.not_in_db[:_SHOWN])
        more = " ..." if len(report.not_in_db) > _SHOWN else ""
        notes.append(f"audit: {len(report.not_in_db)} {ECOSYSTEM} packages have no entry in the advisory "
                     f"data (no known vulnerabilities there): {shown}{more}")
    return notes + report.notes
