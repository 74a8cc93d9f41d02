"""The OpenAPI document of a DRF API, read from its URLconf for ``init``'s ``[api] openapi``.

juliomeza/django-react-logistics-portal (@73297d6) routes drf-yasg's document with
``re_path(r'^swagger\\.json$', schema_view.without_ui(cache_timeout=0))`` beside its DRF router: init found
no document (it read drf-spectacular's view alone, by a regex of one file, blind to include() prefixes),
so the api phase was never added. Each expected path below was asked of the real packages (Django 5.1.6,
djangorestframework 3.15.2, drf-yasg 1.21.8, through Django's test client, ``CommonMiddleware`` on) with
these very URLconfs: 200 and a document at each, where drf-yasg's README path ``/api/docs/swagger.json``
(no slash) for ``path('swagger<format>/', ...)`` answered 301.
"""

from __future__ import annotations

import pytest

from echotune_ci.project.django import read_django
from echotune_ci.project.djangourls import read_urlconf
from echotune_ci.project.init import app_setup
from test_init_django_urlconf import project
from test_init_workspaces import machine  # noqa: F401 (an autouse fixture)

SCHEMA = ("from drf_yasg import openapi\nfrom drf_yasg.views import get_schema_view\n"
          "from rest_framework import permissions\n"
          "schema_view = get_schema_view(openapi.Info(title='Shop API', default_version='v1'), public=True,\n"
          "                              permission_classes=(permissions.AllowAny,))\n")
VIEWS = ("from rest_framework.views import APIView\nfrom rest_framework.response import Response\n\n\n"
         "class Items(APIView):\n    def get(self, request):\n        return Response([])\n")
ROOT = ("from django.urls import include, path\nfrom library.views import Items\n\nurlpatterns = [\n"
        "    path('api/items/', Items.as_view()),\n    path('api/docs/', include('docs.urls')),\n]\n")


YASG = "from library.schema import schema_view\n"


def docs(line: str, imports: str) -> str:
    return f"from django.urls import path, re_path\n{imports}\nurlpatterns = [\n    {line},\n]\n"


@pytest.mark.parametrize(("line", "imports", "expected", "framework"), [
    # drf-yasg's README: the format the route captures picks JSON or YAML
    ("path('swagger<format>/', schema_view.without_ui(cache_timeout=0), name='schema-json')", None,
     "/api/docs/swagger.json/", "drf-yasg"),
    ("re_path(r'^spec(?P<format>\\.json|\\.yaml)$', schema_view.without_ui(cache_timeout=0))", None,
     "/api/docs/spec.json", "drf-yasg"),
    # its Swagger UI and ReDoc pages answer ?format=openapi with the document (what the page fetches)
    ("path('swagger/', schema_view.with_ui('swagger', cache_timeout=0))", None,
     "/api/docs/swagger/?format=openapi", "drf-yasg"),
    ("path('redoc/', schema_view.with_ui('redoc', cache_timeout=0))", None,
     "/api/docs/redoc/?format=openapi", "drf-yasg"),
    # DRF's own (YAML, application/vnd.oai.openapi)
    ("path('openapi', drf_schema(title='Shop API', version='1.0.0'), name='openapi-schema')",
     "from rest_framework.schemas import get_schema_view as drf_schema\n", "/api/docs/openapi",
     "Django REST framework"),
    # drf-spectacular under an include(): the prefix counts
    ("path('schema/', SpectacularAPIView.as_view(), name='schema')",
     "from drf_spectacular.views import SpectacularAPIView\n", "/api/docs/schema/", "drf-spectacular"),
])
def test_a_schema_view_is_found_at_its_full_path(tmp_path, line, imports, expected, framework):
    root = project(tmp_path, ROOT, **{"library/schema.py": SCHEMA, "library/views.py": VIEWS,
                                      "docs/__init__.py": "", "docs/urls.py": docs(line, imports or YASG)})
    urls = read_urlconf(root, read_django(root))
    assert urls is not None and [(s.path, s.framework) for s in urls.schemas] == [(expected, framework)]
    app = app_setup(root)
    assert app.openapi == expected and "api" in app.phases


def test_the_document_route_comes_before_a_docs_page_and_a_view_of_another_package_is_none(tmp_path):
    # the logistics portal's urls.py, in its order: the Swagger UI page first, the document after it
    line = ("re_path(r'^swagger/$', schema_view.with_ui('swagger', cache_timeout=0)),\n"
            "    re_path(r'^swagger\\.json$', schema_view.without_ui(cache_timeout=0)),\n"
            "    path('own/', other.without_ui())")
    imports = "from library.schema import schema_view\nfrom library.other import other\n"
    root = project(tmp_path, ROOT, **{"library/schema.py": SCHEMA, "library/views.py": VIEWS,
                                      "library/other.py": "from elsewhere import get_schema_view\n"
                                                          "other = get_schema_view()\n",
                                      "docs/__init__.py": "", "docs/urls.py": docs(line, imports)})
    urls = read_urlconf(root, read_django(root))
    assert urls is not None
    assert [s.path for s in urls.schemas] == ["/api/docs/swagger.json", "/api/docs/swagger/?format=openapi"]
    app = app_setup(root)
    reason = next(d.source for d in app.decisions if d.key == "phases" and "OpenAPI" in d.source)
    assert reason == ("docs/urls.py:7: drf-yasg serves its OpenAPI document at /api/docs/swagger.json "
                      "(get_schema_view().without_ui()'s route): the api phase tests the app against it "
                      "(schemathesis)")


# A DRF API behind simplejwt (its quick start: path("api/token/", TokenObtainPairView.as_view())), every view
# asking for a login by default, and a user model that logs in by email
JWT_SETTINGS = ("\nAUTH_USER_MODEL = 'accounts.User'\nREST_FRAMEWORK = {\n    'DEFAULT_PERMISSION_CLASSES': "
                "['rest_framework.permissions.IsAuthenticated'],\n    'DEFAULT_AUTHENTICATION_CLASSES': "
                "['rest_framework_simplejwt.authentication.JWTAuthentication'],\n}\n")
ACCOUNTS = ("from django.contrib.auth.models import AbstractUser\nfrom django.db import models\n\n\n"
            "class Base(AbstractUser):\n    USERNAME_FIELD = 'email'\n    REQUIRED_FIELDS = ['username']\n"
            "\n\nclass User(Base):\n    email = models.EmailField(unique=True)\n")
SIMPLEJWT = "from rest_framework_simplejwt.views import TokenObtainPairView\n"


def urlconf(imports: str, login: str, items: str = "api/items/") -> str:
    return (f"from django.urls import path\n{imports}from library.views import Items\n\nurlpatterns = [\n"
            f"    path({login}),\n    path('{items}', Items.as_view()),\n]\n")


def drf_project(tmp_path, urls: str, settings: str = JWT_SETTINGS, **files: str):
    from test_init_django_urlconf import SETTINGS

    return project(tmp_path, urls, **{"library/settings.py": SETTINGS + settings, "library/views.py": VIEWS,
                                      "accounts/__init__.py": "", "accounts/models.py": ACCOUNTS, **files})


@pytest.mark.parametrize(("urls", "settings", "expected"), [
    # simplejwt (django-rest-framework-simplejwt.readthedocs.io, Getting started: POST the user model's
    # USERNAME_FIELD and password, get {"access", "refresh"}; "Authorization: Bearer <access>")
    (urlconf(SIMPLEJWT, "'api/token/', TokenObtainPairView.as_view()"), JWT_SETTINGS,
     ("/api/token/", "/api/items/", "$.access", "Bearer", "email")),
    # a project's own subclass, AUTH_HEADER_TYPES = ('JWT',), Django's own User
    (urlconf("from library.auth import LoginView\n", "'auth/login/', LoginView.as_view()", "items/"),
     JWT_SETTINGS.replace("AUTH_USER_MODEL = 'accounts.User'",
                          "SIMPLE_JWT = {'AUTH_HEADER_TYPES': ('JWT',)}"),
     ("/auth/login/", "/items/", "$.access", "JWT", "username")),
    # DRF's authtoken (django-rest-framework.org, TokenAuthentication: POST username and password to
    # obtain_auth_token, get {"token"}; "Authorization: Token <token>")
    (urlconf("from rest_framework.authtoken import views\n", "'api-token-auth/', views.obtain_auth_token"),
     JWT_SETTINGS, ("/api-token-auth/", "/api/items/", "$.token", "Token", "username")),
])
def test_drf_s_token_logins_give_the_login_flow(tmp_path, urls, settings, expected):
    from echotune_ci.project.init import _login_flow, init_project

    root = drf_project(tmp_path, urls, settings, **{
        "library/auth.py": f"{SIMPLEJWT}\n\nclass LoginView(TokenObtainPairView):\n    pass\n"})
    result = init_project(root, ref="0" * 40)
    flow = _login_flow(root, result.app)
    assert (flow["login"], flow["protected"], flow["token"], flow["scheme"], flow["user_field"]) == expected
    login, _, token, scheme, field = expected
    text = (root / "echotune.toml").read_text()
    account = 'email = "demo@example.com"' if field == "email" else 'username = "demo"'
    assert (f'[api.login]\npath = "{login}"\njson = {{ {account}, password = "change-me" }}\n'
            f'token_field = "{token.removeprefix("$.")}"\n') in text
    assert (f'scheme = "{scheme}"' in text) == (scheme != "Bearer")


def test_a_token_login_with_no_route_behind_it_gives_no_flow(tmp_path):
    # DRF's default permission is AllowAny (the logistics portal sets none): nothing to show the token works
    from echotune_ci.project.init import _login_flow, init_project

    urls = urlconf(SIMPLEJWT, "'api/token/', TokenObtainPairView.as_view()")
    root = drf_project(tmp_path, urls, JWT_SETTINGS.replace("IsAuthenticated", "AllowAny"))
    assert _login_flow(root, init_project(root, ref="0" * 40).app) == {}


# The logistics portal's own login (users/views.py at 73297d6, trimmed): authenticate() with the body's email
# and password, the tokens set as httpOnly cookies that its CookieJWTAuthentication reads back
COOKIE = "            response.set_cookie(key='access_token', value=str(refresh.access_token))\n"
OWN_LOGIN = ("from django.contrib.auth import authenticate\nfrom django.http import JsonResponse\n"
             "from rest_framework.views import APIView\nfrom rest_framework.permissions import AllowAny\n"
             "from rest_framework_simplejwt.tokens import RefreshToken\n\n\nclass LoginView(APIView):\n"
             "    permission_classes = [AllowAny]\n\n    def post(self, request):\n"
             "        email = request.data.get('email')\n        password = request.data.get('password')\n"
             "        user = authenticate(email=email, password=password)\n        if user is not None:\n"
             "            refresh = RefreshToken.for_user(user)\n"
             "            response = JsonResponse({'message': 'Login successful'})\n"
             f"{COOKIE}            return response\n"
             "        return JsonResponse({'error': 'Invalid credentials'}, status=401)\n")
REPORTS = ("from rest_framework import viewsets\nfrom rest_framework.permissions import IsAuthenticated\n\n\n"
           "class ReportViewSet(viewsets.ModelViewSet):\n    permission_classes = [IsAuthenticated]\n")


@pytest.mark.parametrize(("login", "expected"), [
    (OWN_LOGIN, ("", "email", "yes")),
    # the same view answering the token instead: {"access": ..., "refresh": ...}
    (OWN_LOGIN.replace("JsonResponse({'message': 'Login successful'})",
                       "JsonResponse({'access': str(refresh.access_token), 'refresh': str(refresh)})")
              .replace(COOKIE, ""),
     ("$.access", "email", "")),
])
def test_a_login_view_of_the_project_s_own_gives_a_session_or_token_flow(tmp_path, login, expected):
    from echotune_ci.project.init import _login_flow, init_project

    urls = ("from django.urls import include, path\nfrom rest_framework import routers\n"
            "from users.views import LoginView\nfrom reports.views import ReportViewSet\n\n"
            "router = routers.DefaultRouter()\nrouter.register(r'reports', ReportViewSet)\n\n"
            "urlpatterns = [\n    path('api/auth/login/', LoginView.as_view()),\n"
            "    path('api/', include(router.urls)),\n]\n")
    root = project(tmp_path, urls, **{"users/__init__.py": "", "users/views.py": login,
                                      "reports/__init__.py": "", "reports/views.py": REPORTS})
    flow = _login_flow(root, init_project(root, ref="0" * 40).app)
    assert (flow["login"], flow["protected"]) == ("/api/auth/login/", "/api/reports/")
    assert (flow["token"], flow["user_field"], flow.get("cookie")) == expected
    text = (root / "echotune.toml").read_text()
    assert '[api.login]\npath = "/api/auth/login/"\njson = { email = "demo@example.com", password = ' \
           '"change-me" }\n' in text
    assert ("session = true" in text) == (not expected[0])
