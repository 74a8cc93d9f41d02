"""From [load] config and command-line overrides to one checked load plan.

Everything a user can get wrong (target, hosts, bounds, scenario, locustfile
path) is checked here, in the CLI process, before any process starts.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from fnmatch import fnmatch
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..errors import ConfigError

DEFAULT_ENDPOINTS = [{"method": "GET", "path": "/"}]


@dataclass
class LoadOptions:
    """Command-line overrides; None means "as configured"."""

    host: str | None = None
    users: int | None = None
    spawn_rate: float | None = None
    duration: float | None = None
    processes: int | None = None
    redis_url: str | None = None
    locustfile: Path | None = None
    base_host: str | None = None
    rounds: int | None = None
    round_duration: float | None = None
    allow_hosts: tuple[str, ...] = ()
    app_pid: int | None = None
    master: bool = False
    expect_workers: int = 1
    master_bind_host: str = "*"
    worker: bool = False
    master_host: str | None = None
    master_port: int = 5557
    expect_timeout: float = 60.0


@dataclass
class LoadPlan:
    host: str
    users: int
    spawn_rate: float
    duration: float
    wait: tuple[float, float]
    request_timeout: float
    user_class: str
    locustfile: str
    endpoints: list[dict[str, Any]]
    login: dict[str, Any] | None
    max_requests: int
    max_duration: float
    allow_hosts: list[str]
    processes: int = 1
    redis_url: str = ""
    sample_interval: float = 0.5
    thresholds: dict[str, dict[str, float | None]] = field(default_factory=dict)
    base_host: str = ""
    rounds: int = 5
    round_duration: float = 5.0
    min_effect_ms: float = 2.0

    def for_worker(self) -> dict[str, Any]:
        """The part a locust process needs (JSON)."""
        keep = ("host", "users", "spawn_rate", "wait", "request_timeout", "user_class", "locustfile", "endpoints",
                "login", "max_requests", "max_duration", "allow_hosts")
        data = asdict(self)
        return {k: data[k] for k in keep}


def build_plan(cfg, opts: LoadOptions, *, base_url: str | None = None,
               extra_allow: tuple[str, ...] = ()) -> LoadPlan:
    sec = cfg.section("load")
    where = f"{cfg.source}: load"
    allow = [*sec["allow_hosts"], *opts.allow_hosts, *extra_allow]
    if base_url:
        allow.append(urlsplit(base_url).hostname or "")
    host = opts.host or sec["host"] or base_url or ""
    if not host and not opts.worker:
        raise ConfigError(f"{cfg.source}: no load target: pass --host URL or set load.host")
    duration = opts.duration if opts.duration is not None else sec["duration"]
    if duration <= 0:
        raise ConfigError("--duration must be more than 0s")
    if duration > sec["max_duration"]:
        raise ConfigError(f"{where}: duration {duration:g}s is longer than load.max_duration ({sec['max_duration']:g}s)")
    cmp = sec["compare"]
    plan = LoadPlan(
        host=host.rstrip("/"),
        users=opts.users if opts.users is not None else sec["users"],
        spawn_rate=opts.spawn_rate if opts.spawn_rate is not None else sec["spawn_rate"],
        duration=duration,
        wait=(sec["wait_min"], max(sec["wait_min"], sec["wait_max"])),
        request_timeout=sec["request_timeout"],
        user_class=sec["user_class"],
        locustfile=_locustfile(cfg, opts, sec),
        endpoints=[_endpoint(ep) for ep in (sec["endpoints"] if sec["endpoints"] is not None else DEFAULT_ENDPOINTS)],
        login=_login(sec["login"]),
        max_requests=sec["max_requests"],
        max_duration=sec["max_duration"],
        allow_hosts=[h for h in dict.fromkeys(allow) if h],
        processes=opts.processes if opts.processes is not None else sec["processes"],
        # ECHOTUNE_REDIS_URL: a CI job that starts Redis beside the app need not edit the config.
        redis_url=opts.redis_url if opts.redis_url is not None else (sec["redis_url"] or os.environ.get("ECHOTUNE_REDIS_URL", "")),
        sample_interval=sec["sample_interval"],
        base_host=(opts.base_host or cmp["base_host"]).rstrip("/"),
        rounds=opts.rounds if opts.rounds is not None else cmp["rounds"],
        round_duration=opts.round_duration if opts.round_duration is not None else cmp["round_duration"],
        min_effect_ms=cmp["min_effect_ms"],
    )
    plan.thresholds = _thresholds(sec, plan.endpoints)
    _check_bounds(plan, opts, where)
    for url in filter(None, (plan.host, plan.base_host)):
        check_target(url, plan.allow_hosts)
    return plan


def host_allowed(url: str | None, allow: list[str]) -> bool:
    """True when the URL's host matches one of the allow_hosts patterns (fnmatch)."""
    name = (urlsplit(url or "").hostname or "").lower()
    return bool(name) and any(fnmatch(name, pattern.lower()) for pattern in allow)


def check_target(url: str, allow: list[str]) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{url}: not an http(s) URL with a host (e.g. http://127.0.0.1:8000)")
    if not host_allowed(url, allow):
        raise ConfigError(
            f"{url}: host {parts.hostname} is not in load.allow_hosts ({', '.join(allow)}); "
            "add it there or with --allow-host if you may load it"
        )


def _check_bounds(plan: LoadPlan, opts: LoadOptions, where: str) -> None:
    if plan.users < 1 or plan.spawn_rate <= 0 or plan.processes < 1:
        raise ConfigError("--users, --spawn-rate and --processes must be positive")
    if plan.base_host:
        if plan.processes > 1 or opts.master or opts.worker:
            raise ConfigError("base-vs-head rounds run in one local process: drop --processes/--master/--worker")
        if plan.rounds < 2:
            raise ConfigError("--rounds must be at least 2 to compare base and head")
        total = plan.rounds * 2 * plan.round_duration
        if total > plan.max_duration:
            raise ConfigError(
                f"{where}: {plan.rounds} rounds x 2 builds x {plan.round_duration:g}s = {total:g}s is longer than "
                f"load.max_duration ({plan.max_duration:g}s)"
            )
    if opts.master and opts.worker:
        raise ConfigError("--master and --worker exclude each other")
    if opts.worker and not opts.master_host:
        raise ConfigError("--worker needs --master-host HOST")


def _locustfile(cfg, opts: LoadOptions, sec: dict[str, Any]) -> str:
    if opts.locustfile is not None:
        path, origin = opts.locustfile.resolve(), "--locustfile"
    elif sec["locustfile"]:
        path, origin = cfg.resolve(sec["locustfile"]).resolve(), f"{cfg.source}: load.locustfile"
    else:
        return ""
    if not path.is_file():
        raise ConfigError(f"{origin}: {path} not found")
    return str(path)


def _endpoint(ep: dict[str, Any]) -> dict[str, Any]:
    status = ep.get("status", 200)
    return {
        "name": ep.get("name") or ep["path"],
        "method": ep.get("method", "GET"),
        "path": ep["path"],
        "weight": ep.get("weight", 1),
        "headers": dict(ep.get("headers") or {}),
        "json": ep.get("json"),
        "status": status if isinstance(status, list) else [status],
    }


def _login(login: dict[str, Any]) -> dict[str, Any] | None:
    if not login["path"]:
        return None
    out = dict(login)
    out["status"] = login["status"] if isinstance(login["status"], list) else [login["status"]]
    return out


def _thresholds(sec: dict[str, Any], endpoints: list[dict[str, Any]]) -> dict[str, dict[str, float | None]]:
    """Per-endpoint budgets keyed "METHOD name": [load.thresholds] first, inline budgets on top."""
    out = {key: dict(value) for key, value in sec["thresholds"].items()}
    for raw, ep in zip(sec["endpoints"] or [], endpoints):
        own = {k: raw.get(k) for k in ("p95_ms", "p99_ms", "error_rate_pct") if raw.get(k) is not None}
        if own:
            out.setdefault(f"{ep['method']} {ep['name']}", {}).update(own)
    return out
