"""A run killed with SIGKILL (the runner's last word on a cancelled job, the out-of-memory killer) cannot
remove the base's checkout: it stayed in the temporary folder and in `git worktree list`, one more per
killed run on a self-hosted runner. The next `run --base-ref` in the repository removes those whose run no
longer runs, and nothing it cannot vouch for."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

from echotune_ci.baseref import checkout
from echotune_ci.baseref.checkout import OWNER_FILE, worktree


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout


def listed(repo: Path) -> list[str]:
    lines = git(repo, "worktree", "list", "--porcelain").splitlines()
    return [line.removeprefix("worktree ") for line in lines if line.startswith("worktree ")]


def test_checkouts_of_killed_runs_are_removed_and_no_other(tmp_path: Path, capsys) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "app.py").write_text("print('app')\n")
    git(repo, "init", "--quiet", "--initial-branch=main")
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "-m", "one")
    gone = subprocess.Popen(["true"])
    gone.wait()  # a pid that no longer runs
    host = socket.gethostname()
    me = f"{os.getpid()} {checkout._start_time(os.getpid())} {host}"
    owners = {
        "echotune-base-killed": f"{gone.pid} 123 {host}",
        "echotune-base-reused": f"{os.getpid()} 1 {host}",  # its pid now runs another process
        "echotune-base-alive": me,  # a run going on beside this one
        "echotune-base-elsewhere": f"{gone.pid} 123 another-host",  # a container with its own pids
        "echotune-base-unowned": None,  # made by a version that wrote no owner file
        "someone-else": f"{gone.pid} 123 {host}",  # not a folder of ours
    }
    for name, owner in owners.items():
        git(repo, "worktree", "add", "--quiet", "--detach", str(tmp_path / name / "base"), "HEAD")
        if owner is not None:
            (tmp_path / name / OWNER_FILE).write_text(owner + "\n")
    with worktree(repo, "HEAD") as source:
        mine = source.root.parent
        assert (mine / OWNER_FILE).read_text().split()[0] == str(os.getpid())
        kept = {Path(p).parent.name for p in listed(repo)[1:]}
    assert kept == {"echotune-base-alive", "echotune-base-elsewhere", "echotune-base-unowned", "someone-else",
                    mine.name}
    for name in ("echotune-base-killed", "echotune-base-reused"):
        assert not (tmp_path / name).exists()
    assert "killed before it could remove it" in capsys.readouterr().err
    assert not mine.exists() and len(listed(repo)) == 5
