"""The frontend gate against the real example app, normal and regressed."""

from __future__ import annotations

import json

import pytest
from conftest import MUSICAPP, run_cli
from support.stalls import stalled

from echotune_ci.config import load_config
from echotune_ci.phases.base import PhaseContext
from echotune_ci.phases.frontend.phase import PHASE
from echotune_ci.results import load_result

pytestmark = pytest.mark.slow
CONFIG = MUSICAPP / "echotune.toml"
VITALS = ("fcp_ms", "lcp_ms", "cls", "tbt_ms", "tti_ms")


def _frontend(app, tmp_path, cli_env, *extra):
    out = tmp_path / "results" / "frontend.json"
    proc = run_cli("frontend", "--config", str(CONFIG), "--base-url", app.base_url, "--output", str(out),
                   *extra,
                   env=cli_env, cwd=tmp_path)
    return proc, out


def test_normal_app_passes_with_every_run_kept(musicapp, tmp_path, cli_env):
    proc, out = _frontend(musicapp, tmp_path, cli_env)
    if stalled(proc, out):
        (tmp_path / "again").mkdir()
        proc, out = _frontend(musicapp, tmp_path / "again", cli_env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = load_result(out)  # valid against the published schema
    assert result.status == "pass" and not result.findings and not result.errors
    for name in VITALS:
        m = result.metric(name, url="/")
        assert m.status == "pass" and m.budget is not None and len(m.samples) == 3, name
        assert sorted(m.samples)[1] == m.value  # the median run
    assert 0 < result.metric("fcp_ms", url="/").value <= result.metric("lcp_ms", url="/").value < 2000
    assert 0 <= result.metric("cls", url="/").value < 0.1
    si = result.metric("speed_index_ms", url="/")
    assert 0 < si.value < 2000 and len(si.samples) == 3
    assert 0 < result.metric("ttfb_ms", url="/").value < 500
    assert result.metric("accessibility_score", url="/").value == 100
    assert result.metric("performance_score", url="/").value >= 90
    names = {m.labels.get("interaction") for m in result.metrics if m.name == "interaction_ms"}
    assert names == {"type query", "search", "similar tracks"}
    for m in result.metrics:
        if m.name == "interaction_ms":
            assert 0 < m.value <= 100 and len(m.samples) == 3
    script = result.metric("transfer_bytes.script", url="/").value
    assert 1000 < script < 10_000 and result.metric("transfer_bytes", url="/").value > script
    assert result.metric("request_count", url="/").value >= 5  # page, css, js, logo, first search
    assert set(result.tool_versions) >= {"chromium", "playwright", "axe-core"}
    assert "artifacts/frontend/home.png" in result.artifacts
    assert (out.parent / "artifacts" / "frontend" / "home.png").stat().st_size > 1000


def test_regressed_app_fails_accessibility_and_layout_shift(musicapp_regress, tmp_path, cli_env):
    proc, out = _frontend(musicapp_regress, tmp_path, cli_env, "--runs", "2")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    result = load_result(out)
    a11y = result.metric("accessibility_score", url="/")
    assert a11y.status == "fail" and a11y.value < 95
    cls = result.metric("cls", url="/")
    assert cls.status == "fail" and cls.value > 0.1  # the late promo banner
    assert result.metric("tbt_ms", url="/").value >= 200  # the 350 ms "analytics" task
    assert {f.rule_id for f in result.findings} >= {"image-alt", "button-name", "color-contrast"}
    data = json.loads(out.read_text())
    assert all(f["location"]["path"] == "/" for f in data["findings"])


def test_throttled_mobile_is_slower_than_desktop(musicapp, tmp_path):
    results = {}
    for preset in ("desktop", "mobile"):
        folder = tmp_path / preset
        folder.mkdir()
        (folder / "echotune.toml").write_text(f'[frontend]\nruns = 1\npreset = "{preset}"\n'
                                              '[[frontend.pages]]\npath = "/"\nname = "home"\n')
        cfg = load_config(folder / "echotune.toml")
        assert cfg.frontend.preset == preset
        ctx = PhaseContext.for_config(cfg, folder / "artifacts" / "frontend", base_url=musicapp.base_url)
        results[preset] = PHASE.run(cfg.frontend, ctx)
    desktop, mobile = results["desktop"], results["mobile"]
    # 562 ms of added latency per request and a 4x slower CPU.
    assert mobile.metric("fcp_ms", url="/").value > desktop.metric("fcp_ms", url="/").value + 500
    assert mobile.metric("lcp_ms", url="/").value > desktop.metric("lcp_ms", url="/").value + 500
    assert mobile.metric("speed_index_ms", url="/").value > desktop.metric("speed_index_ms", url="/").value
    assert (mobile.metric("performance_score", url="/").value
            < desktop.metric("performance_score", url="/").value)
    assert (tmp_path / "mobile" / "artifacts" / "frontend" / "home.png").exists()
