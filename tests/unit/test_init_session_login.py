"""A login that keeps the account in a session gets a flow that logs in and uses the session's cookie,
not a token flow. redis-developer/basic-redis-chat-app-demo-nodejs sets `req.session.user` in its
`POST /login` and issues no token: init wrote a Bearer flow (`capture $.token`, `refuse_without`),
which failed at its first step ("expected 200, got 201") and could never pass."""

from __future__ import annotations

import json
import tomllib
from http.server import BaseHTTPRequestHandler

import httpx
from support import local_server

from echotune_ci.config import load_config
from echotune_ci.phases.api.flows import check_flows, run_flow
from echotune_ci.project.init import app_setup, plan_files
from echotune_ci.project.routes import detect_login_flow
from test_api_init import load_login_uncommented
from test_init_workspaces import machine, write  # noqa: F401 (machine: an autouse fixture)

EXPRESS = {
    "package.json": json.dumps({"name": "chat", "scripts": {"start": "node server.js"},
                                "dependencies": {"express": "4", "express-session": "1"}}),
    "package-lock.json": json.dumps({"name": "chat", "lockfileVersion": 3, "packages": {}}),
    "server.js": "const express = require('express');\nconst session = require('express-session');\n"
                 "const app = express();\napp.use(express.json());\napp.use(session({ secret: 'x' }));\n"
                 "app.post('/login', (req, res) => {\n  req.session.user = { name: req.body.username };\n"
                 "  res.status(201).json(req.session.user);\n});\n"
                 "app.get('/me', (req, res) => res.json(req.session.user || null));\n"
                 "app.listen(process.env.PORT || 4000);\n",
}


def written(root) -> dict:
    return tomllib.loads(plan_files(root, app_setup(root), ref="main")["echotune.toml"])


def test_a_session_login_gets_a_flow_that_carries_the_cookie(tmp_path):
    found = detect_login_flow(write(tmp_path, EXPRESS))
    assert (found["login"], found["protected"], found["token"], found["form"]) == ("/login", "/me", "", "")
    api = written(tmp_path)["api"]
    assert api["exclude"] == ["POST /login"]
    (flow,) = api["flows"]
    assert flow["steps"] == [
        {"method": "POST", "path": "/login", "json": {"username": "demo", "password": "change-me"},
         "status": [200, 201, 204, 302, 303]},
        {"path": "/me"}]
    # the generated requests log in the same way and carry the session's cookie; no CSRF token outside
    # Django
    assert api["login"] == {"path": "/login", "json": {"username": "demo", "password": "change-me"},
                            "status": [200, 201, 204, 302, 303], "session": True}
    (tmp_path / "echotune.toml").write_text(plan_files(tmp_path, app_setup(tmp_path), ref="main")
                                            ["echotune.toml"])
    load = load_config(load_login_uncommented(tmp_path)).load
    assert (load.login.path, load.login.json, load.login.session, load.login.csrf_cookie) == (
        "/login", {"username": "demo", "password": "change-me"}, True, "")
    assert load.endpoints[-1].path == "/me"


# Django Ninja's shape (recreated): routes declared as a router's methods, Django's own session login
DJANGO_NINJA = {
    "requirements.txt": "django==5.2\ndjango-ninja==1.4\n",
    "accounts/api.py": "from django.contrib.auth import authenticate, login\nfrom ninja import Router\n"
                       "router = Router()\n\n\n@router.post('/login')\ndef log_in(request, data: Creds):\n"
                       "    user = authenticate(request, username=data.username, password=data.password)\n"
                       "    login(request, user)\n    return {'ok': True}\n\n\n"
                       "@router.get('/me')\ndef me(request):\n"
                       "    return {'username': request.user.username}\n",
}


def test_a_django_session_login_sends_the_csrf_token(tmp_path):
    """Django's CsrfViewMiddleware refuses a POST without the csrftoken cookie's token: the login and the
    load test's POSTs carry it (tests/unit/test_login_session_csrf.py runs such a login)."""
    found = detect_login_flow(write(tmp_path, DJANGO_NINJA))
    assert (found["login"], found["token"], found["csrf"]) == ("/login", "", "csrftoken")
    api = written(tmp_path)["api"]
    assert api["login"]["session"] is True and api["login"]["csrf_cookie"] == "csrftoken"
    # a JSON login has no form page to fetch a token from (and is exempt until the session exists): the
    # flow logs in at once, without a token header
    assert api["flows"][0]["steps"][0] == {"method": "POST", "path": "/login",
                                           "json": {"username": "demo", "password": "change-me"},
                                           "status": [200, 201, 204, 302, 303]}
    (tmp_path / "echotune.toml").write_text(plan_files(tmp_path, app_setup(tmp_path), ref="main")
                                            ["echotune.toml"])
    login = load_config(load_login_uncommented(tmp_path)).load.login
    assert (login.session, login.csrf_cookie, login.csrf_header, login.csrf_page()) == (
        True, "csrftoken", "X-CSRFToken", "/login")


def test_a_token_anywhere_keeps_the_token_flow(tmp_path):
    files = dict(EXPRESS)
    files["auth.js"] = "const jwt = require('jsonwebtoken');\nmodule.exports = (u) => jwt.sign(u, 'k');\n"
    assert detect_login_flow(write(tmp_path, files))["token"] == "$.token"
    assert written(tmp_path)["api"]["flows"][0]["steps"][0]["capture"] == {"token": "$.token"}


def test_a_flask_login_form_is_sent_as_a_form(tmp_path):
    write(tmp_path, {
        "requirements.txt": "flask==3.0.3\nflask-login==0.6.3\n",
        "app.py": "from flask import Flask, request, redirect\nfrom flask_login import login_user\n"
                  "app = Flask(__name__)\n\n\n@app.route('/login', methods=['GET', 'POST'])\ndef login():\n"
                  "    user = find(request.form.get('email'))\n    login_user(user)\n"
                  "    return redirect('/')\n\n\n@app.get('/profile')\ndef profile():\n    return 'me'\n",
    })
    api = written(tmp_path)["api"]
    assert api["flows"][0]["steps"][0] == {"method": "POST", "path": "/login",
                                           "headers": {"Content-Type": "application/x-www-form-urlencoded"},
                                           "body": "email=demo%40example.com&password=change-me",
                                           "status": [200, 201, 204, 302, 303]}
    # [api.login] sends the same form, urlencoded
    assert api["login"]["form"] == {"email": "demo@example.com", "password": "change-me"}


class _SessionApp(BaseHTTPRequestHandler):
    """POST /login sets a session cookie (201); GET /me answers 200 with it, else 401."""

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(201)
        self.send_header("Set-Cookie", "sid=abc123; Path=/; HttpOnly")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):  # noqa: N802
        self.send_response(200 if "sid=abc123" in (self.headers.get("Cookie") or "") else 401)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format, *args):  # noqa: A002
        pass


def test_the_written_session_flow_passes_against_a_session_app(tmp_path):
    write(tmp_path, EXPRESS)
    text = plan_files(tmp_path, app_setup(tmp_path), ref="main")["echotune.toml"]
    (tmp_path / "echotune.toml").write_text(text)
    cfg = load_config(tmp_path / "echotune.toml")
    check_flows(cfg.api.flows, cfg.source)
    server = local_server.start(_SessionApp)
    try:
        with httpx.Client(base_url=local_server.url(server), follow_redirects=False) as client:
            outcome = run_flow(cfg.api.flows[0], client, lambda _: None)
    finally:
        local_server.stop(server)
    assert outcome.findings == [] and outcome.passed == 2


# proshop-v2's shape (recreated): a JWT the login puts in an httpOnly cookie and the middleware reads back
# from req.cookies; the login's answer is the account, with no token in it.
COOKIE_JWT = {
    "package.json": json.dumps({"name": "shop", "scripts": {"start": "node backend/server.js"},
                                "dependencies": {"express": "4", "jsonwebtoken": "9", "cookie-parser": "1"}}),
    "package-lock.json": json.dumps({"name": "shop", "lockfileVersion": 3, "packages": {}}),
    "backend/server.js": "const express = require('express');\n"
                         "const cookieParser = require('cookie-parser');\n"
                         "const users = require('./routes/users.js');\nconst app = express();\n"
                         "app.use(express.json());\napp.use(cookieParser());\napp.use('/api/users', users);\n"
                         "app.listen(process.env.PORT || 5000);\n",
    "backend/routes/users.js": "const express = require('express');\nconst jwt = require('jsonwebtoken');\n"
                               "const { protect } = require('../middleware/auth.js');\n"
                               "const router = express.Router();\n"
                               "router.post('/login', (req, res) => {\n"
                               "  const { email, password } = req.body;\n"
                               "  const token = jwt.sign({ email }, process.env.JWT_SECRET);\n"
                               "  res.cookie('jwt', token, { httpOnly: true, sameSite: 'strict' });\n"
                               "  res.json({ email });\n});\n"
                               "router.get('/profile', protect, (req, res) => res.json(req.user));\n"
                               "module.exports = router;\n",
    "backend/middleware/auth.js": "const jwt = require('jsonwebtoken');\n"
                                  "const protect = (req, res, next) => {\n  const token = req.cookies.jwt;\n"
                                  "  if (!token) return res.status(401).json({ message: 'No token' });\n"
                                  "  req.user = jwt.verify(token, process.env.JWT_SECRET);\n  next();\n};\n"
                                  "module.exports = { protect };\n",
}


def test_a_token_kept_in_a_cookie_gets_a_flow_that_carries_the_cookie(tmp_path):
    """init wrote `capture = {token = "$.token"}` and a Bearer header for proshop-v2, whose login answers
    the account with the token only in its Set-Cookie: the flow's first step could never capture it."""
    found = detect_login_flow(write(tmp_path, COOKIE_JWT))
    assert (found["login"], found["protected"], found["token"], found["user_field"]) == (
        "/api/users/login", "/api/users/profile", "", "email")
    (flow,) = written(tmp_path)["api"]["flows"]
    assert flow["steps"] == [
        {"method": "POST", "path": "/api/users/login", "json": {"email": "demo@example.com",
                                                                "password": "change-me"},
         "status": [200, 201, 204, 302, 303]},
        {"path": "/api/users/profile"}]


def test_a_token_read_from_the_authorization_header_keeps_the_token_flow(tmp_path):
    files = dict(COOKIE_JWT)
    files["backend/middleware/auth.js"] = files["backend/middleware/auth.js"].replace(
        "req.cookies.jwt", "(req.headers.authorization || '').split(' ')[1] || req.cookies.jwt")
    files["backend/routes/users.js"] = files["backend/routes/users.js"].replace(
        "res.json({ email })", "res.json({ email, token })")
    assert detect_login_flow(write(tmp_path, files))["token"] == "$.token"


# Django's own login (recreated from `django-admin startproject`): django.contrib.auth.urls under
# "accounts/", whose "login/" is LoginView, and a view of the project's behind login_required
DJANGO_AUTH_URLS = {
    "requirements.txt": "django==5.2\n",
    "manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site1.settings')\n",
    "site1/__init__.py": "",
    "site1/settings.py": "SECRET_KEY = 'x'\nROOT_URLCONF = 'site1.urls'\n"
                         "INSTALLED_APPS = ['django.contrib.auth']\n",
    "site1/views.py": "from django.contrib.auth.decorators import login_required\n"
                      "from django.http import JsonResponse\n\n\n@login_required\ndef me(request):\n"
                      "    return JsonResponse({'username': request.user.username})\n\n\n"
                      "def health(request):\n    return JsonResponse({'ok': True})\n",
    "site1/urls.py": "from django.contrib import admin\nfrom django.urls import include, path\n\n"
                     "from . import views\n\nurlpatterns = [\n    path('admin/', admin.site.urls),\n"
                     "    path('accounts/', include('django.contrib.auth.urls')),\n"
                     "    path('health/', views.health),\n    path('api/me', views.me),\n]\n",
}


def test_djangos_login_view_gets_a_session_login_with_its_csrf_token(tmp_path):
    """A Django project logging in with django.contrib.auth's LoginView got no login at all: its routes are
    path() entries, not the decorators the login search reads. It logs in by a form behind the CSRF
    check and answers 302 when it does (the form again, 200, when it does not). The flow written here
    passed against a real Django 5.2 project of this shape (and stopped at the login with a wrong
    password); tests/unit/test_login_session_csrf.py runs it against a server speaking the same
    protocol."""
    write(tmp_path, DJANGO_AUTH_URLS)
    text = plan_files(tmp_path, app_setup(tmp_path), ref="main")["echotune.toml"]
    api = tomllib.loads(text)["api"]
    assert api["login"] == {"path": "/accounts/login/", "form": {"username": "demo", "password": "change-me"},
                            "status": [302], "session": True, "csrf_cookie": "csrftoken"}
    # the flow fetches the form for the token's cookie and sends it back; generated requests leave the
    # login out
    (flow,) = api["flows"]
    assert flow["steps"] == [
        {"path": "/accounts/login/"},
        {"method": "POST", "path": "/accounts/login/",
         "headers": {"Content-Type": "application/x-www-form-urlencoded",
                     "X-CSRFToken": "{cookie:csrftoken}"},
         "body": "username=demo&password=change-me", "status": [302]},
        {"path": "/api/me"}]
    assert api["exclude"] == ["POST /accounts/login/"]
    (tmp_path / "echotune.toml").write_text(text)
    load = load_config(load_login_uncommented(tmp_path)).load
    assert (load.login.path, dict(load.login.form), load.login.status, load.login.session,
            load.login.csrf_cookie) == ("/accounts/login/", {"username": "demo", "password": "change-me"},
                                        (302,), True, "csrftoken")
    assert load.endpoints[-1].path == "/api/me"  # behind login_required, not the admin's index


def test_a_login_view_imported_from_django_counts_too(tmp_path):
    files = dict(DJANGO_AUTH_URLS)
    files["site1/urls.py"] = ("from django.contrib.auth import views as auth_views\n"
                              "from django.urls import path\n\nfrom . import views\n\n"
                              "urlpatterns = [\n    path('signin/', auth_views.LoginView.as_view("
                              "template_name='signin.html')),\n    path('health/', views.health),\n]\n")
    write(tmp_path, files)
    api = written(tmp_path)["api"]
    assert api["login"]["path"] == "/signin/" and api["login"]["csrf_cookie"] == "csrftoken"
    # no view behind a login was read: the flow ends at the login
    assert [step["path"] for step in api["flows"][0]["steps"]] == ["/signin/", "/signin/"]
    (tmp_path / "echotune.toml").write_text(plan_files(tmp_path, app_setup(tmp_path), ref="main")
                                            ["echotune.toml"])
    load = load_config(load_login_uncommented(tmp_path)).load
    # no view behind a login was read: no protected endpoint to suggest
    assert load.login.path == "/signin/" and load.endpoints[-1].path != "/signin/"


def test_a_flask_wtf_login_form_sends_the_pages_csrf_token(tmp_path):
    """microblog's and flasky's shape (recreated): a Flask-Login login through a Flask-WTF form, whose
    csrf_token field the login must send back; without it every login was refused with 400."""
    write(tmp_path, {
        "requirements.txt": "flask==3.0.3\nflask-login==0.6.3\nflask-wtf==1.2.1\n",
        "forms.py": "from flask_wtf import FlaskForm\nfrom wtforms import StringField, PasswordField\n\n\n"
                    "class LoginForm(FlaskForm):\n    username = StringField()\n"
                    "    password = PasswordField()\n",
        "app.py": "from flask import Flask, request, redirect\nfrom flask_login import login_user\n"
                  "from forms import LoginForm\napp = Flask(__name__)\n\n\n"
                  "@app.route('/login', methods=['GET', 'POST'])\ndef login():\n    form = LoginForm()\n"
                  "    user = find(request.form.get('username'))\n    login_user(user)\n"
                  "    return redirect('/')\n\n\n@app.get('/profile')\ndef profile():\n    return 'me'\n",
    })
    assert detect_login_flow(tmp_path)["csrf_field"] == "csrf_token"
    config = written(tmp_path)
    get, post = config["api"]["flows"][0]["steps"][:2]
    assert get == {"path": "/login", "capture": {"csrf": "field:csrf_token"}}
    assert post["body"] == "username=demo&password=change-me&csrf_token={csrf}"
    assert config["api"]["login"]["csrf_field"] == "csrf_token" and config["api"]["login"]["session"]
    check_flows(load_flows(tmp_path), "echotune.toml")
    text = plan_files(tmp_path, app_setup(tmp_path), ref="main")["echotune.toml"]
    assert '# csrf_field = "csrf_token"' in text
    # the same app without Flask-WTF has no field to send
    (tmp_path / "forms.py").write_text("class LoginForm:\n    pass\n")
    assert detect_login_flow(tmp_path)["csrf_field"] == ""


def load_flows(root):
    (root / "echotune.toml").write_text(plan_files(root, app_setup(root), ref="main")["echotune.toml"])
    return load_config(root / "echotune.toml").api.flows


# miguelgrinberg/microblog's shape (recreated): the login in an `auth` blueprint under /auth, pages behind
# Flask-Login's @login_required in `main`, and a token API beside them under /api (HTTPTokenAuth). init found
# no login at all: no route is named like an account's (/me, /profile), and the tokens the API issues made
# it take the web login for a token login.
MICROBLOG = {
    "requirements.txt": "flask==3.0.3\n"
                        "flask-login==0.6.3\n"
                        "flask-wtf==1.2.1\n"
                        "flask-httpauth==4.8.0\n",
    "microblog.py": "from app import create_app\n"
                    "app = create_app()\n",
    "app/__init__.py": "from flask import Flask\n"
                       "\n"
                       "\n"
                       "def create_app():\n"
                       "    app = Flask(__name__)\n"
                       "    from app.api import bp as api_bp\n"
                       "    app.register_blueprint(api_bp, url_prefix='/api')\n"
                       "    from app.auth import bp as auth_bp\n"
                       "    app.register_blueprint(auth_bp, url_prefix='/auth')\n"
                       "    from app.main import bp as main_bp\n"
                       "    app.register_blueprint(main_bp)\n"
                       "    return app\n",
    "app/auth/__init__.py": "from flask import Blueprint\n"
                            "bp = Blueprint('auth', __name__)\n"
                            "from app.auth import routes\n",
    "app/auth/forms.py": "from flask_wtf import FlaskForm\n"
                         "from wtforms import StringField, PasswordField\n"
                         "\n"
                         "\n"
                         "class LoginForm(FlaskForm):\n"
                         "    username = StringField('Username')\n"
                         "    password = PasswordField('Password')\n"
                         "\n"
                         "\n"
                         "class RegistrationForm(FlaskForm):\n"
                         "    email = StringField('Email')\n",
    "app/auth/routes.py": "from flask import redirect\n"
                          "from flask_login import login_user\n"
                          "from app.auth import bp\n"
                          "from app.auth.forms import LoginForm\n"
                          "\n"
                          "\n"
                          "@bp.route('/login', methods=['GET', 'POST'])\n"
                          "def login():\n"
                          "    form = LoginForm()\n"
                          "    if form.validate_on_submit():\n"
                          "        login_user(find(form.username.data))\n"
                          "    return redirect('/index')\n",
    "app/main/__init__.py": "from flask import Blueprint\n"
                            "bp = Blueprint('main', __name__)\n"
                            "from app.main import routes\n",
    "app/main/routes.py": "from flask_login import login_required\n"
                          "from app.main import bp\n"
                          "\n"
                          "\n"
                          "@bp.route('/explore')\n"
                          "@login_required\n"
                          "def explore():\n"
                          "    return 'posts'\n",
    "app/api/__init__.py": "from flask import Blueprint\n"
                           "bp = Blueprint('api', __name__)\n"
                           "from app.api import tokens, users\n",
    "app/api/auth.py": "from flask_httpauth import HTTPTokenAuth\n"
                       "token_auth = HTTPTokenAuth()\n",
    "app/api/tokens.py": "from app.api import bp\n"
                         "\n"
                         "\n"
                         "@bp.route('/tokens', methods=['POST'])\n"
                         "def get_token():\n"
                         "    return {'token': user.get_token()}\n",
    "app/api/users.py": "from app.api import bp\n"
                        "from app.api.auth import token_auth\n"
                        "\n"
                        "\n"
                        "@bp.route('/users', methods=['GET'])\n"
                        "@token_auth.login_required\n"
                        "def get_users():\n"
                        "    return []\n",
}


def test_a_blueprints_login_beside_a_token_api_is_a_session_login_with_its_forms_token(tmp_path):
    found = detect_login_flow(write(tmp_path, MICROBLOG))
    assert (found["login"], found["protected"], found["token"]) == ("/auth/login", "/explore", "")
    assert (found["form"], found["csrf_field"], found["user_field"]) == ("yes", "csrf_token", "username")
    config = written(tmp_path)
    account = {"username": "demo", "password": "change-me"}
    assert config["api"]["login"] == {"path": "/auth/login", "form": account, "session": True,
                                      "status": [302, 303], "csrf_field": "csrf_token"}
    steps = config["api"]["flows"][0]["steps"]
    assert [s.get("method", "GET") + " " + s["path"] for s in steps] == [
        "GET /auth/login", "POST /auth/login", "GET /explore"]
    assert steps[1]["body"] == "username=demo&password=change-me&csrf_token={csrf}"


def test_allauths_login_gets_a_session_login_with_its_own_account_field(tmp_path):
    """django-allauth's URLconf (cookiecutter-django: ``path("accounts/", include("allauth.urls"))``) got
    no login: only Django's own LoginView was looked for. allauth's "login/" is a form login by session
    behind the same CSRF check, answering 302 when it logs in, and its form names the account "login"
    (a username or an email address, by ACCOUNT_LOGIN_METHODS). With mandatory email verification it logs
    in no account without a verified address, which a check says."""
    files = dict(DJANGO_AUTH_URLS)
    files["site1/urls.py"] = files["site1/urls.py"].replace("django.contrib.auth.urls", "allauth.urls")
    files["site1/settings.py"] += "ACCOUNT_EMAIL_VERIFICATION = 'mandatory'\n"
    write(tmp_path, files)
    app = app_setup(tmp_path)
    api = tomllib.loads(plan_files(tmp_path, app, ref="main")["echotune.toml"])["api"]
    assert api["login"] == {"path": "/accounts/login/", "form": {"login": "demo", "password": "change-me"},
                            "status": [302], "session": True, "csrf_cookie": "csrftoken"}
    assert api["flows"][0]["steps"][1]["body"] == "login=demo&password=change-me"
    assert api["flows"][0]["steps"][2] == {"path": "/api/me"}
    assert [n for n in app.all_checks() if "ACCOUNT_EMAIL_VERIFICATION" in n] == [
        "site1/settings.py sets ACCOUNT_EMAIL_VERIFICATION = \"mandatory\": allauth logs in no account whose "
        "email address is unverified (it answers /accounts/login/ with 302 to its confirm-email page, as it "
        "does a login), so the account of [load.login] needs a verified, primary EmailAddress (made with it "
        "in build, by manage.py shell -c, for example)"]


def test_allauths_account_urls_alone_and_optional_verification(tmp_path):
    files = dict(DJANGO_AUTH_URLS)
    files["site1/urls.py"] = files["site1/urls.py"].replace(
        "'accounts/', include('django.contrib.auth.urls')", "'auth/', include('allauth.account.urls')")
    write(tmp_path, files)
    app = app_setup(tmp_path)
    assert app.django_login == {"login": "/auth/login/", "protected": "/api/me", "source": "site1/urls.py",
                                "user_field": "login"}
    assert not [n for n in app.all_checks() if "ACCOUNT_EMAIL_VERIFICATION" in n]


def test_a_redirect_view_behind_the_login_is_not_the_page_the_flow_asks_for(tmp_path):
    """cookiecutter-django's first login-only route is users/~redirect/, a LoginRequiredMixin +
    RedirectView whose GET answers 302 (to the user's page): the flow asked it for 200 and failed on
    every generated project. The page behind the login is the next route that renders one."""
    files = dict(DJANGO_AUTH_URLS)
    files["site1/views.py"] += (
        "\n\nfrom django.contrib.auth.mixins import LoginRequiredMixin\n"
        "from django.views.generic import RedirectView\n\n\n"
        "class UserRedirectView(LoginRequiredMixin, RedirectView):\n    permanent = False\n\n"
        "    def get_redirect_url(self):\n        return '/api/me'\n\n\n"
        "user_redirect_view = UserRedirectView.as_view()\n")
    files["site1/urls.py"] = files["site1/urls.py"].replace(
        "    path('health/', views.health),", "    path('health/', views.health),\n"
        "    path('users/~redirect/', view=views.user_redirect_view, name='redirect'),")
    write(tmp_path, files)
    app = app_setup(tmp_path)
    assert app.django_login["protected"] == "/api/me"
    flows = tomllib.loads(plan_files(tmp_path, app, ref="main")["echotune.toml"])["api"]["flows"]
    assert flows[0]["steps"][2] == {"path": "/api/me"}
