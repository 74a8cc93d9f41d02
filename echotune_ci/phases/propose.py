"""The propose phase: turn findings into checked changes and draft pull requests.

Changes come from fixers (vulnerable pins) and, when configured, from diffs
the research provider writes for single findings. Each change is applied in
its own worktree on the base commit and must pass ``propose_validate``, the
project's test command and (optionally) the configured gates there; a change
that fails any of it is listed as rejected with the reason and never pushed.
Accepted changes go to ``echotune/<topic>`` and one draft pull request each.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError, InputError
from ..results import Metric, PhaseResult, load_results
from .propose_fixers import Change, Checkout, pin_fixes
from .propose_git import (Worktree, base_commit, current_branch, ensure_clean, fetch_commit, git,
                          remote_branch_sha, repo_root, run_command, tree_of)
from .propose_validate import PatchPolicy, Rejected, check_patch, git_apply_check

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Config
    from . import PhaseContext


@dataclass
class ProposeOptions:
    results: list[Path] = field(default_factory=list)
    research: Path | None = None
    repo: str | None = None
    api_url: str | None = None
    dry_run: bool = False
    repo_dir: Path | None = None
    base: str | None = None


@dataclass
class Outcome:
    change: Change
    action: str  # created, updated, unchanged, no-change, capped, dismissed, rejected, planned
    number: int | None = None
    url: str = ""
    body: str = ""

    def line(self) -> str:
        where = f" #{self.number}" if self.number else ""
        url = f" {self.url}" if self.url else ""
        reason = f": {self.change.reason}" if self.change.reason else ""
        what = f" ({self.change.title})" if self.action == "rejected" and self.change.title else ""
        return f"{self.change.topic}{what}: {self.action}{where}{url}{reason}"


def _render(template: str, **ctx: Any) -> str:
    from ..report.render import render

    return render(template, **ctx)


def load_brief(folder: Path | None) -> dict[str, Any] | None:
    if folder is None:
        return None
    path = folder / "brief.json" if folder.is_dir() else folder
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no research brief (run echotune-ci research --output {folder})") from None
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: not a research brief ({exc})") from None
    if not isinstance(data, dict) or not str(data.get("format", "")).startswith("echotune-research-brief/"):
        raise InputError(f"{path}: not a research brief (no 'format': 'echotune-research-brief/1')")
    return data


_MENTION = re.compile(r"@(?=[A-Za-z0-9])")
_REF = re.compile(r"#(?=\d)")


def quote_untrusted(text: str, limit: int = 1500) -> str:
    """Research text as an inert markdown quote: no HTML, mentions or issue links."""
    text = text.strip()
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0] + " …"
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _REF.sub("#\u200b", _MENTION.sub("@\u200b", text))
    return "\n".join("> " + line if line.strip() else ">" for line in text.splitlines())


def _brief_for(brief: dict[str, Any] | None, area: str) -> tuple[str, list[dict[str, str]]]:
    from .propose_research import brief_advice

    return brief_advice(brief, area)


# ---------------------------------------------------------------------- gates on the branch


def _gate_row(name: str, before: PhaseResult | None, after: PhaseResult | None, note: str = "") -> dict[str, Any]:
    def failing(r: PhaseResult | None) -> Any:
        return sum(1 for m in r.metrics if m.status == "fail") if r else "–"

    return {"name": name, "before": before.status if before else "–", "after": after.status if after else (note or "–"),
            "findings_before": len(before.findings) if before else "–",
            "findings_after": len(after.findings) if after else "–",
            "failing_before": failing(before), "failing_after": failing(after)}


def run_gates(cfg: "Config", root: Path, worktree: Path, project_dir: Path, gates: list[str], timeout: float,
              before: dict[str, PhaseResult]) -> list[dict[str, Any]]:
    """Re-run the configured phases on the branch with ``echotune-ci run`` (a subprocess, no secrets)."""
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
        code, _output = run_command(" ".join(_shell_quote(a) for a in args), project_dir, timeout)
        rows = []
        for gate in gates:
            path = out / f"{gate}.json"
            after = None
            if path.is_file():
                try:
                    after = load_results([path])[0]
                except InputError:
                    after = None
            rows.append(_gate_row(gate, before.get(gate), after, "could not run" if code not in (0, 1) else "–"))
    return rows


def _shell_quote(arg: str) -> str:
    import shlex

    return shlex.quote(arg)


# ---------------------------------------------------------------------- one change


def _safe_citations(citations: list[dict[str, str]]) -> list[dict[str, str]]:
    from .research_providers import safe_url

    out, seen = [], set()
    for c in citations:
        url = safe_url(str(c.get("url", "")))
        if url and url not in seen:
            seen.add(url)
            out.append({"url": url, "title": " ".join(str(c.get("title", "")).split())[:200],
                        "date": str(c.get("date", ""))[:40]})
    return out


def _findings_for_body(change: Change) -> list[dict[str, str]]:
    """Finding text comes from result files: shortened, and links only when they are http(s)."""
    from .research_providers import safe_url

    out = []
    for f in change.findings[:20]:
        message = f.message if len(f.message) <= 240 else f.message[:240].rsplit(" ", 1)[0] + " …"
        out.append({"severity": f.severity, "rule_id": f.rule_id, "message": message,
                    "help_url": safe_url(f.help_url or "") or ""})
    return out


def prepare(change: Change, cfg: "Config", root: Path, base: str, base_sha: str, policy: PatchPolicy,
            before: dict[str, PhaseResult], wt: Worktree) -> tuple[str, str] | None:
    """Check, apply, test and commit *change* in *wt*; (commit, body) or None when nothing changes.

    Raises Rejected with the reason a person needs.
    """
    section = cfg.section("propose")
    assert wt.path is not None
    files = check_patch(change.diff, wt.path, policy)
    git_apply_check(change.diff, wt.path)
    wt.apply(change.diff)
    project_dir = wt.path / project_prefix(cfg, root)
    tests = None
    if section["test_command"]:
        code, output = run_command(section["test_command"], project_dir, section["test_timeout"])
        if code != 0:
            last = " | ".join(l.strip() for l in output.strip().splitlines()[-3:] if l.strip())
            raise Rejected(f"the project's tests fail with this change (exit {code}): {last[:300]}")
        tests = {"command": section["test_command"], "status": "pass"}
    commit = wt.commit_all(_render("propose/commit.txt.j2", change=change), section["author"])
    if tree_of(root, commit) == tree_of(root, base_sha):
        return None
    gates = run_gates(cfg, root, wt.path, project_dir, section["gates"], section["gate_timeout"], before)
    return commit, _render(
        "propose/pr_body.md.j2",
        change=change,
        findings=_findings_for_body(change),
        files=files,
        lines_changed=sum(1 for l in change.diff.splitlines() if l[:1] in "+-" and l[:3] not in ("+++", "---")),
        rationale=quote_untrusted(change.rationale) if change.rationale else "",
        citations=_safe_citations(change.citations),
        gates=gates,
        tests=tests,
        base=base,
        size=len(change.diff.encode()),
        max_bytes=policy.max_bytes,
    )


# ---------------------------------------------------------------------- the phase


def collect_changes(cfg: "Config", checkout: Checkout, results: list[PhaseResult], brief: dict[str, Any] | None,
                    result: PhaseResult) -> list[Change]:
    section = cfg.section("propose")
    findings = [f for r in results for f in r.findings]
    changes: list[Change] = []
    if section["fixers"]:
        audit = [f for f in findings if f.source_tool == "pip-audit"]
        change, skipped = pin_fixes(audit, checkout, section["fixer_topic"])
        if change is not None:
            change.rationale, change.citations = _brief_for(brief, "security")
            changes.append(change)
        changes.extend(skipped)
    if section["research_patches"]:
        changes.extend(_research_changes(cfg, checkout, findings, brief, result))
    return changes


def _research_changes(cfg: "Config", checkout: Checkout, findings: list[Any], brief: dict[str, Any] | None,
                      result: PhaseResult) -> list[Change]:
    from .propose_research import ask_for_patches, candidates
    from .research_cache import AnswerCache
    from .research_providers import find_api_key, provider_settings

    section = cfg.section("propose")
    research = cfg.section("research")
    picked = candidates(findings, checkout, section["patch_severity"], section["research_patches"])
    if not picked:
        return []
    settings = provider_settings(research)
    try:
        key = find_api_key(settings)
    except ConfigError as exc:
        result.notes.append(f"research-driven patches skipped: {exc}")
        return []
    cache = AnswerCache(cfg.resolve(research["cache_dir"]), research["cache_ttl"])
    return ask_for_patches(picked, checkout, section, settings, key, cache, brief)


def propose(cfg: "Config", options: ProposeOptions, ctx: "PhaseContext | None" = None) -> PhaseResult:
    return propose_with_outcomes(cfg, options, ctx)[0]


def propose_with_outcomes(cfg: "Config", options: ProposeOptions,
                          ctx: "PhaseContext | None" = None) -> tuple[PhaseResult, list[Outcome]]:
    """The result, and what happened to each change (with the pull request body)."""
    started = time.monotonic()
    section = cfg.section("propose")
    result = PhaseResult(phase="propose")
    if not options.dry_run and not options.repo:
        raise ConfigError("--repo OWNER/NAME is required (or set GITHUB_REPOSITORY), unless --dry-run")
    root = repo_root((options.repo_dir or cfg.root).resolve())
    ensure_clean(root)
    remote = section["remote"]
    if git("remote", "get-url", remote, cwd=root, check=False).returncode != 0:
        raise ConfigError(f"{root}: no git remote {remote!r} ([propose] remote)")
    base = options.base or section["base"] or current_branch(root)
    base_sha = base_commit(root, base, remote)
    results = load_results(options.results) if options.results else []
    brief = load_brief(options.research)
    result.target = f"{options.repo or root.name} ({base})"

    prefix = project_prefix(cfg, root)
    with Worktree(root, base_sha) as reading:
        assert reading.path is not None
        changes = collect_changes(cfg, Checkout(reading.path, root, prefix), results, brief, result)
    policy = PatchPolicy.from_section(section)
    before = {r.phase: r for r in results if r.phase not in ("research", "propose")}
    pulls = None
    outcomes: list[Outcome] = []
    for change in changes:
        if change.status == "rejected":
            outcomes.append(Outcome(change, "rejected"))
            continue
        branch = section["branch_prefix"] + change.topic
        with Worktree(root, base_sha) as wt:
            try:
                prepared = prepare(change, cfg, root, base, base_sha, policy, before, wt)
            except Rejected as exc:
                change.status, change.reason = "rejected", str(exc)
                outcomes.append(Outcome(change, "rejected"))
                continue
            if prepared is None:
                outcomes.append(Outcome(change, "no-change"))
                continue
            change.status = "accepted"
            commit, body = prepared
            if options.dry_run:
                outcomes.append(Outcome(change, "planned", body=body))
                continue
            if pulls is None:
                pulls = _pulls(cfg, options)
            outcomes.append(_deliver(pulls, wt, root, remote, branch, base, commit, change, body, section))

    _summarise(result, outcomes, options)
    result.duration_s = time.monotonic() - started
    return result.finalize(), outcomes


def project_prefix(cfg: "Config", root: Path) -> str:
    """The project folder inside the repository ("" at the top): finding paths and commands are relative to it."""
    try:
        rel = cfg.root.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return ""
    return "" if rel == "." else rel


def _pulls(cfg: "Config", options: ProposeOptions) -> Any:
    from ..github.client import GitHubClient
    from .propose_pulls import Pulls

    client = GitHubClient.from_env(api_url=options.api_url, settings=cfg.section("github"))
    return Pulls(client, options.repo or "", cfg.section("propose")["branch_prefix"])


def _deliver(pulls: Any, wt: Worktree, root: Path, remote: str, branch: str, base: str, commit: str,
             change: Change, body: str, section: dict[str, Any]) -> Outcome:
    existing = pulls.find(branch)
    remote_sha = remote_branch_sha(root, remote, branch)
    if remote_sha is not None:
        fetch_commit(root, remote, branch)
    same_tree = remote_sha is not None and tree_of(root, remote_sha) == tree_of(root, commit)
    if existing is None and same_tree and pulls.find(branch, state="closed") is not None:
        # Closing the pull request dismissed exactly this change; a different change reopens the topic.
        change.reason = "the same change was proposed before and its pull request was closed"
        return Outcome(change, "dismissed", body=body)
    if existing is None and not pulls.room_for_one_more(section["max_open_prs"]):
        change.reason = f"{section['max_open_prs']} proposal pull requests are open already ([propose] max_open_prs)"
        return Outcome(change, "capped", body=body)
    pushed = False
    if not same_tree:
        wt.push(remote, branch)
        pushed = True
    made = pulls.publish(branch=branch, base=base, title=change.title, body=body, draft=section["draft"],
                         labels=section["labels"], existing=existing)
    action = "updated" if made.action == "unchanged" and pushed else made.action
    return Outcome(change, action, made.number, made.url, body)


def _summarise(result: PhaseResult, outcomes: list[Outcome], options: ProposeOptions) -> None:
    count = {a: sum(1 for o in outcomes if o.action == a) for a in
             ("created", "updated", "unchanged", "no-change", "capped", "dismissed", "rejected", "planned")}
    for name, value in (("propose.changes", sum(1 for o in outcomes if o.change.status == "accepted")),
                        ("propose.rejected", count["rejected"]), ("propose.prs_opened", count["created"]),
                        ("propose.prs_updated", count["updated"])):
        result.metrics.append(Metric(name=name, value=value, better="higher" if name != "propose.rejected" else "lower"))
    for o in outcomes:
        result.notes.append(o.line())
    if options.dry_run:
        result.notes.append("dry run: nothing was pushed and no pull request was touched")


def run(cfg: "Config", ctx: "PhaseContext") -> PhaseResult:
    """Inside ``run`` propose only plans: opening pull requests is the propose command's job."""
    return propose(cfg, ProposeOptions(results=[ctx.artifacts_dir], dry_run=True), ctx)
