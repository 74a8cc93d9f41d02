"""``echotune-ci report``: render result files for people and for GitHub."""

from __future__ import annotations

from pathlib import Path

import click

from ..report.base import GITHUB_COMMENT_LIMIT
from ..report.formats import FORMATS
from .common import config_option, get_config

_FORMAT_HELP = "; ".join(f"{f.name}: {f.help}" for f in FORMATS.values()) + "."


@click.command(name="report")
@click.argument("results", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(list(FORMATS)), envvar="ECHOTUNE_REPORT_FORMAT",
              default="markdown", show_default=True, help=_FORMAT_HELP)
@click.option("--baseline", type=click.Path(path_type=Path), multiple=True,
              help="Base-branch results (folder or files): adds deltas and regression verdicts.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write here instead of stdout.")
@click.option("--details-url", default=None,
              help="Link to the full report (used when the comment is truncated).")
@click.option("--max-chars", type=click.IntRange(1000, GITHUB_COMMENT_LIMIT), default=GITHUB_COMMENT_LIMIT,
              show_default=True, help="Largest comment (GitHub allows 65,536 characters).")
@config_option
def command(results: tuple[Path, ...], output_format: str, baseline: tuple[Path, ...], output: Path | None,
            details_url: str | None, max_chars: int, config_path: Path | None) -> int:
    """Render RESULTS (result files or folders of them)."""
    from ..fsutil import write_text_atomic
    from ..reporting import append_step_summary, evaluate_paths, gate_settings, report_input

    cfg = gate_settings(results, get_config(config_path))
    outcome = evaluate_paths(results, cfg, baseline or None)
    fmt = FORMATS[output_format]
    text = fmt.render(report_input(outcome, cfg, details_url, max_chars))
    if output is not None:
        write_text_atomic(output, text)
    elif not (fmt.step_summary and append_step_summary(text) is not None):
        click.echo(text, nl=False)
    return 0
