"""Documents that belong with one phase's result, written after the phase ran.

The security phase's SARIF file ([security] sarif) and the frontend phase's
per-page page (``frontend.md`` beside the screenshots) are rendered here,
from the result alone, so that phases never render reports.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Config
    from ..results import PhaseResult


def write_sarif(result: PhaseResult, path: Path, source_root: str = "") -> PhaseResult:
    """Write SARIF 2.1.0 of *result*'s findings to *path* (files named from the repository's root,
    *source_root* being where their paths start); a copy of *result* listing the file."""
    from ..fsutil import write_json_atomic
    from .sarif import to_sarif

    write_json_atomic(path, to_sarif([result], source_root=source_root))
    return dataclasses.replace(result, artifacts=[*result.artifacts, str(path)])


def write_phase_documents(result: PhaseResult, cfg: Config, artifacts_dir: Path) -> PhaseResult:
    """The documents of *result*'s phase as configured; a copy of *result* listing them as artifacts.

    Raises RunError (exit 3) when a file cannot be written.
    """
    if result.phase == "security" and cfg.security.sarif and cfg.security.enabled:
        from ..reporting import source_root

        return write_sarif(result, cfg.resolve(cfg.security.sarif), source_root(cfg))
    if result.phase == "frontend":
        from .frontend_pages import write_frontend_pages

        page = write_frontend_pages(result, cfg.frontend, artifacts_dir)
        if page is not None:
            return dataclasses.replace(result, artifacts=[*result.artifacts, str(page)])
    return result
