"""The twelfth round's newcomer trial (aio-libs/aiohttp-demos' blog, docs/real-projects.md): servers a module
starts itself (aiohttp's run_app, Tornado's listen), the arguments a README runs it with, tables made by
``run_sync(Base.metadata.create_all)``, and service addresses in a settings file."""

from __future__ import annotations

from pathlib import Path

import pytest

from test_init_workspaces import write
from echotune_ci.project.app import _creates_tables
from echotune_ci.project.init import init_project
from echotune_ci.project.pyapp import python_port
from echotune_ci.project.selfserve import readme_arguments, self_serving
from echotune_ci.project.settingsfiles import address_settings

REF = "0123456789abcdef0123456789abcdef01234567"


TORNADO = ("import asyncio\nimport tornado.web\n\n\nclass Main(tornado.web.RequestHandler):\n"
           "    def get(self):\n        self.write('hi')\n\n\nasync def main():\n"
           "    app = tornado.web.Application([(r'/', Main)])\n    app.listen(8888)\n"
           "    await asyncio.Event().wait()\n\n\nif __name__ == '__main__':\n    asyncio.run(main())\n")


def test_a_tornado_script_at_the_top_is_run_by_its_path_on_its_fixed_port(tmp_path):
    write(tmp_path, {"server.py": TORNADO, "requirements.txt": "tornado==6.5\n"})
    served = self_serving(tmp_path)
    assert served is not None
    assert (served.framework, served.run, served.options) == ("tornado", "python server.py", False)
    assert python_port(tmp_path / "server.py") == (8888, "server.py: listen(8888)")
    done = init_project(tmp_path, ref=REF)
    assert (done.app.framework, done.app.command, done.app.port) == ("tornado", "python server.py", 8888)
    assert not done.app.checks.get("port")  # run --base-ref moves the base's listen (Python's socket)


@pytest.mark.parametrize(("call", "expected"), [
    # reads PORT: `run` passes it, nothing is fixed
    ("web.run_app(app, port=int(os.environ.get('PORT', 8080)))", (None, "main.py reads PORT")),
    ("web.run_app(app, host='127.0.0.1', port=9000)", (9000, "main.py: run_app(..., port=9000)")),
    ("web.run_app(make(load(open(p))))", (8080, "main.py: run_app() without a port (aiohttp's 8080)")),
    # a Unix socket or a port from elsewhere: no number to tell
    ("web.run_app(app, path='/tmp/app.sock')", (None, "")),
    ("web.run_app(app, port=settings.port)", (None, "")),
])
def test_the_port_of_run_app(tmp_path, call, expected):
    text = f"import os\nfrom aiohttp import web\napp = web.Application()\n{call}\n"
    path = write(tmp_path, {"main.py": text})
    assert python_port(path / "main.py") == expected


def test_a_module_of_a_package_runs_with_dash_m_and_a_plain_folders_by_its_path(tmp_path):
    runs = "from aiohttp import web\n\nif __name__ == '__main__':\n    web.run_app(web.Application())\n"
    write(tmp_path / "pkg", {"app/__init__.py": "", "app/server.py": runs})
    assert self_serving(tmp_path / "pkg").run == "python -m app.server"
    # scripts/ is no package: `python -m scripts.server` would import its siblings by another name
    write(tmp_path / "plain", {"scripts/server.py": runs})
    assert self_serving(tmp_path / "plain").run == "python scripts/server.py"
    # aiohttp as a client only (no run_app): nothing serves itself
    write(tmp_path / "client", {"bot.py": "import aiohttp\n\nif __name__ == '__main__':\n    pass\n"})
    assert self_serving(tmp_path / "client") is None


def test_the_readme_gives_the_arguments_whichever_way_it_runs_the_module(tmp_path):
    runs = ("import argparse\nfrom aiohttp import web\n\nif __name__ == '__main__':\n"
            "    argparse.ArgumentParser().parse_args()\n    web.run_app(web.Application())\n")
    readme = "Run:\n\n```sh\n(venv) $ python3 -m blog.main --config 'my conf.toml'\n```\n"
    write(tmp_path, {"blog/__init__.py": "", "blog/main.py": runs, "README.md": readme})
    served = self_serving(tmp_path)
    assert served is not None and served.options
    assert readme_arguments(tmp_path, served) == (["--config", "my conf.toml"], "README.md")
    done = init_project(tmp_path, ref=REF)
    assert done.app.command == "python -m blog.main --config 'my conf.toml'"
    # without a README line, the options it reads are a check
    (tmp_path / "README.md").unlink()
    (tmp_path / "echotune.toml").unlink()
    done = init_project(tmp_path, ref=REF, force=True)
    assert done.app.command == "python -m blog.main"
    assert any("blog/main.py reads command-line options and no README runs it" in n
               for n in done.app.checks["command"])


def test_tables_handed_to_run_sync_in_a_lifespan_are_made_on_start(tmp_path):
    """The async SQLAlchemy way: ``await conn.run_sync(Base.metadata.create_all)``; init said "no file says
    how its tables are created"."""
    main = write(tmp_path, {"main.py": (
        "from contextlib import asynccontextmanager\nfrom fastapi import FastAPI\n"
        "from db import Base, engine\n\n\n@asynccontextmanager\nasync def lifespan(app):\n"
        "    async with engine.begin() as conn:\n        await conn.run_sync(Base.metadata.create_all)\n"
        "    yield\n\n\napp = FastAPI(lifespan=lifespan)\n")})
    assert _creates_tables([main / "main.py"]) == main / "main.py"
    # a name that only mentions it, not handed to a call, makes nothing
    (main / "main.py").write_text("from db import Base\nmaker = Base.metadata.create_all\n")
    assert _creates_tables([main / "main.py"]) is None


def test_service_addresses_in_toml_and_yaml_settings_files(tmp_path):
    write(tmp_path, {
        "config/polls.yaml": ("postgres:\n  database: polls\n  user: polls\n  host: localhost\n  port: 5432\n"
                              "redis_url: redis://localhost:6379\nhost: 0.0.0.0\n"),
        "config/polls_test.yaml": "postgres:\n  host: localhost\n",
        "settings.ini": "[cache]\nREDIS_HOST = localhost\n[app]\nport = 8080\n",
        "pyproject.toml": "[tool.x]\nDB_HOST = 'x'\n",
    })
    assert address_settings(tmp_path, "postgres") == [
        ("config/polls.yaml", ["postgres.host", "postgres.port"])]
    assert address_settings(tmp_path, "redis") == [("settings.ini", ["cache.REDIS_HOST"]),
                                                   ("config/polls.yaml", ["redis_url"])]
    assert address_settings(tmp_path, "mongo") == []


def test_a_readme_script_that_makes_tables_and_then_serves_is_no_build_step(tmp_path):
    """`python app.py` of a Flask app whose module makes its tables and then calls app.run(): as a build step
    it would never end; `python init_db.py` holding CREATE TABLE is one."""
    write(tmp_path, {
        "requirements.txt": "flask==3.1.0\nflask-sqlalchemy==3.1.1\n",
        "app.py": ("from flask import Flask\nfrom flask_sqlalchemy import SQLAlchemy\napp = Flask(__name__)\n"
                   "db = SQLAlchemy(app)\n\nif __name__ == '__main__':\n    with app.app_context():\n"
                   "        db.create_all()\n    app.run()\n"),
        "README.md": "```\npython app.py\n```\n",
    })
    done = init_project(tmp_path, ref=REF)
    assert done.app.build == ""
    assert "python app.py" not in str(done.app.checks)
    # its __main__ block makes the tables before app.run(): the app's start does
    said = [d.source for d in done.app.decisions if d.key == "build"]
    assert "app.py creates them (create_all)" in said
    init_db = "import sqlite3\nsqlite3.connect('a.db').execute('CREATE TABLE t (x)')\n"
    (tmp_path / "init_db.py").write_text(init_db)
    (tmp_path / "README.md").write_text("```\npython init_db.py\npython app.py\n```\n")
    done = init_project(tmp_path, ref=REF, force=True)
    assert done.app.build == "python init_db.py"


def test_tables_made_only_when_a_helper_script_is_run_are_no_step_of_the_start(tmp_path):
    """The fixture's db_helpers.py makes the tables in its `if __name__ == "__main__":` block: with no README
    that runs it, init said "db_helpers.py creates them (create_all)", as if the app's start did."""
    import shutil

    root = tmp_path / "shop"
    layouts = Path(__file__).resolve().parents[1] / "fixtures" / "layouts"
    shutil.copytree(layouts / "aiohttp-config-file", root)
    (root / "README.rst").unlink()
    done = init_project(root, ref=REF)
    assert done.app.build == ""
    assert not any(d.key == "build" and "creates them" in d.source for d in done.app.decisions)
    said = "db_helpers.py makes the tables when it is run (its `if __name__ == \"__main__\":` block), which "
    checks = done.app.checks["build"]
    assert any(n.startswith(f"{said}nothing here does: add `python db_helpers.py`") for n in checks)
