"""Routers Express mounts through chained calls: `Router().use(tags).use(articles)`, `router.use('/api',
Router().use(x))`, `export default Router().use('/api', api)` and `app.use(routes)` with no prefix, the
shapes of the RealWorld Express apps (gothinkster/node-express-realworld-example-app's routes.ts). Their
routes must come out under the prefixes Express gives them, for the suggested load endpoints, the ready
URL and the login flow; before, such routers counted as mounted nowhere (no endpoint suggested, the
login at /users/login instead of /api/users/login)."""

from __future__ import annotations

import time
import tomllib
from pathlib import Path

import pytest

from echotune_ci.project.files import JS_SUFFIXES, source_files
from echotune_ci.project.health import find_health, find_load_routes
from echotune_ci.project.init import init_project
from echotune_ci.project.routes import detect_login_flow
from test_init_workspaces import machine, write  # noqa: F401 (machine: an autouse fixture)

REF = "0123456789abcdef0123456789abcdef01234567"


def sources(root: Path) -> list[Path]:
    return list(source_files(root, (".py", *JS_SUFFIXES)))


def routes(root: Path, limit: int = 10) -> list[tuple[str, str]]:
    return [(r.path, r.where) for r in find_load_routes(sources(root), root, limit)]


# A TypeScript app in the RealWorld shape: main.ts mounts the default export of routes.ts without a prefix;
# routes.ts chains the controllers into one router and exports a router that mounts it under /api.
SHELVES = """\
import { Router } from 'express';
import auth from '../auth';
const router = Router();
router.get('/shelves', auth.optional, async (req, res) => res.json([]));
router.get('/shelves/feed', auth.required, async (req, res) => res.json([]));
router.get<{ id: string }>('/shelves/:id', (req, res) => res.json({}));
export default router;
"""

ACCOUNT = """\
import { Router } from 'express';
const router = Router();
router.post('/accounts/login', (req, res) => res.json({ token: 't' }));
router.get('/account', auth.required, (req, res) => res.json({}));
export default router;
"""

REALWORLD = {
    "src/main.ts": "import express from 'express';\nimport cors from 'cors';\n"
                   "import routes from './app/routes/routes';\n\nconst app = express();\n"
                   "app.use(cors());\napp.use(express.json());\napp.use(routes);\n"
                   "app.get('/', (req, res) => res.json({ up: true }));\n"
                   "app.listen(process.env.PORT || 3000);\n",
    "src/app/routes/routes.ts": "import { Router } from 'express';\n"
                                "import shelves from './shelf/shelf.controller';\n"
                                "import account from './account/account.controller';\n"
                                "import status from './status.controller';\n\n"
                                "const api = Router()\n  .use(shelves)\n  // sign-up and login\n"
                                "  .use(account)\n  .use(status);\n\n"
                                "export default Router().use('/api', api);\n",
    "src/app/routes/shelf/shelf.controller.ts": SHELVES,
    "src/app/routes/account/account.controller.ts": ACCOUNT,
    "src/app/routes/status.controller.ts": "import { Router } from 'express';\nexport default Router()"
                                           ".get('/healthz', (req, res) => res.send('ok'));\n",
}


def test_controllers_chained_into_a_router_mounted_under_api(tmp_path):
    root = write(tmp_path, REALWORLD)
    # auth.optional lets a visitor in, auth.required does not; a parameter is no endpoint to load
    assert routes(root) == [("/api/shelves", "src/app/routes/shelf/shelf.controller.ts:4")]
    health = find_health(sources(root), root)
    assert (health.path, health.source) == ("/api/healthz", "src/app/routes/status.controller.ts")
    assert health.how == "under /api (src/app/routes/routes.ts:12)"
    flow = detect_login_flow(root)
    assert (flow["login"], flow["protected"]) == ("/api/accounts/login", "/api/account")


def test_init_writes_the_chained_routes_with_their_prefix(tmp_path):
    root = write(tmp_path, {
        **REALWORLD,
        "package.json": '{"name": "shelf", "scripts": {"start": "node dist/main.js"},'
                        ' "dependencies": {"express": "^4.18.0"}}',
        "package-lock.json": '{"name": "shelf", "lockfileVersion": 3, "packages": {}}',
    })
    done = init_project(root, ref=REF)
    text = (root / "echotune.toml").read_text()
    config = tomllib.loads(text)
    assert done.app.ready_path == "/api/healthz"
    assert config["serve"]["ready_url"] == "http://127.0.0.1:{port}/api/healthz"
    assert '# path = "/api/shelves"' in text
    steps = config["api"]["flows"][0]["steps"]
    assert [s["path"] for s in steps] == ["/api/accounts/login", "/api/account"]


# CommonJS: a chain made in place under a prefix, require() of the mounted modules, a module whose export is
# a chain, a chain that starts on a name across lines and comments, a template prefix of a constant.
SERVER = """\
const express = require('express');
const { Router } = require('express');
const items = require('./routes/items');
const API = '/api';
const app = express();
app.use(cors());
app.use(express.json());
const router = Router();
router.use('/api', Router().use(require('./routes/users')).use('/items', items));
app.use(router);
app.use(require('./routes/v2'));
app
  // the back office
  .use(`${API}/admin`, Router().use(requireAuth).use(require('./routes/admin')))
  .use('/open', Router().get('/a', (q, s) => s.json([])).get('/b', (q, s) => s.json([])));
app.listen(process.env.PORT || 3000);
"""

ROUTER_FILES = {
    "routes/users.js": "const router = require('express').Router();\n"
                       "router.get('/users', (req, res) => res.json([]));\nmodule.exports = router;\n",
    "routes/items.js": "const router = require('express').Router();\n"
                       "router.get('/', (req, res) => res.json([]));\nmodule.exports = router;\n",
    "routes/v2.js": "module.exports = require('express').Router().use('/v2', require('./reports'));\n",
    "routes/reports.js": "const express = require('express');\nconst reports = express.Router();\n"
                         "reports.get('/reports', (req, res) => res.json([]));\nmodule.exports = reports;\n",
    "routes/admin.js": "const router = require('express').Router();\n"
                       "router.get('/stats', (req, res) => res.json([]));\nmodule.exports = router;\n",
}


def test_chains_made_in_place_required_and_exported(tmp_path):
    root = write(tmp_path, {"server.js": SERVER, **ROUTER_FILES})
    # /api/admin/stats is behind the chain's requireAuth; cors() and express.json() mount nothing
    assert routes(root) == [("/api/items", "routes/items.js:2"), ("/api/users", "routes/users.js:2"),
                            ("/v2/reports", "routes/reports.js:3"), ("/open/a", "server.js:15"),
                            ("/open/b", "server.js:15")]


def test_a_chain_nothing_mounts_is_no_route_to_load(tmp_path):
    # Router().use(admin) built but never mounted: where Express serves admin's routes cannot be seen
    root = write(tmp_path, {"server.js": "const express = require('express');\nconst app = express();\n"
                                         "const spare = express.Router().use(require('./routes/admin'));\n"
                                         "app.get('/open', (q, s) => s.json([]));\n",
                            "routes/admin.js": ROUTER_FILES["routes/admin.js"]})
    assert routes(root) == [("/open", "server.js:4")]


def test_of_two_mounts_the_one_in_the_app_gives_the_prefix(tmp_path):
    # items is mounted twice: in a router nothing mounts (which Express never serves) and in the app
    root = write(tmp_path, {"server.js": "const express = require('express');\nconst app = express();\n"
                                         "const legacy = express.Router();\n"
                                         "legacy.use('/old', require('./routes/items'));\n"
                                         "app.use('/api', require('./routes/items'));\n",
                            "routes/items.js": "const router = require('express').Router();\n"
                                               "router.get('/healthz', (q, s) => s.send('ok'));\n"
                                               "router.get('/items', (q, s) => s.json([]));\n"
                                               "module.exports = router;\n"})
    assert routes(root) == [("/api/items", "routes/items.js:3")]
    assert find_health(sources(root), root).path == "/api/healthz"


@pytest.mark.parametrize(("mount", "why"), [
    ("app.use('/v' + VERSION, require('./routes/ops'));", "with prefix '/v' + VERSION"),
    ("app.use(`/${version}`, require('./routes/ops'));", "with prefix '/${version}'"),
    ("app.use(config.apiPrefix, Router().use(require('./routes/ops')));", "with prefix config.apiPrefix"),
])
def test_a_prefix_static_reading_cannot_resolve_is_said(tmp_path, mount, why):
    root = write(tmp_path, {"server.js": f"const express = require('express');\nconst app = express();\n"
                                         f"{mount}\n",
                            "routes/ops.js": "const router = require('express').Router();\n"
                                             "router.get('/healthz', (q, s) => s.end());\n"
                                             "module.exports = router;\n"})
    health = find_health(sources(root), root)
    assert health.path == ""
    assert f"server.js:3 mounts it {why}, which static reading cannot resolve" in health.unresolved
    assert routes(root) == []


def test_koa_routers_mounted_with_routes(tmp_path):
    root = write(tmp_path, {"server.js": "const Koa = require('koa');\n"
                                         "const Router = require('@koa/router');\nconst app = new Koa();\n"
                                         "const api = new Router({ prefix: '/api' });\n"
                                         "api.get('/books', books)\n  .get('/shelves', shelves);\n"
                                         "app.use(api.routes()).use(api.allowedMethods());\n"})
    # koa-router's methods return the router: the second route is on the chain
    assert routes(root) == [("/api/books", "server.js:5"), ("/api/shelves", "server.js:6")]


def test_typescript_type_arguments_before_the_call(tmp_path):
    # Hono's examples make their apps with type arguments; `api` was no router, so /api/posts went unseen
    root = write(tmp_path, {"src/api.ts": "import { Hono } from 'hono';\n"
                                          "const api = new Hono<{ Bindings: Env<{ DB: D1 }> }>();\n"
                                          "api.get('/posts', (c) => c.json([]));\nexport default api;\n",
                            "src/index.ts": "import { Hono } from 'hono';\nimport api from './api';\n"
                                            "const app = new Hono<{ Bindings: Env }>();\n"
                                            "app.route('/api', api);\n"})
    assert routes(root) == [("/api/posts", "src/api.ts:3")]


@pytest.mark.parametrize("line", [
    "Router().use(" * 20000,
    "app.use(" + "Router().use(" * 20000 + ")" * 20001,
    "const r = Router()" + ".use(x)" * 40000 + ";",
])
def test_long_minified_chains_are_read_in_linear_time(tmp_path, line):
    write(tmp_path, {"server.js": "const app = express();\n" + line})
    started = time.monotonic()
    find_health(sources(tmp_path), tmp_path)
    assert routes(tmp_path) == []
    assert time.monotonic() - started < 10


def test_a_router_with_a_type_annotation_is_one(tmp_path):
    # const router: Router = Router() in TypeScript: its health route went without the app's /api prefix
    root = write(tmp_path, {"src/main.ts": "import express from 'express';\nimport health from './health';\n"
                                           "const app: express.Express = express();\n"
                                           "app.use('/api', health);\n",
                            "src/health.ts": "import { Router } from 'express';\n"
                                             "const router: Router = Router();\n"
                                             "router.get('/healthz', (req, res) => res.send('ok'));\n"
                                             "router.get('/items', (req, res) => res.json([]));\n"
                                             "export default router;\n"})
    assert find_health(sources(root), root).path == "/api/healthz"
    assert routes(root) == [("/api/items", "src/health.ts:4")]


# TypeScript compiled to ES modules imports the file it compiles to: "./routes/authRoutes.js" is
# src/routes/authRoutes.ts (CollabHub's shape, recreated). The prefix of app.use() was lost.
ESM_TS = {
    "src/index.ts": "import express from \"express\";\nimport authRoutes from \"./routes/authRoutes.js\";\n"
                    "import { PORT } from \"./config.js\";\nconst app = express();\n"
                    "app.use(express.json());\n"
                    "app.use(\"/api/auth\", authRoutes);\napp.listen(PORT);\n",
    "src/config.ts": "export const PORT = Number(process.env.API_PORT ?? 4000);\n",
    "src/routes/authRoutes.ts": "import { Router } from \"express\";\nimport { requireAuth } from "
                                "\"../middleware/auth.mjs\";\nconst router = Router();\n"
                                "router.post(\"/login\", (req, res) => res.json({ token: \"t\" }));\n"
                                "router.get(\"/me\", requireAuth, (req, res) => res.json({}));\n"
                                "router.get(\"/health\", (req, res) => res.send(\"ok\"));\n"
                                "export default router;\n",
    "src/middleware/auth.mts": "export const requireAuth = (req, res, next) => next();\n",
}


def test_an_import_naming_the_compiled_js_file_reaches_the_typescript_source(tmp_path):
    from echotune_ci.project.files import resolve_js

    root = write(tmp_path, ESM_TS)
    src = root / "src"
    assert resolve_js(src, "./routes/authRoutes.js") == src / "routes" / "authRoutes.ts"
    found = resolve_js(src / "routes", "../middleware/auth.mjs")
    assert found is not None and found.resolve() == (src / "middleware" / "auth.mts").resolve()
    assert resolve_js(src, "./routes/missing.js") is None
    flow = detect_login_flow(root)
    assert (flow["login"], flow["protected"]) == ("/api/auth/login", "/api/auth/me")
    health = find_health(sources(root), root)
    assert health.path == "/api/auth/health"


def test_a_client_beside_a_server_in_a_subfolder_is_installed_before_it_is_built(tmp_path):
    """No package.json at the top, backend/ serves and frontend/ builds with Vite: setup installed only
    backend, and `npm run build --prefix frontend` stopped on "serve.build needs `tsc`" (CollabHub)."""
    from echotune_ci.project.init import app_setup

    write(tmp_path, {
        "backend/package.json": '{"name": "api", "scripts": {"start": "node server.js"}, '
                                '"dependencies": {"express": "^5.1.0"}}',
        "backend/package-lock.json": '{"name": "api", "lockfileVersion": 3, "packages": {}}',
        "backend/server.js": "const express = require('express');\nconst app = express();\n"
                             "app.get('/api/health', (req, res) => res.send('ok'));\n"
                             "app.listen(process.env.PORT || 4000);\n",
        "frontend/package.json": '{"name": "web", "scripts": {"build": "tsc -b && vite build"}, '
                                 '"dependencies": {"react": "^19.0.0"}, '
                                 '"devDependencies": {"vite": "^7.0.0", "typescript": "^5.8.0"}}',
        "frontend/package-lock.json": '{"name": "web", "lockfileVersion": 3, "packages": {}}',
        "frontend/src/main.tsx": "console.log('hi');\n",
        "docs/package.json": '{"name": "docs", "scripts": {"serve": "docusaurus serve"}, '
                             '"dependencies": {"@docusaurus/core": "^3.0.0"}}',
    })
    app = app_setup(tmp_path)
    assert app.setup == "npm ci --prefix backend && npm ci --prefix frontend"
    assert app.build == "npm run build --prefix frontend"
    assert {"frontend/package.json", "frontend/package-lock.json"} <= set(app.setup_inputs)
    assert "docs/package.json" not in app.setup_inputs  # nothing builds it
