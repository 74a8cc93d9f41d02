"""Does the app speak WebSocket or Socket.IO? What ``init`` writes as [load.realtime].

Evidence is a runtime dependency: Socket.IO (``socket.io`` in package.json,
``python-socketio`` / ``flask-socketio``) or a plain WebSocket server
(``ws``, ``express-ws``, ``websockets``, ``flask-sock``, ``channels``). The
Socket.IO path is the library's default ``/socket.io``; a WebSocket path is
the first string literal in the app's own sources that looks like one
(``'/ws/now-playing'``), else ``/ws`` with a ``# check:`` note. ``websockets``
and ``simple-websocket`` count only with code that serves a WebSocket
(``@app.websocket(...)``, ``WebSocketRoute``, ``websockets.serve``): uvicorn's
``[standard]`` extra and flask-sock bring them along, and a frozen
requirements file lists them for every FastAPI app.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from .files import NOT_SOURCE

SOCKETIO_NODE = ("socket.io",)
WS_NODE = ("ws", "express-ws", "@fastify/websocket", "uWebSockets.js")
SOCKETIO_PY = ("python-socketio", "flask-socketio")
WS_PY = ("websockets", "flask-sock", "channels", "simple-websocket")
_SOURCES = (".js", ".mjs", ".cjs", ".ts", ".py")
# Dependencies (a virtualenv by any name: env/, site-packages), builds and tests hold no code of the app's
_SKIP = NOT_SOURCE | {"static", "public", "tests", "test", "site-packages"}
# Dependencies other packages bring along: evidence only beside code that serves a WebSocket
WS_PY_TRANSITIVE = ("websockets", "simple-websocket")
_PY_WS_CODE = re.compile(r"\.websocket(?:_route)?\(|\bWebSocketRoute\(|\bWebSocketEndpoint\b|"
                         r"add_websocket_route|\bwebsockets\.(?:serve|server)\b|\bWebsocketConsumer\b|"
                         r"@sock\.route\(")
_WS_PATH = re.compile(r"""['"](/(?:[\w.-]+/)*(?:ws|websocket|socket|realtime|live)(?:/[\w.-]+)*/?)['"]""")
MAX_FILES = 300


def detect_realtime(folder: Path) -> dict[str, str]:
    """{"protocol": "ws"|"socketio", "path": ..., "source": why, "guess": "yes" when the path was not
    found in a file} for the app in *folder*, or {} when it has no real-time dependency."""
    node = _node_deps(folder)
    try:
        from .pydeps import read_python

        py = read_python(folder)
    except Exception:  # noqa: BLE001 - a broken manifest is init's other checks' business
        py = None
    for name in SOCKETIO_NODE:
        if name in node:
            return {"protocol": "socketio", "path": "/socket.io", "source": f"package.json: {name}",
                    "guess": ""}
    if py is not None and py.has(*SOCKETIO_PY):
        found = next(n for n in SOCKETIO_PY if py.has(n))
        return {"protocol": "socketio", "path": "/socket.io", "source": f"Python dependency {found}",
                "guess": ""}
    source = next((f"package.json: {n}" for n in WS_NODE if n in node), "")
    served = ""  # where the code serves a WebSocket, when only such a dependency says it may
    if not source and py is not None and py.has(*WS_PY):
        found = next(n for n in WS_PY if py.has(n))
        if found in WS_PY_TRANSITIVE and not any(py.has(n) for n in WS_PY if n not in WS_PY_TRANSITIVE):
            served = _first_match(folder, _PY_WS_CODE, (".py",))[1]
            if not served:
                return {}
        source = f"Python dependency {found}"
    if not source:
        return {}
    path, where = ws_path(folder)
    where = where or served
    return {"protocol": "ws", "path": path or "/ws", "source": source if not where else f"{source}, {where}",
            "guess": "" if path else "yes"}


def _node_deps(folder: Path) -> set[str]:
    try:
        data = json.loads((folder / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    deps = data.get("dependencies") if isinstance(data, dict) else None
    return set(deps) if isinstance(deps, dict) else set()


def ws_path(folder: Path) -> tuple[str, str]:
    """(the first WebSocket-looking path literal in the app's sources, "file:line"), or ("", "")."""
    return _first_match(folder, _WS_PATH, _SOURCES)


def _first_match(folder: Path, pattern: re.Pattern[str], suffixes: tuple[str, ...]) -> tuple[str, str]:
    """(the first match of *pattern*'s group 1, else the whole match, in the app's source files ending in
    *suffixes*, "file:line"), or ("", "")."""
    seen = 0
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        hidden = any(part in _SKIP or part.startswith(".") for part in rel.parts[:-1])
        if hidden or path.suffix not in suffixes:
            continue
        seen += 1
        if seen > MAX_FILES:
            break
        try:
            text = path.read_text(encoding="utf-8", errors="replace")[:200_000]
        except OSError:
            continue
        match = pattern.search(text)
        if match:
            found = match.group(1) if pattern.groups else match.group(0)
            return found, f"{rel.as_posix()}:{text.count(chr(10), 0, match.start()) + 1}"
    return "", ""
