"""Deploy phase: the production deployment files validated in CI, without Docker.

:data:`PHASE` is what ``echotune-ci run`` drives (it starts the app for the
health check); :func:`run_deploy` is the same for the ``deploy`` command,
whose app URL may come from ``--url``. Checks (``[deploy] checks``):

- ``hadolint`` on the Dockerfile (:mod:`.linters`), rule ids DLxxxx / SCxxxx;
- ``compose``: the compose file against the Compose Specification's JSON
  Schema (:mod:`.compose`), rule ids ``compose.<keyword>``;
- ``shellcheck`` on the scripts, rule ids SCxxxx;
- ``policy``: what the files promise beyond the linters (:mod:`.policy` and
  :func:`.compose.policy_findings`), rule ids ``deploy.*``;
- ``health``: ``health-check.sh`` run against the app (loopback only):
  ``deploy.unhealthy`` when it exits 1 or does not end in time.

Each check's failure stays in that check (a tool not installed, a timeout):
``"<check>: <reason>"`` in the errors and a ``<check>.could_not_run`` metric
(status error, exit 3); the other checks still run. No deployment file at
all: the phase says where it looked and is skipped (status ``warn``, never
``pass``). Metrics: ``deploy.files``, ``deploy.findings`` (in all and per
check), ``health_check_ms``.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ... import __version__
from ...errors import EchoTuneError, RunError
from ...results import Finding, Location, Metric, PhaseResult, assign_fingerprints
from .linters import Outcome, shown_path
from .settings import CHECKS, DeploySettings

if TYPE_CHECKING:  # pragma: no cover
    from ..base import Phase, PhaseContext

NAME = "deploy"


class DeployPhase:
    """The deploy phase as `run` drives it: needs the running app (for the health check)."""

    name = NAME
    settings_type = DeploySettings
    needs_app = True
    uses_app = True

    def check(self, settings: DeploySettings, ctx: PhaseContext) -> None:
        """ConfigError when the health check would ask a host other than this machine."""
        if settings.enabled and "health" in settings.checks and ctx.base_url:
            from .health import check_loopback

            check_loopback(health_url(ctx.base_url, settings))

    def run(self, settings: DeploySettings, ctx: PhaseContext) -> PhaseResult:
        """Validate the files and ask the app `run` started; see :func:`run_deploy`."""
        return run_deploy(settings, ctx)


PHASE: Phase[DeploySettings] = DeployPhase()


@dataclass
class DeployFiles:
    """The deployment files found in ``folder`` (None / left out when absent) and every name looked for."""

    folder: Path
    dockerfile: Path | None = None
    compose: Path | None = None
    scripts: list[Path] = field(default_factory=list)
    health: Path | None = None
    looked_for: list[str] = field(default_factory=list)

    @property
    def found(self) -> list[Path]:
        """Every file found, once each."""
        paths = [self.dockerfile, self.compose, *self.scripts, self.health]
        return list(dict.fromkeys(p for p in paths if p is not None))


def find_files(settings: DeploySettings, ctx: PhaseContext) -> DeployFiles:
    """The files ``[deploy]`` names, in ``dir`` (relative to the config file)."""
    folder = ctx.resolve(settings.dir)

    def present(name: str) -> Path | None:
        path = folder / name
        return path if path.is_file() else None

    names = [settings.dockerfile, settings.compose, *settings.scripts, settings.health_script]
    return DeployFiles(folder=folder, dockerfile=present(settings.dockerfile),
                       compose=present(settings.compose),
                       scripts=[p for p in map(present, settings.scripts) if p is not None],
                       health=present(settings.health_script), looked_for=list(dict.fromkeys(names)))


def health_url(base_url: str, settings: DeploySettings) -> str:
    """The URL the dry run asks: the app's base URL and ``health_path``."""
    path = settings.health_path or "/"
    return base_url.rstrip("/") + (path if path.startswith("/") else f"/{path}")


def run_deploy(settings: DeploySettings, ctx: PhaseContext, url: str | None = None) -> PhaseResult:
    """Run the selected checks on the deployment files; the health check against *url* (else the app
    `run` started). Raises ConfigError for an app URL that is not on this machine; every check's own
    failure is recorded in the result (see the module docstring)."""
    started = time.monotonic()
    files = find_files(settings, ctx)
    result = PhaseResult(phase=NAME, target=shown_path(files.folder, ctx.root))
    result.tool_versions["echotune-ci"] = __version__
    if not settings.enabled:
        result.notes.append("[deploy] enabled = false: nothing checked")
        return result.finalize()
    base_url = url or ctx.base_url
    if base_url and "health" in settings.checks:
        from .health import check_loopback

        check_loopback(health_url(base_url, settings))
    result.metrics.append(Metric("deploy.files", len(files.found), "files",
                                 description="Deployment files found and checked"))
    if not files.found:
        result.warnings.append(f"deploy: no deployment file found, nothing checked; looked for "
                               f"{', '.join(files.looked_for)} in {files.folder} "
                               "(`echotune-ci init --deploy` writes them)")
        result.finalize()
        result.status = "warn"
        result.duration_s = time.monotonic() - started
        return result
    missing = [name for name in files.looked_for if not (files.folder / name).is_file()]
    if missing:
        result.warnings.append(f"deploy: not found in {files.folder}, not checked: {', '.join(missing)}")
    for name in (c for c in CHECKS if c in settings.checks):
        ctx.progress(name)
        _add(result, name, settings, *_run_check(name, _CHECKS[name], settings, ctx, files, base_url))
    _gate(result, settings)
    result.duration_s = time.monotonic() - started
    return result


CheckRunner = Callable[[DeploySettings, "PhaseContext", DeployFiles, "str | None"], "Outcome | None"]


def _hadolint(settings: DeploySettings, ctx: PhaseContext, files: DeployFiles,
              _url: str | None) -> Outcome | None:
    from .linters import hadolint

    return hadolint(files.dockerfile, root=ctx.root, timeout=settings.timeout) if files.dockerfile else None


def _compose(settings: DeploySettings, ctx: PhaseContext, files: DeployFiles,
             _url: str | None) -> Outcome | None:
    from .compose import validate

    return validate(files.compose, root=ctx.root) if files.compose else None


def _shellcheck(settings: DeploySettings, ctx: PhaseContext, files: DeployFiles,
                _url: str | None) -> Outcome | None:
    from .linters import shellcheck

    scripts = _scripts(files)
    return shellcheck(scripts, root=ctx.root, timeout=settings.timeout) if scripts else None


def _policy(settings: DeploySettings, ctx: PhaseContext, files: DeployFiles,
            _url: str | None) -> Outcome | None:
    from .compose import policy_findings
    from .policy import dockerfile_findings, script_findings

    out = Outcome()
    if files.dockerfile:
        out.findings += dockerfile_findings(files.dockerfile, root=ctx.root)
    if files.compose:
        out.findings += policy_findings(files.compose, root=ctx.root)
    out.findings += script_findings(_scripts(files), root=ctx.root)
    return out


def _scripts(files: DeployFiles) -> list[Path]:
    """The scripts and the health script, once each."""
    return list(dict.fromkeys([*files.scripts, *([files.health] if files.health else [])]))


def _health(settings: DeploySettings, ctx: PhaseContext, files: DeployFiles,
            url: str | None) -> Outcome | None:
    from .health import UNHEALTHY, dry_run

    if files.health is None:
        return None
    out = Outcome()
    if not url:
        out.warnings.append(f"deploy: {settings.health_script} was not run: no app to ask (pass --url, or "
                            "let `echotune-ci run` start the app)")
        return out
    target = health_url(url, settings)
    run = dry_run(files.health, target, retries=settings.health_retries, timeout=settings.health_timeout)
    rel = shown_path(files.health, ctx.root)
    if run.code == 0:
        out.metrics.append(Metric("health_check_ms", round(run.seconds * 1000, 1), "ms",
                                  description=f"{settings.health_script} against {target} until it exited 0"))
        out.notes.append(f"health: {rel} {target}: healthy ({run.output})")
        return out
    if run.code not in (UNHEALTHY, None):
        raise RunError(f"{rel} exited {run.code}: {run.output or 'no output'}")
    why = (f"did not end within {settings.health_timeout:g}s" if run.code is None
           else f"exited 1 after {settings.health_retries} attempts")
    out.findings.append(Finding(
        rule_id="deploy.unhealthy", severity="high", source_tool="echotune-ci", location=Location(rel),
        message=f"{rel} {target} {why}: {run.output or 'no output'}", context=f"{rel} {settings.health_path}",
        help_url="https://docs.docker.com/reference/dockerfile/#healthcheck"))
    return out


_CHECKS: dict[str, CheckRunner] = {"hadolint": _hadolint, "compose": _compose, "shellcheck": _shellcheck,
                                   "policy": _policy, "health": _health}
_NEEDS = {"hadolint": "dockerfile", "compose": "compose", "shellcheck": "scripts", "health": "health_script"}


def _run_check(name: str, runner: CheckRunner, settings: DeploySettings, ctx: PhaseContext,
               files: DeployFiles, url: str | None) -> tuple[Outcome | None, str]:
    """(what check *name* found or None when its file is absent, "" or why it could not finish). Nothing
    it raises but a BaseException (Ctrl-C) leaves it."""
    try:
        return runner(settings, ctx, files, url), ""
    except EchoTuneError as exc:
        return Outcome(), str(exc)
    except Exception as exc:  # a bug in one check must not hide what the others find
        from ... import console

        console.debug(traceback.format_exc())
        return Outcome(), f"internal error: {type(exc).__name__}: {exc}"


def _add(result: PhaseResult, name: str, settings: DeploySettings, outcome: Outcome | None,
         failure: str) -> None:
    """Merge check *name*'s outcome into *result*: its findings (less ``[deploy] ignore``), metrics, notes,
    warnings, versions, and a ``deploy.findings`` count per check; *failure* becomes its error."""
    if outcome is None:
        what = getattr(settings, _NEEDS.get(name, ""), "the files")
        result.notes.append(f"{name}: not run: no {what if isinstance(what, str) else ', '.join(what)}")
        return
    kept = [f for f in outcome.findings if f.rule_id not in settings.ignore]
    if len(kept) < len(outcome.findings):
        left_out = len(outcome.findings) - len(kept)
        result.notes.append(f"{name}: {left_out} findings left out by [deploy] ignore")
    result.findings.extend(kept)
    result.metrics.extend(outcome.metrics)
    result.notes.extend(outcome.notes)
    result.warnings.extend(outcome.warnings)
    result.tool_versions.update(outcome.tool_versions)
    if failure:
        result.errors.append(f"{name}: {failure}")
        result.metrics.append(Metric(f"{name}.could_not_run", None, status="error", description=failure))
    else:
        result.metrics.append(Metric("deploy.findings", len(kept), "findings", labels={"check": name},
                                     description=f"Findings of the {name} check"))


def _gate(result: PhaseResult, settings: DeploySettings) -> None:
    """Fingerprint the findings, count them, and set the status from ``[deploy] fail_on``."""
    assign_fingerprints(result.findings)
    result.metrics.append(Metric("deploy.findings", len(result.findings), "findings",
                                 description="Findings of every deploy check"))
    result.finalize(fail_on=None if settings.fail_on == "none" else settings.fail_on)
