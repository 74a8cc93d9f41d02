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
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from .calltext import split_top_level
from .files import NOT_SOURCE, python_module, read_text
from .jsbrackets import bracketed

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
    none does, "namespace": the Socket.IO namespace that handler is in ("/" by default), "event_returns":
    "yes" when its handler returns a value ("" for a Python handler acknowledged with nothing), "message_key":
    the key of the data it reads first ("" for none), and "legacy": what says the server is one of
    Engine.IO 3 (package.json's range of a Socket.IO 1 or 2 server, a requirement of python-socketio or
    Flask-SocketIO 4 or older), which the load test's client cannot speak to."""
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
        ack = ack_event(folder)
        path, where = socketio_path(folder)
        if where:
            socketio = f"{socketio}, {where}"
        detected = {"protocol": "socketio", "path": path, "source": socketio, "guess": "",
                    "event": ack.event, "event_source": ack.where, "namespace": ack.namespace,
                    "event_returns": "yes" if ack.returns else "", "message_key": ack.key}
        old = _node_range(folder, "socket.io")
        if old:
            detected["legacy"] = f"package.json: socket.io {old} is Socket.IO 2 or older"
        elif py is not None and (pinned := _python_engineio3(folder, py.files)):
            detected["legacy"] = pinned
        return detected
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
    route = channels_route(folder) if py is not None and py.has("channels") else None
    if route is not None:
        channel = {"protocol": "ws", "path": route.path, "source": f"{source}, {route.where}", "guess": "",
                   "filled": route.filled}
        if route.message:
            channel.update(message=route.message, reply=route.reply, message_source=route.message_source)
        return channel
    path, where = ws_path(folder)
    where = where or served
    return {"protocol": "ws", "path": path or "/ws", "source": source if not where else f"{source}, {where}",
            "guess": "" if path else "yes"}


@dataclass(frozen=True)
class ChannelsRoute:
    """A WebSocket route of a Django Channels app, as a path a client can open.

    path: ``/ws/chat/echotune/`` (a leading slash added; each parameter given a sample value); where:
    "file:line"; filled: the parameters given a value, as written (``<str:room>``), "" when none;
    message: a JSON message carrying ``{id}`` in the first key its consumer's ``receive`` reads
    (``{"message": "{id}"}``), "" when none was found; message_source: "file:line" of that read; reply:
    what its answer holds (:func:`consumer_key`)."""

    path: str
    where: str
    filled: str = ""
    message: str = ""
    message_source: str = ""
    reply: str = "{id}"


# A module routing Channels' websocket protocol: the tutorial's websocket_urlpatterns, or a URLRouter([...])
_CHANNELS_MARK = re.compile(r"\bwebsocket_urlpatterns\b|\bURLRouter\(")
_CHANNELS_CALL = re.compile(r"""\b(re_path|path|url)\(\s*r?(['"])(.*?)\2\s*,\s*([\w.]+)""")
_PATH_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
_SAMPLES = ("echotune", "1")


def channels_route(folder: Path) -> ChannelsRoute | None:
    """The first WebSocket route of the Django Channels app in *folder* that a client can open without a
    value of its own (the first route when every one takes a parameter, with sample values), or None.

    Channels routes are written as Django's are, without the leading slash (``path("ws/chats/", ...)``,
    ``re_path(r"ws/chat/(?P<room_name>\\w+)/$", ...)``, ``url(r"^ws$", ...)``), in a module that names
    ``websocket_urlpatterns`` or calls ``URLRouter``; the path literals :func:`ws_path` looks for start with
    one, so a Channels chat was measured on a guessed ``/ws`` that no route answers."""
    routes: list[tuple[str, str, str, str]] = []  # (path, "file:line", parameters filled, consumer)
    for rel, text in _sources(folder, (".py",)):
        if not _CHANNELS_MARK.search(text):
            continue
        for m in _CHANNELS_CALL.finditer(text):
            converted = _route_path(m.group(1), m.group(3))
            if converted is not None:
                # consumers.ChatConsumer.as_asgi() (Channels 3 and 4), consumers.ChatConsumer (2)
                consumer = m.group(4).removesuffix(".as_asgi").split(".")[-1]
                routes.append((converted[0], f"{rel}:{text.count(chr(10), 0, m.start()) + 1}", converted[1],
                               consumer))
    if not routes:
        return None
    path, where, filled, consumer = next((r for r in routes if not r[2]), routes[0])
    key, reply, key_where = consumer_key(folder, consumer)
    message = json.dumps({key: "{id}"}) if key else ""
    return ChannelsRoute(path, where, filled, message, key_where, reply)


def _route_path(kind: str, pattern: str) -> tuple[str, str] | None:
    """(the path a client opens for a route, its parameters as written joined by ", "), or None when a
    regular expression's path cannot be written out (alternatives, character classes outside a group)."""
    if kind == "path":
        filled = ", ".join(m.group(0) for m in _PATH_PARAM.finditer(pattern))
        path = _PATH_PARAM.sub(lambda m: "1" if m.group(1) == "int" else "echotune", pattern)
        return "/" + path.lstrip("/"), filled
    body = pattern[1:] if pattern.startswith("^") else pattern
    body = body[:-1] if body.endswith("$") and not body.endswith("\\$") else body
    out: list[str] = []
    groups: list[str] = []
    i = 0
    while i < len(body):
        if body[i] == "(":
            end = _group_end(body, i)
            if end < 0:
                return None
            group = body[i:end + 1]
            inner = re.sub(r"^\((?:\?P<\w+>|\?:)?", "(", group)
            sample = next((s for s in _SAMPLES if _fullmatch(inner, s)), None)
            if sample is None:
                return None
            out.append(sample)
            groups.append(group)
            i = end + 1
        elif body[i] == "\\" and i + 1 < len(body) and not body[i + 1].isalnum():
            out.append(body[i + 1])
            i += 2
        elif body[i] == "?" and out and out[-1] == "/":
            out.pop()  # "/?": the slash is optional; Channels' own routes end without it then
            i += 1
        elif body[i] in "\\[]{}|*+?.":
            return None
        else:
            out.append(body[i])
            i += 1
    path = "".join(out)
    if not _fullmatch(body, path):
        return None
    return "/" + path.lstrip("/"), ", ".join(groups)


def _group_end(text: str, start: int) -> int:
    """The index of the parenthesis closing the group opened at *start*, or -1."""
    depth = 0
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0:
            return i
        i += 1
    return -1


def _fullmatch(pattern: str, text: str) -> bool:
    try:
        return re.fullmatch(pattern, text) is not None
    except re.error:
        return False


def consumer_key(folder: Path, consumer: str) -> tuple[str, str, str]:
    """(the first key the ``receive`` or ``receive_json`` of the Channels consumer class *consumer* reads
    from the message it was sent, what its answer holds, "file:line" of the read), or ("", "", "") when no
    such class or read is found.

    A read is a subscript or ``.get`` of the parsed message: ``json.loads(text_data)["message"]``, ``data =
    json.loads(text_data); data.get("type")``, or the ``content`` of ``receive_json(self, content)``. The
    Channels tutorial's consumer reads ``"message"`` and sends the text back to the room (through a group
    and a handler), which a message of its own shape with ``{id}`` in it times: the answer holds ``{id}``.
    A ``receive`` that answers itself with an object of other data (``self.send(text_data=json.dumps(
    {"contacts": found}))``) is answered by a text holding its first key, ``"contacts"``. The default
    ``{"type": "ping", ...}`` failed such consumers with a KeyError."""
    if not consumer:
        return "", "", ""
    for rel, text in _sources(folder, (".py",)):
        if f"class {consumer}" not in text:
            continue
        tree = python_module(text)
        if tree is None:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.name == consumer:
                key, reply, line = _receive_key(node)
                if key:
                    return key, reply, f"{rel}:{line}"
    return "", "", ""


def _receive_key(cls: ast.ClassDef) -> tuple[str, str, int]:
    for method in cls.body:
        if not isinstance(method, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if method.name not in ("receive", "receive_json"):
            continue
        args = [a.arg for a in method.args.args[1:]]
        # the parsed message: receive_json's first argument, or what json.loads(...) was assigned to
        names = {args[0]} if method.name == "receive_json" and args else set()
        for node in ast.walk(method):
            if isinstance(node, ast.Assign) and _loads(node.value):
                names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        for node in ast.walk(method):
            key = _read_key(node, names)
            if key:
                return key, _reply(method, names), getattr(node, "lineno", method.lineno)
    return "", "", 0


def _reply(method: ast.FunctionDef | ast.AsyncFunctionDef, names: set[str]) -> str:
    """What the answer of a consumer's *method* holds: ``"key"``, the first key of an object it sends
    itself whose values carry nothing of the message read (*names*, or a variable given a read of it);
    else ``{id}`` (the text sent comes back, or the answer goes through a group's handler)."""
    carried = set(names)
    for node in ast.walk(method):
        if isinstance(node, ast.Assign) and any(_read_key(n, names) for n in ast.walk(node.value)):
            carried |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    for node in ast.walk(method):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("send", "send_json")):
            continue
        payload = [*node.args, *(k.value for k in node.keywords)]
        objects = [n for p in payload for n in ast.walk(p) if isinstance(n, ast.Dict)]
        if not objects or not objects[0].keys:
            continue
        first = objects[0].keys[0]
        echoes = any(isinstance(n, ast.Name) and n.id in carried
                     for value in objects[0].values for n in ast.walk(value))
        if not echoes and isinstance(first, ast.Constant) and isinstance(first.value, str):
            return json.dumps(first.value)
    return "{id}"


def _loads(node: ast.AST) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "loads")


def _read_key(node: ast.AST, names: set[str]) -> str:
    """The string key *node* reads from the parsed message (a name of *names*, or ``json.loads(...)``
    itself): ``data["k"]`` or ``data.get("k")``; "" otherwise."""
    def parsed(value: ast.AST) -> bool:
        return (isinstance(value, ast.Name) and value.id in names) or _loads(value)

    if isinstance(node, ast.Subscript) and parsed(node.value):
        key = node.slice
        return key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else ""
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get"
            and parsed(node.func.value) and node.args and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)):
        return node.args[0].value
    return ""


# A version range of Socket.IO 1 or 2 ("2.3.0", "^2.4.0", "~1.7", "2.x"): the Engine.IO 3 protocol, which the
# load test's client (python-socketio 5: Socket.IO 3 and 4 only) does not speak
_SOCKETIO_2 = re.compile(r"^\s*[\^~=v]*\s*[0-2](?:\.|\s*$)")


def _node_range(folder: Path, name: str) -> str:
    """The range package.json's dependencies give *name* when it is a Socket.IO 1 or 2 one (see _SOCKETIO_2),
    else ""."""
    try:
        data = json.loads(read_text(folder / "package.json", 2_000_000))
    except ValueError:
        return ""
    deps = data.get("dependencies") if isinstance(data, dict) else None
    spec = deps.get(name) if isinstance(deps, dict) else None
    return spec if isinstance(spec, str) and _SOCKETIO_2.match(spec) else ""


# A Python requirement of a Socket.IO server that speaks Engine.IO 3: python-socketio and Flask-SocketIO 4
# or older ("python-socketio==4.3.0", "Flask-SocketIO~=4.2", "python_socketio<5")
_PY_SOCKETIO_4 = re.compile(r"(?im)^\s*((?:python|flask)[-_.]socketio)\s*"
                            r"(?:(?:==|~=|<=)\s*[0-4](?:\.[\w.*]*)?|<\s*[1-5](?:\.0)*)\s*(?:[;#].*)?$")


def _python_engineio3(folder: Path, files: list[str]) -> str:
    """"requirements.txt: python-socketio==4.3.0 is python-socketio 4 or older" for the first requirements
    file that pins a Socket.IO server of Engine.IO 3 (:data:`_PY_SOCKETIO_4`), else "": flack's v0.16
    (Flask-SocketIO 4.2.0, python-socketio 4.3.0), whose clients python-socketio 5 cannot connect to."""
    for name in files:
        m = _PY_SOCKETIO_4.search(read_text(folder / name, 2_000_000))
        if m:
            package = m.group(1).lower().replace("_", "-").replace(".", "-")
            return f"{name}: {m.group(0).strip()} is {package} 4 or older"
    return ""


def _node_deps(folder: Path) -> set[str]:
    try:
        data = json.loads(read_text(folder / "package.json", 2_000_000))
    except ValueError:
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
        text = read_text(path, 200_000)
        if text:
            yield rel.as_posix(), text


# socket.on("event", (data, ack) => ...), socket.on('event', async function (data, callback) {...}), with a
# JSDoc comment between: the handler's last parameter is the acknowledgement when it has two or more, on a
# socket (any other emitter's handlers take two arguments too: a Redis subscriber's (channel, message)),
# or on anything when that parameter is named like one. The match ends at the parameter list's "(", which
# is read to its closing bracket: TypeScript's `(data: string, ack: (r: string) => void) =>` nests one
_JS_HANDLER = re.compile(
    r"""(\w+)\s*\.on\(\s*(['"`])([^'"`\n]{1,100})\2\s*,\s*(?:/\*[\s\S]{0,2000}?\*/\s*)*(?:async\s+)?"""
    r"""(function\b\s*\w*\s*)?\(""")
# what makes a parenthesised list an arrow function's parameters: `=>`, after a return type if any
_ARROW = re.compile(r"\s*(?::[^=;{}()]{1,200}?)?=>")
# a generic's type arguments (Map<string, number>), innermost first; their commas part no parameters
_GENERIC = re.compile(r"<[^<>]*>")
# Socket.IO's own events, which a client does not emit
_RESERVED = frozenset({"connect", "connection", "disconnect", "disconnecting", "error", "connect_error",
                       "newListener", "removeListener"})


class Ack(NamedTuple):
    """A Socket.IO event a handler of the app acknowledges: its name, "file:line" of the handler, the
    namespace the handler is in (``"/"``, Socket.IO's default, unless the app names another), whether the
    handler returns a value (False: a Python handler acknowledged with nothing once it has run) and the key
    of the data it reads first (``"msg"`` for ``message['msg']``; "" when it reads none)."""

    event: str
    where: str
    namespace: str = "/"
    returns: bool = True
    key: str = ""


def socketio_path(folder: Path) -> tuple[str, str]:
    """(the path the app's Python Socket.IO server answers on, "file:line" where the code gives it; "" for
    the default ``/socket.io``): python-socketio's ``socketio.ASGIApp(sio, socketio_path="ws/socket.io")``
    (``WSGIApp`` too), Flask-SocketIO's ``SocketIO(app, path="/chat/socket.io")`` or ``init_app(app,
    path=...)``, or a Node server's ``new Server(http, { path: "/rt/" })`` (``require("socket.io")(http,
    {...})`` too). Each library takes it with or without its slashes; the load test's clients connected
    to ``/socket.io`` and got 404 from such a server."""
    for rel, text in _sources(folder, _SOURCES):
        if not rel.endswith(".py"):
            if "socket.io" in text and (found := _js_path(text)):
                return "/" + found[0].strip("/"), f"{rel}:{text.count(chr(10), 0, found[1]) + 1}"
            continue
        if "path" not in text or "socket" not in text.lower():
            continue
        tree = python_module(text)
        for node in ast.walk(tree) if tree is not None else ():
            if not isinstance(node, ast.Call):
                continue
            named = _dotted(node.func)
            # Flask-SocketIO's SocketIO(...) and its init_app (socketio.init_app, sio.init_app)
            flask = named.endswith("SocketIO") or (named.endswith(".init_app")
                                                   and ("sio" in named.lower() or "socket" in named.lower()))
            for keyword in node.keywords:
                if ((keyword.arg == "socketio_path" or (keyword.arg == "path" and flask))
                        and isinstance(keyword.value, ast.Constant) and isinstance(keyword.value.value, str)
                        and keyword.value.value.strip("/")):
                    return "/" + keyword.value.value.strip("/"), f"{rel}:{node.lineno}"
    return "/socket.io", ""


# socket.io's server made with its options: new Server(http, {...}), require("socket.io")(http, {...})
_JS_SERVER = re.compile(r"""\bnew\s+(?:[\w$]+\.)?Server\s*\(|\brequire\(\s*['"]socket\.io['"]\s*\)\s*\(""")
_JS_PATH = re.compile(r"""\bpath\s*:\s*(['"`])(/?[^'"`\s$]+)\1""")


def _js_path(text: str) -> tuple[str, int] | None:
    """(the ``path`` option a socket.io server is made with in *text*, its offset), None when none is."""
    for m in _JS_SERVER.finditer(text):
        options = bracketed(text, m.end() - 1)
        found = _JS_PATH.search(options)
        if found and found.group(2).strip("/"):
            return found.group(2), m.end() + found.start()
    return None


def ack_event(folder: Path) -> Ack:
    """The Socket.IO event the load test's round trip should time, or ``Ack("", "")`` when no handler of
    the app acknowledges one: a JavaScript handler with an acknowledgement parameter
    (``socket.on("ping", (data, ack) => ...)``), a python-socketio / Flask-SocketIO handler that returns a
    value (``@sio.on("ping")`` or ``@sio.event`` on ``def ping(sid, data): return data``, or a class-based
    namespace's ``on_ping`` method), else the first Python handler of any event: python-socketio
    acknowledges every event a handler took once it returns, with what it returned (nothing for None), so
    Flask-SocketIO-Chat's ``text`` handler, which only emits to its room, answered a client's
    ``call('text', {'msg': ...})`` within 47 ms — and timed out on a message without its ``msg`` (the
    handler's KeyError sends no acknowledgement): :attr:`Ack.key` says what the message must carry. The
    load test's Socket.IO round trip is an emit and its acknowledgement: without one it cannot be timed.

    The handler's namespace comes with it: an event is delivered only to the namespace it is emitted in,
    and Flask-SocketIO-Chat's ``@socketio.on('ping', namespace='/chat')``, emitted on "/", timed out on
    every message (5 connects, 20 of 20 messages failed). It is the decorator's ``namespace`` (Flask-SocketIO
    also takes it as the second argument), the namespace a class-based handler's class is registered with
    (``sio.register_namespace(Chat("/chat"))``, Flask-SocketIO's ``socketio.on_namespace(...)``), or the
    ``io.of("/chat")`` whose connection handler a JavaScript handler is set up in."""
    sources = list(_sources(folder, _SOURCES))
    handled: Ack | None = None  # the first Python handler that returns nothing
    for rel, text in sources:
        if rel.endswith(".py"):
            for name, offset, namespace, returns, key in _python_handlers(text, sources):
                ack = Ack(name, f"{rel}:{text.count(chr(10), 0, offset) + 1}", namespace, returns, key)
                if returns:
                    return ack
                handled = handled or ack
        elif found := _js_ack(text):
            name, offset, namespace = found
            return Ack(name, f"{rel}:{text.count(chr(10), 0, offset) + 1}", namespace)
    return handled or Ack("", "")


_ACK_NAME = re.compile(r"(?i)callback|cb|ack\w*|acknowledge\w*|fn|respond|reply|done")


def _js_ack(text: str) -> tuple[str, int, str] | None:
    for m in _JS_HANDLER.finditer(text):
        receiver, event = m.group(1), m.group(3)
        listed = bracketed(text, m.end() - 1)
        if m.group(4) is None and not _ARROW.match(text, m.end() + len(listed) + 1):
            continue
        params = _parameters(listed)
        if len(params) < 2 or event in _RESERVED:
            continue
        if "sock" in receiver.lower() or _ACK_NAME.fullmatch(params[-1].split("=")[0].split(":")[0].strip()):
            return event, m.start(), _js_namespace(text, m.start())
    return None


# io.on("connection", socket => ...), io.of("/chat").on("connection", ...), chat.on("connect", ...)
_JS_CONNECTION = re.compile(r"""([\w$.]+)(\.of\(\s*(['"`])(/[^'"`\n]*)\3\s*\))?\s*"""
                            r"""\.on\(\s*(['"`])connect(?:ion)?\5""")


def _js_namespace(text: str, at: int) -> str:
    """The namespace of a Socket.IO handler set up at offset *at*: that of the innermost connection
    handler around it, ``io.of("/chat").on("connection", ...)`` or ``chat.on("connection", ...)`` after
    ``const chat = io.of("/chat")``; "/" (``io.on("connection", ...)``, or none found)."""
    namespace = "/"
    for m in _JS_CONNECTION.finditer(text, 0, at):
        paren = text.index("(", m.end(2) if m.group(2) else m.end(1))
        if at > paren + len(bracketed(text, paren)):
            continue  # a connection handler that ended before the handler
        namespace = m.group(4) or _js_of(text, m.group(1).split(".")[-1])
    return namespace


def _js_of(text: str, name: str) -> str:
    """The namespace a variable was given by ``const chat = io.of("/chat")``, "/" when none."""
    bound = re.search(rf"""\b(?:const|let|var)\s+{re.escape(name)}\s*(?::[^=]+)?=\s*[\w$.]+\.of\(\s*(['"`])"""
                      r"""(/[^'"`\n]*)\1""", text)
    return bound.group(2) if bound else "/"


def _parameters(listed: str) -> list[str]:
    """The parameters of a JavaScript or TypeScript parameter list's text, split at its own commas: a
    destructured ``{ content, to }`` is one parameter (Node's ``Function.length`` of ``({ content, to }) =>
    {}`` is 1: movez-chat's "private message" handler, which never acknowledges, was taken for one that
    does), and so is ``m: Map<string, number>``."""
    flat = listed.replace("=>", "  ")
    while (bare := _GENERIC.sub(lambda g: " " * len(g.group()), flat)) != flat:
        flat = bare
    return [p.strip() for p in split_top_level(flat) if p.strip()]


def _python_handlers(text: str, sources: list[tuple[str, str]]) -> Iterator[tuple[str, int, str, bool, str]]:
    """(event, offset, namespace, returns a value, first key read of its data) of each Socket.IO handler
    in the module *text*, in the order of the file; *sources* (every source file: "file", text) are
    searched for the namespace a class-based handler's class is registered with."""
    if ".on(" not in text and ".event" not in text and "Namespace" not in text:
        return
    tree = python_module(text)
    if tree is None:
        return
    offsets = [0]
    for line in text.splitlines(keepends=True):
        offsets.append(offsets[-1] + len(line))
    constants = _module_strings(tree)
    found: list[tuple[int, str, str, ast.FunctionDef | ast.AsyncFunctionDef]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and any(_dotted(b).endswith("Namespace") for b in node.bases):
            found.extend((method.lineno, method.name[3:], _registered(node.name, sources), method)
                         for method in node.body
                         if isinstance(method, ast.FunctionDef | ast.AsyncFunctionDef)
                         and method.name.startswith("on_") and method.name[3:] not in _RESERVED)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for decorator in node.decorator_list:
                name = _python_event(decorator, node.name)
                if name and name not in _RESERVED:
                    found.append((node.lineno, name, _decorator_namespace(decorator, constants), node))
    for lineno, event, namespace, function in sorted(found, key=lambda f: f[0]):
        yield event, offsets[lineno - 1], namespace, _returns(function), _data_key(function)


def _data_key(function: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    """The first key a handler reads of the data it is sent, its last parameter (Flask-SocketIO's
    ``def text(message)``, python-socketio's ``def text(sid, data)``): ``message['msg']`` or
    ``message.get('msg')`` -> "msg"; "" when it reads none."""
    params = [a.arg for a in function.args.posonlyargs + function.args.args if a.arg not in ("self", "sid")]
    if not params:
        return ""
    data = params[-1]
    reads: list[tuple[int, int, str]] = []
    for n in ast.walk(function):
        key: ast.expr | None = None
        if isinstance(n, ast.Subscript) and isinstance(n.value, ast.Name) and n.value.id == data:
            key = n.slice
        elif (isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "get"
              and isinstance(n.func.value, ast.Name) and n.func.value.id == data and n.args):
            key = n.args[0]
        if isinstance(key, ast.Constant) and isinstance(key.value, str) and isinstance(n, ast.expr):
            reads.append((n.lineno, n.col_offset, key.value))
    return min(reads)[2] if reads else ""


def _returns(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(isinstance(n, ast.Return) and n.value is not None
               and not (isinstance(n.value, ast.Constant) and n.value.value is None)
               for n in ast.walk(function))


def _dotted(node: ast.expr) -> str:
    """``socketio.AsyncNamespace`` for that base class's expression, "" for one that is no name."""
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return node.id if isinstance(node, ast.Name) else ""


def _module_strings(tree: ast.Module) -> dict[str, str]:
    """The module's top-level ``NAME = "text"`` assignments: a namespace is often a constant."""
    out: dict[str, str] = {}
    for node in tree.body:
        if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)):
            out.update((t.id, node.value.value) for t in node.targets if isinstance(t, ast.Name))
    return out


def _namespace_value(node: ast.expr | None, constants: dict[str, str]) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("/"):
        return node.value
    if isinstance(node, ast.Name) and constants.get(node.id, "").startswith("/"):
        return constants[node.id]
    return ""


def _decorator_namespace(decorator: ast.expr, constants: dict[str, str]) -> str:
    """The namespace a handler's decorator names: ``namespace="/chat"`` (python-socketio and
    Flask-SocketIO), or Flask-SocketIO's second argument (``@socketio.on("ping", "/chat")``; python-socketio's
    second is the handler, never a string); "/" when it names none."""
    if not isinstance(decorator, ast.Call):
        return "/"
    named = next((k.value for k in decorator.keywords if k.arg == "namespace"), None)
    if named is None and len(decorator.args) > 1:
        named = decorator.args[1]
    return _namespace_value(named, constants) or "/"


def _registered(cls: str, sources: list[tuple[str, str]]) -> str:
    """The namespace a class-based namespace *cls* is made with anywhere in *sources*
    (``Chat("/chat")``, ``Chat(namespace="/chat")``), "/" when none is found (its class's default)."""
    made = re.compile(rf"""\b{re.escape(cls)}\(\s*(?:namespace\s*=\s*)?(['"])(/[^'"\n]*)\1""")
    for rel, text in sources:
        if rel.endswith(".py") and (m := made.search(text)):
            return m.group(2)
    return "/"


def _python_event(decorator: ast.expr, function: str) -> str:
    """The event a handler's decorator names: ``@sio.on("x")`` -> x, ``@sio.event`` -> the function's
    name (``@sio.event(namespace="/chat")`` too); "" for any other decorator."""
    if isinstance(decorator, ast.Attribute) and decorator.attr == "event":
        return function
    called = decorator.func if isinstance(decorator, ast.Call) else None
    if isinstance(called, ast.Attribute) and called.attr == "event":
        return function  # @sio.event(namespace="/chat")
    if (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)
            and decorator.func.attr == "on" and decorator.args and isinstance(decorator.args[0], ast.Constant)
            and isinstance(decorator.args[0].value, str)):
        return decorator.args[0].value
    return ""
