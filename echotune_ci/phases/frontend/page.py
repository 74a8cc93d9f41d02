"""One measured page load in a fresh browser context, and its interactions.

The probe script is installed before any page script runs, so the
PerformanceObservers see every paint, layout shift, long task and input
event from the start; the DevTools protocol supplies throttling and the
network log (transfer sizes, requests in flight for the quiet window).
"""

from __future__ import annotations

import base64
import contextlib
import re
import time
from dataclasses import dataclass, field
from typing import Any

from .metrics import LoadTimings, cls_from_shifts, time_to_interactive, total_blocking_time
from .presets import Throttle
from .settings import FrontendSettings, InteractionSettings
from ...serve.output import clean_line
from .speed_index import FRAME_SIZE, png_histogram, speed_index

PROBE = r"""(() => {
  if (window.__echotune) return;
  const s = window.__echotune = {lcp: null, shifts: [], longtasks: [], events: [], inputs: []};
  const observe = (type, cb, extra) => {
    try { new PerformanceObserver(list => list.getEntries().forEach(cb))
            .observe(Object.assign({type, buffered: true}, extra || {})); } catch (e) {}
  };
  observe('largest-contentful-paint', e => { s.lcp = e.startTime; });
  observe('layout-shift', e => { if (!e.hadRecentInput) s.shifts.push([e.startTime, e.value]); });
  observe('longtask', e => { s.longtasks.push([e.startTime, e.duration]); });
  observe('event', e => { if (e.interactionId) s.events.push([e.startTime, e.duration]); },
          {durationThreshold: 16});
  // Input to next paint for inputs below Event Timing's 16 ms reporting floor: the
  // frame after the handlers ran has been produced when the task after rAF runs.
  for (const type of ['pointerdown', 'keydown', 'click']) {
    window.addEventListener(type, e => {
      const t0 = e.timeStamp;
      requestAnimationFrame(() => setTimeout(() => s.inputs.push([t0, performance.now() - t0]), 0));
    }, true);
  }
})();"""

_SNAPSHOT = """() => {
  const s = window.__echotune || {lcp: null, shifts: [], longtasks: []};
  const nav = performance.getEntriesByType('navigation')[0];
  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
  return {ttfb: nav ? nav.responseStart - (nav.activationStart || 0) : null,
          dcl: nav ? nav.domContentLoadedEventEnd : null, load: nav ? nav.loadEventEnd : null,
          fcp: fcp ? fcp.startTime : null, lcp: s.lcp, shifts: s.shifts, longtasks: s.longtasks,
          dom: document.getElementsByTagName('*').length, now: performance.now(),
          origin: performance.timeOrigin};
}"""

_QUIET_STATE = """() => {
  const s = window.__echotune || {longtasks: []};
  const nav = performance.getEntriesByType('navigation')[0];
  const ends = s.longtasks.map(([start, dur]) => start + dur);
  return {now: performance.now(), busyUntil: Math.max(nav ? nav.loadEventEnd : 0, ...ends)};
}"""

_NEXT_FRAME = ("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => "
               "setTimeout(r, 30))))")

# The quiet window can end before Chromium has presented the first frame (a busy machine; software
# compositing): the paint timing entries come with that frame. Waited for frame by frame, at most *limit*
# ms (a page that never paints content waits the whole of it). Lighthouse waits up to 30 s for FCP
# (maxWaitForFcp in core/config/constants.js, Lighthouse 12) and fails the run without one.
_FIRST_PAINT = """(limit) => new Promise(resolve => {
  const start = performance.now();
  const tick = () => {
    if (performance.getEntriesByName('first-contentful-paint').length) return resolve(true);
    if (performance.now() - start >= limit) return resolve(false);
    requestAnimationFrame(() => setTimeout(tick, 16));
  };
  tick();
})"""
FIRST_PAINT_WAIT_S = 2.0

_INPUT_LATENCY = """(since) => {
  const s = window.__echotune;
  const timed = s.events.filter(([t]) => t >= since).map(([, d]) => d);
  const raf = s.inputs.filter(([t]) => t >= since).map(([, d]) => d);
  return {timed, raf};
}"""

RESOURCE_TYPES = {"Document": "document", "Script": "script", "Stylesheet": "stylesheet", "Image": "image",
                  "Font": "font", "Media": "media", "XHR": "fetch", "Fetch": "fetch"}


class PageError(Exception):
    """A page could not be measured (timeout, missing selector): a one-line message."""


@dataclass
class RunSample:
    """One load of a page: HTTP status (None without a response), where it ended, its timings (None
    for an error status), bytes per resource type, requests, DOM elements, whether the quiet window
    came, and interaction name -> latency in ms."""

    status: int | None
    final_url: str
    timings: LoadTimings | None = None
    transfer: dict[str, int] = field(default_factory=dict)
    requests: int = 0
    dom_size: int = 0
    settled: bool = True
    interactions: dict[str, float] = field(default_factory=dict)
    failed_requests: list[str] = field(default_factory=list)
    script_errors: list[str] = field(default_factory=list)
    # The media type of a document that is no page (application/json): nothing was measured
    not_page: str = ""


class NetworkLog:
    """Requests, bytes per resource type, how long the network has been quiet, and the requests that
    failed (``failures``: "GET <url> (404)", "GET <url> (CORS: <why>)", in the order they failed)."""

    def __init__(self, cdp: Any) -> None:
        self.inflight: set[str] = set()
        self.types: dict[str, str] = {}
        self.names: dict[str, str] = {}
        self.bytes: dict[str, int] = {}
        self.requests = 0
        self.failures: list[str] = []
        # The status line of each answer as it came off the wire (responseReceivedExtraInfo), the requests
        # whose answer the page was given (responseReceived), and those the browser dropped unanswered:
        # for a stylesheet refused for its MIME type only the first and the last come
        self.statuses: dict[str, int] = {}
        self.answered: set[str] = set()
        self.dropped: dict[str, str] = {}
        self.quiet_since = time.monotonic()
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.responseReceivedExtraInfo", self._status)
        cdp.on("Network.responseReceived", self._response)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.loadingFailed", self._failed)

    def _sent(self, e: dict[str, Any]) -> None:
        if e["requestId"] not in self.inflight and e["requestId"] not in self.types:
            self.requests += 1
        self.inflight.add(e["requestId"])
        self.types[e["requestId"]] = RESOURCE_TYPES.get(e.get("type", "Other"), "other")
        request = e.get("request") or {}
        self.names[e["requestId"]] = f"{request.get('method', 'GET')} {request.get('url', '?')}"
        self._update()

    def _response(self, e: dict[str, Any]) -> None:
        # The document's own status is the page's (an error page is not measured); the browser's own
        # favicon request is not the page's (Chromium asks for /favicon.ico whatever the page links).
        self.answered.add(e["requestId"])
        status = int((e.get("response") or {}).get("status") or 0)
        url = str((e.get("response") or {}).get("url") or "")
        if status >= 400 and e.get("type") != "Document" and not _browser_favicon(e.get("type"), url):
            self.failures.append(f"{self._name(e)} ({status})")

    def _status(self, e: dict[str, Any]) -> None:
        # Each hop of a redirect comes with the same request id: the last status is the answer's. It may come
        # after the request was dropped (the protocol orders it with no other event).
        self.statuses[e["requestId"]] = int(e.get("statusCode") or 0)
        if e["requestId"] in self.dropped:
            self._refused(e["requestId"], self.dropped[e["requestId"]])

    def _refused(self, request: str, kind: str) -> None:
        """A request dropped after an error status the page was never given: Chromium refuses a stylesheet
        whose 404 page is text/html under X-Content-Type-Options: nosniff (Django's SecurityMiddleware sends
        it on every answer) before any responseReceived, then reports the load as canceled, as it does for
        a request the page itself dropped. djangonaut-space's home page lost its whole Tailwind stylesheet
        that way, unsaid."""
        status = self.statuses.get(request, 0)
        url = self.names.get(request, "").partition(" ")[2]
        if status >= 400 and request not in self.answered and kind != "Document" \
                and not _browser_favicon(kind, url):
            self.dropped.pop(request, None)
            self.failures.append(f"{self._name({'requestId': request})} ({status})")

    def _name(self, e: dict[str, Any]) -> str:
        return clean_line(self.names.get(e["requestId"], "GET ?"), 200)

    def _finished(self, e: dict[str, Any]) -> None:
        kind = self.types.get(e["requestId"], "other")
        self.bytes[kind] = self.bytes.get(kind, 0) + int(e.get("encodedDataLength", 0))
        self._done(e)

    def _failed(self, e: dict[str, Any]) -> None:
        if e.get("canceled"):
            # the page (or its navigation) dropped it, no failure of the app, unless an error status came
            self.dropped[e["requestId"]] = str(e.get("type") or "Other")
            self._refused(e["requestId"], self.dropped[e["requestId"]])
        else:
            cors = (e.get("corsErrorStatus") or {}).get("corsError")
            why = (f"CORS: {cors}" if cors else f"blocked: {e['blockedReason']}" if e.get("blockedReason")
                   else str(e.get("errorText") or "failed"))
            self.failures.append(f"{self._name(e)} ({clean_line(why, 100)})")
        self._done(e)

    def _done(self, e: dict[str, Any]) -> None:
        self.inflight.discard(e["requestId"])
        self._update()

    def _update(self) -> None:
        # Lighthouse's network quiet: at most two requests in flight.
        if len(self.inflight) > 2:
            self.quiet_since = float("inf")
        elif self.quiet_since == float("inf"):
            self.quiet_since = time.monotonic()

    def quiet_ms(self) -> float:
        """How long (ms) the network has had at most two requests in flight."""
        if self.quiet_since == float("inf"):
            return 0.0
        return max(0.0, (time.monotonic() - self.quiet_since) * 1000)


def _browser_favicon(kind: Any, url: str) -> bool:
    return kind == "Other" and url.split("?", 1)[0].endswith("/favicon.ico")


class Screencast:
    """Small frames of the viewport while the page loads, for Speed Index."""

    def __init__(self, cdp: Any) -> None:
        self.cdp = cdp
        self.frames: list[tuple[float, str]] = []
        cdp.on("Page.screencastFrame", self._frame)
        cdp.send("Page.startScreencast", {"format": "png", "maxWidth": FRAME_SIZE, "maxHeight": FRAME_SIZE})

    def _frame(self, e: dict[str, Any]) -> None:
        from playwright.sync_api import Error as PlaywrightError

        stamp = e.get("metadata", {}).get("timestamp")
        if stamp:
            self.frames.append((float(stamp), e["data"]))
        with contextlib.suppress(PlaywrightError):  # the page is closing: no more frames wanted
            self.cdp.send("Page.screencastFrameAck", {"sessionId": e["sessionId"]})

    def speed_index(self, time_origin_ms: float) -> float | None:
        """Stop recording; Speed Index of the document that started at *time_origin_ms* (epoch)."""
        self.cdp.send("Page.stopScreencast")
        try:
            frames = [(stamp * 1000 - time_origin_ms, png_histogram(base64.b64decode(data)))
                      for stamp, data in self.frames if stamp * 1000 >= time_origin_ms]
        except ValueError:  # a frame we cannot decode: no Speed Index rather than a wrong one
            return None
        return speed_index(frames)


@dataclass
class Probe:
    """A page and what watches it over the DevTools protocol."""

    page: Any
    cdp: Any
    net: NetworkLog
    screencast: Screencast
    errors: list[str] = field(default_factory=list)


def open_page(context: Any, throttle: Throttle) -> Probe:
    """A new page of Playwright *context* with throttling applied and the probe script installed."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    net = NetworkLog(cdp)
    if throttle.cpu_slowdown > 1:
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": throttle.cpu_slowdown})
    if throttle.network:
        cdp.send("Network.emulateNetworkConditions", throttle.network_conditions())
    page.add_init_script(PROBE)
    probe = Probe(page, cdp, net, Screencast(cdp))
    page.on("pageerror", lambda error: probe.errors.append(_script_error(error)))
    return probe


def _script_error(error: Any) -> str:
    """An uncaught error of the page's script as one line: "TypeError: x is undefined"."""
    message = getattr(error, "message", None)
    # Both are the page's: the first line that says something of each (a name may hold a newline too).
    name, text = _first_line(getattr(error, "name", "")) or "Error", _first_line(
        str(error) if message is None else message)
    return clean_line(f"{name}: {text}" if text else name, 200)


def _first_line(text: Any) -> str:
    return next((line.strip() for line in str(text or "").splitlines() if line.strip()), "")


def load(probe: Probe, url: str, settings: FrontendSettings) -> RunSample:
    """Navigate, wait for load and a quiet window, and read the load metrics.

    Raises PageError (a one-line reason) when the page cannot be measured.
    """
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page, net = probe.page, probe.net

    timeout_ms = settings.navigation_timeout * 1000
    started = time.monotonic()
    try:
        response = page.goto(url, wait_until="commit", timeout=timeout_ms)
    except PlaywrightTimeout:
        raise PageError(f"no response within {settings.navigation_timeout:g}s (navigation timeout)") from None
    except PlaywrightError as exc:
        raise PageError(f"cannot load it ({error_line(exc)})") from None
    status = response.status if response is not None else None
    if status is not None and status >= 400:
        return RunSample(status=status, final_url=page.url)
    media = _media_type(response)
    if media:  # an API's JSON at "/": Chromium shows it in its own viewer, whose page is no page of the app's
        return RunSample(status=status, final_url=page.url, not_page=media)
    left = max(100.0, timeout_ms - (time.monotonic() - started) * 1000)
    try:
        page.wait_for_load_state("load", timeout=left)
    except PlaywrightTimeout:
        raise PageError(
            f"answered {status} but never reached the load event within {settings.navigation_timeout:g}s "
            f"(a resource still loading?)"
        ) from None
    settled, snap = _settle(page, net, settings)
    timings = _timings(snap)
    timings.speed_index_ms = probe.screencast.speed_index(snap["origin"])
    return RunSample(
        status=status,
        final_url=page.url,
        timings=timings,
        transfer=dict(net.bytes),
        requests=net.requests,
        dom_size=int(snap["dom"]),
        settled=settled,
        failed_requests=list(net.failures),
        script_errors=list(probe.errors),
    )


# What a browser renders as a page of the app's; a document without a Content-Type is taken as one
_PAGE_TYPES = ("text/html", "application/xhtml+xml", "")


def _media_type(response: Any) -> str:
    """The media type of *response* ("application/json") when it is no HTML page, else "". A response
    Playwright cannot read the headers of (None, a closed page) counts as a page."""
    from playwright.sync_api import Error as PlaywrightError

    try:
        value = (response.headers.get("content-type", "") if response is not None else "") or ""
    except PlaywrightError:
        return ""
    media = value.split(";", 1)[0].strip().lower()
    return "" if media in _PAGE_TYPES else clean_line(media, 80)


def _settle(page: Any, net: NetworkLog, settings: FrontendSettings) -> tuple[bool, dict[str, Any]]:
    """Wait for the quiet window and read the metrics, following a script redirect after load
    (an app sending logged-out users to its login page, say): the page that stays is measured."""
    from playwright.sync_api import Error as PlaywrightError

    for _ in range(5):
        try:
            settled = _wait_for_quiet(page, net, settings)
            page.evaluate(_FIRST_PAINT, FIRST_PAINT_WAIT_S * 1000)
            return settled, page.evaluate(_SNAPSHOT)
        except PlaywrightError as exc:
            if "context was destroyed" not in str(exc) and "navigat" not in str(exc):
                raise PageError(f"the page broke while being measured ({error_line(exc)})") from None
            page.wait_for_load_state("load", timeout=settings.navigation_timeout * 1000)
    raise PageError("kept navigating after load (more than 5 redirects by script)")


def _wait_for_quiet(page: Any, net: NetworkLog, settings: FrontendSettings) -> bool:
    quiet_ms = settings.quiet_window * 1000
    deadline = time.monotonic() + settings.settle_timeout
    while True:
        state = page.evaluate(_QUIET_STATE)
        cpu_quiet = state["now"] - state["busyUntil"]
        waited = min(cpu_quiet, net.quiet_ms())
        if waited >= quiet_ms:
            return True
        if time.monotonic() >= deadline:
            return False
        page.wait_for_timeout(max(50.0, min(quiet_ms - waited, (deadline - time.monotonic()) * 1000)))


def _timings(snap: dict[str, Any]) -> LoadTimings:
    fcp = snap["fcp"]
    longtasks = [(float(s), float(d)) for s, d in snap["longtasks"]]
    tti = time_to_interactive(fcp, snap["dcl"], longtasks) if fcp is not None else None
    return LoadTimings(
        ttfb_ms=snap["ttfb"],
        fcp_ms=fcp,
        lcp_ms=snap["lcp"] if snap["lcp"] is not None else fcp,
        cls=cls_from_shifts([(float(t), float(v)) for t, v in snap["shifts"]]),
        tbt_ms=total_blocking_time(longtasks, fcp, tti) if fcp is not None and tti is not None else None,
        tti_ms=tti,
    )


def interact(page: Any, ix: InteractionSettings) -> float:
    """Perform one interaction (its ``name`` already resolved); its latency in ms from input to the
    next paint. Raises PageError naming the interaction when it cannot be done or measured."""
    from playwright.sync_api import Error as PlaywrightError

    try:
        return _interact(page, ix)
    except PlaywrightError as exc:
        if "context was destroyed" in str(exc):
            raise PageError(f"interaction '{ix.name}': the {ix.action} on {ix.selector!r} left the page; "
                            f"interactions are measured within one page") from None
        raise PageError(f"interaction '{ix.name}': {error_line(exc)}") from None


def _interact(page: Any, ix: InteractionSettings) -> float:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    timeout_ms = ix.timeout * 1000
    target = page.locator(ix.selector).first
    try:
        target.wait_for(state="visible", timeout=timeout_ms)
    except PlaywrightTimeout:
        raise PageError(
            f"interaction '{ix.name}': selector {ix.selector!r} not found (visible) within {ix.timeout:g}s"
        ) from None
    since = page.evaluate("() => performance.now()")
    try:
        if ix.action == "type":
            target.fill("", timeout=timeout_ms)
            target.press_sequentially(ix.text, timeout=timeout_ms)
        else:
            target.click(timeout=timeout_ms)
    except PlaywrightTimeout:
        raise PageError(f"interaction '{ix.name}': {ix.action} on {ix.selector!r} did not happen within "
                        f"{ix.timeout:g}s (covered or disabled?)") from None
    page.evaluate(_NEXT_FRAME)
    seen = page.evaluate(_INPUT_LATENCY, since)
    latencies = seen["timed"] or seen["raf"]
    if ix.wait_for:
        try:
            page.wait_for_selector(ix.wait_for, timeout=timeout_ms)
        except PlaywrightTimeout:
            raise PageError(f"interaction '{ix.name}': {ix.wait_for!r} did not appear within "
                            f"{ix.timeout:g}s after the {ix.action}") from None
    if not latencies:
        raise PageError(f"interaction '{ix.name}': the {ix.action} on {ix.selector!r} produced no input "
                        f"event")
    return float(max(latencies))


def error_line(exc: BaseException) -> str:
    """The first line of a Playwright error, without its API-call prefix and call log."""
    text = str(exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    return re.sub(r"^\w+\.\w+: ", "", first.split(" at ", 1)[0])
