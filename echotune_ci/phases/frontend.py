"""Frontend phase: web vitals, performance and accessibility scores, interaction
latency and screenshots of the configured pages in a real Chromium.

Every page is loaded ``runs`` times, each in a fresh browser context (cold
cache, same cookies); the median run is reported and every run is kept as a
sample for ``compare``. axe-core runs once per page, on the last load.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from ..errors import RunError
from ..results import Metric, PhaseResult, assign_fingerprints
from .frontend_auth import log_in, read_storage_state
from .frontend_axe import AxeOutcome, axe_source, run_axe, violation_findings
from .frontend_metrics import page_budgets, sampled, status_metric
from .frontend_options import PHASE, FrontendOptions, PageSpec, options_from_config
from .frontend_page import PageError, RunSample, error_line, interact, load, open_page
from .frontend_scoring import performance_score

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Config
    from . import PhaseContext

__all__ = ["FrontendOptions", "PageSpec", "audit", "options_from_config", "run"]

VITALS = ("ttfb_ms", "fcp_ms", "lcp_ms", "cls", "tbt_ms", "tti_ms", "speed_index_ms")


def run(cfg: "Config", ctx: "PhaseContext") -> PhaseResult:
    """Entry point for ``echotune-ci run``: configured pages against the started app."""
    if not cfg.section(PHASE)["enabled"]:
        return PhaseResult(phase=PHASE, notes=["[frontend] enabled = false: nothing audited"])
    opts = options_from_config(cfg, artifacts_dir=ctx.artifacts_dir, base_url=ctx.base_url)
    return audit(opts, ctx.progress)


def check(cfg: "Config") -> None:
    """Configuration errors (no pages, bad page entries) before `run` starts the app."""
    if cfg.section(PHASE)["enabled"]:
        options_from_config(cfg, artifacts_dir=Path("."), base_url="http://127.0.0.1")


def audit(opts: FrontendOptions, progress: Callable[[str], None] = lambda _m: None) -> PhaseResult:
    started = time.monotonic()
    result = PhaseResult(phase=PHASE, target=", ".join(p.url for p in opts.pages))
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise RunError("the frontend phase needs Playwright: pip install 'echotune-ci[frontend]'") from None
    from .frontend_browser import find_chromium, launch

    try:
        manager = sync_playwright().start()
    except Exception as exc:
        raise RunError(f"Playwright did not start: {exc}") from None
    try:
        executable = find_chromium(opts.chromium, manager)
        browser = launch(manager, executable)
        try:
            result.tool_versions = _versions(browser)
            context_options = opts.preset.context_options(browser.version)
            state = _storage_state(browser, opts, context_options)
            for spec in opts.pages:
                _audit_page(browser, spec, opts, context_options, state, result, progress)
        finally:
            browser.close()
    finally:
        manager.stop()
    assign_fingerprints(result.findings)
    result.finalize(fail_on=opts.fail_on)
    result.duration_s = time.monotonic() - started
    _write_summary(result, opts)
    return result


def _versions(browser: Any) -> dict[str, str]:
    from importlib.metadata import version

    return {
        "chromium": browser.version,
        "playwright": version("playwright"),
        "axe-core": axe_source()[1],
        "axe-playwright-python": version("axe-playwright-python"),
        "lighthouse-scoring": "12",
    }


def _storage_state(browser: Any, opts: FrontendOptions, context_options: dict[str, Any]) -> dict[str, Any] | None:
    state = read_storage_state(opts.storage_state) if opts.storage_state else None
    if opts.login is not None:
        state = log_in(browser, opts.login, context_options, state)
    return state


@dataclass
class _PageRuns:
    samples: list[RunSample] = field(default_factory=list)
    axe: AxeOutcome | None = None
    screenshot: Path | None = None


def _audit_page(browser: Any, spec: PageSpec, opts: FrontendOptions, context_options: dict[str, Any],
                state: dict[str, Any] | None, result: PhaseResult, progress: Callable[[str], None]) -> None:
    from playwright.sync_api import Error as PlaywrightError

    runs = _PageRuns()
    interactions = list(spec.interactions)
    for i in range(opts.runs):
        progress(f"{spec.url} run {i + 1}/{opts.runs}")
        try:
            context = browser.new_context(storage_state=state, **context_options)
        except PlaywrightError as exc:  # e.g. a storage state Playwright cannot use
            raise RunError(f"cannot open a browser context: {error_line(exc)}") from None
        try:
            probe = open_page(context, opts.throttle)
            page = probe.page
            sample = load(probe, spec.url, opts.load)
            runs.samples.append(sample)
            last = i == opts.runs - 1
            if sample.timings is None:  # an error status: measure nothing more
                _screenshot(page, spec, opts, runs)
                break
            if last:
                _screenshot(page, spec, opts, runs)
                _accessibility(page, probe.cdp, opts, runs)
            for ix in list(interactions):
                try:
                    sample.interactions[ix.name] = interact(page, ix)
                except PageError as exc:
                    result.errors.append(f"{spec.url}: {exc}")
                    interactions.remove(ix)
        except PageError as exc:
            result.errors.append(f"{spec.url}: {exc}")
            break
        except PlaywrightError as exc:  # the browser itself failed (crash, closed target)
            result.errors.append(f"{spec.url}: browser error: {error_line(exc)}")
            break
        finally:
            context.close()
    _record(spec, runs, opts, result)


def _screenshot(page: Any, spec: PageSpec, opts: FrontendOptions, runs: _PageRuns) -> None:
    if not opts.screenshots:
        return
    path = opts.artifacts_dir / f"{spec.name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    runs.screenshot = path


def _accessibility(page: Any, cdp: Any, opts: FrontendOptions, runs: _PageRuns) -> None:
    # axe measures nothing about speed: run it at full speed, then restore the preset.
    if opts.throttle.cpu_slowdown > 1:
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
    runs.axe = run_axe(page, opts.axe)
    if opts.throttle.cpu_slowdown > 1:
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": opts.throttle.cpu_slowdown})


def _record(spec: PageSpec, runs: _PageRuns, opts: FrontendOptions, result: PhaseResult) -> None:
    url = spec.label
    if runs.screenshot is not None:
        result.artifacts.append(_artifact_ref(runs.screenshot, opts.artifacts_dir))
    if not runs.samples:
        return
    budgets = page_budgets(opts.budgets, spec.budgets)
    status = runs.samples[-1].status
    if status is not None:
        result.metrics.append(status_metric(url, status))
        if status >= 400:
            result.notes.append(f"{spec.url}: answered {status}; the page was not measured")
            return
    loaded = [s for s in runs.samples if s.timings is not None]
    if not loaded:
        return
    final = loaded[-1].final_url
    if final.rstrip("/") != spec.url.rstrip("/"):
        result.notes.append(f"{spec.url}: ended at {final} (redirected; a login page?)")
    if not all(s.settled for s in loaded):
        result.notes.append(f"{spec.url}: did not become quiet within the settle timeout; TTI and TBT may be understated")
    metrics: list[Metric] = []
    if all(s.timings.fcp_ms is None for s in loaded):
        # A blank page must not pass the paint budgets by having no paint to measure.
        result.errors.append(f"{spec.url}: painted no content (no First Contentful Paint), so no paint metrics")
    for name in VITALS:
        values = [getattr(s.timings, name) for s in loaded if getattr(s.timings, name) is not None]
        if values:
            metrics.append(sampled(name, values, url, budgets.get(name)))
    scores = [performance_score(vars(s.timings), opts.preset.form_factor) for s in loaded]
    scores = [s for s in scores if s is not None]
    if scores:  # none without paint timings
        metrics.append(sampled("performance_score", scores, url, budgets["performance_score"]))
    if runs.axe is not None:
        metrics.append(sampled("accessibility_score", [runs.axe.score], url, budgets["accessibility_score"]))
        result.findings.extend(violation_findings(url, runs.axe))
        if runs.axe.errored:
            result.notes.append(f"{spec.url}: axe-core failed on {', '.join(runs.axe.errored)}; left out of the score")
    for ix in spec.interactions:
        values = [s.interactions[ix.name] for s in loaded if ix.name in s.interactions]
        if values:
            budget = ix.budget_ms if ix.budget_ms is not None else budgets["interaction_ms"]
            metrics.append(sampled("interaction_ms", values, url, budget, interaction=ix.name))
    kinds = sorted({k for s in loaded for k in s.transfer})
    metrics.append(sampled("transfer_bytes", [float(sum(s.transfer.values())) for s in loaded], url))
    metrics.extend(sampled(f"transfer_bytes.{k}", [float(s.transfer.get(k, 0)) for s in loaded], url) for k in kinds)
    metrics.append(sampled("request_count", [float(s.requests) for s in loaded], url))
    metrics.append(sampled("dom_size", [float(s.dom_size) for s in loaded], url))
    result.metrics.extend(metrics)


def _artifact_ref(path: Path, artifacts_dir: Path) -> str:
    """Relative to the result file's folder: ``run`` and our command keep artifacts in <results>/artifacts/<phase>/."""
    if artifacts_dir.parent.name == "artifacts":
        try:
            return str(path.resolve().relative_to(artifacts_dir.parent.parent.resolve()))
        except ValueError:
            pass
    return str(path.resolve())


def _write_summary(result: PhaseResult, opts: FrontendOptions) -> None:
    """A per-page markdown page next to the screenshots, for people and for the report to link."""
    if not result.metrics and not result.errors:
        return
    from ..fsutil import write_text_atomic
    from ..report.render import render

    pages = []
    for spec in opts.pages:
        shot = opts.artifacts_dir / f"{spec.name}.png"
        pages.append({
            "url": spec.url,
            "name": spec.name,
            "screenshot": shot.name if shot.exists() else None,
            "metrics": [m for m in result.metrics if m.labels.get("url") == spec.label],
            "findings": [f for f in result.findings if f.location and f.location.path == spec.label],
        })
    text = render("frontend_pages.md.j2", result=result, pages=pages, preset=opts.preset.name, runs=opts.runs,
                  throttle=opts.throttle)
    path = write_text_atomic(opts.artifacts_dir / "frontend.md", text)
    result.artifacts.append(_artifact_ref(path, opts.artifacts_dir))
