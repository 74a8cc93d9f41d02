"""The test suite's one more try after a stall of the runner (tests/support/stalls.py) is taken only
when nothing but time budgets failed."""

from __future__ import annotations

import json
import subprocess

import pytest
from support.stalls import failed_time_budgets, stalled


def _result(folder, phase, *metrics, errors=()):
    path = folder / f"{phase}.json"
    path.write_text(json.dumps({"phase": phase, "status": "fail", "errors": list(errors),
                                "metrics": [{"name": n, "labels": labels, "value": v, "status": s}
                                            for n, labels, v, s in metrics]}))
    return path


def _exit(code):
    return subprocess.CompletedProcess(["echotune-ci"], code, "", "")


def test_a_run_that_failed_only_time_budgets_is_tried_once_more(tmp_path):
    login = {"endpoint": "POST /api/login"}
    _result(tmp_path, "load", ("p95_ms", {}, 249.0, "fail"), ("p95_ms", login, 280.0, "fail"),
            ("error_rate_pct", {}, 0.0, "pass"))
    _result(tmp_path, "frontend", ("lcp_ms", {"url": "/"}, 2100.0, "fail"),
            ("performance_score", {"url": "/"}, 88.0, "fail"))
    (tmp_path / "side-by-side.json").write_text("{}")  # not a phase result
    assert failed_time_budgets(tmp_path) == [
        "lcp_ms [url=/] 2100.0", "performance_score [url=/] 88.0", "p95_ms 249.0",
        "p95_ms [endpoint=POST /api/login] 280.0"]
    with pytest.warns(UserWarning, match="only time budgets failed .*p95_ms 249.0"):
        assert stalled(_exit(1), tmp_path)


@pytest.mark.parametrize("metrics, errors", [
    ([("p95_ms", {}, 249.0, "fail"), ("bundle_limit_gzip_bytes", {}, 300000, "fail")], ()),
    ([("p95_ms", {}, 249.0, "fail"), ("accessibility_score", {"url": "/"}, 80, "fail")], ()),
    ([("p95_ms", {}, 249.0, "fail")], ("locust: the host refused every connection",)),
    ([("p95_ms", {}, 120.0, "pass")], ()),  # a failure that is no budget at all (a finding)
])
def test_anything_but_a_time_budget_fails_at_once(tmp_path, metrics, errors):
    path = _result(tmp_path, "load", *metrics, errors=errors)
    assert failed_time_budgets(path) == []
    assert not stalled(_exit(1), path)


def test_only_a_failed_gate_is_tried_again(tmp_path):
    path = _result(tmp_path, "load", ("p95_ms", {}, 249.0, "fail"))
    assert not stalled(_exit(0), path) and not stalled(_exit(2), path) and not stalled(_exit(3), path)
    assert failed_time_budgets(tmp_path / "missing.json") == []
