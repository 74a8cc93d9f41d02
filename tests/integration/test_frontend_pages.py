"""The frontend phase in real Chromium against fixture pages on a local site:
axe findings and scores, page errors, logged-in pages, browser discovery."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from conftest import run_cli
from support.frontend_server import PASSWORD, USERNAME, FixtureSite

from echotune_ci.config import load_config
from echotune_ci.config.schema import override
from echotune_ci.errors import ConfigError
from echotune_ci.phases.base import PhaseContext
from echotune_ci.phases.frontend.options import with_urls
from echotune_ci.phases.frontend.phase import artifact_ref, measure
from echotune_ci.phases.frontend.speed_index import png_histogram
from echotune_ci.report.frontend_pages import write_frontend_pages

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site():
    s = FixtureSite()
    yield s
    s.stop()


def _audit(tmp_path: Path, urls: list[str], config: str = "", runs: int = 1,
           storage_state: Path | None = None):
    """What `echotune-ci frontend URL... --runs N` does: the audit, then its frontend.md."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    cfg_file = tmp_path / "echotune.toml"
    cfg_file.write_text(config)
    cfg = load_config(cfg_file)
    # These tests read findings, scores and errors, not TTI: a 0.2-s quiet window after each load
    # instead of 1 s (unless the test's config sets one).
    quiet = {} if "quiet_window" in config else {"quiet_window": 0.2}
    settings = with_urls(override(cfg.frontend, runs=runs, **quiet), tuple(urls), cfg.source)
    ctx = PhaseContext.for_config(cfg, tmp_path / "artifacts" / "frontend")
    result = measure(settings, ctx, storage_state=storage_state)
    page = write_frontend_pages(result, settings, ctx.artifacts_dir)
    if page is not None:
        result.artifacts.append(artifact_ref(page, ctx.artifacts_dir))
    return result


def _findings(result, url):
    return {f.rule_id: f for f in result.findings if f.location and f.location.path == url}


def test_axe_reports_known_defects_and_nothing_on_a_clean_page(site, tmp_path):
    defects, clean = site.url("/pages/defects.html"), site.url("/pages/clean.html")
    account = site.url("/account")
    redirect = site.url("/script-redirect")
    result = _audit(tmp_path, [defects, clean, account, redirect])

    found = _findings(result, defects)
    assert {"image-alt", "button-name", "html-has-lang", "color-contrast"} <= set(found)
    assert found["image-alt"].severity == "critical" and found["color-contrast"].severity == "high"
    # axe names each failing element by its shortest unique selector.
    assert found["button-name"].properties["selectors"] == ["button"]
    assert found["image-alt"].properties["selectors"] == ["img"]
    assert found["color-contrast"].properties["elements"] == 1
    assert "class=\"faint\"" in found["color-contrast"].properties["html"][0]
    for f in found.values():
        assert f.source_tool == "axe-core"
        assert f.help_url.startswith("https://dequeuniversity.com/rules/axe/")
        assert re.fullmatch(r"[0-9a-f]{20}:1", f.fingerprint)
    assert _findings(result, clean) == {}

    clean_score = result.metric("accessibility_score", url=clean)
    defect_score = result.metric("accessibility_score", url=defects)
    assert clean_score.value == 100 and clean_score.status == "pass"
    assert defect_score.value < 80 and defect_score.status == "fail" and defect_score.budget == 95
    assert re.fullmatch(r"4\.\d+\.\d+", result.tool_versions["axe-core"])
    assert result.status == "fail"

    # Vitals of a tiny local page are small but real, and every run is kept.
    fcp = result.metric("fcp_ms", url=clean)
    assert 0 < fcp.value < 3000 and fcp.samples == [fcp.value]
    assert result.metric("cls", url=clean).value == 0
    assert result.metric("request_count", url=clean).value >= 2  # the page and its image
    assert result.metric("dom_size", url=clean).value >= 10
    assert 0 <= result.metric("performance_score", url=clean).value <= 100

    si = result.metric("speed_index_ms", url=clean)
    assert 0 < si.value < 3000 and si.budget is None

    shots = tmp_path / "artifacts" / "frontend"
    # Chromium's own PNG encoding, decoded by the Speed Index code: the 40x40 purple
    # image (and the purple button) are there, the white background is not counted.
    hist = png_histogram((shots / "pages-clean-html.png").read_bytes())
    assert hist[0][0x3B] >= 1600 and hist[2][0x8F] >= 1600
    assert sum(hist[0]) < 1350 * 940 / 4
    assert "artifacts/frontend/pages-clean-html.png" in result.artifacts
    assert "artifacts/frontend/frontend.md" in result.artifacts
    assert "pages-defects-html.png" in (shots / "frontend.md").read_text()

    # Without a login the account page sends us to the login form, and we say so.
    assert any(n.startswith(f"{account}: ended at {site.url('/login')}") for n in result.notes)
    # A script redirect after load is followed: the page that stays is measured.
    assert any(n.startswith(f"{redirect}: ended at {clean}") for n in result.notes)
    assert result.metric("fcp_ms", url=redirect).value > 0 and not result.errors


def test_rule_and_element_filters_change_findings_and_score(site, tmp_path):
    defects = site.url("/pages/defects.html")
    config = """
[frontend.accessibility]
rules_exclude = ["color-contrast"]
exclude = ["button.unlabeled"]
"""
    result = _audit(tmp_path, [defects], config)
    found = _findings(result, defects)
    assert "color-contrast" not in found and "button-name" not in found
    assert {"image-alt", "html-has-lang"} <= set(found)
    only = _audit(tmp_path / "only", [defects], '[frontend.accessibility]\nrules_include = ["image-alt"]\n')
    assert set(_findings(only, defects)) == {"image-alt"}
    # Only image-alt is scored, and it fails.
    assert only.metric("accessibility_score", url=defects).value == 0


def test_error_pages_fail_with_their_status_and_others_are_still_audited(site, tmp_path):
    server_error, missing = site.url("/error"), site.url("/pages/missing.html")
    clean = site.url("/pages/clean.html")
    result = _audit(tmp_path, [server_error, missing, clean], runs=2)
    assert result.metric("http_status", url=server_error).value == 500
    assert result.metric("http_status", url=server_error).status == "fail"
    assert result.metric("http_status", url=missing).value == 404
    assert result.metric("fcp_ms", url=server_error) is None
    assert f"{server_error}: answered 500; the page was not measured" in result.notes
    assert len(result.metric("lcp_ms", url=clean).samples) == 2
    assert result.status == "fail" and not result.errors


def test_timeouts_blank_pages_and_missing_selectors_are_named_and_other_pages_still_measured(site, tmp_path):
    slow, never, clean = site.url("/slow-response"), site.url("/never-loads"), site.url("/pages/clean.html")
    blank = site.url("/pages/blank.html")
    # 2 s, not 1: under the suite's load (three processes on two cores) the clean page itself once took
    # more than 1 s to reach its load event
    config = f"""
[frontend]
navigation_timeout = "2s"
[[frontend.pages]]
url = "{clean}"
[[frontend.pages.interactions]]
name = "play"
selector = "#go"
[[frontend.pages.interactions]]
name = "missing"
selector = "#no-such-button"
timeout = "300ms"
"""
    result = _audit(tmp_path, [slow, never, blank, clean], config)
    assert f"{slow}: no response within 2s (navigation timeout)" in result.errors
    assert f"{never}: answered 200 but never reached the load event within 2s (a resource still loading?)" \
        in result.errors
    assert f"{clean}: interaction 'missing': selector '#no-such-button' not found (visible) within 0.3s" \
        in result.errors
    assert f"{blank}: painted no content (no First Contentful Paint), so no paint metrics" in result.errors
    assert result.metric("fcp_ms", url=blank) is None and result.metric("cls", url=blank).value == 0
    play = result.metric("interaction_ms", url=clean, interaction="play")
    assert 0 < play.value < 1000 and play.budget == 100
    assert result.metric("lcp_ms", url=clean).value > 0
    assert result.status == "error"


def _state_file(site: FixtureSite, tmp_path: Path) -> Path:
    state = {"cookies": [{"name": "session", "value": site.session, "domain": "127.0.0.1", "path": "/",
                          "expires": -1, "httpOnly": True, "secure": False, "sameSite": "Lax"}],
             "origins": []}
    path = tmp_path / "state.json"
    path.write_text(json.dumps(state))
    return path


def test_storage_state_audits_the_logged_in_page(site, tmp_path):
    account = site.url("/account")
    result = _audit(tmp_path, [account], storage_state=_state_file(site, tmp_path))
    assert not [n for n in result.notes if "ended at" in n]
    assert result.metric("http_status", url=account).value == 200
    assert result.metric("accessibility_score", url=account).value == 100


def test_login_step_uses_credentials_from_the_environment(site, tmp_path, monkeypatch):
    account = site.url("/account")
    config = f"""
[frontend.login]
path = "{site.url('/login')}"
username_selector = "#u"
password_selector = "#p"
submit_selector = "button[type=submit]"
username_env = "FIXTURE_USER"
password_env = "FIXTURE_PASS"
"""
    monkeypatch.setenv("FIXTURE_USER", USERNAME)
    monkeypatch.setenv("FIXTURE_PASS", PASSWORD)
    result = _audit(tmp_path, [account], config)
    assert not [n for n in result.notes if "ended at" in n]
    assert result.metric("http_status", url=account).value == 200
    assert PASSWORD not in result.to_json()
    monkeypatch.delenv("FIXTURE_PASS")
    unset = r"^\[frontend.login\]: environment variable FIXTURE_PASS is not set"
    with pytest.raises(ConfigError, match=unset):
        _audit(tmp_path / "again", [account], config)


def test_cli_without_any_browser_says_what_it_tried(tmp_path, cli_env, site):
    env = dict(cli_env)
    env["PATH"] = str(Path(os.sys.executable).parent)
    env["PLAYWRIGHT_BROWSERS_PATH"] = str(tmp_path / "no-browsers")
    env.pop("ECHOTUNE_CHROMIUM", None)
    out = tmp_path / "results" / "frontend.json"
    proc = run_cli("frontend", site.url("/pages/clean.html"), "--output", str(out), env=env, cwd=tmp_path)
    assert proc.returncode == 3, proc.stderr
    line = proc.stderr.strip().splitlines()[-1]
    assert line.startswith("echotune-ci: error: no Chromium or Chrome found; tried ")
    assert "Playwright's browser" in line and "PATH (chromium" in line
    assert "playwright install chromium" in line
    assert "Traceback" not in proc.stderr and not out.exists()


def test_cli_rejects_a_bad_url_and_a_bad_browser_path(tmp_path, cli_env):
    proc = run_cli("frontend", "example.com/page", env=cli_env, cwd=tmp_path)
    assert proc.returncode == 2
    assert "URL 'example.com/page': expected an http:// or https:// URL" in proc.stderr
    env = dict(cli_env, ECHOTUNE_CHROMIUM=str(tmp_path / "nope" / "chrome"))
    proc = run_cli("frontend", "http://127.0.0.1:9/", env=env, cwd=tmp_path)
    assert proc.returncode == 3
    assert f"ECHOTUNE_CHROMIUM = {tmp_path / 'nope' / 'chrome'}: no such executable" in proc.stderr


def test_a_page_that_paints_after_it_is_quiet_is_measured_at_its_first_paint(site, tmp_path):
    """The quiet window ended before the first contentful frame: the run had no FCP or LCP (a clean page
    lost one of its two LCP samples on a loaded machine; this page, whose content comes 600 ms after
    load, lost every one). Lighthouse waits for FCP (maxWaitForFcp); so does the probe, frame by frame."""
    late = site.url("/pages/late-paint.html")
    result = _audit(tmp_path, [late], runs=2)
    assert not result.errors, result.errors
    fcp, lcp = result.metric("fcp_ms", url=late), result.metric("lcp_ms", url=late)
    assert len(fcp.samples) == 2 and min(fcp.samples) >= 600
    assert lcp.samples == fcp.samples  # the text is the largest content too


def test_requests_that_fail_and_script_errors_while_a_page_loads_are_named(site, tmp_path):
    """A page whose script 404s, whose data fetch the browser blocks (CORS: the app fetches localhost while
    it is opened at 127.0.0.1) and whose script throws was measured as it was, every budget passed, and
    nothing said so. The browser's own /favicon.ico request (404 here) is not the page's."""
    broken, clean = site.url("/pages/broken-parts.html"), site.url("/pages/clean.html")
    result = _audit(tmp_path, [broken, clean], runs=2)
    assert not result.errors, result.errors
    port = broken.split(":")[2].split("/")[0]
    requests, errors = (w for w in result.warnings if w.startswith(broken))
    said = f"{broken}: 3 requests failed while it loaded, so it was measured without what they bring: "
    assert requests.startswith(said), requests
    assert requests.count("/pages/missing-data.json?_=") == 1  # the same request in both loads
    assert f"GET {site.url('/pages/missing-bundle.js')} (404)" in requests
    assert f"GET http://localhost:{port}/pages/clean.html (CORS: MissingAllowOriginHeader)" in requests
    assert errors == (f"{broken}: 1 uncaught script error while it loaded, so it was measured as far as its "
                      f"script got: TypeError: tracks is undefined")
    assert [w for w in result.warnings if clean in w] == []
    assert result.metric("fcp_ms", url=broken).value is not None  # still measured


def test_a_stylesheet_the_browser_refuses_after_a_404_is_named(site, tmp_path):
    """djangonaut-space's home page linked django-tailwind's css/dist/styles.css, which no build had made:
    Django answered 404 with its HTML page and X-Content-Type-Options: nosniff, Chromium refused the
    stylesheet for its MIME type before any response event (only responseReceivedExtraInfo with the 404,
    then loadingFailed "net::ERR_ABORTED", canceled), and the page was measured without its CSS unsaid."""
    page = site.url("/pages/missing-stylesheet.html")
    result = _audit(tmp_path, [page], runs=2)
    assert not result.errors, result.errors
    assert [w for w in result.warnings if w.startswith(page)] == [
        f"{page}: 1 request failed while it loaded, so it was measured without what they bring: "
        f"GET {site.url('/static/css/dist/styles.css?v=1796460853')} (404)"]
