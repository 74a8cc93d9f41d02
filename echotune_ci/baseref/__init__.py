"""Base and head measured side by side in one run (``run --base-ref REF`` / ``--base-dir DIR``).

:func:`~.sidebyside.run_side_by_side` is the entry point; :mod:`.checkout`
makes the base's worktree, :mod:`.configs` picks the configuration that
measures it, :mod:`.environment` reuses the head's installed dependencies,
:mod:`.measure` interleaves the phases' measurements.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

BASE_FOLDER = "base"


def paired_baseline(paths: Iterable[str | Path]) -> list[Path] | None:
    """The base's results a side-by-side run left beside the head's (``<results>/base/*.json``) when
    every folder in *paths* is such a run's output; None otherwise. So `report`, `gate`, `comment` and
    `checks` on a side-by-side run's folder compare against its own base without ``--baseline``."""
    given = [Path(p) for p in paths]
    folders = [p / BASE_FOLDER for p in given]
    if not folders or not all(f.is_dir() and any(f.glob("*.json")) for f in folders):
        return None
    return folders
