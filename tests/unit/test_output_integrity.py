"""Issue 13: nothing half-written, and files written respect the umask.

`run` and the phase commands stage their result files and reports in a temporary folder inside the
output folder and move them into place at the end; a folder that cannot be written (read-only, full)
is exit 3 naming the path, and never leaves a result file without its report. New files get
0666 less the umask, replaced files keep their mode (as `open()` and `cp` do).
"""

from __future__ import annotations

import errno
import io
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import echotune_ci.fsutil as fsutil
from echotune_ci.errors import RunError
from echotune_ci.fsutil import write_json_atomic, write_text_atomic
from support.hostile import assert_one_line_error, cli, load_doc, read_only, write_doc

CONFIG = """\
[run]
phases = ["security"]

[security]
checks = ["secrets"]

[security.secrets]
paths = ["src"]
"""


@pytest.fixture()
def project(tmp_path, monkeypatch):
    """A tiny project whose `run` is the secrets check alone (quick, no app)."""
    for name in ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_ACTIONS", "ECHOTUNE_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("x = 1\n")
    (tmp_path / "echotune.toml").write_text(CONFIG)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture()
def umask():
    """Set the process umask for one test (restored after)."""
    saved = os.umask(0o022)
    os.umask(saved)

    def setter(mask: int) -> None:
        os.umask(mask)

    yield setter
    os.umask(saved)


def _leftovers(folder: Path) -> list[str]:
    """Staging folders and temporary files (".<name>.<8 random characters>", mkstemp's) left behind."""
    temporary = re.compile(r"\.echotune-staging-.*|\..+\.[A-Za-z0-9_]{8}")
    return sorted(p.name for p in folder.rglob("*") if temporary.fullmatch(p.name))


def _contents(folder: Path) -> dict[Path, bytes]:
    """The files `run` writes (hidden ones, such as a run lock, left out)."""
    return {p: p.read_bytes() for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")}


# --------------------------------------------------------------------------- modes


@pytest.mark.parametrize(("mask", "expected"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_new_files_get_0666_less_the_umask(tmp_path, umask, mask, expected):
    umask(mask)
    assert _mode(write_text_atomic(tmp_path / "a.txt", "x")) == expected
    assert _mode(write_json_atomic(tmp_path / "deep" / "b.json", {"a": 1})) == expected


def test_a_replaced_file_keeps_its_mode(tmp_path, umask):
    umask(0o022)
    target = tmp_path / "report.md"
    target.write_text("old")
    target.chmod(0o640)
    write_text_atomic(target, "new")
    assert target.read_text() == "new" and _mode(target) == 0o640
    with fsutil.staged(tmp_path):
        write_text_atomic(target, "staged")
    assert target.read_text() == "staged" and _mode(target) == 0o640


def test_run_writes_results_and_reports_readable_under_umask_022(project, cli_env):
    exe = Path(sys.executable).parent / "echotune-ci"
    proc = subprocess.run([str(exe), "run", "-o", "out"], cwd=project, env=cli_env, capture_output=True,
                          text=True, umask=0o022, timeout=120)
    assert proc.returncode == 0, proc.stderr
    written = [project / "out" / "security.json", *sorted((project / "out" / "report").iterdir())]
    names = ["security.json", "comment.md", "gate-settings.json", "index.html", "report.json", "summary.md"]
    assert [p.name for p in written] == names
    assert {oct(_mode(p)) for p in written} == {oct(0o644)}
    assert _leftovers(project / "out") == []


# --------------------------------------------------------------------------- nothing half-written


def test_a_read_only_report_folder_leaves_no_result_without_its_report(project, capsys):
    with read_only(project / "out" / "report"):
        code, _, err = cli(capsys, "run", "-o", "out")
    assert_one_line_error(code, err, 3, "cannot write", str(Path("out") / "report"))
    assert not (project / "out" / "security.json").exists()
    assert list((project / "out" / "report").iterdir()) == []
    assert _leftovers(project / "out") == []


def test_a_read_only_output_folder_is_exit_3_naming_it(project, capsys):
    with read_only(project / "out"):
        code, _, err = cli(capsys, "run", "-o", "out")
    assert_one_line_error(code, err, 3, "cannot write", "out")
    assert list((project / "out").iterdir()) == []


def test_an_output_path_under_a_file_is_exit_3(project, capsys):
    (project / "out").write_text("not a folder")
    code, _, err = cli(capsys, "run", "-o", "out/results")
    assert_one_line_error(code, err, 3, "out")


class _FullDisk:
    """The real file, except that its writes fail like those on a full file system."""

    def __init__(self, handle: io.TextIOWrapper):
        self._handle = handle

    def write(self, _text: str) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __getattr__(self, name: str) -> object:
        return getattr(self._handle, name)

    def __enter__(self) -> _FullDisk:
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.close()


def _fill_disk_for(monkeypatch, name: str) -> None:
    """Writes of the temporary file of *name* fail with ENOSPC (other files are written normally)."""
    real_fdopen = os.fdopen

    def fdopen(fd, *args, **kwargs):
        handle = real_fdopen(fd, *args, **kwargs)
        if Path(os.readlink(f"/proc/self/fd/{fd}")).name.startswith(f".{name}."):
            return _FullDisk(handle)
        return handle

    monkeypatch.setattr(fsutil.os, "fdopen", fdopen)


def test_a_full_disk_during_the_report_is_exit_3_and_leaves_nothing(project, capsys, monkeypatch):
    _fill_disk_for(monkeypatch, "index.html")
    code, _, err = cli(capsys, "run", "-o", "out")
    assert_one_line_error(code, err, 3, "index.html", "No space left on device")
    assert not (project / "out" / "security.json").exists()
    assert not (project / "out" / "report").exists() or list((project / "out" / "report").iterdir()) == []
    assert _leftovers(project / "out") == []


def test_a_full_disk_keeps_the_previous_run_whole(project, capsys, monkeypatch):
    assert cli(capsys, "run", "-o", "out")[0] == 0
    before = _contents(project / "out")
    _fill_disk_for(monkeypatch, "security.json")
    code, _, err = cli(capsys, "run", "-o", "out")
    assert_one_line_error(code, err, 3, "security.json", "No space left on device")
    # Staged files move in order (documents, reports, result files): the failure came before any move.
    after = _contents(project / "out")
    assert after == before


def test_a_phase_command_writes_its_sarif_and_result_together(project, capsys, monkeypatch):
    with monkeypatch.context() as patched:
        _fill_disk_for(patched, "security.json")
        code, _, err = cli(capsys, "security", "src", "--only", "secrets", "--sarif", "out/security.sarif",
                           "-o", "out/security.json")
    assert_one_line_error(code, err, 3, "security.json", "No space left on device")
    assert not (project / "out" / "security.sarif").exists()
    assert not (project / "out" / "security.json").exists()
    assert _leftovers(project / "out") == []
    code, _, _ = cli(capsys, "security", "src", "--only", "secrets", "--sarif", "out/security.sarif",
                     "-o", "out/security.json")
    assert code == 0
    assert (project / "out" / "security.sarif").is_file() and (project / "out" / "security.json").is_file()


def test_report_into_a_read_only_folder_is_exit_3(project, capsys):
    write_doc(project / "r" / "load.json", load_doc())
    with read_only(project / "ro"):
        code, _, err = cli(capsys, "report", "r", "--output", "ro/comment.md")
    assert_one_line_error(code, err, 3, "cannot write", "comment.md")


def test_staging_moves_nothing_when_the_block_fails(tmp_path):
    (tmp_path / "keep.json").write_text("old")
    with pytest.raises(RuntimeError), fsutil.staged(tmp_path):
        write_text_atomic(tmp_path / "keep.json", "new")
        write_text_atomic(tmp_path / "report" / "a.md", "new")
        assert (tmp_path / "keep.json").read_text() == "old"  # held back until the end
        raise RuntimeError("a phase failed")
    assert (tmp_path / "keep.json").read_text() == "old" and not (tmp_path / "report" / "a.md").exists()
    assert _leftovers(tmp_path) == []


def test_staging_outside_its_folder_still_waits_for_the_end(tmp_path):
    root, elsewhere = tmp_path / "out", tmp_path / "sarif" / "x.sarif"
    with fsutil.staged(root):
        write_text_atomic(root / "a.json", "1")
        write_text_atomic(elsewhere, "2")
        assert not elsewhere.exists() and not (root / "a.json").exists()
    assert elsewhere.read_text() == "2" and (root / "a.json").read_text() == "1"
    assert _leftovers(tmp_path) == []


def test_write_errors_are_run_errors_naming_the_file(tmp_path, monkeypatch):
    _fill_disk_for(monkeypatch, "x.json")
    with pytest.raises(RunError, match=r"cannot write .*x\.json: No space left on device"):
        write_text_atomic(tmp_path / "x.json", "{}")
    assert list(tmp_path.iterdir()) == []


def _tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): p.read_text() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_artifacts_written_in_place_replace_the_previous_ones_only_when_the_run_completes(tmp_path):
    """The phases' tools (locust's CSVs, screenshots) write their artifacts while measuring: an
    interrupted run overwrote the last complete run's, which its results and report still described."""
    from echotune_ci.fsutil import previous_kept

    load, frontend = tmp_path / "artifacts" / "load", tmp_path / "artifacts" / "frontend"
    load.mkdir(parents=True)
    (load / "stats.csv").write_text("previous")
    (tmp_path / "artifacts" / "bundle.txt").write_text("another phase's")
    aside = tmp_path / "artifacts" / ".echotune-previous-load"
    with pytest.raises(KeyboardInterrupt), previous_kept(load, frontend):
        assert _tree(aside) == {"stats.csv": "previous"} and not load.exists()
        load.mkdir()
        (load / "stats.csv").write_text("partial")
        frontend.mkdir()
        (frontend / "home.png").write_text("partial")
        raise KeyboardInterrupt
    assert _tree(tmp_path / "artifacts") == {"bundle.txt": "another phase's", "load/stats.csv": "previous"}
    with previous_kept(load, frontend):
        load.mkdir()
        (load / "stats.csv").write_text("new")
    assert _tree(tmp_path / "artifacts") == {"bundle.txt": "another phase's", "load/stats.csv": "new"}
    # A run killed (SIGKILL) mid-way leaves the sibling: the next run starts from the last complete one's.
    os.rename(load, aside)
    load.mkdir()
    (load / "stats.csv").write_text("killed")
    with pytest.raises(RuntimeError), previous_kept(load):
        raise RuntimeError
    assert _tree(load) == {"stats.csv": "new"} and not aside.exists()


def test_a_run_into_the_project_itself_never_moves_the_projects_artifacts_folder(project, capsys):
    """`run -o .` with a committed artifacts/security/NOTES.md: the run moved the folder aside and, having
    succeeded, deleted it (a reviewer's reproduction). An artifacts/ there may be the project's own."""
    import subprocess

    notes = project / "artifacts" / "security" / "NOTES.md"
    notes.parent.mkdir(parents=True)
    notes.write_text("ours\n")
    untracked = project / "artifacts" / "load" / "keep.txt"
    untracked.parent.mkdir(parents=True)
    untracked.write_text("ours too\n")
    code, _, err = cli(capsys, "run", "-o", ".")
    assert code == 0, err
    assert notes.read_text() == "ours\n"
    # Inside a dedicated output folder, a phase's folder holding a file git tracks is not moved either.
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    subprocess.run(["git", "add", "artifacts"], cwd=project, check=True)
    tracked = project / "results" / "artifacts" / "security" / "NOTES.md"
    tracked.parent.mkdir(parents=True)
    tracked.write_text("committed\n")
    subprocess.run(["git", "add", "-f", str(tracked)], cwd=project, check=True)
    code, _, err = cli(capsys, "run", "-o", "results")
    assert code == 0, err
    assert tracked.read_text() == "committed\n" and untracked.read_text() == "ours too\n"
    from echotune_ci.fsutil import own_artifact_folders

    assert own_artifact_folders(project, project, ["security"]) == []
    assert own_artifact_folders(project / "results", project, ["security", "load"]) == [
        project / "results" / "artifacts" / "load"]
    # git failing in the checkout (a broken index; another user's repository) cannot tell: nothing moves.
    (project / "results" / "artifacts" / "load").mkdir(parents=True, exist_ok=True)
    (project / "results" / "artifacts" / "load" / "stats.csv").write_text("an earlier run's\n")
    assert own_artifact_folders(project / "results", project, ["load"]) == [
        project / "results" / "artifacts" / "load"]
    (project / ".git" / "index").write_bytes(b"garbage")
    assert own_artifact_folders(project / "results", project, ["security", "load"]) == []


def test_a_removal_that_stops_half_way_never_leaves_a_folder_under_the_kept_name(tmp_path, monkeypatch):
    """A read-only subfolder (or a kill) stopped the removal of the kept copy after a run that completed;
    the next run took the remains for a killed run's last complete artifacts and put them back."""
    from echotune_ci import fsutil

    load = tmp_path / "artifacts" / "load"
    load.mkdir(parents=True)
    (load / "stats.csv").write_text("run 1")
    monkeypatch.setattr(fsutil.shutil, "rmtree", lambda *a, **k: None)  # removes nothing
    with fsutil.previous_kept(load):
        load.mkdir()
        (load / "stats.csv").write_text("run 2")
    monkeypatch.undo()
    assert _tree(load) == {"stats.csv": "run 2"}
    assert not (tmp_path / "artifacts" / ".echotune-previous-load").exists()
    with pytest.raises(KeyboardInterrupt), fsutil.previous_kept(load):
        raise KeyboardInterrupt
    assert _tree(load) == {"stats.csv": "run 2"}
    # A folder kept elsewhere through a symbolic link is left as it is (its target is never moved).
    elsewhere = tmp_path / "volume"
    elsewhere.mkdir()
    (elsewhere / "stats.csv").write_text("kept")
    link = tmp_path / "artifacts" / "frontend"
    link.symlink_to(elsewhere, target_is_directory=True)
    with fsutil.previous_kept(link):
        pass
    assert link.is_symlink() and _tree(elsewhere) == {"stats.csv": "kept"}


def test_an_interrupt_while_kept_copies_are_removed_leaves_none_to_be_put_back(tmp_path, monkeypatch):
    """Ctrl-C while the first of two kept copies was removed left the second under its kept name; the next
    run that failed put those stale files back beside newer results."""
    import signal

    from echotune_ci import fsutil

    frontend, load = tmp_path / "artifacts" / "frontend", tmp_path / "artifacts" / "load"
    for folder in (frontend, load):
        folder.mkdir(parents=True)
        (folder / "data.txt").write_text("run 1")
    real = fsutil.shutil.rmtree
    interrupted = []

    def rmtree(path, *args, **kwargs):
        # fsutil.shutil is the shutil module: another rmtree of the process (a TemporaryDirectory that
        # garbage collection finalizes, a thread of an earlier test) must not take the interrupt, or it came
        # before previous_kept deferred signals and left a kept copy behind (a rare flake under -n 2)
        if not interrupted and tmp_path in Path(path).parents:
            interrupted.append(path)
            signal.raise_signal(signal.SIGINT)  # arrives while the first copy goes
        return real(path, *args, **kwargs)

    # A suite started as a background job inherits SIGINT ignored, and an ignored Ctrl-C stays ignored
    # (deferred_signals): the interrupt this test sends would never come.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt), fsutil.previous_kept(frontend, load):
            for folder in (frontend, load):
                folder.mkdir()
                (folder / "data.txt").write_text("run 2")
            monkeypatch.setattr(fsutil.shutil, "rmtree", rmtree)
    finally:
        signal.signal(signal.SIGINT, previous)
    monkeypatch.undo()
    assert interrupted and not list((tmp_path / "artifacts").glob(".echotune-previous-*"))
    with pytest.raises(RuntimeError), fsutil.previous_kept(frontend, load):
        raise RuntimeError
    assert _tree(tmp_path / "artifacts") == {"frontend/data.txt": "run 2", "load/data.txt": "run 2"}


def test_a_run_without_a_base_unpairs_the_base_an_earlier_side_by_side_run_left(project, capsys):
    """`run --base-ref` then `run --phase load` into one folder: the new head result stood beside the old
    run's base/load.json, and `gate` on the folder compared them (a p95 "+153 %" from another run)."""
    from echotune_ci.results import Metric, PhaseResult

    out = project / "results"
    code, _, err = cli(capsys, "run", "-o", "results")
    assert code == 0, err
    # What an earlier side-by-side run of security and load would have left: both builds' results.
    (out / "base").mkdir()
    (out / "base" / "security.json").write_bytes((out / "security.json").read_bytes())
    p95 = Metric(name="p95_ms", value=10.0, unit="ms", better="lower")
    old_load = PhaseResult(phase="load", metrics=[p95])
    old_load.write(out / "load.json")
    old_load.write(out / "base" / "load.json")
    # A base given with --baseline is the user's, even in <out>/base (a reviewer lost one so).
    code, _, err = cli(capsys, "run", "-o", "results", "--baseline", "results/base")
    assert code == 0, err
    assert (out / "base" / "security.json").is_file()
    # A base/ that no side-by-side run left (no artifacts/side-by-side.json beside it) is not touched.
    code, _, err = cli(capsys, "run", "-o", "results")
    assert code == 0, err
    assert (out / "base" / "security.json").is_file()
    (out / "artifacts").mkdir(exist_ok=True)
    (out / "artifacts" / "side-by-side.json").write_text("{}")
    code, _, err = cli(capsys, "run", "-o", "results")
    assert code == 0, err
    assert not (out / "base" / "security.json").exists()  # its head is this run's: unpaired
    assert (out / "base" / "load.json").is_file() and (out / "load.json").is_file()  # still a pair
    assert ("note: results also holds load.json, base/load.json of an earlier run, which `gate`, `report` "
            "and `comment` on the folder read too") in err
    # A --baseline elsewhere leaves the stale pair as stale as without one (a reviewer's case).
    (out / "base" / "security.json").write_bytes((out / "security.json").read_bytes())
    elsewhere = project / "other"
    elsewhere.mkdir()
    (elsewhere / "security.json").write_bytes((out / "security.json").read_bytes())
    code, _, err = cli(capsys, "run", "-o", "results", "--baseline", "other")
    assert code == 0, err
    assert not (out / "base" / "security.json").exists()
    # A base file git tracks is never an earlier run's leftover; nor one git cannot answer for in a
    # checkout (another user's repository, a broken index).
    (out / "base" / "security.json").write_bytes((out / "security.json").read_bytes())
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    subprocess.run(["git", "add", "-f", "results/base/security.json"], cwd=project, check=True)
    code, _, err = cli(capsys, "run", "-o", "results")
    assert code == 0, err
    assert (out / "base" / "security.json").is_file()
    (project / ".git" / "index").write_bytes(b"garbage")
    code, _, err = cli(capsys, "run", "-o", "results")
    assert code == 0, err
    assert (out / "base" / "security.json").is_file()
