"""init on a FastAPI backend in ``backend/`` beside a Vite client whose build the backend serves, the
layout of fastapi/full-stack-fastapi-template (fixtures of our own, a few lines each):

- the README's ``uv run bash scripts/prestart.sh`` (wait for the database, ``alembic upgrade head``, make
  the first superuser) is the project's set-up step: build runs it, not the bare migration;
- the client's committed ``.env`` gives ``VITE_API_URL=http://localhost:8000``, which ``vite build`` inlines
  (vite.dev/guide/env-and-mode: ``.env`` is loaded in every mode, and a variable already set wins): the
  served pages would call the developer's port, so ``[serve] env`` sets it empty;
- a file that the interpreter running init cannot parse (Python 3.14's ``except A, B:``) is named.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from echotune_ci.project.init import init_project
from test_init_workspaces import machine, write  # noqa: F401 (machine: an autouse fixture)

REF = "0123456789abcdef0123456789abcdef01234567"

BACKEND = {
    "backend/requirements.txt": "fastapi==0.115.0\nuvicorn==0.30.0\nalembic==1.13.1\nsqlmodel==0.0.21\n",
    "backend/alembic.ini": "[alembic]\nscript_location = app/alembic\n",
    "backend/app/__init__.py": "",
    "backend/app/main.py": "from pathlib import Path\nfrom fastapi import FastAPI\napp = FastAPI()\n\n\n"
                           "@app.get('/api/health')\ndef health():\n    return True\n\n\n"
                           "app.frontend('/', directory=Path(__file__).parent / 'frontend')\n",
    "backend/app/initial_data.py": "from app.core.db import init_db\n\n\ndef main():\n    init_db()\n\n\n"
                                   "if __name__ == '__main__':\n    main()\n",
    "backend/scripts/prestart.sh": "#! /usr/bin/env bash\nset -e\n\n# Let the DB start\n"
                                   "python app/backend_pre_start.py\n\n# Run migrations\n"
                                   "alembic upgrade head\n\npython app/initial_data.py\n",
    "backend/README.md": "# Backend\n\n```console\n$ uv run bash scripts/prestart.sh\n"
                         "$ uv run fastapi dev\n```\n",
    "backend/app/backend_pre_start.py": "import time\n\n\ndef main():\n    time.sleep(1)\n\n\nmain()\n",
}
CLIENT = {
    "frontend/package.json": '{"name": "frontend", "scripts": {"build": "vite build"},'
                             ' "devDependencies": {"vite": "^6.0.0"}}',
    "frontend/package-lock.json": '{"name": "frontend", "lockfileVersion": 3, "packages": {}}',
    "frontend/vite.config.ts": "export default { build: { outDir: '../backend/app/frontend' } }\n",
    "frontend/.env": "VITE_API_URL=http://localhost:8000\nVITE_DOCS=\"https://docs.example.com\"\n",
    "frontend/src/main.ts": "const base = import.meta.env.VITE_API_URL ?? ''\nfetch(`${base}/api/health`)\n",
}


def test_the_readme_prestart_script_is_the_build(tmp_path):
    root = write(tmp_path / "repo", BACKEND)
    done = init_project(root / "backend", ref=REF)
    assert done.app.build == "bash scripts/prestart.sh"
    decided = [(d.key, d.value, d.source) for d in done.app.decisions]
    assert ("build", "bash scripts/prestart.sh", "README.md runs `uv run bash scripts/prestart.sh`, which "
            "sets the database up (alembic upgrade head)") in decided
    # it makes the tables: no note that nothing does
    assert not [c for c in done.app.all_checks() if "no file says how its tables are created" in c]
    # a script that starts the server is no set-up step: the migration alone is
    script = "alembic upgrade head\nexec uvicorn app.main:app --port 80\n"
    serving = dict(BACKEND, **{"backend/scripts/prestart.sh": script})
    again = init_project(write(tmp_path / "serving", serving) / "backend", ref=REF)
    assert again.app.build == "alembic upgrade head"
    # ...and so is a python script of the project's that serves
    runs = dict(BACKEND, **{"backend/app/initial_data.py": "import uvicorn\nuvicorn.run('app.main:app')\n"})
    served = init_project(write(tmp_path / "runs", runs) / "backend", ref=REF)
    assert served.app.build == "alembic upgrade head"
    # a script through a loop of links, or outside the project, is none (the loop stopped init with
    # 'internal error: RuntimeError: Symlink loop')
    readme = "```console\n$ uv run bash loop/prestart.sh\n$ bash ../outside.sh\n```\n"
    looped = write(tmp_path / "looped", {**BACKEND, "backend/README.md": readme,
                                         "outside.sh": "alembic upgrade head\n"}) / "backend"
    (looped / "loop").symlink_to(looped / "pool")
    (looped / "pool").symlink_to(looped / "loop")
    assert init_project(looped, ref=REF).app.build == "alembic upgrade head"


def test_a_local_api_url_the_client_build_inlines_is_set_empty(tmp_path):
    root = write(tmp_path / "repo", {**BACKEND, **CLIENT})
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "add", "frontend/.env"], check=True)
    done = init_project(root, ref=REF)
    assert done.app.env["VITE_API_URL"] == "" and "VITE_DOCS" not in done.app.env
    assert ("frontend/.env sets VITE_API_URL=http://localhost:8000, which the build inlines into the pages "
            "the server serves: they would call that address, not the app `run` serves on its own port; it "
            "is set empty here, so the pages call the server that serves them (check that the code takes an "
            "empty VITE_API_URL as its own origin)") in done.app.checks["env"]
    # a .env git does not track is the author's own, not in CI
    other = write(tmp_path / "untracked", {**BACKEND, **CLIENT})
    subprocess.run(["git", "init", "-q", str(other)], check=True)
    assert "VITE_API_URL" not in init_project(other, ref=REF).app.env
    # a build the server does not serve calls what it is told: nothing to set
    unserved = dict(BACKEND, **{"backend/app/main.py": "from fastapi import FastAPI\napp = FastAPI()\n"})
    alone = write(tmp_path / "alone", {**unserved, **CLIENT})
    subprocess.run(["git", "init", "-q", str(alone)], check=True)
    subprocess.run(["git", "-C", str(alone), "add", "frontend/.env"], check=True)
    assert "VITE_API_URL" not in init_project(alone, ref=REF).app.env


@pytest.mark.skipif(sys.version_info >= (3, 14), reason="parses with 3.14")
def test_a_file_in_newer_syntax_is_named(tmp_path):
    deps = ("def user(token):\n    try:\n        return decode(token)\n"
            "    except KeyError, ValueError:\n        return None\n")
    root = write(tmp_path / "repo", {**BACKEND, "backend/app/deps.py": deps})
    checks = init_project(root / "backend", ref=REF).app.checks["project"]
    here = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert (f"app/deps.py:4 does not parse with Python {here}, which runs echotune-ci (multiple exception "
            "types must be parenthesized): init read no route, setting or login from it, so what it wrote "
            "may miss some; run init with the Python the project asks for to read it") in checks
