"""Scoring and metric definitions of the frontend phase (no browser needed)."""

from __future__ import annotations

import pytest

from echotune_ci.config import load_config
from echotune_ci.errors import ConfigError
from echotune_ci.phases.frontend import options_from_config
from echotune_ci.phases.frontend_a11y_score import WEIGHTS, accessibility_score
from echotune_ci.phases.frontend_metrics import cls_from_shifts, page_budgets, time_to_interactive, total_blocking_time
from echotune_ci.phases.frontend_presets import PRESETS
from echotune_ci.phases.frontend_scoring import CONTROL_POINTS, metric_score, performance_score


@pytest.mark.parametrize("form_factor", ["desktop", "mobile"])
@pytest.mark.parametrize("metric", ["fcp_ms", "lcp_ms", "tbt_ms", "cls", "tti_ms"])
def test_control_points_score_90_and_50(form_factor, metric):
    p10, median = CONTROL_POINTS[form_factor][metric]
    assert metric_score(metric, p10, form_factor) == 0.9
    assert metric_score(metric, median, form_factor) == 0.5
    # Mirror image of p10 around the median in log space: the 10th percentile from the top.
    assert metric_score(metric, median * median / p10, form_factor) == pytest.approx(0.1, abs=0.011)
    assert metric_score(metric, 0, form_factor) == 1.0


def test_scores_fall_as_values_grow_and_near_zero_reaches_one():
    values = [50, 300, 900, 1500, 2500, 4000, 8000]
    scores = [metric_score("lcp_ms", v, "desktop") for v in values]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] == 1.0  # the boost above 0.9 makes a perfect score reachable
    assert 0 <= scores[-1] < 0.1


def test_mobile_curves_are_more_lenient_than_desktop():
    assert metric_score("fcp_ms", 1600, "mobile") > metric_score("fcp_ms", 1600, "desktop")


def test_performance_score_is_the_weighted_mean_without_speed_index():
    p10 = {k: v[0] for k, v in CONTROL_POINTS["desktop"].items()}
    median = {k: v[1] for k, v in CONTROL_POINTS["desktop"].items()}
    assert performance_score(p10, "desktop") == 90
    assert performance_score(median, "desktop") == 50
    mixed = {"fcp_ms": 0, "lcp_ms": 0, "tbt_ms": median["tbt_ms"], "cls": p10["cls"]}
    # (10*1 + 25*1 + 30*0.5 + 25*0.9) / 90 = 0.806 -> 81
    assert performance_score(mixed, "desktop") == 81
    assert performance_score({"fcp_ms": 100, "lcp_ms": None, "tbt_ms": 0, "cls": 0}, "desktop") is None


def test_accessibility_score_uses_lighthouse_weights_over_applicable_rules():
    applicable = {"image-alt", "button-name", "html-has-lang"}
    inapplicable = [r for r in WEIGHTS if r not in applicable]
    assert accessibility_score([], inapplicable) == 100
    # 10 + 10 + 7 applicable, image-alt (10) failing: 17 / 27 -> 63
    assert accessibility_score(["image-alt"], inapplicable) == 63
    assert accessibility_score(["image-alt", "button-name", "html-has-lang"], inapplicable) == 0
    # A rule the user excluded counts neither way.
    assert accessibility_score(["image-alt"], inapplicable, excluded=["image-alt"]) == 100
    assert accessibility_score(["image-alt"], inapplicable, errored=["button-name"]) == 41


def test_cls_takes_the_worst_session_window():
    # Two windows: 0.05 + 0.05 (within 1 s), then after a 2 s gap 0.08 alone.
    assert cls_from_shifts([(100, 0.05), (600, 0.05), (2600, 0.08)]) == pytest.approx(0.1)
    # A window is capped at 5 s even without gaps.
    shifts = [(t, 0.01) for t in range(0, 8000, 500)]
    assert cls_from_shifts(shifts) == pytest.approx(0.11)
    assert cls_from_shifts([]) == 0


def test_tbt_counts_beyond_50ms_between_fcp_and_tti():
    tasks = [(100, 80), (500, 350), (1000, 40)]
    tti = time_to_interactive(300, 250, tasks)
    assert tti == 1040
    # The first task (100-180) ends before FCP (300) and does not count; the third is short.
    assert total_blocking_time(tasks, 300, tti) == 300
    assert time_to_interactive(300, 250, []) == 300


def test_budgets_default_to_project_budgets_with_page_overrides():
    cfg = load_config(None, discover=False)
    budgets = page_budgets(cfg.budgets, {"cls": 0.25})
    assert budgets["fcp_ms"] == 1500 and budgets["lcp_ms"] == 2000 and budgets["tti_ms"] == 2000
    assert budgets["cls"] == 0.25 and budgets["accessibility_score"] == 95 and budgets["interaction_ms"] == 100
    assert budgets["performance_score"] is None  # 0 means off


def _config(tmp_path, text):
    path = tmp_path / "echotune.toml"
    path.write_text(text)
    return load_config(path)


def test_config_pages_resolve_against_the_app_and_keep_stable_labels(tmp_path):
    cfg = _config(tmp_path, """
[frontend]
preset = "mobile"
runs = 2
[[frontend.pages]]
path = "/account"
budgets = { lcp_ms = 3000 }
[[frontend.pages.interactions]]
selector = "#go"
""")
    opts = options_from_config(cfg, artifacts_dir=tmp_path, base_url="http://127.0.0.1:5000")
    (page,) = opts.pages
    assert page.url == "http://127.0.0.1:5000/account" and page.label == "/account" and page.name == "account"
    assert page.budgets == {"lcp_ms": 3000} and page.interactions[0].name == "click #go"
    assert opts.runs == 2 and opts.throttle == PRESETS["mobile"].throttle
    with pytest.raises(ConfigError, match="needs the app's URL"):
        options_from_config(cfg, artifacts_dir=tmp_path)


@pytest.mark.parametrize("section, message", [
    ('[[frontend.pages]]\npath = "/"\nbudgets = { lcp = 1 }\n', "unknown budget 'lcp'"),
    ('[[frontend.pages]]\npath = "/"\nurl = "http://x/"\n', "exactly one of 'path' or 'url'"),
    ('[[frontend.pages]]\nurl = "ftp://x/"\n', "expected an http"),
    ('[frontend]\npreset = "tablet"\n', "must be one of"),
    ('[[frontend.pages]]\npath = "/"\n[[frontend.pages.interactions]]\naction = "hover"\nselector = "a"\n',
     "must be one of"),
])
def test_config_mistakes_name_the_key(tmp_path, section, message):
    with pytest.raises(ConfigError, match=message):
        cfg = _config(tmp_path, section)
        options_from_config(cfg, artifacts_dir=tmp_path, base_url="http://127.0.0.1:1")
