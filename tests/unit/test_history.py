"""History: bounded, trends rendered, a real jump alerted."""

from __future__ import annotations

import json

from conftest import run_cli
from support.samples import load_result, noisy


def test_history_is_bounded_and_alerts_on_a_jump(tmp_path, cli_env):
    hist = tmp_path / "h" / "history.json"
    for i in range(8):
        res = tmp_path / f"r{i}"
        p95 = 100 + (i % 3) if i < 7 else 140
        load_result([p95] * 3).write(res / "load.json")
        proc = run_cli("history", "add", str(res), "--file", str(hist), "--ref", f"sha{i}",
                       "--max-entries", "6", env=cli_env)
        assert proc.returncode == 0, proc.stderr
        # The count in words (the first add printed "1 entries"), bounded by --max-entries.
        kept = min(i + 1, 6)
        assert proc.stdout == f"{hist}: {kept} {'entry' if i == 0 else 'entries'}\n"
    data = json.loads(hist.read_text())
    assert [e["ref"] for e in data["entries"]] == [f"sha{i}" for i in range(2, 8)]
    md = run_cli("history", "show", "--file", str(hist), "--fail-on-alert", env=cli_env)
    assert md.returncode == 1
    assert "Regression alerts" in md.stdout and "`p95_ms`" in md.stdout
    html = tmp_path / "history.html"
    run_cli("history", "show", "--file", str(hist), "--format", "html", "-o", str(html), env=cli_env)
    assert "<polyline points=" in html.read_text()


def test_steady_history_has_no_alert_and_bad_file_is_exit_2(tmp_path, cli_env):
    hist = tmp_path / "history.json"
    for i in range(5):
        load_result(noisy(100, 3, 1, i)).write(tmp_path / f"r{i}" / "load.json")
        run_cli("history", "add", str(tmp_path / f"r{i}"), "--file", str(hist), env=cli_env)
    proc = run_cli("history", "show", "--file", str(hist), "--fail-on-alert", env=cli_env)
    assert proc.returncode == 0 and "No regression" in proc.stdout
    hist.write_text("[]")
    proc = run_cli("history", "show", "--file", str(hist), env=cli_env)
    assert proc.returncode == 2 and "not an EchoTune history file" in proc.stderr
