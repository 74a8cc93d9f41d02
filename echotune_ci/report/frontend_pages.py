"""``frontend.md``: the frontend result page by page, next to the screenshots.

A document for people (and for the report to link): per audited page its
screenshot, metrics and axe violations, then the result's errors and notes.
It is rendered from the phase's result and the [frontend] settings it ran
with; nothing is measured here.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..fsutil import write_text_atomic
from .render import render

if TYPE_CHECKING:  # pragma: no cover
    from ..phases.frontend.options import PageSpec
    from ..phases.frontend.settings import FrontendSettings
    from ..results import PhaseResult

FILE_NAME = "frontend.md"
TEMPLATE = "frontend_pages.md.j2"


def write_frontend_pages(result: PhaseResult, settings: FrontendSettings, artifacts_dir: Path) -> Path | None:
    """Write ``<artifacts_dir>/frontend.md`` for a frontend *result*; its absolute path, or None.

    *settings* are the [frontend] settings the phase ran with (after
    command-line overrides, pages included: see
    :func:`~echotune_ci.phases.frontend.options.with_urls`): they give the
    preset, runs, throttling and each page's name and label. The pages'
    URLs are the result's ``target`` (comma-separated, in audit order);
    screenshots are the ``<name>.png`` files in *artifacts_dir*. Nothing is
    written for a result without a target (the phase was disabled or did not
    complete) or with neither metrics nor errors. The caller lists the
    returned path in ``result.artifacts`` (relative to the results folder).
    Raises RunError (exit 3) when the file cannot be written.
    """
    from ..phases.frontend.presets import PRESETS, throttle_for

    if not result.target or (not result.metrics and not result.errors):
        return None
    pages = [_page(spec, result, artifacts_dir) for spec in _audited_pages(result.target, settings)]
    preset = PRESETS[settings.preset]
    text = render(TEMPLATE, result=result, pages=pages, preset=preset.name, runs=settings.runs,
                  throttle=throttle_for(preset, settings))
    return write_text_atomic(artifacts_dir / FILE_NAME, text).resolve()


def _audited_pages(target: str, settings: FrontendSettings) -> list[PageSpec]:
    """The pages in audit order: page *i* of the settings was audited at URL *i* of *target*."""
    from ..phases.frontend.options import named_pages
    from ..phases.frontend.settings import PageSettings

    urls = target.split(", ")
    if len(urls) == len(settings.pages):
        return named_pages(settings.pages, urls)
    # Only a URL holding ", " gets here: name each piece by its URL rather than guess.
    return named_pages([PageSettings(url=u) for u in urls], urls)


def _page(spec: PageSpec, result: PhaseResult, artifacts_dir: Path) -> dict[str, Any]:
    shot = artifacts_dir / f"{spec.name}.png"
    return {
        "url": spec.url,
        "name": spec.name,
        "screenshot": shot.name if shot.exists() else None,
        "metrics": [m for m in result.metrics if m.labels.get("url") == spec.label],
        "findings": [f for f in result.findings if f.location and f.location.path == spec.label],
    }
