"""django-tailwind's stylesheet in what init writes.

djangonaut-space/wagtail-indymeet (at 7808fb4: Wagtail on Django 5.2, settings base/dev/production, uv)
sets ``TAILWIND_APP_NAME = "theme"``; every page's ``{% tailwind_css %}`` links ``css/dist/styles.css``,
which ``manage.py tailwind build`` writes (django-tailwind 4.4.2: ``npm run build`` in
``theme/static_src``, or its standalone CLI where that folder has no package.json or
``TAILWIND_USE_STANDALONE_BINARY`` is True), after ``tailwind install`` (``npm install`` there). Its
Dockerfile runs both; init ran neither, and every page was measured without its stylesheet (404).
The fixtures below are our own, cut to that shape.
"""

from __future__ import annotations

from pathlib import Path

from echotune_ci.project.init import app_setup
from test_init_workspaces import machine, write  # noqa: F401 (machine: an autouse fixture)

MANAGE = "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site_app.settings.dev')\n"
BASE = '''import os
SECRET_KEY = os.environ.get("SECRET_KEY", "dev")
ROOT_URLCONF = "site_app.urls"
INSTALLED_APPS = ["django.contrib.staticfiles", "tailwind", "theme"]
STATIC_ROOT = os.path.join(BASE_DIR, "staticfiles")
STATIC_URL = "/static/"
TAILWIND_APP_NAME = "theme"
'''
DEV = 'from .base import *  # noqa\nDEBUG = False\nALLOWED_HOSTS = ["*"]\n'
PACKAGE = '''{"name": "theme", "scripts": {"build": "npm run build:clean && npm run build:tailwind",
 "build:clean": "rimraf ../static/css/dist",
 "build:tailwind": "tailwindcss --postcss -i ./src/styles.css -o ../static/css/dist/styles.css --minify"},
 "dependencies": {"@tailwindcss/cli": "^4.1.13", "tailwindcss": "^4.1.13"}}
'''
LOCK = '{"name": "theme", "lockfileVersion": 3, "requires": true, "packages": {"": {"name": "theme"}}}\n'
REQUIREMENTS = "Django==5.2.8\ndjango-tailwind==4.4.2\ngunicorn==23.0.0\n"


def site(root: Path, base: str = BASE, requirements: str = REQUIREMENTS, node: bool = True) -> Path:
    files = {"manage.py": MANAGE, "requirements.txt": requirements, "site_app/__init__.py": "",
             "site_app/wsgi.py": "application = None\n", "site_app/settings/__init__.py": "",
             "site_app/settings/base.py": base, "site_app/settings/dev.py": DEV,
             "site_app/urls.py": "urlpatterns = []\n", "theme/__init__.py": "", "theme/apps.py": ""}
    if node:
        files |= {"theme/static_src/package.json": PACKAGE, "theme/static_src/package-lock.json": LOCK}
    return write(root, files)


def test_the_theme_is_installed_in_setup_and_built_before_collectstatic(tmp_path):
    app = app_setup(site(tmp_path))
    assert app.setup.endswith(" && npm ci --prefix theme/static_src")
    assert app.setup_inputs[-2:] == ["theme/static_src/package.json", "theme/static_src/package-lock.json"]
    assert "theme/static_src/package-lock.json" in app.js_lockfiles
    assert app.build == ("python manage.py migrate --noinput && python manage.py tailwind build && "
                         "python manage.py collectstatic --noinput")
    build = {d.value: d.source for d in app.decisions if d.key == "build"}
    assert build["python manage.py tailwind build"] == (
        "site_app/settings/base.py sets TAILWIND_APP_NAME = 'theme' (django-tailwind): pages link the "
        "stylesheet it builds")


def test_the_standalone_cli_needs_no_npm(tmp_path):
    """No package.json in static_src, or the setting: django-tailwind builds with its standalone CLI."""
    for root, base, node in ((tmp_path / "a", BASE, False),
                             (tmp_path / "b", BASE + "TAILWIND_USE_STANDALONE_BINARY = True\n", True)):
        app = app_setup(site(root, base=base, node=node))
        assert "npm" not in app.setup and "theme/static_src/package.json" not in app.setup_inputs
        assert "python manage.py tailwind build && python manage.py collectstatic" in app.build


def test_nothing_without_django_tailwind(tmp_path):
    app = app_setup(site(tmp_path, requirements="Django==5.2.8\ngunicorn==23.0.0\n"))
    assert "npm" not in app.setup and "tailwind" not in app.build


def test_a_setting_get_leaves_none_is_not_required(tmp_path):
    """djangonaut-space's base.py: ``BUTTONDOWN_WEBHOOK_SECRET = os.environ.get("BUTTONDOWN_WEBHOOK_SECRET")``
    ("Set to enable; leave unset to disable"; its webhook view answers False without it) was said to be
    required, with a placeholder. Django starts with the setting None; its own SECRET_KEY read the same
    way stops it ("The SECRET_KEY setting must not be empty"), and a module outside the settings keeps the
    rule."""
    base = BASE.replace('os.environ.get("SECRET_KEY", "dev")', 'os.environ.get("SECRET_KEY")')
    base += 'BUTTONDOWN_WEBHOOK_SECRET = os.environ.get("BUTTONDOWN_WEBHOOK_SECRET")\n'
    root = site(tmp_path, base=base)
    (root / "site_app/hooks.py").write_text('import os\nHOOK_SECRET = os.environ.get("HOOK_SECRET")\n')
    app = app_setup(root)
    assert "BUTTONDOWN_WEBHOOK_SECRET" not in app.env
    assert not [c for c in app.all_checks() if "BUTTONDOWN_WEBHOOK_SECRET" in c]
    assert app.env["SECRET_KEY"] == "echotune-ci-local-only-not-a-secret"
    assert app.env["HOOK_SECRET"] == "echotune-ci-local-only-not-a-secret"
