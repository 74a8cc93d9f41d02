"""`init` on Remix and React Router (framework mode) apps (docs/real-projects.md, the thirteenth round:
remix-run/indie-stack and react-router-templates' node-postgres). Their routes are modules under app/,
named by file (flat routes) or listed in app/routes.ts, not `app.get(...)` calls: before, `init` audited
only "/", polled "/" for want of a health route, found no login, and measured `dist/`, which neither
builds. The fixtures are of our own, in the same shapes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from test_init_workspaces import write
from echotune_ci.project.init import _login_flow, init_project
from echotune_ci.project.remixroutes import _segments, _url, route_modules

REF = "0123456789abcdef0123456789abcdef01234567"
PAGE = "export default function Page() {\n  return null;\n}\n"
GUARDED = ("import { requireUserId } from '~/session.server';\n\n"
           "export const loader = async ({ request }) => {\n  await requireUserId(request);\n"
           "  return null;\n};\n\n" + PAGE)
LOGIN = ("export const loader = async () => null;\n\n"
         "export const action = async ({ request }) => {\n  const formData = await request.formData();\n"
         "  const email = formData.get('email');\n  const password = formData.get('password');\n"
         "  return createUserSession({ request, email, password });\n};\n\n" + PAGE)
SIGNUP = LOGIN  # /join reads the same fields: a signup, not the login
HEALTH = "export const loader = async () => new Response('OK');\n"
LOGOUT = ("export const action = async ({ request }) => logout(request);\n"
          "export const loader = () => redirect('/');\n")


def _package(deps: dict[str, str], dev: dict[str, str], scripts: dict[str, str]) -> str:
    return json.dumps({"name": "t", "private": True, "type": "module", "scripts": scripts,
                       "dependencies": deps, "devDependencies": dev})


def _remix_classic(root: Path) -> Path:
    """indie-stack's shape: Remix's own compiler (remix.config.js), remix-serve, vite only for vitest."""
    return write(root, {
        "package.json": _package({"@remix-run/node": "*", "@remix-run/react": "*", "@remix-run/serve": "*",
                                  "react": "^18.3.1"},
                                 {"@remix-run/dev": "*", "vite": "^5.4.11", "vitest": "^2.1.5"},
                                 {"build": "remix build", "start": "remix-serve ./build/index.js"}),
        "remix.config.js": "export default {\n  ignoredRouteFiles: ['**/.*'],\n};\n",
        "app/root.tsx": PAGE,
        "app/routes/_index.tsx": PAGE,
        "app/routes/healthcheck.tsx": HEALTH,
        "app/routes/join.tsx": SIGNUP,
        "app/routes/login.tsx": LOGIN,
        "app/routes/logout.tsx": LOGOUT,
        "app/routes/notes.tsx": GUARDED,
        "app/routes/notes._index.tsx": PAGE,  # guarded by its layout, notes.tsx
        "app/routes/notes.new.tsx": PAGE,
        "app/routes/notes.$noteId.tsx": GUARDED,
        "app/routes/.hidden.tsx": PAGE,
    })


def test_a_remix_app_gets_its_pages_health_route_login_and_client_build(tmp_path):
    root = _remix_classic(tmp_path)
    app = init_project(root, ref=REF).app
    assert app.framework == "remix"
    assert app.ready_path == "/healthcheck"  # before: "/", no health route found
    # the pages with a component and no parameter; the resource routes (healthcheck, logout) are none
    assert [(p[0], p[2]) for p in app.pages] == [("/join", False), ("/login", False), ("/notes", True),
                                                 ("/notes/new", True)]
    assert app.bundle_globs == ["public/build/**/*.js", "public/build/**/*.css"]  # before: dist/
    # the sign-up and the login read a password: a visitor's forms, which a session is sent away from
    assert app.visitor_pages == ["/join", "/login"]
    text = (root / "echotune.toml").read_text()
    assert ('path = "/join"\nname = "join"\nlogin = false  # a visitor\'s form: with [frontend.login], '
            'load it without the session (it would send you on)\n') in text
    flow = _login_flow(root, app)
    assert (flow["login"], flow["protected"], flow["user_field"], flow["status"], flow["form"]) == (
        "/login", "/notes", "email", "302", "yes")
    assert flow["source"] == "app/routes/login.tsx"


def test_init_writes_the_form_login_for_the_load_test_and_the_api_phase(tmp_path):
    root = _remix_classic(tmp_path)
    init_project(root, ref=REF)
    text = (root / "echotune.toml").read_text()
    assert ('# [load.login]\n# path = "/login"\n'
            '# form = { email = "demo@example.com", password = "change-me" }\n'
            '# status = [302]\n# session = true\n') in text
    assert '[api.login]\npath = "/login"\nform = { email = "demo@example.com", password = "change-me" }\n' \
           'status = [302]\nsession = true\n' in text


def test_a_signup_alone_is_no_login(tmp_path):
    root = _remix_classic(tmp_path)
    (root / "app/routes/login.tsx").unlink()
    app = init_project(root, ref=REF).app
    assert _login_flow(root, app) == {}


def test_react_router_routes_ts_nesting_prefixes_and_build_directory(tmp_path):
    root = write(tmp_path, {
        "package.json": _package({"@react-router/node": "7.16.0", "@react-router/serve": "7.16.0",
                                  "react-router": "7.16.0"},
                                 {"@react-router/dev": "7.16.0", "vite": "^8.0.3"},
                                 {"build": "react-router build",
                                  "start": "react-router-serve ./out/server/index.js"}),
        "react-router.config.ts": "export default {\n  ssr: true,\n  buildDirectory: 'out',\n};\n",
        "vite.config.ts": "import { reactRouter } from '@react-router/dev/vite';\n"
                          "export default { plugins: [reactRouter()] };\n",
        "app/routes.ts": (
            "import { index, layout, prefix, route } from '@react-router/dev/routes';\n"
            "const ignored = ['x'];\n"
            "export default [\n  index('routes/home.tsx'),\n  route('sign-in', 'routes/auth/login.tsx'),\n"
            "  layout('routes/account-layout.tsx', [\n    route('settings', 'routes/settings.tsx'),\n  ]),\n"
            "  ...prefix('projects', [\n    index('routes/projects.tsx'),\n"
            "    route(':pid', 'routes/project.tsx'),\n  ]),\n"
            "  route('api/health', 'routes/health.ts'),\n] satisfies RouteConfig;\n"),
        "app/routes/home.tsx": PAGE,
        "app/routes/auth/login.tsx": LOGIN.replace("'email'", "'username'"),
        "app/routes/account-layout.tsx": GUARDED,
        "app/routes/settings.tsx": PAGE,
        "app/routes/projects.tsx": PAGE,
        "app/routes/project.tsx": PAGE,
        "app/routes/health.ts": HEALTH,
    })
    modules = route_modules(root, {"@react-router/dev": "7"}, root)
    assert [(m.path, m.file, m.page, m.guarded, m.params) for m in modules] == [
        ("/", "app/routes/home.tsx", True, False, False),
        ("/sign-in", "app/routes/auth/login.tsx", True, False, False),
        ("/settings", "app/routes/settings.tsx", True, True, False),  # inside the guarded layout
        ("/projects", "app/routes/projects.tsx", True, False, False),
        ("/projects/:pid", "app/routes/project.tsx", True, False, True),
        ("/api/health", "app/routes/health.ts", False, False, False),
    ]
    app = init_project(root, ref=REF).app
    assert app.framework == "react-router"
    assert app.ready_path == "/api/health"
    assert app.bundle_globs == ["out/client/**/*.js", "out/client/**/*.css"]
    flow = _login_flow(root, app)
    assert (flow["login"], flow["protected"], flow["user_field"]) == ("/sign-in", "/settings", "username")


def test_remix_with_its_vite_plugin_builds_into_build_client(tmp_path):
    root = write(tmp_path, {
        "package.json": _package({"@remix-run/node": "^2.15", "@remix-run/serve": "^2.15"},
                                 {"@remix-run/dev": "^2.15", "vite": "^5.4"},
                                 {"build": "remix vite:build",
                                  "start": "remix-serve ./build/server/index.js"}),
        "vite.config.ts": "import { vitePlugin as remix } from '@remix-run/dev';\n"
                          "export default { plugins: [remix()] };\n",
        "app/routes/_index.tsx": PAGE,
    })
    assert init_project(root, ref=REF).app.bundle_globs == ["build/client/**/*.js", "build/client/**/*.css"]


@pytest.mark.parametrize(("name", "path"), [
    ("_index", "/"),
    ("notes._index", "/notes"),
    ("notes.$noteId", "/notes/$noteId"),
    ("_auth.login", "/login"),           # a layout without a path
    ("users_.$id.edit", "/users/$id/edit"),  # leaves the users layout, keeps its segment
    ("($lang).about", "/about"),         # an optional segment, left out
    ("sitemap[.]xml", "/sitemap.xml"),   # an escaped dot
    ("files.$", "/files/$"),             # the rest of the path
])
def test_flat_route_file_names(name, path):
    assert _url(_segments(name)) == path


PRISMA_SQLITE = ('datasource db {\n  provider = "sqlite"\n  url      = env("DATABASE_URL")\n}\n\n'
                 'generator client {\n  provider = "prisma-client-js"\n}\n')


@pytest.mark.parametrize(("extra", "expected"), [
    # indie-stack keeps it in .env.example only: the example's file URL
    ({".env.example": 'DATABASE_URL="file:./data.db?connection_limit=1"\nSESSION_SECRET="x"\n'},
     "file:./data.db?connection_limit=1"),
    ({}, "file:./dev.db"),
    # an example that names a server, not a file, is no value for a SQLite schema
    ({".env.example": "DATABASE_URL=postgres://u@db/app\n"}, "file:./dev.db"),
    # a .env beside the package sets it: Prisma reads that itself
    ({".env": "DATABASE_URL=file:./mine.db\n"}, None),
])
def test_a_prisma_sqlite_schema_gets_its_url_and_remix_serve_its_port(tmp_path, extra, expected):
    root = _remix_classic(tmp_path)
    write(root, {"prisma/schema.prisma": PRISMA_SQLITE, **extra})
    data = json.loads((root / "package.json").read_text())
    data["dependencies"]["@prisma/client"] = "^5.22.0"
    (root / "package.json").write_text(json.dumps(data))
    app = init_project(root, ref=REF).app
    assert app.env.get("DATABASE_URL") == expected
    # remix-serve reads PORT: no "could not tell how the server picks its port"
    assert not app.notes("port")
    assert any(d.key == "port" and "remix-serve listens on PORT" in d.source for d in app.decisions)


# abrahamgr/react-router-framework-playground (React Router 7.4, app/routes.ts): the favorites page's loader
# returns getLoginSession(request), a helper of app/helpers/jwt.server.ts whose body redirects to
# `${pages.login}?url=...`; the home page calls getUserSession from the same module, which redirects nowhere
JWT_SERVER = (
    "import { redirect } from 'react-router'\nimport { pages } from '~/const/pages'\n\n"
    "export async function getLoginSession(request: Request, redirectUrl?: string) {\n"
    "  const { pathname } = new URL(request.url)\n"
    "  const redirectResponse = redirect(\n    `${pages.login}?url=${redirectUrl ?? pathname}`\n  )\n"
    "  const isValid = await isValidSession(request)\n  return isValid ? undefined : redirectResponse\n}\n\n"
    "export async function getUserSession(request: Request) {\n"
    "  const jwt = request.headers.get('Cookie')\n  if (!jwt) return undefined\n  return verify(jwt)\n}\n")
FAVORITES = (
    "import { data } from 'react-router'\n"
    "import { getLoginSession, getUserSession as session } from '~/helpers/jwt.server'\n\n"
    "export const loader = async ({ request }) => {\n"
    "  const loginRequest = await getLoginSession(request)\n  if (loginRequest) return loginRequest\n"
    "  const user = await session(request)\n  return data({ user })\n}\n\n" + PAGE)
HOME = ("import { getUserSession } from '~/helpers/jwt.server'\n\n"
        "export const loader = async ({ request }) => ({ user: await getUserSession(request) })\n\n" + PAGE)


@pytest.mark.parametrize("module, guarded", [
    (FAVORITES, True),
    (HOME, False),
    # the helper's body redirects to a constant, a relative import
    ("import { mustLogIn } from '../auth'\nexport async function loader({ request }) {\n"
     "  return mustLogIn(request)\n}\n" + PAGE, True),
    # the helper imported but called only in the action: the page stays open
    ("import { getLoginSession } from '~/helpers/jwt.server'\nexport const loader = () => null\n"
     "export const action = async ({ request }) => getLoginSession(request)\n" + PAGE, False),
])
def test_a_loader_guarded_by_a_helper_of_the_apps_own_modules(tmp_path, module, guarded):
    root = write(tmp_path, {
        "package.json": _package({"react-router": "7.4.0"}, {"@react-router/dev": "7.4.0"},
                                 {"build": "react-router build"}),
        "app/routes.ts": "export default [\n  route('favorites', 'routes/favorites.tsx'),\n]\n",
        "app/routes/favorites.tsx": module,
        "app/helpers/jwt.server.ts": JWT_SERVER,
        "app/auth.ts": "const LOGIN_URL = '/login'\nexport function mustLogIn(request) {\n"
                       "  if (!request.headers.get('Cookie')) throw redirect(LOGIN_URL)\n}\n",
    })
    (m,) = route_modules(root, {"@react-router/dev": "7"}, root)
    assert (m.path, m.guarded) == ("/favorites", guarded)
