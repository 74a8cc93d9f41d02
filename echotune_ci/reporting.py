"""Glue between result files, the gate and the renderers (used by report, gate, run, comment, checks)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from .config import Config
from .fsutil import write_text_atomic
from .gate import GateOutcome, evaluate
from .masking import mask
from .report.base import GITHUB_COMMENT_LIMIT, ReportInput
from .results import load_results


def evaluate_paths(paths: Iterable[str | Path], cfg: Config,
                   baseline: Iterable[str | Path] | None = None, *, untrusted: bool = False) -> GateOutcome:
    """Load result files/folders (and baseline ones) and gate them; InputError for bad files.

    *untrusted*: the files come from an untrusted run; they are reduced to validated numbers and fixed
    words first (:func:`~echotune_ci.report.untrusted.restrict_untrusted`).
    """
    from .baseref import paired_baseline

    paths = list(paths)
    results = load_results(paths)
    baseline = baseline or paired_baseline(paths)  # a side-by-side run's folder holds its own base
    base = load_results(baseline) if baseline else None
    if untrusted:
        from .report.untrusted import restrict_untrusted

        results = restrict_untrusted(results)
        base = restrict_untrusted(base) if base is not None else None
    return evaluate(results, cfg, base)


def report_input(outcome: GateOutcome, cfg: Config, details_url: str | None = None,
                 max_chars: int | None = None, *, untrusted: bool = False) -> ReportInput:
    """The renderers' input from the outcome and [report] (details_url overrides [report] details_url);
    *untrusted*: the results came from an untrusted run (the report says so)."""
    return ReportInput(outcome=outcome, title=cfg.report.title,
                       details_url=cfg.report.details_url if details_url is None else details_url,
                       max_chars=GITHUB_COMMENT_LIMIT if max_chars is None else max_chars,
                       max_annotations=cfg.report.max_annotations, untrusted=untrusted)


def write_report_files(outcome: GateOutcome, cfg: Config, out_dir: Path) -> list[Path]:
    """Write every format that has a file name (comment.md, summary.md, report.json, index.html)
    into <out>/report/; returns the paths."""
    from .report.formats import FORMATS

    report = report_input(outcome, cfg)
    report_dir = out_dir / "report"
    return [write_text_atomic(report_dir / fmt.file_name, fmt.render(report))
            for fmt in FORMATS.values() if fmt.file_name is not None]


def append_step_summary(markdown: str) -> Path | None:
    """Append to $GITHUB_STEP_SUMMARY when running inside GitHub Actions; the file, or None."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return None
    markdown = mask(markdown)  # the job summary is public to whoever reads the run
    with open(target, "a", encoding="utf-8") as fh:
        fh.write(markdown)
        if not markdown.endswith("\n"):
            fh.write("\n")
    return Path(target)


def set_github_output(**values: str) -> None:
    """Append ``key=value`` lines to $GITHUB_OUTPUT when it is set."""
    target = os.environ.get("GITHUB_OUTPUT")
    if not target:
        return
    with open(target, "a", encoding="utf-8") as fh:
        for key, value in values.items():
            fh.write(mask(f"{key}={value}\n"))
