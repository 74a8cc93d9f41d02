"""`init` loads the app's own GET routes, not "/" alone: find_load_routes reads the routes find_health
reads (with their router prefixes) and leaves out what needs a login, takes parameters or is no endpoint to
load (logout, docs, health). The apps below are small copies of the shapes real apps have: IanKulin/todo
(`app.get('/todos', ...)` in server.cjs), OWASP NodeGoat (`app.get('/dashboard', isLoggedIn, ...)`),
microblog (`@login_required`, `@token_auth.login_required`) and FastAPI's `Depends(get_current_user)`."""

from __future__ import annotations

import tomllib
from pathlib import Path

from echotune_ci.config import load_config
from echotune_ci.project.files import JS_SUFFIXES, source_files
from echotune_ci.project.health import find_load_routes
from echotune_ci.project.init import init_project
from test_init_workspaces import machine, write  # noqa: F401 (machine: an autouse fixture)

REF = "0123456789abcdef0123456789abcdef01234567"


def routes(root: Path, limit: int = 10) -> list[tuple[str, str]]:
    found = find_load_routes(list(source_files(root, (".py", *JS_SUFFIXES))), root, limit)
    return [(r.path, r.where) for r in found]


EXPRESS = """\
const express = require('express');
const { isLoggedIn } = require('./session');
const items = require('./routes/items');
const admin = require('./routes/admin');
const app = express();
app.use(express.json());
app.get('/', (req, res) => res.sendFile('index.html'));
app.get('/health', (req, res) => res.send('ok'));
app.get('/todos', (req, res) => { const token = req.query.t; res.json([]); });
app.get('/todos/:id', (req, res) => res.json({}));
app.get('/dashboard', isLoggedIn, (req, res) => res.json({}));
app.get('/logout', (req, res) => res.redirect('/'));
app.get('/api-docs', (req, res) => res.send('docs'));
app.use('/api/items', items);
app.use('/admin', requireAuth, admin);
app.use('/api/private', verifyToken);
app.get('/api/private/stats', (req, res) => res.json({}));
app.listen(process.env.PORT || 3000);
"""

ITEMS = """\
const router = require('express').Router();
router.get('/', (req, res) => res.json([]));
router.get('/popular', (req, res) => res.json([]));
module.exports = router;
"""

ADMIN = """\
const router = require('express').Router();
router.get('/users', (req, res) => res.json([]));
module.exports = router;
"""


def test_express_routes_without_a_login_under_their_prefixes(tmp_path):
    write(tmp_path, {"server.js": EXPRESS, "routes/items.js": ITEMS, "routes/admin.js": ADMIN})
    # /api first; then /todos (whose handler mentions a token: the handler is not middleware). Left out:
    # "/", the health route, a parameter, isLoggedIn, /logout, the docs, the mounts behind requireAuth and
    # verifyToken.
    assert routes(tmp_path) == [("/api/items", "routes/items.js:2"),
                                ("/api/items/popular", "routes/items.js:3"), ("/todos", "server.js:9")]
    assert [p for p, _ in routes(tmp_path, limit=2)] == ["/api/items", "/api/items/popular"]


def test_a_router_that_asks_for_a_login_for_all_its_routes(tmp_path):
    write(tmp_path, {"server.js": "const express = require('express');\nconst app = express();\n"
                                  "const api = require('./api');\napp.use(helmet.frameguard());\n"
                                  "app.use('/api', api);\napp.get('/open', (q, s) => s.json([]));\n",
                     "api.js": "const router = require('express').Router();\nrouter.use(auth('read'));\n"
                               "router.get('/things', (q, s) => s.json([]));\nmodule.exports = router;\n"})
    # the app's own helmet.frameguard() is no login; the router's auth('read') is
    assert routes(tmp_path) == [("/open", "server.js:6")]


def test_python_views_that_ask_for_a_login_are_left_out(tmp_path):
    write(tmp_path, {
        "app.py": "from flask import Flask, Blueprint\nfrom flask_login import login_required\n"
                  "app = Flask(__name__)\napi = Blueprint('api', __name__, url_prefix='/api')\n"
                  "@api.route('/users')\n@token_auth.login_required\ndef users():\n    return []\n"
                  "@api.route('/tracks')\ndef tracks():\n    return []\n"
                  "@app.route('/explore')\n@login_required\ndef explore():\n    return ''\n"
                  "@app.route('/search', methods=['POST'])\ndef search():\n    return ''\n"
                  "@app.route('/about')\ndef about():\n    return ''\n"
                  "app.register_blueprint(api)\n",
    })
    assert routes(tmp_path) == [("/api/tracks", "app.py:9"), ("/about", "app.py:19")]


def test_fastapi_dependencies_that_name_a_login(tmp_path):
    write(tmp_path, {"main.py": (
        "from typing import Annotated\nfrom fastapi import FastAPI, APIRouter, Depends\n"
        "app = FastAPI()\nprivate = APIRouter(prefix='/private', dependencies=[Depends(verify_key)])\n"
        "@app.get('/users')\ndef users(db = Depends(get_db)):\n    return []\n"
        "@app.get('/me/orders')\ndef orders(user = Depends(get_current_user)):\n    return []\n"
        "@app.get('/items')\ndef items(user: Annotated[dict, Depends(get_current_user)]):\n    return []\n"
        "@app.get('/report', dependencies=[Depends(require_admin)])\ndef report():\n    return []\n"
        "@private.get('/stats')\ndef stats():\n    return []\n"
        "app.include_router(private)\n")})
    # a database session is no login; the rest are
    assert routes(tmp_path) == [("/users", "main.py:5")]


def test_init_suggests_them_as_load_endpoints(tmp_path):
    root = write(tmp_path, {
        "package.json": '{"name": "todo", "scripts": {"start": "node server.js"},'
                        ' "dependencies": {"express": "^4.19.0"}}',
        "package-lock.json": '{"name": "todo", "lockfileVersion": 3, "packages": {}}',
        "server.js": EXPRESS, "routes/items.js": ITEMS, "routes/admin.js": ADMIN,
    })
    done = init_project(root, ref=REF)
    text = (root / "echotune.toml").read_text()
    # Suggested, not loaded: a route may need a query, and a first run must not fail on init's guess.
    assert [e["path"] for e in tomllib.loads(text)["load"]["endpoints"]] == ["/", "/health"]
    assert [e.path for e in load_config(root / "echotune.toml").load.endpoints] == ["/", "/health"]
    assert "# GET routes of the code without parameters or a login (routes/items.js:2, routes/items.js:3, " \
           "server.js:9):" in text
    # Uncommented, the suggestions are valid endpoints.
    block = text[text.index("# [[load.endpoints]]"):].split("\n\n")[0]
    uncommented = "\n".join(line.removeprefix("# ") for line in block.splitlines() if line != "#")
    assert [e["path"] for e in tomllib.loads(uncommented)["load"]["endpoints"]] == [
        "/api/items", "/api/items/popular", "/todos"]
    decided = [d.value for d in done.app.decisions if d.key == "load"]
    assert decided == ["suggests /api/items, /api/items/popular, /todos (commented out)"]


def test_an_app_with_no_such_route_keeps_what_init_wrote_before(tmp_path):
    root = write(tmp_path, {"requirements.txt": "flask==3.0.0\n",
                            "app.py": "from flask import Flask\napp = Flask(__name__)\n"
                                      "@app.route('/')\ndef index():\n    return 'hi'\n"})
    init_project(root, ref=REF)
    text = (root / "echotune.toml").read_text()
    assert [e["path"] for e in tomllib.loads(text)["load"]["endpoints"]] == ["/"]
    assert "GET routes of the code" not in text
