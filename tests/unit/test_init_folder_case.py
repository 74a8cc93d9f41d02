"""`init` finds a project's conventional folders whatever their case (a trial on 2026-12-03).

A realtime-messaging app (Express API + Vite client) keeps its server in ``Backend/`` beside a lowercase
``frontend/``. Linux tells the cases apart, so init looked for ``backend/`` only, never saw the server,
and wrote the client's copied ``start`` script (``node dist/index.js``, which a Vite build never makes) as
the serve command: setup, build and start all aimed at the front end. The fixtures here are our own.
"""

from __future__ import annotations

import json

from echotune_ci.project.files import named_dirs
from echotune_ci.project.init import app_setup
from test_init_workspaces import machine, write  # noqa: F401 (machine: an autouse fixture)

SERVER = ('import express from "express";\nconst app = express();\n'
          'app.get("/health", (req, res) => res.json({ ok: true }));\n'
          "app.listen(process.env.PORT ?? 3001);\n")
CLIENT = json.dumps({"name": "ui", "scripts": {"build": "vite build", "preview": "vite preview",
                                               "start": "node dist/index.js"},
                     "devDependencies": {"vite": "7"}})


def test_named_dirs_match_any_case_and_keep_the_spelling_on_disk(tmp_path):
    for folder in ("Backend", "client", "CLIENT"):
        (tmp_path / folder).mkdir()
    (tmp_path / "Server").write_text("a file, not a folder")
    assert named_dirs(tmp_path, ("server", "backend", "client", ".")) == ["Backend", "client", "CLIENT", "."]
    assert named_dirs(tmp_path / "missing", ("backend",)) == []


def test_an_express_server_in_a_capitalised_folder_is_the_app_served(tmp_path):
    (tmp_path / ".git").mkdir()
    write(tmp_path, {
        "Backend/package.json": json.dumps({"name": "api", "scripts": {"start": "node src/index.js"},
                                            "dependencies": {"express": "5"}}),
        "Backend/package-lock.json": json.dumps({"name": "api", "lockfileVersion": 3, "packages": {}}),
        "Backend/src/index.js": SERVER,
        "frontend/package.json": CLIENT,
        "frontend/package-lock.json": json.dumps({"name": "ui", "lockfileVersion": 3, "packages": {}}),
        "frontend/index.html": "<!doctype html><title>ui</title>",
    })
    app = app_setup(tmp_path)
    assert app.command == "npm start --prefix Backend"
    assert app.setup.startswith("npm ci --prefix Backend")
    assert app.ready_path == "/health"


def test_a_server_file_in_a_capitalised_folder_of_its_package_is_started(tmp_path):
    (tmp_path / ".git").mkdir()
    write(tmp_path, {
        "package.json": json.dumps({"name": "api", "dependencies": {"express": "5"}}),
        "package-lock.json": json.dumps({"name": "api", "lockfileVersion": 3, "packages": {}}),
        "Server/index.js": SERVER,
    })
    assert app_setup(tmp_path).command == "node Server/index.js"


def test_a_python_app_in_a_capitalised_folder_is_found(tmp_path):
    (tmp_path / ".git").mkdir()
    write(tmp_path, {
        "Backend/requirements.txt": "flask==3.0.3\n",
        "Backend/app.py": ("from flask import Flask\napp = Flask(__name__)\n\n\n"
                           "@app.get('/health')\ndef health():\n    return 'ok'\n"),
    })
    app = app_setup(tmp_path)
    # served from its folder, with its requirements (not a bare `pip install flask` at the top)
    assert (app.kind, app.cwd) == ("python", "Backend")
    assert app.setup.endswith("pip install -r requirements.txt")


def _siblings(tmp_path, server_build: str):
    (tmp_path / ".git").mkdir()
    write(tmp_path, {
        "server/package.json": json.dumps({"name": "api", "scripts": {"build": server_build,
                                                                       "start": "node dist/index.js"},
                                           "dependencies": {"express": "5"},
                                           "devDependencies": {"typescript": "5"}}),
        "server/package-lock.json": json.dumps({"name": "api", "lockfileVersion": 3, "packages": {}}),
        "server/src/index.ts": SERVER,
        "web/package.json": CLIENT,
        "web/package-lock.json": json.dumps({"name": "ui", "lockfileVersion": 3, "packages": {}}),
    })
    return app_setup(tmp_path)


def test_a_client_beside_a_server_that_builds_itself_is_installed_and_built(tmp_path):
    """The trial's Backend/ had a build of its own (tsc), so only it was installed and built: the bundle
    phase then measured frontend/dist, which nothing made, and stopped on "no file matches"."""
    app = _siblings(tmp_path, "tsc")
    assert app.bundle_globs == ["web/dist/**/*.js", "web/dist/**/*.css"]
    assert app.setup == "npm ci --prefix server && npm ci --prefix web"
    assert app.build == "npm run build --prefix server && npm run build --prefix web"
    assert "web/package-lock.json" in app.setup_inputs


def test_a_client_the_servers_build_builds_is_not_built_twice(tmp_path):
    app = _siblings(tmp_path, "tsc && npm ci --prefix ../web && npm run build --prefix ../web")
    assert app.build == "npm run build --prefix server"
    assert app.setup == "npm ci --prefix server"


def test_an_app_that_uses_redis_gets_a_redis_url_to_uncomment_in_load(tmp_path):
    """An Express server caching in Redis (express-redis-react's shape): init named the Redis its compose
    file starts, but [load] had no redis_url, so the cache's hit ratio was never measured, nor said to be
    measurable. The line is commented (nothing here starts that Redis) and belongs to [load] itself."""
    import tomllib

    from echotune_ci.config import load_config
    from echotune_ci.project.init import plan_files

    (tmp_path / ".git").mkdir()
    write(tmp_path, {
        "server/package.json": json.dumps({"name": "api", "scripts": {"start": "node index.js"},
                                           "dependencies": {"express": "4", "redis": "4"}}),
        "server/index.js": SERVER.replace('import express from "express";',
                                          'import express from "express";\nimport redis from "redis";'),
    })
    text = plan_files(tmp_path, app_setup(tmp_path), ref="main")["echotune.toml"]
    assert "# The app uses Redis (redis in server/package.json)" in text
    assert '\n# redis_url = "redis://127.0.0.1:6379"\n' in text
    uncommented = text.replace('# redis_url = ', 'redis_url = ')
    assert tomllib.loads(uncommented)["load"]["redis_url"] == "redis://127.0.0.1:6379"
    (tmp_path / "echotune.toml").write_text(uncommented)
    assert load_config(tmp_path / "echotune.toml").load.redis_url == "redis://127.0.0.1:6379"
    # without a Redis client, no such line
    plain = {"name": "api", "scripts": {"start": "node index.js"}, "dependencies": {"express": "4"}}
    (tmp_path / "server/package.json").write_text(json.dumps(plain))
    assert "redis_url" not in plan_files(tmp_path, app_setup(tmp_path), ref="main")["echotune.toml"]
