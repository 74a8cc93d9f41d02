"""``echotune-ci run``: the whole check of one build in one command."""

from __future__ import annotations

from pathlib import Path

import click

from ..phases.registry import PHASE_NAMES
from .common import config_option, get_config


def _folder(value: str | None) -> Path | None:
    """--base-dir as a Path; an empty value (``--base-dir=``, an unset variable in CI) is a usage error,
    where pathlib would read it as the current folder."""
    if value is None:
        return None
    if not value.strip():
        raise click.BadParameter("is empty: give the folder of a checkout of the base",
                                 param_hint="--base-dir")
    return Path(value)


@click.command(name="run")
@config_option
@click.option("--output-dir", "-o", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where result files and the report go (default: [run] output_dir, 'results').")
# A choice, so --help names the phases (a newcomer saw only "--phase TEXT") and a wrong one, from the
# option or from ECHOTUNE_RUN_PHASE, is click's usage error naming where it came from.
@click.option("--phase", "phases", multiple=True, type=click.Choice(PHASE_NAMES),
              help="Run only this phase (repeatable; default: [run] phases).")
@click.option("--baseline", type=click.Path(path_type=Path), multiple=True,
              help="Base-branch results for deltas and relative rules.")
@click.option("--serve-command", default=None,
              help="Start the app with this command instead of [serve] command.")
@click.option("--url", default=None,
              help="Measure an app that is already running at this URL (nothing is set up or started).")
@click.option("--base-ref", default=None, metavar="REF",
              help="Also build and serve this git ref (in a temporary worktree) and measure base and head "
                   "side by side, interleaved; the base's results are the baseline.")
@click.option("--fetch-base", is_flag=True,
              help="With --base-ref: fetch a base the clone lacks from origin (one commit deep in a shallow "
                   "clone, such as actions/checkout's).")
@click.option("--base-dir", type=click.Path(file_okay=False), default=None,
              callback=lambda _ctx, _param, value: _folder(value),
              help="Like --base-ref, for a checkout of the base prepared in this folder.")
@click.option("--no-setup", is_flag=True,
              help="Skip [serve] setup and build (the app is installed and built already).")
@click.option("--force-setup", is_flag=True,
              help="Run [serve] setup even when its inputs did not change since the last one.")
def command(config_path: Path | None, output_dir: Path | None, phases: tuple[str, ...],
            baseline: tuple[Path, ...], serve_command: str | None, url: str | None, base_ref: str | None,
            fetch_base: bool, base_dir: Path | None, no_setup: bool, force_setup: bool) -> int:
    """Set up, build and start the app with [serve], run the configured phases, write every
    result to the output folder, then report and gate (exit 0 pass, 1 fail)."""
    import os

    from ..report.formats import FORMATS
    from ..report.render import render, render_text
    from ..reporting import append_step_summary, report_input, set_github_output
    from ..runner import ServeOptions, run

    if no_setup and force_setup:
        raise click.UsageError("--no-setup and --force-setup exclude each other")
    side_by_side = base_ref is not None or base_dir is not None
    if base_ref is not None and base_dir is not None:
        raise click.UsageError("--base-ref and --base-dir exclude each other")
    if fetch_base and base_ref is None:
        raise click.UsageError("--fetch-base fetches the --base-ref: give one")
    if side_by_side and (baseline or url or serve_command):
        raise click.UsageError("--base-ref/--base-dir measure the base themselves: "
                               "drop --baseline, --url and --serve-command")
    cfg = get_config(config_path)
    out = output_dir or Path(cfg.run.output_dir)
    if side_by_side:
        from ..baseref.sidebyside import BaseOptions, run_side_by_side

        base = BaseOptions(ref=base_ref, folder=base_dir, fetch=fetch_base)
        outcome = run_side_by_side(cfg, out, base, only=phases, skip_setup=no_setup,
                                   force_setup=force_setup).outcome
    else:
        outcome = run(cfg, out, only=phases, baseline=list(baseline) or None, serve_command=serve_command,
                      url=url, serve=ServeOptions(skip_setup=no_setup, force_setup=force_setup)).outcome
    click.echo(render_text(outcome.results, outcome.comparisons, outcome), nl=False)
    click.echo(render("gate.txt.j2", outcome=outcome), nl=False)
    click.echo(f"results: {out}/  report: {out / 'report' / 'comment.md'}")
    summary = out / "report" / "summary.md"
    append_step_summary(summary.read_text(encoding="utf-8"), full=summary)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        lines = FORMATS["annotations"].render(report_input(outcome, cfg))
        if lines.strip():
            click.echo(lines, nl=False)
    set_github_output(status=outcome.status, report=str(out / "report" / "comment.md"), results=str(out))
    return outcome.exit_code(cfg.gate.fail_on_warn)
