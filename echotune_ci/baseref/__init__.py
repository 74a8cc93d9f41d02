"""Base and head measured side by side in one run (``run --base-ref REF`` / ``--base-dir DIR``).

:func:`~.sidebyside.run_side_by_side` is the entry point; :mod:`.checkout`
makes the base's worktree, :mod:`.configs` picks the configuration that
measures it, :mod:`.environment` reuses the head's installed dependencies,
:mod:`.measure` interleaves the phases' measurements.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

BASE_FOLDER = "base"


def paired_baseline(paths: Iterable[str | Path]) -> list[Path] | None:
    """The base's results side-by-side runs left beside the head's (``<results>/base/*.json``) of the
    folders in *paths* that have them; None when none has. So `report`, `gate`, `comment` and `checks` on
    a side-by-side run's folder compare against its own base without ``--baseline``.

    InputError (exit 2) for a folder whose results a side-by-side run measured against a base
    (``artifacts/side-by-side.json`` says it compared them, a result names that file) while ``base/``
    holds none: a workflow that kept ``results/*.json`` alone would pass every regression check
    unseen."""
    from ..errors import InputError

    given = [Path(p) for p in paths]
    found = []
    for folder in given:
        base = folder / BASE_FOLDER
        if base.is_dir() and any(base.glob("*.json")):
            found.append(base)
        elif folder.is_dir() and _measured_with_a_base(folder):
            raise InputError(f"{folder}: its results were measured side by side with a base "
                             f"({folder / 'artifacts' / 'side-by-side.json'}), but {base} holds no base "
                             f"results: keep {BASE_FOLDER}/ beside the results (upload it too), or pass "
                             f"--baseline")
    return found or None


def _measured_with_a_base(folder: Path) -> bool:
    """Whether *folder*'s results come from a side-by-side run that measured the base: its
    ``artifacts/side-by-side.json`` says ``compared`` and one of its result files lists that file among
    its artifacts or says in its notes how it was interleaved with the base (a later `run` into the folder
    writes results that do neither)."""
    from ..fsutil import json_or_none

    # Read as regular files only (json_or_none): a named pipe among them (a folder someone assembled) would
    # block for ever.
    order = json_or_none(folder / "artifacts" / "side-by-side.json")
    if not isinstance(order, dict) or order.get("compared") is not True:
        return False
    for file in folder.glob("*.json"):
        result = json_or_none(file)
        if not isinstance(result, dict):
            continue
        # The first result lists the order file; each paired phase's notes say how it was interleaved.
        notes: list[Any] = result["notes"] if isinstance(result.get("notes"), list) else []
        if "artifacts/side-by-side.json" in (result.get("artifacts") or []) or any(
                isinstance(n, str) and n.startswith("measured side by side with the base") for n in notes):
            return True
    return False
