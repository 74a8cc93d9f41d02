"""``echotune-ci security``: the security gate (logic lives in phases/security.py)."""

from __future__ import annotations

import re
from pathlib import Path

import click

from ..errors import ConfigError
from ..results import SEVERITIES
from ..settings.security import CHECKS
from .common import EXIT_BY_STATUS, config_option, finish_phase, get_config, output_option



@click.command(name="security")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--requirements", "-r", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Pinned requirements file to audit (repeatable).")
@click.option("--pyproject", type=click.Path(dir_okay=False, path_type=Path),
              help="Audit the [project] dependencies of this pyproject.toml.")
@click.option("--installed", is_flag=True, help="Audit the packages installed in this Python.")
@click.option("--advisory-db", type=click.Path(file_okay=False, path_type=Path),
              help="Offline: a PyPA advisory-database folder (vulns/<package>/*.yaml).")
@click.option("--osv-url", help="An OSV API (mirror): base URL or its /v1/query URL.")
@click.option("--url", help="Check security headers and auth probes of the app at this URL.")
@click.option("--only", multiple=True, type=click.Choice(CHECKS),
              help="Run only these checks (repeatable); default: what the arguments or [security] ask.")
@click.option("--baseline", type=click.Path(dir_okay=False, path_type=Path),
              help="Report only findings that are not in this baseline file.")
@click.option("--update-baseline", is_flag=True, help="Write every current finding to --baseline.")
@click.option("--sarif", type=click.Path(dir_okay=False, path_type=Path), help="Also write SARIF 2.1.0 here.")
@click.option("--fail-on", type=click.Choice(SEVERITIES), help="Lowest severity that fails the gate.")
@click.option("--format", "fmt", type=click.Choice(["table", "lines"]), default="table", show_default=True,
              help="'lines': one path:line: [severity] rule message per finding (for pre-commit).")
@config_option
@output_option("security")
def command(paths, requirements, pyproject, installed, advisory_db, osv_url, url, only, baseline, update_baseline,
            sarif, fail_on, fmt, config_path, output) -> int:
    """Bandit, pip-audit, secrets, HTTP headers and auth probes; exit 1 when the gate fails.

    PATH arguments limit bandit and the secret scan to those files or folders
    (what pre-commit passes); --requirements/--pyproject/--installed select the
    audit; --url the header and auth checks. Without any of them, the checks
    listed in [security] checks run.
    """
    from ..phases import PhaseContext
    from ..phases.security import Overrides, run_security

    if url is not None and not re.match(r"^https?://[^/\s]+", url):
        raise ConfigError(f"--url {url!r}: expected http://HOST:PORT or https://HOST")
    cfg = get_config(config_path)
    ov = Overrides(paths=[str(p) for p in paths], requirements=list(requirements), pyproject=pyproject,
                   environment=installed, advisory_db=advisory_db, osv_url=osv_url, url=url, only=list(only),
                   baseline=baseline, update_baseline=update_baseline, sarif=sarif, fail_on=fail_on)
    from ..console import progress

    with progress("security") as spinner:
        ctx = PhaseContext(artifacts_dir=output.parent if output else Path("results"), progress=spinner.update)
        result = run_security(cfg, ctx, ov)
    if fmt == "table":
        return finish_phase(result, output)
    from ..report.render import render

    if output is not None:
        result.write(output)
    click.echo(render("security_lines.txt.j2", result=result), nl=False)
    for err in result.errors:
        click.echo(f"echotune-ci: security: {err}", err=True)
    return EXIT_BY_STATUS[result.status]
