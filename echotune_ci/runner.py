"""``run``: start the app, run the configured phases, write results, report, gate.

A phase that cannot run becomes a result with status "error" (the others
still run); a configuration error stops everything before the app starts.
"""

from __future__ import annotations

import concurrent.futures
import signal
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

from . import console
from .config import Config
from .errors import ConfigError, EchoTuneError, RunError
from .phases import PHASES, PhaseContext, get_phase, preflight
from .reporting import Evaluated, write_report_files
from .results import PhaseResult, load_results
from .serve import App, ServeSpec

# These phases measure the running app; others (bundle) only need what the
# serve command builds, so the app is started for them too when configured.
NEEDS_APP = {"load", "frontend"}


@dataclass
class RunOutcome:
    evaluated: Evaluated
    result_files: list[Path]
    report_files: list[Path]


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """CI cancels jobs with SIGTERM: treat it like Ctrl-C so the app is stopped."""
    def handler(signum, frame):  # noqa: ARG001
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _phase_list(cfg: Config, only: tuple[str, ...]) -> list[str]:
    phases = list(only) if only else list(cfg.section("run")["phases"])
    unknown = [p for p in phases if p not in PHASES]
    if unknown:
        raise ConfigError(f"{cfg.source}: unknown phase(s) {', '.join(unknown)} (known: {', '.join(PHASES)})")
    if not phases:
        raise ConfigError(f"{cfg.source}: no phases to run: list them in [run] phases")
    return phases


def _run_phase(name: str, cfg: Config, ctx: PhaseContext) -> PhaseResult:
    started = time.monotonic()
    try:
        func = get_phase(name)
    except ImportError as exc:
        return PhaseResult(phase=name, status="error", errors=[f"phase not available: {exc}"])
    try:
        result = func(cfg, ctx)
    except ConfigError:
        raise
    except EchoTuneError as exc:
        result = PhaseResult(phase=name, status="error", errors=[str(exc)])
    except Exception as exc:  # a bug in a phase must not stop the app or hide other phases
        console.debug(traceback.format_exc())
        result = PhaseResult(phase=name, status="error", errors=[f"internal error: {type(exc).__name__}: {exc}"])
    if not result.duration_s:
        result.duration_s = time.monotonic() - started
    result.artifacts = [_relative_artifact(a, ctx.artifacts_dir.parent.parent) for a in result.artifacts]
    return result


def _relative_artifact(path: str, output_dir: Path) -> str:
    """Artifacts inside the output folder are kept relative to it, so the
    folder can be uploaded and downloaded elsewhere with links intact."""
    p = Path(path)
    try:
        return p.resolve().relative_to(output_dir.resolve()).as_posix() if p.is_absolute() else path
    except ValueError:
        return path


def run(cfg: Config, output_dir: Path, *, only: tuple[str, ...] = (), extra_env: dict[str, str] | None = None,
        baseline: list[Path] | None = None, serve_command: str | None = None, url: str | None = None) -> RunOutcome:
    """Run the phases. ``serve_command`` replaces [serve] command; ``url`` points
    the phases at an app that is already running (nothing is started)."""
    phases = _phase_list(cfg, only)
    base = load_results(baseline) if baseline else None
    if serve_command:
        cfg.section("serve")["command"] = serve_command
    if url is not None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"--url: expected an http(s) URL, got {url!r}")
    for name in phases:
        preflight(name, cfg)
    output_dir.mkdir(parents=True, exist_ok=True)
    needs_app = url is None and (any(p in NEEDS_APP for p in phases) or bool(cfg.section("serve")["command"]))
    spec = ServeSpec.from_config(cfg) if needs_app else None
    results: list[PhaseResult] = []
    with _sigterm_as_interrupt():
        app = App(spec, extra_env) if spec else None
        try:
            if app is not None:
                with console.progress("starting the app") as p:
                    p.update(spec.command if spec else "")
                    app.start()
                console.info(f"app ready at {app.base_url} (pid {app.pid})")
            base_url = app.base_url if app else (url.rstrip("/") if url else None)
            host = urlsplit(base_url).hostname if base_url else None
            contexts = {
                name: PhaseContext(
                    artifacts_dir=output_dir / "artifacts" / name,
                    base_url=base_url,
                    app_pid=app.pid if app else None,
                    allow_hosts=tuple(h for h in ("127.0.0.1", "localhost", "::1", host) if h),
                )
                for name in phases
            }
            if cfg.section("run")["parallel"] and len(phases) > 1:
                with concurrent.futures.ThreadPoolExecutor(max_workers=len(phases)) as pool:
                    futures = {name: pool.submit(_run_phase, name, cfg, contexts[name]) for name in phases}
                    with console.progress("phases " + ", ".join(phases)):
                        results = [futures[name].result() for name in phases]
            else:
                for name in phases:
                    with console.progress(name) as p:
                        contexts[name].progress = p.update
                        results.append(_run_phase(name, cfg, contexts[name]))
                    console.info(f"{name}: {results[-1].status} ({results[-1].duration_s:.1f}s)")
        finally:
            if app is not None:
                app.stop()
    files = [r.write(output_dir / f"{r.phase}.json") for r in results]
    from .gate import evaluate

    ev = Evaluated(results, evaluate(results, cfg, base), base)
    return RunOutcome(ev, files, write_report_files(ev, cfg, output_dir))


