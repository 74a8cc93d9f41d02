"""Annotations and SARIF name files from the repository's root, where GitHub looks for them.

A finding's path starts at the project's root ([project] root, the config's folder by default). The
Actions runner rewrites only an absolute ``file=`` under the workspace and takes a relative one as the
repository's (Runner.Worker's ActionCommandManager, IssueCommandExtension: ``IOUtil.MakeRelative(file,
workspace)``, the path kept as it is when it does not lie under it), and SARIF's %SRCROOT% is the
repository's root: for lukeed/polka's examples/with-serve-static, a planted key in leak.js was annotated
as ``file=leak.js``, a file the repository does not have, so GitHub could place it on no line.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from conftest import run_cli
from echotune_ci.github.checks import annotations_for
from echotune_ci.report.base import in_repository, repository_path
from support.samples import security_result


def _project(tmp_path: Path) -> Path:
    subprocess.run(["git", "init", "--quiet", str(tmp_path / "repo")], check=True)
    web = tmp_path / "repo" / "apps" / "web"
    web.mkdir(parents=True)
    (web / "echotune.toml").write_text('[run]\nphases = ["security"]\n')
    security_result(1).write(web / "results" / "security.json")
    return web


def test_annotations_and_sarif_of_a_project_in_a_subfolder_name_the_repositorys_files(tmp_path, cli_env):
    web = _project(tmp_path)
    out = run_cli("report", "results", "--format", "annotations", cwd=web, env=cli_env)
    assert out.returncode == 0, out.stderr
    files = [part.split("=", 1)[1] for line in out.stdout.splitlines() for part in line.split(",")
             if part.startswith(("::error file=", "::warning file=", "::notice file="))
             or part.startswith("file=")]
    assert "apps/web/app/run.py" in files and "apps/web/app/settings.py" in files, out.stdout
    assert not [f for f in files if not f.startswith("apps/web/")], files
    sarif = json.loads(run_cli("report", "results", "--format", "sarif", cwd=web, env=cli_env).stdout)
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"]
            for result in sarif["runs"][0]["results"] for loc in result["locations"]}
    assert "apps/web/app/run.py" in uris and "apps/web/requirements.txt" in uris, uris


def test_check_run_annotations_name_the_repositorys_files(tmp_path):
    web = _project(tmp_path)
    notes, _ = annotations_for(security_result(1), 50, tmp_path / "repo", in_repository(web))
    assert {n["path"] for n in notes} == {"apps/web/app/run.py", "apps/web/app/settings.py",
                                          "apps/web/requirements.txt"}


def test_paths_are_joined_as_the_filesystem_would():
    assert repository_path("leak.js", "apps/web") == "apps/web/leak.js"
    assert repository_path("./src/a.py", "apps/web") == "apps/web/src/a.py"
    assert repository_path("../shared/x.py", "apps/web") == "apps/shared/x.py"
    assert repository_path("../../../x.py", "apps/web") == "../../../x.py"  # outside: as it was
    assert repository_path("/abs/x.py", "apps/web") == "/abs/x.py"  # the runner rewrites these itself
    assert repository_path("http://127.0.0.1:8000/", "apps/web") == "http://127.0.0.1:8000/"
    assert repository_path("leak.js", "") == "leak.js"


def test_where_a_folder_is_in_its_repository(tmp_path):
    subprocess.run(["git", "init", "--quiet", str(tmp_path / "repo")], check=True)
    (tmp_path / "repo" / "a" / "b").mkdir(parents=True)
    assert in_repository(tmp_path / "repo" / "a" / "b") == "a/b"
    assert in_repository(tmp_path / "repo") == ""
    assert in_repository(Path("/")) == ""
    # a project in a folder whose name starts with a dot (a JavaScript action in .github/actions/lint)
    # keeps the dot: the path is "." only at the root itself
    (tmp_path / "repo" / ".github" / "actions" / "lint").mkdir(parents=True)
    assert in_repository(tmp_path / "repo" / ".github" / "actions" / "lint") == ".github/actions/lint"
    (tmp_path / "repo" / "..web").mkdir()
    assert in_repository(tmp_path / "repo" / "..web") == "..web"


def test_the_report_stage_names_the_files_the_run_recorded(tmp_path, cli_env):
    """pr-report.yml's stage has no checkout to tell where the project lies: the run records the folder
    beside its [gate] settings (report/gate-settings.json), and the stage's annotations and check runs
    use it. A folder that is no plain relative one (a fork's record may say anything) is not used."""
    from echotune_ci.config import load_config
    from echotune_ci.gate import evaluate
    from echotune_ci.reporting import GATE_SETTINGS, write_report_files

    web = _project(tmp_path)
    cfg = load_config(web / "echotune.toml")
    result = security_result(1)
    write_report_files(evaluate([result], cfg), cfg, web / "results")
    record = web / "results" / GATE_SETTINGS
    assert json.loads(record.read_text())["source_root"] == "apps/web"
    stage = tmp_path / "workspace"
    stage.mkdir()
    (web / "results").rename(stage / "results")
    out = run_cli("report", "results", "--format", "annotations", cwd=stage, env=cli_env)
    assert out.returncode == 0, out.stderr
    assert "file=apps/web/app/run.py" in out.stdout, out.stdout
    for forged in ("../../etc", "/etc", "apps/../../x", "a\nb", ""):
        data = json.loads((stage / "results" / GATE_SETTINGS).read_text())
        (stage / "results" / GATE_SETTINGS).write_text(json.dumps({**data, "source_root": forged}))
        out = run_cli("report", "results", "--format", "annotations", cwd=stage, env=cli_env)
        assert out.returncode == 0 and "file=app/run.py" in out.stdout, (forged, out.stdout)
