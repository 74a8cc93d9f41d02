"""Frontend phase: web vitals, performance and accessibility scores, interaction
latency and screenshots of the configured pages in a real Chromium.

Every page is loaded ``runs`` times, each in a fresh browser context (cold
cache, same cookies); the median run is reported and every run is kept as a
sample for ``compare``. axe-core runs once per page, on the last load.

:data:`PHASE` is what ``echotune-ci run`` drives; :func:`measure` is the same
audit for the ``frontend`` command (command-line URLs go in with
:func:`~echotune_ci.phases.frontend.options.with_urls`). The per-page summary
``frontend.md`` is a document: the report layer writes it
(:func:`echotune_ci.report.frontend_pages.write_frontend_pages`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...data.lighthouse import lighthouse
from ...errors import RunError
from ...results import Metric, PhaseResult, assign_fingerprints
from .auth import check_credentials, log_in, read_storage_state
from .axe import AxeOutcome, axe_source, run_axe, violation_findings
from .browser import chromium
from .metrics import page_budgets, sampled, status_metric
from .options import NAME, FrontendOptions, PageSpec, plan
from .page import PageError, RunSample, error_line, interact, load, open_page
from .scoring import performance_score
from .settings import FrontendSettings

if TYPE_CHECKING:  # pragma: no cover
    from ..base import Phase, PhaseContext

__all__ = ["PHASE", "FrontendOptions", "FrontendPhase", "PageRuns", "PageSpec", "artifact_ref", "audit",
           "load_once", "measure", "record"]

VITALS = ("ttfb_ms", "fcp_ms", "lcp_ms", "cls", "tbt_ms", "tti_ms", "speed_index_ms")
DISABLED = "[frontend] enabled = false: nothing audited"
# Placeholder app URL for :meth:`FrontendPhase.check`, which runs before `run` starts the app.
_CHECK_URL = "http://127.0.0.1"


class FrontendPhase:
    """The frontend phase as `run` drives it: needs the app, audits [frontend] pages."""

    name = NAME
    settings_type = FrontendSettings
    needs_app = True
    uses_app = True

    def check(self, settings: FrontendSettings, ctx: PhaseContext) -> None:
        """Raise ConfigError for what :meth:`run` would reject (no pages, bad page entries).

        Runs before `run` starts the app, so the app's URL is assumed to be
        http://127.0.0.1.
        """
        if settings.enabled:
            plan(settings, dataclasses.replace(ctx, base_url=_CHECK_URL))
            if settings.login.path:
                check_credentials(settings.login)

    def run(self, settings: FrontendSettings, ctx: PhaseContext) -> PhaseResult:
        """Audit the configured pages against ``ctx.base_url``; see :func:`measure`.

        With ``enabled = false`` the result holds only a note saying so.
        """
        if not settings.enabled:
            return PhaseResult(phase=NAME, notes=[DISABLED])
        return measure(settings, ctx)


PHASE: Phase[FrontendSettings] = FrontendPhase()


def measure(settings: FrontendSettings, ctx: PhaseContext, *,
            storage_state: Path | None = None) -> PhaseResult:
    """Audit the pages of *settings* in *ctx* (see :func:`~.options.plan` for *storage_state*).

    Screenshots go to ``ctx.artifacts_dir``; progress lines to
    ``ctx.progress``. Raises ConfigError for pages that cannot be resolved
    and RunError when Playwright or Chromium cannot start.
    """
    return audit(plan(settings, ctx, storage_state=storage_state), ctx.progress)


def audit(opts: FrontendOptions, progress: Callable[[str], None] = lambda _m: None) -> PhaseResult:
    """Run the planned audit; the phase's result (metrics per page, axe findings, screenshots).

    A page that cannot be measured becomes an error of the result and the
    other pages are still audited; RunError when the browser cannot start.
    """
    started = time.monotonic()
    result = PhaseResult(phase=NAME, target=", ".join(p.url for p in opts.pages))
    with chromium(opts.chromium) as browser:
        result.tool_versions = _versions(browser)
        context_options = opts.preset.context_options(browser.version)
        state = _storage_state(browser, opts, context_options)
        for spec in opts.pages:
            _audit_page(browser, spec, opts, context_options, state, result, progress)
    assign_fingerprints(result.findings)
    result.finalize(fail_on=opts.fail_on)
    result.duration_s = time.monotonic() - started
    return result


def artifact_ref(path: Path, artifacts_dir: Path) -> str:
    """How the result lists an artifact written to *artifacts_dir*.

    Relative to the result file's folder when *artifacts_dir* is
    ``<results>/artifacts/<phase>/`` (as `run` and the ``frontend`` command
    lay it out), else the absolute path.
    """
    if artifacts_dir.parent.name == "artifacts":
        try:
            return str(path.resolve().relative_to(artifacts_dir.parent.parent.resolve()))
        except ValueError:
            pass
    return str(path.resolve())


def _versions(browser: Any) -> dict[str, str]:
    from importlib.metadata import version

    return {
        "chromium": browser.version,
        "playwright": version("playwright"),
        "axe-core": axe_source()[1],
        "axe-playwright-python": version("axe-playwright-python"),
        "lighthouse-scoring": lighthouse().version,
    }


def _storage_state(browser: Any, opts: FrontendOptions,
                   context_options: dict[str, Any]) -> dict[str, Any] | None:
    state = read_storage_state(opts.storage_state) if opts.storage_state else None
    if opts.login is not None:
        state = log_in(browser, opts.login, context_options, state)
    return state


@dataclass
class PageRuns:
    """What the loads of one page gathered: samples, axe's outcome, the screenshot, the interactions
    still to perform, and why the page could not be measured (``failure``, "" while it could)."""

    samples: list[RunSample] = field(default_factory=list)
    axe: AxeOutcome | None = None
    screenshot: Path | None = None
    interactions: list[Any] = field(default_factory=list)
    failure: str = ""


def _reason(exc: BaseException) -> str:
    """One line for what stopped a page: a PageError's own words, else the exception's type and text (a
    page's own script can leave the probe's data in a shape nothing expects)."""
    if isinstance(exc, PageError):
        return str(exc)
    text = str(exc).strip().splitlines()
    return f"could not be measured ({type(exc).__name__}{': ' + text[0][:300] if text else ''})"


def _audit_page(browser: Any, spec: PageSpec, opts: FrontendOptions, context_options: dict[str, Any],
                state: dict[str, Any] | None, result: PhaseResult, progress: Callable[[str], None]) -> None:
    runs = PageRuns(interactions=list(spec.interactions))
    count = opts.settings.runs
    for i in range(count):
        progress(f"{spec.url} run {i + 1}/{count}")
        if not load_once(browser, spec, opts, context_options, state, result, runs, last=i == count - 1):
            break
    record(spec, runs, opts, result)


def load_once(browser: Any, spec: PageSpec, opts: FrontendOptions, context_options: dict[str, Any],
              state: dict[str, Any] | None, result: PhaseResult, runs: PageRuns, *, last: bool) -> bool:
    """One load of *spec* in a fresh browser context, added to *runs* (screenshot and axe when *last*);
    False when the page cannot be measured further (an error status, a page or browser error, which
    go to *result*). The unit that side-by-side runs interleave (:mod:`.paired`)."""
    from playwright.sync_api import Error as PlaywrightError

    try:
        # a visitor's page (the login form) opens with no cookies or storage: logged in, it sends one away
        context = browser.new_context(storage_state=None if spec.visitor else state, **context_options)
    except PlaywrightError as exc:  # e.g. a storage state Playwright cannot use
        raise RunError(f"cannot open a browser context: {error_line(exc)}") from None
    try:
        probe = open_page(context, opts.throttle)
        page = probe.page
        sample = load(probe, spec.url, opts.settings)
        runs.samples.append(sample)
        if sample.timings is None:  # an error status: measure nothing more
            _screenshot(page, spec, opts, runs)
            return False
        if last:
            _screenshot(page, spec, opts, runs)
            _run_axe(page, probe.cdp, opts, runs)
        _interactions(page, spec, runs, sample, result)
    except PlaywrightError as exc:  # the browser itself failed (crash, closed target)
        _failed(spec, runs, result, f"browser error: {error_line(exc)}")
        return False
    except Exception as exc:  # noqa: BLE001 - whatever one page provokes costs that page only
        _failed(spec, runs, result, _reason(exc))
        return False
    finally:
        with contextlib.suppress(PlaywrightError):  # a crashed page's context may be gone already
            context.close()
    return True


def _interactions(page: Any, spec: PageSpec, runs: PageRuns, sample: RunSample, result: PhaseResult) -> None:
    """Perform the page's interactions into *sample*; one that fails is named in the errors and left out of
    the later loads, the others still run."""
    for ix in list(runs.interactions):
        try:
            sample.interactions[ix.name] = interact(page, ix)
        except Exception as exc:  # noqa: BLE001 - one interaction's fault costs that interaction only
            reason = str(exc) if isinstance(exc, PageError) else f"interaction '{ix.name}': {_reason(exc)}"
            result.errors.append(f"{spec.url}: {reason}")
            runs.interactions.remove(ix)


def _failed(spec: PageSpec, runs: PageRuns, result: PhaseResult, reason: str) -> None:
    runs.failure = reason
    result.errors.append(f"{spec.url}: {reason}")


def _screenshot(page: Any, spec: PageSpec, opts: FrontendOptions, runs: PageRuns) -> None:
    if not opts.settings.screenshots:
        return
    path = opts.artifacts_dir / f"{spec.name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    runs.screenshot = path


def _run_axe(page: Any, cdp: Any, opts: FrontendOptions, runs: PageRuns) -> None:
    # axe measures nothing about speed: run it at full speed, then restore the preset.
    if opts.throttle.cpu_slowdown > 1:
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
    runs.axe = run_axe(page, opts.settings.accessibility)
    if opts.throttle.cpu_slowdown > 1:
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": opts.throttle.cpu_slowdown})


def record(spec: PageSpec, runs: PageRuns, opts: FrontendOptions, result: PhaseResult) -> None:
    """Add one page's artifacts, notes, errors, findings and metrics to *result*, in that page's order.

    A page that could not be measured at all (``runs.failure``: a timeout, a
    crash, a script that broke the probe) gets its budgeted metrics without
    values (status "error", "not measured: <why>"), so a reader sees which
    budgets went unchecked; an error while its figures are worked out stays
    that page's error too.
    """
    if runs.screenshot is not None:
        result.artifacts.append(artifact_ref(runs.screenshot, opts.artifacts_dir))
    budgets = page_budgets(opts.budgets, spec.budgets)
    findings = len(result.findings)
    try:
        loaded = _loaded_samples(spec, runs, result)
        if not loaded:
            if runs.failure:
                result.metrics.extend(_not_measured(spec, budgets, runs.failure))
            return
        _load_notes(spec, loaded, result)
        metrics = _load_metrics(spec, loaded, budgets, opts.preset.form_factor, result)
        metrics += _axe_metrics(spec, runs.axe, budgets, result)
        metrics += _interaction_metrics(spec, loaded, budgets)
        metrics += _size_metrics(spec.label, loaded)
    except Exception as exc:  # noqa: BLE001 - figures a page's script left in an odd shape: that page only
        del result.findings[findings:]
        _failed(spec, runs, result, _reason(exc))
        result.metrics.extend(_not_measured(spec, budgets, runs.failure))
        return
    result.metrics.extend(metrics)


def _not_measured(spec: PageSpec, budgets: dict[str, float | None], why: str) -> list[Metric]:
    """The page's metrics that have a budget, without values (status "error")."""
    metrics = []
    for name in (*VITALS, "performance_score", "accessibility_score"):
        if budgets.get(name) is not None:
            metric = sampled(name, [], spec.label, budgets[name])
            metric.description = f"{metric.description}: not measured: {why}"
            metrics.append(metric)
    return metrics


def _loaded_samples(spec: PageSpec, runs: PageRuns, result: PhaseResult) -> list[RunSample]:
    """The runs that loaded the page; records the document's status (and stops at an error status)."""
    if not runs.samples:
        return []
    status = runs.samples[-1].status
    if status is not None:
        result.metrics.append(status_metric(spec.label, status))
        if status >= 400:
            result.notes.append(f"{spec.url}: answered {status}; the page was not measured")
            return []
    if runs.samples[-1].not_page:
        result.warnings.append(
            f"{spec.url} answers {runs.samples[-1].not_page}, not an HTML page: not audited (an API's answer "
            "shows in the browser's own viewer, whose accessibility and timings are no page of the app's); "
            "list pages of the app in [[frontend.pages]], or leave the frontend phase out of [run] phases")
        return []
    return [s for s in runs.samples if s.timings is not None]


# A path segment that names a login form (Django's /accounts/login/, Devise's /users/sign_in, /auth)
_LOGIN_PATH = re.compile(r"/(?:log-?in|sign-?in|sign_in|auth|authenticate|sso|session/new)(?:[/.]|$)", re.I)
# The failures a warning names; the rest are counted.
MAX_FAILURES_SHOWN = 3


def _route(url: str) -> str:
    """*url* as the page it shows: without a trailing "/", and with a hash router's root (``#/``, ``#!/``)
    taken as no fragment, since a hash-routed app (Vue Router's createWebHashHistory, Angular's
    useHash) rewrites "/" to "/#/" while it starts, which is no redirect."""
    base, hashed, fragment = url.partition("#")
    if hashed and fragment.strip("!/") == "":
        return base.rstrip("/")
    return url.rstrip("/")


def redirect_note(asked: str, final: str) -> str:
    """The note for a page load that asked for *asked* and ended at *final* ("" when they are the same
    page): a login page only where *final*'s path, or the route in its fragment (a hash router's
    ``/#/login``), names one (the surveys app's "/" goes on to its list page, which the note called
    "a login page?")."""
    if _route(final) == _route(asked):
        return ""
    path, _, fragment = final.split("?", 1)[0].partition("#")
    route = fragment.lstrip("!").split("?", 1)[0] if fragment.startswith(("/", "!/")) else ""
    login = _LOGIN_PATH.search(path) or _LOGIN_PATH.search(route)
    why = ("a login page: the page measured is the login's, not the one asked for" if login else
           "the page measured is the one it ended at")
    return f"{asked}: ended at {final} (redirected; {why})"


def _load_notes(spec: PageSpec, loaded: list[RunSample], result: PhaseResult) -> None:
    redirected = redirect_note(spec.url, loaded[-1].final_url)
    if redirected:
        result.notes.append(redirected)
    if not all(s.settled for s in loaded):
        result.notes.append(f"{spec.url}: did not become quiet within the settle timeout; "
                            f"TTI and TBT may be understated")
    requests = [f for s in loaded for f in s.failed_requests]
    if requests:
        # The app's own failures first: the pull request can mend those, where a CDN the runner cannot reach
        # is the runner's (offline, five font and script hosts named first hid the page's own stylesheet
        # 404 behind "and 3 more")
        requests.sort(key=lambda failure: not _same_origin(failure, spec.url))
        # Once per request whatever its query: a cache-busting "?_=<time>" differs in every load.
        result.warnings.append(_failures(spec.url, requests, "request failed", "requests failed",
                                         "it was measured without what they bring", key=_without_query))
    errors = [e for s in loaded for e in s.script_errors]
    if errors:
        result.warnings.append(_failures(spec.url, errors, "uncaught script error", "uncaught script errors",
                                         "it was measured as far as its script got"))


def _same_origin(failure: str, url: str) -> bool:
    """Whether the request of *failure* ("GET http://h:1/a (404)") went to the origin of the page at *url*."""
    origin = re.match(r"[a-z][a-z0-9+.-]*://[^/?#\s]*", url, re.I)
    target = failure.split(" ", 2)[1] if failure.count(" ") >= 2 else ""
    return origin is not None and (target == origin.group(0) or target.startswith(origin.group(0) + "/")
                                   or target.startswith(origin.group(0) + "?"))


def _without_query(failure: str) -> str:
    """"GET http://h/a?_=1 (404)" -> "GET http://h/a (404)": what tells two failed requests apart."""
    return re.sub(r"\?[^\s#]*", "", failure, count=1)


def _failures(url: str, found: list[str], one: str, many: str, meaning: str,
              key: Callable[[str], str] = lambda failure: failure) -> str:
    """One warning for what failed while the page at *url* loaded (each once by *key*, the first few named):
    a page whose data or script did not arrive is measured as it is, which nothing else would say.
    Lighthouse's errors-in-console audit (Best Practices) lists the same failures."""
    first: dict[str, str] = {}
    for failure in found:
        first.setdefault(key(failure), failure)
    distinct = list(first.values())
    shown = "; ".join(distinct[:MAX_FAILURES_SHOWN])
    if len(distinct) > MAX_FAILURES_SHOWN:
        shown += f"; and {len(distinct) - MAX_FAILURES_SHOWN} more"
    what = one if len(distinct) == 1 else many
    return f"{url}: {len(distinct)} {what} while it loaded, so {meaning}: {shown}"


def _load_metrics(spec: PageSpec, loaded: list[RunSample], budgets: dict[str, float | None], form_factor: str,
                  result: PhaseResult) -> list[Metric]:
    """Web vitals and the performance score over the loaded runs."""
    timings = [s.timings for s in loaded if s.timings is not None]
    if all(t.fcp_ms is None for t in timings):
        # A blank page must not pass the paint budgets by having no paint to measure.
        result.errors.append(f"{spec.url}: painted no content (no First Contentful Paint), "
                             f"so no paint metrics")
    metrics: list[Metric] = []
    for name in VITALS:
        values = [getattr(t, name) for t in timings if getattr(t, name) is not None]
        if values:
            metrics.append(sampled(name, values, spec.label, budgets.get(name)))
    scores = [score for t in timings if (score := performance_score(vars(t), form_factor)) is not None]
    if scores:  # none without paint timings
        metrics.append(sampled("performance_score", scores, spec.label, budgets["performance_score"]))
    return metrics


def _axe_metrics(spec: PageSpec, axe: AxeOutcome | None, budgets: dict[str, float | None],
                 result: PhaseResult) -> list[Metric]:
    """The accessibility score; adds the violations as findings."""
    if axe is None:
        return []
    metric = sampled("accessibility_score", [axe.score], spec.label, budgets["accessibility_score"])
    result.findings.extend(violation_findings(spec.label, axe))
    if axe.errored:
        result.notes.append(f"{spec.url}: axe-core failed on {', '.join(axe.errored)}; left out of the score "
                            f"(Lighthouse would show no accessibility score)")
    return [metric]


def _interaction_metrics(spec: PageSpec, loaded: list[RunSample],
                         budgets: dict[str, float | None]) -> list[Metric]:
    metrics = []
    for ix in spec.interactions:
        values = [s.interactions[ix.name] for s in loaded if ix.name in s.interactions]
        if values:
            budget = ix.budget_ms if ix.budget_ms is not None else budgets["interaction_ms"]
            metrics.append(sampled("interaction_ms", values, spec.label, budget, interaction=ix.name))
    return metrics


def _size_metrics(label: str, loaded: list[RunSample]) -> list[Metric]:
    kinds = sorted({k for s in loaded for k in s.transfer})
    metrics = [sampled("transfer_bytes", [float(sum(s.transfer.values())) for s in loaded], label)]
    metrics.extend(sampled(f"transfer_bytes.{k}", [float(s.transfer.get(k, 0)) for s in loaded], label)
                   for k in kinds)
    metrics.append(sampled("request_count", [float(s.requests) for s in loaded], label))
    metrics.append(sampled("dom_size", [float(s.dom_size) for s in loaded], label))
    return metrics
