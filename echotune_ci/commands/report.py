"""``echotune-ci report``: render result files for people and for GitHub."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .common import config_option, get_config

FORMATS = ("markdown", "summary", "json", "annotations", "sarif", "html")


@click.command(name="report")
@click.argument("results", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(FORMATS), envvar="ECHOTUNE_REPORT_FORMAT", default="markdown", show_default=True,
              help="markdown: the PR comment; summary: the job summary (appended to $GITHUB_STEP_SUMMARY when set); "
                   "annotations: workflow commands; json: everything in one document; sarif: findings for code scanning; "
                   "html: a self-contained page with screenshots linked.")
@click.option("--baseline", type=click.Path(path_type=Path), multiple=True,
              help="Base-branch results (folder or files): adds deltas and regression verdicts.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of stdout.")
@click.option("--details-url", default=None, help="Link to the full report (used when the comment is truncated).")
@click.option("--max-chars", type=click.IntRange(1000, 65536), default=65536, show_default=True,
              help="Largest comment (GitHub allows 65,536 characters).")
@config_option
def command(results: tuple[Path, ...], output_format: str, baseline: tuple[Path, ...], output: Path | None,
            details_url: str | None, max_chars: int, config_path: Path | None) -> int:
    """Render RESULTS (result files or folders of them)."""
    from ..fsutil import write_text_atomic
    from ..reporting import append_step_summary, evaluate_paths

    cfg = get_config(config_path)
    ev = evaluate_paths(results, cfg, baseline or None)
    rep = cfg.section("report")
    url = details_url if details_url is not None else rep["details_url"]
    if output_format == "markdown":
        from ..report.markdown import render_comment

        text = render_comment(ev.results, outcome=ev.outcome, details_url=url, title=rep["title"], max_chars=max_chars)
    elif output_format == "summary":
        from ..report.markdown import render_summary

        text = render_summary(ev.results, outcome=ev.outcome, details_url=url, title=rep["title"])
        if output is None and append_step_summary(text) is not None:
            return 0
    elif output_format == "annotations":
        from ..report.annotations import annotations

        text = "\n".join(annotations(ev.results, ev.outcome, per_level=min(rep["max_annotations"], 10))) + "\n"
    elif output_format == "sarif":
        from ..report.sarif import to_sarif

        text = json.dumps(to_sarif(ev.results), indent=2) + "\n"
    elif output_format == "html":
        from ..report.html import render_html

        text = render_html(ev.results, ev.outcome, title=rep["title"])
    else:
        from ..report.json_report import report_dict

        text = json.dumps(report_dict(ev.results, ev.outcome), indent=2) + "\n"
    if output is not None:
        write_text_atomic(output, text)
    else:
        click.echo(text, nl=False)
    return 0
