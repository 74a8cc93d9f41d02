"""An app's variables that its own committed .env gives (Node.js and Python), and its client's build
variables.

cypress-io/cypress-realworld-app (6eacef17) commits a .env (PAGINATION_PAGE_SIZE=10, the SEED_ counts)
that ``require("dotenv").config()`` loads at the top of backend/app.ts; init said "backend/app.ts:69
requires PAGINATION_PAGE_SIZE ...: the app stops without it" for 14 variables, 4 of them VITE_ ones read
in the React client's own src/, which Vite inlines at build time. dotenv (16.x, lib/main.js) reads
``.env`` from the process's working folder and never overrides a variable already set; a .env git does
not track is not in the fresh clone CI runs.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from echotune_ci.project.init import app_setup
from test_init_workspaces import machine, write  # noqa: F401 (machine: an autouse fixture)

APP = """\
require("dotenv").config();
const express = require("express");

const app = express();
if (!process.env.PAGINATION_PAGE_SIZE) {
  throw new Error("PAGINATION_PAGE_SIZE is required");
}
app.get("/api/items", (req, res) => res.json([]));
app.listen(process.env.PORT || 3001);
"""
CLIENT = "export const domain = process.env.VITE_AUTH0_DOMAIN!;\n"
PACKAGE = {"name": "rwa", "main": "backend/app.js", "scripts": {"start": "node backend/app.js"},
           "dependencies": {"express": "^4.21.2", "dotenv": "16.0.0"}, "devDependencies": {"vite": "^5.4.0"}}


def project(root: Path, app: str = APP, *, commit_env: bool = True) -> Path:
    write(root, {"backend/app.js": app, "src/auth.ts": CLIENT, "package.json": json.dumps(PACKAGE),
                 ".env": "PAGINATION_PAGE_SIZE=10\nSEED_USERBASE_SIZE=5\n"})
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "add", "backend", "src", "package.json",
                    *([".env"] if commit_env else [])], check=True)
    return root


def required_notes(app) -> list[str]:
    return [n for n in app.all_checks() if " requires " in n]


def test_a_committed_env_the_app_loads_gives_its_variables(tmp_path):
    app = app_setup(project(tmp_path))
    assert required_notes(app) == []  # nor VITE_AUTH0_DOMAIN of src/auth.ts, which Vite's build inlines
    assert "PAGINATION_PAGE_SIZE" not in app.env  # dotenv sets it in the app; nothing to add


@pytest.mark.parametrize(("app_text", "commit_env"), [
    (APP, False),  # the developer's own .env: a fresh clone has none
    (APP.replace('require("dotenv").config();\n', ""), True),  # nothing loads it
])
def test_otherwise_the_variable_is_required(tmp_path, app_text, commit_env):
    app = app_setup(project(tmp_path, app_text, commit_env=commit_env))
    line = app_text.splitlines().index("if (!process.env.PAGINATION_PAGE_SIZE) {") + 1
    assert required_notes(app) == [
        f"backend/app.js:{line} requires PAGINATION_PAGE_SIZE (process.env.PAGINATION_PAGE_SIZE checked, no "
        "default): the app stops without it; add it to [serve] env with a value for this machine"]


@pytest.mark.parametrize("loader", ['import "dotenv/config";\n', "import * as dotenv from 'dotenv';\n",
                                    "process.loadEnvFile();\n"])
def test_each_way_of_loading_it_counts(tmp_path, loader):
    app = app_setup(project(tmp_path, APP.replace('require("dotenv").config();\n', loader)))
    assert required_notes(app) == []


FLASK_APP = """\
import os

from dotenv import load_dotenv
from flask import Flask

load_dotenv()
PAGE_SIZE = int(os.environ["PAGE_SIZE"])
app = Flask(__name__)


@app.get("/")
def index():
    return {"size": PAGE_SIZE}
"""


@pytest.mark.parametrize(("app_text", "commit_env", "required"), [
    (FLASK_APP, True, False),
    (FLASK_APP, False, True),  # untracked: a fresh clone has no .env
    (FLASK_APP.replace("load_dotenv()\n", ""), True, True),  # nothing loads it (gunicorn does not)
])
def test_python_dotenvs_load_dotenv_counts_alike(tmp_path, app_text, commit_env, required):
    # python-dotenv 1.0's load_dotenv() finds the .env beside the module that calls it and sets what
    # the environment lacks
    write(tmp_path, {"app.py": app_text, ".env": "PAGE_SIZE=10\n",
                     "requirements.txt": "flask==3.1.0\npython-dotenv==1.0.1\ngunicorn==23.0.0\n"})
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "add", "app.py", "requirements.txt",
                    *([".env"] if commit_env else [])], check=True)
    app = app_setup(tmp_path)
    assert bool([n for n in required_notes(app) if "PAGE_SIZE" in n]) is required


NAMED_APP = APP.replace('require("dotenv").config();', 'require("dotenv").config({ path: ".env.local" });')


@pytest.mark.parametrize(("app_text", "local", "required"), [
    # dotenv 16 (lib/main.js configDotenv): a `path` given is the only file read, the .env beside it is not
    (NAMED_APP, "", True),
    (NAMED_APP, "PAGINATION_PAGE_SIZE=20\n", False),  # the file it names gives it, when committed
    # Node 20's --env-file and loadEnvFile(path) alike; a default load beside the named one reads .env too
    (APP.replace('require("dotenv").config();', 'process.loadEnvFile(".env.local");'), "", True),
    (APP.replace('require("dotenv").config();',
                 'require("dotenv").config();\nprocess.loadEnvFile(".env.local");'), "", False),
])
def test_a_loader_that_names_its_file_reads_that_one(tmp_path, app_text, local, required):
    root = project(tmp_path, app_text)
    if local:
        write(root, {".env.local": local})
        subprocess.run(["git", "-C", str(root), "add", ".env.local"], check=True)
    app = app_setup(root)
    assert bool([n for n in required_notes(app) if "PAGINATION_PAGE_SIZE" in n]) is required


def test_a_file_named_from_the_sources_folder_is_found_there(tmp_path):
    # path.resolve(__dirname, "../.env") from backend/app.js is the top folder's .env, committed: given
    app = APP.replace('require("dotenv").config();',
                      'const path = require("path");\n'
                      'require("dotenv").config({ path: path.resolve(__dirname, "../.env") });')
    assert required_notes(app_setup(project(tmp_path, app))) == []
    # and one a developer keeps untracked in backend/ gives nothing
    other = APP.replace('require("dotenv").config();',
                        'require("dotenv").config({ path: require("path").join(__dirname, ".env") });')
    root = project(tmp_path / "other", other)
    write(root, {"backend/.env": "PAGINATION_PAGE_SIZE=10\n"})
    assert [n for n in required_notes(app_setup(root)) if "PAGINATION_PAGE_SIZE" in n]
