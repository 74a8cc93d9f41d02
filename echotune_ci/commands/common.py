"""Options and endings shared by the sub-commands (no phase logic here)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..config import Config, load_config
from ..errors import EXIT_COULD_NOT_RUN, EXIT_GATE_FAILED, EXIT_OK
from ..results import PhaseResult

EXIT_BY_STATUS = {"pass": EXIT_OK, "warn": EXIT_OK, "fail": EXIT_GATE_FAILED, "error": EXIT_COULD_NOT_RUN}

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def _config_from_environment(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    """*value*, refused as click's usage error (which names the variable) when it came from an environment
    variable and names no file: a stale ECHOTUNE_CONFIG said "/old/echotune.toml: configuration file not
    found" to a user who gave no --config. From the command line the configuration's own check says it."""
    from click.core import ParameterSource

    if value is not None and param.name is not None and not value.exists() \
            and ctx.get_parameter_source(param.name) is ParameterSource.ENVIRONMENT:
        raise click.BadParameter(f"{value}: no such file", ctx=ctx, param=param)
    return value


def config_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--config FILE`` (also ECHOTUNE_CONFIG), passed to the command as ``config_path``."""
    return click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        envvar="ECHOTUNE_CONFIG",
        callback=_config_from_environment,
        help="echotune.toml or pyproject.toml with [tool.echotune] "
             "(default: discovered from the working folder).",
    )(func)


def output_option(default_name: str) -> Decorator:
    """``--output/-o FILE``: where a phase command writes its result JSON."""
    return click.option(
        "--output",
        "-o",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help=f"Write the result JSON here (e.g. results/{default_name}.json).",
    )


def get_config(config_path: Path | None) -> Config:
    """The configuration of *config_path*, else discovered, else the defaults; ConfigError (exit 2).

    The secrets it points at are registered for masking (:func:`echotune_ci.masking.register_config`)."""
    from ..masking import register_config

    cfg = load_config(config_path)
    register_config(cfg)
    return cfg


def print_result_table(result: PhaseResult) -> None:
    """A short human summary on stdout."""
    from ..report.render import render_text

    click.echo(render_text([result]), nl=False)


def staged_output(output: Path | None) -> contextlib.AbstractContextManager[Any]:
    """Hold back every file a phase command writes (its documents, then its result) until the block
    ends: staged in the --output folder (else the working folder), moved into place together."""
    from ..fsutil import staged

    return staged(output.parent if output is not None else Path("."))


def finish_phase(result: PhaseResult, output: Path | None) -> int:
    """Write the result (if asked), print its summary, and map its status to an exit code (a failure wins
    over a check that could not run: :meth:`PhaseResult.exit_status`)."""
    if output is not None:
        with staged_output(output):
            result.write(output)
    print_result_table(result)
    for err in result.errors:
        click.echo(f"echotune-ci: {result.phase}: {err}", err=True)
    return EXIT_BY_STATUS[result.exit_status()]


def artifacts_folder(explicit: Path | None, output: Path | None, phase: str) -> Path:
    """Where a phase command keeps artifacts: *explicit*, else artifacts/<phase>/ beside --output
    (else under results/), so that the result file lists them by relative path."""
    return explicit or ((output.parent if output else Path("results")) / "artifacts" / phase)
