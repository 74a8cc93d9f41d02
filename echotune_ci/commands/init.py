"""``echotune-ci init``: write echotune.toml and the caller workflows into a repository."""

from __future__ import annotations

from pathlib import Path

import click


@click.command(name="init")
@click.option("--dir", "root", type=click.Path(file_okay=False, exists=True, path_type=Path), default=Path("."),
              show_default=True, help="The repository to set up.")
@click.option("--force", is_flag=True, help="Overwrite files that already exist.")
@click.option("--ref", help="echotune-ci commit SHA the workflows pin (default: the installed one's, when known).")
@click.option("--repository", default="echotune/echotune-ci", show_default=True,
              help="Where the reusable workflows live.")
@click.option("--serve-command", help="How to start the app ({port} is replaced), when detection cannot tell.")
@click.option("--research", is_flag=True, help="Also write the weekly research-and-propose workflow.")
def command(root: Path, force: bool, ref: str | None, repository: str, serve_command: str | None,
            research: bool) -> int:
    """Detect the stack (package.json, pyproject/requirements, Dockerfile) and write the files."""
    import re

    from ..console import info
    from ..errors import InputError
    from ..init_project import Stack, detect_stack, echotune_ref, plan_files, write_files

    ref = (ref or echotune_ref() or "").lower()
    if not re.fullmatch(r"[0-9a-f]{40}", ref):
        raise InputError("--ref must be the full 40-character commit SHA of echotune-ci to pin "
                         "(a tag can be moved to other code)" if ref else
                         "cannot tell which echotune-ci commit to pin: pass --ref <40-character commit SHA>")
    stack = detect_stack(root)
    if stack is None:
        if not serve_command:
            raise InputError(f"{root}: no package.json, pyproject.toml, requirements.txt or Dockerfile: "
                             "pass --serve-command 'CMD' (with {port})")
        stack = Stack(kind="custom", framework="custom", serve_command=serve_command,
                      phases=["security", "frontend", "load"], evidence=["--serve-command"])
    elif serve_command:
        stack.serve_command = serve_command
    files = plan_files(root, stack, ref=ref, repository=repository, research=research)
    written = write_files(root, files, force=force)
    info(f"{stack.framework} project ({', '.join(stack.evidence)}); serve: {stack.serve_command}")
    for path in written:
        click.echo(f"wrote {path}")
    return 0
