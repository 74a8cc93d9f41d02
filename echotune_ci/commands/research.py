"""``echotune-ci research``: ask a research API about best practice for this stack."""

from __future__ import annotations

from pathlib import Path

import click

from ..config.schema import click_option, override
from ..research.settings import ResearchSettings
from .common import config_option, finish_phase, get_config


@click.command(name="research")
@config_option
@click.option("--results", "results", multiple=True, type=click.Path(path_type=Path),
              help="Result files or folders: failing or regressed gates become questions (repeatable).")
@click_option(ResearchSettings, "provider", "--provider",
              help="perplexity, or openai for any OpenAI-compatible endpoint (default from [research]).")
@click_option(ResearchSettings, "base_url", "--base-url",
              help="Chat-completions base URL (e.g. http://127.0.0.1:8080/v1).")
@click_option(ResearchSettings, "model", "--model", help="Model name (default: sonar / gpt-4o-mini).")
@click_option(ResearchSettings, "output_dir", "--output", "-o", "output_dir",
              type=click.Path(file_okay=False, path_type=Path),
              help="Folder for brief.md and brief.json (default: [research] output_dir).")
@click.option("--result", "result_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the phase result JSON here (e.g. results/research.json).")
@click.option("--offline", is_flag=True, help="Use cached answers only and list what is missing.")
def command(config_path: Path | None, results: tuple[Path, ...], provider: str | None, base_url: str | None,
            model: str | None, output_dir: Path | None, result_path: Path | None, offline: bool) -> int:
    """Detect the stack, ask the research provider, write a cited brief.

    The API key comes from PERPLEXITY_API_KEY or ECHOTUNE_RESEARCH_API_KEY
    (or the variable named by [research] api_key_env); it is never printed.
    """
    from ..console import progress
    from ..research.brief import ResearchOptions, research

    cfg = get_config(config_path)
    # --output is relative to the working folder, [research] output_dir to the config file.
    folder = str(output_dir.absolute()) if output_dir is not None else None
    cfg = cfg.with_section("research", override(cfg.research, provider=provider, base_url=base_url or None,
                                                model=model or None, output_dir=folder))
    with progress("research") as spinner:
        result = research(cfg, ResearchOptions(results=list(results), offline=offline), spinner.update)
    for path in result.artifacts:
        click.echo(f"wrote {path}", err=True)
    return finish_phase(result, result_path)
