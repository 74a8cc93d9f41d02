"""Glue between result files, the gate and the renderers (used by report, gate and run)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from .config import Config
from .fsutil import write_text_atomic
from .gate import GateOutcome, evaluate
from .results import PhaseResult, load_results


@dataclass
class Evaluated:
    results: list[PhaseResult]
    outcome: GateOutcome
    baseline: list[PhaseResult] | None


def evaluate_paths(paths: Iterable[str | Path], cfg: Config, baseline: Iterable[str | Path] | None = None) -> Evaluated:
    results = load_results(paths)
    base = load_results(baseline) if baseline else None
    return Evaluated(results, evaluate(results, cfg, base), base)


def append_step_summary(markdown: str) -> Path | None:
    """Append to $GITHUB_STEP_SUMMARY when running inside GitHub Actions."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return None
    with open(target, "a", encoding="utf-8") as fh:
        fh.write(markdown)
        if not markdown.endswith("\n"):
            fh.write("\n")
    return Path(target)


def set_github_output(**values: str) -> None:
    target = os.environ.get("GITHUB_OUTPUT")
    if not target:
        return
    with open(target, "a", encoding="utf-8") as fh:
        for key, value in values.items():
            fh.write(f"{key}={value}\n")


def write_report_files(ev: Evaluated, cfg: Config, out_dir: Path) -> list[Path]:
    """comment.md (the PR comment), summary.md, report.json and index.html in <out>/report/."""
    from .report.html import render_html
    from .report.json_report import report_dict
    from .report.markdown import render_comment, render_summary
    import json

    rep = cfg.section("report")
    comment = render_comment(ev.results, outcome=ev.outcome, details_url=rep["details_url"], title=rep["title"])
    summary = render_summary(ev.results, outcome=ev.outcome, details_url=rep["details_url"], title=rep["title"])
    report_dir = out_dir / "report"
    return [
        write_text_atomic(report_dir / "comment.md", comment),
        write_text_atomic(report_dir / "summary.md", summary),
        write_text_atomic(report_dir / "report.json", json.dumps(report_dict(ev.results, ev.outcome), indent=2) + "\n"),
        write_text_atomic(report_dir / "index.html", render_html(ev.results, ev.outcome, title=rep["title"])),
    ]
