"""The composite action's steps, run as the runner would run them, end to end.

Each ``run:`` step of action.yml is executed with ``bash --noprofile --norc
-eo pipefail`` (the runner's bash shell), its ``env:`` and
``working-directory:`` resolved from the inputs, the event and earlier steps'
outputs, with GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files and a pull_request
event, against a copy of the example app and the strict local GitHub API.
Skipped: the ``uses:`` steps (setup-python, upload-artifact; the upload's
path is checked) and the install step (echotune-ci is installed in this venv
and there is no network).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import MUSICAPP
from support.fake_github import APP_TOKEN, HEAD_SHA, PR, REPO, standard_world
from support.step_runner import StepRunner

from echotune_ci.report.markdown import COMMENT_MARKER

ROOT = Path(__file__).resolve().parents[2]
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())


class ActionRun(StepRunner):
    """action.yml's steps with its input defaults; the install step is skipped (see the module doc)."""

    def __init__(self, workspace: Path, inputs: dict[str, str], env: dict[str, str], event: dict[str, Any]):
        declared = {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()}
        unknown = set(inputs) - set(declared)
        assert not unknown, f"not inputs of action.yml: {unknown}"
        token = env.pop("GITHUB_TOKEN_FOR_ACTION")
        super().__init__(workspace, inputs={**declared, **inputs}, env=env, event=event,
                         github={"token": token, "action_path": str(ROOT), "workspace": str(workspace),
                                 "event_name": env["GITHUB_EVENT_NAME"]})

    def run(self) -> list[subprocess.CompletedProcess[str]]:
        return self.run_steps(ACTION["runs"]["steps"], skip_ids=("install",))

    def action_output(self, name: str) -> str:
        return self.resolve(ACTION["outputs"][name]["value"])


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    """Where the copy of the example lives for the whole module: the first run's [serve] setup makes its
    .venv (pip install), and the setup stamp lets the later runs skip it, as on a runner that keeps
    its workspace; installing the same requirements again in each test took ~12 s."""
    return tmp_path_factory.mktemp("action") / "workspace"


@pytest.fixture()
def repo_copy(workspace):
    """The example as checked out, made again for each test; only the copy's .venv is kept."""
    if workspace.exists():
        for child in workspace.iterdir():
            if child.name == ".venv":
                continue
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    skip = shutil.ignore_patterns("dist", "__pycache__", "results", "artifacts", ".venv", ".echotune")
    shutil.copytree(MUSICAPP, workspace, ignore=skip, dirs_exist_ok=True)
    return workspace


def make_run(repo: Path, gh, cli_env: dict[str, str], tmp_path: Path, extra_env: dict[str, str] | None = None,
             **inputs: str) -> ActionRun:
    event = {"action": "synchronize", "number": PR,
             "pull_request": {"number": PR, "head": {"sha": HEAD_SHA, "ref": "feature"},
                              "base": {"sha": "b" * 40, "ref": "main"}},
             "repository": {"full_name": REPO}}
    event_path = tmp_path / "event.json"
    event_path.write_text(json.dumps(event))
    summary = tmp_path / "step_summary.md"
    summary.write_text("")
    env = {k: v for k, v in cli_env.items() if not k.startswith(("GITHUB_", "ECHOTUNE_")) and k != "GH_TOKEN"}
    env.update(
        CI="true", GITHUB_ACTIONS="true", GITHUB_REPOSITORY=REPO, GITHUB_EVENT_NAME="pull_request",
        GITHUB_EVENT_PATH=str(event_path), GITHUB_SHA="c" * 40, GITHUB_REF=f"refs/pull/{PR}/merge",
        GITHUB_API_URL=gh.url, GITHUB_SERVER_URL="https://github.com", GITHUB_RUN_ID="9001",
        GITHUB_RUN_ATTEMPT="1", GITHUB_WORKSPACE=str(repo), GITHUB_STEP_SUMMARY=str(summary),
        GITHUB_ACTION_PATH=str(ROOT), RUNNER_TEMP=str(tmp_path), GITHUB_TOKEN_FOR_ACTION=APP_TOKEN,
    )
    env.update(extra_env or {})
    defaults = {"config": "echotune.toml", "checks": "true"}
    return ActionRun(repo, {**defaults, **inputs}, env, event)


def test_action_steps_end_to_end_against_the_example_app(repo_copy, cli_env, tmp_path):
    with standard_world() as gh:
        # The phases that start the app and drive Chromium against it; load and security have their own tests.
        action = make_run(repo_copy, gh, cli_env, tmp_path, phases="bundle frontend")
        procs = action.run()
        logs = "\n".join(action.logs)
        assert [p.returncode for p in procs] == [0] * 5, logs

        results = repo_copy / "echotune-results"
        assert action.outputs["run"]["exit-code"] == "0"
        assert action.outputs["run"]["results-dir"] == str(results)
        assert {p.name for p in results.glob("*.json")} == {"bundle.json", "frontend.json"}
        assert (results / "pr-number.txt").read_text() == f"{PR}\n"
        assert action.action_output("status") == "pass"
        assert action.action_output("exit-code") == "0"
        assert Path(action.action_output("report-path")).read_text().startswith(COMMENT_MARKER)
        # The upload step (not run here) would upload exactly this folder.
        upload = next(s for s in ACTION["runs"]["steps"] if "upload-artifact" in s.get("uses", ""))
        assert action.resolve(upload["with"]["path"]) == str(results)

        summary = Path(action.env["GITHUB_STEP_SUMMARY"]).read_text()
        assert "EchoTune CI" in summary and "frontend" in summary and COMMENT_MARKER not in summary

        [comment] = gh.comments(REPO, PR)
        assert comment["user"]["login"] == "github-actions[bot]"
        assert comment["body"].startswith(COMMENT_MARKER) and "bundle" in comment["body"]
        assert "https://github.com/octo/musicapp/actions/runs/9001" in comment["body"]
        runs = {r["name"]: r for r in gh.repo(REPO).check_runs.values()}
        assert set(runs) == {"EchoTune CI / bundle", "EchoTune CI / frontend"}
        assert all(r["head_sha"] == HEAD_SHA and r["conclusion"] == "success" for r in runs.values())
        assert APP_TOKEN not in logs


def test_action_fails_the_step_when_a_gate_fails(repo_copy, cli_env, tmp_path):
    with standard_world() as gh:
        # ECHOTUNE_REGRESS=1: the example app's build grows past its bundle limit.
        action = make_run(repo_copy, gh, cli_env, tmp_path, {"ECHOTUNE_REGRESS": "1"}, phases="bundle",
                          checks="false")
        procs = action.run()
        assert [p.returncode for p in procs] == [0, 0, 0, 0, 1], "\n".join(action.logs)
        assert action.outputs["run"]["exit-code"] == "1"
        assert action.action_output("status") == "fail"
        assert "FAIL  bundle" in procs[-1].stdout
        [comment] = gh.comments(REPO, PR)
        assert "gate(s) failed" in comment["body"]
        assert gh.repo(REPO).check_runs == {}


def test_action_stops_on_a_configuration_error(repo_copy, cli_env, tmp_path):
    (repo_copy / "echotune.toml").write_text("[run]\nphasez = []\n")
    with standard_world() as gh:
        action = make_run(repo_copy, gh, cli_env, tmp_path)
        procs = action.run()
        assert [p.returncode for p in procs] == [2]
        assert "unknown key 'run.phasez'" in procs[0].stderr
        assert gh.calls == []


def test_a_single_phase_is_reported_by_the_action(repo_copy, cli_env, tmp_path):
    # One phase on its own: the action renders the report, the job summary and annotations itself.
    with standard_world() as gh:
        action = make_run(repo_copy, gh, cli_env, tmp_path, command="bundle", comment="false", checks="false")
        subprocess.run(["python", "build.py"], cwd=repo_copy, env=action.env, check=True, capture_output=True)
        procs = action.run()
        assert [p.returncode for p in procs] == [0] * 5, "\n".join(action.logs)
        results = repo_copy / "echotune-results"
        assert (results / "bundle.json").is_file()
        assert Path(action.action_output("report-path")) == results / "report" / "comment.md"
        assert (results / "report" / "comment.md").read_text().startswith(COMMENT_MARKER)
        assert "bundle" in Path(action.env["GITHUB_STEP_SUMMARY"]).read_text()
        assert action.action_output("status") == "pass"
        assert gh.calls == []
