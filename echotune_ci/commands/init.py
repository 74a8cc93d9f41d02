"""``echotune-ci init``: write echotune.toml and the caller workflows into a repository."""

from __future__ import annotations

from pathlib import Path

import click


@click.command(name="init")
@click.option("--dir", "root", type=click.Path(file_okay=False, exists=True, path_type=Path),
              default=Path("."), show_default=True,
              help="The project to set up (echotune.toml goes here; the workflows go to the root of the git "
                   "repository that holds it).")
@click.option("--force", is_flag=True, help="Overwrite files that already exist.")
@click.option("--ref",
              help="echotune-ci commit SHA the workflows pin (default: the installed one's, when known).")
@click.option("--repository", default="echotune/echotune-ci", show_default=True,
              help="Where the reusable workflows live.")
@click.option("--serve-command",
              help="How to start the app ({port} is replaced), when detection cannot tell.")
@click.option("--research", is_flag=True, help="Also write the weekly research-and-propose workflow.")
@click.option("--deploy", is_flag=True,
              help="Also write Dockerfile.production, compose.production.yaml, deploy-production.sh and "
                   "health-check.sh, and add the deploy phase; files that exist are skipped (--force "
                   "overwrites them).")
def command(root: Path, force: bool, ref: str | None, repository: str, serve_command: str | None,
            research: bool, deploy: bool) -> int:
    """Read the project's own run instructions (Procfile, package.json scripts, manage.py, Dockerfile...)
    and write echotune.toml ([serve] setup, build, command, port, ready_url) and the workflows."""
    from ..console import info
    from ..project.init import deploy_lines, init_project, skipped_lines, summary_lines, written_lines

    done = init_project(root, ref=ref, repository=repository, serve_command=serve_command, research=research,
                        force=force, deploy=deploy)
    for line in summary_lines(done.app):
        info(line)
    for line in deploy_lines(done):
        info(line)
    for line in written_lines(done):
        click.echo(line)
    for line in skipped_lines(done):
        click.echo(line)
    return 0
