"""/static/ served by Django's own view under gunicorn.

Wagtail's project template (djangonaut-space at 7808fb4 keeps it) adds ``staticfiles_urlpatterns()`` to the
root URLconf under ``if settings.DEBUG:``, and its development settings set ``DEBUG = True``: under
gunicorn every stylesheet and image of the home page answered 200 from django.contrib.staticfiles' view,
where init said nothing served /static/ and pages were measured without their CSS and JS. That view
answers only with DEBUG on (``django.conf.urls.static.static()`` returns no route otherwise).
"""

from __future__ import annotations

from echotune_ci.project.init import app_setup
from test_init_django_tailwind import BASE, site
from test_init_workspaces import machine  # noqa: F401 (machine: an autouse fixture)

URLS = '''from django.conf import settings
from django.urls import path

urlpatterns = []

if settings.DEBUG:
    from django.conf.urls.static import static
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
'''
SAID = "nothing serves /static/ under this server"


def _checks(root, debug: str, urls: str) -> list[str]:
    site(root, base=BASE.replace("TAILWIND_APP_NAME", "# TAILWIND_APP_NAME"))
    (root / "site_app/settings/dev.py").write_text(f'from .base import *  # noqa\nDEBUG = {debug}\n'
                                                   'ALLOWED_HOSTS = ["*"]\n')
    (root / "site_app/urls.py").write_text(urls)
    app = app_setup(root)
    assert app.command == "gunicorn --bind 127.0.0.1:{port} site_app.wsgi"
    return [c for c in app.all_checks() if c.startswith(SAID)]


def test_the_urlconfs_static_route_serves_with_debug_on(tmp_path):
    assert _checks(tmp_path / "a", "True", URLS) == []


def test_without_that_route_or_with_debug_off_nothing_serves_static(tmp_path):
    assert len(_checks(tmp_path / "b", "True", "urlpatterns = []\n")) == 1
    # DEBUG from a variable: init turns it off, and the view answers nothing then
    assert len(_checks(tmp_path / "c", 'os.environ.get("DEBUG") == "1"', URLS)) == 1
