"""``echotune-ci gate``: exit 0 when every gate holds, 1 when one breaks."""

from __future__ import annotations

from pathlib import Path

import click

from .common import config_option, get_config


@click.command(name="gate")
@click.argument("results", nargs=-1, type=click.Path(path_type=Path))
@click.option("--baseline", type=click.Path(path_type=Path), multiple=True,
              help="Base-branch results: applies the relative rules of [gate] regression and ignores "
                   "known findings.")
@config_option
def command(results: tuple[Path, ...], baseline: tuple[Path, ...], config_path: Path | None) -> int:
    """Check RESULTS (default: results/) against the budgets and regression rules."""
    from ..report.render import render
    from ..reporting import evaluate_paths, gate_settings, set_github_output

    paths = results or (Path("results"),)
    cfg = gate_settings(paths, get_config(config_path))
    outcome = evaluate_paths(paths, cfg, baseline or None)
    click.echo(render("gate.txt.j2", outcome=outcome), nl=False)
    set_github_output(status=outcome.status)
    return outcome.exit_code(cfg.gate.fail_on_warn)
