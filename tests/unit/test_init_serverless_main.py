"""An npm workspaces monorepo shaped as dominggo1999/mern-monorepo: ``"workspaces": ["/*"]``, an Express
``api/`` whose main file is a serverless handler that listens only when ``SERVERFUL`` is set, beside a Vite
``client/``.

Expected values: npm reads a workspaces glob as @npmcli/map-workspaces' ``appendNegatedPatterns`` does
(leading ``!``s taken off, an odd count negating, then every leading ``/``: ``"/*"`` is ``*``), so
the project's own ``package-lock.json`` lists ``api`` and ``client`` as its members; the commands are what
`init` wrote for the real project, and ``npm run start:serverful --workspace=api`` started it in a real
`run --base-ref` (``node api/index.js`` alone exited 0 at once, printing nothing).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from echotune_ci.phases.security.lockfiles import find_lockfiles
from echotune_ci.project.init import app_setup
from echotune_ci.project.workspaces import package_json_workspaces
from test_init_workspaces import machine, write  # noqa: F401 (machine: an autouse fixture)

# api/api/index.js: the app is exported for Vercel and listens only when SERVERFUL is set
HANDLER = "\n".join([
    "import express from 'express';", "const app = express();",
    "app.get('/api', (req, res) => { res.send('<h1>Hello World</h1>'); });",
    "if (process.env.SERVERFUL) {", "  const PORT = process.env.PORT || 3001;", "  app.listen(PORT);", "}",
    "export default app;", ""])
API = {"name": "@mern-monorepo/api", "main": "api/index.js", "type": "module",
       "dependencies": {"cross-env": "^7.0.3", "express": "^4.18.1"},
       "devDependencies": {"nodemon": "^2.0.16"}}


def _mern(root: Path, api_scripts: dict[str, str]) -> Path:
    return write(root, {
        "package.json": json.dumps({"name": "mern-monorepo", "workspaces": ["/*"], "scripts": {
            "client:build": "npm run build --workspace=client",
            "server:dev": "npm run dev --workspace=api",
            "client:dev": "npm run dev --workspace=client",
            "start": 'concurrently --kill-others-on-fail "npm run server:dev"  "npm run client:dev"'},
            "devDependencies": {"concurrently": "^7.2.1"}}),
        "package-lock.json": json.dumps({"lockfileVersion": 2, "packages": {
            "": {"workspaces": ["/*"]}, "api": {"name": "@mern-monorepo/api"},
            "client": {"name": "@mern-monorepo/client"}}}),
        "api/package.json": json.dumps({**API, "scripts": api_scripts}),
        "api/api/index.js": HANDLER,
        **vite_client("@mern-monorepo/client", "serve"),
    })


def vite_client(name: str, preview: str) -> dict[str, str]:
    """The files of a React + Vite ``client/`` workspace member named *name*, its ``vite preview`` under
    the script *preview*, and of the git repository around it."""
    return {
        "client/package.json": json.dumps({"name": name, "scripts": {
            "dev": "vite", "build": "vite build", preview: "vite preview"},
            "dependencies": {"react": "^19.0.0"}, "devDependencies": {"vite": "^5.4.0"}}),
        "client/vite.config.js": "export default {}\n",
        "client/index.html": "<div id=root></div>\n",
        ".git/HEAD": "ref: refs/heads/main\n",
    }


@pytest.mark.parametrize(("written", "read"), [
    (["/*"], ["*"]),
    (["//apps/*/"], ["apps/*"]),
    (["./web/", "!/legacy", "!!api"], ["web", "!legacy", "api"]),
    ({"packages": ["/packages/*"]}, ["packages/*"]),
    ("apps/*", []),  # not an array: npm stops with EWORKSPACESCONFIG, no members
])
def test_workspace_globs_are_read_as_npm_reads_them(written, read):
    assert package_json_workspaces({"workspaces": written}) == read


def test_a_leading_slash_glob_names_the_top_folders_as_members(tmp_path):
    root = _mern(tmp_path, {"start:serverful": "cross-env SERVERFUL=true node api/index.js"})
    app = app_setup(root)
    assert app.build == "npm run build --workspace=client"
    # the lockfile at the root covers both members: no "cannot audit without a lockfile" for them
    found = find_lockfiles(root)
    assert found.lockfiles == [root / "package-lock.json"]
    assert found.unlocked == []


def test_the_script_that_sets_what_main_reads_starts_it(tmp_path):
    root = _mern(tmp_path, {"start:serverless": "vercel dev",
                            "start:serverful": "cross-env SERVERFUL=true node api/index.js",
                            "dev": "cross-env SERVERFUL=true nodemon api/index.js"})
    app = app_setup(root)
    assert app.command == "npm run start:serverful --workspace=api"
    assert "SERVERFUL" not in app.env
    assert any("scripts.start:serverful runs api/api/index.js, main, with SERVERFUL set" in d.source
               for d in app.decisions if d.key == "command")


def test_a_watcher_script_gives_its_variables_and_loses_its_watcher(tmp_path):
    root = _mern(tmp_path, {"dev": "cross-env SERVERFUL=true nodemon api/index.js"})
    app = app_setup(root)
    assert app.command == "cd api && node api/index.js"
    assert app.env.get("SERVERFUL") == "true"


def test_variables_the_main_file_does_not_read_choose_nothing(tmp_path):
    root = _mern(tmp_path, {"lint": "cross-env ESLINT_USE_FLAT_CONFIG=false node api/index.js"})
    app = app_setup(root)
    assert app.command == "cd api && node api/index.js"
    assert "ESLINT_USE_FLAT_CONFIG" not in app.env
