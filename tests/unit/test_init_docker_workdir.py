"""Where a Dockerfile's CMD and a compose service's command run: the image's WORKDIR (or ``working_dir``)
mapped back to the repository folder that the COPY/ADD instructions (or bind mounts) fill it from.

Expected values follow Docker's documented behaviour: a relative WORKDIR is
relative to the previous one; ``COPY <dir> <dest>`` copies the directory's
contents (not the directory itself) into ``<dest>``, a relative ``<dest>``
being relative to WORKDIR; files named by a glob, several sources or a
destination ending in ``/`` land in that folder; ``FROM <stage>`` starts
from that stage's filesystem and WORKDIR. Compose builds a service from its
``build`` context (a path, or ``context:``) and runs ``command`` in
``working_dir`` when set, else in the image's WORKDIR.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from echotune_ci.project.init import app_setup
from echotune_ci.project.instructions import build_context, context_folder, final_stage, read_instructions
from test_init_workspaces import machine, write  # noqa: F401 (machine: an autouse fixture)

SERVER = {
    "server/package.json": json.dumps({"name": "dashboard", "scripts": {"dev": "nodemon src/index.js"},
                                       "dependencies": {"express": "^4.19.2"}}),
    "server/package-lock.json": json.dumps({"lockfileVersion": 3, "packages": {}}),
    "server/src/index.js": "const express = require('express')\nconst app = express()\n"
                           "app.get('/', (req, res) => res.send('ok'))\n"
                           "app.listen(process.env.PORT || 5555)\n",
}


@pytest.mark.parametrize(("dockerfile", "folder"), [
    # WORKDIR /app/server filled by COPY server/ /app/server: the contents of server/
    ("FROM node:20\nWORKDIR /app\nCOPY server/package*.json /app/server/\nWORKDIR /app/server\n"
     "RUN npm ci\nCOPY server/ /app/server\nCMD [\"node\", \"./src/index.js\"]\n", "server"),
    # a relative WORKDIR below the previous one, and COPY . . into it: the context's top
    ("FROM node:20\nWORKDIR /srv\nWORKDIR app\nCOPY . .\nCMD node server/src/index.js\n", ""),
    # only files copied into WORKDIR (a glob) and a folder below it: the files' folder, the top
    ("FROM node:20\nWORKDIR /app\nCOPY package*.json ./\nCOPY server ./server\nCMD node server/x.js\n", ""),
    # nothing copied into WORKDIR itself, server/ into /app/server: /app is the top
    ("FROM node:20\nWORKDIR /app\nCOPY server/ /app/server/\nCMD node server/src/index.js\n", ""),
    # a stage FROM an earlier one keeps its WORKDIR and files
    ("FROM node:20 AS base\nWORKDIR /app\nCOPY server/ .\nFROM base AS run\nCMD node src/index.js\n",
     "server"),
    # the files came from another stage: unknown
    ("FROM node:20 AS build\nWORKDIR /b\nCOPY . .\nFROM node:20-slim\nWORKDIR /app\n"
     "COPY --from=build /b/server /app\nCMD node src/index.js\n", None),
    # a WORKDIR from a variable, and one nothing is copied to: unknown
    ("FROM node:20\nARG HOME=/app\nWORKDIR $HOME\nCOPY . .\nCMD node x.js\n", None),
    ("FROM node:20\nWORKDIR /app\nCMD node x.js\n", None),
])
def test_the_final_stage_workdir_is_mapped_to_the_folder_copied_into_it(tmp_path, dockerfile, folder):
    write(tmp_path, SERVER)
    stage = final_stage(dockerfile, tmp_path)
    assert context_folder(stage.workdir, stage.mounts) == folder


def test_a_cmd_run_in_a_workdir_that_holds_a_subfolder_runs_there(tmp_path):
    # redis-developer/basic-analytics-dashboard-redis-bitmaps-nodejs: the Express server in server/, the
    # root Dockerfile's final WORKDIR /app/server. `node ./src/index.js` from the top: "Cannot find module
    # '<repo>/src/index.js'"
    (tmp_path / ".git").mkdir()
    write(tmp_path, {**SERVER, "Dockerfile": "FROM node:20-alpine\nWORKDIR /app\n"
                                             "COPY server/package*.json /app/server/\nWORKDIR /app/server\n"
                                             "RUN npm ci\nCOPY server/ /app/server\nEXPOSE 5555\n"
                                             "CMD [\"node\", \"./src/index.js\"]\n"})
    app = app_setup(tmp_path)
    assert app.command == "cd server && node ./src/index.js"
    assert ("command", app.command, "Dockerfile (CMD)") in [(d.key, d.value, d.source) for d in app.decisions]
    # a Dockerfile without WORKDIR is read as before: from the top
    write(tmp_path, {"Dockerfile": "FROM node:20\nCOPY . .\nCMD node server/src/index.js\n"})
    assert app_setup(tmp_path).command == "node server/src/index.js"


def test_a_cmd_in_an_unknown_workdir_naming_a_file_the_top_lacks_is_passed_over_and_said(tmp_path):
    (tmp_path / ".git").mkdir()
    write(tmp_path, {**SERVER, "Dockerfile": "FROM node:20 AS build\nWORKDIR /b\nCOPY . .\n"
                                             "FROM node:20-slim\nWORKDIR /app\n"
                                             "COPY --from=build /b/server /app\n"
                                             "CMD [\"node\", \"src/index.js\"]\n"})
    app = app_setup(tmp_path)
    assert "Dockerfile" not in next(d.source for d in app.decisions if d.key == "command")
    assert app.command == "cd server && node src/index.js"  # server/package.json's dev, without nodemon
    assert ("Dockerfile (CMD) runs `node src/index.js` in /app, and which folder of the repository that is "
            "cannot be told (no COPY or ADD from the repository fills it); src/index.js is not in the "
            "repository's top, so the app is started the way the other files say") in app.all_checks()
    # ... but one whose file is there from the top is kept
    write(tmp_path, {"src/index.js": "require('http').createServer().listen(process.env.PORT)\n"})
    assert read_instructions(tmp_path).web.command == "node src/index.js"  # type: ignore[union-attr]


BACKEND = {
    "backend/requirements.txt": "fastapi==0.110.0\nuvicorn==0.29.0\n",
    "backend/app/__init__.py": "",
    "backend/app/main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get('/')\n"
                           "def root():\n    return {'ok': True}\n",
    "app/package.json": json.dumps({"name": "events-ui", "scripts": {"dev": "vite", "build": "vite build"},
                                    "devDependencies": {"vite": "^5.2.0"}}),
    "app/package-lock.json": json.dumps({"lockfileVersion": 3, "packages": {}}),
}


def test_a_compose_backend_runs_in_its_build_context_before_a_front_end_dev_server(tmp_path):
    # Rikstam/fastapi-vue3-events-system: init took the frontend's `npm run dev -- --host` (the first
    # service with a command), ran it at the top, where no package.json is, and gave it no port
    (tmp_path / ".git").mkdir()
    write(tmp_path, {**BACKEND, "docker-compose.yml": (
        "services:\n  frontend:\n    build: ./app\n    command: npm run dev -- --host\n"
        "  backend:\n    build: ./backend\n"
        "    command: uvicorn app.main:app --reload --workers 1 --host 0.0.0.0 --port 8000\n")})
    app = app_setup(tmp_path)
    # uvicorn's own options for host and port, --reload (a watcher) left out
    assert app.cwd == "backend"
    assert app.command == "uvicorn app.main:app --workers 1 --host 127.0.0.1 --port {port}"
    assert app.setup.startswith("python3 -m venv .venv && .venv/bin/python -m pip install -r "
                                "requirements.txt")
    assert "npm ci --prefix ../app" in app.setup and app.build == "npm run build --prefix ../app"
    assert ("command", "docker-compose.yml (backend: command)") in [(d.key, d.source) for d in app.decisions]
    assert not [n for n in app.all_checks() if "npm run dev" in n]


@pytest.mark.parametrize(("service", "dockerfile", "line", "command"), [
    # build: {context: ...}, no Dockerfile to read: the context
    ("    build:\n      context: ./backend\n", "", "uvicorn app.main:app",
     "cd backend && uvicorn app.main:app"),
    # the context's Dockerfile copies app/ into its WORKDIR
    ("    build: ./backend\n", "FROM python:3.12\nWORKDIR /srv\nCOPY app/ .\n", "python main.py",
     "cd backend/app && python main.py"),
    # working_dir where a bind mount puts a folder
    ("    build: ./backend\n    working_dir: /code\n    volumes:\n      - ./backend/app:/code:ro\n",
     "FROM python:3.12\nWORKDIR /srv\nCOPY . .\n", "python main.py", "cd backend/app && python main.py"),
    # a working_dir nothing fills, and the file is not in the context: passed over
    ("    build: ./backend\n    working_dir: /code\n", "", "python main.py", None),
])
def test_a_compose_command_runs_where_its_container_runs_it(tmp_path, service, dockerfile, line, command):
    write(tmp_path, {**BACKEND, "compose.yaml": f"services:\n  api:\n{service}    command: {line}\n"})
    if dockerfile:
        write(tmp_path, {"backend/Dockerfile": dockerfile})
    ins = read_instructions(tmp_path)
    assert (ins.web.command if ins.web else None) == command
    assert bool(ins.notes) == (command is None)


# backend/Dockerfile of a project built from the repository's top (`docker build -f backend/Dockerfile .`,
# or compose's `context: .`): its COPY sources name backend/, which backend/ itself does not hold
_TOP_BUILT = ("FROM python:3.12\nWORKDIR /app/\nCOPY ./backend/pyproject.toml /app/backend/\n"
              "COPY ./backend/app /app/backend/app\nWORKDIR /app/backend/\n"
              "CMD [\"fastapi\", \"run\", \"--workers\", \"4\"]\n")


def test_a_dockerfile_built_from_the_folder_above_runs_its_cmd_where_that_context_puts_it(tmp_path):
    write(tmp_path, {"backend/Dockerfile": _TOP_BUILT,
                     "backend/pyproject.toml": "[project]\nname = \"app\"\n",
                     "backend/app/main.py": "from fastapi import FastAPI\napp = FastAPI()\n"})
    (tmp_path / ".git").mkdir()
    # read from backend/: WORKDIR /app/backend is backend/ itself, not backend/backend/
    ins = read_instructions(tmp_path / "backend")
    assert ins.web is not None and ins.web.command == "fastapi run --workers 4"
    assert build_context(_TOP_BUILT, tmp_path / "backend") == tmp_path.resolve()


@pytest.mark.parametrize(("files", "context"), [
    # the sources are in the Dockerfile's own folder: that is the context
    ({"web/Dockerfile": "FROM node:20\nCOPY package.json src/ /app/\n", "web/package.json": "{}",
      "web/src/x.js": ""}, "web"),
    # a glob, matched in the folder above
    ({"web/Dockerfile": "FROM node:20\nCOPY web/*.json /app/\n", "web/package.json": "{}"}, "."),
    # sources nowhere (a file the repository leaves out): the Dockerfile's folder, as before
    ({"web/Dockerfile": "FROM node:20\nCOPY dist/ /app/\n"}, "web"),
    # only another stage's files and a URL: nothing to look for
    ({"web/Dockerfile": "FROM node:20\nCOPY --from=build /b /app\nADD https://x.example/a.tgz /app/\n"},
     "web"),
])
def test_the_build_context_is_the_nearest_folder_holding_what_the_dockerfile_copies(tmp_path, files, context):
    write(tmp_path, files)
    (tmp_path / ".git").mkdir()
    text = (tmp_path / "web" / "Dockerfile").read_text()
    assert build_context(text, tmp_path / "web").resolve() == (tmp_path / context).resolve()


def test_a_dockerfile_in_a_folder_just_below_the_disk_top_is_never_built_from_it():
    # /srv-like folder outside any repository: its only folder above is /, which holds etc/ on every Linux;
    # / is no build context (the folder itself stays it)
    folder = Path("/echotune-adv17-no-such-folder")
    assert build_context("FROM python:3.12\nCOPY etc /etc-copy\n", folder) == folder


def test_copy_globs_do_not_follow_links_around_a_cycle(tmp_path):
    # two links back to the top: a glob of 24 "*" parts that entered them would read 2**24 folders
    write(tmp_path, {"web/Dockerfile": "FROM node:20\nCOPY " + "*/" * 24 + "nomatch /app/\n",
                     "web/app/x.js": ""})
    (tmp_path / ".git").mkdir()
    (tmp_path / "l1").symlink_to(".")
    (tmp_path / "l2").symlink_to(".")
    text = (tmp_path / "web" / "Dockerfile").read_text()
    assert build_context(text, tmp_path / "web") == tmp_path / "web"
    # a glob through real folders still matches above (web/app/x.js from the top)
    assert build_context("FROM node:20\nCOPY */app/*.js /app/\n", tmp_path / "web") == tmp_path.resolve()


def test_a_glob_asking_for_more_entries_than_a_few_folders_hold_matches_nothing(tmp_path):
    # 10,001 entries in one folder: more than the reader looks at for one glob, so it tells nothing (the
    # Dockerfile's folder stays the context); a path without a glob is looked up alone
    write(tmp_path, {f"many/f{i}": "" for i in range(10_001)} | {"web/Dockerfile": ""})
    (tmp_path / ".git").mkdir()
    assert build_context("FROM x\nCOPY many/f4* /app/\n", tmp_path / "web") == tmp_path / "web"
    assert build_context("FROM x\nCOPY many/f4999 /app/\n", tmp_path / "web") == tmp_path.resolve()


def test_a_here_document_is_copied_from_no_folder_of_the_context(tmp_path):
    # COPY <<EOF writes a file of the Dockerfile's own: the context is where backend/app is (the top), and
    # /app/backend/start.sh says nothing of which folder /app/backend is
    dockerfile = ("FROM python:3.12\nWORKDIR /app/backend\nCOPY <<EOF /app/backend/start.sh\n"
                  "exec fastapi run\nEOF\nCOPY ./backend/app /app/backend/app\nCMD [\"fastapi\", \"run\"]\n")
    write(tmp_path, {"backend/Dockerfile": dockerfile, "backend/app/main.py": ""})
    (tmp_path / ".git").mkdir()
    assert build_context(dockerfile, tmp_path / "backend") == tmp_path.resolve()
    stage = final_stage(dockerfile, tmp_path)
    assert context_folder(stage.workdir, stage.mounts) == "backend"


def test_an_entrypoint_script_at_its_image_path_is_the_repositorys_and_the_cmd_runs_through_it(tmp_path):
    """nickjj/docker-django-example (34c61de): `COPY . .` into /app, `WORKDIR /app/src`, `ENTRYPOINT
    ["/app/bin/docker-entrypoint-web"]` (it copies the collected static files, then `exec "$@"`) and `CMD
    ["gunicorn", "-c", "python:config.gunicorn", "config.wsgi"]`. The script was looked for by its bare name
    at the top, so the two were read as one command init could not use, and it guessed `gunicorn
    src.config.wsgi:application`, which cannot import `config.settings`. The CMD it reads now was run by
    hand in the project's src/: gunicorn 23.0.0 listened where --bind said, over the config file's bind."""
    (tmp_path / ".git").mkdir()
    write(tmp_path, {
        "requirements.txt": "Django==5.1.6\ngunicorn==23.0.0\n",
        "src/manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings')\n",
        "src/config/__init__.py": "", "src/config/settings.py": "SECRET_KEY = 'k'\n",
        "src/config/wsgi.py": "application = None\n",
        "bin/docker-entrypoint-web": "#!/usr/bin/env bash\nset -e\ncp -r /public_collected /app\n"
                                     "exec \"$@\"\n",
        "Dockerfile": "FROM python:3.13.2-slim-bookworm AS app\nWORKDIR /app\n"
                      "COPY --chown=python:python . .\nWORKDIR /app/src\n"
                      "ENTRYPOINT [\"/app/bin/docker-entrypoint-web\"]\nEXPOSE 8000\n"
                      "CMD [\"gunicorn\", \"-c\", \"python:config.gunicorn\", \"config.wsgi\"]\n"})
    ins = read_instructions(tmp_path)
    assert ins.web is not None and (ins.web.command, ins.web.source) == (
        "cd src && gunicorn -c python:config.gunicorn config.wsgi", "Dockerfile (CMD)")
    assert "docker-entrypoint-web" in ins.read and ins.pre == []
    assert app_setup(tmp_path).command == \
        "cd src && gunicorn --bind 127.0.0.1:{port} -c python:config.gunicorn config.wsgi"
