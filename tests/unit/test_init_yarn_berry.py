"""init on Yarn 2+ ("Berry") projects: settings of Yarn 1 that Berry refuses are not written."""

from __future__ import annotations

import json

import pytest

from echotune_ci.project.init import app_setup
from test_init_workspaces import machine, write  # noqa: F401 (machine: an autouse fixture)

# actualbudget/actual-server at 7bd499c: an Express API whose Dockerfile sets NODE_ENV=production, Yarn
# 4.3.1 committed under .yarn/releases and named by .yarnrc.yml's yarnPath
SERVER = ("import express from 'express';\nconst app = express();\n"
          "app.get('/status', (req, res) => res.send({ status: 'ok' }));\n"
          "app.listen(process.env.PORT);\n")
BERRY_LOCK = '__metadata:\n  version: 8\n  cacheKey: 10c0\n\n"express@npm:4.20.0":\n  version: 4.20.0\n'
CLASSIC_LOCK = "# yarn lockfile v1\n\n\nexpress@4.20.0:\n  version \"4.20.0\"\n"


def _project(tmp_path, *, berry: bool, manager: str = ""):
    manifest = {"name": "actual-sync", "type": "module",
                "scripts": {"start": "node app.js", "build": "tsc"},
                "dependencies": {"express": "4.20.0"}, "devDependencies": {"typescript": "^5.0.0"}}
    if manager:
        manifest["packageManager"] = manager
    files = {"package.json": json.dumps(manifest), "app.js": SERVER,
             "Dockerfile": "FROM node:18\nENV NODE_ENV=production\nCOPY . .\nRUN yarn install\n"
                           "CMD [\"node\", \"app.js\"]\n",
             "yarn.lock": BERRY_LOCK if berry else CLASSIC_LOCK}
    if berry and not manager:
        files[".yarnrc.yml"] = "nodeLinker: node-modules\n\nyarnPath: .yarn/releases/yarn-4.3.1.cjs\n"
        files[".yarn/releases/yarn-4.3.1.cjs"] = "// the release\n"
    return write(tmp_path, files)


@pytest.mark.parametrize("manager", ["", "yarn@4.3.1"])
def test_a_berry_project_under_node_env_production_gets_no_yarn_production(tmp_path, manager):
    # Yarn 4.3.1 run here: YARN_PRODUCTION=false made `yarn install --immutable` (and `yarn start`) stop on
    # "Usage Error: Unrecognized or legacy configuration settings found: production", and NODE_ENV=production
    # left the devDependency of a Berry project installed all the same (is-number 7.0.0 in node_modules)
    app = app_setup(_project(tmp_path, berry=True, manager=manager))
    assert app.setup == "yarn install --immutable"
    assert app.env.get("NODE_ENV") == "production"
    assert "YARN_PRODUCTION" not in app.env


def test_a_yarn_1_project_under_node_env_production_keeps_its_dev_dependencies(tmp_path):
    # yarn 1.22 leaves the devDependencies out under NODE_ENV=production unless YARN_PRODUCTION=false
    app = app_setup(_project(tmp_path, berry=False))
    assert app.setup == "yarn install --frozen-lockfile"
    assert app.env.get("NODE_ENV") == "production" and app.env.get("YARN_PRODUCTION") == "false"
