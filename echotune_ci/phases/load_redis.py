"""Redis cache effect over the test window, from INFO before and after."""

from __future__ import annotations

import re
from typing import Any

from ..errors import ConfigError, RunError
from ..report.render import render
from ..results import Metric

_PASSWORD = re.compile(r"(//[^:/@]*:)[^@/]*@")


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    return _PASSWORD.sub(r"\1****@", url)


def read_info(url: str) -> dict[str, Any]:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
    except ValueError as exc:
        raise ConfigError(f"{redact(url)}: not a Redis URL ({exc})") from None
    try:
        return client.info()
    except redis.RedisError as exc:
        raise RunError(f"{redact(url)}: cannot read Redis INFO ({exc})") from None
    finally:
        client.close()


def redis_metrics(before: dict[str, Any], after: dict[str, Any], budgets: dict[str, Any]) -> tuple[list[Metric], list[str]]:
    hits = after.get("keyspace_hits", 0) - before.get("keyspace_hits", 0)
    misses = after.get("keyspace_misses", 0) - before.get("keyspace_misses", 0)
    metrics = []
    notes = []
    if hits + misses > 0:
        metrics.append(Metric(
            "redis_hit_ratio_pct", hits / (hits + misses) * 100.0, "%", "higher",
            budget=budgets["redis_hit_ratio_pct"],
            description=f"Keyspace hits / lookups during the test ({hits} hits, {misses} misses).",
        ).evaluate())
    else:
        notes.append(render("load_note.txt.j2", kind="no-cache-lookups").strip())
    metrics.append(Metric("redis_used_memory_bytes", float(after.get("used_memory", 0)), "bytes", "lower",
                          description="Redis used_memory after the test."))
    metrics.append(Metric("redis_evicted_keys", float(after.get("evicted_keys", 0) - before.get("evicted_keys", 0)), "",
                          "lower", description="Keys evicted during the test."))
    return metrics, notes
