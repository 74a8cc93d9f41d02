"""``echotune-ci deploy``: the production deployment files validated without Docker (hadolint, the Compose
schema, shellcheck) and health-check.sh run against the app."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ..config.schema import click_option
from ..phases.deploy.settings import DeploySettings
from .common import artifacts_folder, config_option, finish_phase, get_config, output_option


@click.command(name="deploy")
@config_option
@click.option("--url", help="The running app's URL on this machine, e.g. http://127.0.0.1:8000: "
                            "health-check.sh is run against it (default: not run).")
@click_option(DeploySettings, "dir", "--dir",
              help="Folder holding the deployment files (default: deploy.dir, relative to the config file).")
@click_option(DeploySettings, "health_path", "--health-path",
              help="Path of the health URL (default: the path of [serve] ready_url).")
@output_option("deploy")
def command(config_path: Path | None, output: Path | None, url: str | None, **settings: Any) -> int:
    """Lint Dockerfile.production (hadolint), compose.production.yaml (the Compose Specification's
    schema) and the scripts (shellcheck), and run health-check.sh against --url.

    Files that `echotune-ci init --deploy` writes; none found: the phase is skipped and says where it
    looked. A tool that cannot run is that check's error (exit 3); the others still run.
    """
    from .. import console
    from ..config.schema import override
    from ..phases.base import PhaseContext
    from ..phases.deploy.phase import PHASE, run_deploy
    from ..phases.registry import phase_settings

    cfg = get_config(config_path)
    if settings.get("dir"):  # a folder on the command line is relative to where the command runs
        settings["dir"] = str(Path(settings["dir"]).resolve())
    deploy = override(phase_settings(cfg, PHASE), **settings)
    ctx = PhaseContext.for_config(cfg, artifacts_folder(None, output, "deploy"))
    with console.progress("deploy") as bar:
        result = run_deploy(deploy, ctx.with_progress(bar.update), url=url.rstrip("/") if url else None)
    return finish_phase(result, output)
