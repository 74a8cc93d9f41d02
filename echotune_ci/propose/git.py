"""Git operations for proposals: a private worktree per topic, commit, push.

Work happens in a ``git worktree`` beside the user's checkout, never in it:
the checkout stays as it was, and the worktree shares the repository's
config, so a push uses the credentials ``actions/checkout`` stored there.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError, RunError
from ..research.providers import scrub_url_credentials

# Variables a test command started on an untrusted change must not see.
SECRET_VARIABLES = ("GITHUB_TOKEN", "GH_TOKEN", "PERPLEXITY_API_KEY", "ECHOTUNE_RESEARCH_API_KEY",
                    "OPENAI_API_KEY", "ACTIONS_RUNTIME_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN")


def git(*args: str, cwd: Path, check: bool = True, input: str | None = None,
        timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``git *args`` in *cwd* (no prompts, C locale; *timeout* in seconds).

    Raises RunError when git is missing, times out, or (with *check*) fails;
    the message is git's last line with URL credentials removed.
    """
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0", LC_ALL="C")
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, input=input, env=env,
                              timeout=timeout)
    except FileNotFoundError:
        raise RunError("git is not installed") from None
    except subprocess.TimeoutExpired:
        raise RunError(f"git {args[0]} did not finish within {timeout:.0f}s") from None
    if check and proc.returncode != 0:
        detail = scrub_url_credentials((proc.stderr.strip().splitlines() or ["failed"])[-1])
        raise RunError(f"git {args[0]} failed in {cwd}: {detail}")
    return proc


def repo_root(path: Path) -> Path:
    """The top folder of the git checkout holding *path*; InputError when it is none."""
    proc = git("rev-parse", "--show-toplevel", cwd=path, check=False)
    if proc.returncode != 0:
        raise InputError(f"{path}: not a git repository")
    return Path(proc.stdout.strip())


def ensure_clean(root: Path) -> None:
    """Refuse a checkout with uncommitted changes to tracked files: they would not be in the proposal."""
    proc = git("status", "--porcelain", "--untracked-files=no", cwd=root)
    changed = [line[3:] for line in proc.stdout.splitlines() if line.strip()]
    if changed:
        sample = ", ".join(changed[:3]) + (" ..." if len(changed) > 3 else "")
        raise InputError(f"{root}: the repository has uncommitted changes ({sample}); "
                         "commit or stash them first")


def current_branch(root: Path) -> str:
    """The checked-out branch; InputError when HEAD is detached."""
    proc = git("symbolic-ref", "--quiet", "--short", "HEAD", cwd=root, check=False)
    if proc.returncode != 0:
        raise InputError(f"{root}: HEAD is detached; pass --base BRANCH (or set [propose] base)")
    return proc.stdout.strip()


def resolve_commit(root: Path, ref: str) -> str:
    """The commit SHA *ref* names; InputError when it names none."""
    proc = git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", cwd=root, check=False)
    if proc.returncode != 0:
        raise InputError(f"{root}: no such branch or commit {ref!r}")
    return proc.stdout.strip()


def base_commit(root: Path, base: str, remote: str) -> str:
    """The commit proposals start from: the checked-out HEAD for its own branch, else the remote's branch."""
    if base == current_branch_or_none(root):
        return resolve_commit(root, "HEAD")
    for ref in (f"refs/remotes/{remote}/{base}", f"refs/heads/{base}"):
        proc = git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", cwd=root, check=False)
        if proc.returncode == 0:
            return proc.stdout.strip()
    raise InputError(f"{root}: base branch {base!r} not found locally or on {remote}")


def current_branch_or_none(root: Path) -> str | None:
    """The checked-out branch, or None when HEAD is detached."""
    proc = git("symbolic-ref", "--quiet", "--short", "HEAD", cwd=root, check=False)
    return proc.stdout.strip() if proc.returncode == 0 else None


def remote_branch_sha(root: Path, remote: str, branch: str) -> str | None:
    """The commit *branch* points at on *remote*, None when it has no such branch.

    Raises RunError when the remote cannot be read.
    """
    proc = git("ls-remote", "--heads", remote, f"refs/heads/{branch}", cwd=root, check=False, timeout=60)
    if proc.returncode != 0:
        detail = scrub_url_credentials((proc.stderr.strip().splitlines() or ["failed"])[-1])
        raise RunError(f"cannot read remote {remote!r}: {detail}")
    for line in proc.stdout.splitlines():
        sha, _, ref = line.partition("\t")
        if ref == f"refs/heads/{branch}":
            return sha
    return None


def fetch_commit(root: Path, remote: str, branch: str) -> None:
    """Fetch *branch* of *remote* into ``refs/echotune/remote/<branch>`` (so its tree can be compared)."""
    git("fetch", "--quiet", "--no-tags", remote, f"+refs/heads/{branch}:refs/echotune/remote/{branch}",
        cwd=root, timeout=120)


def tree_of(root: Path, commit: str) -> str:
    """The tree SHA of *commit*: equal trees mean equal content."""
    return git("rev-parse", f"{commit}^{{tree}}", cwd=root).stdout.strip()


@dataclass
class Worktree:
    """A detached worktree at *commit*, removed on exit."""

    root: Path
    commit: str
    path: Path | None = None

    def __enter__(self) -> Worktree:
        self._tmp = Path(tempfile.mkdtemp(prefix="echotune-propose-"))
        self.path = self._tmp / "wt"
        try:
            # No hooks: a post-checkout hook has no business in a throw-away worktree.
            git("-c", "core.hooksPath=/dev/null", "worktree", "add", "--quiet", "--detach", str(self.path),
                self.commit, cwd=self.root)
        except BaseException:
            shutil.rmtree(self._tmp, ignore_errors=True)
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        git("worktree", "remove", "--force", str(self.folder), cwd=self.root, check=False)
        git("worktree", "prune", cwd=self.root, check=False)
        shutil.rmtree(self._tmp, ignore_errors=True)

    @property
    def folder(self) -> Path:
        """The worktree's folder; RuntimeError outside the ``with`` block."""
        if self.path is None:
            raise RuntimeError("the worktree is used outside its with block")
        return self.path

    def apply(self, diff: str) -> None:
        """Apply *diff* to the worktree and the index (RunError when it does not apply)."""
        git("apply", "--index", "--recount", "--whitespace=nowarn", "-", cwd=self.folder, input=diff)

    def commit_all(self, message: str, author: str) -> str:
        """Commit the index as *author* ("Name <email>") without hooks or signing; returns the commit SHA."""
        name, _, email = author.partition("<")
        email = email.rstrip(">").strip()
        git("-c", f"user.name={name.strip()}", "-c", f"user.email={email}", "-c", "core.hooksPath=/dev/null",
            "-c", "commit.gpgsign=false", "commit", "--quiet", "--no-verify", "-F", "-", cwd=self.folder,
            input=message)
        return git("rev-parse", "HEAD", cwd=self.folder).stdout.strip()

    def push(self, remote: str, branch: str) -> None:
        """Force-push HEAD to *branch* of *remote*."""
        # The proposal branches belong to EchoTune: a re-run replaces them.
        git("push", "--quiet", "--force", remote, f"HEAD:refs/heads/{branch}", cwd=self.folder, timeout=300)


def run_command(command: str, cwd: Path, timeout: float) -> tuple[int, str]:
    """Run the project's own test command (from the config, never from a change) without secrets.

    It runs in its own process group so that a timeout ends the whole tree.
    """
    env = {k: v for k, v in os.environ.items() if k not in SECRET_VARIABLES}
    # A shell command by design: the user writes it in the config, like `serve.command`.
    proc = subprocess.Popen(command, shell=True, cwd=cwd, env=env, stdout=subprocess.PIPE,  # nosec B602
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        return 124, (out or "") + f"\n(timed out after {timeout:.0f}s)"
    return proc.returncode, out or ""
