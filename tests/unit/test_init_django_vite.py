"""django-vite's dev mode left on in the settings (saaspegasus/django-vite-tailwind-starter's
``DJANGO_VITE = {"default": {"dev_mode": True}}``): the served pages named
``http://localhost:5173/static/@vite/client`` and ``.../assets/hello.jsx``, the browser's requests to them
were refused in a real run, and init said nothing (a fixture of our own in the same shape)."""

from __future__ import annotations

from pathlib import Path

import pytest

from echotune_ci.project.init import app_setup
from test_init_workspaces import machine, write  # noqa: F401 (machine: an autouse fixture)


def project(root: Path, settings: str) -> Path:
    return write(root, {
        "pyproject.toml": '[project]\nname = "demo"\ndependencies = ["django>=5.2", "django-vite>=3.1"]\n',
        "manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'project.settings')\n",
        "project/__init__.py": "", "project/urls.py": "urlpatterns = []\n",
        "project/wsgi.py": "", "project/settings.py": settings,
    })


def vite_checks(app) -> list[str]:
    return [n for n in app.all_checks() if "django-vite" in n]


BASE = ("DEBUG = True\nALLOWED_HOSTS = []\nSTATIC_ROOT = BASE_DIR / 'static_root'\n"
        "STATIC_URL = 'static/'\n")


def test_dev_mode_true_names_the_dev_server_the_pages_ask(tmp_path):
    # the project's own lines
    settings = BASE + 'DJANGO_VITE = {\n  "default": {\n    "dev_mode": True\n  }\n}\n'
    app = app_setup(project(tmp_path, settings))
    assert vite_checks(app) == [
        "project/settings.py sets django-vite's dev_mode to True: every page loads its scripts and "
        "stylesheets from Vite's dev server (http://localhost:5173), which the run does not start, so the "
        "frontend phase measures pages without them and the bundle phase weighs files no page loads; read "
        "dev_mode from an environment variable and leave it off here, so the pages load the build's "
        "manifest"]


def test_the_2x_settings_following_a_literal_debug_with_their_own_port(tmp_path):
    # django-vite 2.x: module-level settings; DEBUG is a literal True, so dev mode is on in the run
    settings = BASE + "DJANGO_VITE_DEV_MODE = DEBUG\nDJANGO_VITE_DEV_SERVER_PORT = 3000\n"
    app = app_setup(project(tmp_path, settings))
    [check] = vite_checks(app)
    assert check.startswith("project/settings.py sets django-vite's dev_mode to DEBUG, which is True: ")
    assert "(http://localhost:3000)" in check


@pytest.mark.parametrize("settings", [
    BASE + 'DJANGO_VITE = {"default": {"dev_mode": os.environ.get("VITE_DEV") == "1"}}\n',
    BASE.replace("DEBUG = True", "DEBUG = os.environ.get('DJANGO_DEBUG', '') == 'True'")
    + 'DJANGO_VITE = {"default": {"dev_mode": DEBUG}}\n',
    BASE + 'DJANGO_VITE = {"default": {"dev_mode": False}}\n',
])
def test_a_dev_mode_the_run_can_turn_off_is_no_check(tmp_path, settings):
    # read from a variable (unset in the run: off), or following a DEBUG that init turns off
    assert vite_checks(app_setup(project(tmp_path, settings))) == []
