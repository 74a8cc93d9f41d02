"""``echotune-ci security``: the security gate (logic lives in phases/security/)."""

from __future__ import annotations

import re
from pathlib import Path
import click

from ..config.schema import click_option
from ..errors import ConfigError
from ..phases.security.checks import CHECK_NAMES
from ..phases.security.settings import SecuritySettings
from ..results import SEVERITIES
from .common import EXIT_BY_STATUS, config_option, finish_phase, get_config, output_option, staged_output

_FILE = click.Path(dir_okay=False, path_type=Path)
_FOLDER = click.Path(file_okay=False, path_type=Path)


@click.command(name="security")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click_option(SecuritySettings, "audit.requirements", "--requirements", "-r", "requirements", multiple=True,
              type=_FILE, help="Pinned requirements file to audit (repeatable).")
@click_option(SecuritySettings, "audit.pyproject", "--pyproject", type=_FILE,
              help="Audit the [project] dependencies of this pyproject.toml.")
@click_option(SecuritySettings, "audit.environment", "--installed",
              help="Audit the packages installed in this Python.")
@click_option(SecuritySettings, "audit.advisory_db", "--advisory-db", type=_FOLDER,
              help="Offline: an OSV advisory folder (vulns/<package>/*.json or *.yaml), e.g. the PyPA "
                   "advisory database or an npm one.")
@click_option(SecuritySettings, "audit.osv_url", "--osv-url",
              help="An OSV API (mirror): base URL or its /v1/query URL.")
@click_option(SecuritySettings, "http.url", "--url",
              help="Check security headers and auth probes of the app at this URL.")
@click_option(SecuritySettings, "checks", "--only", "only", multiple=True, type=click.Choice(CHECK_NAMES),
              help="Run only these checks (repeatable); default: what the arguments or [security] ask.")
@click_option(SecuritySettings, "baseline", "--baseline", type=_FILE,
              help="Report only findings that are not in this baseline file.")
@click.option("--update-baseline", is_flag=True, help="Write every current finding to --baseline.")
@click_option(SecuritySettings, "sarif", "--sarif", type=_FILE)
@click_option(SecuritySettings, "fail_on", "--fail-on", type=click.Choice(SEVERITIES),
              help="Lowest severity that fails the gate (default: [security] fail_on, else [budgets] "
                   "security_fail_on, high).")
@click.option("--format", "fmt", type=click.Choice(["table", "lines"]), default="table", show_default=True,
              help="'lines': one path:line: [severity] rule message per finding (for pre-commit).")
@config_option
@output_option("security")
def command(paths: tuple[Path, ...], requirements: tuple[Path, ...], pyproject: Path | None,
            installed: bool | None, advisory_db: Path | None, osv_url: str | None, url: str | None,
            only: tuple[str, ...], baseline: Path | None, update_baseline: bool, sarif: Path | None,
            fail_on: str | None, fmt: str, config_path: Path | None, output: Path | None) -> int:
    """Bandit, njsscan, the dependency audit, secrets, HTTP headers and auth probes; exit 1 when the
    gate fails.

    PATH arguments limit bandit, the secret scan and the Node.js analysis
    (njsscan) to those files or folders (what pre-commit passes), and say
    where the audit looks for JavaScript lockfiles;
    --requirements/--pyproject/--installed/--advisory-db/--osv-url select the
    audit (Python requirements and JavaScript lockfiles); --url the header and
    auth checks. Without any of them, the checks
    listed in [security] checks run.
    """
    from ..console import progress
    from ..phases.base import PhaseContext
    from ..phases.security.phase import SECURITY, settings_for_command
    from ..report.documents import write_sarif
    from ..reporting import source_root

    if url is not None and not re.match(r"^https?://[^/\s]+", url):
        raise ConfigError(f"--url {url!r}: expected http://HOST:PORT or https://HOST")
    cfg = get_config(config_path)
    settings = settings_for_command(cfg.security, paths=paths, requirements=requirements,
                                    pyproject=pyproject, installed=bool(installed), advisory_db=advisory_db,
                                    osv_url=osv_url, url=url, only=only, baseline=baseline, fail_on=fail_on)
    artifacts_dir = output.parent if output else Path("results")
    with progress("security") as spinner:
        ctx = PhaseContext.for_config(cfg, artifacts_dir, progress=spinner.update)
        result = SECURITY.run(settings, ctx, update_baseline=update_baseline)
    # --sarif is taken as given (relative to the working folder), [security] sarif relative to the config.
    sarif_path = sarif or (cfg.resolve(settings.sarif) if settings.sarif else None)
    with staged_output(output):  # the SARIF file and the result file appear together
        if sarif_path is not None and settings.enabled:
            result = write_sarif(result, sarif_path, source_root(cfg))
        if fmt == "table":
            return finish_phase(result, output)
        if output is not None:
            result.write(output)
    from ..report.render import render

    click.echo(render("security_lines.txt.j2", result=result), nl=False)
    for err in result.errors:
        click.echo(f"echotune-ci: security: {err}", err=True)
    return EXIT_BY_STATUS[result.exit_status()]
