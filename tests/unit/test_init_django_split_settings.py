"""A split settings package whose manage.py and wsgi.py name different modules (cookiecutter-django:
``config.settings.local`` in manage.py, ``config.settings.production`` in wsgi.py): build's manage.py
commands and the server must load the same one, and only that one's reads of the environment count
(a fixture of our own in the same shape)."""

from __future__ import annotations

from pathlib import Path

from echotune_ci.project.init import app_setup
from test_init_workspaces import machine, write  # noqa: F401 (machine: an autouse fixture)

BASE = ("import environ\n\nenv = environ.Env()\nSECRET_KEY = 'k'\nDEBUG = env.bool('DJANGO_DEBUG', False)\n"
        "ALLOWED_HOSTS = []\nROOT_URLCONF = 'config.urls'\nSTATIC_URL = '/static/'\n"
        "STATIC_ROOT = str(BASE_DIR / 'staticfiles')\n"
        "DATABASES = {'default': env.db('DATABASE_URL', default='postgres:///site')}\n")
LOCAL = ("from .base import *  # noqa\nfrom .base import MIDDLEWARE, env\n\nDEBUG = True\n"
         "ALLOWED_HOSTS = ['localhost', '127.0.0.1']\n"
         "MIDDLEWARE += ['debug_toolbar.middleware.DebugToolbarMiddleware']\n"
         "INTERNAL_IPS = ['127.0.0.1', '10.0.2.2']\n")
# production's own requirements: a bucket with no default, and a read of a secret
BUCKET = ("AWS_STORAGE_BUCKET_NAME = env('DJANGO_AWS_STORAGE_BUCKET_NAME')\n"
          "AWS_SECRET_ACCESS_KEY = env('DJANGO_AWS_SECRET_ACCESS_KEY')\n")
PRODUCTION = ("from .base import *  # noqa\nfrom .base import env\n\nSECRET_KEY = env('DJANGO_SECRET_KEY')\n"
              "ALLOWED_HOSTS = env.list('DJANGO_ALLOWED_HOSTS', default=['example.com'])\n"
              "SECURE_SSL_REDIRECT = env.bool('DJANGO_SECURE_SSL_REDIRECT', default=True)\n")


def site(root: Path, production: str, server: str = "gunicorn==23.0.0\n",
         wsgi_module: str = "config.settings.production") -> Path:
    return write(root, {
        "requirements.txt": f"Django==5.2\ndjango-environ==0.12.0\n{server}",
        "manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings.local')\n",
        "config/__init__.py": "", "config/urls.py": "urlpatterns = []\n",
        "config/wsgi.py": f"import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', '{wsgi_module}')\n",
        "config/settings/__init__.py": "", "config/settings/base.py": BASE, "config/settings/local.py": LOCAL,
        "config/settings/production.py": production,
    })


def env_decisions(app) -> list[tuple[str, str]]:
    return [(d.value, d.source) for d in app.decisions if d.key == "env"]


def test_the_servers_settings_are_pinned_and_read_where_they_serve_from_the_checkout(tmp_path):
    # gunicorn config.wsgi loads production; manage.py (migrate, collectstatic) would load local
    app = app_setup(site(tmp_path, PRODUCTION + BUCKET))
    assert app.command == "gunicorn --bind 127.0.0.1:{port} config.wsgi"
    assert app.env["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    assert ("DJANGO_SETTINGS_MODULE=config.settings.production", "config/wsgi.py names it (manage.py names "
            "config.settings.local): build's manage.py commands run with the server's settings") \
        in env_decisions(app)
    # production's facts, not local's: its hosts and HTTPS redirect through their variables, its secret
    assert app.env["DJANGO_ALLOWED_HOSTS"] == "127.0.0.1,localhost"
    assert app.env["DJANGO_SECURE_SSL_REDIRECT"] == "False"
    assert app.env["DJANGO_SECRET_KEY"] == "echotune-ci-local-only-not-a-secret"
    assert not [n for n in app.all_checks() if "DEBUG = True" in n or "debug-toolbar" in n]
    assert [n for n in app.all_checks() if "DJANGO_AWS_STORAGE_BUCKET_NAME" in n] == [
        "config/settings/production.py:7 requires DJANGO_AWS_STORAGE_BUCKET_NAME "
        "(env('DJANGO_AWS_STORAGE_BUCKET_NAME'), no default): the app stops without it; add it to [serve] "
        "env with a value for this machine"]


def test_manage_pys_settings_are_pinned_where_the_servers_load_static_files_from_a_bucket(tmp_path):
    remote = PRODUCTION + BUCKET + "aws_s3_domain = f'{AWS_STORAGE_BUCKET_NAME}.s3.amazonaws.com'\n" \
                                   "STATIC_URL = f'https://{aws_s3_domain}/static/'\n"
    app = app_setup(site(tmp_path, remote))
    assert app.env["DJANGO_SETTINGS_MODULE"] == "config.settings.local"
    checks = app.all_checks()
    assert ("config/wsgi.py runs config.settings.production and manage.py config.settings.local: both run "
            "config.settings.local here (build's migrate too), since config.settings.production loads its "
            "static files from STATIC_URL = f'https://{aws_s3_domain}/static/' "
            "(config/settings/production.py), not from this checkout; set DJANGO_SETTINGS_MODULE = "
            "\"config.settings.production\" in env, with what it needs, to measure those settings") in checks
    # production.py is not loaded: neither its bucket nor its secrets are asked for
    assert not [n for n in checks if "DJANGO_AWS" in n or "DJANGO_SECRET_KEY" in n]
    assert set(app.env) == {"DJANGO_SETTINGS_MODULE"}
    # local's DEBUG = True with the toolbar shown to 127.0.0.1
    assert ("config/settings/local.py adds django-debug-toolbar and sets INTERNAL_IPS = ['127.0.0.1', "
            "'10.0.2.2']: with DEBUG on, every page the run asks for from 127.0.0.1 carries the toolbar "
            "(its panel, its scripts, SQL recorded per request), measured as the app's own") in checks


def test_nothing_is_pinned_where_both_name_the_same_settings(tmp_path):
    app = app_setup(site(tmp_path, PRODUCTION, wsgi_module="config.settings.local"))
    assert "DJANGO_SETTINGS_MODULE" not in app.env
    assert not [n for n in app.all_checks() if "config/settings/production.py" in n]


def test_runserver_loads_manage_pys_settings_as_build_does(tmp_path):
    app = app_setup(site(tmp_path, PRODUCTION + BUCKET, server=""))
    assert app.command == "python manage.py runserver 127.0.0.1:{port} --noreload"
    assert "DJANGO_SETTINGS_MODULE" not in app.env
    assert not [n for n in app.all_checks() if "DJANGO_AWS" in n]


def test_a_toolbar_added_only_where_a_variable_is_set_is_not_said_to_be_in_the_pages(tmp_path):
    """djangonaut-space's base.py adds django-debug-toolbar under ``if os.environ.get("ENABLE_TOOLBAR"):``
    (its .env template sets it empty); init said every page carried the toolbar, which none did (the
    pages the run measured had no #djDebug). Under ``if DEBUG:`` (True here) it is there, and said so."""
    remote = PRODUCTION + BUCKET + "STATIC_URL = 'https://cdn.example.com/static/'\n"
    said = "config/settings/local.py adds django-debug-toolbar"
    switch = "if os.environ.get('ENABLE_TOOLBAR'):"
    switched = LOCAL.replace("MIDDLEWARE += ['debug_toolbar.middleware.DebugToolbarMiddleware']\n",
                             f"{switch}\n    INSTALLED_APPS += ['debug_toolbar']\n    MIDDLEWARE += [\n"
                             "        'debug_toolbar.middleware.DebugToolbarMiddleware',\n    ]\n")
    for name, local, shown in (("a", switched, False), ("b", switched.replace(switch, "if DEBUG:"), True),
                               ("c", switched.replace(switch, "if 'ENABLE_TOOLBAR' in os.environ:"), False)):
        root = site(tmp_path / name, remote)
        (root / "config/settings/local.py").write_text(local)
        checks = app_setup(root).all_checks()
        assert bool([n for n in checks if n.startswith(said)]) is shown, (name, checks)
