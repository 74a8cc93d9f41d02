"""What a newcomer's first `init` got wrong on three real apps (2026-12-02), each as a fixture of our own:

- techwithtim/Flask-Blog-Tutorial: tutorial1/ ... tutorial5/ with one requirements.txt at the top. `init
  --dir tutorial5` installed `flask` alone ("no requirements file"), and the app stopped on
  `No module named 'flask_sqlalchemy'`; at the top, init measured tutorial1/ without a word of the others.
- anthonycepeda/fastapi-sqlmodel: `DATABASE_URI: str = "sqlite:////Users/anth/dev/..."`, a folder only the
  author has ("unable to open database file"); its lifespan creates the tables through
  `create_db_and_tables()`, yet init said no file does.
- redis-developer/basic-redis-chat-app-demo-nodejs: `redis` in package.json, which nothing starts, went
  unsaid; app.json's "required" REDIS_PASSWORD was demanded although the code reads it `|| null` (and
  setting one fails against a Redis without a password); [load.realtime] socketio was written for an app
  whose handlers never acknowledge, so no round trip could be timed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from echotune_ci.project.init import app_setup, plan_files
from echotune_ci.project.realtime import ack_event, detect_realtime
from test_init_workspaces import machine, write  # noqa: F401 (machine: an autouse fixture)

FACTORY = ("from flask import Flask\nfrom flask_sqlalchemy import SQLAlchemy\n\ndb = SQLAlchemy()\n\n\n"
           "def create_app():\n    app = Flask(__name__)\n    db.init_app(app)\n{call}    return app\n\n\n"
           "def create_database(app):\n    with app.app_context():\n        db.create_all()\n")


def decided(app) -> list[tuple[str, str, str]]:
    return [(d.key, d.value, d.source) for d in app.decisions]


def test_a_subfolder_app_installs_the_requirements_at_the_top_of_its_repository(tmp_path):
    (tmp_path / ".git").mkdir()
    write(tmp_path, {"requirements.txt": "flask==3.0.3\nFlask-SQLAlchemy==3.1.1\n",
                     "tutorial5/website/__init__.py": FACTORY.format(call="    create_database(app)\n"),
                     "tutorial5/app.py": "from website import create_app\napp = create_app()\n"})
    app = app_setup(tmp_path / "tutorial5")
    assert app.setup == "python3 -m venv .venv && .venv/bin/python -m pip install -r ../requirements.txt"
    assert app.setup_inputs == ["../requirements.txt"]
    assert not any("no requirements file" in n for n in app.all_checks())
    # served by Werkzeug's development server (no gunicorn or waitress): said (its first run failed p95)
    assert any(n.startswith("the app is served by Flask's development server") for n in app.all_checks())
    # the helper the factory calls creates the tables
    made = ("build", "no step for the tables", "website/__init__.py creates them (create_all)")
    assert made in decided(app)


def test_a_client_folder_does_not_take_the_python_requirements_above_it(tmp_path):
    (tmp_path / ".git").mkdir()
    write(tmp_path, {"requirements.txt": "Django==5.0.6\n",
                     "frontend/package.json": json.dumps({"name": "ui", "scripts": {"build": "vite build",
                                                                                   "preview": "vite preview"},
                                                          "devDependencies": {"vite": "5"}})})
    app = app_setup(tmp_path / "frontend")
    assert app.kind == "node" and "pip" not in app.setup


def test_requirements_above_stop_at_the_repository_top(tmp_path):
    write(tmp_path, {"requirements.txt": "flask==3.0.3\n",
                     "repo/.git/HEAD": "ref: refs/heads/main\n",
                     "repo/app/app.py": "from flask import Flask\napp = Flask(__name__)\n"})
    app = app_setup(tmp_path / "repo" / "app")
    assert "../" not in app.setup  # the requirements.txt above the repository is someone else's


def test_tables_made_through_a_function_a_lifespan_calls(tmp_path):
    write(tmp_path, {
        "requirements.txt": "fastapi==0.110.0\nuvicorn==0.29.0\nsqlmodel==0.0.16\n",
        "api/__init__.py": "",
        "api/database.py": "from sqlmodel import SQLModel, create_engine\nengine = create_engine('sqlite://')\n\n\n"
                           "def create_db_and_tables():\n    SQLModel.metadata.create_all(engine)\n",
        "api/app.py": "from contextlib import asynccontextmanager\nfrom fastapi import FastAPI\n"
                      "from api.database import create_db_and_tables\n\n\n@asynccontextmanager\n"
                      "async def lifespan(app):\n    create_db_and_tables()\n    yield\n\n\n"
                      "api = FastAPI(lifespan=lifespan)\n",
    })
    assert ("build", "no step for the tables", "api/app.py creates them (create_all)") in decided(
        app_setup(tmp_path))
    # a CLI command that calls the same function runs on no start
    (tmp_path / "api" / "app.py").write_text(
        "import click\nfrom fastapi import FastAPI\nfrom api.database import create_db_and_tables\n\n"
        "api = FastAPI()\n\n\n@click.command()\ndef init_db():\n    create_db_and_tables()\n")
    text = plan_files(tmp_path, app_setup(tmp_path), ref="main")["echotune.toml"]
    assert "no file says how its tables are created" in text


def test_a_sqlite_file_in_a_folder_only_the_author_has_is_moved_into_the_app(tmp_path):
    settings = ("from pydantic_settings import BaseSettings\n\n\nclass Settings(BaseSettings):\n"
                "    ENV: str = 'development'\n    DATABASE_URI: str = \"sqlite:///{path}/database.db\"\n")
    files = {"requirements.txt": "fastapi==0.110.0\nuvicorn==0.29.0\npydantic-settings==2.2.1\n",
             "main.py": "from fastapi import FastAPI\napp = FastAPI()\n",
             "config.py": settings.format(path="/Users/someone-else/dev/heroes")}
    app = app_setup(write(tmp_path, files))
    assert app.env["DATABASE_URI"] == "sqlite:///database.db"
    assert ("env", "DATABASE_URI=sqlite:///database.db",
            "config.py:6: its default sqlite:////Users/someone-else/dev/heroes/database.db is in a folder "
            "this machine does not have") in decided(app)
    # a folder this machine has: the app can make its file there
    (tmp_path / "config.py").write_text(settings.format(path=tmp_path))
    assert "DATABASE_URI" not in app_setup(tmp_path).env
    # no variable to set: said
    (tmp_path / "config.py").write_text("ENGINE_URL = 'sqlite:////srv/someone/app.db'\n")
    assert any("config.py:1 opens sqlite:////srv/someone/app.db, in a folder this machine does not have"
               in n for n in app_setup(tmp_path).all_checks())


def chat_app(root: Path, handler: str) -> Path:
    return write(root, {
        "package.json": json.dumps({"name": "chat", "scripts": {"start": "node server/index.js"},
                                    "dependencies": {"express": "4", "socket.io": "4", "redis": "3"}}),
        "package-lock.json": json.dumps({"name": "chat", "lockfileVersion": 3, "packages": {}}),
        "app.json": json.dumps({"name": "chat", "env": {"REDIS_PASSWORD": {"required": True},
                                                        "REDIS_ENDPOINT_URL": {"required": True}}}),
        "server/redis.js": "const redis = require('redis');\n"
                           "const endpoint = process.env.REDIS_ENDPOINT_URL || '127.0.0.1:6379';\n"
                           "const password = process.env.REDIS_PASSWORD || null;\n"
                           "const sub = redis.createClient();\n"
                           "sub.on('message', (_, message) => console.log(message));\n",
        "server/index.js": "const express = require('express');\nconst app = express();\n"
                           "const server = require('http').createServer(app);\n"
                           "const io = require('socket.io')(server);\n"
                           "io.on('connection', (socket) => {\n"
                           f"  {handler}\n"
                           "});\nserver.listen(process.env.PORT || 4000);\n",
    })


def test_a_redis_client_and_a_password_the_code_can_do_without(tmp_path):
    app = app_setup(chat_app(tmp_path, "socket.on('room.join', (id) => socket.join(id));"))
    notes = app.all_checks()
    assert ("redis in package.json: the app connects to Redis, found through REDIS_ENDPOINT_URL, "
            "REDIS_PASSWORD, which nothing here starts; where it needs one to serve, start one and point the "
            "app at 127.0.0.1 in [serve] env") in notes
    assert not any("REDIS_PASSWORD must be set" in n for n in notes)
    assert ("env", "REDIS_PASSWORD not set", "server/redis.js reads it with a default (line 3); app.json "
            "(env) asks for one when deployed") in decided(app)


def test_socketio_without_an_acknowledging_handler_gets_no_realtime_section(tmp_path):
    # the message handler broadcasts and never calls back; the Redis subscriber's (channel, message)
    # handler is no socket's
    root = chat_app(tmp_path, "socket.on('message', /** @param {{text: string}} m */ async (m) => "
                              "io.emit('message', m));")
    assert ack_event(root)[:3] == ("", "", "/")
    text = plan_files(root, app_setup(root), ref="main")["echotune.toml"]
    assert "\n[load.realtime]" not in text
    assert "# check: package.json: socket.io: no Socket.IO handler of the app acknowledges an event" in text


def test_socketio_times_the_event_a_handler_acknowledges(tmp_path):
    root = chat_app(tmp_path, "socket.on('message', /** @param {{text: string}} m */ async (m, ack) => "
                              "ack({ ok: true }));")
    assert ack_event(root)[:3] == ("message", "server/index.js:6", "/")
    text = plan_files(root, app_setup(root), ref="main")["echotune.toml"]
    assert '[load.realtime]\npath = "/socket.io"\nprotocol = "socketio"\nevent = "message"\n' in text


# The parameter counts are Node's Function.length (node 20, tsx for the TypeScript): movez-chat's
# `({ content, to }) => {}` is 1, a TypeScript `(data: string, callback: (res: string) => void) => {}` 2,
# `(m: Map<string, number>) => {}` 1 and `({ content, to }: { content: string, to: string[] }): void => {}` 1
@pytest.mark.parametrize(("handler", "acknowledges"), [
    # trbKnl/movez-chat's src/server/main.ts:186: one destructured parameter, no acknowledgement
    ("socket.on('private message', ({ content, to }) => { socket.to(to).emit('m', content) });", False),
    ("socket.on('private message', ({ content, to }: { content: string, to: string[] }): void => {});",
     False),
    ("socket.on('stats', (m: Map<string, number>) => io.emit('stats', m));", False),
    ("socket.on('join', ([room, name]) => socket.join(room));", False),
    # a typed acknowledgement, whose own parameter list the earlier pattern could not read past
    ("socket.on('ping', (data: string, callback: (res: string) => void) => callback(data));", True),
    ("socket.on('ping', async (data: Record<string, unknown>, ack?: (r: unknown) => void): Promise<void> => "
     "ack?.(data));", True),
    ("socket.on('ping', function ({ id }, done) { done(id) });", True),
])
def test_a_handler_acknowledges_only_with_a_parameter_of_its_own_for_it(tmp_path, handler, acknowledges):
    root = chat_app(tmp_path, handler)
    event = handler.split("'")[1]
    assert ack_event(root)[:3] == ((event, "server/index.js:6", "/") if acknowledges else ("", "", "/"))


def test_a_python_socketio_handler_that_returns_acknowledges(tmp_path):
    (tmp_path / "requirements.txt").write_text("python-socketio==5.11.2\n")
    (tmp_path / "app.py").write_text(
        "import socketio\nsio = socketio.AsyncServer()\n\n\n@sio.event\nasync def connect(sid, environ):\n"
        "    return True\n\n\n@sio.on('chat')\nasync def chat(sid, data):\n"
        "    await sio.emit('chat', data)\n\n\n"
        "@sio.event\nasync def ping(sid, data):\n    return {'pong': data}\n")
    assert detect_realtime(tmp_path)["event"] == "ping"
    assert ack_event(tmp_path)[:3] == ("ping", "app.py:16", "/")


def test_several_apps_side_by_side_are_named(tmp_path):
    (tmp_path / ".git").mkdir()
    files = {"requirements.txt": "flask==3.0.3\n"}
    for n in (1, 2, 3):
        files[f"tutorial{n}/website/__init__.py"] = FACTORY.format(call="")
        files[f"tutorial{n}/main.py"] = "from website import create_app\napp = create_app()\n"
    app = app_setup(write(tmp_path, files))
    assert app.command == "flask run --host 127.0.0.1 --port {port}"
    assert app.env["FLASK_APP"] == "tutorial1.main"
    assert ("3 folders hold an app: tutorial1/ (measured here) and tutorial2/, tutorial3/; to measure "
            "another, run `echotune-ci init --dir tutorial3` (--force to rewrite the workflows)"
            ) in app.all_checks()


def test_fastapi_docs_at_the_root_are_no_page(tmp_path):
    # fastapi-sqlmodel: FastAPI(..., docs_url="/"): "/" is Swagger UI, whose script comes from a CDN; the
    # frontend phase measured it ("painted no content") and scored Swagger's accessibility
    write(tmp_path, {"requirements.txt": "fastapi==0.110.0\nuvicorn==0.29.0\n",
                     "api/__init__.py": "",
                     "api/app.py": "from fastapi import FastAPI, APIRouter, Depends\n\n"
                                   "router = APIRouter()\n\n\n"
                                   "def create_app():\n    app = FastAPI(\n        title='heroes',\n"
                                   "        version=str(1),\n        docs_url=\"/\",\n    )\n"
                                   "    app.include_router(router, dependencies=[Depends(auth)])\n"
                                   "    return app\n",
                     "asgi.py": "from api.app import create_app\napi = create_app()\n"})
    app = app_setup(tmp_path)
    assert "frontend" not in app.phases and app.ready_path == "/openapi.json"
    assert ("phases", "security, load", 'api/app.py: "/" is FastAPI\'s API docs page, no page of the app\'s: '
            "no frontend") in decided(app)
    # docs elsewhere: "/" is the app's own
    (tmp_path / "api" / "app.py").write_text("from fastapi import FastAPI\n"
                                             "app = FastAPI(docs_url='/docs')\n\n"
                                             "@app.get('/', response_class=HTMLResponse)\ndef home():\n"
                                             "    return HTMLResponse('<h1>Heroes</h1>')\n")
    assert "frontend" in app_setup(tmp_path).phases


def test_the_port_read_through_a_unary_plus_or_an_imported_config(tmp_path):
    from echotune_ci.project.nodeapp import node_port

    # basic-redis-chat-app-demo-nodejs: server.listen(+PORT, ...), PORT from ./config, which reads the env
    write(tmp_path, {"server/config.js": "let DEFAULT_PORT = 4000;\nconst PORT = process.env.PORT || "
                                         "DEFAULT_PORT;\nmodule.exports = { PORT };\n",
                     "server/index.js": "const { PORT } = require('./config');\n"
                                        "const server = require('http').createServer();\n"
                                        "server.listen(+PORT, '0.0.0.0');\n"})
    assert node_port(tmp_path) == (None, "PORT", "server/config.js reads PORT")
    (tmp_path / "server" / "index.js").write_text("import { PORT } from './config.js';\n"
                                                  "app.listen(Number(PORT));\n")
    assert node_port(tmp_path) == (None, "PORT", "server/config.js reads PORT")
    (tmp_path / "server" / "config.js").write_text("module.exports = { PORT: 4000 };\n")
    assert node_port(tmp_path) == (None, "", "")


def test_a_fixed_port_is_checked_only_where_run_base_ref_cannot_move_it(tmp_path):
    # WebDevSimplified/Nodejs-Passport-Login: app.listen(3000); init wrote port = 3000 and the pull request
    # workflow's run --base-ref measured the head alone. It now moves the base's listen (Node's net module,
    # test_serve_moved_port.py), so node needs no change; bun loads no Node preload: that one still measures
    # the head alone, and init says so. uvicorn.run was checked as binding in uvloop's C code, but uvloop
    # binds a socket.socket (its loop.pyx create_server), and uvicorn 0.55 on uvloop 0.23 was moved.
    # Its package.json's main is index.js, which does not exist: server.js was said to be its main.
    write(tmp_path, {"package.json": json.dumps({"name": "login", "main": "index.js",
                                                 "dependencies": {"express": "4", "ejs": "3"}}),
                     "package-lock.json": json.dumps({"name": "login", "lockfileVersion": 3, "packages": {}}),
                     "server.js": "const express = require('express');\nconst app = express();\n"
                                  "app.get('/', (req, res) => res.send('hi'));\napp.listen(3000);\n"})
    app = app_setup(tmp_path)
    assert app.port == 3000 and app.command == "node server.js"
    assert ("command", "node server.js", "server.js (a server file; no start script or main)") in decided(app)
    assert ("port", "3000", "server.js: listen(3000)") in decided(app)
    assert not [c for c in app.all_checks() if "always listens" in c]
    write(tmp_path / "bun", {"package.json": json.dumps({"name": "b", "scripts": {"start": "bun server.js"},
                                                        "dependencies": {"express": "4"}}),
                             "server.js": "const app = require('express')();\napp.listen(3000);\n"})
    bun = app_setup(tmp_path / "bun")
    assert [c for c in bun.all_checks() if "always listens" in c] == [
        "the server always listens on 3000 (server.js: listen(3000)) and bun does not load Node's preloads, "
        "which move a listen: `run --base-ref`, which the pull request workflow runs, cannot start the base "
        "beside it and measures the head alone; read the port from the environment (process.env.PORT || "
        "3000) for base-against-head comparisons"], (bun.command, bun.all_checks())
    write(tmp_path / "py", {"requirements.txt": "fastapi\nuvicorn[standard]\n",
                            "Procfile": "web: python main.py\n",
                            "main.py": "import uvicorn\nfrom fastapi import FastAPI\napp = FastAPI()\n\n"
                                       "if __name__ == '__main__':\n    uvicorn.run(app, port=8001)\n"})
    py = app_setup(tmp_path / "py")
    assert py.port == 8001 and not [c for c in py.all_checks() if "always listens" in c], py.all_checks()


def test_a_fixed_port_whose_start_script_replaces_node_options_is_checked(tmp_path):
    # `"start": "NODE_OPTIONS=--max-old-space-size=512 node server.js"` replaces the NODE_OPTIONS that carry
    # run --base-ref's preload: the base's listen stays on the head's port, it does not start, and the pull
    # request is measured on the head alone (test_serve_moved_port.py runs it). One that keeps the value it
    # had ($NODE_OPTIONS) keeps the preload, and so does a Procfile's, which init puts in [serve] env.
    replacing = "NODE_OPTIONS=--max-old-space-size=512 node server.js"
    server = {"server.js": "const app = require('express')();\napp.listen(3000);\n"}
    for name, start in (("replaces", replacing), ("keeps", 'NODE_OPTIONS="$NODE_OPTIONS --trace-warnings" '
                                                          "node server.js")):
        write(tmp_path / name, {"package.json": json.dumps({"name": "n", "scripts": {"start": start},
                                                            "dependencies": {"express": "4"}}), **server})
    write(tmp_path / "procfile", {"package.json": json.dumps({"name": "n", "dependencies": {"express": "4"}}),
                                  "Procfile": f"web: {replacing}\n", **server})
    assert [c for c in app_setup(tmp_path / "replaces").all_checks() if "always listens" in c] == [
        "the server always listens on 3000 (server.js: listen(3000)) and "
        "`NODE_OPTIONS=--max-old-space-size=512` replaces the NODE_OPTIONS that carry the preload which "
        "moves a listen: `run --base-ref`, which the pull request workflow runs, cannot start the base "
        "beside it and measures the head alone; read the port from the environment (process.env.PORT || "
        "3000) for base-against-head comparisons"]
    assert not [c for c in app_setup(tmp_path / "keeps").all_checks() if "always listens" in c]
    procfile = app_setup(tmp_path / "procfile")
    assert procfile.env == {"NODE_OPTIONS": "--max-old-space-size=512"} and procfile.port == 3000
    assert not [c for c in procfile.all_checks() if "always listens" in c]
