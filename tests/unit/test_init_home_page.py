"""A home page where "/" answers nothing: ``init``'s frontend page is a route that renders a template.

A Flask app whose pages are a blueprint's, registered under ``/blog`` (Flask's docs: "Registering
Blueprints", ``url_prefix``), answers "/" with 404; so does an Express app whose view-engine pages are a
router's, mounted with ``app.use('/app', router)``. init audited "/" anyway, since the code renders
templates somewhere, and the first run failed on ``http_status [/] = 404``. The paths below are those
the frameworks' documented routing gives (a blueprint's "/" under ``/blog`` is ``/blog/``; Express matches
``/app`` and ``/app/`` for a router's "/").
"""

from __future__ import annotations

import pytest

from echotune_ci.project.init import app_setup
from test_init_workspaces import machine, write  # noqa: F401 (machine: an autouse fixture)

FLASK_APP = """\
from flask import Flask
from blog.views import bp

app = Flask(__name__)
app.register_blueprint(bp, url_prefix="/blog")


@app.get("/api/status")
def status():
    return {"ok": True}
"""
BLOG_VIEWS = """\
from flask import Blueprint, render_template

bp = Blueprint("blog", __name__, template_folder="templates")


@bp.route("/about")
def about():
    return {"about": "JSON"}


@bp.route("/")
def index():
    return render_template("index.html")
"""
EXPRESS_APP = """\
const express = require('express');
const pages = require('./routes/pages');

const app = express();
app.set('view engine', 'ejs');
app.get('/api/items', (req, res) => res.json([]));
app.use('/app', pages);
app.listen(process.env.PORT || 3000);
"""
PAGES = """\
const express = require('express');
const router = express.Router();

router.get('/', (req, res) => {
  res.render('index', { title: 'Items' });
});

module.exports = router;
"""


def decision(app, key: str) -> tuple[str, str]:
    found = next(d for d in app.decisions if d.key == key)
    return found.value, found.source


def test_a_flask_blueprints_page_under_its_prefix_is_the_home_page(tmp_path):
    root = write(tmp_path, {"app.py": FLASK_APP, "blog/__init__.py": "", "blog/views.py": BLOG_VIEWS,
                            "blog/templates/index.html": "<!doctype html><title>Blog</title>\n",
                            "requirements.txt": "flask==3.1.0\ngunicorn==23.0.0\n"})
    app = app_setup(root)
    assert app.has_root and "frontend" in app.phases
    assert app.home_path == "/blog/"
    assert decision(app, "frontend") == ("/blog/", 'blog/views.py:11: no "/" route, and /blog/ renders a '
                                                   "template: the home page")
    assert app.ready_path == "/api/status"  # a route of its own, as before
    assert "/blog/" not in dict(app.load_routes)  # loaded as the home page, not suggested again


def test_an_express_routers_view_under_its_mount_is_the_home_page(tmp_path):
    root = write(tmp_path, {"server.js": EXPRESS_APP, "routes/pages.js": PAGES,
                            "views/index.ejs": "<!doctype html><title><%= title %></title>\n",
                            "package.json": '{"name": "items", "main": "server.js", "dependencies": '
                                            '{"express": "^4.21.2", "ejs": "^3.1.10"}}'})
    app = app_setup(root)
    assert app.has_root and app.home_path == "/app"
    assert decision(app, "frontend") == ("/app", 'routes/pages.js:4: no "/" route, and /app renders a '
                                                 "template: the home page")


@pytest.mark.parametrize("views", [
    BLOG_VIEWS.replace('    return render_template("index.html")', '    return {"posts": []}'),
    BLOG_VIEWS.replace('@bp.route("/")', '@bp.route("/<int:page>")'),  # needs a parameter
])
def test_without_a_page_that_renders_a_template_there_is_no_frontend(tmp_path, views):
    root = write(tmp_path, {"app.py": FLASK_APP, "blog/__init__.py": "", "blog/views.py": views,
                            "requirements.txt": "flask==3.1.0\ngunicorn==23.0.0\n"})
    app = app_setup(root)
    assert not app.has_root and "frontend" not in app.phases and app.home_path == "/"


def test_a_static_folder_may_still_answer_the_root(tmp_path):
    # static_url_path="" serves static/ at the top: "/index.html" at least, so "/" is not ruled out
    served = FLASK_APP.replace("Flask(__name__)",
                               'Flask(__name__, static_folder="static", static_url_path="")')
    root = write(tmp_path, {"app.py": served, "blog/__init__.py": "", "blog/views.py": BLOG_VIEWS,
                            "requirements.txt": "flask==3.1.0\ngunicorn==23.0.0\n"})
    app = app_setup(root)
    assert app.has_root and app.home_path == "/"


def test_a_json_root_beside_pages_gives_the_home_page_to_the_first_that_renders_a_template(tmp_path):
    # "/" answers the API's status; the pages are the router's views under /app. Chromium shows "/" in
    # its JSON viewer, whose markup the frontend phase audited (accessibility 50 in bezkoder's tutorials).
    status = "app.get('/', (req, res) => res.json({ status: 'ok' }));\n"
    server = EXPRESS_APP.replace("app.get('/api/items'", status + "app.get('/api/items'")
    root = write(tmp_path, {"server.js": server, "routes/pages.js": PAGES,
                            "package.json": '{"name": "items", "main": "server.js", "dependencies": '
                                            '{"express": "^4.21.2", "ejs": "^3.1.10"}}'})
    app = app_setup(root)
    assert app.has_root and "frontend" in app.phases and app.home_path == "/app"
    assert decision(app, "frontend") == ("/app", 'routes/pages.js:4: "/" answers JSON (server.js:6), and '
                                                 "/app renders a template: the home page")
    # without a page of its own elsewhere, "/" stays what is audited
    write(root, {"routes/pages.js": PAGES.replace("res.render('index', { title: 'Items' })",
                                                  "res.sendFile(require('path').join(__dirname, 'a.pdf'))")})
    app = app_setup(root)
    assert app.has_root and app.home_path == "/"
    # views, but only express-generator's error page: an API, as for JSON alone
    errors = "app.use((err, req, res, next) => res.status(500).render('error', { err }));\n"
    write(root, {"server.js": server.replace("app.use('/app', pages);\n", errors), "routes/pages.js": ""})
    app = app_setup(root)
    assert not app.has_root and "frontend" not in app.phases
    assert decision(app, "phases")[1] == ('server.js:6: "/" answers JSON and the app serves no pages '
                                          "(an API): no frontend")


def test_a_fastapi_routers_template_page_under_its_prefix_is_the_home_page(tmp_path):
    # FastAPI's "Templates" docs: Jinja2Templates' TemplateResponse; the router included with
    # prefix="/ui" answers "/ui/" for its "/" (FastAPI keeps the trailing slash), "/" answers 404
    main = ("from fastapi import FastAPI\n\nfrom pages import router\n\napp = FastAPI()\n"
            "app.include_router(router, prefix='/ui')\n\n\n@app.get('/api/items')\ndef items():\n"
            "    return []\n")
    pages = ("from fastapi import APIRouter, Request\nfrom fastapi.templating import Jinja2Templates\n\n"
             "router = APIRouter()\ntemplates = Jinja2Templates(directory='templates')\n\n\n"
             "@router.get('/')\ndef home(request: Request):\n"
             "    return templates.TemplateResponse(request, 'home.html')\n")
    root = write(tmp_path, {"main.py": main, "pages.py": pages,
                            "requirements.txt": "fastapi==0.115.6\nuvicorn==0.34.0\njinja2==3.1.5\n"})
    app = app_setup(root)
    assert app.has_root and app.home_path == "/ui/"
    assert decision(app, "frontend") == ("/ui/", 'pages.py:8: no "/" route, and /ui/ renders a template: the '
                                                 "home page")


FLASK_PAGES = """\
from flask import Flask, jsonify, render_template, request
from flask_mail import Message

app = Flask(__name__)


@app.route("/api/invite")
def invite():
    msg = Message("Join us", recipients=["x@example.com"])
    msg.html = render_template("email/invite.html")
    return jsonify(sent=True)


@app.route("/search")
def search():
    q = request.args["q"]
    return render_template("search.html", q=q)


@app.route("/about")
def about():
    page = render_template(
        "about.html")
    return page
"""


def test_a_route_that_renders_an_e_mail_or_needs_a_query_is_no_home_page(tmp_path):
    # /api/invite renders only its e-mail and answers JSON; Flask answers /search without ?q= with 400
    # Bad Request (request.args is a MultiDict whose missing key raises BadRequestKeyError): /about is
    # the first page a browser gets
    root = write(tmp_path, {"app.py": FLASK_PAGES, "templates/about.html": "<!doctype html><title>A</title>",
                            "requirements.txt": "flask==3.1.0\nflask-mail==0.10.0\ngunicorn==23.0.0\n"})
    app = app_setup(root)
    assert app.home_path == "/about"
    assert decision(app, "frontend") == ("/about", 'app.py:20: no "/" route, and /about renders a template: '
                                                   "the home page")
