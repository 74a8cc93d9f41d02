"""From the [load] settings, the phase context and the run options to one checked load plan.

Everything a user can get wrong (target, hosts, bounds, scenario, locustfile
path) is checked here, in the CLI process, before any process starts; every
problem is a :class:`~echotune_ci.errors.ConfigError` (exit 2).

The locust worker process imports this module for :func:`host_allowed`, so
it imports nothing of the configuration package at module level.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from fnmatch import fnmatch
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ...errors import ConfigError
from .realtime import plan_part as realtime_plan
from .settings import check_threshold_names

if TYPE_CHECKING:  # pragma: no cover
    from ..base import PhaseContext
    from .settings import Endpoint, EndpointBudgets, LoadSettings, LoginSettings

# The longest a side-by-side round waits, once stopped, for its app to answer what was sent to it
# (worker.drain_app)
DRAIN_WAIT_S = 10.0
# What it asks for: a path no app serves, so the wait is no page load the app counts (a login form at the
# root was loaded once more than the users did, and a session, a page view or an analytics hit went with it)
DRAIN_PATH = "/echotune-ci-drain"


@dataclass(frozen=True)
class RunOptions:
    """Parameters of one `echotune-ci load` run that are not settings.

    ``master``/``worker``: distributed mode (``--master``, ``--worker``);
    ``expect_workers``: how many workers the master waits for, at most
    ``expect_timeout`` seconds; ``master_bind_host``: the interface the master
    listens on; ``master_host``/``master_port``: where workers connect.
    ``from_command_line``: names of the settings the command line set, so
    that messages name the option (``--locustfile``) instead of the config
    key, an explicit ``--redis-url`` is not replaced by $ECHOTUNE_REDIS_URL,
    and ``--host`` runs the test even with ``[load] enabled = false``.
    """

    master: bool = False
    worker: bool = False
    expect_workers: int = 1
    expect_timeout: float = 60.0
    master_bind_host: str = "*"
    master_host: str | None = None
    master_port: int = 5557
    from_command_line: frozenset[str] = frozenset()


@dataclass(frozen=True)
class LoadPlan:
    """The checked settings plus what is resolved when the test runs.

    ``host``: the target URL without a trailing slash ("" only for a worker,
    which gets its host from the master); ``locustfile``: an absolute path or
    "" for the configured endpoints; ``allow_hosts``: host patterns (fnmatch)
    that may receive load (every request is checked, redirects included);
    ``thresholds``: per-endpoint budgets keyed "METHOD name" ([load.thresholds]
    with each endpoint's own budgets on top);
    ``redis_url``: "" when no Redis is measured.
    """

    settings: LoadSettings
    host: str
    locustfile: str
    allow_hosts: tuple[str, ...]
    thresholds: Mapping[str, EndpointBudgets]
    redis_url: str

    @property
    def base_host(self) -> str:
        """The base build's URL for base-against-head rounds, without a trailing slash ("" for none)."""
        return self.settings.compare.base_host.rstrip("/")

    def per_user(self) -> set[str]:
        """The endpoints ("METHOD path") each user sends once as it starts: the [load.login] and the page
        it fetches its CSRF cookie or its form's CSRF field from (the worker's ``log_in``: a Flask-WTF
        login form's GET was left in the total beside the POST it is sent for)."""
        login = self.settings.login
        per_user = {f"{login.method} {login.path}"} if login.path else set()
        if login.path and (login.csrf_cookie or login.csrf_field):
            per_user.add(f"GET {login.csrf_page()}")
        return per_user

    def login_only(self) -> set[str]:
        """The per-user endpoints (:meth:`per_user`) that the scenario does not load as well: the budgets
        of the API (budgets.api_p95_ms, error_rate_pct) are not theirs, nor is the total's p95. A login
        that hashes a password (bcrypt, Argon2, Django's PBKDF2: 0.1–0.9 s of CPU by design) failed a
        200-ms API budget in every run of an app that did it right."""
        if self.locustfile:  # its users send what it says, a login as often as they like: not [load.login]
            return set()
        return self.per_user() - {ep.key for ep in self.settings.scenario}

    def for_worker(self) -> dict[str, Any]:
        """The part a locust process needs, as JSON data (the ``plan`` of a job file).

        Keys: host, users, spawn_rate (users/s), wait ([min, max] s),
        request_timeout (s), user_class, locustfile, endpoints (name, method,
        path, weight, headers, json, status list), login (None or the
        [load.login] table with a status list), max_requests, max_duration
        (s), allow_hosts (list), realtime (None or the [load.realtime] table: see
        :func:`.realtime.plan_part`), redis_url ("" but side by side), login_only (the endpoints
        :meth:`login_only` names, which the HTTP total leaves out).
        """
        s = self.settings
        return {
            "host": self.host,
            "users": s.users,
            "spawn_rate": s.spawn_rate,
            "wait": list(s.wait),
            "request_timeout": s.request_timeout,
            "user_class": s.user_class,
            "locustfile": self.locustfile,
            "endpoints": [_endpoint_json(ep) for ep in s.scenario],
            "login": _login_json(s.login),
            "max_requests": s.max_requests,
            "max_duration": s.max_duration,
            "allow_hosts": list(self.allow_hosts),
            "realtime": realtime_plan(s.realtime),
            "local_ips": list(s.local_ips[:s.users]),
            # side by side, each round reads Redis' counters at its own start and end (worker.redis_lookups)
            "redis_url": self.redis_url if self.base_host else "",
            "login_only": sorted(self.login_only()),
        }


def build_plan(settings: LoadSettings, ctx: PhaseContext, opts: RunOptions | None = None) -> LoadPlan:
    """Check *settings* for a run in *ctx* and resolve what the test needs.

    The target is ``settings.host``, else ``ctx.base_url``; the allowed hosts
    are ``settings.allow_hosts`` and ``ctx.allow_hosts`` (``--allow-host``,
    loopback in `run`). The target's own host is never allowed just because
    it is the target: a ``--url`` or a ``serve.ready_url`` elsewhere must be
    allow-listed. Raises ConfigError for a missing or disallowed target,
    a duration beyond ``max_duration``, a missing locustfile, bounds the
    base-against-head rounds or distributed mode cannot honour.
    """
    opts = opts or RunOptions()
    where = f"{ctx.source}: load"
    allow = [*settings.allow_hosts, *ctx.allow_hosts]
    host = settings.host or ctx.base_url or ""
    if not host and not opts.worker:
        raise ConfigError(f"{ctx.source}: no load target: pass --host URL or set load.host")
    _check_duration(settings, where)
    check_threshold_names(settings, ctx.source)
    error = settings.login.body_error("[load.login]")
    if error:
        raise ConfigError(f"{ctx.source}: {error}")
    plan = LoadPlan(
        settings=settings,
        host=host.rstrip("/"),
        locustfile=_locustfile(settings, ctx, opts),
        allow_hosts=tuple(h for h in dict.fromkeys(allow) if h),
        thresholds=_thresholds(settings),
        redis_url=_redis_url(settings, opts),
    )
    _check_bounds(plan, opts, where)
    _check_local_ips(settings, ctx.source)
    for url in filter(None, (plan.host, plan.base_host)):
        check_target(url, plan.allow_hosts)
    return plan


def _check_local_ips(settings: LoadSettings, source: str) -> None:
    """ConfigError naming the first of the ``[load] local_ips`` the users will take (one per user) that
    this machine cannot connect from: not one of its addresses (10.0.0.7 on a runner without it), or
    IPv6 where it has none. On Linux every 127.x.y.z is the loopback interface's."""
    import ipaddress
    import socket

    from .localips import family_of

    for address in settings.local_ips[:settings.users]:
        family = family_of(address)
        try:
            with socket.socket(family, socket.SOCK_STREAM) as sock:
                sock.bind((address, 0))
        except OSError as exc:
            if ipaddress.ip_address(address).is_link_local:  # needs its interface, which k6's syntax lacks
                raise ConfigError(f"{source}: 'load.local_ips': {address} is a link-local address, which "
                                  "reaches only its own link while the app is served on this machine; use "
                                  "loopback addresses such as 127.0.1.1-127.0.1.254") from None
            raise ConfigError(f"{source}: 'load.local_ips': cannot connect from {address}, which is not an "
                              f"address of this machine ({exc.strerror or exc})") from None


def host_allowed(url: str | None, allow: Iterable[str]) -> bool:
    """True when the URL's host matches one of the *allow* patterns (fnmatch, case-insensitive).

    An IPv6 pattern in URL brackets (``[::1]``) is the address, not an fnmatch character class (which
    would have allowed the one-character hosts ``:`` and ``1`` instead); a fully qualified name's
    trailing dot (``localhost.``) is the same host as without it.
    """
    try:
        name = (urlsplit(url or "").hostname or "").lower()
    except ValueError:  # an unbalanced "[" in the host
        return False
    name = name[:-1] if name.endswith(".") and not name.endswith("..") else name
    return bool(name) and any(_host_matches(name, pattern.lower()) for pattern in allow)


def _host_matches(name: str, pattern: str) -> bool:
    if pattern.startswith("[") and pattern.endswith("]") and ":" in pattern:
        return name == pattern[1:-1]
    return fnmatch(name, pattern.rstrip(".") if pattern.endswith(".") else pattern)


def check_target(url: str, allow: Iterable[str]) -> None:
    """Raise ConfigError unless *url* is an http(s) URL whose host is in *allow*."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{url}: not an http(s) URL with a host (e.g. http://127.0.0.1:8000)")
    if not host_allowed(url, allow):
        raise ConfigError(
            f"{url}: host {parts.hostname} is not in load.allow_hosts ({', '.join(allow)}); "
            "add it there or with --allow-host if you may load it"
        )


def _check_duration(settings: LoadSettings, where: str) -> None:
    if settings.duration <= 0:
        raise ConfigError("--duration must be more than 0s")
    if settings.duration > settings.max_duration:
        raise ConfigError(f"{where}: duration {settings.duration:g}s is longer than load.max_duration "
                          f"({settings.max_duration:g}s)")


def _check_bounds(plan: LoadPlan, opts: RunOptions, where: str) -> None:
    s = plan.settings
    if s.users < 1 or s.spawn_rate <= 0 or s.processes < 1:
        raise ConfigError("--users, --spawn-rate and --processes must be positive")
    if plan.base_host:
        _check_compare(s, opts, where)
    if opts.master and opts.worker:
        raise ConfigError("--master and --worker exclude each other")
    if opts.worker and not opts.master_host:
        raise ConfigError("--worker needs --master-host HOST")


def _check_compare(s: LoadSettings, opts: RunOptions, where: str) -> None:
    if s.processes > 1 or opts.master or opts.worker:
        raise ConfigError("base-vs-head rounds run in one local process: drop --processes/--master/--worker")
    rounds, round_duration = s.compare.rounds, s.compare.round_duration
    if rounds < 2:
        raise ConfigError("--rounds must be at least 2 to compare base and head")
    total = rounds * 2 * round_duration
    if total > s.max_duration:
        raise ConfigError(
            f"{where}: {rounds} rounds x 2 builds x {round_duration:g}s = {total:g}s is longer than "
            f"load.max_duration ({s.max_duration:g}s)"
        )


def _locustfile(settings: LoadSettings, ctx: PhaseContext, opts: RunOptions) -> str:
    if not settings.locustfile:
        return ""
    if "locustfile" in opts.from_command_line:
        # A path typed on the command line is relative to the working folder, not to the config file.
        path, origin = Path(settings.locustfile).resolve(), "--locustfile"
    else:
        path, origin = ctx.resolve(settings.locustfile).resolve(), f"{ctx.source}: load.locustfile"
    if not path.is_file():
        raise ConfigError(f"{origin}: {path} not found")
    return str(path)


def _redis_url(settings: LoadSettings, opts: RunOptions) -> str:
    if "redis_url" in opts.from_command_line:
        return settings.redis_url
    # ECHOTUNE_REDIS_URL: a CI job that starts Redis beside the app need not edit the config.
    return settings.redis_url or os.environ.get("ECHOTUNE_REDIS_URL", "")


def _thresholds(settings: LoadSettings) -> dict[str, EndpointBudgets]:
    """Per-endpoint budgets keyed "METHOD name": [load.thresholds] first, inline budgets on top."""
    from ...config.schema import override
    from .settings import EndpointBudgets

    out = dict(settings.thresholds)
    for ep in settings.endpoints or ():
        own = ep.budgets.given()
        if own:
            out[ep.key] = override(out.get(ep.key, EndpointBudgets()), **own)
    return out


def _endpoint_json(ep: Endpoint) -> dict[str, Any]:
    return {
        "name": ep.label,
        "method": ep.method,
        "path": ep.path,
        "weight": ep.weight,
        "headers": dict(ep.headers),
        "json": ep.json,
        "status": list(ep.status),
    }


def _login_json(login: LoginSettings) -> dict[str, Any] | None:
    if not login.configured:
        return None
    out = asdict(login)
    out["headers"], out["data"] = login.body()  # a form's Content-Type and urlencoded body
    out["form"] = dict(login.form)
    out["status"] = list(login.status)
    return out
