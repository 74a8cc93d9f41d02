"""The GitHub client's retries and errors, in-process against the strict local server."""

from __future__ import annotations

import email.utils
import time

import pytest

from support.fake_github import PR, REPO, USER_TOKEN, standard_world

from echotune_ci.errors import ConfigError, InputError, RunError
from echotune_ci.github.client import GitHubClient, RetryPolicy, _wait_from_headers, token_from_env
from echotune_ci.github.context import load_context
from echotune_ci.serve import free_port


@pytest.fixture()
def gh():
    with standard_world() as server:
        yield server


def client_for(url: str, waits: list[float], attempts: int = 4, max_wait: float = 60.0) -> GitHubClient:
    policy = RetryPolicy(max_attempts=attempts, backoff=0.5, max_wait=max_wait, sleep=waits.append)
    return GitHubClient(USER_TOKEN, api_url=url, timeout=5, retry=policy)


def read_pull(client: GitHubClient):
    repo = client.repo(REPO)
    return client.call(lambda: repo.get_pull(PR).head.sha, what="read the pull request")


def test_each_retryable_answer_is_retried_with_growing_backoff(gh):
    gh.fail("GET", rf"/pulls/{PR}$", 502)
    gh.fail("GET", rf"/pulls/{PR}$", 429, retry_after=7)
    gh.fail("GET", rf"/pulls/{PR}$", 403, secondary=True)
    waits: list[float] = []
    assert read_pull(client_for(gh.url, waits)) == "1" * 40
    assert [c.status for c in gh.calls_to("GET", rf"/pulls/{PR}$")] == [502, 429, 403, 200]
    # 502: backoff; 429: its Retry-After; secondary limit without Retry-After: doubled backoff.
    assert 0.5 <= waits[0] <= 0.625 and waits[1] == 7.0 and 2.0 <= waits[2] <= 2.5


def test_primary_rate_limit_waits_for_the_reset(gh):
    gh.fail("GET", rf"/pulls/{PR}$", 403, primary=True, reset_in=20)
    waits: list[float] = []
    assert read_pull(client_for(gh.url, waits)) == "1" * 40
    assert 15 <= waits[0] <= 22


def test_pygithub_does_not_retry_on_its_own(gh):
    gh.fail("POST", rf"/issues/{PR}/comments$", 500, times=10)
    waits: list[float] = []
    client = client_for(gh.url, waits, attempts=2)
    pull = client.repo(REPO).get_pull(PR)
    with pytest.raises(RunError, match=r"could not comment after 2 attempts \(500 Server Error\)"):
        client.create(lambda: pull.create_issue_comment("hi"), find=lambda: None, what="comment")
    assert len(gh.calls_to("POST", r"/comments$")) == 2


def test_unreachable_api_is_exit_3_after_retries():
    waits: list[float] = []
    client = client_for(f"http://127.0.0.1:{free_port()}", waits, attempts=3)
    with pytest.raises(RunError) as err:
        read_pull(client)
    assert err.value.exit_code == 3 and "cannot reach http://127.0.0.1" in str(err.value)
    assert len(waits) == 2


def test_errors_name_the_problem_never_the_token(gh):
    gh.add_token(USER_TOKEN + "x", login="x", permissions={"metadata": "read"})
    waits: list[float] = []
    noperm = GitHubClient(USER_TOKEN + "x", api_url=gh.url, retry=RetryPolicy(sleep=waits.append))
    with pytest.raises(ConfigError, match="the token may not read the pull request") as err:
        read_pull(noperm)
    assert USER_TOKEN not in str(err.value)
    with pytest.raises(InputError, match="not found"):
        client = client_for(gh.url, waits)
        client.call(lambda: client.repo("octo/nope").get_pull(1).head.sha, what="read")
    assert client.scrub(f"token {USER_TOKEN} leaked") == "token *** leaked"
    with pytest.raises(InputError, match="OWNER/NAME"):
        client.repo("just-a-name")


def test_missing_is_tolerated_when_asked(gh):
    client = client_for(gh.url, [])
    repo = client.repo(REPO)
    assert client.call(lambda: repo.get_issue(PR).get_comment(424242).body, what="read",
                       missing_ok=True) is None
    assert gh.calls[-1].status == 404


def test_wait_from_headers():
    now = time.time()
    date = email.utils.formatdate(now + 30, usegmt=True)
    assert 28 <= _wait_from_headers({"retry-after": date}, now) <= 31
    assert _wait_from_headers({"retry-after": "12"}, now) == 12.0
    assert _wait_from_headers({"retry-after": "soon"}, now) is None
    assert _wait_from_headers({"x-ratelimit-remaining": "0",
                               "x-ratelimit-reset": str(int(now) + 5)}, now) <= 6.0
    assert _wait_from_headers({"x-ratelimit-remaining": "10"}, now) is None


def test_token_and_context_from_the_environment(tmp_path):
    assert token_from_env({"GH_TOKEN": " abc "}) == "abc"
    with pytest.raises(ConfigError, match="set GITHUB_TOKEN"):
        token_from_env({})
    with pytest.raises(InputError, match="GITHUB_EVENT_PATH"):
        load_context({"GITHUB_EVENT_PATH": str(tmp_path / "missing.json")})
    event = tmp_path / "event.json"
    event.write_text('{"issue": {"number": 5, "pull_request": {}}}')
    ctx = load_context({"GITHUB_EVENT_PATH": str(event), "GITHUB_REPOSITORY": "o/r", "GITHUB_SHA": "f" * 40})
    assert ctx.pr_number == 5 and ctx.head_sha == "f" * 40 and ctx.trusted_head_sha is None
