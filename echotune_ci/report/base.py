"""The ReportFormat interface: one output kind rendered from the gate's outcome.

Renderers only format what phases measured; they never measure, never
gate and never talk to GitHub.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # pragma: no cover
    from ..gate import GateOutcome

GITHUB_COMMENT_LIMIT = 65_536


@dataclass(frozen=True)
class ReportInput:
    """Everything a renderer may use: the gate's outcome (whose ``results`` are the results as
    the gate sees them), the report title, the link to the full report, the largest comment
    (characters), the most annotations per level, whether the results came from an untrusted
    run (restricted to numbers by :func:`~echotune_ci.report.untrusted.restrict_untrusted`) and where
    the findings' paths start in the repository (:func:`in_repository`)."""

    outcome: GateOutcome
    title: str = "EchoTune CI"
    details_url: str = ""
    max_chars: int = GITHUB_COMMENT_LIMIT
    max_annotations: int = 10
    untrusted: bool = False
    # Where the findings' paths start, relative to the repository's root ("apps/web"; "" at the root or
    # when no repository is at hand): annotations and SARIF name files from the repository's root.
    source_root: str = ""


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


def in_repository(folder: Path) -> str:
    """*folder* relative to the root of the git repository holding it ("apps/web"), "" at the root or
    outside any repository. Found by the nearest ``.git`` (folder or file: a worktree, a submodule), without
    running git."""
    here = folder.resolve()
    for top in (here, *here.parents):
        if (top / ".git").exists():
            # "." is the root itself; only that, not a leading dot (.github/actions/lint keeps its own)
            folder_path = here.relative_to(top).as_posix()
            return "" if folder_path == "." else folder_path
    return ""


def repository_path(path: str, source_root: str) -> str:
    """A finding's *path* (relative to the project's root, which is *source_root* in the repository) as
    GitHub names files: from the repository's root. The runner rewrites only absolute paths under the
    workspace (Runner.Worker's IssueCommandExtension: ``IOUtil.MakeRelative(file, workspace)``) and takes a
    relative one as the repository's, so ``leak.js`` of a project in ``apps/web`` annotated a file the
    repository does not have. Absolute paths, and relative ones that climb out of the repository, stay as
    they are."""
    p = path.replace("\\", "/")
    if not source_root or not p or p.startswith("/") or "://" in p:
        return path
    joined = posixpath.normpath(posixpath.join(source_root, p.removeprefix("./")))
    return path if joined == ".." or joined.startswith("../") else joined
