"""`init` loads the app's own GET routes, not "/" alone: find_load_routes reads the routes find_health
reads (with their router prefixes) and leaves out what needs a login, takes parameters or is no endpoint to
load (logout, docs, health). The apps below are small copies of the shapes real apps have: IanKulin/todo
(`app.get('/todos', ...)` in server.cjs), OWASP NodeGoat (`app.get('/dashboard', isLoggedIn, ...)`),
microblog (`@login_required`, `@token_auth.login_required`) and FastAPI's `Depends(get_current_user)`."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

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
    assert "# GET routes of the code without parameters or a login: uncomment those your users call" in text
    assert "# [[load.endpoints]]  # routes/items.js:2\n# path = \"/api/items\"\n" in text
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


EXPRESS_HEAD = "const express = require('express');\nconst app = express();\n"
FASTAPI_HEAD = ("from typing import Annotated\nfrom fastapi import FastAPI, APIRouter, Depends\n"
                "app = FastAPI()\n")


@pytest.mark.parametrize(("files", "expected"), [
    # Prettier puts a route's arguments on lines of their own: the guard is on the second
    ({"s.js": EXPRESS_HEAD + "app.get(\n  '/api/orders',\n  requireAuth,\n  (req, res) => res.json([]));\n"
              "app.get(\n  '/api/open',\n  (req, res) => res.json([]));\n"}, ["/api/open"]),
    # Fastify's options object, a validator before the guard
    ({"s.js": "const fastify = require('fastify');\nconst app = fastify();\n"
              "app.get('/api/me2', { onRequest: [app.authenticate] }, async () => []);\n"
              "app.get('/api/list', validate({query: s}), requireAuth, async () => []);\n"
              "app.get('/api/free', async () => []);\n"}, ["/api/free"]),
    # router.route('/x').get(...), a TypeScript generic, the guard of one verb only
    ({"s.ts": EXPRESS_HEAD + "const r = express.Router();\n"
              "r.route('/items').post(auth('manage'), create).get(list);\n"
              "r.route('/carts').get(auth('read'), list);\n"
              "r.get<{}, Item[]>('/tags', (req, res) => res.json([]));\napp.use('/api', r);\n"},
     ["/api/items", "/api/tags"]),
    # not routes: a comment, a Map, a client call, a router no mount names
    ({"s.js": EXPRESS_HEAD + "// app.get('/api/old', (q, s) => s.json([]));\nconst cache = new Map();\n"
              "cache.get('/api/key');\naxios.get('/api/orders/mine');\n"
              "module.exports = (router) => { router.get('/items', list); };\n"
              "app.get('/api/real', (q, s) => s.json([]));\n"}, ["/api/real"]),
    # guards on paths: app.all with a wildcard, router.use under the router's prefix; not a required file
    ({"s.js": EXPRESS_HEAD + "const r = express.Router();\napp.all('/api/private/*', requireAuth);\n"
              "app.get('/api/private/stats', (q, s) => s.json({}));\nr.use('/account', requireAuth);\n"
              "r.get('/account/orders', (q, s) => s.json([]));\nr.get('/catalog', (q, s) => s.json([]));\n"
              "app.use('/shop', r);\napp.use('/auth', require('./routes/auth'));\n"}, ["/shop/catalog"]),
    # the app's own passport.authenticate guards the routes declared after it
    ({"s.js": EXPRESS_HEAD + "app.get('/api/public', (q, s) => s.json({}));\n"
              "app.use(passport.authenticate('jwt', { session: false }));\n"
              "app.get('/api/orders', (q, s) => s.json([]));\n"}, ["/api/public"]),
    # FastAPI: a login through an alias, other names for the current user, a required query, a path of ""
    ({"m.py": FASTAPI_HEAD + "CurrentUser = Annotated[dict, Depends(get_current_user)]\n"
              "SessionDep = Annotated[object, Depends(get_db)]\nitems = APIRouter(prefix='/api/items')\n"
              "@app.get('/api/orders')\ndef orders(user: CurrentUser):\n    return []\n"
              "@app.get('/api/users', dependencies=[Depends(get_current_active_superuser)])\n"
              "def users():\n    return []\n"
              "@app.get('/api/cart')\ndef cart(user=Depends(get_user)):\n    return []\n"
              "@app.get('/api/search')\ndef search(q: str, session: SessionDep):\n    return []\n"
              "@app.get('/api/presets')\ndef presets(session: SessionDep, limit: int = 10):\n    return []\n"
              "@items.get('')\ndef listing():\n    return []\n"
              "@app.api_route('/api/hook', methods=['POST'])\ndef hook():\n    return []\n"
              "app.include_router(items)\n"}, ["/api/presets", "/api/items"]),
    # Flask: a blueprint whose before_request asks for a login, a view_func wrapped in one
    ({"a.py": "from flask import Flask, Blueprint\napp = Flask(__name__)\n"
              "bp = Blueprint('account', __name__, url_prefix='/account')\n"
              "@bp.before_request\n@login_required\ndef guard():\n    pass\n"
              "@bp.route('/orders')\ndef orders():\n    return '[]'\n"
              "def items():\n    return '[]'\n"
              "app.add_url_rule('/api/items', view_func=items)\n"
              "app.add_url_rule('/api/secret', view_func=login_required(V.as_view('s')))\n"
              "app.register_blueprint(bp)\n"}, ["/api/items"]),
    # A login the route can do without (the RealWorld apps' auth.optional) is no guard; auth.required is
    ({"s.js": EXPRESS_HEAD + "const router = require('express').Router();\n"
              "router.get('/articles', auth.optional, function (req, res) { res.json([]); });\n"
              "router.get('/user', auth.required, function (req, res) { res.json({}); });\n"
              "router.get('/tags', optionalAuth, (req, res) => res.json([]));\n"
              "router.get('/feed', passport.authenticate(['jwt', 'anonymous']), (q, s) => s.json([]));\n"
              "app.use('/api', router);\n"}, ["/api/articles", "/api/tags", "/api/feed"]),
    ({"m.py": FASTAPI_HEAD + "@app.get('/api/feed')\ndef feed(user=Depends(get_current_user_optional)):\n"
              "    return []\n@app.get('/api/me')\ndef me(user=Depends(get_current_user)):\n    return []\n"},
     ["/api/feed"]),
])
def test_what_a_route_needs_decides_whether_it_is_suggested(tmp_path, files, expected):
    write(tmp_path, files)
    assert [path for path, _ in routes(tmp_path)] == expected


def test_a_default_too_deep_to_write_back_is_no_crash(tmp_path):
    # A 900-term default: ast.unparse of it raises RecursionError; the parent commit's init read it fine.
    write(tmp_path, {"main.py": FASTAPI_HEAD + "@app.get('/api/a')\ndef a(x=" + "+".join(["1"] * 900)
                                 + "):\n    return []\n@app.get('/api/b')\ndef b():\n    return []\n"})
    assert [path for path, _ in routes(tmp_path)] == ["/api/a", "/api/b"]


def test_a_database_the_dependencies_connect_to_gets_a_check(tmp_path):
    # proshop: mongoose.connect(process.env.MONGO_URI) and process.exit(1) on failure; init said nothing,
    # and the first run spent 2m42s on setup and build before the app exited.
    root = write(tmp_path / "mern", {
        "package.json": '{"name": "shop", "scripts": {"start": "node backend/server.js"},'
                        ' "dependencies": {"express": "^4.17.1", "mongoose": "^5.10.6"}}',
        "package-lock.json": '{"name": "shop", "lockfileVersion": 3, "packages": {}}',
        "backend/server.js": "const express = require('express');\nconst app = express();\n"
                             "mongoose.connect(process.env.MONGO_URI);\n"
                             "app.listen(process.env.PORT || 5000);\n",
    })
    done = init_project(root, ref=REF)
    assert ("mongoose in package.json: the app connects to MongoDB, found through MONGO_URI, which nothing "
            "here starts; where it needs one to serve, start one and point the app at 127.0.0.1 in "
            "[serve] env") in done.app.checks["env"]
    # full-stack-fastapi-template: psycopg, and pydantic settings fields that read the environment
    api = write(tmp_path / "api", {
        "requirements.txt": "fastapi==0.110.0\nuvicorn==0.29.0\npsycopg[binary]==3.1.18\n",
        "main.py": "from fastapi import FastAPI\nfrom pydantic_settings import BaseSettings\n"
                   "class Settings(BaseSettings):\n    POSTGRES_SERVER: str\n    POSTGRES_PORT: int = 5432\n"
                   "app = FastAPI()\n@app.get('/health')\ndef h():\n    return {}\n",
    })
    checks = " ".join(init_project(api, ref=REF).app.checks["env"])
    assert "psycopg in the dependencies: the app connects to PostgreSQL, found through POSTGRES_SERVER, " \
           "POSTGRES_PORT, which nothing here starts" in checks
    # a compose file above the app's folder starts it (full-stack-fastapi-template: backend/ and the top's
    # compose.yml), as does a postgis image: said so, not "nothing here starts" (fastapi-crud-async's src/
    # said nothing at all and stopped on DATABASE_URL)
    (tmp_path / ".git").mkdir()
    write(tmp_path, {"compose.yml": "services:\n  db:\n    image: postgis/postgis:16-3.4\n"})
    checks = init_project(api, ref=REF, force=True).app.checks.get("env", [])
    assert [c for c in checks if "PostgreSQL" in c] == [
        "../compose.yml starts PostgreSQL for the app, found through POSTGRES_SERVER, POSTGRES_PORT: start "
        "one and point the app at 127.0.0.1 in [serve] env"]
    # a compose file that starts it says so itself, once
    write(root, {"docker-compose.yml": "services:\n  web:\n    build: .\n    environment:\n"
                                       "      MONGO_URI: mongodb://db:27017/shop\n"
                                       "  db:\n    image: mongo:7\n"})
    checks = init_project(root, ref=REF, force=True).app.checks["env"]
    assert [c for c in checks if "MongoDB" in c] == [
        "docker-compose.yml starts MongoDB ('db', mongo:7) for the app, found through MONGO_URI: start one "
        "and point the app at 127.0.0.1 in [serve] env"]


FSFT = {  # full-stack-fastapi-template's backend, in small: routers under /api/v1, emails rendered by Jinja
    "requirements.txt": "fastapi==0.110.0\nuvicorn==0.29.0\njinja2==3.1.3\n",
    "app/__init__.py": "",
    "app/main.py": "from fastapi import FastAPI\nfrom app.api import api_router\n"
                   "app = FastAPI()\napp.include_router(api_router, prefix='/api/v1')\n",
    "app/api.py": "from fastapi import APIRouter\nfrom app import items\napi_router = APIRouter()\n"
                  "api_router.include_router(items.router)\n",
    "app/items.py": "from fastapi import APIRouter\nrouter = APIRouter(prefix='/items')\n"
                    "@router.get('/')\ndef read_items():\n    return []\n",
    "app/emails.py": "from jinja2 import Template\n"
                     "def body(text):\n    return Template(text).render(project='x')\n",
}


def test_an_api_whose_routers_have_their_own_slash_has_no_frontend(tmp_path):
    # A router's "/" under /api/v1/items is no root, and an email's Template.render() serves no page: init
    # measured "/" (404) as a page and a load endpoint, and failed the first run.
    root = write(tmp_path / "api", {**FSFT, "app/utils.py": "from fastapi import APIRouter\n"
                                    "router = APIRouter(prefix='/utils')\n"
                                    "@router.get('/health-check/')\ndef h():\n    return True\n",
                                    "app/api.py": FSFT["app/api.py"] + "from app import utils\n"
                                                  "api_router.include_router(utils.router)\n"})
    done = init_project(root, ref=REF)
    assert "frontend" not in done.app.phases and not done.app.has_root
    assert done.app.ready_path == "/api/v1/utils/health-check/"
    assert [e["path"] for e in tomllib.loads((root / "echotune.toml").read_text())["load"]["endpoints"]] == [
        "/api/v1/utils/health-check/"]
    # without a health route the ready URL is a route that answers without a login, with its prefixes
    bare = init_project(write(tmp_path / "bare", FSFT), ref=REF)
    assert bare.app.ready_path == "/api/v1/items/" and not bare.app.has_root
    # a router mounted at the top still answers at "/"
    top = dict(FSFT, **{"app/main.py": FSFT["app/main.py"].replace("prefix='/api/v1'", "prefix=''"),
                        "app/items.py": FSFT["app/items.py"].replace("prefix='/items'", "")})
    assert init_project(write(tmp_path / "top", top), ref=REF).app.has_root


def test_a_fastapi_app_gets_the_api_phase_unless_it_serves_no_openapi_document(tmp_path):
    # FastAPI serves /openapi.json by itself: simple-fastapi-container's `run --phase api` found a 500 on
    # GET /generate_name?starts_with=~ in 3 s, and init had left the phase out.
    done = init_project(write(tmp_path / "api", FSFT), ref=REF)
    assert done.app.phases[-1] == "api"
    assert tomllib.loads((tmp_path / "api" / "echotune.toml").read_text())["run"]["phases"][-1] == "api"
    main = FSFT["app/main.py"].replace("FastAPI()", "FastAPI(openapi_url=None)")
    hidden = dict(FSFT, **{"app/main.py": main})
    assert "api" not in init_project(write(tmp_path / "hidden", hidden), ref=REF).app.phases
    # computed from a value static reading cannot tell (a name bound nowhere), or "": no path to give the
    # api phase, which only warned "no OpenAPI document found" on every run
    for i, url in enumerate(('f"{API}/openapi.json"', '""')):
        main = FSFT["app/main.py"].replace("FastAPI()", f"FastAPI(openapi_url={url})")
        moved = dict(FSFT, **{"app/main.py": main})
        assert "api" not in init_project(write(tmp_path / f"moved{i}", moved), ref=REF).app.phases
    # computed from a settings class's default, as the router prefixes are (full-stack-fastapi-template:
    # f"{settings.API_V1_STR}/openapi.json", with API_V1_STR: str = "/api/v1" on its pydantic Settings)
    config = ("from pydantic_settings import BaseSettings\n\n\nclass Settings(BaseSettings):\n"
              "    API_V1_STR: str = '/api/v1'\n\n\nsettings = Settings()\n")
    main = ("from fastapi import FastAPI\nfrom app.api import api_router\nfrom app.config import settings\n"
            "app = FastAPI(openapi_url=f\"{settings.API_V1_STR}/openapi.json\")\n"
            "app.include_router(api_router, prefix=settings.API_V1_STR)\n")
    init_project(write(tmp_path / "settings", dict(FSFT, **{"app/main.py": main, "app/config.py": config})),
                 ref=REF)
    written = tomllib.loads((tmp_path / "settings" / "echotune.toml").read_text())
    assert written["run"]["phases"][-1] == "api" and written["api"]["openapi"] == "/api/v1/openapi.json"
    # another path written out: [api] openapi names it
    main = FSFT["app/main.py"].replace("FastAPI()", 'FastAPI(openapi_url="/api/v1/openapi.json")')
    init_project(write(tmp_path / "v1", dict(FSFT, **{"app/main.py": main})), ref=REF)
    written = tomllib.loads((tmp_path / "v1" / "echotune.toml").read_text())
    assert written["run"]["phases"][-1] == "api" and written["api"]["openapi"] == "/api/v1/openapi.json"
    main = FSFT["app/main.py"].replace("FastAPI()", "FastAPI(openapi_url='/openapi.json')")
    same = dict(FSFT, **{"app/main.py": main})
    assert "api" in init_project(write(tmp_path / "same", same), ref=REF).app.phases
    flask = {"requirements.txt": "flask==3.0.0\n",
             "app.py": "from flask import Flask\napp = Flask(__name__)\n@app.route('/')\ndef index():\n"
                       "    return 'hi'\n"}
    assert "api" not in init_project(write(tmp_path / "flask", flask), ref=REF).app.phases


def test_an_api_whose_every_get_route_asks_for_a_login_is_ready_when_one_answers_401(tmp_path):
    # to_do_app: POST /signup, /login, /upload and GET /tasks behind a login; init polled "/" (404) and said
    # nothing, and `run` stopped: "answers HTTP 404 Not Found: Cannot GET / steadily" (CollabHub too).
    server = (EXPRESS_HEAD + "app.post('/login', (req, res) => res.json({}));\n"
              "app.get('/tasks', authenticateToken, (req, res) => res.json([]));\n"
              "app.listen(process.env.PORT || 3000);\n")
    package = '{"name": "t", "scripts": {"start": "node server.js"}, "dependencies": {"express": "^4.18.2"}}'
    root = write(tmp_path / "todo", {"package.json": package, "server.js": server})
    done = init_project(root, ref=REF)
    assert (done.app.ready_path, done.app.ready_status) == ("/tasks", [401, 403])
    assert done.app.notes("ready_url") == []
    config = tomllib.loads((root / "echotune.toml").read_text())
    assert config["serve"]["ready_status"] == [401, 403]
    # no page at "/" and nothing to load without a login: neither frontend nor load, and no endpoint "/tasks"
    assert "frontend" not in config["run"]["phases"] and "load" not in config["run"]["phases"]
    assert "endpoints" not in config.get("load", {})
    # An app whose / answers has no such note.
    plain = write(tmp_path / "plain", {"package.json": package,
                                       "server.js": EXPRESS_HEAD + "app.get('/', (q, s) => s.send('hi'));\n"})
    assert init_project(plain, ref=REF).app.ready_status == []


def test_a_ready_status_makes_a_401_ready(tmp_path, monkeypatch):
    """[serve] ready_status = [401]: the app is ready when its ready URL answers 401; without it a steady
    401 is a refused ready URL (exit 3)."""
    import sys

    from echotune_ci.config.sections import ServeSettings
    from echotune_ci.errors import RunError
    from echotune_ci.serve import app as serve_app
    from echotune_ci.serve.app import App

    # "steady": CLIENT_ERROR_GRACE_S (3 s) of 401s; the refusal is what is tested, not the grace
    monkeypatch.setattr(serve_app, "CLIENT_ERROR_GRACE_S", 0.5)

    (tmp_path / "app.py").write_text(
        "import os\nfrom http.server import BaseHTTPRequestHandler, HTTPServer\n"
        "class H(BaseHTTPRequestHandler):\n    def do_GET(self):\n        self.send_response(401)\n"
        "        self.send_header('Content-Length', '0')\n        self.end_headers()\n"
        "    def log_message(self, *a):\n        pass\n"
        "HTTPServer(('127.0.0.1', int(os.environ['PORT'])), H).serve_forever()\n")
    ready = ServeSettings(command=f"{sys.executable} app.py", ready_url="http://127.0.0.1:{port}/tasks",
                          ready_status=(401, 403), timeout=20.0)
    with App(ready, tmp_path) as app:
        assert app.proc is not None and app.proc.poll() is None
    refused = ServeSettings(command=f"{sys.executable} app.py", ready_url="http://127.0.0.1:{port}/tasks",
                            timeout=20.0)
    with pytest.raises(RunError, match="answers HTTP 401"):
        App(refused, tmp_path).start()


def test_a_requirements_file_saved_as_utf16_is_read_as_pip_reads_it(tmp_path):
    # fastapi-basic-example's requirements.txt is UTF-16 with a byte order mark (Windows' editors): init
    # read it as UTF-8, found no uvicorn and added `pip install uvicorn` with a false "# check:".
    root = tmp_path / "u16"
    root.mkdir()
    (root / "requirements.txt").write_bytes("fastapi==0.110.0\nuvicorn==0.18.2\n".encode("utf-16"))
    (root / "main.py").write_text("from fastapi import FastAPI\napp = FastAPI()\n"
                                  "@app.get('/info')\ndef info():\n    return {}\n")
    done = init_project(root, ref=REF)
    assert done.app.serve_command.startswith("uvicorn main:app")
    assert not [n for n in done.app.all_checks() if "uvicorn" in n]
    assert "pip install uvicorn" not in (root / "echotune.toml").read_text()


def test_a_step_heroku_runs_once_gets_a_check_when_it_is_no_migration(tmp_path):
    # microblog-api's app.json: postdeploy "flask db upgrade && flask fake users 10 && flask fake posts 100".
    # In build the fake data ran on every run: 200 posts in the head's database after two, 100 in the base.
    root = write(tmp_path / "mba", {
        "requirements.txt": "flask==3.0.0\nflask-migrate==4.0.0\n",
        "app.json": '{"scripts": {"postdeploy": "flask db upgrade && flask fake users 10 && flask seed'
                    ' && node db-reset.js"},'
                    ' "env": {}}',
        "app.py": "from flask import Flask\napp = Flask(__name__)\n@app.route('/')\ndef index():\n"
                  "    return ''\n",
    })
    done = init_project(root, ref=REF)
    assert done.app.build == "flask db upgrade && flask fake users 10 && flask seed && node db-reset.js"
    assert [n.split(" comes from")[0] for n in done.app.notes("build") if "postdeploy" in n] == [
        "flask fake users 10", "flask seed"]  # a migration or a reset runs again harmlessly; a seed adds rows


def test_the_folder_of_a_node_servers_sqlite_file_is_made_in_build(tmp_path):
    # IanKulin/todo: new sqlite3.Database('db/todos.sqlite'), and git keeps no empty db/: the first run
    # stopped with "SQLITE_CANTOPEN: unable to open database file".
    package = '{"name": "t", "scripts": {"start": "node server.cjs"}, "dependencies": {"express": "^4.18.2"}}'
    server = (EXPRESS_HEAD + "const sqlite3 = require('sqlite3').verbose();\n"
              "const db = new sqlite3.Database('db/todos.sqlite');\n"
              "const kept = new Database('./data/app.db');\n"  # better-sqlite3, a folder the checkout has
              "app.get('/todos', (q, s) => s.json([]));\n")
    root = write(tmp_path / "todo", {"package.json": package, "server.cjs": server, "data/.gitkeep": ""})
    done = init_project(root, ref=REF)
    assert done.app.build == "mkdir -p db"
    assert tomllib.loads((root / "echotune.toml").read_text())["serve"]["build"] == "mkdir -p db"
    assert any(d.key == "build" and d.source == "server.cjs:4 opens a SQLite database in db/, which the "
               "checkout lacks" for d in done.app.decisions)


def test_a_route_to_poll_gets_its_routers_prefix(tmp_path):
    # CollabHub: every GET route behind `authenticate`, in routers mounted under /api/...; init polled
    # "/requests/incoming" as the router writes it, which answers 404 (the route is under /api/applications)
    package = '{"name": "t", "scripts": {"start": "node server.js"}, "dependencies": {"express": "^5.1.0"}}'
    root = write(tmp_path / "collab", {
        "package.json": package,
        "server.js": "const express = require('express');\nconst applications = require('./routes/apps');\n"
                     "const app = express();\napp.use('/api/applications', applications);\n"
                     "app.listen(process.env.PORT || 3000);\n",
        "routes/apps.js": "const { Router } = require('express');\n"
                          "const { authenticate } = require('../auth');\nconst router = Router();\n"
                          "router.get('/requests/incoming', authenticate, (req, res) => res.json([]));\n"
                          "module.exports = router;\n",
        "auth.js": "exports.authenticate = (req, res, next) => res.status(401).end();\n",
    })
    done = init_project(root, ref=REF)
    assert (done.app.ready_path, done.app.ready_status) == ("/api/applications/requests/incoming", [401, 403])
