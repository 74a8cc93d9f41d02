"""Baselines: moved code stays known, a second copy of a known finding is new."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli
from echotune_ci.phases.security.baseline import load_baseline, split_known, write_baseline
from echotune_ci.results import Finding, Location, assign_fingerprints

CODE = '''\
import subprocess


def run(cmd):
    return subprocess.call(cmd, shell=True)
'''
TOKEN = "ghp_" + "Qw3Er5Ty7Ui9Op1As3Df5Gh7Jk9Lz1Xc3Vb5N"


def security(project: Path, env, *args: str):
    out = project / "r.json"
    proc = run_cli("security", "app", "--only", "bandit", "--only", "secrets", "--baseline", "baseline.json",
                   "-o", str(out), *args, cwd=project, env=env)
    return proc, json.loads(out.read_text()) if out.exists() else None


def test_moved_lines_stay_known_and_a_duplicate_is_new(tmp_path, cli_env):
    app = tmp_path / "app"
    app.mkdir()
    (app / "tool.py").write_text(CODE + f'GITHUB_TOKEN = "{TOKEN}"\n')
    proc, data = security(tmp_path, cli_env, "--update-baseline")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    baseline = json.loads((tmp_path / "baseline.json").read_text())
    assert {e["rule_id"] for e in baseline["findings"]} == {"B404", "B602", "B105", "secrets.github-token"}
    assert TOKEN not in (tmp_path / "baseline.json").read_text()
    assert data["findings"] == [] and data["status"] == "pass"

    # unrelated edits move every finding down: nothing new
    (app / "tool.py").write_text('"""Tools."""\n\nimport os\n\n' + CODE + "\n\n"
                                 + f'GITHUB_TOKEN = "{TOKEN}"\n')
    proc, data = security(tmp_path, cli_env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert data["findings"] == []
    known = next(m for m in data["metrics"] if m["name"] == "findings.baseline_known")
    assert known["value"] == 4

    # the same shell=True call once more, and the same token in a second place: both are new
    (app / "tool.py").write_text(CODE + "\n\ndef again(cmd):\n    return subprocess.call(cmd, shell=True)\n"
                                 + f'GITHUB_TOKEN = "{TOKEN}"\nBACKUP_TOKEN = "{TOKEN}"\n')
    proc, data = security(tmp_path, cli_env)
    assert proc.returncode == 1
    new = sorted((f["rule_id"], f["location"]["line"], f["fingerprint"][-2:]) for f in data["findings"])
    # B105 sees a new line (BACKUP_TOKEN = ...); the other two are second copies of known findings
    assert new == [("B105", 11, ":1"), ("B602", 9, ":2"), ("secrets.github-token", 11, ":2")]


def test_bad_baseline_and_missing_path(tmp_path, cli_env):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "ok.py").write_text("x = 1\n")
    (tmp_path / "baseline.json").write_text('{"findings": [{"rule": "B602"}]}')
    proc, _ = security(tmp_path, cli_env)
    assert proc.returncode == 2 and "baseline.json: not an EchoTune baseline" in proc.stderr
    (tmp_path / "baseline.json").write_text("{oops")
    proc, _ = security(tmp_path, cli_env)
    assert proc.returncode == 2 and "baseline.json:1: baseline is not JSON" in proc.stderr
    proc = run_cli("security", "app", "--update-baseline", cwd=tmp_path, env=cli_env)
    assert proc.returncode == 2 and "--update-baseline needs --baseline FILE" in proc.stderr


def test_any_phase_can_use_the_baseline_api(tmp_path):
    def finding(line: int) -> Finding:
        return Finding("image-alt", "high", "img without alt", "axe", Location("index.html", line),
                       context="<img src=logo.png>")

    first = assign_fingerprints([finding(3)])
    path = write_baseline(tmp_path / "b.json", first)
    assert len(load_baseline(tmp_path / "missing.json")) == 0
    later = assign_fingerprints([finding(40), finding(41)])
    new, known = split_known(later, load_baseline(path))
    assert [f.location.line for f in known] == [40] and [f.location.line for f in new] == [41]
