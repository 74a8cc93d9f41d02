"""`echotune-ci init` on Apollo Server 2 and 3, the shape of apollographql/fullstack-tutorial's server
(fixtures of our own): the ``apollo-server`` package's ``new ApolloServer({...})`` and ``server.listen()``,
or an integration's ``server.applyMiddleware({ app, path })``.

What is expected comes from apollo-server 3.8.1's own code and a run of it: ``listen()`` without
arguments calls ``httpServer.listen({ port: 4000 })`` and mounts GraphQL at "/" (a GET of "/" without a
query answered 400, of /graphql too); apollo-server-express's ``getMiddleware`` mounts at ``path``
(``'/graphql'`` by default) and, unless ``disableHealthCheck`` (or the standalone server's
``healthCheckPath: null``), answers ``/.well-known/apollo/server-health`` with 200 ``{"status":"pass"}``.
"""

from __future__ import annotations

import pytest

from test_init_graphql import _init
from test_init_workspaces import write
from echotune_ci.config import load_config
from echotune_ci.project.graphql import graphql_endpoint
from echotune_ci.project.nodeapp import node_port

HEALTH = "/.well-known/apollo/server-health"

STANDALONE = {
    "package.json": ('{"name": "space", "main": "src/index.js", "scripts": {"start": "nodemon src/index.js", '
                     '"start:ci": "node src/index.js"}, "dependencies": {"apollo-server": "^3.8.1", '
                     '"graphql": "^15.5.1", "nodemon": "^1.19.4"}}'),
    "Procfile": "web: node src/index.js\n",
    "src/index.js": """const { ApolloServer } = require('apollo-server');
const typeDefs = require('./schema');
const server = new ApolloServer({ typeDefs, resolvers, introspection: true });
server.listen().then(() => console.log('up'));
""",
}


def test_the_standalone_server_listens_on_4000_with_graphql_at_the_root(tmp_path, cli_env):
    root = write(tmp_path / "space", STANDALONE)
    said = _init(root, cli_env)
    assert "port: 4000  <- src/index.js: apollo-server's listen() without a port listens on 4000" in said
    cfg = load_config(root / "echotune.toml")
    assert cfg.serve.port == 4000 and cfg.serve.ready_url == f"http://127.0.0.1:4000{HEALTH}"
    assert cfg.serve.ready_status == ()  # the health check answers 200
    assert cfg.api.graphql == "/" and cfg.run.phases == ("security", "load", "api")
    assert [(e.method, e.path) for e in cfg.load.endpoints] == [("GET", HEALTH), ("POST", "/")]
    assert [p.path for p in cfg.security.http.pages] == [HEALTH]  # "/" answers 400: no page to score
    assert cfg.frontend.pages == ()


@pytest.mark.parametrize(("listen", "port", "variable"), [
    ("server.listen()", 4000, ""),
    ("server.listen({ port: process.env.PORT || 4000 })", None, "PORT"),
    ("server.listen(5001)", 5001, ""),
])
def test_the_standalone_servers_port(tmp_path, listen, port, variable):
    (tmp_path / "index.js").write_text("const { ApolloServer } = require('apollo-server');\n"
                                       f"const server = new ApolloServer({{ typeDefs }});\n{listen};\n")
    found, var, _ = node_port(tmp_path)
    assert (found, var) == (port, variable)


@pytest.mark.parametrize(("call", "port", "variable"), [
    # @apollo/server 4's startStandaloneServer: `listen ?? { port: 4000 }`
    ("await startStandaloneServer(server);", 4000, ""),
    ("await startStandaloneServer(server, { context: async () => ({}) });", 4000, ""),
    ("await startStandaloneServer(server, { listen: { port: 4001 } });", 4001, ""),
    ("const port = Number(process.env.APP_PORT ?? 4000);\n"
     "await startStandaloneServer(server, { listen: { port } });", None, "APP_PORT"),
])
def test_apollo_4_standalone_port(tmp_path, call, port, variable):
    (tmp_path / "index.js").write_text("import { ApolloServer } from '@apollo/server';\n"
                                       "import { startStandaloneServer } from '@apollo/server/standalone';\n"
                                       f"const server = new ApolloServer({{ typeDefs }});\n{call}\n")
    found, var, _ = node_port(tmp_path)
    assert (found, var) == (port, variable)


def test_an_express_listen_without_a_port_is_no_apollo_default(tmp_path):
    # http.Server.listen() without a port takes any free one: 4000 is apollo-server's own default only
    (tmp_path / "index.js").write_text("const express = require('express');\nconst app = express();\n"
                                       "const server = app.listen();\n")
    assert node_port(tmp_path) == (None, "", "")


@pytest.mark.parametrize(("text", "path", "health"), [
    ("const { ApolloServer } = require('apollo-server');\nconst server = new ApolloServer({ typeDefs });\n"
     "server.listen({ port: process.env.PORT });\n", "/", HEALTH),
    ("import { ApolloServer } from 'apollo-server';\n"
     "const server = new ApolloServer({ typeDefs, healthCheckPath: '/healthz' });\nserver.listen();\n",
     "/", "/healthz"),
    ("import { ApolloServer } from 'apollo-server';\n"
     "const server = new ApolloServer({ typeDefs, healthCheckPath: null });\nserver.listen();\n", "/", ""),
    ("const { ApolloServer } = require('apollo-server-express');\nconst app = express();\n"
     "const server = new ApolloServer({ typeDefs });\nawait server.start();\n"
     "server.applyMiddleware({ app });\napp.listen(process.env.PORT);\n", "/graphql", HEALTH),
    ("import { ApolloServer } from 'apollo-server-express';\n"
     "const server = new ApolloServer({ typeDefs });\n"
     "server.applyMiddleware({ app, path: '/api/graphql', disableHealthCheck: true });\n",
     "/api/graphql", ""),
    ("import { ApolloServer } from 'apollo-server-koa';\nconst server = new ApolloServer({ typeDefs });\n"
     "server.applyMiddleware({ app, path: '/gql' });\n", "/gql", HEALTH),
])
def test_apollo_2_and_3_mounts(tmp_path, text, path, health):
    (tmp_path / "index.js").write_text(text)
    found = graphql_endpoint([tmp_path / "index.js"], tmp_path)
    assert found is not None
    assert (found.path, found.health, found.framework) == (path, health, "Apollo Server")


def test_an_express_app_with_its_own_health_route_keeps_it(tmp_path, cli_env):
    root = write(tmp_path / "tracks", {
        "package.json": ('{"name": "tracks", "scripts": {"start": "node index.js"}, "dependencies": '
                         '{"apollo-server-express": "^3.13.0", "express": "^4.21.0", "graphql": "^16.9.0"}}'),
        "index.js": ("const express = require('express');\n"
                     "const { ApolloServer } = require('apollo-server-express');\n"
                     "const app = express();\napp.get('/health', (req, res) => res.send('ok'));\n"
                     "const server = new ApolloServer({ typeDefs, resolvers });\n"
                     "server.start().then(() => {\n  server.applyMiddleware({ app });\n"
                     "  app.listen(process.env.PORT);\n});\n"),
    })
    said = _init(root, cli_env)
    assert "Apollo Server answers GraphQL at /graphql (applyMiddleware's default path)" in said
    cfg = load_config(root / "echotune.toml")
    assert cfg.api.graphql == "/graphql" and cfg.serve.ready_url.endswith("}/health")
    assert [(e.method, e.path) for e in cfg.load.endpoints] == [("GET", "/health"), ("POST", "/graphql")]


def _cra_client(tmp_path, scripts: str, files: dict[str, str]):
    """A create-react-app client (react-scripts 5) with *scripts* (JSON) and its *files*, under tmp_path."""
    return write(tmp_path / "client", {
        "package.json": f'{{"name": "client", "scripts": {scripts}, "dependencies": {{"react": "^18.2.0", '
                        '"react-scripts": "^5.0.1"}}',
        **files,
    })


def test_a_create_react_app_clients_start_script_is_named_as_its_development_server(tmp_path, cli_env):
    # fullstack-tutorial's client: "start": "react-scripts start" (webpack-dev-server), served as its
    # build; init said "(no start script)" of a package.json that has one
    root = _cra_client(tmp_path, '{"start": "react-scripts start", "build": "react-scripts build"}',
                       {"src/index.tsx": "import React from 'react';\n"})
    said = _init(root, cli_env)
    assert ("package.json (scripts.start, react-scripts start, is the development server: the build is "
            "served)") in said
    assert "no start script" not in said
    command = load_config(root / "echotune.toml").serve.command
    assert command == "npx --yes serve -s build -l tcp://127.0.0.1:{port}"


def test_a_static_clients_call_to_an_api_on_localhost_is_noted(tmp_path, cli_env):
    # fullstack-tutorial's client: `new ApolloClient({ uri: 'http://localhost:4000/graphql' })` in
    # src/index.tsx; served as static files, its pages call a server no run starts
    root = _cra_client(tmp_path, '{"build": "react-scripts build"}', {
        "src/index.tsx": ("import { ApolloClient } from '@apollo/client';\n"
                          "// see http://localhost:3000/docs for the dev server\n"
                          "const client = new ApolloClient({\n  uri: 'http://localhost:4000/graphql',\n});\n"),
        "src/__tests__/api.test.tsx": "fetch('http://localhost:9999/mock');\n",
    })
    _init(root, cli_env)
    text = (root / "echotune.toml").read_text()
    assert "# check: src/index.tsx:4 calls http://localhost:4000/graphql, an API on the developer's" in text
    assert "9999" not in text and "3000/docs" not in text
