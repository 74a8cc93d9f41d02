"""The frontend's network log: which requests of a page load count as failed. The event sequences are the
ones Chromium 156 sent over the DevTools protocol for djangonaut-space's home page served by gunicorn
(Django 5.2, DEBUG on, its SecurityMiddleware's X-Content-Type-Options: nosniff on every answer)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from echotune_ci.phases.frontend.page import NetworkLog

BASE = "http://127.0.0.1:48911"


class FakeCDP:
    """What NetworkLog asks of a CDP session: handlers by event name."""

    def __init__(self) -> None:
        self.handlers: dict[str, Callable[[dict[str, Any]], None]] = {}

    def on(self, event: str, handler: Callable[[dict[str, Any]], None]) -> None:
        self.handlers[event] = handler

    def send(self, event: str, params: dict[str, Any]) -> None:
        self.handlers[event](params)


def _sent(cdp: FakeCDP, rid: str, kind: str, url: str) -> None:
    cdp.send("Network.requestWillBeSent", {"requestId": rid, "type": kind,
                                           "request": {"method": "GET", "url": url}})


def _status(cdp: FakeCDP, rid: str, status: int) -> None:
    cdp.send("Network.responseReceivedExtraInfo", {"requestId": rid, "statusCode": status})


def _canceled(cdp: FakeCDP, rid: str, kind: str) -> None:
    cdp.send("Network.loadingFailed", {"requestId": rid, "type": kind, "errorText": "net::ERR_ABORTED",
                                       "canceled": True})


def test_a_stylesheet_refused_after_its_404_is_a_failure_in_either_order():
    css = f"{BASE}/static/css/dist/styles.css?v=1796460913"
    for status_first in (True, False):
        cdp = FakeCDP()
        log = NetworkLog(cdp)
        _sent(cdp, "5928.8", "Stylesheet", css)
        if status_first:  # the order Chromium 156 used
            _status(cdp, "5928.8", 404)
            _canceled(cdp, "5928.8", "Stylesheet")
        else:
            _canceled(cdp, "5928.8", "Stylesheet")
            _status(cdp, "5928.8", 404)
        assert log.failures == [f"GET {css} (404)"]
        assert log.inflight == set()


def test_a_404_the_page_was_given_is_named_once():
    """A script's 404 under nosniff reaches responseReceived, then is dropped too."""
    js = f"{BASE}/static/missing.js"
    cdp = FakeCDP()
    log = NetworkLog(cdp)
    _sent(cdp, "1.4", "Script", js)
    _status(cdp, "1.4", 404)
    cdp.send("Network.responseReceived", {"requestId": "1.4", "type": "Script",
                                          "response": {"url": js, "status": 404}})
    _canceled(cdp, "1.4", "Script")
    assert log.failures == [f"GET {js} (404)"]


def test_requests_the_page_drops_are_no_failures():
    """A request the page cancels before any answer, one whose redirect ended in a 200, the browser's own
    favicon and the document itself."""
    cdp = FakeCDP()
    log = NetworkLog(cdp)
    _sent(cdp, "1", "Fetch", f"{BASE}/api/poll")
    _canceled(cdp, "1", "Fetch")
    _sent(cdp, "2", "Image", f"{BASE}/img/logo.png")
    _status(cdp, "2", 302)
    _status(cdp, "2", 200)
    _canceled(cdp, "2", "Image")
    _sent(cdp, "3", "Other", f"{BASE}/favicon.ico")
    _status(cdp, "3", 404)
    _canceled(cdp, "3", "Other")
    _sent(cdp, "4", "Document", f"{BASE}/gone/")
    _status(cdp, "4", 404)
    _canceled(cdp, "4", "Document")
    assert log.failures == []


def test_the_pages_own_failures_are_named_before_other_hosts():
    """Offline, djangonaut-space's home page lost five requests to CDNs before its own stylesheet's 404, which
    the warning's first three left in "and 3 more" (the order below is the one Chromium reported)."""
    from echotune_ci.phases.frontend.options import PageSpec
    from echotune_ci.phases.frontend.page import RunSample
    from echotune_ci.phases.frontend.phase import _load_notes
    from echotune_ci.results import PhaseResult

    dns = "(net::ERR_NAME_NOT_RESOLVED)"
    failed = [f"GET https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.7.1/css/all.min.css {dns}",
              f"GET https://fonts.googleapis.com/css2?family=Inter&display=swap {dns}",
              f"GET https://unpkg.com/htmx.org@1.8.4 {dns}", f"GET https://plausible.io/js/script.js {dns}",
              f"GET https://djangowebring.com/static/webring.js {dns}",
              f"GET {BASE}/static/css/dist/styles.css?v=1796460853 (404)",
              f"GET {BASE}.evil.example/x.js {dns}"]  # another host that starts like the page's
    result = PhaseResult(phase="frontend")
    _load_notes(PageSpec(url=f"{BASE}/", name="home"), [RunSample(200, f"{BASE}/", failed_requests=failed)],
                result)
    assert result.warnings == [
        f"{BASE}/: 7 requests failed while it loaded, so it was measured without what they bring: "
        f"GET {BASE}/static/css/dist/styles.css?v=1796460853 (404); {failed[0]}; {failed[1]}; and 4 more"]
