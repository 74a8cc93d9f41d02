"""`echotune-ci init` recognises a GraphQL endpoint in the app's code: [api] graphql names it, the api
phase joins [run] phases, the load test POSTs a query to it, and a ready URL that is the endpoint is
ready on the 400 a GET without a query gets (Graphene-Django's "Must provide query string").

The Django project is the shape of tnptm/todo_graphql_django_back (Graphene-Django behind csrf_exempt),
with its route one include() down, where the full path is /api/graphql/.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_cli

from test_init_workspaces import write
from echotune_ci.config import load_config
from echotune_ci.project.graphql import graphql_endpoint

REF = "0123456789abcdef0123456789abcdef01234567"

DJANGO = {
    "manage.py": 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "todo_project.settings")\n',
    "requirements.txt": "Django>=4.2\ngraphene-django>=3.0\n",
    "todo_project/__init__.py": "",
    "todo_project/settings.py": ('SECRET_KEY = "x"\nDEBUG = False\nALLOWED_HOSTS = ["127.0.0.1"]\n'
                                 'ROOT_URLCONF = "todo_project.urls"\n'
                                 'INSTALLED_APPS = ["graphene_django", "api"]\n'),
    "todo_project/urls.py": ('from django.urls import include, path\n\n'
                             'urlpatterns = [\n    path("api/", include("api.urls")),\n]\n'),
    "api/__init__.py": "",
    "api/urls.py": ("from django.urls import path\nfrom django.views.decorators.csrf import csrf_exempt\n"
                    "from graphene_django.views import GraphQLView\n\nurlpatterns = [\n"
                    '    path("graphql/", csrf_exempt(GraphQLView.as_view(graphiql=True))),\n]\n'),
}

EXPRESS = {
    "package.json": ('{"name": "tracks", "scripts": {"start": "node index.js"}, "dependencies": '
                     '{"@apollo/server": "^4.11.0", "express": "^4.21.0", "graphql": "^16.9.0"}}'),
    "index.js": ("import { ApolloServer } from '@apollo/server';\n"
                 "import { expressMiddleware } from '@apollo/server/express4';\n"
                 "import express from 'express';\n"
                 "const app = express();\napp.get('/health', (req, res) => res.send('ok'));\n"
                 "const server = new ApolloServer({ typeDefs, resolvers });\nawait server.start();\n"
                 "app.use('/api', express.json(), expressMiddleware(server));\n"
                 "app.listen(process.env.PORT);\n"),
}


def _init(root: Path, cli_env: dict[str, str]) -> str:
    done = run_cli("init", "--dir", str(root), "--ref", REF, env=cli_env)
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


def test_a_graphene_django_endpoint_under_an_include(tmp_path, cli_env):
    root = write(tmp_path / "todo", DJANGO)
    said = _init(root, cli_env)
    assert "api/urls.py:6: Graphene-Django answers GraphQL at /api/graphql/" in said
    cfg = load_config(root / "echotune.toml")
    assert cfg.api.graphql == "/api/graphql/" and cfg.api.openapi == ""
    assert "api" in cfg.run.phases
    assert cfg.serve.ready_url.endswith("/api/graphql/") and cfg.serve.ready_status == (400, 405)
    [endpoint] = cfg.load.endpoints  # no GET of the endpoint, which would count every 400 as an error
    assert (endpoint.method, endpoint.path) == ("POST", "/api/graphql/")
    assert endpoint.json == {"query": "{ __typename }"}


def test_apollo_server_mounted_on_express(tmp_path, cli_env):
    root = write(tmp_path / "tracks", EXPRESS)
    said = _init(root, cli_env)
    assert "index.js:8: Apollo Server answers GraphQL at /api" in said
    cfg = load_config(root / "echotune.toml")
    assert cfg.api.graphql == "/api" and "api" in cfg.run.phases
    assert cfg.serve.ready_url.endswith("/health") and cfg.serve.ready_status == ()
    assert [(e.method, e.path) for e in cfg.load.endpoints] == [("GET", "/health"), ("POST", "/api")]


STANDALONE = {
    "package.json": ('{"name": "books", "type": "module", "scripts": {"start": "node index.js"}, '
                     '"dependencies": {"@apollo/server": "^4.11.0", "graphql": "^16.9.0"}}'),
    "index.js": ("import { ApolloServer } from '@apollo/server';\n"
                 "import { startStandaloneServer } from '@apollo/server/standalone';\n"
                 "const server = new ApolloServer({ typeDefs, resolvers });\n"
                 "await startStandaloneServer(server, { listen: { port: Number(process.env.PORT) } });\n"),
}


def test_apollo_standalone_answers_graphql_at_the_root_which_is_no_page(tmp_path, cli_env):
    # A GET of "/" is a 400 (Apollo's CSRF prevention), or its Sandbox page to a browser: no frontend, no
    # GET of "/" in the load test, and the ready URL "/" is ready on that 400.
    root = write(tmp_path / "books", STANDALONE)
    _init(root, cli_env)
    cfg = load_config(root / "echotune.toml")
    assert cfg.api.graphql == "/"
    assert cfg.run.phases == ("security", "load", "api")
    assert cfg.serve.ready_url.endswith("}/") and cfg.serve.ready_status == (400, 405)
    assert [(e.method, e.path) for e in cfg.load.endpoints] == [("POST", "/")]
    assert cfg.frontend.pages == ()


@pytest.mark.parametrize(("name", "text", "path", "library"), [
    ("urls.py", "from strawberry.django.views import GraphQLView\n"
                'urlpatterns = [re_path(r"^gql/?$", GraphQLView.as_view(schema=schema))]\n',
     "/gql/", "Strawberry"),
    ("main.py", "from strawberry.fastapi import GraphQLRouter\ngraphql_app = GraphQLRouter(schema)\n"
                'app.include_router(graphql_app, prefix="/graphql")\n', "/graphql", "Strawberry"),
    ("main.py", "from strawberry.fastapi import GraphQLRouter\n"
                'app.include_router(GraphQLRouter(schema, path="/gql"), prefix="/v1")\n',
     "/v1/gql", "Strawberry"),
    ("app.py", 'from ariadne.asgi import GraphQL\napp.mount("/graphql", GraphQL(schema, debug=True))\n',
     "/graphql", "Ariadne"),
    ("app.py", "from graphql_server.flask import GraphQLView\n"
               'app.add_url_rule("/graphql", view_func=GraphQLView.as_view("graphql", schema=schema))\n',
     "/graphql", "graphql-server"),
    ("index.js", "import { startStandaloneServer } from '@apollo/server/standalone';\n"
                 "await startStandaloneServer(server, { listen: { port: 4000 } });\n", "/", "Apollo Server"),
    ("index.ts", "import { createYoga } from 'graphql-yoga'\nconst yoga = createYoga({ schema })\n",
     "/graphql", "graphql-yoga"),
    ("index.ts", "import { createYoga } from 'graphql-yoga'\n"
                 "const yoga = createYoga({ schema, graphqlEndpoint: '/api/graphql' })\n",
     "/api/graphql", "graphql-yoga"),
])
def test_graphql_mounts(tmp_path, name, text, path, library):
    (tmp_path / name).write_text(text)
    found = graphql_endpoint([tmp_path / name], tmp_path)
    assert found is not None and (found.path, found.framework) == (path, library)


def test_no_graphql_library_no_endpoint(tmp_path):
    # a route named graphql in an app that imports no GraphQL server is not read as one
    (tmp_path / "app.py").write_text('from flask import Flask\napp = Flask(__name__)\n'
                                     '@app.route("/graphql")\ndef graphql():\n    return "soon"\n')
    assert graphql_endpoint([tmp_path / "app.py"], tmp_path) is None
