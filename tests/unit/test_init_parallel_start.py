"""A start script that starts a server and a client at once (concurrently, npm-run-all --parallel, run-p, a
shell's ``&``), as npm workspaces monorepos write it: `run` starts one server, so init starts the server's
own and says why.

Expected values: concurrently runs each quoted argument as a command of its own and reads ``npm:name`` as
``npm run name`` (its README, "Usage"); npm-run-all runs its script names in parallel only with
``--parallel``/``-p``, run-p always, run-s one after another; a shell's ``&`` starts the command before it
in the background. The commands are what init wrote for these shapes and for dominggo1999/mern-monorepo,
whose real `run --base-ref` started the api alone.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from echotune_ci.project.init import app_setup
from echotune_ci.project.nodeapp import at_once
from test_init_serverless_main import vite_client
from test_init_workspaces import machine, write  # noqa: F401 (machine: an autouse fixture)


@pytest.mark.parametrize(("line", "commands"), [
    ('concurrently "npm run start -w server" "npm run preview -w client"',
     ["npm run start -w server", "npm run preview -w client"]),
    ('concurrently "npm:dev:server" "npm:dev:client"', ["npm run dev:server", "npm run dev:client"]),
    # linciss/node-react-express-ts-template's; -n and -c take a value
    ('concurrently -n server,client -c green,blue "npm run dev -w server" "npm run dev -w client"',
     ["npm run dev -w server", "npm run dev -w client"]),
    ("npm-run-all --parallel start:api start:web", ["npm run start:api", "npm run start:web"]),
    # concurrently 9.2.5 here: -P and --pad-prefix take no value (both commands ran), --kill-signal takes
    # one, --teardown's command ran after the others; main dropped the command after -P or --pad-prefix
    ('concurrently -P "node server.js" "vite"', ["node server.js", "vite"]),
    ('concurrently --pad-prefix "node server.js" "vite"', ["node server.js", "vite"]),
    ('concurrently --kill-signal SIGINT --teardown "rm -f pid" "node server.js" "vite"',
     ["node server.js", "vite"]),
    ("run-p start:*", ["npm run start:*"]),
    ("npm run dev -w @app/server & npm run dev -w @app/client",
     ["npm run dev -w @app/server", "npm run dev -w @app/client"]),
    ("run-s build start", []),  # one after the other
    # npm-run-all 4.1.5 here: `-s a -p b c` ran a, then b and c together; `--parallel a b --sequential c`
    # a and b, then c; `run-p --max-parallel 1 a b` a, then b. main took a group's every name as started
    # at once, and --max-parallel's value as a script's name
    ("npm-run-all -s build -p api web", ["npm run api", "npm run web"]),
    ("npm-run-all --parallel api web --sequential build", ["npm run api", "npm run web"]),
    ("run-p --max-parallel 2 api web", ["npm run api", "npm run web"]),
    ("run-p --max-parallel 1 api web", []),
    # dash and bash here: `echo A&echo B` ran both (B first), `echo "x & y"` and `echo a \& b` printed the
    # `&`; main split the quoted one into three commands and took `node a.js&vite` for one
    ('node server.js & echo "ready & waiting"', ["node server.js", 'echo "ready & waiting"']),
    ("node server.js&vite", ["node server.js", "vite"]),
    ("node server.js \\& vite", []),
    ("node server.js &>server.log & vite", ["node server.js &>server.log", "vite"]),
    ("node server.js 2>&1 | tee log", []),
    ("node server.js &", []),
    ("npm-run-all build start", []),
    ("npm run build && node server.js", []),
])
def test_what_a_script_starts_at_once(line, commands):
    assert at_once(line) == commands


# Expected: concurrently 9.2 and npm-run-all 4.1.5 run here on these scripts (each echoing its name):
# `concurrently "npm:start:*(!fix)"` ran api, web, web:deep; `run-p start:*` api, web, fix; `run-p start:**`
# all four. On main each was one command, `npm run start:*`, and no parallel start was seen.
_GLOBBED = {"start:api": "node server.js", "start:web": "vite", "start:web:deep": "vite preview",
            "start:fix": "eslint --fix .", "other": "jest"}


@pytest.mark.parametrize(("line", "commands"), [
    ('concurrently "npm:start:*(!fix)"',
     ["npm run start:api", "npm run start:web", "npm run start:web:deep"]),
    ("run-p start:*", ["npm run start:api", "npm run start:web", "npm run start:fix"]),
    ("npm-run-all -p start:**", ["npm run start:api", "npm run start:web", "npm run start:web:deep",
                                 "npm run start:fix"]),
    ('concurrently "yarn run start:w*" "npm:other"', ["yarn run start:web", "yarn run start:web:deep",
                                                      "npm run other"]),
])
def test_a_wildcard_name_is_the_scripts_it_matches(line, commands):
    assert at_once(line, _GLOBBED) == commands


def test_a_wildcard_start_of_a_server_and_a_client_is_passed_over(tmp_path):
    write(tmp_path, {
        "package.json": json.dumps({"name": "one", "private": True, "scripts": {
            "start": 'concurrently "npm:start:*"', "start:api": "node server.js", "start:web": "vite",
            "build": "vite build"}, "dependencies": {"express": "^4.21.0"},
            "devDependencies": {"concurrently": "^9.0.0", "vite": "^5.4.0"}}),
        "package-lock.json": json.dumps({"lockfileVersion": 3, "packages": {}}),
        "server.js": "const express = require('express'); const app = express();\n"
                     "app.get('/api/health', (req, res) => res.json({ ok: true }));\n"
                     "app.listen(process.env.PORT);\n",
        ".git/HEAD": "ref: refs/heads/main\n",
    })
    app = app_setup(tmp_path)
    # main: command = "npm start", Vite's dev server and the API in one process group
    assert (app.command, [c for notes in app.checks.values() for c in notes if "at once" in c]) == (
        "npm run start:api", ["package.json scripts.start starts 2 commands at once (`npm run start:api`, "
                              "`npm run start:web`), and `run` starts one server: [serve] command starts "
                              "the server alone"])


def _game(root: Path, start: str) -> Path:
    return write(root, {
        "package.json": json.dumps({"name": "game", "private": True, "workspaces": ["client", "server"],
                                    "scripts": {"build": "npm run build -w client", "start": start},
                                    "devDependencies": {"concurrently": "^9.0.0"}}),
        "package-lock.json": json.dumps({"lockfileVersion": 3, "packages": {
            "": {"workspaces": ["client", "server"]}, "client": {}, "server": {}}}),
        "server/package.json": json.dumps({"name": "server", "scripts": {"dev": "nodemon src/index.js"},
                                           "dependencies": {"express": "^4.21.0"}}),
        "server/src/index.js": "const express = require('express'); const app = express();\n"
                               "app.get('/api/health', (req, res) => res.json({ ok: true }));\n"
                               "app.listen(process.env.PORT || 4000);\n",
        **vite_client("client", "preview"),
    })


def test_the_servers_own_start_is_taken_instead_of_both_at_once(tmp_path):
    root = _game(tmp_path, 'concurrently "npm run start -w server" "npm run preview -w client"')
    app = app_setup(root)
    # before: command = "npm start", both servers in one process group and vite preview on its own port
    assert app.command == "cd server && node src/index.js"
    assert app.ready_path == "/api/health"
    checks = [c for notes in app.checks.values() for c in notes]
    assert ("package.json scripts.start starts 2 commands at once (`npm run start -w server`, `npm run "
            "preview -w client`), and `run` starts one server: [serve] command starts the server alone"
            in checks)
    assert any("`echotune-ci init --dir client`" in c for c in checks)


def test_a_top_start_of_two_dev_servers_beside_a_members_own_is_named(tmp_path):
    root = _game(tmp_path, 'concurrently --kill-others-on-fail "npm run dev -w server" "npm run dev -w '
                           'client"')
    (root / "server" / "package.json").write_text(json.dumps({
        "name": "server", "scripts": {"start": "node src/index.js", "dev": "nodemon src/index.js"},
        "dependencies": {"express": "^4.21.0"}}))
    app = app_setup(root)
    assert app.command == "npm start --workspace=server"
    checks = [c for notes in app.checks.values() for c in notes]
    assert any(c.startswith("package.json scripts.start starts 2 commands at once") for c in checks)


def test_one_server_started_by_a_sequence_gets_no_such_note(tmp_path):
    root = _game(tmp_path, "npm run build && npm start -w server")
    (root / "server" / "package.json").write_text(json.dumps({
        "name": "server", "scripts": {"start": "node src/index.js"}, "dependencies": {"express": "^4.21.0"}}))
    app = app_setup(root)
    assert not any("at once" in c for notes in app.checks.values() for c in notes)


def test_a_server_started_beside_its_own_worker_keeps_its_start(tmp_path):
    # no client among them: the app needs both, and `npm start` starts both as production does
    write(tmp_path, {
        "package.json": json.dumps({"name": "queue", "scripts": {
            "start": 'concurrently "node server.js" "node worker.js"'},
            "dependencies": {"express": "^4.21.0", "concurrently": "^9.0.0"}}),
        "package-lock.json": json.dumps({"lockfileVersion": 3, "packages": {}}),
        "server.js": "const express = require('express'); const app = express();\n"
                     "app.get('/health', (req, res) => res.send('ok'));\napp.listen(process.env.PORT);\n",
        "worker.js": "setInterval(() => {}, 1000);\n",
        ".git/HEAD": "ref: refs/heads/main\n",
    })
    app = app_setup(tmp_path)
    assert app.command == "npm start"
    assert not any("at once" in c for notes in app.checks.values() for c in notes)


def test_the_script_run_beside_the_client_is_the_servers_start(tmp_path):
    # cypress-io/cypress-realworld-app (6eacef17): one package, `yarn start` runs Vite and `start:api`, which
    # runs ts-node with a tsconfig of its own (CommonJS) through another script. init found the API's file
    # and wrote `npx ts-node backend/app.ts`, which compiles it as the top tsconfig's ES modules.
    write(tmp_path, {
        "package.json": json.dumps({"name": "rwa", "private": True, "scripts": {
            "start": "cross-env NODE_ENV=development concurrently yarn:start:react yarn:start:api",
            "start:react": "vite", "start:api": "yarn tsnode --files backend/app.ts",
            "tsnode": "nyc --silent ts-node -P tsconfig.tsnode.json", "build": "vite build"},
            "dependencies": {"express": "^4.21.0", "react": "^18.3.0"},
            "devDependencies": {"concurrently": "^9.0.0", "vite": "^5.4.0", "ts-node": "^10.9.0"}}),
        "yarn.lock": "# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.\n# yarn lockfile v1\n",
        "tsconfig.json": json.dumps({"compilerOptions": {"module": "esnext"}}),
        "tsconfig.tsnode.json": json.dumps({"extends": "./tsconfig.json",
                                            "compilerOptions": {"module": "commonjs"}}),
        "backend/app.ts": "import express from 'express';\nconst app = express();\n"
                          "app.get('/health', (req, res) => res.send('ok'));\n"
                          "app.listen(process.env.PORT || 3001);\n",
        "index.html": '<!doctype html><html lang="en"><body><div id="root"></div>'
                      '<script type="module" src="/src/main.tsx"></script></body></html>\n',
        "src/main.tsx": "console.log('client');\n",
        "vite.config.ts": "export default {};\n",
        ".git/HEAD": "ref: refs/heads/main\n",
    })
    app = app_setup(tmp_path)
    assert app.command == "yarn start:api"
    checks = [c for notes in app.checks.values() for c in notes]
    assert ("package.json scripts.start starts 2 commands at once (`yarn run start:react`, `yarn run "
            "start:api`), and `run` starts one server: [serve] command starts the server alone" in checks)


def test_a_client_started_in_its_folder_by_cd_is_a_clients_server(tmp_path):
    # MERN tutorials' `concurrently "node index.js" "cd client && npm start"`: concurrently runs each command
    # through a shell, so the second is client/'s react-scripts dev server. main read `cd client && npm
    # start` as no package script of the top's and kept `npm start`, both servers in one process group.
    write(tmp_path, {
        "package.json": json.dumps({"name": "mern", "private": True, "scripts": {
            "start": 'concurrently "node index.js" "npm run client"', "client": "cd client && npm start",
            "build": "cd client && npm run build"},
            "dependencies": {"express": "^4.21.0"}, "devDependencies": {"concurrently": "^9.0.0"}}),
        "package-lock.json": json.dumps({"lockfileVersion": 3, "packages": {}}),
        "index.js": "const express = require('express'); const app = express();\n"
                    "app.get('/api/health', (req, res) => res.json({ ok: true }));\n"
                    "app.listen(process.env.PORT);\n",
        "client/package.json": json.dumps({"name": "client", "scripts": {
            "start": "react-scripts start", "build": "react-scripts build"},
            "dependencies": {"react-scripts": "5.0.1", "react": "^18.3.0"}}),
        ".git/HEAD": "ref: refs/heads/main\n",
    })
    for start in ('concurrently "node index.js" "npm run client"',
                  'concurrently "node index.js" "cd client && npm start"'):
        data = json.loads((tmp_path / "package.json").read_text())
        data["scripts"]["start"] = start
        (tmp_path / "package.json").write_text(json.dumps(data))
        app = app_setup(tmp_path)
        assert app.command == "node index.js", start
        assert any(c.startswith("package.json scripts.start starts 2 commands at once (`node index.js`, ")
                   for notes in app.checks.values() for c in notes), start
