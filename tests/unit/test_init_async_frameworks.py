"""The fifteenth round's Quart trial (docs/real-projects.md): the server an async framework's app is served
with when the project names none (Quart brings hypercorn, Sanic serves itself, Falcon's ASGI app), and
what init says of a server it cannot add to a lockfile's setup; PDM's start script and its env_file,
`quart run` and the sanic command as servers, a health route under control/."""

from __future__ import annotations


import pytest

from test_init_workspaces import write
from echotune_ci.project import commands
from echotune_ci.project.health import health_rank
from echotune_ci.project.init import init_project
from echotune_ci.project.openapi import served_document
from echotune_ci.project.instructions import read_instructions
from echotune_ci.project.pyapp import Target, find_target, server_command
from echotune_ci.project.pydeps import read_python
from echotune_ci.project.routes import detect_login_flow

REF = "0123456789abcdef0123456789abcdef01234567"


@pytest.mark.parametrize(("requirements", "expected"), [
    # Quart requires hypercorn itself: no uvicorn to add
    ("quart\n", "hypercorn --bind 127.0.0.1:{port} web:app"),
    # a server the project names still wins
    ("quart\nuvicorn\n", "uvicorn web:app --host 127.0.0.1 --port {port}"),
])
def test_a_quart_app_is_served_by_the_hypercorn_quart_installs(tmp_path, requirements, expected):
    write(tmp_path, {"requirements.txt": requirements})
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
    write(tmp_path, {"requirements.txt": requirements})
    command, _, adds = server_command(Target("server", attr, "sanic", "server.py"), read_python(tmp_path),
                                      tmp_path)
    assert (command, adds) == (expected, [])


def test_a_sanic_module_is_found_and_served_by_sanic(tmp_path):
    write(tmp_path, {"requirements.txt": "sanic==23.12.1\n",
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
    write(tmp_path, {"requirements.txt": "falcon==3.1.3\nuvicorn==0.30.0\ngunicorn==22.0.0\n",
                      "api.py": source})
    deps = read_python(tmp_path)
    target = find_target(tmp_path, deps, {})
    assert target is not None and (target.spec, target.framework, target.asgi) == ("api:app", "falcon", asgi)
    command, _, _ = server_command(target, deps, tmp_path)
    assert command.split()[0] == ("uvicorn" if asgi else "gunicorn")


def test_a_server_a_lockfiles_setup_cannot_add_is_not_said_to_be_installed(tmp_path):
    # Starlette names no server; pdm install installs only what pdm.lock locks, and its venv has no pip
    write(tmp_path, {
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
    write(tmp_path, {"requirements.txt": "starlette==0.37.2\n",
                      "main.py": "from starlette.applications import Starlette\n\napp = Starlette()\n"})
    app = init_project(tmp_path, ref=REF).app
    assert app.setup.endswith(".venv/bin/python -m pip install uvicorn")
    notes = [n for kind in app.checks.values() for n in kind]
    assert any("uvicorn is not in the dependencies: setup installs it" in n for n in notes)


_PDM_PYPROJECT = '''[project]
name = "todo"
version = "0.1.0"
dependencies = ["quart>=0.19"]

[tool.pdm.scripts]
lint = "flake8 src/"
start = {cmd = "quart --app src/todo/run.py run --port 5050", env_file = "development.env"}
'''
_DEV_ENV = '''TODO_DEBUG=true
TODO_SECRET_KEY="not for production"
TODO_QUART_DB_DATABASE_URL="postgresql://todo:todo@0.0.0.0:5432/todo"
'''


def test_a_pdm_start_script_is_the_command_and_its_env_file_the_apps_environment(tmp_path):
    write(tmp_path, {"pyproject.toml": _PDM_PYPROJECT, "pdm.lock": "# pdm lock\n",
                      "development.env": _DEV_ENV,
                      "src/todo/__init__.py": "",
                      "src/todo/run.py": "from quart import Quart\napp = Quart(__name__)\n"
                                         "app.config.from_prefixed_env(prefix='TODO')\n"})
    app = init_project(tmp_path, ref=REF).app
    assert app.command == "quart --app src/todo/run.py run --host 127.0.0.1 --port {port} --no-reload"
    assert app.env["TODO_DEBUG"] == "true"
    assert app.env["TODO_SECRET_KEY"] == "not for production"
    # a URL with a user and password would be written masked (postgresql://***@...): a check, not a value
    assert "TODO_QUART_DB_DATABASE_URL" not in app.env
    notes = [n for kind in app.checks.values() for n in kind]
    source = "development.env (env_file of pyproject.toml [tool.pdm.scripts] start)"
    assert any("TODO_QUART_DB_DATABASE_URL to a URL with a user and password" in n and source in n
               for n in notes)
    # kept as the project runs with it, and said: the debug mode is measured
    assert any(n.startswith(f"{source} sets TODO_DEBUG=true: the app is measured in its debug mode")
               for n in notes)


def test_a_pdm_scripts_env_wins_over_its_env_file_and_the_shared_options_count(tmp_path):
    pyproject = ('[project]\nname = "x"\nversion = "1"\ndependencies = ["starlette", "uvicorn"]\n'
                 '[tool.pdm.scripts]\n_ = {env_file = "shared.env"}\n'
                 'serve = {cmd = ["uvicorn", "main:app", "--port", "8000"], env = {MODE = "script"}, '
                 'env_file = "own.env"}\n')
    write(tmp_path, {"pyproject.toml": pyproject, "own.env": "MODE=file\nOWN=1\n",
                      "shared.env": "OWN=2\nSHARED=yes\n",
                      "main.py": "from starlette.applications import Starlette\napp = Starlette()\n"})
    ins = read_instructions(tmp_path)
    assert ins.web is not None and ins.web.command == "uvicorn main:app --port 8000"
    assert {k: v.command for k, v in ins.env.items()} == {"MODE": "script", "OWN": "1", "SHARED": "yes"}


@pytest.mark.parametrize(("line", "server", "bound"), [
    ("quart --app app run --port 5050 --reload", True,
     "quart --app app run --host 127.0.0.1 --port {port} --no-reload"),
    ("quart routes", False, None),
    ("sanic server:app --host=0.0.0.0 --port=8000 --workers 2 --dev", True,
     "sanic server:app --workers 2 --host 127.0.0.1 --port {port}"),
    ("sanic server:create_app --factory -H 0.0.0.0 -p 1337", True,
     "sanic server:create_app --factory --host 127.0.0.1 --port {port}"),
    ("sanic inspect shutdown", False, None),
    ("sanic --version", False, None),
    # FastAPI CLI (fastapi-cli 0.0.34, `fastapi run --help`): --host/--port, --reload/--no-reload; `dev`
    # serves with the reloader, so its production form `run` is measured
    ("fastapi run --workers 4", True, "fastapi run --workers 4 --host 127.0.0.1 --port {port}"),
    ("fastapi dev app/main.py --port 8001 --reload", True,
     "fastapi run app/main.py --host 127.0.0.1 --port {port}"),
    ("uv run fastapi --verbose run --host=0.0.0.0 main.py", True,
     "uv run fastapi --verbose run main.py --host 127.0.0.1 --port {port}"),
    # dev's --reload-dir (a value, and the "=" form) is no option of run's: "No such option: --reload-dir"
    ("fastapi dev --reload-dir app --reload-dir=lib app/main.py", True,
     "fastapi run app/main.py --host 127.0.0.1 --port {port}"),
    ("fastapi deploy", False, None),
    ("fastapi --version", False, None),
])
def test_quart_run_and_the_sanic_command_are_servers_bound_to_the_runs_port(line, server, bound):
    assert commands.is_server(line) is server
    if bound is not None:
        assert commands.bind(line).command == bound


def test_a_procfiles_fastapi_run_line_is_the_command(tmp_path):
    write(tmp_path, {"requirements.txt": "fastapi[standard]==0.165.0\n",
                      "Procfile": "web: fastapi run main.py --port $PORT --workers 2\n",
                      "main.py": "from fastapi import FastAPI\napp = FastAPI()\n"})
    app = init_project(tmp_path, ref=REF).app
    assert app.command == "fastapi run main.py --workers 2 --host 127.0.0.1 --port {port}"


def test_a_procfiles_sanic_line_is_the_command(tmp_path):
    write(tmp_path, {"requirements.txt": "sanic==23.12.1\n",
                      "Procfile": "web: sanic server:app --host=0.0.0.0 --port=$PORT --fast\n",
                      "server.py": "from sanic import Sanic\napp = Sanic('shop')\n"})
    app = init_project(tmp_path, ref=REF).app
    assert app.command == "sanic server:app --fast --host 127.0.0.1 --port {port}"


@pytest.mark.parametrize(("path", "rank"), [
    ("/control/ping/", True),
    ("/ops/status", True),
    ("/orders/status", False),
])
def test_ping_under_a_control_prefix_is_a_health_route(path, rank):
    assert (health_rank(path) is not None) is rank


def test_a_pdm_script_running_a_python_file_serves_only_under_a_start_name(tmp_path):
    pyproject = ('[project]\nname = "x"\nversion = "1"\n'
                 '[tool.pdm.scripts]\nseed = "python scripts/seed.py"\n')
    write(tmp_path, {"pyproject.toml": pyproject})
    assert read_instructions(tmp_path).web is None
    write(tmp_path, {"pyproject.toml": pyproject + 'start = "python main.py"\n'})
    ins = read_instructions(tmp_path)
    assert ins.web is not None and ins.web.command == "python main.py"


_QUART_SESSIONS = '''from dataclasses import dataclass

from quart import Blueprint
from quart_auth import login_required, login_user
from quart_schema import validate_request

blueprint = Blueprint("sessions", __name__)


@dataclass
class Credentials:
    email: str
    password: str
    remember: bool = False


@blueprint.post("/sessions/")
@validate_request(Credentials)
async def login(data: Credentials):
    login_user(data.email)
    return {}, 200


@blueprint.get("/profile/")
@login_required
async def profile():
    return {}
'''


@pytest.mark.parametrize(("model", "decorator", "signature", "field"), [
    # quart-schema's decorator, on a dataclass without a base
    ("@dataclass\nclass Body:\n    email: str\n    password: str\n", "@validate_request(Body)", "data: Body",
     "email"),
    # a pydantic model as a FastAPI/Litestar parameter
    ("class Body(BaseModel):\n    username: str\n    password: str\n", "", "body: Body", "username"),
    # sanic-ext's @validate(json=...)
    ("class Body:\n    login: str\n    password: str\n", "@validate(json=Body)", "request", "login"),
])
def test_the_login_field_is_the_account_field_of_the_body_model(tmp_path, model, decorator, signature,
                                                                 field):
    source = (f"{model}\n\n@app.post('/login')\n{decorator}\nasync def login({signature}):\n"
              "    session['user'] = 1\n    return {}\n\n\n"
              "@app.get('/me')\nasync def me():\n    return {}\n")
    write(tmp_path, {"app.py": source})
    assert detect_login_flow(tmp_path)["user_field"] == field


def test_a_quart_schema_login_sends_the_email_its_dataclass_asks_for(tmp_path):
    write(tmp_path, {"backend/blueprints/sessions.py": _QUART_SESSIONS})
    found = detect_login_flow(tmp_path)
    assert (found["login"], found["protected"], found["user_field"]) == ("/sessions/", "/profile/", "email")


@pytest.mark.parametrize(("call", "path"), [
    ("QuartSchema(app, convert_casing=True)", "/openapi.json"),
    ("QuartSchema(app, openapi_path='/api/openapi.json')", "/api/openapi.json"),
    ("QuartSchema(app, openapi_path=None)", None),
])
def test_quart_schemas_document_is_the_api_phases_schema(tmp_path, call, path):
    write(tmp_path, {"app.py": f"from quart import Quart\nfrom quart_schema import QuartSchema\n"
                                f"app = Quart(__name__)\nschema = {call}\n"})
    served = served_document([tmp_path / "app.py"], tmp_path)
    assert (served.path if served else None) == path
