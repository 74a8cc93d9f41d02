"""`run` writes each phase's documents (SARIF) beside its result, and a document that cannot be
written is that phase's error: the other phases still report (no app is started here)."""

from __future__ import annotations

import json
import subprocess

from conftest import run_cli


def project(tmp_path, config: str):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("x = 1\n")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "echotune.toml").write_text(config)
    return tmp_path


def test_a_sarif_file_that_cannot_be_written_fails_only_its_phase(tmp_path, cli_env):
    root = project(tmp_path, '[run]\nphases = ["security", "bundle"]\n[security]\nchecks = ["secrets"]\n'
                             'sarif = "src/app.py/x.sarif"\n[bundle]\nglobs = ["src/*.py"]\n')
    proc = run_cli("run", "-o", "out", cwd=root, env=cli_env)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    security = json.loads((root / "out" / "security.json").read_text())
    assert security["status"] == "error" and "x.sarif" in security["errors"][0]
    assert json.loads((root / "out" / "bundle.json").read_text())["status"] == "pass"
    assert (root / "out" / "report" / "comment.md").is_file()


def test_sarif_is_written_when_security_runs_and_not_when_it_is_disabled(tmp_path, cli_env):
    config = '[run]\nphases = ["security"]\n[security]\nchecks = ["secrets"]\nsarif = "s.sarif"\n'
    root = project(tmp_path, config)
    assert run_cli("run", "-o", "out", cwd=root, env=cli_env).returncode == 0
    assert json.loads((root / "s.sarif").read_text())["version"] == "2.1.0"
    artifacts = json.loads((root / "out" / "security.json").read_text())["artifacts"]
    assert artifacts == [str(root / "s.sarif")]  # outside the results folder: listed as it is
    (root / "s.sarif").unlink()
    (root / "echotune.toml").write_text(config.replace('checks = ["secrets"]', "enabled = false"))
    assert run_cli("run", "-o", "out", cwd=root, env=cli_env).returncode == 0
    assert not (root / "s.sarif").exists()
    assert json.loads((root / "out" / "security.json").read_text())["artifacts"] == []
