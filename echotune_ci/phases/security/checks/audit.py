"""The ``audit`` check: known vulnerabilities of the dependencies, Python and JavaScript.

Python (pip-audit, driven as a library): pinned requirements files
(pip-audit's RequirementSource with ``no_deps`` + ``disable_pip``: no
virtualenv, no index), a pyproject.toml's ``[project] dependencies`` (pins
as written, ranges resolved to what is installed here) and the running
environment (pip-audit's PipSource), against pip-audit's default service
(PyPI, online), any OSV API (``osv_url``) or an offline advisory folder
(``advisory_db``).

JavaScript: the lockfiles of the project (package-lock.json,
npm-shrinkwrap.json, yarn.lock, pnpm-lock.yaml; :mod:`..lockfiles`) against
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
from .base import CheckError, CheckOutput, SecurityCheck

if TYPE_CHECKING:  # pragma: no cover
    from packaging.requirements import Requirement

    from ...base import PhaseContext
    from ..js_audit import JsAuditReport
    from ..lockfiles import Found
    from ..settings import AuditSettings, SecuritySettings


@dataclass
class AuditReport:
    """What the audit found: findings, packages audited, packages skipped ("name (reason)"),
    packages the advisory data does not know, the service's label, pip-audit's version, notes."""

    findings: list[Finding] = field(default_factory=list)
    packages: int = 0
    skipped: list[str] = field(default_factory=list)
    not_in_db: list[str] = field(default_factory=list)
    service: str = ""
    version: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass
class AuditTarget:
    """One source of dependencies: its label, the dependencies, and the line of each package's pin."""

    label: str  # what a finding's location says: a repo-relative file, or "" for the environment
    deps: list[Any]
    lines: dict[str, int] = field(default_factory=dict)


def audit(root: Path, *, requirements: Sequence[Path], pyproject: Path | None, environment: bool,
          advisory_db: Path | None, osv_url: str, timeout: float, default_severity: str,
          ignore: Sequence[str]) -> AuditReport:
    """Audit the given dependency sources against one vulnerability service.

    The service is the advisory folder *advisory_db* when given, else the OSV
    API at *osv_url*, else PyPI (online); *timeout* is seconds per request.
    Raises InputError (exit 2) for unreadable or unpinned inputs and bad
    advisory data, RunError (exit 3) when the service fails.
    """
    import logging
    from importlib.metadata import version as dist_version

    # pip-audit logs through the root logger's last-resort handler; what it
    # says (skipped packages, services) reaches the result's notes instead.
    logging.getLogger("pip_audit").setLevel(logging.ERROR)
    targets = [_requirements_target(root, p) for p in requirements]
    if pyproject is not None:
        targets.append(_pyproject_target(root, pyproject))
    if environment:
        targets.append(_environment_target())
    service, label = _service(advisory_db, osv_url, timeout)
    report = AuditReport(service=label, version=dist_version("pip-audit"))
    for target in targets:
        _audit_target(service, target, report, default_severity, set(ignore))
    report.not_in_db = sorted(set(getattr(service, "not_in_db", [])))
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


def _requirements_target(root: Path, path: Path) -> AuditTarget:
    from pip_audit._dependency_source import DependencySourceError, RequirementSource

    if not path.is_file():
        raise InputError(f"{path}: requirements file not found")
    source = RequirementSource([path], no_deps=True, disable_pip=True)
    try:
        deps = list(source.collect())
    except DependencySourceError as exc:
        text = " ".join(str(exc).split())
        # pip-audit appends the repr of its RequirementLine: keep only the line number.
        line = re.search(r" \(from RequirementLine\(line_number=(\d+),.*$", text)
        where = f"{path}:{line.group(1)}" if line else f"{path}"
        raise InputError(f"{where}: cannot audit: {text[:line.start()] if line else text}") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"{path}: unreadable requirements file ({exc})") from None
    return AuditTarget(relative_to_root(path, root), deps, _pin_lines(path))


def _pin_lines(path: Path) -> dict[str, int]:
    from packaging.utils import canonicalize_name

    lines: dict[str, int] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", line)
        if m:
            lines.setdefault(canonicalize_name(m.group(1)), n)
    return lines


def _pyproject_target(root: Path, path: Path) -> AuditTarget:
    """Exact pins as written; ranges audit the version installed here, when it fits."""
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    text, data = _read_pyproject(path)
    text_lines = text.splitlines()
    target = AuditTarget(relative_to_root(path, root), [])
    for raw in (data.get("project") or {}).get("dependencies") or []:
        try:
            req = Requirement(raw)
        except InvalidRequirement as exc:
            raise InputError(f"{path}: [project] dependencies: {raw!r} is not a requirement "
                             f"({exc})") from None
        if req.marker is not None and not req.marker.evaluate():
            continue
        dep = _pyproject_dependency(req)
        target.deps.append(dep)
        if dep.is_skipped():
            continue
        line = next((i for i, t in enumerate(text_lines, 1) if raw in t), None)
        if line:
            target.lines[canonicalize_name(req.name)] = line
    return target


def _read_pyproject(path: Path) -> tuple[str, dict[str, Any]]:
    """The text of the pyproject.toml *path* and its TOML data; InputError when it cannot be read."""
    import tomllib

    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except FileNotFoundError:
        raise InputError(f"{path}: pyproject.toml not found") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"{path}: not a readable pyproject.toml ({exc})") from None
    return text, data


def _pyproject_dependency(req: Requirement) -> Any:
    """What to audit for the requirement *req*: its exact pin, else the version installed here when
    the range allows it, else a SkippedDependency saying why not."""
    from importlib.metadata import PackageNotFoundError, version as installed

    from packaging.version import Version
    from pip_audit._service.interface import ResolvedDependency, SkippedDependency

    pins = [s.version for s in req.specifier if s.operator in ("==", "===") and "*" not in s.version]
    try:
        have = Version(pins[0]) if pins else Version(installed(req.name))
    except PackageNotFoundError:
        return SkippedDependency(name=req.name, skip_reason="not pinned and not installed here")
    if not pins and not req.specifier.contains(have, prereleases=True):
        return SkippedDependency(name=req.name, skip_reason=f"installed {have} is outside {req.specifier}")
    return ResolvedDependency(name=req.name, version=have)


def _environment_target() -> AuditTarget:
    from pip_audit._dependency_source import PipSource, PipSourceError

    try:
        deps = list(PipSource(local=True).collect())
    except PipSourceError as exc:
        raise RunError(f"cannot list the installed packages: {exc}") from None
    return AuditTarget("", deps)


def _audit_target(service: Any, target: AuditTarget, report: AuditReport, default_severity: str,
                  ignore: set[str]) -> None:
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
    for dep, vulns in results:
        if dep.is_skipped():
            report.skipped.append(f"{dep.name} ({dep.skip_reason})")
            continue
        report.packages += 1
        for vuln in vulns:
            if vuln.has_any_id(ignore):
                continue
            record: dict[str, Any] = (records.get(vuln.id)
                                      or next((records[a] for a in vuln.aliases if a in records), {}))
            severity, score, basis = severity_from_record(record, default_severity)
            report.findings.append(_finding(dep, vuln, target, severity, score, basis))


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
    line = target.lines.get(dep.canonical_name)
    return Finding(
        rule_id=vuln.id,
        severity=severity,
        message=f"{dep.name} {dep.version}: {vuln.id}{also}, {fix_text}. {vuln.description[:240]}",
        source_tool="pip-audit",
        location=Location(target.label, line) if target.label else None,
        help_url=f"https://osv.dev/vulnerability/{vuln.id}",
        context=f"{dep.canonical_name} {vuln.id}",
        properties={
            "package": dep.name,
            "version": str(dep.version),
            "fixed_versions": fixed,
            "aliases": aliases,
            "requirements_file": target.label,
            "cvss_score": score,
            "severity_basis": basis,
        },
    )


def _inputs(opts: AuditSettings, ctx: PhaseContext) -> tuple[list[Path], Path | None, bool] | None:
    """(requirements files, pyproject, environment) to audit; None when there is nothing.

    Without configured inputs, the repository's requirements.txt (else its
    pyproject.toml) is audited.
    """
    requirements = [ctx.resolve(p) for p in opts.requirements]
    pyproject = ctx.resolve(opts.pyproject) if opts.pyproject else None
    if requirements or pyproject or opts.environment:
        return requirements, pyproject, opts.environment
    for default in (ctx.root / "requirements.txt", ctx.root / "pyproject.toml"):
        if default.is_file():
            return ([default], None, False) if default.suffix == ".txt" else ([], default, False)
    return None


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
    found in the project root and its direct subfolders, with the package.json files that have none."""
    from ..lockfiles import Found, find_lockfiles

    if opts.lockfiles:
        paths = [ctx.resolve(p) for p in opts.lockfiles]
        for path in paths:
            if not path.is_file():
                raise InputError(f"{path}: lockfile not found ([security.audit] lockfiles)")
        return Found(lockfiles=paths)
    return find_lockfiles(ctx.root)


def js_audit(opts: AuditSettings, ctx: PhaseContext, lockfiles: Sequence[Path]) -> JsAuditReport:
    """Audit *lockfiles* with the source ``npm`` selects (``osv``: the advisory folder, else the OSV API
    ``osv_url``, else api.osv.dev; ``npm-audit``: npm's own audit for npm lockfiles, OSV for the others).

    InputError (exit 2) for a lockfile or advisory record that does not parse; RunError when the
    service or npm fails.
    """
    from ..js_audit import ApiAdvisories, FolderAdvisories, JsAuditReport, audit_lockfiles
    from ..lockfiles import read_lockfile
    from ..npm_audit import NPM_LOCKFILES
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

    def run(self, settings: SecuritySettings, ctx: PhaseContext) -> CheckOutput:
        """Audit every ecosystem that has inputs; InputError for bad inputs or advisory data, CheckError
        (with what the other ecosystem found) when a service fails."""
        opts = settings.audit
        out = CheckOutput()
        inputs = _inputs(opts, ctx)
        js = lockfile_inputs(opts, ctx)
        if inputs is None and not js.lockfiles and not js.unlocked:
            out.notes.append("audit not run: no requirements file, pyproject.toml, environment or "
                             "JavaScript lockfile to audit")
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
        if errors:
            raise CheckError("; ".join(errors), out)
        return out

    @staticmethod
    def _python(opts: AuditSettings, ctx: PhaseContext, inputs: tuple[list[Path], Path | None, bool],
                out: CheckOutput, counts: list[str]) -> None:
        requirements, pyproject, environment = inputs
        report = audit(ctx.root, requirements=requirements, pyproject=pyproject, environment=environment,
                       advisory_db=advisory_folder(opts, ctx), osv_url=opts.osv_url, timeout=opts.timeout,
                       default_severity=opts.default_severity, ignore=opts.ignore)
        out.tool_versions["pip-audit"] = report.version
        out.findings.extend(report.findings)
        out.metrics += _metrics("PyPI", report.packages, report.findings, len(report.skipped), report.service,
                                strict=opts.strict)
        out.notes += _notes(report)
        vulnerable = len({(f.properties.get("package"), f.properties.get("version"))
                          for f in report.findings})
        counts.append(f"PyPI: {report.packages} packages checked, {vulnerable} vulnerable")

    @staticmethod
    def _javascript(opts: AuditSettings, ctx: PhaseContext, js: Found, out: CheckOutput,
                    counts: list[str]) -> None:
        from ..js_audit import summary_notes

        for manifest in js.unlocked:
            out.notes.append(f"audit: {relative_to_root(manifest, ctx.root)}: cannot audit without a "
                             "lockfile; run npm install --package-lock-only")
        if not js.lockfiles:
            declared = sum(_declared(m) for m in js.unlocked)
            out.metrics += _metrics("npm", 0, [], declared, "nothing (no lockfile)", strict=opts.strict,
                                    warn=True)
            counts.append(f"npm: not audited, no lockfile ({declared} declared dependencies)")
            return
        report = js_audit(opts, ctx, js.lockfiles)
        out.tool_versions.update(report.tool_versions)
        out.findings.extend(report.findings)
        unauditable = len(report.unauditable) + sum(_declared(m) for m in js.unlocked)
        out.metrics += _metrics("npm", report.packages, report.findings, unauditable, report.service,
                                strict=opts.strict, warn=bool(js.unlocked))
        out.notes += summary_notes(report, opts.production_only)
        vulnerable = sum(s.vulnerable for s in report.lockfiles)
        more = f", {len(report.unauditable)} not auditable" if report.unauditable else ""
        counts.append(f"npm: {report.packages} packages checked, {vulnerable} vulnerable{more}")


def _declared(manifest: Path) -> int:
    """How many dependencies a package.json declares (0 when it cannot be read)."""
    import json

    try:
        data = json.loads(manifest.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError):
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


def _notes(report: AuditReport) -> list[str]:
    notes = [f"audit: PyPI: {report.packages} packages checked against {report.service}"]
    if report.skipped:
        notes.append("audit could not check (PyPI): " + "; ".join(report.skipped))
    if report.not_in_db:
        notes.append(f"audit: {len(report.not_in_db)} PyPI packages have no entry in the advisory data "
                     f"(no known vulnerabilities there): {', '.join(report.not_in_db[:20])}"
                     + (" ..." if len(report.not_in_db) > 20 else ""))
    return notes + report.notes


CHECK: SecurityCheck = AuditCheck()
