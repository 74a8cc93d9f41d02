"""Base and head audited side by side: one browser, page loads interleaved in ABBA order.

A machine that slows down during the job (another job on the runner, a
thermal limit) slows both builds alike when their loads alternate; starting
every pair with the same build would still favour one of them (the first
load of a pair warms shared caches for the second), so the pairs alternate
which build goes first: base, head, head, base, base, head ...

:func:`audit_pair` is what ``run --base-ref`` calls
(:mod:`echotune_ci.baseref`); each side's result has the same shape as
:func:`~echotune_ci.phases.frontend.phase.audit` gives for one build.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ...errors import RunError
from ...results import PhaseResult, assign_fingerprints
from .browser import chromium
from .options import NAME, FrontendOptions
from .phase import PageRuns, _storage_state, _versions, load_once, record

SIDES = ("base", "head")


def pair_order(index: int) -> tuple[str, str]:
    """Which build loads first in pair *index* (0-based, counted across extra rounds): ABBA."""
    return SIDES if index % 2 == 0 else (SIDES[1], SIDES[0])


@dataclass
class PairedAudit:
    """Both sides' results and the order their loads ran in, per page name: e.g.
    ``{"home": ["base", "head", "head", "base"]}``."""

    base: PhaseResult
    head: PhaseResult
    order: dict[str, list[str]] = field(default_factory=dict)


def audit_pair(base: FrontendOptions, head: FrontendOptions,
               progress: Callable[[str], None] = lambda _m: None, *, first_pair: int = 0) -> PairedAudit:
    """Audit the pages of *head* and *base* (the same pages, planned against each build's URL) in one
    Chromium, ``head.settings.runs`` loads per page and build, interleaved in ABBA order starting at pair
    *first_pair* (an extra round continues the pattern). A page that fails on one side stops only that
    side's loads. Raises RunError when Playwright or Chromium cannot start, or the page lists differ.
    """
    if [p.name for p in base.pages] != [p.name for p in head.pages]:
        raise RunError("the base and the head must audit the same pages")
    started = time.monotonic()
    out = PairedAudit(PhaseResult(phase=NAME, target=", ".join(p.url for p in base.pages)),
                      PhaseResult(phase=NAME, target=", ".join(p.url for p in head.pages)))
    with chromium(head.chromium) as browser:
        _audit_pages(browser, {"base": base, "head": head}, out, progress, first_pair)
    took = time.monotonic() - started
    for side, opts in (("base", base), ("head", head)):
        result = getattr(out, side)
        assign_fingerprints(result.findings)
        result.finalize(fail_on=opts.fail_on)
        result.duration_s = took
    return out


def _warm_up(browser: object, specs: dict[str, Any], opts: dict[str, FrontendOptions],
             context_options: dict[str, dict[str, Any]], states: dict[str, Any],
             progress: Callable[[str], None]) -> None:
    """``[frontend] warmup`` loads of one page on each side, measured nowhere. A fresh app's first
    answers are slower (a Django app's first page took 346-435 ms to its first byte against 20 ms
    after), and kept as samples they widened both sides' spread in every side-by-side run. A page
    that fails here fails in the measured loads too, which say so."""
    for n in range(opts["head"].settings.warmup):
        for side in SIDES:
            progress(f"{specs[side].name} {side} warm-up {n + 1}")
            scratch = PageRuns(interactions=list(specs[side].interactions))
            load_once(browser, specs[side], opts[side], context_options[side], states[side],
                      PhaseResult(phase=NAME), scratch, last=False)


def _audit_pages(browser: object, opts: dict[str, FrontendOptions], out: PairedAudit,
                 progress: Callable[[str], None], first_pair: int) -> None:
    results = {"base": out.base, "head": out.head}
    context_options = {s: o.preset.context_options(getattr(browser, "version", "")) for s, o in opts.items()}
    states = {s: _storage_state(browser, o, context_options[s]) for s, o in opts.items()}
    for side in SIDES:
        results[side].tool_versions = _versions(browser)
    count = opts["head"].settings.runs
    for index, head_spec in enumerate(opts["head"].pages):
        specs = {"base": opts["base"].pages[index], "head": head_spec}
        runs = {s: PageRuns(interactions=list(specs[s].interactions)) for s in SIDES}
        alive = dict.fromkeys(SIDES, True)
        order = out.order.setdefault(head_spec.name, [])
        if first_pair == 0:  # added rounds find both apps warm
            _warm_up(browser, specs, opts, context_options, states, progress)
        for i in range(count):
            for side in pair_order(first_pair + i):
                if not alive[side]:
                    continue
                progress(f"{head_spec.name} {side} run {i + 1}/{count}")
                order.append(side)
                alive[side] = load_once(browser, specs[side], opts[side], context_options[side], states[side],
                                        results[side], runs[side], last=i == count - 1)
        for side in SIDES:
            record(specs[side], runs[side], opts[side], results[side])
