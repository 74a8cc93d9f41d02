"""``echotune-ci api``: the running app against its OpenAPI contract or GraphQL schema (schemathesis) and
[[api.flows]]."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ..config.schema import click_option
from ..phases.api.settings import ApiSettings
from .common import artifacts_folder, config_option, finish_phase, get_config, output_option


@click.command(name="api")
@config_option
@click_option(ApiSettings, "url", "--url",
              help="The app's URL, e.g. http://127.0.0.1:8000 (default: api.url).")
@click_option(ApiSettings, "openapi", "--openapi",
              help="The OpenAPI document: a path on the app, a URL or a file (default: discovered).")
@click_option(ApiSettings, "graphql", "--graphql",
              help="The GraphQL endpoint: a path on the app or a URL (default: discovered).")
@click_option(ApiSettings, "max_examples", "--max-examples",
              help="Generated requests per operation (at most).")
@click_option(ApiSettings, "max_time", "--max-time", help="Time cap of the contract test, e.g. 25s.")
@click.option("--allow-host", "allow_hosts", multiple=True,
              help="Another host that may receive requests (repeatable).")
@output_option("api")
def command(config_path: Path | None, output: Path | None, allow_hosts: tuple[str, ...],
            **settings: Any) -> int:
    """Test the running app against its OpenAPI document or GraphQL schema with schemathesis and check
    [[api.flows]].

    Server errors, answers that break the documented schema, undocumented
    status codes and content types, each with a reproducing curl command;
    the p95 response time of every operation.
    """
    from .. import console
    from ..config.schema import override
    from ..phases.api.phase import PHASE, run_api
    from ..phases.base import PhaseContext
    from ..phases.registry import phase_settings

    cfg = get_config(config_path)
    api = override(phase_settings(cfg, PHASE), **settings)
    ctx = PhaseContext.for_config(cfg, artifacts_folder(None, output, "api"), allow_hosts=allow_hosts)
    with console.progress("api") as bar:
        result = run_api(api, ctx.with_progress(bar.update))
    return finish_phase(result, output)
