"""Real-time clients of an app behind a session login, as a Django Channels chat is.

The server is a bare ASGI app under uvicorn (its WebSocket support, in a thread): POST /login with the
right form answers 302 and a session cookie; its WebSocket route refuses a handshake (403) without the
app's own Origin (Channels' AllowedHostsOriginValidator) or without that session cookie
(AuthMiddlewareStack and a consumer that needs a user), and sends back the "message" of each JSON
message it gets, as the Channels tutorial's room does. It counts the handshakes it refused by reason.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from support.load_support import load, write_config

SESSION = "s3ss10n-0f-demo"
REFUSED: Counter[str] = Counter()  # reason -> handshakes refused


async def _app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    if scope["type"] == "http":
        body = b""
        while True:
            event = await receive()
            body += event.get("body", b"")
            if not event.get("more_body"):
                break
        if scope["method"] == "POST" and scope["path"] == "/login" and body == b"username=demo&password=pw":
            answer = [(b"location", b"/"), (b"set-cookie", f"sessionid={SESSION}; Path=/".encode())]
            await send({"type": "http.response.start", "status": 302, "headers": answer})
        else:
            await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})
        return
    await receive()  # websocket.connect
    host = headers.get("host", "")
    if headers.get("origin") != f"http://{host}":
        REFUSED["origin"] += 1
        await send({"type": "websocket.close", "code": 1008})  # before accept: HTTP 403
        return
    if f"sessionid={SESSION}" not in headers.get("cookie", ""):
        REFUSED["session"] += 1
        await send({"type": "websocket.close", "code": 1008})
        return
    await send({"type": "websocket.accept"})
    while True:
        event = await receive()
        if event["type"] != "websocket.receive":
            return
        text = json.dumps({"message": json.loads(event.get("text") or "{}")["message"]})
        await send({"type": "websocket.send", "text": text})


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    import uvicorn

    config = uvicorn.Config(_app, host="127.0.0.1", port=0, ws="websockets-sansio", log_level="warning",
                            lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


CONFIG = """
[load]
users = 2
spawn_rate = 2
duration = "3s"
[[load.endpoints]]
path = "/"
{login}
[load.realtime]
path = "/ws/chat/"
protocol = "ws"
share = 0.5
interval = "0.2s"
message = '{{"message": "{{id}}"}}'
reply = "{{id}}"
"""

LOGIN = """[load.login]
path = "/login"
form = { username = "demo", password = "pw" }
status = [302]
session = true
"""


def _metric(result, name):
    found = [m for m in result.metrics if m.name == name and m.labels == {"channel": "/ws/chat/"}]
    assert len(found) == 1, [m.key for m in result.metrics]
    return found[0]


def test_logged_in_clients_send_the_session_and_the_apps_origin(app_url, tmp_path, load_env):
    REFUSED.clear()
    write_config(tmp_path, CONFIG.format(login=LOGIN))
    proc, result = load(load_env, tmp_path, "--host", app_url)
    assert result is not None, proc.stdout + proc.stderr
    assert not REFUSED
    assert _metric(result, "realtime_connects").value == 1
    # one client, a message every 0.2 s for about 3 s, each echoed at once
    assert 8 <= _metric(result, "realtime_messages").value <= 17
    assert _metric(result, "realtime_error_rate_pct").value == 0
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_without_the_login_every_handshake_is_refused_for_want_of_the_session(app_url, tmp_path, load_env):
    REFUSED.clear()
    write_config(tmp_path, CONFIG.format(login=""))
    proc, result = load(load_env, tmp_path, "--host", app_url)
    assert result is not None, proc.stdout + proc.stderr
    # the Origin is sent all the same: only the session is missing
    assert REFUSED["origin"] == 0 and REFUSED["session"] >= 1
    assert _metric(result, "realtime_error_rate_pct").value == 100.0
    assert proc.returncode == 1, proc.stdout + proc.stderr
