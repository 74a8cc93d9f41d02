"""The security phase: bandit, pip-audit, secrets, HTTP headers and auth probes.

``run(cfg, ctx)`` runs what [security] asks; the ``security`` command calls
:func:`run_security` with its command-line overrides. A check that cannot
run (service down, app down) is recorded as an error of the result, so the
other checks still report and the exit code says 3; a user's mistake in
input or configuration raises (exit 2).
"""

from __future__ import annotations

import os

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .. import __version__
from ..errors import ConfigError, RunError
from ..results import SEVERITIES, Metric, PhaseResult, assign_fingerprints
from ..settings.security import CHECKS

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Config
    from . import PhaseContext



@dataclass
class Overrides:
    """What the command line says, over [security]. None/empty: the config decides."""

    paths: list[str] = field(default_factory=list)
    requirements: list[Path] = field(default_factory=list)
    pyproject: Path | None = None
    environment: bool = False
    advisory_db: Path | None = None
    osv_url: str | None = None
    url: str | None = None
    only: list[str] = field(default_factory=list)
    baseline: Path | None = None
    update_baseline: bool = False
    sarif: Path | None = None
    fail_on: str | None = None


def run(cfg: "Config", ctx: "PhaseContext") -> PhaseResult:
    return run_security(cfg, ctx, Overrides())


def select_checks(sec: dict, ov: Overrides) -> list[str]:
    if ov.only:
        return [c for c in CHECKS if c in ov.only]
    targeted = set()
    if ov.paths:
        targeted |= {"bandit", "secrets"}
    if ov.requirements or ov.pyproject or ov.environment:
        targeted.add("audit")
    if ov.url:
        targeted.add("http")
    return [c for c in CHECKS if c in (targeted or set(sec["checks"]))]


def run_security(cfg: "Config", ctx: "PhaseContext", ov: Overrides) -> PhaseResult:
    sec = cfg.section("security")
    result = PhaseResult(phase="security", target=str(cfg.root))
    result.tool_versions["echotune-ci"] = __version__
    start = time.monotonic()
    if not sec["enabled"] and not ov.only:
        result.notes.append("security checks are disabled ([security] enabled = false)")
        return result.finalize()
    if ov.update_baseline and not (ov.baseline or sec["baseline"]):
        raise ConfigError("--update-baseline needs --baseline FILE (or [security] baseline)")
    runners = {"bandit": _bandit, "audit": _audit, "secrets": _secrets, "http": _http}
    for check in select_checks(sec, ov):
        ctx.progress(check)
        try:
            runners[check](cfg, sec, ov, ctx, result)
        except RunError as exc:
            result.errors.append(f"{check}: {exc}")
    _gate(cfg, sec, ov, result)
    result.duration_s = time.monotonic() - start
    sarif = ov.sarif or (cfg.resolve(sec["sarif"]) if sec["sarif"] else None)
    if sarif is not None:
        from ..fsutil import write_json_atomic
        from ..report.sarif import to_sarif

        write_json_atomic(sarif, to_sarif([result]))
        result.artifacts.append(str(sarif))
    return result


def _paths(cfg: "Config", configured: list[str], ov: Overrides) -> list[str]:
    """Command-line paths are relative to the working folder, configured ones to the config file."""
    if ov.paths:
        return [str(Path(p).absolute()) for p in ov.paths]
    return [str(cfg.resolve(p)) for p in configured]


def _bandit(cfg, sec, ov, ctx, result: PhaseResult) -> None:
    from .security_bandit import scan

    opts = sec["bandit"]
    report = scan(cfg.root, _paths(cfg, opts["paths"], ov), exclude=opts["exclude"], severity=opts["severity"],
                  confidence=opts["confidence"], skip=opts["skip"], tests=opts["tests"])
    result.tool_versions["bandit"] = report.version
    result.findings.extend(report.findings)
    result.metrics += [
        Metric("bandit.files", report.files, "files", description="Python files bandit analysed"),
        Metric("bandit.nosec", report.nosec, "lines", description="Results suppressed with # nosec"),
    ]
    for name, reason in report.skipped:
        result.notes.append(f"bandit skipped {name}: {reason}")


def _audit(cfg, sec, ov, ctx, result: PhaseResult) -> None:
    from .security_audit import audit

    opts = sec["audit"]
    if ov.requirements or ov.pyproject or ov.environment:  # the command line replaces [security.audit]
        requirements, pyproject, environment = list(ov.requirements), ov.pyproject, ov.environment
    else:
        requirements = [cfg.resolve(p) for p in opts["requirements"]]
        pyproject = cfg.resolve(opts["pyproject"]) if opts["pyproject"] else None
        environment = opts["environment"]
    if not (requirements or pyproject or environment):
        for default in (cfg.root / "requirements.txt", cfg.root / "pyproject.toml"):
            if default.is_file():
                requirements, pyproject = ([default], None) if default.suffix == ".txt" else ([], default)
                break
        else:
            result.notes.append("audit not run: no requirements file, pyproject.toml or environment to audit")
            return
    # ECHOTUNE_ADVISORY_DB lets a runner with a local advisory mirror go offline
    # without editing the project's config.
    configured = opts["advisory_db"] or os.environ.get("ECHOTUNE_ADVISORY_DB", "")
    advisory_db = ov.advisory_db or (cfg.resolve(configured) if configured else None)
    advisory_db = advisory_db.resolve() if advisory_db is not None else None
    osv_url = ov.osv_url if ov.osv_url is not None else opts["osv_url"]
    report = audit(cfg.root, requirements=requirements, pyproject=pyproject, environment=environment,
                   advisory_db=advisory_db if not ov.osv_url else None, osv_url=osv_url, timeout=opts["timeout"],
                   default_severity=opts["default_severity"], ignore=opts["ignore"], npm=opts["npm"])
    result.tool_versions["pip-audit"] = report.version
    result.findings.extend(report.findings)
    vulnerable = {(f.properties.get("package"), f.properties.get("version")) for f in report.findings}
    skipped = Metric("audit.skipped_packages", len(report.skipped), "packages",
                     description="Packages that could not be audited")
    if opts["strict"]:
        skipped.budget = 0
        skipped.evaluate()
    elif report.skipped:
        skipped.status = "warn"  # an audit that checked nothing must not read as clean
    result.metrics += [
        Metric("audit.packages", report.packages, "packages", description=f"Audited against {report.service}"),
        Metric("audit.vulnerable_packages", len(vulnerable), "packages"),
        Metric("audit.vulnerabilities", len(report.findings), "advisories"),
        skipped,
    ]
    result.notes.append(f"audit: {report.packages} packages checked against {report.service}")
    if report.skipped:
        result.notes.append("audit could not check: " + "; ".join(report.skipped))
    if report.not_in_db:
        result.notes.append(f"audit: {len(report.not_in_db)} packages have no entry in the advisory data "
                            f"(no known vulnerabilities there): {', '.join(report.not_in_db[:20])}"
                            + (" ..." if len(report.not_in_db) > 20 else ""))
    result.notes.extend(report.notes)


def _secrets(cfg, sec, ov, ctx, result: PhaseResult) -> None:
    from .security_secrets import load_allowlist, scan

    opts = sec["secrets"]
    allow_path = cfg.resolve(opts["allowlist"]) if opts["allowlist"] else None
    report = scan(cfg.root, _paths(cfg, opts["paths"], ov), exclude=opts["exclude"],
                  allowlist=load_allowlist(allow_path), max_file_bytes=opts["max_file_bytes"],
                  entropy=opts["entropy"], min_length=opts["min_length"])
    result.findings.extend(report.findings)
    result.metrics += [
        Metric("secrets.files", report.files, "files", description="Text files scanned for secrets"),
        Metric("secrets.skipped_binary", len(report.skipped_binary), "files"),
        Metric("secrets.skipped_large", len(report.skipped_large), "files",
               description=f"Files over {opts['max_file_bytes']} bytes"),
        Metric("secrets.allowed", report.allowed, "secrets", description="Matches on the allow-list"),
    ]
    if report.skipped_large:
        result.notes.append(f"secrets: skipped {len(report.skipped_large)} files over {opts['max_file_bytes']} "
                            f"bytes: {', '.join(report.skipped_large[:10])}")


def _http(cfg, sec, ov, ctx, result: PhaseResult) -> None:
    import httpx

    from .security_auth import run_probes
    from .security_http import check_pages

    opts = sec["http"]
    base_url = ov.url or opts["url"] or ctx.base_url
    if not base_url:
        result.notes.append("http checks not run: no URL (pass --url, set [security.http] url, or use `run`)")
        return
    result.target = base_url
    with httpx.Client(base_url=base_url, timeout=opts["timeout"], follow_redirects=False) as client:
        pages = check_pages(client, base_url, opts["pages"], opts["min_score"])
        result.findings.extend(pages.findings)
        for path, score, minimum in pages.pages:
            result.metrics.append(Metric(
                "http.headers_score", score.score, "points", better="higher", budget=minimum,
                labels={"url": path}, description=f"Observatory-style grade {score.grade}").evaluate())
        if opts["auth"]["login_path"]:
            auth = run_probes(client, opts["auth"])
            result.findings.extend(auth.findings)
            result.notes.extend(auth.notes)
            failed = [p for p in auth.probes if not p.passed]
            result.metrics.append(Metric("auth.probes_failed", len(failed), "probes",
                                         description=", ".join(f"{p.name}: {p.detail}" for p in auth.probes)))
            result.notes.append(f"http: {pages.requests + auth.requests} requests sent to {base_url}")
        else:
            result.notes.append("auth probes not run: [security.http.auth] login_path is not set")


def _gate(cfg, sec, ov, result: PhaseResult) -> None:
    from ..baseline import load_baseline, split_known, write_baseline

    assign_fingerprints(result.findings)
    baseline_path = ov.baseline or (cfg.resolve(sec["baseline"]) if sec["baseline"] else None)
    known: list = []
    if baseline_path is not None:
        if ov.update_baseline:
            write_baseline(baseline_path, result.findings)
            result.notes.append(f"baseline {baseline_path} updated with {len(result.findings)} findings")
            known, result.findings = result.findings, []
        else:
            result.findings, known = split_known(result.findings, load_baseline(baseline_path))
            if Path(baseline_path).exists():
                result.notes.append(f"baseline {baseline_path}: {len(known)} known findings not reported")
            else:  # a typo in the path must not pass silently for "nothing known"
                result.notes.append(f"baseline {baseline_path} does not exist: every finding is new "
                                    "(write it with --update-baseline)")
    counts = {s: 0 for s in SEVERITIES}
    for f in result.findings:
        counts[f.severity] += 1
    result.metrics += [Metric(f"findings.{s}", counts[s], "findings") for s in reversed(SEVERITIES)]
    result.metrics.append(Metric("findings.baseline_known", len(known), "findings"))
    fail_on = ov.fail_on or sec["fail_on"] or cfg.budgets["security_fail_on"]
    result.finalize(fail_on=fail_on)
