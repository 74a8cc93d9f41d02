"""Real locust runs against the real example app: budgets pass, the regress
switch fails p95, per-endpoint thresholds apply, a user's locustfile works."""

from __future__ import annotations

import csv
import json

import pytest
from conftest import MUSICAPP
from support.load_support import endpoint, load, total, write_config
from support.stalls import stalled

pytestmark = pytest.mark.slow
CONFIG = MUSICAPP / "echotune.toml"
SCENARIO_ENDPOINTS = {"POST /api/login", "GET /api/tracks", "GET /api/tracks/{id}",
                      "GET /api/recommendations", "GET /api/me"}


def test_example_scenario_passes_its_budgets(musicapp, tmp_path, load_env):
    args = ("--config", str(CONFIG), "--host", musicapp.base_url, "--users", "10", "--spawn-rate", "10",
            "--duration", "3s")
    proc, result = load(load_env, tmp_path, *args)
    out = tmp_path / "results"
    if stalled(proc, out / "load.json"):
        out = tmp_path / "again"
        proc, result = load(load_env, tmp_path, *args, output="again/load.json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert result.status == "pass" and result.target == musicapp.base_url
    p95, errors, requests = (total(result, "p95_ms"), total(result, "error_rate_pct"),
                             total(result, "requests"))
    assert p95.budget == 200 and p95.status == "pass" and 0 < p95.value <= 200
    assert errors.budget == 1 and errors.value == 0
    assert requests.value > 30
    # every endpoint of the scenario has its own metrics, and they add up to the total, which leaves
    # out the [load.login] each user sends once (docs/load.md)
    seen = {m.labels["endpoint"] for m in result.metrics if "endpoint" in m.labels}
    assert seen == SCENARIO_ENDPOINTS
    assert endpoint(result, "requests", "POST /api/login").value == 10  # one login per user, token reused
    scenario = seen - {"POST /api/login"}
    assert sum(endpoint(result, "requests", key).value for key in scenario) == requests.value
    for name in ("p50_ms", "p99_ms", "max_ms", "rps"):
        assert total(result, name).value > 0
    assert (total(result, "p50_ms").value <= p95.value <= total(result, "p99_ms").value
            <= total(result, "max_ms").value)
    # locust's own CSV and HTML report are kept
    artifacts = result.artifacts
    assert "artifacts/load/load_stats.csv" in artifacts and "artifacts/load/load_report.html" in artifacts
    rows = list(csv.DictReader((out / "artifacts/load/load_stats.csv").open()))
    aggregated = next(r for r in rows if r["Name"] == "Aggregated")
    assert int(aggregated["Request Count"]) == requests.value + 10  # locust's own total has the logins
    assert "<html" in (out / "artifacts/load/load_report.html").read_text()[:2000].lower()
    assert "10 users" in result.notes[-1] and "stopped by duration" in result.notes[-1]


def test_regress_switch_fails_p95(musicapp_regress, tmp_path, load_env):
    proc, result = load(load_env, tmp_path, "--config", str(CONFIG), "--host", musicapp_regress.base_url,
                        "--users", "10", "--spawn-rate", "20", "--duration", "2s")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert result.status == "fail"
    tracks = endpoint(result, "p95_ms", "GET /api/tracks")
    assert tracks.value >= 250 and tracks.status == "fail"  # the app sleeps 250 ms there
    assert total(result, "p95_ms").status == "fail"
    assert endpoint(result, "p95_ms", "GET /api/tracks/{id}").status == "pass"
    assert "FAIL p95_ms" in proc.stdout


def test_per_endpoint_thresholds_override_the_budgets(musicapp_regress, tmp_path, load_env):
    write_config(tmp_path, """
[budgets]
api_p95_ms = 50

[load]
users = 8
spawn_rate = 50
wait_min = "0s"
wait_max = "0.05s"

[[load.endpoints]]
name = "/api/tracks"
path = "/api/tracks?q=rock"
p95_ms = 600
p99_ms = 200

[[load.endpoints]]
name = "/api/tracks/{id}"
path = "/api/tracks/{int:1-2000}"

[load.thresholds."GET /api/tracks/{id}"]
p95_ms = 100
error_rate_pct = 0
""")
    proc, result = load(load_env, tmp_path, "--host", musicapp_regress.base_url, "--duration", "2s")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    slow_p95 = endpoint(result, "p95_ms", "GET /api/tracks")
    assert slow_p95.budget == 600 and slow_p95.value >= 250 and slow_p95.status == "pass"
    slow_p99 = endpoint(result, "p99_ms", "GET /api/tracks")
    assert slow_p99.budget == 200 and slow_p99.status == "fail"
    fast = endpoint(result, "p95_ms", "GET /api/tracks/{id}")
    assert fast.budget == 100 and fast.status == "pass"
    assert endpoint(result, "error_rate_pct", "GET /api/tracks/{id}").budget == 0
    # the total keeps the project budget, and the slow endpoint's half of the traffic breaks it
    assert total(result, "p95_ms").budget == 50 and total(result, "p95_ms").status == "fail"
    assert endpoint(result, "p99_ms", "GET /api/tracks/{id}").budget is None


def test_own_locustfile_replaces_the_scenario(musicapp, tmp_path, load_env):
    (tmp_path / "locustfile.py").write_text('''
from locust import FastHttpUser, constant, task


class Listener(FastHttpUser):
    wait_time = constant(0.05)

    @task(3)
    def search(self):
        self.client.get("/api/tracks?q=echo", name="search")

    @task
    def missing(self):
        self.client.get("/api/tracks/999999", name="missing track")
''')
    proc, result = load(load_env, tmp_path, "--host", musicapp.base_url, "--locustfile", "locustfile.py",
                        "--users", "4", "--duration", "2s")
    assert proc.returncode == 1, proc.stdout + proc.stderr  # a quarter of the requests are 404s
    assert {m.labels.get("endpoint") for m in result.metrics} == {None, "GET search", "GET missing track"}
    assert endpoint(result, "error_rate_pct", "GET missing track").value == 100
    assert endpoint(result, "error_rate_pct", "GET search").value == 0
    assert 10 < total(result, "error_rate_pct").value < 45
    [finding] = result.findings
    assert finding.rule_id == "load.request-failed" and "GET missing track" in finding.message
    assert "404" in finding.message
    assert finding.properties["occurrences"] == endpoint(result, "requests", "GET missing track").value
    data = json.loads((tmp_path / "results/load.json").read_text())
    assert data["tool_versions"]["locust"]
