"""One check run (or commit status) per phase.

Check runs carry a summary and line annotations but need a GitHub App's token
(the Actions GITHUB_TOKEN is one); personal tokens get commit statuses, which
carry a 140-character description and a link. ``auto`` tries check runs and
falls back to statuses when GitHub says the token is not an App's.

Results from an untrusted run (the workflow_run stage of a fork's pull
request) never make a check say success: what would pass is published as a
``neutral`` check run whose title and summary say the numbers came from an
untrusted run, and as no commit status at all (statuses have no neutral
state). Failures stay failures: a fork can only fail its own commit.
"""

from __future__ import annotations

import os
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError, InputError
from ..gate import Check, GateOutcome, failed_gates
from ..masking import mask, mask_data
from ..report.base import repository_path
from ..report.escape import clean_text
from ..report.layout import Places, collect_warnings
from ..report.markdown import WARNINGS_SHOWN
from ..report.render import comparison_map, render, severity_counts, sort_findings
from ..report.untrusted import UNTRUSTED_NOTE
from ..results import PhaseResult, worst_status
from .client import GitHubClient

CONCLUSION = {"pass": "success", "warn": "neutral", "fail": "failure", "error": "failure"}
STATUS_STATE = {"pass": "success", "warn": "success", "fail": "failure", "error": "error"}
ANNOTATION_LEVEL = {"critical": "failure", "high": "failure", "medium": "warning", "low": "notice",
                    "info": "notice"}
ANNOTATIONS_PER_RUN = 50  # GitHub's limit per request; we send one
TEXT_LIMIT = 65535
DESCRIPTION_LIMIT = 140
SUMMARY_ROWS = 60
_SHA = re.compile(r"^[0-9a-f]{40}$")


@dataclass
class PhaseCheck:
    """What one phase's check run or status says: state, title, summary markdown, a 140-character description
    and annotations (with how many more did not fit)."""
    phase: str
    status: str
    title: str
    summary: str
    description: str
    annotations: list[dict[str, Any]] = field(default_factory=list)
    more_annotations: int = 0
    untrusted: bool = False

    @property
    def conclusion(self) -> str:
        """The check run's conclusion; never ``success`` for an untrusted run's results (``neutral``)."""
        conclusion = CONCLUSION[self.status]
        return "neutral" if self.untrusted and conclusion == "success" else conclusion

    @property
    def state(self) -> str | None:
        """The commit status state; None when an untrusted run's results would say success."""
        state = STATUS_STATE[self.status]
        return None if self.untrusted and state == "success" else state


@dataclass
class Published:
    """One published check: the phase, check-run or status, its conclusion/state and its URL."""
    phase: str
    kind: str  # check-run | status
    state: str  # conclusion or status state
    url: str = ""


def _relative(path: str, workspace: Path) -> str | None:
    """A repository path GitHub can annotate; None for URLs (a page's finding) and paths outside."""
    if "://" in path:
        return None
    p = Path(path)
    if not p.is_absolute():
        return p.as_posix().removeprefix("./")
    try:
        return p.resolve().relative_to(workspace.resolve()).as_posix()
    except ValueError:
        return None


def annotations_for(result: PhaseResult, cap: int, workspace: Path,
                    source_root: str = "") -> tuple[list[dict[str, Any]], int]:
    """The most severe findings with a file location, at most *cap*; and how many were left out. Paths are
    named from the repository's root (*source_root*: where the findings' paths start in it)."""
    located = []
    for f in sort_findings(result.findings):
        path = _relative(repository_path(f.location.path, source_root), workspace) if f.location else None
        if path is None:
            continue
        line = max(f.location.line or 1, 1)
        # GitHub shows these as plain text: no control characters, escape sequences or bidi overrides.
        located.append({
            "path": clean_text(path), "start_line": line, "end_line": line,
            "annotation_level": ANNOTATION_LEVEL[f.severity],
            "title": clean_text(f"{f.source_tool} {f.rule_id}")[:255],
            "message": clean_text(f.message, keep_newlines=True)[:4000],
        })
    return located[:cap], max(len(located) - cap, 0)


def phase_checks(results: list[PhaseResult], outcome: GateOutcome, *, details_url: str = "",
                 max_annotations: int = ANNOTATIONS_PER_RUN,
                 workspace: Path | None = None, untrusted: bool = False,
                 source_root: str = "") -> list[PhaseCheck]:
    """One PhaseCheck per result, from the gate's checks; at most *max_annotations* (<= 50) annotations each,
    paths relative to *workspace*. *untrusted*: the results came from an untrusted run (never success;
    the title and summary say so)."""
    workspace = workspace or Path(os.environ.get("GITHUB_WORKSPACE") or Path.cwd())
    cap = max(0, min(max_annotations, ANNOTATIONS_PER_RUN))
    out = []
    for r in results:
        checks: list[Check] = [c for c in outcome.checks if c.phase == r.phase]
        status = worst_status([c.status for c in checks]) if checks else r.status
        if r.status == "error":
            status = "error"
        notes, more = annotations_for(r, cap, workspace, source_root)
        # What the comment lists under Warnings for this phase, so that a "warn" check run says why too
        warnings = collect_warnings([r], Places.of([r]))
        ctx = dict(phase=r.phase, result=r, status=status, checks=checks, untrusted=untrusted,
                   compared=comparison_map(outcome.comparisons), failed=failed_gates(checks),
                   warnings=warnings, warnings_shown=min(len(warnings), WARNINGS_SHOWN))
        summary = render(
            "github/check_summary.md.j2", **ctx, counts=severity_counts([r]), details_url=details_url,
            untrusted_note=UNTRUSTED_NOTE if untrusted else "",
            has_baseline=any(m.baseline is not None for m in r.metrics), max_rows=SUMMARY_ROWS,
            annotated=len(notes), more_annotations=more, annotation_cap=cap,
        )
        if len(summary) > TEXT_LIMIT:
            summary = (summary[: TEXT_LIMIT - 80].rsplit("\n", 1)[0]
                       + "\n\n…cut to fit GitHub's limit; see the full report.\n")
        out.append(PhaseCheck(
            phase=r.phase, status=status,
            title=render("github/check_title.txt.j2", **ctx).strip(),
            summary=summary,
            description=_one_line(render("github/status_description.txt.j2", **ctx), DESCRIPTION_LIMIT),
            annotations=notes, more_annotations=more, untrusted=untrusted,
        ))
    return out


def _one_line(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def publish_checks(
    client: GitHubClient,
    repo_name: str,
    sha: str,
    checks: list[PhaseCheck],
    *,
    mode: str = "auto",
    name_format: str = "EchoTune CI / {phase}",
    details_url: str = "",
    run_key: str = "",
) -> list[Published]:
    ('Publish *checks* on commit *sha* of *repo_name*: check runs, or commit statuses (mode "status", '
     'or "auto" when the token is not an App\'s). Raises ConfigError/InputError for what the user must '
     'fix, RunError when GitHub keeps failing.')
    if not _SHA.match(sha or ""):
        raise InputError(f"--sha must be a full 40-character commit SHA, got {sha!r}")
    repo = client.repo(repo_name)
    run_key = run_key or uuid.uuid4().hex[:12]
    published: list[Published] = []
    for check in checks:
        name = name_format.format(phase=check.phase)
        if mode in ("auto", "check-run"):
            try:
                published.append(_check_run(client, repo, repo_name, sha, check, name, details_url, run_key))
                continue
            except ConfigError as exc:
                if mode == "check-run" or not _needs_app(exc):
                    raise
                mode = "status"
        published.append(_status(client, repo, repo_name, sha, check, name, details_url))
    return published


def _needs_app(exc: ConfigError) -> bool:
    data = getattr(exc.__cause__, "data", None)
    message = data.get("message", "") if isinstance(data, dict) else ""
    return "authenticate via a github app" in str(message).lower()


def _check_run(client: GitHubClient, repo: Any, repo_name: str, sha: str, check: PhaseCheck, name: str,
               details_url: str, run_key: str) -> Published:
    external_id = f"echotune-ci/{check.phase}/{run_key}"
    params: dict[str, Any] = dict(
        name=name, head_sha=sha, status="completed", conclusion=check.conclusion,
        external_id=external_id,
        output=mask_data({"title": check.title, "summary": check.summary, "annotations": check.annotations}),
    )
    if details_url.startswith(("https://", "http://")):
        params["details_url"] = details_url

    def find() -> Any:
        runs = repo.get_commit(sha).get_check_runs(check_name=name)
        return next((r for r in runs if r.external_id == external_id), None)

    run = client.create(lambda: repo.create_check_run(**params), find=find,
                        what=f"create check run '{name}' on {sha[:12]} in {repo_name}")
    return Published(check.phase, "check-run", check.conclusion, run.html_url or "")


def _status(client: GitHubClient, repo: Any, repo_name: str, sha: str, check: PhaseCheck, name: str,
            details_url: str) -> Published:
    state = check.state
    if state is None:
        return Published(check.phase, "status", "not published (an untrusted run is never a success)")
    params: dict[str, Any] = dict(state=state, description=mask(check.description), context=name)
    if details_url.startswith(("https://", "http://")):
        params["target_url"] = details_url
    commit = repo.get_commit(sha)

    def find() -> Any:
        for s in commit.get_statuses():
            if s.context == name:
                # The newest status of this context: ours when it says what we meant to say.
                return s if (s.state, s.description) == (state, params["description"]) else None
        return None

    client.create(lambda: commit.create_status(**params), find=find,
                  what=f"set status '{name}' on {sha[:12]} in {repo_name}")
    return Published(check.phase, "status", state, details_url)
