"""Each load-test user connects from a local address of its own, as k6's ``--local-ips`` does.

A rate limiter counts requests per client address (``express-rate-limit``, ``@fastify/rate-limit``,
django-allauth's login limits, ``flask-limiter``), and every locust user comes from 127.0.0.1: to the
limiter the whole test is one client, refused with 429 within seconds. Real traffic comes from many
addresses. On Linux the whole of 127.0.0.0/8 is the loopback interface, so users spread over
``[load] local_ips`` (say ``127.0.1.1-127.0.1.254``) reach an app on 127.0.0.1 as that many clients.

The address is taken at the socket, not at a client library: the worker wraps ``connect`` and
``connect_ex`` of gevent's socket class (what ``socket.socket`` is once locust has monkey-patched),
so locust's two HTTP clients, a user's own locustfile, the WebSocket and Socket.IO clients and
redirects to another port all connect from the user's address. A socket bound already (a caller's own
``source_address``), one of another address family (an IPv6 target such as ``::1``) or not a stream
socket is left as it is, as is every socket of a greenlet that is no user's (the process's own
reporting).

Parsing lives in the settings (:func:`.settings.parse_local_ips`); this module is imported only in the
locust process.
"""

from __future__ import annotations

import contextlib
import ipaddress
import itertools
import socket
from collections.abc import Callable, Sequence
from typing import Any

# Linux's IP_BIND_ADDRESS_NO_PORT (include/uapi/linux/in.h, since 4.2): the port is chosen at connect(),
# per destination, not at bind(), which would take one ephemeral port per socket for every destination
_BIND_ADDRESS_NO_PORT = getattr(socket, "IP_BIND_ADDRESS_NO_PORT", 24)


class Addresses:
    """The addresses users take in turn: user n of this process (counting from 0, in the order their
    ``on_start`` runs) takes ``addresses[(offset + n * stride) % len(addresses)]``; *stride* is the number
    of locust processes and *offset* this one's place among them, so workers interleave rather than
    repeat one another's addresses."""

    def __init__(self, addresses: Sequence[str], offset: int = 0, stride: int = 1) -> None:
        """*addresses*: IP address strings, at least one."""
        if not addresses:
            raise ValueError("no local address to spread the users over")
        self.addresses = list(addresses)
        self._next = itertools.count()
        self.offset, self.stride = offset, max(1, stride)

    def take(self) -> str:
        """The next user's address."""
        return self.addresses[(self.offset + next(self._next) * self.stride) % len(self.addresses)]


def spread(user_classes: list[type[Any]], addresses: Addresses) -> None:
    """Give each user of *user_classes* its address as it starts (before its own ``on_start``, where a
    login is sent) and make every socket its greenlet opens connect from there."""
    import gevent.local

    current = gevent.local.local()
    for cls in user_classes:
        def on_start(user: Any, _own: Callable[[Any], None] = cls.on_start) -> None:
            # A subclass that inherits a wrapped on_start nests the wrappers: one address per user
            if "_echotune_local_ip" not in user.__dict__:
                user._echotune_local_ip = addresses.take()
            current.address = user._echotune_local_ip
            _own(user)

        cls.on_start = on_start
    install(lambda: getattr(current, "address", None))


def install(address_now: Callable[[], str | None]) -> None:
    """Wrap ``connect`` and ``connect_ex`` of gevent's socket class so that a stream socket of the
    greenlet whose address ``address_now()`` names is bound to it first (once per process)."""
    from gevent import socket as gsocket

    cls = gsocket.socket
    if getattr(cls.connect, "_echotune_local_ips", False):
        return
    own_connect, own_connect_ex = cls.connect, cls.connect_ex

    def connect(sock: Any, address: Any) -> Any:
        bind_for(sock, address_now())
        return own_connect(sock, address)

    def connect_ex(sock: Any, address: Any) -> Any:
        bind_for(sock, address_now())
        return own_connect_ex(sock, address)

    connect._echotune_local_ips = True  # type: ignore[attr-defined]
    cls.connect, cls.connect_ex = connect, connect_ex


def bind_for(sock: Any, address: str | None) -> None:
    """Bind *sock* to *address* (port chosen at connect) when it is an unbound stream socket of the
    address's family; otherwise leave it. OSError when the address cannot be bound (not this machine's)."""
    if address is None or sock.type != socket.SOCK_STREAM:
        return
    family = socket.AF_INET6 if ipaddress.ip_address(address).version == 6 else socket.AF_INET
    if sock.family != family:
        return
    try:
        if sock.getsockname()[1] != 0:
            return  # bound by its caller
    except OSError:
        return
    if family == socket.AF_INET:
        # not Linux, or a kernel before 4.2: a port is taken at bind instead
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_IP, _BIND_ADDRESS_NO_PORT, 1)
    sock.bind((address, 0))
