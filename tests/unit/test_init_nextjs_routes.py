"""`init` on Next.js apps with API routes and a database (docs/real-projects.md, the fourteenth round:
nextjs/saas-starter, Next 15's App Router with Drizzle on PostgreSQL). A Next.js app's URLs are its folders
(app/**/page.tsx, app/**/route.ts, pages/, pages/api/), not `app.get(...)` calls: before, `init` audited
only "/", suggested no API route for the load test and polled "/" even beside an app/api/health route.
The fixtures are of our own, in the same shapes."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from test_init_workspaces import write
from echotune_ci.project.init import init_project
from echotune_ci.project.nextroutes import NextRoute, get_routes, next_routes

REF = "0123456789abcdef0123456789abcdef01234567"
PAGE = "export default function Page() {\n  return <main>page</main>;\n}\n"
CLIENT_LAYOUT = "'use client';\nexport default function Layout({ children }) {\n  return children;\n}\n"
GET_JSON = "export async function GET() {\n  return Response.json(await getUser());\n}\n"
WEBHOOK = "export async function POST(request) {\n  return Response.json({ received: true });\n}\n"
# saas-starter's middleware: a cookie check on a prefix held in a constant, a redirect to the login page,
# a matcher written as a regular expression
MIDDLEWARE = """import { NextResponse } from 'next/server';

const protectedRoutes = '/dashboard';

export async function middleware(request) {
  const isProtectedRoute = request.nextUrl.pathname.startsWith(protectedRoutes);
  if (isProtectedRoute && !request.cookies.get('session')) {
    return NextResponse.redirect(new URL('/sign-in', request.url));
  }
  return NextResponse.next();
}

export const config = {
  matcher: ['/((?!api|_next/static|_next/image|favicon.ico).*)'],
};
"""


def _saas(root: Path) -> Path:
    """saas-starter's shape: route groups, API route handlers, a guarding middleware, Drizzle migrations."""
    return write(root, {
        "package.json": json.dumps({"private": True, "scripts": {
            "dev": "next dev --turbopack", "build": "next build", "start": "next start",
            "db:migrate": "drizzle-kit migrate", "db:seed": "npx tsx lib/db/seed.ts"},
            "dependencies": {"next": "15.4.0-canary.47", "react": "19.1.0", "drizzle-orm": "^0.43.1",
                             "drizzle-kit": "^0.31.1", "postgres": "^3.4.5"}}),
        "package-lock.json": "{}",
        "middleware.ts": MIDDLEWARE,
        "app/layout.tsx": PAGE,
        "app/(dashboard)/page.tsx": PAGE,
        "app/(dashboard)/pricing/page.tsx": PAGE,
        "app/(dashboard)/dashboard/layout.tsx": CLIENT_LAYOUT,
        "app/(dashboard)/dashboard/page.tsx": PAGE,
        "app/(dashboard)/dashboard/general/page.tsx": PAGE,
        "app/(login)/sign-in/page.tsx": PAGE,
        "app/(login)/actions.ts": "'use server';\nexport async function signIn() {}\n",
        "app/api/user/route.ts": GET_JSON,
        "app/api/team/route.ts": GET_JSON,
        "app/api/stripe/webhook/route.ts": WEBHOOK,
        "app/api/stripe/checkout/route.ts": GET_JSON,
        "lib/db/drizzle.ts": "export const client = postgres(process.env.POSTGRES_URL);\n",
        "lib/db/migrations/0000_init.sql": "CREATE TABLE users (id serial PRIMARY KEY);\n",
        "drizzle.config.ts": "export default { out: './lib/db/migrations', dialect: 'postgresql' };\n",
    })


def test_the_app_routers_pages_and_route_handlers_are_read_with_the_middlewares_guard(tmp_path):
    root = _saas(tmp_path)
    routes = next_routes(root, {"next": "15"}, root)
    assert routes == [
        NextRoute("/", "app/(dashboard)/page.tsx", False, (), False, False),
        NextRoute("/api/stripe/checkout", "app/api/stripe/checkout/route.ts", True, ("GET",), False, False),
        NextRoute("/api/stripe/webhook", "app/api/stripe/webhook/route.ts", True, ("POST",), False, False),
        NextRoute("/api/team", "app/api/team/route.ts", True, ("GET",), False, False),
        NextRoute("/api/user", "app/api/user/route.ts", True, ("GET",), False, False),
        # the middleware sends a visitor without the cookie from /dashboard and below to /sign-in
        NextRoute("/dashboard", "app/(dashboard)/dashboard/page.tsx", False, (), True, False),
        NextRoute("/dashboard/general", "app/(dashboard)/dashboard/general/page.tsx", False, (), True, False),
        NextRoute("/pricing", "app/(dashboard)/pricing/page.tsx", False, (), False, False),
        NextRoute("/sign-in", "app/(login)/sign-in/page.tsx", False, (), False, False),
    ]
    # the webhook takes POST only
    assert [r.path for r in get_routes(routes)] == ["/api/stripe/checkout", "/api/team", "/api/user"]


def test_init_audits_the_pages_and_suggests_the_api_routes_for_the_load_test(tmp_path):
    root = _saas(tmp_path)
    result = init_project(root, ref=REF)
    app = result.app
    assert app.framework == "next"
    assert app.ready_path == "/"
    # before: "/" alone
    assert app.pages == [("/dashboard", "app/(dashboard)/dashboard/page.tsx", True),
                         ("/dashboard/general", "app/(dashboard)/dashboard/general/page.tsx", True),
                         ("/pricing", "app/(dashboard)/pricing/page.tsx", False),
                         ("/sign-in", "app/(login)/sign-in/page.tsx", False)]
    # the API routes first (before: none), then the open pages; not the step of a payment (GET
    # /api/stripe/checkout completes a Stripe checkout session, and without one redirects)
    assert app.load_routes == [("/api/team", "app/api/team/route.ts"), ("/api/user", "app/api/user/route.ts"),
                               ("/pricing", "app/(dashboard)/pricing/page.tsx"),
                               ("/sign-in", "app/(login)/sign-in/page.tsx")]
    config = tomllib.loads((root / "echotune.toml").read_text())
    assert [p["path"] for p in config["frontend"]["pages"]] == ["/", "/pricing", "/sign-in"]
    text = (root / "echotune.toml").read_text()
    assert '# [[load.endpoints]]  # app/api/team/route.ts\n# path = "/api/team"' in text
    assert '# [[frontend.pages]]  # app/(dashboard)/dashboard/page.tsx, behind a login' in text


def test_a_health_route_handler_is_the_ready_url(tmp_path):
    root = _saas(tmp_path)
    write(root, {"app/api/health/route.ts": "export const GET = () => Response.json({ ok: true });\n"})
    app = init_project(root, ref=REF).app
    assert app.ready_path == "/api/health"  # before: "/"
    assert "/api/health" not in dict(app.load_routes)


def test_the_pages_router_its_api_modules_and_their_methods(tmp_path):
    root = write(tmp_path, {
        "package.json": json.dumps({"dependencies": {"next": "14.2.0"}}),
        "src/pages/_app.tsx": PAGE,
        "src/pages/_document.tsx": PAGE,
        "src/pages/404.tsx": PAGE,
        "src/pages/index.tsx": PAGE,
        "src/pages/about.tsx": PAGE,
        "src/pages/blog/index.tsx": PAGE,
        "src/pages/blog/[slug].tsx": PAGE,
        # getServerSideProps sends a visitor to the login page
        "src/pages/account.tsx": PAGE + "export async function getServerSideProps() {\n  return "
                                        "{ redirect: { destination: '/login', permanent: false } };\n}\n",
        "src/pages/api/hello.ts": "export default function handler(req, res) {\n  res.json({ hi: 1 });\n}\n",
        "src/pages/api/items.ts": "export default function handler(req, res) {\n"
                                  "  if (req.method === 'POST') return res.status(201).end();\n"
                                  "  if (req.method === 'GET') return res.json([]);\n}\n",
        "src/pages/api/login.ts": "export default function handler(req, res) {\n"
                                  "  if (req.method !== 'POST') return res.status(405).end();\n}\n",
        "src/pages/api/items/[id].ts": "export default function handler(req, res) {}\n",
    })
    routes = next_routes(root, {"next": "14"}, root)
    assert [(r.path, r.api, r.methods, r.guarded, r.params) for r in routes] == [
        ("/", False, (), False, False),
        ("/about", False, (), False, False),
        ("/account", False, (), True, False),
        ("/api/hello", True, ("GET",), False, False),  # it names no method: it answers every one
        ("/api/items", True, ("POST", "GET"), False, False),
        ("/api/items/[id]", True, ("GET",), False, True),
        ("/api/login", True, ("POST",), False, False),
        ("/blog", False, (), False, False),
        ("/blog/[slug]", False, (), False, True),
    ]
    assert [r.path for r in get_routes(routes)] == ["/api/hello", "/api/items"]


def test_folders_that_make_no_url_and_exported_handler_lists(tmp_path):
    root = write(tmp_path, {
        "package.json": json.dumps({"dependencies": {"next": "15.0.0", "next-auth": "5"}}),
        "app/page.tsx": PAGE,
        "app/_components/page.tsx": PAGE,  # a private folder
        "app/@modal/login/page.tsx": PAGE,  # a parallel slot
        "app/feed/(..)photo/page.tsx": PAGE,  # an intercepting route
        "app/feed/page.tsx": PAGE,
        "app/docs/[[...slug]]/page.mdx": "# docs\n",
        "app/admin/layout.tsx": "import { redirect } from 'next/navigation';\n"
                                "export default async function L({ children }) {\n"
                                "  if (!(await auth())) redirect('/api/auth/signin');\n"
                                "  return children;\n}\n",
        "app/admin/users/page.tsx": PAGE,
        "app/api/auth/[...nextauth]/route.ts": "import { handlers } from '@/auth';\n"
                                               "export const { GET, POST } = handlers;\n",
        "app/api/version/route.ts": "const handler = () => Response.json({ v: 1 });\n"
                                    "export { handler as GET, handler as HEAD };\n",
        "app/api/page.test.tsx": PAGE,
    })
    routes = next_routes(root, {"next": "15"}, root)
    assert [(r.path, r.api, r.methods, r.guarded) for r in routes] == [
        ("/", False, (), False),
        ("/admin/users", False, (), True),  # its layout sends a visitor to the login
        ("/api/auth/[...nextauth]", True, ("GET", "POST"), False),  # NextAuth 5's destructured handlers
        ("/api/version", True, ("GET", "HEAD"), False),
        ("/docs/[[...slug]]", False, (), False),
        ("/feed", False, (), False),
    ]


def test_a_middleware_guards_the_paths_it_names_not_its_public_ones(tmp_path):
    root = write(tmp_path, {
        "package.json": json.dumps({"dependencies": {"next": "15.0.0"}}),
        "src/middleware.ts": "const publicRoutes = ['/', '/about'];\n"
                             "const protectedRoutes = ['/settings', '/billing'];\n"
                             "export function middleware(req) {\n"
                             "  if (protectedRoutes.some((p) => req.nextUrl.pathname.startsWith(p)))\n"
                             "    return NextResponse.redirect(new URL('/login', req.url));\n}\n"
                             "export const config = { matcher: ['/settings/:path*', '/billing/:path*'] };\n",
        "src/app/page.tsx": PAGE,
        "src/app/about/page.tsx": PAGE,
        "src/app/settings/profile/page.tsx": PAGE,
        "src/app/billing/page.tsx": PAGE,
        "src/app/settingsx/page.tsx": PAGE,  # not under /settings
        "src/app/login/page.tsx": PAGE,
    })
    routes = next_routes(root, {"next": "15"}, root)
    assert [(r.path, r.guarded) for r in routes] == [
        ("/", False), ("/about", False), ("/billing", True), ("/login", False), ("/settings/profile", True),
        ("/settingsx", False)]


def test_a_middleware_that_sends_no_one_to_a_login_guards_nothing(tmp_path):
    root = write(tmp_path, {
        "package.json": json.dumps({"dependencies": {"next": "15.0.0"}}),
        "middleware.ts": "export function middleware(req) {\n  const res = NextResponse.next();\n"
                         "  res.headers.set('x-path', '/dashboard');\n  return res;\n}\n",
        "app/dashboard/page.tsx": PAGE,
    })
    assert [(r.path, r.guarded) for r in next_routes(root, {"next": "15"}, root)] == [("/dashboard", False)]
    assert next_routes(root, {"react": "18"}, root) == []  # not a Next.js app


def _output_app(root: Path, config: str, scripts: dict[str, str]) -> Path:
    return write(root, {
        "package.json": json.dumps({"scripts": scripts,
                                    "dependencies": {"next": "15.0.0", "react": "19.0.0"}}),
        "package-lock.json": "{}",
        "next.config.mjs": config,
        "app/page.tsx": PAGE,
    })


def test_a_standalone_server_gets_its_files_beside_it_and_listens_on_loopback(tmp_path):
    """`node .next/standalone/server.js` serves neither .next/static nor public/ until they are copied
    beside it (the pages loaded without their scripts and styles) and listens on HOSTNAME, every interface
    when unset; before, init also said it "could not tell how the server picks its port"."""
    root = _output_app(tmp_path, "// output: 'export' was tried\nexport default { output: 'standalone' };\n",
                       {"build": "next build", "start": "node .next/standalone/server.js"})
    result = init_project(root, ref=REF)
    app = result.app
    assert app.command == "npm start"
    assert app.env == {"HOSTNAME": "127.0.0.1"}
    assert app.build == ("npm run build && cp -r .next/static .next/standalone/.next/ && "
                         "{ [ ! -d public ] || cp -r public .next/standalone/; }")
    assert ("port", "auto (PORT)") in [(d.key, d.value) for d in app.decisions]
    assert not any("could not tell how the server picks its port" in c for c in app.notes("port"))


def test_a_build_script_that_copies_them_itself_gets_no_second_copy(tmp_path):
    root = _output_app(tmp_path, "export default { output: \"standalone\" };\n",
                       {"build": "next build && cp -r .next/static .next/standalone/.next/static",
                        "start": "node .next/standalone/server.js"})
    assert init_project(root, ref=REF).app.build == "npm run build"


def test_next_start_beside_a_standalone_output_is_kept(tmp_path):
    # next start serves such a build too (it warns): nothing to change
    root = _output_app(tmp_path, "export default { output: 'standalone' };\n",
                       {"build": "next build", "start": "next start"})
    app = init_project(root, ref=REF).app
    assert app.command == "npx next start --hostname 127.0.0.1 --port {port}"
    assert app.build == "npm run build" and app.env == {}


def test_a_static_export_is_served_by_a_static_server(tmp_path):
    """`next start` refuses an `output: "export"` build ("does not work with output: export") and stops."""
    config = "const nextConfig = {\n  output: 'export',\n};\nexport default nextConfig;\n"
    root = _output_app(tmp_path, config, {"build": "next build", "start": "next start"})
    app = init_project(root, ref=REF).app
    assert app.command == "npx --yes serve out -l tcp://127.0.0.1:{port}"
    assert any("served by a static server (serve)" in c for c in app.notes("command"))


def test_an_app_under_a_base_path_is_audited_loaded_and_polled_there(tmp_path):
    """next.config's basePath mounts every page and API route under it and answers "/" with 404
    (nextjs.org/docs/app/api-reference/config/next-config-js/basePath): "/" was audited, loaded and
    polled, so the run measured a 404 page. The middleware's paths stay without it
    (request.nextUrl.pathname)."""
    root = _saas(tmp_path)
    write(root, {"next.config.ts": "// basePath: '/old',\nconst nextConfig = {\n  basePath: '/shop',\n};\n"
                                   "export default nextConfig;\n"})
    routes = next_routes(root, {"next": "15"}, root)
    assert [(r.path, r.guarded) for r in routes][:3] == [
        ("/shop", False), ("/shop/api/stripe/checkout", False), ("/shop/api/stripe/webhook", False)]
    assert ("/shop/dashboard", True) in [(r.path, r.guarded) for r in routes]
    app = init_project(root, ref=REF).app
    assert app.home_path == "/shop" and app.ready_path == "/shop"
    config = tomllib.loads((root / "echotune.toml").read_text())
    assert [p["path"] for p in config["frontend"]["pages"]] == ["/shop", "/shop/pricing", "/shop/sign-in"]
    assert config["security"]["http"]["pages"] == [{"path": "/shop"}]
    assert config["load"]["endpoints"][0] == {"path": "/shop"}
    assert config["serve"]["ready_url"].endswith("/shop")

    write(root, {"app/api/health/route.ts": "export const GET = () => Response.json({ ok: true });\n"})
    assert init_project(root, ref=REF, force=True).app.ready_path == "/shop/api/health"


def test_a_base_path_from_the_environment_or_a_comment_changes_nothing(tmp_path):
    root = _saas(tmp_path)
    write(root, {"next.config.js": "/* basePath: '/x' */\nmodule.exports = {\n"
                                   "  basePath: process.env.BASE_PATH,\n};\n"})
    app = init_project(root, ref=REF).app
    assert app.home_path == "/" and app.ready_path == "/"
