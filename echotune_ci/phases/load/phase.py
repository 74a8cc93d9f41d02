"""The load phase: a headless locust test against the app, as one PhaseResult.

:data:`PHASE` is what ``echotune-ci run`` drives; :func:`run_load` and
:func:`serve_as_worker` are what ``echotune-ci load`` calls, with the
command line's overrides already applied to the settings and its run
options (distributed mode). Locust itself runs in child processes
(:mod:`.worker`, started by :mod:`.runner`); this module checks the plan,
measures Redis and the app's resources around the test, and turns locust's
statistics into metrics.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import tempfile
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...errors import RunError
from ...results import Metric, PhaseResult
from ..base import PhaseContext
from .compare import decide, interleaved_rounds
from .metrics import (base_failure_findings, failure_findings, percentile_notes, ramp_only, rounds_metrics,
                      thin_tail_notes, throttled_message, unmatched_thresholds)
from .plan import DRAIN_WAIT_S, LoadPlan, RunOptions, build_plan
from .runner import Job, run_jobs
from .settings import LoadSettings

if TYPE_CHECKING:  # pragma: no cover
    from ..base import Phase
    from .database import Window
    from .resources import TreeSampler

# Start-up, stopping and report writing on top of the test itself (seconds).
OVERHEAD_S = 60.0

DISABLED = "[load] enabled = false: the load test was skipped"
INTERRUPTED = "interrupted: the figures cover only the part of the test that ran"
CPU_WARNING = ("the load generator's CPU went above 90 %: its numbers may understate what the app can do; "
               "use --processes N or more machines")


class LoadPhase:
    """The load phase as `run` drives it: needs the app, checks and runs [load]."""

    name = "load"
    settings_type = LoadSettings
    needs_app = True
    uses_app = True

    def check(self, settings: LoadSettings, ctx: PhaseContext) -> None:
        """Raise ConfigError for what :meth:`run` would reject (endpoints, bounds, hosts, locustfile path).

        Runs before `run` starts the app: ``ctx.base_url`` is the URL the app
        will answer on (``--url``, or ``serve.ready_url`` with any port), or
        None, and then http://127.0.0.1 is assumed. A target outside the
        allow-list is refused here, before the app is started or polled.
        """
        if settings.enabled:
            before_start = dataclasses.replace(ctx, base_url=ctx.base_url or "http://127.0.0.1",
                                               allow_hosts=ctx.allow_hosts or ("127.0.0.1",))
            build_plan(settings, before_start)

    def run(self, settings: LoadSettings, ctx: PhaseContext) -> PhaseResult:
        """Load the app at ``ctx.base_url`` (or ``settings.host``); see :func:`run_load`."""
        return run_load(settings, ctx)


PHASE: Phase[LoadSettings] = LoadPhase()


def run_load(settings: LoadSettings, ctx: PhaseContext, opts: RunOptions | None = None) -> PhaseResult:
    """Run the load test of *settings* in *ctx*; the phase's result.

    Metrics: p50/p95/p99/max in ms, rps, error_rate_pct and requests, for
    the total and per endpoint; with a base host, the base's too and one
    verdict per decided metric; Redis and app resource metrics when asked;
    ``realtime_*`` metrics of the [load.realtime] clients (:mod:`.realtime`)
    and ``db_*`` metrics of [load.database] (:mod:`.database`: a database that
    cannot be read is a metric without a value, never a RunError).
    Artifacts (locust's CSV, HTML report and logs) go to
    ``ctx.artifacts_dir`` and are listed by absolute path. Raises ConfigError for a plan that
    cannot run and RunError when locust is missing, the target, Redis or
    app cannot be reached, or a locust process fails.
    """
    opts = opts or RunOptions()
    started = time.monotonic()
    result = PhaseResult(phase="load", tool_versions=_versions())
    if not settings.enabled and "host" not in opts.from_command_line:
        result.notes.append(DISABLED)
        return result.finalize()
    plan = build_plan(settings, ctx, opts)
    require_locust()
    result.target = plan.host
    for url in filter(None, (plan.base_host, plan.host)):
        check_reachable(url)
    redis = _RedisWindow(plan)
    database = _database_window(settings)
    rounds = _rounds(plan)
    total = sum(r["duration"] for r in rounds)
    artifacts_dir = Path(ctx.artifacts_dir).resolve()
    # Side by side, the base's app is sampled too: each build's figures come from its own rounds.
    base_pid = ctx.base_app_pid if plan.base_host else None
    with _sampler(ctx.app_pid, settings.sample_interval) as sampler, \
            _sampler(base_pid, settings.sample_interval, required=False) as base_sampler:
        outputs = _run(plan, opts, rounds, artifacts_dir,
                       tick=lambda elapsed: ctx.progress(f"{elapsed:.0f}/{total:.0f}s"),
                       on_event=redis.on_event)
    measured = outputs[0]
    result.tool_versions["locust"] = measured.get("locust_version", result.tool_versions.get("locust", ""))
    _fill(result, plan, ctx, measured["rounds"])
    if measured.get("interrupted"):
        result.notes.append(INTERRUPTED)
    redis.from_rounds(measured["rounds"])
    _add_redis(result, plan, redis, ctx)
    _add_database(result, settings, database, ctx)
    _add_resources(result, sampler, ctx, measured["rounds"] if plan.base_host else None, base_sampler)
    result.artifacts.extend(_artifacts(outputs, artifacts_dir))
    result.duration_s = time.monotonic() - started
    return result.finalize(fail_on="high")


def serve_as_worker(settings: LoadSettings, ctx: PhaseContext, opts: RunOptions) -> dict[str, Any]:
    """``--worker``: run users for the master at ``opts.master_host`` until it ends the test.

    Waits up to ``opts.expect_timeout`` s for the master to listen. Returns
    the worker's output ({"role": "worker", "stopped_by": ...}); raises
    RunError when the master cannot be reached, ConfigError when the master
    asks for a host *settings* do not allow.
    """
    plan = build_plan(settings, ctx, opts)
    require_locust()
    check_master(opts.master_host or "", opts.master_port, opts.expect_timeout)
    job = Job("worker", plan.for_worker(), master_host=opts.master_host or "", port=opts.master_port,
              expect_timeout=opts.expect_timeout)
    with tempfile.TemporaryDirectory(prefix="echotune-load-worker-") as tmp:
        timeout = settings.max_duration + opts.expect_timeout + OVERHEAD_S
        return run_jobs([job], Path(tmp), timeout=timeout)[0]


def require_locust() -> None:
    """Raise RunError when locust (the ``load`` extra) is not installed."""
    import importlib.util

    if importlib.util.find_spec("locust") is None:
        raise RunError("locust is not installed: pip install 'echotune-ci[load]'")


def check_reachable(url: str) -> None:
    """Fail (RunError) before any user spawns when *url* does not answer at all (5 s timeout)."""
    import httpx

    try:
        with httpx.Client(timeout=5.0, trust_env=False, follow_redirects=False) as client:
            client.get(url)
    except httpx.HTTPError as exc:
        reason = str(exc) or type(exc).__name__
        raise RunError(f"{url}: the load target cannot be reached ({reason})") from None


def check_master(host: str, port: int, wait_s: float) -> None:
    """Wait up to *wait_s* seconds for a locust master to listen on *host*:*port*; RunError after that.

    Workers may start before their master (a CI matrix starts jobs in any order).
    """
    import socket

    deadline = time.monotonic() + wait_s
    while True:
        try:
            with socket.create_connection((host, port), timeout=5):
                return
        except OSError as exc:
            if time.monotonic() >= deadline:
                reason = exc.strerror or exc
                raise RunError(
                    f"{host}:{port}: cannot reach the locust master within {wait_s:g}s ({reason})"
                ) from None
        time.sleep(0.5)


def summary_note(label: str, users: int, workers: int, requests: int, wall_s: float, host: str,
                 stopped_by: str) -> str:
    """One line per build, e.g. "head: 10 users on 2 worker processes, 123 requests in 3.0s against
    http://127.0.0.1:8000 (stopped by duration)"; *label* "" and *workers* 0 are left out."""
    prefix = f"{label}: " if label else ""
    spread = f" on {workers} worker {'process' if workers == 1 else 'processes'}" if workers else ""
    return (f"{prefix}{users} users{spread}, {requests} requests in {wall_s:.1f}s against {host} "
            f"(stopped by {stopped_by.replace('-', ' ')})")


_SUMMARY = re.compile(r"(?P<label>base|head): (?P<users>\d+) users"
                      r"(?P<spread> on \d+ worker process(?:es)?)?, "
                      r"(?P<requests>\d+) requests in (?P<wall>[\d.]+)s against (?P<host>\S+) "
                      r"\(stopped by (?P<stopped>[^)]*)\)")


def merge_summary_notes(into: list[str], extra: list[str]) -> list[str]:
    """*into* (a side-by-side result's notes) with each build's :func:`summary_note` counting the rounds of
    *extra* (a later pass's notes) too: requests and time added, the larger user count, the later pass's
    reason to stop; and each real-time channel's connects, messages and failures added (the note said the
    first 5 rounds' "25 connects and 125 messages ..., 0 failed" of 9). Other notes are kept as they are;
    *extra*'s are not added."""
    from .realtime import COUNT_NOTE, count_note

    channels = {m["path"]: m for m in map(COUNT_NOTE.fullmatch, extra) if m}
    later = {m["label"]: m for m in map(_SUMMARY.fullmatch, extra) if m}
    out = []
    for note in into:
        counted = COUNT_NOTE.fullmatch(note)
        if counted and counted["path"] in channels:
            total = {k: int(counted[k]) + int(channels[counted["path"]][k]) for k in ("connects", "messages",
                                                                                       "failed")}
            out.append(count_note(total["connects"], total["messages"], counted["path"], counted["protocol"],
                                  total["failed"]))
            continue
        mine = _SUMMARY.fullmatch(note)
        theirs = later.get(mine["label"]) if mine else None
        if mine is None or theirs is None:
            out.append(note)
            continue
        workers = mine["spread"].split()[1] if mine["spread"] else "0"
        out.append(summary_note(mine["label"], max(int(mine["users"]), int(theirs["users"])), int(workers),
                                int(mine["requests"]) + int(theirs["requests"]),
                                float(mine["wall"]) + float(theirs["wall"]), mine["host"],
                                theirs["stopped"].replace(" ", "-")))
    return out


# --------------------------------------------------------------------------- pieces


def _rounds(plan: LoadPlan) -> list[dict[str, Any]]:
    if plan.base_host:
        cmp = plan.settings.compare
        return interleaved_rounds(plan.base_host, plan.host, cmp.rounds, cmp.round_duration, cmp.first_round)
    return [{"label": "head", "host": plan.host, "duration": plan.settings.duration, "prefix": "load",
             "html": True}]


def _run(plan: LoadPlan, opts: RunOptions, rounds: list[dict[str, Any]], artifacts_dir: Path,
         tick: Callable[[float], None],
         on_event: Callable[[dict[str, Any]], None] = lambda _event: None) -> list[dict[str, Any]]:
    return run_jobs(_jobs(plan, opts, rounds), artifacts_dir, timeout=_timeout(plan, opts), tick=tick,
                    on_event=on_event)


def _jobs(plan: LoadPlan, opts: RunOptions, rounds: list[dict[str, Any]]) -> list[Job]:
    spec = plan.for_worker()
    processes = plan.settings.processes
    if opts.master:
        return [Job("master", spec, rounds, bind_host=opts.master_bind_host, port=opts.master_port,
                    expect_workers=opts.expect_workers, expect_timeout=opts.expect_timeout)]
    if processes > 1:
        from ...serve import free_port

        port = free_port()
        master = Job("master", spec, rounds, bind_host="127.0.0.1", port=port, expect_workers=processes)
        return [master, *(Job("worker", spec, master_host="127.0.0.1", port=port, expect_workers=processes)
                         for _ in range(processes))]
    return [Job("local", spec, rounds)]


def _timeout(plan: LoadPlan, opts: RunOptions) -> float:
    s = plan.settings
    runs = s.compare.rounds * 2 + 2 if plan.base_host else 1
    test = runs * s.compare.round_duration if plan.base_host else s.duration
    if plan.base_host:  # each measured round waits up to its length for every user's on_start to end
        test += s.compare.rounds * 2 * s.compare.round_duration
        test += s.compare.rounds * 2 * DRAIN_WAIT_S  # and for its app to answer what it sent (drain_app)
    if plan.for_worker()["realtime"]:  # each round's real-time clients wait for a connect and reply in flight
        test += runs * (2 * s.realtime.timeout + 1.0)
    spawning = runs * s.users / s.spawn_rate
    return test + spawning + (opts.expect_timeout if opts.master else 30.0) + OVERHEAD_S


def _fill(result: PhaseResult, plan: LoadPlan, ctx: PhaseContext, rounds: list[dict[str, Any]]) -> None:
    head = [r for r in rounds if r["label"] == "head"]
    login_only = plan.login_only()
    result.metrics.extend(rounds_metrics(head, plan.thresholds, ctx.budgets, own_only=login_only))
    result.notes.extend(
        f"{m.scope}: sent once by each user as it starts ([load.login]); its p95 of {m.value:,.0f} ms is "
        "shown, not judged by budgets.api_p95_ms (a password hash is slow by design): give it a budget of "
        f'its own in [load.thresholds."{m.scope}"] to gate it'
        for m in result.metrics if m.name == "p95_ms" and m.labels.get("endpoint") in login_only
        and m.budget is None and m.value is not None)
    if not result.metrics and not any(r.get("realtime") for r in head):
        result.errors.append(_none_completed(plan, head))
    elif plan.locustfile:
        # A comparison has no figures of what users send only in on_start (noted below): not "unmatched".
        skipped = set(ramp_only(head)) if plan.base_host else set()
        unmatched = unmatched_thresholds(result.metrics,
                                         {k: v for k, v in plan.thresholds.items() if k not in skipped})
        result.metrics.extend(unmatched)
        result.notes.extend(dict.fromkeys(m.description for m in unmatched))
    findings, more = failure_findings(head)
    result.findings.extend(findings)
    if plan.base_host and ctx.base_findings:
        result.findings.extend(base_failure_findings(rounds))
    limited, most = throttled_message(rounds, addresses=len(plan.for_worker()["local_ips"]))
    if most:  # its p95 is the time to refuse: no verdict on the app's speed may rest on it
        result.errors.append(limited)
    elif limited:
        result.warnings.append(limited)
    if more:
        result.notes.append(f"{more} more kinds of failure are listed in the *_failures.csv artifacts")
    realtime, realtime_notes, base_realtime = _realtime(plan, ctx, rounds)
    if plan.base_host:
        _decide(result, plan, ctx, rounds, len(head), realtime, base_realtime)
        result.notes.extend(f"{key}: sent only as users started (their on_start), before each round began "
                            f"to measure, so it has no figures" for key in ramp_only(head))
    result.notes.extend(thin_tail_notes(result.metrics, len(head), per_user=plan.per_user()))
    result.notes.extend(percentile_notes(rounds))
    _add_summary_notes(result, plan, rounds)
    if any(r["cpu_warning"] for r in rounds):
        result.warnings.append(CPU_WARNING)
    result.metrics.extend(realtime)
    result.notes.extend(realtime_notes)


def _none_completed(plan: LoadPlan, head: list[dict[str, Any]]) -> str:
    """Why the head has no figures: no request completed. When users ran until the clock stopped them,
    the likely cause is answers slower than the test (locust stops a user mid-request and never counts
    that request, where k6 waits out a graceful stop)."""
    said = f"no request completed against {plan.host} during the test"
    users = max((int(r.get("users") or 0) for r in head), default=0)
    if not users or not all(r.get("stopped_by") == "duration" for r in head):
        return said
    s = plan.settings
    if plan.base_host:
        span, setting = f"each of its {len(head)} rounds of {s.compare.round_duration:g}s", \
            "[load.compare] round_duration"
    else:
        span, setting = f"{s.duration:g}s", "[load] duration"
    return (f"{said}: {users} users ran for {span}, and an answer that takes longer is never "
            f"counted (its user is stopped while waiting); if the app is that slow, a longer {setting} "
            "measures it")


def _add_summary_notes(result: PhaseResult, plan: LoadPlan, rounds: list[dict[str, Any]]) -> None:
    """Note a summary of each side (head, base) that ran, in the order the sides first ran."""
    for label in dict.fromkeys(r["label"] for r in rounds if r["label"] in ("head", "base")):
        mine = [r for r in rounds if r["label"] == label]
        result.notes.append(summary_note(
            label if plan.base_host else "", users=max(r["users"] for r in mine), workers=mine[0]["workers"],
            requests=sum(r["total"]["requests"] for r in mine), wall_s=sum(r["wall_s"] for r in mine),
            host=mine[0]["host"], stopped_by=mine[-1]["stopped_by"],
        ))


def _decide(result: PhaseResult, plan: LoadPlan, ctx: PhaseContext, rounds: list[dict[str, Any]],
            head_rounds: int, realtime: list[Metric], base_realtime: list[Metric]) -> None:
    """Compare the head's metrics with the base's: the HTTP requests' (in *result*) and the real-time
    clients' (*realtime*, *base_realtime*) as one family."""
    base = rounds_metrics([r for r in rounds if r["label"] == "base"], {}, ctx.budgets) + base_realtime
    kept, regressions, verdicts = decide(base, result.metrics + realtime, ctx.gate,
                                         plan.settings.compare.min_effect_ms, head_rounds)
    result.metrics.extend(kept)
    result.findings.extend(regressions)
    result.notes.extend(verdicts)


class _RedisWindow:
    """Redis INFO at the start of the window the hit ratio covers.

    Read before the test (a Redis that cannot be read stops the phase), then
    again once all users of a single-run test have started: a cache that fills
    while users arrive is its cold start, not the hit ratio the budget is about
    (as locust's ``--reset-stats`` leaves the ramp-up out). Interleaved
    base/head tests share the cache: each build's hit ratio counts the lookups
    of its own rounds only (``rounds``: label -> [(hits, misses)], one per
    round), which the worker reads when each round starts measuring and once its
    app has answered the round (:meth:`from_rounds`). Read here, when the parent
    saw the round's events (up to a tenth of a second late), the base's rounds
    of nickjj/docker-django-example counted 40 and 77 of the head's hits, and
    its app never looks a key up.
    """

    def __init__(self, plan: LoadPlan) -> None:
        self.plan = plan
        self.before = self.start = _redis_info(plan)
        self.after_ramp_up = False
        self.rounds: dict[str, list[tuple[int, int]]] = {}

    def on_event(self, event: dict[str, Any]) -> None:
        """Restart the window when the head round of a single-run test has all its users."""
        if not self.plan.redis_url or self.plan.base_host:
            return
        from .redis_info import read_info

        if self.after_ramp_up or event.get("event") != "spawned" or event.get("label") != "head":
            return
        with contextlib.suppress(RunError):  # read again after the test, which says what went wrong
            self.before = read_info(self.plan.redis_url)
            self.after_ramp_up = True

    def from_rounds(self, rounds: list[dict[str, Any]]) -> None:
        """Each build's rounds' (hits, misses), from the worker's ``redis_lookups`` of each round."""
        for rnd in rounds:
            if rnd.get("label") in ("head", "base") and rnd.get("redis_lookups"):
                hits, misses = rnd["redis_lookups"]
                self.rounds.setdefault(str(rnd["label"]), []).append((int(hits), int(misses)))


def _add_redis(result: PhaseResult, plan: LoadPlan, redis: _RedisWindow, ctx: PhaseContext) -> None:
    if not plan.redis_url:
        return
    from .redis_info import window_metrics

    # Redis going away during the test costs its own metrics only, not the load measurement.
    metrics, notes = window_metrics(plan.redis_url, redis.before, ctx.budgets,
                                    since="all users had started" if redis.after_ramp_up else "",
                                    start=redis.start if redis.after_ramp_up else None)
    if plan.base_host and any(m.name == "redis_hit_ratio_pct" and m.value is not None for m in metrics):
        from .redis_info import builds_hit_ratio

        # Both builds' lookups reach the one Redis: the whole test's ratio is theirs together, not the head's
        metrics = [m for m in metrics if m.name != "redis_hit_ratio_pct"]
        ratios, said = builds_hit_ratio(redis.rounds, ctx.budgets)
        metrics[:0] = ratios
        notes = [*said, *notes]
    result.metrics.extend(metrics)
    result.notes.extend(notes)


def _realtime(plan: LoadPlan, ctx: PhaseContext,
              rounds: list[dict[str, Any]]) -> tuple[list[Metric], list[str], list[Metric]]:
    """The head's ``realtime_*`` metrics and notes, and the base's metrics (side by side, from the base's
    rounds, for :func:`_decide`: a slower socket handler is a regression like a slower route; [] without
    a base); nothing without real-time clients."""
    if not plan.for_worker()["realtime"]:
        return [], [], []
    from .realtime import realtime_metrics

    head = [r for r in rounds if r["label"] == "head"]
    s = plan.settings
    span = (f"in {len(head)} rounds of {s.compare.round_duration:g} s" if plan.base_host
            else f"in {s.duration:g} s")
    metrics, notes = realtime_metrics(head, s.realtime, ctx.budgets, span)
    notes = [*thin_tail_notes(metrics, len(head)), *notes]
    if not plan.base_host:
        return metrics, notes, []
    base, _ = realtime_metrics([r for r in rounds if r["label"] == "base"], s.realtime, ctx.budgets, span)
    return metrics, notes, [m for m in base if m.value is not None]


def _database_window(settings: LoadSettings) -> Window | None:
    if not settings.database.url_env:
        return None
    from .database import open_window

    return open_window(settings.database)


def _add_database(result: PhaseResult, settings: LoadSettings, window: Window | None,
                  ctx: PhaseContext) -> None:
    if window is None:
        return
    from .database import close_window

    # A database that cannot be read costs its own metric (no value: exit 3 for that check), never the load
    # measurement.
    metrics, notes, versions = close_window(window, settings.database, ctx.budgets)
    result.metrics.extend(metrics)
    result.notes.extend(notes)
    result.tool_versions.update(versions)
    if window.error:
        result.warnings.append(notes[0])


def _add_resources(result: PhaseResult, sampler: TreeSampler | None, ctx: PhaseContext,
                   rounds: list[dict[str, Any]] | None = None,
                   base_sampler: TreeSampler | None = None) -> None:
    """The app's CPU and memory: over the whole test, or with *rounds* (a side-by-side test) over the
    head's rounds only, and the base's (*base_sampler*, labelled ``build=base``) over the base's."""
    from .resources import rounds_usage

    if sampler is None:
        return
    if not sampler.usage.rss_mb:
        result.notes.append(f"the app process {ctx.app_pid} could not be sampled, "
                            "so there are no resource figures")
    elif rounds is None:
        result.metrics.extend(sampler.usage.metrics(ctx.budgets))
    else:
        result.metrics.extend(rounds_usage(sampler.usage, rounds, "head", ctx.budgets,
                                           interval=sampler.interval))
        if base_sampler is not None:
            result.metrics.extend(rounds_usage(base_sampler.usage, rounds, "base", ctx.budgets,
                                               {"build": "base"}, interval=base_sampler.interval))


def _artifacts(outputs: list[dict[str, Any]], artifacts_dir: Path) -> list[str]:
    files = [p for r in outputs[0].get("rounds", []) for p in r.get("artifacts", [])]
    files.extend(str(p) for p in sorted(artifacts_dir.glob("locust*.log")))
    return list(dict.fromkeys(files))


def _redis_info(plan: LoadPlan) -> dict[str, Any]:
    if not plan.redis_url:
        return {}
    from .redis_info import read_info

    return read_info(plan.redis_url)


def _sampler(pid: int | None, interval: float,
             required: bool = True) -> AbstractContextManager[TreeSampler | None]:
    """A sampler of *pid*'s process tree; None without a pid, or (not *required*: the base's app) when
    it cannot be sampled, where the head's app stops the test with RunError."""
    if not pid:
        return nullcontext()
    from .resources import TreeSampler

    try:
        return TreeSampler(pid, interval)
    except RunError:
        if required:
            raise
        return nullcontext()


def _versions() -> dict[str, str]:
    try:
        return {"locust": metadata.version("locust")}
    except metadata.PackageNotFoundError:
        return {}
