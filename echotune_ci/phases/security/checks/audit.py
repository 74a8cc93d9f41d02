"""The ``audit`` check: known vulnerabilities of the dependencies, Python and JavaScript.

Python: the manifests :mod:`..pymanifests` reads — requirements files as pip
reads them (includes, constraints, markers, ``${VAR}``), poetry.lock, pdm.lock,
uv.lock, Pipfile.lock, pylock.toml, and the exact pins of a pyproject.toml —
and the running environment (pip-audit's PipSource). Each exact (package,
version) is looked up once through pip-audit's Auditor against pip-audit's
default service (PyPI, online), any OSV API (``osv_url``) or an offline
advisory folder (``advisory_db``); what has no exact version is listed as not
auditable, and an audit that checked 0 packages warns.

JavaScript: the lockfiles of the project (package-lock.json,
npm-shrinkwrap.json, yarn.lock, pnpm-lock.yaml, bun.lock; :mod:`..lockfiles`) against
the same offline folder or OSV API (``https://api.osv.dev`` when neither is
set; :mod:`..js_audit`), or with ``npm = "npm-audit"`` through the project's
own ``npm audit`` (:mod:`..npm_audit`). Each ecosystem is audited whenever
its inputs exist, independently of the other.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ....errors import InputError, RunError
from ....results import Finding, Location, Metric
from ..files import relative_to_root
from ..npm_audit import NPM_SEVERITY, npm_findings  # noqa: F401 - re-exported: the npm audit report parser
from ..osv import service_classes, severity_from_record
from ..pymanifests.model import PyManifest, PyPackage
from .base import CheckError, CheckOutput, SecurityCheck

if TYPE_CHECKING:  # pragma: no cover
    from ...base import PhaseContext
    from ..js_audit import JsAuditReport
    from ..lockfiles import Found
    from ..settings import AuditSettings, SecuritySettings


@dataclass
class AuditReport:
    """What the Python audit found: findings, distinct (package, version) pairs audited, packages that
    could not be ("file:line: name (reason)"), lines whose marker does not apply, dev packages left out,
    packages the advisory data does not know, the service's label, pip-audit's version, one summary
    line per manifest, notes."""

    findings: list[Finding] = field(default_factory=list)
    packages: int = 0
    skipped: list[str] = field(default_factory=list)
    not_applicable: list[str] = field(default_factory=list)
    dev_skipped: int = 0
    not_in_db: list[str] = field(default_factory=list)
    service: str = ""
    version: str = ""
    summaries: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unchecked: str = ""  # why the packages were not checked at all (advisory data without PyPI records)


@dataclass
class AuditTarget:
    """One source of dependencies: its label (a repo-relative file, "" for the environment), what it
    is (``poetry.lock 2.1``), the dependencies for pip-audit, and the manifest entry of each
    (canonical name, version) that says where it is pinned."""

    label: str
    format: str
    deps: list[Any]
    root: Path | None = None
    unauditable: int = 0
    entries: dict[tuple[str, str], PyPackage] = field(default_factory=dict)


def audit(root: Path, manifests: Sequence[PyManifest], *, environment: bool, advisory_db: Path | None,
          osv_url: str, timeout: float, default_severity: str, ignore: Sequence[str],
          production_only: bool = False) -> AuditReport:
    """Audit the packages of *manifests* (and, with *environment*, the running Python's) against one
    vulnerability service.

    The service is the advisory folder *advisory_db* when given, else the OSV
    API at *osv_url*, else PyPI (online); *timeout* is seconds per request.
    With *production_only* dev packages are left out and counted. Raises
    InputError (exit 2) for bad advisory data, RunError (exit 3) when the
    service fails.
    """
    import logging
    from importlib.metadata import version as dist_version

    # pip-audit logs through the root logger's last-resort handler; what it
    # says (skipped packages, services) reaches the result's notes instead.
    logging.getLogger("pip_audit").setLevel(logging.ERROR)
    report = AuditReport()
    targets = [_manifest_target(root, m, report, production_only) for m in manifests]
    if environment:
        targets.append(_environment_target())
    service, report.service = _service(advisory_db, osv_url, timeout)
    report.version = dist_version("pip-audit")
    audited: set[tuple[str, str]] = set()
    for target in targets:
        vulnerable, count = _audit_target(service, target, report, default_severity, set(ignore), audited)
        more = f", {target.unauditable} not auditable" if target.unauditable else ""
        report.summaries.append(f"{target.label or 'installed packages'} ({target.format}): {count} packages "
                                f"checked, {vulnerable} vulnerable{more}")
    report.packages = len(audited)
    report.not_in_db = sorted(set(getattr(service, "not_in_db", [])))
    if advisory_db is not None and report.packages and not report.findings:
        from ..osv import OsvFolder

        if not OsvFolder(advisory_db).holds_ecosystem("PyPI"):  # advisory-db-npm: it cannot say "clean"
            report.unchecked, report.not_in_db = f"{report.service} holds no PyPI advisories", []
    return report


def _service(advisory_db: Path | None, osv_url: str, timeout: float) -> tuple[Any, str]:
    classes = service_classes()
    if advisory_db is not None:
        return classes["dir"](advisory_db), f"offline advisory data {advisory_db}"
    if osv_url:
        if not re.match(r"^https?://", osv_url):
            raise InputError(f"--osv-url {osv_url!r}: expected an http(s) URL")
        return classes["osv"](osv_url, timeout), f"OSV API {osv_url}"
    from pip_audit._service.pypi import PyPIService

    return PyPIService(timeout=timeout), "PyPI vulnerability data (online)"


def _manifest_target(root: Path, manifest: PyManifest, report: AuditReport,
                     production_only: bool) -> AuditTarget:
    """The pip-audit dependencies of *manifest*; what cannot be audited goes to *report*."""
    from packaging.version import InvalidVersion, Version
    from pip_audit._service.interface import ResolvedDependency

    target = AuditTarget(relative_to_root(manifest.path, root), manifest.format, [], root)
    for pkg in manifest.packages:
        where = f"{relative_to_root(pkg.path, root) if pkg.path else target.label}:{pkg.line or '?'}"
        if production_only and pkg.dev:
            report.dev_skipped += 1
            continue
        if pkg.not_auditable:
            report.skipped.append(f"{where}: {pkg.name} ({pkg.not_auditable})")
            target.unauditable += 1
            continue
        try:
            version = Version(pkg.version)
        except InvalidVersion:
            report.skipped.append(f"{where}: {pkg.name} ({pkg.version!r} is not a PEP 440 version)")
            continue
        key = (pkg.key, str(version))
        if key not in target.entries:
            target.entries[key] = pkg
            target.deps.append(ResolvedDependency(name=pkg.name, version=version))
    report.not_applicable += manifest.not_applicable
    report.notes += manifest.notes
    return target


def _environment_target() -> AuditTarget:
    from pip_audit._dependency_source import PipSource, PipSourceError

    try:
        deps = list(PipSource(local=True).collect())
    except PipSourceError as exc:
        raise RunError(f"cannot list the installed packages: {exc}") from None
    return AuditTarget("", "the running Python", deps)


def _audit_target(service: Any, target: AuditTarget, report: AuditReport, default_severity: str,
                  ignore: set[str], audited: set[tuple[str, str]]) -> tuple[int, int]:
    """Audit one target; findings and skipped packages go to *report*, each (name, version) checked to
    *audited*. Returns (vulnerable packages, packages checked) of the target."""
    import requests
    from pip_audit._audit import Auditor
    from pip_audit._dependency_source import DependencySource
    from pip_audit._service.interface import ConnectionError as AuditConnectionError
    from pip_audit._service.interface import ServiceError

    class Listed(DependencySource):
        def collect(self) -> Iterator[Any]:
            return iter(target.deps)

        def fix(self, fix_version: Any) -> None:  # pragma: no cover - never asked to fix
            raise NotImplementedError

    if not target.deps:
        return 0, 0
    where = target.label or "installed packages"
    try:
        results = list(Auditor(service).audit(Listed()))
    except (AuditConnectionError, requests.ConnectionError, requests.Timeout) as exc:
        raise RunError(f"{report.service}: unreachable while auditing {where} ({_reason(exc)})") from None
    except ServiceError as exc:
        raise RunError(f"{report.service}: failed while auditing {where} ({_reason(exc)})") from None
    except requests.RequestException as exc:
        raise RunError(f"{report.service}: {_reason(exc)}") from None
    except ValueError as exc:  # a body that is not JSON
        raise RunError(f"{report.service}: answered something that is not OSV JSON ({exc})") from None
    records = getattr(service, "records", {})
    vulnerable = checked = 0
    for dep, vulns in results:
        if dep.is_skipped():
            report.skipped.append(f"{where}: {dep.name} ({dep.skip_reason})")
            continue
        checked += 1
        audited.add((dep.canonical_name, str(dep.version)))
        kept = [v for v in vulns if not v.has_any_id(ignore)]
        vulnerable += bool(kept)
        for vuln in kept:
            record: dict[str, Any] = (records.get(vuln.id)
                                      or next((records[a] for a in vuln.aliases if a in records), {}))
            severity, score, basis = severity_from_record(record, default_severity)
            report.findings.append(_finding(dep, vuln, target, severity, score, basis))
    return vulnerable, checked


# A service that could not be reached (not one that answered an error): the way to audit without it.
_UNREACHABLE = re.compile(r"unreachable|no answer from")
OFFLINE_HINT = ("without network, set [security.audit] advisory_db (or ECHOTUNE_ADVISORY_DB) to a local "
                "advisory database folder (docs/security.md)")


def _reason(exc: BaseException) -> str:
    inner = exc.__cause__ or exc.__context__ or exc
    response = getattr(inner, "response", None)
    if response is not None:
        return f"HTTP {response.status_code} from {response.url}: {response.text[:200].strip()}"
    text = str(inner).splitlines()[0] if str(inner) else type(inner).__name__
    # urllib3 wraps the socket error in reprs of its pools and connections: keep the socket error.
    errno = re.search(r"\[Errno -?\d+\] [^'\")]+", text)
    return errno.group(0).strip() if errno else text


def _finding(dep: Any, vuln: Any, target: AuditTarget, severity: str, score: float | None,
             basis: str) -> Finding:
    aliases = sorted(vuln.aliases)
    fixed = [str(v) for v in vuln.fix_versions]
    fix_text = f"fixed in {', '.join(fixed)}" if fixed else "no fixed version yet"
    also = f" ({', '.join(aliases)})" if aliases else ""
    pkg = target.entries.get((dep.canonical_name, str(dep.version)))
    label = target.label
    if pkg is not None and pkg.path is not None and target.root is not None:
        label = relative_to_root(pkg.path, target.root)  # an included file or a constraint pins it
    how = f" ({pkg.note})" if pkg is not None and pkg.note else ""
    return Finding(
        rule_id=vuln.id,
        severity=severity,
        message=f"{dep.name} {dep.version}{how}: {vuln.id}{also}, {fix_text}. {vuln.description[:240]}",
        source_tool="pip-audit",
        location=Location(label, pkg.line if pkg is not None else None) if label else None,
        help_url=f"https://osv.dev/vulnerability/{vuln.id}",
        context=f"{dep.canonical_name} {vuln.id}",
        properties={
            "ecosystem": "PyPI",
            "package": dep.name,
            "version": str(dep.version),
            "fixed_versions": fixed,
            "aliases": aliases,
            "requirements_file": label,
            "manifest": target.label,
            "format": target.format,
            "dev": bool(pkg.dev) if pkg is not None else False,
            "cvss_score": score,
            "severity_basis": basis,
            "rule_description": f"{dep.name}: {vuln.description.split(chr(10))[0][:200] or vuln.id}",
        },
    )


def python_inputs(opts: AuditSettings, ctx: PhaseContext) -> tuple[list[Path], bool] | None:
    """(manifests, environment) to audit; None when there is nothing.

    Configured ``requirements``, ``pyproject`` and Python entries of
    ``lockfiles`` win; else what :func:`..pymanifests.find_manifests` picks in
    the project root (lockfiles and requirements.txt, else pyproject.toml).
    """
    from ..pymanifests import find_manifests, is_lockfile

    configured = [ctx.resolve(p) for p in opts.requirements]
    configured += [ctx.resolve(opts.pyproject)] if opts.pyproject else []
    configured += [ctx.resolve(p) for p in opts.lockfiles if is_lockfile(Path(p))]
    if configured or opts.environment:
        return configured, opts.environment
    found = find_manifests(ctx.root)
    return (found, False) if found else None


def _check_python_inputs(opts: AuditSettings, ctx: PhaseContext) -> None:
    """InputError (exit 2) for a configured Python lockfile that does not exist, and for requirements
    files whose -r/-c includes are missing or form a cycle: pip refuses such a file before it installs
    anything, so the configuration is wrong, not the run."""
    from ..pymanifests import is_lockfile, marker_environment
    from ..pymanifests.requirements import read_requirements

    for path in (ctx.resolve(p) for p in opts.lockfiles if is_lockfile(Path(p))):
        if not path.is_file():
            raise InputError(f"{path}: lockfile not found ([security.audit] lockfiles)")
    inputs = python_inputs(opts, ctx)
    env = marker_environment(opts.python_version, opts.platform)
    for path in (inputs or ([], False))[0]:
        if path.is_file() and not is_lockfile(path) and path.name != "pyproject.toml":
            read_requirements(path, env=env, label=lambda q: relative_to_root(q, ctx.root))


def _parse_lockfiles(opts: AuditSettings, ctx: PhaseContext) -> None:
    """Parse every lockfile the audit will read: one that does not parse, or of a version no reader
    supports, is the user's input error (exit 2 naming the file and line) found before any check runs
    and before anything is written, like a requirements file whose includes are missing."""
    from ..lockfiles import read_lockfile
    from ..pymanifests import is_lockfile
    from ..pymanifests.locks import read_lock

    for path in lockfile_inputs(opts, ctx).lockfiles:
        read_lockfile(path)
    for path in (python_inputs(opts, ctx) or ([], False))[0]:
        if path.is_file() and is_lockfile(path):
            read_lock(path)


def advisory_folder(opts: AuditSettings, ctx: PhaseContext) -> Path | None:
    """The offline advisory folder to use, resolved: ``advisory_db``, else the environment variable
    named by ``advisory_db_env`` (ECHOTUNE_ADVISORY_DB), relative to the configuration file; else None.
    """
    # ECHOTUNE_ADVISORY_DB lets a runner with a local advisory mirror go offline
    # without editing the project's config.
    from_env = os.environ.get(opts.advisory_db_env, "") if opts.advisory_db_env else ""
    configured = opts.advisory_db or from_env
    return ctx.resolve(configured).resolve() if configured else None


def lockfile_inputs(opts: AuditSettings, ctx: PhaseContext) -> Found:
    """The JavaScript lockfiles to audit: ``lockfiles`` as configured (each must exist), else the ones
    found in ``paths`` (the PATH arguments of the command), else in the project root and its direct
    subfolders, with the package.json files that have none."""
    from ..lockfiles import Found, find_lockfiles, find_lockfiles_in

    from ..pymanifests import is_lockfile

    js_lockfiles = [p for p in opts.lockfiles if not is_lockfile(Path(p))]
    if js_lockfiles:
        paths = [ctx.resolve(p) for p in js_lockfiles]
        for path in paths:
            if not path.is_file():
                raise InputError(f"{path}: lockfile not found ([security.audit] lockfiles)")
        return Found(lockfiles=paths)
    if opts.lockfiles:  # Python lockfiles only: no JavaScript one is configured
        return Found()
    if opts.paths:
        return find_lockfiles_in([ctx.resolve(p) for p in opts.paths], ctx.root)
    return find_lockfiles(ctx.root)


def js_audit(opts: AuditSettings, ctx: PhaseContext, lockfiles: Sequence[Path]) -> JsAuditReport:
    """Audit *lockfiles* with the source ``npm`` selects (``osv``: the advisory folder, else the OSV API
    ``osv_url``, else api.osv.dev; ``npm-audit``: npm's own audit for npm lockfiles, OSV for the others).

    InputError (exit 2) for a lockfile or advisory record that does not parse; RunError when the
    service or npm fails.
    """
    from ..js_audit import ApiAdvisories, FolderAdvisories, JsAuditReport, audit_lockfiles
    from ..lockfiles import read_lockfile
    from ....project.workspaces import NPM_LOCKFILES
    from ..osv_api import DEFAULT_URL

    locks = [read_lockfile(p) for p in lockfiles]
    by_npm = [lock for lock in locks if opts.npm == "npm-audit" and lock.path.name in NPM_LOCKFILES]
    by_osv = [lock for lock in locks if lock not in by_npm]
    report = JsAuditReport(service="npm audit")
    if by_osv:
        folder = advisory_folder(opts, ctx)
        source: Any = (FolderAdvisories(folder) if folder is not None
                       else ApiAdvisories(opts.osv_url or DEFAULT_URL, opts.timeout))
        report = audit_lockfiles(by_osv, ctx.root, source, production_only=opts.production_only,
                                 default_severity=opts.default_severity, ignore=opts.ignore)
    for lock in by_npm:
        _npm_audit(lock, opts, ctx, report)
    return report


def _npm_audit(lock: Any, opts: AuditSettings, ctx: PhaseContext, report: JsAuditReport) -> None:
    """Add what ``npm audit`` says about *lock* to *report*."""
    from ..js_audit import LockfileSummary, candidates
    from ..npm_audit import run_npm_audit

    summary = LockfileSummary(relative_to_root(lock.path, ctx.root), f"{lock.format}, npm audit")
    candidates(lock, opts.production_only, summary)
    found, version = run_npm_audit(lock, summary.label, ctx.root, registry=opts.registry,
                                   production_only=opts.production_only, timeout=max(opts.timeout, 120.0))
    ignored = set(opts.ignore)
    found = [f for f in found if f.rule_id not in ignored]
    summary.vulnerable = len({(f.properties["package"], f.properties["version"]) for f in found})
    report.findings.extend(found)
    report.lockfiles.append(summary)
    report.notes.extend(lock.notes)
    report.tool_versions["npm"] = version


class AuditCheck:
    """[security.audit]: known vulnerabilities of the dependencies, per ecosystem (PyPI, npm).

    Metrics, each with the label ``ecosystem``: ``audit.packages``,
    ``audit.vulnerable_packages``, ``audit.skipped_packages`` (packages) and
    ``audit.vulnerabilities`` (advisories); packages that could not be
    audited warn, or fail with ``strict``.
    """

    name = "audit"

    def preflight(self, settings: SecuritySettings, ctx: PhaseContext) -> None:
        """InputError for a file, folder or URL the configuration names that does not exist or cannot be
        one (requirements, pyproject, lockfiles, paths, advisory folder, OSV URL): what the content of
        the files says is the run's business (an error of this check only)."""
        opts = settings.audit
        for path in (ctx.resolve(p) for p in opts.requirements):
            if not path.is_file():
                raise InputError(f"{path}: requirements file not found")
        if opts.pyproject and not ctx.resolve(opts.pyproject).is_file():
            raise InputError(f"{ctx.resolve(opts.pyproject)}: pyproject.toml not found")
        _check_python_inputs(opts, ctx)
        if opts.osv_url and not re.match(r"^https?://", opts.osv_url):
            raise InputError(f"--osv-url {opts.osv_url!r}: expected an http(s) URL")
        _parse_lockfiles(opts, ctx)
        folder = advisory_folder(opts, ctx)
        if folder is not None:
            from ..osv import OsvFolder

            OsvFolder(folder)

    def run(self, settings: SecuritySettings, ctx: PhaseContext) -> CheckOutput:
        """Audit every ecosystem that has inputs; InputError for bad inputs or advisory data, CheckError
        (with what the other ecosystem found) when a service fails."""
        opts = settings.audit
        out = CheckOutput()
        inputs = python_inputs(opts, ctx)
        js = lockfile_inputs(opts, ctx)
        if inputs is None and not js.lockfiles and not js.unlocked:
            nothing = ("no requirements file, Python lockfile (poetry.lock, pdm.lock, uv.lock, Pipfile.lock, "
                       "pylock.toml), pyproject.toml, environment or JavaScript lockfile to audit")
            out.notes.append(f"audit not run: {nothing}")
            out.warnings.append(f"audit: 0 packages checked: {nothing} in {ctx.root}")
            out.metrics.append(Metric("audit.packages", 0, "packages", status="warn",
                                      description="Nothing to audit"))
            return out
        errors: list[str] = []
        counts: list[str] = []
        if inputs is not None:
            try:
                self._python(opts, ctx, inputs, out, counts)
            except RunError as exc:
                errors.append(str(exc))
        if opts.npm == "off":
            if js.lockfiles or js.unlocked:
                out.notes.append("audit: JavaScript dependencies not audited "
                                 "([security.audit] npm = \"off\")")
        elif js.lockfiles or js.unlocked:
            try:
                self._javascript(opts, ctx, js, out, counts)
            except RunError as exc:
                errors.append(str(exc))
        if counts:
            out.notes.insert(0, "audit: " + "; ".join(counts))
        if not errors:
            out.warnings += _nothing_checked(out.metrics, counts)
        if errors:
            offline = advisory_folder(opts, ctx) is None and any(_UNREACHABLE.search(e) for e in errors)
            raise CheckError("; ".join(errors) + (f"; {OFFLINE_HINT}" if offline else ""), out)
        return out

    @staticmethod
    def _python(opts: AuditSettings, ctx: PhaseContext, inputs: tuple[list[Path], bool], out: CheckOutput,
                counts: list[str]) -> None:
        from ..pymanifests import marker_environment, read_manifest

        paths, environment = inputs
        env = marker_environment(opts.python_version, opts.platform)
        manifests = [read_manifest(p, env=env, label=lambda q: relative_to_root(q, ctx.root)) for p in paths]
        report = audit(ctx.root, manifests, environment=environment, advisory_db=advisory_folder(opts, ctx),
                       osv_url=opts.osv_url, timeout=opts.timeout, default_severity=opts.default_severity,
                       ignore=opts.ignore, production_only=opts.production_only)
        out.tool_versions["pip-audit"] = report.version
        out.findings.extend(report.findings)
        unchecked = report.packages if report.unchecked else 0
        out.metrics += _metrics("PyPI", report.packages - unchecked, report.findings,
                                len(report.skipped) + unchecked, report.service, strict=opts.strict,
                                warn=bool(unchecked) or report.packages == 0)
        out.notes += _notes(report, opts.production_only)
        vulnerable = len({(f.properties.get("package"), f.properties.get("version"))
                          for f in report.findings})
        more = f", {len(report.skipped)} not auditable" if report.skipped else ""
        more += f", {unchecked} not checked ({report.unchecked})" if unchecked else ""
        if (not report.packages and report.skipped and advisory_folder(opts, ctx) is None
                and all("not found on PyPI" in s for s in report.skipped)):
            # pip-audit's PyPI service says so of every package when PyPI's JSON API cannot be reached (a
            # proxy that answers 404): not a fact about the packages.
            more += (f" (\"not found on PyPI\" for every one: PyPI's JSON API is out of reach here?; "
                     f"{OFFLINE_HINT})")
        counts.append(f"PyPI: {report.packages - unchecked} packages checked, {vulnerable} vulnerable{more}")

    @staticmethod
    def _javascript(opts: AuditSettings, ctx: PhaseContext, js: Found, out: CheckOutput,
                    counts: list[str]) -> None:
        from ..js_audit import summary_notes

        from ..lockfiles import unlocked_reason

        for manifest in js.unlocked:
            out.notes.append(f"audit: {relative_to_root(manifest, ctx.root)}: {unlocked_reason(manifest)}")
        if not js.lockfiles:
            declared = sum(_declared(m) for m in js.unlocked)
            out.metrics += _metrics("npm", 0, [], declared, "nothing (no lockfile)", strict=opts.strict,
                                    warn=True)
            counts.append(f"npm: not audited, no lockfile ({declared} declared dependencies)")
            return
        report = js_audit(opts, ctx, js.lockfiles)
        out.tool_versions.update(report.tool_versions)
        out.findings.extend(report.findings)
        unchecked = sum(s.unchecked for s in report.lockfiles)
        unauditable = len(report.unauditable) + sum(_declared(m) for m in js.unlocked) + unchecked
        out.metrics += _metrics("npm", report.packages, report.findings, unauditable, report.service,
                                strict=opts.strict, warn=bool(js.unlocked or unchecked))
        out.notes += summary_notes(report, opts.production_only)
        vulnerable = sum(s.vulnerable for s in report.lockfiles)
        more = f", {len(report.unauditable)} not auditable" if report.unauditable else ""
        more += f", {unchecked} not checked ({report.unchecked})" if unchecked else ""
        counts.append(f"npm: {report.packages} packages checked, {vulnerable} vulnerable{more}")


def _nothing_checked(metrics: list[Metric], counts: list[str]) -> list[str]:
    """A warning per ecosystem whose inputs were read but whose audit checked 0 packages (every line
    unpinned, only git/path sources, no lockfile): such an audit must not read as a clean pass."""
    warnings = []
    for m in metrics:
        ecosystem = m.labels.get("ecosystem", "")
        if m.name == "audit.packages" and ecosystem and not m.value:
            said = next((c for c in counts if c.startswith(f"{ecosystem}: ")), ecosystem)
            warnings.append(f"audit: 0 packages checked for {ecosystem} ({said}): the dependency audit "
                            "checked nothing there, so it cannot say those dependencies are free of known "
                            "vulnerabilities")
    return warnings


def _declared(manifest: Path) -> int:
    """How many dependencies a package.json declares (0 when it cannot be read)."""
    from ....fsutil import json_or_none

    data = json_or_none(manifest, encoding="utf-8-sig")
    if data is None:
        return 0
    kinds = ("dependencies", "devDependencies", "optionalDependencies")
    if not isinstance(data, dict):
        return 0
    return sum(len(data[k]) for k in kinds if isinstance(data.get(k), dict))


def _metrics(ecosystem: str, packages: int, findings: list[Finding], skipped_count: int, service: str, *,
             strict: bool, warn: bool = False) -> list[Metric]:
    """The four audit metrics of one ecosystem (label ``ecosystem``)."""
    labels = {"ecosystem": ecosystem}
    vulnerable = {(f.properties.get("package"), f.properties.get("version")) for f in findings}
    skipped = Metric("audit.skipped_packages", skipped_count, "packages",
                     description="Packages that could not be audited", labels=dict(labels))
    if strict:
        skipped.budget = 0
        skipped.evaluate()
    elif skipped_count or warn:
        skipped.status = "warn"  # an audit that checked nothing must not read as clean
    return [
        Metric("audit.packages", packages, "packages", description=f"Audited against {service}",
               labels=dict(labels)),
        Metric("audit.vulnerable_packages", len(vulnerable), "packages", labels=dict(labels)),
        Metric("audit.vulnerabilities", len(findings), "advisories", labels=dict(labels)),
        skipped,
    ]


_SKIPPED = re.compile(r"^(.*?): (\S+) \((.*)\)$", re.S)


def _grouped(skipped: list[str]) -> list[str]:
    """``where: name (reason)`` lines grouped by file and reason, every name kept and the reason said once
    per group: 89 packages "not found on PyPI" made one line of 9,000 characters."""
    groups: dict[tuple[str, str], list[str]] = {}
    loose = []
    for line in skipped:
        match = _SKIPPED.match(line)
        if match is None:
            loose.append(line)
            continue
        # pip-audit names the package again in its reason, in its canonical spelling: "... could not be
        # audited: typing-extensions (4.9.0)" for typing_extensions
        reason = re.sub(r":\s*[\w.\-\[\]]+ \([^()]*\)$", "", match.group(3))
        groups.setdefault((match.group(1), reason), []).append(match.group(2))
    return [f"{where}: {', '.join(names)} ({reason})" for (where, reason), names in groups.items()] + loose


def _notes(report: AuditReport, production_only: bool) -> list[str]:
    """Notes for people: per manifest what was checked, then what could not be and why."""
    head = (f"audit: PyPI: {report.packages} packages not checked: {report.unchecked}" if report.unchecked
            else f"audit: PyPI: {report.packages} packages checked against {report.service}")
    notes = [head] + [f"audit: PyPI: {s}" for s in report.summaries]
    if production_only:
        notes.append(f"audit: PyPI: {report.dev_skipped} dev-only packages left out (production_only)")
    if report.skipped:
        notes.append("audit could not check (PyPI): " + "; ".join(_grouped(report.skipped)))
    if report.not_applicable:
        notes.append("audit: PyPI: skipped, marker does not apply: " + "; ".join(report.not_applicable))
    if report.not_in_db:
        notes.append(f"audit: {len(report.not_in_db)} PyPI packages have no entry in the advisory data "
                     f"(no known vulnerabilities there): {', '.join(report.not_in_db[:20])}"
                     + (" ..." if len(report.not_in_db) > 20 else ""))
    return notes + report.notes


CHECK: SecurityCheck = AuditCheck()
