"""``echotune-ci bundle``: sizes of build output against budgets and a base result."""

from __future__ import annotations

from pathlib import Path

import click

from .common import config_option, finish_phase, get_config, output_option


@click.command(name="bundle")
@click.argument("globs", nargs=-1, metavar="[GLOB]...")
@click.option("--baseline", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The base branch's bundle result to compare with (e.g. base-results/bundle.json).")
@click.option("--max-growth", type=float, default=None, metavar="PCT",
              help="Largest allowed growth of the gzip total in percent (default: budgets.bundle_growth_pct, 5).")
@click.option("--max-total", default=None, metavar="SIZE",
              help="Limit on the gzip total, e.g. 250KB (K = 1024 bytes).")
@click.option("--top", type=click.IntRange(min=0), default=None, metavar="N",
              help="How many most-changed files to list (default 10).")
@config_option
@output_option("bundle")
def command(globs: tuple[str, ...], baseline: Path | None, max_growth: float | None, max_total: str | None,
            top: int | None, config_path: Path | None, output: Path | None) -> int:
    """Sum raw, gzip (level 9) and brotli (quality 11) sizes of the files matching GLOB...

    Globs are relative to the working folder (** matches folders); without
    any, [bundle] globs of the config apply, relative to the config file.
    Content hashes in file names (app.3f2a1c.js) are ignored when pairing
    files with the base.
    """
    from ..phases.bundle import measure_bundle, options_from_config

    opts = options_from_config(get_config(config_path), globs=globs, baseline=baseline,
                               max_growth_pct=max_growth, max_total=max_total, top_changes=top)
    return finish_phase(measure_bundle(opts), output)
