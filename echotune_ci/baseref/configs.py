"""Which configuration measures the base.

Both builds are measured by the head's configuration (the same pages,
endpoints, budgets and rules: a paired comparison needs one plan), with
paths resolved inside the base's checkout. The base is set up, built and
started by its own ``[serve]`` section when it has a configuration file
that this version reads; otherwise (the PR that adopts EchoTune, or a
base whose file this version no longer accepts) by the head's, and a note
says so.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from ..config import Config, load_config
from ..errors import ConfigError


def _within(path: Path, repo: Path) -> Path:
    try:
        return path.resolve().relative_to(repo)
    except ValueError:
        raise ConfigError(f"--base-ref: the configuration folder {path} is outside the git checkout {repo}") \
            from None


def base_config(head: Config, repo: Path, base_root: Path) -> tuple[Config, list[str]]:
    """The configuration that measures the base checked out at *base_root*, and notes for people.

    *head* is the head's configuration in the checkout *repo*. ConfigError
    when the head's configuration folder lies outside *repo*.
    """
    folder = base_root / _within(head.base_dir, repo)
    path = folder / head.path.name if head.path is not None else None
    measured = dataclasses.replace(head, base_dir=folder, path=path)
    if path is None:
        return measured, []
    shown = path.relative_to(base_root)
    if not path.is_file():
        return measured, [f"the base has no {shown}: it is built and started with the head's [serve]"]
    try:
        own = load_config(path)
    except ConfigError as exc:
        return measured, [f"the base's {shown} could not be read ({exc}): it is built and started with the "
                          f"head's [serve]"]
    notes = []
    if own.serve != head.serve:
        notes.append(f"the base is built and started with its own [serve] from {shown}")
    if dataclasses.replace(own, serve=head.serve, path=None, base_dir=head.base_dir) != \
            dataclasses.replace(head, path=None):
        notes.append(f"the base's {shown} differs from the head's: both builds are measured with the head's "
                     f"pages, budgets and rules")
    return measured.with_section("serve", own.serve), notes
