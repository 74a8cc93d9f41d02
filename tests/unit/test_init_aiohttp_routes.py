"""aiohttp's routes are read: ``app.router.add_get``, ``add_route("GET", ...)``, a ``web.RouteTableDef()``
added with ``app.add_routes``, and a list of ``web.get(...)``.

The case behind it: aiohttp-demos' blog (docs/real-projects.md, "Twelfth round") declares every route in
``setup_routes(app)`` with ``app.router.add_get``; init read none, so it found no health route, no load
route and nothing behind a login, and the ready URL was "/" by default.
"""

from __future__ import annotations

from pathlib import Path

from echotune_ci.project.files import source_files
from echotune_ci.project.health import find_health, find_load_routes, guarded_route, read_graph
from test_init_workspaces import machine, write  # noqa: F401 (machine: an autouse fixture)

MAIN = ("from aiohttp import web\nfrom blog.routes import setup_routes\n\n\n"
        "def make_app():\n    app = web.Application()\n    setup_routes(app)\n    return app\n")


def _sources(root: Path) -> list[Path]:
    return list(source_files(root, (".py",)))


def test_routes_added_on_a_setup_functions_app_parameter(tmp_path):
    root = write(tmp_path, {
        "blog/__init__.py": "",
        "blog/main.py": MAIN,
        "blog/routes.py": "from blog import views\n\n\ndef setup_routes(app):\n"
                          "    app.router.add_get('/', views.index, name='index')\n"
                          "    app.router.add_get('/posts', views.posts)\n"
                          "    app.router.add_post('/login', views.login)\n"
                          "    app.router.add_route('GET', '/about', views.about)\n"
                          "    app.router.add_route('POST', '/posts/new', views.create)\n"
                          "    app.router.add_get('/api/health', views.health)\n"
                          "    app.router.add_get('/dashboard', login_required(views.dashboard))\n",
    })
    assert find_health(_sources(root), root).path == "/api/health"
    loaded = [r.path for r in find_load_routes(_sources(root), root, limit=10)]
    # GET routes only (not the POSTs), not "/", the health route or the one behind a login
    assert loaded == ["/posts", "/about"]
    guarded = guarded_route(read_graph(_sources(root), root))
    assert guarded is not None and guarded.path == "/dashboard"


def test_a_route_table_and_a_list_of_routes_added_to_the_application(tmp_path):
    root = write(tmp_path, {
        "app.py": "from aiohttp import web\nfrom views import routes, ping, items\n\n"
                  "app = web.Application()\napp.add_routes(routes)\n"
                  "app.add_routes([web.get('/ping', ping), web.post('/items', items), "
                  "web.route('*', '/any', ping), web.route('DELETE', '/gone', ping)])\n",
        "views.py": "from aiohttp import web\n\nroutes = web.RouteTableDef()\n\n\n"
                    "@routes.get('/items')\nasync def items(request):\n    return web.json_response([])\n\n\n"
                    "@routes.post('/orders')\nasync def orders(request):\n"
                    "    return web.json_response({})\n\n\n"
                    "async def ping(request):\n    return web.Response(text='pong')\n",
    })
    assert find_health(_sources(root), root).path == "/ping"
    assert sorted(r.path for r in find_load_routes(_sources(root), root, limit=10)) == ["/any", "/items"]


def test_an_aiohttp_session_login_is_found_among_router_add_calls(tmp_path):
    from echotune_ci.project.routes import detect_login_flow

    root = write(tmp_path, {
        "blog/__init__.py": "",
        "blog/main.py": MAIN,
        "blog/routes.py": "from blog import views\n\n\ndef setup_routes(app):\n"
                          "    app.router.add_get('/login', views.login_page)\n"
                          "    app.router.add_post('/login', views.login)\n"
                          "    app.router.add_get('/profile', views.profile)\n",
        "blog/views.py": "from aiohttp_security import remember\n\n\nasync def login(request):\n"
                         "    form = await request.post()\n    response = web.HTTPFound('/')\n"
                         "    await remember(request, response, form['username'])\n    raise response\n",
    })
    found = detect_login_flow(root)
    assert (found["login"], found["protected"], found["token"]) == ("/login", "/profile", "")
