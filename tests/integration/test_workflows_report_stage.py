"""pr-report.yml's script, run as the runner would, on a workflow_run event from a fork's PR.

The results artifact is untrusted data: its PR number is sanitised to digits
and accepted only when that pull request's head is the commit the gate ran on.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from support.fake_github import APP_TOKEN, HEAD_SHA, PR, REPO, standard_world
from support.samples import load_result, security_result
from support.step_runner import StepRunner

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = yaml.safe_load((ROOT / ".github/workflows/pr-report.yml").read_text())
GATE_RUN = "https://github.com/octo/musicapp/actions/runs/555"


def report_stage(tmp_path: Path, cli_env: dict[str, str], gh, pr_file: str) -> StepRunner:
    workspace = tmp_path / "ws"
    results = workspace / "results"
    load_result([120.0, 130.0, 125.0]).write(results / "load.json")
    security_result(extra_high=1).write(results / "security.json")
    (results / "pr-number.txt").write_text(pr_file)
    # GitHub leaves pull_requests empty for a fork's PR.
    event = {"workflow_run": {"id": 555, "event": "pull_request", "head_sha": HEAD_SHA, "pull_requests": [],
                              "html_url": GATE_RUN, "conclusion": "failure"}}
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
        server.add_pull(REPO, 8, head_sha="8" * 40)
        yield server


def test_fork_pr_gets_its_comment_and_checks(tmp_path, cli_env, gh):
    stage = report_stage(tmp_path, cli_env, gh, pr_file='7\n$(touch pwned)"; echo x\n')
    procs = stage.run_steps(WORKFLOW["jobs"]["report"]["steps"], skip_ids=("install",))
    assert [p.returncode for p in procs] == [0], stage.logs
    [comment] = gh.comments(REPO, PR)
    assert comment["user"]["login"] == "github-actions[bot]" and GATE_RUN in comment["body"]
    runs = {r["name"]: r for r in gh.repo(REPO).check_runs.values()}
    assert set(runs) == {"EchoTune CI / load", "EchoTune CI / security"}
    assert {r["head_sha"] for r in runs.values()} == {HEAD_SHA}
    assert runs["EchoTune CI / security"]["details_url"] == GATE_RUN
    assert not list(tmp_path.rglob("pwned"))


def test_a_forged_pr_number_gets_no_comment(tmp_path, cli_env, gh):
    stage = report_stage(tmp_path, cli_env, gh, pr_file="8\n")
    procs = stage.run_steps(WORKFLOW["jobs"]["report"]["steps"], skip_ids=("install",))
    assert [p.returncode for p in procs] == [0], stage.logs
    assert "not commenting" in stage.logs[0]
    assert gh.comments(REPO, 8) == [] and gh.comments(REPO, PR) == []
