"""Moves a server's listen from the port it always uses to the one it was given.

Python imports this module at start when PYTHONPATH names its folder, as
`echotune-ci run --base-ref` does for a build it serves beside another on
the port both always listen on (``[serve] port`` fixed). ECHOTUNE_PORT_MAP
is ``"FROM:TO"``: binding an IPv4 or IPv6 socket to port FROM binds it to TO
instead, and connecting one to port FROM of this machine connects to TO, so
that the build reaches its own server (a page that fetches its own API on
``localhost:FROM`` got the other build's answers). The move is made in the
class every socket of Python code derives from, ``_socket.socket``, before
:mod:`socket` is imported: servers of the standard library (Werkzeug,
gunicorn, aiohttp, Tornado, asyncio's event loop, uvloop's, which binds a
:class:`socket.socket` too) and of gevent and eventlet, whose sockets are not
:class:`socket.socket`, are moved alike. uvloop's connections are made in C
(libuv) and are not moved. The ``sitecustomize`` this one shadows, if any, runs after.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import re
import sys
from typing import Any

# A connect to one of these reaches this machine; any other host is another service that may use FROM
# ("" and "0.0.0.0" are this machine's addresses to connect, "::" too)
_LOOPBACK = re.compile(r"|localhost|0\.0\.0\.0|::1?|(::ffff:)?127(\.\d+){3}", re.I)


def _move(source: int, target: int) -> None:
    import _socket

    original: Any = _socket.socket
    families = (_socket.AF_INET, getattr(_socket, "AF_INET6", _socket.AF_INET))

    def moved(sock: Any, address: Any, connecting: bool) -> Any:
        if (sock.family in families and isinstance(address, tuple) and len(address) >= 2
                and address[1] == source
                and (not connecting or (isinstance(address[0], str) and _LOOPBACK.fullmatch(address[0])))):
            return (address[0], target, *address[2:])
        return address

    class socket(original):
        __slots__ = ()

        def bind(self, address: Any) -> None:
            original.bind(self, moved(self, address, False))

        def connect(self, address: Any) -> None:
            original.connect(self, moved(self, address, True))

        def connect_ex(self, address: Any) -> int:
            return int(original.connect_ex(self, moved(self, address, True)))

    _socket.socket = socket  # type: ignore[misc]
    imported = sys.modules.get("socket")
    if imported is not None:  # a .pth file imported it before this ran: its class derives from the original
        for name in ("bind", "connect", "connect_ex"):
            setattr(imported.socket, name, getattr(socket, name))


def _shadowed() -> None:
    """Run the ``sitecustomize`` that a later folder of sys.path holds (a distribution's own)."""
    here = os.path.dirname(os.path.abspath(__file__))
    path = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", path)
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    sys.modules["sitecustomize"] = module
    spec.loader.exec_module(module)


_mapping = re.fullmatch(r"(\d{1,5}):(\d{1,5})", os.environ.get("ECHOTUNE_PORT_MAP", ""))
if _mapping:
    _move(int(_mapping.group(1)), int(_mapping.group(2)))
_shadowed()
