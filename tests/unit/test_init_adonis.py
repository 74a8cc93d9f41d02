"""`init` on an AdonisJS 6 app (Inertia + React built by Vite, Lucid on PostgreSQL): the server its build
writes, the variables start/env.ts validates, the routes of start/routes.ts, Lucid's migrations and the
client bundle. Fixtures of our own, in the shape of an app made from AdonisJS's Inertia starter kit
(docs/real-projects.md, sixteenth round); expected values from AdonisJS's documentation (routing,
resources, env validation, `node ace build`) and a run of the real `node ace build` (assembler 7.7)."""

from __future__ import annotations

import json
import time
from pathlib import Path

from echotune_ci.project import adonis
from echotune_ci.project.init import app_setup
from echotune_ci.project.orms import orm_databases
from echotune_ci.project.nodeapp import node_packages
from test_init_workspaces import machine, write  # noqa: F401 (machine: an autouse fixture)

ENV = """import { Env } from '@adonisjs/core/env'

export default await Env.create(new URL('../', import.meta.url), {
  NODE_ENV: Env.schema.enum(['development', 'production', 'test'] as const),
  PORT: Env.schema.number(),
  APP_KEY: Env.schema.string(),
  HOST: Env.schema.string({ format: 'host' }),
  LOG_LEVEL: Env.schema.string(),
  SESSION_DRIVER: Env.schema.enum(['cookie', 'memory'] as const),
  // MAIL_FROM: Env.schema.string(),
  DB_HOST: Env.schema.string({ format: 'host' }),
  DB_PASSWORD: Env.schema.string.optional(),
  SMTP_HOST: Env.schema.string.optionalWhen(() => true),
})
"""
ROUTES = """import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'
const PostsController = () => import('#controllers/posts_controller')

router.on('/').renderInertia('home', { version: 6 })
router.resource('/todos', TodosController)
// router.get('/old', [OldController, 'index'])
router.get('about', [PagesController, 'about']).as('about')

router
  .group(() => {
    router.get('login', [SessionController, 'create'])
    router.post('login', [SessionController, 'store'])
  })
  .use(middleware.guest())

router
  .group(() => {
    router.get('dashboard', [DashboardController, 'index'])
    router.resource('posts.comments', CommentsController).apiOnly()
  })
  .prefix('/app')
  .use(middleware.auth())

router.group(() => {
  router.resource('tags', TagsController).only(['index', 'show'])
  router.resource('notes', NotesController).except(['destroy']).use(['store'], middleware.auth())
}).prefix('api/v1')
"""
DATABASE = """import env from '#start/env'
import { defineConfig } from '@adonisjs/lucid'

const dbConfig = defineConfig({
  connection: 'postgres',
  connections: {
    sqlite: { client: 'better-sqlite3', connection: { filename: app.tmpPath('db.sqlite3') } },
    postgres: {
      client: 'pg',
      connection: {
        host: env.get('DB_HOST'),
        password: env.get('DB_PASSWORD'),
      },
      migrations: { naturalSort: true, paths: ['database/migrations'] },
    },
  },
})
export default dbConfig
"""


def adonis_app(root: Path, *, out_dir: str = "./build", lockfile: bool = True) -> Path:
    files = {
        "package.json": json.dumps({
            "name": "todo", "type": "module",
            "scripts": {"start": "node bin/server.js", "build": "node ace build",
                        "dev": "node ace serve --hmr"},
            "dependencies": {"@adonisjs/core": "^6.9.1", "@adonisjs/lucid": "^20.6.0",
                             "@adonisjs/inertia": "^1.1.0", "@adonisjs/vite": "^3.0.0", "pg": "^8.12.0",
                             "react": "^18.3.1"},
            "devDependencies": {"@adonisjs/assembler": "^7.7.0", "vite": "^5.2.12",
                                "@vitejs/plugin-react": "^4.3.1"}}),
        "adonisrc.ts": "import { defineConfig } from '@adonisjs/core/app'\nexport default defineConfig({})\n",
        "tsconfig.json": json.dumps({"extends": "@adonisjs/tsconfig/tsconfig.app.json",
                                     "compilerOptions": {"rootDir": "./", "outDir": out_dir}}),
        "bin/server.ts": ("import { Ignitor } from '@adonisjs/core'\n"
                          "new Ignitor(APP_ROOT).httpServer().start()\n"),
        "start/env.ts": ENV,
        "start/routes.ts": ROUTES,
        "config/database.ts": DATABASE,
        "database/migrations/1718568071300_create_todos_table.ts": "export default class {}",
        "vite.config.ts": ("import adonisjs from '@adonisjs/vite/client'\n"
                           "export default { plugins: [adonisjs({})] }\n"),
        "inertia/pages/home.tsx": "export default function Home() { return <main>hi</main> }\n",
        ".env.example": "TZ=UTC\nPORT=3333\nHOST=localhost\nLOG_LEVEL=info\nAPP_KEY=\nNODE_ENV=development\n"
                        "SESSION_DRIVER=cookie\nDB_HOST=127.0.0.1\n",
    }
    if lockfile:
        files["package-lock.json"] = json.dumps({"lockfileVersion": 3, "packages": {}})
    return write(root, files)


def test_the_server_is_the_build_folders_bin_server_on_the_runs_port(tmp_path):
    # "start": "node bin/server.js" runs in build/ (where `node ace build` copies package.json); in the
    # checkout it stopped on "Cannot find module '/tmp/.../bin/server.js'"
    app = app_setup(adonis_app(tmp_path))
    assert app.framework == "adonisjs"
    assert app.command == "cd build && node bin/server.js"
    assert app.env["HOST"] == "127.0.0.1" and app.env["NODE_ENV"] == "production"
    assert any(d.key == "port" and "PORT" in d.value for d in app.decisions)
    assert app.build.startswith("npm run build")


def test_the_build_folder_is_tsconfigs_out_dir(tmp_path):
    app = app_setup(adonis_app(tmp_path, out_dir="./dist/server"))
    assert app.command == "cd dist/server && node bin/server.js"
    assert app.bundle_globs == ["dist/server/public/assets/**/*.js", "dist/server/public/assets/**/*.css"]
    assert adonis.build_folder(write(tmp_path / "none", {"tsconfig.json": "{}"})) == "build"
    # an outDir through a loop of links: init stopped on 'internal error: RuntimeError: Symlink loop'
    looped = adonis_app(tmp_path / "loop", out_dir="./a/build")
    (looped / "a").symlink_to(looped / "b")
    (looped / "b").symlink_to(looped / "a")
    assert app_setup(looped).command == "cd a/build && node bin/server.js"


def test_the_bundle_is_vites_public_assets_inside_the_build(tmp_path):
    # it was dist/**/*.js (Vite's default), which matched nothing: the client is in build/public/assets
    app = app_setup(adonis_app(tmp_path))
    assert app.bundle_globs == ["build/public/assets/**/*.js", "build/public/assets/**/*.css"]


def test_start_env_rules_without_optional_are_required(tmp_path):
    root = adonis_app(tmp_path)
    rules = {r.name: r for r in adonis.env_rules([root / "start" / "env.ts"], root)}
    assert [n for n, r in rules.items() if r.required] == [
        "NODE_ENV", "PORT", "APP_KEY", "HOST", "LOG_LEVEL", "SESSION_DRIVER", "DB_HOST"]
    assert not rules["DB_PASSWORD"].required and not rules["SMTP_HOST"].required
    assert "MAIL_FROM" not in rules  # commented out
    assert rules["APP_KEY"].where == "start/env.ts:6" and rules["SESSION_DRIVER"].kind == "enum"


def test_required_variables_get_values_and_app_key_a_placeholder(tmp_path):
    app = app_setup(adonis_app(tmp_path))
    assert app.env["APP_KEY"] == "echotune-ci-local-only-not-a-secret"  # 16 characters or more
    assert app.env["LOG_LEVEL"] == "info" and app.env["SESSION_DRIVER"] == "cookie"  # .env.example's
    assert app.env["HOST"] == "127.0.0.1"  # not the template's localhost
    assert app.env["NODE_ENV"] == "production"  # not the template's development
    assert "PORT" not in app.env  # `run` sets it
    # a database's: set by hand
    assert "DB_HOST" not in app.env and any("requires DB_HOST" in c for c in app.checks["env"])


def test_routes_with_groups_prefixes_resources_and_the_auth_middleware(tmp_path):
    root = adonis_app(tmp_path)
    found = {(r.method, r.path): r for r in adonis.routes([root / "start" / "routes.ts"], root)}
    # router.on(...).renderInertia is a GET; a path without its slash is one from the top
    assert ("GET", "/") in found and ("GET", "/about") in found and ("GET", "/old") not in found
    # a resource's seven routes (AdonisJS docs, "Resourceful routes")
    assert {k for k in found if k[1].startswith("/todos")} == {
        ("GET", "/todos"), ("GET", "/todos/create"), ("POST", "/todos"), ("GET", "/todos/:id"),
        ("GET", "/todos/:id/edit"), ("PUT", "/todos/:id"), ("DELETE", "/todos/:id")}
    assert found[("POST", "/login")].guarded is False  # guest(), not auth()
    assert found[("GET", "/app/dashboard")].guarded is True
    # a nested resource under its parent's id, apiOnly() without create and edit, under the group's prefix
    assert ("GET", "/app/posts/:post_id/comments") in found
    assert ("GET", "/app/posts/:post_id/comments/create") not in found
    assert {k[0] for k in found if k[1].startswith("/api/v1/tags")} == {"GET"}
    assert ("GET", "/api/v1/tags/:id/edit") not in found
    assert found[("POST", "/api/v1/notes")].guarded and not found[("GET", "/api/v1/notes")].guarded
    assert ("DELETE", "/api/v1/notes/:id") not in found
    assert found[("GET", "/todos")].where == "start/routes.ts:6"


def test_get_routes_are_pages_and_load_suggestions(tmp_path):
    app = app_setup(adonis_app(tmp_path))
    pages = {p[0]: p[2] for p in app.pages}
    # no parameters, nothing under /api; behind auth() kept, as guarded
    assert {"/todos", "/todos/create", "/about", "/login"} <= set(pages)
    assert pages["/app/dashboard"] is True and "/api/v1/tags" not in pages
    assert "/todos" in dict(app.load_routes)


def test_lucid_migrations_run_from_the_build_with_force_and_a_port(tmp_path):
    # migration:run refuses NODE_ENV=production without --force; ace boots the app, whose start/env.ts
    # stopped it on 'Missing environment variable "PORT"', which `run` gives to the server only
    root = adonis_app(tmp_path)
    orm = orm_databases(node_packages(root), root)[0]
    assert (orm.client, orm.kind, orm.said) == ("@adonisjs/lucid", "postgres", 'client "pg"')
    assert orm.migrations == "database/migrations" and orm.variables == ("DB_HOST", "DB_PASSWORD")
    assert orm.migrate == "(cd build && PORT=0 node ace migration:run --force)"
    app = app_setup(root)
    assert app.build == "npm run build && (cd build && PORT=0 node ace migration:run --force)"



def test_a_long_group_and_brackets_in_strings_keep_the_groups_prefix_and_guard(tmp_path):
    # a group's body was cut at 5000 characters: its 70th route and on had no /api prefix nor login
    many = "".join(f"  router.get('items/{i}', [ItemsController, 'show{i}']).as('items.show{i}')\n"
                   for i in range(120))
    text = ("import router from '@adonisjs/core/services/router'\n"
            f"router.group(() => {{\n{many}}}).prefix('/api').use(middleware.auth())\n"
            # a ')' or '(' in a string ended the group early or never: no prefix for any of its routes
            "router.group(() => {\n  router.get('smile', () => 'hello :)')\n"
            "  router.get('paren(', [A, 'b'])\n  router.get(`tpl`, [A, 'b'])\n"
            "  router.get('after', [A, 'b'])\n}).prefix('g')\n")
    root = write(tmp_path, {"start/routes.ts": text})
    found = {r.path: r for r in adonis.routes([root / "start" / "routes.ts"], root)}
    assert found["/api/items/119"].guarded and found["/api/items/119"].where == "start/routes.ts:122"
    assert len([p for p in found if p.startswith("/api/items/")]) == 120
    assert {p for p in found if not p.startswith("/api/")} == {"/g/smile", "/g/paren(", "/g/tpl", "/g/after"}


def test_calls_left_open_give_no_route_and_take_no_time(tmp_path):
    # 20000 `router.get('/x', (` never closed: each was scanned for 5000 characters, 39 s
    text = "import router from '@adonisjs/core/services/router'\n" + "router.get('/x', (\n" * 20000
    root = write(tmp_path, {"start/routes.ts": text})
    started = time.monotonic()
    assert adonis.routes([root / "start" / "routes.ts"], root) == []
    assert time.monotonic() - started < 5
