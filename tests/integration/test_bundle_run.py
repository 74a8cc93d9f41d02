"""`echotune-ci run --phase bundle` with the example app serving (and so building) what it measures."""

from __future__ import annotations

from pathlib import Path

from conftest import MUSICAPP, run_cli

from support.bundle_builds import project_with_build

from echotune_ci.results import load_result


def served_from_example(root: Path, *, regress: bool) -> Path:
    """The copied config, serving (and so building) the example app into root/static/dist."""
    cfg = root / "echotune.toml"
    dist = str(root / "static" / "dist")
    extra = (f"cwd = {str(MUSICAPP)!r}\n"
             f"env = {{ MUSICAPP_DIST = {dist!r}, ECHOTUNE_REGRESS = '{int(regress)}' }}\n")
    cfg.write_text(cfg.read_text().replace("[serve]\n", "[serve]\n" + extra, 1))
    return cfg


def test_run_command_gates_the_example_config(cli_env, tmp_path):
    normal_cfg = served_from_example(project_with_build(tmp_path / "p-normal", regress=True), regress=False)
    normal = run_cli("run", "--config", str(normal_cfg), "--phase", "bundle",
                     "--output-dir", str(tmp_path / "normal"), env=cli_env)
    assert normal.returncode == 0, normal.stdout + normal.stderr
    regress_cfg = served_from_example(project_with_build(tmp_path / "p-regress", regress=False), regress=True)
    regress = run_cli("run", "--config", str(regress_cfg), "--phase", "bundle",
                      "--output-dir", str(tmp_path / "regress"), env=cli_env)
    assert regress.returncode == 1, regress.stdout + regress.stderr
    assert load_result(tmp_path / "regress" / "bundle.json").status == "fail"
