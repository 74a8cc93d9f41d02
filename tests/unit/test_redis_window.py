"""The Redis hit ratio's window: after all users started, or the whole test when that window saw no lookup."""

from __future__ import annotations

import dataclasses

import pytest

from echotune_ci.config import defaults
from echotune_ci.phases.load import redis_info

URL = "redis://127.0.0.1:6399/0"


def info(hits: int, misses: int, run_id: str = "r1") -> dict[str, object]:
    return {"keyspace_hits": hits, "keyspace_misses": misses, "used_memory": 1000, "evicted_keys": 0,
            "run_id": run_id}


def window(monkeypatch: pytest.MonkeyPatch, after: dict[str, object], before: dict[str, object],
           start: dict[str, object] | None):
    monkeypatch.setattr(redis_info, "read_info", lambda url: after)
    return redis_info.window_metrics(URL, before, defaults().budgets, "all users had started", start)


def test_a_test_that_ended_as_its_last_user_started_reports_the_whole_test(monkeypatch) -> None:
    # 6 lookups during the ramp-up (2 hits, 4 misses), none after it: the whole test's 2 / 6 = 33.3 %.
    metrics, notes = window(monkeypatch, info(2, 4), before=info(2, 4), start=info(0, 0))
    ratio = next(m for m in metrics if m.name == "redis_hit_ratio_pct")
    assert ratio.value == pytest.approx(100 * 2 / 6) and ratio.status == "fail"
    assert ratio.description == "Keyspace hits / lookups during the test (2 hits, 4 misses)."
    assert notes == ["redis: no key lookups after all users had started (the test ended first), so the hit "
                     "ratio covers the whole test, ramp-up included"]


def test_the_window_after_the_ramp_up_is_kept_when_it_saw_lookups(monkeypatch) -> None:
    # 4 misses while users arrived, then 10 hits: 100 %, the cold start left out.
    metrics, notes = window(monkeypatch, info(10, 4), before=info(0, 4), start=info(0, 0))
    ratio = next(m for m in metrics if m.name == "redis_hit_ratio_pct")
    assert ratio.value == 100.0 and "after all users had started (10 hits, 0 misses)" in ratio.description
    assert notes == []


def test_no_lookup_at_all_still_says_so(monkeypatch) -> None:
    metrics, notes = window(monkeypatch, info(3, 1), before=info(3, 1), start=info(3, 1))
    assert all(m.name != "redis_hit_ratio_pct" for m in metrics) and notes == [redis_info.NO_LOOKUPS]


def test_a_restart_since_the_start_of_the_test_is_not_measured(monkeypatch) -> None:
    # The counters began again after the first reading, even if the ramp-up reading was taken after it.
    metrics, notes = window(monkeypatch, info(5, 0, "r2"), before=info(0, 0, "r2"), start=info(9, 9, "r1"))
    assert next(m for m in metrics if m.name == "redis_hit_ratio_pct").value is None
    assert "Redis restarted during the test" in notes[0]


def test_side_by_side_each_build_gets_the_hit_ratio_of_its_own_rounds(monkeypatch) -> None:
    """Both builds' lookups reach one Redis: the whole test's ratio was reported as the head's (a head
    whose every request missed once beside a base that always hit showed 67 %, where the head's was 50 %).
    The worker counts each round's lookups; a warm-up round and the gap between rounds count for neither
    build."""
    import types

    from echotune_ci.baseref.measure import split_load
    from echotune_ci.phases.load.metrics import merge_passes
    from echotune_ci.phases.load.phase import _add_redis, _RedisWindow
    from echotune_ci.results import PhaseResult

    readings = iter([info(0, 0), info(99, 99)])  # before and after the test
    monkeypatch.setattr(redis_info, "read_info", lambda url: next(readings))
    plan = types.SimpleNamespace(redis_url=URL, base_host="http://127.0.0.1:9")
    window_ = _RedisWindow(plan)
    for event in ("spawned", "measuring", "stopped"):  # side by side, the parent reads nothing on events
        window_.on_event({"event": event, "label": "head"})
    # the worker's counts of each round (worker.redis_lookups at its start and once its app answered);
    # a warm-up round and a round Redis could not be read in count for neither build
    window_.from_rounds([{"label": "warm-up", "redis_lookups": [3, 3]},
                         {"label": "base", "redis_lookups": [20, 0]},
                         {"label": "head", "redis_lookups": [10, 10]},
                         {"label": "head", "redis_lookups": [12, 12]}, {"label": "base"},
                         {"label": "base", "redis_lookups": [18, 0]}])
    assert window_.rounds == {"base": [(20, 0), (18, 0)], "head": [(10, 10), (12, 12)]}
    result = PhaseResult(phase="load")
    ctx = types.SimpleNamespace(budgets=defaults().budgets)
    _add_redis(result, plan, window_, ctx)
    head, base = split_load(result)
    ratio = head.metric("redis_hit_ratio_pct")
    assert ratio.value == 50.0 and ratio.samples == [50.0, 50.0] and ratio.status == "fail"
    assert ratio.description == ("Keyspace hits / lookups during the head's rounds, the mean of 2 round(s) "
                                 "(22 hits, 22 misses).")
    assert base is not None and base.metric("redis_hit_ratio_pct").value == 100.0
    assert head.metric("redis_used_memory_bytes") is not None  # the shared Redis' own figures stay
    # a later pass of more rounds: the mean over all of them
    more = [dataclasses.replace(ratio, samples=[20.0, 40.0], value=30.0)]
    assert merge_passes([ratio], more)[0].value == 40.0


def test_a_build_without_lookups_in_its_rounds_gets_no_ratio_and_a_note() -> None:
    metrics, notes = redis_info.builds_hit_ratio({"head": [(3, 1)], "base": [(0, 0)]}, defaults().budgets)
    assert [(m.name, m.value, m.samples, m.labels) for m in metrics] == [
        ("redis_hit_ratio_pct", 75.0, [], {})]
    assert notes == ["redis: no key lookups during the base's rounds, so it has no hit ratio (both builds "
                     "share this Redis, so the whole test's ratio would not be the base's)"]


def test_a_celery_broker_url_is_read_as_kombu_means_it(redis_socket, redis_server) -> None:
    """`redis_url` given a Celery broker's URL, as a newcomer copies CELERY_BROKER_URL: kombu's socket URL
    was "not a Redis URL" (exit 2), and a list read as one URL. kombu 5.7.0 puts
    redis+socket:///path?virtual_host=1 into that socket's database 1 (on a real server); redis-py reads
    the same as unix:///path?db=1. A list is read by its first URL, the one written to; a Sentinel, whose
    INFO is its own, is exit 2 naming what to give instead."""
    from echotune_ci.errors import ConfigError

    assert redis_info.redis_py_url("redis+socket://:pw@/run/redis.sock?virtual_host=1&socket_timeout=3") == \
        "unix://:pw@/run/redis.sock?socket_timeout=3&db=1"
    assert redis_info.redis_py_url("redis+socket:///run/redis.sock") == "unix:///run/redis.sock?db=0"
    listed = f"redis://127.0.0.1:{redis_server.port}/0;redis://127.0.0.1:1/0"
    assert redis_info.redis_py_url(listed) == f"redis://127.0.0.1:{redis_server.port}/0"
    assert redis_info.read_info(listed)["tcp_port"] == redis_server.port
    with pytest.raises(ConfigError, match="a Redis Sentinel, whose INFO is its own"):
        redis_info.read_info("sentinel://:s3cret@10.0.0.1:26379;sentinel://:s3cret@10.0.0.2:26379")
    assert "redis_version" in redis_info.read_info(f"redis+socket://{redis_socket}?virtual_host=1")
