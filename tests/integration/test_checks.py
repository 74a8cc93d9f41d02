"""`echotune-ci checks` against the strict local GitHub API server."""

from __future__ import annotations

import pytest

from conftest import run_cli
from support.fake_github import APP_TOKEN, HEAD_SHA, REPO, USER_TOKEN, github_cli_env, standard_world
from support.samples import load_result, security_result

from echotune_ci.results import Finding, Location, PhaseResult, assign_fingerprints


@pytest.fixture()
def gh():
    with standard_world() as server:
        yield server


@pytest.fixture()
def env(cli_env, tmp_path):
    return github_cli_env(cli_env, tmp_path, APP_TOKEN)


@pytest.fixture()
def results(tmp_path):
    out = tmp_path / "results"
    load_result([120.0, 130.0, 125.0]).write(out / "load.json")
    security_result(extra_high=1).write(out / "security.json")
    return out


def checks(gh, results, env, *extra):
    return run_cli("checks", str(results), "--repo", REPO, "--sha", HEAD_SHA, "--api-url", gh.url,
                   "--details-url", "https://ci.example/runs/1", *extra, env=env)


def test_a_check_run_per_phase_with_annotations(gh, results, env):
    proc = checks(gh, results, env)
    assert proc.returncode == 0, proc.stderr
    runs = {r["name"]: r for r in gh.repo(REPO).check_runs.values()}
    assert set(runs) == {"EchoTune CI / load", "EchoTune CI / security"}
    load, security = runs["EchoTune CI / load"], runs["EchoTune CI / security"]
    assert (load["status"], load["conclusion"]) == ("completed", "success")
    assert security["conclusion"] == "failure"
    assert security["output"]["title"] == "security: 1 gate(s) failed"
    assert "What failed" in security["output"]["summary"]
    assert security["details_url"] == "https://ci.example/runs/1"
    levels = {(a["path"], a["annotation_level"]) for a in security["_annotations"]}
    assert ("app/run.py", "failure") in levels and ("app/settings.py", "notice") in levels
    assert "p95_ms" in load["output"]["summary"]


def test_annotations_are_capped_and_the_rest_named(gh, tmp_path, env):
    findings = [Finding("B101", "medium", f"assert used {i}", "bandit", Location(f"app/m{i}.py", i + 1),
                        context=f"assert x{i}") for i in range(120)]
    out = tmp_path / "many"
    PhaseResult(phase="security", findings=assign_fingerprints(findings)).finalize(fail_on="high").write(
        out / "security.json")
    proc = checks(gh, out, env)
    assert proc.returncode == 0, proc.stderr
    [run] = gh.repo(REPO).check_runs.values()
    assert len(run["_annotations"]) == 50
    assert "70 more are in the full report" in run["output"]["summary"]


def test_personal_token_falls_back_to_commit_statuses(gh, results, env):
    env["GITHUB_TOKEN"] = USER_TOKEN
    proc = checks(gh, results, env)
    assert proc.returncode == 0, proc.stderr
    statuses = {s["context"]: s for s in gh.repo(REPO).statuses}
    assert statuses["EchoTune CI / load"]["state"] == "success"
    assert statuses["EchoTune CI / security"]["state"] == "failure"
    assert all(len(s["description"]) <= 140 for s in statuses.values())
    assert statuses["EchoTune CI / security"]["target_url"] == "https://ci.example/runs/1"
    # One refused check run, then statuses only.
    assert [c.status for c in gh.calls_to("POST", r"/check-runs$")] == [403]


def test_check_run_mode_with_a_personal_token_is_a_clear_error(gh, results, env):
    env["GITHUB_TOKEN"] = USER_TOKEN
    proc = checks(gh, results, env, "--mode", "check-run")
    assert proc.returncode == 2
    assert "You must authenticate via a GitHub App" in proc.stderr
    assert "Traceback" not in proc.stderr and USER_TOKEN not in proc.stderr


def test_unknown_commit_is_rejected(gh, results, env):
    proc = run_cli("checks", str(results), "--repo", REPO, "--sha", "2" * 40, "--api-url", gh.url, env=env)
    assert proc.returncode == 2
    assert "No commit found for SHA" in proc.stderr


def test_short_sha_is_a_usage_error(gh, results, env):
    proc = run_cli("checks", str(results), "--repo", REPO, "--sha", "abc123", "--api-url", gh.url, env=env)
    assert proc.returncode == 2 and "full 40-character commit SHA" in proc.stderr
    assert gh.calls == []


def test_a_5xx_after_creating_does_not_duplicate_the_check_run(gh, results, env):
    gh.fail("POST", r"/check-runs$", 502, after_acting=True)
    proc = checks(gh, results, env)
    assert proc.returncode == 0, proc.stderr
    names = sorted(r["name"] for r in gh.repo(REPO).check_runs.values())
    assert names == ["EchoTune CI / load", "EchoTune CI / security"]
    assert len(gh.calls_to("POST", r"/check-runs$")) == 2


def test_secondary_rate_limit_then_success(gh, results, env):
    gh.fail("POST", r"/check-runs$", 403, secondary=True, retry_after=0, times=2)
    proc = checks(gh, results, env)
    assert proc.returncode == 0, proc.stderr
    assert [c.status for c in gh.calls_to("POST", r"/check-runs$")] == [403, 403, 201, 201]


def test_outside_actions_says_how_to_pass_repo_and_sha(gh, results, env):
    proc = run_cli("checks", str(results), "--api-url", gh.url, env=env)
    assert proc.returncode == 2
    assert "pass --repo OWNER/NAME and --sha COMMIT" in proc.stderr


def test_only_repository_files_are_annotated(tmp_path):
    from echotune_ci.github.checks import annotations_for

    findings = [
        Finding("image-alt", "high", "Images must have alternate text", "axe", Location("http://127.0.0.1:8000/")),
        Finding("B602", "high", "shell=True", "bandit", Location(str(tmp_path / "app" / "run.py"), 3)),
        Finding("B105", "low", "password", "bandit", Location("/elsewhere/x.py", 1)),
        Finding("PYSEC-1", "medium", "old jinja2", "pip-audit", Location("./requirements.txt")),
    ]
    notes, more = annotations_for(PhaseResult(phase="security", findings=assign_fingerprints(findings)),
                                  50, tmp_path)
    assert [(n["path"], n["start_line"], n["annotation_level"]) for n in notes] == [
        ("app/run.py", 3, "failure"), ("requirements.txt", 1, "warning")]
    assert more == 0
