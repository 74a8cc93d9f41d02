"""`init` on a pnpm workspace of a Hono API on Node (`@hono/node-server`, `@hono/zod-openapi`) beside a
React client built by Vite: an environment validated by a zod schema, a root build that does not build
the server, routes declared with createRoute() and mounted under a prefix. Fixtures of our own, in the
shape of Orctatech-Engineering-Team/orcta-stack (docs/real-projects.md, seventeenth round)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from echotune_ci.project.init import app_setup
from echotune_ci.project.nodeapp import Package
from echotune_ci.project.nodenotes import required_env
from echotune_ci.project.scriptreach import reaches
from test_init_workspaces import machine, write  # noqa: F401 (machine: an autouse fixture)

# Checked with zod 4.2 itself: EnvSchema.safeParse({}) names LOG_LEVEL, DATABASE_URL, JWT_SECRET, API_URL
# and WORKERS, in that order (PORT too had it no default; `run` sets PORT).
ZOD_ENV = """import { z } from "zod";
const EnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production"]).default("production"),
  PORT: z.coerce.number().default(3000),
  LOG_LEVEL: z.enum(["info", "debug"]),
  DATABASE_URL: z.string().min(1, "DATABASE_URL is required, e.g. postgres://x"),
  "JWT_SECRET": z.string().min(32),
  API_URL: z.url(),
  SENTRY_DSN: z.string().optional(),
  CACHE_TTL: z.coerce.number().int().catch(60),
  FEATURE_X: z.stringbool().prefault("false"),
  REDIS_URL: z.optional(z.string()),
  MAIL_FROM: z.string().nullish(),
  // ALSO_COMMENTED: z.string(),
  WORKERS: z.coerce.number(),
});
export const env = EnvSchema.parse(process.env);
"""


def test_a_zod_schemas_keys_without_a_default_are_required(tmp_path):
    write(tmp_path, {"env.ts": ZOD_ENV})
    found = required_env([tmp_path / "env.ts"], tmp_path)
    assert [r.name for r in found] == ["LOG_LEVEL", "DATABASE_URL", "JWT_SECRET", "API_URL", "WORKERS"]
    assert found[0].where == "env.ts:5"
    assert found[2].where == "env.ts:7"
    assert "zod" in found[0].how


def test_a_zod_object_that_is_no_environment_requires_nothing(tmp_path):
    # a request body's schema (lower-case keys), and upper-case keys of a file that does not import zod
    write(tmp_path, {"body.ts": 'import { z } from "@hono/zod-openapi";\n'
                                "const body = z.object({ name: z.string(), EMAIL: z.email() });\n"
                                "const port = process.env.PORT;\n",
                     "other.ts": "const s = z.object({ TOKEN: z.string() });\nprocess.env.X;\n"})
    assert required_env([tmp_path / "body.ts", tmp_path / "other.ts"], tmp_path) == []


def test_nested_zod_objects_are_read_once_and_their_keys_are_no_variables(tmp_path):
    # 3,000 unclosed z.object({ nested: each looked for its end to the file's end (10 s for 39 kB) before;
    # a nested object's keys (DB: { HOST }) are the value of DB, not variables of the environment
    write(tmp_path, {
        "env.ts": ('import { z } from "zod";\n'
                   "export const env = z.object({ DB: z.object({ HOST: z.string() }), SECRET: z.string() })"
                   ".parse(process.env);\n"),
        "huge.ts": ('import { z } from "zod";\nconst e = z.object({ A: z.string(), ' + "B: z.object({" * 3000
                    + "\n}).parse(process.env);\n"),
    })
    started = time.monotonic()
    found = required_env([tmp_path / "env.ts", tmp_path / "huge.ts"], tmp_path)
    assert time.monotonic() - started < 1
    assert [r.name for r in found] == ["DB", "SECRET"]


def hono_workspace(root: Path) -> Path:
    """A pnpm workspace: apps/api (Hono on @hono/node-server, built by tsc into dist/), apps/web (React +
    Vite), packages/shared; the root build builds the packages and the web app only."""
    return write(root, {
        "package.json": json.dumps({
            "name": "stack", "private": True,
            "scripts": {"build": "pnpm build:packages && pnpm build:apps",
                        "build:packages": 'pnpm -r --filter "@repo/*" build',
                        "build:apps": "pnpm -r --filter ./apps/web build",
                        "dev": 'pnpm --parallel --filter "./apps/*" dev'}}),
        "pnpm-lock.yaml": "lockfileVersion: '9.0'\n",
        "pnpm-workspace.yaml": "packages:\n  - apps/*\n  - packages/*\n",
        "apps/api/package.json": json.dumps({
            "name": "api", "type": "module",
            "scripts": {"dev": "tsx watch src/index.ts", "build": "tsc", "start": "node ./dist/index.js"},
            "dependencies": {"hono": "^4.11.0", "@hono/node-server": "^1.19.0", "@hono/zod-openapi": "^1.2.0",
                             "zod": "^4.2.0", "@repo/shared": "workspace:*"},
            "devDependencies": {"typescript": "^5.9.0", "tsx": "^4.21.0"}}),
        "apps/api/tsconfig.json": json.dumps({"compilerOptions": {"outDir": "./dist", "rootDir": "./src"}}),
        "apps/api/src/env.ts": ('import { z } from "zod";\n'
                                "const schema = z.object({\n"
                                "  PORT: z.coerce.number().default(9999),\n"
                                '  DATABASE_URL: z.string().min(1, "DATABASE_URL is required"),\n'
                                "  SESSION_SECRET: z.string().min(32),\n"
                                "  REDIS_URL: z.string().optional(),\n"
                                "});\n"
                                "const env = schema.parse(process.env);\nexport default env;\n"),
        "apps/api/src/index.ts": ('import { serve } from "@hono/node-server";\n'
                                  'import { OpenAPIHono } from "@hono/zod-openapi";\n'
                                  'import env from "./env";\n'
                                  "const app = new OpenAPIHono();\n"
                                  'app.get("/ping", (c) => c.text("pong"));\n'
                                  "serve({ fetch: app.fetch, port: env.PORT });\n"),
        "apps/web/package.json": json.dumps({
            "name": "web", "private": True, "type": "module",
            "scripts": {"dev": "vite", "build": "vite build", "preview": "vite preview"},
            "dependencies": {"react": "^19.1.0", "react-dom": "^19.1.0"},
            "devDependencies": {"vite": "^7.0.0", "@vitejs/plugin-react": "^5.0.0"}}),
        "apps/web/vite.config.ts": "export default {};\n",
        "apps/web/index.html": "<div id=root></div>\n",
        "packages/shared/package.json": json.dumps({"name": "@repo/shared", "scripts": {"build": "tsc"}}),
    })


def test_a_zod_environments_secret_gets_a_placeholder_and_its_database_a_check(tmp_path):
    app = app_setup(hono_workspace(tmp_path))
    assert app.env.get("SESSION_SECRET", "").startswith("echotune-ci")
    assert "REDIS_URL" not in app.env and "PORT" not in app.env
    assert any("DATABASE_URL" in c and "zod" in c for c in app.all_checks())


def test_a_root_build_that_does_not_build_the_server_gets_the_servers_own_build(tmp_path):
    app = app_setup(hono_workspace(tmp_path))
    assert app.command == "pnpm --filter api start"
    # the root's build builds @repo/* and apps/web; `node ./dist/index.js` needs the api's own tsc
    assert app.build == "pnpm build && pnpm --filter api build"
    assert any("apps/api/dist/index.js" in d.source for d in app.decisions if d.key == "build")


@pytest.mark.parametrize(("build", "reached"), [
    # pnpm's documentation: -r runs the script in every project; --filter selects by name (globs), by
    # folder when the selector starts with "." or is in braces, "..." adds dependencies/dependents, "!"
    # excludes
    ("pnpm -r build", True),
    ("pnpm run --recursive build", True),
    ('pnpm --filter "./apps/*" build', True),
    ("pnpm --filter {apps/api} build", True),
    ("pnpm --filter api... build", True),
    ("pnpm -F @x/* build", False),
    ("pnpm -r --filter '!api' build", False),
    ("pnpm -r --filter ./apps/web build", False),
    # npm: --workspaces every member, -w one by name or folder; turbo and lerna run every member
    ("npm run build --workspaces", True),
    ("npm run build -w apps/web", False),
    ("npm run build --workspace=api", True),
    # npm's docs: a workspace's name, the path to its folder, or a folder above it (every workspace there);
    # pnpm reads a plain selector as a name
    ("npm run build -w apps/api", True),
    ("npm run build --workspace=./apps/api/", True),
    ("npm run build -w apps", True),
    ("npm run build -w apps/ap", False),
    ("pnpm --filter apps/api build", False),
    ("turbo run build", True),
    ("turbo build --filter=web", False),
    ("lerna run build", True),
    ("yarn workspaces foreach -A run build", True),
    ("yarn workspace api build", True),
    ("cd apps/api && npm run build", True),
    ("npm run build --prefix apps/api", True),
    # root scripts followed: build -> build:all -> pnpm -r build
    ("pnpm build:all", True),
    # concurrently's npm:<glob> shortcuts and quoted commands; npm-run-all's script globs
    ("concurrently npm:build-*", True),
    ("concurrently npm:build-web", False),
    ('concurrently "npm run build --prefix apps/api" "vite build"', True),
    ("run-p build:*", True),
    ("tsc -b && vite build", False),
])
def test_which_members_a_root_build_reaches(tmp_path, build, reached):
    top = Package(".", tmp_path, {"scripts": {"build": build, "build:all": "pnpm -r build",
                                              "build-api": "npm run build --prefix apps/api",
                                              "build-web": "vite build"}})
    api = Package("apps/api", tmp_path / "apps/api", {"name": "api", "scripts": {"build": "tsc"}})
    assert reaches(top, api) is reached


@pytest.mark.parametrize("last, reached", [("vite build", False), ("pnpm --filter api build", True)])
def test_root_scripts_running_each_other_are_read_once_each(tmp_path, last, reached):
    # 12 scripts each running every s* script (itself too): 12**6 paths before, read now once per depth left;
    # the deepest one's command still decides
    scripts = {"build": "run-p s*", **{f"s{i}": f"run-p s* # {i}" for i in range(12)}, "s99": last}
    top = Package(".", tmp_path, {"scripts": scripts})
    api = Package("apps/api", tmp_path / "apps/api", {"name": "api", "scripts": {"build": "tsc"}})
    started = time.monotonic()
    assert reaches(top, api) is reached
    assert time.monotonic() - started < 1


def hono_modules(root: Path) -> Path:
    """hono_workspace with its API in modules: routers made by a createRouter() factory (new OpenAPIHono),
    routes declared with createRoute() in a routes file imported as a namespace, the routers listed in
    arrays another file exports and mounted under /api in for-of loops, public ones above the guard
    `app.use("/api/*", authMiddleware)` and the others below it, and the document served by app.doc()."""
    hono_workspace(root)
    src = "apps/api/src"
    return write(root, {
        f"{src}/lib/create-app.ts": (
            'import { OpenAPIHono } from "@hono/zod-openapi";\n'
            "export function createRouter() {\n  return new OpenAPIHono<AppEnv>({ defaultHook });\n}\n"
            "export default function createApp() {\n  const app = createRouter();\n"
            "  app.onError(onError);\n  return app;\n}\n"),
        f"{src}/lib/configure-open-api.ts": (
            "export default function configureOpenAPI(app: AppType) {\n"
            '  app.doc("/openapi.json", {\n    openapi: "3.1.0",\n    info: { title: "API", version: "1" },\n'
            "  });\n}\n"),
        f"{src}/modules/health/routes.ts": (
            'import { createRoute, z } from "@hono/zod-openapi";\n'
            'export const healthCheck = createRoute({\n  method: "get",\n  path: "/health",\n'
            '  responses: { 200: { description: "ok", content: { "application/json": { schema: s } } } },\n'
            "});\n"
            'export const stats = createRoute({ method: "get", path: "/stats", tags: ["Health"],\n'
            "  responses: {} });\n"),
        f"{src}/modules/health/index.ts": (
            'import { createRouter } from "@/lib/create-app";\n'
            'import * as handlers from "./handlers";\nimport * as routes from "./routes";\n'
            "const router = createRouter()\n  .openapi(routes.healthCheck, handlers.health)\n"
            "  .openapi(routes.stats, handlers.stats);\nexport default router;\n"),
        f"{src}/modules/items/index.ts": (
            'import { createRoute } from "@hono/zod-openapi";\n'
            'import { createRouter } from "@/lib/create-app";\n'
            'const list = createRoute({ method: "get", path: "/items", responses: {} });\n'
            'const add = createRoute({ method: "post", path: "/items", responses: {} });\n'
            "const router = createRouter().openapi(list, (c) => c.json([]))\n"
            "  .openapi(add, (c) => c.json({}));\n"
            "export default router;\n"),
        f"{src}/routes/index.ts": ('import health from "@/modules/health";\n'
                                   'import items from "@/modules/items";\n'
                                   "export const publicRoutes = [health];\n"
                                   "export const routes = [\n  items,\n];\n"),
        f"{src}/app.ts": (
            'import configureOpenAPI from "@/lib/configure-open-api";\n'
            'import createApp from "@/lib/create-app";\n'
            'import { authMiddleware } from "@/middlewares/auth";\n'
            'import { publicRoutes, routes } from "@/routes/index";\n'
            "const app = createApp();\nconfigureOpenAPI(app);\n"
            'for (const route of publicRoutes) {\n  app.route("/api", route);\n}\n'
            'app.use("/api/*", authMiddleware);\n'
            'for (const route of routes) {\n  app.route("/api", route);\n}\nexport default app;\n'),
        f"{src}/index.ts": ('import { serve } from "@hono/node-server";\nimport app from "@/app";\n'
                            'import env from "@/env";\nserve({ fetch: app.fetch, port: env.PORT });\n'),
        "apps/api/tsconfig.json": json.dumps({"compilerOptions": {"outDir": "./dist", "baseUrl": ".",
                                                                  "paths": {"@/*": ["./src/*"]}}}),
    })


def test_hono_routes_made_by_a_factory_declared_by_create_route_and_mounted_in_loops(tmp_path):
    app = app_setup(hono_modules(tmp_path))
    assert app.ready_path == "/api/health"
    # /api/stats is mounted above the guard, /api/items below it (Hono runs a middleware only for what is
    # registered after it); the POST is no GET route
    assert [path for path, _ in app.load_routes] == ["/api/stats"]
    assert app.openapi == "/openapi.json"
    assert "frontend" not in app.phases and "api" in app.phases
    assert not app.has_root


def test_an_api_whose_only_open_route_is_its_health_route_audits_no_page(tmp_path):
    hono_modules(tmp_path)
    write(tmp_path, {"apps/api/src/modules/health/routes.ts": (
        'import { createRoute } from "@hono/zod-openapi";\n'
        'export const healthCheck = createRoute({ method: "get", path: "/health", responses: {} });\n'
        'export const stats = createRoute({ method: "post", path: "/stats", responses: {} });\n')})
    app = app_setup(tmp_path)
    assert app.ready_path == "/api/health" and not app.has_root and "frontend" not in app.phases


def test_the_document_zod_openapi_serves(tmp_path):
    from echotune_ci.project.openapi import served_document

    write(tmp_path, {"a.ts": 'app.doc31("/doc", {\n  openapi: "3.1.0",\n  info: { title: "x" },\n});\n',
                     "b.ts": "app.doc(`/${base}/openapi.json`, { openapi: '3.0.0' });\n"})
    served = served_document([tmp_path / "a.ts"], tmp_path)
    assert served is not None and (served.path, served.how) == ("/doc", "app.doc31")
    assert served_document([tmp_path / "b.ts"], tmp_path) is None


def test_a_hono_apps_base_path_prefixes_its_routes(tmp_path):
    hono_workspace(tmp_path)
    write(tmp_path, {"apps/api/src/index.ts": (
        'import { serve } from "@hono/node-server";\nimport { Hono } from "hono";\nimport env from "./env";\n'
        'import books from "./books";\n'
        'const app = new Hono<{ Variables: Vars }>().basePath("/api");\n'
        'app.get("/health", (c) => c.text("ok"));\napp.route("/books", books);\n'
        "serve({ fetch: app.fetch, port: env.PORT });\nexport type AppType = typeof app;\n"),
        "apps/api/src/books.ts": ('import { Hono } from "hono";\n'
                                  "const books = new Hono()\n  .basePath('/v1')\n"
                                  '  .get("/", (c) => c.json([]))\n  .get("/top", (c) => c.json([]));\n'
                                  "export default books;\n")})
    app = app_setup(tmp_path)
    assert app.ready_path == "/api/health"
    assert [path for path, _ in app.load_routes] == ["/api/books/v1", "/api/books/v1/top"]


def test_routers_registered_by_a_function_exported_by_name_on_the_app_it_is_handed(tmp_path):
    hono_modules(tmp_path)
    src = "apps/api/src"
    write(tmp_path, {
        f"{src}/register.ts": ('import health from "@/modules/health";\n'
                               "type App = ReturnType<typeof createApp>;\n"
                               "export function registerFeatureRoutes(app: App): void {\n"
                               '  app.route("/api/v1", health);\n}\n'),
        f"{src}/app.ts": ('import createApp from "@/lib/create-app";\n'
                          'import { registerFeatureRoutes as register } from "./register";\n'
                          "const app = createApp();\nregister(app);\nexport default app;\n"),
    })
    for gone in ("routes/index.ts", "modules/items/index.ts"):
        (tmp_path / src / gone).unlink()
    app = app_setup(tmp_path)
    assert app.ready_path == "/api/v1/health"
    assert [path for path, _ in app.load_routes] == ["/api/v1/stats"]


def test_a_long_chain_of_app_making_functions_is_read_once_per_link():
    # f0 makes the app, f1..f3000 each return the one before's; h makes none and g calls one that is no maker:
    # each link read again with every name known (cubic: 300 links took 2 s) before
    from echotune_ci.project.health import _hono_makers

    text = ("function f0() { return new Hono() }\n"
            + "".join(f"function f{i}() {{ return f{i - 1}() }}\n" for i in range(3000, 0, -1))
            + "const h = () => ({ ok: true })\nfunction g() { const app = h(); return app }\n"
            + "const k = () => f7()\nfunction m() { const app = f9(); app.get('/', x); return app }\n")
    started = time.monotonic()
    makers = _hono_makers({Path("a.ts"): text})
    assert time.monotonic() - started < 1
    assert makers == {f"f{i}" for i in range(3001)} | {"k", "m"}


def test_a_mount_written_in_a_string_is_none(tmp_path):
    # the mounts in a string and a template literal were read as mounts, and the health route under them
    # (/api/str/healthz) where the app serves it under the loop's /v1
    from echotune_ci.project.health import find_health

    write(tmp_path, {"src/index.js": (
        "import { Hono } from 'hono'\nconst app = new Hono().basePath('/api')\nconst health = new Hono()\n"
        "health.get('/healthz', (c) => c.text('ok'))\nconst doc = \"app.route('/str', health)\"\n"
        "const tpl = `app.route('/tpl', health)`\nconst routes = [health]\n"
        "routes.forEach((r) => app.route('/v1', r))\nexport default app\n")})
    found = find_health([tmp_path / "src/index.js"], tmp_path)
    assert found.path == "/api/v1/healthz"


def test_a_route_written_in_a_string_is_none(tmp_path):
    # a health route inside a string was the app's health check (ready_url /healthz, never served)
    from echotune_ci.project.health import find_health

    write(tmp_path, {"src/index.js": (
        "import { Hono } from 'hono'\nconst app = new Hono()\n"
        "const doc = \"app.get('/healthz', (c) => c.text('ok'))\"\n"
        "const tpl = `\n  app.get('/ping', h)\n`\napp.get('/status', (c) => c.text('up'))\n"
        "export default app\n")})
    assert find_health([tmp_path / "src/index.js"], tmp_path).path == "/status"


def test_the_fallback_readers_take_no_route_from_a_string(tmp_path):
    # ready_path's health literal and root_route's first GET route took the string's /healthz
    from echotune_ci.project.files import ready_path, root_route

    write(tmp_path, {"src/index.js": ("const app = new Hono()\nconst doc = \"app.get('/healthz', h)\"\n"
                                      "// app.get('/ping', h)\napp.get('/items', h)\n"),
                     "app.py": "DOC = \"app.get('/healthz')\"\n"})
    js = [tmp_path / "src/index.js"]
    assert ready_path(js, tmp_path) == ("/", "")
    assert root_route(js, tmp_path) == (False, "/items", "src/index.js")
    # other code is read as before
    assert ready_path([tmp_path / "app.py"], tmp_path) == ("/healthz", "app.py")
