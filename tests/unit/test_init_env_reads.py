"""What a newcomer's `init` got wrong on redis-developer/basic-analytics-dashboard-redis-bitmaps-nodejs (an
Express + Redis server in server/, a Vue CLI client in client/), as fixtures of our own:

- the Redis note was "found through SET_REDIS_LOADING", a Vuex mutation's key in the client's store, while
  the server's config takes `{ REDIS_ENDPOINT_URI, ..., PORT }` apart from process.env, which went unread;
- "could not tell how the server picks its port", although the server listens on `config.port`, which the
  config exports as `PORT || 3000` with PORT destructured from process.env;
- app.json's "required" REDIS_PASSWORD was demanded, while the code passes `REDIS_PASSWORD || undefined`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from echotune_ci.project.envdefaults import defaulted_env, js_env_reads, taken_without_default
from echotune_ci.project.init import app_setup
from echotune_ci.project.nodeapp import node_port
from test_init_workspaces import machine, write  # noqa: F401 (machine: an autouse fixture)

CONFIG = ("const { REDIS_ENDPOINT_URI, REDIS_HOST, REDIS_PORT, REDIS_PASSWORD, PORT } = process.env;\n"
          "\n"
          "module.exports = {\n"
          "  redis: {\n"
          "    uri: REDIS_ENDPOINT_URI,\n"
          "    host: REDIS_HOST || '127.0.0.1',\n"
          "    port: REDIS_PORT || 6379,\n"
          "    password: REDIS_PASSWORD || undefined,\n"  # line 8
          "  },\n"
          "  port: PORT || 3000,\n"
          "};\n")
STORE = ("import Vue from 'vue';\nimport Vuex from 'vuex';\n\nVue.use(Vuex);\n\n"
         "export default new Vuex.Store({\n  state: { loading: false },\n  mutations: {\n"
         "    SET_REDIS_LOADING: (state, value) => { state.loading = value; },\n  },\n});\n")


def dashboard(root: Path, config: str = CONFIG) -> Path:
    return write(root, {
        "app.json": json.dumps({"name": "dashboard", "env": {
            "REDIS_ENDPOINT_URI": {"description": "host:port of Redis", "required": True},
            "REDIS_PASSWORD": {"description": "Redis' password", "required": True}}}),
        "server/package.json": json.dumps({"name": "dashboard-api", "scripts": {"start": "node src/index.js"},
                                           "dependencies": {"express": "4", "redis": "3"}}),
        "server/src/index.js": "const express = require('express');\nconst config = require('./config');\n"
                               "const app = express();\napp.get('/api/ping', (req, res) => res.json({}));\n"
                               "app.listen(config.port, () => console.log('listening'));\n",
        "server/src/config/index.js": config,
        "client/package.json": json.dumps({"name": "dashboard-ui",
                                           "scripts": {"build": "vue-cli-service build"},
                                           "dependencies": {"vue": "2", "vuex": "3"},
                                           "devDependencies": {"@vue/cli-service": "4"}}),
        "client/src/store/index.js": STORE,
    })


def redis_notes(app) -> list[str]:
    return [n for n in app.all_checks() if "connects to Redis" in n]


def decided(app) -> list[tuple[str, str, str]]:
    return [(d.key, d.value, d.source) for d in app.decisions]


def test_the_dashboard_the_newcomer_tried(tmp_path):
    app = app_setup(dashboard(tmp_path))
    # F6: the variables the server destructures, in their order; not the store's mutation
    assert redis_notes(app) == [
        "redis in package.json: the app connects to Redis, found through REDIS_ENDPOINT_URI, REDIS_HOST, "
        "REDIS_PORT, REDIS_PASSWORD, which nothing here starts; where it needs one to serve, start one and "
        "point the app at 127.0.0.1 in [serve] env"]
    # F7: PORT, through config.port, one import deep (not REDIS_PORT, which the config reads first)
    assert ("port", "auto (PORT)", "server/src/config/index.js reads PORT") in decided(app)
    assert not any("could not tell how the server picks its port" in n for n in app.all_checks())
    # F8: the code does without a password; the URI it takes as it is
    assert ("env", "REDIS_PASSWORD not set", "server/src/config/index.js reads it with a default (line 8); "
            "app.json (env) asks for one when deployed") in decided(app)
    assert [n.split(" says ")[1].split(" must")[0] for n in app.all_checks() if "must be set" in n] == [
        "REDIS_ENDPOINT_URI"]


def test_an_object_key_that_looks_like_a_variable_is_no_read(tmp_path):
    # one package for server and client: the store is told apart by what it imports (Vue 3's vuex alone),
    # a React component by its suffix, and the server's own constant keys are not reads either
    write(tmp_path, {
        "package.json": json.dumps({"name": "shop", "scripts": {"start": "node server.js"},
                                    "dependencies": {"express": "4", "ioredis": "5", "vuex": "4"}}),
        "server.js": "const express = require('express');\nconst Redis = require('ioredis');\n"
                     "const KEYS = {\n  REDIS_VISITS_KEY: 'visits',\n};\n"
                     "const redis = new Redis(process.env['REDIS_URL']);\n"
                     "express().listen(process.env.PORT || 3000);\n",
        "src/store/index.js": "import { createStore } from 'vuex';\n"
                              "export default createStore({ mutations: {\n  SET_REDIS_STATUS(state) {},\n"
                              "  REDIS_LOADED: (state) => state,\n} });\n",
        "src/Status.jsx": "export const Status = () => process.env.REACT_APP_REDIS_HOST;\n",
    })
    assert redis_notes(app_setup(tmp_path)) == [
        "ioredis in package.json: the app connects to Redis, found through REDIS_URL, which nothing here "
        "starts; where it needs one to serve, start one and point the app at 127.0.0.1 in [serve] env"]
    # an environment schema validated at startup is a read of the environment: its keys count
    write(tmp_path, {"env.js": "const Joi = require('joi');\nmodule.exports = Joi.object({\n"
                               "  REDIS_CACHE_URL: Joi.string().uri().required(),\n"
                               "}).validate(process.env);\n"})
    assert "found through REDIS_CACHE_URL, REDIS_URL, which" in redis_notes(app_setup(tmp_path))[0]


@pytest.mark.parametrize(("text", "reads"), [
    ("const url = process.env.MONGO_URL;\n", [("MONGO_URL", 12)]),
    ("db(process.env['DB_HOST'], process.env[\"DB_NAME\"])\n", [("DB_HOST", 3), ("DB_NAME", 27)]),
    # a name of the code's own, a default (with a comma of its own), the rest left out
    ("const { A, B: b, C = pick(1, 2), ...rest } = process.env;\n", [("A", 8), ("B", 11), ("C", 17)]),
    ("let {\n  PGHOST,\n  PGPORT = '5432'\n} = process.env\n", [("PGHOST", 8), ("PGPORT", 18)]),
    # a destructured object that is not the environment; a key named like a variable
    ("const { DB_URL } = config;\nconst keys = { REDIS_KEY: 'k' };\n", []),
])
def test_reads_of_the_environment_in_javascript(text, reads):
    assert js_env_reads(text) == reads


@pytest.mark.parametrize(("config", "port"), [
    # the port exported with a default, PORT destructured (the dashboard), also under another name
    (CONFIG, "PORT"),
    ("const { HTTP_PORT: httpPort } = process.env;\nmodule.exports = { port: httpPort || 8080 };\n",
     "HTTP_PORT"),
    # Redis' port read directly, nested, before the server's: the outermost port is the server's
    ("const { PORT } = process.env;\nmodule.exports = {\n  redis: { port: process.env.REDIS_PORT },\n"
     "  port: PORT || 3000,\n};\n", "PORT"),
])
def test_the_port_a_config_module_exports(tmp_path, config, port):
    dashboard(tmp_path, config)
    assert node_port(tmp_path / "server", root=tmp_path, entry="src/index.js") == (
        None, port, f"server/src/config/index.js reads {port}")


@pytest.mark.parametrize(("server", "port"), [
    ("const { PORT = 8080 } = process.env;\napp.listen(PORT);\n", "PORT"),
    ("const { API_PORT: port } = process.env;\nserver.listen(port, () => {});\n", "API_PORT"),
    ("const { REDIS_PORT, PORT } = process.env;\nconst port = PORT || 3000;\napp.listen(port);\n", "PORT"),
])
def test_a_destructured_port_the_server_listens_on(tmp_path, server, port):
    write(tmp_path, {"index.js": "const app = require('express')();\n" + server})
    assert node_port(tmp_path) == (None, port, f"index.js reads {port}")


def test_a_port_read_in_lower_case_is_passed_in_that_variable(tmp_path):
    # facutk/cra-express-sqlite-fly's api/index.js: `const port = process.env.port || 8080;` then
    # app.listen(port): init said it could not tell the port, and `run`'s PORT would go unread. Environment
    # names are case-sensitive: `port=4321 node index.js` is what makes it listen on 4321.
    write(tmp_path, {"package.json": json.dumps({"name": "api", "scripts": {"start": "node index.js"},
                                                 "dependencies": {"express": "4"}}),
                     "index.js": "const express = require('express');\nconst app = express();\n"
                                 "const port = process.env.port || 8080;\n"
                                 "app.listen(port, () => {\n  console.log(`listening on ${port}`);\n});\n"})
    assert node_port(tmp_path) == (None, "port", "index.js reads port")
    app = app_setup(tmp_path)
    assert app.command == "port={port} npm start"
    portal = "const app = require('express')();\nconst report = process.env.portal;\napp.listen(8080);\n"
    (tmp_path / "index.js").write_text(portal)
    assert node_port(tmp_path) == (8080, "", "index.js: listen(8080)")


def test_a_destructured_port_of_another_name_is_passed_in_that_variable(tmp_path):
    write(tmp_path, {"package.json": json.dumps({"name": "api", "scripts": {"start": "node index.js"},
                                                 "dependencies": {"express": "4"}}),
                     "index.js": "const app = require('express')();\n"
                                 "const { API_PORT: port = 4000 } = process.env;\napp.listen(port);\n"})
    app = app_setup(tmp_path)
    assert app.command == "API_PORT={port} npm start"
    assert ("port", "auto (through API_PORT)", "index.js reads API_PORT") in decided(app)


@pytest.mark.parametrize(("code", "where"), [
    # what the code does with its own name for the value
    ("const { REDIS_PASSWORD } = process.env;\nconnect({ password: REDIS_PASSWORD || undefined });\n",
     "config.js:2"),
    ("const { REDIS_PASSWORD: password } = process.env;\nconnect({ password: password ?? null });\n",
     "config.js:2"),
    ("const { REDIS_PASSWORD = 'dev' } = process.env;\n", "config.js:1"),
    ("const { REDIS_PASSWORD } = process.env;\nconnect({ password: REDIS_PASSWORD });\n", None),
    ("const { REDIS_PASSWORD } = process.env;\nmodule.exports = { REDIS_PASSWORD };\n", None),
    # a fallback in one place and the bare value in another: the app can stop without it
    ("const { REDIS_PASSWORD } = process.env;\nconst a = REDIS_PASSWORD || null;\nauth(REDIS_PASSWORD);\n",
     None),
    # an empty string is no value; only tested says nothing, so the bare use decides
    ("const { REDIS_PASSWORD } = process.env;\nconst a = REDIS_PASSWORD || '';\n", None),
    ("const { REDIS_PASSWORD } = process.env;\nif (!REDIS_PASSWORD) throw new Error('unset');\n"
     "auth(REDIS_PASSWORD);\n", None),
    # never used after: taken as it is, as before
    ("const { REDIS_PASSWORD } = process.env;\n", None),
])
def test_a_destructured_variable_is_defaulted_by_how_the_code_uses_it(tmp_path, code, where):
    write(tmp_path, {"config.js": code})
    assert defaulted_env(tmp_path, ["REDIS_PASSWORD"]).get("REDIS_PASSWORD") == where


def test_a_destructured_secret_with_a_fallback_is_not_taken_without_one(tmp_path):
    write(tmp_path, {"a.js": "const { SESSION_SECRET } = process.env;\n"
                             "session({ secret: SESSION_SECRET || 'x' });\n",
                     "b.js": "const { JWT_SECRET } = process.env;\njwt.sign({}, JWT_SECRET);\n"})
    assert taken_without_default(sorted(tmp_path.glob("*.js")), tmp_path, re.compile("SECRET")) == [
        ("JWT_SECRET", "b.js:2")]


def test_an_orm_config_that_destructures_its_url(tmp_path):
    # drizzle.config.ts taking the URL apart from process.env names it as `process.env.X` would
    write(tmp_path, {
        "package.json": json.dumps({"name": "api", "scripts": {"start": "node index.js"},
                                    "dependencies": {"express": "4", "drizzle-orm": "0.36"}}),
        "index.js": "const app = require('express')();\napp.listen(process.env.PORT || 3000);\n",
        "drizzle.config.ts": "const { PG_URL } = process.env;\nexport default {\n  dialect: 'postgresql',\n"
                             "  dbCredentials: { url: PG_URL! },\n};\n",
    })
    [said] = [n for n in app_setup(tmp_path).all_checks() if "PostgreSQL" in n]
    assert said.startswith('drizzle-orm in package.json (drizzle.config.ts: dialect "postgresql"): the app '
                           "connects to PostgreSQL, found through PG_URL, which")


def test_a_helper_server_on_port_0_is_not_the_apps_port(tmp_path):
    # imputnet/cobalt's API: its internal tunnel listens on port 0 (any free port), the API itself on
    # API_PORT; init said "port: 0 <- api/src/core/itunnel.js: listen(0)". Node's net.Server.listen({ port:
    # 0 }) binds an ephemeral port the system picks, so no one could serve the app there.
    tunnel = "const server = tunnelHandler.listen({ port: 0, host: 'localhost' });\n"
    server = "app.listen(process.env.API_PORT || 9000);\n"
    write(tmp_path, {"src/core/itunnel.js": tunnel, "src/server.js": server})
    assert node_port(tmp_path) == (None, "API_PORT", "src/server.js reads API_PORT")
    (tmp_path / "src" / "server.js").unlink()
    assert node_port(tmp_path) == (None, "", "")
