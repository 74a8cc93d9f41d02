"""``echotune-ci frontend``: web vitals and accessibility of pages in Chromium."""

from __future__ import annotations

from pathlib import Path

import click

from ..config.schema import click_option
from ..phases.frontend.settings import FrontendSettings
from .common import artifacts_folder, config_option, finish_phase, get_config, output_option, staged_output


@click.command(name="frontend")
@click.argument("urls", nargs=-1, metavar="[URL]...")
@click_option(FrontendSettings, "runs", "--runs",
              help="Loads per page; the median is reported (default: [frontend] runs, 3).")
@click_option(FrontendSettings, "preset", "--preset",
              help="Screen and throttling preset (default: [frontend] preset, desktop).")
@click.option("--base-url", default=None, metavar="URL",
              help="Resolve the configured page paths against this URL.")
@click.option("--storage-state", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Playwright storageState JSON to audit logged-in pages.")
@click.option("--artifacts-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where screenshots go (default: artifacts/frontend next to --output, or "
                   "results/artifacts/frontend).")
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
    from ..config.schema import override
    from ..console import progress
    from ..phases.base import PhaseContext
    from ..phases.frontend.options import plan, with_urls
    from ..phases.frontend.phase import artifact_ref, audit
    from ..report.frontend_pages import write_frontend_pages

    cfg = get_config(config_path)
    settings = with_urls(override(cfg.frontend, runs=runs, preset=preset), urls, cfg.source)
    ctx = PhaseContext.for_config(cfg, artifacts_folder(artifacts_dir, output, "frontend"), base_url=base_url)
    # --storage-state is relative to the working folder, not to the config file.
    opts = plan(settings, ctx, storage_state=storage_state)
    with progress("frontend") as spinner:
        result = audit(opts, spinner.update)
    with staged_output(output):  # the page and the result file appear together
        page = write_frontend_pages(result, settings, ctx.artifacts_dir)
        if page is not None:
            result.artifacts.append(artifact_ref(page, ctx.artifacts_dir))
        return finish_phase(result, output)
