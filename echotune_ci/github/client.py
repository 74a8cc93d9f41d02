"""A PyGithub client with retries we control and errors a person can act on.

PyGithub's own retry is switched off: it retries POST as well, and a 5xx that
GitHub answered *after* acting would duplicate a comment or a pull request.
Here reads and idempotent writes (PATCH, PUT, DELETE) are retried, and a
create is retried only after re-reading state shows it did not happen.

API (small on purpose; ``propose`` uses it too)::

    client = GitHubClient.from_env(api_url=None, settings=cfg.section("github"))  # token: GITHUB_TOKEN
    repo = client.repo("owner/name")          # a PyGithub Repository; lazy, no request yet
    sha = client.call(lambda: repo.get_pull(7).head.sha, what="read pull request #7")
    gone = client.call(comment.delete, what="delete comment", missing_ok=True)   # 404 -> None
    made = client.create(lambda: pull.create_issue_comment(body),
                         find=lambda: existing_comment_or_none(), what="comment on pull request #7")
    client.login                              # whose token this is (GET /user, cached)
    client.gh                                 # the PyGithub Github object itself

``call`` and ``create`` retry 403 secondary rate limits, 429 and 5xx (and
connection errors) with exponential backoff that honours ``Retry-After`` and
rate-limit resets, at most ``max_attempts`` tries and ``max_wait`` seconds per
wait; then they raise :class:`echotune_ci.errors.RunError` (exit 3). Bad
credentials, missing permissions, unknown objects and rejected input raise
ConfigError / InputError (exit 2). No message ever contains the token.
"""

from __future__ import annotations

import email.utils
import os
import random
import time
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

from ..errors import ConfigError, EchoTuneError, InputError, RunError

T = TypeVar("T")

DEFAULT_API_URL = "https://api.github.com"
API_VERSION = "2022-11-28"  # the REST API version whose behaviour this client was written against
TOKEN_VARIABLES = ("GITHUB_TOKEN", "GH_TOKEN")
# The login of the Actions GITHUB_TOKEN, which may not read GET /user.
ACTIONS_BOT = "github-actions[bot]"


@dataclass
class RetryPolicy:
    max_attempts: int = 4
    backoff: float = 1.0  # first wait without Retry-After, doubled each time
    max_wait: float = 60.0  # longest single wait; a longer Retry-After fails at once
    sleep: Callable[[float], None] = time.sleep

    @classmethod
    def from_settings(cls, settings: dict[str, Any] | None) -> "RetryPolicy":
        s = settings or {}
        return cls(max_attempts=int(s.get("max_attempts", 4)), backoff=float(s.get("backoff", 1.0)),
                   max_wait=float(s.get("max_wait", 60.0)))


def token_from_env(env: dict[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    for name in TOKEN_VARIABLES:
        if env.get(name, "").strip():
            return env[name].strip()
    raise ConfigError(
        "no GitHub token: set GITHUB_TOKEN (in a workflow: env: GITHUB_TOKEN: ${{ github.token }})"
    )


class _Retryable(Exception):
    def __init__(self, reason: str, wait: float | None):
        super().__init__(reason)
        self.reason = reason
        self.wait = wait


class GitHubClient:
    def __init__(self, token: str, *, api_url: str = "", timeout: float = 30.0, retry: RetryPolicy | None = None):
        if not token:
            raise ConfigError("no GitHub token given")
        self._token = token
        self.api_url = (api_url or DEFAULT_API_URL).rstrip("/")
        if not self.api_url.startswith(("http://", "https://")):
            raise ConfigError(f"GitHub API URL must start with https:// (got {self.api_url!r})")
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self._gh: Any = None
        self._login: str | None = None

    @classmethod
    def from_env(cls, *, api_url: str | None = None, settings: dict[str, Any] | None = None,
                 env: dict[str, str] | None = None) -> "GitHubClient":
        """Token from GITHUB_TOKEN; API URL from the option, [github] api_url or GITHUB_API_URL."""
        env = os.environ if env is None else env
        s = settings or {}
        url = api_url or s.get("api_url") or env.get("GITHUB_API_URL") or DEFAULT_API_URL
        return cls(token_from_env(env), api_url=url, timeout=float(s.get("timeout", 30.0)),
                   retry=RetryPolicy.from_settings(s))

    # ------------------------------------------------------------------ PyGithub objects

    @property
    def gh(self) -> Any:
        if self._gh is None:
            from github import Auth, Github

            from .. import __version__

            self._gh = Github(
                auth=Auth.Token(self._token),
                base_url=self.api_url,
                timeout=max(1, int(self.timeout)),
                user_agent=f"echotune-ci/{__version__}",
                per_page=100,
                retry=None,
                seconds_between_requests=None,
                seconds_between_writes=None,
                lazy=True,
                api_version=API_VERSION,
            )
        return self._gh

    def repo(self, full_name: str) -> Any:
        if full_name.count("/") != 1 or not all(full_name.split("/")):
            raise InputError(f"--repo must look like OWNER/NAME, got {full_name!r}")
        return self.gh.get_repo(full_name)

    @property
    def login(self) -> str:
        """The login the token acts as; the Actions token answers GET /user with 403."""
        if self._login is None:
            from github import GithubException

            try:
                self._login = self.call(lambda: self.gh.get_user().login, what="read the token's user")
            except ConfigError as exc:
                cause = exc.__cause__
                if isinstance(cause, GithubException) and "not accessible by integration" in _message(cause):
                    self._login = ACTIONS_BOT
                else:
                    raise
        return self._login

    # ------------------------------------------------------------------ calls with retries

    def call(self, fn: Callable[[], T], *, what: str, missing_ok: bool = False) -> T | None:
        """Run a read or an idempotent write, retrying what GitHub asks us to retry."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return fn()
            except Exception as exc:  # noqa: BLE001 - classified below, everything else re-raised
                retry = self._classify(exc, what, missing_ok)
                if retry is None:
                    return None
                self._wait_or_give_up(retry, attempt, what)

    def create(self, fn: Callable[[], T], *, find: Callable[[], T | None], what: str) -> T:
        """Run a non-idempotent write (POST) at most once per observed absence.

        After a retryable failure the state is re-read with *find*: when the
        write did happen (GitHub acted, then failed to answer) its result is
        returned instead of writing again.
        """
        attempt = 0
        while True:
            attempt += 1
            try:
                return fn()
            except Exception as exc:  # noqa: BLE001
                retry = self._classify(exc, what, False)
                assert retry is not None
                self._wait_or_give_up(retry, attempt, what)
                existing = self.call(find, what=f"check whether GitHub did {what}")
                if existing is not None:
                    return existing

    def _wait_or_give_up(self, retry: _Retryable, attempt: int, what: str) -> None:
        from ..console import debug

        policy = self.retry
        if attempt >= policy.max_attempts:
            raise RunError(self.scrub(f"GitHub: could not {what} after {attempt} attempts ({retry.reason})"))
        wait = retry.wait
        if wait is None:
            wait = policy.backoff * (2 ** (attempt - 1)) * (1 + random.uniform(0, 0.25))
        if wait > policy.max_wait:
            raise RunError(self.scrub(
                f"GitHub: could not {what} ({retry.reason}); GitHub asks to wait {wait:.0f} s, "
                f"more than the {policy.max_wait:.0f} s allowed ([github] max_wait)"
            ))
        debug(f"GitHub: {retry.reason} while trying to {what}; retrying in {wait:.1f} s")
        policy.sleep(max(wait, 0.0))

    def _classify(self, exc: Exception, what: str, missing_ok: bool) -> _Retryable | None:
        """A retry decision, None for a tolerated 404, or raise a one-line error."""
        from github import GithubException
        import requests

        if isinstance(exc, (requests.ConnectionError, requests.Timeout)):
            return _Retryable(f"cannot reach {self.api_url}: {type(exc).__name__}", None)
        if isinstance(exc, EchoTuneError):
            raise exc
        if not isinstance(exc, GithubException):
            raise exc
        status = exc.status
        message = _message(exc)
        headers = {k.lower(): v for k, v in (exc.headers or {}).items()}
        detail = self.scrub(f"{status} {message}".strip())
        if status == 429 or status >= 500 or (status == 403 and _is_rate_limited(message, headers)):
            return _Retryable(detail, _wait_from_headers(headers))
        if status == 401:
            raise ConfigError(f"GitHub rejected the token ({detail}): check GITHUB_TOKEN") from exc
        if status == 403:
            raise ConfigError(
                f"GitHub: the token may not {what} ({detail}); grant the workflow the permission it needs "
                "(pull-requests: write for comments, checks: write or statuses: write for checks)"
            ) from exc
        if status == 404:
            if missing_ok:
                return None
            raise InputError(f"GitHub: cannot {what}: not found (404); check the repository, the number and "
                             "that the token can see the repository") from exc
        if status == 422:
            raise InputError(f"GitHub refused to {what} ({detail}{_validation_details(exc)})") from exc
        raise RunError(f"GitHub: could not {what} ({detail})") from exc

    def scrub(self, text: str) -> str:
        return text.replace(self._token, "***") if self._token else text


def _message(exc: Any) -> str:
    data = getattr(exc, "data", None)
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return data["message"]
    return ""


def _validation_details(exc: Any) -> str:
    data = getattr(exc, "data", None)
    errors = data.get("errors") if isinstance(data, dict) else None
    if not isinstance(errors, list):
        return ""
    parts = [e.get("message") or f"{e.get('field')} {e.get('code')}" for e in errors if isinstance(e, dict)]
    return (": " + "; ".join(str(p) for p in parts)) if parts else ""


def _is_rate_limited(message: str, headers: dict[str, str]) -> bool:
    lowered = message.lower()
    return (
        "rate limit" in lowered
        or headers.get("x-ratelimit-remaining") == "0"
        or "retry-after" in headers
    )


def _wait_from_headers(headers: dict[str, str], now: float | None = None) -> float | None:
    """Seconds to wait: Retry-After (seconds or HTTP date), else the rate-limit reset when exhausted."""
    now = time.time() if now is None else now
    retry_after = headers.get("retry-after")
    if retry_after:
        value = retry_after.strip()
        if value.isdigit():
            return float(value)
        try:
            return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - now)
        except (TypeError, ValueError):
            return None
    if headers.get("x-ratelimit-remaining") == "0" and (headers.get("x-ratelimit-reset") or "").isdigit():
        return max(0.0, float(headers["x-ratelimit-reset"]) - now) + 1.0
    return None
