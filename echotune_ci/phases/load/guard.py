"""The allow-list and the request cap on every request a locust process sends, redirects included.

Checking the target once, before the test, is not enough: both of locust's
clients follow redirects on their own (``HttpUser`` through requests,
``FastHttpUser`` through geventhttpclient), and a user's locustfile may
request any absolute URL. So the worker process wraps the two places every
request of those clients passes, each redirect hop included:

* requests: ``Session.send`` (``resolve_redirects`` calls it for every hop)
  and ``Session.rebuild_auth`` (called when a redirect is prepared);
* geventhttpclient: ``UserAgent._urlopen`` (each hop; locust's
  ``LocustUserAgent`` overrides it, so both are wrapped) and
  ``CompatRequest.redirect``.

A request to a host outside the allow-list is not sent: it fails with
:class:`HostRefusedError` (a failed request in locust's statistics, so the
report says which endpoint was redirected where). A redirect to another
origin that is allowed is followed without the request's own headers: both
clients drop ``Authorization`` (and rebuild ``Cookie`` from their cookie jar,
per domain), but they forward every custom header such as ``X-Api-Key``;
here only the headers in :data:`SAFE_HEADERS` cross origins.

The cap: each request sent takes one unit of the process's budget; with the
budget spent, users stop (``StopUser``) before sending anything more, and
``on_spent`` is called once. The budget is the whole ``max_requests`` in one
process; a master splits it between its workers (see the worker module).

The real-time clients (:mod:`.realtime`) open WebSocket connections by other means: they call
:func:`admit` for every connect and every message, so ``ws://`` targets meet the same allow-list
and cap.

This module is imported only in the locust process (it imports requests
and geventhttpclient at the top; locust itself only inside functions).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

import requests
from geventhttpclient import useragent

from .plan import host_allowed

# Headers that may follow a redirect to another origin: what any client sends on its own. The
# cookie header is rebuilt by both clients from their cookie jar, for the new host only; requests
# rebuilds Proxy-Authorization for the proxy of the new URL (it goes to that proxy, not the host).
SAFE_HEADERS = frozenset({"user-agent", "accept", "accept-encoding", "accept-language", "connection",
                          "content-type", "content-length", "transfer-encoding", "cookie", "host",
                          "proxy-authorization"})


class HostRefusedError(ConnectionRefusedError):
    """A request to a host outside the allow-list; it was not sent."""


class RequestsHostRefusedError(requests.exceptions.ConnectionError):
    """:class:`HostRefusedError` as requests' own error type (what locust's HttpSession records)."""


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of *url*, the port filled in for http and https."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    default = {"http": 80, "https": 443, "ws": 80, "wss": 443}.get(scheme)
    return scheme, (parts.hostname or "").lower(), port or default


def _where(url: str) -> str:
    scheme, host, port = origin(url)
    return f"{scheme}://{host}:{port}" if port else f"{scheme}://{host}"


class RequestGuard:
    """The allow-list (fnmatch host patterns) and the request budget of one locust process.

    *budget*: requests this process may still send (0 or None: no cap);
    *on_spent*: called once, when the last unit of the budget is taken.
    """

    def __init__(self, allow: Iterable[str], budget: int | None = None,
                 on_spent: Callable[[], None] | None = None):
        self.allow = tuple(allow)
        self.capped = bool(budget)
        self.left = budget or 0
        self.sent = 0
        self.on_spent = on_spent
        self._spent_told = False

    def limit(self, budget: int) -> None:
        """Lower the budget to *budget* requests in total (a master's share); never raises it."""
        remaining = max(0, budget - self.sent)
        self.left = min(self.left, remaining) if self.capped else remaining
        self.capped = True
        if self.left == 0:
            self._spent()

    def admit(self, url: str, refused: type[Exception]) -> None:
        """Take one unit for a request to *url*, or raise: *refused* for a host outside the allow-list,
        ``StopUser`` when the budget is spent."""
        if not host_allowed(url, self.allow):
            _, host, _ = origin(url)
            raise refused(f"not sent to {_where(url)}: host {host} is not in load.allow_hosts "
                          f"(redirects are followed only to allowed hosts)")
        if self.capped:
            if self.left <= 0:
                self._spent()
                from locust.exception import StopUser

                raise StopUser()
            self.left -= 1
            if self.left == 0:
                self._spent()
        self.sent += 1

    def _spent(self) -> None:
        if not self._spent_told and self.on_spent is not None:
            self._spent_told = True
            self.on_spent()


def strip_cross_origin(headers: Any, before: str, after: str) -> None:
    """Remove from *headers* (a mutable mapping) every header not in :data:`SAFE_HEADERS` when the
    URL *after* a redirect has another origin than *before*."""
    if origin(before) == origin(after):
        return
    for name in list(headers.keys()):
        if str(name).lower() not in SAFE_HEADERS:
            if hasattr(headers, "discard"):
                headers.discard(name)
            else:
                del headers[name]


_installed: dict[str, Any] = {}


def admit(url: str, refused: type[Exception]) -> None:
    """:meth:`RequestGuard.admit` of the installed guard, for connections locust's HTTP clients do not make
    (the real-time clients' ``ws://`` connects and messages); nothing when no guard is installed."""
    guard = _installed.get("guard")
    if guard is not None:
        guard.admit(url, refused)


def install(guard: RequestGuard) -> None:
    """Route every request of requests and geventhttpclient in this process through *guard*.

    Installing again replaces the guard (the wrappers are put in place once).
    """
    _installed["guard"] = guard
    if _installed.get("done"):
        return
    _installed["done"] = True
    from locust.contrib.fasthttp import LocustUserAgent

    session_send = requests.Session.send

    @functools.wraps(session_send)
    def send(self: requests.Session, request: requests.PreparedRequest, **kwargs: Any) -> Any:
        _installed["guard"].admit(request.url or "", RequestsHostRefusedError)
        return session_send(self, request, **kwargs)

    rebuild_auth = requests.Session.rebuild_auth

    @functools.wraps(rebuild_auth)
    def rebuild(self: requests.Session, prepared: requests.PreparedRequest, response: Any) -> None:
        rebuild_auth(self, prepared, response)
        strip_cross_origin(prepared.headers, response.request.url or "", prepared.url or "")

    requests.Session.send = send  # type: ignore[method-assign]
    requests.Session.rebuild_auth = rebuild  # type: ignore[method-assign,assignment]

    for cls in (useragent.UserAgent, LocustUserAgent):
        own = cls.__dict__["_urlopen"]

        def urlopen(self: Any, request: Any, _own: Callable[..., Any] = own) -> Any:
            _installed["guard"].admit(str(request.url), HostRefusedError)
            return _own(self, request)

        cls._urlopen = urlopen  # type: ignore[method-assign]

    redirect = useragent.CompatRequest.redirect

    @functools.wraps(redirect)
    def follow(self: Any, code: int, location: str) -> None:
        before = str(self.url)
        redirect(self, code, location)
        strip_cross_origin(self.headers, before, str(self.url))

    useragent.CompatRequest.redirect = follow  # type: ignore[method-assign]
