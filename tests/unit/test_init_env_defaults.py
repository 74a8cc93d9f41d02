"""`init` asks for a variable a deployment file lists (app.json's `"generator": "secret"`, render.yaml's
`generateValue`) only when the app's code cannot do without it. miguelgrinberg/microblog-api lists
SECRET_KEY in app.json and its config.py reads `os.environ.get('SECRET_KEY', 'top-secret!')`: init said
"app.json (env) says SECRET_KEY must be set" although the app starts without it. A read without a default
(`os.environ['SECRET_KEY']`, `SECRET_KEY = os.environ.get('SECRET_KEY')`, `jwt.sign(p, process.env.X)`)
keeps the check; Django's settings, which stop on an empty SECRET_KEY, get a placeholder for a `.get`
without a default too."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from echotune_ci.project.app import PLACEHOLDER_SECRET
from echotune_ci.project.envdefaults import defaulted_env, read_without_default
from echotune_ci.project.init import init_project
from echotune_ci.project.pyapp import required_env
from test_init_workspaces import machine, write  # noqa: F401 (machine: an autouse fixture)

REF = "0123456789abcdef0123456789abcdef01234567"
PLACEHOLDER = "echotune-ci-local-only-not-a-secret"

APP_JSON = json.dumps({"name": "notes", "env": {"SECRET_KEY": {"description": "Signs tokens",
                                                               "generator": "secret"}}})
FLASK_APP = ("from flask import Flask\nfrom config import Config\napp = Flask(__name__)\n"
             "app.config.from_object(Config)\n\n@app.get('/')\ndef index():\n    return 'notes'\n")


def flask_app(root: Path, config: str) -> Path:
    return write(root, {"requirements.txt": "flask==3.0.3\ngunicorn==22.0.0\n",
                        "Procfile": "web: gunicorn app:app\n", "app.json": APP_JSON,
                        "app.py": FLASK_APP, "config.py": "import os\n\n\nclass Config:\n" + config})


def secret_notes(done) -> list[str]:
    return [n for n in done.app.all_checks() if "SECRET_KEY" in n]


@pytest.mark.parametrize("config", [
    "    SECRET_KEY = os.environ.get('SECRET_KEY') or 'dev-key'\n",
    "    SECRET_KEY = os.getenv(\"SECRET_KEY\", \"x\")\n",
    "    SECRET_KEY = os.environ.get(\"SECRET_KEY\", \"x\")\n",
])
def test_a_default_in_the_config_asks_for_nothing(tmp_path, config):
    done = init_project(flask_app(tmp_path, config), ref=REF)
    assert secret_notes(done) == []
    assert "SECRET_KEY" not in done.app.env
    decided = [d.line() for d in done.app.decisions if d.value == "SECRET_KEY not set"]
    assert decided == ["env: SECRET_KEY not set  <- config.py reads it with a default (line 5); "
                       "app.json (env) asks for one when deployed"]


@pytest.mark.parametrize("config", [
    "    SECRET_KEY = os.environ['SECRET_KEY']\n",
    "    SECRET_KEY = os.environ.get('SECRET_KEY')\n",
    "    SECRET_KEY = os.environ.get('SECRET_KEY', '')\n",
    # a default here, but a read elsewhere that fails without the variable
    "    SECRET_KEY = os.environ.get('SECRET_KEY') or 'dev-key'\n\n\n"
    "def sign(data):\n    return hmac.new(os.environ['SECRET_KEY'].encode(), data, 'sha256')\n",
])
def test_a_read_without_a_default_keeps_the_check(tmp_path, config):
    done = init_project(flask_app(tmp_path, config), ref=REF)
    said = ("app.json (env) says SECRET_KEY must be set (a secret or a setting): set it in the job's "
            "environment, which the app inherits (a workflow step's env: SECRET_KEY: ${{ secrets.SECRET_KEY "
            "}}), or a value that is no secret in [serve] env")
    (note,) = secret_notes(done)  # said once
    if done.app.env.get("SECRET_KEY") == PLACEHOLDER_SECRET:  # a read at import: the placeholder's own check
        how = r"(os\.environ\['SECRET_KEY'\]|read as a value)"
        assert re.search(rf"^config\.py:\d+ requires SECRET_KEY \({how}, no default\): a placeholder", note)
    else:
        assert note == said


def test_the_code_not_reading_it_keeps_the_check(tmp_path):
    # a library may read it: what app.json asks for stands
    root = flask_app(tmp_path, "    DEBUG = False\n")
    notes = secret_notes(init_project(root, ref=REF))
    assert any("app.json (env) says SECRET_KEY must be set" in n for n in notes)


def test_render_yaml_and_a_node_default(tmp_path):
    root = write(tmp_path, {
        "package.json": '{"name": "api", "scripts": {"start": "node server.js"},'
                        ' "dependencies": {"express": "^4.19.0", "jsonwebtoken": "^9.0.0"}}',
        "package-lock.json": '{"name": "api", "lockfileVersion": 3, "packages": {}}',
        "render.yaml": "services:\n  - type: web\n    name: api\n    startCommand: node server.js\n"
                       "    envVars:\n      - key: JWT_SECRET\n        generateValue: true\n"
                       "      - key: SESSION_SECRET\n        generateValue: true\n",
        "server.js": "const express = require('express');\nconst jwt = require('jsonwebtoken');\n"
                     "const app = express();\nconst secret = process.env.JWT_SECRET || 'dev-secret';\n"
                     "if (process.env.JWT_SECRET) console.log('using the given secret');\n"
                     "app.get('/', (req, res) => res.json({ token: jwt.sign({}, secret) }));\n"
                     "app.get('/s', (req, res) => res.json({ s: sign(process.env.SESSION_SECRET) }));\n"
                     "app.listen(process.env.PORT || 3000);\n",
    })
    app = init_project(root, ref=REF).app
    notes = app.all_checks()
    assert not any("JWT_SECRET" in n for n in notes)
    # taken as a value with no default: a placeholder, whose own check replaces render.yaml's
    assert app.env["SESSION_SECRET"] == PLACEHOLDER_SECRET
    assert [n for n in notes if "SESSION_SECRET" in n] == [
        "server.js:7 requires SESSION_SECRET (read as a value, no default): a placeholder is set here; in CI "
        "pass a real one from a secret"]


@pytest.mark.parametrize(("files", "expected"), [
    ({"settings.py": "from pydantic_settings import BaseSettings\nimport secrets\n\n\n"
                     "class Settings(BaseSettings):\n    SECRET_KEY: str = secrets.token_urlsafe(32)\n"},
     {"SECRET_KEY": "settings.py:6"}),
    ({"settings.py": "from pydantic_settings import BaseSettings\n\n\nclass Settings(BaseSettings):\n"
                     "    secret_key: str\n"}, {}),
    ({"settings.py": "from pydantic import Field\nfrom pydantic_settings import BaseSettings\n\n\n"
                     "class Settings(BaseSettings):\n    secret_key: str = Field(...)\n"}, {}),
    ({"settings.py": "from decouple import config\nSECRET_KEY = config('SECRET_KEY', default='x')\n"},
     {"SECRET_KEY": "settings.py:2"}),
    ({"settings.py": "import environ\nenv = environ.Env()\nSECRET_KEY = env.str('SECRET_KEY')\n"}, {}),
    ({"config.py": "import os\ntry:\n    KEY = os.environ['SECRET_KEY']\nexcept KeyError:\n"
                   "    KEY = 'dev'\n"}, {"SECRET_KEY": "config.py:3"}),
    ({"config.py": "import os\ntry:\n    KEY = os.environ['SECRET_KEY']\nexcept KeyError:\n"
                   "    raise SystemExit('set SECRET_KEY')\n"}, {}),
    # only tested, then read with a default
    ({"config.py": "import os\nif not os.environ.get('SECRET_KEY'):\n    print('a development key')\n"
                   "KEY = os.environ.get('SECRET_KEY') or 'dev'\n"}, {"SECRET_KEY": "config.py:4"}),
    ({"config.py": "import os\nKEY = os.environ.get('SECRET_KEY') or os.environ.get('FLASK_SECRET')\n"}, {}),
    ({"src/auth.ts": "export const { SECRET_KEY = 'dev' } = process.env;\n"},
     {"SECRET_KEY": "src/auth.ts:1"}),
    ({"src/auth.ts": "export const key = process.env['SECRET_KEY'] ?? 'dev';\n"},
     {"SECRET_KEY": "src/auth.ts:1"}),
    ({"src/auth.js": "const key = process.env.SECRET_KEY || '';\n"}, {}),
    ({"src/auth.js": "const { SECRET_KEY } = process.env;\n"}, {}),
    # tests and dependencies are not the app's code
    ({"config.py": "import os\nKEY = os.getenv('SECRET_KEY', 'x')\n",
      "tests/test_config.py": "import os\nKEY = os.environ['SECRET_KEY']\n"}, {"SECRET_KEY": "config.py:2"}),
])
def test_which_reads_give_a_default(tmp_path, files, expected):
    assert defaulted_env(write(tmp_path, files), ["SECRET_KEY"]) == expected


@pytest.mark.parametrize(("statement", "required"), [
    ("SECRET_KEY = os.environ.get('DJANGO_SECRET_KEY')", True),
    ("SECRET_KEY = os.environ['DJANGO_SECRET_KEY']", True),
    ("SECRET_KEY = env('DJANGO_SECRET_KEY')", True),
    ("SECRET_KEY = config('DJANGO_SECRET_KEY')", True),
    ("SECRET_KEY = os.environ.get('DJANGO_SECRET_KEY') or 'django-insecure-dev'", False),
    ("SECRET_KEY = os.getenv('DJANGO_SECRET_KEY', 'django-insecure-dev')  # development only", False),
    ("SECRET_KEY = env('DJANGO_SECRET_KEY', default='django-insecure-dev')", False),
])
def test_what_a_django_secret_key_statement_requires(statement, required):
    assert read_without_default(statement) is required


@pytest.mark.parametrize(("secret", "placeholder"), [
    ("os.environ.get('DJANGO_SECRET_KEY')", True),  # Django stops: "The SECRET_KEY setting must not be empty"
    ("os.environ.get('DJANGO_SECRET_KEY') or 'django-insecure-dev'", False),
])
def test_django_gets_a_placeholder_when_its_key_has_no_default(tmp_path, secret, placeholder):
    root = write(tmp_path, {
        "requirements.txt": "Django==5.0.6\ngunicorn==22.0.0\n",
        "manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site.settings')\n",
        "site/__init__.py": "", "site/wsgi.py": "application = None\n",
        "site/settings.py": f"import os\nSECRET_KEY = {secret}\nDEBUG = False\nALLOWED_HOSTS = ['*']\n",
    })
    app = init_project(root, ref=REF).app
    assert (app.env.get("DJANGO_SECRET_KEY") == PLACEHOLDER) is placeholder
    assert any("requires DJANGO_SECRET_KEY" in n for n in app.all_checks()) is placeholder


def test_a_variable_the_code_sets_a_default_for_is_not_required(tmp_path):
    root = write(tmp_path, {"config/__init__.py": "import os\nos.environ.setdefault('SECRET_KEY', 'dev')\n",
                            "config/settings.py": "import os\nSECRET_KEY = os.environ['SECRET_KEY']\n"
                                                  "MAIL_SERVER = os.environ['MAIL_SERVER']\n"})
    assert [r.name for r in required_env(root, sorted(root.rglob("*.py")))] == ["MAIL_SERVER"]


def test_a_javascript_read_that_falls_back_to_another_variable_has_no_default(tmp_path):
    # process.env.A || process.env.B gives no value when neither is set, as os.environ.get('A') or
    # os.environ.get('B') does not
    (tmp_path / "server.js").write_text("const secret = process.env.JWT_SECRET || process.env.SECRET;\n"
                                        "const level = process.env.LOG_LEVEL || 'info';\n")
    assert defaulted_env(tmp_path, ["JWT_SECRET", "SECRET", "LOG_LEVEL"]) == {"LOG_LEVEL": "server.js:2"}


def test_the_key_a_jwt_is_signed_with_gets_a_placeholder_whatever_its_name(tmp_path):
    """mern-ecommerce signs its access tokens with process.env.ACCESS_TOKEN_SECRET: init set a placeholder
    for REFRESH_TOKEN_SECRET, read the same way four lines below, but not for it (ACCESS names a provider's
    access key), so every login answered 500. A provider's token read as a value gets none."""
    root = write(tmp_path, {
        "package.json": '{"name": "shop", "scripts": {"start": "node server.js"},'
                        ' "dependencies": {"express": "^4.19.0", "jsonwebtoken": "^9.0.0"}}',
        "package-lock.json": '{"name": "shop", "lockfileVersion": 3, "packages": {}}',
        "server.js": "const express = require('express');\nconst jwt = require('jsonwebtoken');\n"
                     "const app = express();\n"
                     "const tokens = (userId) => ({\n"
                     "  access: jwt.sign({ userId }, process.env.ACCESS_TOKEN_SECRET, { expiresIn: 900 }),\n"
                     "  refresh: jwt.sign({ userId }, process.env.REFRESH_TOKEN_SECRET, {}),\n"
                     "});\n"
                     "const tweet = { token: process.env.TWITTER_ACCESS_TOKEN_SECRET };\n"
                     "app.get('/', (req, res) => res.json(tokens(1)));\n"
                     "app.listen(process.env.PORT || 3000);\n",
    })
    app = init_project(root, ref=REF).app
    assert app.env["ACCESS_TOKEN_SECRET"] == PLACEHOLDER_SECRET
    assert app.env["REFRESH_TOKEN_SECRET"] == PLACEHOLDER_SECRET
    assert "TWITTER_ACCESS_TOKEN_SECRET" not in app.env
    assert ("server.js:5 requires ACCESS_TOKEN_SECRET (read as a value, no default): a placeholder is set "
            "here; in CI pass a real one from a secret") in app.all_checks()
