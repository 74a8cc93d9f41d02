"""Propose: turn findings into checked changes and draft pull requests.

Changes come from fixers (vulnerable pins) and, when configured, from diffs
the research provider writes for single findings. Each change is applied in
its own worktree on the base commit and must pass :mod:`.validate`, the
project's test command and (optionally) the configured gates there; a change
that fails any of it is listed as rejected with the reason and never pushed.
Accepted changes go to ``echotune/<topic>`` and one draft pull request each,
through the :class:`~echotune_ci.propose.host.PullRequestHost` the caller
supplies. Propose is not a phase: ``echotune-ci propose`` runs it
(:func:`propose`).
"""

from __future__ import annotations

import shlex
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ..errors import ConfigError, InputError
from ..fsutil import read_json
from ..results import Finding, Metric, PhaseResult, load_results
from .documents import commit_message, pr_body
from .fixers import Change, Checkout, npm_fixes, pin_fixes
from .git import (TestClone, Worktree, base_commit, current_branch, ensure_clean, fetch_commit, git,
                  lifted_credentials, remote_branch_sha, repo_root, run_command, tree_of)
from .host import HostFactory, PullRequestHost
from .research_patches import brief_advice
from .validate import Rejected, check_changes, check_patch, commit_changes, git_apply_check, worktree_changes

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Config

_ACTIONS = ("created", "updated", "unchanged", "no-change", "capped", "dismissed", "rejected", "planned")


@dataclass
class ProposeOptions:
    """What a propose run needs besides the [propose] settings.

    ``results``: result files or folders whose findings are fixed;
    ``research``: a folder with brief.json (or the file) for the why of each
    change; ``repo``: OWNER/NAME (required unless ``dry_run``); ``dry_run``:
    check and test every change, push and open nothing; ``repo_dir``: the
    git checkout to work from (default: the [project] root).
    """

    results: list[Path] = field(default_factory=list)
    research: Path | None = None
    repo: str | None = None
    dry_run: bool = False
    repo_dir: Path | None = None


@dataclass
class Outcome:
    """What happened to one change.

    ``action``: created, updated, unchanged, no-change, capped, dismissed,
    rejected or planned; ``number`` and ``url`` of its pull request;
    ``body`` the pull request body (also for planned, capped and dismissed).
    """

    change: Change
    action: str
    number: int | None = None
    url: str = ""
    body: str = ""

    def line(self) -> str:
        """``topic[ (title)]: action[ #n][ url][: reason]``, one note of the result."""
        where = f" #{self.number}" if self.number else ""
        url = f" {self.url}" if self.url else ""
        reason = f": {self.change.reason}" if self.change.reason else ""
        what = f" ({self.change.title})" if self.action == "rejected" and self.change.title else ""
        return f"{self.change.topic}{what}: {self.action}{where}{url}{reason}"


@dataclass
class _Run:
    """What every change of one run shares."""

    cfg: Config
    root: Path
    remote: str
    base: str
    base_sha: str
    before: dict[str, PhaseResult]
    dry_run: bool
    host_factory: HostFactory | None
    _host: PullRequestHost | None = field(default=None, init=False)

    def host(self) -> PullRequestHost:
        """The pull request host, made on first use (so a dry run needs no token)."""
        if self._host is None:
            if self.host_factory is None:
                raise ValueError("propose needs a pull request host unless it is a dry run")
            self._host = self.host_factory()
        return self._host


def load_brief(folder: Path | None) -> dict[str, Any] | None:
    """brief.json of *folder* (or the file itself); None without a folder.

    Raises InputError when it is missing or not a research brief.
    """
    if folder is None:
        return None
    path = folder / "brief.json" if folder.is_dir() else folder
    if not path.exists():
        raise InputError(f"{path}: no research brief (run echotune-ci research --output {folder})")
    data = read_json(path, "research brief")
    if not isinstance(data, dict) or not str(data.get("format", "")).startswith("echotune-research-brief/"):
        raise InputError(f"{path}: not a research brief (no 'format': 'echotune-research-brief/1')")
    return data


# ---------------------------------------------------------------------- gates on the branch


def _gate_row(name: str, before: PhaseResult | None, after: PhaseResult | None,
              note: str = "") -> dict[str, Any]:
    def failing(r: PhaseResult | None) -> Any:
        return sum(1 for m in r.metrics if m.status == "fail") if r else "–"

    return {"name": name, "before": before.status if before else "–",
            "after": after.status if after else (note or "–"),
            "findings_before": len(before.findings) if before else "–",
            "findings_after": len(after.findings) if after else "–",
            "failing_before": failing(before), "failing_after": failing(after)}


def run_gates(cfg: Config, root: Path, worktree: Path, project_dir: Path, gates: Sequence[str],
              timeout: float, before: dict[str, PhaseResult]) -> list[dict[str, Any]]:
    """Re-run *gates* on the branch with ``echotune-ci run`` (a subprocess, no secrets; *timeout* in s).

    Returns one before/after row per gate (per result in *before* when no
    gate is configured).
    """
    if not gates:
        return [_gate_row(name, r, None, "not re-run") for name, r in before.items()]
    with tempfile.TemporaryDirectory(prefix="echotune-gates-") as tmp:
        out = Path(tmp)
        args = [sys.executable, "-m", "echotune_ci", "-q", "run", "--output-dir", str(out)]
        if cfg.path is not None:
            try:
                args += ["--config", str(worktree / cfg.path.resolve().relative_to(root.resolve()))]
            except ValueError:
                args += ["--config", str(cfg.path)]
        for gate in gates:
            args += ["--phase", gate]
        code, _output = run_command(" ".join(shlex.quote(a) for a in args), project_dir, timeout)
        note = "could not run" if code not in (0, 1) else "–"
        return [_gate_row(gate, before.get(gate), _read_result(out / f"{gate}.json"), note) for gate in gates]


def _read_result(path: Path) -> PhaseResult | None:
    if not path.is_file():
        return None
    try:
        return load_results([path])[0]
    except InputError:
        return None


# ---------------------------------------------------------------------- one change


def project_prefix(cfg: Config, root: Path) -> str:
    """The project folder inside the repository ("" at the top).

    Finding paths and commands are relative to it.
    """
    try:
        rel = cfg.root.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return ""
    return "" if rel == "." else rel


def prepare(change: Change, run: _Run, wt: Worktree) -> tuple[str, str] | None:
    """Check, apply, test and commit *change* in *wt*; (commit, body) or None when nothing changes.

    Raises Rejected with the reason a person needs.
    """
    settings = run.cfg.propose
    check_patch(change.diff, wt.folder, settings)
    git_apply_check(change.diff, wt.folder)
    wt.apply(change.diff)
    # The path policy is decided on what git wrote, not on what the diff text spells (-p1, "//" ...).
    files = check_changes(worktree_changes(wt.folder), wt.folder, settings)
    commit = wt.commit_all(commit_message(change), settings.author)
    if tree_of(run.root, commit) == tree_of(run.root, run.base_sha):
        return None
    # What would be pushed, checked again on the commit itself.
    check_changes(commit_changes(run.root, run.base_sha, commit), wt.folder, settings)
    # The change's code runs in a clone with its own .git, never in the worktree: it cannot plant a hook or
    # a config entry where the push (which holds the credentials) would find it, nor change the commit.
    with TestClone(run.root, commit) as clone:
        project_dir = clone.folder / project_prefix(run.cfg, run.root)
        tests = None
        if settings.test_command:
            code, output = run_command(settings.test_command, project_dir, settings.test_timeout)
            if code != 0:
                last = " | ".join(line.strip() for line in output.strip().splitlines()[-3:] if line.strip())
                raise Rejected(f"the project's tests fail with this change (exit {code}): {last[:300]}")
            tests = {"command": settings.test_command, "status": "pass"}
        gates = run_gates(run.cfg, run.root, clone.folder, project_dir, settings.gates, settings.gate_timeout,
                          run.before)
    return commit, pr_body(change, files=files, gates=gates, tests=tests, base=run.base,
                           max_bytes=settings.max_patch_bytes)


# ---------------------------------------------------------------------- the changes


def collect_changes(cfg: Config, checkout: Checkout, results: list[PhaseResult], brief: dict[str, Any] | None,
                    result: PhaseResult) -> list[Change]:
    """The pin fixes and npm fixes (and their rejects), then the research-driven patches, as configured.

    Notes why research patches were skipped go to *result*.
    """
    settings = cfg.propose
    findings = [f for r in results for f in r.findings]
    changes: list[Change] = []
    if settings.fixers:
        audit = [f for f in findings if f.source_tool == "pip-audit"]
        change, skipped = pin_fixes(audit, checkout, settings.fixer_topic)
        if change is not None:
            change.rationale, change.citations = brief_advice(brief, "security")
            changes.append(change)
        changes.extend(skipped)
        # vulnerable direct npm dependencies: package.json and package-lock.json, on a branch of their own
        npm_change, npm_skipped = npm_fixes(findings, checkout, f"{settings.fixer_topic}-npm",
                                            registry=cfg.security.audit.registry)
        if npm_change is not None:
            npm_change.rationale, npm_change.citations = brief_advice(brief, "security")
            changes.append(npm_change)
        changes.extend(npm_skipped)
    if settings.research_patches:
        changes.extend(_research_changes(cfg, checkout, findings, brief, result))
    return changes


def _research_changes(cfg: Config, checkout: Checkout, findings: list[Finding], brief: dict[str, Any] | None,
                      result: PhaseResult) -> list[Change]:
    from ..research.cache import AnswerCache
    from ..research.providers import find_api_key
    from .research_patches import ask_for_patches, candidates

    settings = cfg.propose
    picked = candidates(findings, checkout, settings.patch_severity, settings.research_patches)
    if not picked:
        return []
    research = cfg.research.resolved()
    try:
        key = find_api_key(research)
    except ConfigError as exc:
        result.notes.append(f"research-driven patches skipped: {exc}")
        return []
    cache = AnswerCache(cfg.resolve(research.cache_dir), research.cache_ttl)
    return ask_for_patches(picked, checkout, settings, research, key, cache, brief)


def propose(cfg: Config, options: ProposeOptions,
            host: HostFactory | None = None) -> tuple[PhaseResult, list[Outcome]]:
    """Collect, check and publish changes; the "propose" result and what happened to each change.

    *host* makes the pull request host, called once when the first accepted
    change is published (never on a dry run). Raises ConfigError (exit 2)
    without ``options.repo`` (unless a dry run) or without the configured git
    remote; InputError for a dirty checkout, a missing base or bad inputs.
    """
    started = time.monotonic()
    if not options.dry_run and not options.repo:
        raise ConfigError("--repo OWNER/NAME is required (or set GITHUB_REPOSITORY), unless --dry-run")
    root = repo_root((options.repo_dir or cfg.root).resolve())
    ensure_clean(root)
    # The change's tests must not reach the push token that actions/checkout left in .git/config.
    with lifted_credentials(root):
        return _propose(cfg, options, host, root, started)


def _propose(cfg: Config, options: ProposeOptions, host: HostFactory | None, root: Path,
             started: float) -> tuple[PhaseResult, list[Outcome]]:
    """:func:`propose` once the repository's credentials are lifted."""
    settings = cfg.propose
    result = PhaseResult(phase="propose")
    if git("remote", "get-url", settings.remote, cwd=root, check=False).returncode != 0:
        raise ConfigError(f"{root}: no git remote {settings.remote!r} ([propose] remote)")
    base = settings.base or current_branch(root)
    base_sha = base_commit(root, base, settings.remote)
    results = load_results(options.results) if options.results else []
    brief = load_brief(options.research)
    result.target = f"{options.repo or root.name} ({base})"

    with Worktree(root, base_sha) as reading:
        checkout = Checkout(reading.folder, root, project_prefix(cfg, root))
        changes = collect_changes(cfg, checkout, results, brief, result)
    before = {r.phase: r for r in results if r.phase not in ("research", "propose")}
    run = _Run(cfg, root, settings.remote, base, base_sha, before, options.dry_run, host)
    outcomes = [_handle(change, run) for change in changes]

    _summarise(result, outcomes, options.dry_run)
    result.duration_s = time.monotonic() - started
    return result.finalize(), outcomes


def _handle(change: Change, run: _Run) -> Outcome:
    """Prepare *change* in its own worktree and publish it (or plan it, on a dry run)."""
    if change.status == "rejected":
        return Outcome(change, "rejected")
    with Worktree(run.root, run.base_sha) as wt:
        try:
            prepared = prepare(change, run, wt)
        except Rejected as exc:
            change.status, change.reason = "rejected", str(exc)
            return Outcome(change, "rejected")
        if prepared is None:
            return Outcome(change, "no-change")
        change.status = "accepted"
        commit, body = prepared
        if run.dry_run:
            return Outcome(change, "planned", body=body)
        return _deliver(run, wt, commit, change, body)


def _deliver(run: _Run, wt: Worktree, commit: str, change: Change, body: str) -> Outcome:
    """Push the branch (unless it holds this tree already) and open or update its pull request."""
    settings = run.cfg.propose
    branch = settings.branch_prefix + change.topic
    pulls = run.host()
    existing = pulls.find(branch)
    remote_sha = remote_branch_sha(run.root, run.remote, branch)
    if remote_sha is not None:
        fetch_commit(run.root, run.remote, branch)
    same_tree = remote_sha is not None and tree_of(run.root, remote_sha) == tree_of(run.root, commit)
    if existing is None and same_tree and pulls.find(branch, state="closed") is not None:
        # Closing the pull request dismissed exactly this change; a different change reopens the topic.
        change.reason = "the same change was proposed before and its pull request was closed"
        return Outcome(change, "dismissed", body=body)
    if existing is None and not pulls.room_for_one_more(settings.max_open_prs):
        change.reason = (f"{settings.max_open_prs} proposal pull requests are open already "
                         "([propose] max_open_prs)")
        return Outcome(change, "capped", body=body)
    pushed = False
    if not same_tree:
        wt.push(run.remote, branch)
        pushed = True
    made = pulls.publish(branch=branch, base=run.base, title=change.title, body=body, draft=settings.draft,
                         labels=settings.labels, existing=existing)
    action = "updated" if made.action == "unchanged" and pushed else made.action
    return Outcome(change, action, made.number, made.url, body)


def _summarise(result: PhaseResult, outcomes: list[Outcome], dry_run: bool) -> None:
    count = {a: sum(1 for o in outcomes if o.action == a) for a in _ACTIONS}
    for name, value in (("propose.changes", sum(1 for o in outcomes if o.change.status == "accepted")),
                        ("propose.rejected", count["rejected"]), ("propose.prs_opened", count["created"]),
                        ("propose.prs_updated", count["updated"])):
        better: Literal["lower", "higher"] = "higher" if name != "propose.rejected" else "lower"
        result.metrics.append(Metric(name=name, value=value, better=better))
    for o in outcomes:
        result.notes.append(o.line())
    if dry_run:
        result.notes.append("dry run: nothing was pushed and no pull request was touched")
