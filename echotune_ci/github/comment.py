"""The one sticky report comment per pull request.

Ours is the comment that carries the hidden marker AND was written by the
token's own login: anyone can paste the marker into a comment, and editing
someone else's comment would fail anyway. Two jobs that race may both create
one; after creating, the comments are listed again and every copy but the
oldest is deleted, so the pull request keeps exactly one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..report.markdown import COMMENT_MARKER, GITHUB_COMMENT_LIMIT, truncate
from ..masking import mask
from .client import GitHubClient


@dataclass
class CommentOutcome:
    """What upsert_comment did: created, updated, unchanged or skipped (with the reason), the comment and the
    duplicates removed."""
    action: str  # created | updated | unchanged | skipped
    url: str = ""
    comment_id: int | None = None
    removed: list[int] = field(default_factory=list)
    reason: str = ""


def fit_comment(body: str, *, details_url: str = "", limit: int = GITHUB_COMMENT_LIMIT) -> str:
    """The body as GitHub will accept it: with the marker, at most *limit* characters."""
    if COMMENT_MARKER not in body:
        body = f"{COMMENT_MARKER}\n{body}"
    if len(body) > limit:
        body = truncate(body, limit, details_url)
    return body


def _ours(comments: list[Any], login: str) -> list[Any]:
    mine = [c for c in comments if COMMENT_MARKER in (c.body or "") and c.user is not None
            and (c.user.login or "").lower() == login.lower()]
    return sorted(mine, key=lambda c: c.id)


def upsert_comment(
    client: GitHubClient,
    repo_name: str,
    number: int,
    body: str,
    *,
    author: str | None = None,
    expected_head_sha: str | None = None,
    details_url: str = "",
) -> CommentOutcome:
    """Create or update the one marked comment of *author* (default: the token's user) on pull request
    *number*, removing duplicates; skipped when the pull request moved past *expected_head_sha*. Never
    posts twice on a retried POST."""
    body = mask(fit_comment(body, details_url=details_url))  # no secret value is ever posted
    repo = client.repo(repo_name)
    where = f"pull request #{number} of {repo_name}"

    def read_pull() -> Any:
        pull = repo.get_pull(number)
        _ = pull.head.sha  # completes the lazy object: a 404 surfaces here
        return pull

    pull = client.call(read_pull, what=f"read {where}")
    if expected_head_sha and pull.head.sha != expected_head_sha:
        return CommentOutcome(
            "skipped",
            reason=f"{where} is at {pull.head.sha[:12]}, the results are for {expected_head_sha[:12]}; "
                   "not commenting (a newer run will)",
        )
    login = author or client.login

    def list_ours() -> list[Any]:
        return _ours(list(pull.get_issue_comments()), login)

    mine = client.call(list_ours, what=f"list the comments of {where}")
    created = None
    if not mine:
        created = client.create(
            lambda: pull.create_issue_comment(body),
            find=lambda: (list_ours() or [None])[0],
            what=f"comment on {where}",
        )
        mine = client.call(list_ours, what=f"list the comments of {where}") or [created]
    keep, extra = mine[0], mine[1:]
    removed = []
    for dup in extra:
        client.call(dup.delete, what=f"delete duplicate comment {dup.id} on {where}", missing_ok=True)
        removed.append(dup.id)
    if created is not None and keep.id == created.id:
        action = "created"
    elif (keep.body or "") == body:
        action = "unchanged"
    else:
        client.call(lambda: keep.edit(body), what=f"update comment {keep.id} on {where}")
        action = "updated"
    return CommentOutcome(action, url=keep.html_url or "", comment_id=keep.id, removed=removed)
