"""Phases: pure "config in, PhaseResult out" functions.

Each phase module exposes ``run(config: Config, ctx: PhaseContext) -> PhaseResult``
(and optionally ``check(config)``, see ``preflight``) and imports its heavy
libraries inside those functions. Phases never talk to
GitHub and never render reports.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Config
    from ..results import PhaseResult

# Phases that ``run`` can drive, in the order it drives them.
PHASES: dict[str, str] = {
    "security": "echotune_ci.phases.security",
    "bundle": "echotune_ci.phases.bundle",
    "frontend": "echotune_ci.phases.frontend",
    "load": "echotune_ci.phases.load",
}


@dataclass
class PhaseContext:
    """What ``run`` (or a single-phase command) knows beyond the config.

    ``base_url`` is the app started by ``run`` (None when a phase is pointed at
    a URL of its own); ``app_pid`` is its process for resource sampling;
    ``artifacts_dir`` is where the phase may write screenshots, CSV and
    reports (paths in ``PhaseResult.artifacts`` are relative to the result
    file's folder when inside it).
    """

    artifacts_dir: Path
    base_url: str | None = None
    app_pid: int | None = None
    allow_hosts: tuple[str, ...] = ()
    progress: Callable[[str], None] = field(default=lambda _msg: None)


def get_phase(name: str) -> Callable[["Config", PhaseContext], "PhaseResult"]:
    module = importlib.import_module(PHASES[name])
    return module.run


def preflight(name: str, cfg: "Config") -> None:
    """Raise ConfigError now for what the phase would reject later.

    A phase module may define ``check(cfg)``; ``run`` calls it for every
    phase before it starts the app, so a typo in the last phase does not
    surface after minutes of measuring the first ones.
    """
    module = importlib.import_module(PHASES[name])
    check = getattr(module, "check", None)
    if check is not None:
        check(cfg)
