"""`init` on Astro projects (docs/real-projects.md, the seventeenth round: an Astro 4 app with @astrojs/node
standalone, endpoints under src/pages/api/ on SQLite with a session cookie, and Astro's own SSR example).
Before, init audited "/" alone, suggested no endpoint for the load test, found no login, measured
dist/**/*.js (the server's build beside the client's) and gave ENCRYPTION_KEY, read as
import.meta.env.ENCRYPTION_KEY, no placeholder. The expected routes follow Astro's route manifest
(packages/astro/src/core/routing/create-manifest.ts and docs.astro.build's "Routing" and "Endpoints"):
names and folders starting with "_" are no routes, only the last suffix is dropped, index is its folder.
The fixtures are of our own."""

from __future__ import annotations

import json
import time
from pathlib import Path

from echotune_ci.project.envdefaults import as_process_env, js_env_reads
from echotune_ci.project.fileroutes import (
    astro_endpoints,
    astro_pages_dir,
    astro_route_files,
    file_routes,
    json_login,
)
from echotune_ci.project.init import _login_flow, app_setup, init_project
from echotune_ci.project.pages import Page, page_routes
from test_init_workspaces import machine, write  # noqa: F401 (machine: an autouse fixture)

REF = "0123456789abcdef0123456789abcdef01234567"
DEPS = {"astro": "^4.12.1", "@astrojs/node": "^8.3.2"}
NODE_CONFIG = ("import { defineConfig } from 'astro/config';\nimport node from '@astrojs/node';\n\n"
               "export default defineConfig({\n  output: 'server',\n"
               "  adapter: node({\n    mode: 'standalone'\n  }),\n});\n")
PAGE = "---\nconst title = 'hi';\n---\n<html lang=\"en\"><body><h1>{title}</h1></body></html>\n"
TO_LOGIN = ("---\nif (Astro.locals.user === null) {\n  return Astro.redirect(\"/login\");\n}\n---\n"
            "<html lang=\"en\"><body>settings</body></html>\n")
ITEMS = ("import type { APIContext } from 'astro';\n\n"
         "export function GET() {\n  return Response.json([]);\n}\n\n"
         "export async function DELETE(context: APIContext) {\n"
         "  if (context.locals.session === null) {\n    return new Response(null, { status: 401 });\n  }\n"
         "  return new Response(null, { status: 204 });\n}\n")
LOGIN = ("export async function POST(context: APIContext): Promise<Response> {\n"
         "  const data = await context.request.json();\n"
         "  const email = data.email, password = data.password;\n"
         "  context.cookies.set('session', token, { path: '/' });\n"
         "  return new Response(null, { status: 201 });\n}\n")


def _astro(root: Path, config: str = NODE_CONFIG, deps: dict[str, str] | None = None, **extra: str) -> Path:
    return write(root, {
        "package.json": json.dumps({"name": "a", "type": "module", "dependencies": deps or DEPS,
                                    "scripts": {"dev": "astro dev", "start": "astro dev",
                                                "build": "astro build", "preview": "astro preview"}}),
        "package-lock.json": "{}",
        "astro.config.mjs": config,
        "src/pages/index.astro": PAGE,
        "src/pages/about.md": "# About\n",
        "src/pages/login.astro": PAGE,
        "src/pages/settings.astro": TO_LOGIN,
        "src/pages/404.astro": PAGE,
        "src/pages/blog/[slug].astro": PAGE,
        "src/pages/api/items.ts": ITEMS,
        "src/pages/api/session.ts": LOGIN,
        **extra,
    })


def test_route_files_are_named_as_astros_route_manifest_names_them(tmp_path):
    pages = write(tmp_path, {f"src/pages/{name}": "x\n" for name in (
        "index.astro", "about.md", "guide.mdx", "_draft.astro", "_parts/card.astro", "blog/[slug].astro",
        "docs/[...path].astro", "rss.xml.js", "api/items/index.ts", "api/items/[id].ts", "Card.tsx",
        "styles.css", ".well-known/security.txt.ts", ".hidden/x.astro", "post-[id]/edit.astro")})
    pages = pages / "src/pages"
    assert [path for path, _ in astro_route_files(pages)] == [
        "/", "/.well-known/security.txt", "/about", "/api/items", "/api/items/:id", "/blog/:slug",
        "/docs/**:path", "/guide", "/post-:id/edit", "/rss.xml"]


def test_each_exported_method_is_a_route_guarded_by_its_own_handler(tmp_path):
    root = _astro(tmp_path, **{
        "src/pages/api/legacy.js": "export const get = () => ({ body: '' });\nexport function del() {}\n",
        "src/pages/api/any.ts": "export const ALL: APIRoute = () => new Response('ok');\n",
        "src/pages/api/helpers.ts": "export const prerender = false;\n"})
    routes = astro_endpoints(root, root)
    assert [(r.path, r.method, r.line, r.guarded) for r in routes] == [
        ("/api/any", "", 1, False), ("/api/items", "GET", 3, False), ("/api/items", "DELETE", 7, True),
        ("/api/legacy", "GET", 1, False), ("/api/legacy", "DELETE", 2, False),
        ("/api/session", "POST", 1, False)]


def test_pages_leave_out_error_pages_and_parameters_and_mark_the_guarded(tmp_path):
    root = _astro(tmp_path, **{
        "src/middleware.ts": ("export const onRequest = defineMiddleware((context, next) => {\n"
                              "  if (context.url.pathname.startsWith('/admin') && !context.locals.user) {\n"
                              "    return context.redirect('/login');\n  }\n  return next();\n});\n"),
        "src/pages/admin/index.astro": PAGE})
    assert page_routes(root, DEPS, root) == [
        Page("/", "src/pages/index.astro"), Page("/about", "src/pages/about.md"),
        Page("/admin", "src/pages/admin/index.astro", True), Page("/login", "src/pages/login.astro"),
        Page("/settings", "src/pages/settings.astro", True)]


def test_a_src_dir_of_the_config(tmp_path):
    config = NODE_CONFIG.replace("output: 'server',", "output: 'server',\n  srcDir: './app',")
    root = write(tmp_path, {"astro.config.mjs": config, "app/pages/index.astro": PAGE})
    assert astro_pages_dir(root) == root / "app" / "pages"


def test_init_audits_the_pages_and_suggests_the_get_endpoints(tmp_path):
    root = _astro(tmp_path)
    app = init_project(root, ref=REF).app
    assert app.command == "node dist/server/entry.mjs"  # the start script is `astro dev`
    assert [(p, g) for p, _, g in app.pages] == [("/about", False), ("/login", False), ("/settings", True)]
    assert dict(app.load_routes).get("/api/items") == "src/pages/api/items.ts:3"
    text = (root / "echotune.toml").read_text()
    assert '[[frontend.pages]]  # src/pages/about.md\npath = "/about"\n' in text
    assert '# [[frontend.pages]]  # src/pages/settings.astro, behind a login\n# path = "/settings"\n' in text


def test_a_json_login_that_sets_a_cookie_is_the_load_tests_login(tmp_path):
    root = _astro(tmp_path)
    found = file_routes(root, DEPS, root)
    assert found is not None and found.pages
    assert json_login(list(found.routes))["login"] == "/api/session"
    app = init_project(root, ref=REF).app
    flow = _login_flow(root, app)
    assert (flow["login"], flow["token"], flow["user_field"], flow["form"]) == (
        "/api/session", "", "email", "")
    text = (root / "echotune.toml").read_text()
    assert ('# [load.login]\n# path = "/api/session"\n'
            '# json = { email = "demo@example.com", password = "change-me" }\n') in text
    # no GET route asks for the login here: the flow says so instead of promising one
    assert "log in (no GET route behind\n# the login was found to try after it" in text


def test_the_client_files_of_a_server_build_and_of_a_static_site(tmp_path):
    server = _astro(tmp_path / "server")
    assert app_setup(server).bundle_globs == ["dist/client/**/*.js", "dist/client/**/*.css"]
    static = _astro(tmp_path / "static", config="export default { outDir: './public-site' };\n",
                    deps={"astro": "^5.0.0"})
    assert app_setup(static).bundle_globs == ["public-site/**/*.js", "public-site/**/*.css"]



def test_an_adapter_after_another_key_on_its_line_and_one_commented_out(tmp_path):
    # `adapter:` was looked for at a line's start only: a one-line config was read as a static site (dist/,
    # the server's build measured too) while its command was the adapter's server
    one_line = _astro(tmp_path / "one", config=(
        "import node from '@astrojs/node';\n"
        "export default defineConfig({ output: 'server', adapter: node({ mode: 'standalone' }) });\n"))
    assert app_setup(one_line).bundle_globs == ["dist/client/**/*.js", "dist/client/**/*.css"]
    commented = _astro(tmp_path / "commented", deps={"astro": "^5.0.0"}, config=(
        "export default {\n  /*\n  adapter: node(),\n  */\n  // adapter: vercel(),\n};\n"))
    assert app_setup(commented).bundle_globs == ["dist/**/*.js", "dist/**/*.css"]


def test_import_meta_env_private_variables_are_read_as_the_environment():
    text = ("const key = decodeBase64(import.meta.env.ENCRYPTION_KEY);\n"
            "const secure = import.meta.env.PROD, base = import.meta.env.BASE_URL;\n"
            "const site = import.meta.env.PUBLIC_SITE_URL ?? import.meta.env.VITE_API;\n")
    assert [name for name, _ in js_env_reads(text)] == ["ENCRYPTION_KEY"]
    assert as_process_env(text).count("\n") == text.count("\n")


def test_a_secret_read_from_import_meta_env_gets_a_placeholder(tmp_path):
    root = _astro(tmp_path, **{
        "src/lib/encryption.ts": "const key = decodeBase64(import.meta.env.ENCRYPTION_KEY);\n",
        ".env.example": "ENCRYPTION_KEY=\"\"\n"})
    app = app_setup(root)
    assert "ENCRYPTION_KEY" in app.env


def test_a_sqlite_file_whose_tables_a_schema_file_holds_gets_a_note(tmp_path):
    # the lucia example: better-sqlite3 opens sqlite.db, whose tables schema.sql holds; the README says to run
    # it by hand, and every query answered 500 "no such table"
    deps = {**DEPS, "better-sqlite3": "^11.1.2"}
    db = "import sqlite3 from 'better-sqlite3';\n\nconst sqlite = sqlite3(\"sqlite.db\");\n"
    schema = "CREATE TABLE user (id INTEGER PRIMARY KEY);\n"
    root = _astro(tmp_path / "a", deps=deps, **{"src/lib/db.ts": db, "schema.sql": schema})
    notes = app_setup(root).checks.get("build", [])
    assert notes == ["src/lib/db.ts:3 opens the SQLite file sqlite.db, whose tables schema.sql holds, and "
                     "nothing here creates them: queries fail with 'no such table' until it runs; add `test "
                     "-s sqlite.db || sqlite3 sqlite.db < schema.sql` to build (-s: a file the driver made "
                     "empty, 0 bytes, gets them too; running it again would fail on its CREATE TABLEs)"]
    # no schema file, or a build that applies SQL already: nothing to say
    bare = _astro(tmp_path / "b", deps=deps, **{"src/lib/db.ts": db})
    assert not app_setup(bare).checks.get("build")


def test_a_static_site_is_previewed_by_astro_on_the_runs_port(tmp_path):
    # no adapter: `astro preview` serves dist/ (checked on Astro 7: ready at the port given, 2 pages audited);
    # before, `npm run preview` was taken for a server and waited on Astro's own port 4321
    root = _astro(tmp_path, config="export default {};\n", deps={"astro": "^5.0.0"})
    app = app_setup(root)
    assert (app.command, app.fallback) == ("npx astro preview --host 127.0.0.1 --port {port}", "static")


def test_methods_in_comments_and_strings_are_no_routes_and_a_huge_endpoint_is_read_at_once(tmp_path):
    # a comment's "treated as GET" was a route whose handler was the whole module, 14,000 such lines as
    # many routes each searching the whole file (the 400 kB read of 7 MB: 2 min); `export const POST` in
    # a comment was a route too
    root = _astro(tmp_path / "a")
    write(root, {
        "src/pages/api/huge.ts": ("export async function GET() { return new Response('x') }\n"
                                  + "// treated as GET (((( `${\n" * 14000
                                  + "/* export const POST = () => 1; */\nconst s = 'a as DELETE';\n"
                                  + "const patch = () => 1;\nexport { patch as PATCH, patch as PUT };\n"),
    })
    started = time.monotonic()
    found = [(r.path, r.method, r.line) for r in astro_endpoints(root, root) if r.path == "/api/huge"]
    assert time.monotonic() - started < 3
    assert found == [("/api/huge", "GET", 1), ("/api/huge", "PATCH", 14005), ("/api/huge", "PUT", 14005)]
