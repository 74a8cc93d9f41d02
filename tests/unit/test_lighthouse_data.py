"""The Lighthouse data file, its loader and its checker (no npm, no browser); the frontend plan's
command-line pages, the frontend.md renderer and the bundle notes' wording."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from echotune_ci.data.lighthouse import DATA_FILE, DataError, lighthouse, parse
from echotune_ci.errors import ConfigError
from echotune_ci.phases.bundle.baseline import Baseline, Change
from echotune_ci.phases.bundle.phase import _notes
from echotune_ci.phases.bundle.sizes import FileSize
from echotune_ci.phases.frontend.axe import LIGHTHOUSE_RULES, LIGHTHOUSE_TAGS
from echotune_ci.phases.frontend.options import named_pages, with_urls
from echotune_ci.phases.frontend.settings import FrontendSettings, InteractionSettings, PageSettings
from echotune_ci.report.frontend_pages import write_frontend_pages
from echotune_ci.results import Metric, PhaseResult

ROOT = Path(__file__).resolve().parents[2]

def test_data_file_names_its_version_and_sources():
    data = lighthouse()
    assert f"lighthouse-{data.version}.json" == DATA_FILE and data.major == "13"
    assert data.sources["performance.weights"].file == "core/config/default-config.js"
    assert data.sources["accessibility.axe"].file == "core/gather/gatherers/accessibility.js"
    assert data.sources["performance.statistics"].file == "shared/statistics.js"
    assert all(s.where for s in data.sources.values())


def test_data_holds_the_figures_the_phase_scored_with():
    data = lighthouse()
    assert list(data.performance_weights.items()) == [("fcp_ms", 10), ("lcp_ms", 25), ("tbt_ms", 30),
                                                       ("cls", 25), ("speed_index_ms", 10)]
    assert data.control_points["desktop"]["fcp_ms"] == (934, 1600)
    assert data.control_points["mobile"]["speed_index_ms"] == (3387, 5800)
    assert data.control_points["mobile"]["tti_ms"] == (3785, 7300)
    assert data.statistics["MAX_FAILING_SCORE"] == 0.49999999999999994
    assert data.statistics["MAX_AVERAGE_SCORE"] == 0.8999999999999999
    assert len(data.accessibility_weights) == 53 and data.accessibility_weights["image-alt"] == 10
    assert "bypass" not in data.accessibility_weights  # informative in Lighthouse
    assert LIGHTHOUSE_TAGS == ("wcag2a", "wcag2aa")
    # Lighthouse 13.5's switches exactly: the deviations kept from before 12.8.2 are gone (issue 14).
    assert dict(LIGHTHOUSE_RULES) == dict(data.axe_rules) and not data.axe_deviations


def test_a_malformed_data_file_is_named():
    raw = json.loads((ROOT / "echotune_ci" / "data" / DATA_FILE).read_text())
    del raw["accessibility"]["axe"]
    with pytest.raises(DataError, match="'axe' must be a table"):
        parse(raw, "broken.json")


def _checker():
    spec = importlib.util.spec_from_file_location("check_lighthouse_data",
                                                  ROOT / "scripts" / "check_lighthouse_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _figures_of(data):
    """What the checker reads from a Lighthouse whose figures are exactly the data file's."""
    audit = dict(data.metric_audits)
    def scoring(ff, m):
        p10, median = data.control_points[ff][m]
        return {"scoring": {"p10": p10, "median": median}}

    curves = {audit[m]: {ff: scoring(ff, m) for ff in ("desktop", "mobile")} for m in audit}
    return {
        "version": data.version, "errors": [],
        "performance": [{"id": audit[m], "weight": w} for m, w in data.performance_weights.items()]
        + [{"id": "interactive", "weight": 0}],
        "accessibility": [{"id": r, "weight": w} for r, w in data.accessibility_weights.items()]
        + [{"id": "bypass", "weight": 7}],
        "informative": ["bypass"],
        "curves": curves,
        "statistics": dict(data.statistics),
        "axe_tags": list(data.axe_tags),
        "axe_rules": dict(data.axe_rules),
        "axe_result_types": list(data.axe_result_types),
        "axe_core": data.axe_core,
    }


def test_checker_says_why_npm_could_not_install_lighthouse():
    """`--lighthouse-version 13.6.0` (docs/frontend.md's example of a newer release, not published yet)
    said "failed: npm error A complete log of this run can be found in: ...": npm's last line is the
    log's path. The stderr is npm 10's, as it printed for that version."""
    checker = _checker()
    stderr = ("npm error code ETARGET\n"
              "npm error notarget No matching version found for lighthouse@13.6.0.\n"
              "npm error notarget In most cases you or one of your dependencies are requesting a package "
              "version that doesn't exist.\n"
              "npm error A complete log of this run can be found in: "
              "/root/.npm/_logs/2026-12-05T09_03_49_526Z-debug-0.log\n")
    assert checker.npm_reason(stderr) == "npm error notarget No matching version found for lighthouse@13.6.0."
    offline = ("npm error code ENOTFOUND\nnpm error syscall getaddrinfo\nnpm error errno ENOTFOUND\n"
               "npm error network request to https://registry.npmjs.org/lighthouse failed, reason: "
               "getaddrinfo ENOTFOUND registry.npmjs.org\n"
               "npm error A complete log of this run can be found in: /root/.npm/_logs/x-debug-0.log\n")
    assert checker.npm_reason(offline).startswith("npm error network request to https://registry")
    assert checker.npm_reason("something else broke\n") == "something else broke"
    assert checker.npm_reason("") == "(no output)"


def test_checker_finds_no_difference_in_equal_figures_and_names_each_difference():
    checker, data = _checker(), lighthouse()
    figures = _figures_of(data)
    assert checker.compare(data, figures) == []
    figures["version"] = "14.0.0"
    figures["accessibility"][0]["weight"] = 3
    figures["curves"]["cumulative-layout-shift"] = {"p10": 0.1, "median": 0.3}  # one curve for both
    figures["axe_rules"]["target-size"] = False
    diffs = checker.compare(data, figures)
    assert diffs[0] == "version: the data file names 13.5.0, the installed Lighthouse is 14.0.0"
    assert "performance.curves.desktop.cls (p10, median): ours (0.1, 0.25), lighthouse (0.1, 0.3) " \
           "(cumulative-layout-shift)" in diffs
    assert "accessibility.weights: accesskeys: ours 7, lighthouse 3" in diffs
    assert "accessibility.axe.rules: target-size: ours True, lighthouse False" in diffs
    assert len(diffs) == 5


def test_command_line_urls_replace_the_pages_and_borrow_matching_ones():
    go = InteractionSettings(selector="#go")
    settings = FrontendSettings(pages=(
        PageSettings(path="account", name="acct", budgets={"lcp_ms": 3000}, interactions=(go,)),
        PageSettings(url="https://example.com/shop"),
    ))
    urls = ("http://127.0.0.1:5000/account", "https://example.com/shop", "http://x/")
    cli = with_urls(settings, urls, "cfg")
    pages = named_pages(cli.pages, [p.url for p in cli.pages])
    assert [(p.url, p.label, p.name) for p in pages] == [
        ("http://127.0.0.1:5000/account", "http://127.0.0.1:5000/account", "acct"),
        ("https://example.com/shop", "https://example.com/shop", "shop"),
        ("http://x/", "http://x/", "home"),
    ]
    assert pages[0].budgets == {"lcp_ms": 3000} and pages[0].interactions[0].name == "click #go"
    assert with_urls(settings, (), "cfg") is settings
    with pytest.raises(ConfigError, match=r"^URL 'example.com': expected an http:// or https:// URL$"):
        with_urls(settings, ("example.com",), "cfg")
    both = FrontendSettings(pages=(PageSettings(path="/", url="http://x/"),))
    one_of = r"^cfg: 'frontend.pages\[0\]' needs exactly one of 'path' or 'url'$"
    with pytest.raises(ConfigError, match=one_of):
        with_urls(both, ("http://x/",), "cfg")


def test_frontend_md_lists_each_audited_page(tmp_path):
    settings = FrontendSettings(pages=(PageSettings(path="/", name="home"), PageSettings(path="/about")),
                                runs=2, preset="mobile")
    result = PhaseResult(phase="frontend", target="http://127.0.0.1:8000/, http://127.0.0.1:8000/about",
                         tool_versions={"chromium": "1"})
    fcp = Metric(name="fcp_ms", value=100.0, unit="ms", budget=1500, labels={"url": "/"})
    result.metrics.append(fcp.evaluate())
    result.errors.append("http://127.0.0.1:8000/about: no response within 30s (navigation timeout)")
    (tmp_path / "home.png").write_bytes(b"png")
    path = write_frontend_pages(result.finalize(), settings, tmp_path)
    assert path == (tmp_path / "frontend.md").resolve()
    text = path.read_text()
    assert "2 pages, 2 runs each (median reported), preset mobile (CPU 4x slower, 562.5 ms latency" in text
    # Page URLs come from the result file: escaped (zero-width space in "://"), or in code spans.
    assert "![Screenshot of http:\u200b//127.0.0.1:8000/](home.png)" in text
    assert "## `http://127.0.0.1:8000/about`" in text and "| `fcp_ms` |" in text and "## Errors" in text
    disabled = PhaseResult(phase="frontend", notes=["disabled"])
    assert write_frontend_pages(disabled, settings, tmp_path / "x") is None


def test_bundle_notes_keep_their_wording():
    def change(name, base, head, renamed=None):
        return Change(FileSize(name, 0, head, 0) if head is not None else None, renamed or name,
                      {"gzip": base} if base is not None else None)

    baseline = Baseline("base.json", {"gzip": 1.0}, {"app.js": {"gzip": 1.0}})
    changes = [change("app.js", 1000, 2500, "old.js"), change("legacy.js", 3000, None),
               change("new.js", None, 200), change("z.js", 123456, 1234)]
    notes = _notes(empty_globs=["a/*.js"], unmatched_limits=[SimpleNamespace(glob="x/*.js")],
                   baseline=baseline, changes=changes, changed_count=4)
    assert notes == [
        "glob a/*.js matched no file",
        "limit on x/*.js not applied: it matches none of the measured files",
        "4 files changed against base.json; largest gzip changes:",
        "  grown app.js (was old.js): 1,000 B -> 2.4 KiB (+1.5 KiB, +150.0 %)",
        "  removed legacy.js: 2.9 KiB -> 0 B (-2.9 KiB, -100.0 %)",
        "  added new.js: 0 B -> 200 B (+200 B)",
        "  shrunk z.js: 120.6 KiB -> 1.2 KiB (-119.4 KiB, -99.0 %)",
    ]
    assert _notes(empty_globs=[], unmatched_limits=[], baseline=Baseline("b.json", {}, {}), changes=[],
                  changed_count=0) == ["b.json has no per-file sizes: only the totals are compared"]
    assert _notes(empty_globs=[], unmatched_limits=[], baseline=baseline, changes=[], changed_count=0) == \
        ["no file changed against base.json"]
    assert _notes(empty_globs=[], unmatched_limits=[], baseline=None, changes=[], changed_count=0) == []
