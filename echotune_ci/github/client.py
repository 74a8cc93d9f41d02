"""A PyGithub client with retries we control and errors a person can act on.

PyGithub's own retry is switched off: it retries POST as well, and a 5xx that
GitHub answered *after* acting would duplicate a comment or a pull request.
Here reads and idempotent writes (PATCH, PUT, DELETE) are retried, and a
create is retried only after re-reading state shows it did not happen.

API (small on purpose; ``propose`` uses it too)::

    client = GitHubClient.from_env(api_url=None, settings=cfg.github)  # token: GITHUB_TOKEN
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

import os
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

from ..errors import ConfigError, EchoTuneError, InputError, RunError
from ..masking import mask, register
from ..net.retry import Retry, RetryPolicy, parse_retry_after, with_retries

if TYPE_CHECKING:  # pragma: no cover
    from ..config.sections import GitHubSettings

T = TypeVar("T")

DEFAULT_API_URL = "https://api.github.com"
API_VERSION = "2022-11-28"  # the REST API version whose behaviour this client was written against
TOKEN_VARIABLES = ("GITHUB_TOKEN", "GH_TOKEN")
# The login of the Actions GITHUB_TOKEN, which may not read GET /user.
ACTIONS_BOT = "github-actions[bot]"


def retry_policy(settings: GitHubSettings | None) -> RetryPolicy:
    """The retry policy of [github] (max_attempts, backoff, max_wait)."""
    if settings is None:
        return RetryPolicy()
    return RetryPolicy(max_attempts=settings.max_attempts, backoff=settings.backoff,
                       max_wait=settings.max_wait)


def token_from_env(env: Mapping[str, str] | None = None) -> str:
    """The token in GITHUB_TOKEN (or GH_TOKEN); ConfigError (exit 2) when neither is set."""
    env = os.environ if env is None else env
    for name in TOKEN_VARIABLES:
        if env.get(name, "").strip():
            return env[name].strip()
    raise ConfigError(
        "no GitHub token: set GITHUB_TOKEN (in a workflow: env: GITHUB_TOKEN: ${{ github.token }})"
    )


class GitHubClient:
    """PyGithub behind our retry policy; see the module docstring for the API."""

    def __init__(self, token: str, *, api_url: str = "", timeout: float = 30.0,
                 retry: RetryPolicy | None = None):
        if not token:
            raise ConfigError("no GitHub token given")
        self._token = token
        register(token)  # masked in every output from now on
        self.api_url = (api_url or DEFAULT_API_URL).rstrip("/")
        if not self.api_url.startswith(("http://", "https://")):
            raise ConfigError(f"GitHub API URL must start with https:// (got {self.api_url!r})")
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self._gh: Any = None
        self._login: str | None = None

    @classmethod
    def from_env(cls, *, api_url: str | None = None, settings: GitHubSettings | None = None,
                 env: Mapping[str, str] | None = None) -> GitHubClient:
        """Token from GITHUB_TOKEN; API URL from the option, [github] api_url or GITHUB_API_URL."""
        env = os.environ if env is None else env
        configured = settings.api_url if settings is not None else ""
        url = api_url or configured or env.get("GITHUB_API_URL") or DEFAULT_API_URL
        return cls(token_from_env(env), api_url=url,
                   timeout=settings.timeout if settings is not None else 30.0, retry=retry_policy(settings))

    # ------------------------------------------------------------------ PyGithub objects

    @property
    def gh(self) -> Any:
        """The PyGithub ``Github`` object (created on first use, its own retries off)."""
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
        """The PyGithub Repository OWNER/NAME (lazy); InputError for a malformed name."""
        if full_name.count("/") != 1 or not all(full_name.split("/")):
            raise InputError(f"--repo must look like OWNER/NAME, got {full_name!r}")
        return self.gh.get_repo(full_name)

    @property
    def login(self) -> str:
        """The login the token acts as; the Actions token answers GET /user with 403."""
        if self._login is None:
            from github import GithubException

            try:
                self._login = str(self.call(lambda: self.gh.get_user().login, what="read the token's user"))
            except ConfigError as exc:
                cause = exc.__cause__
                if isinstance(cause, GithubException) and "not accessible by integration" in _message(cause):
                    self._login = ACTIONS_BOT
                else:
                    raise
        return str(self._login)

    # ------------------------------------------------------------------ calls with retries

    @overload
    def call(self, fn: Callable[[], T], *, what: str, missing_ok: Literal[False] = False) -> T: ...

    @overload
    def call(self, fn: Callable[[], T], *, what: str, missing_ok: Literal[True]) -> T | None: ...

    def call(self, fn: Callable[[], T], *, what: str, missing_ok: bool = False) -> T | None:
        """Run a read or an idempotent write, retrying what GitHub asks us to retry.

        With *missing_ok* a 404 gives None. Raises RunError when the retries
        run out, ConfigError/InputError for what the user must fix.
        """
        def attempt() -> T | None:
            try:
                return fn()
            except Exception as exc:
                if missing_ok and _status(exc) == 404:
                    return None
                raise

        return with_retries(attempt, self.retry, classify=lambda exc: self._classify(exc, what),
                            give_up=lambda retry, n, wait: self._give_up(retry, n, wait, what),
                            notify=lambda retry, wait: self._notify(retry, wait, what))

    def create(self, fn: Callable[[], T], *, find: Callable[[], T | None], what: str) -> T:
        """Run a non-idempotent write (POST) at most once per observed absence.

        After a retryable failure the state is re-read with *find*: when the
        write did happen (GitHub acted, then failed to answer) its result is
        returned instead of writing again.
        """
        tries = 0

        def attempt() -> T:
            nonlocal tries
            tries += 1
            if tries > 1:
                existing = self.call(find, what=f"check whether GitHub did {what}")
                if existing is not None:
                    return existing
            return fn()

        return with_retries(attempt, self.retry, classify=lambda exc: self._classify(exc, what),
                            give_up=lambda retry, n, wait: self._give_up(retry, n, wait, what),
                            notify=lambda retry, wait: self._notify(retry, wait, what))

    def _give_up(self, retry: Retry, attempts: int, wait: float | None, what: str) -> RunError:
        if wait is None:
            return RunError(self.scrub(f"GitHub: could not {what} after {attempts} attempts "
                                       f"({retry.reason})"))
        return RunError(self.scrub(
            f"GitHub: could not {what} ({retry.reason}); GitHub asks to wait {wait:.0f} s, "
            f"more than the {self.retry.max_wait:.0f} s allowed ([github] max_wait)"
        ))

    def _notify(self, retry: Retry, wait: float, what: str) -> None:
        from ..console import debug

        debug(f"GitHub: {retry.reason} while trying to {what}; retrying in {wait:.1f} s")

    def _classify(self, exc: Exception, what: str) -> Retry | None:
        """A retry decision, or raise a one-line error (None re-raises *exc* as it is)."""
        import requests
        from github import GithubException

        if isinstance(exc, (requests.ConnectionError, requests.Timeout)):
            return Retry(f"cannot reach {self.api_url}: {type(exc).__name__}", None)
        if isinstance(exc, requests.RequestException):  # e.g. a body cut off mid-transfer
            return Retry(f"broken answer from {self.api_url}: {type(exc).__name__}", None)
        if isinstance(exc, EchoTuneError):
            raise exc
        if isinstance(exc, ValueError):  # PyGithub's json.loads of a 200 whose body is cut off or not JSON
            raise RunError(f"GitHub: could not {what}: the answer was not valid JSON "
                           f"(truncated or not from the GitHub API at {self.api_url})") from exc
        if not isinstance(exc, GithubException):
            raise exc
        status = exc.status
        message = _message(exc)
        headers = {k.lower(): v for k, v in (exc.headers or {}).items()}
        detail = self.scrub(f"{status} {message}".strip())
        if status == 429 or status >= 500 or (status == 403 and _is_rate_limited(message, headers)):
            return Retry(detail, _wait_from_headers(headers))
        if status == 401:
            raise ConfigError(f"GitHub rejected the token ({detail}): check GITHUB_TOKEN") from exc
        if status == 403:
            raise ConfigError(
                f"GitHub: the token may not {what} ({detail}); grant the workflow the permission it needs "
                "(pull-requests: write for comments, checks: write or statuses: write for checks)"
            ) from exc
        if status == 404:
            raise InputError(f"GitHub: cannot {what}: not found (404); check the repository, the number and "
                             "that the token can see the repository") from exc
        if status == 422:
            raise InputError(f"GitHub refused to {what} ({detail}{_validation_details(exc)})") from exc
        raise RunError(f"GitHub: could not {what} ({detail})") from exc

    def scrub(self, text: str) -> str:
        """*text* with the token (and every other registered secret) replaced by ***."""
        return mask(text.replace(self._token, "***") if self._token else text)


def _status(exc: Exception) -> int | None:
    status = getattr(exc, "status", None)
    return status if isinstance(status, int) else None


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
        return parse_retry_after(retry_after, now)
    if headers.get("x-ratelimit-remaining") == "0" and (headers.get("x-ratelimit-reset") or "").isdigit():
        return max(0.0, float(headers["x-ratelimit-reset"]) - now) + 1.0
    return None
