"""The Phase interface and the context a phase runs in.

A phase is "settings in, PhaseResult out": it reads its own section of the
configuration (``settings_type``) and the shared :class:`PhaseContext`,
measures, and returns data. Phases never talk to GitHub and never render
reports; they import their heavy libraries inside ``run``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Config
    from ..config.sections import Budgets, GateSettings
    from ..results import PhaseResult

S = TypeVar("S")


def _quiet(_message: str) -> None:
    """The default progress callback: says nothing."""


@dataclass(frozen=True)
class PhaseContext:
    """What a phase knows beyond its own settings.

    ``budgets`` and ``gate`` are the project-wide sections; ``source`` names
    the configuration file in messages and ``base_dir`` is its folder
    (configured paths resolve against it); ``root`` is the repository root.
    ``base_url`` is the app `run` started (None when a phase is pointed at a
    URL of its own); ``app_pid`` its process, for resource sampling (``base_app_pid`` the base's, in a
    side-by-side load test); ``output_dir`` the run's output folder (a scan of the project leaves it out:
    it holds this run's and earlier runs' results, not the project's files);
    ``artifacts_dir`` where the phase may write screenshots, CSV and logs;
    ``allow_hosts`` hosts that may receive load or probe traffic besides the
    configured ones (`run` gives loopback; ``base_url``'s host is not allowed
    just for being the target); ``progress`` a callback for one-line progress messages;
    ``app_unavailable`` why the app `run` tried to start for checks that use it when it runs (the
    security phase's headers) did not start, "" when it did or none was asked for; ``base_findings``:
    a side-by-side load test also reports the base's own failure findings, each with the property
    ``build = "base"`` (`run --base-ref` gives them to the base's result, so that a failure both builds
    have is known, not new).
    """

    artifacts_dir: Path
    budgets: Budgets = field(default_factory=lambda: _sections().Budgets())
    gate: GateSettings = field(default_factory=lambda: _sections().GateSettings())
    source: str = "(defaults)"
    base_dir: Path = field(default_factory=Path.cwd)
    root: Path = field(default_factory=Path.cwd)
    base_url: str | None = None
    app_pid: int | None = None
    base_app_pid: int | None = None
    output_dir: Path | None = None
    allow_hosts: tuple[str, ...] = ()
    progress: Callable[[str], None] = field(default=_quiet)
    app_unavailable: str = ""
    base_findings: bool = False

    @classmethod
    def for_config(cls, cfg: Config, artifacts_dir: Path, **runtime: Any) -> PhaseContext:
        """The context of a phase run under configuration *cfg*; *runtime*: base_url, app_pid, ..."""
        return cls(artifacts_dir=artifacts_dir, budgets=cfg.budgets, gate=cfg.gate, source=cfg.source,
                   base_dir=cfg.base_dir, root=cfg.root, **runtime)

    def resolve(self, relative: str | Path) -> Path:
        """A configured path, relative to the configuration file (absolute paths unchanged)."""
        p = Path(relative).expanduser()
        return p if p.is_absolute() else self.base_dir / p

    def with_progress(self, progress: Callable[[str], None]) -> PhaseContext:
        """A copy reporting progress to *progress*."""
        return dataclasses.replace(self, progress=progress)


def _sections() -> Any:
    from ..config import sections

    return sections


class Phase(Protocol[S]):
    """One phase `run` drives: a name, its settings type, and check/run.

    ``needs_app``: whether it measures the running app (`run` then starts it); ``uses_app``: whether it
    uses the app when it runs (security's header checks), so `run` starts an app [serve] can start.
    ``check`` raises ConfigError for what ``run`` would reject, so `run`
    finds every configuration mistake before it starts the app. ``run``
    returns the phase's result; a phase that cannot run raises RunError
    (exit 3) or returns a result with status "error".
    """

    @property
    def name(self) -> str:
        """The phase's name: its [section], its command and its result file."""

    @property
    def settings_type(self) -> type[S]:
        """The settings class of its section."""

    @property
    def needs_app(self) -> bool:
        """Whether it measures the running app (`run` then starts it)."""

    @property
    def uses_app(self) -> bool:
        """Whether it uses the running app when there is one (True whenever ``needs_app`` is)."""

    def check(self, settings: S, ctx: PhaseContext) -> None:
        """Raise ConfigError (exit 2) for settings ``run`` would reject."""

    def run(self, settings: S, ctx: PhaseContext) -> PhaseResult:
        """Measure; return the phase's result."""
