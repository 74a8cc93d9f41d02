"""A server that always listens on one port, started where that port is taken (the base of `run
--base-ref`, whose head holds it): Node's and Python's servers are moved to the port they were given by
the preloads in echotune_ci/serve/portmap, real processes on 127.0.0.1; a server they cannot move gets an
error that says so, and one that fails for another reason gets none."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from echotune_ci.config.sections import ServeSettings
from echotune_ci.errors import RunError
from echotune_ci.serve.app import PORTMAP, App, free_port, moved_listen



@pytest.fixture
def held() -> Iterator[int]:
    """A port some other server listens on, as the head does on the fixed port."""
    with socket.socket() as head:
        head.bind(("127.0.0.1", 0))
        head.listen()
        yield head.getsockname()[1]


def served(folder: Path, command: str, port: int) -> App:
    settings = ServeSettings(command=command, port=port, ready_url=f"http://127.0.0.1:{port}/health",
                             timeout=20.0)
    app = App(settings, folder, build="base")
    app.move_port = True
    return app


NODE_SERVER = """const http = require('http');
const server = http.createServer((req, res) => res.end('port ' + server.address().port));
server.listen(%s);
"""


@pytest.mark.parametrize("call", ["PORT", "{port: PORT, host: '127.0.0.1'}", "String(PORT), '127.0.0.1'"])
def test_a_node_server_on_the_held_port_is_served_on_its_own(tmp_path: Path, held: int, call: str) -> None:
    (tmp_path / "server.js").write_text(f"const PORT = {held};\n" + NODE_SERVER % call)
    app = served(tmp_path, "node server.js", held)
    app.start()
    try:
        assert app.port != held and app.fixed_port == held
        assert app.ready_url == f"http://127.0.0.1:{app.port}/health"
        assert app.base_url == f"http://127.0.0.1:{app.port}"
        assert httpx.get(app.ready_url, trust_env=False).text == f"port {app.port}"
        assert app.moved == (f"always listens on port {held} ([serve] port), where the head is served: "
                             f"it was served on port {app.port}, its listen moved there")
    finally:
        app.stop()


def test_only_the_fixed_port_is_moved_and_node_keeps_its_own_options(tmp_path: Path) -> None:
    # A second server on another port (a websocket server, Vite's HMR) listens where it says; the app's own
    # NODE_OPTIONS stay in force (a path with a space and a quote in it is still one --require).
    odd = tmp_path / 'a "b c'
    odd.mkdir()
    (odd / "own.cjs").write_text("globalThis.ownOption = 1;\n")
    fixed, other, target = free_port(), free_port(), free_port()
    script = (f"const net = require('net');\nconst a = net.createServer().listen({fixed}, () => {{\n"
              f"  const b = net.createServer().listen({other}, () => {{\n"
              "    console.log(JSON.stringify([a.address().port, b.address().port, globalThis.ownOption]));\n"
              "    a.close(); b.close(); });\n});\n")
    (tmp_path / "two.js").write_text(script)
    own = '--require "' + str(odd / "own.cjs").replace('"', '\\"') + '"'
    env = {**os.environ, "NODE_OPTIONS": own}
    env.update(moved_listen(env, fixed, target))
    done = subprocess.run(["node", "two.js"], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=30)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"[{target},{other},1]"


PY_SERVER = """import http.server, sys
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ("port %d" % self.server.server_address[1]).encode()
        self.send_response(200); self.end_headers(); self.wfile.write(body)
http.server.HTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
"""

GEVENT_SERVER = """from gevent import monkey; monkey.patch_all()
from gevent.pywsgi import WSGIServer
def app(environ, start):
    start("200 OK", [])
    return [("port %d" % server.socket.getsockname()[1]).encode()]
server = WSGIServer(("127.0.0.1", PORT), app, log=None)
server.serve_forever()
"""


# gevent's monkey-patched socket (and eventlet's) wraps a _socket.socket of its own and binds through it,
# not through socket.socket: its WSGIServer met the head's port taken ("[Errno 98] Address already in use:
# ('127.0.0.1', N)") and the base was not measured. gevent is locust's, so installed here.
@pytest.mark.parametrize("source", [PY_SERVER, GEVENT_SERVER], ids=["http.server", "gevent"])
def test_a_python_server_on_the_held_port_is_served_on_its_own(tmp_path: Path, held: int,
                                                               source: str) -> None:
    (tmp_path / "server.py").write_text(source.replace("PORT", str(held)))
    app = served(tmp_path, f"{sys.executable} server.py", held)
    app.start()
    try:
        assert app.port != held
        assert httpx.get(app.ready_url, trust_env=False).text == f"port {app.port}"
    finally:
        app.stop()


def test_the_sitecustomize_it_shadows_still_runs(tmp_path: Path) -> None:
    # A distribution's own sitecustomize (Debian's, a project's) on a later folder of PYTHONPATH.
    (tmp_path / "own").mkdir()
    (tmp_path / "own" / "sitecustomize.py").write_text("import builtins\nbuiltins.OWN_SITE = True\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "own")}
    # Free ports: a fixed number in the ephemeral range was once taken by another test's connection
    fixed, target = free_port(), free_port()
    env.update(moved_listen(env, fixed, target))
    assert env["PYTHONPATH"] == os.pathsep.join([str(PORTMAP), str(tmp_path / "own")])
    probe = (f"import builtins, socket, sitecustomize\ns = socket.socket(); s.bind(('127.0.0.1', {fixed}))\n"
             "print(s.getsockname()[1], builtins.OWN_SITE, sitecustomize.__file__)\n")
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(target), "True", str(tmp_path / "own" / "sitecustomize.py")]


def test_a_server_it_cannot_move_says_so(tmp_path: Path, held: int) -> None:
    # python -S reads no sitecustomize: a server of a kind the preloads do not reach (Bun, Deno, Go)
    # meets the head's port taken.
    (tmp_path / "server.py").write_text(PY_SERVER.replace("PORT", str(held)))
    app = served(tmp_path, f"{sys.executable} -S server.py", held)
    with pytest.raises(RunError) as caught:
        app.start()
    said = str(caught.value)
    assert said.startswith(f"serve command exited with code 1 before http://127.0.0.1:{app.port}/health")
    assert "Address already in use" in said
    assert said.endswith(f"; its listen on port {held} ([serve] port, where the head is served) was not "
                         f"moved to port {app.port}: the NODE_OPTIONS and PYTHONPATH preloads miss Bun, "
                         f"Deno, Go, `python -I` or `-S` and a script that sets those itself; make the app "
                         f'take its port from PORT and set port = "auto" to measure both')


def test_a_node_server_whose_script_sets_node_options_itself_is_not_said_to_be_no_node_server(
        tmp_path: Path, held: int) -> None:
    # `"start": "NODE_OPTIONS=--max-old-space-size=512 node server.js"` replaces the NODE_OPTIONS that
    # carry the preload; the hint said the move "works for the servers of Node's net ... only", of a
    # server that is one.
    (tmp_path / "server.js").write_text(f"const PORT = {held};\n" + NODE_SERVER % "PORT")
    app = served(tmp_path, "NODE_OPTIONS=--max-old-space-size=512 node server.js", held)
    with pytest.raises(RunError) as caught:
        app.start()
    said = str(caught.value)
    assert f"EADDRINUSE: address already in use :::{held}" in said
    assert f"was not moved to port {app.port}: " in said and "a script that sets those itself" in said


def test_a_second_port_the_head_holds_too_is_named_and_not_blamed_on_the_move(tmp_path: Path,
                                                                              held: int) -> None:
    # A websocket server on a fixed port of its own beside the app's: the head's app holds that one too, and
    # only [serve] port is moved. The hint said the listen on the fixed port, which was moved, was not.
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        second = other.getsockname()[1]
        (tmp_path / "server.js").write_text(
            f"const PORT = {held};\n" + NODE_SERVER % "PORT"
            + f"require('net').createServer().listen({second}, '127.0.0.1');\n")
        app = served(tmp_path, "node server.js", held)
        with pytest.raises(RunError) as caught:
            app.start()
    said = str(caught.value)
    assert f"EADDRINUSE: address already in use 127.0.0.1:{second}" in said
    assert said.endswith(f"; it also listens on port {second}, which is in use: only its listen on port "
                         f"{held} ([serve] port, where the head is served) is moved (to port {app.port}); "
                         f"make the app take its other ports from the environment too to measure both")


def test_a_server_that_fails_for_another_reason_is_not_blamed_on_the_port(tmp_path: Path, held: int) -> None:
    (tmp_path / "server.py").write_text("raise SystemExit('no DATABASE_URL')\n")
    app = served(tmp_path, f"{sys.executable} server.py", held)
    with pytest.raises(RunError) as caught:
        app.start()
    assert "no DATABASE_URL" in str(caught.value) and "was to be moved" not in str(caught.value)


# Node's listen(PORT) binds ::, which a server on ::1 alone holds: the run stopped with "EADDRINUSE ...
# :::PORT" where 127.0.0.1 alone was looked at.
@pytest.mark.parametrize(("holder", "where", "script", "command"), [
    ("held", "127.0.0.1", "server.py", f"{sys.executable} server.py"),
    ("held_on_v6", "::1", "server.js", "node server.js"),
], ids=["127.0.0.1", "::1"])
def test_a_fixed_port_another_program_holds_is_moved_for_any_build(
        tmp_path: Path, request: pytest.FixtureRequest, holder: str, where: str, script: str,
        command: str) -> None:
    # The project's own development server left running there: `run` stopped with "already in use".
    held = request.getfixturevalue(holder)
    source = PY_SERVER.replace("PORT", str(held)) if script == "server.py" else NODE_SERVER % held
    (tmp_path / script).write_text(source)
    app = served(tmp_path, command, held)
    app.move_port = False  # the head, or a plain run
    app.start()
    try:
        assert app.port != held and app.fixed_port == held
        assert httpx.get(app.ready_url, trust_env=False).text == f"port {app.port}"
        assert app.moved == (f"always listens on port {held} ([serve] port), which another program holds on "
                             f"{where}: it was served on port {app.port}, its listen moved there")
    finally:
        app.stop()
    # nothing holds it: served where it says, no preload in its environment
    free = App(ServeSettings(command="true", port=held), tmp_path)
    assert free.fixed_port is None and "ECHOTUNE_PORT_MAP" not in free.environment(held)


@pytest.fixture
def head() -> Iterator[int]:
    """The head's server on the fixed port, answering every request with "the head"."""
    import http.server
    import threading

    class Head(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"the head")

        def log_message(self, *_args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Head)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


PY_SELF_FETCH = """import http.server, urllib.request
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/api":
            body = b"the base"
        else:
            body = b"page of " + urllib.request.urlopen("http://localhost:PORT/api").read()
        self.send_response(200); self.end_headers(); self.wfile.write(body)
http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
"""

NODE_SELF_FETCH = """const http = require('http');
const server = http.createServer(async (req, res) => {
  if (req.url === '/api') return res.end('the base');
  const viaFetch = await (await fetch('http://localhost:PORT/api')).text();
  http.get('http://127.0.0.1:PORT/api', (got) => {
    let body = '';
    got.on('data', (d) => { body += d; });
    got.on('end', () => res.end('page of ' + viaFetch + ', ' + body));
  });
});
server.listen(PORT);
"""


@pytest.mark.parametrize(("script", "command", "page"), [
    ("server.py", f"{sys.executable} server.py", "page of the base"),
    ("server.js", "node server.js", "page of the base, the base"),
], ids=["python", "node"])
def test_the_base_that_fetches_its_own_api_on_the_fixed_port_reaches_its_own(
        tmp_path: Path, head: int, script: str, command: str, page: str) -> None:
    # A page rendered from the app's own API on localhost:FIXED (getServerSideProps, a Flask view that
    # calls its REST endpoint): the base's requests went to the head listening there, so the base's pages
    # were made of the head's answers.
    source = PY_SELF_FETCH if script.endswith(".py") else NODE_SELF_FETCH
    (tmp_path / script).write_text(source.replace("PORT", str(head)))
    app = served(tmp_path, command, head)
    app.start()
    try:
        assert httpx.get(f"http://127.0.0.1:{head}/", trust_env=False).text == "the head"
        assert httpx.get(f"{app.base_url}/", trust_env=False).text == page
    finally:
        app.stop()



def test_the_phases_urls_on_a_held_fixed_port_follow_the_app(tmp_path: Path, held: int) -> None:
    # `[api] url = "http://127.0.0.1:5000"` for an app whose port another program holds: the api phase
    # would have measured that program; a plain run and the head of `run --base-ref` use where_moved.
    from echotune_ci.baseref.configs import where_moved
    from echotune_ci.config import load_config

    (tmp_path / "server.py").write_text(PY_SERVER.replace("PORT", str(held)))
    (tmp_path / "echotune.toml").write_text(
        f'[serve]\ncommand = "{sys.executable} server.py"\nport = {held}\n'
        f'ready_url = "http://127.0.0.1:{held}/health"\n\n[api]\nurl = "http://127.0.0.1:{held}"\n')
    cfg = load_config(tmp_path / "echotune.toml")
    app = App(cfg.serve, tmp_path)
    assert where_moved(cfg, app, "the app's") == (cfg, [])  # not started: nothing moved
    app.start()
    try:
        measured, said = where_moved(cfg, app, "the app's")
        assert measured.api.url == f"http://127.0.0.1:{app.port}"
        assert said == [f"the app's URLs on port {held} (api.url) were measured on port {app.port}, where "
                        f"its listen was moved"]
    finally:
        app.stop()


@pytest.fixture
def held_on_v6() -> Iterator[int]:
    """A port another program listens on at ::1 only (Node's listen(3000, "localhost") where localhost is
    ::1 first, an IPv6-only server): 127.0.0.1 stays free."""
    with socket.socket(socket.AF_INET6) as dev:
        dev.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        dev.bind(("::1", 0))
        dev.listen()
        yield dev.getsockname()[1]


def test_where_a_port_is_held(held: int, held_on_v6: int, monkeypatch: pytest.MonkeyPatch) -> None:
    from echotune_ci.serve.app import held_on

    assert (held_on(held), held_on(held_on_v6)) == ("127.0.0.1", "::1")
    with socket.socket() as wildcard:  # 0.0.0.0 holds 127.0.0.1's port too
        wildcard.bind(("0.0.0.0", 0))
        wildcard.listen()
        assert held_on(wildcard.getsockname()[1]) == "127.0.0.1"
    assert held_on(free_port()) == ""

    # A port below 1024 that this user may not bind is held by no one: not moved with a note that says
    # another program holds it.
    def refused(_sock: socket.socket, _address: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(socket.socket, "bind", refused)
    assert held_on(80) == ""


def test_a_base_beside_a_head_moved_from_another_programs_port_names_that_program(tmp_path: Path,
                                                                                   held: int) -> None:
    # The developer's own server holds the fixed port in `run --base-ref`: the head is moved from it, and so
    # is the base; the base's note said the port was "where the head is served", which it was not.
    from echotune_ci.baseref.sidebyside import SideBySide, _start_base
    from echotune_ci.runner import PreparedApp

    (tmp_path / "server.py").write_text(PY_SERVER.replace("PORT", str(held)))
    head = served(tmp_path, f"{sys.executable} server.py", held)
    head.move_port = False
    base = served(tmp_path, f"{sys.executable} server.py", held)
    base.move_port = False  # as _prepare_base leaves it
    report = SideBySide()
    try:
        head.start()
        assert head.fixed_port == held
        started, why = _start_base(PreparedApp(base, label="base"), [], report, "HEAD", head=head)
        assert started is base and why == ""
        assert base.port not in (held, head.port)
        assert httpx.get(base.ready_url, trust_env=False).text == f"port {base.port}"
        assert report.notes == [f"the base (HEAD) always listens on port {held} ([serve] port), which "
                                f"another program holds on 127.0.0.1: it was served on port {base.port}, its "
                                f"listen moved there"]
    finally:
        base.stop()
        head.stop()


@pytest.mark.parametrize("own", [False, True])
def test_a_base_is_moved_off_the_port_the_running_head_listens_on_only(tmp_path: Path, own: bool) -> None:
    # Decided from where the head listens: a base on the head's fixed port is moved and says where the head
    # is; a base whose fixed port is another (the pull request moves the port) listens where it always did.
    from echotune_ci.baseref.sidebyside import SideBySide, _start_base
    from echotune_ci.runner import PreparedApp
    fixed = free_port()
    (tmp_path / "server.py").write_text(PY_SERVER.replace("PORT", str(fixed)))
    head = served(tmp_path, f"{sys.executable} server.py", fixed)
    head.move_port = False
    base_port = free_port() if own else fixed
    (tmp_path / "base.py").write_text(PY_SERVER.replace("PORT", str(base_port)))
    base = served(tmp_path, f"{sys.executable} base.py", base_port)
    base.move_port = False  # as _prepare_base leaves it
    report = SideBySide()
    try:
        head.start()
        assert (head.port, head.fixed_port) == (fixed, None)
        started, why = _start_base(PreparedApp(base, label="base"), [], report, "HEAD", head=head)
        assert started is base and why == ""
        if own:
            assert (base.port, base.fixed_port, base.moved, report.notes) == (base_port, None, "", [])
        else:
            assert base.port != fixed and base.fixed_port == fixed
            assert report.notes == [f"the base (HEAD) always listens on port {fixed} ([serve] port), where "
                                    f"the head is served: it was served on port {base.port}, its listen "
                                    f"moved there"]
        assert httpx.get(base.ready_url, trust_env=False).text == f"port {base.port}"
    finally:
        base.stop()
        head.stop()
