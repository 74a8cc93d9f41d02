"""Glue between result files, the gate and the renderers (used by report, gate, run, comment, checks)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

from .config import Config
from .fsutil import append_all_or_nothing, write_json_atomic, write_text_atomic
from .gate import GateOutcome, evaluate
from .masking import mask
from .report.base import GITHUB_COMMENT_LIMIT, ReportInput, in_repository
from .results import load_results

# The [gate] and [budgets] a run gated with, beside its report. pr-report.yml's report stage reads the
# downloaded artifact in a workspace that holds no echotune.toml, and gated with the defaults: a p95 the
# project's `regression = { p95_ms = 40 }` let pass was "1 gate(s) failed ... regressed" in the comment of a
# job that had passed (and the other way round for a project stricter than the defaults).
GATE_SETTINGS = Path("report") / "gate-settings.json"
# GitHub's limit for one step's job summary (the whole $GITHUB_STEP_SUMMARY file), in bytes.
STEP_SUMMARY_LIMIT = 1024 * 1024


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


def gate_settings(paths: Iterable[str | Path], cfg: Config, *, untrusted: bool = False) -> Config:
    """*cfg*, or where no configuration file was given or found (the report stage of a workflow_run), *cfg*
    with the [gate] and [budgets] recorded in the first results folder of *paths* that holds them
    (:data:`GATE_SETTINGS`, written by :func:`write_report_files`); messages then name that file.

    *untrusted*: the record is a fork's, held to what the rest of its artifact is held to (numbers, the
    schema's words, metric names of the narrow pattern: :func:`.report.untrusted.restrict_settings`).
    InputError/ConfigError (exit 2, one line naming the file) for a record that is no valid settings."""
    from .config.model import parse_config
    from .errors import InputError
    from .fsutil import read_json

    if cfg.path is not None:
        return cfg
    for raw in paths:
        record = Path(raw) / GATE_SETTINGS
        if not (Path(raw).is_dir() and record.is_file()):
            continue
        data = read_json(record, "gate settings record")
        if not isinstance(data, dict) or not set(data) <= {"gate", "budgets", "source_root"}:
            raise InputError(f"{record}: not a gate settings record (a table of [gate] and [budgets] only)")
        data = {k: v for k, v in data.items() if k != "source_root"}  # read by source_root()
        if untrusted:
            from .report.untrusted import restrict_settings

            data = restrict_settings(data)
        recorded = parse_config(data, "", str(record), base_dir=cfg.base_dir)
        from .console import info

        info(f"gating with the [gate] and [budgets] the run recorded in {record} (no echotune.toml here)")
        return replace(cfg, gate=recorded.gate, budgets=recorded.budgets, path=record)
    return cfg


def _record(section: Any) -> dict[str, Any]:
    """A settings section as plain JSON (its mappings as objects)."""
    return {f.name: dict(value) if isinstance(value := getattr(section, f.name), Mapping) else value
            for f in fields(section)}


# A folder of the repository as the record may give it: path characters, no "..", no leading "/".
_FOLDER = re.compile(r"^(?!.*(?:^|/)\.\.(?:/|$))[A-Za-z0-9_.+@-][A-Za-z0-9_.+@/-]{0,199}$")


def source_root(cfg: Config) -> str:
    """Where the findings' paths start in the repository ([project] root: :func:`.report.base.in_repository`),
    from the configuration file's place in its checkout; where the configuration is a run's record
    (:func:`gate_settings`: the report stage, which has no checkout), the folder the run recorded, if it
    is a plain relative folder; else "" (the working folder says nothing of where results were measured)."""
    if cfg.path is None:
        return ""
    if cfg.path.suffix == ".toml":
        return in_repository(cfg.root)
    from .fsutil import json_or_none

    data = json_or_none(cfg.path) if cfg.path.name == GATE_SETTINGS.name else None
    folder = data.get("source_root") if isinstance(data, dict) else None
    return folder if isinstance(folder, str) and _FOLDER.match(folder) else ""


def report_input(outcome: GateOutcome, cfg: Config, details_url: str | None = None,
                 max_chars: int | None = None, *, untrusted: bool = False) -> ReportInput:
    """The renderers' input from the outcome and [report] (details_url overrides [report] details_url);
    *untrusted*: the results came from an untrusted run (the report says so). The findings' paths start
    at [project] root, named from the root of the repository that holds it."""
    return ReportInput(outcome=outcome, title=cfg.report.title,
                       details_url=cfg.report.details_url if details_url is None else details_url,
                       max_chars=GITHUB_COMMENT_LIMIT if max_chars is None else max_chars,
                       max_annotations=cfg.report.max_annotations, untrusted=untrusted,
                       source_root=source_root(cfg))


def write_report_files(outcome: GateOutcome, cfg: Config, out_dir: Path) -> list[Path]:
    """Write every format that has a file name (comment.md, summary.md, report.json, index.html)
    into <out>/report/, and the settings the outcome was gated with (:data:`GATE_SETTINGS`, read by
    :func:`gate_settings`); returns the paths."""
    from .report.formats import FORMATS

    report = report_input(outcome, cfg)
    report_dir = out_dir / "report"
    written = [write_text_atomic(report_dir / fmt.file_name, fmt.render(report))
               for fmt in FORMATS.values() if fmt.file_name is not None]
    # with where the findings' paths start: the report stage's check runs annotate the repository's files
    record = {"gate": _record(cfg.gate), "budgets": _record(cfg.budgets), "source_root": source_root(cfg)}
    return [*written, write_json_atomic(out_dir / GATE_SETTINGS, record)]


def append_step_summary(markdown: str, full: str | Path | None = None) -> Path | None:
    """Append *markdown* to $GITHUB_STEP_SUMMARY when it is set (inside GitHub Actions); the file, or None.

    GitHub keeps a step's summary only while the whole file stays within
    :data:`STEP_SUMMARY_LIMIT` (1 MiB; over it the runner drops all of it:
    "$GITHUB_STEP_SUMMARY upload aborted, supports content up to a size of
    1024k"), so what does not fit beside what the step wrote already is cut
    at a line end, with a note saying so and where the whole text is
    (*full*). The text goes in with one append, or not at all. RunError
    (exit 3, one line) when the file cannot be written (a missing folder, a
    read-only file, no space left).
    """
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return None
    markdown = mask(markdown)  # the job summary is public to whoever reads the run
    if not markdown.endswith("\n"):
        markdown += "\n"
    data = markdown.encode("utf-8")
    append_all_or_nothing(target, lambda used: _fit(data, STEP_SUMMARY_LIMIT - used, full))
    return Path(target)


def set_github_output(**values: str) -> None:
    """Append ``key=value`` lines to $GITHUB_OUTPUT when it is set: all of them with one append, or none.
    RunError (exit 3, one line) when the file cannot be written."""
    target = os.environ.get("GITHUB_OUTPUT")
    if not target:
        return
    data = "".join(mask(f"{key}={value}\n") for key, value in values.items()).encode("utf-8")
    append_all_or_nothing(target, lambda _used: data)


def _fit(data: bytes, room: int, full: str | Path | None) -> bytes:
    """*data*, or as many of its whole lines as fit in *room* bytes with a note that the rest was cut
    (b"" when not even the note fits)."""
    if len(data) <= room:
        return data

    def note(shown: int) -> bytes:
        where = f"; the whole summary is in {full}" if full else ""
        return (f"\n> **Summary truncated:** GitHub keeps at most {STEP_SUMMARY_LIMIT // 1024} KiB per step; "
                f"{shown:,} of {len(data):,} bytes shown{where}.\n").encode()

    keep = room - len(note(len(data)))  # the note's figure never gets longer than the total's
    cut = data.rfind(b"\n", 0, keep) if keep > 0 else -1
    head = data[:cut + 1]
    tail = note(len(head))
    return head + tail if len(head) + len(tail) <= room else b""
