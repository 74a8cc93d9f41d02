"""Does the app speak WebSocket or Socket.IO? What ``init`` writes as [load.realtime].

Evidence is a runtime dependency: Socket.IO (``socket.io`` in package.json,
``python-socketio`` / ``flask-socketio``) or a plain WebSocket server
(``ws``, ``express-ws``, ``websockets``, ``flask-sock``, ``channels``). The
Socket.IO path is the library's default ``/socket.io``; a WebSocket path is
the first string literal in the app's own sources that looks like one
(``'/ws/now-playing'``), else ``/ws`` with a ``# check:`` note.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

SOCKETIO_NODE = ("socket.io",)
WS_NODE = ("ws", "express-ws", "@fastify/websocket", "uWebSockets.js")
SOCKETIO_PY = ("python-socketio", "flask-socketio")
WS_PY = ("websockets", "flask-sock", "channels", "simple-websocket")
_SOURCES = (".js", ".mjs", ".cjs", ".ts", ".py")
_SKIP = {"node_modules", ".venv", "venv", "dist", "build", ".git", "static", "public", "tests", "test"}
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
    if not source and py is not None and py.has(*WS_PY):
        source = f"Python dependency {next(n for n in WS_PY if py.has(n))}"
    if not source:
        return {}
    path, where = ws_path(folder)
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
    seen = 0
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        hidden = any(part in _SKIP or part.startswith(".") for part in rel.parts[:-1])
        if hidden or path.suffix not in _SOURCES:
            continue
        seen += 1
        if seen > MAX_FILES:
            break
        try:
            text = path.read_text(encoding="utf-8", errors="replace")[:200_000]
        except OSError:
            continue
        match = _WS_PATH.search(text)
        if match:
            return match.group(1), f"{rel.as_posix()}:{text.count(chr(10), 0, match.start()) + 1}"
    return "", ""
