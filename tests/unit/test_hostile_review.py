"""A second, adversarial review of issue 13: inputs the first round did not try, one test per fault found.

Each test fails on the tree as issue 13 left it (hangs are bounded by subprocess timeouts or thread
joins, so a regression fails instead of blocking the suite) and passes with the fix.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import run_cli
from support.hostile import assert_one_line_error, cli, load_doc, write_doc

from echotune_ci.errors import ConfigError, RunError


def _results(folder: Path) -> Path:
    write_doc(folder / "load.json", load_doc())
    return folder


def sh(*args: str, cwd: Path) -> str:
    return subprocess.run(args, cwd=cwd, check=True, capture_output=True, text=True).stdout


# --------------------------------------------------------------------------- 1. inputs that never end


def test_a_fifo_in_a_results_folder_is_refused_at_once(tmp_path):
    """A named pipe called load.json (nobody writes to it) blocked `gate` for ever: now exit 2 at once."""
    folder = tmp_path / "results"
    folder.mkdir()
    os.mkfifo(folder / "load.json")
    proc = run_cli("gate", str(folder), timeout=30)
    assert_one_line_error(proc.returncode, proc.stderr, 2, "load.json", "not a regular file")


def test_a_fifo_as_config_file_is_refused_at_once(tmp_path):
    """`--config` naming a pipe blocked before any check; a device (/dev/zero) would be read without end."""
    results = _results(tmp_path / "results")
    os.mkfifo(tmp_path / "echotune.toml")
    proc = run_cli("gate", "--config", str(tmp_path / "echotune.toml"), str(results), timeout=30)
    assert_one_line_error(proc.returncode, proc.stderr, 2, "echotune.toml", "not a regular file")


def test_read_input_bytes_refuses_devices_and_oversized_files(tmp_path):
    from echotune_ci.fsutil import read_input_bytes, read_json

    with pytest.raises(OSError, match="not a regular file"):
        read_input_bytes("/dev/zero")
    big = tmp_path / "big.json"
    big.write_text("[" + "1," * 600 + "1]")
    with pytest.raises(OSError, match="larger than 1000 bytes"):
        read_input_bytes(big, limit=1000)
    assert read_input_bytes(big)[:3] == b"[1,"
    from echotune_ci.errors import InputError

    with pytest.raises(InputError, match="cannot read baseline"):
        read_json("/dev/zero", "baseline")


# --------------------------------------------------------------------------- 1. outputs that are not files


def test_output_through_a_link_to_a_device_writes_to_the_device_and_keeps_the_link(tmp_path, capsys):
    """`-o` naming a character device (here through a link to /dev/null, as `-o /dev/stdout` is) was
    replaced by a regular file: with `-o /dev/null` run as root, /dev/null itself became a file."""
    results = _results(tmp_path / "results")
    out = tmp_path / "out.md"
    out.symlink_to("/dev/null")
    code, _, err = cli(capsys, "report", str(results), "--output", str(out))
    assert code == 0, err
    assert out.is_symlink() and os.readlink(out) == "/dev/null"
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_output_into_a_fifo_is_written_through_it(tmp_path, capsys):
    """A named pipe as output (a reader waiting on the other end) gets the text; it stays a pipe."""
    results = _results(tmp_path / "results")
    fifo = tmp_path / "report.md"
    os.mkfifo(fifo)
    got: list[bytes] = []

    def reader() -> None:
        with open(fifo, "rb") as fh:
            got.append(fh.read())

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    code, _, err = cli(capsys, "report", str(results), "--output", str(fifo))
    thread.join(timeout=10)
    assert code == 0, err
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert got and b"load" in got[0]


def test_output_onto_a_folder_or_a_socket_is_a_one_line_error(tmp_path):
    from echotune_ci.fsutil import write_text_atomic

    folder = tmp_path / "dir"
    folder.mkdir()
    with pytest.raises(RunError, match="it is a folder"):
        write_text_atomic(folder, "x")
    import socket

    sock_path = tmp_path / "s.sock"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(sock_path))
        with pytest.raises(RunError, match="not a regular file"):
            write_text_atomic(sock_path, "x")
    assert stat.S_ISSOCK(os.lstat(sock_path).st_mode)


# --------------------------------------------------------------------------- 2. error lines


@pytest.mark.parametrize("name", ["a\n::error::pwned.json", "a\x1b]0;title\x07\x1b[2J\u202eb.json",
                                  "a\r##[error]x.json"])
def test_an_error_naming_a_hostile_file_stays_one_clean_line(tmp_path, capsys, name):
    """A fork's artifact may hold a file whose name carries a newline and a workflow command, or
    terminal escapes: the error naming it was printed raw (two lines, the second run by the runner)."""
    folder = tmp_path / "results"
    folder.mkdir()
    (folder / name).write_text("{", encoding="utf-8")
    code, _, err = cli(capsys, "gate", str(folder))
    assert_one_line_error(code, err, 2, "result file is not JSON")
    assert "\x1b" not in err and "\u202e" not in err and "\r" not in err
    assert not any(line.lstrip().startswith(("::", "##[")) for line in err.splitlines())


# --------------------------------------------------------------------------- 3. untrusted runs


def test_an_untrusted_run_has_its_warnings_withheld():
    """PhaseResult.warnings (new this round) is free text the comment shows above the details: a fork
    could put mentions and links there; it was forwarded in untrusted mode."""
    from echotune_ci.report.untrusted import restrict_untrusted
    from echotune_ci.results import PhaseResult

    result = PhaseResult(phase="load", warnings=["@octo/admins see [here](https://evil.example)", "x"])
    restricted = restrict_untrusted([result])[0]
    assert restricted.warnings == ["2 warning(s) withheld (untrusted run): see the gate's workflow run"]
    assert result.warnings[0].startswith("@octo")  # the original is untouched


# --------------------------------------------------------------------------- the research cache


def _cache_get(cache, key):  # type: ignore[no-untyped-def]
    box: list[object] = []
    thread = threading.Thread(target=lambda: box.append(cache.get(key)), daemon=True)
    thread.start()
    thread.join(timeout=10)
    assert box, "AnswerCache.get did not return (it waits on a pipe)"
    return box[0]


def test_a_poisoned_research_cache_is_ignored_or_cleaned(tmp_path):
    """A restored cache is untrusted input too: a pipe in place of an entry blocked research and
    propose; a NaN "stored_at" made an entry never expire; a cached citation skipped the URL check."""
    import json

    from echotune_ci.research.cache import AnswerCache
    from echotune_ci.research.providers import Answer, Citation

    clock = [1000.0]
    cache = AnswerCache(tmp_path, ttl_s=60, clock=lambda: clock[0])
    good = Answer("text", [Citation("https://ok.example/a", "ok"), Citation("https://ok.example/b", "b")])
    cache.put("aa" * 32, good, identity="p|m")
    path = tmp_path / "aa" / f"{'aa' * 32}.json"
    data = json.loads(path.read_text())
    data["answer"]["citations"][1]["url"] = "javascript:alert(1)"
    path.write_text(json.dumps(data))
    answer, _ = _cache_get(cache, "aa" * 32)
    assert [c.url for c in answer.citations] == ["https://ok.example/a"]

    data["stored_at"] = float("nan")
    path.write_text(json.dumps(data))
    assert _cache_get(cache, "aa" * 32) is None

    path.unlink()
    os.mkfifo(path)
    assert _cache_get(cache, "aa" * 32) is None
    deep = tmp_path / "bb" / f"{'bb' * 32}.json"
    deep.parent.mkdir()
    deep.write_text("[" * 100_000 + "]" * 100_000)
    assert _cache_get(cache, "bb" * 32) is None


# --------------------------------------------------------------------------- 7. the run lock


def test_a_lock_file_planted_as_a_link_is_refused_and_its_target_untouched(tmp_path):
    """`run` wrote its pid into .echotune-run.lock through a symbolic link a results folder carried,
    truncating whatever it pointed at (here a stand-in for .git/config)."""
    from echotune_ci.output_lock import LOCK_NAME, output_lock

    victim = tmp_path / "victim"
    victim.write_text("[core]\n\tbare = false\n")
    folder = tmp_path / "results"
    folder.mkdir()
    (folder / LOCK_NAME).symlink_to(victim)
    with pytest.raises(ConfigError, match="symbolic link"), output_lock(folder):
        pass
    assert victim.read_text() == "[core]\n\tbare = false\n"
    (folder / LOCK_NAME).unlink()
    os.mkfifo(folder / LOCK_NAME)
    with pytest.raises(ConfigError, match="not a regular file"), output_lock(folder):
        pass


# --------------------------------------------------------------------------- 4. secret names


@pytest.mark.parametrize("name", ["INPUT_GITHUB-TOKEN", "INPUT_API-KEY", "GITHUB_PAT", "GH_PAT",
                                  "INPUT_RESEARCH-API-KEY"])
def test_credential_names_with_dashes_or_pat_are_masked_and_kept_from_children(name):
    """The runner names an action input `github-token` INPUT_GITHUB-TOKEN: "-TOKEN" was not seen as a
    credential name, so its value was neither masked nor kept from the app."""
    from echotune_ci import masking
    from echotune_ci.serve.environment import child_environment

    masking.clear()
    try:
        env = {name: "s3cr3t-value-42", "PATH": "/usr/bin"}
        masking.register_environment(env)
        assert masking.mask("token=s3cr3t-value-42") == "token=***"
        assert child_environment(env) == {"PATH": "/usr/bin"}
    finally:
        masking.clear()
    assert not masking.is_secret_name("PATH") and not masking.is_secret_name("SORT_KEY")


# --------------------------------------------------------------------------- 4. propose's credentials


TOKEN = "ghs_HOSTILEREVIEWTOKEN0123456789"


def _repo_with_credentials(tmp_path: Path) -> tuple[Path, Path, str]:
    """A checkout with a bare remote, ordinary settings around the extraheader actions/checkout writes
    and an include; (repo, remote, header)."""
    import base64

    remote = tmp_path / "remote.git"
    sh("git", "init", "--quiet", "--bare", str(remote), cwd=tmp_path)
    repo = tmp_path / "repo"
    repo.mkdir()
    sh("git", "init", "--quiet", "-b", "main", cwd=repo)
    sh("git", "-c", "user.name=t", "-c", "user.email=t@e", "commit", "--quiet", "--allow-empty", "-m", "i",
       cwd=repo)
    sh("git", "remote", "add", "origin", str(remote), cwd=repo)
    sh("git", "push", "--quiet", "origin", "main", cwd=repo)
    header = "AUTHORIZATION: basic " + base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()
    (tmp_path / "extra.inc").write_text("[core]\n\tautocrlf = false\n")
    config = repo / ".git" / "config"
    config.write_text(config.read_text() + "# the checkout's credential\n"
                      f'[http "https://github.com/"]\n\textraheader = {header}\n'
                      f"[include]\n\tpath = {tmp_path / 'extra.inc'}\n[user]\n\tname = me\n")
    return repo, remote, header


def test_credentials_come_back_byte_for_byte(tmp_path):
    """Written back with `git config --add`, the entries moved to the end of .git/config (after an
    include, whose precedence then changed) and the file was not the user's any more."""
    from echotune_ci.propose.git import lifted_credentials

    repo, _, header = _repo_with_credentials(tmp_path)
    config = repo / ".git" / "config"
    before = config.read_bytes()
    with lifted_credentials(repo) as lifted:
        assert lifted == [("http.https://github.com/.extraheader", header)]
        assert b"extraheader" not in config.read_bytes()
    assert config.read_bytes() == before


def test_a_hook_in_the_shared_git_folder_never_sees_the_push_credentials(tmp_path):
    """The test command ran in a worktree sharing .git: it could write hooks/pre-push there (or set
    core.hooksPath), and the push that followed ran it with the lifted extraheader in its environment."""
    from echotune_ci.propose.git import Worktree, git, lifted_credentials

    repo, remote, header = _repo_with_credentials(tmp_path)
    stolen = tmp_path / "stolen"
    hooks = repo / ".git" / "hooks"
    for hook in ("pre-push", "reference-transaction", "post-checkout"):
        (hooks / hook).write_text(f"#!/bin/sh\nenv >> {stolen}\n")
        (hooks / hook).chmod(0o755)
    head = git("rev-parse", "HEAD", cwd=repo).stdout.strip()
    with lifted_credentials(repo), Worktree(repo, head) as wt:
        git("-c", "user.name=t", "-c", "user.email=t@e", "commit", "--quiet", "--allow-empty", "-m", "c",
            cwd=wt.folder)
        wt.push("origin", "echotune/x")
    assert sh("git", "rev-parse", "refs/heads/echotune/x", cwd=remote).strip()
    assert not stolen.exists() or header.split()[-1] not in stolen.read_text()
    assert not stolen.exists()


def test_a_config_changed_during_propose_gets_no_credentials(tmp_path):
    """A test command that set http.proxy + http.sslVerify=false (or a credential helper, or
    core.sshCommand) in the shared config had the next push send the token through it."""
    from echotune_ci.propose.git import lifted_credentials, remote_branch_sha

    repo, _, _ = _repo_with_credentials(tmp_path)
    with lifted_credentials(repo):
        assert remote_branch_sha(repo, "origin", "main")  # unchanged config: the remote is read
        sh("git", "config", "--local", "http.sslVerify", "false", cwd=repo)
        with pytest.raises(RunError, match="git configuration changed while propose ran"):
            remote_branch_sha(repo, "origin", "main")
    # Changed meanwhile: the entry is appended, the change made meanwhile is kept for the user to see.
    text = (repo / ".git" / "config").read_text()
    assert "sslverify = false" in text.lower() and text.count("extraheader") == 1


def test_the_test_clone_has_its_own_git_folder(tmp_path):
    """propose's test command runs in a clone: its `git rev-parse --git-common-dir` is not the user's .git,
    it has no remote and no credential, and what it writes there is thrown away."""
    from echotune_ci.propose.git import TestClone, git, lifted_credentials, run_command

    repo, _, header = _repo_with_credentials(tmp_path)
    head = git("rev-parse", "HEAD", cwd=repo).stdout.strip()
    with lifted_credentials(repo), TestClone(repo, head) as clone:
        code, out = run_command("cd \"$(git rev-parse --git-common-dir)\" && pwd -P; git remote; "
                                "git config --list --show-origin; git rev-parse HEAD;"
                                "mkdir -p hooks && echo x > hooks/pre-push", clone.folder, 30)
        folder = clone.folder
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0] == str((folder / ".git").resolve())
    assert head in lines and header.split()[-1] not in out and "origin" not in lines
    assert not (repo / ".git" / "hooks" / "pre-push").exists() and not folder.exists()


_SIGTERM_SCRIPT = """
import sys, time
from pathlib import Path
from echotune_ci import cli
from echotune_ci.propose.git import lifted_credentials
cli._sigterm_unwinds()
try:
    with lifted_credentials(Path(sys.argv[1])):
        print("lifted", flush=True)
        time.sleep(60)
except KeyboardInterrupt:
    sys.exit(143)
"""


def test_sigterm_during_propose_puts_the_credentials_back(tmp_path):
    """CI cancels with SIGTERM, whose default action ended the process where it stood: the lifted
    credentials (a developer's credential helper, say) were gone from .git/config for good."""
    repo, _, _ = _repo_with_credentials(tmp_path)
    config = repo / ".git" / "config"
    before = config.read_bytes()
    proc = subprocess.Popen([sys.executable, "-c", _SIGTERM_SCRIPT, str(repo)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "lifted", proc.stderr
        assert b"extraheader" not in config.read_bytes()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 143
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert config.read_bytes() == before


def test_the_cli_turns_sigterm_into_exit_143_with_one_line(tmp_path):
    """Any command, not only `run`: SIGTERM unwinds (finally blocks run) and ends with exit 143."""
    (tmp_path / "sleepy_cmd.py").write_text(
        "import time\nimport click\n@click.command(name='sleepy')\ndef command():\n"
        "    print('ready', flush=True)\n    try:\n        time.sleep(60)\n    finally:\n"
        "        print('cleaned', flush=True)\n")
    script = (f"import sys\nsys.path.insert(0, {str(tmp_path)!r})\nfrom echotune_ci import cli\n"
              "cli.COMMANDS['sleepy'] = ('sleepy_cmd', 'sleeps')\ncli.main(['sleepy'])\n")
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 143 and "cleaned" in out
    assert err.strip() == "echotune-ci: terminated"


@pytest.mark.parametrize("text, shown", [
    ("cannot reach http://user:secretpw123@127.0.0.1:9: ConnectionError",
     "cannot reach http://***@127.0.0.1:9: ConnectionError"),
    ("see https:\u200b//ci:hunter2\\_x@ghe.corp/api", "see https:\u200b//***@ghe.corp/api"),
    ("clone https://ghp_0123456789abcdefghij@github.com/o/r", "clone https://***@github.com/o/r"),
    ("mail a@example.org, https://h.example/x?to=a@b.c", "mail a@example.org, https://h.example/x?to=a@b.c"),
])
def test_url_credentials_are_masked_without_being_registered(text, shown):
    """`comment --api-url http://user:pw@ghe/` (a GitHub Enterprise behind basic auth) printed the password
    in every retry warning and in the error: only the research client scrubbed URLs. The masking layer
    now removes any URL's user information, also after markdown escaping broke the "://"."""
    from echotune_ci import masking

    assert masking.mask(text) == shown


_STAGED_SCRIPT = """
import os, signal, sys
from pathlib import Path
from echotune_ci import cli, fsutil
cli._sigterm_unwinds()
root = Path(sys.argv[1])
real_move = fsutil._move
def move(tmp, target):
    real_move(tmp, target)
    os.kill(os.getpid(), signal.SIGTERM)  # CI cancels right after the first file is in place
fsutil._move = move
try:
    with fsutil.staged(root):
        fsutil.write_text_atomic(root / "load.json", "{}")
        fsutil.write_text_atomic(root / "report.md", "r")
except KeyboardInterrupt:
    sys.exit(143)
"""


def test_a_cancel_while_staged_files_move_into_place_moves_them_all(tmp_path):
    """With SIGTERM unwinding, a cancel between two renames left load.json without its report: the
    renames of a staged block now finish first, then the cancel ends the command."""
    proc = subprocess.run([sys.executable, "-c", _STAGED_SCRIPT, str(tmp_path)], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 143, proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["load.json", "report.md"]


@pytest.mark.parametrize("args", [("load", "--host", "http://[::1"), ("load", "--host", "http://127.0.0.1:abc/"),
                                  ("frontend", "http://[::1")])
def test_a_url_no_parser_accepts_is_a_usage_error(capsys, args):
    """`load --host http://[::1` ended as "internal error: ValueError: Invalid IPv6 URL", exit 3 (the
    same from frontend, research --base-url, checks --api-url): the URL is the user's input, exit 2."""
    code, _, err = cli(capsys, *args)
    assert_one_line_error(code, err, 2, "not a valid URL")


def test_the_allow_list_reads_bracketed_ipv6_and_trailing_dots_as_hosts():
    """`allow_hosts = ["[::1]"]` was an fnmatch character class (it allowed the hosts ":" and "1", not
    ::1); `localhost.` is the host `localhost`; nothing else widens."""
    from echotune_ci.phases.load.plan import host_allowed

    assert host_allowed("http://[::1]:8000/", ["[::1]"])
    assert not host_allowed("http://1/", ["[::1]"])
    assert host_allowed("http://localhost.:8000/", ["localhost"])
    assert not host_allowed("http://127.0.0.1@evil.example/", ["127.0.0.1"])
    assert not host_allowed("http://[::1/", ["::1", "*"])
    assert not host_allowed("http://2130706433/", ["127.0.0.1"])


def test_variables_the_config_names_as_ours_reach_no_child():
    """Only `run`'s app got [research] api_key_env, [security.http.auth] password_env and
    [frontend.login] password_env dropped: the locust workers (which run a locustfile the pull request may
    have changed), the browser, npm and propose's test command inherited them under any name that does
    not look like a credential (RESEARCH_KEY, DEMO_PASS)."""
    from echotune_ci import masking
    from echotune_ci.config import parse_config
    from echotune_ci.phases.load.runner import child_environment as load_env_policy
    from echotune_ci.propose.git import test_environment

    cfg = parse_config({"research": {"api_key_env": "RESEARCH_KEY"},
                        "security": {"http": {"auth": {"password_env": "DEMO_PASS"}}}}, "", "test")
    base = {"RESEARCH_KEY": "rk-0123456789", "DEMO_PASS": "pw-0123456789", "PATH": "/usr/bin",
            "DJANGO_SECRET_KEY": "the-apps-own-key"}
    masking.clear()
    try:
        masking.register_config(cfg, base)
        for env in (load_env_policy(base), test_environment(base)):
            assert "RESEARCH_KEY" not in env and "DEMO_PASS" not in env
            assert env["PATH"] == "/usr/bin" and env["DJANGO_SECRET_KEY"] == "the-apps-own-key"
        assert masking.mask("rk-0123456789 pw-0123456789") == "*** ***"
    finally:
        masking.clear()
