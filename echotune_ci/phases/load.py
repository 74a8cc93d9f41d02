"""The load phase: a headless locust test against the app, as one PhaseResult.

``run(cfg, ctx)`` is what ``echotune-ci run`` calls; ``run_load`` takes the
command line's overrides too. Locust itself runs in child processes
(``load_worker``); this module checks the plan, measures Redis and the app's
resources around the test, and turns locust's statistics into metrics.
"""

from __future__ import annotations

import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from ..errors import RunError
from ..report.render import render
from ..results import PhaseResult
from . import PhaseContext
from .load_compare import decide, interleaved_rounds
from .load_metrics import failure_findings, rounds_metrics
from .load_runner import Job, run_jobs
from .load_scenario import LoadOptions, LoadPlan, build_plan

# Start-up, stopping and report writing on top of the test itself.
OVERHEAD_S = 60.0


def run(cfg, ctx: PhaseContext) -> PhaseResult:
    return run_load(cfg, ctx, LoadOptions())


def check(cfg) -> None:
    """Configuration errors (endpoints, bounds, locustfile path) before `run` starts the app."""
    if cfg.section("load")["enabled"]:
        build_plan(cfg, LoadOptions(), base_url="http://127.0.0.1", extra_allow=("127.0.0.1",))


def run_load(cfg, ctx: PhaseContext, opts: LoadOptions) -> PhaseResult:
    started = time.monotonic()
    result = PhaseResult(phase="load", tool_versions=_versions())
    if not cfg.section("load")["enabled"] and opts.host is None:
        result.notes.append(_note("disabled"))
        return result.finalize()
    plan = build_plan(cfg, opts, base_url=ctx.base_url, extra_allow=ctx.allow_hosts)
    require_locust()
    result.target = plan.host
    for url in filter(None, (plan.base_host, plan.host)):
        check_reachable(url)
    redis_before = _redis_info(plan)
    app_pid = opts.app_pid or ctx.app_pid
    rounds = _rounds(plan)
    total = sum(r["duration"] for r in rounds)
    artifacts_dir = Path(ctx.artifacts_dir).resolve()
    with _sampler(app_pid, plan.sample_interval) as sampler:
        outputs = run_jobs(_jobs(plan, opts, rounds), artifacts_dir, timeout=_timeout(plan, opts),
                           tick=lambda elapsed: ctx.progress(f"{elapsed:.0f}/{total:.0f}s"))
    measured = outputs[0]
    result.tool_versions["locust"] = measured.get("locust_version", result.tool_versions.get("locust", ""))
    _fill(result, plan, cfg, measured["rounds"])
    if measured.get("interrupted"):
        result.notes.append(_note("interrupted"))
    if plan.redis_url:
        from .load_redis import read_info, redis_metrics

        metrics, notes = redis_metrics(redis_before, read_info(plan.redis_url), cfg.budgets)
        result.metrics.extend(metrics)
        result.notes.extend(notes)
    if sampler is not None:
        if sampler.usage.rss_mb:
            result.metrics.extend(sampler.usage.metrics(cfg.budgets))
        else:
            result.notes.append(_note("app-gone", pid=app_pid))
    result.artifacts.extend(_artifacts(outputs, artifacts_dir))
    result.duration_s = time.monotonic() - started
    return result.finalize(fail_on="high")


def serve_as_worker(cfg, opts: LoadOptions) -> dict[str, Any]:
    """``--worker``: run users for a master elsewhere until it ends the test."""
    plan = build_plan(cfg, opts)
    require_locust()
    check_master(opts.master_host or "", opts.master_port, opts.expect_timeout)
    job = Job("worker", plan.for_worker(), master_host=opts.master_host or "", port=opts.master_port,
              expect_timeout=opts.expect_timeout)
    with tempfile.TemporaryDirectory(prefix="echotune-load-worker-") as tmp:
        return run_jobs([job], Path(tmp), timeout=plan.max_duration + opts.expect_timeout + OVERHEAD_S)[0]


def require_locust() -> None:
    import importlib.util

    if importlib.util.find_spec("locust") is None:
        raise RunError("locust is not installed: pip install 'echotune-ci[load]'")


def check_reachable(url: str) -> None:
    """Fail before any user spawns when the target does not answer at all."""
    import httpx

    try:
        with httpx.Client(timeout=5.0, trust_env=False, follow_redirects=False) as client:
            client.get(url)
    except httpx.HTTPError as exc:
        reason = str(exc) or type(exc).__name__
        raise RunError(f"{url}: the load target cannot be reached ({reason})") from None


def check_master(host: str, port: int, wait_s: float) -> None:
    """Workers may start before their master (a CI matrix starts jobs in any order): wait for it."""
    import socket

    deadline = time.monotonic() + wait_s
    while True:
        try:
            with socket.create_connection((host, port), timeout=5):
                return
        except OSError as exc:
            if time.monotonic() >= deadline:
                raise RunError(
                    f"{host}:{port}: cannot reach the locust master within {wait_s:g}s ({exc.strerror or exc})"
                ) from None
        time.sleep(0.5)


# --------------------------------------------------------------------------- pieces


def _rounds(plan: LoadPlan) -> list[dict[str, Any]]:
    if plan.base_host:
        return interleaved_rounds(plan.base_host, plan.host, plan.rounds, plan.round_duration)
    return [{"label": "head", "host": plan.host, "duration": plan.duration, "prefix": "load", "html": True}]


def _jobs(plan: LoadPlan, opts: LoadOptions, rounds: list[dict[str, Any]]) -> list[Job]:
    spec = plan.for_worker()
    if opts.master:
        return [Job("master", spec, rounds, bind_host=opts.master_bind_host, port=opts.master_port,
                    expect_workers=opts.expect_workers, expect_timeout=opts.expect_timeout)]
    if plan.processes > 1:
        from ..serve import free_port

        port = free_port()
        master = Job("master", spec, rounds, bind_host="127.0.0.1", port=port, expect_workers=plan.processes)
        return [master, *(Job("worker", spec, master_host="127.0.0.1", port=port) for _ in range(plan.processes))]
    return [Job("local", spec, rounds)]


def _timeout(plan: LoadPlan, opts: LoadOptions) -> float:
    runs = plan.rounds * 2 + 2 if plan.base_host else 1
    test = runs * plan.round_duration if plan.base_host else plan.duration
    spawning = runs * plan.users / plan.spawn_rate
    return test + spawning + (opts.expect_timeout if opts.master else 30.0) + OVERHEAD_S


def _fill(result: PhaseResult, plan: LoadPlan, cfg, rounds: list[dict[str, Any]]) -> None:
    head = [r for r in rounds if r["label"] == "head"]
    result.metrics.extend(rounds_metrics(head, plan.thresholds, cfg.budgets))
    if not result.metrics:
        result.errors.append(_note("no-requests", host=plan.host))
    findings, more = failure_findings(head)
    result.findings.extend(findings)
    if more:
        result.notes.append(_note("more-failures", count=more, csv="the *_failures.csv artifacts"))
    if plan.base_host:
        base = rounds_metrics([r for r in rounds if r["label"] == "base"], {}, cfg.budgets)
        kept, regressions, verdicts = decide(base, result.metrics, cfg.section("gate"), plan.min_effect_ms,
                                             len(head))
        result.metrics.extend(kept)
        result.findings.extend(regressions)
        result.notes.extend(verdicts)
    for label in dict.fromkeys(r["label"] for r in rounds if r["label"] in ("head", "base")):
        mine = [r for r in rounds if r["label"] == label]
        result.notes.append(_note(
            "summary", label=label if plan.base_host else "", users=max(r["users"] for r in mine),
            workers=mine[0]["workers"],
            requests=sum(r["total"]["requests"] for r in mine), wall_s=sum(r["wall_s"] for r in mine),
            host=mine[0]["host"], stopped_by=mine[-1]["stopped_by"],
        ))
    if any(r["cpu_warning"] for r in rounds):
        result.notes.append(_note("cpu"))


def _artifacts(outputs: list[dict[str, Any]], artifacts_dir: Path) -> list[str]:
    files = [p for r in outputs[0].get("rounds", []) for p in r.get("artifacts", [])]
    files.extend(str(p) for p in sorted(artifacts_dir.glob("locust*.log")))
    return list(dict.fromkeys(files))


def _redis_info(plan: LoadPlan) -> dict[str, Any]:
    if not plan.redis_url:
        return {}
    from .load_redis import read_info

    return read_info(plan.redis_url)


class _NoSampler:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _sampler(pid: int | None, interval: float):
    if not pid:
        return _NoSampler()
    from .load_resources import TreeSampler

    return TreeSampler(pid, interval)


def _note(kind: str, **values: Any) -> str:
    return render("load_note.txt.j2", kind=kind, **values).strip()


def _versions() -> dict[str, str]:
    try:
        return {"locust": metadata.version("locust")}
    except metadata.PackageNotFoundError:
        return {}
