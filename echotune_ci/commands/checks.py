"""``echotune-ci checks``: a check run (or commit status) per phase."""

from __future__ import annotations

from pathlib import Path

import click

from .common import config_option


@click.command(name="checks")
@click.argument("results", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--repo", help="OWNER/NAME (default inside Actions: GITHUB_REPOSITORY).")
@click.option("--sha", help="Commit to attach the checks to (default: the pull request's head, else GITHUB_SHA).")
@click.option("--api-url", help="GitHub REST API root (default: [github] api_url, GITHUB_API_URL, api.github.com).")
@click.option("--mode", type=click.Choice(("auto", "check-run", "status")), default=None,
              help="check-run needs a GitHub App token (the Actions token is one); auto falls back to statuses "
                   "(default: [github] checks).")
@click.option("--baseline", type=click.Path(path_type=Path), multiple=True,
              help="Base-branch results: relative rules and known findings.")
@click.option("--details-url", default=None, help="Link to the full report (default: this workflow run).")
@config_option
def command(results: tuple[Path, ...], repo: str | None, sha: str | None, api_url: str | None, mode: str | None,
            baseline: tuple[Path, ...], details_url: str | None, config_path: Path | None) -> int:
    """Publish RESULTS as one check per phase (token from GITHUB_TOKEN)."""
    from ..console import info
    from ..errors import InputError
    from ..github.checks import phase_checks, publish_checks
    from ..github.client import GitHubClient
    from ..github.publish_inputs import gather

    got = gather(results, baseline, config_path, details_url)
    ev, ctx, url, gh_cfg = got.evaluated, got.context, got.details_url, got.github
    if not gh_cfg["enabled"]:
        info(f"{got.cfg.source}: [github] enabled = false: nothing published")
        return 0
    repo = repo or ctx.repository
    sha = sha or ctx.head_sha
    if not repo or not sha:
        where = "this event names no commit" if ctx.in_actions else "not running inside GitHub Actions"
        raise InputError(f"{where}: pass --repo OWNER/NAME and --sha COMMIT")
    checks = phase_checks(ev.results, ev.outcome, details_url=url, max_annotations=got.report["max_annotations"])
    client = GitHubClient.from_env(api_url=api_url, settings=gh_cfg)
    published = publish_checks(client, repo, sha.strip().lower(), checks, mode=mode or gh_cfg["checks"],
                               name_format=gh_cfg["check_name"], details_url=url, run_key=ctx.run_key)
    for p in published:
        info(f"{p.kind} {p.phase}: {p.state}{' ' + p.url if p.url else ''}")
    return 0
