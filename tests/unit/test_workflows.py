"""Our workflows and action.yml against GitHub's JSON schemas (check-jsonschema, offline) and our own \
rules."""

from __future__ import annotations

import contextlib
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from echotune_ci.github.workflow_rules import problems

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
ACTION = ROOT / "action.yml"
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"


def schema_check(schema: str, *files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CHECK_JSONSCHEMA), "--builtin-schema", schema, *map(str, files)],
                          capture_output=True, text=True, timeout=60)


def test_our_workflows_and_action_pass_githubs_schemas():
    assert {p.name for p in WORKFLOWS} >= {"ci.yml", "pr-gate.yml", "pr-report.yml", "research.yml"}
    workflows = schema_check("vendor.github-workflows", *WORKFLOWS)
    assert workflows.returncode == 0, workflows.stdout + workflows.stderr
    action = schema_check("vendor.github-actions", ACTION)
    assert action.returncode == 0, action.stdout + action.stderr


def test_the_schema_check_is_real(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("name: x\non: [push]\njobs:\n  a:\n    runs-on: ubuntu-latest\n    stepz: []\n")
    proc = schema_check("vendor.github-workflows", bad)
    assert proc.returncode == 1 and "stepz" in proc.stdout


def test_our_files_follow_our_rules():
    assert problems([ACTION, *WORKFLOWS]) == []


def test_pins_are_consistent_across_files():
    pins: dict[str, set[str]] = {}
    for path in [ACTION, *WORKFLOWS]:
        for action, sha in re.findall(r"uses:\s*([\w.-]+/[\w.-]+)@([0-9a-f]{40})", path.read_text()):
            pins.setdefault(action, set()).add(sha)
    assert {"actions/checkout", "actions/setup-python", "actions/upload-artifact",
            "actions/download-artifact"} <= set(pins)
    assert all(len(shas) == 1 for shas in pins.values()), pins


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("jobs:\n  a:\n    permissions: {}\n    steps:\n      - uses: actions/checkout@v4\n",
         "'actions/checkout@v4' is not pinned to a full commit SHA"),
        ("jobs:\n  a:\n    steps:\n      - run: echo hi\n", "job a: declares no permissions:"),
        ("jobs:\n  a:\n    permissions: write-all\n    steps: []\n", "permissions: write-all"),
        ("jobs:\n  a:\n    permissions: {}\n    steps:\n"
         "      - run: echo \"${{ github.event.pull_request.title }}\"\n",
         "expression inside run:"),
        ("on: workflow_run\njobs:\n  a:\n    permissions: {}\n    steps:\n      - uses: actions/checkout@"
         + "a" * 40 + "\n        with:\n          ref: ${{ github.event.workflow_run.head_sha }}\n",
         "checks out untrusted pull request code"),
        ("jobs:\n  a:\n    permissions: {}\n    uses: octo/wf/.github/workflows/x.yml@main\n",
         "'octo/wf/.github/workflows/x.yml@main' is not pinned"),
    ],
)
def test_our_rules_catch_each_violation(tmp_path, text, expected):
    path = tmp_path / "wf.yml"
    path.write_text("name: t\n" + ("" if text.startswith("on:") else "on: [push]\n") + text)
    found = problems([path])
    assert any(expected in p for p in found), found


def test_action_inputs_are_declared_and_used():
    action = yaml.safe_load(ACTION.read_text())
    text = ACTION.read_text()
    declared = set(action["inputs"])
    referenced = set(re.findall(r"inputs\.([\w-]+)", text))
    assert referenced <= declared, referenced - declared
    assert declared <= referenced, declared - referenced
    for step in action["runs"]["steps"]:
        if "run" in step:
            assert step["shell"] == "bash"


def test_report_stage_never_checks_out_pull_request_code():
    wf = yaml.safe_load((ROOT / ".github/workflows/pr-report.yml").read_text())
    steps = wf["jobs"]["report"]["steps"]
    checkouts = [s for s in steps if s.get("uses", "").startswith("actions/checkout@")]
    assert checkouts and all(s["with"]["repository"] == "${{ inputs.echotune-repository }}"
                             for s in checkouts)
    download = next(s for s in steps if s.get("uses", "").startswith("actions/download-artifact@"))
    assert download["with"]["run-id"] == "${{ github.event.workflow_run.id }}"
    assert set(wf["jobs"]["report"]["permissions"]) == {"actions", "checks", "pull-requests"}


def test_gate_stage_only_reads():
    wf = yaml.safe_load((ROOT / ".github/workflows/pr-gate.yml").read_text())
    for job in wf["jobs"].values():
        assert job["permissions"] == {"contents": "read"}
        for step in job["steps"]:
            if step.get("uses") == "./.echotune-ci":
                assert step["with"]["comment"] == "false"


def _tools_step() -> str:
    step = next(s for s in yaml.safe_load(ACTION.read_text())["runs"]["steps"]
                if s.get("name") == "Install the project's package managers")
    return str(step["run"])


def test_the_action_installs_a_missing_package_manager_with_pipx(tmp_path):
    """The step `tools` runs, run by bash with a pipx that records what it was asked: Poetry is installed
    where it is missing, Pipenv is not where it is on PATH, and an unknown name stops the step (exit 2)."""
    import os
    import subprocess

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, body in (("pipx", f'echo "$@" >> {tmp_path / "asked"}\n'), ("pipenv", "exit 0\n")):
        (bin_dir / name).write_text(f"#!/bin/sh\n{body}")
        (bin_dir / name).chmod(0o755)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "ECHOTUNE_STEP_TOOLS": "poetry pipenv"}
    done = subprocess.run(["bash", "-c", _tools_step()], env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "asked").read_text() == "install --quiet poetry\n"
    env["ECHOTUNE_STEP_TOOLS"] = "poetry hatch"
    os.remove(tmp_path / "asked")
    done = subprocess.run(["bash", "-c", _tools_step()], env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert "input 'tools': 'hatch' is none of poetry, pipenv, pdm, uv" in done.stdout


def test_the_tools_step_says_what_is_missing_in_one_line(tmp_path):
    """A job without pipx (a `container: python:3.12` job, a self-hosted runner) stopped on bash's
    "pipx: command not found" (exit 127); and the input was globbed: `tools: '*'` named the files of the
    folder the step ran in ("'README.md' is none of ...")."""
    import subprocess

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "pipenv").write_text("#!/bin/sh\nexit 0\n")
    (bin_dir / "pipenv").chmod(0o755)
    (tmp_path / "README.md").write_text("a file the glob would name\n")
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "ECHOTUNE_STEP_TOOLS": "pipenv poetry"}
    done = subprocess.run(["bash", "-c", _tools_step()], env=env, cwd=tmp_path, capture_output=True,
                          text=True, timeout=30)
    assert (done.returncode, done.stderr) == (2, "")
    assert done.stdout == ("::error title=EchoTune CI::input 'tools': poetry is not on PATH, nor pipx to "
                           "install it; install poetry in a step before this action\n")
    env["ECHOTUNE_STEP_TOOLS"] = "*"
    done = subprocess.run(["bash", "-c", _tools_step()], env=env, cwd=tmp_path, capture_output=True,
                          text=True, timeout=30)
    assert done.returncode == 2
    assert "input 'tools': '*' is none of poetry, pipenv, pdm, uv" in done.stdout


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_cancelled_job_stops_the_run_before_the_runner_kills_its_step(tmp_path, sig):
    """actions/runner cancels a step by signalling its shell alone (``kill(pid, SIGINT)``, 7.5 s later
    SIGTERM, then SIGKILL: ProcessInvoker.CancelAndKillProcessTree), and bash waits for its foreground
    command without passing the signal on: `run --base-ref` went on measuring for a minute, its apps and
    the base's checkout with it, after the runner had given up on the step. The run must get SIGTERM, and
    the step must end once it has stopped, within the 7.5 s of the runner's SIGINT."""
    import os
    import time

    step = next(s for s in yaml.safe_load(ACTION.read_text())["runs"]["steps"] if s.get("id") == "run")
    said = tmp_path / "said"
    fake = tmp_path / "echotune-ci"  # stops as the real one does on SIGTERM: a second to clean up, 143
    fake.write_text(f"#!{sys.executable}\nimport signal, sys, time\nfrom pathlib import Path\n"
                    f"said = Path({str(said)!r})\n"
                    "def stop(signum, frame):\n    said.write_text(f'got {signum}')\n    time.sleep(1)\n"
                    "    said.write_text(f'got {signum}, stopped')\n    sys.exit(143)\n"
                    "signal.signal(signal.SIGTERM, stop)\nsaid.write_text('measuring')\ntime.sleep(60)\n")
    fake.chmod(0o755)
    (tmp_path / "step.sh").write_text(step["run"])
    env = {"PATH": "/usr/bin:/bin", "ECHOTUNE_CI": str(fake), "GITHUB_OUTPUT": str(tmp_path / "output"),
           **{f"ECHOTUNE_STEP_{name}": "" for name in ("CONFIG", "PHASES", "SERVE_COMMAND", "URL", "BASELINE",
                                                       "PR_NUMBER", "FETCH_BASE")},
           "ECHOTUNE_STEP_COMMAND": "run", "ECHOTUNE_STEP_BASE_REF": "main",
           "ECHOTUNE_STEP_OUTPUT_DIR": "out"}
    # The runner's step: its own process, SIGINT at its default (not inherited from a backgrounded suite)
    bash = subprocess.Popen(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(tmp_path / "step.sh")],
                            cwd=tmp_path, env=env, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 20
        while not (said.exists() and said.read_text() == "measuring") and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(bash.pid, sig)
        assert bash.wait(timeout=7.5) == 0
    finally:
        with contextlib.suppress(ProcessLookupError):  # the step's whole group, the fake too
            os.killpg(bash.pid, signal.SIGKILL)
    assert said.read_text() == f"got {int(signal.SIGTERM)}, stopped"
    assert "exit-code=143\n" in (tmp_path / "output").read_text()
