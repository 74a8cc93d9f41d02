"""The litestar-fullstack trial (docs/real-projects.md): a manage.py that is no Django's, packages imported
from a folder pyproject.toml names (src/py), an ASGI app factory served by granian, a README step run
through the project's own console script, and a Vite client two folders deep whose build lands in the
Python package."""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import pytest

from test_init_workspaces import write
from echotune_ci.project.app import _database_reads
from echotune_ci.project.django import is_django
from echotune_ci.project.envdefaults import env_default, taken_without_default
from echotune_ci.project.init import init_project
from echotune_ci.project.instructions import ONCE, readme_steps
from echotune_ci.project.pyapp import Target, server_command
from echotune_ci.project.pydeps import PythonDeps, console_scripts, read_python
from echotune_ci.project.pyroots import import_roots, module_name

REF = "0123456789abcdef0123456789abcdef01234567"
GRANIAN = "granian --interface asgi --host 127.0.0.1 --port {port}"
LAYOUT = Path(__file__).parent.parent / "fixtures" / "layouts" / "litestar-src-py"


def test_the_litestar_layout_is_served_by_granian_with_its_client_built_into_the_package(tmp_path):
    root = tmp_path / "shop"
    shutil.copytree(LAYOUT, root)
    app = init_project(root, ref=REF).app
    assert app.framework.split(" + ")[0] == "litestar"
    assert app.command == ("granian --interface asgi --host 127.0.0.1 --port {port} "
                           "--factory app.server.asgi:create_app")
    assert app.build == "bun --cwd=src/js/web run build && app database upgrade --no-prompt"
    assert app.setup == "uv sync --frozen && bun --cwd=src/js/web install --frozen-lockfile"
    assert app.ready_path == "/health"
    assert app.bundle_globs == ["src/py/app/server/static/web/**/*.js",
                               "src/py/app/server/static/web/**/*.css"]
    notes = [n for kind in app.checks.values() for n in kind]
    # litestar-vite's ViteConfig(bundle_dir=...) serves the build: no "does not serve it", no copy, no Django
    assert not any("does not serve it" in n or "runserver" in n or "ALLOWED_HOSTS" in n for n in notes)


@pytest.mark.parametrize(("manage", "requirements", "expected"), [
    # Django's own, with or without Django in a manifest
    ("import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site1.settings')\n", "", True),
    ("from django.core.management import execute_from_command_line\n", "", True),
    # an empty one beside Django in the requirements
    ("", "Django==5.0.6\n", True),
    # Flask-Script's, and one that runs another framework's CLI and says "Django" only in prose
    ("from flask_script import Manager\nfrom app import app\nManager(app).run()\n", "flask==1.1\n", False),
    ('"""Kept for those used to Django."""\nfrom app.cli import main\nmain()\n', "litestar\n", False),
])
def test_a_manage_py_is_djangos_only_when_it_or_the_dependencies_say_so(tmp_path, manage, requirements,
                                                                          expected):
    write(tmp_path, {"manage.py": manage, **({"requirements.txt": requirements} if requirements else {})})
    assert is_django(tmp_path, read_python(tmp_path).has("django")) is expected


def test_a_flask_script_manage_py_is_served_as_the_flask_app_it_is(tmp_path):
    manage = "from flask_script import Manager\nfrom app import app\nManager(app).run()\n"
    write(tmp_path, {"manage.py": manage,
                      "requirements.txt": "flask==2.3.3\ngunicorn==22.0.0\n",
                      "app.py": "from flask import Flask\napp = Flask(__name__)\n"})
    app = init_project(tmp_path, ref=REF).app
    assert (app.framework, app.command) == ("flask", "gunicorn --bind 127.0.0.1:{port} app:app")
    assert "migrate" not in app.build


@pytest.mark.parametrize(("pyproject", "path", "expected"), [
    ('[tool.hatch.build]\nsources = ["src/py"]\n', "src/py/app/server/asgi.py", "app.server.asgi"),
    ('[tool.hatch.build]\nsources = {"src/py" = ""}\n', "src/py/app/__init__.py", "app"),
    ('[tool.hatch.build.targets.wheel]\npackages = ["lib/py/shop"]\n', "lib/py/shop/main.py", "shop.main"),
    ('[tool.setuptools]\npackage-dir = {"" = "code"}\n', "code/shop/main.py", "shop.main"),
    ('[tool.setuptools.packages.find]\nwhere = ["code"]\n', "code/shop/main.py", "shop.main"),
    ('[tool.poetry]\npackages = [{include = "shop", from = "python"}]\n', "python/shop/main.py", "shop.main"),
    ('[tool.pdm.build]\npackage-dir = "code"\n', "code/shop/main.py", "shop.main"),
    # src/ by convention (no __init__.py), and nothing declared: the path from the top
    ("", "src/shop/main.py", "shop.main"),
    ("", "shop/main.py", "shop.main"),
    # a folder outside the checkout is no root, and a pyproject.toml that is no TOML declares none
    ('[tool.hatch.build]\nsources = ["../elsewhere"]\n', "code/shop/main.py", "code.shop.main"),
    ("[tool.hatch.build\n", "code/shop/main.py", "code.shop.main"),
])
def test_modules_are_named_from_the_folder_the_build_imports_them_from(tmp_path, pyproject, path, expected):
    write(tmp_path, {"pyproject.toml": pyproject, path: ""})
    assert module_name(tmp_path / path, tmp_path) == expected


def test_the_deepest_declared_root_wins(tmp_path):
    write(tmp_path, {"pyproject.toml": '[tool.hatch.build]\nsources = ["src/py"]\n',
                      "src/py/app/main.py": ""})
    assert import_roots(tmp_path) == ("src/py", "src")


@pytest.mark.parametrize(("deps", "expected"), [
    # uvicorn and granian take the factory's name after --factory; `create_app()` is no attribute of theirs
    ("uvicorn", "uvicorn --factory app.asgi:create_app --host 127.0.0.1 --port {port}"),
    ("litestar-granian", f"{GRANIAN} --factory app.asgi:create_app"),
    ("granian", f"{GRANIAN} --factory app.asgi:create_app"),
    # hypercorn evaluates the call itself, quoted for the shell
    ("hypercorn", "hypercorn --bind 127.0.0.1:{port} 'app.asgi:create_app()'"),
    # no server at all: uvicorn is added, with --factory
    ("litestar", "uvicorn --factory app.asgi:create_app --host 127.0.0.1 --port {port}"),
])
def test_an_asgi_factory_is_called_by_the_server(tmp_path, deps, expected):
    write(tmp_path, {"requirements.txt": f"litestar\n{deps}\n"})
    command, _, _ = server_command(Target("app.asgi", "create_app()", "litestar", "app/asgi.py"),
                                   read_python(tmp_path), tmp_path)
    assert command == expected


def test_a_plain_asgi_app_keeps_its_module_and_attribute(tmp_path):
    write(tmp_path, {"requirements.txt": "fastapi\nlitestar-granian\n"})
    target = Target("main", "app", "fastapi", "main.py")
    command, why, _ = server_command(target, read_python(tmp_path), tmp_path)
    assert (command, why) == (f"{GRANIAN} main:app",
                              "litestar-granian in the dependencies")


def test_a_readme_step_through_the_projects_console_script(tmp_path):
    write(tmp_path, {"pyproject.toml": '[project]\nname = "x"\n[project.scripts]\nshopctl = "shop.cli:main"'
                                        '\n[tool.poetry.scripts]\nshop-admin = "shop.admin:main"\n',
                      "README.md": "```\nshopctl database upgrade\nshopctl run\nother database upgrade\n"
                                   "```\n"})
    own = console_scripts(read_python(tmp_path))
    assert own == ("shopctl", "shop-admin")
    assert [s.command for s in readme_steps(tmp_path, own=own)] == ["shopctl database upgrade"]
    assert readme_steps(tmp_path) == []
    assert console_scripts(PythonDeps()) == ()


@pytest.mark.parametrize(("line", "once"), [
    ("app database upgrade", True), ("flask db upgrade", True),
    ("litestar database upgrade --no-prompt", True),
    ("app database make-migrations", False), ("app run", False),
])
def test_database_upgrade_is_a_run_once_step(line, once):
    assert bool(ONCE.search(line)) is once


@pytest.mark.parametrize(("deps", "build"), [
    # Advanced Alchemy asks "[y/n]" before it migrates: a build has no input to answer it
    ("advanced-alchemy\n", "app database upgrade --no-prompt"),
    ("sqlalchemy\n", "app database upgrade"),
])
def test_advanced_alchemys_upgrade_is_told_not_to_ask(tmp_path, deps, build):
    write(tmp_path, {"pyproject.toml": '[project]\nname = "x"\ndependencies = ["litestar", "uvicorn", '
                                        + ", ".join(f'"{d}"' for d in deps.split()) + ']\n'
                                        '[project.scripts]\napp = "app.cli:main"\n',
                      "README.md": "```\napp database upgrade\n```\n",
                      "app/__init__.py": "",
                      "app/main.py": "from litestar import Litestar\napp = Litestar()\n"})
    assert init_project(tmp_path, ref=REF).app.build == build


@pytest.mark.parametrize(("call", "expected"), [
    # a project's own helper: its second argument (or default=) is the default, as os.getenv's
    ('get_env("SAQ_REDIS_URL", "redis://localhost:6379/0")', ("SAQ_REDIS_URL", True)),
    ('utils.get_env("ENV_SECRETS", default="runtime")', ("ENV_SECRETS", True)),
    ('read_env("SECRET_KEY")', ("SECRET_KEY", False)),
    ('get_env_var("SECRET_KEY", None)', ("SECRET_KEY", False)),
    # not a variable's name, nor a helper of that name
    ('get_env(".env")', None),
    ('get_environment("SECRET_KEY")', None),
])
def test_a_projects_own_env_helper_is_a_read(call, expected):
    assert env_default(ast.parse(call, mode="eval").body) == expected


def test_a_secret_the_helper_gives_a_default_needs_no_placeholder(tmp_path):
    write(tmp_path, {"settings.py": "import os\nfrom utils import get_env\n\n\nclass App:\n"
                                     "    ENV_SECRETS: str = get_env('ENV_SECRETS', 'runtime-secrets')\n\n\n"
                                     "def load():\n    secret_id = os.environ.get('ENV_SECRETS', None)\n"})
    assert taken_without_default([tmp_path / "settings.py"], tmp_path, re.compile(r"SECRET")) == []


def test_the_variable_a_settings_field_is_read_from_names_the_service(tmp_path):
    text = ("from dataclasses import dataclass, field\n\n\n@dataclass\nclass Saq:\n"
            "    REDIS_URL: str = field(default_factory=get_env('SAQ_REDIS_URL', 'redis://localhost/0'))\n"
            "    CACHE_REDIS_URL: str = 'redis://localhost/1'\n")
    path = write(tmp_path, {"settings.py": text}) / "settings.py"
    # the first field is set through SAQ_REDIS_URL; the second reads nothing but is named like a variable
    assert _database_reads(path, text) == ["SAQ_REDIS_URL", "CACHE_REDIS_URL"]
