"""``echotune-ci compare``: head results against base results, with statistics."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..config.schema import click_option, override
from ..config.sections import GateSettings
from .common import config_option, get_config


@click.command(name="compare")
@click.argument("base", type=click.Path(path_type=Path))
@click.argument("head", type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(["text", "markdown", "json"]),
              envvar="ECHOTUNE_COMPARE_FORMAT", default="text", show_default=True)
@click_option(GateSettings, "alpha", "--alpha", help="Significance level (default from [gate]).")
@click_option(GateSettings, "min_effect_pct", "--min-effect", "min_effect",
              help="Smallest change in percent that can count as a regression (default from [gate]).")
@click_option(GateSettings, "confidence", "--confidence",
              help="Level of the confidence intervals of the shifts (default from [gate]).")
@click.option("--fail-on-regression", is_flag=True, help="Exit 1 when a metric regressed.")
@config_option
def command(base: Path, head: Path, output_format: str, alpha: float | None, min_effect: float | None,
            confidence: float | None, fail_on_regression: bool, config_path: Path | None) -> int:
    """Compare HEAD results with BASE results (files or folders).

    Metrics with samples (several runs or rounds) are tested with a one-sided
    Mann-Whitney U test and must also move by at least the minimum effect;
    their change is the Hodges-Lehmann shift with its confidence interval
    (docs/verdicts.md). Single values are compared against the [gate]
    regression thresholds.
    """
    from .. import console
    from ..compare import compare_results, interval_heading, level_pct, same_runs
    from ..report.render import render
    from ..reporting import gate_settings
    from ..results import load_results

    # the head's folder may hold the settings its run gated with (report/gate-settings.json)
    recorded = gate_settings([head], get_config(config_path)).gate
    gate = override(recorded, alpha=alpha, min_effect_pct=min_effect, confidence=confidence)
    base_results, head_results = load_results([base]), load_results([head])
    for phase in same_runs(base_results, head_results):
        console.warn(f"{head}: its {phase} results are those of {base} (the same run): nothing was compared")
    comps = compare_results(base_results, head_results, thresholds=gate.regression,
                            alpha=gate.alpha, min_effect_pct=gate.min_effect_pct, confidence=gate.confidence,
                            min_effect_ms=gate.min_effect_ms,
                            min_effect_cls=gate.min_effect_cls,
                            min_effect_bytes=gate.min_effect_bytes)
    if output_format == "json":
        click.echo(json.dumps([c.to_dict() for c in comps], indent=2))
    else:
        template = "compare.md.j2" if output_format == "markdown" else "compare.txt.j2"
        text = render(template, comparisons=comps, alpha=gate.alpha, min_effect=gate.min_effect_pct,
                      ci_header=interval_heading(comps, gate.confidence), level=level_pct(gate.confidence))
        click.echo(text, nl=False)
    regressed = any(c.verdict == "regressed" for c in comps)
    return 1 if (regressed and fail_on_regression) else 0
