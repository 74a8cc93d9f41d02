"""The app's health route with its full path, for ``init``'s ready URL: :func:`find_health`.

A health route is a GET route whose last path segment is a health word
(:data:`HEALTH_WORDS`: ``/health``, ``/healthz``, ``/health-check/``,
``/healthcheck``, ``/livez``, ``/readyz``, ``/ping``, ``/status``...). Real
apps declare it on a router mounted under a prefix, so the prefixes are
followed as far as static reading can:

- Python (read with :mod:`ast`, nothing imported): FastAPI ``APIRouter(prefix=...)``
  and ``include_router(router, prefix=...)``, ``app.mount("/x", sub)``, Flask
  ``Blueprint(..., url_prefix=...)`` and ``register_blueprint(bp,
  url_prefix=...)`` (which replaces the blueprint's own). A prefix resolves
  when it is a literal, a module constant (``API_PREFIX = "/api"``), an
  f-string or ``+`` of those, or one level of settings default
  (``settings.API_V1_STR`` where ``settings = Settings()`` and the class
  declares ``API_V1_STR: str = "/api/v1"``), across the app's own imports.
- JavaScript (regular expressions): Express ``app.use('/api', router)`` with the
  router a variable of the file, ``require('./routes/health')`` or an import of
  a file whose ``module.exports`` / ``export default`` is that router; a prefix
  held in a literal constant of the file resolves too.

When a health route is found but a prefix cannot be resolved, the answer says
which route, where it is mounted and why the prefix could not be read.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from .files import JS_SUFFIXES, read_text, rel

# Best first. "ping" and "status" are health routes only at the top or under api/, version, utils...
HEALTH_WORDS = ("health", "healthz", "health-check", "healthcheck", "health_check", "_health", "livez",
                "readyz", "livenessz", "readinessz", "liveness", "readiness", "alive", "ping", "status")
_GENERIC = ("ping", "status")
_NEUTRAL_SEGMENT = re.compile(
    r"^(?:api|v\d+(?:\.\d+)?|utils?|internal|system|meta|monitoring|_?health)$", re.I
)
_PY_APPS = {"FastAPI": "app", "Starlette": "app", "Flask": "app", "Quart": "app", "APIRouter": "fastapi",
            "Blueprint": "flask"}
_PY_ROUTE_VERBS = ("get", "route", "api_route", "head")
# What asks for a login on a route, a router or a mount: @login_required, Depends(get_current_user),
# isLoggedIn, requireAuth, auth('getUsers'), express-jwt's jwt(...). Too wide rather than too narrow: a
# route taken for guarded is only left out of the load test.
_LOGIN = re.compile(r"auth|login|logged|jwt|token|permission|protect|guard|current_\w*user|superuser|verify|"
                    r"admin|deny|bearer|api_?key|sign_?in|signed_?in|require_?user|ensure_?user|get_\w*user|"
                    r"is_?authenticated", re.I)
# A login a route may do without: the RealWorld apps' auth.optional, get_current_user_optional, passport's
# 'anonymous' strategy; the route answers a visitor too.
_OPTIONAL_LOGIN = re.compile(r"optional|anonymous", re.I)
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
_PY_BEFORE = ("before_request", "before_app_request")


def health_rank(path: str) -> int | None:
    """The rank of *path* among health routes (0 best), or None when it is no health route."""
    segments = [s for s in path.split("/") if s]
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


@dataclass
class Graph:
    routers: dict[tuple[str, str], _Router] = field(default_factory=dict)
    mounts: dict[tuple[str, str], list[_Mount]] = field(default_factory=dict)
    routes: list[_Route] = field(default_factory=list)
    # app.use('/api/admin', requireAuth): the router and the path under it that needs a login
    guarded_paths: list[tuple[tuple[str, str], str]] = field(default_factory=list)
    _guarded: dict[tuple[str, str], bool] = field(default_factory=dict)

    def base(self, key: tuple[str, str], seen: frozenset[tuple[str, str]] = frozenset()) -> tuple[
            str | None, list[str], str]:
        """(full prefix of router *key*, the steps that made it, why it could not be resolved)."""
        router = self.routers.get(key)
        mounts = self.mounts.get(key, [])
        if router is None or router.kind == "app" and not mounts:
            return "", [], ""
        if router.prefix is None:
            return None, [], (f"{router.where} declares its prefix as {router.text}, which static reading "
                              "cannot resolve")
        if not mounts:
            if router.kind == "express":
                return "", [], ""  # used without a prefix (app.use(router)) or mounted where we cannot see
            return None, [], (f"{router.where} declares the router but no include_router/register_blueprint "
                              "of it was found")
        mount = mounts[0]
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
    "ws", "socket.io", "events", "stream", "sse", "export", "download", "upload", "me", "whoami",
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
    found: dict[str, LoadRoute] = {}
    guarded_paths = _guarded_paths(graph)
    for route in graph.routes:
        router = graph.routers.get(route.router)
        if router is None or router.kind == "express" and not graph.mounts.get(route.router):
            continue  # cache.get('/key'), axios.get('/api'); a router mounted where static reading cannot see
        prefix, _, _ = graph.base(route.router)
        if prefix is None or route.guarded or route.needs_input or graph.guarded(route.router):
            continue
        full = full_path(prefix, route.path)
        if prefix and route.path == "/" and Path(route.where.rsplit(":", 1)[0]).suffix in JS_SUFFIXES:
            full = prefix  # Express routes ignore a trailing slash; FastAPI's "/" under a prefix keeps it
        segments = [s.lower() for s in full.split("/") if s]
        if (not segments or _PARAMETER.search(full) or "\ufffd" in full or health_rank(full) is not None
                or _NOT_LOADED.intersection(segments) or any(_STATEFUL.search(s) for s in segments)
                or any(_under(full, guarded) for guarded in guarded_paths)):
            continue
        found.setdefault(full, LoadRoute(full, route.where))
    def rank(r: LoadRoute) -> tuple[bool, str, int]:
        file, _, line = r.where.rpartition(":")
        return "api" not in r.path.lower().split("/"), file, int(line) if line.isdigit() else 0

    ranked = sorted(found.values(), key=rank)
    return ranked[:limit]


def asks_login(graph: Graph, path: str) -> bool:
    """Whether a GET route of *graph* at full *path* asks for a login (its own middleware or dependency,
    its router's or a guarded path above it): such a route answers 401 or a redirect to the login, no
    ready URL."""
    guarded_paths = _guarded_paths(graph)
    for route in graph.routes:
        prefix, _, _ = graph.base(route.router)
        if prefix is None or full_path(prefix, route.path).rstrip("/") != path.rstrip("/"):
            continue
        if route.guarded or graph.guarded(route.router) or any(_under(path, g) for g in guarded_paths):
            return True
    return False


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


def _guarded_paths(graph: Graph) -> list[str]:
    """The full paths under which every route needs a login (``app.use('/admin', requireAuth)``, a
    router's ``router.use('/account', requireAuth)`` under the router's prefix)."""
    paths = []
    for key, path in graph.guarded_paths:
        prefix, _, _ = graph.base(key)
        if prefix is not None:
            paths.append(full_path(prefix, path))
    return paths


# ---------------------------------------------------------------------------- Python


def module_name(path: Path, root: Path) -> str:
    """The dotted module name of Python file *path* under *root* (a package's ``__init__.py``: the
    package), the key :class:`Graph` files its routers under."""
    parts = list(Path(rel(path, root)).with_suffix("").parts)
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


class _PythonReader:
    """One pass over the Python sources: constants, settings classes and instances, imports, routers,
    mounts and routes; names are resolved across modules through the imports."""

    def __init__(self, sources: list[Path], root: Path, graph: Graph) -> None:
        self.root, self.graph = root, graph
        self.trees: dict[str, tuple[ast.Module, str]] = {}
        for path in sources:
            try:
                tree = ast.parse(read_text(path))
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                continue
            self.trees[module_name(path, root)] = (tree, rel(path, root))
        self.consts: dict[tuple[str, str], ast.expr] = {}
        self.classes: dict[tuple[str, str], dict[str, ast.expr]] = {}
        self.instances: dict[tuple[str, str], str] = {}  # (module, name) -> class name as written
        self.imports: dict[tuple[str, str], tuple[str, str]] = {}  # local -> (module, name or "")
        self.aliases: dict[str, str] = {}  # module-level name -> its Annotated[..., Depends(...)] as written
        self.guards: list[tuple[str, str]] = []  # blueprints whose before_request asks for a login

    def read(self) -> None:
        """Fill the graph."""
        for module, (tree, _) in self.trees.items():
            self._declarations(module, tree)
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
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                base = self._absolute(module, node.module or "", node.level, is_package)
                for alias in node.names:
                    self.imports.setdefault((module, alias.asname or alias.name), (base, alias.name))
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    self.imports.setdefault((module, alias.asname or alias.name.split(".")[0]), (
                        alias.name if alias.asname else alias.name.split(".")[0], ""))
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                attrs: dict[str, ast.expr] = {}
                for item in node.body:
                    target, value = _assigned(item)
                    if target and value is not None:
                        attrs[target] = value
                self.classes[(module, node.name)] = attrs
            else:
                target, value = _assigned(node)
                if target and value is not None:
                    self.consts[(module, target)] = value
                    if isinstance(value, ast.Call):
                        name = _callee(value)
                        if name:
                            self.instances[(module, target)] = name

    def _absolute(self, module: str, name: str, level: int, is_package: bool) -> str:
        if not level:
            return name
        parts = module.split(".") if module else []
        keep = len(parts) - level + (1 if is_package else 0)
        base = parts[: max(keep, 0)]
        return ".".join([*base, name] if name else base)

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
        attrs = self.classes.get(klass)
        return self.value(klass[0], attrs.get(attr), depth + 1) if attrs else None

    def _router(self, module: str, where: str, node: ast.Assign | ast.AnnAssign) -> None:
        target, value = _assigned(node)
        if not target or not isinstance(value, ast.Call):
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

    def _mount(self, module: str, where: str, call: ast.Call) -> None:
        func = call.func
        if not isinstance(func, ast.Attribute):
            return
        if func.attr in _PY_ADD_ROUTE:
            self._route(module, where, call, _PY_ADD_ROUTE)
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
        # @router.get("") under prefix="/api/items" answers at the prefix itself
        if path is not None and (path.startswith("/") or path == "") and key is not None:
            login = view is not None and view.asks_login or _asks_login(call.keywords) or any(
                k.arg == "view_func" and _names_login(_text(k.value)) for k in call.keywords)
            self.graph.routes.append(_Route(key, path, f"{where}:{call.lineno}", login,
                                            view is not None and view.needs_input))


def _text(node: ast.AST) -> str:
    """*node* as written; "" for an expression too deep to write back (a default of 500 terms)."""
    try:
        return ast.unparse(node)
    except (RecursionError, ValueError):
        return ""


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

_JS_APP = re.compile(
    r"\b(?:const|let|var)\s+(\w+)\s*=\s*(?:express|fastify|Fastify|polka|new\s+Koa|new\s+Hono)\("
)
_JS_ROUTER = re.compile(
    r"\b(?:const|let|var)\s+(\w+)\s*=\s*(?:express\.Router|require\(\s*['\"]express['\"]\s*\)\.Router|Router|"
    r"new\s+Router|new\s+Hono)\(\s*"
    r"(?:\{[^}]*?\bprefix\s*:\s*['\"`]([^'\"`]*)['\"`][^}]*\})?"
)
_JS_REQUIRE = re.compile(r"""\b(?:const|let|var)\s+(\w+)\s*=\s*require\(\s*['"](\.[^'"]+)['"]\s*\)""")
_JS_IMPORT = re.compile(r"""\bimport\s+(\w+)\s+from\s+['"](\.[^'"]+)['"]""")
# import { healthRouter, api as apiRouter } from './routes' / const { healthRouter } = require('./routes')
_JS_NAMED = re.compile(
    r"""\b(?:import\s*\{([^}]*)\}\s*from\s*|(?:const|let|var)\s*\{([^}]*)\}\s*=\s*require\(\s*)['"](\.[^'"]+)['"]"""
)
_JS_EXPORT = re.compile(r"\bmodule\.exports\s*=\s*(\w+)|\bexport\s+default\s+(\w+)")
_JS_CONST = re.compile(r"""\b(?:const|let|var)\s+(\w+)\s*=\s*['"`](/[^'"`$]*)['"`]""")
# Bounded repeats: a long minified line must not make the search quadratic.
_JS_USE = re.compile(
    r"""\b(\w+)\.(?:use|route)\(\s*(?:(['"`])(/[^'"`\n]{0,200})\2|([A-Za-z_]\w{0,80}(?:\.\w{1,80}){0,4}))\s*,\s*"""
    r"""(?:[^;\n]{0,200}?,\s*)?(require\(\s*['"](\.[^'"\n]{1,200})['"]\s*\)|\w+)\s*\)"""
)
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


def _resolve_js(folder: Path, spec: str) -> Path | None:
    base = (folder / spec).resolve()
    for candidate in (base, *(Path(f"{base}{s}") for s in JS_SUFFIXES),
                      *(base / f"index{s}" for s in JS_SUFFIXES)):
        if candidate.is_file():
            return candidate
    return None


def _read_js(sources: list[Path], root: Path, graph: Graph) -> None:
    texts = {p.resolve(): read_text(p) for p in sources}
    exported: dict[str, str] = {}
    for path, text in texts.items():
        file, where = str(path), rel(path, root)
        match = _JS_EXPORT.search(text)
        if match:
            exported[file] = match.group(1) or match.group(2)
        for m in _JS_APP.finditer(text):
            graph.routers.setdefault((file, m.group(1)), _Router("app", "", "", where))
        for m in _JS_ROUTER.finditer(text):
            graph.routers.setdefault((file, m.group(1)), _Router("express", m.group(2) or "", "",
                                                                 f"{where}:{_line(text, m.start())}"))
    for path, text in texts.items():
        _js_mounts(path, text, root, graph, exported)
        _js_routes(path, text, root, graph)


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
    for m in _JS_ROUTE.finditer(text):
        if not _commented(text, m.start()):
            # The arguments before the handler: app.get('/dashboard', isLoggedIn, handler)
            below = m.start() > after.get(m.group(1), len(text))
            graph.routes.append(_Route((str(path), m.group(1)), m.group(3),
                                       f"{rel(path, root)}:{_line(text, m.start())}",
                                       guarded=below or bool(_names_login(_arguments(text, m.end())))))
    for m in _JS_CHAIN.finditer(text):
        if _commented(text, m.start()):
            continue
        at = m.end()
        while (call := _JS_CHAINED_CALL.match(text, at)) is not None:
            given = _arguments(text, call.end(), whole=True)
            if call.group(1) in ("get", "all"):
                graph.routes.append(_Route((str(path), m.group(1)), m.group(3),
                                           f"{rel(path, root)}:{_line(text, call.start(1))}",
                                           guarded=bool(_names_login(_JS_HANDLER.split(given)[0]))))
            at = call.end() + len(given) + 1


def _commented(text: str, offset: int) -> bool:
    """Whether *offset* is on a line that a ``//`` comment (or a ``/* */`` block's ``*`` line) starts."""
    line = text[text.rfind("\n", 0, offset) + 1:offset].lstrip()
    return line.startswith(("//", "/*", "*"))


def _arguments(text: str, start: int, whole: bool = False, limit: int = 2000) -> str:
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


def _js_mounts(path: Path, text: str, root: Path, graph: Graph, exported: dict[str, str]) -> None:
    """``app.use('/api', router)`` of one file: a mount of the router (a variable of the file, or the
    router another file exports) under the prefix (a literal, or a literal constant of the file)."""
    file, where = str(path), rel(path, root)
    imported = {m.group(1): m.group(2) for m in [*_JS_REQUIRE.finditer(text), *_JS_IMPORT.finditer(text)]}
    named: dict[str, tuple[str, str]] = {}  # local name -> (module, exported name)
    for m in _JS_NAMED.finditer(text):
        for item in (m.group(1) or m.group(2) or "").split(","):
            parts = re.split(r"\s+as\s+|\s*:\s*", item.strip())
            if parts[0]:
                named[parts[-1]] = (m.group(3), parts[0])
    consts = {m.group(1): m.group(2) for m in _JS_CONST.finditer(text)}
    for m in _JS_USE.finditer(text):
        parent = (file, m.group(1))
        name = m.group(4)
        if parent not in graph.routers or name and name not in consts and not _PREFIX_NAME.search(name):
            continue  # app.use(middleware, router): no prefix
        spec = m.group(6) or imported.get(m.group(5), "")
        target = _resolve_js(path.parent, spec) if spec else None
        exported_as = named.get(m.group(5) or "")
        named_target = _resolve_js(path.parent, exported_as[0]) if exported_as else None
        if named_target is not None and exported_as is not None:
            child = (str(named_target), exported_as[1])
        elif target is None:
            child = (file, m.group(5))
        else:
            own = [k[1] for k in graph.routers if k[0] == str(target)]
            child = (str(target), exported.get(str(target)) or (own[0] if len(own) == 1 else ""))
        prefix = m.group(3) if m.group(3) is not None else consts.get(name or "")
        # app.use('/api', requireAuth, router): what stands between the prefix and the router
        middle = text[m.end(3) + 1 if m.group(3) is not None else m.end(4):m.start(5)]
        graph.mounts.setdefault(child, []).append(
            _Mount(parent, prefix, name or repr(m.group(3)), f"{where}:{_line(text, m.start())}",
                   guarded=bool(_names_login(middle))))


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1
