"""``echotune-ci compare``: head results against base results, with statistics."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .common import config_option, get_config


@click.command(name="compare")
@click.argument("base", type=click.Path(path_type=Path))
@click.argument("head", type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), envvar="ECHOTUNE_COMPARE_FORMAT", default="text", show_default=True)
@click.option("--alpha", type=click.FloatRange(0.0001, 0.5), default=None, help="Significance level (default from [gate]).")
@click.option("--min-effect", type=click.FloatRange(0), default=None,
              help="Smallest change in percent that can count as a regression (default from [gate]).")
@click.option("--fail-on-regression", is_flag=True, help="Exit 1 when a metric regressed.")
@config_option
def command(base: Path, head: Path, output_format: str, alpha: float | None, min_effect: float | None,
            fail_on_regression: bool, config_path: Path | None) -> int:
    """Compare HEAD results with BASE results (files or folders).

    Metrics with samples (several runs or rounds) are tested with a one-sided
    Mann-Whitney U test and must also move by at least the minimum effect;
    single values are compared against the [gate] regression thresholds.
    """
    from ..compare import compare_results
    from ..report.render import render
    from ..results import load_results

    cfg = get_config(config_path)
    gate_cfg = cfg.section("gate")
    alpha = alpha if alpha is not None else gate_cfg["alpha"]
    comps = compare_results(
        load_results([base]),
        load_results([head]),
        thresholds=gate_cfg["regression"],
        alpha=alpha,
        min_effect_pct=min_effect if min_effect is not None else gate_cfg["min_effect_pct"],
    )
    if output_format == "json":
        click.echo(json.dumps([c.to_dict() for c in comps], indent=2))
    else:
        click.echo(render("compare.txt.j2", comparisons=comps, alpha=alpha), nl=False)
    regressed = any(c.verdict == "regressed" for c in comps)
    return 1 if (regressed and fail_on_regression) else 0
