"""Redis goes away in the middle of a load test: the load measurement stays, and the Redis metrics
are reported as not measured (they used to take the whole measurement down with them, exit 3)."""

from __future__ import annotations

import threading
import time

import pytest
import redis
from conftest import start_musicapp
from support.load_support import load, total, write_config

pytestmark = pytest.mark.slow

SCENARIO = """
[load]
users = 4
spawn_rate = 50
wait_min = "0.02s"
wait_max = "0.05s"

[[load.endpoints]]
name = "/api/recommendations"
path = "/api/recommendations?track_id={int:1-5}"
"""


def stop_once_loaded(server, lookups: int = 30) -> None:
    """Stop *server* once the load test has made *lookups* key lookups (so it is under way)."""
    client = redis.Redis.from_url(server.url)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        info = client.info()
        if info["keyspace_hits"] + info["keyspace_misses"] >= lookups:
            break
        time.sleep(0.05)
    client.close()
    server.stop()


def test_redis_stopped_mid_test_keeps_the_load_measurement(redis_server, tmp_path, load_env):
    app = start_musicapp(tmp_path / "dist", env={"REDIS_URL": redis_server.url})
    try:
        write_config(tmp_path, SCENARIO)
        # The app's own cache is this Redis too: once it is gone the app answers 500.
        stopper = threading.Thread(target=stop_once_loaded, args=(redis_server,))
        stopper.start()
        proc, result = load(load_env, tmp_path, "--host", app.base_url, "--duration", "4s",
                            "--redis-url", redis_server.url, "--app-pid", str(app.pid))
        stopper.join()
    finally:
        app.stop()
    assert result is not None, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    # the measurement is kept: what the users saw, including the app failing without its cache
    assert total(result, "requests").value > 20
    assert total(result, "p95_ms").value is not None
    errors = total(result, "error_rate_pct")
    assert 0 < errors.value < 100 and errors.status == "fail"
    assert proc.returncode == 1, proc.stdout + proc.stderr  # a gate verdict, not "could not run"
    # the Redis figures are not measured, and the result says why
    for name in ("redis_hit_ratio_pct", "redis_used_memory_bytes", "redis_evicted_keys"):
        metric = result.metric(name)
        assert metric is not None and metric.value is None and metric.status == "warn", name
    assert result.metric("redis_hit_ratio_pct").budget == 85
    note = next(n for n in result.notes if n.startswith("redis:"))
    assert "not measured" in note and "cannot read Redis INFO" in note and "after the test" in note
    assert "app_rss_mb" in {m.name for m in result.metrics}
