"""``echotune-ci propose``: turn fixes into draft pull requests, idempotently."""

from __future__ import annotations

import functools
from pathlib import Path

import click

from ..config.schema import click_option, override
from ..config.sections import GitHubSettings
from ..propose.settings import ProposeSettings
from .common import config_option, finish_phase, get_config


@click.command(name="propose")
@config_option
@click.option("--results", "results", multiple=True, type=click.Path(path_type=Path),
              help="Result files or folders whose findings are fixed (repeatable).")
@click.option("--research", type=click.Path(path_type=Path), default=None,
              help="Folder with brief.json from `echotune-ci research`: the cited why of each change.")
@click.option("--repo", envvar="GITHUB_REPOSITORY", default=None,
              help="OWNER/NAME on GitHub (default: $GITHUB_REPOSITORY).")
@click_option(GitHubSettings, "api_url", "--api-url",
              help="GitHub REST API root (default: [github] api_url, $GITHUB_API_URL).")
@click.option("--repo-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The git checkout to work from (default: [project] root).")
@click_option(ProposeSettings, "base", "--base",
              help="Branch the pull requests target (default: the checked-out branch).")
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
    from ..github.pulls import Pulls
    from ..propose.pipeline import ProposeOptions, propose

    cfg = get_config(config_path)
    cfg = cfg.with_section("propose", override(cfg.propose, base=base or None))
    options = ProposeOptions(results=list(results), research=research, repo=repo, dry_run=dry_run,
                             repo_dir=repo_dir)
    # Made only when a change is to be published: a dry run needs no token.
    host = functools.partial(Pulls.from_env, repo or "", prefix=cfg.propose.branch_prefix,
                             settings=cfg.github, api_url=api_url)
    with progress("propose"):
        result, outcomes = propose(cfg, options, host)
    for outcome in outcomes:
        if outcome.action == "planned":
            click.echo(f"--- pull request {outcome.change.title!r} would say:\n{outcome.body}")
    return finish_phase(result, output)
