"""Loopback traffic never goes through a proxy.

CI runners often set ``HTTP_PROXY``/``HTTPS_PROXY`` for the internet. httpx
and requests honour them for *every* host unless ``NO_PROXY`` lists it, so
without care the requests to the app under test on 127.0.0.1 (the header
checks, the auth probes with the test account's password and its JWT, the
load test's login) would be sent to the proxy. Every client that can reach
the app uses one of these:

* :func:`httpx_mounts` for an httpx client: loopback hosts mounted on a
  direct transport, everything else as the environment says;
* :func:`without_proxy_for_loopback` for a child process's environment
  (locust workers, the browser): ``NO_PROXY``/``no_proxy`` extended with the
  loopback names and addresses.

A cookie marked ``Secure`` is kept by Python's cookie jars but sent over
https only, where browsers also send it to a loopback address over plain
http (a "potentially trustworthy" origin). An app started with
``NODE_ENV=production`` marks its session cookie so (``secure:
process.env.NODE_ENV === "production"``, Remix's and express-session's
usual setting): the login succeeded and every later request went without
it. A jar that a client uses as it is gets the policy
:class:`LoopbackSecureCookies`, which sends it as a browser would; httpx and
requests copy their cookies into a new jar of the default policy for every
request, so theirs is a :class:`LoopbackCookieJar`, which keeps such a cookie
as one for http too (:func:`client` gives it to httpx).
"""

from __future__ import annotations

import http.cookiejar
import ipaddress
import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
# What NO_PROXY gets: names, the IPv6 literal in both spellings, and the whole 127/8 block (the auth
# probe's rate-limit client connects from 127.0.0.2).
NO_PROXY_ENTRIES = ("127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.0/8")
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


def is_loopback_host(host: str | None) -> bool:
    """Whether *host* (a name or an address, IPv6 with or without brackets) is this machine. The unspecified
    address is: a connection to 0.0.0.0 (or ::) reaches this machine's listeners, and an app's own log
    says "Running on http://0.0.0.0:8000", which users copy into [api] url."""
    if not host:
        return False
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def is_loopback_url(url: str | None) -> bool:
    """Whether *url*'s host is this machine."""
    return bool(url) and is_loopback_host(urlsplit(str(url)).hostname)


class LoopbackSecureCookies(http.cookiejar.DefaultCookiePolicy):
    """A cookie policy that also returns ``Secure`` cookies to a loopback host over plain http, as
    browsers do; for any other host it is Python's default policy (such a cookie only over https)."""

    def return_ok_secure(self, cookie: http.cookiejar.Cookie, request: Any) -> bool:
        """Whether *cookie* may go with *request* (a :class:`urllib.request.Request` or a client's
        compatible wrapper) as far as its ``Secure`` flag goes."""
        if cookie.secure and request.type == "http" and is_loopback_url(request.get_full_url()):
            return True
        return bool(super().return_ok_secure(cookie, request))


def sendable_over_http(cookie: http.cookiejar.Cookie) -> http.cookiejar.Cookie:
    """*cookie*, its ``Secure`` flag cleared when its domain is a loopback host (``127.0.0.1``, the
    jar's ``localhost.local``): what a browser sends there over http too. Other cookies are unchanged."""
    host = cookie.domain.lstrip(".").removesuffix(".local")
    if cookie.secure and is_loopback_host(host):
        cookie.secure = False
    return cookie


class LoopbackCookieJar(http.cookiejar.CookieJar):
    """A cookie jar that keeps a ``Secure`` cookie a loopback host set as one to send it over plain http
    (:func:`sendable_over_http`); the copies httpx makes for each request keep that."""

    def set_cookie(self, cookie: http.cookiejar.Cookie) -> None:
        """Keep *cookie* (as :meth:`http.cookiejar.CookieJar.set_cookie`), sendable over http to a
        loopback host."""
        super().set_cookie(sendable_over_http(cookie))


def loopback_secure_cookies(jar: Any) -> None:
    """Give cookie *jar* (an :class:`http.cookiejar.CookieJar`: httpx's ``client.cookies.jar``,
    requests' session cookies, FastHttpSession's ``cookiejar``) the :class:`LoopbackSecureCookies`
    policy; a jar of another kind (None, a user's own object) is left as it is."""
    if isinstance(jar, http.cookiejar.CookieJar):
        jar.set_policy(LoopbackSecureCookies())


def httpx_mounts(url: str | None = None, **transport: Any) -> dict[str, Any]:
    """httpx ``mounts=`` that send loopback hosts (and *url*'s host, when it is one) straight to the
    server, never through a proxy from the environment. *transport* keyword arguments (e.g.
    ``local_address``) go to the direct :class:`httpx.HTTPTransport`."""
    import httpx

    direct = httpx.HTTPTransport(**transport)
    hosts = ["127.0.0.1", "localhost", "[::1]"]
    host = urlsplit(url).hostname if url else None
    if host and is_loopback_host(host) and host not in ("127.0.0.1", "localhost", "::1"):
        hosts.append(f"[{host}]" if ":" in host else host)
    return {f"all://{h}": direct for h in hosts}


def client(base_url: str = "", **kwargs: Any) -> Any:
    """An httpx.Client (arguments as httpx's) that never uses a proxy for loopback hosts; a loopback
    *base_url* gets no environment proxy at all (``trust_env=False``)."""
    import httpx

    if base_url and is_loopback_url(base_url):
        kwargs.setdefault("trust_env", False)
    if "transport" not in kwargs:  # httpx uses no environment proxy with a caller's own transport
        kwargs.setdefault("mounts", httpx_mounts(base_url))
    if base_url:
        kwargs["base_url"] = base_url
    kwargs.setdefault("cookies", LoopbackCookieJar())  # the api phase's session login and flows
    return httpx.Client(**kwargs)


def without_proxy_for_loopback(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """A copy of *env* (default os.environ) whose ``NO_PROXY`` and ``no_proxy`` also list the
    loopback names and addresses, so a child's HTTP clients go to the local app directly."""
    out = dict(os.environ if env is None else env)
    current = [e.strip() for e in (out.get("NO_PROXY") or out.get("no_proxy") or "").split(",") if e.strip()]
    merged = ",".join(dict.fromkeys([*current, *NO_PROXY_ENTRIES]))
    out["NO_PROXY"] = out["no_proxy"] = merged
    return out
