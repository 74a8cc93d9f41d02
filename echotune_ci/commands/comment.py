"""``echotune-ci comment``: create or update the sticky PR comment."""

from __future__ import annotations

from pathlib import Path

import click

from ..config.schema import click_option
from ..config.sections import GitHubSettings
from .common import config_option


@click.command(name="comment")
@click.argument("results", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--repo", help="OWNER/NAME (default inside Actions: GITHUB_REPOSITORY).")
@click.option("--pr", "pr_number", type=click.IntRange(min=1),
              help="Pull request number (default: from the event).")
@click_option(GitHubSettings, "api_url", "--api-url",
              help="GitHub REST API root (default: [github] api_url, GITHUB_API_URL, api.github.com).")
@click.option("--baseline", type=click.Path(path_type=Path), multiple=True,
              help="Base-branch results: deltas, regressions and known findings in the comment.")
@click.option("--details-url", default=None, help="Link to the full report (default: this workflow run).")
@click_option(GitHubSettings, "comment_author", "--author", "author",
              help="Login whose marked comment is ours (default: the token's user; github-actions[bot] for "
                   "the Actions token).")
@click.option("--dry-run", is_flag=True, help="Print the comment instead of posting it (no token needed).")
@config_option
def command(results: tuple[Path, ...], repo: str | None, pr_number: int | None, api_url: str | None,
            baseline: tuple[Path, ...], details_url: str | None, author: str | None, dry_run: bool,
            config_path: Path | None) -> int:
    """Post RESULTS as the one report comment of a pull request (token from GITHUB_TOKEN)."""
    from ..console import info, warn
    from ..github.comment import fit_comment, upsert_comment
    from ..github.publish import gather
    from ..report.formats import FORMATS
    from ..reporting import report_input

    got = gather(results, baseline, config_path, details_url)
    markdown = FORMATS["markdown"].render(report_input(got.outcome, got.cfg, got.details_url,
                                                       untrusted=got.untrusted))
    body = fit_comment(markdown, details_url=got.details_url)
    if dry_run:
        click.echo(body, nl=False)
        return 0
    if not got.enabled():
        return 0
    repo, pr_number = got.pull_request(repo, pr_number)
    outcome = upsert_comment(got.client(api_url), repo, pr_number, body,
                             author=author or got.cfg.github.comment_author or None,
                             expected_head_sha=got.context.trusted_head_sha, details_url=got.details_url)
    if outcome.action == "skipped":
        warn(outcome.reason)
        return 0
    extra = f" (removed {len(outcome.removed)} duplicate(s))" if outcome.removed else ""
    info(f"comment {outcome.action}: {outcome.url or outcome.comment_id}{extra}")
    return 0
