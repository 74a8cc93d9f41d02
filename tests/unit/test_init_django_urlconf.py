"""Django's URLconf followed from ROOT_URLCONF through include() for ``init``'s "/" and ready URL.

HackSoftware/Django-Styleguide-Example (@a70ef43) routes ``path("", UserListApi.as_view())`` in its users
module, which config/urls.py includes under ``api/`` and the api module under ``users/``: Django answers
it at /api/users/ and nothing at "/". init took that ``path("")`` for the site's root, set ready_url, the
frontend page and the load endpoint to "/", and ``run`` stopped on "/ answers HTTP 404". The projects
below are of our own; each expected path is worked out from Django's documented resolution (the request
path without its leading slash is matched against ROOT_URLCONF's patterns in order; an include() strips
what its pattern matched and matches the rest against the included patterns).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from echotune_ci.project.django import read_django
from echotune_ci.project.djangourls import read_urlconf
from echotune_ci.project.init import app_setup
from test_init_workspaces import machine, write  # noqa: F401 (machine: an autouse fixture)

MANAGE = "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'library.settings')\n"
SETTINGS = ("import os\nSECRET_KEY = os.environ.get('SECRET_KEY', 'dev')\n"
            "DEBUG = os.environ.get('DEBUG', '0') == '1'\nALLOWED_HOSTS = ['*']\n"
            "ROOT_URLCONF = 'library.urls'\n")
MEMBER_VIEWS = (
    "from django.contrib.auth.mixins import LoginRequiredMixin\nfrom django.http import JsonResponse\n"
    "from django.views import View\n\n\nclass MemberList(View):\n    def get(self, request):\n"
    "        return JsonResponse([], safe=False)\n\n\nclass MemberDetail(View):\n"
    "    def get(self, request, pk):\n        return JsonResponse({})\n\n\n"
    "class JoinMember(View):\n    def post(self, request):\n        return JsonResponse({})\n\n\n"
    "class MyLoans(LoginRequiredMixin, View):\n    def get(self, request):\n        return JsonResponse([])\n"
)
# The leaf routes "" (the list) and nothing else at its top; it is included under api/ then members/.
MEMBERS_URLS = (
    "from django.urls import path\n\nfrom .views import JoinMember, MemberDetail, MemberList\n\n"
    "urlpatterns = [\n    path('', MemberList.as_view(), name='list'),\n"
    "    path('join/', JoinMember.as_view(), name='join'),\n"
    "    path('<int:pk>/', MemberDetail.as_view(), name='detail'),\n]\n"
)


def project(root: Path, urls: str, **files: str) -> Path:
    return write(root, {"manage.py": MANAGE, "requirements.txt": "Django==5.0.6\n", "library/__init__.py": "",
                        "library/settings.py": SETTINGS, "library/urls.py": urls, **files})


NESTED = {
    "library/api.py": "from django.urls import include, path\n\nurlpatterns = [\n"
                      "    path('loans/', include('loans.urls')),\n"
                      "    path('members/', include(('members.urls', 'members'))),\n]\n",
    "members/__init__.py": "", "members/views.py": MEMBER_VIEWS, "members/urls.py": MEMBERS_URLS,
    "loans/__init__.py": "",
    "loans/urls.py": "from django.urls import path\n\nfrom members.views import MyLoans\n\n"
                     "urlpatterns = [path('mine/', MyLoans.as_view())]\n",
}
ROOT_NESTED = ("from django.contrib import admin\nfrom django.urls import include, path\n\nurlpatterns = [\n"
               "    path('admin/', admin.site.urls),\n"
               "    path('api/', include(('library.api', 'api'))),\n]\n")


def phases_reason(app) -> str:
    return next(d.source for d in app.decisions if d.key == "phases")


def test_a_path_of_an_included_module_answers_under_the_include_prefixes_not_at_the_root(tmp_path):
    root = project(tmp_path, ROOT_NESTED, **NESTED)
    app = app_setup(root)
    # "" matches neither admin/ nor api/: 404 at "/"; "api/members/" is api/ + members/ + "": MemberList
    assert not app.has_root and "frontend" not in app.phases
    # /api/loans/mine/ comes first in Django's order but asks for a login (LoginRequiredMixin); join/ is POST
    assert app.ready_path == "/api/members/"
    assert phases_reason(app) == ('library/urls.py (ROOT_URLCONF): no view at "/" once the include() '
                                  'prefixes are applied (an API): no frontend')
    ready = next(d for d in app.decisions if d.key == "ready_url")
    assert ready.source == ("members/urls.py defines it under 'api/' (library/urls.py:6) + 'members/' "
                            "(library/api.py:5)")
    assert not app.checks.get("ready_url")


def test_the_full_paths_of_every_view_route(tmp_path):
    root = project(tmp_path, ROOT_NESTED, **NESTED)
    urls = read_urlconf(root, read_django(root))
    assert urls is not None and urls.root is False
    assert [(r.path, r.get, r.login, r.parameters) for r in urls.routes] == [
        ("/admin/", True, True, False),  # the admin's index: a redirect to its login
        ("/api/loans/mine/", True, True, False),
        ("/api/members/", True, False, False),
        ("/api/members/join/", False, False, False),  # a View with post() only answers GET 405
        ("/api/members/<int:pk>/", True, False, True),
    ]
    assert urls.poll() == ("/api/members/", "members/urls.py")


@pytest.mark.parametrize("home", [
    "def home(request):\n    return render(request, 'home.html')\n",
    "home = TemplateView.as_view(template_name='home.html')\n",
    "home = RedirectView.as_view(url='/api/members/')\n",
])
def test_a_view_of_the_root_urlconf_at_the_empty_path_answers_the_root(tmp_path, home):
    urls = ("from django.shortcuts import render\nfrom django.urls import include, path\n"
            "from django.views.generic import RedirectView, TemplateView\n\n" + home +
            "\nurlpatterns = [path('', home), path('api/', include('library.api'))]\n")
    app = app_setup(project(tmp_path, urls, **NESTED))
    assert app.has_root and "frontend" in app.phases
    assert app.ready_path == "/"


@pytest.mark.parametrize(("router", "has_root", "ready"), [
    # DefaultRouter serves its API root view at its own prefix; SimpleRouter only the registered routes
    ("DefaultRouter", True, "/"),
    ("SimpleRouter", False, "/books/"),
])
def test_a_drf_router_included_at_the_root(tmp_path, router, has_root, ready):
    urls = ("from django.urls import include, path\nfrom rest_framework import routers\n\n"
            "from catalog.views import BookViewSet\n\n"
            f"router = routers.{router}()\nrouter.register(r'books', BookViewSet, basename='book')\n\n"
            "urlpatterns = [path('', include(router.urls))]\n")
    views = ("from rest_framework import viewsets\n\n\nclass BookViewSet(viewsets.ReadOnlyModelViewSet):\n"
             "    queryset = None\n")
    app = app_setup(project(tmp_path, urls, **{"catalog/__init__.py": "", "catalog/views.py": views}))
    assert app.has_root is has_root and ("frontend" in app.phases) is has_root
    assert app.ready_path == ready


def test_a_health_route_of_an_included_module_is_polled_with_its_prefixes(tmp_path):
    ops = "from django.http import HttpResponse\nfrom django.urls import path\n\n" \
          "urlpatterns = [path('health/', lambda request: HttpResponse('ok'))]\n"
    urls = "from django.urls import include, path\n\nurlpatterns = [path('api/', include('ops.urls'))]\n"
    app = app_setup(project(tmp_path, urls, **{"ops/__init__.py": "", "ops/urls.py": ops}))
    assert app.ready_path == "/api/health/"  # not /health/, which Django answers 404


def test_without_root_urlconf_in_the_settings_the_reading_stays_as_before(tmp_path):
    # No ROOT_URLCONF to start from: the path('') of a module is still taken for "/"
    root = project(tmp_path, ROOT_NESTED, **NESTED)
    (root / "library" / "settings.py").write_text(SETTINGS.replace("ROOT_URLCONF = 'library.urls'\n", ""))
    assert read_urlconf(root, read_django(root)) is None
    app = app_setup(root)
    assert app.has_root and app.ready_path == "/"


@pytest.mark.parametrize(("urls", "expected"), [
    # re_path() prefixes and a regex leaf; Django 1's url()
    ("from django.urls import include, re_path\n"
     "urlpatterns = [re_path(r'^api/v1/', include('members.urls'))]\n",
     ["/api/v1/", "/api/v1/join/", "/api/v1/<int:pk>/"]),
    ("from django.conf.urls import url\nfrom members import views\n"
     "urlpatterns = [url(r'^members/(?P<pk>\\d+)/$', views.MemberDetail.as_view()),\n"
     "               url(r'^members/?$', views.MemberList.as_view())]\n",
     ["/members/(?P<pk>\\d+)/", "/members/"]),
    # include() of a module object and of a list variable, and += after the first list
    ("from django.urls import include, path\nfrom members import urls as member_urls\n"
     "from members.views import MemberList\n\nextra = [path('all/', MemberList.as_view())]\n"
     "urlpatterns = [path('people/', include(member_urls))]\n"
     "urlpatterns += [path('more/', include(extra))]\n",
     ["/people/", "/people/join/", "/people/<int:pk>/", "/more/all/"]),
    # what only DEBUG adds is left out: init turns DEBUG off
    ("from django.conf import settings\nfrom django.urls import include, path\n"
     "urlpatterns = [path('m/', include('members.urls'))]\nif settings.DEBUG:\n"
     "    urlpatterns += [path('', include('members.urls'))]\n",
     ["/m/", "/m/join/", "/m/<int:pk>/"]),
])
def test_includes_and_patterns_django_resolves(tmp_path, urls, expected):
    root = project(tmp_path, urls, **{"members/__init__.py": "", "members/views.py": MEMBER_VIEWS,
                                      "members/urls.py": MEMBERS_URLS})
    found = read_urlconf(root, read_django(root))
    assert found is not None and [r.path for r in found.routes] == expected
    assert found.root is False


@pytest.mark.parametrize(("urls", "root"), [
    # a catch-all for a single-page app matches the empty path
    ("from django.urls import re_path\nfrom django.views.generic import TemplateView\n"
     "urlpatterns = [re_path(r'^.*$', TemplateView.as_view(template_name='index.html'))]\n", True),
    # a third-party URLconf at "" may route "/": reading cannot tell
    ("from django.urls import include, path\nurlpatterns = [path('', include('cms.urls'))]\n", None),
    # ... unless it is one known to route nothing there
    ("from django.urls import include, path\nurlpatterns = [path('', include('django.contrib.auth.urls'))]\n",
     False),
    # a module including itself is walked once
    ("from django.urls import include, path\nurlpatterns = [path('again/', include('library.urls'))]\n",
     False),
])
def test_what_the_root_is(tmp_path, urls, root):
    found = read_urlconf(project(tmp_path, urls), read_django(tmp_path))
    assert found is not None and found.root is root


def test_odd_files_do_not_stop_the_reading(tmp_path):
    urls = ("from django.urls import include, path\nurlpatterns = [path('a/', include('broken.urls')), "
            "path(PREFIX, include('members.urls')), path('b/', include(make_patterns()))]\n")
    root = project(tmp_path, urls, **{"broken/__init__.py": "", "broken/urls.py": "urlpatterns = [path(\n",
                                      "members/__init__.py": "", "members/urls.py": MEMBERS_URLS})
    found = read_urlconf(root, read_django(root))
    assert found is not None and found.routes == [] and found.root is False
    assert len(found.unread) == 3


# A DRF viewset of checks registered under "health/" on a SimpleRouter: its base comes from a package and
# it defines no list, so /api/v2/health/ is no route (a catch-all answers it with the single-page app's
# template); its @action methods are the routes, and the first one that answers GET is the ready URL.
MONITOR_VIEWS = (
    "from rest_framework.decorators import action\nfrom rest_framework.permissions import AllowAny\n"
    "from rest_framework.response import Response\nfrom toolkit.viewsets import BaseViewSet\n\n\n"
    "class MonitorViewSet(BaseViewSet):\n    permission_classes = [AllowAny]\n\n"
    "    @action(detail=False, methods=['post'])\n    def flush(self, request):\n"
    "        return Response()\n\n"
    "    @action(detail=False, methods=['get'], url_path='web')\n    def web_up(self, request):\n"
    "        return Response('up')\n\n"
    "    @action(detail=False)\n    def cache(self, request):\n        return Response('up')\n\n"
    "    @action(detail=True, methods=['GET'])\n    def shard(self, request, pk):\n"
    "        return Response()\n"
)
MONITOR_URLS = (
    "from django.urls import include, path, re_path\nfrom rest_framework import routers\n\n"
    "from monitor.views import MonitorViewSet\nfrom spa.views import index\n\n"
    "router = routers.SimpleRouter()\nrouter.register('health', MonitorViewSet, basename='health')\n\n"
    "urlpatterns = [path('api/v2/', include(router.urls)), re_path(r'^.*$', index)]\n"
)


def test_a_drf_viewsets_actions_are_its_routes(tmp_path):
    root = project(tmp_path, MONITOR_URLS, **{
        "monitor/__init__.py": "", "monitor/views.py": MONITOR_VIEWS, "spa/__init__.py": "",
        "spa/views.py": "from django.shortcuts import render\n\n\ndef index(request):\n"
                        "    return render(request, 'dist/index.html')\n"})
    found = read_urlconf(root, read_django(root))
    assert found is not None
    assert [(r.path, r.get) for r in found.routes if r.path.startswith("/api/")] == [
        ("/api/v2/health/", False), ("/api/v2/health/<pk>/", False), ("/api/v2/health/flush/", False),
        ("/api/v2/health/web/", True), ("/api/v2/health/cache/", True), ("/api/v2/health/<pk>/shard/", True)]
    app = app_setup(root)
    assert app.ready_path == "/api/v2/health/web/"  # not /api/v2/health/, which the catch-all answers


@pytest.mark.parametrize(("base", "listed"), [
    ("viewsets.ModelViewSet", True),   # DRF's: it brings list and retrieve
    ("ImprovedModelViewSet", True),    # a package's model viewset: it may
    ("ImprovedViewSet", False),        # a package's plain viewset: only what it defines
])
def test_a_viewset_from_a_package_brings_list_by_its_name(tmp_path, base, listed):
    views = ("from rest_framework import viewsets\nfrom kit.viewsets import ImprovedModelViewSet, "
             f"ImprovedViewSet\n\n\nclass BookViewSet({base}):\n    queryset = None\n")
    urls = ("from django.urls import include, path\nfrom rest_framework import routers\n\n"
            "from catalog.views import BookViewSet\n\nrouter = routers.SimpleRouter()\n"
            "router.register('books', BookViewSet)\n\nurlpatterns = [path('', include(router.urls))]\n")
    root = project(tmp_path, urls, **{"catalog/__init__.py": "", "catalog/views.py": views})
    found = read_urlconf(root, read_django(root))
    assert found is not None and [(r.path, r.get) for r in found.routes] == [
        ("/books/", listed), ("/books/<pk>/", listed)]


# The Django tutorial's polls app (docs.djangoproject.com/en/5.1/intro/tutorial03/ and 04/): mysite/urls.py
# includes polls.urls under "polls/" and routes nothing else, so "/" answers 404 (Django's debug page
# says "The empty path didn't match any of these") while /polls/ renders polls/index.html.
POLLS_ROOT = ("from django.urls import include, path\n\n"
              "urlpatterns = [path('polls/', include('polls.urls'))]\n")
POLLS_URLS = ("from django.urls import path\n\nfrom . import views\n\napp_name = 'polls'\nurlpatterns = [\n"
              "    path('', views.{index}, name='index'),\n"
              "    path('<int:pk>/', views.DetailView.as_view(), name='detail'),\n]\n")
TUTORIAL_VIEWS = {
    # tutorial 04's generic views
    "IndexView.as_view()": "from django.views import generic\n\n\nclass IndexView(generic.ListView):\n"
                           "    template_name = 'polls/index.html'\n\n    def get_queryset(self):\n"
                           "        return []\n\n\nclass DetailView(generic.DetailView):\n"
                           "    template_name = 'polls/detail.html'\n",
    # tutorial 03's first page: a loader template in an HttpResponse
    "index": "from django.http import HttpResponse\nfrom django.template import loader\n"
             "from django.views import generic\n\n\ndef index(request):\n"
             "    template = loader.get_template('polls/index.html')\n"
             "    return HttpResponse(template.render({}, request))\n\n\n"
             "class DetailView(generic.DetailView):\n    pass\n",
    # a project's own base class that names the template, under another name
    "IndexView.as_view()#own": "from django.views import View, generic\n\n\nclass Page(View):\n"
                               "    template_name = 'polls/base.html'\n\n\nclass IndexView(Page):\n"
                               "    def get(self, request):\n        return self.render_to_response({})\n\n\n"
                               "class DetailView(generic.DetailView):\n    pass\n",
}


@pytest.mark.parametrize("index", sorted(TUTORIAL_VIEWS))
def test_a_page_under_an_include_is_the_home_page_when_nothing_answers_the_root(tmp_path, index):
    root = project(tmp_path, POLLS_ROOT, **{"polls/__init__.py": "", "polls/views.py": TUTORIAL_VIEWS[index],
                                            "polls/urls.py": POLLS_URLS.format(index=index.split("#")[0])})
    urls = read_urlconf(root, read_django(root))
    assert urls is not None and urls.root is False
    assert urls.page() == ("/polls/", "polls/urls.py:7")
    app = app_setup(root)
    assert app.has_root and "frontend" in app.phases
    assert app.home_path == "/polls/" and app.ready_path == "/polls/"
    frontend = next(d for d in app.decisions if d.key == "frontend")
    assert frontend.value == "/polls/"
    assert frontend.source == ('polls/urls.py:7: no view at "/" once the include() prefixes are applied, and '
                               "/polls/ renders a template: the home page")


def test_json_views_and_pages_behind_a_login_are_no_home_page(tmp_path):
    # NESTED's members answer JsonResponse; a page that renders a template behind login_required, and a
    # redirect, come first in Django's order and are passed over
    urls = ("from django.contrib.auth.decorators import login_required\nfrom django.shortcuts import render\n"
            "from django.urls import include, path\nfrom django.views.generic import RedirectView\n\n\n"
            "def dashboard(request):\n    return render(request, 'dashboard.html')\n\n\n"
            "urlpatterns = [\n    path('dashboard/', login_required(dashboard)),\n"
            "    path('go/', RedirectView.as_view(url='/api/members/', template_name='x.html')),\n"
            "    path('api/', include('library.api')),\n]\n")
    root = project(tmp_path, urls, **NESTED)
    parsed = read_urlconf(root, read_django(root))
    assert parsed is not None
    assert [(r.path, r.page) for r in parsed.routes][:2] == [("/dashboard/", True), ("/go/", True)]
    assert parsed.page() == ("", "")
    app = app_setup(root)
    assert not app.has_root and "frontend" not in app.phases and app.home_path == "/"


NO_PAGES = {
    # the signup view renders its e-mail's text with render_to_string and answers JSON (JsonResponse)
    "signup": ("from django.core.mail import send_mail\nfrom django.http import JsonResponse\n"
               "from django.template.loader import render_to_string\n\n\ndef signup(request):\n"
               "    body = render_to_string('emails/welcome.txt', {'user': 'x'})\n"
               "    send_mail('Welcome', body, None, ['x@example.com'])\n"
               "    return JsonResponse({'ok': True})\n"),
    # request.GET is a QueryDict: GET["q"] without ?q= raises MultiValueDictKeyError, a 500 to audit
    "search": ("from django.shortcuts import render\n\n\ndef search(request):\n"
               "    return render(request, 'search.html', {'q': request.GET['q']})\n"),
}


@pytest.mark.parametrize("view", sorted(NO_PAGES))
def test_a_view_that_renders_only_an_e_mail_or_needs_a_query_is_no_page(tmp_path, view):
    # the polls page after it in Django's order is the page to audit
    urls = (f"from django.urls import include, path\n\nfrom app.views import {view}\n\n"
            f"urlpatterns = [path('{view}/', {view}), path('polls/', include('polls.urls'))]\n")
    root = project(tmp_path, urls, **{"app/__init__.py": "", "app/views.py": NO_PAGES[view],
                                      "polls/__init__.py": "", "polls/views.py": TUTORIAL_VIEWS["index"],
                                      "polls/urls.py": POLLS_URLS.format(index="index")})
    parsed = read_urlconf(root, read_django(root))
    assert parsed is not None
    assert [(r.path, r.page) for r in parsed.routes][:2] == [(f"/{view}/", False), ("/polls/", True)]
    assert parsed.page() == ("/polls/", "polls/urls.py:7")
