"""The report stage (pr-report.yml: `comment` and `checks` on the downloaded artifact, in a workspace that
holds no echotune.toml) gates with the settings the measuring run gated with, not with the defaults."""

from __future__ import annotations

import json

from conftest import run_cli
from echotune_ci.config import load_config
from echotune_ci.gate import evaluate
from echotune_ci.reporting import write_report_files
from support.samples import load_result, noisy

# A project that holds p95 to a 40 % regression and ignores changes under 30 %.
CONFIG = "[gate]\nmin_effect_pct = 30\nregression = { p95_ms = 40 }\n"


def _measured(tmp_path):
    """What `run --base-ref` leaves: the head's results, the base's in base/, the report folder."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "echotune.toml").write_text(CONFIG)
    cfg = load_config(project / "echotune.toml")
    out = project / "results"
    head, base = load_result(noisy(126, 8, 4, 1)), load_result(noisy(110, 8, 4, 2))
    (out / "base").mkdir(parents=True)
    head.write(out / "load.json")
    base.write(out / "base" / "load.json")
    write_report_files(evaluate([head], cfg, [base]), cfg, out)
    return project, out


def test_comment_in_a_workspace_without_the_config_gates_as_the_run_did(tmp_path, cli_env):
    project, out = _measured(tmp_path)
    # The measuring job's own gate, with the project's config: +13 % is within its 40 %.
    gated = run_cli("gate", str(out), env=cli_env, cwd=project)
    assert gated.returncode == 0, gated.stdout + gated.stderr
    # The report stage: the artifact downloaded into results/, no echotune.toml anywhere above.
    stage = tmp_path / "workspace"
    stage.mkdir()
    (out).rename(stage / "results")
    comment = run_cli("comment", "--dry-run", "results", env=cli_env, cwd=stage)
    assert comment.returncode == 0, comment.stderr
    assert "gate(s) failed" not in comment.stdout and "regressed" not in comment.stdout, comment.stdout
    assert run_cli("gate", "results", env=cli_env, cwd=stage).returncode == 0


def test_a_config_of_the_stage_itself_still_wins(tmp_path, cli_env):
    project, out = _measured(tmp_path)
    stage = tmp_path / "workspace"
    stage.mkdir()
    out.rename(stage / "results")
    (stage / "echotune.toml").write_text("[gate]\nmin_effect_pct = 5\n")
    assert run_cli("gate", "results", env=cli_env, cwd=stage).returncode == 1


def test_an_untrusted_artifact_names_no_metric_of_its_own_choosing(tmp_path, cli_env):
    """A fork's recorded settings are numbers and metric names of the narrow pattern only (the rest of a
    fork's artifact is held to that: report/untrusted.py); a key that is no metric name is dropped."""
    _, out = _measured(tmp_path)
    stage = tmp_path / "workspace"
    stage.mkdir()
    out.rename(stage / "results")
    recorded = stage / "results" / "report" / "gate-settings.json"
    data = json.loads(recorded.read_text())
    data["gate"]["regression"]["@org/team <img src=x>"] = 1
    recorded.write_text(json.dumps(data))
    env = dict(cli_env, ECHOTUNE_UNTRUSTED_RESULTS="true")
    comment = run_cli("comment", "--dry-run", "results", env=env, cwd=stage)
    assert comment.returncode == 0, comment.stderr
    assert "img" not in comment.stdout and "org/team" not in comment.stdout
    assert "regressed" not in comment.stdout, comment.stdout


def test_a_broken_record_is_one_line_exit_2(tmp_path, cli_env):
    _, out = _measured(tmp_path)
    (out / "report" / "gate-settings.json").write_text('{"gate": {"min_effect_pct": -4}}')
    proc = run_cli("gate", str(out), env=cli_env, cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "gate-settings.json" in proc.stderr and "min_effect_pct" in proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_compare_in_a_workspace_without_the_config_judges_as_the_run_did(tmp_path, cli_env):
    project, out = _measured(tmp_path)
    judged = run_cli("compare", str(out / "base"), str(out), env=cli_env, cwd=project)
    assert judged.returncode == 0 and "0 regressed," in judged.stdout, judged.stdout
    stage = tmp_path / "workspace"
    stage.mkdir()
    out.rename(stage / "results")
    again = run_cli("compare", "results/base", "results", env=cli_env, cwd=stage)
    assert again.returncode == 0, again.stderr
    assert "0 regressed," in again.stdout, again.stdout  # main's defaults said "1 regressed"
    assert "1 regressed," in run_cli("compare", "results/base", "results", "--min-effect", "5", env=cli_env,
                                     cwd=stage).stdout  # an option still wins over the record
