"""Where the running app answers GraphQL, read from its sources for ``init``.

The api phase fuzzes a GraphQL schema through schemathesis (introspection of
the endpoint), so ``init`` adds the phase and writes ``[api] graphql`` when
the code mounts a GraphQL server at a literal path. What is read (versions
current in 2026):

- a route registration whose literal path is the mount, with a GraphQL
  handler in the same call: Django's ``path("graphql/", GraphQLView.as_view())``
  (Graphene-Django, Strawberry's Django view), Flask's ``add_url_rule`` (graphql-server),
  Starlette/FastAPI ``app.mount("/graphql", GraphQL(schema))`` (Ariadne,
  Strawberry's ASGI app), Express ``app.use("/graphql", expressMiddleware(server))``
  (Apollo Server 4), ``graphqlHTTP`` (express-graphql), ``createHandler`` (graphql-http);
- any route registration whose literal path names ``graphql``, in a file that
  imports a GraphQL library (the handler made a few lines above);
- Strawberry's ``GraphQLRouter(schema, path=...)`` under ``include_router(...,
  prefix=...)``;
- defaults: graphql-yoga's ``createYoga`` (``graphqlEndpoint``, ``/graphql``),
  Mercurius (``path``, ``/graphql``), NestJS's ``GraphQLModule.forRoot``
  (``path``, ``/graphql``), Apollo Server 4's ``startStandaloneServer`` (``/``);
  Apollo Server 2 and 3: the ``apollo-server`` package's ``server.listen()``
  (``/``, as every path) and an integration's ``server.applyMiddleware({ app,
  path })`` (``apollo-server-express``, ``-koa``...: ``path``, ``/graphql``),
  both with their health check at ``/.well-known/apollo/server-health``
  unless the code turns it off (``healthCheckPath: null``,
  ``disableHealthCheck: true``); Apollo Server 4 has none.

A Django route's path is read under the ``include()`` prefixes above it
(:func:`under_includes`). A mount behind a value the code computes is not guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from dataclasses import replace

from .calltext import call_text, url_join
from .djangourls import UrlConf
from .files import read_text, rel
from .openapi import Served

# Apollo Server 2 and 3's packages for a framework whose server.applyMiddleware({ app }) mounts it
APOLLO_INTEGRATIONS = ("express", "koa", "hapi")
# Apollo Server 2 and 3's health check (apollo-server-express's getMiddleware), which the standalone
# server's listen() and every applyMiddleware() add unless turned off; Apollo Server 4 has none
APOLLO_HEALTH = "/.well-known/apollo/server-health"
# Imported GraphQL server libraries, by the name init reports: Python modules and npm packages.
LIBRARIES = (
    ("graphene_django", "Graphene-Django"), ("strawberry", "Strawberry"), ("ariadne", "Ariadne"),
    ("graphene", "Graphene"), ("graphql_server", "graphql-server"), ("flask_graphql", "Flask-GraphQL"),
    ("@apollo/server", "Apollo Server"), ("apollo-server", "Apollo Server"),
    *((f"apollo-server-{name}", "Apollo Server") for name in APOLLO_INTEGRATIONS),
    ("graphql-yoga", "graphql-yoga"),
    ("express-graphql", "express-graphql"), ("graphql-http", "graphql-http"), ("mercurius", "Mercurius"),
    ("@nestjs/graphql", "NestJS GraphQL"),
)
_IMPORT = re.compile(r"""^\s*(?:from\s+([\w.]+)\s+import|import\s+([\w.]+))|"""
                     r"""(?:from\s*|require\(\s*|import\(\s*)['"]([@\w./-]+)['"]""", re.M)
# The handlers that answer GraphQL, as a route registration names them.
_HANDLER = re.compile(r"\b(?:GraphQLView|AsyncGraphQLView|GraphQLApp|GraphQLRouter|GraphQL|expressMiddleware|"
                      r"graphqlHTTP|createHandler)\b")
# path("graphql/", ...), re_path(r"^graphql/?$", ...), app.mount("/graphql", ...), app.use('/graphql', ...)
_ROUTE = re.compile(r"""(?:\b(?:re_)?path|\.(?:mount|add_route|add_url_rule|route|api_route|post|all|use|"""
                    r"""add_api_route))\(\s*r?(['"`])([^'"`\n]*)\1\s*,""")
# A route's literal as a plain path: a regex's anchors dropped and its optional slash kept (Django's
# "^graphql/?$" answers /graphql/)
_PLAIN = re.compile(r"\^?(/?[\w/.-]*?)(/\?)?\$?")
_KWARG = r"""\b{name}\s*[=:]\s*r?(['"`])([^'"`\n$]*)\1"""


def graphql_endpoint(sources: Iterable[Path], folder: Path) -> Served | None:
    """Where the app's code mounts its GraphQL server (:class:`.openapi.Served`: the path, the file
    that says so, the library, how the path is set), else None. Never raises for a file's content."""
    for path in sources:
        text = read_text(path)
        library = _library(text)
        if library is None:
            continue
        where = rel(path, folder)
        found = (_route(text, where, library) or _router(text, where, library)
                 or _default(text, where, library))
        if found is not None:
            return found
    return None


def under_includes(endpoint: Served | None, urls: UrlConf | None) -> Served | None:
    """*endpoint* with the full path of the Django route it was read at (``where``, ``file:line``), under
    the ``include()`` prefixes above it: ``path("graphql/", ...)`` in ``api/urls.py``, included under
    ``api/``, answers ``/api/graphql/``. As it is without a URLconf or such a route."""
    if endpoint is None or urls is None:
        return endpoint
    route = next((r for r in urls.routes if r.where == endpoint.where and not r.parameters), None)
    if route is None or route.path == endpoint.path:
        return endpoint
    return replace(endpoint, path=route.path, how=f"its route{urls.how(route.path)}")


def _library(text: str) -> str | None:
    """The GraphQL server library *text* imports (its name as init reports it), else None."""
    for m in _IMPORT.finditer(text):
        module = next(g for g in m.groups() if g)
        for name, library in LIBRARIES:
            if module == name or module.startswith((f"{name}.", f"{name}/")):
                return library
    return None


def _route(text: str, where: str, library: str) -> Served | None:
    for m in _ROUTE.finditer(text):
        plain = _PLAIN.fullmatch(m.group(2))
        if plain is None:
            continue  # a path with parameters or a pattern: no GraphQL mount
        rest = call_text(text, text.index("(", m.start()))[m.end() - text.index("(", m.start()):]
        if "graphql" in plain.group(1).lower() or _HANDLER.search(rest):
            # The trailing slash as written: Django's "graphql/" answers a POST to /graphql with an error
            # page (APPEND_SLASH cannot redirect a POST)
            path = url_join(plain.group(1))
            slash = path != "/" and (plain.group(1).endswith("/") or plain.group(2) is not None)
            line = text.count("\n", 0, m.start()) + 1
            return Served(path + ("/" if slash else ""), f"{where}:{line}", library, "its route")
    return None


def _router(text: str, where: str, library: str) -> Served | None:
    """Strawberry's ``GraphQLRouter(schema, path=...)``, under ``include_router(..., prefix=...)``."""
    found = re.search(r"\bGraphQLRouter\(", text)
    if found is None:
        return None
    own = re.search(_KWARG.format(name="path"), call_text(text, found.end() - 1))
    included = re.search(r"\binclude_router\(", text)
    prefix = (re.search(_KWARG.format(name="prefix"), call_text(text, included.end() - 1)) if included
              else None)
    path = url_join(prefix.group(2) if prefix else "", own.group(2) if own else "")
    return Served(path, where, library, "GraphQLRouter's path and include_router's prefix")


def _default(text: str, where: str, library: str) -> Served | None:
    """A library's own mount: graphql-yoga, Mercurius, NestJS's GraphQLModule at /graphql (or their
    option), Apollo Server's standalone server at / (with its health check's path in Apollo Server 2 and
    3, :func:`_apollo2`)."""
    if "startStandaloneServer(" in text:
        return Served("/", where, library, "startStandaloneServer answers at any path")
    apollo = _apollo2(text, where, library)
    if apollo is not None:
        return apollo
    for call, option in (("createYoga(", "graphqlEndpoint"), ("GraphQLModule.forRoot", "path"),
                         ("register(mercurius", "path")):
        at = text.find(call)
        if at < 0:
            continue
        value = re.search(_KWARG.format(name=option), call_text(text, text.index("(", at)))
        if value is None:
            return Served("/graphql", where, library, "its default")
        return Served(url_join(value.group(2)), where, library, option) if value.group(2).startswith("/") \
            else None
    return None


def _apollo2(text: str, where: str, library: str) -> Served | None:
    """Apollo Server 2 or 3: the ``apollo-server`` package's ``new ApolloServer(...)`` whose ``listen()``
    serves GraphQL at "/" (and every path: it mounts at "/"), or an integration's ``applyMiddleware({ app,
    path })`` (``/graphql`` without ``path``); each with the health check both add
    (:data:`APOLLO_HEALTH`, or the standalone server's ``healthCheckPath``) unless turned off. None for
    other code."""
    constructed = re.search(r"\bnew\s+ApolloServer\s*\(", text)
    if constructed is None:
        return None
    middleware = re.search(r"\.applyMiddleware\(", text)
    if middleware is not None:
        call = call_text(text, middleware.end() - 1)
        own = re.search(_KWARG.format(name="path"), call)
        if own is not None and not own.group(2).startswith("/"):
            return None
        off = re.search(r"\bdisableHealthCheck\s*:\s*true\b", call)
        path, how = (url_join(own.group(2)), "applyMiddleware's path") if own else \
            ("/graphql", "applyMiddleware's default path")
        return Served(path, where, library, how, health="" if off else APOLLO_HEALTH)
    if _IMPORT_APOLLO.search(text) is None or not re.search(r"\.listen\(", text):
        return None
    options = call_text(text, constructed.end() - 1)
    custom = re.search(r"""\bhealthCheckPath\s*:\s*(null\b|(['"`])(/[^'"`\n$]*)\2)""", options)
    health = APOLLO_HEALTH if custom is None else "" if custom.group(1) == "null" else custom.group(3)
    return Served("/", where, library, "apollo-server's listen() answers at any path", health=health)


# The standalone package itself (not apollo-server-express, -core ...)
_IMPORT_APOLLO = re.compile(r"""(?:from\s*|require\(\s*|import\(\s*)['"]apollo-server['"]""")
