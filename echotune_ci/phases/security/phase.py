"""The security phase: bandit, pip-audit, secrets, HTTP headers and auth probes.

:data:`PHASE` runs the checks that ``[security] checks`` lists (each a
:class:`~echotune_ci.phases.security.checks.base.SecurityCheck` of
:mod:`.checks`), then gates their findings: fingerprints, the known-findings
baseline, ``findings.<severity>`` counts and the status. The ``security``
command turns its options into settings with :func:`settings_for_command`.

Every check's failure stays inside that check: whatever a check raises while
it runs (a service down, the app down, a requirements line it cannot audit, a
lockfile that does not parse, a bug) becomes ``"<check>: <reason>"`` in the
result's errors and a ``<check>.could_not_run`` metric with status error,
and the other checks still run and report; the exit code says 3. Mistakes
in the configuration or the command line itself (a path that does not
exist, a bad allow-list or baseline) are found by every selected check's
``preflight`` before any check runs and raise (exit 2). The phase writes no
SARIF: ``[security] sarif`` and ``--sarif`` are written by the caller.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ... import __version__
from ...config.schema import override
from ...errors import ConfigError, EchoTuneError
from ...results import SEVERITIES, Finding, Metric, PhaseResult, assign_fingerprints
from .checks import CHECK_NAMES, get_check
from .checks.base import CheckError, CheckOutput
from .settings import SecuritySettings

if TYPE_CHECKING:  # pragma: no cover
    from ..base import Phase, PhaseContext
    from .baseline import Baseline

# Metrics that count what the checks looked at: they grow and shrink with the project (a PR that adds
# three files scans three more), so against a base they are no regression nor improvement
# (compare.compare_metric), unless [gate] regression names them. What could not be scanned
# (*.skipped_files) and suppressions (bandit.nosec, secrets.allowed) keep their direction: more is worse.
SIZE_COUNTS = frozenset({"secrets.files", "secrets.not_text", "secrets.skipped_fixtures", "bandit.files",
                         "node.files", "node.skipped", "audit.packages", "findings.baseline_known"})


class SecurityPhase:
    """The ``security`` phase: static checks of the repository and, given a URL, of the running app.

    It does not need the app: the ``http`` check uses ``ctx.base_url`` when
    `run` started one, else ``[security.http] url``, else notes it did not run.
    """

    name = "security"
    settings_type = SecuritySettings
    needs_app = False
    uses_app = True  # its header checks and auth probes, when the app runs

    def check(self, settings: SecuritySettings, ctx: PhaseContext) -> None:
        """Every selected check's preflight, and the baseline read: ConfigError / InputError (exit 2) for
        a mistake in the configuration (a path that does not exist, a bad allow-list or baseline)."""
        if settings.enabled:
            _preflight(settings, ctx)

    def run(self, settings: SecuritySettings, ctx: PhaseContext, *,
            update_baseline: bool = False) -> PhaseResult:
        """Run the selected checks and gate their findings; return the phase's result.

        *update_baseline* writes every current finding to ``settings.baseline``
        (then none is reported). Before any check runs, raises ConfigError
        when that is asked for without a baseline, and ConfigError /
        InputError for a mistake in the configuration (see :meth:`check`).
        After that nothing a check raises stops the phase: it becomes
        ``"<check>: <message>"`` in ``errors`` (status "error", exit 3) and
        the other checks still run.
        """
        result = PhaseResult(phase="security", target=str(ctx.root))
        result.tool_versions["echotune-ci"] = __version__
        start = time.monotonic()
        if not settings.enabled:
            result.notes.append("security checks are disabled ([security] enabled = false)")
            return result.finalize()
        if update_baseline and not settings.baseline:
            raise ConfigError("--update-baseline needs --baseline FILE (or [security] baseline)")
        baseline = _preflight(settings, ctx, read_baseline=not update_baseline)
        for name in selected_checks(settings):
            ctx.progress(name)
            _add(result, name, *run_check(name, settings, ctx))
        _gate(settings, ctx, result, baseline, update_baseline=update_baseline)
        result.duration_s = time.monotonic() - start
        return result


def run_check(name: str, settings: SecuritySettings, ctx: PhaseContext) -> tuple[CheckOutput, str]:
    """Run check *name*: (what it found, "" or why it could not finish).

    Never raises for the check's own failure: RunError, CheckError (its
    partial output is kept), ConfigError / InputError about its inputs and
    any other exception (a bug, named ``internal error``) become the reason.
    KeyboardInterrupt and other BaseExceptions pass.
    """
    try:
        return get_check(name).run(settings, ctx), ""
    except CheckError as exc:
        return exc.output, str(exc)
    except EchoTuneError as exc:
        return CheckOutput(), str(exc)
    except Exception as exc:  # a bug in one check must not hide what the others find
        from ... import console

        console.debug(traceback.format_exc())
        return CheckOutput(), f"internal error: {type(exc).__name__}: {exc}"


SECURITY = SecurityPhase()
PHASE: Phase[SecuritySettings] = SECURITY


def selected_checks(settings: SecuritySettings) -> list[str]:
    """The checks ``settings.checks`` names, in registry order (bandit, audit, secrets, http), once each."""
    return [c for c in CHECK_NAMES if c in settings.checks]


def settings_for_command(settings: SecuritySettings, *, paths: Sequence[str | Path] = (),
                         requirements: Sequence[str | Path] = (), pyproject: str | Path | None = None,
                         installed: bool = False, advisory_db: str | Path | None = None,
                         osv_url: str | None = None, url: str | None = None, only: Sequence[str] = (),
                         baseline: str | Path | None = None, fail_on: str | None = None) -> SecuritySettings:
    """*settings* ([security] as configured) with the ``security`` command's options applied.

    File options are relative to the working folder and become absolute
    (configured paths stay relative to the configuration file). *paths*
    replace the bandit, secrets and node paths and say where the audit looks
    for lockfiles; *requirements* / *pyproject* / *installed* together
    replace [security.audit]'s inputs. The checks run
    are *only* when given (even with ``enabled = false``), else the ones the
    options target (paths: bandit, secrets and node; audit inputs, *advisory_db*
    or *osv_url*: audit; *url*: http), else the configured ones. A non-empty *osv_url* beats every
    offline advisory folder, including ECHOTUNE_ADVISORY_DB; *advisory_db*
    beats the configured OSV URL. None / empty values leave a setting as
    configured. Returns a new object; *settings* is not changed.
    """
    audit_inputs = bool(requirements or pyproject or installed)
    audit = _audit_overrides(audit_inputs, requirements=requirements, pyproject=pyproject,
                             installed=installed, advisory_db=advisory_db, osv_url=osv_url)
    cli_paths = tuple(_absolute(p) for p in paths) or None
    # --advisory-db / --osv-url ask for the audit too (of what the project holds: requirements, lockfiles)
    audit_asked = audit_inputs or advisory_db is not None or bool(osv_url)
    checks = _command_checks(only, paths=bool(paths), audit_inputs=audit_asked, url=bool(url))
    return override(settings, **{f"audit.{k}": v for k, v in audit.items()},
                    **{"bandit.paths": cli_paths, "secrets.paths": cli_paths, "node.paths": cli_paths,
                       "audit.paths": cli_paths, "http.url": url or None},
                    checks=checks or None, enabled=True if only else None,
                    baseline=_absolute(baseline) if baseline is not None else None, fail_on=fail_on or None)


def _audit_overrides(audit_inputs: bool, *, requirements: Sequence[str | Path], pyproject: str | Path | None,
                     installed: bool, advisory_db: str | Path | None, osv_url: str | None) -> dict[str, Any]:
    """The [security.audit] fields the command's options set (None: as configured), by field name."""
    audit: dict[str, Any] = {"osv_url": osv_url}
    if audit_inputs:
        audit.update(requirements=tuple(_absolute(p) for p in requirements),
                     pyproject=_absolute(pyproject) if pyproject else "", environment=installed)
    if advisory_db is not None:
        audit["advisory_db"] = _absolute(advisory_db)
    if osv_url:
        audit.update(advisory_db="", advisory_db_env="")
    return audit


def _command_checks(only: Sequence[str], *, paths: bool, audit_inputs: bool, url: bool) -> tuple[str, ...]:
    """The checks *only* names, else the ones the options target, in registry order; () for neither."""
    targeted = {"bandit", "secrets", "node"} if paths else set()
    targeted |= {"audit"} if audit_inputs else set()
    targeted |= {"http"} if url else set()
    return tuple(c for c in CHECK_NAMES if c in (only or targeted))


def _absolute(path: str | Path) -> str:
    return str(Path(path).absolute())


def _preflight(settings: SecuritySettings, ctx: PhaseContext, *,
               read_baseline: bool = True) -> Baseline | None:
    """Each selected check's ``preflight`` (in registry order), then the baseline (None when there is
    none or it is about to be written). ConfigError / InputError for the first mistake found."""
    from .baseline import load_baseline

    for name in selected_checks(settings):
        get_check(name).preflight(settings, ctx)
    if settings.baseline and read_baseline:
        return load_baseline(ctx.resolve(settings.baseline))
    return None


def _add(result: PhaseResult, name: str, output: CheckOutput, failure: str) -> None:
    """Merge check *name*'s output into *result*; *failure* ("" if none) is why it could not finish."""
    result.tool_versions.update(output.tool_versions)
    result.findings.extend(output.findings)
    result.metrics.extend(output.metrics)
    result.notes.extend(output.notes)
    result.warnings.extend(output.warnings)
    result.errors.extend(f"{name}: {e}" for e in output.errors)
    if output.target:
        result.target = output.target
    if failure:
        # errors only: the comment's Warnings section lists them (a warning as well would repeat it)
        result.errors.append(f"{name}: {failure}")
        result.metrics.append(Metric(f"{name}.could_not_run", None, status="error", description=failure))


def _gate(settings: SecuritySettings, ctx: PhaseContext, result: PhaseResult, baseline: Baseline | None, *,
          update_baseline: bool) -> None:
    """Fingerprint the findings, set the ones *baseline* knows aside, count by severity, finalize."""
    from .baseline import Baseline, split_known, write_baseline

    assign_fingerprints(result.findings)
    known: list[Finding] = []
    if settings.baseline:
        baseline_path = ctx.resolve(settings.baseline)
        if update_baseline:
            write_baseline(baseline_path, result.findings)
            result.notes.append(f"baseline {baseline_path} updated with {len(result.findings)} findings")
            known, result.findings = result.findings, []
        else:
            known_set = baseline if baseline is not None else Baseline()
            result.findings, known = split_known(result.findings, known_set)
            if baseline_path.exists():
                result.notes.append(f"baseline {baseline_path}: {len(known)} known findings not reported")
            else:  # a typo in the path must not pass silently for "nothing known"
                result.notes.append(f"baseline {baseline_path} does not exist: every finding is new "
                                    "(write it with --update-baseline)")
    counts = {s: 0 for s in SEVERITIES}
    for f in result.findings:
        counts[f.severity] += 1
    result.metrics += [Metric(f"findings.{s}", counts[s], "findings") for s in reversed(SEVERITIES)]
    result.metrics.append(Metric("findings.baseline_known", len(known), "findings"))
    result.finalize(fail_on=settings.fail_on or ctx.budgets.security_fail_on)
