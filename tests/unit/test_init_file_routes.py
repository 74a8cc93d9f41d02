"""`init` on the server routes frameworks make of route files (docs/real-projects.md, the fourteenth round:
MuhammadKhizar7/nuxt-api-demo, Nuxt 3 with server/api/*.ts route files, nuxt-auth-utils' session and
Drizzle on SQLite). Nitro makes a route of each file under server/api/ and server/routes/, SvelteKit an
endpoint of each +server.ts, Remix a resource route of each module with a loader and no component; no
`app.get(...)` declares them: before, `init` suggested none of them for the load test, found no Nuxt
login and left DB_CONNECTION (in .env.example only) unset, so drizzle-kit's migrate stopped the build.
The fixtures are of our own, in the same shapes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from test_init_workspaces import write
from echotune_ci.project.init import _login_flow, init_project
from echotune_ci.project.fileroutes import (
    acts_only, file_routes, json_login, kit_endpoints, optional_query, route_of, server_routes,
)

REF = "0123456789abcdef0123456789abcdef01234567"
HELLO = "export default defineEventHandler(() => ({ message: 'hi' }))\n"
GUARDED = ("import { eq } from 'drizzle-orm'\n\nexport default eventHandler(async (event) => {\n"
           "  const { user } = await requireUserSession(event)\n  return []\n})\n")
LOGIN = ("export default defineEventHandler(async (event) => {\n"
         "  const { email, password } = await readValidatedBody(event, schema.parse)\n"
         "  await setUserSession(event, { user: { name: found.name, email } })\n  return {}\n})\n")
TOKEN_LOGIN = ("export default defineEventHandler(async (event) => {\n"
               "  const { username, password } = await readBody(event)\n"
               "  return { token: sign(username) }\n})\n")
SEARCH = "export default defineEventHandler(async (event) => getValidatedQuery(event, schema.parse))\n"


def _nuxt(root: Path, **extra: str) -> Path:
    """nuxt-api-demo's shape: Nuxt 4's app/ folder, server/api route files, a Drizzle SQLite config."""
    return write(root, {
        "package.json": json.dumps({"name": "n", "private": True, "type": "module",
                                    "scripts": {"build": "nuxt build", "preview": "nuxt preview"},
                                    "dependencies": {"nuxt": "^3.14.0", "nuxt-auth-utils": "^0.5.7",
                                                     "drizzle-orm": "^0.38.2", "better-sqlite3": "^11.7.0"},
                                    "devDependencies": {"drizzle-kit": "^0.30.1"}}),
        "package-lock.json": "{}",
        "nuxt.config.ts": "export default defineNuxtConfig({ future: { compatibilityVersion: 4 } })\n",
        "app/pages/index.vue": "<template><p>hi</p></template>\n",
        "app/pages/about.vue": "<template><p>about</p></template>\n",
        "server/api/test.ts": HELLO,
        "server/api/auth/login.post.ts": LOGIN,
        "server/api/todos/index.get.ts": GUARDED,
        "server/api/todos/index.post.ts": GUARDED,
        "server/api/todos/[id].delete.ts": GUARDED,
        "server/api/search.get.ts": SEARCH,
        "server/api/debug.get.dev.ts": HELLO,
        "server/routes/healthz.get.ts": "\n\nexport default defineEventHandler(() => 'ok')\n",
        "drizzle.config.ts": ("export default defineConfig({\n  dialect: 'sqlite',\n"
                              "  schema: './server/database/schema.ts',\n"
                              "  out: './server/database/migrations',\n"
                              "  dbCredentials: { url: process.env.DB_CONNECTION as string },\n})\n"),
        "server/database/migrations/0000_init.sql": "CREATE TABLE users (id integer primary key);\n",
        **extra,
    })


@pytest.mark.parametrize(("relative", "prefix", "expected"), [
    ("todos/[id].delete.ts", "/api", ("/api/todos/:id", "DELETE", "")),
    ("todos/index.get.ts", "/api", ("/api/todos", "GET", "")),
    ("test.ts", "/api", ("/api/test", "", "")),
    ("index.ts", "/", ("/", "", "")),
    ("(admin)/users.get.ts", "/api", ("/api/users", "GET", "")),
    ("files/[...path].get.ts", "/", ("/files/**:path", "GET", "")),
    ("[...].ts", "/", ("/**", "", "")),
    ("user-[id]/posts.post.ts", "/api", ("/api/user-:id/posts", "POST", "")),
    ("hello.get.dev.ts", "/api", ("/api/hello", "GET", "dev")),
    ("stats.prod.ts", "/", ("/stats", "", "prod")),
])
def test_route_file_names_as_nitro_reads_them(relative, prefix, expected):
    assert route_of(relative, prefix) == expected


def test_a_nuxt_apps_route_files_methods_guards_and_builds(tmp_path):
    root = _nuxt(tmp_path)
    deps = json.loads((root / "package.json").read_text())["dependencies"]
    routes = {(r.path, r.method): r for r in server_routes(root, deps, root)}
    # api/ first, then routes/; the .dev route is not in the production server
    assert list(routes) == [("/api/auth/login", "POST"), ("/api/search", "GET"), ("/api/test", ""),
                            ("/api/todos/:id", "DELETE"), ("/api/todos", "GET"), ("/api/todos", "POST"),
                            ("/healthz", "GET")]
    assert routes[("/api/todos", "GET")].guarded and not routes[("/api/test", "")].guarded
    assert routes[("/api/search", "GET")].needs_input and routes[("/api/todos/:id", "DELETE")].params
    assert routes[("/healthz", "GET")].line == 3  # its handler's line
    # a Vue app without nuxt or nitro has no route files
    assert server_routes(root, {"vue": "^3.5.0"}, root) == []


def test_init_polls_the_health_route_file_and_suggests_the_api_routes(tmp_path):
    root = _nuxt(tmp_path)
    app = init_project(root, ref=REF).app
    assert app.ready_path == "/healthz"  # before: "/", no health route found
    # /api/test answers every method without a login; /api/todos asks for one, /api/search for a query
    assert ("/api/test", "server/api/test.ts:1") in app.load_routes
    assert "/api/todos" not in dict(app.load_routes) and "/api/search" not in dict(app.load_routes)
    assert "frontend" in app.phases  # Nuxt's pages still answer "/"
    text = (root / "echotune.toml").read_text()
    assert '# [[load.endpoints]]  # server/api/test.ts:1\n# path = "/api/test"\n' in text


def test_a_session_login_route_file_gives_the_load_login_and_a_flow(tmp_path):
    root = _nuxt(tmp_path)
    app = init_project(root, ref=REF).app
    flow = _login_flow(root, app)
    assert (flow["login"], flow["protected"], flow["token"], flow["user_field"], flow["form"]) == (
        "/api/auth/login", "/api/todos", "", "email", "")
    text = (root / "echotune.toml").read_text()
    assert ('# [load.login]\n# path = "/api/auth/login"\n'
            '# json = { email = "demo@example.com", password = "change-me" }\n') in text
    assert '[api.login]\npath = "/api/auth/login"\njson = { email = "demo@example.com", password = ' \
           '"change-me" }\nstatus = [200, 201, 204, 302, 303]\nsession = true\n' in text


def test_a_token_login_and_a_middleware_guard(tmp_path):
    root = _nuxt(tmp_path, **{
        "server/api/auth/login.post.ts": TOKEN_LOGIN,
        "server/api/admin/stats.get.ts": HELLO,
        "server/middleware/auth.ts": ("export default defineEventHandler((event) => {\n"
                                      "  if (event.path.startsWith('/api/admin') && !event.context.user) {\n"
                                      "    throw createError({ statusCode: 401 })\n  }\n})\n"),
    })
    deps = json.loads((root / "package.json").read_text())["dependencies"]
    routes = server_routes(root, deps, root)
    assert next(r for r in routes if r.path == "/api/admin/stats").guarded
    flow = json_login(routes)
    assert (flow["login"], flow["token"], flow["user_field"], flow["protected"]) == (
        "/api/auth/login", "$.token", "username", "/api/admin/stats")


def test_a_nitro_app_under_its_src_dir_and_api_base(tmp_path):
    root = write(tmp_path, {
        "package.json": json.dumps({"name": "n", "dependencies": {"nitropack": "^2.10.0"}}),
        "nitro.config.ts": "export default defineNitroConfig({ srcDir: 'server', apiBaseURL: '/v1' })\n",
        "server/api/items.get.ts": HELLO,
        "server/routes/index.ts": HELLO,
    })
    routes = server_routes(root, {"nitropack": "^2.10.0"}, root)
    assert [(r.path, r.file) for r in routes] == [("/v1/items", "server/api/items.get.ts"),
                                                  ("/", "server/routes/index.ts")]


@pytest.mark.parametrize(("extra", "deps", "expected"), [
    # nuxt-api-demo keeps it in .env.example only: a path better-sqlite3 opens
    ({".env.example": "# database\nDB_CONNECTION=db.sqlite\n"}, {}, "db.sqlite"),
    ({}, {}, "./dev.db"),
    # libSQL's client opens URLs only
    ({}, {"@libsql/client": "^0.14.0"}, "file:./dev.db"),
    # a .env sets it already: the app's own tools read that
    ({".env": "DB_CONNECTION=mine.db\n"}, {}, None),
])
def test_a_drizzle_sqlite_config_gets_its_file(tmp_path, extra, deps, expected):
    root = _nuxt(tmp_path, **extra)
    data = json.loads((root / "package.json").read_text())
    data["dependencies"].update(deps)
    (root / "package.json").write_text(json.dumps(data))
    app = init_project(root, ref=REF).app
    assert app.env.get("DB_CONNECTION") == expected
    assert "npx drizzle-kit migrate" in app.build


def test_nuxt_auth_utils_gets_a_session_password_long_enough(tmp_path):
    # a production server without NUXT_SESSION_PASSWORD answered the login 500 "Empty password"
    root = _nuxt(tmp_path)
    app = init_project(root, ref=REF).app
    assert len(app.env["NUXT_SESSION_PASSWORD"]) >= 32
    assert any("NUXT_SESSION_PASSWORD" in note for note in app.notes("env"))
    # one the project's instructions set is kept; without the module nothing is added
    data = json.loads((root / "package.json").read_text())
    del data["dependencies"]["nuxt-auth-utils"]
    (root / "package.json").write_text(json.dumps(data))
    assert "NUXT_SESSION_PASSWORD" not in init_project(root, ref=REF, force=True).app.env


@pytest.mark.parametrize(("nitro", "openapi", "noted"), [
    # nuxt-api-demo: the document of `nuxt dev` alone; the built server answers 404 at /_openapi.json
    ("experimental: { openAPI: true }, openAPI: { meta: { title: 'x' } }", "", True),
    ("experimental: { openAPI: true }, openAPI: { production: 'runtime' }", "/_openapi.json", False),
    ("experimental: { openAPI: true },\n openAPI: { route: '/_docs/openapi.json', production: 'prerender' }",
     "/_docs/openapi.json", False),
    ("experimental: { database: true }", "", False),
    # nuxt-api-demo itself: @scalar/nuxt prerenders the document into .output/public
    ("experimental: { openAPI: true }", "/_openapi.json", False),
])
def test_nitros_openapi_document_in_production_or_a_note(tmp_path, nitro, openapi, noted):
    config = f"export default defineNuxtConfig({{ nitro: {{ {nitro} }} }})\n"
    root = _nuxt(tmp_path, **{"nuxt.config.ts": config})
    if nitro == "experimental: { openAPI: true }":
        data = json.loads((root / "package.json").read_text())
        data["dependencies"]["@scalar/nuxt"] = "^0.2.211"
        (root / "package.json").write_text(json.dumps(data))
    app = init_project(root, ref=REF).app
    assert app.openapi == openapi
    assert ("api" in app.phases) == bool(openapi)
    assert any("openAPI: { production: 'runtime' }" in n for n in app.notes("project")) == noted
    # the flow's comment says the phase runs it already, or that it is to be added
    text = " ".join(line.lstrip("# ") for line in (root / "echotune.toml").read_text().splitlines())
    assert ("runs this flow too, and fails it until that account exists" in text) == bool(openapi)
    assert ('then add "api" to [run] phases' in text) == (not openapi)


KIT_LIST = ("import { json } from '@sveltejs/kit';\n\n"
            "export async function GET() {\n  return json([]);\n}\n\n"
            "export const POST = async ({ request }) => json(await request.json());\n")


def test_sveltekit_endpoints_are_routes_to_load_and_poll(tmp_path):
    root = write(tmp_path, {
        "package.json": json.dumps({"name": "kit", "type": "module",
                                    "scripts": {"build": "vite build", "preview": "vite preview"},
                                    "devDependencies": {"@sveltejs/kit": "^2.0.0", "vite": "^6.0.0",
                                                        "@sveltejs/adapter-node": "^5.0.0"}}),
        "package-lock.json": "{}",
        "svelte.config.js": ("import adapter from '@sveltejs/adapter-node';\n"
                             "export default { kit: { adapter: adapter() } };\n"),
        "src/routes/+page.svelte": "<h1>hi</h1>\n",
        "src/routes/(api)/api/items/+server.ts": KIT_LIST,
        "src/routes/api/items/[id=integer]/+server.ts": KIT_LIST,
        "src/routes/api/me/+server.ts": ("export const GET = async ({ locals }) => {\n"
                                         "  if (!locals.user) error(401, 'Unauthorized');\n"
                                         "  return json({});\n};\n"),
        "src/routes/healthz/+server.js": "export function GET() {\n  return new Response('ok');\n}\n",
    })
    routes = kit_endpoints(root / "src" / "routes", root)
    assert [(r.path, r.method, r.line, r.guarded) for r in routes] == [
        ("/api/items", "GET", 3, False), ("/api/items", "POST", 7, False),
        ("/api/items/:id", "GET", 3, False), ("/api/items/:id", "POST", 7, False),
        ("/api/me", "GET", 1, True), ("/healthz", "GET", 1, False)]
    app = init_project(root, ref=REF).app
    assert app.ready_path == "/healthz"  # before: "/"
    assert dict(app.load_routes).get("/api/items") == "src/routes/(api)/api/items/+server.ts:3"
    assert "/api/me" not in dict(app.load_routes)


def test_remix_resource_routes_join_the_graph(tmp_path):
    root = write(tmp_path, {
        "package.json": json.dumps({"name": "r", "dependencies": {"@remix-run/node": "*"},
                                    "devDependencies": {"@remix-run/dev": "*"}}),
        "app/routes/_index.tsx": "export default function Index() {\n  return null;\n}\n",
        "app/routes/api.stats.tsx": "export const loader = async () => json({ n: 1 });\n",
        "app/routes/api.notes.$id.tsx": "export const loader = async () => json({});\n",
    })
    found = file_routes(root, {"@remix-run/dev": "*"}, root)
    assert found is not None and found.pages
    assert [(r.path, r.params) for r in found.routes] == [("/api/notes/:id", True), ("/api/stats", False)]


# PicusMaximus/Industry4Dot0-Monitoring (the twenty-fourth round): GET routes that start the machines and
# stop them in an emergency, whose handlers return nothing (its build answers them 204, 0 bytes); `init`
# suggested them for the load test before the routes that read (first three by file name).
ACTION = "export default defineEventHandler(async (event) => {\n  emergencyStop();\n});\n"
READS = "export default defineEventHandler(async (event) => {\n  return getDevices();\n});\n"


@pytest.mark.parametrize(("handler", "acts"), [
    (ACTION, True),
    ("export default defineEventHandler(function (event) {\n  start()\n})\n", True),
    (READS, False),
    (HELLO, False),  # an arrow's expression body is its answer
    ("export default defineEventHandler((event) => getDevices())\n", False),
    ("export default defineEventHandler(async (event) => {\n  await sendRedirect(event, '/x')\n})\n", False),
    ("export default defineEventHandler(async (event) => {\n  event.node.res.end('ok')\n})\n", False),
    ("export default defineEventHandler(handler)\n", False),  # a body it cannot see
])
def test_a_handler_that_answers_nothing_acts(handler, acts):
    assert acts_only(handler) is acts


def test_routes_that_only_act_are_not_suggested_for_the_load_test(tmp_path):
    root = _nuxt(tmp_path, **{
        "server/api/actions/emergency-stop.get.ts": ACTION,
        "server/api/actions/start.get.ts": ACTION.replace("emergencyStop", "start"),
        "server/api/device/index.get.ts": READS,
        "server/api/job/active.ts": READS.replace("getDevices", "getActiveJobs"),
        # a health route may answer 204 too: still the one to poll
        "server/routes/healthz.get.ts": "export default defineEventHandler(() => {})\n",
    })
    app = init_project(root, ref=REF).app
    # as the real project's run of init says now, before: /api/actions/emergency-stop, /api/actions/start
    api = [path for path, _ in app.load_routes if path.startswith("/api/")]
    assert api == ["/api/device", "/api/job/active", "/api/test"]
    assert app.ready_path == "/healthz"


# The same project's GET /api/job and /api/log validate their queries with zod objects declared in
# server/utils/, every field optional: zod parses {} and the routes answer without a query (its build:
# GET /api/job 200 []), yet init took them for routes that need one.
JOB_FILTERS = "export const jobFiltersSchema = z.object({\n  device: z.string().optional(),\n});\n"
EVENT_FILTERS = ("export const eventFiltersSchema = z.object({\n  device: z.string().optional(),\n"
                 "  to: z.coerce.date().optional(),\n  limit: z.coerce.number().default(50),\n});\n")
BY_DEVICE = ("export const byDeviceSchema = z.object({\n  device: z.string(),\n"
             "  limit: z.number().optional(),\n});\n")


def _validated(schema: str) -> str:
    return ("export default defineEventHandler(async (event) => {\n"
            f"  const query = await getValidatedQuery(event, {schema}.parse);\n"
            "  return getJobs(query);\n});\n")


@pytest.mark.parametrize(("schema", "optional"), [
    ("jobFiltersSchema", True), ("eventFiltersSchema", True),  # .optional(), .default(...)
    ("byDeviceSchema", False),  # device is required: a 400 without it
    ("elsewhereSchema", False),  # declared where the server folder does not show it
])
def test_a_query_schema_whose_fields_are_all_optional_needs_no_query(schema, optional):
    assert optional_query(_validated(schema), JOB_FILTERS + EVENT_FILTERS + BY_DEVICE) is optional


def test_routes_whose_query_is_optional_are_suggested(tmp_path):
    root = _nuxt(tmp_path, **{
        "server/utils/jobs.ts": JOB_FILTERS + BY_DEVICE,
        "server/api/job/index.get.ts": _validated("jobFiltersSchema"),
        "server/api/job/by-device.get.ts": _validated("byDeviceSchema"),
    })
    routes = dict(init_project(root, ref=REF).app.load_routes)
    assert "/api/job" in routes and "/api/job/by-device" not in routes
    assert "/api/search" not in routes  # an inline schema: still taken for one that needs a query
