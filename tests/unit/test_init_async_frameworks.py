"""The fifteenth round's Quart trial (docs/real-projects.md): the server an async framework's app is served
with when the project names none (Quart brings hypercorn, Sanic serves itself, Falcon's ASGI app), and
what init says of a server it cannot add to a lockfile's setup."""

from __future__ import annotations

from pathlib import Path

import pytest

from echotune_ci.project.init import init_project
from echotune_ci.project.pyapp import Target, find_target, server_command
from echotune_ci.project.pydeps import read_python

REF = "0123456789abcdef0123456789abcdef01234567"


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


@pytest.mark.parametrize(("requirements", "expected"), [
    # Quart requires hypercorn itself: no uvicorn to add
    ("quart\n", "hypercorn --bind 127.0.0.1:{port} web:app"),
    # a server the project names still wins
    ("quart\nuvicorn\n", "uvicorn web:app --host 127.0.0.1 --port {port}"),
])
def test_a_quart_app_is_served_by_the_hypercorn_quart_installs(tmp_path, requirements, expected):
    _write(tmp_path, {"requirements.txt": requirements})
    command, why, adds = server_command(Target("web", "app", "quart", "web.py"), read_python(tmp_path),
                                        tmp_path)
    assert (command, adds) == (expected, [])
    if requirements == "quart\n":
        assert "Quart" in why


@pytest.mark.parametrize(("attr", "requirements", "expected"), [
    ("app", "sanic\n", "sanic server:app --host 127.0.0.1 --port {port}"),
    # a factory is named, and --factory makes the sanic command call it
    ("create_app()", "sanic\n", "sanic server:create_app --factory --host 127.0.0.1 --port {port}"),
    # uvicorn beside it (sanic[ext] or a test client's): Sanic's own server still runs its listeners
    ("app", "sanic\nuvicorn\n", "sanic server:app --host 127.0.0.1 --port {port}"),
])
def test_a_sanic_app_is_served_by_sanics_own_command(tmp_path, attr, requirements, expected):
    _write(tmp_path, {"requirements.txt": requirements})
    command, _, adds = server_command(Target("server", attr, "sanic", "server.py"), read_python(tmp_path),
                                      tmp_path)
    assert (command, adds) == (expected, [])


def test_a_sanic_module_is_found_and_served_by_sanic(tmp_path):
    _write(tmp_path, {"requirements.txt": "sanic==23.12.1\n",
                      "server.py": "from sanic import Sanic\n\napp = Sanic('shop')\n"})
    app = init_project(tmp_path, ref=REF).app
    assert app.command == "sanic server:app --host 127.0.0.1 --port {port}"
    notes = [n for kind in app.checks.values() for n in kind]
    assert not any("uvicorn" in n for n in notes)


@pytest.mark.parametrize(("source", "asgi"), [
    ("import falcon.asgi\n\napp = falcon.asgi.App()\n", True),
    ("from falcon import asgi\n\napp = asgi.App()\n", True),
    ("from falcon.asgi import App\n\napp = App(middleware=[])\n", True),
    # the WSGI one, however it is imported
    ("import falcon\n\napp = falcon.App()\n", False),
    ("from falcon import App\n\napp = App()\n", False),
])
def test_falcons_asgi_app_is_told_from_its_wsgi_app(tmp_path, source, asgi):
    _write(tmp_path, {"requirements.txt": "falcon==3.1.3\nuvicorn==0.30.0\ngunicorn==22.0.0\n",
                      "api.py": source})
    deps = read_python(tmp_path)
    target = find_target(tmp_path, deps, {})
    assert target is not None and (target.spec, target.framework, target.asgi) == ("api:app", "falcon", asgi)
    command, _, _ = server_command(target, deps, tmp_path)
    assert command.split()[0] == ("uvicorn" if asgi else "gunicorn")


def test_a_server_a_lockfiles_setup_cannot_add_is_not_said_to_be_installed(tmp_path):
    # Starlette names no server; pdm install installs only what pdm.lock locks, and its venv has no pip
    _write(tmp_path, {
        "pyproject.toml": '[project]\nname = "site"\nversion = "1"\ndependencies = ["starlette"]\n',
        "pdm.lock": "# pdm lock\n",
        "main.py": "from starlette.applications import Starlette\n\napp = Starlette()\n",
    })
    app = init_project(tmp_path, ref=REF).app
    assert app.command == "uvicorn main:app --host 127.0.0.1 --port {port}"
    assert "uvicorn" not in app.setup
    notes = [n for kind in app.checks.values() for n in kind]
    assert not any("setup installs it" in n for n in notes)
    assert any("`pdm add` uvicorn" in n for n in notes)


def test_a_pip_setup_still_installs_the_server_it_adds(tmp_path):
    _write(tmp_path, {"requirements.txt": "starlette==0.37.2\n",
                      "main.py": "from starlette.applications import Starlette\n\napp = Starlette()\n"})
    app = init_project(tmp_path, ref=REF).app
    assert app.setup.endswith(".venv/bin/python -m pip install uvicorn")
    notes = [n for kind in app.checks.values() for n in kind]
    assert any("uvicorn is not in the dependencies: setup installs it" in n for n in notes)
