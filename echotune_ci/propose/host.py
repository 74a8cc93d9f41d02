"""What propose needs of the place that hosts pull requests (GitHub: ``echotune_ci.github.pulls.Pulls``).

Propose does not talk to GitHub itself: the ``propose`` command hands it a
:data:`HostFactory`, called once, and only when an accepted change is to be
published (a dry run never calls it, so it needs no token).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Published:
    """What publishing did: ``action`` created, updated or unchanged; the pull request's number and URL."""

    action: str
    number: int | None = None
    url: str = ""


class PullRequestHost(Protocol):
    """Pull requests of one repository, found by their head branch.

    A pull request is an opaque handle: whatever :meth:`find` returns is
    passed back to :meth:`publish` as ``existing``. Errors are the host's
    one-line EchoTune errors (ConfigError, InputError, RunError).
    """

    def find(self, branch: str, state: str = "open") -> Any | None:
        """The pull request whose head is *branch* in *state* ("open" or "closed"; merged ones are not
        "closed"), or None."""

    def room_for_one_more(self, cap: int) -> bool:
        """Whether fewer than *cap* proposal pull requests are open."""

    def publish(self, *, branch: str, base: str, title: str, body: str, draft: bool, labels: Sequence[str],
                existing: Any | None) -> Published:
        """Update *existing* (title, body, labels), or open a pull request from *branch* into *base*."""


HostFactory = Callable[[], PullRequestHost]
