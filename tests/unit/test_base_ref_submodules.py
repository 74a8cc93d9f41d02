"""`run --base-ref` on a repository with git submodules: `git worktree add` leaves a submodule's folder
empty, so the base's build failed ("No such file or directory: '<base checkout>/src/api.js'") or built
without it. The base's checkout gets each submodule at the commit the base records, from the head's
checkout of it, nested ones too; what cannot be had that way is said, naming the submodule."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from echotune_ci.baseref.checkout import worktree
from echotune_ci.errors import RunError

IDENTITY = ("-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "protocol.file.allow=always")


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *IDENTITY, "-C", str(repo), *args], capture_output=True, text=True,
                          check=True).stdout


def commit_all(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", message)


def new_repo(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True)
    for name, text in files.items():
        (root / name).write_text(text)
    git(root, "init", "--quiet", "--initial-branch=main")
    commit_all(root, "one")
    return root


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """A project whose lib/ is a submodule holding a nested submodule lib/inner/; HEAD~1 is the base, with
    lib at its first commit; HEAD moved lib (and its inner) one commit on."""
    inner = new_repo(tmp_path / "inner-origin", {"inner.js": "inner one\n"})
    lib = new_repo(tmp_path / "lib-origin", {"lib.js": "lib one\n"})
    git(lib, "submodule", "add", "--quiet", str(inner), "inner")
    commit_all(lib, "with inner")
    repo = new_repo(tmp_path / "repo", {"build.py": "print('build')\n"})
    git(repo, "submodule", "add", "--quiet", str(lib), "lib")
    git(repo, "submodule", "update", "--quiet", "--init", "--recursive")
    commit_all(repo, "with lib")
    for folder, name, text in ((repo / "lib" / "inner", "inner.js", "inner two\n"),
                               (repo / "lib", "lib.js", "lib two\n")):
        (folder / name).write_text(text)
        commit_all(folder, "two")
    commit_all(repo, "lib moved on")
    return repo


def worktrees(repo: Path) -> int:
    return git(repo, "worktree", "list", "--porcelain").count("worktree ")


def test_the_bases_checkout_holds_its_submodules_at_the_bases_commits(project: Path) -> None:
    repos = (project, project / "lib", project / "lib" / "inner")
    before = {p: git(p, "status", "--porcelain") for p in repos}
    with worktree(project, "HEAD~1") as source:
        assert (source.root / "lib" / "lib.js").read_text() == "lib one\n"
        assert (source.root / "lib" / "inner" / "inner.js").read_text() == "inner one\n"
        where = source.root
    assert not where.exists()
    assert worktrees(project) == 1
    # The head's submodules are as they were: same files, same index, no worktree of theirs.
    assert (project / "lib" / "lib.js").read_text() == "lib two\n"
    assert (project / "lib" / "inner" / "inner.js").read_text() == "inner two\n"
    assert before == {p: git(p, "status", "--porcelain") for p in before}
    assert worktrees(project / "lib") == 1


def test_a_submodule_the_head_did_not_check_out_stays_empty_in_both(project: Path, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(project), str(clone)], check=True)  # no --recursive
    with worktree(clone, "HEAD~1") as source:
        assert list((source.root / "lib").iterdir()) == []
    assert worktrees(clone) == 1


def test_a_base_commit_the_heads_submodule_lacks_is_named_with_what_to_fetch(project: Path) -> None:
    # What a clone of depth 1 (actions/checkout with submodules: true) meets when the pull request moved the
    # submodule: the base records a commit of lib that the head's checkout of lib never fetched.
    elsewhere = "0123456789abcdef0123456789abcdef01234567"
    git(project, "update-index", "--cacheinfo", f"160000,{elsewhere},lib")
    git(project, "commit", "--quiet", "-m", "lib elsewhere")
    git(project, "branch", "--quiet", "base")
    git(project, "reset", "--quiet", "HEAD~1")
    with pytest.raises(RunError) as raised, worktree(project, "base"):
        pass
    said = str(raised.value)
    assert said.startswith("--base-ref base: the base's submodule lib is at commit 0123456789, "), said
    assert f"(git -C lib fetch origin {elsewhere}, or run with --fetch-base; " in said
    assert worktrees(project) == 1


def test_a_submodule_the_head_removed_cannot_come_from_the_head(project: Path) -> None:
    git(project, "rm", "--quiet", "-r", "lib")
    commit_all(project, "no lib")
    with pytest.raises(RunError, match=r"the base's submodule lib \([0-9a-f]{10}\) is not checked out in "
                                       r"the head .* --base-dir"), worktree(project, "HEAD~1"):
        pass
    assert worktrees(project) == 1


def test_fetch_base_fetches_the_bases_submodule_commit_into_a_shallow_checkout_of_it(tmp_path: Path) -> None:
    """actions/checkout with submodules: recursive at depth 1, on a pull request that moves the submodule:
    the head's checkout of it lacks the base's commit, and the run said what to fetch. With --fetch-base it
    is fetched from the submodule's origin, one commit deep, and the base gets the files of that commit."""
    lib = new_repo(tmp_path / "lib-origin", {"lib.js": "lib one\n"})
    repo = new_repo(tmp_path / "repo", {"build.py": "print('build')\n"})
    git(repo, "submodule", "add", "--quiet", f"file://{lib}", "lib")
    commit_all(repo, "with lib")
    (lib / "lib.js").write_text("lib two\n")
    commit_all(lib, "two")
    git(repo / "lib", "pull", "--quiet", "origin", "main")
    commit_all(repo, "lib moved on")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "--quiet", "--depth", "2", f"file://{repo}", str(clone))
    git(clone, "submodule", "update", "--quiet", "--init", "--depth=1")
    assert git(clone / "lib", "rev-list", "--count", "HEAD").strip() == "1"
    base_lib = git(repo, "rev-parse", "HEAD~1:lib").strip()
    with pytest.raises(RunError, match=f"fetch it first \\(git -C lib fetch --depth=1 origin {base_lib}, or "
                                       f"run with --fetch-base; "), worktree(clone, "HEAD~1"):
        pass
    with worktree(clone, "HEAD~1", fetch=True) as source:
        assert (source.root / "lib" / "lib.js").read_text() == "lib one\n"
    assert (clone / "lib" / "lib.js").read_text() == "lib two\n"  # the head's checkout of it as it was
    assert git(clone / "lib", "rev-parse", "--is-shallow-repository").strip() == "true"
    # a commit the submodule's origin does not have: git's reason, in one line
    git(clone, "update-index", "--cacheinfo", "160000,0123456789abcdef0123456789abcdef01234567,lib")
    git(clone, "commit", "--quiet", "-m", "lib nowhere")
    git(clone / "lib", "fetch", "--quiet", "--unshallow")
    with pytest.raises(RunError, match="which git fetch origin 0123456789abcdef0123456789abcdef01234567 in "
                                       "lib could not fetch: "), worktree(clone, "HEAD", fetch=True):
        pass
    assert worktrees(clone) == 1
