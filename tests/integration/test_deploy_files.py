"""The files `init --deploy` writes for every stack it knows, with and without Redis, PostgreSQL and MongoDB,
pass the real hadolint, the Compose schema and shellcheck (the only finding: the digest to fill in)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support.deploy_samples import SERVICE_SETS, STACKS, make_project

from echotune_ci.config import load_config
from echotune_ci.phases.base import PhaseContext
from echotune_ci.phases.deploy.phase import PHASE, run_deploy
from echotune_ci.phases.registry import phase_settings
from echotune_ci.phases.deploy.settings import DeploySettings
from echotune_ci.project.init import init_project

REF = "0123456789abcdef0123456789abcdef01234567"


@pytest.mark.parametrize("services", SERVICE_SETS, ids=lambda s: "+".join(s) or "none")
@pytest.mark.parametrize("stack", STACKS)
def test_generated_files_pass_hadolint_the_schema_and_shellcheck(tmp_path, stack, services):
    root = make_project(tmp_path / stack, stack, services)
    init_project(root, ref=REF, deploy=True)
    ctx = PhaseContext(artifacts_dir=tmp_path / "artifacts", base_dir=root, root=root)
    result = run_deploy(DeploySettings(checks=("hadolint", "compose", "shellcheck", "policy")), ctx)
    assert result.errors == []
    assert set(result.tool_versions) >= {"hadolint", "shellcheck", "compose-spec schema"}
    # one per FROM line: the <digest> placeholder the user replaces
    assert [(f.rule_id, f.location.line if f.location else None) for f in result.findings] == [
        ("deploy.base-not-pinned", line) for line in _from_lines(root)]
    counts = {m.labels.get("check"): m.value for m in result.metrics if m.name == "deploy.findings"}
    assert counts == {"hadolint": 0, "compose": 0, "shellcheck": 0, "policy": 2, None: 2}


def _from_lines(root):
    lines = (root / "Dockerfile.production").read_text().splitlines()
    return [i for i, line in enumerate(lines, 1) if line.startswith("FROM ")]


LAYOUTS = Path(__file__).resolve().parents[1] / "fixtures" / "layouts"


@pytest.mark.parametrize("layout", sorted(p.name for p in LAYOUTS.iterdir() if p.is_dir()))
def test_every_layout_init_knows_gets_files_that_pass(tmp_path, layout):
    """The sample repositories of tests/unit/test_init_layouts.py (taken from real projects): whatever init
    detected, the files it writes pass the linters, and a build step the image cannot run is named."""
    root = tmp_path / layout
    shutil.copytree(LAYOUTS / layout, root)
    done = init_project(root, ref=REF, deploy=True, force=True)
    assert done.deploy is not None
    cfg = load_config(root / "echotune.toml")
    assert "deploy" in cfg.run.phases and cfg.deploy.dir == done.app.cwd
    ctx = PhaseContext(artifacts_dir=tmp_path / "artifacts", base_dir=root, root=root)
    result = run_deploy(phase_settings(cfg, PHASE), ctx)
    assert result.errors == []
    if done.deploy.stack == "docker":  # its own Dockerfile is what the phase checks
        assert cfg.deploy.dockerfile == "Dockerfile" and not (root / "Dockerfile.production").exists()
        return
    assert [f.rule_id for f in result.findings] == ["deploy.base-not-pinned"] * 2, [
        (f.rule_id, f.message) for f in result.findings]
    docker = (root / done.app.cwd / "Dockerfile.production").read_text()
    for step in ("npm run build --prefix ../frontend", "cd server"):
        if step in done.app.build or step in done.app.command:
            assert f"RUN {step}" not in docker
