"""The command line as a user meets it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import run_cli
from echotune_ci import __version__
from echotune_ci.cli import COMMANDS


def test_version_and_help(cli_env):
    v = run_cli("--version", env=cli_env)
    assert v.returncode == 0 and v.stdout.strip() == f"echotune-ci, version {__version__}"
    h = run_cli("--help", env=cli_env)
    assert h.returncode == 0
    for name in ("run", "report", "gate", "compare", "schema"):
        assert f"  {name} " in h.stdout


def test_every_command_has_help(cli_env):
    for name in COMMANDS:
        proc = run_cli(name, "--help", env=cli_env)
        if "No such command" in proc.stderr:
            continue  # registered for a later issue, not installed yet
        assert proc.returncode == 0, (name, proc.stderr)
        assert "Usage: echotune-ci " + name in proc.stdout


def test_help_imports_no_heavy_library():
    code = (
        "import sys\n"
        "from echotune_ci.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('playwright', 'locust', 'gevent', 'bandit', 'github', 'redis', 'psutil',"
        " 'jsonschema', 'httpx', 'pip_audit') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "HEAVY []" in out


def test_options_from_environment(tmp_path, cli_env):
    bad = tmp_path / "bad.toml"
    bad.write_text("[budgets]\nnope = 1\n")
    proc = run_cli("gate", str(tmp_path), env=dict(cli_env, ECHOTUNE_CONFIG=str(bad)))
    assert proc.returncode == 2 and "unknown key 'budgets.nope'" in proc.stderr
    from support.samples import load_result, noisy

    load_result(noisy(100, 4, 3, 1)).write(tmp_path / "r" / "load.json")
    r = str(tmp_path / "r")
    proc = run_cli("compare", r, r, env=dict(cli_env, ECHOTUNE_COMPARE_FORMAT="json"))
    assert proc.returncode == 0 and proc.stdout.lstrip().startswith("[")
    proc = run_cli("report", r, env=dict(cli_env, ECHOTUNE_REPORT_FORMAT="yaml"))
    assert proc.returncode == 2 and "'yaml' is not one of" in proc.stderr


def test_every_option_reads_the_variable_named_after_it(tmp_path, cli_env, monkeypatch):
    """The help says ECHOTUNE_<COMMAND>_<OPTION>; click named the variable after the parameter, so
    ECHOTUNE_RUN_PHASE (run --phase, parameter phases) and ECHOTUNE_HISTORY_ADD_FILE (--file, parameter
    history_file) were ignored without a word. Run as a user runs it, then checked for every option."""
    import click

    from echotune_ci.cli import cli
    from support.samples import load_result, noisy

    load_result(noisy(100, 4, 3, 1)).write(tmp_path / "r" / "load.json")
    history = tmp_path / "kept" / "history.json"
    env = dict(cli_env, ECHOTUNE_HISTORY_ADD_FILE=str(history))
    proc = run_cli("history", "add", "r", env=env, cwd=tmp_path)
    assert proc.returncode == 0 and history.is_file(), proc.stderr
    proc = run_cli("comment", "r", "--dry-run", env=dict(cli_env, ECHOTUNE_COMMENT_PR="x"), cwd=tmp_path)
    assert proc.returncode == 2 and "'x' is not a valid integer" in proc.stderr
    # An option's own variable is ambient in Actions (GITHUB_SHA in every job): the one named after the
    # option, which only the user sets, wins over it.
    env = dict(env, GITHUB_SHA="a" * 40, ECHOTUNE_HISTORY_ADD_REF="v1.2.3")
    proc = run_cli("history", "add", "r", env=env, cwd=tmp_path)
    assert proc.returncode == 0 and '"v1.2.3"' in history.read_text() and "a" * 40 not in history.read_text()

    def contexts(command: click.Command, parent: click.Context, name: str):
        ctx = click.Context(command, parent=parent, info_name=name)
        yield ctx
        for sub_name, sub in getattr(command, "commands", {}).items():
            yield from contexts(sub, ctx, sub_name)

    root = click.Context(cli, info_name="echotune-ci", auto_envvar_prefix="ECHOTUNE")
    checked = []
    for name in COMMANDS:
        command = cli.get_command(root, name)
        for ctx in contexts(command, root, name) if command else ():
            for param in ctx.command.params:
                longs = [o for o in param.opts if o.startswith("--")]
                if not isinstance(param, click.Option) or not longs or longs[0] in ("--help", "--version"):
                    continue
                variable = f"{ctx.auto_envvar_prefix}_{longs[0][2:].upper().replace('-', '_')}"
                for own in [param.envvar] if isinstance(param.envvar, str) else param.envvar or []:
                    monkeypatch.setenv(own, "ambient")  # ECHOTUNE_CONFIG, the runner's GITHUB_SHA
                monkeypatch.setenv(variable, "from-the-environment")
                assert param.resolve_envvar_value(ctx) == "from-the-environment", variable
                monkeypatch.delenv(variable)
                checked.append(variable)
    assert {"ECHOTUNE_RUN_PHASE", "ECHOTUNE_RUN_OUTPUT_DIR", "ECHOTUNE_HISTORY_SHOW_FORMAT",
            "ECHOTUNE_INIT_DIR", "ECHOTUNE_LOAD_ALLOW_HOST", "ECHOTUNE_RUN_CONFIG",
            "ECHOTUNE_HISTORY_ADD_REF", "ECHOTUNE_PROPOSE_REPO"} <= set(checked)


def test_unknown_command_and_option_exit_2(cli_env):
    assert run_cli("nonsense", env=cli_env).returncode == 2
    proc = run_cli("gate", "--no-such-flag", env=cli_env)
    assert proc.returncode == 2 and "No such option" in proc.stderr


@pytest.mark.parametrize(
    "args, expected",
    [
        (("load", "--duration", "0.1s"), "'--duration' / '-t': must be at least 0.5, got '0.1s'"),
        (("load", "--round-duration", "700s"), "'--round-duration': must be at most 600, got '700s'"),
        (("compare", "a", "b", "--alpha", "nan"), "'--alpha': 'nan' is not a finite number"),
        (("bundle", "x", "--max-growth", "inf"), "'--max-growth': 'inf' is not a finite number"),
        (("bundle", "x", "--max-total", "lots"), "'--max-total': expected a size like"),
    ],
)
def test_options_are_bounded_like_their_settings(cli_env, args, expected):
    proc = run_cli(*args, env=cli_env)
    assert proc.returncode == 2 and expected in proc.stderr, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("args", [("run", "-o", "out"), ("bundle",)])
def test_no_config_found_says_so_and_how_to_make_one(tmp_path, cli_env, args):
    """A newcomer's first command outside the project (or before `init`) was told "(defaults): no phases
    to run": the defaults' name, where the missing file is what to say."""
    (tmp_path / ".git").mkdir()  # the search for a config stops at the repository's root
    done = run_cli(*args, env=cli_env, cwd=tmp_path, timeout=60)
    assert done.returncode == 2, done.stderr
    assert "(defaults)" not in done.stderr
    assert f"no echotune.toml in {tmp_path} or above (`echotune-ci init` writes one): " in done.stderr
    assert done.stderr.count("\n") == 1
