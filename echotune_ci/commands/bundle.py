"""``echotune-ci bundle``: sizes of build output against budgets and a base result."""

from __future__ import annotations

from pathlib import Path
import click

from ..config.schema import click_option
from ..phases.bundle.settings import BundleSettings
from .common import artifacts_folder, config_option, finish_phase, get_config, output_option


@click.command(name="bundle")
@click.argument("globs", nargs=-1, metavar="[GLOB]...")
@click.option("--baseline", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The base branch's bundle result to compare with (e.g. base-results/bundle.json).")
@click_option(BundleSettings, "max_growth_pct", "--max-growth", "max_growth", metavar="PCT",
              help="Largest allowed growth of the gzip total in percent "
                   "(default: budgets.bundle_growth_pct, 5).")
@click_option(BundleSettings, "max_total_gzip", "--max-total", "max_total", metavar="SIZE",
              help="Limit on the gzip total, e.g. 250KB (K = 1024 bytes).")
@click_option(BundleSettings, "top_changes", "--top", "top", metavar="N",
              help="How many most-changed files to list (default 10).")
@config_option
@output_option("bundle")
def command(globs: tuple[str, ...], baseline: Path | None, max_growth: float | None, max_total: int | None,
            top: int | None, config_path: Path | None, output: Path | None) -> int:
    """Sum raw, gzip (level 9) and brotli (quality 11) sizes of the files matching GLOB...

    Globs are relative to the working folder (** matches folders); without
    any, [bundle] globs of the config apply, relative to the config file.
    Content hashes in file names (app.3f2a1c.js) are ignored when pairing
    files with the base.
    """
    from ..config.schema import override
    from ..phases.base import PhaseContext
    from ..phases.bundle.phase import measure

    cfg = get_config(config_path)
    settings = override(cfg.bundle, max_growth_pct=max_growth, max_total_gzip=max_total, top_changes=top)
    ctx = PhaseContext.for_config(cfg, artifacts_folder(None, output, "bundle"))
    # Globs and --baseline from the command line are relative to the working folder, not to the config file.
    return finish_phase(measure(settings, ctx, globs=globs, baseline=baseline), output)
