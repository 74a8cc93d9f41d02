"""The ``echotune-ci`` command line: a click group of thin wrappers.

Sub-commands live in ``echotune_ci.commands`` and are imported only when
called, so ``echotune-ci --help`` stays quick whatever the phases import.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import signal
import sys
from types import FrameType
from typing import Any

import click
from click.core import ParameterSource

from . import __version__
from .console import set_verbosity
from .errors import EXIT_COULD_NOT_RUN, EXIT_USAGE, EchoTuneError, Terminated
from .phases.registry import PHASES

# name -> (module, one-line help). Help is listed here so that --help does not
# import every command module; the phases' commands come from the registry.
_BEFORE: dict[str, tuple[str, str]] = {
    "run": ("echotune_ci.commands.run", "Start the app, run the configured phases, report and gate."),
}
_AFTER: dict[str, tuple[str, str]] = {
    "report": ("echotune_ci.commands.report",
               "Render results as PR comment, job summary, annotations, SARIF or JSON."),
    "gate": ("echotune_ci.commands.gate", "Exit 0 when every budget holds, 1 when one breaks."),
    "compare": ("echotune_ci.commands.compare", "Compare head results with base results, with statistics."),
    "comment": ("echotune_ci.commands.comment", "Create or update the sticky PR comment."),
    "checks": ("echotune_ci.commands.checks", "Publish a check run per phase."),
    "research": ("echotune_ci.commands.research", "Ask a research API about best practice for this stack."),
    "propose": ("echotune_ci.commands.propose", "Turn fixes into pull requests, idempotently."),
    "history": ("echotune_ci.commands.history",
                "Keep a bounded history of results; trend charts and alerts."),
    "init": ("echotune_ci.commands.init", "Write echotune.toml and caller workflows into a repository."),
    "schema": ("echotune_ci.commands.schema", "Print the JSON Schema of result files."),
}
COMMANDS: dict[str, tuple[str, str]] = {
    **_BEFORE,
    **{p.name: (f"echotune_ci.commands.{p.name}", p.summary) for p in PHASES},
    **_AFTER,
}


def _available(name: str) -> bool:
    """Whether the command's module is installed (a trimmed install may leave some out)."""
    return importlib.util.find_spec(COMMANDS[name][0]) is not None


def _name_envvars(command: click.Command, prefix: str) -> None:
    """Let each option of *command* (and of its sub-commands) come from PREFIX_<OPTION>, the variable named
    after the option as the help says: click names it after the parameter, so ``--phase`` (parameter
    ``phases``) read ECHOTUNE_RUN_PHASES and ECHOTUNE_RUN_PHASE was ignored without a word. The
    parameter's name still works (click's own lookup comes after). An option's own envvar comes after
    PREFIX_<OPTION>: it is a general or ambient one (GITHUB_SHA for history add's --ref, GITHUB_REPOSITORY
    for propose's --repo, ECHOTUNE_CONFIG), set in every Actions job, and ECHOTUNE_HISTORY_ADD_REF or
    ECHOTUNE_RUN_CONFIG was ignored under it (or always, for --config, whose parameter is config_path)."""
    for param in command.params:
        longs = [o for o in param.opts if o.startswith("--")] if isinstance(param, click.Option) else []
        if not longs or param.name is None:
            continue
        named = f"{prefix}_{longs[0][2:].upper().replace('-', '_')}"
        own = [param.envvar] if isinstance(param.envvar, str) else list(param.envvar or [])
        if own and named not in own:
            param.envvar = [named, *own]
        elif not own and named != f"{prefix}_{param.name.upper()}":
            param.envvar = named
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            _name_envvars(sub, f"{prefix}_{name.upper().replace('-', '_')}")


class LazyGroup(click.Group):
    """A click group that imports a command's module only when that command runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Command names in help order."""
        return [name for name in COMMANDS if _available(name)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The click command of *cmd_name* (imports its module), or None when unknown."""
        if cmd_name not in COMMANDS or not _available(cmd_name):
            return None
        module = importlib.import_module(COMMANDS[cmd_name][0])
        command: click.Command = module.command
        if ctx.auto_envvar_prefix:
            _name_envvars(command, f"{ctx.auto_envvar_prefix}_{cmd_name.upper().replace('-', '_')}")
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The Commands section of --help, from the one-line summaries (no imports)."""
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="echotune-ci")
@click.option("-v", "--verbose", count=True, help="More detail (repeatable).")
@click.option("-q", "--quiet", count=True, help="Less output (repeatable).")
def cli(verbose: int, quiet: int) -> None:
    """EchoTune CI: research, propose, gate and report for web projects.

    To start: `echotune-ci init` in your repository writes echotune.toml for
    its stack (and the workflows), `echotune-ci run` sets the app up, starts
    it and runs the phases its [run] phases lists; README.md and docs/ say
    more.

    Every command reads options from ECHOTUNE_<COMMAND>_<OPTION> environment
    variables too (for example ECHOTUNE_RUN_OUTPUT_DIR), and the config file
    from ECHOTUNE_CONFIG. Exit codes: 0 gates pass, 1 a gate failed, 2 usage or
    configuration error, 3 a phase could not run.
    """
    set_verbosity(verbose - quiet)


def main(argv: list[str] | None = None) -> None:
    """The console script: run the CLI and turn every outcome into an exit code (never a traceback
    for a user's mistake: 2 usage/config/input, 3 could not run, 130 interrupted, 143 terminated)."""
    from . import masking

    # Before anything runs: every secret in the environment is masked on stdout and stderr.
    masking.install()
    previous = _sigterm_unwinds()
    try:
        rv = cli.main(args=argv, prog_name="echotune-ci", standalone_mode=False,
                      auto_envvar_prefix="ECHOTUNE")
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.Abort as exc:
        # click turns KeyboardInterrupt into Abort; SIGTERM (a cancelled CI job) keeps its own code.
        terminated = isinstance(exc.__cause__, Terminated)
        click.echo("echotune-ci: terminated" if terminated else "echotune-ci: aborted", err=True)
        sys.exit(143 if terminated else 130)
    except click.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx is not None else "echotune-ci"
        _error(f"{exc.format_message()}{_from_environment(exc)} (see '{where} --help')")
        sys.exit(EXIT_USAGE)
    except click.ClickException as exc:
        _error(exc.format_message())
        sys.exit(EXIT_USAGE)
    except EchoTuneError as exc:
        _error(str(exc))
        sys.exit(exc.exit_code)
    except Terminated:
        click.echo("echotune-ci: terminated", err=True)
        sys.exit(143)
    except KeyboardInterrupt:
        click.echo("echotune-ci: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # the last line of defence: exit 3 and one line, never a traceback
        if bad_url(exc):  # a URL from an option or the config that no URL parser accepts: the user's input
            _error(unexpected(exc))
            sys.exit(EXIT_USAGE)
        _error(unexpected(exc))
        sys.exit(EXIT_COULD_NOT_RUN)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    sys.exit(rv if isinstance(rv, int) else 0)


def _from_environment(exc: click.UsageError) -> str:
    """" (from ECHOTUNE_LOAD_USERS)" when the bad value of *exc* came from an environment variable, else
    "": "Invalid value for '--users'" sent a user who never typed --users (a variable set for the whole
    CI job, or left in the shell) looking through the command line."""
    param = getattr(exc, "param", None)
    ctx = exc.ctx
    if not isinstance(param, click.Option) or ctx is None or param.name is None:
        return ""
    if ctx.get_parameter_source(param.name) is not ParameterSource.ENVIRONMENT:
        return ""
    # The names in click's order of lookup: the option's own variables, then the parameter's automatic one.
    names = [param.envvar] if isinstance(param.envvar, str) else list(param.envvar or [])
    if param.allow_from_autoenv and ctx.auto_envvar_prefix:
        names.append(f"{ctx.auto_envvar_prefix}_{param.name.upper()}")
    found = next((name for name in names if os.environ.get(name)), None)
    return f" (from {found})" if found else ""


def _sigterm_unwinds() -> Any:
    """Make SIGTERM (how CI cancels a job) raise :class:`Terminated` in every command, as Ctrl-C raises
    KeyboardInterrupt: ``finally`` blocks then run (staged output is discarded, propose puts the
    credentials it lifted back into .git/config, locks are released) instead of the process dying
    where it stands. Returns the previous handler, None outside the main thread."""
    def handler(signum: int, frame: FrameType | None) -> None:
        raise Terminated

    try:
        return signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: Python runs handlers in the main thread only
        return None


def _error(message: str) -> None:
    """Print the one ``echotune-ci: error: ...`` line. Messages quote file names, keys and values that
    may hold newlines, escape sequences or bidi overrides (a result file named ``a\n::error::x.json``
    in a fork's artifact): they are flattened to one clean line, so the error stays one line and no
    part of it becomes a workflow command or moves the terminal's cursor."""
    from .report.escape import clean_text

    click.echo(f"echotune-ci: error: {' '.join(clean_text(message).split())}", err=True)


_URL_ERRORS = ("Invalid IPv6 URL", "Port out of range", "Port could not be cast", "Invalid port")


def bad_url(exc: BaseException) -> bool:
    """Whether *exc* is a URL parser refusing a URL (urllib's ``Invalid IPv6 URL`` or port errors,
    httpx's and http.client's ``InvalidURL``): the URLs come from options and the configuration,
    so this is a usage error (exit 2), whichever code first parsed the URL."""
    if type(exc).__name__ == "InvalidURL":
        return True
    return isinstance(exc, ValueError) and str(exc).startswith(_URL_ERRORS)


def unexpected(exc: BaseException) -> str:
    """One line for an exception nobody mapped to ConfigError/InputError/RunError: the file and
    reason of an OSError ("cannot write results/x.json: No space left on device"), else "internal
    error: <type>: <message>". With -v the traceback goes to stderr first, for a bug report."""
    import traceback

    from .console import debug

    debug("".join(traceback.format_exception(exc)).rstrip())
    if isinstance(exc, OSError):
        where = exc.filename if exc.filename is not None else ""
        reason = exc.strerror or type(exc).__name__
        return f"{where}: {reason}" if where else f"{reason} ({type(exc).__name__})"
    if isinstance(exc, RecursionError):
        return "input nested too deeply to process (RecursionError)"
    if isinstance(exc, MemoryError):
        return "out of memory"
    if bad_url(exc):
        reason = " ".join(str(exc).split())[:200]
        return f"not a valid URL ({reason}): check the URLs given as options and in the configuration"
    text = " ".join(str(exc).split())
    if len(text) > 200:
        text = text[:199] + "…"
    name = type(exc).__name__
    return f"internal error: {name}: {text}" if text else f"internal error: {name}"


if __name__ == "__main__":  # pragma: no cover
    main()
