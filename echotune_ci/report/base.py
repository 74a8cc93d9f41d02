"""The ReportFormat interface: one output kind rendered from the gate's outcome.

Renderers only format what phases measured; they never measure, never
gate and never talk to GitHub.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # pragma: no cover
    from ..gate import GateOutcome

GITHUB_COMMENT_LIMIT = 65_536


@dataclass(frozen=True)
class ReportInput:
    """Everything a renderer may use: the gate's outcome (whose ``results`` are the results as
    the gate sees them), the report title, the link to the full report, the largest comment
    (characters), the most annotations per level and whether the results came from an untrusted
    run (restricted to numbers by :func:`~echotune_ci.report.untrusted.restrict_untrusted`)."""

    outcome: GateOutcome
    title: str = "EchoTune CI"
    details_url: str = ""
    max_chars: int = GITHUB_COMMENT_LIMIT
    max_annotations: int = 10
    untrusted: bool = False


class ReportFormat(Protocol):
    """One output kind.

    ``name`` is the ``report --format`` value; ``file_name`` the file `run`
    writes into ``<results>/report/`` (None: `run` does not write it);
    ``step_summary``: without ``--output``, `report` appends it to the job
    summary inside GitHub Actions; ``help`` a one-line description.
    """

    @property
    def name(self) -> str:
        """The ``--format`` value."""

    @property
    def file_name(self) -> str | None:
        """The file `run` writes into ``<results>/report/``, or None."""

    @property
    def step_summary(self) -> bool:
        """Whether `report` appends it to $GITHUB_STEP_SUMMARY when no --output is given."""

    @property
    def help(self) -> str:
        """A one-line description for --help."""

    def render(self, report: ReportInput) -> str:
        """The text of the report."""
