"""What GitHub Actions tells a step through its environment and event file."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from ..fsutil import read_json


@dataclass(frozen=True)
class ActionsContext:
    """What the GitHub Actions environment tells: repository, event, pull request, commits and this run."""
    in_actions: bool = False
    repository: str | None = None
    event_name: str | None = None
    event: dict[str, Any] = field(default_factory=dict)
    sha: str | None = None
    server_url: str = "https://github.com"
    api_url: str | None = None
    run_id: str | None = None
    run_attempt: str | None = None
    untrusted_flag: bool = False

    @property
    def pr_number(self) -> int | None:
        """The pull request of this event; for workflow_run only same-repository PRs are listed
        (GitHub leaves ``pull_requests`` empty for forks: pass --pr from the artifact then)."""
        ev = self.event
        if isinstance(ev.get("pull_request"), dict):
            return _int(ev["pull_request"].get("number"))
        issue = ev.get("issue")
        if isinstance(issue, dict) and "pull_request" in issue:
            return _int(issue.get("number"))
        run = ev.get("workflow_run")
        if isinstance(run, dict) and run.get("pull_requests"):
            first = run["pull_requests"][0]
            return _int(first.get("number")) if isinstance(first, dict) else None
        return None

    @property
    def head_sha(self) -> str | None:
        """The commit the results belong to (GITHUB_SHA is a merge commit on pull_request events)."""
        ev = self.event
        pr = ev.get("pull_request")
        if isinstance(pr, dict) and isinstance(pr.get("head"), dict) and pr["head"].get("sha"):
            return str(pr["head"]["sha"])
        run = ev.get("workflow_run")
        if isinstance(run, dict) and run.get("head_sha"):
            return str(run["head_sha"])
        return self.sha

    @property
    def trusted_head_sha(self) -> str | None:
        """In the workflow_run stage the PR number may come from an untrusted artifact; the
        event's head SHA (set by GitHub) is what a pull request must match to receive the comment."""
        run = self.event.get("workflow_run")
        if self.event_name == "workflow_run" and isinstance(run, dict) and run.get("head_sha"):
            return str(run["head_sha"])
        return None

    @property
    def results_from(self) -> str | None:
        """The repository whose code produced the results, as GitHub tells: in the workflow_run stage
        ``workflow_run.head_repository.full_name``, in a pull_request(_target) event the head's
        repository; None when the event does not say."""
        if self.event_name == "workflow_run":
            run = self.event.get("workflow_run")
            head = run.get("head_repository") if isinstance(run, dict) else None
        elif self.event_name in ("pull_request", "pull_request_target"):
            pr = self.event.get("pull_request")
            head = pr.get("head") if isinstance(pr, dict) else None
            head = head.get("repo") if isinstance(head, dict) else None
        else:
            return None
        name = head.get("full_name") if isinstance(head, dict) else None
        return name if isinstance(name, str) and name else None

    @property
    def untrusted_results(self) -> bool:
        """Whether the results to publish may have been written by someone without write access.

        True when ECHOTUNE_UNTRUSTED_RESULTS=true; in the workflow_run stage
        unless GitHub says the run that uploaded the artifact ran this
        repository's own code (a fork's pull request, or an event that does
        not say, is untrusted); in a pull_request(_target) event when the
        head is a fork's. Then the comment and checks are rendered from
        validated numbers only and no check says success (docs/github.md).
        """
        if self.untrusted_flag:
            return True
        origin = self.results_from
        same = bool(origin and self.repository and origin.lower() == self.repository.lower())
        if self.event_name == "workflow_run":
            return not same
        return origin is not None and not same

    @property
    def run_url(self) -> str:
        """The URL of this workflow run, or "" outside Actions."""
        if not (self.repository and self.run_id):
            return ""
        return f"{self.server_url.rstrip('/')}/{self.repository}/actions/runs/{self.run_id}"

    @property
    def run_key(self) -> str:
        """Distinguishes this run (and re-run attempt) from others."""
        if self.run_id:
            return f"{self.run_id}.{self.run_attempt or '1'}"
        return ""


def _int(value: Any) -> int | None:
    """A positive whole number from the event (a PR or issue number), else None: GitHub numbers from 1, and
    -3 in a crafted event file named an API path that does not exist."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, str) and value.isdigit() and int(value) > 0:
        return int(value)
    return None


def load_context(env: dict[str, str] | None = None) -> ActionsContext:
    """The Actions context from *env* (default os.environ) and GITHUB_EVENT_PATH; InputError when the event
    file is unreadable."""
    env = dict(os.environ if env is None else env)
    event: dict[str, Any] = {}
    event_path = env.get("GITHUB_EVENT_PATH")
    if event_path:
        loaded = read_json(event_path, "GITHUB_EVENT_PATH event file")
        if isinstance(loaded, dict):
            event = loaded
    return ActionsContext(
        in_actions=env.get("GITHUB_ACTIONS") == "true",
        repository=env.get("GITHUB_REPOSITORY") or None,
        event_name=env.get("GITHUB_EVENT_NAME") or None,
        event=event,
        sha=env.get("GITHUB_SHA") or None,
        server_url=env.get("GITHUB_SERVER_URL") or "https://github.com",
        api_url=env.get("GITHUB_API_URL") or None,
        run_id=env.get("GITHUB_RUN_ID") or None,
        run_attempt=env.get("GITHUB_RUN_ATTEMPT") or None,
        untrusted_flag=env.get("ECHOTUNE_UNTRUSTED_RESULTS", "").strip().lower() in ("1", "true", "yes"),
    )
