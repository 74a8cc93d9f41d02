"""The frontend phase's accessibility score on tests/fixtures/a11y-pages/ against the scores a real
Lighthouse 13.5.0 gave the same pages (recorded in lighthouse-13.5.0.json with the command that
produced them), and how elements inside shadow DOM and iframes are named, in real Chromium."""

from __future__ import annotations

import functools
import json
from http.server import SimpleHTTPRequestHandler
from pathlib import Path

import pytest
from support import local_server

from echotune_ci.config import load_config
from echotune_ci.config.schema import override
from echotune_ci.phases.base import PhaseContext
from echotune_ci.phases.frontend.axe import AxeOutcome, axe_source, violation_findings
from echotune_ci.phases.frontend.options import with_urls
from echotune_ci.phases.frontend.phase import measure

pytestmark = pytest.mark.slow

PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "a11y-pages"
RECORDED = json.loads((PAGES / "lighthouse-13.5.0.json").read_text())
TOLERANCE = 1  # axe runs in our browser session, not Lighthouse's: the issue allows ±1


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002
        pass


@pytest.fixture(scope="module")
def site():
    server = local_server.start(functools.partial(_Quiet, directory=str(PAGES)))
    yield local_server.url(server)
    local_server.stop(server)


@pytest.fixture(scope="module")
def audited(site, tmp_path_factory):
    """One `echotune-ci frontend URL... --runs 1 --preset desktop` over every recorded page."""
    tmp = tmp_path_factory.mktemp("a11y")
    cfg_file = tmp / "echotune.toml"
    cfg_file.write_text("")
    cfg = load_config(cfg_file)
    urls = tuple(f"{site}/{name}" for name in sorted(RECORDED["pages"]))
    # the score is what is compared: a 0.2-s quiet window after each load (TTI's) instead of 1 s
    once = override(cfg.frontend, runs=1, preset="desktop", screenshots=False, quiet_window=0.2)
    settings = with_urls(once, urls, cfg.source)
    return measure(settings, PhaseContext.for_config(cfg, tmp / "artifacts")), site


@pytest.mark.parametrize("page", sorted(RECORDED["pages"]))
def test_score_is_within_one_of_lighthouse_13_5(audited, page):
    result, site = audited
    url = f"{site}/{page}"
    lh = RECORDED["pages"][page]
    ours = result.metric("accessibility_score", url=url).value
    assert abs(ours - lh["score"]) <= TOLERANCE, (page, ours, lh["score"])
    failed = {f.rule_id for f in result.findings if f.location and f.location.path == url}
    assert failed & set(lh["failed"] + lh["not_applicable"]) == set(lh["failed"]), page


def test_shadow_dom_elements_are_named_by_a_readable_chain(audited):
    result, site = audited
    url = f"{site}/shadow-dom.html"
    found = {f.rule_id: f for f in result.findings if f.location and f.location.path == url}
    assert found["button-name"].properties["selectors"] == ["fancy-card >>> button"]
    assert found["button-name"].properties["targets"] == [[["fancy-card", "button"]]]
    assert found["image-alt"].properties["selectors"] == ["fancy-card >>> img"]
    assert found["link-name"].properties["selectors"] == ["fancy-card >>> inner-badge >>> a"]
    assert "fancy-card >>> button" in found["button-name"].message


def test_iframe_elements_are_named_per_frame(site):
    # Lighthouse (and the phase) inject axe into the top document only, so axe reports nothing inside
    # an iframe there; with axe in every frame it nests the target per frame, which we show as a chain.
    from playwright.sync_api import sync_playwright

    from echotune_ci.phases.frontend.browser import LAUNCH_ARGS

    script, version = axe_source()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=list(LAUNCH_ARGS))
        try:
            page = browser.new_page()
            page.goto(f"{site}/iframes.html", wait_until="load")
            for frame in page.frames:
                frame.evaluate(script)
            raw = page.evaluate("""async () => {
              const r = await axe.run(document, {runOnly: {type: 'rule', values: ['image-alt']}});
              return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                tags: v.tags, nodes: v.nodes.map(n => ({target: n.target, html: n.html,
                failureSummary: n.failureSummary}))}));
            }""")
        finally:
            browser.close()
    finding, = violation_findings("/iframes.html", AxeOutcome(version, raw, [], [], 0.0))
    assert finding.properties["targets"] == [["#pay", "img"]]
    assert finding.properties["selectors"] == ["#pay >> (frame) img"]
