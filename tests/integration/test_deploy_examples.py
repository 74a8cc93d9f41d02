"""`echotune-ci init --deploy` on copies of both example apps, then `echotune-ci deploy` and `echotune-ci run`
with deploy and api among [run] phases, as a user types them."""

from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path

import pytest
from conftest import MUSICAPP, run_cli

NODE = MUSICAPP.parent / "musicapp-node"
REF = "0123456789abcdef0123456789abcdef01234567"
SKIP = shutil.ignore_patterns("node_modules", "dist", ".venv", "__pycache__", ".echotune", "echotune.toml",
                              "results")


def _initialised(example: Path, dest: Path, env: dict[str, str]) -> Path:
    shutil.copytree(example, dest, ignore=SKIP)
    proc = run_cli("init", "--deploy", "--ref", REF, env=env, cwd=dest)
    assert proc.returncode == 0, proc.stderr
    for name in ("Dockerfile.production", "compose.production.yaml", "deploy-production.sh",
                 "health-check.sh"):
        assert f"wrote {dest / name}" in proc.stdout
    return dest


def _with_api(project: Path) -> None:
    """What the generated echotune.toml asks of the user before the api phase: list it in [run] phases and
    put the test account into the first flow (init already leaves the login out of the contract test)."""
    config = project / "echotune.toml"
    text = config.read_text()
    phases = tomllib.loads(text)["run"]["phases"]
    assert "deploy" in phases
    text = text.replace(f"phases = {json.dumps(phases)}", 'phases = ["deploy", "api"]')
    text = text.replace('password = "change-me"', 'password = "demo-password"')
    assert tomllib.loads(text)["api"]["exclude"] == ["POST /api/login"]
    config.write_text(text)
    assert tomllib.loads(text)["run"]["phases"] == ["deploy", "api"]


@pytest.mark.parametrize("example", ["flask", "node"])
def test_init_deploy_then_run(example, tmp_path, cli_env):
    source = MUSICAPP if example == "flask" else NODE
    project = _initialised(source, tmp_path / source.name, cli_env)

    # the phase alone, without an app: the files pass the linters, health-check.sh is not run
    alone = run_cli("deploy", "--output", "results/deploy.json", env=cli_env, cwd=project)
    assert alone.returncode == 0, alone.stdout + alone.stderr
    result = json.loads((project / "results" / "deploy.json").read_text())
    assert {f["rule_id"] for f in result["findings"]} == {"deploy.base-not-pinned"}
    assert result["status"] == "warn" and result["errors"] == []
    assert any("health-check.sh was not run" in w for w in result["warnings"])

    _with_api(project)
    shutil.rmtree(project / "results")
    proc = run_cli("run", "--output-dir", "results", env=cli_env, cwd=project, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    deploy = json.loads((project / "results" / "deploy.json").read_text())
    api = json.loads((project / "results" / "api.json").read_text())
    assert deploy["errors"] == [] and api["errors"] == []
    assert {f["rule_id"] for f in deploy["findings"]} == {"deploy.base-not-pinned"}
    [health] = [m for m in deploy["metrics"] if m["name"] == "health_check_ms"]
    assert health["status"] == "pass" and health["value"] > 0
    assert any(n.startswith("health: health-check.sh http://127.0.0.1:") and "/health: healthy" in n
               for n in deploy["notes"])
    assert api["status"] == "pass", api
    assert (project / "results" / "report" / "comment.md").is_file()
