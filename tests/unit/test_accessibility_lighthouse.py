"""The accessibility score against Lighthouse 13.5's recorded outcomes, axe's options, and how an
element's axe target path is shown (shadow DOM and iframes). No browser: the browser side is
tests/integration/test_a11y_pages.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from echotune_ci.data.lighthouse import lighthouse
from echotune_ci.phases.frontend.accessibility import WEIGHTS, accessibility_score
from echotune_ci.phases.frontend.axe import (
    LIGHTHOUSE_RULES,
    AxeOutcome,
    axe_options,
    target_selector,
    violation_findings,
)
from echotune_ci.phases.frontend.settings import AccessibilitySettings

PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "a11y-pages"
# What Lighthouse 13.5.0 reported on each fixture page, with the command that produced it.
RECORDED = json.loads((PAGES / "lighthouse-13.5.0.json").read_text())


def test_recording_comes_from_the_lighthouse_the_data_file_names():
    assert RECORDED["lighthouse"] == lighthouse().version == "13.5.0"
    assert RECORDED["axe_core"] == lighthouse().axe_core
    assert len(RECORDED["pages"]) >= 10
    for page in RECORDED["pages"].values():
        assert "lighthouse/cli/index.js http://127.0.0.1:{port}/" in page["command"]
        assert "--only-categories=accessibility" in page["command"]


@pytest.mark.parametrize("page", sorted(RECORDED["pages"]))
def test_score_of_lighthouses_outcomes_is_lighthouses_score(page):
    # The same audit outcomes (failed, not applicable, errored) must score what Lighthouse scored:
    # the weights and the treatment of each outcome are Lighthouse 13.5's.
    lh = RECORDED["pages"][page]
    assert not lh["errored"]
    assert accessibility_score(lh["failed"], lh["not_applicable"]) == lh["score"]


def test_issue_example_form_page_with_unnamed_select_and_no_main_scores_84():
    # Issue 14, kind 8: Lighthouse 13.5 gives 84 (12.8.2's weights gave 92).
    lh = RECORDED["pages"]["form-select.html"]
    assert lh["score"] == 84 and lh["failed"] == ["landmark-one-main", "select-name"]
    assert accessibility_score(lh["failed"], lh["not_applicable"]) == 84


def test_weights_and_switches_are_lighthouse_13_5s():
    assert WEIGHTS["select-name"] == WEIGHTS["label"] == WEIGHTS["aria-roles"] == 10
    assert WEIGHTS["landmark-one-main"] == 3
    for minor in ("autocomplete-valid", "svg-img-alt", "presentation-role-conflict"):
        assert WEIGHTS[minor] == 1
    for zero in ("aria-allowed-role", "image-redundant-alt", "table-duplicate-name", "bypass"):
        assert zero not in WEIGHTS
    # No deviations: the switches passed to axe.run are the gatherer's, target-size included.
    assert dict(LIGHTHOUSE_RULES) == dict(lighthouse().axe_rules)
    opts = axe_options(AccessibilitySettings())
    assert opts["resultTypes"] == ["violations", "inapplicable"]
    assert opts["runOnly"] == {"type": "tag", "values": ["wcag2a", "wcag2aa"]}
    assert opts["rules"]["target-size"] == {"enabled": True}
    assert opts["rules"]["svg-img-alt"] == {"enabled": True}
    assert opts["rules"]["aria-tab-name"] == {"enabled": False}


@pytest.mark.parametrize("target, shown", [
    (["#main > img"], "#main > img"),
    ([["fancy-card", "button"]], "fancy-card >>> button"),
    ([["fancy-card", "inner-badge", "a"]], "fancy-card >>> inner-badge >>> a"),
    (["#pay", "img"], "#pay >> (frame) img"),
    (["#pay", ["pay-form", "input"]], "#pay >> (frame) pay-form >>> input"),
    ("legacy-string", "legacy-string"),
])
def test_target_paths_render_as_readable_chains(target, shown):
    assert target_selector(target) == shown


def test_findings_keep_axes_target_path_and_show_the_chain():
    # A node as axe 4.14 reports a button inside <fancy-card>'s shadow root (see the integration test).
    violation = {"id": "button-name", "impact": "critical", "help": "Buttons must have discernible text",
                 "helpUrl": "https://dequeuniversity.com/rules/axe/4.14/button-name", "tags": ["wcag2a"],
                 "nodes": [{"target": [["fancy-card", "button"]], "html": "<button>", "failureSummary": "x"}]}
    finding, = violation_findings("/cards", AxeOutcome("4.14.1", [violation], [], [], 90.0))
    assert finding.properties["selectors"] == ["fancy-card >>> button"]
    assert finding.properties["targets"] == [[["fancy-card", "button"]]]
    assert "fancy-card >>> button" in finding.message and "['fancy-card'" not in finding.message


def _checker():
    import importlib.util

    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location("check_lighthouse_data",
                                                  root / "scripts" / "check_lighthouse_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_write_makes_the_next_releases_file_and_removes_the_old_one(tmp_path, monkeypatch):
    from echotune_ci.data.lighthouse import DATA_FILE, parse

    checker, data = _checker(), lighthouse()
    # What the checker would read from a 13.6.0 that changed one weight, one switch and axe-core.
    audit = dict(data.metric_audits)
    theirs = {
        "version": "13.6.0", "errors": [], "axe_core": "4.15.0", "informative": ["bypass"],
        "performance": [{"id": audit[m], "weight": w} for m, w in data.performance_weights.items()],
        "accessibility": [{"id": r, "weight": 3 if r == "landmark-one-main" else w}
                          for r, w in data.accessibility_weights.items()] + [{"id": "bypass", "weight": 7}],
        "curves": {audit[m]: {ff: {"scoring": {"p10": data.control_points[ff][m][0],
                                               "median": data.control_points[ff][m][1]}}
                              for ff in ("desktop", "mobile")} for m in audit},
        "statistics": dict(data.statistics),
        "axe_tags": list(data.axe_tags), "axe_rules": dict(data.axe_rules) | {"aria-tab-name": True},
        "axe_result_types": list(data.axe_result_types),
    }
    theirs["accessibility"][0]["weight"] = 10  # accesskeys
    monkeypatch.setattr(checker, "DATA_DIR", tmp_path)
    (tmp_path / DATA_FILE).write_text((PAGES.parents[2] / "echotune_ci" / "data" / DATA_FILE).read_text())
    assert checker.act(data, theirs, write=True) == 0
    assert [p.name for p in tmp_path.iterdir()] == ["lighthouse-13.6.0.json"]
    new = parse(json.loads((tmp_path / "lighthouse-13.6.0.json").read_text()))
    assert new.version == "13.6.0" and new.axe_core == "4.15.0"
    assert new.accessibility_weights["accesskeys"] == 10 and "bypass" not in new.accessibility_weights
    assert new.axe_rules["aria-tab-name"] is True and not new.axe_deviations
    assert new.control_points == data.control_points and new.performance_weights == data.performance_weights
    assert checker.compare(new, theirs) == []
