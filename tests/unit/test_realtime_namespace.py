"""The Socket.IO namespace of the event [load.realtime] times (2026-12-05 trial).

miguelgrinberg/Flask-SocketIO-Chat keeps every handler in the namespace ``/chat``
(``@socketio.on('text', namespace='/chat')``). With an acknowledging ``ping`` handler there, init wrote
``event = "ping"`` and nothing else, the clients connected to and emitted in "/", and every message failed
("20 requests failed with RealtimeError('no acknowledgement within 5s')"); by hand with python-socketio
the same emit in ``/chat`` was acknowledged within 1.5 ms. The expected namespaces below are the ones
python-socketio 5.11 / Flask-SocketIO 5.3 (and socket.io 4's ``io.of``) deliver each handler's event in.
"""

from __future__ import annotations

import pytest

from echotune_ci.config import parse_config
from echotune_ci.errors import ConfigError
from echotune_ci.phases.load.realtime import plan_part
from echotune_ci.phases.load.settings import RealtimeSettings
from echotune_ci.project.init import app_setup, plan_files
from echotune_ci.project.realtime import ack_event
from test_init_workspaces import machine, write  # noqa: F401 (machine: an autouse fixture)

# Flask-SocketIO-Chat at b816396 (app/main/events.py) with the ping handler the trial added
CHAT_EVENTS = (
    "from flask import session\nfrom flask_socketio import emit, join_room, leave_room\n"
    "from .. import socketio\n\n\n"
    "@socketio.on('joined', namespace='/chat')\ndef joined(message):\n    room = session.get('room')\n"
    "    join_room(room)\n    emit('status', {'msg': 'entered'}, to=room)\n\n\n"
    "@socketio.on('ping', namespace='/chat')\ndef ping(message):\n    return message\n")


def test_flask_socketio_chat_gets_the_namespace_of_its_handlers(tmp_path):
    root = write(tmp_path, {
        "requirements.txt": "flask==3.0.3\nflask-socketio==5.3.6\npython-socketio==5.11.3\n",
        "chat.py": "from app import create_app, socketio\n\napp = create_app(debug=True)\n",
        "app/__init__.py": "from flask import Flask\nfrom flask_socketio import SocketIO\n\n"
                           "socketio = SocketIO()\n\n\ndef create_app(debug=False):\n"
                           "    app = Flask(__name__)\n    socketio.init_app(app)\n    return app\n",
        "app/main/__init__.py": "",
        "app/main/events.py": CHAT_EVENTS,
    })
    assert ack_event(root)[:3] == ("ping", "app/main/events.py:14", "/chat")
    text = plan_files(root, app_setup(root), ref="main")["echotune.toml"]
    # what init wrote on the trial's checkout with the fix (its line: the def, as for events.py:41 there)
    assert ('[load.realtime]\npath = "/socket.io"\nprotocol = "socketio"\nevent = "ping"\n'
            'namespace = "/chat"\n') in text


@pytest.mark.parametrize(("code", "namespace"), [
    # Flask-SocketIO's on(message, namespace=None): its second argument is the namespace
    ("@socketio.on('ping', '/game')\ndef ping(data):\n    return data\n", "/game"),
    # a module constant
    ("NS = '/live'\n\n\n@sio.on('ping', namespace=NS)\nasync def ping(sid, data):\n    return data\n",
     "/live"),
    # python-socketio's event decorator called with a namespace
    ("@sio.event(namespace='/admin')\nasync def ping(sid, data):\n    return data\n", "/admin"),
    # no namespace: Socket.IO's default
    ("@sio.on('ping')\nasync def ping(sid, data):\n    return data\n", "/"),
])
def test_a_python_handler_decorator_names_its_namespace(tmp_path, code, namespace):
    write(tmp_path, {"requirements.txt": "python-socketio==5.11.3\n", "app.py": "import socketio\n\n" + code})
    assert ack_event(tmp_path).namespace == namespace


@pytest.mark.parametrize("register", ["sio.register_namespace(ChatNamespace('/chat'))",
                                      "socketio.on_namespace(ChatNamespace(namespace='/chat'))"])
def test_a_class_based_namespace_is_the_one_its_class_is_registered_with(tmp_path, register):
    # python-socketio's AsyncNamespace (Flask-SocketIO's Namespace alike): on_<event> methods; the
    # acknowledgement is what the method returns
    write(tmp_path, {
        "requirements.txt": "python-socketio==5.11.3\n",
        "chat/handlers.py": "import socketio\n\n\nclass ChatNamespace(socketio.AsyncNamespace):\n"
                            "    async def on_connect(self, sid, environ):\n        return True\n\n"
                            "    async def on_say(self, sid, data):\n"
                            "        await self.emit('said', data)\n\n"
                            "    async def on_ping(self, sid, data):\n        return {'pong': data}\n",
        "main.py": "import socketio\nfrom chat.handlers import ChatNamespace\n\n"
                   f"sio = socketio.AsyncServer()\n{register}\n",
    })
    assert ack_event(tmp_path)[:3] == ("ping", "chat/handlers.py:11", "/chat")


CONNECTED = ("const io = require('socket.io')(server);\n{before}\n"
             "{receiver}.on('connection', (socket) => {{\n"
             "  socket.on('ping', (data, ack) => ack(data));\n}});\n")


@pytest.mark.parametrize(("before", "receiver", "namespace"), [
    ("", "io.of('/chat')", "/chat"),
    ("const admin = io.of(\"/admin\");", "admin", "/admin"),
    ("", "io", "/"),
    # a handler in another namespace's connection handler that ended before it does not count
    ("io.of('/other').on('connection', (socket) => { socket.join('x') });", "io", "/"),
])
def test_a_javascript_handler_is_in_the_namespace_of_its_connection_handler(tmp_path, before, receiver,
                                                                           namespace):
    write(tmp_path, {"package.json": '{"name": "chat", "dependencies": {"socket.io": "4"}}',
                     "server.js": CONNECTED.format(before=before, receiver=receiver)})
    assert ack_event(tmp_path)[:3] == ("ping", "server.js:4", namespace)


def test_the_namespace_setting_reaches_the_clients_and_must_be_one():
    chat = RealtimeSettings(path="/socket.io", protocol="socketio", namespace="/chat")
    assert plan_part(chat)["namespace"] == "/chat"
    assert plan_part(RealtimeSettings(path="/socket.io", protocol="socketio"))["namespace"] == "/"
    with pytest.raises(ConfigError, match=r"load\.realtime\.namespace.? must start with '/'"):
        table = {"path": "/socket.io", "protocol": "socketio", "namespace": "chat"}
        parse_config({"load": {"realtime": table}}, "", "echotune.toml")


def test_a_python_handler_that_returns_nothing_is_still_acknowledged(tmp_path):
    # Flask-SocketIO-Chat as it is (b816396): no handler returns, and init left [load.realtime] out ("no
    # Socket.IO handler of the app acknowledges an event"). python-socketio 5.11 acknowledges every event
    # a handler took once it returns (server.py's _handle_event_internal: an ACK with no data for None):
    # by hand, call('joined', {}) in /chat was answered in 47 ms, call('text', {'msg': 'hi'}) too.
    root = write(tmp_path, {"requirements.txt": "flask-socketio==5.3.6\npython-socketio==5.11.3\n",
                            "app/main/events.py": CHAT_EVENTS.split("\n\n\n@socketio.on('ping'")[0] + "\n"})
    assert ack_event(root) == ("joined", "app/main/events.py:7", "/chat", False, "")
    app = app_setup(root)
    text = plan_files(root, app, ref="main")["echotune.toml"]
    assert 'event = "joined"\nnamespace = "/chat"\n' in text
    assert any(n.startswith("no handler returns a value, so the round trip times 'joined', which "
                            "python-socketio acknowledges once its handler (app/main/events.py:7) has run")
               for n in app.all_checks())


def test_the_message_carries_the_key_the_handler_reads(tmp_path):
    # Flask-SocketIO-Chat's text(message) reads message['msg']: the default message {"type": "ping", ...}
    # raised KeyError in the handler, and python-socketio sent no acknowledgement (by hand: TimeoutError)
    text_handler = ("@socketio.on('text', namespace='/chat')\ndef text(message):\n"
                    "    room = session.get('room')\n"
                    "    emit('message', {'msg': f\"{session.get('name')}: {message['msg']}\"}, to=room)\n")
    root = write(tmp_path, {"requirements.txt": "flask-socketio==5.3.6\n",
                            "app/events.py": "from flask import session\nfrom flask_socketio import emit\n"
                                             "from . import socketio\n\n\n" + text_handler})
    assert ack_event(root) == ("text", "app/events.py:7", "/chat", False, "msg")
    text = plan_files(root, app_setup(root), ref="main")["echotune.toml"]
    # as init wrote it for this handler on its own
    assert 'event = "text"\nnamespace = "/chat"\nmessage = "{\\"msg\\": \\"{id}\\"}"\n' in text
