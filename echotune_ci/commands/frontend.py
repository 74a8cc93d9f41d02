"""``echotune-ci frontend``: web vitals and accessibility of pages in Chromium."""

from __future__ import annotations

from pathlib import Path

import click

from .common import config_option, finish_phase, get_config, output_option


@click.command(name="frontend")
@click.argument("urls", nargs=-1, metavar="[URL]...")
@click.option("--runs", type=click.IntRange(1, 20), default=None,
              help="Loads per page; the median is reported (default: [frontend] runs, 3).")
@click.option("--preset", type=click.Choice(["desktop", "mobile"]), default=None,
              help="Screen and throttling preset (default: [frontend] preset, desktop).")
@click.option("--base-url", default=None, metavar="URL",
              help="Resolve the configured page paths against this URL.")
@click.option("--storage-state", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Playwright storageState JSON to audit logged-in pages.")
@click.option("--artifacts-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where screenshots go (default: artifacts/frontend next to --output, or results/artifacts/frontend).")
@config_option
@output_option("frontend")
def command(urls: tuple[str, ...], runs: int | None, preset: str | None, base_url: str | None,
            storage_state: Path | None, artifacts_dir: Path | None, config_path: Path | None,
            output: Path | None) -> int:
    """Audit pages in Chromium: FCP, LCP, CLS, TBT, TTI, TTFB, a Lighthouse-comparable
    performance score, the axe-core accessibility score and violations, interaction
    latency, transfer sizes and a screenshot per page.

    Without URLs, the [[frontend.pages]] of the config are audited (paths need
    --base-url). A configured page whose URL or path matches a URL given here
    lends it its interactions and budgets.
    """
    from ..phases.frontend import audit, options_from_config
    from ..console import progress

    folder = artifacts_dir or ((output.parent if output else Path("results")) / "artifacts" / "frontend")
    opts = options_from_config(get_config(config_path), artifacts_dir=folder, urls=urls, base_url=base_url,
                               runs=runs, preset=preset, storage_state=storage_state)
    with progress("frontend") as spinner:
        result = audit(opts, spinner.update)
    return finish_phase(result, output)
