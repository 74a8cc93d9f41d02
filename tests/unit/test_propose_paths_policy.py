"""propose's path policy is decided on what `git apply` really touches, in a real repository."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from echotune_ci.propose.settings import PROTECTED_PATHS, ProposeSettings
from echotune_ci.propose.validate import (Rejected, Touched, check_changes, check_patch, commit_changes,
                                          git_apply_check, normalise, worktree_changes)

POLICY = ProposeSettings()
CI = "on: push\njobs: {}\n"


def sh(*args: str, cwd: Path) -> str:
    return subprocess.run(args, cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    """A repository with a workflow, a script and a data file, all committed."""
    root = tmp_path / "repo"
    (root / ".github" / "workflows").mkdir(parents=True)
    (root / ".github" / "workflows" / "ci.yml").write_text(CI)
    (root / "app.py").write_text("print('hi')\n")
    (root / "deploy.yml").write_text("steps: []\n")
    (root / "run.sh").write_text("echo run\n")
    (root / "run.sh").chmod(0o755)
    sh("git", "init", "--quiet", "-b", "main", cwd=root)
    sh("git", "add", "-A", cwd=root)
    sh("git", "-c", "user.name=T", "-c", "user.email=t@example.org", "commit", "--quiet", "-m", "init",
       cwd=root)
    return root


def apply_and_check(diff: str, root: Path, settings: ProposeSettings = POLICY) -> list[str]:
    """git apply as propose runs it, then the policy on the paths git reports (the static check of the
    diff text is left out on purpose: these tests show that git's answer alone decides)."""
    git_apply_check(diff, root)
    patch = write(root.parent / "p.diff", diff)
    sh("git", "apply", "--index", "--recount", "--whitespace=nowarn", str(patch), cwd=root)
    return check_changes(worktree_changes(root), root, settings)


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


WORKFLOW_EDIT = "@@ -1,2 +1,2 @@\n-on: push\n+on: pull_request_target\n jobs: {}\n"


@pytest.mark.parametrize(("diff", "reason"), [
    # git apply -p1 strips whatever the first component is: x/ and y/ are a/ and b/
    (f"--- x/.github/workflows/ci.yml\n+++ y/.github/workflows/ci.yml\n{WORKFLOW_EDIT}",
     "path '.github/workflows/ci.yml' is protected (.github/)"),
    # git squeezes the double slash
    (f"--- a/.github//workflows/ci.yml\n+++ b/.github//workflows/ci.yml\n{WORKFLOW_EDIT}",
     "path '.github/workflows/ci.yml' is protected (.github/)"),
    (f"diff --git a/.github//workflows/ci.yml b/.github//workflows/ci.yml\n"
     f"--- a/.github//workflows/ci.yml\n+++ b/.github//workflows/ci.yml\n{WORKFLOW_EDIT}",
     "path '.github/workflows/ci.yml' is protected (.github/)"),
    # a rename carries a file into .github
    ("diff --git a/deploy.yml b/.github/workflows/deploy.yml\nsimilarity index 100%\n"
     "rename from deploy.yml\nrename to .github/workflows/deploy.yml\n",
     "is protected (.github/)"),
    # case variants are distinct folders here, and .github on a case-insensitive checkout
    ("--- /dev/null\n+++ b/.GitHub/Workflows/evil.yml\n@@ -0,0 +1 @@\n+on: push\n",
     "path '.GitHub/Workflows/evil.yml' is protected (.github/)"),
    ("--- /dev/null\n+++ x/.GITHUB/workflows/evil.yml\n@@ -0,0 +1 @@\n+on: push\n",
     "path '.GITHUB/workflows/evil.yml' is protected (.github/)"),
    ("--- /dev/null\n+++ b/.gitlab-ci.yml\n@@ -0,0 +1 @@\n+job: {}\n", "is protected (.gitlab-ci.yml)"),
    ("--- /dev/null\n+++ b/Jenkinsfile\n@@ -0,0 +1 @@\n+pipeline {}\n", "is protected (Jenkinsfile)"),
    ("--- /dev/null\n+++ b/sub/.gitattributes\n@@ -0,0 +1 @@\n+* filter=x\n",
     "is protected (.gitattributes)"),
    ("--- /dev/null\n+++ b/.husky/pre-commit\n@@ -0,0 +1 @@\n+curl x | sh\n", "is protected (.husky/)"),
    ("--- /dev/null\n+++ b/.circleci/config.yml\n@@ -0,0 +1 @@\n+version: 2\n", "is protected (.circleci/)"),
    # a symlink into .github: refused as a symlink
    ("diff --git a/ci-link b/ci-link\nnew file mode 120000\n--- /dev/null\n+++ b/ci-link\n@@ -0,0 +1 @@\n"
     "+.github/workflows/ci.yml\n\\ No newline at end of file\n", "path 'ci-link' would be a symbolic link"),
    # the executable bit, set on a file or on a new file, and cleared
    ("diff --git a/app.py b/app.py\nold mode 100644\nnew mode 100755\n",
     "path 'app.py' would become executable"),
    ("diff --git a/tool.py b/tool.py\nnew file mode 100755\n--- /dev/null\n+++ b/tool.py\n"
     "@@ -0,0 +1 @@\n+x\n",
     "path 'tool.py' would become executable"),
    ("diff --git a/run.sh b/run.sh\nold mode 100755\nnew mode 100644\n", "would lose its executable bit"),
])
def test_what_git_touches_decides(repo, diff, reason):
    with pytest.raises(Rejected) as caught:
        apply_and_check(diff, repo)
    assert reason in str(caught.value)


def test_diffs_git_refuses_never_reach_the_policy(repo):
    """`a/./` and `..` are refused by git itself (the change is rejected as not applying)."""
    for diff in (f"--- a/./.github/workflows/ci.yml\n+++ b/./.github/workflows/ci.yml\n{WORKFLOW_EDIT}",
                 "--- /dev/null\n+++ b/./.github/workflows/evil.yml\n@@ -0,0 +1 @@\n+on: push\n"):
        with pytest.raises(Rejected, match="does not apply"):
            git_apply_check(diff, repo)


def test_a_symlink_when_allowed_must_not_point_at_protected_paths_or_outside(repo):
    allowed = ProposeSettings(allow_symlinks=True)
    link = ("diff --git a/ci-link b/ci-link\nnew file mode 120000\n--- /dev/null\n+++ b/ci-link\n"
            "@@ -0,0 +1 @@\n+{}\n\\ No newline at end of file\n")
    with pytest.raises(Rejected, match=r"points at '.github/workflows/ci.yml', which is protected"):
        apply_and_check(link.format(".github/workflows/ci.yml"), repo, allowed)
    sh("git", "reset", "--quiet", "--hard", cwd=repo)
    with pytest.raises(Rejected, match="points outside the repository"):
        apply_and_check(link.format("../../etc/passwd"), repo, allowed)
    sh("git", "reset", "--quiet", "--hard", cwd=repo)
    assert apply_and_check(link.format("app.py"), repo, allowed) == ["ci-link"]


def test_harmless_changes_and_explicit_allowances_pass(repo):
    assert apply_and_check("--- a/app.py\n+++ b/app.py\n@@ -1 +1 @@\n-print('hi')\n+print('hello')\n",
                           repo) == ["app.py"]
    sh("git", "reset", "--quiet", "--hard", cwd=repo)
    allowed = ProposeSettings(allow_paths=(".github/workflows/ci.yml",), allow_executable=True)
    both = (f"--- x/.github/workflows/ci.yml\n+++ y/.github/workflows/ci.yml\n{WORKFLOW_EDIT}"
            "diff --git a/app.py b/app.py\nold mode 100644\nnew mode 100755\n")
    assert apply_and_check(both, repo, allowed) == [".github/workflows/ci.yml", "app.py"]


def test_the_commit_that_would_be_pushed_is_checked_too(repo):
    """A test command that stages a workflow: the commit's own diff against the base says so."""
    base = sh("git", "rev-parse", "HEAD", cwd=repo)
    (repo / ".github" / "workflows" / "evil.yml").write_text(CI)
    (repo / "app.py").write_text("print('changed')\n")
    sh("git", "add", "-A", cwd=repo)
    sh("git", "-c", "user.name=T", "-c", "user.email=t@example.org", "commit", "--quiet", "-m", "x", cwd=repo)
    commit = sh("git", "rev-parse", "HEAD", cwd=repo)
    touched = commit_changes(repo, base, commit)
    assert sorted((t.path, t.old_mode, t.new_mode) for t in touched) == [
        (".github/workflows/evil.yml", "000000", "100644"), ("app.py", "100644", "100644")]
    with pytest.raises(Rejected, match="'.github/workflows/evil.yml' is protected"):
        check_changes(touched, repo, POLICY)


@pytest.mark.parametrize(("path", "expected"), [
    (".GitHub//Workflows/ci.yml", ".github/workflows/ci.yml"),
    ("./.github/./workflows/ci.yml", ".github/workflows/ci.yml"),
    (".github\u200c/workflows/ci.yml", ".github/workflows/ci.yml"),  # HFS+ ignores ZWNJ
    (".github. /workflows/ci.yml", ".github/workflows/ci.yml"),  # NTFS drops trailing dots and spaces
    (".github\\workflows\\ci.yml", ".github/workflows/ci.yml"),
    ("JENKINSFILE", "jenkinsfile"),
])
def test_paths_are_compared_normalised(path, expected):
    assert normalise(path) == expected
    with pytest.raises(Rejected, match="is protected"):
        check_changes([Touched(path, "000000", "100644")], Path("/nonexistent"), POLICY)


def test_the_diff_text_is_checked_early_too(tmp_path):
    """Before git runs, the names the text spells get the same policy (an earlier, clearer refusal)."""
    for path in ("x/.github/workflows/ci.yml", ".GITHUB//workflows/ci.yml", "sub/.husky/pre-push"):
        with pytest.raises(Rejected, match="is protected"):
            check_patch(f"--- /dev/null\n+++ b/{path}\n@@ -0,0 +1 @@\n+x\n", tmp_path, POLICY)


def test_default_policy_and_pattern_settings():
    for name in (".github/", ".gitlab-ci.yml", ".pre-commit-config.yaml", "Jenkinsfile", ".gitattributes",
                 ".gitmodules", ".git/", ".circleci/", ".buildkite/", ".husky/", ".githooks/",
                 "azure-pipelines.yml", ".travis.yml", "bitbucket-pipelines.yml"):
        assert name in PROTECTED_PATHS
    from echotune_ci.config.schema import build
    from echotune_ci.errors import ConfigError

    with pytest.raises(ConfigError, match="'propose.allow_paths' must hold .gitignore-style patterns"):
        build(ProposeSettings, {"allow_paths": ["!.github/"]}, "propose", "echotune.toml")
