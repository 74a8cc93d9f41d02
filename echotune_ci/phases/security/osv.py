"""Vulnerability services for pip-audit: an offline advisory folder and an OSV API.

Both keep the OSV records they saw, because pip-audit's VulnerabilityResult
drops the ``severity`` that the gate needs. Imports of pip-audit, requests and
yaml stay inside functions (pip-audit is heavy); the classes are built on
first use.
"""

from __future__ import annotations

import functools
import re
import threading
from pathlib import Path
from typing import Any

from ...errors import InputError, RunError

# GitHub's advisory database says "moderate" where the rest of us say "medium".
_WORDS = {"critical": "critical", "high": "high", "moderate": "medium", "medium": "medium", "low": "low",
          "none": "info", "info": "info"}


def severity_from_record(record: dict[str, Any], default: str) -> tuple[str, float | None, str]:
    """(severity, CVSS base score or None, where it came from) of an OSV record.

    The first CVSS vector that parses decides ("CVSS_V3" ...), else a
    ``database_specific`` / ``ecosystem_specific`` severity word, else a
    ``database_specific.cvss_score`` number (the npm advisories' source
    score), else *default* ("default").
    """
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
    score = (record.get("database_specific") or {}).get("cvss_score")
    if isinstance(score, int | float) and not isinstance(score, bool) and 0 <= score <= 10:
        return severity_from_score(float(score)), float(score), "database_specific.cvss_score"
    return default, None, "default"


def cvss_score(kind: str, vector: str) -> float | None:
    """The CVSS base score (0-10) of *vector* of OSV severity type *kind*; None when it does not parse."""
    from cvss import CVSS2, CVSS3, CVSS4
    from cvss.exceptions import CVSSError  # type: ignore[import-untyped]

    cls = {"CVSS_V2": CVSS2, "CVSS_V3": CVSS3, "CVSS_V4": CVSS4}.get(kind)
    if cls is None:
        return None
    try:
        return float(cls(vector).base_score)
    except (CVSSError, ValueError, TypeError):
        return None


def vector_kind(vector: str) -> str:
    """The OSV severity type of a CVSS vector by its prefix: ``CVSS:4.0/`` is CVSS_V4, ``CVSS:3.x/``
    CVSS_V3, a vector without a prefix CVSS_V2."""
    if vector.startswith("CVSS:4."):
        return "CVSS_V4"
    if vector.startswith("CVSS:3."):
        return "CVSS_V3"
    return "CVSS_V2"


def severity_from_score(score: float) -> str:
    """Our severity of a CVSS base score (0-10), by the CVSS v3.1 qualitative rating scale.

    Source: FIRST, CVSS v3.1 Specification, section 5 (0.1-3.9 low, 4.0-6.9
    medium, 7.0-8.9 high, 9.0-10.0 critical); 0.0 ("none") is our info.
    """
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


def _affected_version(version: Any, affected: dict[str, Any]) -> bool:
    if str(version) in {str(v) for v in affected.get("versions") or []}:
        return True
    for rng in affected.get("ranges") or []:
        if rng.get("type") != "ECOSYSTEM":
            continue
        if _in_range(version, _range_events(rng)):
            return True
    return False


def _range_events(rng: dict[str, Any]) -> list[tuple[Any, str]]:
    """The (version, kind) events of an OSV range; events whose version does not parse are left out."""
    from packaging.version import InvalidVersion, Version

    events = []
    for event in rng.get("events") or []:
        for kind, raw in event.items():
            try:
                events.append((Version("0") if raw == "0" else Version(str(raw)), kind))
            except InvalidVersion:
                continue
    return events


def _in_range(version: Any, events: list[tuple[Any, str]]) -> bool:
    """Whether *version* is affected after walking the range's events in version order
    (at one version, "introduced" comes first)."""
    hit = False
    for at, kind in sorted(events, key=lambda e: (e[0], e[1] != "introduced")):
        if kind == "introduced" and version >= at:
            hit = True
        elif (kind in ("fixed", "limit") and version >= at) or (kind == "last_affected" and version > at):
            hit = False
    return hit


def _fix_versions(record: dict[str, Any], name: str) -> list[Any]:
    from packaging.utils import canonicalize_name
    from packaging.version import InvalidVersion, Version

    fixes: list[Any] = []
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


def _mine(record: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """The ``affected`` entries of *record* about PyPI package *name* (canonical)."""
    from packaging.utils import canonicalize_name

    return [a for a in record.get("affected") or []
            if (a.get("package") or {}).get("ecosystem") == "PyPI"
            and canonicalize_name(str((a.get("package") or {}).get("name", ""))) == name]


def _load_record(path: Path) -> dict[str, Any]:
    """One OSV record file (YAML or JSON); InputError naming the file when it is not one."""
    import json

    import yaml

    try:
        text = path.read_text(encoding="utf-8")
        record = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
        raise InputError(f"{path}: unreadable advisory record ({str(exc).splitlines()[0]})") from None
    if not isinstance(record, dict) or "id" not in record:
        raise InputError(f"{path}: not an OSV record (no 'id')")
    return record


def _remember_vulns(response: Any, records: dict[str, dict[str, Any]]) -> None:
    """Keep the records of an OSV ``/v1/query`` answer; an answer that is not one is left to pip-audit."""
    if not (response.ok and response.url.endswith("/query")):
        return
    try:
        for vuln in (response.json() or {}).get("vulns", []):
            records[vuln["id"]] = vuln
    except (ValueError, KeyError, TypeError, AttributeError):
        pass


def _flagged(batch_url: str, chunk: list[Any], results: Any) -> set[Any]:
    """The dependencies of *chunk* whose ``/v1/querybatch`` result names advisories.

    RunError when the answer does not hold one result per query.
    """
    if not isinstance(results, list) or len(results) != len(chunk):
        raise RunError(f"{batch_url}: answered {len(results or [])} results for {len(chunk)} queries")
    return {d for d, r in zip(chunk, results, strict=True) if r.get("vulns") or r.get("next_page_token")}


@functools.cache
def service_classes() -> dict[str, type]:
    """The VulnerabilityService subclasses, built once pip-audit is imported.

    ``{"dir": AdvisoryDirService(folder), "osv": OsvApiService(url, timeout)}``;
    both keep ``records`` (OSV id -> record) and the folder one ``not_in_db``.
    AdvisoryDirService raises InputError for a folder or record that is not
    advisory data; OsvApiService RunError for a batch answer of the wrong size.
    """
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
                raise InputError(f"{folder}: not an advisory database "
                                 "(no vulns/ folder with <package>/*.yaml)")
            self.index = {canonicalize_name(p.name): p for p in vulns.iterdir() if p.is_dir()}
            self.records: dict[str, dict[str, Any]] = {}
            self.not_in_db: list[str] = []

        def query(self, spec: Any) -> tuple[Any, list[Any]]:
            """(spec, VulnerabilityResults) of one dependency; InputError for an unreadable record."""
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
                record = _load_record(path)
                if record.get("withdrawn") or not any(_affected_version(spec.version, a)
                                                      for a in _mine(record, name)):
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
            self.records: dict[str, dict[str, Any]] = {}
            post = self.session.post

            def recording_post(*args: Any, **kwargs: Any) -> Any:
                response = post(*args, **kwargs)
                _remember_vulns(response, self.records)
                return response

            self.session.post = recording_post

        def _batch(self, deps: list[Any]) -> set[Any]:
            flagged: set[Any] = set()
            for start in range(0, len(deps), 1000):
                chunk = deps[start:start + 1000]
                body = {"queries": [{"package": {"name": d.canonical_name, "ecosystem": "PyPI"},
                                     "version": str(d.version)} for d in chunk]}
                response = self.session.post(url=self.batch_url, data=json.dumps(body), timeout=self.timeout)
                response.raise_for_status()
                flagged |= _flagged(self.batch_url, chunk, response.json().get("results"))
            return flagged

        def query_all(self, specs: Any) -> Any:
            """(spec, results) for each of *specs*: one batch query, then a full query per flagged package."""
            specs = list(specs)
            flagged = self._batch([s for s in specs if isinstance(s, ResolvedDependency)])
            for spec in specs:
                yield self.query(spec) if spec in flagged else (spec, [])

    return {"dir": AdvisoryDirService, "osv": OsvApiService}


class OsvFolder:
    """OSV records on disk, any ecosystem: ``vulns/<package>/*.json`` or ``*.yaml`` (a scoped npm
    package in ``vulns/@scope/name/``), as the PyPA advisory database and ``advisory-db-npm`` lay them out.

    :meth:`records` gives the records about one package of one ecosystem
    (read once, cached); ``index`` names the package folders. InputError
    when the folder has no ``vulns/`` or a record does not parse.
    """

    def __init__(self, folder: Path):
        self.folder = folder
        vulns = folder / "vulns"
        if not vulns.is_dir():
            raise InputError(f"{folder}: not an advisory database (no vulns/ folder with <package>/*.json "
                             "or *.yaml OSV records)")
        self.index: dict[str, Path] = {}
        for path in vulns.iterdir():
            if not path.is_dir():
                continue
            if path.name.startswith("@"):
                self.index.update({f"{path.name}/{sub.name}": sub for sub in path.iterdir() if sub.is_dir()})
            else:
                self.index[path.name] = path
        self._lower = {name.lower(): path for name, path in self.index.items()}
        self._cache: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def has(self, name: str) -> bool:
        """Whether the data holds a folder for package *name*."""
        return name in self.index or name.lower() in self._lower

    def holds_ecosystem(self, ecosystem: str) -> bool:
        """Whether any record of the folder has an ``affected`` entry of *ecosystem* (``npm``, ``PyPI``).

        The PyPA database holds no npm record and advisory-db-npm no PyPI one: an audit against the
        wrong one would read as clean without having checked anything. Record files are searched as
        text, folder by folder, until one names the ecosystem (the first file of the right database).
        """
        named = re.compile(rb"""ecosystem["']?\s*:\s*["']?""" + re.escape(ecosystem.encode())
                           + rb"""(?:["'\s,}]|$)""", re.MULTILINE)
        for folder in self.index.values():
            for path in folder.iterdir():
                if path.suffix in (".json", ".yaml", ".yml"):
                    try:
                        if named.search(path.read_bytes()):
                            return True
                    except OSError:
                        continue
        return False

    def records(self, ecosystem: str, name: str) -> list[dict[str, Any]]:
        """The records (not withdrawn) with an ``affected`` entry for *name* in *ecosystem*, by file name."""
        with self._lock:
            cached = self._cache.get((ecosystem, name))
            if cached is not None:
                return cached
            folder = self.index.get(name) or self._lower.get(name.lower())
            found = []
            for path in sorted(folder.iterdir()) if folder is not None else []:
                if path.suffix not in (".json", ".yaml", ".yml"):
                    continue
                record = _load_record(path)
                if not record.get("withdrawn") and affected_entries(record, ecosystem, name):
                    found.append(record)
            self._cache[(ecosystem, name)] = found
            return found


def affected_entries(record: dict[str, Any], ecosystem: str, name: str) -> list[dict[str, Any]]:
    """The ``affected`` entries of *record* about package *name* of *ecosystem* (names compared exactly,
    as npm does; OSV ecosystem names are case-sensitive)."""
    return [a for a in record.get("affected") or [] if isinstance(a, dict)
            and (a.get("package") or {}).get("ecosystem") == ecosystem
            and (a.get("package") or {}).get("name") == name]
