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


def test_a_build_that_rewrites_a_generated_file_is_not_told_to_keep_the_lockfile(tmp_path):
    # ts-nextjs-tailwind-starter: `next build` (Next 14.2) rewrote the next-env.d.ts an older Next wrote and
    # the project committed; the warning told a setup of `pnpm install --frozen-lockfile` to use installs
    # that keep the lockfile
    root = repository(tmp_path)
    (root / "next-env.d.ts").write_text("// see the old docs\n")
    git(root, "add", "next-env.d.ts")
    git(root, "commit", "-q", "-m", "types")
    done = prepare("", "echo '// see the new docs' > next-env.d.ts", cwd=root,
                   environment=lambda: dict(os.environ))
    assert done.notes[-1] == (
        "setup and build changed 1 file(s) git tracks: next-env.d.ts (`git diff` shows how): a step writes "
        "them (next build rewrites next-env.d.ts); commit them as it writes them, or untrack a generated "
        "file (git rm --cached FILE, and list it in .gitignore)")


def test_the_base_of_a_side_by_side_run_says_it_is_the_base(tmp_path):
    # run --base-ref printed the head's line twice, once for each build, and the base's `git diff` was in
    # a checkout the user does not see
    root = repository(tmp_path)
    done = prepare("", "echo x >> package-lock.json", cwd=root, environment=lambda: dict(os.environ),
                   label="base")
    assert done.notes[-1] == (
        "the base's setup and build changed 1 file(s) its commit tracks: package-lock.json: the app measured "
        "is not the commit's; use installs that keep the lockfile (npm ci, --frozen-lockfile) in [serve] "
        "setup and build")
