"""A server URL said in a message without its credentials.

Database and Redis URLs carry a password (``postgresql://app:pw@db:5432/app``), and what the warnings
and errors say of them reaches the console, the report and the pull-request comment. A parser's
authority ends at the first ``/``, ``?`` or ``#`` (RFC 3986), so a password with one of those left
unencoded, as ``openssl rand -base64`` secrets often have (``redis://:12345/abc@host:6379/0``), was read
as a port and a path, and ``urlsplit``'s hostname, port and path put the password into the message.
Here everything up to the URL's last ``@`` is taken for the user and password: a host, port or database
name has no ``@``, so what comes before the last one is user information or a mistyped part of it, and
at worst a path's own ``@`` hides more than it needed to.

One value can list several servers: kombu's failover list ``redis://h1/0;redis://h2/0`` (it uses the
first, the others when that one fails), Celery's Redis Sentinels ``sentinel://:pw@h1:26379;sentinel://:pw@
h2:26379``, Django's RedisCache ``LOCATION`` split at ``,`` or ``;`` (it writes to the first, reads from
the others). Read as one URL, the last ``@`` was the last URL's: ``redis://:a@h1:6379/6;redis://:b@h2:6379/7``
was said to be ``redis://h2:6379/7`` where kombu queued into h1's database 6 (kombu 5.7.0 on a real
server). :func:`url_list` splits such a value; :func:`location` reads its first URL.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
# A "," or ";" that starts the next URL of a list: only before another scheme://, so that a password's or
# a query's own "," or ";" splits nothing
_NEXT_URL = re.compile(r"\s*[,;]\s*(?=[A-Za-z][A-Za-z0-9+.-]*://)")


class Location(NamedTuple):
    """Where a server URL points: scheme, ``host[:port]`` (an IPv6 host in its brackets) and path, never
    user, password, query or fragment (a query can hold ``password=``)."""

    scheme: str
    host: str
    path: str

    def __str__(self) -> str:
        return f"{self.scheme}://{self.host}{self.path}"


def url_list(value: str) -> list[str]:
    """The URLs of *value*, a list of them split at ``,`` or ``;`` (see above), or [*value*]."""
    return _NEXT_URL.split(value.strip()) if _SCHEME.match(value.strip()) else [value]


def each_url(value: str, change: Callable[[str], str]) -> str:
    """*value* with each URL of its list (:func:`url_list`) replaced by *change* of it, the separators
    between them kept as written (kombu splits at ";", Django's cache at either)."""
    if not _SCHEME.match(value.strip()):
        return change(value)
    parts = re.split(f"({_NEXT_URL.pattern})", value.strip())
    return "".join(change(part) if i % 2 == 0 else part for i, part in enumerate(parts))


def location(url: str) -> Location | None:
    """The :class:`Location` of *url* (of its first URL where it lists several: the one kombu connects
    to, the one Django's cache writes to); None when it is no ``scheme://`` URL."""
    url = url_list(url)[0]
    match = _SCHEME.match(url)
    if not match:
        return None
    rest = url[match.end():].rsplit("@", 1)[-1]
    rest = re.split(r"[?#]", rest, maxsplit=1)[0]
    slash = rest.find("/")
    host, path = (rest, "") if slash < 0 else (rest[:slash], rest[slash:])
    return Location(match.group(1), host, path)


def said_url(value: str) -> str:
    """A setting's server URL *value* as a message may say it, without user, password, query or fragment:
    :func:`location`'s ``scheme://host:port/path``, and for a value without a scheme (``[load] host =
    "app:pw@10.0.0.5:8000"``, one with a space before it) the same rule: what follows its last ``@``, up
    to a ``?`` or ``#``. Such a value was printed whole."""
    place = location(value.strip())
    if place is not None:
        return str(place)
    return re.split(r"[?#]", value.strip().rsplit("@", 1)[-1], maxsplit=1)[0]


def query_value(url: str, name: str) -> str:
    """The value of query parameter *name* in *url* (after its last ``@``, so no password's ``?``; of its
    first URL where it lists several), "" when it has none."""
    rest = url_list(url)[0].rsplit("@", 1)[-1].split("#", 1)[0]
    if "?" not in rest:
        return ""
    for pair in rest.split("?", 1)[1].split("&"):
        key, _, value = pair.partition("=")
        if key == name:
            return value
    return ""
