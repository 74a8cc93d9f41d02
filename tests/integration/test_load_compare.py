"""Base against head in one job, on real builds running side by side."""

from __future__ import annotations

import pytest
from conftest import start_musicapp
from support.load_support import load, total, write_config

pytestmark = pytest.mark.slow

# Both tests use the same settings: 5 rounds per build, where the exact test
# can reach p = 0.004, and a 1 % significance level, so noise on a busy
# 2-core machine almost never passes for a regression.
SCENARIO = """
[gate]
alpha = 0.01

[load]
users = 10
spawn_rate = 100
wait_min = "0.02s"
wait_max = "0.1s"

[[load.endpoints]]
name = "/api/tracks"
path = "/api/tracks?q=jazz"

[[load.endpoints]]
name = "/api/tracks/{id}"
path = "/api/tracks/{int:1-2000}"
"""


def test_real_slowdown_is_a_regression(musicapp, musicapp_regress, tmp_path, load_env):
    write_config(tmp_path, SCENARIO)
    proc, result = load(load_env, tmp_path, "--host", musicapp_regress.base_url,
                        "--base-host", musicapp.base_url, "--rounds", "5", "--round-duration", "1s")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    p95 = total(result, "p95_ms")
    assert len(p95.samples) == 5 and min(p95.samples) >= 250  # one p95 per head round
    base_p95 = result.metric("p95_ms", build="base")
    assert len(base_p95.samples) == 5 and max(base_p95.samples) < 250
    assert p95.baseline == base_p95.value
    rules = {f.rule_id for f in result.findings}
    assert "load.regression.p95_ms" in rules
    regression = next(f for f in result.findings if f.rule_id == "load.regression.p95_ms")
    assert regression.severity == "high" and regression.properties["p_value"] <= 0.01
    assert "5 interleaved rounds" in regression.message
    assert len(total(result, "rps").samples) == 5 and result.metric("rps", build="base").samples
    assert ("head-r5_report.html" in " ".join(result.artifacts)
            and "base-r5_report.html" in " ".join(result.artifacts))


def test_identical_builds_are_not_flagged(musicapp, tmp_path, load_env):
    twin = start_musicapp(tmp_path / "dist")
    try:
        write_config(tmp_path, SCENARIO)
        proc, result = load(load_env, tmp_path, "--host", twin.base_url, "--base-host", musicapp.base_url,
                            "--rounds", "5", "--round-duration", "1s")
    finally:
        twin.stop()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not [f for f in result.findings if f.rule_id.startswith("load.regression")], result.notes
    verdicts = [n for n in result.notes if "against base" in n]
    assert len(verdicts) == 2 and not any("regressed" in v for v in verdicts)
    assert len(total(result, "p95_ms").samples) == 5
