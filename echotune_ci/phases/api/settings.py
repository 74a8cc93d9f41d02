"""The [api] section, owned by the api phase.

The contract test reads the app's OpenAPI document (``openapi``, else the
first of :data:`DISCOVER_PATHS` the app answers, else the first of
:data:`REPOSITORY_FILES` in the repository) and its GraphQL schema (the
endpoint ``graphql`` names, else the first of :data:`GRAPHQL_PATHS` that
answers an introspection query), and lets schemathesis generate
``max_examples`` requests per operation within ``max_time`` in all. Each
operation's p95 response time is gated by ``budgets.api_p95_ms`` unless
``p95_ms`` says otherwise. ``[[api.flows]]`` are request sequences checked
in order. Login: ``[api.login]`` (the keys of ``[load.login]``); without a
path of its own the phase reuses ``[load.login]``.
"""

from __future__ import annotations

import re

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from ...config.schema import item, seconds, server_url, setting
from ..load.settings import METHODS, LoginSettings, status_codes

if TYPE_CHECKING:  # pragma: no cover
    from ...config import Config

# Where apps commonly publish their document (FastAPI, Express/Flask generators, Spring, Django REST;
# /apispec.json is APIFairy's APIFAIRY_APISPEC_PATH default).
DISCOVER_PATHS = ("/openapi.json", "/swagger.json", "/api/docs/openapi.json", "/api/openapi.json",
                  "/apispec.json")
# Repository files tried (relative to the config file's folder) when the app publishes none.
REPOSITORY_FILES = ("openapi.json", "openapi.yaml", "openapi.yml", "swagger.json", "swagger.yaml",
                    "api/openapi.json", "api/openapi.yaml", "docs/openapi.json", "docs/openapi.yaml",
                    "server/openapi.json")
# Where GraphQL servers are commonly mounted (Strawberry, Graphene-Django, Ariadne, Apollo's Express
# middleware, graphql-yoga's default): each is asked an introspection query.
GRAPHQL_PATHS = ("/graphql", "/graphql/", "/api/graphql")
CHECKS = ("not_a_server_error", "response_schema_conformance", "status_code_conformance",
          "content_type_conformance")


# A step's path may start with a capture that is a path or URL to follow (an answer's "href", a Location)
_LEADING_CAPTURE = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")


def _path(value: str) -> str | None:
    if value.startswith("/") or _LEADING_CAPTURE.match(value):
        return None
    return "must start with '/' (it is joined to the app's URL) or with a capture to follow, such as '{href}'"


# A GraphQL operation as schemathesis labels it: the root type and the field (Query.track, Mutation.addTrack),
# or every field of a root type (Mutation.*)
_GRAPHQL_OPERATION = re.compile(r"[_A-Za-z][_0-9A-Za-z]*\.(?:\*|[_A-Za-z][_0-9A-Za-z]*)")


def _operation(value: tuple[str, ...]) -> str | None:
    for operation in value:
        if _GRAPHQL_OPERATION.fullmatch(operation):
            continue
        method, _, path = operation.partition(" ")
        if method not in METHODS or not path.startswith("/"):
            return (f"'{operation}' is not an operation such as 'POST /api/login', or a GraphQL one such as "
                    f"'Mutation.deleteUser' or 'Mutation.*'")
    return None


def naming(label: str, names: Iterable[str]) -> str | None:
    """The name among *names* (an operation setting's: ``exclude``, ``operation_p95_ms``) that covers the
    operation *label* (``GET /api/tracks/{id}``, ``Query.track``): the label itself, else, for a GraphQL
    one, its root type's ``Mutation.*``, which the settings' check accepts for every one of them."""
    names = set(names)
    if label in names:
        return label
    root, dot, _ = label.partition(".")
    wildcard = f"{root}.*"
    return wildcard if dot and " " not in label and wildcard in names else None


def excluded(label: str, exclude: tuple[str, ...]) -> bool:
    """Whether the operation *label* is in *exclude* (:func:`naming`: ``Mutation.*`` leaves every mutation
    out)."""
    return naming(label, exclude) is not None


@dataclass(frozen=True)
class FlowStep:
    """One request of a flow ([[api.flows.steps]])."""

    name: str = setting("", doc="Name in messages (default: METHOD path).")
    method: str = setting("GET", choices=METHODS, doc="HTTP method.")
    path: str = setting("", required=True, check=_path,
                        doc="Joined to the app's URL; {name} is replaced by an earlier step's capture "
                            "(URL-encoded; one that starts the path, a URL or path to follow, as it is).")
    json: dict[str, Any] | list[Any] | None = setting(None, doc="JSON body ({name} replaced in strings).")
    body: str = setting("", doc="Raw body, sent as it is (e.g. malformed JSON for an error-handling step); "
                                "with an urlencoded Content-Type, {name} is filled URL-encoded.")
    form: Mapping[str, str] = setting({}, doc="Form body, sent as application/x-www-form-urlencoded ({name} "
                                              "replaced): OAuth2's password form.")
    headers: Mapping[str, str] = setting({}, doc="Request headers ({name} replaced).")
    status: tuple[int, ...] = setting((200,), parse=status_codes, doc="Expected status code(s).")
    capture: Mapping[str, str] = setting({}, doc='Values taken from the JSON answer, e.g. { token = '
                                                 '"$.access_token" }, or from a page\'s form field, e.g. '
                                                 '{ csrf = "field:csrf_token" }; usable as {token} in later '
                                                 'steps.')
    refuse_without: str = setting("", doc="A capture this step needs: the step is first sent without it "
                                          "and must be refused (401 or 403).")
    json_error: bool = setting(False, doc="The answer must be a JSON error (a 4xx with a JSON body, no "
                                          "stack trace): for malformed-input steps.")

    @property
    def label(self) -> str:
        """``name``, else ``METHOD path``."""
        return self.name or f"{self.method} {self.path}"


@dataclass(frozen=True)
class Flow:
    """[[api.flows]]: steps checked in order; the first one that fails ends the flow."""

    name: str = setting("", required=True, doc="Name in findings and messages.")
    steps: tuple[FlowStep, ...] = setting((), doc="The requests, in order.")


@dataclass(frozen=True)
class ApiSettings:
    """[api]: the OpenAPI contract test and the integration flows."""

    enabled: bool = setting(True, doc="false: the phase reports nothing.")
    url: str = setting("", check=server_url, doc="The app's URL (default: the app `run` started).")
    openapi: str = setting("", doc="The OpenAPI document: a path on the app (/openapi.json), a URL on the "
                                   "app's host, or a file (relative to the config file); empty: discover.")
    graphql: str = setting("", doc="The GraphQL endpoint: a path on the app (/graphql) or a URL on the app's "
                                   "host, whose schema is read by introspection; empty: discover.")
    contract: bool = setting(True, doc="false: run only the flows.")
    max_examples: int = setting(20, min=1, max=10000, doc="Generated requests per operation (at most).")
    max_time: float = setting(25.0, parse=seconds, min=1, max=3600,
                              doc="Time cap of the whole contract test, e.g. 25s; operations not "
                                  "reached are named in a warning.")
    request_timeout: float = setting(5.0, parse=seconds, min=0.1, max=300, doc="Timeout of one request.")
    checks: tuple[str, ...] = setting(CHECKS, item=item(choices=CHECKS),
                                      doc="schemathesis checks run on each answer.")
    exclude: tuple[str, ...] = setting((), check=_operation,
                                       doc='Operations not generated, e.g. ["POST /api/login"] (a login '
                                           'with a rate limit would lock the account out), or GraphQL ones: '
                                           '["Mutation.deleteUser"], ["Mutation.*"].')
    p95_ms: float | None = setting(None, min=0, doc="Per-operation p95 budget (default budgets.api_p95_ms).")
    operation_p95_ms: Mapping[str, float] = setting(
        {}, item=item(min=0), check=lambda value: _operation(tuple(value)),
        doc='Operation -> its own p95 budget in ms, above p95_ms for the rest: { "POST /api/users" = 1000 } '
            "for a sign-up that hashes a password (Django's PBKDF2 takes about 250 ms by design); "
            '"Mutation.*" for every mutation, as in exclude.')
    allow_hosts: tuple[str, ...] = setting(("127.0.0.1", "localhost", "::1"),
                                           doc="Hosts (fnmatch patterns) that may receive requests; "
                                               "redirects are never followed.")
    login: LoginSettings = setting(LoginSettings(), doc="Same keys as [load.login]; neither path nor basic: "
                                                        "reuse it.")
    flows: tuple[Flow, ...] = setting((), doc="Integration flows, checked in order.")

    def from_config(self, cfg: Config) -> ApiSettings:
        """These settings with ``[load.login]`` as the login when ``[api.login]`` names no path."""
        if self.login.configured or not cfg.load.login.configured:
            return self
        return replace(self, login=cfg.load.login)
