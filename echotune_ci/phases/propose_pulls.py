"""Open or update one draft pull request per proposal branch, never a duplicate.

The pull request of a topic is found by its head branch (``owner:echotune/<topic>``),
so a re-run updates the one it opened before. Creating goes through
``GitHubClient.create``, which re-reads state before retrying a POST. New
pull requests stop at ``max_open_prs`` open proposals; updates always happen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class PullOutcome:
    action: str  # created, updated, unchanged, capped
    number: int | None = None
    url: str = ""


class Pulls:
    def __init__(self, client: Any, full_name: str, prefix: str):
        self.client = client
        self.repo = client.repo(full_name)
        self.owner = full_name.split("/")[0]
        self.prefix = prefix

    def find(self, branch: str, state: str = "open") -> Any | None:
        def first() -> Any | None:
            for pull in self.repo.get_pulls(state=state, head=f"{self.owner}:{branch}"):
                if state == "closed" and pull.merged:
                    continue  # a merged proposal is done, not dismissed
                return pull
            return None

        return self.client.call(first, what=f"list pull requests of {branch}")

    def open_proposals(self) -> int:
        return self.client.call(
            lambda: sum(1 for p in self.repo.get_pulls(state="open") if p.head.ref.startswith(self.prefix)),
            what="count open proposal pull requests")

    def room_for_one_more(self, cap: int) -> bool:
        return self.open_proposals() < cap

    def create(self, *, branch: str, base: str, title: str, body: str, draft: bool) -> Any:
        return self.client.create(
            lambda: self.repo.create_pull(base=base, head=branch, title=title, body=body, draft=draft),
            find=lambda: self.find(branch),
            what=f"open a pull request for {branch}",
        )

    def update(self, pull: Any, *, title: str, body: str) -> bool:
        """Edit title and body when they changed; True when an edit was made."""
        if pull.title == title and (pull.body or "") == body:
            return False
        self.client.call(lambda: pull.edit(title=title, body=body), what=f"update pull request #{pull.number}")
        return True

    def label(self, pull: Any, labels: list[str]) -> None:
        have = {label.name for label in pull.labels}
        missing = [name for name in labels if name not in have]
        if missing:
            # Adding labels is idempotent on GitHub, so a plain retried call is safe.
            self.client.call(lambda: pull.add_to_labels(*missing), what=f"label pull request #{pull.number}")

    def publish(self, *, branch: str, base: str, title: str, body: str, draft: bool, labels: list[str],
                existing: Any | None) -> PullOutcome:
        if existing is not None:
            changed = self.update(existing, title=title, body=body)
            self.label(existing, labels)
            return PullOutcome("updated" if changed else "unchanged", existing.number, existing.html_url)
        pull = self.create(branch=branch, base=base, title=title, body=body, draft=draft)
        self.label(pull, labels)
        return PullOutcome("created", pull.number, pull.html_url)
