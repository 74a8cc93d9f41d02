"""The app a function of its module builds under any name: `app = create_application()` (Rikstam's
fastapi-vue3-events-system, recreated): init said "nothing runnable detected" for the backend folder."""

from __future__ import annotations

from echotune_ci.project.init import app_setup
from test_init_workspaces import machine, write  # noqa: F401 (machine: an autouse fixture)

MAIN = """import logging

from fastapi import FastAPI

from app.api import ping

log = logging.getLogger("uvicorn")


def create_application() -> FastAPI:
    application = FastAPI(title="events")
    application.include_router(ping.router)
    return application


app = create_application()


@app.get("/")
def root():
    return {"message": "hello"}
"""


def test_an_app_a_function_of_its_module_builds_is_served(tmp_path):
    root = write(tmp_path, {
        "requirements.txt": "fastapi==0.115.0\nuvicorn==0.30.0\n",
        "app/__init__.py": "",
        "app/main.py": MAIN,
        "app/api/__init__.py": "",
        "app/api/ping.py": "from fastapi import APIRouter\nrouter = APIRouter()\n\n\n"
                           "@router.get('/ping')\ndef ping():\n    return {'ping': 'pong'}\n",
    })
    app = app_setup(root)
    assert app.command.startswith("uvicorn app.main:app "), app.command


def test_a_function_that_builds_no_app_is_no_app(tmp_path):
    root = write(tmp_path, {
        "requirements.txt": "fastapi==0.115.0\nuvicorn==0.30.0\n",
        "tool.py": "import json\n\n\ndef load_settings():\n    return json.loads('{}')\n\n\n"
                   "settings = load_settings()\n",
    })
    assert not app_setup(root).command.startswith("uvicorn tool:")


def test_tortoise_orms_migrations_are_applied_with_aerich(tmp_path):
    # The same backend keeps its Tortoise ORM migrations with aerich ([tool.aerich] in pyproject.toml,
    # migrations/models/*.sql): init said "no file says how its tables are created".
    root = write(tmp_path, {
        "requirements.txt": "fastapi==0.115.0\nuvicorn==0.30.0\ntortoise-orm==0.21.0\naerich==0.7.2\n",
        "pyproject.toml": '[tool.aerich]\ntortoise_orm = "app.db.TORTOISE_ORM"\nlocation = "./migrations"\n'
                          'src_folder = "./."\n',
        "migrations/models/0_20240101_init.sql": "-- upgrade --\nCREATE TABLE event (id SERIAL);\n",
        "app/__init__.py": "",
        "app/main.py": MAIN,
        "app/api/__init__.py": "",
        "app/api/ping.py": "from fastapi import APIRouter\nrouter = APIRouter()\n",
    })
    app = app_setup(root)
    assert app.build == "aerich upgrade"
    assert not [c for c in app.all_checks() if "how its tables are created" in c]
