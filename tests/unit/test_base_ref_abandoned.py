"""A run killed with SIGKILL (the runner's last word on a cancelled job, the out-of-memory killer) cannot
remove the base's checkout: it stayed in the temporary folder and in `git worktree list`, one more per
killed run on a self-hosted runner. The next `run --base-ref` in the repository removes those whose run no
longer runs, and nothing it cannot vouch for."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from echotune_ci.baseref import checkout
from echotune_ci.baseref.checkout import OWNER_FILE, worktree


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout


def listed(repo: Path) -> list[str]:
    lines = git(repo, "worktree", "list", "--porcelain").splitlines()
    return [line.removeprefix("worktree ") for line in lines if line.startswith("worktree ")]


def committed(tmp_path: Path, files: dict[str, str]) -> tuple[Path, subprocess.Popen[bytes]]:
    """A repository of one commit of *files*, and a process that has exited (a pid that no longer runs)."""
    repo = tmp_path / "repo"
    repo.mkdir()
    for name, text in files.items():
        (repo / name).write_text(text)
    git(repo, "init", "--quiet", "--initial-branch=main")
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "-m", "one")
    gone = subprocess.Popen(["true"])
    gone.wait()
    return repo, gone


def test_checkouts_of_killed_runs_are_removed_and_no_other(tmp_path: Path, capsys) -> None:
    repo, gone = committed(tmp_path, {"app.py": "print('app')\n"})
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


def test_what_a_killed_runs_base_left_running_is_stopped_and_nothing_else(tmp_path: Path) -> None:
    """The base's build of a run killed with SIGKILL went on working in the checkout that the next run
    removed under it (its own process group, so the kill did not reach it). The next run stops the
    processes working in such a checkout, one that ignores SIGTERM too, and none working elsewhere."""
    repo, gone = committed(tmp_path, {"build.sh": "sleep 60\n"})
    killed = tmp_path / "echotune-base-killed"
    git(repo, "worktree", "add", "--quiet", "--detach", str(killed / "base"), "HEAD")
    (killed / OWNER_FILE).write_text(f"{gone.pid} 123 {socket.gethostname()}\n")
    (killed / "base" / "dist").mkdir()
    stubborn = ("import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
                "print('up', flush=True); time.sleep(60)")
    left = [subprocess.Popen(["sh", "build.sh"], cwd=killed / "base", start_new_session=True),
            subprocess.Popen(["python3", "-c", stubborn], cwd=killed / "base" / "dist",
                             start_new_session=True, stdout=subprocess.PIPE)]
    assert left[1].stdout is not None and left[1].stdout.readline() == b"up\n"  # its SIGTERM handler is set
    mine = subprocess.Popen(["sleep", "60"], cwd=repo)  # the user's own, beside the checkout
    try:
        assert checkout.remove_abandoned(repo) == [str(killed)]
        assert [p.wait(timeout=10) for p in left] == [-15, -9]
        assert mine.poll() is None and not killed.exists()
    finally:
        for p in [*left, mine]:
            p.kill()
            p.wait()


def test_the_heads_app_a_killed_run_left_is_stopped_with_its_group(tmp_path: Path, capsys) -> None:
    """microblog's `run --base-ref`, SIGKILLed while it measured: the next run removed the base's checkout
    and stopped the base's app working in it, while the head's app (`flask run`, its own session, its
    folder the head's checkout) went on holding its port. The run writes it down beside the base's
    checkout; the next run stops that process and its group, and not a process that got its pid since
    (another start time)."""
    from echotune_ci.baseref.checkout import HEAD_APP_FILE, BaseSource, record_head_app

    repo, killed = _killed_checkout(tmp_path)
    # the head's app: a shell in a session of its own, with a child in its group (gunicorn's worker)
    app = subprocess.Popen(["sh", "-c", "sleep 60 & echo up; wait"], cwd=repo, start_new_session=True,
                           stdout=subprocess.PIPE)
    assert app.stdout is not None and app.stdout.readline() == b"up\n"
    worker = [int(p) for p in Path(f"/proc/{app.pid}/task/{app.pid}/children").read_text().split()]
    record_head_app(BaseSource(killed / "base", "HEAD", "0" * 40), app.pid)
    assert (killed / HEAD_APP_FILE).read_text() == f"{app.pid} {checkout._start_time(app.pid)}\n"
    record_head_app(BaseSource(tmp_path / "prepared", "", ""), app.pid)  # --base-dir: nothing written
    assert not (tmp_path / HEAD_APP_FILE).exists()
    (tmp_path / "second").mkdir()
    other, other_killed = _killed_checkout(tmp_path / "second")
    reused = subprocess.Popen(["sleep", "60"], start_new_session=True)  # the pid, given again
    (other_killed / HEAD_APP_FILE).write_text(f"{reused.pid} 1\n")
    try:
        assert checkout.remove_abandoned(repo) == [str(killed)]
        assert app.wait(timeout=10) == -15
        assert len(worker) == 1 and not checkout._alive(worker[0])
        assert "stopped the head's app (pid" in capsys.readouterr().err
        assert checkout.remove_abandoned(other) == [str(other_killed)]
        assert reused.poll() is None
    finally:
        for proc in (app, reused):
            proc.kill()
            proc.wait()
        for pid in worker:
            with contextlib.suppress(OSError):
                os.kill(pid, 9)


def _killed_checkout(tmp_path: Path) -> tuple[Path, Path]:
    """A repository and the folder of a killed run's base checkout of it (its owner no longer runs)."""
    repo, gone = committed(tmp_path, {"app.py": "print('app')\n"})
    killed = tmp_path / "echotune-base-killed"
    git(repo, "worktree", "add", "--quiet", "--detach", str(killed / "base"), "HEAD")
    (killed / OWNER_FILE).write_text(f"{gone.pid} 123 {socket.gethostname()}\n")
    return repo, killed


def _runs_in(pid: int, program: str, folder: Path) -> bool:
    """Whether process *pid* runs *program* (its argv[0]) with *folder* as its working directory."""
    try:
        argv0 = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
        return argv0 == program.encode() and Path(os.readlink(f"/proc/{pid}/cwd")) == folder.resolve()
    except OSError:
        return False


def test_a_checkout_someone_works_in_is_left_with_its_processes(tmp_path: Path, monkeypatch) -> None:
    """Someone who opened a shell in the killed run's checkout (to see why its base failed), or ran
    echotune-ci from there: the shell running it was killed (SIGTERM, then SIGKILL) and the folder
    removed under it, the head's checkout itself when it was the one measured. A process with a
    terminal, this run and the processes it runs under, and the head's checkout are no killed run's."""
    import pty

    repo, killed = _killed_checkout(tmp_path)
    # a shell opened there: a session of its own whose controlling terminal is a pty
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child only
        os.chdir(killed / "base")
        os.execvp("sleep", ["sleep", "60"])
    try:
        # the shell is there once it runs `sleep` in the checkout; asked before, it was still where the fork
        # left it (a busy CI runner got there first, and the checkout was rightly removed)
        deadline = time.monotonic() + 30
        while not _runs_in(pid, "sleep", killed / "base"):
            assert time.monotonic() < deadline, "the shell never got to the checkout"
            time.sleep(0.02)
        assert checkout.remove_abandoned(repo) == []
        assert os.waitpid(pid, os.WNOHANG) == (0, 0) and killed.exists()
    finally:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        os.close(fd)
    # the head measured is that checkout (echotune-ci run from inside it)
    assert checkout.remove_abandoned(killed / "base") == [] and killed.exists()
    # this run started from inside it, with its app's build working there too (no terminal): nothing stopped
    build = subprocess.Popen(["sleep", "60"], cwd=killed / "base", start_new_session=True)
    try:
        monkeypatch.chdir(killed / "base")
        assert checkout.remove_abandoned(repo) == [] and build.poll() is None
        # the shell that started this run is there, this run elsewhere: the shell lives and says so
        monkeypatch.chdir(tmp_path)
        code = ("import os, sys; from pathlib import Path; os.chdir('/'); "
                "from echotune_ci.baseref.checkout import remove_abandoned; "
                "print(remove_abandoned(Path(sys.argv[1])), flush=True)")
        env = {**os.environ, "PYTHONPATH": str(Path(checkout.__file__).parents[2])}
        script = f'"{sys.executable}" -c "{code}" "$0"; echo shell lives'
        shell = subprocess.run(["sh", "-c", script, str(repo)], cwd=killed / "base", start_new_session=True,
                               capture_output=True, text=True, timeout=60, env=env)
        assert (shell.stdout, shell.returncode) == ("[]\nshell lives\n", 0), shell.stderr
        assert build.poll() is None and killed.exists()
        # once nobody but what the killed run left works there, it is stopped and the folder removed
        assert checkout.remove_abandoned(repo) == [str(killed)]
        assert build.wait(timeout=10) == -15 and not killed.exists()
    finally:
        build.kill()
        build.wait()


def test_a_killed_runs_checkout_with_its_git_folder_linked_is_removed_too(tmp_path: Path) -> None:
    # Since the base's .git is a link to its worktree's git folder (checkout._git_folder), a killed run
    # leaves that link, which `git worktree remove` refuses ("'.../.git' is not a .git file"): the file is
    # put back first, and the repository keeps no record of the checkout.
    repo, gone = committed(tmp_path, {"app.py": "print('app')\n"})
    where = tmp_path / "echotune-base-killed" / "base"
    git(repo, "worktree", "add", "--quiet", "--detach", str(where), "HEAD")
    checkout._git_folder(where)
    assert (where / ".git").is_symlink() and (where / ".git" / "config").is_file()
    (where.parent / OWNER_FILE).write_text(f"{gone.pid} 123 {socket.gethostname()}\n")
    assert checkout.remove_abandoned(repo) == [str(where.parent)]
    assert not where.parent.exists()
    assert listed(repo) == [str(repo)]
    assert not (repo / ".git" / "worktrees").exists() or not any((repo / ".git" / "worktrees").iterdir())
    # what the file is put back for: git's own removal of a checkout whose .git is the link
    other = tmp_path / "other" / "base"
    git(repo, "worktree", "add", "--quiet", "--detach", str(other), "HEAD")
    checkout._git_folder(other)
    refused = subprocess.run(["git", "-C", str(repo), "worktree", "remove", "--force", "--force", str(other)],
                             capture_output=True, text=True)
    assert refused.returncode != 0 and "is not a .git file" in refused.stderr
    checkout._git_file(other)
    git(repo, "worktree", "remove", "--force", "--force", str(other))
    assert listed(repo) == [str(repo)] and not other.exists()


def test_the_heads_app_a_killed_run_left_is_stopped_before_the_next_runs_head_is_built(tmp_path: Path,
                                                                                       capsys) -> None:
    """The next run stopped a killed run's head app only once it made the base's checkout, after the head's
    setup and build: those rewrote the folder the old app still served from (its SQLite database, its
    build output). The head's build here writes down whether that app still ran while it built."""
    from echotune_ci.baseref.checkout import BaseSource, record_head_app
    from support.hostile import cli

    repo, killed = _killed_checkout(tmp_path)
    # (a zombie is stopped: the test, its parent, reaps it only at the end; a killed run's parent was gone)
    (repo / "build.sh").write_text('mkdir -p dist && echo x > dist/app.js\n'
                                   'case "$(ps -o stat= -p "$(cat ../old.pid)")" in\n'
                                   '  ""|Z*) echo stopped ;;\n  *) echo running ;;\n'
                                   'esac >> "../saw-$(basename "$PWD")"\n')
    (repo / "echotune.toml").write_text('[serve]\nbuild = "sh build.sh"\ncommand = "true"\n\n'
                                        '[bundle]\nglobs = ["dist/*.js"]\n')
    (repo / ".gitignore").write_text("dist/\nresults/\n")
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "-m", "config")
    app = subprocess.Popen(["sleep", "60"], cwd=repo, start_new_session=True)
    try:
        (tmp_path / "old.pid").write_text(str(app.pid))
        record_head_app(BaseSource(killed / "base", "HEAD", "0" * 40), app.pid)
        code, _out, err = cli(capsys, "run", "--config", str(repo / "echotune.toml"), "--base-ref", "HEAD",
                              "--phase", "bundle", "--output-dir", str(repo / "results"))
        assert code == 0, err
        assert (tmp_path / "saw-repo").read_text() == "stopped\n", err  # the head's build, in the repository
        assert app.wait(timeout=10) == -15
        assert not killed.exists()
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
