"""The SecurityCheck interface, what a check returns, and how it says it stopped half-way.

Also the one rule every scanner (bandit, secrets, node) follows for the files
it could not scan: :func:`skipped_files` turns them into a
``<check>.skipped_files`` metric whose status is "error" (exit 3, one line in
the result's errors), or "warn" with ``[security.<check>] skipped = "warn"``
(one line in its warnings), plus the files and why in its notes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from ....errors import RunError
from ....results import Finding, Metric, units

if TYPE_CHECKING:  # pragma: no cover
    from ...base import PhaseContext
    from ..settings import SecuritySettings

#: How many skipped files a warning or error line names; the notes name all of them.
NAMED_IN_SUMMARY = 5


@dataclass
class CheckOutput:
    """What one check found: findings, metrics, notes and the versions of the tools it ran.

    ``tool_versions`` maps a tool's name to its version; ``target`` is set by
    checks that look at a running app (its base URL) and is "" otherwise.
    ``warnings`` go to ``PhaseResult.warnings`` (what a reviewer must not
    miss although no gate failed); ``errors`` to ``PhaseResult.errors``
    (the check did not do all of its job: exit 3), each without the
    check's name, which the phase adds.
    """

    findings: list[Finding] = field(default_factory=list)
    metrics: list[Metric] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    tool_versions: dict[str, str] = field(default_factory=dict)
    target: str = ""
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


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

    ``name`` is how ``[security] checks`` and ``--only`` call it.
    ``preflight`` raises ConfigError / InputError (exit 2) for a mistake in
    the configuration or the command line (a path that does not exist, an
    allow-list line it cannot read); the phase calls it for every selected
    check before any check runs, so such a mistake stops everything before
    anything is measured. ``run`` reads the whole [security] section
    (command-line overrides already applied) and the phase context. Whatever
    ``run`` raises — RunError, CheckError (to keep partial output), or a
    ConfigError / InputError about the check's own inputs (an unpinned line,
    a lockfile that does not parse) — stays inside that check: the phase
    records it as that check's error and the other checks still run.
    """

    name: str

    def preflight(self, settings: SecuritySettings, ctx: PhaseContext) -> None:
        """Raise ConfigError / InputError for what the configuration or command line got wrong."""

    def run(self, settings: SecuritySettings, ctx: PhaseContext) -> CheckOutput:
        """Run the check; return what it found."""


def first_named(names: Sequence[str]) -> str:
    """The first :data:`NAMED_IN_SUMMARY` of *names*, comma-separated, then "and N more" for the rest."""
    return units.first_named(names, NAMED_IN_SUMMARY)


def skipped_files(check: str, skipped: Sequence[tuple[str, str]], policy: str, *, scanner: str,
                  what: str = "files") -> tuple[Metric, list[str], list[str], list[str]]:
    """The ``<check>.skipped_files`` metric and the (notes, warnings, errors) for *skipped*.

    *skipped* is (repo-relative path, why) pairs; *policy* is the check's
    ``skipped`` setting: "error" (the metric's status is error, one error
    line: exit 3) or "warn" (status warn, one warning line instead); that
    line names the first :data:`NAMED_IN_SUMMARY` files, the notes name
    every file and why. None skipped: a passing metric of 0 and no lines.
    """
    metric = Metric(f"{check}.skipped_files", len(skipped), "files",
                    description=f"{what.capitalize()} {scanner} could not scan (not counted as scanned)")
    if not skipped:
        return metric, [], [], []
    metric.status = "warn" if policy == "warn" else "error"
    notes = [f"{check}: not scanned: {path}: {why}" for path, why in skipped]
    summary = f"{len(skipped)} {what} not scanned ({scanner} could not scan them): " \
              f"{first_named([path for path, _ in skipped])}"
    if policy == "warn":
        return metric, notes, [f"{check}: {summary}; [security.{check}] skipped = \"warn\""], []
    hint = f"fix or exclude them, or set [security.{check}] skipped = \"warn\""
    # The error line alone: the comment's Warnings section lists errors too, so a warning would repeat it.
    return metric, notes, [], [f"{summary}; {hint}"]


def require_paths(ctx: PhaseContext, paths: Sequence[str]) -> None:
    """InputError (exit 2) for the first of *paths* (configured, relative to the configuration file, or
    absolute from the command line) that is neither a file nor a folder, as the scan would say it."""
    from ....errors import InputError

    for configured in paths:
        target = ctx.resolve(configured)
        if not target.is_file() and not target.is_dir():
            raise InputError(f"{target}: no such file or folder to scan")
