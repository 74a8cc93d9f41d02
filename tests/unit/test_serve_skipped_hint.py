"""The "setup was skipped" hint goes with a start that lacks what setup installs, not with every one; a tool
only the toolkit's own environment has is named there."""

from __future__ import annotations

import sys

import pytest

from support.hostile import assert_one_line_error, cli

HINT = "setup was skipped because its inputs did not change: `run --force-setup` runs it again"
# A steady 404 on the ready URL: the app runs, so nothing setup installs is missing.
SERVES_404 = f"{sys.executable} -m http.server {{port}} --bind 127.0.0.1"
EXITS = f"{sys.executable} -c 'raise SystemExit(4)'"
# What an app whose dependencies are gone prints (a skipped setup may be why).
LACKS = "sh -c 'echo Error: Cannot find module express; exit 1'"


def _config(command: str) -> str:
    return (f'[serve]\nsetup = "true"\ncommand = "{command}"\nready_url = "http://127.0.0.1:{{port}}/no-such-page"\n'
            f'timeout = "20s"\n\n[run]\nphases = ["load"]\n')


@pytest.mark.parametrize(("command", "said", "hinted"), [
    (LACKS, "it printed: Error: Cannot find module express", True),
    # A program given by its path that setup would have made (the shell's 127; a reviewer's case).
    ("./.venv/bin/gunicorn app:app", "serve command exited with code 127 before", True),
    (EXITS, "serve command exited with code 4 before", False),  # e.g. a setting it lacks: no setup matter
    (SERVES_404, "answers HTTP 404", False),
])
def test_the_hint_only_when_the_app_exited(tmp_path, monkeypatch, capsys, command, said, hinted):
    for name in ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_ACTIONS", "ECHOTUNE_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "echotune.toml").write_text(_config(command))
    monkeypatch.chdir(tmp_path)
    code, _, err = cli(capsys, "run", "-o", "first")  # setup runs (and is stamped), the start fails
    assert_one_line_error(code, err, 3, said)
    assert HINT not in err
    code, _, err = cli(capsys, "run", "-o", "second")  # setup is skipped this time
    assert_one_line_error(code, err, 3, said)
    assert (HINT in err) is hinted


def test_a_tool_only_the_toolkits_environment_has_is_named_there(tmp_path, monkeypatch):
    """The README has users activate EchoTune CI's venv; a tool installed there (pipenv, uvicorn) was "not
    installed (not on PATH)" for the app's steps, though `which` found it: the app never gets that PATH."""
    from echotune_ci.errors import RunError
    from echotune_ci.serve import environment
    from echotune_ci.serve.steps import run_step

    toolkit = tmp_path / "toolkit"
    (toolkit / "bin").mkdir(parents=True)
    tool = toolkit / "bin" / "echotune-test-pipenv"
    tool.write_text("#!/bin/sh\nexit 0\n")
    tool.chmod(0o755)
    env = {"PATH": "/usr/bin:/bin"}
    with pytest.raises(RunError) as raised:
        run_step("setup", "echotune-test-pipenv install", tmp_path, env, 30)
    assert "`echotune-test-pipenv`, which is not installed (not on PATH); " in str(raised.value)
    monkeypatch.setattr(environment, "toolkit_prefix", lambda: toolkit)
    with pytest.raises(RunError) as raised:
        run_step("setup", "echotune-test-pipenv install", tmp_path, env, 30)
    assert str(raised.value) == (
        f"serve.setup needs `echotune-test-pipenv`, which only EchoTune CI's own environment has ({tool}), "
        f"where the app never runs; install it or fix the command (echotune-test-pipenv install)")


def test_a_tool_a_per_user_install_put_off_path_is_named_there(tmp_path, monkeypatch):
    """init suggests `python3 -m pip install --user uv`; pip puts it in ~/.local/bin, which a CI job's PATH
    lacks, and the next run said only "uv, which is not installed (not on PATH)"."""
    from echotune_ci.errors import RunError
    from echotune_ci.serve import environment
    from echotune_ci.serve.steps import run_step

    home = tmp_path / "home"
    (home / ".local" / "bin").mkdir(parents=True)
    tool = home / ".local" / "bin" / "echotune-test-uv"
    tool.write_text("#!/bin/sh\nexit 0\n")
    tool.chmod(0o755)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setattr(environment, "toolkit_prefix", lambda: tmp_path / "toolkit")
    with pytest.raises(RunError) as raised:
        run_step("setup", "echotune-test-uv sync", tmp_path, {"PATH": "/usr/bin:/bin"}, 30)
    assert str(raised.value) == (
        f"serve.setup needs `echotune-test-uv`, which is installed in ~/.local/bin ({tool}), a folder not on "
        f"PATH: add it (export PATH=\"$HOME/.local/bin:$PATH\"; on GitHub Actions, echo it to $GITHUB_PATH); "
        f"install it or fix the command (echotune-test-uv sync)")
