"""The run's output folder keeps git, and the builds that scan what git does not ignore, out of it.

nickjj/docker-django-example builds its CSS with Tailwind v4 from the checkout's top (`@import "tailwindcss"
source(...)`), which scans every file git does not ignore: with an earlier run's results/ in the head's
checkout, the head's app.css was 13,032 B (Tailwind 4.0.9, by hand: 8,527 B without results/, 8,527 B with
results/.gitignore of "*"), and `run --base-ref` failed the gate on a 34.3 % bundle growth the pull request
did not make.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from echotune_ci.fsutil import OUTPUT_GITIGNORE, ignore_output_folder


def _git(folder: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True, check=True)
    return done.stdout


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "app"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / "app.py").write_text("print('hi')\n")
    _git(repo, "add", "app.py")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "app")
    return repo


def test_a_new_or_earlier_output_folder_is_ignored_by_git(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    fresh = repo / "results"
    fresh.mkdir()
    ignore_output_folder(fresh)
    assert (fresh / ".gitignore").read_text() == OUTPUT_GITIGNORE
    (fresh / "report").mkdir()
    (fresh / "report" / "comment.md").write_text("flex hidden grid\n")
    assert _git(repo, "status", "--porcelain", "--untracked-files=all") == ""
    # an earlier run's folder (its report/), from before this change
    earlier = repo / "ci-results"
    (earlier / "report").mkdir(parents=True)
    (earlier / "load.json").write_text("{}")
    ignore_output_folder(earlier)
    assert _git(repo, "status", "--porcelain", "--untracked-files=all") == ""
    assert _git(repo, "check-ignore", "ci-results/load.json").strip() == "ci-results/load.json"


def test_a_folder_git_tracks_ignores_or_the_user_fills_is_left_as_it_is(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    tracked = repo / "baseline"
    (tracked / "report").mkdir(parents=True)
    (tracked / "security.json").write_text("{}")
    _git(repo, "add", "baseline/security.json")
    ignore_output_folder(tracked)  # committed results (a baseline) stay visible to git
    assert not (tracked / ".gitignore").exists()
    (repo / ".gitignore").write_text("results/\n")
    ignored = repo / "results"
    ignored.mkdir()
    ignore_output_folder(ignored)
    assert not (ignored / ".gitignore").exists()
    own = repo / "src"
    own.mkdir()
    (own / "new_module.py").write_text("x = 1\n")
    ignore_output_folder(own)  # a folder of the user's files given as the output folder
    assert not (own / ".gitignore").exists()
    outside = tmp_path / "plain"
    outside.mkdir()
    ignore_output_folder(outside)  # no work tree: nothing to ignore it from
    assert not (outside / ".gitignore").exists()
    ignore_output_folder(repo)  # the checkout's top tracks files
    assert not (repo / ".gitignore").read_text().startswith("# written by echotune-ci")
