"""The HTML report's layout in a real Chromium: nothing wider than the window."""

from __future__ import annotations

import pytest

from echotune_ci.config import defaults
from echotune_ci.gate import evaluate
from echotune_ci.report.html import render_html
from echotune_ci.results import Metric, PhaseResult
from support.samples import load_result, noisy

WIDE_URL = "http://127.0.0.1:8000/catalogue/artists/some-rather-long-artist-slug/albums?sort=year&page=2"


def side_by_side_results() -> tuple[list[PhaseResult], list[PhaseResult]]:
    """A head and a base as `run --base-ref` leaves them at the cap: ten samples per build of each
    sampled metric, values with four digits and a unit, and a page address as long as real ones."""
    def pages(seed: int) -> PhaseResult:
        lcp = noisy(1840.0, 10, 160.0, seed)
        tti = noisy(2310.0, 10, 210.0, seed + 1)
        metrics = [Metric("lcp_ms", sorted(lcp)[5], "ms", budget=2500, samples=lcp, labels={"url": WIDE_URL}),
                   Metric("interactive_ms", sorted(tti)[5], "ms", budget=2000, samples=tti,
                          labels={"url": WIDE_URL}),
                   Metric("total_byte_weight", 1_482_113.0, "bytes", samples=[1_482_113.0] * 10,
                          labels={"url": WIDE_URL})]
        return PhaseResult("frontend", metrics=[m.evaluate() for m in metrics]).finalize()

    head = [pages(1), load_result(noisy(1234.5, 10, 80.0, 3))]
    base = [pages(7), load_result(noisy(1200.0, 10, 80.0, 9))]
    return head, base


@pytest.mark.parametrize(("width", "scrolled"), [(1280, []), (800, ["frontend", "load"])])
def test_the_html_report_fits_the_window_with_ten_samples_per_metric(width, scrolled):
    """At a desktop width every table fits the page (it was 1,663 px wide); on a narrow window the page
    still does, and the wide tables scroll in their own box rather than the page."""
    from playwright.sync_api import sync_playwright

    from echotune_ci.phases.frontend.browser import LAUNCH_ARGS

    head, base = side_by_side_results()
    outcome = evaluate(head, defaults(), base)
    page_html = render_html(outcome.results, outcome)
    assert page_html.count("1,2") + page_html.count("1.2") > 10  # the samples are in it
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=list(LAUNCH_ARGS))
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.set_content(page_html, wait_until="load")
            wide = page.evaluate("""() => ({
              page: document.documentElement.scrollWidth,
              window: document.documentElement.clientWidth,
              cells: [...document.querySelectorAll('td, th')]
                .filter(c => c.scrollWidth > c.clientWidth + 1)
                .map(c => c.textContent.slice(0, 60)),
              scrolled: [...document.querySelectorAll('div.table')]
                .filter(d => d.scrollWidth > d.clientWidth)
                .map(d => d.previousElementSibling.textContent),
              broken: [...document.querySelectorAll('td code, td.samples span')]
                .filter(c => c.getClientRects().length > 1).map(c => c.textContent),
            })""")
        finally:
            browser.close()
    assert wide["page"] <= wide["window"], wide
    assert wide["cells"] == [], wide
    assert wide["scrolled"] == scrolled, wide
    assert wide["broken"] == [], wide  # a metric's name or one sample is never split over two lines
