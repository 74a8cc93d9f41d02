"""Bundle phase: raw, gzip and brotli sizes of build output against budgets and a base.

Two kinds of gate, as size-limit and bundlesize users know them: growth of
the gzip total against the base branch's result (``budgets.bundle_growth_pct``)
and absolute limits on the totals or on the files matching a glob.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from ..errors import ConfigError, InputError
from ..results import Metric, PhaseResult
from ..settings.bundle import parse_size
from .bundle_baseline import (REMOVED, Baseline, Change, file_metric, load_baseline, most_changed, pair_files,
                              total_metric)
from .bundle_files import BundleFile, expand_globs
from .bundle_sizes import KINDS, FileSize, measure, tool_versions

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Config
    from . import PhaseContext

GROWTH_METRIC = "bundle_growth_pct"


@dataclass
class Limit:
    glob: str
    max_bytes: dict[str, int]  # kind -> bytes
    where: str  # config key, for messages


@dataclass
class BundleOptions:
    """What to measure; relative globs resolve against ``base_dir``, limit
    globs against ``limits_dir`` (the config folder)."""

    globs: list[str]
    base_dir: Path
    baseline: Path | None = None
    max_growth_pct: float = 5.0
    max_total: dict[str, int] = field(default_factory=dict)
    limits: list[Limit] = field(default_factory=list)
    limits_dir: Path | None = None
    # A limit glob that matches nothing is a config typo when the config also
    # chose the files; with globs from the command line it may just not apply.
    strict_limits: bool = True
    top_changes: int = 10
    source: str = "(defaults)"


def options_from_config(
    cfg: "Config",
    *,
    globs: tuple[str, ...] | list[str] = (),
    baseline: Path | None = None,
    max_growth_pct: float | None = None,
    max_total: str | None = None,
    top_changes: int | None = None,
) -> BundleOptions:
    """[bundle] settings, overridden by command-line values (whose relative
    paths are taken from the working folder)."""
    section = cfg.section("bundle")
    from_cli = bool(globs)
    chosen = list(globs) if from_cli else list(section["globs"])
    if not chosen:
        raise ConfigError(f"{cfg.source}: no globs to measure: pass them on the command line or set [bundle] globs")
    if baseline is None and section["baseline"]:
        baseline = cfg.resolve(section["baseline"])
    growth = max_growth_pct if max_growth_pct is not None else section["max_growth_pct"]
    if growth is None:
        growth = cfg.budgets["bundle_growth_pct"]
    if growth < 0:
        raise ConfigError(f"--max-growth must be at least 0, got {growth}")
    totals = {k: parse_size(section[f"max_total_{k}"], f"{cfg.source}: bundle.max_total_{k}")
              for k in KINDS if section[f"max_total_{k}"] is not None}
    if max_total is not None:
        totals["gzip"] = parse_size(max_total, "--max-total")
    return BundleOptions(
        globs=chosen,
        base_dir=Path.cwd() if from_cli else cfg.base_dir,
        baseline=baseline,
        max_growth_pct=float(growth),
        max_total=totals,
        limits=_limits(section["limits"], cfg.source),
        limits_dir=cfg.base_dir,
        strict_limits=not from_cli,
        top_changes=section["top_changes"] if top_changes is None else top_changes,
        source=cfg.source,
    )


def _limits(entries: list[dict[str, Any]], source: str) -> list[Limit]:
    limits = []
    for i, entry in enumerate(entries):
        where = f"bundle.limits[{i}]"
        sizes = {k: parse_size(entry[f"max_{k}"], f"{source}: {where}.max_{k}")
                 for k in KINDS if entry[f"max_{k}"] is not None}
        if not sizes:
            raise ConfigError(f"{source}: '{where}' needs max_gzip, max_brotli or max_raw")
        limits.append(Limit(entry["glob"], sizes, where))
    return limits


def measure_bundle(opts: BundleOptions, progress: Callable[[str], None] = lambda _m: None) -> PhaseResult:
    started = time.monotonic()
    result = PhaseResult(phase="bundle", target=", ".join(opts.globs))
    files, empty = expand_globs(opts.globs, opts.base_dir)
    if not files:
        shown = ", ".join(repr(g) for g in opts.globs)
        raise InputError(f"no file matches {shown} (relative to {opts.base_dir})")
    baseline = load_baseline(opts.baseline) if opts.baseline is not None else None
    result.tool_versions = tool_versions()
    progress(f"bundle: sizing {len(files)} files")
    sizes = measure(files)
    changes = pair_files(sizes, baseline.files) if baseline else None

    result.metrics += _total_metrics(sizes, baseline, opts.max_total)
    if changes is not None:
        result.metrics += [m for c in sorted(changes, key=lambda c: c.name) for m in _change_metrics(c)]
    else:
        result.metrics += [m for s in sizes for m in _file_metrics(s)]
    if baseline is not None:
        result.metrics.append(_growth_metric(sizes, baseline, opts.max_growth_pct))
    limit_metrics, unmatched = _limit_metrics(files, sizes, opts)
    result.metrics += limit_metrics

    result.notes = _notes(
        empty_globs=empty,
        unmatched_limits=unmatched,
        baseline=baseline,
        changes=most_changed(changes, opts.top_changes) if changes is not None else [],
        changed_count=sum(1 for c in changes or [] if c.kind != "unchanged"),
    )
    for m in result.metrics:
        m.evaluate()
    result.duration_s = time.monotonic() - started
    return result.finalize()


def _total_metrics(sizes: list[FileSize], baseline: Baseline | None, max_total: dict[str, int]) -> list[Metric]:
    return [
        Metric(
            name=total_metric(kind),
            value=sum(s.get(kind) for s in sizes),
            unit="bytes",
            budget=max_total.get(kind),
            baseline=baseline.totals.get(kind) if baseline else None,
            description=f"{kind} size of {len(sizes)} files",
        )
        for kind in KINDS
    ]


def _file_metrics(size: FileSize, base: dict[str, float] | None = None, description: str = "") -> list[Metric]:
    return [
        Metric(
            name=file_metric(kind),
            value=size.get(kind),
            unit="bytes",
            baseline=None if base is None else base.get(kind, 0.0),
            labels={"file": size.name},
            description=description,
        )
        for kind in KINDS
    ]


def _change_metrics(change: Change) -> list[Metric]:
    if change.head is None:
        gone = FileSize(change.name, 0, 0, 0)
        return _file_metrics(gone, change.base, REMOVED)
    if change.base is None:
        return _file_metrics(change.head, {}, "added since the base")
    renamed = change.renamed_from
    return _file_metrics(change.head, change.base, f"was {renamed} in the base" if renamed else "")


def _growth_metric(sizes: list[FileSize], baseline: Baseline, budget: float) -> Metric:
    head = sum(s.gzip for s in sizes)
    base = baseline.totals["gzip"]
    return Metric(
        name=GROWTH_METRIC,
        value=(head - base) / base * 100.0,
        unit="%",
        budget=budget,
        description=f"growth of the gzip total against {baseline.source}",
    )


def _limit_metrics(files: list[BundleFile], sizes: list[FileSize], opts: BundleOptions) -> tuple[list[Metric], list[Limit]]:
    by_path = {f.path: s for f, s in zip(files, sizes)}
    metrics: list[Metric] = []
    unmatched: list[Limit] = []
    for limit in opts.limits:
        hits, _ = expand_globs([limit.glob], opts.limits_dir or opts.base_dir)
        covered = [by_path[f.path] for f in hits if f.path in by_path]
        if not covered:
            if opts.strict_limits:
                raise ConfigError(f"{opts.source}: '{limit.where}.glob' {limit.glob!r} matches none of the measured files")
            unmatched.append(limit)
            continue
        for kind, max_bytes in limit.max_bytes.items():
            metrics.append(
                Metric(
                    name=f"bundle_limit_{kind}_bytes",
                    value=sum(s.get(kind) for s in covered),
                    unit="bytes",
                    budget=max_bytes,
                    labels={"glob": limit.glob},
                    description=f"{kind} size of {len(covered)} files matching {limit.glob}",
                )
            )
    return metrics, unmatched


def _notes(**context: Any) -> list[str]:
    from ..report.render import render

    return [line for line in render("bundle_notes.txt.j2", **context).splitlines() if line.strip()]


def check(cfg: "Config") -> None:
    """Configuration errors (no globs, bad sizes) before `run` starts the app."""
    options_from_config(cfg)


def run(cfg: "Config", ctx: "PhaseContext") -> PhaseResult:
    """The phase as ``echotune-ci run`` drives it: everything from [bundle]."""
    return measure_bundle(options_from_config(cfg), progress=ctx.progress)
