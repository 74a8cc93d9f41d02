"""The contract test: schemathesis generates requests from the OpenAPI document (or the GraphQL schema)
and checks each answer.

Positive examples only (requests the document allows), so that every
finding is a broken promise of the app, not an argument about invalid
input: server errors (5xx), answers that do not match the documented
schema, status codes and content types the document does not list. Each
operation gets at most ``max_examples`` requests (hypothesis, derandomised:
the same document gives the same requests on every run), the whole test at
most ``max_time``, of which each operation has an even share of what is left
(once it has sent one request: the time an operation leaves goes to those
after it); redirects are never followed, and the requests go only
to the app's URL (whatever the document's ``servers`` say, only their path
is kept). One finding per operation and check, with the shortest request
that showed it as a ``curl`` command.

A GraphQL schema (its introspection result) is tested the same way through
schemathesis's GraphQL support: each field of the query and mutation types
is an operation (``Query.track``), whose generated queries are POSTed to the
endpoint. Two checks apply there (:data:`GRAPHQL_CHECKS`): a 5xx, or an
``errors`` entry schemathesis judges the server's failure (a resolver that
raised: an error with a ``path``, or one labelled ``INTERNAL_SERVER_ERROR``),
is ``not_a_server_error``; an answer that is no GraphQL response, or a null in
a non-null field, is ``response_schema_conformance``. Status codes and content
types are OpenAPI's promises: a GraphQL server answers 200 with its errors in
the body.
"""

from __future__ import annotations

import re
import shlex
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ...errors import InputError, RunError
from ..load.settings import renew_after, token_life
from .settings import ApiSettings, excluded

SEVERITY = {"not_a_server_error": "high", "response_schema_conformance": "medium",
            "status_code_conformance": "medium", "content_type_conformance": "medium", "app_crash": "high"}
RULES = {"not_a_server_error": "api/server-error", "response_schema_conformance": "api/schema-mismatch",
         "status_code_conformance": "api/undocumented-status", "content_type_conformance": "api/content-type",
         "app_crash": "api/app-crash"}
# The check of our own for the request the app gave no answer to, after which it answered none: the app
# stopped serving on it (an unhandled rejection stops Node 15+), the worst a generated request can show.
APP_CRASH = "app_crash"
# The checks that mean something for a GraphQL schema (the other two judge what an OpenAPI document lists).
GRAPHQL_CHECKS = ("not_a_server_error", "response_schema_conformance")
# Headers every request carries on its own: left out of the reproducing command.
_IMPLICIT_HEADERS = frozenset({"user-agent", "accept-encoding", "accept", "connection", "content-length",
                               "x-schemathesis-testcaseid"})


# Fewer generated requests than this (an operation without parameters has one possible request): the last
# one is sent again until there are this many response times, so a p95 never rests on one sample.
MIN_TIMING_SAMPLES = 5
# Answers an authentication layer gives before the handler runs (FastAPI's router dependencies, a
# middleware): their times measure the refusal, not the endpoint, so they are counted and never timed.
REFUSED_STATUSES = frozenset({401, 403})


# A validation layer's answer to input it finds invalid (NestJS's ValidationPipe and express-validator 400,
# FastAPI and Django Ninja 422): given to a request the document allows, it says the validation has a rule
# the document does not state, and the app's own words name the rule.
INVALID_STATUSES = frozenset({400, 422})
_SAID_FIELDS = ("message", "detail", "error", "errors", "msg")


def _said(value: Any, depth: int = 0) -> str:
    """The text of a validation answer's field: a string, the ``msg``/``message`` of an object, or a list
    of those joined with "; " (FastAPI's ``detail``: a list of ``{"loc", "msg"}``)."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dict) and depth < 3:
        return next((t for k in _SAID_FIELDS if (t := _said(value.get(k), depth + 1))), "")
    if isinstance(value, list) and depth < 3:
        return "; ".join(t for t in (_said(v, depth + 1) for v in value[:3]) if t)
    return ""


def refused_as_invalid(body: bytes) -> str:
    """What to add to an undocumented 400/422 answer's finding: the app's words (a JSON body's
    ``message``, ``detail``, ``error`` ..., first 160 characters; a short plain-text body) and why such an
    answer to a request the document allows is a finding. Never raises."""
    import json

    text = body[:4000].decode("utf-8", "replace")
    try:
        said = _said(json.loads(text))
    except ValueError:
        said = text.strip() if len(text) < 160 and "<" not in text else ""
    said = " ".join(said.split())
    said = said if len(said) <= 160 else said[:160] + "..."
    quoted = f'; the app said "{said}"' if said else ""
    return (f"{quoted} (it refused as invalid a request its document allows: its validation has a rule the "
            f"document does not state; state it there (a format, length, pattern) or list this answer)")


# What GraphQL servers say when they refuse a request for want of a login or a permission: Apollo Server's
# and graphql-yoga's codes, and the messages of graphql-jwt's login_required ("You do not have permission to
# perform this action"), Strawberry's permission classes and hand-written checks ("Not logged in!").
_REFUSAL_CODES = frozenset({"UNAUTHENTICATED", "FORBIDDEN", "access-denied"})
_REFUSAL_MESSAGE = re.compile(
    r"\b(?:not (?:logged in|signed in|authenticated|authori[sz]ed)|unauthenticated|unauthori[sz]ed|"
    r"forbidden|(?:authentication|login|sign[- ]in) (?:is )?required|(?:do not|don't) have permission|"
    r"permission denied|access denied)\b", re.I)
# What a login mutation answers a wrong password with (graphql-jwt's tokenAuth: "Please enter valid
# credentials"): its handler's answer to generated credentials, as a REST login's 401 is.
_CREDENTIALS_MESSAGE = re.compile(
    r"\b(?:(?:enter |in)valid credentials|(?:wrong|incorrect|invalid) (?:username|email|password|"
    r"credentials))\b", re.I)


def graphql_refusal(body: bytes) -> str:
    """What a GraphQL answer's *body* says of the request when every error of it is a refusal:
    "refused" (for want of credentials or a permission: labelled ``UNAUTHENTICATED`` or ``FORBIDDEN`` in
    ``extensions.code``, or saying so in its message), "credentials" (a login's answer to a wrong
    password), "" otherwise (no errors, or one that is neither, which is judged as schemathesis judges
    it). An operating system's "[Errno 13] Permission denied" is a resolver's failure. Never raises."""
    import json

    try:
        answer = json.loads(body[:200_000])
    except ValueError:
        return ""
    errors = answer.get("errors") if isinstance(answer, dict) else None
    if not isinstance(errors, list) or not errors:
        return ""
    said = {_refuses(error) if isinstance(error, dict) else "" for error in errors}
    if "" in said:
        return ""
    return "refused" if "refused" in said else "credentials"


def _refuses(error: dict[str, Any]) -> str:
    extensions = error.get("extensions")
    if isinstance(extensions, dict) and extensions.get("code") in _REFUSAL_CODES:
        return "refused"
    message = str(error.get("message", ""))
    if message.startswith("[Errno"):
        return ""
    if _REFUSAL_MESSAGE.search(message):
        return "refused"
    return "credentials" if _CREDENTIALS_MESSAGE.search(message) else ""


# What a server's error says when the app could not reach a host outside it (a REST API it calls): Node's
# resolver and socket errors (node-fetch's "request to https://api.x/v2 failed, reason: getaddrinfo ENOTFOUND
# api.x"), Python's socket.gaierror ("[Errno -2] Name or service not known", "Temporary failure in name
# resolution") and urllib3's NameResolutionError ("Failed to resolve 'api.x'"), an unreachable network.
# Not ECONNREFUSED or a timeout: a database or cache of the app's own that is down says so too.
_UNREACHABLE = re.compile(
    r"\b(?:getaddrinfo (?:ENOTFOUND|EAI_AGAIN)|Name or service not known|Temporary failure in name "
    r"resolution|nodename nor servname provided|Failed to resolve|ENETUNREACH|EHOSTUNREACH|Network is "
    r"unreachable|No route to host)\b")
# The host such an error names: after Node's error code, urllib3's "Failed to resolve 'x'" and its
# "host='x'", or the URL of node-fetch's "request to https://x/... failed".
_UNREACHABLE_HOST = re.compile(r"""(?:(?:ENOTFOUND|EAI_AGAIN) |Failed to resolve '|host='|request to https?://)"""
                               r"""([A-Za-z0-9.-]*[A-Za-z0-9])""")


def unreachable_host(body: bytes, graphql: bool) -> str:
    """The host(s) outside the app that its answer *body* says it could not reach (", "-joined; "another
    host" when the error names none), "" otherwise. A GraphQL answer counts when every error of it says so
    (its message, or the ``code`` of Apollo Server 3's ``extensions.exception``); any other answer (a 5xx)
    when its text says so. Such an answer measures the runner's network, not the app: what a CI runner
    without internet access gets from an app that calls a public API. Never raises."""
    import json

    if graphql:
        try:
            answer = json.loads(body[:200_000])
        except (ValueError, RecursionError):  # an answer nested 100,000 deep raised out of the check
            return ""
        errors = answer.get("errors") if isinstance(answer, dict) else None
        if not isinstance(errors, list) or not errors or not all(isinstance(e, dict) for e in errors):
            return ""
        said = [json.dumps(e.get("message", "")) + json.dumps(e.get("extensions", ""))[:2000] for e in errors]
        if not all(_UNREACHABLE.search(text) for text in said):
            return ""
        text = " ".join(said)
    else:
        text = body[:8000].decode("utf-8", "replace")
        if not _UNREACHABLE.search(text):
            return ""
    hosts = dict.fromkeys(m.group(1) for m in _UNREACHABLE_HOST.finditer(text))
    return ", ".join(list(hosts)[:3]) or "another host"


def _graphql_path(failure: Any) -> str:
    """The field path of a GraphQL failure's first error (``track``, ``tracks.0.title``), "" without one."""
    errors = getattr(failure, "errors", None)
    first = errors[0] if isinstance(errors, list) and errors else None
    path = first.get("path") if isinstance(first, dict) else None
    return ".".join(map(str, path)) if isinstance(path, list) else ""


class _OperationFailed(Exception):  # noqa: N818 - caught by the loop over operations, never shown raw
    """One operation's request got no answer in time: that operation's trouble, not the app's."""


class _TimeUp(BaseException):  # noqa: N818 - a signal, not an error
    """Raised inside the hypothesis test to stop it at the time cap (BaseException: hypothesis lets it
    through instead of shrinking it as a failure)."""


class _ShareUp(_TimeUp):
    """Raised inside the hypothesis test to end one operation at its share of the time cap, once it has
    sent a request: the operations after it get theirs."""


@dataclass
class Problem:
    """One (operation, check) that failed: the shortest reproducing request and what the check said."""

    operation: str
    path: str
    check: str
    message: str
    curl: str
    status: int | None


@dataclass
class ContractOutcome:
    """What the contract test saw: response times per operation (ms), problems, operations not reached
    before the time cap, operations the document defines but schemathesis could not use.

    ``timings`` has a key for every operation that got an answer, with the times of the answers not
    refused by authentication (an empty list when all were); ``refused`` counts, per operation, the
    answers that were (:data:`REFUSED_STATUSES`), which are checked like any other but not timed
    (except the login's own operation's: its 401 or 403 is its handler's answer to generated credentials).
    ``requests`` counts every request sent, refused or not. ``unauthenticated`` lists the operations
    whose 401 or 403, sent without credentials (no login configured), the document does not list: not
    a broken contract (the app asks for credentials the test did not have), so no problem of
    status_code_conformance is recorded for them. ``unreachable`` counts, per operation, the answers
    that said the app could not reach a host outside it (:func:`unreachable_host`, the hosts in
    ``far_hosts``): neither timed nor checked. ``stopped`` says why the test stopped before its end when
    the app gave no answer to a request (connection refused or closed) and none after it: that request is
    an :data:`APP_CRASH` problem, and the operations after it were not tested."""

    timings: dict[str, list[float]] = field(default_factory=dict)
    refused: dict[str, int] = field(default_factory=dict)
    problems: dict[tuple[str, str], Problem] = field(default_factory=dict)
    not_reached: list[str] = field(default_factory=list)
    # The operations their share of the time cap ended before max_examples generated requests, with how
    # many they sent: hypothesis's derandomised requests are the same on every run, so another run that
    # sent as many sent these ones
    cut_short: dict[str, int] = field(default_factory=dict)
    unusable: list[str] = field(default_factory=list)
    unauthenticated: list[str] = field(default_factory=list)
    # The operations an OpenAPI document says need credentials (a `security` requirement, its own or the
    # document's, that none of its alternatives leaves empty); where another operation refused every request
    # with them, only those that also refused one without them (_confirm_secured)
    secured: list[str] = field(default_factory=list)
    unreachable: dict[str, int] = field(default_factory=dict)
    far_hosts: list[str] = field(default_factory=list)
    stopped: str = ""
    requests: int = 0
    # How long the login's token lasts (its JWT's exp), in seconds, when it does not outlast the test's
    # time cap; and how often the test logged in again as it ran out ("" when a new login failed: why)
    token_life: float | None = None
    logins: int = 0
    login_failed: str = ""


def curl_command(request: Any, secret_headers: Mapping[str, str]) -> str:
    """A shell-safe ``curl`` command repeating *request* (a requests.PreparedRequest); the values of
    *secret_headers* (the login's header) are written as ``***``."""
    parts = ["curl", "-X", str(request.method), shlex.quote(str(request.url))]
    secret = {name.lower() for name in secret_headers}
    for name, value in request.headers.items():
        if name.lower() in _IMPLICIT_HEADERS:
            continue
        shown = "***" if name.lower() in secret else value
        parts += ["-H", shlex.quote(f"{name}: {shown}")]
    body = request.body
    if body:
        text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else str(body)
        parts += ["-d", shlex.quote(text)]
    return " ".join(parts)


def target_url(document: Mapping[str, Any], app_url: str) -> str:
    """The app's URL plus the path of the document's first server (``/api/v1`` of
    ``https://example.com/api/v1``), or of a Swagger 2.0 document's ``basePath``: requests go to the app
    under test, never to the document's host."""
    servers = document.get("servers")
    path = ""
    if isinstance(servers, list) and servers and isinstance(servers[0], dict):
        url = str(servers[0].get("url", ""))
        path = urlsplit(url).path if "://" in url else url
    elif "swagger" in document and isinstance(document.get("basePath"), str):
        # Swagger 2.0 has no servers: its paths are relative to basePath (drf-yasg writes the routes'
        # common prefix there, "/api" for paths "/addresses/"...; the logistics portal's 178 requests
        # went to /addresses/, each answered 404, and the phase passed on those)
        path = document["basePath"]
    if "{" in path:  # a templated server path cannot be filled in: use the app's root
        path = ""
    return app_url.rstrip("/") + "/" + path.strip("/") if path.strip("/") else app_url.rstrip("/")


def _load(document: dict[str, Any], where: str, kind: str) -> Any:
    try:
        import schemathesis
    except ImportError:
        raise RunError("api: schemathesis is not installed: pip install 'echotune-ci[api]'") from None

    try:
        if kind == "graphql":
            return schemathesis.graphql.from_dict(document, config=schemathesis.Config())
        return schemathesis.openapi.from_dict(document, config=schemathesis.Config())
    except Exception as exc:  # schemathesis raises its own loader errors; each is the document's fault
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        what = "GraphQL schema" if kind == "graphql" else "OpenAPI document"
        raise InputError(f"{where}: not a usable {what}: {first}") from None


def is_login(method: str, base_url: str, path: str, settings: ApiSettings) -> bool:
    """Whether the operation *method* *path* (a path of the document, under *base_url*'s path) is the
    login's request (``settings.login``: the one whose token the generated requests send)."""
    login = settings.login
    if not login.path or method.upper() != login.method:
        return False
    return urlsplit(base_url).path.rstrip("/") + path == urlsplit(login.path).path


# The last word of an operation that ends the session it is sent with: a logout route (Django's
# LogoutView, Devise's sign_out, NextAuth's signout), a DELETE of the session or token itself
# (nuxt-auth-utils' DELETE /api/_auth/session), graphql-jwt's deleteTokenCookie and revokeToken.
_LOGOUT_WORDS = frozenset({"logout", "signout", "logoff", "signoff", "endsession"})
_SESSION_WORDS = frozenset({"session", "sessions", "token", "tokens", "cookie", "refreshtoken"})


def ends_session(label: str) -> bool:
    """Whether the operation *label* (``POST /api/auth/logout``, ``DELETE /api/_auth/session``,
    ``Mutation.revokeToken``) likely ends the session it is sent with. Such operations are tested after
    all the others, which would otherwise run on a session the app has closed (401s, or the login page)."""
    method, _, rest = label.partition(" ")
    if rest:  # "METHOD /path": the last segment that is no parameter
        words = [s for s in rest.split("?")[0].split("/") if s and not s.startswith(("{", ":"))]
        last = re.sub(r"[^a-z]", "", words[-1].lower()) if words else ""
        return last in _LOGOUT_WORDS or (method == "DELETE" and last in _SESSION_WORDS)
    root, _, name = label.partition(".")
    if root != "Mutation":
        return False
    word = name.lower()
    return (any(word.startswith(w) or word.endswith(w) for w in _LOGOUT_WORDS)
            or (word.startswith(("delete", "revoke", "destroy", "clear")) and any(
                word.endswith(w) for w in _SESSION_WORDS)))


def is_graphql_login(label: str, endpoint: str, settings: ApiSettings) -> bool:
    """Whether the GraphQL operation *label* (``Mutation.tokenAuth``) of the endpoint at path *endpoint*
    is the login's request: a POST to that endpoint whose JSON ``query`` is that mutation
    (``mutation { tokenAuth(username: ..., password: ...) { token } }``)."""
    login = settings.login
    root, _, name = label.partition(".")
    query = login.json.get("query") if isinstance(login.json, dict) else None
    if (not login.path or login.method != "POST" or root != "Mutation" or not isinstance(query, str)
            or urlsplit(login.path).path.rstrip("/") != endpoint.rstrip("/")):
        return False
    # the mutation's first field, after an optional operation name and variables, and an optional alias
    first = re.search(r"^\s*mutation\b[^{]*\{\s*(?:\w+\s*:\s*)?(\w+)", query)
    return first is not None and first.group(1) == name


def _check_functions(names: tuple[str, ...], kind: str) -> list[tuple[str, Callable[..., Any]]]:
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                                   status_code_conformance)

    known = {"not_a_server_error": not_a_server_error,
             "response_schema_conformance": response_schema_conformance,
             "status_code_conformance": status_code_conformance,
             "content_type_conformance": content_type_conformance}
    return [(name, known[name]) for name in names if kind != "graphql" or name in GRAPHQL_CHECKS]


@dataclass
class _Run:
    """The state one contract test shares between its operations."""

    settings: ApiSettings
    base_url: str
    session: Any
    headers: dict[str, str]
    deadline: float
    checks: list[tuple[str, Callable[..., Any]]]
    outcome: ContractOutcome = field(default_factory=ContractOutcome)
    # The operation's last request whose answer was timed: the one sent again to reach MIN_TIMING_SAMPLES.
    last_timed: Any = None
    # True while the operation under test is the login's own: its 401s and 403s answer generated credentials
    # from its handler (a password was checked), so they are timed like any other answer.
    login_operation: bool = False
    # A GraphQL schema's endpoint path (/graphql), where its findings are located; "" for an OpenAPI document.
    endpoint: str = ""
    # When the operation under test has had its share of the time cap, and its generated requests so far
    share_end: float = 0.0
    generated: int = 0
    # The login again, giving new headers, and when (time.monotonic()) its token is due for one: a token
    # shorter-lived than the test (j10ra/fastify-drizzle-postgres signs its access token with expiresIn
    # '5000', 5 seconds) had every request after it refused, read as "a permission [the account] lacks"
    renew: Callable[[], Mapping[str, str]] | None = None
    renew_at: float | None = None
    # The first request of each operation that got an answer through (not 401/403) with the login's
    # credentials: sent again without them to see whether the operation needs them (_confirm_secured)
    answered: dict[str, Any] = field(default_factory=dict)

    def fresh_login(self) -> None:
        """Log in again when the token is due (:func:`renew_after`), once per token."""
        if self.renew is None or self.renew_at is None or time.monotonic() < self.renew_at:
            return
        try:
            self.headers.update(self.renew())
        except RunError as exc:
            # the requests after it go with the old token, and are refused as they were before this
            self.outcome.login_failed, self.renew = str(exc), None
            return
        self.outcome.logins += 1
        life = token_life(self.headers)
        self.renew_at = time.monotonic() + renew_after(life) if life is not None and life > 0 else None

    def label(self, operation: Any) -> tuple[str, str]:
        """The operation's label and the path its findings are located at: ``GET /api/tracks/{id}`` at
        ``/api/tracks/{id}``; a GraphQL field as schemathesis names it, ``Query.track``, at the endpoint."""
        if self.endpoint:
            return str(operation.label), self.endpoint
        return f"{operation.method.upper()} {operation.path}", str(operation.path)

    def probe(self, label: str, path: str, case: Any) -> None:
        """Send one generated request, time it unless authentication refused it (401/403: counted in
        ``outcome.refused`` instead), and run every check on the answer."""
        import requests
        from schemathesis.errors import FailureGroup

        now = time.monotonic()
        # An operation that has sent a request ends at its share, never "not reached": the last one's share
        # ends at the cap itself, and the cap's _TimeUp called a sign-up timed over 4 requests untested
        if self.generated and now > self.share_end:
            raise _ShareUp
        if now > self.deadline:
            raise _TimeUp
        self.fresh_login()
        try:
            response = case.call(base_url=self.base_url, session=self.session, headers=self.headers,
                                 timeout=self.settings.request_timeout, allow_redirects=False)
        except requests.ConnectionError as exc:
            if not self.outcome.stopped:
                # The first request without an answer is the one the app stopped on; hypothesis replays
                # (and shrinks) the failure against an app that is gone, which says nothing more
                self.outcome.stopped = (f"{label}: the request failed ({type(exc).__name__}): is the app at "
                                        f"{self.base_url} still running?")
                sent = exc.request
                said = (f"the app gave no answer ({type(exc).__name__}) to this request and none after it: "
                        "it stopped serving while handling it")
                curl = curl_command(sent, self.headers) if sent is not None else ""
                self._record(Problem(label, path, APP_CRASH, said, curl, None))
            raise RunError(self.outcome.stopped) from None
        except requests.RequestException as exc:
            # A read timeout (one slow endpoint) says nothing of the other operations: the app answers.
            raise _OperationFailed(f"the request failed ({type(exc).__name__}, request_timeout "
                                   f"{self.settings.request_timeout:g}s)") from None
        self.outcome.requests += 1
        timings = self.outcome.timings.setdefault(label, [])
        far = unreachable_host(response.content, bool(self.endpoint)) \
            if self.endpoint or response.status_code >= 500 else ""
        if far:
            # The app's call to a service outside it failed on the runner's network: its time and its
            # error say nothing of the app
            self.outcome.unreachable[label] = self.outcome.unreachable.get(label, 0) + 1
            self.outcome.far_hosts.extend(h for h in far.split(", ") if h not in self.outcome.far_hosts)
            return
        # A GraphQL server refuses in its answer's errors, with a 200 (graphql-jwt's login_required, Apollo's
        # UNAUTHENTICATED): an authentication layer's answer as a 401 is, not a resolver's failure.
        said = graphql_refusal(response.content) if self.endpoint and response.status_code < 500 else ""
        refused = (response.status_code in REFUSED_STATUSES or said == "refused") and not self.login_operation
        if refused:
            self.outcome.refused[label] = self.outcome.refused.get(label, 0) + 1
        else:
            # The server's time (request sent to answer's headers read), not the client's own overhead.
            timings.append(response.elapsed * 1000)
            self.last_timed = case
            self.answered.setdefault(label, case)
        for name, check in self.checks:
            try:
                case.validate_response(response, checks=[check], headers=self.headers)
            except FailureGroup as group:
                if not self._excused(name, label, refused, said):
                    self._record(self._problem(group.exceptions[0], name, label, path, response))

    def _excused(self, check: str, label: str, refused: bool, said: str) -> bool:
        """Whether a failure of *check* on an answer is no finding: a GraphQL answer whose errors refuse
        the request or reject credentials (*said*, :func:`graphql_refusal`) is no server error (schemathesis
        counts any error of a resolver as one); and with no login configured, a 401/403 is the app asking
        for credentials the test never had (as schemathesis run without --auth), so an undocumented one is
        no broken contract. The *refused* operations are listed in ``outcome.unauthenticated`` when no
        login was sent."""
        by_status = check == "status_code_conformance" and refused and not self.headers
        if not (by_status or (check == "not_a_server_error" and said)):
            return False
        if refused and not self.headers and label not in self.outcome.unauthenticated:
            self.outcome.unauthenticated.append(label)
        return True

    def _problem(self, failure: Any, check: str, label: str, path: str, response: Any) -> Problem:
        """The :class:`Problem` schemathesis's *failure* of *check* says, for the answer *response*."""
        lines = (line.strip() for line in str(failure.message).splitlines())
        detail = next((line for line in lines if line), "")
        message = f"{failure.title}: {detail[:200]}" if detail else str(failure.title)
        where = _graphql_path(failure)
        if where:
            message += f" (at {where})"
        if check == "status_code_conformance" and response.status_code in INVALID_STATUSES:
            message += refused_as_invalid(response.content)
        return Problem(label, path, check, message, curl_command(response.request, self.headers),
                       response.status_code)

    def _record(self, problem: Problem) -> None:
        key = (problem.operation, problem.check)
        known = self.outcome.problems.get(key)
        if known is None or len(problem.curl) < len(known.curl):
            self.outcome.problems[key] = problem


def _bounded_test(run: _Run, label: str, path: str, operation: Any) -> Callable[[], None]:
    """A hypothesis test sending at most ``max_examples`` requests for *operation*."""
    from hypothesis import HealthCheck, Phase, given
    from hypothesis import settings as hypothesis_settings
    from schemathesis import GenerationMode

    @hypothesis_settings(max_examples=run.settings.max_examples, deadline=None, database=None,
                         derandomize=True, phases=[Phase.explicit, Phase.generate],
                         suppress_health_check=list(HealthCheck), print_blob=False)
    @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
    def test(case: Any) -> None:
        run.probe(label, path, case)
        run.generated += 1

    return test


def run_contract(document: dict[str, Any], where: str, app_url: str, settings: ApiSettings,
                 headers: Mapping[str, str], progress: Callable[[str], None], *, kind: str = "openapi",
                 max_time: float | None = None,
                 renew: Callable[[], Mapping[str, str]] | None = None) -> ContractOutcome:
    """Test the app at *app_url* against *document* (read from *where*) with schemathesis.

    *kind* says what *document* is: "openapi", or "graphql" (an introspection result; its requests go to
    the endpoint *where*). *max_time* caps this test in seconds (default ``settings.max_time``; the
    phase splits it between an OpenAPI document and a GraphQL schema).
    *headers* go with every request (the login's token); *renew* logs in again, giving new ones, called
    whenever a JSON Web Token among them is near its ``exp`` (:func:`token_life`). Raises InputError
    when schemathesis cannot use the document, RunError when the app cannot be reached (it went away).
    Any other exception an operation provokes (a definition schemathesis rejects while generating, a
    request that timed out) costs that operation only: it is listed in ``unusable`` ("<METHOD path>:
    <reason>") and the test goes on with the next.
    """
    from hypothesis.configuration import set_hypothesis_home_dir

    schema = _load(document, where, kind)
    # A GraphQL schema's operations are all POSTs to its endpoint; an OpenAPI document's go under the app's
    # URL (and its servers' path).
    base_url = where if kind == "graphql" else target_url(document, app_url)
    cap = settings.max_time if max_time is None else max_time
    life = token_life(headers) if renew is not None else None
    run = _Run(settings, base_url, None, dict(headers), time.monotonic() + cap,
               _check_functions(settings.checks, kind),
               endpoint=(urlsplit(where).path or "/") if kind == "graphql" else "", renew=renew,
               renew_at=time.monotonic() + renew_after(life) if life is not None and 0 < life < cap else None)
    run.outcome.token_life = life if run.renew_at is not None else None
    # hypothesis keeps caches in <working folder>/.hypothesis: never in the user's repository.
    with tempfile.TemporaryDirectory(prefix="echotune-api-") as home:
        set_hypothesis_home_dir(home)
        try:
            return _run_operations(schema, run, progress)
        finally:
            set_hypothesis_home_dir(None)


def _run_operations(schema: Any, run: _Run, progress: Callable[[str], None]) -> ContractOutcome:
    import requests

    from ...net.loopback import is_loopback_url

    settings = run.settings
    with requests.Session() as session:
        # Loopback traffic never goes through the environment's proxy (net/loopback.py).
        session.trust_env = not is_loopback_url(run.base_url)
        run.session = session
        operations = []
        for result in schema.get_all_operations():
            try:
                operations.append(result.ok())
            except Exception as exc:  # an operation schemathesis cannot use: the document's problem, named
                run.outcome.unusable.append(str(exc).strip().splitlines()[0] if str(exc).strip() else "?")
        # A logout tested first would leave every later operation a closed session: last, in their order
        operations.sort(key=lambda op: ends_session(run.label(op)[0]))
        operations = [op for op in operations if not excluded(run.label(op)[0], settings.exclude)]
        for number, operation in enumerate(operations):
            label, path = run.label(operation)
            now = time.monotonic()
            if now > run.deadline:
                run.outcome.not_reached.append(label)
                continue
            # Each operation's share of the time left: with the whole cap for whoever came first, the slow
            # sign-up and profile operations of realworld-django-ninja (300-900 ms a request: password
            # hashing) took all 25 s, and the articles and tags a pull request changed were never tested.
            # What an operation leaves of its share goes to those after it.
            run.share_end, run.generated = now + (run.deadline - now) / (len(operations) - number), 0
            progress(f"{label}: up to {settings.max_examples} requests")
            if not run.endpoint and _secured(schema, operation):
                run.outcome.secured.append(label)

            run.last_timed = None
            # A GraphQL login is a mutation of the endpoint, which the login's query names
            run.login_operation = (is_graphql_login(label, run.endpoint, settings) if run.endpoint
                                   else is_login(operation.method, run.base_url, path, settings))
            try:
                try:
                    _bounded_test(run, label, path, operation)()
                except _ShareUp:
                    run.outcome.cut_short[label] = run.generated
                # Bounded: a request answered once may be refused when sent again (a rate limit, a
                # one-time id); none got through: nothing to time, and nothing is sent again.
                for _ in range(MIN_TIMING_SAMPLES):
                    if run.last_timed is None or len(run.outcome.timings[label]) >= MIN_TIMING_SAMPLES:
                        break
                    run.probe(label, path, run.last_timed)
            except _ShareUp:
                pass  # the timing's extra requests, past the share: the generated ones were all sent
            except _TimeUp:
                run.outcome.not_reached.append(label)
            except RunError:
                # the app stopped answering: no operation after this one can be tested either
                if not run.outcome.stopped:
                    raise
                break
            except Exception as exc:  # noqa: BLE001
                # schemathesis raises while generating from a definition it rejects (FastAPI 0.87 on
                # pydantic 1 writes draft-6 "exclusiveMinimum": 0.0 into OpenAPI 3.0): as schemathesis
                # itself does, that operation is reported as not tested and the others still are.
                run.outcome.unusable.append(f"{label}: {_reason(exc)}")
        _confirm_secured(run)
        return run.outcome


def _confirm_secured(run: _Run) -> None:
    """Leave in ``outcome.secured`` only the operations that refuse (401/403) their answered request sent
    again without the login's credentials, where an operation refused every request that had them: the
    warning then reads the others' answers as the login having worked. A document's global ``security``
    covers its public routes too (j10ra/fastify-drizzle-postgres's Swagger 2 ``security: [{BearerAuth:
    []}]`` on its sign-up and login), which answer anyone, so a token the app refused everywhere else was
    called "a permission [the account] lacks, not a login that failed"."""
    import requests

    outcome = run.outcome
    if not run.headers or not any(not samples and outcome.refused.get(label)
                                  for label, samples in outcome.timings.items()):
        return
    kept = []
    for label in outcome.secured:
        case = run.answered.get(label)
        if case is None or outcome.refused.get(label):
            kept.append(label)  # not an operation the warning counts as let through: as it was
            continue
        try:
            response = case.call(base_url=run.base_url, headers={}, timeout=run.settings.request_timeout,
                                 allow_redirects=False)
        except requests.RequestException:
            continue  # unknown: no evidence either way
        if response.status_code in REFUSED_STATUSES:
            kept.append(label)
    outcome.secured = kept


def _secured(schema: Any, operation: Any) -> bool:
    """Whether an OpenAPI *operation* needs credentials: its ``security`` (else the document's) lists
    requirements and none is the empty one (``{}``: credentials optional). OpenAPI 3.1.0, Security
    Requirement Object."""
    raw = getattr(getattr(operation, "definition", None), "raw", None)
    document = getattr(schema, "raw_schema", None)
    required = raw.get("security", document.get("security") if isinstance(document, dict) else None) \
        if isinstance(raw, dict) else None
    return isinstance(required, list) and bool(required) and all(isinstance(r, dict) and r for r in required)


def _reason(exc: BaseException) -> str:
    """One line for *exc*: its type, its message's first line and, for schemathesis's schema errors,
    the first line under "Error details:" (what the definition lacks)."""
    lines = [line.strip() for line in str(exc).splitlines()]
    first = next((line for line in lines if line), "")
    details = ""
    if "Error details:" in lines:
        details = next((line for line in lines[lines.index("Error details:") + 1:] if line), "")
    name = type(exc).__name__
    text = first if isinstance(exc, _OperationFailed) else f"{name}: {first}" if first else name
    return f"{text} ({details[:200]})" if details else text[:300]
