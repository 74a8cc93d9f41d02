"""``echotune-ci history``: keep a bounded history of results and show trends."""

from __future__ import annotations

from pathlib import Path

import click

from .common import config_option, get_config


@click.group(name="history")
def command() -> None:
    """Bounded history of default-branch results, trend charts and regression alerts."""


@command.command(name="add")
@click.argument("results", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--file", "history_file", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("history/history.json"), show_default=True,
              help="The history file (JSON), made by the first add.")
@click.option("--ref", default="", envvar="GITHUB_SHA",
              help="Commit or label of this entry (default: $GITHUB_SHA).")
@click.option("--max-entries", type=click.IntRange(2, 10000), default=200, show_default=True,
              help="Entries kept; the oldest drop out.")
def add(results: tuple[Path, ...], history_file: Path, ref: str, max_entries: int) -> int:
    """Append the metrics of RESULTS to the history file (oldest entries drop out)."""
    from ..history import add_entry
    from ..results import load_results

    history = add_entry(history_file, load_results(results), ref=ref, max_entries=max_entries)
    count = len(history["entries"])
    click.echo(f"{history_file}: {count} {'entry' if count == 1 else 'entries'}")
    return 0


@command.command(name="show")
@click.option("--file", "history_file", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("history/history.json"), show_default=True,
              help="The history file that `history add` writes.")
@click.option("--format", "output_format", type=click.Choice(["markdown", "html"]), default="markdown",
              show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the page here instead of stdout.")
@click.option("--window", type=click.IntRange(2, 1000), default=10, show_default=True,
              help="Entries the newest value is compared with (their median).")
@click.option("--fail-on-alert", is_flag=True,
              help="Exit 1 when a metric regressed against its recent history.")
@click.option("--all-metrics", is_flag=True,
              help="Alert on every metric (threshold [gate] min_effect_pct), not only those in [gate] "
                   "regression.")
@config_option
def show(history_file: Path, output_format: str, output: Path | None, window: int, fail_on_alert: bool,
         all_metrics: bool, config_path: Path | None) -> int:
    """Render trend charts and regression alerts from the history file."""
    from ..errors import InputError
    from ..fsutil import write_text_atomic
    from ..history import alerts, load_history, series, sparkline
    from ..report.render import report_environment

    if not history_file.exists():
        raise InputError(f"{history_file}: no history yet "
                         f"(add entries with `echotune-ci history add results/`)")
    gate = get_config(config_path).gate
    all_series = series(load_history(history_file))
    found = alerts(all_series, gate.regression, gate.min_effect_pct if all_metrics else None, window)
    env = report_environment("html" if output_format == "html" else "markdown")
    text = env.get_template(f"history.{ 'html' if output_format == 'html' else 'md' }.j2").render(
        series=all_series, alerts=found, sparkline=sparkline, source=str(history_file)
    )
    if output:
        write_text_atomic(output, text)
    else:
        click.echo(text, nl=False)
    return 1 if (found and fail_on_alert) else 0
