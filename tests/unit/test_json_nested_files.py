"""A JSON file nested deeper than Python's parser goes raises RecursionError, not ValueError: every reader
that takes an unreadable file for "nothing here" (``except (OSError, ValueError)``) let it through, and the
command ended with "input nested too deeply to process (RecursionError)", exit 3, naming no file. A fork's
artifact (artifacts/side-by-side.json) or a pull request's own files (package.json, package-lock.json, a
Vite manifest) can be such a file."""

from __future__ import annotations

import shutil

import pytest

from conftest import run_cli
from echotune_ci.baseref import paired_baseline
from echotune_ci.baseref.environment import _lockfile_folders
from echotune_ci.phases.bundle.files import _manifest_files
from echotune_ci.phases.security.checks.audit import _declared
from echotune_ci.phases.security.lockfiles import _declares_dependencies
from echotune_ci.serve.generated import _package
from echotune_ci.serve.steps import read_stamp, stamp_path
from support.samples import load_result, noisy

DEEP = "[" * 100_000 + "]" * 100_000  # valid JSON, which json.loads cannot take (RecursionError)
BROKEN = "{not json"  # what each reader already took for "nothing here"


@pytest.mark.parametrize("text", [DEEP, BROKEN])
def test_project_files_nested_too_deeply_read_as_unreadable(tmp_path, text):
    (tmp_path / "package.json").write_text(text)
    (tmp_path / "package-lock.json").write_text(text)
    (tmp_path / ".vite").mkdir()
    (tmp_path / ".vite" / "manifest.json").write_text(text)
    assert _package(tmp_path) is None
    assert _lockfile_folders(tmp_path / "package-lock.json") == set()
    assert _manifest_files(tmp_path) == set()
    assert _declared(tmp_path / "package.json") == 0
    assert _declares_dependencies(tmp_path / "package.json") is True
    stamp = stamp_path(tmp_path)  # in the user's cache, which every pytest session reads at its start
    stamp.parent.mkdir(parents=True, exist_ok=True)
    try:
        stamp.write_text(text)
        assert read_stamp(tmp_path) is None
    finally:
        stamp.unlink(missing_ok=True)


@pytest.mark.parametrize("text", [DEEP, BROKEN])
def test_a_forged_order_file_in_an_artifact_is_no_side_by_side_run(tmp_path, text, cli_env):
    """The report stage reads artifacts/side-by-side.json to tell a side-by-side run whose base/ is
    missing; a file it cannot read says nothing, whether it is no JSON or nested too deeply."""
    results = tmp_path / "results"
    (results / "artifacts").mkdir(parents=True)
    load_result(noisy(100, 5, 3, 1)).write(results / "load.json")
    (results / "artifacts" / "side-by-side.json").write_text(text)
    assert paired_baseline([results]) is None
    for args in (["gate", "results"], ["comment", "--dry-run", "results"], ["report", "results"]):
        proc = run_cli(*args, env=cli_env, cwd=tmp_path)
        assert proc.returncode == 0, (args, proc.stderr)
        assert "nested" not in proc.stderr
    shutil.rmtree(results)
