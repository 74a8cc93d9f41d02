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
"""

from __future__ import annotations

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
    """Whether *host* (a name or an address, IPv6 with or without brackets) is this machine."""
    if not host:
        return False
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_loopback_url(url: str | None) -> bool:
    """Whether *url*'s host is this machine."""
    return bool(url) and is_loopback_host(urlsplit(str(url)).hostname)


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
    return httpx.Client(**kwargs)


def without_proxy_for_loopback(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """A copy of *env* (default os.environ) whose ``NO_PROXY`` and ``no_proxy`` also list the
    loopback names and addresses, so a child's HTTP clients go to the local app directly."""
    out = dict(os.environ if env is None else env)
    current = [e.strip() for e in (out.get("NO_PROXY") or out.get("no_proxy") or "").split(",") if e.strip()]
    merged = ",".join(dict.fromkeys([*current, *NO_PROXY_ENTRIES]))
    out["NO_PROXY"] = out["no_proxy"] = merged
    return out
