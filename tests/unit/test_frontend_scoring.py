"""Scoring and metric definitions of the frontend phase (no browser needed)."""

from __future__ import annotations

import pytest

from echotune_ci.config import load_config
from echotune_ci.errors import ConfigError
from echotune_ci.phases.base import PhaseContext
from echotune_ci.phases.frontend.accessibility import WEIGHTS, accessibility_score
from echotune_ci.phases.frontend.metrics import (cls_from_shifts, page_budgets, time_to_interactive,
                                                 total_blocking_time)
from echotune_ci.phases.frontend.options import plan
from echotune_ci.phases.frontend.presets import PRESETS
from echotune_ci.phases.frontend.scoring import CONTROL_POINTS, metric_score, performance_score


@pytest.mark.parametrize("form_factor", ["desktop", "mobile"])
@pytest.mark.parametrize("metric", ["fcp_ms", "lcp_ms", "tbt_ms", "cls", "tti_ms"])
def test_control_points_score_90_and_50(form_factor, metric):
    p10, median = CONTROL_POINTS[form_factor][metric]
    assert metric_score(metric, p10, form_factor) == 0.9
    assert metric_score(metric, median, form_factor) == 0.5
    # Mirror image of p10 around the median in log space: the 10th percentile from the top.
    assert metric_score(metric, median * median / p10, form_factor) == pytest.approx(0.1, abs=0.011)
    assert metric_score(metric, 0, form_factor) == 1.0


@pytest.mark.parametrize("metric, value, score", [
    ("fcp_ms", 6795.362, 0.02),
    ("lcp_ms", 10884.681, 0.0),
    ("speed_index_ms", 8296, 0.19),
])
def test_scores_match_lighthouse_sample_report(metric, value, score):
    # Lighthouse's own mobile sample report (core/test/results/sample_v2.json):
    # numericValue and score of these audits.
    assert metric_score(metric, value, "mobile") == score


def test_scores_fall_as_values_grow_and_near_zero_reaches_one():
    values = [50, 300, 900, 1500, 2500, 4000, 8000]
    scores = [metric_score("lcp_ms", v, "desktop") for v in values]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] == 1.0  # the boost above 0.9 makes a perfect score reachable
    assert 0 <= scores[-1] < 0.1


def test_mobile_curves_are_more_lenient_than_desktop():
    assert metric_score("fcp_ms", 1600, "mobile") > metric_score("fcp_ms", 1600, "desktop")


def test_performance_score_is_the_weighted_mean_of_metric_scores():
    p10 = {k: v[0] for k, v in CONTROL_POINTS["desktop"].items()}
    median = {k: v[1] for k, v in CONTROL_POINTS["desktop"].items()}
    assert performance_score(p10, "desktop") == 90
    assert performance_score(median, "desktop") == 50
    mixed = {"fcp_ms": 0, "lcp_ms": 0, "tbt_ms": median["tbt_ms"], "cls": p10["cls"]}
    # (10*1 + 25*1 + 30*0.5 + 25*0.9) / 90 = 0.806 -> 81
    assert performance_score(mixed, "desktop") == 81
    assert performance_score({"fcp_ms": 100, "lcp_ms": None, "tbt_ms": 0, "cls": 0}, "desktop") is None
    # With Speed Index all five weights count: (10 + 25 + 30*0.5 + 25 + 10*0.5) / 100.
    with_si = {"fcp_ms": 0, "lcp_ms": 0, "tbt_ms": median["tbt_ms"], "cls": 0,
               "speed_index_ms": median["speed_index_ms"]}
    assert performance_score(with_si, "desktop") == 80


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
    assert budgets["cls"] == 0.25 and budgets["accessibility_score"] == 95
    assert budgets["interaction_ms"] == 100
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
    opts = plan(cfg.frontend, PhaseContext.for_config(cfg, tmp_path, base_url="http://127.0.0.1:5000"))
    (page,) = opts.pages
    assert page.url == "http://127.0.0.1:5000/account" and page.label == "/account" and page.name == "account"
    assert page.budgets == {"lcp_ms": 3000} and page.interactions[0].name == "click #go"
    assert opts.settings.runs == 2 and opts.throttle == PRESETS["mobile"].throttle
    with pytest.raises(ConfigError, match="needs the app's URL"):
        plan(cfg.frontend, PhaseContext.for_config(cfg, tmp_path))


@pytest.mark.parametrize("section, message", [
    ('[[frontend.pages]]\npath = "/"\nbudgets = { lcp = 1 }\n', "unknown budget 'lcp'"),
    ('[[frontend.pages]]\npath = "/"\nurl = "http://x/"\n', "exactly one of 'path' or 'url'"),
    ('[[frontend.pages]]\nurl = "ftp://x/"\n',
     r"'frontend.pages\[0\].url' must be an http\(s\) URL with a host"),
    ('[frontend]\npreset = "tablet"\n', "must be one of"),
    ('[[frontend.pages]]\npath = "/"\n[[frontend.pages.interactions]]\naction = "hover"\nselector = "a"\n',
     "must be one of"),
])
def test_config_mistakes_name_the_key(tmp_path, section, message):
    with pytest.raises(ConfigError, match=message):
        cfg = _config(tmp_path, section)
        plan(cfg.frontend, PhaseContext.for_config(cfg, tmp_path, base_url="http://127.0.0.1:1"))


def _png(rows: list[list[tuple[int, int, int]]], filters: list[int]) -> bytes:
    """Encode RGB rows as a PNG, each row with the given filter type (0-4)."""
    import struct
    import zlib

    def paeth(a, b, c):
        p = a + b - c
        pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
        return a if pa <= pb and pa <= pc else b if pb <= pc else c

    raw = bytearray()
    prev = bytes(len(rows[0]) * 3)
    for row, kind in zip(rows, filters, strict=True):
        line = bytes(v for px in row for v in px)
        out = bytearray()
        for i, x in enumerate(line):
            a = line[i - 3] if i >= 3 else 0
            b = prev[i]
            c = prev[i - 3] if i >= 3 else 0
            pred = [0, a, b, (a + b) // 2, paeth(a, b, c)][kind]
            out.append((x - pred) & 0xFF)
        raw += bytes([kind]) + out
        prev = line

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", len(rows[0]), len(rows), 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(raw)))
            + chunk(b"IEND", b""))


def test_png_histograms_survive_every_filter_and_skip_white():
    from echotune_ci.phases.frontend.speed_index import png_histogram

    purple, white, grey = (59, 42, 143), (255, 255, 255), (120, 120, 121)
    rows = [[purple, white, grey, purple], [grey, grey, white, purple], [purple] * 4,
            [white, purple, grey, grey], [grey, purple, purple, white]]
    hist = png_histogram(_png(rows, [0, 1, 2, 3, 4]))
    flat = [px for row in rows for px in row]
    assert hist[0][59] == flat.count(purple) == 10 and hist[2][143] == 10
    assert hist[0][120] == flat.count(grey) == 6 and hist[2][121] == 6
    assert sum(hist[1]) == 16  # the 4 white pixels are background


def test_speed_index_sums_the_time_not_yet_visually_complete():
    from echotune_ci.phases.frontend.speed_index import frame_progress, speed_index

    def hist(count):  # `count` purple pixels
        h = [[0] * 256 for _ in range(3)]
        h[0][59] = h[1][42] = h[2][143] = count
        return h

    blank = hist(0)
    assert frame_progress(hist(50), blank, hist(100)) == 0.5
    # Blank until 100 ms, half drawn until 300 ms, then complete: 100 + 200 * 0.5.
    assert speed_index([(300, hist(100)), (100, hist(50))]) == 200
    assert speed_index([]) is None
