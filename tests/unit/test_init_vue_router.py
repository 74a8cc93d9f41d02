"""init reads a Vue app's pages from its router (``createRouter``): the Vue RealWorld client
(mutoe/vue3-realworld-example-app, docs/real-projects.md, the twentieth round) got "/" alone, and its login,
sign-up and editor pages, routed in the URL's fragment (``createWebHashHistory``), went unaudited until
they were written in by hand."""

from __future__ import annotations

import tomllib
from pathlib import Path

from echotune_ci.project.init import init_project
from echotune_ci.project.vueroutes import vue_pages
from test_init_workspaces import machine, write  # noqa: F401 (machine: an autouse fixture)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "vue-router"
REF = "0123456789abcdef0123456789abcdef01234567"


def _realworld(root: Path) -> Path:
    return write(root, {"src/router.ts": (FIXTURES / "realworld-router.ts").read_text(),
                        "package.json": (FIXTURES / "realworld-package.json").read_text(),
                        "pnpm-lock.yaml": "lockfileVersion: '6.0'\n",
                        "vite.config.ts": "export default defineConfig({ plugins: [vue()] })\n",
                        "index.html": '<div id="app"></div>\n'
                                      '<script type="module" src="/src/main.ts"></script>\n'})


def test_the_realworld_clients_pages_as_its_router_declares_them(tmp_path):
    root = _realworld(tmp_path)
    pages = {p.path: (p.where, p.guarded) for p in vue_pages(root, root)}
    # Read by hand from the router: '/' (left out, init lists it first anyway), '/my-feeds',
    # '/tag/:tag', '/article/:slug', '/article/:slug/edit', '/article/create', '/login' and '/register'
    # (beforeEnter: () => !isAuthorized(): visitors only), '/profile/:username',
    # '/profile/:username/favorites', '/settings'; those with a parameter need a value nobody knows.
    # createWebHashHistory(): each is the fragment of "/".
    assert pages == {
        "/#/my-feeds": ("src/router.ts", False),
        "/#/article/create": ("src/router.ts", False),
        "/#/login": ("src/router.ts", False),
        "/#/register": ("src/router.ts", False),
        "/#/settings": ("src/router.ts", False),
    }


def test_routes_from_another_module_children_guards_and_history_paths(tmp_path):
    root = write(tmp_path, {
        "src/router/index.js": (
            "import { createRouter, createWebHistory } from 'vue-router'\n"
            "import { routes } from './routes'\n"
            "export default createRouter({ history: createWebHistory(import.meta.env.BASE_URL), routes })\n"),
        "src/router/routes.js": (
            "export const routes = [\n"
            "  { path: '/', component: Home },\n"
            "  { path: '/about', name: 'about', component: () => import('../views/About.vue') },\n"
            "  { path: '/old-about', redirect: '/about' },\n"
            "  { path: '/account', component: Account, meta: { requiresAuth: true }, children: [\n"
            "    { path: 'orders', component: Orders },\n"
            "  ] },\n"
            "  { path: '/admin', component: Admin, beforeEnter: [isAdmin], children: [\n"
            "    { path: '', component: AdminHome },\n"
            "    { path: '/reports', component: Reports },\n"
            "  ] },\n"
            "  { path: '/help', children: [{ path: 'faq', components: { default: Faq } }] },\n"
            "  { path: '/:pathMatch(.*)*', component: NotFound },\n"
            "]\n"),
        "src/router/routes.spec.js": "createRouter({ routes: [{ path: '/spec-only', component: X }] })\n",
    })
    pages = {p.path: (p.where, p.guarded) for p in vue_pages(root, root)}
    assert pages == {
        "/about": ("src/router/routes.js", False),
        "/account": ("src/router/routes.js", True),          # meta: { requiresAuth: true }
        "/account/orders": ("src/router/routes.js", True),   # its parent's
        "/admin": ("src/router/routes.js", True),            # beforeEnter that is no visitors-only guard
        "/reports": ("src/router/routes.js", True),          # an absolute child path stands alone
        "/help/faq": ("src/router/routes.js", False),        # /help itself has no component
    }
    # A default export of the array, imported under another name, written in place
    root = write(tmp_path / "other", {
        "src/main.ts": "import table from './table'\n"
                       "const router = createRouter({ history: h, routes: table })\n",
        "src/table.ts": "export default [{ path: '/docs', component: Docs }]\n"})
    assert [p.path for p in vue_pages(root, root)] == ["/docs"]
    root = write(tmp_path / "inline", {
        "src/main.ts": "createRouter({ history: createWebHashHistory(),\n"
                       "  routes: [{ path: '/x', component: X }] })\n"})
    assert [p.path for p in vue_pages(root, root)] == ["/#/x"]
    assert vue_pages(write(tmp_path / "none", {"src/main.ts": "createApp(App).mount('#app')\n"}),
                     tmp_path / "none") == []


def test_init_audits_the_hash_routed_pages_and_loads_only_what_the_server_answers(tmp_path):
    root = _realworld(tmp_path)
    init_project(root, ref=REF)
    text = (root / "echotune.toml").read_text()
    config = tomllib.loads(text)
    pages = [(p["path"], p["name"]) for p in config["frontend"]["pages"]]
    assert pages == [("/", "home"), ("/#/article/create", "article-create"), ("/#/login", "login"),
                     ("/#/my-feeds", "my-feeds"), ("/#/register", "register")]
    assert '# path = "/#/settings"' in text  # the fifth: written commented out
    # The server never sees a fragment: a load test of "/#/login" would load "/" again.
    assert [e["path"] for e in config["load"]["endpoints"]] == ["/"]
    assert "/#/" not in text.split("\n[load]\n", 1)[1]  # nor suggested commented out
