"""One retry policy for every HTTP client (GitHub, the research API): exponential
backoff with jitter, ``Retry-After`` honoured, bounded attempts and waits.

A client wraps one request in :func:`with_retries`, with a *classify*
function that turns an exception into a :class:`Retry` (try again, maybe
after the server's ``Retry-After``) or None (not retryable: re-raised), and a
*give_up* function that builds the one-line error raised when the attempts
or the allowed wait run out. Non-idempotent writes are the client's concern:
re-read state before trying again (see ``github.client.GitHubClient.create``).
"""

from __future__ import annotations

import email.utils
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Retry:
    """A failure that may pass on another try: why, and how long the server asked us to wait (s)."""

    reason: str
    retry_after: float | None = None


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry.

    ``max_attempts`` counts every try (1 = no retry). Without a
    ``Retry-After`` the n-th wait is ``backoff * 2**(n-1)`` seconds, capped at
    ``max_backoff``, plus up to ``jitter`` of itself so that concurrent
    clients do not retry in lock-step; a server's ``Retry-After`` is honoured
    as it is. A wait (before jitter) longer than ``max_wait`` seconds gives
    up at once.
    """

    max_attempts: int = 4
    backoff: float = 1.0
    max_backoff: float = math.inf
    max_wait: float = 60.0
    jitter: float = 0.25
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait after failed try number *attempt* (1-based), before jitter."""
        if retry_after is not None:
            return max(0.0, retry_after)
        return min(self.max_backoff, self.backoff * (2 ** (attempt - 1)))

    def jittered(self, wait: float, retry_after: float | None) -> float:
        """*wait* plus up to ``jitter`` of itself (never past ``max_backoff``); a Retry-After stays exact."""
        if retry_after is not None:
            return wait
        return min(self.max_backoff, wait * (1 + random.uniform(0, self.jitter)))  # nosec B311 - not security


def with_retries(fn: Callable[[], T], policy: RetryPolicy, *, classify: Callable[[Exception], Retry | None],
                 give_up: Callable[[Retry, int, float | None], Exception],
                 notify: Callable[[Retry, float], None] | None = None) -> T:
    """Call *fn* until it returns, a failure is not retryable, or the policy runs out.

    ``classify(exc)`` may itself raise (a one-line error for the user);
    None re-raises *exc*. ``give_up(retry, attempts, wait)`` builds the error
    raised when *attempts* tries failed (wait None) or when the wait needed
    is longer than ``max_wait`` (wait in seconds). ``notify(retry, wait)`` is
    told before each wait.
    """
    attempt = 0
    while True:
        attempt += 1
        try:
            return fn()
        except Exception as exc:
            retry = classify(exc)
            if retry is None:
                raise
            if attempt >= policy.max_attempts:
                raise give_up(retry, attempt, None) from None
            wait = policy.delay(attempt, retry.retry_after)
            if wait > policy.max_wait:
                raise give_up(retry, attempt, wait) from None
            wait = policy.jittered(wait, retry.retry_after)
            if notify is not None:
                notify(retry, wait)
            policy.sleep(wait)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header: delta-seconds or an HTTP date (RFC 9110, 10.2.3).

    None when absent or unreadable; a date in the past gives 0.
    """
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))
