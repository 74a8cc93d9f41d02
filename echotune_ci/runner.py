"""``run``: start the app, run the configured phases, write results, report, gate.

A phase that cannot run becomes a result with status "error" (the others
still run); a configuration error stops everything before the app starts.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import re
import signal
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

from . import console
from .config import Config, override
from .errors import ConfigError, EchoTuneError, RunError, Terminated
from .fsutil import (cannot_write, ignore_output_folder, own_artifact_folders, previous_kept, relative_path,
                     staged)
from .gate import GateOutcome, evaluate
from .output_lock import output_lock
from .phases.base import Phase, PhaseContext
from .phases.registry import PHASE_NAMES, get_phase, phase_settings
from .reporting import write_report_files
from .results import Finding, PhaseResult, load_results, worst_status
from .serve import App, serve_settings
from .serve.app import AppExited
from .serve.output import important_lines, tail_of, without_client_errors
from .serve.steps import skipped_hint

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


@dataclass
class RunOutcome:
    """What `run` produced: the gate's outcome, the result files and the report files."""

    outcome: GateOutcome
    result_files: list[Path]
    report_files: list[Path]


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """CI cancels jobs with SIGTERM: treat it like Ctrl-C so the app is stopped."""
    def handler(signum: int, frame: FrameType | None) -> None:
        raise Terminated

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def phase_list(cfg: Config, only: tuple[str, ...]) -> list[Phase[Any]]:
    """The phases to run: *only*, else [run] phases; ConfigError for unknown names or none."""
    names = list(only) if only else list(cfg.run.phases)
    unknown = [p for p in names if p not in PHASE_NAMES]
    if unknown:
        where = "--phase" if only else f"{cfg.source}: [run] phases"  # which the user gave
        raise ConfigError(f"{where}: unknown phase(s) {', '.join(unknown)} (known: {', '.join(PHASE_NAMES)})")
    if not names:
        raise ConfigError(f"{cfg.source}: no phases to run: list them in [run] phases")
    return [get_phase(name) for name in names]


def run_phase(phase: Phase[Any], cfg: Config, ctx: PhaseContext) -> PhaseResult:
    """Run one phase; every failure but a configuration error becomes a result with status "error"."""
    started = time.monotonic()
    try:
        result = phase.run(phase_settings(cfg, phase), ctx)
    except ConfigError:
        raise
    except EchoTuneError as exc:
        result = PhaseResult(phase=phase.name, status="error", errors=[str(exc)])
    except Exception as exc:  # a bug in a phase must not stop the app or hide other phases
        console.debug(traceback.format_exc())
        result = PhaseResult(phase=phase.name, status="error",
                             errors=[f"internal error: {type(exc).__name__}: {exc}"])
    if not result.duration_s:
        result.duration_s = time.monotonic() - started
    return result


def _finish(result: PhaseResult, cfg: Config, ctx: PhaseContext, output_dir: Path) -> PhaseResult:
    """The phase's documents written beside its result; artifact paths made relative to the output folder."""
    from .report.documents import write_phase_documents

    try:
        result = write_phase_documents(result, cfg, ctx.artifacts_dir)
    except EchoTuneError as exc:  # like a phase that could not run: the other phases still report
        result.errors.append(str(exc))
        result.status = "error"
    result.artifacts = [relative_path(a, output_dir) if Path(a).is_absolute() else a
                        for a in result.artifacts]
    return result


class _AppExited(BaseException):
    """Raised from a phase's progress callback once the app has exited: measuring a dead app only wastes
    the job's time. A BaseException, so that no phase takes it for its own failure."""


def _watching(progress: Callable[[str], None], app: App | None) -> Callable[[str], None]:
    """*progress*, which first checks that the app still runs (raises _AppExited otherwise).

    Phases report progress from their main loop (the load test ten times a
    second), at points where they can stop cleanly, as on Ctrl-C.
    """
    if app is None:
        return progress

    def update(message: str) -> None:
        if app.exit_code() is not None:
            raise _AppExited
        progress(message)

    return update


def _run_watched(phase: Phase[Any], cfg: Config, ctx: PhaseContext) -> PhaseResult:
    """:func:`run_phase`; when the app exits meanwhile, the phase is stopped and its result is empty but for
    the artifacts it wrote (:func:`app_exited` then says why)."""
    started = time.monotonic()
    try:
        return run_phase(phase, cfg, ctx)
    except _AppExited:
        result = PhaseResult(phase=phase.name, status="error", duration_s=time.monotonic() - started,
                             notes=["the phase was stopped when the app exited"])
        found = sorted(ctx.artifacts_dir.rglob("*")) if ctx.artifacts_dir.is_dir() else []
        result.artifacts = [str(f.resolve()) for f in found if f.is_file()]
        return result


def not_run(phase: Phase[Any], app: App | None) -> PhaseResult | None:
    """An error result for a phase that measures the app when the app has exited already; else None."""
    code = app.exit_code() if app is not None else None
    if app is None or code is None or not phase.needs_app:
        return None
    return PhaseResult(phase=phase.name, status="error",
                       errors=[f"not run: {app.exit_message(code, 'before this phase')}"])


def not_started(phase: Phase[Any], unavailable: str) -> PhaseResult | None:
    """An error result (exit 3) for a phase that measures the app when the app did not start
    (*unavailable* says why); else None. The phases that need no running app still run and report."""
    if not unavailable or not phase.needs_app:
        return None
    return PhaseResult(phase=phase.name, status="error",
                       errors=[f"not run: the app did not start: {unavailable}"])


def without_app(phases: list[Phase[Any]], unavailable: str) -> str:
    """The warning of a run whose app did not start: which phases cannot run, which still do."""
    down = [p.name for p in phases if p.needs_app]
    rest = [p.name for p in phases if not p.needs_app]
    if not down:
        return f"the app did not start, so the phases run without it: {unavailable}"
    return (f"the app did not start, so {', '.join(down)} cannot run (" + (f"{', '.join(rest)} still run"
            if rest else "nothing else runs") + f"): {unavailable}")


def app_exited(result: PhaseResult, phase: Phase[Any], app: App | None) -> PhaseResult:
    """*result*, or, when the app exited while a phase that measures it (``needs_app``) ran, an error
    result that says so (exit 3) with the exit code and the lines of the app's output that say why.

    The figures of a crashed app are not its performance: the phase keeps its
    artifacts and notes but not its metrics and findings (a failing error
    rate would blame the app's speed), except the findings whose subject is
    the exit itself (``properties["app_exit"]``: the api phase's request the
    app stopped serving on). Phases that do not measure the app are left
    alone (the security phase's HTTP checks say themselves when the app does
    not answer).
    """
    code = app.exit_code() if app is not None else None
    if code is None or app is None or not phase.needs_app:
        return result
    kept = [f for f in result.findings if f.properties.get("app_exit")]
    if result.metrics or len(result.findings) > len(kept):
        left = len(result.findings) - len(kept)
        result.notes.append(f"{len(result.metrics)} metric(s) and {left} finding(s) measured while the app "
                            f"was down are left out")
        result.metrics, result.findings = [], kept
    result.errors.insert(0, app.exit_message(code, f"during the {phase.name} phase"))
    result.status = "error"
    return result


def exited_after(results: list[PhaseResult], phases: list[Phase[Any]], app: App | None) -> list[PhaseResult]:
    """*results*, with a warning on each phase that measured the app when the app exited on its own after
    those phases, before the run stopped it (mern-ecommerce with MONGO_URI pointing where no MongoDB runs:
    it answered "/" through the load test, then mongoose gave up and the app exited during the bundle
    phase; the run said "pass" of an app that cannot serve). An exit a result already tells of is not
    said again."""
    code = app.exit_code() if app is not None else None
    if app is None or code is None:
        return results
    said = f"the app (pid {app.pid}) "
    if any(said in error for r in results for error in r.errors):
        return results
    measured = {p.name for p in phases if p.needs_app}
    warning = app.exit_message(code, "after it was measured, before the run stopped it") + \
        "; the figures are those of an app that could not go on serving"
    console.warn(warning)
    # first, and the phase's own "warn": the gate's line for it quotes its first warning
    return [dataclasses.replace(r, warnings=[warning, *r.warnings], status=worst_status([r.status, "warn"]))
            if r.phase in measured else r for r in results]


def _check_url(url: str | None) -> None:
    if url is None:
        return
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"--url: expected an http(s) URL, got {url!r}")


@dataclass(frozen=True)
class ServeOptions:
    """How `run` treats [serve]: skip setup and build (*skip_setup*), re-run setup even when its
    inputs did not change (*force_setup*), or measure an app already running at *url*."""

    skip_setup: bool = False
    force_setup: bool = False
    url: str | None = None


def _secret_names(cfg: Config) -> tuple[str, ...]:
    """Variables the configuration names as holding our own secrets (research key, probe passwords):
    the app under test does not get them. (A JWT signing key is the app's own and stays.)"""
    from .masking import secret_env_names

    return secret_env_names(cfg)


def _must_start(cfg: Config, phases: list[Phase[Any]], options: ServeOptions) -> bool:
    """Whether `run` starts the app: a phase measures it, or [serve] has a command and a phase uses the
    app when it runs (the security phase's header checks and auth probes); never with --url, nor for
    phases that only read the build (`run --phase bundle`: setup and build still run).
    ConfigError when [serve] cannot start it."""
    # A phase's settings may say it uses no app after all (security without its http check)
    start = options.url is None and (any(p.needs_app for p in phases) or (bool(cfg.serve.command) and any(
        p.uses_app and getattr(phase_settings(cfg, p), "uses_app", True) for p in phases)))
    if start:
        serve_settings(cfg)
    return start


@dataclass
class PreparedApp:
    """An app whose setup and build have run, not started yet: :meth:`start` starts it. *label* starts
    its progress lines; *setup_skipped*: its setup was skipped (a missing module may be why it fails);
    *hint*: added to the error when it cannot start (the base says which setup it did not run)."""

    app: App
    label: str = ""
    setup_skipped: bool = False
    hint: str = ""

    def start(self) -> App:
        """Start the app and wait until it is ready; RunError (exit 3) when it cannot start."""
        app = self.app
        with console.progress(f"starting the {self.label or 'app'}") as p:
            p.update(app.settings.command)
            try:
                app.start()
            except RunError as exc:
                # only a missing module or tool may be a matter of the skipped setup
                hint = self.hint
                if not hint and self.setup_skipped and isinstance(exc, AppExited) and exc.missing_dependency:
                    hint = skipped_hint(exc.module, app.cwd, app.settings.setup_inputs, app.environment())
                if not hint:
                    raise
                # before the output it quotes, whose last line (the exception) the comment's cut keeps
                failed, quoting, printed = str(exc).partition("; it printed: ")
                raise RunError(f"{failed}; {hint}{quoting}{printed}") from None
        console.info(f"{self.label or 'app'} ready at {app.base_url} (pid {app.pid})")
        if app.moved:
            console.info(f"note: the {self.label or 'app'} {app.moved}")
        return app


def _prepare(cfg: Config, start: bool, options: ServeOptions,
             extra_env: Mapping[str, str] | None, label: str = "",
             prepared_notes: list[str] | None = None, other: Path | None = None) -> PreparedApp | None:
    """Run the app's setup and build; the app ready to start, None when nothing is to be started
    (*start* false, or ``--url``). *label* ("base" in ``run --base-ref``) starts each progress line, so
    two builds' "build: done" are told apart. *prepared_notes* gets what setup and build did ("setup:
    skipped, ...", "setup: done in 12s"). *other*: the head's checkout, for the base, whose environment
    the base's commands do not inherit from the job (an activated ``.venv`` of the head). RunError when a
    step fails."""
    if options.url is not None:
        return None
    serve = cfg.serve
    app = App(serve, cfg.resolve(serve.cwd), extra_env, root=cfg.root, drop=_secret_names(cfg),
              build="base" if label == "base" else "head", other=other)
    skipped = False
    if not options.skip_setup and (serve.setup or serve.build):
        prepared = app.prepare(force=options.force_setup,
                               said=lambda note: console.info(f"{label} {note}" if label else note))
        skipped = prepared.setup_skipped
        if prepared_notes is not None:
            prepared_notes.extend(prepared.notes)
    return PreparedApp(app, label, skipped) if start else None


def _serve(cfg: Config, start: bool, options: ServeOptions, extra_env: Mapping[str, str] | None,
           needed: bool = True) -> tuple[App | None, str]:
    """Prepare (setup, build) and start the app: (the app or None when nothing is started, why it did not
    start). RunError when it does not start and every phase *needed* it; otherwise the phases that need
    no running app (bundle reads the build, security's static checks read the files) run without it and
    those that measure it are errors that say why (:func:`not_started`)."""
    prepared = _prepare(cfg, start, options, extra_env)
    if prepared is None:
        return None, ""
    try:
        return prepared.start(), ""
    except RunError as exc:
        if needed:
            raise
        return None, str(exc)


def _context(cfg: Config, artifacts_dir: Path, base_url: str | None, app: App | None,
             output_dir: Path | None = None, unavailable: str = "") -> PhaseContext:
    """A phase's context: the app it measures; loopback may receive its traffic, any other host only
    when the phase's own allow-list names it (the app's URL is not allowed just for being the target);
    *output_dir* the run's output folder; *unavailable* why the app did not start."""
    return PhaseContext.for_config(cfg, artifacts_dir, base_url=base_url, app_pid=app.pid if app else None,
                                   allow_hosts=LOCAL_HOSTS, output_dir=output_dir,
                                   app_unavailable=unavailable)


def _planned_url(cfg: Config, url: str | None) -> str | None:
    """The URL the phases will measure, known before the app starts: ``--url``, or ``serve.ready_url``
    (its ``{port}`` stands for any port) when [serve] starts an app; None otherwise."""
    if url is not None:
        return url.rstrip("/")
    if cfg.serve.command and cfg.serve.ready_url:
        return cfg.serve.ready_url.replace("{port}", "1")
    return None


# An answer of the app's own server error: the api phase's api/server-error, a load request that got one.
_SERVER_ERROR = re.compile(r"\bHTTP 5\d\d\b")
_DIGITS = re.compile(r"\d+")
_REPEATS = re.compile(r" \(\d+ times\)$")  # important_lines' count of a line repeated in a row


def _server_error(finding: Finding) -> bool:
    if finding.rule_id == "api/server-error":
        return True
    return finding.rule_id == "load.request-failed" and bool(_SERVER_ERROR.search(str(
        finding.properties.get("error", ""))))


def server_errors_said(results: list[PhaseResult], app: App | None) -> list[PhaseResult]:
    """*results*, with a warning on each phase that found the app answering with its own server error
    (5xx) quoting the lines of the app's output that name an error (at most 6): the cause, which the
    answer's body never says ({"statusCode": 500, "message": "Internal server error"} of a NestJS app
    whose SQLite file had no tables: "SqliteError: no such table: availabilities"). So too on a phase
    whose real-time messages failed (``realtime_error_rate_pct`` above 0): a Socket.IO handler that raises
    acknowledges nothing, and the run said only "no acknowledgement within 5s" (Flask-SocketIO-Chat's
    TypeError for a client without a session name). Nothing is added when the app printed no such line."""
    hit = {r.phase for r in results if any(_server_error(f) for f in r.findings)}
    realtime = {r.phase for r in results if r.phase not in hit and any(
        m.name == "realtime_error_rate_pct" and (m.value or 0) > 0 for m in r.metrics)}
    if app is None or not (hit or realtime):
        return results
    # The records of 4xx answers the app logged as errors are no cause of its 5xx; nor are the first error
    # lines of its output, kept apart from their records, from before the phase (a Fastify app's sign-up
    # flow of an account that existed, "HttpBadRequestError: Username is already taken", quoted as the only
    # cause of an A/A run's 500s, whose own records its verbose log had pushed out of the tail)
    output = without_client_errors(tail_of(app.output_tail().splitlines()))
    lines = important_lines(output, most=6, errors_only=True)
    # Each request logs its error again with its own time and pid ("[Nest] 18159 - 4:19:34 PM ERROR ..."):
    # one line of each shape says it.
    shapes = {_DIGITS.sub("#", _REPEATS.sub("", line)): line for line in reversed(lines)}
    lines = [line for line in lines if line in shapes.values()]
    if not lines:
        return results
    named = " | ".join(lines)
    said = {**{p: f"the app answered with server errors (5xx); its output named: {named}" for p in hit},
            **{p: f"real-time messages failed; the app's output named: {named}" for p in realtime}}
    return [dataclasses.replace(r, warnings=[*r.warnings, said[r.phase]]) if r.phase in said else r
            for r in results]


def _run_all(phases: list[Phase[Any]], cfg: Config, contexts: dict[str, PhaseContext],
             output_dir: Path, app: App | None = None) -> list[PhaseResult]:
    if cfg.run.parallel and len(phases) > 1:
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=len(phases))
        try:
            done = {p.name: not_started(p, contexts[p.name].app_unavailable) for p in phases}
            futures = {p.name: pool.submit(run_phase, p, cfg, contexts[p.name]) for p in phases
                       if done[p.name] is None}
            with console.progress("phases " + ", ".join(futures)):
                return [done[p.name] or app_exited(futures[p.name].result(), p, app) for p in phases]
        finally:
            # On Ctrl-C or SIGTERM, stop the app now rather than after the phases' full durations.
            pool.shutdown(wait=False, cancel_futures=True)
    results = []
    for phase in phases:
        with console.progress(phase.name) as p:
            # A phase that does not measure the app (bundle reads the build) goes on when it exits.
            ctx = contexts[phase.name].with_progress(_watching(p.update, app if phase.needs_app else None))
            results.append(not_started(phase, ctx.app_unavailable) or not_run(phase, app)
                           or app_exited(_run_watched(phase, cfg, ctx), phase, app))
        console.info(f"{phase.name}: {results[-1].status} ({results[-1].duration_s:.1f}s)")
    return results


def preflight(cfg: Config, phases: list[Phase[Any]], output_dir: Path, url: str | None) -> None:
    """Every phase's check against the URL it will measure (ConfigError), before any app is started."""
    _check_url(url)
    for phase in phases:
        # The planned URL: a target outside an allow-list is refused before the app is started or polled.
        phase.check(phase_settings(cfg, phase),
                    PhaseContext.for_config(cfg, output_dir / "artifacts" / phase.name,
                                            base_url=_planned_url(cfg, url), allow_hosts=LOCAL_HOSTS))


def run(cfg: Config, output_dir: Path, *, only: tuple[str, ...] = (),
        extra_env: Mapping[str, str] | None = None, baseline: list[Path] | None = None,
        serve_command: str | None = None, url: str | None = None,
        serve: ServeOptions | None = None) -> RunOutcome:
    """Run the phases and write ``<output_dir>/<phase>.json`` and ``<output_dir>/report/``.

    ``serve_command`` replaces [serve] command; ``url`` points the phases at
    an app that is already running (nothing is set up or started); *serve*
    says whether to skip or force setup. Raises ConfigError for
    configuration mistakes (before anything runs) and RunError when the app
    cannot be set up, built or started; a phase that cannot run is a result
    with status "error".
    """
    from .baseref.configs import where_moved
    from .baseref.data import brought_databases, remember_databases
    from .masking import register_config

    register_config(cfg)  # the secrets the configuration points at are masked in every output
    options = dataclasses.replace(serve or ServeOptions(), url=url)
    phases = phase_list(cfg, only)
    base = load_results(baseline) if baseline else None
    cfg = cfg.with_section("serve", override(cfg.serve, command=serve_command or None))
    preflight(cfg, phases, output_dir, url)
    start = _must_start(cfg, phases, options)
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise cannot_write(output_dir, exc) from None
    ignore_output_folder(output_dir)  # no build reads what this run writes
    # One run per output folder, from before the app starts until its files are in place.
    # The phases' tools write their artifacts in place while measuring: until the run's files are in
    # place, the last complete run's artifacts of these phases are kept aside (an interrupted run puts
    # them back).
    with output_lock(output_dir), _sigterm_as_interrupt(), \
            previous_kept(*own_artifact_folders(output_dir, cfg.base_dir, [p.name for p in phases])):
        # A later `run --base-ref` takes the databases this run's app makes or fills for no one's data.
        # A run that fails (an app that does not start) made them too: the next run's warning would blame
        # the data for what the failed run left.
        had = brought_databases(cfg.base_dir) if start and options.url is None else None
        try:
            app, unavailable = _serve(cfg, start, options, extra_env, all(p.needs_app for p in phases))
            if unavailable:
                console.warn(without_app(phases, unavailable))
            try:
                base_url = app.base_url if app else (url.rstrip("/") if url else None)
                artifacts = output_dir / "artifacts"
                measured, moved = where_moved(cfg, app, "the app's")
                contexts = {p.name: _context(measured, artifacts / p.name, base_url, app, output_dir,
                                             unavailable) for p in phases}
                results = exited_after(_run_all(phases, measured, contexts, output_dir, app), phases, app)
                results = server_errors_said(results, app)
            finally:
                if app is not None:
                    app.stop()
        finally:
            if had is not None:
                remember_databases(cfg.base_dir, had)
        if app is not None and app.moved and results:
            said = [f"the app {app.moved}", *moved]
            results[0] = dataclasses.replace(results[0], notes=[*results[0].notes, *said])
        if app is not None and app.changed and results:
            console.warn(app.changed)
            results[0] = dataclasses.replace(results[0], notes=[*results[0].notes, app.changed])
        # Nothing half-written: documents, reports and result files appear together at the end or not at
        # all; they move into place in this order, so a result file never stands without its report.
        with staged(output_dir):
            results = [_finish(r, cfg, contexts[r.phase], output_dir) for r in results]
            outcome = evaluate(results, cfg, base)
            reports = write_report_files(outcome, cfg, output_dir)
            files = [r.write(output_dir / f"{r.phase}.json") for r in results]
        _unpair_earlier_base(output_dir, [r.phase for r in results], baseline or [])
    return RunOutcome(outcome, files, reports)


def _unpair_earlier_base(output_dir: Path, written: list[str], baseline: list[Path]) -> None:
    """Remove ``<output>/base/<phase>.json`` of the phases this run (without a base) wrote when an earlier
    `run --base-ref` left them (its ``artifacts/side-by-side.json`` is there): they were the base of head
    results this run replaced, and `gate` or `report` on the folder compared the new head against that
    old base (a p95 "+153 %" that was another run's). Never a file *baseline* names (the user's base), nor
    one git tracks or may track (git cannot answer in a checkout); a file that cannot be removed stays.
    Say which results of an earlier run the folder still holds: `gate` on the folder reads them too."""
    from .baseref import BASE_FOLDER
    from .baseref.sidebyside import ORDER_FILE
    from .fsutil import remove_untracked
    from .serve.process import deferred_signals

    base = output_dir / BASE_FOLDER
    given = {f.resolve() for b in baseline for f in ([*b.glob("*.json")] if b.is_dir() else [b])}
    stale = [base / f"{phase}.json" for phase in written if (base / f"{phase}.json").is_file()]
    stale = [path for path in stale if path.resolve() not in given]
    # Only what a side-by-side run left (it writes artifacts/side-by-side.json beside its base): a base/
    # folder of the project's own (`-o .`) is not an earlier run's. Decided and done whole (Ctrl-C waits):
    # stopped half way, the new results would stand beside the old base.
    with deferred_signals():
        if stale and (output_dir / "artifacts" / ORDER_FILE).is_file():
            remove_untracked(base, [p.name for p in stale])
    say_earlier_results(output_dir, written, given)


def say_earlier_results(output_dir: Path, written: list[str], given: set[Path] | None = None) -> None:
    """Say which results of an earlier run *output_dir* still holds besides the phases this run *written*
    (head results, and base results other than *given*: the user's own, or this run's): `gate`, `report` and
    `comment` on the folder read them too. A `run --base-ref --phase api` after a full one left the earlier
    run's load.json beside the new api.json, its base's load.json pruned, and said nothing: `gate` on the
    folder then warned that "the base has no load results"."""
    from .baseref import BASE_FOLDER

    given = given or set()
    base = output_dir / BASE_FOLDER
    earlier = [f"{name}.json" for name in PHASE_NAMES
               if name not in written and (output_dir / f"{name}.json").is_file()]
    earlier += [f"{BASE_FOLDER}/{p.name}" for p in sorted(base.glob("*.json")) if p.resolve() not in given]
    if earlier:
        held = ", ".join(earlier)
        console.info(f"note: {output_dir} also holds {held} of an earlier run, which "
                     f"`gate`, `report` and `comment` on the folder read too")
