"""Open or update one draft pull request per proposal branch, never a duplicate.

The pull request of a topic is found by its head branch (``owner:echotune/<topic>``),
so a re-run updates the one it opened before. Creating goes through
``GitHubClient.create``, which re-reads state before retrying a POST. New
pull requests stop at ``max_open_prs`` open proposals; updates always happen.
:class:`Pulls` is the GitHub :class:`~echotune_ci.propose.host.PullRequestHost`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..propose.host import Published

if TYPE_CHECKING:  # pragma: no cover
    from ..config.sections import GitHubSettings
    from .client import GitHubClient


class Pulls:
    """The pull requests of repository *full_name* (OWNER/NAME) whose head branches start with *prefix*.

    *client* is a :class:`~echotune_ci.github.client.GitHubClient`; every
    call goes through its retries and error mapping.
    """

    def __init__(self, client: GitHubClient, full_name: str, prefix: str):
        self.client = client
        self.repo = client.repo(full_name)
        self.owner = full_name.split("/")[0]
        self.prefix = prefix

    @classmethod
    def from_env(cls, full_name: str, *, prefix: str, settings: GitHubSettings,
                 api_url: str | None = None) -> Pulls:
        """Pulls through a client with the token of GITHUB_TOKEN and [github] *settings*.

        *api_url* overrides [github] api_url / $GITHUB_API_URL. Raises
        ConfigError without a token, InputError for a malformed *full_name*.
        """
        from .client import GitHubClient

        return cls(GitHubClient.from_env(api_url=api_url, settings=settings), full_name, prefix)

    def find(self, branch: str, state: str = "open") -> Any | None:
        """The PyGithub pull request from *branch* in *state*, or None (a merged one is never "closed")."""
        def first() -> Any | None:
            for pull in self.repo.get_pulls(state=state, head=f"{self.owner}:{branch}"):
                if state == "closed" and pull.merged:
                    continue  # a merged proposal is done, not dismissed
                return pull
            return None

        return self.client.call(first, what=f"list pull requests of {branch}")

    def open_proposals(self) -> int:
        """How many open pull requests have a head branch with our prefix."""
        count: int | None = self.client.call(
            lambda: sum(1 for p in self.repo.get_pulls(state="open") if p.head.ref.startswith(self.prefix)),
            what="count open proposal pull requests")
        return count or 0

    def room_for_one_more(self, cap: int) -> bool:
        """Whether fewer than *cap* proposals are open."""
        return self.open_proposals() < cap

    def create(self, *, branch: str, base: str, title: str, body: str, draft: bool) -> Any:
        """Open a pull request from *branch* into *base*; a retried POST never makes a second one."""
        return self.client.create(
            lambda: self.repo.create_pull(base=base, head=branch, title=title, body=body, draft=draft),
            find=lambda: self.find(branch),
            what=f"open a pull request for {branch}",
        )

    def update(self, pull: Any, *, title: str, body: str) -> bool:
        """Edit title and body when they changed; True when an edit was made."""
        if pull.title == title and (pull.body or "") == body:
            return False
        self.client.call(lambda: pull.edit(title=title, body=body),
                         what=f"update pull request #{pull.number}")
        return True

    def label(self, pull: Any, labels: Sequence[str]) -> None:
        """Add those of *labels* the pull request lacks."""
        have = {label.name for label in pull.labels}
        missing = [name for name in labels if name not in have]
        if missing:
            # Adding labels is idempotent on GitHub, so a plain retried call is safe.
            self.client.call(lambda: pull.add_to_labels(*missing), what=f"label pull request #{pull.number}")

    def publish(self, *, branch: str, base: str, title: str, body: str, draft: bool, labels: Sequence[str],
                existing: Any | None) -> Published:
        """Update *existing* ("updated" or "unchanged"), else open a pull request ("created"); label it."""
        from ..masking import mask

        title, body = mask(title), mask(body)  # no secret value is ever posted
        if existing is not None:
            changed = self.update(existing, title=title, body=body)
            self.label(existing, labels)
            return Published("updated" if changed else "unchanged", existing.number, existing.html_url)
        pull = self.create(branch=branch, base=base, title=title, body=body, draft=draft)
        self.label(pull, labels)
        return Published("created", pull.number, pull.html_url)
