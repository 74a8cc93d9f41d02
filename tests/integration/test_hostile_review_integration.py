"""propose end to end against a change whose test command attacks the push credential the way the
second review found possible: through the repository's shared .git (hooks, config), not by reading it.

The project, the fake GitHub and the bare remote are those of tests/integration/test_propose.py and
test_secrets_never_leave.py; the test command is the attacker's (a change may rewrite the tests it runs).
"""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli
from support.fake_github import FakeGitHub
from support.fake_github_pulls import attach_git
from test_propose import make_project, security_results, sh
from test_secrets_never_leave import SECRETS, TOKEN, extraheader, leaks, secret_env

# Plants a pre-push and a reference-transaction hook in whatever .git the test command can find the way
# any script would (git rev-parse), and records where that was.
PLANT_HOOKS = '''
import os, subprocess, sys
common = subprocess.run(["git", "rev-parse", "--path-format=absolute", "--git-common-dir"],
                        capture_output=True, text=True).stdout.strip()
stolen = sys.argv[1]
for hook in ("pre-push", "reference-transaction"):
    path = os.path.join(common, "hooks", hook)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as fh:
        fh.write("#!/bin/sh\\nenv >> " + stolen + "\\n")
    os.chmod(path, 0o755)
with open(sys.argv[2], "w") as fh:
    fh.write(common)
'''

# Knows where the user's checkout is (a determined attacker finds it) and points its push at a proxy
# with TLS checks off: the next push would hand the token to whoever listens there.
TAMPER_CONFIG = '''
import subprocess, sys
for key, value in (("http.sslVerify", "false"), ("http.proxy", "http://127.0.0.1:9")):
    subprocess.run(["git", "-C", sys.argv[1], "config", "--local", key, value], check=True)
'''


def _project(tmp_path: Path, script: str, args: str) -> tuple[Path, Path]:
    repo, bare = make_project(tmp_path, gates="[]")
    (repo / "attack.py").write_text(script)
    toml = (repo / "echotune.toml").read_text().replace('test_command = "python check.py"',
                                                         f'test_command = "python attack.py {args}"')
    (repo / "echotune.toml").write_text(toml)
    sh("git", "add", "-A", cwd=repo)
    sh("git", "-c", "user.name=T", "-c", "user.email=t@example.org", "commit", "--quiet", "-m", "attack",
       cwd=repo)
    sh("git", "push", "--quiet", "origin", "main", cwd=repo)
    sh("git", "config", "--local", "http.https://github.com/.extraheader", extraheader(TOKEN), cwd=repo)
    return repo, bare


def _propose(tmp_path: Path, repo: Path, bare: Path, cli_env: dict[str, str]):  # type: ignore[no-untyped-def]
    env = {k: v for k, v in secret_env(cli_env, tmp_path).items()
           if k not in ("GITHUB_REPOSITORY", "MUSICAPP_DEMO_PASSWORD")}
    results = security_results(repo, env)
    with FakeGitHub() as github:
        github.add_token(TOKEN, login="echotune-bot")
        github.add_repo("octo/app")
        attach_git(github, "octo/app", bare)
        proc = run_cli("propose", "--results", str(results), "--repo", "octo/app", "--api-url", github.url,
                       "--output", str(tmp_path / "propose.json"), env=env, cwd=repo)
        pulls = list(github.repo("octo/app").pulls)
    return proc, pulls


def test_hooks_planted_by_a_changes_tests_never_run_with_the_push_credential(tmp_path, cli_env):
    repo, bare = _project(tmp_path, PLANT_HOOKS, f"{tmp_path / 'stolen'} {tmp_path / 'where'}")
    config_before = (repo / ".git" / "config").read_bytes()
    proc, pulls = _propose(tmp_path, repo, bare, cli_env)
    assert proc.returncode == 0, proc.stderr
    assert pulls == [1], json.loads((tmp_path / "propose.json").read_text())["notes"]
    # The tests ran (they planted their hooks) in a clone of their own, not in the user's .git ...
    planted_in = Path((tmp_path / "where").read_text())
    assert planted_in.parts[-1] == ".git" and not planted_in.is_relative_to(repo)
    assert not (repo / ".git" / "hooks" / "pre-push").exists()
    # ... no hook ran during the push, and the user's config is as actions/checkout left it.
    stolen = tmp_path / "stolen"
    assert not stolen.exists() or leaks("hook", stolen.read_text(), [TOKEN]) == []
    assert not stolen.exists()
    assert (repo / ".git" / "config").read_bytes() == config_before
    assert leaks("stderr", proc.stderr, SECRETS.values()) == []


def test_a_config_changed_by_a_changes_tests_gets_no_push(tmp_path, cli_env):
    repo, bare = _project(tmp_path, TAMPER_CONFIG, str(tmp_path / "app"))  # make_project's checkout
    proc, pulls = _propose(tmp_path, repo, bare, cli_env)
    assert proc.returncode == 3, proc.stderr
    error = proc.stderr.strip().splitlines()[-1]
    assert "git configuration changed while propose ran" in error and "Traceback" not in proc.stderr
    assert pulls == []
    assert sh("git", "for-each-ref", "refs/heads/echotune", cwd=bare).strip() == ""  # nothing pushed
    # The credential is back (appended: the file changed meanwhile), the tampering left for the user to see.
    assert sh("git", "config", "--local", "--get", "http.https://github.com/.extraheader", cwd=repo).strip() \
        == extraheader(TOKEN)
    assert sh("git", "config", "--local", "--get", "http.proxy", cwd=repo).strip() == "http://127.0.0.1:9"
    assert leaks("stderr", proc.stderr, SECRETS.values()) == []
