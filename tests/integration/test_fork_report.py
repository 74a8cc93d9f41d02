"""The workflow_run report stage on a fork's (forged) results artifact (issue 13, kind 3).

pr-report.yml's steps run as the runner would (support/step_runner.py) against the strict
local GitHub API (support/fake_github.py). The artifact holds the hostile result of
support/inert.py: the bot's comment and check runs must carry only validated numbers and
fixed words, no check run may say success, and the PR number / head SHA checks still hold.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from conftest import run_cli
from support.fake_github import (APP_TOKEN, HEAD_SHA, PR, REPO, USER_TOKEN, github_cli_env,
                                 standard_world)
from support.inert import MARK, assert_inert_markdown, write_hostile
from support.samples import load_result
from support.step_runner import StepRunner

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = yaml.safe_load((ROOT / ".github/workflows/pr-report.yml").read_text())
GATE_RUN = "https://github.com/octo/musicapp/actions/runs/555"
UNTRUSTED = "These numbers come from an untrusted run"


def report_stage(tmp_path: Path, cli_env: dict[str, str], gh, head_repository: str | None) -> StepRunner:
    workspace = tmp_path / "ws"
    results = workspace / "results"
    load_result([120.0, 130.0, 125.0]).write(results / "load.json")
    write_hostile(results)
    (results / "pr-number.txt").write_text(f"{PR}\n")
    run = {"id": 555, "event": "pull_request", "head_sha": HEAD_SHA, "pull_requests": [],
           "html_url": GATE_RUN, "conclusion": "failure"}
    if head_repository is not None:
        run["head_repository"] = {"full_name": head_repository}
    event = {"workflow_run": run, "repository": {"full_name": REPO}}
    (tmp_path / "event.json").write_text(json.dumps(event))
    env = {k: v for k, v in cli_env.items() if not k.startswith(("GITHUB_", "ECHOTUNE_")) and k != "GH_TOKEN"}
    env.update(CI="true", GITHUB_ACTIONS="true", GITHUB_REPOSITORY=REPO, GITHUB_EVENT_NAME="workflow_run",
               GITHUB_EVENT_PATH=str(tmp_path / "event.json"), GITHUB_SHA="d" * 40, GITHUB_API_URL=gh.url,
               GITHUB_SERVER_URL="https://github.com", GITHUB_RUN_ID="556", GITHUB_WORKSPACE=str(workspace))
    triggers = WORKFLOW.get("on", WORKFLOW.get(True))  # YAML 1.1 reads `on` as True
    inputs = {name: str(spec.get("default", "")).lower()
              for name, spec in triggers["workflow_call"]["inputs"].items()}
    return StepRunner(workspace, inputs=inputs, env=env, event=event, github={"token": APP_TOKEN})


@pytest.fixture()
def gh():
    with standard_world() as server:
        yield server


def run_stage(stage: StepRunner) -> None:
    procs = stage.run_steps(WORKFLOW["jobs"]["report"]["steps"], skip_ids=("install",))
    assert [p.returncode for p in procs] == [0], stage.logs
    assert "Traceback" not in "".join(stage.logs)


def check_runs(gh) -> dict[str, dict]:
    return {r["name"]: r for r in gh.repo(REPO).check_runs.values()}


def test_a_forks_artifact_is_rendered_from_numbers_only(tmp_path, cli_env, gh):
    run_stage(report_stage(tmp_path, cli_env, gh, head_repository="mallory/musicapp"))
    [comment] = gh.comments(REPO, PR)
    body = comment["body"]
    assert UNTRUSTED in body
    assert_inert_markdown(body, allowed_links=(GATE_RUN,))
    # No free text of the artifact: no mention (not even a defused one), link text, HTML or message.
    assert "@" not in body and "<img" not in body and "&lt;img" not in body and "javascript" not in body
    assert "add-mask" not in body and "evil.example" not in body and "message withheld" in body
    # The numbers are all there, with the units that are plain words.
    assert "| `p95_ms` | `GET /api/tracks` | 40 ms |" in body
    assert "| security | `p95_ms` | `GET /__PWN__ _ _PWNteam/core  ## PWN` | 250 | ≤ 200 |" in body
    assert "1 error message\\(s\\) withheld" in body
    runs = check_runs(gh)
    load, security = runs["EchoTune CI / load"], runs["EchoTune CI / security"]
    # A passing phase from a fork's artifact is neutral, never success; a failure stays a failure.
    assert load["conclusion"] == "neutral" and security["conclusion"] == "failure"
    assert load["output"]["title"] == "load: all gates pass (untrusted run)"
    for run in (load, security):
        assert UNTRUSTED in run["output"]["summary"] and "required check" in run["output"]["summary"]
        assert run["head_sha"] == HEAD_SHA and run["details_url"] == GATE_RUN
        assert_inert_markdown(run["output"]["summary"], allowed_links=(GATE_RUN,))
        assert "@" not in run["output"]["summary"]
    for a in security["_annotations"]:
        assert a["message"] == "message withheld (untrusted run)"
        assert "@" not in a["title"] and "\x1b" not in a["title"]


def test_an_event_that_does_not_name_the_head_repository_is_untrusted(tmp_path, cli_env, gh):
    run_stage(report_stage(tmp_path, cli_env, gh, head_repository=None))
    assert UNTRUSTED in gh.comments(REPO, PR)[0]["body"]
    assert check_runs(gh)["EchoTune CI / load"]["conclusion"] == "neutral"


def test_the_same_repositorys_run_is_trusted_and_still_escaped(tmp_path, cli_env, gh):
    run_stage(report_stage(tmp_path, cli_env, gh, head_repository=REPO.upper()))
    body = gh.comments(REPO, PR)[0]["body"]
    assert UNTRUSTED not in body and "message withheld" not in body
    assert "add-mask" in body  # the finding's text is shown, escaped
    assert_inert_markdown(body, allowed_links=(GATE_RUN, "https://example.com/a%29PWN"))
    assert check_runs(gh)["EchoTune CI / load"]["conclusion"] == "success"


def test_a_forged_pr_number_still_gets_no_comment(tmp_path, cli_env, gh):
    gh.add_pull(REPO, 8, head_sha="8" * 40)
    stage = report_stage(tmp_path, cli_env, gh, head_repository="mallory/musicapp")
    (stage.workspace / "results" / "pr-number.txt").write_text("8\n")
    run_stage(stage)
    assert "not commenting" in stage.logs[0]
    assert gh.comments(REPO, 8) == [] and gh.comments(REPO, PR) == []


@pytest.fixture()
def flagged(cli_env, tmp_path):
    env = github_cli_env(cli_env, tmp_path, USER_TOKEN)
    env["ECHOTUNE_UNTRUSTED_RESULTS"] = "true"
    out = tmp_path / "results"
    load_result([120.0, 130.0, 125.0]).write(out / "load.json")
    write_hostile(out)
    return env, out


def test_the_flag_marks_results_untrusted_for_statuses_too(gh, flagged):
    env, out = flagged
    proc = run_cli("checks", str(out), "--repo", REPO, "--sha", HEAD_SHA, "--api-url", gh.url,
                   "--mode", "status", env=env)
    assert proc.returncode == 0, proc.stderr
    states = {s["context"]: s["state"] for s in gh.repo(REPO).statuses}
    # Commit statuses have no neutral state: a pass from an untrusted run is not published at all.
    assert states == {"EchoTune CI / security": "error"}  # the hostile result holds an error
    assert "status load: not published" in proc.stderr
    assert not re.search(r"@[A-Za-z]", json.dumps(gh.repo(REPO).statuses))


def test_the_flag_marks_the_dry_run_comment(gh, flagged):
    env, out = flagged
    proc = run_cli("comment", str(out), "--dry-run", env=env)
    assert proc.returncode == 0, proc.stderr
    assert UNTRUSTED in proc.stdout and "message withheld" in proc.stdout
    assert "@" not in proc.stdout and "<img" not in proc.stdout and f"{MARK}[x]" not in proc.stdout
