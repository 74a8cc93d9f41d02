"""The phases `run` can drive, in the order it drives them.

Everything that lists phases derives from :data:`PHASES`: the choices of
``[run] phases`` and ``[propose] gates``, the CLI commands of the phases,
and which phases need the running app. Entries name their Phase object as
``"module:attribute"`` so that listing phases imports none of them.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Config
    from .base import Phase

S = TypeVar("S")


@dataclass(frozen=True)
class PhaseEntry:
    """A phase's name, where its Phase object lives, and its one-line summary."""

    name: str
    target: str
    summary: str


PHASES: tuple[PhaseEntry, ...] = (
    PhaseEntry("security", "echotune_ci.phases.security.phase:PHASE",
               "Security gate: bandit, njsscan, dependency audit, secrets, headers, auth probes."),
    PhaseEntry("load", "echotune_ci.phases.load.phase:PHASE", "Backend gate: a headless locust load test."),
    PhaseEntry("frontend", "echotune_ci.phases.frontend.phase:PHASE",
               "Frontend gate: web vitals and accessibility in Chromium."),
    PhaseEntry("bundle", "echotune_ci.phases.bundle.phase:PHASE",
               "Bundle size of build output against a base."),
    PhaseEntry("api", "echotune_ci.phases.api.phase:PHASE",
               "API gate: the OpenAPI contract (schemathesis) and integration flows."),
    PhaseEntry("deploy", "echotune_ci.phases.deploy.phase:PHASE",
               "Deployment files without Docker: hadolint, the Compose schema, shellcheck, health-check.sh."),
)

PHASE_NAMES: tuple[str, ...] = tuple(p.name for p in PHASES)


def phase_settings(cfg: Config, phase: Phase[S]) -> S:
    """The section of *cfg* that *phase* reads; TypeError when the registry and Config disagree."""
    settings = cfg.section(phase.name)
    if not isinstance(settings, phase.settings_type):
        raise TypeError(f"[{phase.name}] is a {type(settings).__name__}, the phase reads "
                        f"{phase.settings_type.__name__}")
    # A section that reuses another one's values (the api phase reuses [load.login]) completes itself here.
    from_config = getattr(settings, "from_config", None)
    return from_config(cfg) if callable(from_config) else settings


def get_phase(name: str) -> Phase[Any]:
    """The Phase object of *name* (imports its module); KeyError for an unknown name."""
    entry = next((p for p in PHASES if p.name == name), None)
    if entry is None:
        raise KeyError(name)
    module, _, attribute = entry.target.partition(":")
    phase: Phase[Any] = getattr(importlib.import_module(module), attribute)
    return phase
