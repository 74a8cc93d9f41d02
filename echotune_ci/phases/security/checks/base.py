"""The SecurityCheck interface, what a check returns, and how it says it stopped half-way."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from ....errors import RunError
from ....results import Finding, Metric

if TYPE_CHECKING:  # pragma: no cover
    from ...base import PhaseContext
    from ..settings import SecuritySettings


@dataclass
class CheckOutput:
    """What one check found: findings, metrics, notes and the versions of the tools it ran.

    ``tool_versions`` maps a tool's name to its version; ``target`` is set by
    checks that look at a running app (its base URL) and is "" otherwise.
    """

    findings: list[Finding] = field(default_factory=list)
    metrics: list[Metric] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    tool_versions: dict[str, str] = field(default_factory=dict)
    target: str = ""


class CheckError(RunError):
    """A check that could not finish (exit 3), with what it had found before it stopped.

    The phase records the message as an error and keeps ``output`` (e.g. the
    header scores of a run whose login then failed), as it reports a check
    that finished.
    """

    def __init__(self, message: str, output: CheckOutput):
        super().__init__(message)
        self.output = output


class SecurityCheck(Protocol):
    """One check of the security phase.

    ``name`` is how ``[security] checks`` and ``--only`` call it. ``run``
    reads the whole [security] section (command-line overrides already
    applied) and the phase context; it raises RunError (or CheckError, to
    keep partial output) when it cannot run: the phase records the error and
    runs the other checks. ConfigError / InputError for a user's mistake
    (exit 2) stop the phase.
    """

    name: str

    def run(self, settings: SecuritySettings, ctx: PhaseContext) -> CheckOutput:
        """Run the check; return what it found."""
