"""``echotune-ci checks``: a check run (or commit status) per phase."""

from __future__ import annotations

from pathlib import Path

import click

from ..config.schema import click_option
from ..config.sections import GitHubSettings
from .common import config_option


@click.command(name="checks")
@click.argument("results", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--repo", help="OWNER/NAME (default inside Actions: GITHUB_REPOSITORY).")
@click.option("--sha",
              help="Commit to attach the checks to (default: the pull request's head, else GITHUB_SHA).")
@click_option(GitHubSettings, "api_url", "--api-url",
              help="GitHub REST API root (default: [github] api_url, GITHUB_API_URL, api.github.com).")
@click_option(GitHubSettings, "checks", "--mode", "mode",
              help="check-run needs a GitHub App token (the Actions token is one); auto falls back to "
                   "statuses (default: [github] checks).")
@click.option("--baseline", type=click.Path(path_type=Path), multiple=True,
              help="Base-branch results: relative rules and known findings.")
@click.option("--details-url", default=None, help="Link to the full report (default: this workflow run).")
@config_option
def command(results: tuple[Path, ...], repo: str | None, sha: str | None, api_url: str | None,
            mode: str | None, baseline: tuple[Path, ...], details_url: str | None,
            config_path: Path | None) -> int:
    """Publish RESULTS as one check per phase (token from GITHUB_TOKEN)."""
    from ..console import info
    from ..github.checks import phase_checks, publish_checks
    from ..github.publish import gather
    from ..reporting import source_root

    got = gather(results, baseline, config_path, details_url)
    if not got.enabled():
        return 0
    repo, sha = got.commit(repo, sha)
    gh = got.cfg.github
    checks = phase_checks(got.outcome.results, got.outcome, details_url=got.details_url,
                          max_annotations=got.cfg.report.max_annotations, untrusted=got.untrusted,
                          source_root=source_root(got.cfg))
    published = publish_checks(got.client(api_url), repo, sha, checks, mode=mode or gh.checks,
                               name_format=gh.check_name, details_url=got.details_url,
                               run_key=got.context.run_key)
    for p in published:
        info(f"{p.kind} {p.phase}: {p.state}{' ' + p.url if p.url else ''}")
    return 0
