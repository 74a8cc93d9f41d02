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

import ast
import json
import re
from collections.abc import Iterator
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
    found in a file} for the app in *folder*, or {} when it has no real-time dependency. Socket.IO adds
    "event" and "event_source": the first event a handler acknowledges (:func:`ack_event`), "" when
    none does."""
    node = _node_deps(folder)
    try:
        from .pydeps import read_python

        py = read_python(folder)
    except Exception:  # noqa: BLE001 - a broken manifest is init's other checks' business
        py = None
    socketio = next((f"package.json: {n}" for n in SOCKETIO_NODE if n in node), "")
    if not socketio and py is not None and py.has(*SOCKETIO_PY):
        socketio = f"Python dependency {next(n for n in SOCKETIO_PY if py.has(n))}"
    if socketio:
        event, where = ack_event(folder)
        return {"protocol": "socketio", "path": "/socket.io", "source": socketio, "guess": "",
                "event": event, "event_source": where}
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
    for rel, text in _sources(folder, suffixes):
        match = pattern.search(text)
        if match:
            found = match.group(1) if pattern.groups else match.group(0)
            return found, f"{rel}:{text.count(chr(10), 0, match.start()) + 1}"
    return "", ""


# Socket.IO's Engine.IO handshake over HTTP long-polling: it answers 200 once the server is up (Socket.IO 2
# to 4 alike), without a WebSocket upgrade
SOCKETIO_HANDSHAKE = "/socket.io/?EIO=4&transport=polling"
# An HTTP route or middleware of any method (app.post('/x'), router.use('/api', ...)), a request handler
# ((req, res) => ...) or files served: what answers a plain GET besides Socket.IO
_HTTP_JS = re.compile(r"""\.\s*(?:get|post|put|patch|delete|all|use|route)\(\s*["'`/]|\(\s*req\s*,\s*res\b|"""
                      r"express\.static|sendFile\(|serve-?static|@fastify/static")


def serves_http(folder: Path) -> bool:
    """Whether the JavaScript code in *folder* answers any HTTP request besides Socket.IO's: a route or
    middleware of any method, a request handler or static files. False for a server that only accepts
    Socket.IO connections (``const io = socket(app.listen(port))``), whose "/" answers 404."""
    return any(_HTTP_JS.search(text) for _, text in _sources(folder, (".js", ".mjs", ".cjs", ".ts")))


def _sources(folder: Path, suffixes: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """("file" relative to *folder*, its text up to 200,000 characters) of the app's source files ending
    in *suffixes*, at most MAX_FILES, in name order."""
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
            yield rel.as_posix(), path.read_text(encoding="utf-8", errors="replace")[:200_000]
        except OSError:
            continue


# socket.on("event", (data, ack) => ...), socket.on('event', async function (data, callback) {...}), with a
# JSDoc comment between: the handler's last parameter is the acknowledgement when it has two or more, on a
# socket (any other emitter's handlers take two arguments too: a Redis subscriber's (channel, message)),
# or on anything when that parameter is named like one
_JS_HANDLER = re.compile(
    r"""(\w+)\s*\.on\(\s*(['"`])([^'"`\n]{1,100})\2\s*,\s*(?:/\*[\s\S]{0,2000}?\*/\s*)*(?:async\s+)?"""
    r"""(?:function\s*\w*\s*\(([^()]*)\)|\(([^()]*)\)\s*=>)""")
# Socket.IO's own events, which a client does not emit
_RESERVED = frozenset({"connect", "connection", "disconnect", "disconnecting", "error", "connect_error",
                       "newListener", "removeListener"})


def ack_event(folder: Path) -> tuple[str, str]:
    """(the first Socket.IO event a handler of the app acknowledges, "file:line"), or ("", ""): a
    JavaScript handler with an acknowledgement parameter (``socket.on("ping", (data, ack) => ...)``), or a
    python-socketio / Flask-SocketIO handler that returns a value (``@sio.on("ping")`` or ``@sio.event``
    on ``def ping(sid, data): return data``), which the server sends back as the acknowledgement. The
    load test's Socket.IO round trip is an emit and its acknowledgement: without one it cannot be
    timed."""
    for rel, text in _sources(folder, _SOURCES):
        found = _python_ack(text) if rel.endswith(".py") else _js_ack(text)
        if found:
            name, offset = found
            return name, f"{rel}:{text.count(chr(10), 0, offset) + 1}"
    return "", ""


_ACK_NAME = re.compile(r"(?i)callback|cb|ack\w*|acknowledge\w*|fn|respond|reply|done")


def _js_ack(text: str) -> tuple[str, int] | None:
    for m in _JS_HANDLER.finditer(text):
        receiver, event = m.group(1), m.group(3)
        params = [p.strip() for p in (m.group(4) if m.group(4) is not None else m.group(5)).split(",")]
        params = [p for p in params if p]
        if len(params) < 2 or event in _RESERVED:
            continue
        if "sock" in receiver.lower() or _ACK_NAME.fullmatch(params[-1].split("=")[0].split(":")[0].strip()):
            return event, m.start()
    return None


def _python_ack(text: str) -> tuple[str, int] | None:
    if ".on(" not in text and ".event" not in text:
        return None
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return None
    offsets = [0]
    for line in text.splitlines(keepends=True):
        offsets.append(offsets[-1] + len(line))
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for decorator in node.decorator_list:
            name = _python_event(decorator, node.name)
            returns = any(isinstance(n, ast.Return) and n.value is not None
                          and not (isinstance(n.value, ast.Constant) and n.value.value is None)
                          for n in ast.walk(node))
            if name and name not in _RESERVED and returns:
                return name, offsets[node.lineno - 1]
    return None


def _python_event(decorator: ast.expr, function: str) -> str:
    """The event a handler's decorator names: ``@sio.on("x")`` -> x, ``@sio.event`` -> the function's
    name; "" for any other decorator."""
    if isinstance(decorator, ast.Attribute) and decorator.attr == "event":
        return function
    if (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)
            and decorator.func.attr == "on" and decorator.args and isinstance(decorator.args[0], ast.Constant)
            and isinstance(decorator.args[0].value, str)):
        return decorator.args[0].value
    return ""
