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
    # Where a newcomer starts, which the list of seventeen commands did not say.
    said = " ".join(h.stdout.split())
    assert "To start: `echotune-ci init` in your repository writes echotune.toml" in said


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


def test_a_bad_value_from_the_environment_names_its_variable(tmp_path, cli_env):
    """"Invalid value for '--users'" sent a user who never typed --users (a variable the CI job sets for
    every step, or one left in the shell) looking through the command line: the line names the variable,
    and only when the value came from one."""
    cfg = tmp_path / "echotune.toml"
    cfg.write_text('[run]\nphases = ["bundle"]\n')
    cases = [
        (("load", "--host", "http://127.0.0.1:9"), "ECHOTUNE_LOAD_USERS", "many",
         "Invalid value for '--users' / '-u': 'many' is not a valid integer range. "
         "(from ECHOTUNE_LOAD_USERS) (see 'echotune-ci load --help')"),
        (("load", "--host", "http://127.0.0.1:9"), "ECHOTUNE_LOAD_DURATION", "ten",
         "got 'ten' (from ECHOTUNE_LOAD_DURATION) (see"),
        # A repeatable option's values are split on spaces: the wrong one of two is named.
        (("run", "--config", str(cfg), "-o", str(tmp_path / "out")), "ECHOTUNE_RUN_PHASE", "bundle speed",
         "Invalid value for '--phase': 'speed' is not one of 'security', 'load', 'frontend', 'bundle', "
         "'api', 'deploy'. (from ECHOTUNE_RUN_PHASE)"),
        # An option's own variable, which click looks up before the one named after the option.
        (("gate", str(tmp_path)), "ECHOTUNE_CONFIG", str(tmp_path), "is a directory. (from ECHOTUNE_CONFIG)"),
        # a stale one: main said "/…/gone.toml: configuration file not found", no variable named
        (("run", "-o", str(tmp_path / "out")), "ECHOTUNE_CONFIG", str(tmp_path / "gone.toml"),
         f"Invalid value for '--config': {tmp_path / 'gone.toml'}: no such file (from ECHOTUNE_CONFIG)"),
        (("bundle",), "ECHOTUNE_BUNDLE_CONFIG", str(tmp_path / "gone.toml"),
         "no such file (from ECHOTUNE_BUNDLE_CONFIG)"),
    ]
    for args, variable, value, expected in cases:
        proc = run_cli(*args, env=dict(cli_env, **{variable: value}), cwd=tmp_path)
        assert proc.returncode == 2 and expected in proc.stderr, (variable, proc.stderr)
        assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    # Given on the command line, the same mistake names no variable.
    proc = run_cli("load", "--host", "http://127.0.0.1:9", "--users", "many", env=cli_env, cwd=tmp_path)
    assert proc.returncode == 2 and "'many' is not a valid integer range. (see" in proc.stderr, proc.stderr
    assert "(from" not in proc.stderr


def test_help_names_the_phases_and_the_configured_defaults(cli_env):
    """`run --help` said "--phase TEXT" and `load --help` "Concurrent users." with no number: the options
    default to "as configured", so click showed nothing. The defaults below are those docs/load.md and
    docs/api.md give."""
    def help_text(*command: str) -> str:
        proc = run_cli(*command, "--help", env=cli_env)
        assert proc.returncode == 0, proc.stderr
        return " ".join(proc.stdout.split())

    assert "--phase [security|load|frontend|bundle|api|deploy] Run only this phase" in help_text("run")
    load = help_text("load")
    for expected in ("Concurrent users (default: [load] users, 20).",
                     "Users started per second (default: [load] spawn_rate, 20).",
                     "How long, e.g. 10s, 2m (default: [load] duration, 10s).",
                     "Rounds per build with --base-host (default: [load.compare] rounds, 5).",
                     "e.g. 5s (default: [load.compare] round_duration, 5s)."):
        assert expected in load, expected
    api = help_text("api")
    assert "Generated requests per operation (at most) (default: [api] max_examples, 20)." in api
    assert "Time cap of the contract test, e.g. 25s (default: [api] max_time, 25s)." in api
    # A help that names its default already is left as written.
    assert "(default: [frontend] runs, 3). [1<=x<=20]" in help_text("frontend")
    assert "security_fail_on, high)." in help_text("security")
