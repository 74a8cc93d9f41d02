"""The Redis hit ratio's window: after all users started, or the whole test when that window saw no lookup."""

from __future__ import annotations

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
