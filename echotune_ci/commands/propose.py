"""``echotune-ci propose``: turn fixes into draft pull requests, idempotently."""

from __future__ import annotations

from pathlib import Path

import click

from .common import config_option, finish_phase, get_config


@click.command(name="propose")
@config_option
@click.option("--results", "results", multiple=True, type=click.Path(path_type=Path),
              help="Result files or folders whose findings are fixed (repeatable).")
@click.option("--research", type=click.Path(path_type=Path), default=None,
              help="Folder with brief.json from `echotune-ci research`: the cited why of each change.")
@click.option("--repo", envvar="GITHUB_REPOSITORY", default=None, help="OWNER/NAME on GitHub (default: $GITHUB_REPOSITORY).")
@click.option("--api-url", default=None, help="GitHub REST API root (default: [github] api_url, $GITHUB_API_URL).")
@click.option("--repo-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The git checkout to work from (default: [project] root).")
@click.option("--base", default=None, help="Branch the pull requests target (default: the checked-out branch).")
@click.option("--dry-run", is_flag=True, help="Check and test every change, push and open nothing.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the result JSON here (e.g. results/propose.json).")
def command(config_path: Path | None, results: tuple[Path, ...], research: Path | None, repo: str | None,
            api_url: str | None, repo_dir: Path | None, base: str | None, dry_run: bool,
            output: Path | None) -> int:
    """Collect changes (vulnerable pins, research-driven patches), check each one
    (applies cleanly, stays inside the repository, leaves CI files and secrets
    alone, size limit, the project's tests) and open or update one draft pull
    request per topic on branch echotune/<topic>. The token comes from GITHUB_TOKEN."""
    from ..console import progress
    from ..phases import PhaseContext
    from ..phases.propose import ProposeOptions, propose_with_outcomes

    cfg = get_config(config_path)
    options = ProposeOptions(results=list(results), research=research, repo=repo, api_url=api_url,
                             dry_run=dry_run, repo_dir=repo_dir, base=base)
    with progress("propose") as spinner:
        result, outcomes = propose_with_outcomes(cfg, options,
                                                 PhaseContext(artifacts_dir=Path("."), progress=spinner.update))
    for outcome in outcomes:
        if outcome.action == "planned":
            click.echo(f"--- pull request {outcome.change.title!r} would say:\n{outcome.body}")
    return finish_phase(result, output)
