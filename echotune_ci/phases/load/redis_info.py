"""Redis cache effect over the test window, from INFO before and after.

Redis is read before the test (a Redis that cannot be read then stops the
phase: exit 3 before any load is sent), once all users have started (the
window of a single-run test begins there, so the cache's cold start during
the ramp-up is left out) and after it. When it cannot be read
after the test (it went away, or restarted and lost its counters), the load
measurement stands and the Redis metrics are reported as not measured, with
a note that says why.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...errors import ConfigError, RunError
from ...net.urls import location, query_value, url_list
from ...results import Metric

if TYPE_CHECKING:  # pragma: no cover
    from ...config.sections import Budgets

NO_LOOKUPS = "redis: no key lookups during the test, so no hit ratio (does the scenario reach the cache?)"
NOT_MEASURED = "not measured"


def redact(url: str) -> str:
    """The URL without its user, password or query (:func:`location`), for messages."""
    place = location(url)
    return str(place) if place else "a value that is no URL"


def redis_py_url(url: str) -> str:
    """*url* as redis-py reads it: a Celery broker's URL copied into ``redis_url`` (kombu's) was "not a
    Redis URL". The first of a list (kombu's failover ``;``, Django's cache servers: the one written to);
    kombu's socket ``redis+socket:///run/redis.sock?virtual_host=1`` as redis-py's ``unix://...?db=1``.
    Raises ConfigError for a Sentinel (``sentinel://``, ``redis+sentinel://``), which answers INFO of its
    own, not the cache's."""
    first = url_list(url.strip())[0]
    scheme, _, rest = first.partition("://")
    if scheme.lower() in ("sentinel", "redis+sentinel"):
        raise ConfigError(f"{redact(url)}: a Redis Sentinel, whose INFO is its own, not the cache's: give "
                          "the master's redis:// URL (redis-cli -p 26379 sentinel get-master-addr-by-name "
                          "<master_name>)")
    if scheme.lower() != "redis+socket":
        return first
    path, _, query = rest.partition("?")
    db = query_value(first, "virtual_host") or "0"
    kept = [pair for pair in query.split("&") if pair and pair.split("=", 1)[0] not in ("virtual_host", "db")]
    return f"unix://{path}?{'&'.join([*kept, f'db={db}'])}"


def read_info(url: str) -> dict[str, Any]:
    """Redis INFO of the server at *url* (a redis:// URL, or kombu's, see :func:`redis_py_url`), as
    redis-py parses it.

    Raises ConfigError for a URL redis-py cannot parse, RunError when the
    server cannot be reached or answers with an error; messages hide the
    password.
    """
    import redis

    try:
        client = redis.Redis.from_url(redis_py_url(url), socket_timeout=5, socket_connect_timeout=5)
    except ValueError as exc:
        raise ConfigError(f"{redact(url)}: not a Redis URL ({exc})") from None
    try:
        return dict(client.info())
    except redis.RedisError as exc:
        raise RunError(f"{redact(url)}: cannot read Redis INFO ({exc})") from None
    finally:
        client.close()


def redis_metrics(before: dict[str, Any], after: dict[str, Any],
                  budgets: Budgets, since: str = "") -> tuple[list[Metric], list[str]]:
    """Metrics of the test window from INFO *before* and *after*, and notes.

    *since* says when the window began, when not at the start of the test
    (e.g. "all users had started"). ``redis_hit_ratio_pct`` (keyspace hits / lookups, %, budget
    ``budgets.redis_hit_ratio_pct``; left out, with a note, when there was no
    lookup), ``redis_used_memory_bytes`` after the test and
    ``redis_evicted_keys`` during it.
    """
    hits = after.get("keyspace_hits", 0) - before.get("keyspace_hits", 0)
    misses = after.get("keyspace_misses", 0) - before.get("keyspace_misses", 0)
    metrics = []
    notes = []
    if hits + misses > 0:
        metrics.append(Metric(
            "redis_hit_ratio_pct", hits / (hits + misses) * 100.0, "%", "higher",
            budget=budgets.redis_hit_ratio_pct,
            description=f"Keyspace hits / lookups {f'after {since}' if since else 'during the test'} "
                        f"({hits} hits, {misses} misses).",
        ).evaluate())
    else:
        notes.append(NO_LOOKUPS)
    metrics.append(Metric("redis_used_memory_bytes", float(after.get("used_memory", 0)), "bytes", "lower",
                          description="Redis used_memory after the test."))
    evicted = after.get("evicted_keys", 0) - before.get("evicted_keys", 0)
    metrics.append(Metric("redis_evicted_keys", float(evicted), "", "lower",
                          description="Keys evicted during the test."))
    return metrics, notes


def builds_hit_ratio(rounds: dict[str, list[tuple[int, int]]],
                     budgets: Budgets) -> tuple[list[Metric], list[str]]:
    """``redis_hit_ratio_pct`` of each build of a side-by-side test that shares one Redis, from *rounds*
    (label "head" or "base" -> (hits, misses) of each of its rounds, counted from when the round began to
    measure until it stopped): the mean of its rounds' ratios, each round a sample; the base's labelled
    ``build = base``. A build without a round that looked a key up gets no ratio, and a note says why."""
    metrics: list[Metric] = []
    notes: list[str] = []
    for label in ("head", "base"):
        ratios = [h / (h + m) * 100.0 for h, m in rounds.get(label, []) if h + m > 0]
        if not ratios:
            notes.append(f"redis: no key lookups during the {label}'s rounds, so it has no hit ratio (both "
                         f"builds share this Redis, so the whole test's ratio would not be the {label}'s)")
            continue
        hits = sum(h for h, _ in rounds[label])
        misses = sum(m for _, m in rounds[label])
        samples = [round(r, 3) for r in ratios] if len(ratios) > 1 else []
        metrics.append(Metric(
            "redis_hit_ratio_pct", sum(ratios) / len(ratios), "%", "higher",
            budget=budgets.redis_hit_ratio_pct, samples=samples,
            labels={"build": "base"} if label == "base" else {},
            description=f"Keyspace hits / lookups during the {label}'s rounds, the mean of "
                        f"{len(ratios)} round(s) ({hits} hits, {misses} misses).",
        ).evaluate())
    return metrics, notes


def window_metrics(url: str, before: dict[str, Any], budgets: Budgets,
                   since: str = "", start: dict[str, Any] | None = None) -> tuple[list[Metric], list[str]]:
    """:func:`redis_metrics` of the window since *before*, reading INFO of *url* now (after the test).

    *start*: INFO at the start of the test, when *before* was read later (*since* says when). A window
    without a key lookup whose whole test had some (a short test that ended about when its last user
    started) gets the whole test's figures instead, ramp-up included, with a note saying so: the
    cache was reached, so "no lookups" would be wrong. When Redis cannot be read now, or restarted
    during the test (its ``run_id`` changed, so its counters began again), the metrics are
    :func:`not_measured` instead: the load test's own figures are kept. Raises nothing for Redis
    going away; messages hide the password.
    """
    try:
        after = read_info(url)
    except RunError as exc:
        return not_measured(budgets, f"{exc} after the test")
    first = start if start is not None else before
    if first.get("run_id") and after.get("run_id") != first.get("run_id"):
        return not_measured(budgets, f"{redact(url)}: Redis restarted during the test, so its counters "
                                     f"do not cover it")
    if start is not None and since and _lookups(before, after) == 0 < _lookups(start, after):
        metrics, notes = redis_metrics(start, after, budgets)
        return metrics, [f"redis: no key lookups after {since} (the test ended first), so the hit ratio "
                         f"covers the whole test, ramp-up included", *notes]
    return redis_metrics(before, after, budgets, since)


def _lookups(before: dict[str, Any], after: dict[str, Any]) -> int:
    """Keyspace hits and misses between two INFO readings."""
    return int(after.get("keyspace_hits", 0) - before.get("keyspace_hits", 0)
               + after.get("keyspace_misses", 0) - before.get("keyspace_misses", 0))


def not_measured(budgets: Budgets, why: str) -> tuple[list[Metric], list[str]]:
    """The Redis metrics without values (status "warn": a budget that could not be checked) and the note
    "redis: metrics not measured: <why>"."""
    metrics = [
        Metric("redis_hit_ratio_pct", None, "%", "higher", budget=budgets.redis_hit_ratio_pct,
               status="warn", description=f"Keyspace hits / lookups during the test: {NOT_MEASURED}."),
        Metric("redis_used_memory_bytes", None, "bytes", "lower", status="warn",
               description=f"Redis used_memory after the test: {NOT_MEASURED}."),
        Metric("redis_evicted_keys", None, "", "lower", status="warn",
               description=f"Keys evicted during the test: {NOT_MEASURED}."),
    ]
    names = ", ".join(m.name for m in metrics)
    return metrics, [f"redis: {names} not measured: {why}"]
