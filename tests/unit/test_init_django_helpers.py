"""Django settings read through the settings module's own helpers, a name an ``if`` binds, a URL prefix
kept in a variable, and django-compressor's offline bundles.

healthchecks/healthchecks (at c6cdcdd3~1, Django 5.2) reads ``DEBUG = envbool("DEBUG", "True")`` through a
function of its settings, ``ALLOWED_HOSTS`` under ``if v := os.getenv("ALLOWED_HOSTS"):``, routes every
include under ``path(prefix, ...)`` with ``prefix = ""`` changed only when SITE_ROOT has a path, and sets
``COMPRESS_OFFLINE = True``. init said DEBUG and ALLOWED_HOSTS read no variable, found no route and left
``manage.py compress`` out: its login page answered 500 (OfflineGenerationError) with DEBUG off. With
what init writes now, ``run --phase frontend --phase load`` measured the login page (200) and the status
route. The fixtures below are our own, cut to those shapes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from echotune_ci.project.django import read_django
from echotune_ci.project.djangourls import read_urlconf
from echotune_ci.project.init import app_setup
from test_init_workspaces import machine, write  # noqa: F401 (machine: an autouse fixture)

MANAGE = "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'hc.settings')\n"
HELPERS = '''import os


def envbool(s: str, default: str) -> bool:
    v = os.getenv(s, default=default)
    if v not in ("", "True", "False"):
        raise ValueError(f"Unexpected value {s}={v}, use 'True' or 'False'")
    return v == "True"


def envint(s: str, default: str) -> int | None:
    v = os.getenv(s, default)
    if v == "None":
        return None

    return int(v)


def envsecret(s: str, default: str | None = None) -> str | None:
    if secret_path := os.getenv(s + "_FILE"):
        return open(secret_path).read().strip()

    return os.getenv(s, default)


'''
SETTINGS = HELPERS + '''SECRET_KEY = envsecret("SECRET_KEY", "---")
DEBUG = envbool("DEBUG", "True")
SITE_ROOT = os.getenv("SITE_ROOT", "http://localhost:8000")
ROOT_URLCONF = "hc.urls"
if v := os.getenv("ALLOWED_HOSTS"):
    ALLOWED_HOSTS = v.split(",")
else:
    ALLOWED_HOSTS = ["localhost"]
STATIC_ROOT = "static-collected"
COMPRESS_OFFLINE = True
'''
URLS = '''from urllib.parse import urlparse

from django.conf import settings
from django.urls import include, path

prefix = ""
if _path := urlparse(settings.SITE_ROOT).path.lstrip("/"):
    prefix = f"{_path}/"

urlpatterns = [
    path(f"{prefix}admin/", include("hc.admin_urls")),
    path(prefix, include("hc.front.urls")),
]
'''
FRONT = '''from django.shortcuts import render
from django.urls import path


def index(request):
    return render(request, "front/welcome.html")


def status(request):
    return render(request, "front/status.html")


urlpatterns = [path("", index), path("status/", status)]
'''
REQUIREMENTS = "Django==5.2.8\ndjango-compressor==4.5.1\ngunicorn==23.0.0\n"


def site(root: Path, settings: str = SETTINGS, requirements: str = REQUIREMENTS) -> Path:
    return write(root, {"manage.py": MANAGE, "requirements.txt": requirements, "hc/__init__.py": "",
                        "hc/wsgi.py": "application = None\n", "hc/settings.py": settings, "hc/urls.py": URLS,
                        "hc/front/__init__.py": "", "hc/front/urls.py": FRONT,
                        "hc/admin_urls.py": "urlpatterns = []\n"})


def env_decisions(app) -> dict[str, str]:
    return {d.value: d.source for d in app.decisions if d.key == "env"}


def test_settings_read_through_the_modules_own_helpers_and_a_name_the_if_binds(tmp_path):
    app = app_setup(site(tmp_path))
    # envbool accepts "", "True" and "False" and is on only for "True"
    assert app.env["DEBUG"] == "False"
    assert env_decisions(app)["DEBUG=False"] == "hc/settings.py reads DEBUG from DEBUG"
    assert app.env["ALLOWED_HOSTS"] == "127.0.0.1,localhost"  # split on ","
    assert env_decisions(app)["ALLOWED_HOSTS=127.0.0.1,localhost"] == (
        'hc/settings.py reads ALLOWED_HOSTS from ALLOWED_HOSTS under `if v := os.getenv("ALLOWED_HOSTS")` '
        "(line 31)")  # the line of the assignment under it
    # envsecret returns what os.getenv(s, default) gives: "---" when unset, so nothing is required
    assert "SECRET_KEY" not in app.env and not [n for n in app.all_checks() if "SECRET_KEY" in n]
    assert not [n for n in app.all_checks() if "reads no environment variable" in n]


def test_an_int_helper_is_turned_off_with_0(tmp_path):
    app = app_setup(site(tmp_path, SETTINGS.replace('DEBUG = envbool("DEBUG", "True")',
                                                    'DEBUG = envint("DEBUG", "1")')))
    assert app.env["DEBUG"] == "0"


def test_a_url_prefix_kept_in_a_variable_reads_as_its_unconditional_value(tmp_path):
    root = site(tmp_path)
    urls = read_urlconf(root, read_django(root))
    assert urls is not None and urls.root is True
    assert [r.path for r in urls.routes] == ["/", "/status/"]


@pytest.mark.parametrize(("settings", "requirements", "compress"), [
    (SETTINGS, REQUIREMENTS, True),
    (SETTINGS.replace("COMPRESS_OFFLINE = True", "COMPRESS_OFFLINE = not DEBUG"), REQUIREMENTS, True),
    (SETTINGS.replace("COMPRESS_OFFLINE = True", "COMPRESS_OFFLINE = False"), REQUIREMENTS, False),
    # DEBUG on whatever the run says: COMPRESS_ENABLED (default: not DEBUG) is off, pages compress nothing
    (SETTINGS.replace('DEBUG = envbool("DEBUG", "True")', "DEBUG = True"), REQUIREMENTS, False),
    (SETTINGS, "Django==5.2.8\ngunicorn==23.0.0\n", False),  # no django-compressor: no compress command
    # django-compressor 4.7's compress command: "Compressor is disabled. Set the COMPRESS_ENABLED setting or
    # use --force to override." where it is False (the build stopped there); its {% compress %} needs the
    # offline bundles when COMPRESS_ENABLED and COMPRESS_OFFLINE, so with it True, DEBUG on needs them too
    (SETTINGS + "COMPRESS_ENABLED = False\n", REQUIREMENTS, False),
    (SETTINGS.replace('DEBUG = envbool("DEBUG", "True")', "DEBUG = True") + "COMPRESS_ENABLED = True\n",
     REQUIREMENTS, True),
    (SETTINGS.replace('DEBUG = envbool("DEBUG", "True")', "DEBUG = True").replace(
        "COMPRESS_OFFLINE = True", "COMPRESS_OFFLINE = not DEBUG") + "COMPRESS_ENABLED = True\n",
     REQUIREMENTS, False),
])
def test_offline_compression_is_built_after_collectstatic(tmp_path, settings, requirements, compress):
    app = app_setup(site(tmp_path, settings, requirements))
    steps = app.build.split(" && ")
    assert steps[:2] == ["python manage.py migrate --noinput", "python manage.py collectstatic --noinput"]
    assert ("python manage.py compress" in steps) is compress
    if compress:
        assert steps.index("python manage.py compress") == 2


@pytest.mark.parametrize("condition", ['if (v := os.getenv("ALLOWED_HOSTS")) is not None:',
                                       'if (v := os.environ.get("ALLOWED_HOSTS", "")).strip():',
                                       'if v := os.getenv("ALLOWED_HOSTS"):'])
def test_a_name_the_if_binds_stands_for_the_whole_read(tmp_path, condition):
    # A pattern read `os.getenv("ALLOWED_HOSTS"` out of `if v := os.getenv("ALLOWED_HOSTS"):` (its last
    # bracket taken for the condition's) and `os.getenv("ALLOWED_HOSTS")) is not None` out of the first
    # form: each setting under them was read as an unbalanced expression.
    from echotune_ci.project.django import _assignments

    settings = SETTINGS.replace('if v := os.getenv("ALLOWED_HOSTS"):', condition)
    [(value, _line, _condition), _else] = _assignments(settings, "ALLOWED_HOSTS")
    assert value.endswith('("ALLOWED_HOSTS").split(",")') or value.endswith('"").split(",")'), value
    import ast

    ast.parse(value, mode="eval")  # a whole expression, as written in the condition
    app = app_setup(site(tmp_path, settings))
    assert app.env["ALLOWED_HOSTS"] == "127.0.0.1,localhost"


@pytest.mark.parametrize("condition", [
    'if v := os.getenv("ALLOWED_HOSTS"):  # comma-separated, from the environment',
    'if (\n    v := os.getenv("ALLOWED_HOSTS")\n):',
    'if v := os.getenv(\n    "ALLOWED_HOSTS",\n):',
    'if (v := (hosts := os.getenv("ALLOWED_HOSTS"))):',
])
def test_a_name_bound_by_any_if_python_reads_the_same_stands_for_the_read(tmp_path, condition):
    # Python binds v to the same read in each (the first form's plain `if v := os.getenv(...)` is the
    # reference above). main read the condition from the `if`'s one line: a trailing comment made it no
    # expression, a condition over several lines was the `):` line, and `v := (hosts := ...)` gave
    # `os.getenv("ALLOWED_HOSTS") := ...`; ALLOWED_HOSTS was then read as no variable.
    from echotune_ci.project.django import _assignments

    settings = SETTINGS.replace('if v := os.getenv("ALLOWED_HOSTS"):', condition)
    value = _assignments(settings, "ALLOWED_HOSTS")[0][0]
    assert " ".join(value.split()).replace("( ", "(").replace(", )", ")") == \
        'os.getenv("ALLOWED_HOSTS").split(",")'
    assert app_setup(site(tmp_path, settings)).env["ALLOWED_HOSTS"] == "127.0.0.1,localhost"
