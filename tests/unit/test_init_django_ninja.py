"""Django Ninja's routers, read for ``init``: ``api.add_router(prefix, router)`` (the router or its dotted
path), the NinjaAPI mounted by the URLconf (``path("", api.urls)``), ``auth=`` on an operation, and a
login whose body wraps the account in a ``user`` object (the RealWorld API).

c4ffein/realworld-django-ninja (04ef47c) mounts its routers with ``api.add_router(f"/{api_prefix}",
"accounts.api.router")`` under ``path("", api.urls)``. init read no Ninja router: the ready URL and the one
load endpoint were "/" (404 with DEBUG off), a frontend phase audited that 404 page, and the login flow went
to /users/login with ``{username, password}`` and captured ``$.access_token`` (a local variable of the
project's tests.py). The app itself (run here under ``run --base-ref``) served its operations at
/api/users/login, /api/user, /api/tags and /api/articles (its /openapi.json); the flows "sign up" and "log
in and use the token" passed with ``{"user": {"email", "password"}}`` and ``$.user.token``, and the load
test's /api/tags and /api/articles answered 200. The fixtures below are our own, cut to that shape.
"""

from __future__ import annotations

from pathlib import Path

from echotune_ci.project.files import JS_SUFFIXES, source_files
from echotune_ci.project.health import find_load_routes
from echotune_ci.project.init import app_setup
from echotune_ci.project.routes import detect_login_flow
from test_init_workspaces import machine, write  # noqa: F401 (machine: an autouse fixture)

SETTINGS = """\
import sys
from os import getenv
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR / "apps"))
SECRET_KEY = "k"
DEBUG = str(getenv("DEBUG", False)).lower() == "true"
ALLOWED_HOSTS = ["*"] if DEBUG else (lambda s: s.split(";") if s else [])(getenv("ALLOWED_HOSTS", ""))
INSTALLED_APPS = ["ninja", "apps.accounts", "apps.articles"]
ROOT_URLCONF = "config.urls"
"""
URLS = """\
from django.contrib import admin
from django.urls import path
from ninja import NinjaAPI

api_prefix = "api"

api = NinjaAPI()

api.add_router(f"/{api_prefix}", "accounts.api.router")
api.add_router(f"/{api_prefix}", "articles.api.router")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", api.urls),
]
"""
ACCOUNTS = """\
from typing import Any

from ninja import Router

from accounts.schemas import UserCreateSchema, UserLoginSchema
from helpers.jwt_utils import TokenAuth, create_jwt_token

router = Router()


@router.post("/users", response={201: Any, 409: Any})
def account_registration(request, data: UserCreateSchema):
    return 201, {"user": {"token": "t"}}


@router.post("/users/login", response={200: Any, 401: Any})
def account_login(request, data: UserLoginSchema):
    return {"user": {"email": data.user.email, "token": str(create_jwt_token(None))}}


@router.get("/user", auth=TokenAuth(), response={200: Any})
def get_user(request):
    return {"user": {}}


@router.get("/profiles/{username}", auth=TokenAuth(pass_even=True))
def get_profile(request, username: str):
    return {}
"""
SCHEMAS = """\
from ninja import ModelSchema, Schema

from accounts.models import User


class UserInCreateSchema(ModelSchema):
    class Meta:
        model = User
        fields = ["email", "password", "username"]


class UserCreateSchema(Schema):
    user: UserInCreateSchema


class UserInLoginSchema(ModelSchema):
    class Meta:
        model = User
        fields = ["email", "password"]


class UserLoginSchema(Schema):
    user: UserInLoginSchema
"""
ARTICLES = """\
from ninja import Router

from helpers.jwt_utils import TokenAuth

router = Router()


@router.get("/articles/feed", auth=TokenAuth())
def feed(request, limit: int = 20, offset: int = 0):
    return {}


@router.get("/articles")
def list_articles(request, tag: str | None = None, limit: int = 20, offset: int = 0):
    return {}


@router.get("/tags")
def list_tags(request):
    return {"tags": []}
"""
JWT = """\
from ninja.security import HttpBearer


class TokenAuth(HttpBearer):
    def __call__(self, request):
        value = request.headers.get("Authorization")
        if value.startswith("Token "):
            return value[6:]
        if value.startswith("Bearer "):
            return value[7:]
"""
TESTS = """\
from django.test import TestCase


class AccountTest(TestCase):
    def setUp(self):
        access_token = self.access_token = "t"
        self.headers = {"Authorization": f"Token {access_token}"}
"""


def project(root: Path, urls: str = URLS) -> Path:
    return write(root, {
        "manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings')\n",
        "pyproject.toml": '[project]\nname = "rw"\nversion = "0.1.0"\ndependencies = ["django==5.2.1", '
                          '"django-ninja==1.4.1"]\n',
        "config/__init__.py": "", "config/settings.py": SETTINGS, "config/urls.py": urls,
        "config/wsgi.py": "application = None\n", "helpers/__init__.py": "", "helpers/jwt_utils.py": JWT,
        "apps/__init__.py": "", "apps/accounts/__init__.py": "", "apps/accounts/api.py": ACCOUNTS,
        "apps/accounts/schemas.py": SCHEMAS, "apps/accounts/models.py": "User = None\n",
        "apps/accounts/tests.py": TESTS, "apps/articles/__init__.py": "", "apps/articles/api.py": ARTICLES})


def test_routers_added_by_their_dotted_path_answer_under_the_prefix(tmp_path):
    root = project(tmp_path)
    found = find_load_routes(list(source_files(root, (".py", *JS_SUFFIXES))), root, 10)
    # feed and the current user ask for a login (auth=...), a profile takes a parameter
    assert [(r.path, r.where) for r in found] == [("/api/articles", "apps/articles/api.py:13"),
                                                  ("/api/tags", "apps/articles/api.py:18")]


def test_init_polls_and_loads_the_api_and_audits_no_page(tmp_path):
    app = app_setup(project(tmp_path))
    assert app.ready_path == "/api/articles"
    assert "frontend" not in app.phases and "api" in app.phases
    assert app.load_routes == [("/api/tags", "apps/articles/api.py:18")]
    assert app.env["ALLOWED_HOSTS"] == "127.0.0.1;localhost"


def test_the_login_wraps_the_account_in_a_user_object_and_answers_its_token_there(tmp_path):
    found = detect_login_flow(project(tmp_path))
    assert (found["login"], found["protected"], found["signup"]) == ("/api/users/login", "/api/user",
                                                                     "/api/users")
    # the token's place in the answer, not the tests' local variable access_token
    assert (found["token"], found["user_object"], found["user_field"]) == ("$.user.token", "user", "email")


def test_the_api_mounted_under_a_prefix_of_the_urlconf(tmp_path):
    # django-ninja's tutorial: path("api/", api.urls) and api.add_router("/events/", router) serve
    # /api/events/...
    urls = URLS.replace('path("", api.urls)', 'path("api/", api.urls)').replace("f\"/{api_prefix}\"",
                                                                                 '"/v2/"')
    root = project(tmp_path, urls)
    found = find_load_routes(list(source_files(root, (".py", *JS_SUFFIXES))), root, 10)
    assert [r.path for r in found] == ["/api/v2/articles", "/api/v2/tags"]
    assert detect_login_flow(root)["login"] == "/api/v2/users/login"


def test_auth_on_the_router_or_its_mount_asks_for_a_login_and_another_router_is_no_ninja_one(tmp_path):
    guarded = ARTICLES.replace("router = Router()", "router = Router(auth=TokenAuth())")
    root = project(tmp_path)
    write(root, {"apps/articles/api.py": guarded})
    assert find_load_routes(list(source_files(root, (".py", *JS_SUFFIXES))), root, 10) == []
    mounted = URLS.replace('"articles.api.router")', '"articles.api.router", auth=TokenAuth())')
    root = project(tmp_path / "mount", mounted)
    assert find_load_routes(list(source_files(root, (".py", *JS_SUFFIXES))), root, 10) == []
    # auth=None on the mount: the router's operations ask for none
    opened = URLS.replace('"articles.api.router")', '"articles.api.router", auth=None)')
    root = project(tmp_path / "open", opened)
    assert [r.path for r in find_load_routes(list(source_files(root, (".py", *JS_SUFFIXES))), root, 10)] == [
        "/api/articles", "/api/tags"]
    # litestar's Router is no ninja router: its routes are not put under add_router's prefix
    other = ARTICLES.replace("from ninja import Router", "from litestar import Router")
    root = project(tmp_path / "other")
    write(root, {"apps/articles/api.py": other})
    assert find_load_routes(list(source_files(root, (".py", *JS_SUFFIXES))), root, 10) == []


# MostafaRM7/DjangoNinjaCookieCutter's shape (48d2aef): ninja.pagination's RouterPaginated, add_router
# prefixes and operation paths without a leading slash, the whole API behind auth=JWTAuth(), and a login
# answering django-ninja-jwt's token pair. django-ninja 1.3.0 (installed here, the URL patterns of its
# api.urls listed) routes these at /user-api/users/me, /auth-api/signup/ and /auth-api/login.
COOKIE_API = """\
from ninja import NinjaAPI
from ninja_jwt.authentication import JWTAuth

api = NinjaAPI(auth=JWTAuth())

api.add_router("user-api", 'user.api.views.user_views.user_router', tags=["user-api"])
api.add_router("auth-api", 'user.api.views.auth_views.auth_router', tags=["auth-api"])
"""
COOKIE_USERS = """\
from ninja.pagination import RouterPaginated

from user.api.schemas import UserOutSchema

user_router = RouterPaginated()


@user_router.get("/users/me", response=UserOutSchema)
def retrieve_current_user(request):
    return request.user


@user_router.get("/users", response={200: list[UserOutSchema], 403: dict})
def list_users(request):
    return []
"""
COOKIE_AUTH = """\
from ninja import Router

from user.api.schemas import LoginSchema, SignUpSchema, TokenPairSchema

auth_router = Router()


@auth_router.post("signup/", response={200: TokenPairSchema, 422: dict}, auth=None)
def signup(request, data: SignUpSchema):
    return {}


@auth_router.post("/login", response={200: TokenPairSchema, 422: dict}, auth=None)
def login(request, data: LoginSchema):
    return {}
"""
COOKIE_SCHEMAS = """\
from ninja import Schema


class TokenPairSchema(Schema):
    access: str
    refresh: str


class SignUpSchema(Schema):
    username: str
    email: str
    password: str


class LoginSchema(Schema):
    username: str
    password: str


class UserOutSchema(Schema):
    username: str
"""


def test_paths_without_a_leading_slash_a_paginated_router_and_a_token_pair(tmp_path):
    root = write(tmp_path, {
        "manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'DjangoNinja.settings')\n",
        "DjangoNinja/__init__.py": "", "DjangoNinja/settings.py": "ROOT_URLCONF = 'DjangoNinja.urls'\n",
        "DjangoNinja/api.py": COOKIE_API,
        "DjangoNinja/urls.py": "from django.urls import path\nfrom DjangoNinja.api import api\n\n"
                               "urlpatterns = [path('', api.urls)]\n",
        "user/__init__.py": "", "user/api/__init__.py": "", "user/api/schemas.py": COOKIE_SCHEMAS,
        "user/api/views/__init__.py": "", "user/api/views/user_views.py": COOKIE_USERS,
        "user/api/views/auth_views.py": COOKIE_AUTH, "user/utils/__init__.py": "",
        # the tokens the login answers, as its helper makes them
        "user/utils/auth.py": "from ninja_jwt.tokens import RefreshToken\n\n\n"
                              "def get_tokens_for_user(user):\n    refresh = RefreshToken.for_user(user)\n"
                              "    return dict(refresh=str(refresh), access=str(refresh.access_token))\n"})
    found = detect_login_flow(root)
    assert (found["login"], found["protected"], found["signup"]) == ("/auth-api/login", "/user-api/users/me",
                                                                     "/auth-api/signup/")
    # the answer is {"access", "refresh"}, as TokenPairSchema declares (not "$.token")
    assert (found["token"], found["user_field"]) == ("$.access", "username")
    # every operation is behind the API's auth=JWTAuth(): none to load, the ready URL answers 401
    assert find_load_routes(list(source_files(root, (".py", *JS_SUFFIXES))), root, 10) == []
    app = app_setup(root)
    assert (app.ready_path, app.ready_status) == ("/user-api/users", [401, 403])


def test_an_operation_with_auth_none_is_public_under_an_api_behind_a_login(tmp_path):
    # django-ninja 1.3.0 (installed here): under NinjaAPI(auth=...) an operation with auth=None answered 200
    # without credentials, its neighbour 401
    users = COOKIE_USERS + """

@user_router.get("/users/count", auth=None)
def count_users(request):
    return {"count": 0}
"""
    root = write(tmp_path, {
        "DjangoNinja/__init__.py": "", "DjangoNinja/api.py": COOKIE_API,
        "DjangoNinja/urls.py": "from django.urls import path\nfrom DjangoNinja.api import api\n\n"
                               "urlpatterns = [path('', api.urls)]\n",
        "user/__init__.py": "", "user/api/__init__.py": "", "user/api/schemas.py": COOKIE_SCHEMAS,
        "user/api/views/__init__.py": "", "user/api/views/user_views.py": users,
        "user/api/views/auth_views.py": COOKIE_AUTH})
    found = find_load_routes(list(source_files(root, (".py", *JS_SUFFIXES))), root, 10)
    assert [r.path for r in found] == ["/user-api/users/count"]


def test_the_sign_up_gets_a_budget_of_its_own_in_echotune_toml(tmp_path):
    # Django's PBKDF2 hashes each new account's password in about 260 ms here (1,000,000 iterations,
    # hashlib.pbkdf2_hmac), above the 200-ms default: the sign-up the contract test generates failed its
    # budget in every run of realworld-django-ninja, A/A included
    from echotune_ci.config import load_config
    from echotune_ci.project.init import init_project

    root = project(tmp_path)
    init_project(root, ref="0123456789abcdef0123456789abcdef01234567")
    api = load_config(root / "echotune.toml").api
    assert dict(api.operation_p95_ms) == {"POST /api/users": 1000.0}
    assert api.exclude == ("POST /api/users/login",) and api.p95_ms is None
