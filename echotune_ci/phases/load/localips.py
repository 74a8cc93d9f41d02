"""Each load-test user connects from a local address of its own, as k6's ``--local-ips`` does.

A rate limiter counts requests per client address (``express-rate-limit``, ``@fastify/rate-limit``,
django-allauth's login limits, ``flask-limiter``), and every locust user comes from 127.0.0.1: to the
limiter the whole test is one client, refused with 429 within seconds. Real traffic comes from many
addresses. On Linux the whole of 127.0.0.0/8 is the loopback interface, so users spread over
``[load] local_ips`` (say ``127.0.1.1-127.0.1.254``) reach an app on 127.0.0.1 as that many clients.

The address is taken at the socket, not at a client library: the worker wraps ``connect`` and
``connect_ex`` of gevent's socket class (what ``socket.socket`` is once locust has monkey-patched),
so locust's two HTTP clients, a user's own locustfile, the WebSocket and Socket.IO clients and
redirects to another port all connect from the user's address, as do the greenlets a user spawns (a
locustfile's ``gevent.spawn``, a client's background reader). A name that resolves to both families
(``localhost``: ::1 and 127.0.0.1) is tried in the family of the user's address first. A socket bound
already (a caller's own ``source_address``), one of another address family (an IPv6 target such as
``::1``) or not a stream socket is left as it is, as is every socket of a greenlet that is no user's
(the process's own reporting).

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


def family_of(address: str) -> int:
    """The socket family (``AF_INET`` or ``AF_INET6``) of IP address *address*; ValueError for none."""
    return socket.AF_INET6 if ipaddress.ip_address(address).version == 6 else socket.AF_INET


def spread(user_classes: list[type[Any]], addresses: Addresses) -> None:
    """Give each user of *user_classes* its address as it starts (before its own ``on_start``, where a
    login is sent) and make every socket its greenlet opens connect from there."""
    import weakref

    import gevent

    # The user's greenlet -> its address. Not a gevent.local: a greenlet the user's code spawns (a
    # locustfile's gevent.spawn, a Socket.IO client's background reconnect) starts with a local of its
    # own and connected from 127.0.0.1
    owners: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()
    for cls in user_classes:
        def on_start(user: Any, _own: Callable[[Any], None] = cls.on_start) -> None:
            # A subclass that inherits a wrapped on_start nests the wrappers: one address per user
            if "_echotune_local_ip" not in user.__dict__:
                user._echotune_local_ip = addresses.take()
            owners[gevent.getcurrent()] = user._echotune_local_ip
            _own(user)

        cls.on_start = on_start
    install(lambda: spawned_by(gevent.getcurrent(), owners))


def spawned_by(greenlet: Any, owners: Any) -> str | None:
    """The value *owners* (a mapping keyed by greenlet) holds for *greenlet* or the nearest greenlet
    that spawned it (gevent's ``spawning_greenlet``, kept while ``gevent.config.track_greenlet_tree``);
    None when no greenlet of that line has one (the process's own: the runner, its reporting)."""
    for _ in range(1000):  # a spawn chain is short; the bound only guards against a cycle
        if greenlet is None:
            return None
        found = owners.get(greenlet)
        if found is not None:
            return str(found)
        parent = getattr(greenlet, "spawning_greenlet", None)
        greenlet = parent() if callable(parent) else None
    return None


def prefer_family(infos: list[Any], address: str | None) -> list[Any]:
    """*infos* (``getaddrinfo`` entries, family first) with those of *address*'s family first, in their
    order, then the rest; unchanged for no address. A name that resolves to ::1 and 127.0.0.1 both
    (``localhost`` on most Linux systems) is then connected from the user's IPv4 address, not the
    system's ::1, whenever the app answers on IPv4 (Node's default listen on ``::`` does both)."""
    if address is None:
        return infos
    family = family_of(address)
    return sorted(infos, key=lambda info: info[0] != family)


def install(address_now: Callable[[], str | None]) -> None:
    """Wrap ``connect`` and ``connect_ex`` of gevent's socket class so that a stream socket of the
    greenlet whose address ``address_now()`` names is bound to it first (once per process)."""
    from gevent import socket as gsocket

    cls = gsocket.socket
    if getattr(cls.connect, "_echotune_local_ips", False):
        return
    own_connect, own_connect_ex = cls.connect, cls.connect_ex
    _order_lookups(address_now, gsocket)

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
    family = family_of(address)
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


def _order_lookups(address_now: Callable[[], str | None], gsocket: Any) -> None:
    """Wrap ``getaddrinfo`` where the clients look it up (gevent's socket module, whose
    ``create_connection`` urllib3 and websocket-client reach, and the standard one, which locust has
    patched to gevent's) so a user's lookups list its address's family first (:func:`prefer_family`)."""
    wrapped: dict[int, Callable[..., Any]] = {}
    modules: tuple[Any, ...] = (gsocket, socket)
    for module in modules:
        own = module.getaddrinfo
        if id(own) not in wrapped:
            def getaddrinfo(*args: Any, _own: Callable[..., Any] = own, **kwargs: Any) -> Any:
                return prefer_family(list(_own(*args, **kwargs)), address_now())

            wrapped[id(own)] = getaddrinfo
        module.getaddrinfo = wrapped[id(own)]
