"""init reads the port of a server that vite-express starts (``ViteExpress.listen(app, port)``)."""

from __future__ import annotations

import json

from echotune_ci.project.init import app_setup
from test_init_workspaces import machine, write  # noqa: F401 (machine: an autouse fixture)

# tmastrom/vite-express-js at cada7e7 (yarn 1): src/server/main.js
SERVER = ('const express = require("express");\nconst ViteExpress = require("vite-express");\n\n'
          'const app = express();\n\napp.get("/api/contacts", (req, res) => {\n'
          '  res.send({ contacts: [] });\n})\n\nViteExpress.listen(app, 3000, () =>\n'
          '  console.log("Server is listening on port 3000...")\n);\n')


def test_vite_express_listens_on_the_port_it_is_given_second(tmp_path):
    # init said "could not tell how the server picks its port" and the run gave the app PORT, which
    # vite-express never reads: the server listened on 3000 (run here, with port = 3000 set by hand)
    write(tmp_path, {"package.json": json.dumps({
        "name": "vite-react-starter", "scripts": {"start": "NODE_ENV=production node src/server/main.js",
                                                  "build": "vite build"},
        "dependencies": {"express": "^4.18.2", "vite-express": "*"}, "devDependencies": {"vite": "^4.0.4"}}),
        "yarn.lock": "# yarn lockfile v1\n", "src/server/main.js": SERVER,
        "vite.config.js": "import { defineConfig } from 'vite'\nexport default defineConfig({})\n"})
    app = app_setup(tmp_path)
    assert app.port == 3000
    assert not any("picks its port" in str(check) for checks in app.checks.values() for check in checks)


def test_vite_express_serves_the_client_at_the_root(tmp_path):
    # vite-express under NODE_ENV=production answers "/" with the build's index.html ("<!DOCTYPE html> ...
    # <title>Vite + React</title>", run here); init read an API with no "/" and measured no page
    write(tmp_path, {"package.json": json.dumps({
        "name": "vite-react-starter", "scripts": {"start": "NODE_ENV=production node src/server/main.js",
                                                  "build": "vite build"},
        "dependencies": {"express": "^4.18.2", "vite-express": "*"}, "devDependencies": {"vite": "^4.0.4"}}),
        "yarn.lock": "# yarn lockfile v1\n", "src/server/main.js": SERVER, "index.html": "<!doctype html>\n",
        "vite.config.js": "import { defineConfig } from 'vite'\nexport default defineConfig({})\n"})
    app = app_setup(tmp_path)
    assert app.has_root and "frontend" in app.phases and "bundle" in app.phases
