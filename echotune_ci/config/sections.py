"""Sections every phase shares: project, serve, run, budgets, gate, report, github."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..phases.registry import PHASE_NAMES
from ..results.model import SEVERITIES
from .schema import item, ready_url, seconds, setting, status_codes


def _port(value: int | str) -> str | None:
    if value == "auto" or (isinstance(value, int) and 0 < value < 65536):
        return None
    return "must be 'auto' or a port number"


@dataclass(frozen=True)
class ProjectSettings:
    """[project]: what is measured."""

    name: str = setting("", doc="Shown in reports.")
    root: str = setting(".", doc="Repository root, relative to the config file.")


@dataclass(frozen=True)
class ServeSettings:
    """[serve]: how `run` starts the app under test."""

    command: str = setting("", doc="Shell command that starts the app (no installs, no builds); {port} is "
                                   "replaced, and PORT is set too.")
    setup: str = setting("", doc="Shell command that installs the app's dependencies, e.g. `npm ci`; runs "
                                 "before build, and again only when setup_inputs change (`run --no-setup` "
                                 "skips it).")
    build: str = setting("", doc="Shell command that builds the app, e.g. `npm run build`; runs after setup "
                                 "and before command on every `run` (`run --no-setup` skips it).")
    setup_inputs: tuple[str, ...] = setting((), doc="Files whose change re-runs setup, relative to cwd "
                                                    "(default: the lockfiles and manifests found there).")
    ready_url: str = setting("", check=ready_url,
                             doc="URL polled until it answers 2xx/3xx; {port} is replaced.")
    ready_status: tuple[int, ...] = setting((), parse=status_codes,
                                            doc="Statuses besides 2xx/3xx that mean the app is ready: 401 "
                                                "for a ready URL that needs a login (an API whose every "
                                                "route does).")
    port: int | str = setting("auto", check=_port,
                              doc="'auto' (a free port, passed as {port} and PORT) or the port the app "
                                  "always listens on.")
    cwd: str = setting(".", doc="Working directory of setup, build and command, relative to the config file.")
    env: Mapping[str, str] = setting({}, doc="Extra environment variables for setup, build and the app.")
    setup_timeout: float = setting(900.0, parse=seconds, min=1, doc="How long setup and build may take each.")
    timeout: float = setting(30.0, parse=seconds, min=0.1, doc="How long to wait for ready_url.")
    stop_timeout: float = setting(10.0, parse=seconds, min=0.1,
                                  doc="How long the app may take to stop before it is killed.")


@dataclass(frozen=True)
class RunSettings:
    """[run]: which phases `run` drives."""

    phases: tuple[str, ...] = setting((), item=item(choices=PHASE_NAMES), doc="Phases to run, in this order.")
    parallel: bool = setting(False, doc="Run phases concurrently (measurements disturb each other).")
    output_dir: str = setting("results", doc="Where result files and the report go.")


@dataclass(frozen=True)
class Budgets:
    """[budgets]: project-wide limits; phases allow per-URL / per-endpoint overrides.

    Names are metric names; times are milliseconds, rates and scores percent.
    """

    api_p95_ms: float = setting(200.0, min=0, doc="95th percentile of API response time.")
    error_rate_pct: float = setting(1.0, min=0, max=100, doc="Share of failed requests under load.")
    fcp_ms: float = setting(1500.0, min=0, doc="First Contentful Paint.")
    lcp_ms: float = setting(2000.0, min=0, doc="Largest Contentful Paint.")
    tti_ms: float = setting(2000.0, min=0, doc="Time to Interactive.")
    tbt_ms: float = setting(300.0, min=0, doc="Total Blocking Time.")
    cls: float = setting(0.1, min=0, doc="Cumulative Layout Shift (unitless).")
    interaction_ms: float = setting(100.0, min=0, doc="Latency from an input to the next paint.")
    accessibility_score: float = setting(95.0, min=0, max=100,
                                         doc="Lighthouse-comparable accessibility score.")
    performance_score: float = setting(0.0, min=0, max=100, doc="0 disables the gate.")
    bundle_growth_pct: float = setting(5.0, min=0, doc="Growth of the gzip bundle total against the base.")
    redis_hit_ratio_pct: float = setting(85.0, min=0, max=100,
                                         doc="Redis cache hit ratio over the load test.")
    app_memory_mb: float = setting(512.0, min=0, doc="Peak resident memory of the app under load.")
    app_cpu_pct: float = setting(80.0, min=0, doc="Mean CPU use of the app under load (100 = one core).")
    realtime_p95_ms: float = setting(100.0, min=0, doc="95th percentile of a WebSocket/Socket.IO message's "
                                                       "round trip under load ([load.realtime]).")
    db_query_mean_ms: float = setting(50.0, min=0, doc="Mean execution time of each normalised database "
                                                       "statement under load ([load.database]).")
    security_fail_on: str = setting("high", choices=SEVERITIES, doc="Lowest finding severity that fails.")
    hard: Mapping[str, float] = setting(
        {}, item=item(min=0),
        doc="[budgets.hard]: metric name -> a second, looser limit in the metric's unit and direction (e.g. "
            "accessibility_score = 80). With a baseline, a budget the base already breaks only warns (the "
            "ratchet, [gate] ratchet); the head still fails past its hard limit. The [budgets] names "
            "api_p95_ms and app_memory_mb stand for the metrics p95_ms and app_rss_mb.")


@dataclass(frozen=True)
class GateSettings:
    """[gate]: relative rules applied against a baseline."""

    regression: Mapping[str, float] = setting(
        # cls: a layout shift the pull request adds (a banner or an ad slot without reserved room) moves
        # nothing else, and ungated it was "+859 %, n.s." (0.002 -> 0.021); min_effect_cls is its floor.
        {"p95_ms": 10.0, "api_p95_ms": 10.0, "rps": 10.0, "fcp_ms": 10.0, "lcp_ms": 10.0, "tti_ms": 10.0,
         "tbt_ms": 25.0, "cls": 10.0, "bundle_total_gzip_bytes": 5.0, "realtime_rtt_p95_ms": 10.0},
        item=item(min=0),
        doc="Metric name -> percent: for sampled metrics the regression the gate is built to catch "
            "(rounds are added while one this large is plausible), for single values the largest allowed "
            "change for the worse against the baseline. These metrics fail the gate when they regress. "
            "A table given replaces the default one (name every metric to gate).",
    )
    alpha: float = setting(0.05, min=0.0001, max=0.5,
                           doc="Significance level for sampled metrics, shared by the sampled metrics of a "
                               "phase (Holm-Tarone) and, in run --base-ref, by the paired phases and looks.")
    min_effect_pct: float = setting(5.0, min=0, doc="Smaller changes are never called regressions.")
    min_effect_ms: float = setting(0.5, min=0,
                                   doc="Shifts of a time (unit ms) smaller than this are never called "
                                       "regressions: below timer and scheduler jitter. Local load rounds "
                                       "report exact percentiles; a distributed load test reports locust's "
                                       "whole milliseconds, so raise this to 2 when you compare those.")
    min_effect_cls: float = setting(0.01, min=0,
                                    doc="Changes of CLS (Cumulative Layout Shift) smaller than this are "
                                        "never called regressions: 0 against 0.002 is +100 % and no shift "
                                        "anyone sees (Lighthouse scores both 100; its CLS score stays 100 "
                                        "below about 0.03).")
    min_effect_bytes: float = setting(100.0, min=0,
                                      doc="Changes of a size in bytes smaller than this are never called "
                                          "regressions: a Next.js route chunk of 167 bytes whose module "
                                          "ids alone changed went from 116 to 139 bytes of brotli, "
                                          "+20 %, and read as regressed.")
    confidence: float = setting(0.95, min=0.5, max=0.999,
                                doc="Level of the two-sided confidence interval of each sampled metric's "
                                    "shift (Hodges-Lehmann), shown with the verdict and used to decide "
                                    "whether more samples are needed.")
    max_runs: int = setting(10, min=2, max=100,
                            doc="Most samples per build when `run --base-ref` adds rounds because a metric's "
                                "confidence interval still reaches its regression limit (no rounds are "
                                "added when the configured runs already reach it).")
    futility: float = setting(0.1, min=0, max=0.5,
                              doc="`run --base-ref` adds no rounds for a metric whose chance of showing a "
                                  "regression of its limit's size by max_runs (its conditional power) is "
                                  "below this; 0: sample up to max_runs while the interval reaches the "
                                  "limit.")
    ratchet: bool = setting(True, doc="With a baseline, a budget the base already breaks is a known breach: "
                                      "a warning, failing only when the head is significantly worse than "
                                      "the base or past its [budgets.hard] limit.")
    ratchet_metrics: Mapping[str, bool] = setting(
        {}, doc="Metric name -> whether the ratchet applies to its budgets (overrides ratchet), e.g. "
                "error_rate_pct = false to fail every breach of it.")
    fail_on_warn: bool = setting(False, doc="Exit 1 on warnings too.")


@dataclass(frozen=True)
class ReportSettings:
    """[report]: how results are presented."""

    title: str = setting("EchoTune CI", doc="Heading of the comment and the summary.")
    details_url: str = setting("", doc="Link to the full report, used when the comment is truncated.")
    max_annotations: int = setting(50, min=0, max=50, doc="Most annotations printed per run.")


@dataclass(frozen=True)
class GitHubSettings:
    """[github]: how comment, checks and propose talk to GitHub."""

    enabled: bool = setting(True, doc="false: `comment` and `checks` publish nothing (and say so).")
    api_url: str = setting("", doc="REST API root; empty: $GITHUB_API_URL, else https://api.github.com.")
    comment_author: str = setting("", doc="Login whose marked comment is ours; empty: the token's own user.")
    checks: str = setting("auto", choices=("auto", "check-run", "status"),
                          doc="auto: check runs, falling back to commit statuses for tokens that are not a "
                              "GitHub App's.")
    check_name: str = setting("EchoTune CI / {phase}",
                              check=lambda v: None if "{phase}" in v else "must contain {phase}",
                              doc="Name of each phase's check run or status context.")
    max_attempts: int = setting(4, min=1, max=10, doc="Tries per request on rate limits, 429 and 5xx.")
    backoff: float = setting(1.0, parse=seconds, min=0,
                             doc="First wait when GitHub gives no Retry-After; doubles.")
    max_wait: float = setting(60.0, parse=seconds, min=0,
                              doc="Longest single wait; a longer Retry-After fails at once.")
    timeout: float = setting(30.0, parse=seconds, min=1, doc="Timeout of one request.")
