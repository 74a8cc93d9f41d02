"""What `comment` and `checks` share: gated results, the Actions context, the report link,
whether publishing is on, where to publish, and the client."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Config, load_config
from ..errors import InputError
from ..gate import GateOutcome
from ..reporting import evaluate_paths, gate_settings
from .context import ActionsContext, load_context

if TYPE_CHECKING:  # pragma: no cover
    from .client import GitHubClient


@dataclass
class PublishInputs:
    """The configuration, the gate's outcome, the Actions context and the report link."""

    cfg: Config
    outcome: GateOutcome
    context: ActionsContext
    details_url: str
    untrusted: bool = False

    def enabled(self) -> bool:
        """False (and says so) when [github] enabled = false."""
        if self.cfg.github.enabled:
            return True
        from ..console import info

        info(f"{self.cfg.source}: [github] enabled = false: nothing published")
        return False

    def commit(self, repo: str | None, sha: str | None) -> tuple[str, str]:
        """(OWNER/NAME, commit) to attach checks to: the options, else the event's head."""
        repo, sha = repo or self.context.repository, sha or self.context.head_sha
        if not repo or not sha:
            where = ("this event names no commit" if self.context.in_actions
                     else "not running inside GitHub Actions")
            raise InputError(f"{where}: pass --repo OWNER/NAME and --sha COMMIT")
        return repo, sha.strip().lower()

    def pull_request(self, repo: str | None, number: int | None) -> tuple[str, int]:
        """(OWNER/NAME, number) of the pull request to comment on: the options, else the event's."""
        repo, number = repo or self.context.repository, number or self.context.pr_number
        if not repo or not number:
            where = ("this event has no pull request" if self.context.in_actions
                     else "not running inside GitHub Actions")
            raise InputError(f"{where}: pass --repo OWNER/NAME and --pr NUMBER "
                             f"(or --dry-run to print the comment)")
        return repo, number

    def client(self, api_url: str | None) -> GitHubClient:
        """A client with the token from GITHUB_TOKEN and the [github] retry policy."""
        from .client import GitHubClient

        return GitHubClient.from_env(api_url=api_url, settings=self.cfg.github)


def gather(results: tuple[Path, ...], baseline: tuple[Path, ...], config_path: Path | None,
           details_url: str | None) -> PublishInputs:
    """Load and gate the results; the report link defaults to [report] details_url, then this run's page.

    When the results come from an untrusted run (:attr:`ActionsContext.untrusted_results`: the
    workflow_run stage of a fork's pull request), they are reduced to validated numbers and fixed words
    before the gate sees them (:func:`~echotune_ci.report.untrusted.restrict_untrusted`), so no text of
    theirs reaches the comment or the checks. InputError for unreadable result files.
    """
    ctx = load_context()
    untrusted = ctx.untrusted_results
    cfg = gate_settings(results, load_config(config_path), untrusted=untrusted)
    outcome = evaluate_paths(results, cfg, baseline or None, untrusted=untrusted)
    url = details_url if details_url is not None else (cfg.report.details_url or ctx.run_url)
    return PublishInputs(cfg, outcome, ctx, url, untrusted)
