"""Bundle phase: raw, gzip and brotli sizes of build output against budgets and a base.

Two kinds of gate, as size-limit and bundlesize users know them: growth of
the gzip total against the base branch's result (``budgets.bundle_growth_pct``)
and absolute limits on the totals or on the files matching a glob.

:data:`PHASE` is what ``echotune-ci run`` drives (everything from [bundle]);
:func:`measure` is the same measurement for the ``bundle`` command, whose
globs and baseline may come from the command line.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ...errors import ConfigError, InputError
from ...results import Metric, PhaseResult
from .baseline import (ADDED, REMOVED, Baseline, Change, file_metric, load_baseline, most_changed, pair_files,
                       total_metric)
from .files import BundleFile, expand_globs, literal_root, route_modules, unloaded_files
from .settings import BundleSettings, LimitSettings
from .sizes import KINDS, FileSize, tool_versions
from .sizes import measure as measure_sizes

if TYPE_CHECKING:  # pragma: no cover
    from ..base import Phase, PhaseContext

NAME = "bundle"
GROWTH_METRIC = "bundle_growth_pct"


class BundlePhase:
    """The bundle phase as `run` drives it: no app needed, measures [bundle] globs."""

    name = NAME
    settings_type = BundleSettings
    needs_app = False
    uses_app = False

    def check(self, settings: BundleSettings, ctx: PhaseContext) -> None:
        """Raise ConfigError for what :meth:`run` would reject (no globs, a limit without a size)."""
        plan(settings, ctx)

    def run(self, settings: BundleSettings, ctx: PhaseContext) -> PhaseResult:
        """Measure the [bundle] globs (relative to the config file); see :func:`measure`."""
        return measure(settings, ctx)


PHASE: Phase[BundleSettings] = BundlePhase()


@dataclass(frozen=True)
class BundleOptions:
    """One measurement: the settings it was planned from and the values resolved from them.

    ``globs`` are measured relative to ``base_dir``; limit globs relative to
    ``limits_dir`` (the config folder). ``baseline`` is the base result to
    open, ``max_growth_pct`` the growth budget in percent (the setting, else
    ``budgets.bundle_growth_pct``). ``strict_limits``: a limit glob that
    matches nothing is a config typo when the config also chose the files;
    with globs from the command line it may just not apply.
    """

    settings: BundleSettings
    globs: tuple[str, ...]
    base_dir: Path
    limits_dir: Path
    baseline: Path | None = None
    max_growth_pct: float = 5.0
    strict_limits: bool = True
    source: str = "(defaults)"


def plan(settings: BundleSettings, ctx: PhaseContext, *, globs: Sequence[str] = (),
         baseline: Path | None = None) -> BundleOptions:
    """What to measure for *settings* in *ctx*.

    *globs* and *baseline* given on the command line are relative to the
    working folder and replace ``[bundle] globs`` / ``baseline`` (relative to
    the config file). Raises ConfigError when there is nothing to measure,
    for a negative growth budget (only --max-growth can give one) and for a
    limit without any size.
    """
    from_cli = bool(globs)
    chosen = tuple(globs) if from_cli else settings.globs
    if not chosen:
        raise ConfigError(f"{ctx.source}: no globs to measure: pass them on the command line or set "
                          f"[bundle] globs")
    if baseline is None and settings.baseline:
        baseline = ctx.resolve(settings.baseline)
    growth = settings.max_growth_pct if settings.max_growth_pct is not None else ctx.budgets.bundle_growth_pct
    if growth < 0:
        raise ConfigError(f"--max-growth must be at least 0, got {growth}")
    for i, limit in enumerate(settings.limits):
        if not limit.max_bytes():
            raise ConfigError(f"{ctx.source}: '{_limit_key(i)}' needs max_gzip, max_brotli or max_raw")
    return BundleOptions(
        settings=settings,
        globs=chosen,
        base_dir=Path.cwd() if from_cli else ctx.base_dir,
        limits_dir=ctx.base_dir,
        baseline=baseline,
        max_growth_pct=float(growth),
        strict_limits=not from_cli,
        source=ctx.source,
    )


def measure(settings: BundleSettings, ctx: PhaseContext, *, globs: Sequence[str] = (),
            baseline: Path | None = None) -> PhaseResult:
    """Plan (see :func:`plan`) and measure; the phase's result.

    Raises ConfigError as :func:`plan` does and for a limit glob that matches
    none of the measured files (configured globs only), InputError when no
    file matches or the baseline cannot be used.
    """
    return measure_bundle(plan(settings, ctx, globs=globs, baseline=baseline), ctx.progress)


# A build's file name: a content hash of 8+ letters and digits before .js/.css (Vite's index-BXa1c2dE.js,
# webpack's main.3f2a1b9c.js, Remix's entry.client-5ZQ7LG3U.js); not jquery.min.js or tailwind.config.js
_HASHED = re.compile(r"[.-](?=[A-Za-z0-9_]*\d)(?=[A-Za-z0-9_]*[A-Za-z])[A-Za-z0-9_]{8,}\.(?:js|css)$")
_NOT_BUILT = frozenset({"node_modules", "__pycache__", "venv", "site-packages", "bower_components"})


def built_folders(base: Path, limit: int = 3, entries: int = 20_000) -> list[str]:
    """Up to *limit* folders under *base* (relative, posix, most such files first) holding built .js/.css
    files (hashed names), for a "no file matches" that can say where the build did write: React Router's
    build/client/assets where init had written dist/. Hidden folders, node_modules and virtual
    environments are skipped; the walk stops after *entries* names."""
    counts: dict[str, int] = {}
    seen = 0
    for folder, dirs, files in os.walk(base):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _NOT_BUILT
                         and not (Path(folder) / d / "pyvenv.cfg").is_file())
        seen += len(dirs) + len(files)
        hashed = sum(1 for name in files if _HASHED.search(name))
        if hashed:
            counts[Path(folder).relative_to(base).as_posix()] = hashed
        if seen > entries:
            break
    return sorted(counts, key=lambda f: (-counts[f], f))[:limit]


def measure_bundle(opts: BundleOptions, progress: Callable[[str], None] = lambda _m: None) -> PhaseResult:
    """Size the planned files; totals, per-file sizes (with base values), growth and limits as metrics."""
    started = time.monotonic()
    result = PhaseResult(phase=NAME, target=", ".join(opts.globs))
    files, empty = expand_globs(list(opts.globs), opts.base_dir)
    unloaded = unloaded_files(files, list(opts.globs), opts.base_dir)
    files = [f for f in files if f not in unloaded]
    written = _written_empty(opts) if not files else []
    if not files and not written:
        shown = ", ".join(repr(g) for g in opts.globs)
        built = built_folders(opts.base_dir)
        hint = (f"; built .js/.css files (hashed names) are in {', '.join(built)}: point [bundle] globs there"
                if built else "")
        raise InputError(f"no file matches {shown} (relative to {opts.base_dir}){hint}")
    baseline = load_baseline(opts.baseline) if opts.baseline is not None else None
    result.tool_versions = tool_versions()
    progress(f"bundle: sizing {len(files)} files")
    sizes = measure_sizes(files)
    routes = route_modules(files)
    changes = pair_files(sizes, baseline.files, routes, baseline.routes) if baseline else None

    result.metrics += _total_metrics(sizes, baseline, opts.settings.max_total())
    result.metrics += _per_file_metrics(sizes, changes, routes)
    if baseline is not None:
        result.metrics.append(_growth_metric(sizes, baseline, opts.max_growth_pct))
    limit_metrics, unmatched = _limit_metrics(files, sizes, opts)
    result.metrics += limit_metrics

    if written:
        result.notes.append(f"the build wrote {', '.join(written)} and no file there matches "
                            f"{', '.join(opts.globs)}: 0 bytes (pages that load no script or stylesheet "
                            "file of their own, as an Astro site's with inlined ones)")
        empty = []
    if unloaded:
        names = [f.name for f in unloaded]
        result.notes.append(
            f"left out {len(names)} copies of the server build's files, which the build's manifest "
            f"(.vite/manifest.json) does not name and no page loads: {', '.join(names[:3])}"
            f"{f' and {len(names) - 3} more' if len(names) > 3 else ''} (SvelteKit copies its server build's "
            "stylesheets beside the client's: counted, the page styles would count twice)")
    result.notes += _notes(
        empty_globs=empty,
        unmatched_limits=unmatched,
        baseline=baseline,
        changes=most_changed(changes, opts.settings.top_changes) if changes is not None else [],
        changed_count=sum(1 for c in changes or [] if c.kind != "unchanged"),
    )
    for m in result.metrics:
        m.evaluate()
    result.duration_s = time.monotonic() - started
    return result.finalize()


def _written_empty(opts: BundleOptions) -> list[str]:
    """The folders the globs name (relative, posix) when the build wrote each of them and nothing matches
    there nor elsewhere: no hashed .js/.css anywhere under the base folder (:func:`built_folders`) and no
    glob at the base folder itself (``**/*.js``). Then the build shipped no such file, which is 0 bytes,
    not a wrong glob (an Astro server build's empty ``dist/client``); [] otherwise."""
    base = Path(os.path.abspath(opts.base_dir))
    roots = [literal_root(g, opts.base_dir) for g in opts.globs]
    if any(r == base or not r.is_dir() or _holds_source(r) for r in roots) or built_folders(opts.base_dir):
        return []
    return list(dict.fromkeys(_shown_folder(r, base) for r in roots))


# What a build reads and does not write: 'src/**/*.js' over a TypeScript project's src/ is a wrong glob
_SOURCE_SUFFIXES = (".ts", ".tsx", ".jsx", ".vue", ".svelte", ".astro")


def _holds_source(folder: Path, limit: int = 10_000) -> bool:
    """Whether *folder* holds source code a build reads (:data:`_SOURCE_SUFFIXES`, not a ``.d.ts``) among
    its first *limit* entries, links not followed: then no build wrote it (a glob over ``src/`` that
    matched nothing was measured as 0 bytes "the build wrote src/")."""
    seen = 0
    for _here, dirs, files in os.walk(folder):
        seen += len(dirs) + len(files)
        if any(f.endswith(_SOURCE_SUFFIXES) and not f.endswith(".d.ts") for f in files):
            return True
        if seen > limit:
            return False
    return False


def _shown_folder(folder: Path, base: Path) -> str:
    try:
        return folder.relative_to(base).as_posix() + "/"
    except ValueError:
        return folder.as_posix() + "/"


def _limit_key(index: int) -> str:
    return f"bundle.limits[{index}]"


def _total_metrics(sizes: list[FileSize], baseline: Baseline | None,
                   max_total: dict[str, int]) -> list[Metric]:
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


def _per_file_metrics(sizes: list[FileSize], changes: list[Change] | None,
                      routes: dict[str, str]) -> list[Metric]:
    """Each file's sizes: paired with the base's (by name) when there is a base, else the head's alone;
    a route's module labelled with its route (*routes*: name -> route)."""
    if changes is not None:
        return [m for c in sorted(changes, key=lambda c: c.name) for m in _change_metrics(c)]
    return [m for s in sizes for m in _file_metrics(s, route=routes.get(s.name))]


def _file_metrics(size: FileSize, base: dict[str, float] | None = None,
                  description: str = "", route: str | None = None) -> list[Metric]:
    # the route goes with the file: a later run pairs this file with its own build's by it (baseline.py)
    labels = {"file": size.name, **({"route": route} if route else {})}
    return [
        Metric(
            name=file_metric(kind),
            value=size.get(kind),
            unit="bytes",
            baseline=None if base is None else base.get(kind, 0.0),
            labels=dict(labels),
            description=description,
        )
        for kind in KINDS
    ]


def _change_metrics(change: Change) -> list[Metric]:
    if change.head is None:
        gone = FileSize(change.name, 0, 0, 0)
        return _file_metrics(gone, change.base, REMOVED, change.route)
    if change.base is None:
        return _file_metrics(change.head, {}, ADDED, change.route)
    renamed = change.renamed_from
    return _file_metrics(change.head, change.base, f"was {renamed} in the base" if renamed else "",
                         change.route)


def _growth_metric(sizes: list[FileSize], baseline: Baseline, budget: float) -> Metric:
    head = sum(s.gzip for s in sizes)
    base = baseline.totals["gzip"]
    # from a base of 0 (a build that shipped no file): +100 % for any growth, as compare says "from 0"
    growth = (head - base) / base * 100.0 if base else 100.0 if head else 0.0
    return Metric(
        name=GROWTH_METRIC,
        value=growth,
        unit="%",
        budget=budget,
        description=f"growth of the gzip total against {baseline.source}",
    )


def _limit_metrics(files: list[BundleFile], sizes: list[FileSize],
                   opts: BundleOptions) -> tuple[list[Metric], list[LimitSettings]]:
    by_path = {f.path: s for f, s in zip(files, sizes, strict=True)}
    metrics: list[Metric] = []
    unmatched: list[LimitSettings] = []
    for i, limit in enumerate(opts.settings.limits):
        hits, _ = expand_globs([limit.glob], opts.limits_dir)
        covered = [by_path[f.path] for f in hits if f.path in by_path]
        if not covered:
            if opts.strict_limits:
                raise ConfigError(f"{opts.source}: '{_limit_key(i)}.glob' {limit.glob!r} matches none of the "
                                  f"measured files")
            unmatched.append(limit)
            continue
        for kind, max_bytes in limit.max_bytes().items():
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


def _notes(*, empty_globs: list[str], unmatched_limits: list[LimitSettings], baseline: Baseline | None,
           changes: list[Change], changed_count: int) -> list[str]:
    """One line per note: globs and limits that matched nothing, then the comparison with the base."""
    lines = [f"glob {g} matched no file" for g in empty_globs]
    lines += [f"limit on {limit.glob} not applied: it matches none of the measured files"
              for limit in unmatched_limits]
    if baseline is not None:
        if not baseline.files:
            lines.append(f"{baseline.source} has no per-file sizes: only the totals are compared")
        elif changes:
            plural = "s" if changed_count != 1 else ""
            lines.append(f"{changed_count} file{plural} changed against {baseline.source}; "
                         f"largest gzip changes:")
            lines += [_change_line(c) for c in changes]
        else:
            lines.append(f"no file changed against {baseline.source}")
    # A file name holding a line break still makes one note per line.
    return [part for line in lines for part in line.splitlines() if part.strip()]


def _change_line(change: Change) -> str:
    """``  grown app.js (was app.1a2b.js): 1.0 KiB -> 1.2 KiB (+204 B, +19.9 %)``; a route's module as
    ``grown assets/route-B2c3.js, route routes/_index (was assets/route-A1b2.js): ...``"""
    route = ""
    if change.route:  # "(entry)" is the entry module, which no route owns
        entry = change.route.startswith("(")
        route = f", {change.route[1:-1]} module" if entry else f", route {change.route}"
    renamed = f"{route} (was {change.renamed_from})" if change.renamed_from else route
    sign = "+" if change.delta > 0 else ""
    pct = f", {change.pct:+,.1f} %" if change.pct is not None else ""
    sizes = f"{_bytes(change.base_size())} -> {_bytes(change.head_size())}"
    return f"  {change.kind} {change.name}{renamed}: {sizes} ({sign}{_bytes(change.delta)}{pct})"


def _bytes(value: float) -> str:
    """Bytes as B, KiB, MiB or GiB (1024-based, as the size settings and the reports write them)."""
    size = float(value)
    for unit in ("B", "KiB", "MiB"):
        if abs(size) < 1024:
            return f"{size:,.0f} {unit}" if unit == "B" else f"{size:,.1f} {unit}"
        size /= 1024
    return f"{size:,.1f} GiB"
