"""A setup or build that rewrites files git tracks is said: proshop-v2's build script ran `npm install`
twice and rewrote both lockfiles (`git diff --stat`: 2,341 lines), so the app measured was not the
commit's and the user's tree was left changed without a word. Real git repositories."""

from __future__ import annotations

import os
import subprocess

import pytest

from echotune_ci.errors import RunError
from echotune_ci.serve.steps import changed_tracked_files, prepare


def git(cwd, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, env=env)


def repository(tmp_path):
    git(tmp_path, "init", "-q")
    for name in ("package-lock.json", "frontend-lock.json", "edited.txt"):
        (tmp_path / name).write_text("{}\n")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "base")
    (tmp_path / "edited.txt").write_text("the user's own edit\n")  # changed before: not the build's doing
    return tmp_path


def test_a_build_that_rewrites_tracked_files_is_said(tmp_path):
    root = repository(tmp_path)
    done = prepare("", "echo x >> package-lock.json && echo y >> frontend-lock.json && echo z >> edited.txt "
                   "&& echo w > untracked.txt", cwd=root, environment=lambda: dict(os.environ))
    assert done.notes[-1] == (
        "setup and build changed 2 file(s) git tracks: frontend-lock.json, package-lock.json (`git diff` "
        "shows how): the app measured is not the commit's; use installs that keep the lockfile (npm ci, "
        "--frozen-lockfile) in [serve] setup and build")


def test_a_build_that_leaves_them_and_a_folder_outside_git_say_nothing(tmp_path):
    (tmp_path / "repo").mkdir()
    root = repository(tmp_path / "repo")
    done = prepare("", "echo w > untracked.txt", cwd=root, environment=lambda: dict(os.environ))
    assert done.notes == [done.notes[0]] and done.notes[0].startswith("build: done in ")
    outside = tmp_path / "plain"
    outside.mkdir()
    assert changed_tracked_files(outside) is None


def test_a_build_that_fails_after_rewriting_tracked_files_says_so_too(tmp_path):
    # mern-ecommerce's first run: the build script's npm install rewrote both lockfiles (630 lines), then
    # vite was missing; the error said nothing of the changed files
    root = repository(tmp_path)
    with pytest.raises(RunError) as caught:
        prepare("", "echo x >> package-lock.json && exit 4", cwd=root, environment=lambda: dict(os.environ))
    said = str(caught.value)
    assert said.startswith("serve.build failed with exit code 4")
    assert said.endswith("; setup and build changed 1 file(s) git tracks: package-lock.json (`git diff` "
                         "shows how): the app measured is not the commit's; use installs that keep the "
                         "lockfile (npm ci, --frozen-lockfile) in [serve] setup and build")
