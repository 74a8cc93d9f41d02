"""``npm audit --json`` with the project's own npm, in the lockfile's folder.

npm 7+ sends the installed versions to its registry's bulk advisory
endpoint (``POST /-/npm/v1/security/advisories/bulk``) and prints a report
(auditReportVersion 2) that :func:`npm_findings` reads. The run uses the
project's environment (its ``node_modules/.bin`` first on PATH, none of the
toolkit's secrets: :mod:`echotune_ci.serve.environment`), ``--registry``
from ``[security.audit] registry`` and ``--omit=dev`` with
``production_only``. A registry that cannot be reached, or any npm error,
is a RunError (exit 3), never "no vulnerabilities". The lockfile, parsed by
:mod:`.lockfiles`, gives each finding its installed version, dependency
path and line.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from ...errors import RunError
from ...results import Finding, Location
from . import semver_ranges
from .lockfiles import Lockfile
from .osv import cvss_score, severity_from_score, vector_kind

NPM_SEVERITY = {"critical": "critical", "high": "high", "moderate": "medium", "low": "low", "info": "info"}


def npm_command(lock_dir: Path, root: Path) -> tuple[str, dict[str, str]]:
    """The project's npm and the environment to run it in. RunError when there is no npm."""
    from ...serve.environment import app_environment, find_project_environment

    env = app_environment(find_project_environment(lock_dir, root))
    npm = shutil.which("npm", path=env.get("PATH"))
    if npm is None:
        raise RunError("npm audit: npm is not installed (install Node.js with npm, or set "
                       "[security.audit] npm = \"osv\")")
    return npm, env


def run_npm_audit(lock: Lockfile, label: str, root: Path, *, registry: str, production_only: bool,
                  timeout: float) -> tuple[list[Finding], str]:
    """Findings of ``npm audit --json`` in the folder of *lock* (shown as *label*), and npm's version."""
    npm, env = npm_command(lock.path.parent, root)
    args = [npm, "audit", "--json"]
    if registry:
        args.append(f"--registry={registry}")
    if production_only:
        args.append("--omit=dev")
    try:
        version = subprocess.run([npm, "--version"], cwd=lock.path.parent, env=env, capture_output=True,
                                 text=True, timeout=60).stdout.strip()
        proc = subprocess.run(args, cwd=lock.path.parent, env=env, capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RunError(f"npm audit ({label}): no answer within {timeout:g}s") from None
    except OSError as exc:
        raise RunError(f"npm audit ({label}): cannot run npm ({exc})") from None
    try:
        data = json.loads(proc.stdout or "null")
    except json.JSONDecodeError:
        data = None
    if not isinstance(data, dict) or "error" in data or proc.returncode not in (0, 1):
        raise RunError(f"npm audit ({label}): {_npm_error(data, proc)}")
    return npm_findings(data, label, lock), version


def _npm_error(data: Any, proc: subprocess.CompletedProcess[str]) -> str:
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict):
        # npm 10 leaves summary and detail empty for an HTTP error and says it in the top-level message:
        # "405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk".
        why = (error.get("summary") or error.get("detail") or data.get("message") or error.get("code")
               or "npm reported an error")
        if data.get("statusCode") in (404, 405, 501):
            why = (f"{why}; the registry (a mirror or proxy) does not offer npm's advisory endpoint: set "
                   f'[security.audit] npm = "osv" with advisory_db to audit offline (docs/security.md)')
    else:
        lines = [line for line in (proc.stderr or "").splitlines() if line.strip()]
        why = lines[-1] if lines else f"exit {proc.returncode} without a report"
    return " ".join(str(why).split())[:400]


def _severity(adv: dict[str, Any], vuln: dict[str, Any]) -> tuple[str, float | None, str]:
    """From the advisory's CVSS vector (base score computed), else npm's severity word."""
    raw = adv.get("cvss")
    cvss: dict[str, Any] = raw if isinstance(raw, dict) else {}
    vector = str(cvss.get("vectorString") or "")
    score = cvss_score(vector_kind(vector), vector) if vector else None
    if score is not None:
        return severity_from_score(score), score, vector_kind(vector)
    word = str(adv.get("severity") or vuln.get("severity") or "")
    number = cvss.get("score") if isinstance(cvss.get("score"), int | float) and cvss.get("score") else None
    return NPM_SEVERITY.get(word, "medium"), number, "npm-audit"


def _fix(vuln: dict[str, Any], adv: dict[str, Any], name: str, version: str) -> str | None:
    """npm's own fix when it is this package, else the lowest ``<X`` bound of the advisory's range above
    *version*."""
    fix = vuln.get("fixAvailable")
    if isinstance(fix, dict) and fix.get("name") == name and fix.get("version"):
        return str(fix["version"])
    bounds = [b for b in re.findall(r"<\s*(?!=)\s*v?([0-9][^\s|]*)", str(adv.get("range") or ""))
              if semver_ranges.is_semver(b)]
    above = [b for b in bounds if not version or semver_ranges.compare(b, version) > 0]
    return min(above, key=lambda b: semver_ranges.parse(b) or b) if above else None


def npm_findings(data: dict[str, Any], lock_label: str, lock: Lockfile | None = None) -> list[Finding]:
    """Findings from ``npm audit --json`` (npm 7+ report format), located at *lock_label*.

    One finding per advisory and installed version; packages vulnerable
    only through another package are left to that package's entry. With
    the parsed *lock*, each finding has its installed version, dependency
    path and line.
    """
    import posixpath

    from .js_audit import dependency_path

    manifest = posixpath.join(posixpath.dirname(lock_label), "package.json")
    out = []
    for name, vuln in sorted((data.get("vulnerabilities") or {}).items()):
        advisories = [v for v in vuln.get("via") or [] if isinstance(v, dict)]
        nodes = [n for n in vuln.get("nodes") or [] if lock is not None and n in lock.packages]
        versions: dict[str, str] = {}
        for node in nodes:
            versions.setdefault(lock.packages[node].version, node)  # type: ignore[union-attr]
        for adv in advisories:
            ident = str(adv.get("url", "")).rstrip("/").rsplit("/", 1)[-1] or f"npm-{adv.get('source')}"
            severity, score, basis = _severity(adv, vuln)
            for version, node in (sorted(versions.items()) or [("", "")]):
                pkg = lock.packages[node] if lock is not None and node else None
                if pkg is not None and adv.get("range") and version and not _in_npm_range(version, adv):
                    continue
                fixed = _fix(vuln, adv, name, version)
                path = lock.path_of(node) if pkg is not None and lock is not None else [name]
                shown = version or str(adv.get("range", vuln.get("range", "")))
                where = (f"; via {dependency_path(lock, node)}" if pkg is not None and lock is not None
                         and len(path) > 1 else "")
                out.append(Finding(
                    rule_id=ident,
                    severity=severity,
                    message=f"{name} {shown}: {adv.get('title', ident)}"
                            + (f", fixed in {fixed}" if fixed else "") + where,
                    source_tool="npm-audit",
                    location=Location(lock_label, pkg.line if pkg is not None else None),
                    help_url=adv.get("url") or None,
                    context=f"npm {name} {ident}",
                    properties={"ecosystem": "npm", "package": name,
                                "version": version or vuln.get("range", ""),
                                "installed_as": pkg.alias if pkg is not None else "",
                                "fixed_versions": [fixed] if fixed else [], "first_fixed": fixed,
                                "aliases": [], "lockfile": lock_label, "manifest": manifest,
                                "dependency_path": path, "direct": bool(vuln.get("isDirect")),
                                "dev": bool(pkg.dev) if pkg is not None else False,
                                "fix_available": bool(vuln.get("fixAvailable")), "cvss_score": score,
                                "severity_basis": basis,
                                "rule_description": f"{name}: {adv.get('title') or ident}"},
                ))
    return out


def _in_npm_range(version: str, adv: dict[str, Any]) -> bool:
    """Whether *version* is in the advisory's range: npm lists every vulnerable node of a package under
    each of its advisories. A range in other than plain comparators is taken to match."""
    answer = semver_ranges.satisfies_comparators(version, str(adv.get("range") or ""))
    return answer is not False
