"""The api phase's login refused by the app's rate limiter (tozo's 5 logins a minute, spent by the load
phase just before): waited for once when Retry-After is short, else an error that says what 429 means."""

from __future__ import annotations

import httpx
import pytest

from echotune_ci.errors import RunError
from echotune_ci.phases.api import phase
from echotune_ci.phases.api.phase import log_in
from echotune_ci.phases.api.settings import ApiSettings
from echotune_ci.phases.load.settings import LoginSettings


def _app(refusals: int, retry_after: str | None):
    seen: list[int] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(1)
        if len(seen) <= refusals:
            return httpx.Response(429, json={}, headers={"Retry-After": retry_after} if retry_after else {})
        return httpx.Response(200, json={}, headers={"Set-Cookie": "session=abc; Path=/; HttpOnly"})

    return handle, seen


def _settings() -> ApiSettings:
    return ApiSettings(login=LoginSettings(path="/sessions/", json={"email": "a@b.c", "password": "pw-1"},
                                           status=(200,), session=True))


def test_a_login_refused_for_a_few_seconds_is_sent_again_after_retry_after(monkeypatch):
    slept: list[float] = []
    monkeypatch.setattr(phase.time, "sleep", slept.append)
    handle, seen = _app(1, "7")
    with httpx.Client(base_url="http://127.0.0.1:9", transport=httpx.MockTransport(handle)) as client:
        headers = log_in(_settings(), client)
    assert (slept, len(seen)) == ([7.0], 2)
    assert "session=abc" in headers.get("Cookie", "")


@pytest.mark.parametrize(("retry_after", "refusals", "sends"), [
    (None, 1, 1),      # no Retry-After: nothing says when, no wait
    ("3600", 1, 1),    # an hour: not waited for
    ("5", 2, 2),       # refused again after the wait: once only
])
def test_a_login_still_refused_says_the_rate_limiter_refused_it(monkeypatch, retry_after, refusals, sends):
    monkeypatch.setattr(phase.time, "sleep", lambda s: None)
    handle, seen = _app(refusals, retry_after)
    refused = r"answered 429 Too Many Requests: the app's rate limiter refused"
    with httpx.Client(base_url="http://127.0.0.1:9", transport=httpx.MockTransport(handle)) as client, \
            pytest.raises(RunError, match=refused):
        log_in(_settings(), client)
    assert len(seen) == sends
