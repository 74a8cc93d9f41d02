"""A GraphQL endpoint on 127.0.0.1 (graphql-core, which schemathesis requires) for the api phase's tests.

A small catalogue: ``track(id)`` finds one of two tracks, ``tracks`` lists them, ``addTrack(title)``
makes one. Planted breaks, each switched on by a class attribute of a subclass: ``raise_unknown`` makes
``track`` raise for an id not in the catalogue (a resolver error, answered 200 with an ``errors`` entry
that has a ``path``), ``null_title`` makes ``tracks`` give a track whose non-null ``title`` is null,
``refuse`` makes ``track`` refuse every request without the token of ``login(password: "demo-password")``
as graphql-jwt's ``login_required`` does (an error "You do not have permission to perform this action",
with a path, answered 200; the token goes in ``Authorization: JWT <token>``). ``login`` answers any other
password with graphql-jwt's "Please enter valid credentials". ``upstream_down`` makes ``tracks`` fail as
a resolver whose REST data source cannot be resolved does (node-fetch's words, as Apollo Server 3 relays
them). ``crash`` makes ``addTrack`` stop the server as an unhandled rejection stops Node: no answer to
that request, nor to any after it (``crash_exits``: the process itself exits with code 1).
"""

from __future__ import annotations

import json
import os
from typing import Any, ClassVar

from graphql import build_schema, graphql_sync
from support.api_fake import JsonApi

SDL = """
type Track { id: Int!  title: String! }
type Query { track(id: Int!): Track  tracks: [Track!]! }
type Token { token: String! }
type Mutation { addTrack(title: String!): Track!  login(password: String!): Token }
"""
SCHEMA = build_schema(SDL)
CATALOGUE = {1: "So What", 2: "Blue in Green"}
PASSWORD = "demo-password"
TOKEN = "t0k3n-of-demo"


class GraphQLApi(JsonApi):
    """POST ``path`` runs the query; anything else is 404. Counts the requests per root field it ran."""

    path = "/graphql"
    raise_unknown = False
    null_title = False
    refuse = False
    upstream_down = False
    crash = False
    crash_exits = False
    dead = False
    introspection = True
    fields: ClassVar[dict[str, int]] = {}

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        """Run the JSON body's ``query`` (and ``variables``) against the schema."""
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        if self.path.split("?")[0] != type(self).path:
            self._send(404, {"detail": "not found"})
            return
        query = str(body.get("query", ""))
        if type(self).dead or (self.crash and "addTrack" in query):
            if self.crash_exits:
                os._exit(1)
            type(self).dead = True
            self.close_connection = True  # no answer: the client sees the connection closed
            return
        if "__schema" in query and not self.introspection:
            self._send(400, {"errors": [{"message": "GraphQL introspection is not allowed"}]})
            return
        root = _Root(type(self), self.headers.get("Authorization", ""))
        answer = graphql_sync(SCHEMA, query, root_value=root,
                              variable_values=body.get("variables"))
        out: dict[str, Any] = {"data": answer.data}
        if answer.errors:
            out["errors"] = [error.formatted for error in answer.errors]
        self._send(200, out)


class _Root:
    """The resolvers, as the root value's attributes (graphql-core's default resolver calls them)."""

    def __init__(self, api: type[GraphQLApi], authorization: str) -> None:
        self.api = api
        self.authorization = authorization

    def _count(self, name: str) -> None:
        self.api.fields[name] = self.api.fields.get(name, 0) + 1

    def track(self, _info: Any, id: int) -> dict[str, Any] | None:  # noqa: A002 - the schema's name
        """The track, None when the id is unknown (or KeyError, planted)."""
        self._count("track")
        if self.api.refuse and self.authorization != f"JWT {TOKEN}":
            raise PermissionError("You do not have permission to perform this action")
        if id not in CATALOGUE and not self.api.raise_unknown:
            return None
        return {"id": id, "title": CATALOGUE[id]}

    def tracks(self, _info: Any) -> list[dict[str, Any]]:
        """Every track (one with a null title, planted)."""
        self._count("tracks")
        if self.api.upstream_down:
            raise OSError("request to https://api.catalogue.example/v1/tracks failed, reason: getaddrinfo "
                          "ENOTFOUND api.catalogue.example")
        return [{"id": i, "title": None if self.api.null_title else t} for i, t in CATALOGUE.items()]

    def addTrack(self, _info: Any, title: str) -> dict[str, Any]:  # noqa: N802 - the schema's name
        """A new track (not kept)."""
        self._count("addTrack")
        return {"id": 3, "title": title}

    def login(self, _info: Any, password: str) -> dict[str, str]:
        """The token for the right password; graphql-jwt's refusal for any other."""
        self._count("login")
        if password != PASSWORD:
            raise ValueError("Please enter valid credentials")
        return {"token": TOKEN}
