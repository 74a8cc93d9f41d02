"""The hooks in .pre-commit-hooks.yaml, run by pre-commit itself on staged files.

The tests use the ``*-system`` hooks (echotune-ci from PATH): the
``language: python`` ones make pre-commit install echotune-ci from a package
index, which these tests have none of. Both kinds share entry and file types;
``validate-manifest`` checks the whole file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

PRE_COMMIT = Path(sys.executable).parent / "pre-commit"
TOKEN = "ghp_" + "Lk8Jh6Gf4Ds2Aq0Wp9Oi7Uy5Tr3Ee1Ww3Qq5"
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.invalid", "GIT_CONFIG_NOSYSTEM": "1"}


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, env={**os.environ, **GIT_ENV})


@pytest.fixture()
def hook_env(tmp_path: Path, cli_env) -> dict[str, str]:
    return {**cli_env, **GIT_ENV, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "NO_COLOR": "1"}


@pytest.fixture()
def hook_repo(tmp_path: Path) -> Path:
    """A committed copy of this repo's manifest: try-repo reads hooks from a commit."""
    repo = tmp_path / "hooks"
    repo.mkdir()
    shutil.copy(ROOT / ".pre-commit-hooks.yaml", repo / ".pre-commit-hooks.yaml")
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "hooks")
    return repo


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    repo = tmp_path / "project"
    repo.mkdir()
    git(repo, "init", "-q")
    for i in range(8):
        (repo / f"module_{i}.py").write_text(f"def f{i}(x):\n    return x * {i}\n")
    (repo / "README.md").write_text("# demo\n")
    git(repo, "add", ".")
    return repo


def try_repo(project: Path, hook_repo: Path, hook: str,
             env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(PRE_COMMIT), "try-repo", str(hook_repo), hook], cwd=project, env=env,
                          capture_output=True, text=True, timeout=120)


def test_manifest_is_valid():
    proc = subprocess.run([str(PRE_COMMIT), "validate-manifest", str(ROOT / ".pre-commit-hooks.yaml")],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_secrets_hook_blocks_a_staged_token_without_printing_it(project, hook_repo, hook_env):
    clean = try_repo(project, hook_repo, "echotune-secrets-system", hook_env)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "Passed" in clean.stdout

    (project / "config.py").write_text(f'GITHUB_TOKEN = "{TOKEN}"\n')
    (project / "unstaged.py").write_text(f'OTHER = "{TOKEN}"\n')  # not staged: not checked
    git(project, "add", "config.py")
    leak = try_repo(project, hook_repo, "echotune-secrets-system", hook_env)
    assert leak.returncode == 1, leak.stdout + leak.stderr
    assert "config.py:1: [critical] secrets.github-token GitHub token ghp_…(40 chars)" in leak.stdout
    assert "unstaged.py" not in leak.stdout
    assert TOKEN not in leak.stdout + leak.stderr


def test_bandit_hook_checks_staged_python_files(project, hook_repo, hook_env):
    (project / "run.py").write_text("import subprocess\n\n\n"
                                    "def run():\n    return subprocess.call(input(), shell=True)\n")
    (project / "notes.txt").write_text("subprocess.call(input(), shell=True)\n")
    git(project, "add", "run.py", "notes.txt")
    proc = try_repo(project, hook_repo, "echotune-bandit-system", hook_env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "run.py:5: [high] B602 subprocess call with shell=True" in proc.stdout
    assert "notes.txt" not in proc.stdout
