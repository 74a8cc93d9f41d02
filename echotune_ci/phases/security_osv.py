"""Vulnerability services for pip-audit: an offline advisory folder and an OSV API.

Both keep the OSV records they saw, because pip-audit's VulnerabilityResult
drops the ``severity`` that the gate needs. Imports of pip-audit, requests and
yaml stay inside functions (pip-audit is heavy); the classes are built on
first use.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from ..errors import InputError, RunError

# GitHub's advisory database says "moderate" where the rest of us say "medium".
_WORDS = {"critical": "critical", "high": "high", "moderate": "medium", "medium": "medium", "low": "low",
          "none": "info", "info": "info"}


def severity_from_record(record: dict[str, Any], default: str) -> tuple[str, float | None, str]:
    """(severity, CVSS base score or None, where it came from) of an OSV record."""
    for entry in record.get("severity") or []:
        kind, vector = str(entry.get("type", "")), str(entry.get("score", ""))
        score = cvss_score(kind, vector)
        if score is not None:
            return severity_from_score(score), score, kind
    for holder in [record, *(record.get("affected") or [])]:
        for key in ("database_specific", "ecosystem_specific"):
            word = str(((holder or {}).get(key) or {}).get("severity", "")).lower()
            if word in _WORDS:
                return _WORDS[word], None, key
    return default, None, "default"


def cvss_score(kind: str, vector: str) -> float | None:
    from cvss import CVSS2, CVSS3, CVSS4
    from cvss.exceptions import CVSSError

    cls = {"CVSS_V2": CVSS2, "CVSS_V3": CVSS3, "CVSS_V4": CVSS4}.get(kind)
    if cls is None:
        return None
    try:
        return float(cls(vector).base_score)
    except (CVSSError, ValueError, TypeError):
        return None


def severity_from_score(score: float) -> str:
    """CVSS v3 qualitative rating scale."""
    if score >= 9.0:
        return "critical"
    if score >= 7.0:
        return "high"
    if score >= 4.0:
        return "medium"
    if score > 0.0:
        return "low"
    return "info"


def osv_urls(url: str) -> tuple[str, str]:
    """(query URL, batch URL) from a base URL or a ``.../v1/query`` URL."""
    url = url.rstrip("/")
    if url.endswith("/v1/query"):
        base = url[: -len("/query")]
    elif url.endswith("/v1"):
        base = url
    else:
        base = url + "/v1"
    return base + "/query", base + "/querybatch"


def _affected_version(version, affected: dict[str, Any]) -> bool:
    from packaging.version import InvalidVersion, Version

    if str(version) in {str(v) for v in affected.get("versions") or []}:
        return True
    for rng in affected.get("ranges") or []:
        if rng.get("type") != "ECOSYSTEM":
            continue
        events = []
        for event in rng.get("events") or []:
            for kind, raw in event.items():
                try:
                    events.append((Version("0") if raw == "0" else Version(str(raw)), kind))
                except InvalidVersion:
                    continue
        hit = False
        for at, kind in sorted(events, key=lambda e: (e[0], e[1] != "introduced")):
            if kind == "introduced" and version >= at:
                hit = True
            elif kind in ("fixed", "limit") and version >= at:
                hit = False
            elif kind == "last_affected" and version > at:
                hit = False
        if hit:
            return True
    return False


def _fix_versions(record: dict[str, Any], name: str) -> list:
    from packaging.utils import canonicalize_name
    from packaging.version import InvalidVersion, Version

    fixes = []
    for affected in record.get("affected") or []:
        pkg = affected.get("package") or {}
        if pkg.get("ecosystem") != "PyPI" or canonicalize_name(str(pkg.get("name", ""))) != name:
            continue
        for rng in affected.get("ranges") or []:
            for event in rng.get("events") or []:
                if "fixed" in event:
                    try:
                        fixes.append(Version(str(event["fixed"])))
                    except InvalidVersion:
                        continue
    return sorted(set(fixes))


@functools.cache
def service_classes() -> dict[str, type]:
    """Build the VulnerabilityService subclasses once pip-audit is imported."""
    import json

    from packaging.utils import canonicalize_name
    from pip_audit._service.interface import ResolvedDependency, VulnerabilityResult, VulnerabilityService
    from pip_audit._service.osv import OsvService

    class AdvisoryDirService(VulnerabilityService):
        """OSV records on disk in the PyPA advisory-database layout:
        ``vulns/<package>/<ID>.yaml`` (or ``.json``)."""

        def __init__(self, folder: Path):
            self.folder = folder
            vulns = folder / "vulns"
            if not vulns.is_dir():
                raise InputError(f"{folder}: not an advisory database (no vulns/ folder with <package>/*.yaml)")
            self.index = {canonicalize_name(p.name): p for p in vulns.iterdir() if p.is_dir()}
            self.records: dict[str, dict[str, Any]] = {}
            self.not_in_db: list[str] = []

        def _load(self, path: Path) -> dict[str, Any]:
            import yaml

            try:
                text = path.read_text(encoding="utf-8")
                record = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
            except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
                raise InputError(f"{path}: unreadable advisory record ({str(exc).splitlines()[0]})") from None
            if not isinstance(record, dict) or "id" not in record:
                raise InputError(f"{path}: not an OSV record (no 'id')")
            return record

        def query(self, spec):
            if spec.is_skipped():
                return spec, []
            name = spec.canonical_name
            folder = self.index.get(name)
            if folder is None:
                self.not_in_db.append(name)
                return spec, []
            results = []
            for path in sorted(folder.iterdir()):
                if path.suffix not in (".yaml", ".yml", ".json"):
                    continue
                record = self._load(path)
                if record.get("withdrawn"):
                    continue
                mine = [a for a in record.get("affected") or []
                        if (a.get("package") or {}).get("ecosystem") == "PyPI"
                        and canonicalize_name(str((a.get("package") or {}).get("name", ""))) == name]
                if not any(_affected_version(spec.version, a) for a in mine):
                    continue
                self.records[record["id"]] = record
                description = (record.get("summary") or record.get("details") or "N/A").replace("\n", " ")
                results.append(VulnerabilityResult.create(
                    ids=[record["id"], *record.get("aliases", [])], description=description,
                    fix_versions=_fix_versions(record, name), published=None))
            return spec, results

    class OsvApiService(OsvService):
        """pip-audit's OSV service pointed at any OSV API, asking ``/v1/querybatch``
        first so that only packages with advisories cost a full query."""

        def __init__(self, url: str, timeout: float):
            self.query_url, self.batch_url = osv_urls(url)
            super().__init__(timeout=timeout, osv_url=self.query_url)
            self.records = {}
            post = self.session.post

            def recording_post(*args, **kwargs):
                response = post(*args, **kwargs)
                if response.ok and response.url.endswith("/query"):
                    try:
                        for vuln in (response.json() or {}).get("vulns", []):
                            self.records[vuln["id"]] = vuln
                    except (ValueError, KeyError, TypeError, AttributeError):
                        pass
                return response

            self.session.post = recording_post

        def _batch(self, deps: list) -> set:
            flagged = set()
            for start in range(0, len(deps), 1000):
                chunk = deps[start:start + 1000]
                body = {"queries": [{"package": {"name": d.canonical_name, "ecosystem": "PyPI"},
                                     "version": str(d.version)} for d in chunk]}
                response = self.session.post(url=self.batch_url, data=json.dumps(body), timeout=self.timeout)
                response.raise_for_status()
                results = response.json().get("results")
                if not isinstance(results, list) or len(results) != len(chunk):
                    raise RunError(f"{self.batch_url}: answered {len(results or [])} results for {len(chunk)} queries")
                flagged.update(d for d, r in zip(chunk, results) if r.get("vulns") or r.get("next_page_token"))
            return flagged

        def query_all(self, specs):
            specs = list(specs)
            flagged = self._batch([s for s in specs if isinstance(s, ResolvedDependency)])
            for spec in specs:
                yield self.query(spec) if spec in flagged else (spec, [])

    return {"dir": AdvisoryDirService, "osv": OsvApiService}
