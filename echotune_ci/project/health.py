"""The app's health route with its full path, for ``init``'s ready URL: :func:`find_health`.

A health route is a GET route whose last path segment is a health word
(:data:`HEALTH_WORDS`: ``/health``, ``/healthz``, ``/health-check/``,
``/healthcheck``, ``/livez``, ``/readyz``, ``/ping``, ``/status``...), or, ranked
after those, one check under such a word (``/health/database/``). Real
apps declare it on a router mounted under a prefix, so the prefixes are
followed as far as static reading can:

- Python (read with :mod:`ast`, nothing imported): FastAPI ``APIRouter(prefix=...)``
  and ``include_router(router, prefix=...)``, ``app.mount("/x", sub)``, Flask
  ``Blueprint(..., url_prefix=...)`` and ``register_blueprint(bp,
  url_prefix=...)`` (which replaces the blueprint's own), Django Ninja's ``api.add_router(prefix,
  router)`` (the router or its dotted path) under the ``path("api/", api.urls)`` that mounts the
  NinjaAPI (in the URLconf module that names it, not through an ``include()``). A prefix resolves
  when it is a literal, a module constant (``API_PREFIX = "/api"``), an
  f-string or ``+`` of those, or one level of settings default
  (``settings.API_V1_STR`` where ``settings = Settings()`` and the class
  declares ``API_V1_STR: str = "/api/v1"``), across the app's own imports.
- JavaScript (regular expressions): Express ``app.use('/api', router)`` with the
  router a variable of the file, ``require('./routes/health')`` or an import of
  a file whose ``module.exports`` / ``export default`` is that router; a prefix
  held in a literal constant of the file resolves too. Mounts chain as Express
  lets them: ``Router().use(tags).use(articles)``, ``router.use('/api',
  Router().use(x))``, ``export default Router().use('/api', api)`` and a
  router mounted with no prefix (``app.use(routes)``) are followed as well.
- Django: the routes of the URLconf :mod:`.djangourls` follows from ROOT_URLCONF through its
  ``include()``s, added with their full paths (:meth:`Graph.add_resolved`).

When a health route is found but a prefix cannot be resolved, the answer says
which route, where it is mounted and why the prefix could not be read.
"""

from __future__ import annotations

import ast
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path

from . import pyroots
from .calltext import in_literal, split_top_level
from .files import JS_SUFFIXES, python_module, read_text, rel, resolve_import
from .nestroutes import read_nest_routes
from .pyimports import import_table

# Best first. "ping" and "status" are health routes only at the top or under api/, version, utils,
# control/ (tozo's /control/ping/)...
HEALTH_WORDS = ("health", "healthz", "health-check", "healthcheck", "health_check", "_health", "livez",
                "readyz", "livenessz", "readinessz", "liveness", "readiness", "alive", "ping", "status")
_GENERIC = ("ping", "status")
_NEUTRAL_SEGMENT = re.compile(
    r"^(?:api|v\d+(?:\.\d+)?|utils?|internal|system|meta|monitoring|control|ops|_?health)$", re.I
)
_PY_APPS = {"FastAPI": "app", "Starlette": "app", "Flask": "app", "Quart": "app", "APIRouter": "fastapi",
            "Blueprint": "flask", "Application": "app", "RouteTableDef": "aiohttp"}
# aiohttp: app.router.add_get(path, handler), add_route(method, path, handler); app.add_routes(routes) of a
# web.RouteTableDef() or a list of web.get(path, handler) / web.route(method, path, handler)
_AIOHTTP_ADD = ("add_get", "add_route")
_AIOHTTP_ITEMS = ("get", "route")
_PY_ROUTE_VERBS = ("get", "route", "api_route", "head")
# What asks for a login on a route, a router or a mount: @login_required, Depends(get_current_user),
# isLoggedIn, requireAuth, auth('getUsers'), express-jwt's jwt(...). Too wide rather than too narrow: a
# route taken for guarded is only left out of the load test.
_LOGIN = re.compile(r"auth|login|logged|jwt|token|permission|protect|guard|current_\w*user|superuser|verify|"
                    r"admin|deny|bearer|api_?key|sign_?in|signed_?in|require_?user|ensure_?user|get_\w*user|"
                    r"is_?authenticated", re.I)
# A login a route may do without: the RealWorld apps' auth.optional, get_current_user_optional, passport's
# 'anonymous' strategy; the route answers a visitor too. So does a guard for visitors only, which sends a
# logged-in user away from the login and sign-up pages (bradtraversy/node_passport_login's
# forwardAuthenticated, WebDevSimplified's checkNotAuthenticated, connect-ensure-login's ensureLoggedOut,
# a guestOnly or redirectIfAuthenticated): those pages were taken for pages behind a login.
_OPTIONAL_LOGIN = re.compile(r"optional|anonymous|not_?(?:auth|logged|signed)|forward_?auth|guest|"
                             r"logged_?out|redirect_?if_?(?:auth|logged|signed)|unauth", re.I)
_NAME = re.compile(r"[\w.$]+")
_ANONYMOUS = re.compile(r"""['"`]anonymous['"`]""")


def _names_login(text: str) -> bool:
    """Whether code naming a route's middleware or dependencies (``auth.required``, ``Depends(get_user)``)
    names a login the route cannot do without: a name that says login but not that it is optional, and
    no passport 'anonymous' strategy beside it (``passport.authenticate(['jwt', 'anonymous'])``)."""
    if _ANONYMOUS.search(text):
        return False
    return any(_LOGIN.search(name) and not _OPTIONAL_LOGIN.search(name) for name in _NAME.findall(text))


_PY_ADD_ROUTE = ("add_api_route", "add_url_rule")
# Django Ninja (django-ninja 1.x): a NinjaAPI serves its routers where the URLconf mounts its urls
# (path("api/", api.urls)); a ninja Router's routes answer under api.add_router(prefix, router), the router
# given as itself or as its dotted path ("accounts.api.router"), and router.add_router(prefix, child) nests
# them; auth= on the API, a router, add_router() or an operation asks for a login (auth=None: none).
# ninja_extra's NinjaExtraAPI subclasses it.
# A router class of theirs: Router, ninja.pagination's RouterPaginated; from ninja or ninja_extra and their
# modules. Their operation paths need no leading slash (api.add_router("auth-api", r) and
# @r.post("signup/") answer /auth-api/signup/: ninja joins them with "/").
_NINJA_APIS = frozenset({"NinjaAPI", "NinjaExtraAPI"})
_NINJA_PACKAGES = ("ninja", "ninja_extra")
_PY_BEFORE = ("before_request", "before_app_request")


def health_rank(path: str) -> int | None:
    """The rank of *path* among health routes (0 best), or None when it is no health route."""
    segments = [s for s in path.split("/") if s]
    if len(segments) > 1 and segments[-2].lower() in HEALTH_WORDS and segments[-2].lower() not in _GENERIC \
            and segments[-1].lower() not in HEALTH_WORDS and not _PARAMETER.search(segments[-1]):
        # /health/database/, a DRF HealthViewSet's @action: one check of a health family, after every
        # route that is the health route itself
        return len(HEALTH_WORDS)
    if not segments or segments[-1].lower() not in HEALTH_WORDS:
        return None
    word = segments[-1].lower()
    if word in _GENERIC and not all(_NEUTRAL_SEGMENT.match(s) for s in segments[:-1]):
        return None  # /orders/status is an endpoint of the app, not its health
    return HEALTH_WORDS.index(word)


@dataclass(frozen=True)
class Health:
    """What :func:`find_health` found: the full ``path`` (empty when none or unresolved), the file
    defining the route, how its prefixes resolved (``how``) or why they could not (``unresolved``)."""

    path: str = ""
    source: str = ""
    how: str = ""
    unresolved: str = ""
    route: str = ""  # the path as the route declares it, before the prefixes


@dataclass
class _Router:
    kind: str  # app, fastapi, flask, express
    prefix: str | None
    text: str  # the prefix as written (for reasons)
    where: str
    # its routes need a login: APIRouter(dependencies=[Depends(auth)]), router.use(auth)
    guarded: bool = False


@dataclass
class _Mount:
    parent: tuple[str, str]
    prefix: str | None
    text: str
    where: str
    guarded: bool = False  # app.use('/api', requireAuth, router)


@dataclass
class _Route:
    router: tuple[str, str]
    path: str
    where: str
    guarded: bool = False  # a login decorator, an auth dependency or middleware on the route itself
    needs_input: bool = False  # a view parameter without a default: a query or body it requires
    acts: bool = False  # it answers nothing, run for what it does (emergency-stop): no route to load
    order: int = 0  # its place in the order the framework tries routes in, when that is no file order
    # auth=None on a Django Ninja operation: answered without a login whatever its API or router asks
    public: bool = False


@dataclass
class Graph:
    routers: dict[tuple[str, str], _Router] = field(default_factory=dict)
    mounts: dict[tuple[str, str], list[_Mount]] = field(default_factory=dict)
    routes: list[_Route] = field(default_factory=list)
    # app.use('/api/admin', requireAuth): the router and the path under it that needs a login
    guarded_paths: list[tuple[tuple[str, str], str]] = field(default_factory=list)
    # the line of such a guard in its router's file, when read there: a router mounted on that router
    # above it is not under it (Express and Hono run middleware in the order it is registered)
    guard_lines: dict[tuple[tuple[str, str], str], int] = field(default_factory=dict)
    _guarded: dict[tuple[str, str], bool] = field(default_factory=dict)
    _served: dict[tuple[str, str], bool] = field(default_factory=dict)
    # JavaScript modules no other file imports or requires (:func:`_js_unimported`): an Express router they
    # make and mount nowhere is never served
    unimported: set[str] = field(default_factory=set)
    # @hono/zod-openapi's createRoute() objects: (file, name) -> (METHOD, path, line)
    created_routes: dict[tuple[str, str], tuple[str, str, int]] = field(default_factory=dict)
    # Django Ninja's APIs and routers, whose operation paths may leave out the leading slash
    ninja: set[tuple[str, str]] = field(default_factory=set)

    def served(self, key: tuple[str, str]) -> bool:
        """Whether router *key* is the app or mounted, through some chain of mounts, in the app."""
        if key in self._served:
            return self._served[key]
        self._served[key] = False  # a cycle of mounts leads to no app
        router, mounts = self.routers.get(key), self.mounts.get(key, [])
        found = router is not None and (any(self.served(m.parent) for m in mounts) if mounts
                                        else router.kind == "app")
        self._served[key] = found
        return found

    def mount(self, key: tuple[str, str]) -> _Mount:
        """The mount of router *key* (it has one) that prefixes its routes: the first in the app, since a
        router can also be mounted in another that nothing mounts (``legacy.use('/old', items)`` beside
        ``app.use('/api', items)``), which Express never serves."""
        mounts = self.mounts[key]
        return next((m for m in mounts if self.served(m.parent)), mounts[0])

    def base(self, key: tuple[str, str], seen: frozenset[tuple[str, str]] = frozenset()) -> tuple[
            str | None, list[str], str]:
        """(full prefix of router *key*, the steps that made it, why it could not be resolved)."""
        router = self.routers.get(key)
        mounts = self.mounts.get(key, [])
        if router is None or router.kind == "app" and not mounts:
            # an app's own base path (Hono's basePath('/api')), else none
            return (router.prefix, [f"{router.prefix} ({router.text}, {router.where})"], "") \
                if router is not None and router.prefix else ("", [], "")
        if router.prefix is None:
            return None, [], (f"{router.where} declares its prefix as {router.text}, which static reading "
                              "cannot resolve")
        if not mounts:
            if router.kind == "express" and key[0] in self.unimported:
                # authRouter.ts whose app.use('/auth', authRouter) is commented out: its '/sign-in' is no
                # route of the app's, neither at '/sign-in' nor under a prefix
                return None, [], f"{router.where} declares the router, but no file imports its module"
            if router.kind == "express":
                return "", [], ""  # used without a prefix (app.use(router)) or mounted where we cannot see
            return None, [], (f"{router.where} declares the router but no include_router/register_blueprint "
                              "of it was found")
        mount = self.mount(key)
        if key in seen:
            return None, [], f"{mount.where} includes routers in a cycle"
        above, steps, why = self.base(mount.parent, seen | {key})
        if above is None:
            return None, steps, why
        if mount.prefix is None:
            return None, steps, f"{mount.where} mounts it with prefix {mount.text}, which static reading " \
                                "cannot resolve"
        if router.kind == "flask" and mount.text:  # register_blueprint(url_prefix=...) replaces the own one
            parts = [(mount.prefix, mount.text, mount.where)]
        else:
            parts = [(mount.prefix, mount.text, mount.where), (router.prefix, router.text, router.where)]
        out = above
        for value, text, where in parts:
            if value:
                out = _concat(out, value)
                label = f"{text}, " if text and text.strip("'\"`") != value else ""
                steps.append(f"{value} ({label}{where})")
        return out, steps, ""

    def add_resolved(self, key: tuple[str, str], where: str, routes: list[tuple[str, str, bool]],
                     needs_input: frozenset[str] = frozenset(), acts: frozenset[str] = frozenset()) -> None:
        """Add GET routes whose full paths are known already (Django's URLconf followed through its
        include()s, :mod:`.djangourls`; route files, :mod:`.fileroutes`), as (path,
        "file:line", asks for a login) in the order the framework tries them, under an app *key*
        declared at *where*; those at a path in *needs_input* require a query (no load, no ready URL), those
        in *acts* answer nothing and run for what they do (no load)."""
        self.routers[key] = _Router("app", "", "", where)
        for order, (path, at, login) in enumerate(routes, 1):
            self.routes.append(_Route(key, path, at, guarded=login, needs_input=path in needs_input,
                                      acts=path in acts, order=order))

    def top(self, key: tuple[str, str]) -> tuple[str, str]:
        """The router that router *key*'s mounts (:meth:`mount`) lead up to: the app, or a router nothing
        mounts."""
        seen = {key}
        while self.mounts.get(key) and (parent := self.mount(key).parent) not in seen:
            key = parent
            seen.add(key)
        return key

    def asks(self, route: _Route) -> bool:
        """Whether *route* asks for a login itself or through its router or a mount above it (unless the
        route says it asks for none: :attr:`_Route.public`)."""
        return route.guarded or self.guarded(route.router) and not route.public

    def guarded(self, key: tuple[str, str], seen: frozenset[tuple[str, str]] = frozenset()) -> bool:
        """Whether router *key*, or a router or mount above it, asks for a login (remembered per router:
        routers included under several parents are asked once)."""
        if key in self._guarded:
            return self._guarded[key]
        router = self.routers.get(key)
        found = router is not None and router.guarded or any(
            m.guarded or (m.parent not in seen and self.guarded(m.parent, seen | {key}))
            for m in self.mounts.get(key, []))
        self._guarded[key] = found
        return found


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix.rstrip("/") + "/")


def full_path(prefix: str, path: str) -> str:
    """*path* as a router declares it under the router's full *prefix* ("" for none)."""
    return _concat(prefix, path) if prefix else path


def _concat(prefix: str, path: str) -> str:
    if not path:
        return prefix
    return prefix.rstrip("/") + "/" + path.lstrip("/")


def read_graph(sources: list[Path], root: Path) -> Graph:
    """The routers, mounts and routes of the app's Python and JavaScript *sources* (names relative to
    *root*), for :func:`find_health` and :func:`find_load_routes`. Never raises for a file's content."""
    graph = Graph()
    python = [p for p in sources if p.suffix == ".py"]
    if python:
        _PythonReader(python, root, graph).read()
    scripts = [p for p in sources if p.suffix in JS_SUFFIXES]
    if scripts:
        _read_js(scripts, root, graph)
    return graph


def find_health(sources: list[Path], root: Path, graph: Graph | None = None) -> Health:
    """The best health route of the app whose source files are *sources* (file names relative to *root*).

    Never raises for a file's content: a file that does not parse contributes nothing.
    """
    graph = graph or read_graph(sources, root)
    candidates = sorted(
        ((rank, route) for route in graph.routes if (rank := health_rank(route.path)) is not None),
        key=lambda item: item[0],
    )
    first_unresolved = ""
    resolved: list[tuple[int, int, Health]] = []
    for _, route in candidates:
        prefix, steps, why = graph.base(route.router)
        if prefix is None:
            first_unresolved = first_unresolved or f"{route.where} defines {route.path}, but {why}"
            continue
        full = full_path(prefix, route.path)
        full_rank = health_rank(full)
        if full_rank is None:
            continue  # /status under /orders: the app's own endpoint
        how = f"under {' + '.join(steps)}" if steps else ""
        resolved.append((full_rank, len(resolved), Health(full, route.where.rsplit(":", 1)[0], how,
                                                          route=route.path)))
    if resolved:
        return min(resolved, key=lambda item: (item[0], item[1]))[2]
    return Health(unresolved=first_unresolved)


# Segments of a GET route that is no endpoint to load: it logs in or out, changes state, serves docs,
# files or streams, or is an operator's.
_NOT_LOADED = frozenset({
    "login", "logout", "signin", "signout", "sign-in", "sign-out", "signup", "register", "auth", "oauth",
    "callback", "token", "refresh", "verify", "reset", "seed", "delete", "remove", "clear", "admin", "debug",
    "metrics", "docs", "redoc", "swagger", "openapi.json", "favicon.ico", "robots.txt", "static", "assets",
    "ws", "socket.io", "events", "stream", "sse", "export", "download", "upload", "me", "whoami", "trigger",
    # a payment's steps: saas-starter's GET /api/stripe/checkout completes a Stripe checkout session
    "checkout", "webhook", "webhooks", "stripe",
})
_PARAMETER = re.compile(r"[:{<*$(]")
# ... and words within a segment (change-password, api-docs; not /presets)
_STATEFUL = re.compile(r"(?:^|[-_.])(?:password|passwd|log-?out|sign-?out|delete|remove|reset|docs|swagger|"
                       r"redoc)(?:$|[-_.])", re.I)


@dataclass(frozen=True)
class LoadRoute:
    """A GET route to load: its full ``path`` and where it is declared (``file:line``)."""

    path: str
    where: str


def find_load_routes(sources: list[Path], root: Path, limit: int = 3,
                     graph: Graph | None = None) -> list[LoadRoute]:
    """At most *limit* GET routes of the app (files *sources*, names relative to *root*) worth a load
    test: full paths as far as the prefixes resolve, without parameters, not "/", not health routes
    (:func:`find_health`), none that asks for a login (a decorator, a dependency or middleware that
    names one) or whose path logs in, changes state or serves docs, files or streams; routes under an
    ``api`` segment first, then by file and line. Never raises for a file's content.
    """
    graph = graph or read_graph(sources, root)
    found: dict[str, tuple[LoadRoute, int]] = {}
    guarded_paths = _guarded_paths(graph)
    for route in graph.routes:
        top = graph.routers.get(graph.top(route.router))
        if route.router not in graph.routers or top is not None and top.kind == "express":
            # cache.get('/key'), axios.get('/api'); a router mounted where static reading cannot see, or
            # in one that is (Router().use(admin) that nothing mounts)
            continue
        prefix, _, _ = graph.base(route.router)
        if prefix is None or route.needs_input or route.acts or graph.asks(route):
            continue
        full = full_path(prefix, route.path)
        if prefix and route.path == "/" and Path(route.where.rsplit(":", 1)[0]).suffix in JS_SUFFIXES:
            full = prefix  # Express routes ignore a trailing slash; FastAPI's "/" under a prefix keeps it
        if not loadable(full) or _path_guarded(graph, route, full, guarded_paths):
            continue
        found.setdefault(full, (LoadRoute(full, route.where), route.order))
    def rank(item: tuple[LoadRoute, int]) -> tuple[bool, int, str, int]:
        r, order = item
        file, _, line = r.where.rpartition(":")
        return "api" not in r.path.lower().split("/"), order, file, int(line) if line.isdigit() else 0

    ranked = sorted(found.values(), key=rank)
    return [r for r, _ in ranked[:limit]]


def loadable(full: str) -> bool:
    """Whether a GET route at *full* path is one to load or poll: not "/", no parameter, no health
    route, nothing that logs in or out, changes state or serves docs, files or streams."""
    segments = [s.lower() for s in full.split("/") if s]
    return not (not segments or _PARAMETER.search(full) or "\ufffd" in full or health_rank(full) is not None
                or _NOT_LOADED.intersection(segments) or any(_STATEFUL.search(s) for s in segments))


def asks_login(graph: Graph, path: str) -> bool:
    """Whether a GET route of *graph* at full *path* asks for a login (its own middleware or dependency,
    its router's or a guarded path above it): such a route answers 401 or a redirect to the login, no
    ready URL."""
    guarded_paths = _guarded_paths(graph)
    for route in graph.routes:
        prefix, _, _ = graph.base(route.router)
        if prefix is None or full_path(prefix, route.path).rstrip("/") != path.rstrip("/"):
            continue
        if graph.asks(route) or _path_guarded(graph, route, path, guarded_paths):
            return True
    return False


def full_route(graph: Graph, literal: str) -> str | None:
    """The full path of the GET route the code writes as *literal* (``router.get('/requests/incoming')``
    under ``app.use("/api/applications", router)``), as far as *graph* reads its prefixes: *literal*
    itself when the graph holds no such route, None when it does but its prefix cannot be read."""
    unresolved = False
    for route in graph.routes:
        if route.path.rstrip("/") != literal.rstrip("/"):
            continue
        prefix, _, _ = graph.base(route.router)
        if prefix is not None:
            return full_path(prefix, route.path)
        unresolved = True
    return None if unresolved else literal


def guarded_route(graph: Graph, *, pages_first: bool = False) -> LoadRoute | None:
    """The first GET route of *graph* (by file and line) that asks for a login, with its full path and
    no parameters: it answers 401 or 403 once the app is up, where an API whose every route asks for
    one has nothing else to poll (CollabHub). With *pages_first*, one without an ``api`` segment comes
    first: a session login's pages, not the token API beside them (microblog). None when there is none."""
    guarded_paths = _guarded_paths(graph)
    found: list[tuple[bool, int, LoadRoute]] = []
    for route in graph.routes:
        prefix, _, _ = graph.base(route.router)
        if prefix is None or route.needs_input:
            continue
        full = full_path(prefix, route.path)
        if not loadable(full):
            continue
        if graph.asks(route) or _path_guarded(graph, route, full, guarded_paths):
            api = pages_first and "api" in full.lower().split("/")
            found.append((api, route.order, LoadRoute(full, route.where)))
    return min(found, key=lambda item: item[:2])[2] if found else None


# Segments of a GET route that is no page to audit: it logs out, calls back, streams, serves files or docs,
# or changes state (a login's or a sign-up's form page is one: its form is what a visitor meets first)
_NO_PAGE = frozenset({
    "logout", "signout", "sign-out", "callback", "oauth", "token", "refresh", "seed", "delete", "remove",
    "clear", "debug", "metrics", "docs", "redoc", "swagger", "openapi.json", "favicon.ico", "robots.txt",
    "static", "assets", "ws", "socket.io", "events", "stream", "sse", "export", "download", "upload",
    "trigger", "api"})


def page_candidates(graph: Graph) -> list[tuple[str, str, bool]]:
    """(full path, ``file:line``, behind a login) of each GET route of *graph* that may be a page of the
    app's: no parameter, no health route, nothing of :data:`_NO_PAGE`, not "/"; in the order the code
    declares them, each path once."""
    guarded_paths = _guarded_paths(graph)
    found: dict[str, tuple[str, str, bool]] = {}
    for route in sorted(graph.routes, key=lambda r: r.order):
        prefix, _, _ = graph.base(route.router)
        if prefix is None or route.needs_input:
            continue
        full = full_path(prefix, route.path)
        if prefix and route.path == "/" and Path(route.where.rsplit(":", 1)[0]).suffix in JS_SUFFIXES:
            full = prefix  # Express routes ignore a trailing slash
        segments = [s.lower() for s in full.split("/") if s]
        if not segments or _PARAMETER.search(full) or health_rank(full) is not None \
                or _NO_PAGE.intersection(segments):
            continue
        guarded = graph.asks(route) or _path_guarded(graph, route, full, guarded_paths)
        found.setdefault(full, (full, route.where, guarded))
    return list(found.values())


def root_answers(graph: Graph) -> bool | None:
    """Whether a GET route of *graph* answers at "/" once its prefixes are applied: True when one resolves
    there or a "/" route's prefix cannot be read, False when routes were read and none does (the "/" of
    routers mounted under ``/api/v1/items``), None when no route was read (Django's, say)."""
    if not graph.routes:
        return None
    for route in graph.routes:
        prefix, _, _ = graph.base(route.router)
        if prefix is None:
            if route.path in ("/", ""):
                return True
            continue
        full = full_path(prefix, route.path)
        if not full.strip("/"):
            return True
    return False


def _guarded_paths(graph: Graph) -> list[tuple[str, tuple[str, str], int]]:
    """The full paths under which every route needs a login (``app.use('/admin', requireAuth)``, a
    router's ``router.use('/account', requireAuth)`` under the router's prefix), each with the router it
    was registered on and its line there (0 when unknown)."""
    paths = []
    for key, path in graph.guarded_paths:
        prefix, _, _ = graph.base(key)
        if prefix is not None:
            paths.append((full_path(prefix, path), key, graph.guard_lines.get((key, path), 0)))
    return paths


def _path_guarded(graph: Graph, route: _Route, full: str,
                  guarded: list[tuple[str, tuple[str, str], int]]) -> bool:
    """Whether the route *route* at *full* is under one of the *guarded* paths (:func:`_guarded_paths`)
    whose guard applies to it: not when the route's router was mounted on the guard's router at a line
    above the guard (``app.route('/api', health)`` before ``app.use('/api/*', auth)``: Hono and Express run
    a middleware only for what is registered after it)."""
    for path, key, line in guarded:
        if not _under(full, path):
            continue
        if not line:
            return True
        seen, current, before = {route.router}, route.router, False
        while graph.mounts.get(current):
            mount = graph.mount(current)
            if mount.parent == key:
                mounted_at = mount.where.rpartition(":")[2]
                before = mounted_at.isdigit() and int(mounted_at) < line
                break
            if mount.parent in seen:
                break
            seen.add(mount.parent)
            current = mount.parent
        if not before:
            return True
    return False


# ---------------------------------------------------------------------------- Python


def module_name(path: Path, root: Path) -> str:
    """The dotted module name of Python file *path* under *root* (a package's ``__init__.py``: the
    package), the key :class:`Graph` files its routers under: named from the folder the project's
    packages are imported from (:func:`.pyroots.module_name`), so ``from app.domain import x`` finds
    ``src/py/app/domain``."""
    return pyroots.module_name(path, root)


def python_value(sources: list[Path], root: Path, where: str, expression: str) -> str | None:
    """The string the Python *expression* (source text: ``f"{settings.API_V1_STR}/openapi.json"``) holds
    in the module of file *where* (relative to *root*), as the router prefixes resolve (a literal, a
    module constant, an f-string or ``+`` of those, one level of settings default, across the app's
    imports); None when static reading cannot tell or the text does not parse."""
    try:
        expr = ast.parse(expression.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    reader = _PythonReader([p for p in sources if p.suffix == ".py"], root, Graph())
    reader.declare()
    return reader.value(module_name(root / where, root), expr)


class _PythonReader:
    """One pass over the Python sources: constants, settings classes and instances, imports, routers,
    mounts and routes; names are resolved across modules through the imports."""

    def __init__(self, sources: list[Path], root: Path, graph: Graph) -> None:
        self.root, self.graph = root, graph
        self.trees: dict[str, tuple[ast.Module, str]] = {}
        for path in sources:
            tree = python_module(read_text(path))
            if tree is None:
                continue
            self.trees[module_name(path, root)] = (tree, rel(path, root))
        self.consts: dict[tuple[str, str], ast.expr] = {}
        self.classes: dict[tuple[str, str], dict[str, ast.expr]] = {}
        self.bases: dict[tuple[str, str], list[str]] = {}  # class -> its bases as written
        self.instances: dict[tuple[str, str], str] = {}  # (module, name) -> class name as written
        # function -> the class its return annotation names: settings = get_app_settings() -> AppSettings
        self.returns: dict[tuple[str, str], str] = {}
        self.imports: dict[tuple[str, str], tuple[str, str]] = {}  # local -> (module, name or "")
        self.aliases: dict[str, str] = {}  # module-level name -> its Annotated[..., Depends(...)] as written
        self.guards: list[tuple[str, str]] = []  # blueprints whose before_request asks for a login
        # Django Ninja: the NinjaAPIs, and each path(prefix, api.urls) of the URLconf: (api, prefix, where)
        self.ninja_apis: set[tuple[str, str]] = set()
        self.ninja_urls: list[tuple[tuple[str, str], str | None, str, str]] = []

    def declare(self) -> None:
        """Read each module's imports, constants, classes and instances (what :meth:`value` resolves)."""
        for module, (tree, _) in self.trees.items():
            self._declarations(module, tree)

    def read(self) -> None:
        """Fill the graph."""
        self.declare()
        # CurrentUser = Annotated[User, Depends(get_current_user)]: a parameter typed so asks for a login;
        # SessionDep = Annotated[Session, Depends(get_db)] is injected, no query.
        written = {name: _text(value) for (_, name), value in self.consts.items()}
        self.aliases = {name: text for name, text in written.items() if "Depends(" in text}
        for module, (tree, where) in self.trees.items():
            for node in ast.walk(tree):
                if isinstance(node, ast.Assign | ast.AnnAssign):
                    self._router(module, where, node)
                elif isinstance(node, ast.Call):
                    self._mount(module, where, node)
                elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.decorator_list:
                    self._function(module, where, node)
        for key in self.guards:  # after the walk: the blueprint may be declared below its guard
            if key in self.graph.routers:
                self.graph.routers[key].guarded = True
        for key, prefix, text, at in self.ninja_urls:  # after the walk: urls.py imports the api from api.py
            router = self.graph.routers.get(key)
            if key in self.ninja_apis and router is not None and not router.text:
                # the app's base path; its routes answer below it ("api/" + "users/login")
                router.prefix = None if prefix is None else "/" + prefix.strip("^$").strip("/")
                router.text, router.where = text, at

    def _function(self, module: str, where: str, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        """A view's routes; or a Flask ``@bp.before_request`` that asks for a login (a login decorator, or
        a body that answers 401 or checks ``is_authenticated``): every route of the blueprint then does."""
        for decorator in node.decorator_list:
            if isinstance(decorator, ast.Attribute) and decorator.attr in _PY_BEFORE:
                body = _text(node)
                if _LOGIN.search(body) or "401" in body:
                    key = self._key(module, decorator.value)
                    if key is not None:
                        self.guards.append(key)
                return
        view = _View(node, self.aliases)
        for decorator in node.decorator_list:
            if isinstance(decorator, ast.Call):
                self._route(module, where, decorator, _PY_ROUTE_VERBS, view)

    def _declarations(self, module: str, tree: ast.Module) -> None:
        is_package = self.trees[module][1].endswith("__init__.py")
        # Imports anywhere in the module: a Flask factory imports its blueprints inside create_app().
        for local, bound in import_table(tree, module, is_package).items():
            self.imports.setdefault((module, local), bound)
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                attrs: dict[str, ast.expr] = {}
                for item in node.body:
                    target, value = _assigned(item)
                    if target and value is not None:
                        attrs[target] = value
                self.classes[(module, node.name)] = attrs
                self.bases[(module, node.name)] = [_text(b) for b in node.bases]
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                if isinstance(node.returns, ast.Name):
                    self.returns[(module, node.name)] = node.returns.id
            else:
                target, value = _assigned(node)
                if target and value is not None:
                    self.consts[(module, target)] = value
                    if isinstance(value, ast.Call):
                        name = _callee(value)
                        if name:
                            self.instances[(module, target)] = name
        self._local_instances(module, tree)

    def _local_instances(self, module: str, tree: ast.Module) -> None:
        """A factory's local ``settings = get_app_settings()``, whose ``settings.api_prefix`` prefixes the
        routers (nsidnev/fastapi-realworld-example-app), where the module itself binds no such name."""
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for item in ast.walk(node):
                if isinstance(item, ast.Assign | ast.AnnAssign):
                    target, value = _assigned(item)
                    if target and isinstance(value, ast.Call) and _callee(value):
                        self.instances.setdefault((module, target), _callee(value))

    def _module(self, name: str) -> str | None:
        """A module of the sources named *name* (also when the sources' root is above the package root)."""
        if name in self.trees:
            return name
        ends = [m for m in self.trees if m.endswith("." + name)]
        return ends[0] if len(ends) == 1 else None

    def _symbol(self, module: str, name: str, depth: int = 0) -> tuple[str, str]:
        """Where *name* as seen in *module* is defined: (module, name), or (module, "") for a module."""
        found = self.imports.get((module, name))
        if found is None or depth > 6:
            return module, name
        target, attr = found
        if not attr:
            resolved = self._module(target)
            return (resolved or target), ""
        as_module = self._module(f"{target}.{attr}")
        if as_module is not None:
            return as_module, ""
        source = self._module(target)
        return self._symbol(source, attr, depth + 1) if source else (target, attr)

    def _key(self, module: str, expr: ast.expr) -> tuple[str, str] | None:
        """The (module, name) an expression naming a router refers to: ``router``, ``utils.router``."""
        if isinstance(expr, ast.Name):
            return self._symbol(module, expr.id)
        if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name):
            owner, name = self._symbol(module, expr.value.id)
            if not name:
                return self._symbol(owner, expr.attr)
        return None

    def value(self, module: str, expr: ast.expr | None, depth: int = 0) -> str | None:
        """The string *expr* holds when static reading can tell, else None."""
        if expr is None or depth > 8:
            return None
        if isinstance(expr, ast.Constant):
            return expr.value if isinstance(expr.value, str) else None
        if isinstance(expr, ast.JoinedStr):
            parts = [self.value(module, v.value if isinstance(v, ast.FormattedValue) else v, depth + 1)
                     for v in expr.values]
            return None if any(p is None for p in parts) else "".join(p or "" for p in parts)
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
            left, right = self.value(module, expr.left, depth + 1), self.value(module, expr.right, depth + 1)
            return left + right if left is not None and right is not None else None
        if isinstance(expr, ast.Name):
            owner, name = self._symbol(module, expr.id)
            return self.value(owner, self.consts.get((owner, name)), depth + 1) if name else None
        if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name):
            return self._attribute(module, expr.value.id, expr.attr, depth)
        return None

    def _attribute(self, module: str, owner_name: str, attr: str, depth: int) -> str | None:
        """``settings.API_V1_STR``: a module constant, a class attribute, or an instance's class default."""
        owner, name = self._symbol(module, owner_name)
        if not name:  # a module
            return self.value(owner, self.consts.get((owner, attr)), depth + 1)
        class_name = self.instances.get((owner, name))
        klass = self._symbol(owner, class_name) if class_name else (owner, name)
        returned = self.returns.get(klass)
        if returned:  # an instance a function returns, annotated with its class
            klass = self._symbol(klass[0], returned)
        return self._class_attribute(klass, attr, depth)

    def _class_attribute(self, klass: tuple[str, str], attr: str, depth: int) -> str | None:
        """*attr* of class *klass* or of its bases (``class AppSettings(BaseAppSettings)``)."""
        attrs = self.classes.get(klass)
        if attrs is None or depth > 8:
            return None
        if attr in attrs:
            return self.value(klass[0], attrs[attr], depth + 1)
        for base in self.bases.get(klass, []):
            found = self._class_attribute(self._symbol(klass[0], base), attr, depth + 1)
            if found is not None:
                return found
        return None

    def _router(self, module: str, where: str, node: ast.Assign | ast.AnnAssign) -> None:
        target, value = _assigned(node)
        if not target or not isinstance(value, ast.Call):
            return
        if self._ninja(module, value):
            key = (module, target)
            self.graph.ninja.add(key)
            if _callee(value) in _NINJA_APIS:
                self.ninja_apis.add(key)
            self.graph.routers.setdefault(key, _Router(
                "app" if key in self.ninja_apis else "ninja", "", "", f"{where}:{node.lineno}",
                guarded=_ninja_auth(value.keywords)))
            return
        kind = _PY_APPS.get(_callee(value) or "")
        if kind is None:
            return
        keyword = {"fastapi": "prefix", "flask": "url_prefix"}.get(kind, "")
        given = next((k.value for k in value.keywords if k.arg == keyword), None) if keyword else None
        prefix = "" if given is None else self.value(module, given)
        text = ast.unparse(given) if given is not None else ""
        key = (module, target)
        if key not in self.graph.routers:
            self.graph.routers[key] = _Router(kind, prefix, text, f"{where}:{node.lineno}",
                                              guarded=_asks_login(value.keywords))

    def _ninja(self, module: str, call: ast.Call) -> bool:
        """Whether *call* makes a Django Ninja API (``NinjaAPI(...)``) or router (``Router()`` imported from
        ninja, ``ninja.Router()``): not another framework's ``Router``."""
        name = _callee(call)
        if name not in _NINJA_APIS and not name.startswith("Router"):
            return False
        func = call.func
        if isinstance(func, ast.Name):
            owner = self.imports.get((module, func.id), ("", ""))[0]
        else:
            owner = self.imports.get((module, func.value.id), ("", ""))[0] \
                if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) else ""
        return owner.split(".")[0] in _NINJA_PACKAGES

    def _ninja_mount(self, module: str, where: str, call: ast.Call) -> None:
        """``path("api/", api.urls)`` (``re_path`` too) of a NinjaAPI, and ``add_router(prefix, router)``."""
        func = call.func
        if isinstance(func, ast.Name) and func.id in ("path", "re_path") and len(call.args) > 1:
            urls = call.args[1]
            if isinstance(urls, ast.Attribute) and urls.attr == "urls":
                key = self._key(module, urls.value)
                if key is not None:
                    self.ninja_urls.append((key, self.value(module, call.args[0]), _text(call.args[0]),
                                            f"{where}:{call.lineno}"))
            return
        if not isinstance(func, ast.Attribute) or func.attr != "add_router":
            return
        args = {**dict(zip(("prefix", "router"), call.args, strict=False)),
                **{k.arg: k.value for k in call.keywords if k.arg in ("prefix", "router")}}
        parent, given, child_expr = self._key(module, func.value), args.get("prefix"), args.get("router")
        child = self._key(module, child_expr) if child_expr is not None else None
        dotted = self.value(module, child_expr) if child_expr is not None and child is None else None
        if dotted and "." in dotted:  # api.add_router("/api", "accounts.api.router"): imported by its path
            owner, _, name = dotted.rpartition(".")
            child = (self._module(owner) or owner, name)
        if parent is None or child is None or given is None:
            return
        self.graph.mounts.setdefault(child, []).append(_Mount(
            parent, self.value(module, given), _text(given), f"{where}:{call.lineno}",
            guarded=_ninja_auth(call.keywords)))

    def _mount(self, module: str, where: str, call: ast.Call) -> None:
        func = call.func
        if isinstance(func, ast.Name) or isinstance(func, ast.Attribute) and func.attr == "add_router":
            self._ninja_mount(module, where, call)
            return
        if not isinstance(func, ast.Attribute):
            return
        if func.attr in _PY_ADD_ROUTE:
            self._route(module, where, call, _PY_ADD_ROUTE)
            return
        if func.attr in (*_AIOHTTP_ADD, "add_routes"):
            self._aiohttp(module, where, call, func)
            return
        if func.attr not in ("include_router", "register_blueprint", "mount") or not call.args:
            return
        parent = self._key(module, func.value)
        if func.attr == "mount":
            child_expr: ast.expr | None = call.args[1] if len(call.args) > 1 else next(
                (k.value for k in call.keywords if k.arg == "app"), None)
            given: ast.expr | None = call.args[0]
        else:
            child_expr = call.args[0]
            keyword = "prefix" if func.attr == "include_router" else "url_prefix"
            given = next((k.value for k in call.keywords if k.arg == keyword), None)
        child = self._key(module, child_expr) if child_expr is not None else None
        if parent is None or child is None:
            return
        prefix = "" if given is None else self.value(module, given)
        text = ast.unparse(given) if given is not None else ""
        self.graph.mounts.setdefault(child, []).append(_Mount(parent, prefix, text, f"{where}:{call.lineno}",
                                                              guarded=_asks_login(call.keywords)))

    def _aiohttp(self, module: str, where: str, call: ast.Call, func: ast.Attribute) -> None:
        """aiohttp's routes on an application: ``app.router.add_get(path, handler)`` (also on a function's
        ``app`` parameter, aiohttp-demos' ``setup_routes(app)``, taken for an app without a prefix),
        ``add_route("GET", path, handler)``, and ``app.add_routes(x)`` of a ``web.RouteTableDef()`` or of a
        list of ``web.get(path, handler)``."""
        owner = func.value.value if isinstance(func.value, ast.Attribute) and func.value.attr == "router" \
            else func.value
        key = self._key(module, owner)
        if key is None or not call.args:
            return
        if func.attr in _AIOHTTP_ADD and owner is not func.value:
            self.graph.routers.setdefault(key, _Router("app", "", "", f"{where}:{call.lineno}"))
            self._aiohttp_route(module, where, call, func.attr, key)
        elif func.attr == "add_routes":
            listed = call.args[0]
            if isinstance(listed, ast.List | ast.Tuple):
                self.graph.routers.setdefault(key, _Router("app", "", "", f"{where}:{call.lineno}"))
                for item in listed.elts:
                    if isinstance(item, ast.Call) and isinstance(item.func, ast.Attribute) \
                            and item.func.attr in _AIOHTTP_ITEMS:
                        self._aiohttp_route(module, where, item, item.func.attr, key)
                return
            child = self._key(module, listed)
            if child is not None:
                self.graph.routers.setdefault(key, _Router("app", "", "", f"{where}:{call.lineno}"))
                self.graph.mounts.setdefault(child, []).append(_Mount(key, "", "", f"{where}:{call.lineno}"))

    def _aiohttp_route(self, module: str, where: str, call: ast.Call, verb: str,
                       key: tuple[str, str]) -> None:
        """One GET route of aiohttp's: ``add_get``/``get(path, handler)``, ``add_route``/``route("GET",
        path, handler)`` (``"*"`` answers every method)."""
        args = list(call.args)
        if verb.endswith("route"):
            method = self.value(module, args[0]) if args else None
            if method is None or method.upper() not in ("GET", "*"):
                return
            args = args[1:]
        path = self.value(module, args[0]) if args else None
        if path is None or not path.startswith("/"):
            return
        handler = _text(args[1]) if len(args) > 1 else ""
        self.graph.routes.append(_Route(key, path, f"{where}:{call.lineno}", _names_login(handler), False))

    def _route(self, module: str, where: str, call: ast.Call, verbs: tuple[str, ...],
               view: _View | None = None) -> None:
        func = call.func
        if not isinstance(func, ast.Attribute) or func.attr not in verbs:
            return
        named = (k.value for k in call.keywords if k.arg in ("path", "rule"))
        given = call.args[0] if call.args else next(named, None)
        path = self.value(module, given)
        if func.attr in ("route", "add_url_rule", "api_route"):
            methods = next((k.value for k in call.keywords if k.arg == "methods"), None)
            if methods is not None and "GET" not in ast.unparse(methods).upper():
                return
        key = self._key(module, func.value)
        if path and not path.startswith("/") and key in self.graph.ninja:
            path = "/" + path  # @router.post("signup/") of Django Ninja's: under its prefix, joined by "/"
        # @router.get("") under prefix="/api/items" answers at the prefix itself
        if path is not None and (path.startswith("/") or path == "") and key is not None:
            login = view is not None and view.asks_login or _asks_login(call.keywords) or any(
                k.arg == "view_func" and _names_login(_text(k.value)) for k in call.keywords) or _ninja_auth(
                call.keywords)  # @router.get("/user", auth=TokenAuth()): Django Ninja's operation login
            public = any(k.arg == "auth" and isinstance(k.value, ast.Constant) and k.value.value is None
                         for k in call.keywords)
            self.graph.routes.append(_Route(key, path, f"{where}:{call.lineno}", login,
                                            view is not None and view.needs_input, public=public))


def _text(node: ast.AST) -> str:
    """*node* as written; "" for an expression too deep to write back (a default of 500 terms)."""
    try:
        return ast.unparse(node)
    except (RecursionError, ValueError):
        return ""


def _ninja_auth(keywords: list[ast.keyword]) -> bool:
    """Whether Django Ninja's ``auth=`` among *keywords* asks for a login (``auth=None`` and ``NOT_SET``
    ask for none)."""
    return any(k.arg == "auth" and not (isinstance(k.value, ast.Constant) and k.value.value is None)
               and _text(k.value) != "NOT_SET" for k in keywords)


def _asks_login(keywords: list[ast.keyword]) -> bool:
    """Whether a route's, router's or mount's ``dependencies=[Depends(...)]`` names a login."""
    return any(k.arg == "dependencies" and _names_login(_text(k.value)) for k in keywords)


# Parameters a framework fills in itself (FastAPI, Starlette): a view taking only these needs no query.
_INJECTED = frozenset({"Request", "Response", "WebSocket", "BackgroundTasks", "HTTPConnection", "Session",
                       "AsyncSession", "SecurityScopes"})


class _View:
    """What a route's function says about a request to it: whether it asks for a login (a decorator that
    is not a route, ``@login_required``, ``@token_auth.login_required``, ``@jwt_required()``; a parameter
    ``Depends(get_current_user)``, also through an alias, ``user: CurrentUser``) and whether it needs
    input (a parameter without a default that nothing injects: FastAPI's required query, or a body)."""

    def __init__(self, node: ast.FunctionDef | ast.AsyncFunctionDef, aliases: dict[str, str]) -> None:
        self.asks_login = False
        for decorator in node.decorator_list:
            called = decorator.func if isinstance(decorator, ast.Call) else decorator
            if isinstance(called, ast.Attribute) and called.attr in (*_PY_ROUTE_VERBS, "post", "put"):
                continue
            self.asks_login = self.asks_login or bool(_names_login(_text(decorator)))
        args = [*node.args.posonlyargs, *node.args.args]
        defaults = [*node.args.defaults, *(d for d in node.args.kw_defaults if d is not None)]
        for default in defaults:
            text = _text(default)
            if text.startswith(("Depends(", "Security(")) and _names_login(text):
                self.asks_login = True
        self.needs_input = False
        bare = args[:len(args) - len(node.args.defaults)] + [
            a for a, d in zip(node.args.kwonlyargs, node.args.kw_defaults, strict=True) if d is None]
        for arg in [*args, *node.args.kwonlyargs]:
            annotation = _text(arg.annotation) if arg.annotation is not None else ""
            written = aliases.get(annotation, annotation)
            if "Depends(" in written and _names_login(written):
                self.asks_login = True
            injected = "Depends(" in written or annotation.rsplit(".", 1)[-1] in _INJECTED
            if arg in bare and arg.arg not in ("self", "cls", "request", "req") and not injected:
                self.needs_input = True



def _assigned(node: ast.AST) -> tuple[str, ast.expr | None]:
    """(name, value) of ``name = value`` / ``name: T = value``; ("", None) otherwise."""
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
        return node.targets[0].id, node.value
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return node.target.id, node.value
    return "", None


def _callee(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else ""


# ---------------------------------------------------------------------------- JavaScript

# What makes an app (express(), new Koa(), new Hono()) or a router (express.Router(), koa-router's
# new Router({prefix})), assigned to a name or not: Router().use(tags).use(articles) is a router too.
# TypeScript's type arguments may stand before the call: new Hono<{ Bindings: Env }>(), Router<Ctx>().
_JS_MAKE = re.compile(
    # const router: Router = Router(): a type annotation may stand between the name and "="
    r"(?:\b(?:const|let|var)\s+(\w+)\s*(?::\s*[\w$.<>\[\], |]{1,200}?)?=\s*)?(?<![\w$.])"
    r"(?:(express|fastify|Fastify|polka|new\s+Koa|new\s+(?:OpenAPI)?Hono)|"
    r"(express\s*\.\s*Router|require\(\s*['\"]express['\"]\s*\)\s*\.\s*Router|Router|new\s+Router))"
    r"\s*(?:<[^()\n]{0,200}?>\s*)?\("
)
_JS_PREFIX_OPTION = re.compile(r"""\s*\{[^}]*?\bprefix\s*:\s*['"`]([^'"`]*)['"`]""")
# A module by a relative path or a tsconfig path alias (`from '@api/routes/auth'`); a package's name
# (`from 'express'`) resolves to no file of the app's and is left
_JS_REQUIRE = re.compile(r"""\b(?:const|let|var)\s+(\w+)\s*=\s*require\(\s*['"]([^'"\n]+)['"]\s*\)""")
_JS_IMPORT = re.compile(r"""\bimport\s+(\w+)\s+from\s+['"]([^'"\n]+)['"]""")
# import { healthRouter, api as apiRouter } from './routes' / const { healthRouter } = require('./routes')
_JS_NAMED = re.compile(
    r"""\b(?:import\s*\{([^}]*)\}\s*from\s*|(?:const|let|var)\s*\{([^}]*)\}\s*=\s*require\(\s*)"""
    r"""['"]([^'"\n]+)['"]"""
)
_JS_EXPORT = re.compile(r"\bmodule\.exports\s*=\s*(\w+)|\bexport\s+default\s+(\w+)")
_JS_CONST = re.compile(r"""\b(?:const|let|var)\s+(\w+)\s*=\s*['"`](/[^'"`$]*)['"`]""")
# A name followed by a router method: where a chain of mounts and routes may start (app.use, router\n.get,
# app\n  // comment\n  .use)
_JS_RECEIVER = re.compile(
    r"\b(\w+)(?=(?:\s|//[^\n]{0,500}\n)*\.\s*(?:use|route|get|all|head|post|put|patch|delete|options|openapi)"
    r"\s*[(<])"
)
# The next call of a chain: .use(, .get<Params>(, across lines and // comments
_JS_CALLED = re.compile(r"(?:\s|//[^\n]{0,500}\n)*\.\s*(\w+)\s*(?:<[^>(\n]{0,200}>)?\s*\(")
# The methods of a router that return it, so that a chain goes on after them
_JS_VERBS = frozenset({"use", "get", "all", "head", "post", "put", "patch", "delete", "del", "options",
                       "openapi", "basePath"})
# What a mount may name as the router: require('./x'), a name, koa-router's router.routes()
_JS_REQUIRED = re.compile(r"""require\(\s*['"](\.[^'"\n]{1,200})['"]\s*\)""")
_JS_MOUNTED = re.compile(r"(\w+)(?:\s*\.\s*routes\s*\(\s*\))?")
_JS_PREFIX_TEXT = re.compile(r"[A-Za-z_$][\w$]{0,80}(?:\.[\w$]{1,80}){0,4}")
_JS_PLACEHOLDER = re.compile(r"\$\{\s*(\w+)\s*\}")
_JS_LEADING = re.compile(r"(?:\s|//[^\n]*(?:\n|$)|/\*.*?\*/)*", re.S)
_JS_PLAIN = re.compile(r"[^'\"`()\[\]{},]+")
# Strings as a call's arguments hold them: quotes do not cross a line (an apostrophe in a // comment
# is no string), template literals do.
_JS_STRING = {"'": re.compile(r"'(?:[^'\\\n]|\\.)*'"), '"': re.compile(r'"(?:[^"\\\n]|\\.)*"'),
              "`": re.compile(r"`(?:[^`\\]|\\.)*`", re.S)}
# router.get('/x', ...), router.get<Params, Body>('/x', ...) in TypeScript
_JS_ROUTE = re.compile(r"""\b(\w+)\.(?:get|all|head)(?:<[^>(\n]{0,200}>)?\(\s*(['"`])(/[^'"`\n]{0,200})\2""")
# router.route('/items').get(list).post(create)
_JS_CHAIN = re.compile(r"""\b(\w+)\s*\.route\(\s*(['"`])(/[^'"`\n]{0,200})\2\s*\)""")
_JS_CHAINED_CALL = re.compile(r"\s*\.(\w+)\(")
# A router's middleware for all its routes: router.use(auth) (not app.use('/api', router): a mount)
_JS_USE_ALL = re.compile(r"""\b(\w+)\.use\(\s*([A-Za-z_][^;\n]{0,200})""")
# app.use('/api/admin', requireAuth): every route under the path needs a login
_JS_USE_GUARD = re.compile(r"""\b(\w+)\.(?:use|all)\(\s*(['"`])(/[^'"`\n]{0,200})\2\s*,([^;\n]{0,200})""")
# The app's own middleware that makes every route below it ask for a login: passport.authenticate(...),
# express-jwt's jwt({...}), requireAuth, isAuthenticated, verifyToken.
_JS_APP_GUARD = re.compile(r"\s*(?:passport\.authenticate|(?:express)?[jJ]wt\(|require_?[aA]uth|"
                           r"is_?[aA]uthenticated|ensure_?[aA]uthenticated|verify_?[tT]oken|authenticate\b)")
# app.use(authRouter): a router mounted without a prefix, not a guard
_JS_ROUTER_NAME = re.compile(r"\s*(?:require\(|\w*(?:router|routes|api|controller)\s*\))", re.I)
# Where a route's handler starts, ending its middleware arguments
_JS_HANDLER = re.compile(r"=>|\bfunction\b")
# A file that registers its routes on the app it is handed: module.exports = app => {...} (or function (app),
# export default (app: Express) => ...), called as require('./routes/tutorial.routes')(app)
_JS_TYPE = r"(?:\s*:\s*[\w$.<>\[\]]{1,80})?"
_JS_EXPORTED_FN = re.compile(
    r"(?:\bmodule\.exports|\bexport\s+default)\s*=?\s*(?:async\s+)?(?:function\s*[\w$]*\s*\(\s*([\w$]+)"
    + _JS_TYPE + r"\s*[,)]|\(\s*([\w$]+)" + _JS_TYPE + r"\s*[,)][^=;]{0,200}?=>|([\w$]+)\s*=>)")
# export function registerRoutes(app: App) {...}, export const registerRoutes = (app) => ...: by name
_JS_EXPORTED_NAMED_FN = re.compile(
    r"\bexport\s+(?:async\s+)?function\s+([\w$]+)\s*(?:<[^>(]{0,200}>)?\s*\(\s*([\w$]+)" + _JS_TYPE
    + r"\s*[,)]|"
    r"\bexport\s+const\s+([\w$]+)\s*=\s*(?:async\s*)?\(\s*([\w$]+)" + _JS_TYPE + r"\s*[,)][^=;]{0,200}?=>")
_JS_HANDED = re.compile(r"""require\(\s*['"](\.[^'"\n]{1,200})['"]\s*\)\s*\(\s*([\w$]+)\s*[,)]""")
_JS_CALLED_WITH = re.compile(r"(?<![\w$.])([\w$]+)\(\s*([\w$]+)\s*[,)]")
# [{ path: '/auth', route: authRoute }, ...].forEach((route) => { router.use(route.path, route.route) })
_JS_EACH_USE = re.compile(
    r"\b([\w$]+)\s*\.\s*forEach\(\s*(?:\(\s*([\w$]+)\s*\)|([\w$]+))\s*=>\s*\{?\s*([\w$]+)\s*\.\s*use\(\s*"
    r"([\w$]+)\s*\.\s*([\w$]+)\s*,\s*([\w$]+)\s*\.\s*([\w$]+)\s*\)")
_JS_OBJECT = re.compile(r"\{([^{}]{1,500})\}")
# Hono: a function that makes an app (OpenAPIHono's createRouter() { return new OpenAPIHono(...) }, a
# createApp() returning one that createRouter() made), as `function name(...) {` or `const name = (...) =>`
_JS_FUNCTION = re.compile(r"\bfunction\s+([\w$]+)\s*(?:<[^>(]{0,200}>)?\s*\(|"
                          r"\b(?:const|let|var)\s+([\w$]+)\s*(?::[^=\n]{1,200})?=\s*(?:async\s*)?"
                          r"(?:\([^()]{0,300}\)|[\w$]+)\s*(?::[^=\n]{1,200})?=>")
_JS_BASE_PATH = re.compile(r"""(?:\s|//[^\n]{0,500}\n)*\.\s*basePath\(\s*(['"`])(/[^'"`$\n]{0,200})\1\s*\)""")
# @hono/zod-openapi: const name = createRoute({ method: "get", path: "/users/{id}", ... })
_JS_CREATE_ROUTE = re.compile(r"\b(?:const|let|var)\s+([\w$]+)\s*=\s*createRoute\(")
_JS_ROUTE_FIELD = re.compile(r"""\b(method|path)\s*:\s*(['"`])([^'"`\n]{1,200})\2""")
_JS_NAMESPACE = re.compile(r"""\bimport\s*\*\s*as\s+([\w$]+)\s+from\s*['"]([^'"\n]+)['"]""")
# for (const route of routes) { app.route('/api', route) }; routes.forEach((r) => app.route('/api', r))
_JS_FOR_MOUNT = re.compile(
    r"\bfor\s*\(\s*(?:const|let|var)\s+([\w$]+)\s+of\s+([\w$]+)\s*\)\s*\{?\s*([\w$]+)\s*\.\s*(?:route|use)"
    r"\(\s*(['\"`])(/[^'\"`\n]{0,200})\4\s*,\s*([\w$]+)\s*\)|"
    r"\b([\w$]+)\s*\.\s*forEach\(\s*\(?\s*([\w$]+)\s*\)?\s*=>\s*\{?\s*([\w$]+)\s*\.\s*(?:route|use)"
    r"\(\s*(['\"`])(/[^'\"`\n]{0,200})\10\s*,\s*([\w$]+)\s*\)")
_JS_FIELD = re.compile(r"""([\w$]+)\s*:\s*(?:(['"`])([^'"`\n]*)\2|([\w$]+))""")


def _resolve_js(file: Path, spec: str, root: Path) -> Path | None:
    found = resolve_import(file, spec, root)
    return found.resolve() if found else None


def _read_js(sources: list[Path], root: Path, graph: Graph) -> None:
    texts = {p.resolve(): read_text(p) for p in sources}
    exported: dict[str, str] = {}
    made: dict[str, dict[int, tuple[str, int]]] = {}
    makers = _hono_makers(texts)
    graph.created_routes = _created_routes(texts)
    for path, text in texts.items():
        file = str(path)
        made[file] = _js_makers(text, _Lines(text), file, rel(path, root), graph, makers)
        match = _JS_EXPORT.search(text)
        if match:
            # export default Router().use('/api', api): the router that call makes, not "Router"
            at = match.start(1) if match.group(1) else match.start(2)
            exported[file] = made[file][at][0] if at in made[file] else match.group(1) or match.group(2)
    _js_handed(texts, root, graph)
    graph.unimported = _js_unimported(texts)
    for path, text in texts.items():
        _JsMounts(path, text, root, graph, exported, made[str(path)], made).read()
        _js_routes(path, text, root, graph)
    read_nest_routes(texts, root, graph)


# The module an import names: `from './auth/authRouter'`, require("../routes/auth.js"), import('./x'),
# `import './register'`, and a path alias's (`from '@api/modules/auth/authRouter'`, tsconfig's paths)
_JS_SPECIFIER = re.compile(r"""(?:\bfrom\s*|\brequire\(\s*|\bimport\(\s*|\bimport\s+)"""
                           r"""['"`]([^'"`\n]{1,300})['"`]""")
# A module loaded by a name computed at run time (require(`./routes/${file}`), readdirSync over a folder of
# routers): any module may be imported so
_JS_DYNAMIC = re.compile(r"""\b(?:require|import)\(\s*(?!['"][^'"`\n]*['"]\s*\))|"""
                         r"""\breaddirSync\b|\bglob\w*\(""")
_JS_MODULE_SUFFIX = re.compile(r"\.(?:[cm]?[jt]s|[jt]sx)$")


def _js_unimported(texts: dict[Path, str]) -> set[str]:
    """The files of *texts* that no other file imports or requires, by the last segment of what an import
    names (aliases are not resolved: ``@api/modules/auth/authRouter`` counts for every ``authRouter.ts``;
    a folder's name for its ``index``). Empty when a file loads modules by a computed name, which could be
    any of them."""
    named: dict[Path, set[str]] = {}
    for path, text in texts.items():
        if _JS_DYNAMIC.search(text):
            return set()
        named[path] = {_JS_MODULE_SUFFIX.sub("", spec.rstrip("/").rsplit("/", 1)[-1])
                       for spec in _JS_SPECIFIER.findall(text)}
    out = set()
    for path in texts:
        stem = _JS_MODULE_SUFFIX.sub("", path.name)
        name = path.parent.name if stem == "index" else stem
        if not any(name in names for other, names in named.items() if other != path):
            out.add(str(path))
    return out


def _js_handed(texts: dict[Path, str], root: Path, graph: Graph) -> None:
    """A file exporting a function that registers routes on the router it is handed
    (``module.exports = app => { app.use('/api/tutorials', router) }``, bezkoder's Express tutorials)
    called with a router of another file (``require('./routes/tutorial.routes')(app)``, or an imported
    name called so): the parameter is that router, mounted without a prefix. Unread, the file's router
    was taken as mounted at "/" and its ``router.get('/')`` as the app's root. A function exported by name
    (``export function registerFeatureRoutes(app) { app.route('/api/v1', health) }``) counts when a named
    import of it is called so."""
    params: dict[tuple[str, str], str] = {}  # (file, exported name; "default") -> its parameter
    for path, text in texts.items():
        m = _JS_EXPORTED_FN.search(text)
        if m is not None:
            params[(str(path), "default")] = m.group(1) or m.group(2) or m.group(3)
        for named in _JS_EXPORTED_NAMED_FN.finditer(text) if "export" in text else ():
            params.setdefault((str(path), named.group(1) or named.group(3)), named.group(2) or named.group(4))
    if not params:
        return
    for path, text in texts.items():
        imported = {m.group(1): (m.group(2), "default")
                    for m in [*_JS_REQUIRE.finditer(text), *_JS_IMPORT.finditer(text)]}
        for m in _JS_NAMED.finditer(text):
            for item in (m.group(1) or m.group(2) or "").split(","):
                parts = re.split(r"\s+as\s+|\s*:\s*", item.strip())
                if parts[0]:
                    imported.setdefault(parts[-1], (m.group(3), parts[0]))
        calls = [(m.start(), m.group(1), "default", m.group(2)) for m in _JS_HANDED.finditer(text)]
        calls += [(m.start(), *imported[m.group(1)], m.group(2)) for m in _JS_CALLED_WITH.finditer(text)
                  if m.group(1) in imported]
        for at, spec, exported, name in calls:
            parent = (str(path), name)
            target = _resolve_js(path, spec, root)
            param = params.get((str(target), exported)) if target is not None else None
            if param is None or target is None or parent not in graph.routers or _commented(text, at):
                continue
            child = (str(target), param)
            where = f"{rel(path, root)}:{_line(text, at)}"
            graph.routers.setdefault(child, _Router("express", "", "", rel(target, root)))
            graph.mounts.setdefault(child, []).append(_Mount(parent, "", "", where))


def _function_body(text: str, at: int) -> str:
    """The body of the function whose definition ends its parameters before offset *at*: the braces that
    follow (to their match, strings stepped over: :func:`arguments_text`; at most 5,000 characters), or an
    arrow's expression to the end of its line."""
    brace = re.compile(r"\s*(?::[^{=\n]{1,200})?\s*\{").match(text, at)
    if brace is None:
        return text[at:text.find("\n", at) if "\n" in text[at:] else len(text)]
    return arguments_text(text, brace.end(), whole=True, limit=5000)


def _hono_makers(texts: dict[Path, str]) -> frozenset[str]:
    """Names of the functions of *texts* that make a Hono app: one that returns ``new Hono(...)`` /
    ``new OpenAPIHono(...)``, or what such a function made (``const app = createRouter(); ... return app``),
    found until nothing changes (a createApp() over a createRouter(), as Hono's zod-openapi starters
    write them)."""
    # Every maker starts from a `new Hono` / `new OpenAPIHono`: without one, reading every function body
    # of every file (as each JavaScript project's init did) finds none.
    if not any("Hono" in text for text in texts.values()):
        return frozenset()
    bodies: dict[str, str] = {}
    for text in texts.values():
        if "Hono" not in text and "return" not in text:
            continue
        for m in _JS_FUNCTION.finditer(text):
            name = m.group(1) or m.group(2)
            if m.group(1):
                opened = text.find("(", m.end() - 1)
                close = arguments_text(text, opened + 1, whole=True)
                bodies.setdefault(name, _function_body(text, opened + 1 + len(close) + 1))
            else:
                bodies.setdefault(name, _function_body(text, m.end()))
    # what each function returns: a new app itself (None), or the result of the functions named
    returns = {name: _returned_calls(body) for name, body in bodies.items()}
    makers = {name for name, called in returns.items() if None in called}
    callers: dict[str | None, set[str]] = {}
    for name, called in returns.items():
        for callee in called:
            callers.setdefault(callee, set()).add(name)
    # a function returning what a maker made is one, followed once per name (a chain of 300 functions,
    # each returning the one before's app, was read again per link with all names known: 2 s, cubic)
    todo = list(makers)
    while todo:
        for caller in callers.get(todo.pop(), ()):
            if caller not in makers:
                makers.add(caller)
                todo.append(caller)
    return frozenset(makers)


# what a function's body returns: new Hono(...) / new OpenAPIHono(...) (no name), or a call of a function
_JS_MADE = r"(?:new\s+(?:OpenAPI)?Hono\b|(?<![\w$.])([\w$]+)\s*(?:<[^>(]{0,200}>)?\()"
_JS_RETURNS_MADE = re.compile(rf"\breturn\s+{_JS_MADE}")
_JS_ARROW_MADE = re.compile(rf"\s*\(?\s*{_JS_MADE}")
_JS_HELD_MADE = re.compile(rf"\b(?:const|let|var)\s+([\w$]+)\s*(?::[^=\n]{{1,200}})?=\s*{_JS_MADE}")


def _returned_calls(body: str) -> set[str | None]:
    """What the function whose body is *body* returns when it returns an app it makes or has made: None
    for ``new Hono(...)``, the function's name for a call's result (``return createRouter()``, an arrow's
    ``() => createRouter()``, ``const app = createRouter(); ... return app``)."""
    found: set[str | None] = {m.group(1) for m in _JS_RETURNS_MADE.finditer(body)}
    if not re.search(r"\breturn\b", body):
        arrow = _JS_ARROW_MADE.match(body)
        if arrow is not None:
            found.add(arrow.group(1))
    for held in _JS_HELD_MADE.finditer(body):
        if re.search(rf"\breturn\s+{re.escape(held.group(1))}\s*[;}}\n]", body + "\n"):
            found.add(held.group(2))
    return found


def _created_routes(texts: dict[Path, str]) -> dict[tuple[str, str], tuple[str, str, int]]:
    """@hono/zod-openapi's routes of *texts*: {(file, name): (METHOD, path, line)} of each ``const name =
    createRoute({ method: "get", path: "/x", ... })``; the path as written (OpenAPI's ``{id}``)."""
    out: dict[tuple[str, str], tuple[str, str, int]] = {}
    for path, text in texts.items():
        if "createRoute(" not in text:
            continue
        for m in _JS_CREATE_ROUTE.finditer(text):
            fields = _route_fields(arguments_text(text, m.end(), whole=True, limit=5000))
            if fields is not None:
                out[(str(path), m.group(1))] = (*fields, _line(text, m.start()))
    return out


def _route_fields(options: str) -> tuple[str, str] | None:
    """(METHOD, path) of a createRoute's options object *options* (its top-level ``method`` and ``path``),
    None when either is missing or not a literal."""
    fields: dict[str, str] = {}
    depth = 0
    for i, char in enumerate(options):
        depth += {"{": 1, "[": 1, "(": 1, "}": -1, "]": -1, ")": -1}.get(char, 0)
        if depth == 1:
            m = _JS_ROUTE_FIELD.match(options, i)
            if m is not None and (i == 0 or not (options[i - 1].isalnum() or options[i - 1] in "_$")):
                fields.setdefault(m.group(1), m.group(3))
    if "method" not in fields or "path" not in fields or "${" in fields["path"]:
        return None
    return fields["method"].upper(), fields["path"]


def _js_makers(text: str, lines: _Lines, file: str, where: str, graph: Graph,
               makers: frozenset[str] = frozenset()) -> dict[int, tuple[str, int]]:
    """The apps and routers one file makes, added to *graph*: {offset of the call: (its name, the offset
    after its opening parenthesis)}. One not assigned to a name (``Router().use(tags)``,
    ``export default Router().use('/api', api)``) is named after its offset, ``<123>``. A call of one of
    *makers* (:func:`_hono_makers`: ``createRouter()``) makes a Hono app."""
    found: dict[int, tuple[str, int]] = {}
    if makers:
        names = "|".join(map(re.escape, sorted(makers)))
        called = re.compile(r"(?:\b(?:const|let|var)\s+(\w+)\s*(?::\s*[\w$.<>\[\], |]{1,200}?)?=\s*)?"
                            rf"(?<![\w$.])({names})\s*(?:<[^()\n]{{0,200}}?>\s*)?\(")
        for m in called.finditer(text):
            at = m.start(2)
            if re.search(r"\bfunction\s*$|\b(?:const|let|var)\s*$", text[max(0, at - 30):at]):
                continue  # its definition, not a call
            name = m.group(1) or f"<{at}>"
            found[at] = (name, m.end())
            graph.routers.setdefault((file, name), _Router("app", "", "", f"{where}:{lines.line(at)}"))
    for m in _JS_MAKE.finditer(text):
        start = m.start(2) if m.group(2) else m.start(3)
        name = m.group(1) or f"<{start}>"
        found[start] = (name, m.end())
        if m.group(2):
            # Hono's new Hono().basePath('/api'): the app's routes are under that path
            close = m.end() + len(arguments_text(text, m.end(), whole=True))
            based = _JS_BASE_PATH.match(text, close + 1) if "Hono" in m.group(2) else None
            prefix = based.group(2) if based is not None else ""
            made_at = f"{where}:{lines.line(start)}" if based else where
            label = repr(prefix) if based else ""
            graph.routers.setdefault((file, name), _Router("app", prefix, label, made_at))
        else:
            option = _JS_PREFIX_OPTION.match(text, m.end())
            graph.routers.setdefault((file, name), _Router("express", option.group(1) if option else "", "",
                                                           f"{where}:{lines.line(start)}"))
    return found


class _Lines:
    """The line of an offset of *text*, and whether a comment starts that line, found in logarithmic
    time: a minified file is one long line, and counting to every call on it would take quadratic time."""

    _COMMENT = re.compile(r"[ \t\r\f\v]*(?://|/\*|\*)")

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0, *(m.end() for m in re.finditer("\n", text))]

    def line(self, offset: int) -> int:
        """The 1-based line number of *offset*."""
        return bisect_right(self.starts, offset)

    def commented(self, offset: int) -> bool:
        """Whether a ``//`` comment (or a ``/* */`` block's ``*`` line) starts the line before *offset*, or
        *offset* is inside a comment or a string or template literal (``const doc = "app.route('/x', r)"``
        was a mount, and the app's health route was read under it)."""
        return self._COMMENT.match(self.text, self.starts[self.line(offset) - 1], offset) is not None \
            or in_literal(self.text, offset)


def _js_routes(path: Path, text: str, root: Path, graph: Graph) -> None:
    """The GET routes of one file (``app.get``, ``router.route('/x').get``), each with whether it needs
    a login, and the guards of its routers (``router.use(auth)``) and paths (``app.use('/x', auth)``)."""
    # router.use(requireAuth): every route of the router. Not the app's own middleware, which is mostly
    # not a login (helmet.frameguard(), updateAuthenticatedUsers()) and would hide every route.
    after: dict[str, int] = {}  # app -> where app.use(passport.authenticate(...)) guards the routes below it
    for m in _JS_USE_ALL.finditer(text):
        router = graph.routers.get((str(path), m.group(1)))
        used = m.group(2)
        if router is None or not _names_login(used) or _JS_ROUTER_NAME.match(used):
            continue
        if router.kind == "express":
            router.guarded = True
        elif _JS_APP_GUARD.match(used):
            after.setdefault(m.group(1), m.start())
    for m in _JS_USE_GUARD.finditer(text):
        if (str(path), m.group(1)) in graph.routers and _names_login(m.group(4)) \
                and not _JS_ROUTER_NAME.match(m.group(4)) and not _commented(text, m.start()):
            # app.all('/api/*', requireAuth): the path before its wildcard
            guarded = re.sub(r"/?(?:\*|\(\.\*\))$", "", m.group(3)) or "/"
            graph.guarded_paths.append(((str(path), m.group(1)), guarded))
            graph.guard_lines.setdefault(((str(path), m.group(1)), guarded), _line(text, m.start()))
    for m in _JS_ROUTE.finditer(text):
        if not _commented(text, m.start()):
            # The arguments before the handler: app.get('/dashboard', isLoggedIn, handler)
            below = m.start() > after.get(m.group(1), len(text))
            graph.routes.append(_Route((str(path), m.group(1)), m.group(3),
                                       f"{rel(path, root)}:{_line(text, m.start())}",
                                       guarded=below or bool(_names_login(arguments_text(text, m.end())))))
    for m in _JS_CHAIN.finditer(text):
        if _commented(text, m.start()):
            continue
        at = m.end()
        while (call := _JS_CHAINED_CALL.match(text, at)) is not None:
            given = arguments_text(text, call.end(), whole=True)
            if call.group(1) in ("get", "all"):
                graph.routes.append(_Route((str(path), m.group(1)), m.group(3),
                                           f"{rel(path, root)}:{_line(text, call.start(1))}",
                                           guarded=bool(_names_login(_JS_HANDLER.split(given)[0]))))
            at = call.end() + len(given) + 1


def _commented(text: str, offset: int) -> bool:
    """Whether *offset* is on a line that a ``//`` comment (or a ``/* */`` block's ``*`` line) starts, or
    inside a comment or a string or template literal (``const doc = "app.get('/healthz', h)"`` was a
    route, the app's health check)."""
    line = text[text.rfind("\n", 0, offset) + 1:offset].lstrip()
    return line.startswith(("//", "/*", "*")) or in_literal(text, offset)




def arguments_text(text: str, start: int, whole: bool = False, limit: int = 2000) -> str:
    """The text of a call's arguments from *start* (inside its parentheses) to the one that closes it,
    across lines; without *whole*, only up to where the handler starts (``=>``, ``function``) at the
    call's own level. Strings are skipped over, so a ``)`` in one does not end the call."""
    depth, quote, i = 0, "", start
    end = min(len(text), start + limit)
    while i < end:
        c = text[i]
        if quote:
            if c == "\\":
                i += 2
                continue
            if c == quote:
                quote = ""
        elif c in "'\"`":
            quote = c
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                break
            depth -= 1
        elif not whole and depth == 0 and _JS_HANDLER.match(text, i):
            break
        i += 1
    return text[start:i]


_PREFIX_NAME = re.compile(r"prefix|path|base|api|url|route|mount", re.I)


def _js_closings(text: str) -> dict[int, int]:
    """{offset after each ``(`` of *text*: the offset of the ``)`` that closes it, -1 when none does within
    2,000 characters}. Found from the last parenthesis to the first, so that reading a call steps over
    the calls inside it at once: a long minified line of unclosed ``app.use(`` takes linear time."""
    ends: dict[int, int] = {}
    for offset in reversed([m.end() for m in re.finditer(r"\(", text)]):
        ends[offset] = _js_scan(text, offset, ends)[0]
    return ends


def _js_scan(text: str, start: int, ends: dict[int, int], limit: int = 2000) -> tuple[int, list[int]]:
    """(offset of the ``)`` closing the call whose arguments start at *start*, or -1; the offsets of the
    commas between its arguments). Strings are stepped over; *ends* answers for the calls inside."""
    depth, i, commas = 0, start, list[int]()
    end = min(len(text), start + limit)
    while i < end:
        plain = _JS_PLAIN.match(text, i, end)
        if plain is not None:
            i = plain.end()
            continue
        c = text[i]
        if c in _JS_STRING:
            string = _JS_STRING[c].match(text, i, end)
            if string is None and c == "`":
                break
            i = string.end() if string is not None else i + 1  # an apostrophe in a comment
            continue
        if c == "(" and i + 1 in ends:
            if ends[i + 1] < 0:
                break
            i = ends[i + 1] + 1
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                return (i if c == ")" else -1), commas
            depth -= 1
        elif depth == 0:
            commas.append(i)
        i += 1
    return -1, commas


class _JsMounts:
    """The mounts of one file, ``app.use('/api', router)`` and the chains that mount routers too:
    ``Router().use(tags).use(articles)``, ``router.use('/api', Router().use(x))``,
    ``app.use(require('./routes'))``, koa's ``app.use(router.routes())``; and the routes and guards of a
    chain (``Router().use(auth).get('/x', ...)``) that :func:`_js_routes` does not read.

    A mount's router is a variable of the file, the router another file exports (``require``, a default
    or named import), or one made in place; its prefix a literal, a literal constant of the file or a
    template of those. Without a prefix, only an argument known as a router is mounted: the others are
    middleware (``app.use(cors())``)."""

    def __init__(self, path: Path, text: str, root: Path, graph: Graph, exported: dict[str, str],
                 made: dict[int, tuple[str, int]],
                 all_made: dict[str, dict[int, tuple[str, int]]] | None = None) -> None:
        self.path, self.text, self.graph, self.exported, self.made = path, text, graph, exported, made
        self.all_made = all_made or {}
        self.file, self.where, self.root = str(path), rel(path, root), root
        self.imported = {m.group(1): m.group(2)
                         for m in [*_JS_REQUIRE.finditer(text), *_JS_IMPORT.finditer(text)]}
        self.named: dict[str, tuple[str, str]] = {}  # local name -> (module, exported name)
        for m in _JS_NAMED.finditer(text):
            for item in (m.group(1) or m.group(2) or "").split(","):
                parts = re.split(r"\s+as\s+|\s*:\s*", item.strip())
                if parts[0]:
                    self.named[parts[-1]] = (m.group(3), parts[0])
        self.consts = {m.group(1): m.group(2) for m in _JS_CONST.finditer(text)}
        self.namespaces = {m.group(1): m.group(2) for m in _JS_NAMESPACE.finditer(text)}
        self.ends: dict[int, int] = {}
        self.lines = _Lines(text)

    def read(self) -> None:
        """Add the file's mounts, and its chains' routes and guards, to the graph."""
        names = {name for file, name in self.graph.routers if file == self.file}
        if not names:
            return
        self.ends = _js_closings(self.text)
        for m in _JS_RECEIVER.finditer(self.text):
            if m.group(1) in names and not self.lines.commented(m.start()):
                # router.get('/x') right after the name is _js_routes' (with the app's guards above it)
                self._chain((self.file, m.group(1)), m.end(), first_read=self.text[m.end()] == ".")
        for start, (name, opened) in self.made.items():
            close = self.ends.get(opened, -1)
            if close >= 0 and not self.lines.commented(start):
                self._chain((self.file, name), close + 1, first_read=False)
        self._each_mounted(names)
        self._for_mounted(names)

    def _for_mounted(self, names: set[str]) -> None:
        """Routers mounted in a loop over a list of them: ``for (const route of publicRoutes) {
        app.route('/api', route) }`` or ``routes.forEach((r) => app.route('/api', r))`` (Hono, Express's
        ``use``), the list a literal array of this file or one another exports (``export const
        publicRoutes = [health]``, its names that file's imports): each router under the prefix."""
        for m in _JS_FOR_MOUNT.finditer(self.text):
            if m.group(1):
                item, listed, receiver, prefix, argument = m.group(1, 2, 3, 5, 6)
            else:
                listed, item, receiver, prefix, argument = m.group(7, 8, 9, 11, 12)
            if receiver not in names or argument != item or self.lines.commented(m.start()):
                continue
            where = f"{self.where}:{self.lines.line(m.start())}"
            for child in self._listed_routers(listed):
                if child in self.graph.routers:
                    self._mount(child, (self.file, receiver), prefix, repr(prefix), where, "")

    def _listed_routers(self, listed: str) -> list[tuple[str, str]]:
        """The routers named in the literal array *listed* (``const routes = [users, posts]``) of this file,
        or of the module a named import of it comes from, resolved where the array is written."""
        reader: _JsMounts = self
        if listed in self.named:
            module, exported_as = self.named[listed]
            target = _resolve_js(self.path, module, self.root)
            if target is None:
                return []
            reader = _JsMounts(target, read_text(target), self.root, self.graph, self.exported,
                               self.all_made.get(str(target), {}), self.all_made)
            listed = exported_as
        array = re.search(rf"\b(?:const|let|var)\s+{re.escape(listed)}\s*(?::[^=\n]{{1,200}})?=\s*\[",
                          reader.text)
        if array is None:
            return []
        body = arguments_text(reader.text, array.end(), whole=True)
        found = []
        for offset, argument in zip(*_split_offsets(body, array.end()), strict=True):
            child = reader._router(offset, argument) if re.fullmatch(r"[\w$]+", argument) else None
            if child is not None:
                found.append(child)
        return found

    def _openapi(self, key: tuple[str, str], at: int, args: list[tuple[int, str]]) -> None:
        """``.openapi(route, handler)`` of @hono/zod-openapi: a GET route of router *key* when *route* is
        a createRoute() of this file, of a module this file imports by name or as a namespace
        (``routes.healthCheck`` of ``import * as routes from './routes'``), or written in place."""
        if not args:
            return
        argument = args[0][1]
        fields: tuple[str, str] | None = None
        inline = re.match(r"createRoute\(", argument)
        if inline is not None:
            fields = _route_fields(argument[inline.end():-1])
        else:
            found = self._created(argument)
            fields = found[:2] if found is not None else None
        if fields is None or fields[0] != "GET" or not fields[1].startswith("/"):
            return
        self.graph.routes.append(_Route(key, fields[1], f"{self.where}:{self.lines.line(at)}"))

    def _created(self, argument: str) -> tuple[str, str, int] | None:
        """The createRoute() that the name *argument* refers to (local, imported by name, or ``ns.name``)."""
        routes = self.graph.created_routes
        if not routes:
            return None
        namespace, _, member = argument.partition(".")
        if member and namespace in self.namespaces and re.fullmatch(r"[\w$]+", member):
            target = _resolve_js(self.path, self.namespaces[namespace], self.root)
            return routes.get((str(target), member)) if target is not None else None
        if argument in self.named:
            module, exported_as = self.named[argument]
            target = _resolve_js(self.path, module, self.root)
            return routes.get((str(target), exported_as)) if target is not None else None
        return routes.get((self.file, argument))

    def _each_mounted(self, names: set[str]) -> None:
        """Routers mounted in a loop over a list of literal objects: ``const defaultRoutes = [{ path:
        '/auth', route: authRoute }]; defaultRoutes.forEach((route) => { router.use(route.path,
        route.route) })`` (hagopj13/node-express-boilerplate): each object's router under its path."""
        for m in _JS_EACH_USE.finditer(self.text):
            item = m.group(2) or m.group(3)
            receiver, prefix_key, router_key = m.group(4), m.group(6), m.group(8)
            if receiver not in names or m.group(5) != item or m.group(7) != item:
                continue
            listed = re.search(rf"\b(?:const|let|var)\s+{re.escape(m.group(1))}\s*=\s*\[", self.text)
            if listed is None:
                continue
            body = self.text[listed.end():listed.end() + 5000]
            body = body[:body.find("]")] if "]" in body else body  # the list's objects hold no brackets
            for obj in _JS_OBJECT.finditer(body):
                fields = {f.group(1): (f.group(3), f.group(4)) for f in _JS_FIELD.finditer(obj.group(1))}
                prefix, _ = fields.get(prefix_key, (None, None))
                _, router_name = fields.get(router_key, (None, None))
                if prefix is None or not router_name or not prefix.startswith("/"):
                    continue
                child = self._router(listed.end() + obj.start(), router_name)
                if child is not None and child in self.graph.routers:
                    self._mount(child, (self.file, receiver), prefix, repr(prefix),
                                f"{self.where}:{self.lines.line(m.start())}", "")

    def _chain(self, key: tuple[str, str], at: int, first_read: bool) -> None:
        """The calls chained on router *key* from offset *at*: every mount, and the routes and guards of
        the calls after the first (or of the first too, unless *first_read*)."""
        index = 0
        while (call := _JS_CALLED.match(self.text, at)) is not None:
            method, opened = call.group(1), call.end()
            close = self.ends.get(opened, -1)
            if close < 0:
                return
            args = self._args(opened, close)
            later = index > 0 or not first_read
            if method == "use" or method == "route" and len(args) > 1:  # Hono: app.route('/api', api)
                self._use(key, call.start(1), args, later)
            elif method == "openapi":  # @hono/zod-openapi's app.openapi(createRoute({...}), handler)
                self._openapi(key, call.start(1), args)
            elif method == "basePath":  # new Hono().basePath('/api').get(...): read when it was made
                pass
            elif method not in _JS_VERBS:
                return  # router.route('/items').get(...): the route's own chain, read by _js_routes
            elif later and method in ("get", "all", "head") and args:
                self._route(key, call.start(1), args[0])
            at = close + 1
            index += 1

    def _args(self, opened: int, close: int) -> list[tuple[int, str]]:
        """(offset, text) of each argument of the call between *opened* and *close*, comments left out."""
        _, commas = _js_scan(self.text, opened, self.ends)
        found = []
        for start, end in zip([opened, *(c + 1 for c in commas)], [*commas, close], strict=True):
            leading = _JS_LEADING.match(self.text, start, end)
            start = leading.end() if leading is not None else start
            argument = self.text[start:end].rstrip()
            if argument:
                found.append((start, argument))
        return found

    def _route(self, key: tuple[str, str], at: int, first: tuple[int, str]) -> None:
        offset, argument = first
        path = _js_literal(argument)
        if path is None or not path[0].startswith("/") or "${" in path[0]:
            return
        before_handler = arguments_text(self.text, offset + len(argument))
        self.graph.routes.append(_Route(key, path[0], f"{self.where}:{self.lines.line(at)}",
                                        guarded=bool(_names_login(before_handler))))

    def _use(self, parent: tuple[str, str], at: int, args: list[tuple[int, str]], later: bool) -> None:
        """One ``.use(...)`` of router *parent*: a mount of each router among its arguments, under the
        prefix it starts with; else (on a chain) a guard when the middleware names a login."""
        if not args:
            return
        where = f"{self.where}:{self.lines.line(at)}"
        prefix: str | None = ""
        label, rest, has_prefix = "", args, False
        first = args[0][1]
        literal = _js_literal(first)
        if literal is not None:
            value, quote = literal
            prefix = self._template(value) if quote == "`" else value
            if prefix is not None and not prefix.startswith("/"):
                return  # app.use('*', ...)
            label, rest, has_prefix = repr(value), args[1:], True
        elif len(args) > 1 and (first[:1] in "'\"`[" or _JS_PREFIX_TEXT.fullmatch(first) and (
                first in self.consts or _PREFIX_NAME.search(first))
                and self._router(*args[0]) not in self.graph.routers):
            # app.use(API_PREFIX, router); config.apiPath, '/v' + n or ['/a', '/b'] cannot be read, and
            # the routes under them say so rather than take no prefix
            prefix, label, rest, has_prefix = self.consts.get(first), first, args[1:], True
        middle: list[str] = []
        mounted = False
        for offset, argument in rest:
            child = self._router(offset, argument)
            if child is not None and child in self.graph.routers:
                self._mount(child, parent, prefix, label, where, " ".join(middle))
                mounted = True
            else:
                middle.append(argument)
        if mounted or not rest:
            return
        child = self._router(*rest[-1]) if has_prefix else None
        if child is not None:
            # app.use('/v1', api) where api is no router static reading can see: mounted all the same, so
            # that a prefix it cannot resolve is said
            self._mount(child, parent, prefix, label, where, ", ".join(middle[:-1]))
        used = ", ".join(middle)
        if not later or not _names_login(used) or _JS_ROUTER_NAME.match(used + ")"):
            return  # on the first call of a name, _js_routes reads the guards
        if has_prefix and prefix is not None:  # .use('/admin', requireAuth)
            self.graph.guarded_paths.append((parent, prefix))
        elif not has_prefix and self.graph.routers[parent].kind == "express":  # .use(requireAuth)
            self.graph.routers[parent].guarded = True

    def _mount(self, child: tuple[str, str], parent: tuple[str, str], prefix: str | None, label: str,
               where: str, middle: str) -> None:
        self.graph.mounts.setdefault(child, []).append(
            _Mount(parent, prefix, label, where, guarded=bool(_names_login(middle))))

    def _router(self, offset: int, argument: str) -> tuple[str, str] | None:
        """The key of the router that argument *argument* (at *offset*) names, known to the graph or not;
        None when it names none (a call, a function)."""
        if offset in self.made:
            return self.file, self.made[offset][0]
        required = _JS_REQUIRED.fullmatch(argument)
        if required is not None:
            return self._default(required.group(1))
        mounted = _JS_MOUNTED.fullmatch(argument)
        if mounted is None:
            return None
        name = mounted.group(1)
        if name in self.named:
            module, exported_as = self.named[name]
            target = _resolve_js(self.path, module, self.root)
            if target is not None:
                return _reexported(target, exported_as, self.root, self.graph)
        if name in self.imported:
            return self._default(self.imported[name]) or (self.file, name)
        return self.file, name

    def _default(self, spec: str) -> tuple[str, str] | None:
        """The router module *spec* exports: its ``module.exports``/``export default``, else its only one."""
        target = _resolve_js(self.path, spec, self.root)
        if target is None:
            return None
        own = [name for file, name in self.graph.routers if file == str(target)]
        return str(target), self.exported.get(str(target)) or (own[0] if len(own) == 1 else "")

    def _template(self, value: str) -> str | None:
        """`${API}/users` with API a literal constant of the file; None when a placeholder is not one."""
        names = _JS_PLACEHOLDER.findall(value)
        if any(name not in self.consts for name in names):
            return None
        return _JS_PLACEHOLDER.sub(lambda m: self.consts[m.group(1)], value)


# export * from './lib/items'; export { itemsRouter } from './lib/items' (also `a as itemsRouter`)
_JS_REEXPORT = re.compile(r"""\bexport\s*(\*|\{[^}]*\})\s*from\s*['"]([^'"\n]+)['"]""")


def _reexported(target: Path, name: str, root: Path, graph: Graph, depth: int = 0) -> tuple[str, str]:
    """The key of the router a module exports as *name*: its own, else the one a re-export of it brings
    (``export * from './lib/items'`` in a library's index.ts, which an Nx workspace's path alias names),
    followed at most five modules deep; (*target*, *name*) when none is known."""
    key = (str(target), name)
    if key in graph.routers or depth >= 5:
        return key
    for m in _JS_REEXPORT.finditer(read_text(target)):
        listed, wanted = m.group(1), name
        if listed != "*":
            items = [re.split(r"\s+as\s+", item.strip()) for item in listed.strip("{} ").split(",")]
            wanted = next((parts[0] for parts in items if parts[-1] == name and parts[0]), "")
            if not wanted:
                continue
        found = _resolve_js(target, m.group(2), root)
        if found is None:
            continue
        inner = _reexported(found, wanted, root, graph, depth + 1)
        if inner in graph.routers:
            return inner
    return key


def _split_offsets(body: str, start: int) -> tuple[list[int], list[str]]:
    """(offsets, texts) of the top-level comma-separated items of *body* (the inside of a bracket that
    starts at offset *start* of its file), stripped; empty items left out."""
    offsets: list[int] = []
    items: list[str] = []
    at = start
    for part in split_top_level(body):
        stripped = part.strip()
        if stripped:
            offsets.append(at + part.index(stripped))
            items.append(stripped)
        at += len(part) + 1
    return offsets, items


def _js_literal(argument: str) -> tuple[str, str] | None:
    """(content, quote) of an argument that is one string literal, else None."""
    quote = argument[:1]
    string = _JS_STRING[quote].fullmatch(argument) if quote in _JS_STRING else None
    return (argument[1:-1], quote) if string is not None else None


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1
