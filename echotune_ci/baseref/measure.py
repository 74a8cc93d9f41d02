"""Measuring base and head side by side, phase by phase.

- frontend: one browser; page loads alternate base/head in ABBA order
  (:func:`~echotune_ci.phases.frontend.paired.audit_pair`).
- load: the rounds alternate as ``load --base-host`` does (the head's load
  test with ``[load.compare] base_host`` set to the base's URL); its result
  is split into the two builds' results, and the gate, not the phase,
  decides what regressed.
- every other phase (bundle, security ...) runs once per build, the base's
  result becoming the baseline: bundle compares both builds' output,
  security's findings that the base has too are known, not new.

Each side's result has the shape a normal run gives, so ``compare`` and the
gate read them as base and head results.
"""

from __future__ import annotations

import dataclasses
import statistics
from dataclasses import dataclass, field
from typing import Any

from ..config import Config, override
from ..errors import ConfigError, EchoTuneError
from ..phases.base import Phase, PhaseContext
from ..phases.registry import phase_settings
from ..results import Metric, PhaseResult

BASE_LABEL = "build"


@dataclass
class Side:
    """One build as the phases see it: its configuration, a context per phase, and whether its app
    was started (None: nothing to measure on that side)."""

    cfg: Config
    contexts: dict[str, PhaseContext]


@dataclass
class Pair:
    """One phase's results for both builds (*base* None when the base was not measured), the order the
    measurements ran in (per page or "rounds"), and how many samples each side got per unit."""

    head: PhaseResult
    base: PhaseResult | None = None
    order: dict[str, list[str]] = field(default_factory=dict)
    samples: int = 0
    # Keys of metrics set aside while rounds were added (an endpoint the base seemed not to serve)
    set_aside: tuple[str, ...] = ()


def _run(phase: Phase[Any], cfg: Config, ctx: PhaseContext) -> PhaseResult:
    from ..runner import run_phase

    return run_phase(phase, cfg, ctx)


def _error(phase: str, message: str) -> PhaseResult:
    return PhaseResult(phase=phase, status="error", errors=[message])


def measure_frontend(phase: Phase[Any], head: Side, base: Side, first_pair: int = 0,
                     runs: int | None = None) -> Pair:
    """The frontend phase of both builds, page loads interleaved (*runs* per page and build, default
    ``[frontend] runs``; *first_pair* continues the ABBA pattern of an earlier pass)."""
    from ..phases.frontend.options import plan
    from ..phases.frontend.paired import audit_pair

    settings = phase_settings(head.cfg, phase)
    if not settings.enabled:
        return Pair(_run(phase, head.cfg, head.contexts[phase.name]))
    if runs is not None:
        settings = override(settings, runs=runs)
    hctx, bctx = head.contexts[phase.name], base.contexts[phase.name]
    try:
        paired = audit_pair(plan(settings, bctx), plan(settings, hctx), hctx.progress, first_pair=first_pair)
    except ConfigError:
        raise
    except EchoTuneError as exc:
        return Pair(_error(phase.name, str(exc)), _error(phase.name, str(exc)))
    return Pair(paired.head, paired.base, paired.order, settings.runs)


def measure_load(phase: Phase[Any], head: Side, base: Side, rounds: int | None = None,
                 first_round: int = 1) -> Pair:
    """The load phase of both builds in interleaved rounds (``[load.compare]``; *rounds* per build
    replaces its ``rounds``; a pass that adds rounds numbers them from *first_round*), split into one
    result per build."""
    from ..phases.load.compare import interleaved_rounds

    settings = phase_settings(head.cfg, phase)
    base_url = base.contexts[phase.name].base_url
    if not settings.enabled or not base_url:
        return Pair(_run(phase, head.cfg, head.contexts[phase.name]))
    count = rounds or settings.compare.rounds
    paired = override(settings, **{"compare.base_host": base_url, "compare.rounds": count,
                                   "compare.first_round": first_round})
    ctx = dataclasses.replace(head.contexts[phase.name], base_app_pid=base.contexts[phase.name].app_pid,
                              base_findings=True)
    result = _run(phase, head.cfg.with_section(phase.name, paired), ctx)
    order = [r["label"] for r in interleaved_rounds("b", "h", count, settings.compare.round_duration)
             if r["label"] != "warm-up"]
    head_result, base_result = split_load(result)
    if base_result is not None:  # the phase's one result named the head's URL for both
        base_result.target = base_url
    return Pair(head_result, base_result, {"rounds": order}, count)


def split_load(result: PhaseResult) -> tuple[PhaseResult, PhaseResult | None]:
    """A ``load --base-host`` result as (head, base): the metrics labelled ``build=base`` become the
    base's (without that label); its own regression findings and verdict notes are dropped, since the gate
    decides regressions for every phase alike. Base is None when the result holds no base metric."""
    # The base's value comes from the base's result (the gate fills it in), not from the phase's first pass.
    mine = [dataclasses.replace(m, baseline=None)
            for m in result.metrics if m.labels.get(BASE_LABEL) != "base"]
    theirs = [dataclasses.replace(m, labels={k: v for k, v in m.labels.items() if k != BASE_LABEL},
                                  baseline=None, budget=None, status="pass")
              for m in result.metrics if m.labels.get(BASE_LABEL) == "base"]
    findings = [f for f in result.findings
                if not f.rule_id.startswith("load.regression.") and f.properties.get(BASE_LABEL) != "base"]
    # The base's own failures (PhaseContext.base_findings): a failure both builds have is then known.
    base_findings = [dataclasses.replace(f, properties={k: v for k, v in f.properties.items()
                                                        if k != BASE_LABEL})
                     for f in result.findings if f.properties.get(BASE_LABEL) == "base"]
    # Its verdict lines too: the gate's verdict, on every round (extra ones included), is the one shown.
    notes = [n for n in result.notes if " against base: " not in n]
    head = dataclasses.replace(result, metrics=mine, findings=findings, notes=notes)
    # Its status too: those findings made it "fail", which no metric, finding or error of the head's said
    # any more (the gate listed "the phase reported fail" as what failed, above the regressions that did).
    head.finalize(fail_on=None if result.fail_on in (None, "none") else result.fail_on)
    if not theirs:
        return head, None
    base = PhaseResult(phase=result.phase, tool_versions=dict(result.tool_versions), metrics=theirs,
                       findings=base_findings, target=result.target, duration_s=result.duration_s)
    return head, base


def measure_each(phase: Phase[Any], head: Side, base: Side) -> Pair:
    """A phase without interleaving: the head, then the base (each with its own build and app)."""
    head_result = _run(phase, head.cfg, head.contexts[phase.name])
    return Pair(head_result, _run(phase, base.cfg, base.contexts[phase.name]))


def measure_pair(phase: Phase[Any], head: Side, base: Side) -> Pair:
    """Both builds' results of *phase* (see the module's description of each phase)."""
    if phase.name == "frontend":
        return measure_frontend(phase, head, base)
    if phase.name == "load":
        return measure_load(phase, head, base)
    return measure_each(phase, head, base)


def merge_samples(into: PhaseResult, extra: PhaseResult, *, medians: bool) -> PhaseResult:
    """*into* with the samples of *extra*'s same metrics appended (more rounds of the same measurement).

    *medians*: the phase's values are the medians of their samples (the
    frontend's), so they become the median of all samples; otherwise (the
    load test's) the metrics and the per-build summary notes become what one
    test of all the rounds would report
    (:func:`echotune_ci.phases.load.metrics.merge_passes`,
    :func:`echotune_ci.phases.load.phase.merge_summary_notes`,
    :func:`echotune_ci.phases.load.metrics.merge_thin_tail_notes`). Metrics with
    fewer than 2 samples are left as they are (a single score is no sample
    to add to).
    """
    if not medians:
        from ..phases.load.metrics import merge_passes, merge_thin_tail_notes
        from ..phases.load.phase import merge_summary_notes

        notes = merge_thin_tail_notes(merge_summary_notes(into.notes, extra.notes), extra.notes)
        return dataclasses.replace(into, metrics=merge_passes(into.metrics, extra.metrics), notes=notes,
                                   errors=[*into.errors, *extra.errors],
                                   duration_s=into.duration_s + extra.duration_s)
    more = {m.key: m for m in extra.metrics if len(m.samples) >= 2}
    merged: list[Metric] = []
    for m in into.metrics:
        other = more.get(m.key)
        if other is None or len(m.samples) < 2:
            merged.append(m)
            continue
        samples = [*m.samples, *other.samples]
        merged.append(dataclasses.replace(m, samples=samples, value=float(statistics.median(samples))))
    return dataclasses.replace(into, metrics=merged, errors=[*into.errors, *extra.errors],
                               duration_s=into.duration_s + extra.duration_s)
