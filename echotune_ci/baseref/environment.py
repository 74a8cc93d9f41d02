"""A base costs a build, not an install: reuse the head's installed dependencies when they would be
the same.

When the base's setup command and its setup inputs (``[serve] setup_inputs``,
else the lockfiles and manifests :data:`~echotune_ci.serve.steps.SETUP_INPUTS`
lists) are byte for byte the head's, what the head's setup left behind
(``.venv``, ``venv``, ``node_modules``) is linked into the base's folder and
the base runs only its build. Links, not copies: the base only reads them,
and a link costs nothing however large node_modules is.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from ..config.sections import ServeSettings
from ..errors import ConfigError
from ..serve.steps import SETUP_OUTPUTS, setup_inputs


def _hashes(cwd: Path, configured: tuple[str, ...]) -> dict[str, str] | None:
    try:
        files = setup_inputs(cwd, configured)
    except ConfigError:
        return None
    return {p.relative_to(cwd).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def same_dependencies(head: ServeSettings, head_cwd: Path, base: ServeSettings, base_cwd: Path) -> bool:
    """Whether the base's setup would install what the head's did: the same setup command and the same
    setup inputs with the same contents."""
    if not head.setup or head.setup != base.setup:
        return False
    mine, theirs = _hashes(head_cwd, head.setup_inputs), _hashes(base_cwd, base.setup_inputs)
    return mine is not None and mine == theirs


def reuse_environment(head: ServeSettings, head_cwd: Path, base: ServeSettings, base_cwd: Path) -> str | None:
    """Link the head's installed dependencies into *base_cwd* when :func:`same_dependencies`; a note
    saying what was linked, or None when the base needs its own setup (nothing is linked then)."""
    if not base_cwd.is_dir() or not same_dependencies(head, head_cwd, base, base_cwd):
        return None
    outputs = [name for name in SETUP_OUTPUTS if (head_cwd / name).exists()]
    if not outputs or any(os.path.lexists(base_cwd / name) for name in outputs):
        return None
    for name in outputs:
        (base_cwd / name).symlink_to((head_cwd / name).resolve(), target_is_directory=True)
    return (f"the base's dependencies are the head's (same setup and inputs): linked {', '.join(outputs)} "
            f"instead of installing them again")
