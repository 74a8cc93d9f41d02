"""`echotune-ci comment` against the strict local GitHub API server."""

from __future__ import annotations

import json
import threading
import time

import pytest

from conftest import run_cli
from support.fake_github import (APP_TOKEN, HEAD_SHA, PR, READONLY_TOKEN, REPO, USER_TOKEN, FakeGitHub,
                                 github_cli_env, standard_world)
from support.samples import load_result, security_result

from echotune_ci.report.markdown import COMMENT_MARKER
from echotune_ci.results import PhaseResult


@pytest.fixture()
def gh():
    with standard_world() as server:
        yield server


@pytest.fixture()
def results(tmp_path):
    out = tmp_path / "results"
    load_result([120.0, 130.0, 125.0]).write(out / "load.json")
    security_result().write(out / "security.json")
    return out


@pytest.fixture()
def env(cli_env, tmp_path):
    return github_cli_env(cli_env, tmp_path, USER_TOKEN)


def comment(gh: FakeGitHub, results, env, *extra: str):
    return run_cli("comment", str(results), "--repo", REPO, "--pr", str(PR), "--api-url", gh.url, *extra,
                   env=env)


def test_created_once_then_updated_in_place(gh, results, env):
    first = comment(gh, results, env)
    assert first.returncode == 0, first.stderr
    assert "comment created" in first.stderr
    [posted] = gh.comments(REPO, PR)
    assert posted["body"].startswith(COMMENT_MARKER) and posted["user"]["login"] == "octo-bot"
    assert "load" in posted["body"] and "security" in posted["body"]

    again = comment(gh, results, env)
    assert again.returncode == 0 and "comment unchanged" in again.stderr
    assert len(gh.calls_to("PATCH", r"/issues/comments/")) == 0

    security_result(extra_high=2).write(results / "security.json")
    third = comment(gh, results, env)
    assert third.returncode == 0 and "comment updated" in third.stderr
    [updated] = gh.comments(REPO, PR)
    assert updated["id"] == posted["id"] and updated["body"] != posted["body"]
    assert "gate(s) failed" in updated["body"]
    assert len(gh.calls_to("POST", r"/issues/\d+/comments$")) == 1


def test_marker_in_someone_elses_comment_is_not_ours(gh, results, env):
    gh.add_token("ghp_mallory_000000000000000000000000000", login="mallory")
    env_m = dict(env, GITHUB_TOKEN="ghp_mallory_000000000000000000000000000")
    assert comment(gh, results, env_m, "--author", "mallory").returncode == 0
    assert comment(gh, results, env).returncode == 0
    logins = sorted(c["user"]["login"] for c in gh.comments(REPO, PR))
    assert logins == ["mallory", "octo-bot"]


def test_two_racing_commenters_leave_one_comment(gh, results, env, tmp_path):
    # Both list the (empty) comments before either creates one, however far apart a busy runner starts
    # the two processes: the barrier waits up to 100 s, and each client's requests up to 150 s.
    gh.barrier("GET", rf"/issues/{PR}/comments$", parties=2, timeout=100)
    config = tmp_path / "echotune.toml"
    config.write_text("[github]\ntimeout = 150\n")
    outcomes = []
    racer = lambda: outcomes.append(comment(gh, results, env, "--config", str(config)))  # noqa: E731
    threads = [threading.Thread(target=racer) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [o.returncode for o in outcomes] == [0, 0], [o.stderr for o in outcomes]
    calls = [(c.method, c.path, c.status) for c in gh.calls]
    assert len(gh.calls_to("POST", r"/issues/\d+/comments$")) == 2, (calls, [o.stderr for o in outcomes])
    remaining = gh.comments(REPO, PR)
    assert len(remaining) == 1
    assert len(gh.calls_to("DELETE", r"/issues/comments/\d+$")) >= 1


def test_oversized_report_is_truncated_to_githubs_limit(gh, tmp_path, env):
    out = tmp_path / "big"
    # Every failed shard is listed even at the lowest detail level: this report must be cut.
    for i in range(1500):
        PhaseResult(phase=f"load-shard{i:04d}", status="error",
                    errors=[f"worker {i} lost its master at http://10.0.0.{i % 250}:5557 " + "x" * 80]
                    ).write(out / f"shard{i:04d}.json")
    proc = comment(gh, out, env, "--details-url", "https://ci.example/run/1")
    assert proc.returncode == 0, proc.stderr
    [posted] = gh.comments(REPO, PR)
    assert len(posted["body"]) <= 65536
    assert posted["body"].startswith(COMMENT_MARKER)
    tail = posted["body"][-400:]
    assert "cut to fit GitHub's 65,536-character limit" in tail and "https://ci.example/run/1" in tail


def test_secondary_rate_limit_is_retried_after_retry_after(gh, results, env):
    gh.fail("POST", rf"/issues/{PR}/comments$", 403, secondary=True, retry_after=1)
    started = time.monotonic()
    proc = comment(gh, results, env)
    elapsed = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr
    assert elapsed >= 1.0
    assert [c.status for c in gh.calls_to("POST", r"/comments$")] == [403, 201]
    assert len(gh.comments(REPO, PR)) == 1


def test_server_error_after_acting_does_not_duplicate(gh, results, env):
    gh.fail("POST", rf"/issues/{PR}/comments$", 502, after_acting=True)
    proc = comment(gh, results, env)
    assert proc.returncode == 0, proc.stderr
    # The write happened although the answer was 502: re-reading finds it, no second POST.
    assert [c.status for c in gh.calls_to("POST", r"/comments$")] == [502]
    assert len(gh.comments(REPO, PR)) == 1


def test_retry_exhaustion_exits_3_without_the_token(gh, results, env):
    gh.fail("GET", rf"/pulls/{PR}$", 503, times=10)
    proc = comment(gh, results, env)
    assert proc.returncode == 3
    assert proc.stderr.startswith("echotune-ci: error: GitHub: could not read pull request #7")
    assert "after 3 attempts" in proc.stderr and "503" in proc.stderr
    assert "Traceback" not in proc.stderr and USER_TOKEN not in proc.stderr + proc.stdout
    assert len(gh.calls_to("GET", rf"/pulls/{PR}$")) == 3


def test_retry_after_longer_than_allowed_fails_at_once(gh, results, env):
    gh.fail("POST", rf"/issues/{PR}/comments$", 429, retry_after=3600, times=5)
    proc = comment(gh, results, env)
    assert proc.returncode == 3
    assert "asks to wait 3600 s" in proc.stderr
    assert len(gh.calls_to("POST", r"/comments$")) == 1


@pytest.mark.parametrize(
    ("token", "args", "code", "message"),
    [
        (None, (), 2, "no GitHub token: set GITHUB_TOKEN"),
        ("ghp_wrong_0000000000000000000000000000000", (), 2,
         "GitHub rejected the token (401 Bad credentials)"),
        (READONLY_TOKEN, ("--author", "github-actions[bot]"), 2,
         "the token may not comment on pull request #7"),
        (USER_TOKEN, ("--pr", "999"), 2, "cannot read pull request #999 of octo/musicapp: not found (404)"),
        (USER_TOKEN, ("--repo", "octo/unknown"), 2, "cannot read pull request #7 of octo/unknown: not found"),
    ],
)
def test_bad_input_gets_one_clear_line(gh, results, env, token, args, code, message):
    if token is None:
        env.pop("GITHUB_TOKEN")
    else:
        env["GITHUB_TOKEN"] = token
    proc = comment(gh, results, env, *args)
    assert proc.returncode == code, proc.stderr
    assert message in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    if token:
        assert token not in proc.stderr + proc.stdout
    assert gh.comments(REPO, PR) == []


def test_outside_actions_says_how_to_pass_repo_and_pr(gh, results, env):
    proc = run_cli("comment", str(results), "--api-url", gh.url, env=env)
    assert proc.returncode == 2
    assert "not running inside GitHub Actions: pass --repo OWNER/NAME and --pr NUMBER" in proc.stderr


def test_empty_results_folder(gh, tmp_path, env):
    (tmp_path / "empty").mkdir()
    proc = comment(gh, tmp_path / "empty", env)
    assert proc.returncode == 2 and "no result files" in proc.stderr


def test_dry_run_prints_the_comment_without_a_token(results, env):
    env.pop("GITHUB_TOKEN")
    proc = run_cli("comment", str(results), "--dry-run", env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(COMMENT_MARKER) and "security" in proc.stdout


def _actions_env(env, tmp_path, event_name: str, event: dict) -> dict:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event))
    env.update(GITHUB_ACTIONS="true", GITHUB_REPOSITORY=REPO, GITHUB_EVENT_NAME=event_name,
               GITHUB_EVENT_PATH=str(path), GITHUB_RUN_ID="4242", GITHUB_RUN_ATTEMPT="1",
               GITHUB_SERVER_URL="https://github.com", GITHUB_TOKEN=APP_TOKEN)
    return env


def test_inside_actions_repo_and_pr_come_from_the_event(gh, results, env, tmp_path):
    env = _actions_env(env, tmp_path, "pull_request",
                       {"pull_request": {"number": PR, "head": {"sha": HEAD_SHA}}})
    proc = run_cli("comment", str(results), "--api-url", gh.url, env=env)
    assert proc.returncode == 0, proc.stderr
    [posted] = gh.comments(REPO, PR)
    # The Actions token may not read GET /user: its comments are github-actions[bot]'s.
    assert posted["user"]["login"] == "github-actions[bot]"
    assert "https://github.com/octo/musicapp/actions/runs/4242" in posted["body"]
    assert run_cli("comment", str(results), "--api-url", gh.url, env=env).returncode == 0
    assert len(gh.comments(REPO, PR)) == 1


def test_workflow_run_stage_refuses_a_pr_whose_head_moved(gh, results, env, tmp_path):
    # A fork's artifact names the PR; the event's head SHA (set by GitHub) must match it.
    env = _actions_env(env, tmp_path, "workflow_run",
                       {"workflow_run": {"head_sha": "9" * 40, "pull_requests": []}})
    proc = run_cli("comment", str(results), "--pr", str(PR), "--api-url", gh.url, env=env)
    assert proc.returncode == 0
    assert "not commenting" in proc.stderr
    assert gh.comments(REPO, PR) == []


def test_disabled_in_config_publishes_nothing(gh, results, env, tmp_path):
    config = tmp_path / "off.toml"
    config.write_text("[github]\nenabled = false\n")
    proc = comment(gh, results, env, "--config", str(config))
    assert proc.returncode == 0 and "[github] enabled = false: nothing published" in proc.stderr
    assert gh.calls == []
