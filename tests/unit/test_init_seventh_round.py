"""What init got wrong on the seventh round of real projects (2026-12-02), each as a fixture of our own."""

from __future__ import annotations

import json
from pathlib import Path

from echotune_ci.project.app import PLACEHOLDER_SECRET
from echotune_ci.project.init import app_setup
from test_init_workspaces import machine, write  # noqa: F401 (machine: an autouse fixture)


def test_flask_development_server_is_named_in_flask_app_not_by_the_option_flask_2_2_added(tmp_path):
    # Flask 2.0.3's CLI (run here): `flask --app app run` -> "Error: No such option '--app'."; with
    # FLASK_APP=app in the environment `flask run` serves the factory. The option came in Flask 2.2.
    write(tmp_path, {"requirements.txt": "Flask==2.0.3\nWerkzeug==2.0.3\n",
                     "app.py": "from flask import Flask\n\n\ndef create_app():\n"
                               "    return Flask(__name__)\n"})
    app = app_setup(tmp_path)
    assert app.command == "flask run --host 127.0.0.1 --port {port}"
    assert app.env["FLASK_APP"] == "app"


PACKAGE = json.dumps({"name": "passport-login", "main": "server.js", "scripts": {"start": "node server.js"},
                      "dependencies": {"express": "^4.18.2", "express-session": "^1.17.3"}})


def node_app(root: Path, server: str) -> Path:
    return write(root, {"package.json": PACKAGE, "server.js": server})


def test_a_session_secret_the_server_takes_with_no_default_gets_a_placeholder(tmp_path):
    # express-session 1.18 without `secret` (run here): every request 500, "Error: secret option required
    # for sessions"; with SESSION_SECRET=x, 200. The author's value sat in a .env the repository ignores.
    node_app(tmp_path, "const express = require('express')\nconst session = require('express-session')\n"
                       "const app = express()\n"
                       "app.use(session({ secret: process.env.SESSION_SECRET, resave: false }))\n"
                       "app.listen(process.env.PORT || 3000)\n")
    app = app_setup(tmp_path)
    assert app.env["SESSION_SECRET"] == PLACEHOLDER_SECRET
    said = "server.js:4 requires SESSION_SECRET (read as a value, no default): a placeholder is set here"
    assert any(n.startswith(said) for n in app.all_checks())


def test_a_secret_only_tested_or_read_with_a_default_or_a_password_gets_none(tmp_path):
    node_app(tmp_path, "const app = require('express')()\n"
                       "if (process.env.STRIPE_SECRET_KEY) {\n"
                       "  app.set('stripe', process.env.STRIPE_SECRET_KEY)\n}\n"
                       "const jwtSecret = process.env.JWT_SECRET || 'dev-secret'\n"
                       "const db = connect({ password: process.env.DB_PASSWORD })\n"
                       "app.listen(process.env.PORT || 3000)\n")
    app = app_setup(tmp_path)
    assert not {"STRIPE_SECRET_KEY", "JWT_SECRET", "DB_PASSWORD"} & set(app.env)


def test_flask_secret_key_taken_from_the_environment_with_no_default_gets_a_placeholder(tmp_path):
    # Flask 3 with SECRET_KEY None: session[...] = ... raises "The session is unavailable because no secret
    # key was set" (a 500 on every page that logs in or flashes).
    write(tmp_path, {"requirements.txt": "Flask==3.0.3\ngunicorn==22.0.0\n",
                     "app.py": "import os\nfrom flask import Flask\n\napp = Flask(__name__)\n"
                               "app.config['SECRET_KEY'] = os.environ.get('SECRET_KEY')\n"
                               "DATABASE_PASSWORD = os.environ.get('DATABASE_PASSWORD')\n"})
    app = app_setup(tmp_path)
    assert app.env["SECRET_KEY"] == PLACEHOLDER_SECRET
    assert "DATABASE_PASSWORD" not in app.env
