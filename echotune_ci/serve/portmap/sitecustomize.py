"""Moves a server's listen from the port it always uses to the one it was given.

Python imports this module at start when PYTHONPATH names its folder, as
`echotune-ci run --base-ref` does for a build it serves beside another on
the port both always listen on (``[serve] port`` fixed). ECHOTUNE_PORT_MAP
is ``"FROM:TO"``: binding an IPv4 or IPv6 socket to port FROM binds it to TO
instead. Servers that bind through :mod:`socket` are moved (Werkzeug,
gunicorn, aiohttp, Tornado, asyncio's event loop); one that binds in C
(uvloop) is not. The ``sitecustomize`` this one shadows, if any, runs after.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import re
import socket
import sys
from typing import Any


def _move(source: int, target: int) -> None:
    bind = socket.socket.bind

    def moved(self: socket.socket, address: Any) -> None:
        if (self.family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple)
                and len(address) >= 2 and address[1] == source):
            address = (address[0], target, *address[2:])
        bind(self, address)

    socket.socket.bind = moved  # type: ignore[method-assign,assignment]


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
